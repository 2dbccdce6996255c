#!/usr/bin/env bash
# One-command setup: QGIS from the operating system, .venv from QGIS's interpreter with
# --system-site-packages, pinned Python libraries from requirements-dev.txt.
# Idempotent: each step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PYTHON=${SYSTEM_PYTHON:-/usr/bin/python3}
VENV=.venv

say() { printf '[setup] %s\n' "$*"; }

need_packages=()
if ! "$SYSTEM_PYTHON" -c "import qgis.core" 2>/dev/null; then
  need_packages+=(python3-qgis qgis-providers qgis)
fi
"$SYSTEM_PYTHON" -c "import ensurepip, venv" 2>/dev/null || need_packages+=(python3-venv)
"$SYSTEM_PYTHON" -c "import pyproj" 2>/dev/null || need_packages+=(python3-pyproj)
# shapely, pyogrio and rasterio are built against the system GEOS/GDAL (see requirements.txt)
command -v geos-config >/dev/null 2>&1 || need_packages+=(libgeos-dev)
command -v gdal-config >/dev/null 2>&1 || need_packages+=(libgdal-dev)
command -v g++ >/dev/null 2>&1 || need_packages+=(g++)
"$SYSTEM_PYTHON" -c "import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))" \
  || need_packages+=(python3-dev)
command -v lrelease >/dev/null 2>&1 || need_packages+=(qttools5-dev-tools)
command -v gdal_grid >/dev/null 2>&1 || need_packages+=(gdal-bin)
command -v git >/dev/null 2>&1 || need_packages+=(git)
command -v debootstrap >/dev/null 2>&1 || need_packages+=(debootstrap)  # make setup-matrix (QGIS 3.40 / 3.44 roots)
command -v make >/dev/null 2>&1 || need_packages+=(make)
# python-docx's XML library: the system's, as QGIS's own Python has it (no second libxml2 in the process)
"$SYSTEM_PYTHON" -c "import lxml.etree" 2>/dev/null || need_packages+=(python3-lxml)
# test oracles: LibreOffice headless (recalculates the valuation workbook, converts the report DOCX
# to PDF) and poppler's pdftotext (reads the exported maps' text)
command -v soffice >/dev/null 2>&1 || need_packages+=(libreoffice-writer-nogui libreoffice-calc-nogui)
command -v pdftotext >/dev/null 2>&1 || need_packages+=(poppler-utils)
# a Chinese font for the report maps' labels (Qt renders CJK text as empty boxes without one)
fc-list :lang=zh 2>/dev/null | grep -q . || need_packages+=(fonts-wqy-microhei)
# make screenshots: the QGIS desktop on a virtual X server (xvfb-run needs xauth)
command -v xvfb-run >/dev/null 2>&1 || need_packages+=(xvfb)
command -v xauth >/dev/null 2>&1 || need_packages+=(xauth)

if [ ${#need_packages[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    say "installing from the operating system's packages: ${need_packages[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
  else
    say "missing: ${need_packages[*]}"
    say "This is not a Debian/Ubuntu system. Install QGIS (>= 3.22) with its Python bindings from your"
    say "system's packages (Fedora: dnf install qgis python3-qgis; Arch: pacman -S qgis;"
    say "macOS/Windows: see README.md, section 'Install into QGIS'), then run make setup again."
    exit 1
  fi
fi
"$SYSTEM_PYTHON" -c "import qgis.core" || { say "QGIS's Python bindings still do not import with $SYSTEM_PYTHON"; exit 1; }

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import qgis.core" 2>/dev/null; then
  say "creating $VENV from $SYSTEM_PYTHON with --system-site-packages"
  rm -rf "$VENV"
  "$SYSTEM_PYTHON" -m venv --system-site-packages "$VENV"
  # pip >= 23.1 reuses locally built wheels of --no-binary packages (Debian 12's 23.0 rebuilds them)
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "pip==25.1.1"
fi

# pyproj looks for PROJ's data (proj.db) in $PROJ_DATA, then under sys.prefix: the system
# Python's prefix (/usr) has it in share/proj, the venv's prefix does not, so the system
# pyproj seen through --system-site-packages warns "Valid PROJ data directory not found".
# Link the system's data directory into the venv (QGIS's own process runs with prefix /usr).
if [ ! -e "$VENV/share/proj/proj.db" ]; then
  proj_data=$("$SYSTEM_PYTHON" -c "import pyproj.datadir; print(pyproj.datadir.get_data_dir())" 2>/dev/null || true)
  if [ -n "$proj_data" ] && [ -e "$proj_data/proj.db" ]; then
    say "linking PROJ's data directory $proj_data into $VENV/share/proj"
    mkdir -p "$VENV/share"
    rm -rf "$VENV/share/proj"
    ln -s "$proj_data" "$VENV/share/proj"
  else
    say "PROJ's data directory (proj.db) was not found for $SYSTEM_PYTHON: pyproj will warn"
  fi
fi

stamp="$VENV/.requirements.sha256"
want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing the pinned Python libraries (requirements-dev.txt; shapely, pyogrio, rasterio are compiled once, a few minutes)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements-dev.txt
  # wheels that bundle their own GDAL/PROJ/GEOS must not be used (see requirements.txt)
  site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  [ -d "$site/pyproj" ] && "$VENV/bin/python" -m pip uninstall -q -y pyproj
  bundled=()
  for dist in shapely pyogrio rasterio; do [ -d "$site/$dist.libs" ] && bundled+=("$dist"); done
  if [ ${#bundled[@]} -gt 0 ]; then
    say "rebuilding against the system libraries: ${bundled[*]}"
    pins=$(grep -E "^($(IFS='|'; echo "${bundled[*]}"))==" requirements.txt)
    # shellcheck disable=SC2086
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps \
      --no-binary "$(IFS=,; echo "${bundled[*]}")" $pins
  fi
  echo "$want" > "$stamp"
fi

# The package is imported as ree_damage whatever this folder is called.
mkdir -p .pkg
[ -e .pkg/ree_damage ] || ln -s .. .pkg/ree_damage

# Compiled kernels (numba, core/common/kernels.py): compiled once here into numba's disk
# cache (about 30 s), so that no first run waits for a compiler.
if ! (cd .pkg && "../$VENV/bin/python" -c 'import sys; from ree_damage.core.common import kernels as k; sys.exit(0 if not k.enabled() or k.cache_present() else 1)'); then
  say "compiling the numba kernels into numba's cache (once, about 30 s)"
  (cd .pkg && "../$VENV/bin/python" -c 'from ree_damage.core.common import kernels as k; k.warm_up() or print(f"[setup] numba kernels not compiled ({k.load_error()}): the numpy path will serve")') \
    || say "numba kernels not compiled: the numpy path will serve"
fi

# Translations: .ts files are kept in git, .qm files are built here.
for ts in resources/i18n/*.ts; do
  [ -e "$ts" ] || continue
  qm="${ts%.ts}.qm"
  if [ ! -e "$qm" ] || [ "$ts" -nt "$qm" ]; then
    lrelease -silent "$ts" -qm "$qm"
  fi
done
say "ready: $("$VENV/bin/python" -c 'from qgis.core import Qgis; print("QGIS", Qgis.QGIS_VERSION)')"
