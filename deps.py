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


def missing() -> list[tuple]:
    """Each missing or too old library as ``(distribution, found version or None, minimum)``."""
    found = []
    for distribution, minimum in REQUIRED.items():
        try:
            version = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            found.append((distribution, None, minimum))
            continue
        if _version_tuple(version) < _version_tuple(minimum):
            found.append((distribution, version, minimum))
    return found


def problems(tr=None) -> list[str]:
    """Each missing or too old library, as a sentence; empty when all is well.

    ``tr`` maps the English sentence template to the user's language (the plugin
    passes Qt's translation); the templates take ``{0}`` name, ``{1}`` version, ``{2}`` minimum.
    """
    tr = tr or (lambda text: text)
    sentences = []
    for distribution, version, minimum in missing():
        if version is None:
            sentences.append(tr("{0} is missing (>= {2} needed)").format(distribution, version, minimum))
        else:
            sentences.append(tr("{0} {1} is too old (>= {2} needed)").format(distribution, version, minimum))
    return sentences


def qgis_python() -> Path:
    """The Python interpreter of the running QGIS.

    Inside QGIS desktop ``sys.executable`` is not to be trusted: it is the QGIS program
    itself, or whatever ``python3`` comes first on the PATH (seen: a pyenv shim). The
    interpreter QGIS runs is the one of its Python installation (``sys.base_prefix``),
    with the running version's name (``python3.11``); ``sys.executable`` serves only
    when that is not found.
    """
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    prefix = Path(sys.base_prefix)
    executable = Path(sys.executable)
    if os.name == "nt":
        candidates = [prefix / "python.exe", executable.parent / "python.exe", executable.parent / "python3.exe"]
    else:
        candidates = [prefix / "bin" / f"python{version}", prefix / "bin" / "python3"]
    if executable.name.lower().startswith("python"):
        candidates.append(executable)
    if os.name != "nt":
        candidates.append(Path("/usr/bin") / f"python{version}")
    return next((candidate for candidate in candidates if candidate.exists()), candidates[0])


def _quote(text: str) -> str:
    if os.name == "nt":  # cmd.exe and PowerShell both take double quotes
        return f'"{text}"'
    import shlex

    return shlex.quote(text)


def install_command(folder: Path | None) -> str:
    """The pip command that installs the libraries for QGIS's interpreter (one line)."""
    target = folder or Path("<QGIS profile>/python") / DEPS_FOLDER_NAME
    plugin_dir = Path(__file__).resolve().parent
    words = [str(qgis_python()), "-m", "pip", "install", "--no-deps", "--target", str(target),
             "-r", str(plugin_dir / "requirements.txt")]
    return " ".join(_quote(word) for word in words)


def system_packages_command() -> str | None:
    """On Debian/Ubuntu, the apt-get command for what pip needs to build the libraries
    (pip itself, the GDAL/GEOS headers, a compiler); None when nothing is missing or the
    system has no apt-get.

    shapely, pyogrio and rasterio are built against the system's GDAL/GEOS (requirements.txt
    says why), so pip needs their headers.
    """
    import importlib.util
    import shutil
    import sysconfig

    if os.name == "nt" or shutil.which("apt-get") is None:
        return None
    packages = []
    if importlib.util.find_spec("pip") is None:
        packages.append("python3-pip")
    if shutil.which("gdal-config") is None:
        packages.append("libgdal-dev")
    if shutil.which("geos-config") is None:
        packages.append("libgeos-dev")
    if shutil.which("g++") is None:
        packages.append("g++")
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        packages.append("python3-dev")
    if not packages:
        return None
    return "sudo apt-get install " + " ".join(packages)


def install_commands(folder: Path | None) -> list[str]:
    """The commands, one per line, that install the libraries for QGIS's interpreter;
    each line is a complete shell command that can be pasted as it is."""
    system = system_packages_command()
    return ([system] if system else []) + [install_command(folder)]
