"""make demo: the whole case package from the embedded sample case, through its case file.

Writes the sample case into ``<output>/sample_case`` and runs
``python -m ree_damage run <output>/sample_case/case.toml --output <output>/package``
(:func:`ree_damage.core.case.package.run_case`, then the QGIS project when QGIS is
installed), printing the package's path and a one-screen summary. A second ``make demo``
reuses every step whose inputs did not change.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _import_package():
    """``ree_damage`` installed (pip install -e .) or through the checkout's link folder."""
    try:
        import ree_damage  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(ROOT / ".pkg"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default="demo_output", help="output folder (default: demo_output)")
    parser.add_argument("--no-project", action="store_true", help="no QGIS project (case.qgz)")
    args = parser.parse_args(argv)
    out = Path(args.output).resolve()
    _import_package()
    from ree_damage.__main__ import main as command_line
    from ree_damage.sample_case import generate_sample_case

    started = time.perf_counter()
    paths = generate_sample_case(out / "sample_case")
    print(f"sample case (synthetic) written in {time.perf_counter() - started:.1f} s: {paths['case_file']}",
          file=sys.stderr)
    command = ["run", str(paths["case_file"]), "--output", str(out / "package")]
    return command_line(command + (["--no-project"] if args.no_project else []))


if __name__ == "__main__":
    sys.exit(main())
