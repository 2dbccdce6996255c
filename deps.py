"""The seam between QGIS's own Python and the plugin's libraries.

QGIS desktop and ``qgis_process`` run their own interpreter, which does not see the
project's ``.venv``. ``make install-plugin`` puts the pinned libraries (requirements.txt,
numpy excluded: QGIS's own numpy is used) into a plugin-private folder of the QGIS
profile, ``<profile>/python/ree_damage_deps``. On load the plugin puts that folder at
the front of ``sys.path`` (our pinned versions win over older system copies such as
Debian's pyproj 3.4) and checks every library; a missing one gives a message naming it
and the command that installs it. Setting ``REE_DAMAGE_DEPS`` points at another folder.

No QGIS import here, so the check is testable without QGIS.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from pathlib import Path

DEPS_FOLDER_NAME = "ree_damage_deps"

#: distribution name -> minimum version
REQUIRED = {
    "numpy": "1.22",
    "scipy": "1.9",
    "pandas": "1.5",
    "shapely": "2.0",
    "geopandas": "0.14",
    "pyogrio": "0.7",
    "pyproj": "3.3",
    "rasterio": "1.3",
    "PyKrige": "1.7",
    "openpyxl": "3.0",
}


def private_deps_dir(profile_python_dir=None) -> Path | None:
    """The plugin-private library folder, from ``REE_DAMAGE_DEPS`` or the profile."""
    override = os.environ.get("REE_DAMAGE_DEPS")
    if override:
        return Path(override)
    if profile_python_dir:
        return Path(profile_python_dir) / DEPS_FOLDER_NAME
    return None


def activate(profile_python_dir=None) -> Path | None:
    """Put the private library folder first on ``sys.path`` if it exists; return it."""
    folder = private_deps_dir(profile_python_dir)
    if folder is not None and folder.is_dir() and str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
        importlib.invalidate_caches()
    return folder


def _version_tuple(text: str) -> tuple:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def problems() -> list[str]:
    """Each missing or too old library, as a sentence; empty when all is well."""
    found = []
    for distribution, minimum in REQUIRED.items():
        try:
            version = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{distribution} is missing (>= {minimum} needed)")
            continue
        if _version_tuple(version) < _version_tuple(minimum):
            found.append(f"{distribution} {version} is too old (>= {minimum} needed)")
    return found


def install_command(folder: Path | None) -> str:
    """The command that installs the libraries for QGIS's interpreter."""
    target = folder or Path("<QGIS profile>/python") / DEPS_FOLDER_NAME
    plugin_dir = Path(__file__).resolve().parent
    return (
        f'"{sys.executable}" -m pip install --no-deps --target "{target}" '
        f'-r "{plugin_dir / "requirements.txt"}"   (or, from a source checkout: make install-plugin)'
    )
