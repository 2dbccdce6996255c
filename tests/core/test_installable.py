"""`pip install -e .` gives the package ree_damage: pyproject.toml lists every package of it."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
NOT_INSTALLED = {"tests", "benchmarks", "scripts", "build", "dist"}


def _project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _packages_on_disk() -> set:
    found = set()
    for init in ROOT.rglob("__init__.py"):
        parts = init.parent.relative_to(ROOT).parts
        if parts and (parts[0] in NOT_INSTALLED or parts[0].startswith(".")):
            continue
        found.add(".".join(("ree_damage", *parts)))
    return found


def test_every_package_is_installed_and_nothing_else():
    setuptools = _project()["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"ree_damage": "."}
    listed = set(setuptools["packages"])
    on_disk = _packages_on_disk()
    assert on_disk - listed == set(), "add these packages to [tool.setuptools] packages in pyproject.toml"
    assert listed - on_disk == set(), "these listed packages do not exist"
    assert {"ree_damage.core.case", "ree_damage.core.survey", "ree_damage.sample_case"} <= listed


def test_the_version_is_the_plugin_version():
    from ree_damage.core import __version__

    project = _project()
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "ree_damage.core.__version__"}
    metadata = (ROOT / "metadata.txt").read_text(encoding="utf-8")
    assert f"version={__version__}" in metadata.splitlines()


def test_the_runtime_libraries_match_the_pins():
    """Every pinned runtime library of requirements.txt that the code imports is a dependency."""
    names = {d.split(";")[0].split(">")[0].split("=")[0].strip().lower() for d in _project()["project"]["dependencies"]}
    for library in ("scipy", "pandas", "shapely", "geopandas", "pyogrio", "rasterio", "pykrige", "openpyxl", "tomli-w"):
        assert library in names
