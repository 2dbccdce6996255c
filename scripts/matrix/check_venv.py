"""Run with a root's venv Python after pip install:

- numpy, GDAL and the QGIS bindings must be Debian's (the ABI QGIS was built against), not pip
  copies shadowing them;
- ``pip check`` must be clean for every package installed in the venv itself. Problems among the
  root's Debian packages only (sid is sometimes inconsistent) are printed as warnings.
Prints the versions; exits 1 otherwise.
"""

import re
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

import numpy
import osgeo
import qgis
from qgis.core import Qgis

DEBIAN = "/usr/lib/python3/dist-packages/"


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def venv_packages() -> set:
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    return {norm(d.metadata["Name"]) for d in metadata.distributions(path=[str(site)])}


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
