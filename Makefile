# ree_damage: rare-earth damage assessment plugin for QGIS.
# make setup | test | demo | package | install-plugin | bench | lint | qt6-check | test-matrix
SHELL := /bin/bash
PY := .venv/bin/python
export QT_QPA_PLATFORM ?= offscreen
export PYTHONDONTWRITEBYTECODE = 1
# Core tests run with QGIS and Qt made unimportable: core must never need them.
CORE_PYTEST := REE_HIDE_QGIS=1 $(PY) -m pytest -p no:pytest_qgis tests/core
QGIS_PYTEST := $(PY) -m pytest tests/qgis

.PHONY: setup test lint qt6-check test-core test-qgis demo package install-plugin bench clean setup-matrix test-matrix screenshots

setup:
	@bash scripts/setup.sh

lint: setup
	$(PY) -m ruff check .

# Qt 6 / QGIS 4 readiness without a Qt 6 QGIS: our checks (QT601-QT606) + flake8-qgis (QGS*)
qt6-check: setup
	$(PY) scripts/qt6_check.py
	$(PY) -m flake8 .

test: setup lint qt6-check
	$(CORE_PYTEST) -q
	$(QGIS_PYTEST) -q

test-core: setup
	$(CORE_PYTEST) -q

test-qgis: setup
	$(QGIS_PYTEST) -q

demo: setup
	$(PY) scripts/demo.py --output demo_output

package: setup
	$(PY) scripts/package.py --output dist

install-plugin: setup
	$(PY) scripts/install_plugin.py $(if $(PROFILE),--profile "$(PROFILE)") $(if $(COPY),--copy)

bench: setup
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# the QGIS desktop under Xvfb: the case panel on the sample case (English, Chinese), the About box
screenshots: setup
	$(PY) scripts/screenshots.py --output docs/screenshots

# QGIS 3.40 (Debian trixie) and 3.44 (Debian sid) in cached debootstrap roots
setup-matrix:
	bash scripts/matrix/setup_root.sh

test-matrix: setup-matrix
	bash scripts/matrix/matrix.sh

clean:
	rm -rf dist build demo_output .pkg .pytest_cache .ruff_cache .hypothesis
