"""Run with a root's venv Python after apt-get + pip install (setup_root.sh):

- numpy, GDAL and the QGIS bindings must be Debian's (the ABI QGIS was built against), not pip
  copies shadowing them;
- the native geo libraries (pyproj, shapely, pyogrio, rasterio, fiona) must use the root's own
  GDAL/PROJ/GEOS, the ones QGIS has loaded: no manylinux wheel with bundled copies in the venv
  (``<dist>.libs`` folders), no libgdal/libproj/libgeos mapped from outside the system library
  folders after importing them, and the same versions as osgeo.gdal / QGIS report (inside
  qgis_process the wheels' bundled copies get their symbols mixed with QGIS's: they hang);
- every library of the plugin's deps.REQUIRED is there and new enough;
- ``pip check`` must be clean for every package installed in the venv itself. Problems among the
  root's Debian packages only (sid is sometimes inconsistent) are printed as warnings.
Prints the versions and where each geo library comes from; exits 1 otherwise.
"""

import importlib
import importlib.util
import re
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

import numpy
import osgeo
import qgis
from osgeo import gdal, osr
from qgis.core import Qgis, QgsProjUtils

DEBIAN = "/usr/lib/python3/dist-packages/"
REPO = Path(__file__).resolve().parents[2]
#: import name -> distribution whose manylinux wheel bundles GDAL/PROJ/GEOS in <dist>.libs
GEO = {"pyproj": "pyproj", "shapely": "shapely", "pyogrio": "pyogrio", "rasterio": "rasterio", "fiona": "fiona"}
NATIVE = re.compile(r"/lib(gdal|proj|geos_c|geos)(-[^/]*)?\.so(\.[0-9.]+)?$")
SYSTEM_LIB_DIRS = ("/usr/lib/", "/lib/", "/usr/local/lib/")


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def venv_site() -> Path:
    return Path(sysconfig.get_paths()["purelib"]).resolve()


def venv_packages() -> set:
    return {norm(d.metadata["Name"]) for d in metadata.distributions(path=[str(venv_site())])}


def mapped_native_libraries() -> set:
    with open("/proc/self/maps", encoding="utf-8") as maps:
        paths = (line.split(maxsplit=5)[-1].strip() for line in maps if line.count(" ") >= 5)
        return {p for p in paths if NATIVE.search(p)}


def origin(module) -> str:
    path = str(Path(module.__file__).resolve())
    if path.startswith(DEBIAN):
        return "Debian"
    if path.startswith(str(venv_site())):
        return "venv"
    return path


def check_geo() -> list:
    """Errors about the geo libraries; prints one line per library."""
    errors = []
    site = venv_site()
    for dist in sorted(set(GEO.values())):
        libs = site / f"{dist}.libs"
        if libs.is_dir():
            bundled = sorted(p.name for p in libs.iterdir())
            errors.append(f"{dist}: a wheel with its own native libraries in {libs} ({', '.join(bundled[:6])} ...)")
    for name in GEO:
        if importlib.util.find_spec(name) is None:
            continue
        try:
            module = importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - a broken import is one more finding
            errors.append(f"{name}: import failed: {type(exc).__name__}: {exc}")
            continue
        print(f"  {name} {getattr(module, '__version__', '?')} ({origin(module)})")
    foreign = sorted(p for p in mapped_native_libraries() if not p.startswith(SYSTEM_LIB_DIRS))
    if foreign:
        errors.append(f"GDAL/PROJ/GEOS loaded from outside the system: {foreign}")

    # the same library versions as the root's GDAL bindings and QGIS (what qgis_process has loaded)
    want_gdal = gdal.__version__
    want_geos = Qgis.geosVersion().split("-")[0]
    # the PROJ loaded in this process (GDAL asks it at run time); QgsProjUtils gives the PROJ QGIS
    # was COMPILED against, which lags behind when Debian updates libproj without a QGIS rebuild
    want_proj = (osr.GetPROJVersionMajor(), osr.GetPROJVersionMinor())
    built_proj = (QgsProjUtils.projVersionMajor(), QgsProjUtils.projVersionMinor())
    found = {}
    if "rasterio" in sys.modules:
        found["rasterio GDAL"] = (sys.modules["rasterio"].__gdal_version__, want_gdal)
    if "pyogrio" in sys.modules:
        found["pyogrio GDAL"] = (sys.modules["pyogrio"].__gdal_version_string__, want_gdal)
    if "fiona" in sys.modules:
        found["fiona GDAL"] = (sys.modules["fiona"].__gdal_version__, want_gdal)
    if "shapely" in sys.modules:
        found["shapely GEOS"] = (sys.modules["shapely"].geos_version_string.split("-")[0], want_geos)
    if "pyproj" in sys.modules:
        proj = tuple(int(p) for p in sys.modules["pyproj"].proj_version_str.split(".")[:2])
        found["pyproj PROJ"] = (proj, want_proj)
    for what, (have, want) in found.items():
        if have != want:
            errors.append(f"{what} {have} is not the root's {want} (the one QGIS uses)")
    print(
        f"  system: GDAL {want_gdal}, GEOS {want_geos}, PROJ {'.'.join(map(str, want_proj))}"
        f" (QGIS built on PROJ {'.'.join(map(str, built_proj))})"
    )
    return errors


def check_required() -> list:
    """deps.REQUIRED of the plugin (its own check, as the plugin runs it on load)."""
    spec = importlib.util.spec_from_file_location("ree_damage_deps_check", REPO / "deps.py")
    if spec is None or spec.loader is None:
        return [f"cannot load {REPO / 'deps.py'}"]
    deps = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(deps)
    return [f"plugin requirement: {p}" for p in deps.problems()]


def main() -> int:
    print(
        f"QGIS {Qgis.QGIS_VERSION}, Python {sys.version.split()[0]}, numpy {numpy.__version__}, "
        f"GDAL {osgeo.__version__}"
    )
    rc = 0
    bad = [m.__name__ for m in (numpy, osgeo, qgis) if not m.__file__.startswith(DEBIAN)]
    if bad:
        print(f"ERROR: not from Debian: {bad}", file=sys.stderr)
        rc = 1
    for err in check_geo() + check_required():
        print(f"ERROR: {err}", file=sys.stderr)
        rc = 1
    proc = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    ours = venv_packages()
    for line in proc.stdout.splitlines():
        m = re.match(r"(\S+) \S+ (?:has requirement|requires) ", line)
        if not m:
            continue
        if norm(m.group(1)) in ours:
            print(f"ERROR: pip check: {line}", file=sys.stderr)
            rc = 1
        else:
            print(f"warning (Debian packages of the root): {line}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
