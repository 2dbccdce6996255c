"""Benchmark: the whole run_case on the sample case, with the time of each step.

Three runs in one process, each into the same package folder:

* first     a fresh package (a cold process: imports, numba kernels loaded from the cache)
* rerun     every step recomputed (``reuse=False``, what ``--rerun-all`` does), warm process
* unchanged a rerun with nothing changed: every step reused from the manifest

With QGIS installed the chain includes the ``maps`` step (the report maps, PDF + PNG at
the case's dpi, 300 by default) and each run is followed by the QGIS project (``project``
row), as ``python -m ree_damage run`` does; without QGIS both are left out (a line says so).

The issue's goal is the whole run under 60 s on two cores after the first run. The
machine may be shared: the figures are wall-clock times under whatever load there is;
compare the ratios within one run. Run:

    .venv/bin/python benchmarks/bench_run_case.py               # sample case, scale 1
    .venv/bin/python benchmarks/bench_run_case.py --scale 4     # four times the area
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PKG_PARENT = ROOT / ".pkg"


def ensure_package() -> None:
    """Import ree_damage the way the tests do: .pkg/ree_damage -> repository root."""
    link = PKG_PARENT / "ree_damage"
    PKG_PARENT.mkdir(exist_ok=True)
    if not link.exists():
        os.symlink(ROOT, link, target_is_directory=True)
    if str(PKG_PARENT) not in sys.path:
        sys.path.insert(0, str(PKG_PARENT))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="sample case area factor (default 1)")
    args = parser.parse_args(argv)
    ensure_package()
    from ree_damage.__main__ import _qgis_available, start_qgis_headless
    from ree_damage.core.case.package import run_case
    from ree_damage.sample_case import generate_sample_case

    extra_steps, host, write_project = (), {}, None
    if _qgis_available():
        start_qgis_headless()
        from qgis.core import Qgis

        from ree_damage.processing.algorithms.tools.run_case import write_case_project
        from ree_damage.processing.maps.case_maps import maps_step

        extra_steps, host, write_project = (maps_step(),), {"qgis": Qgis.QGIS_VERSION}, write_case_project
    else:
        print("QGIS (qgis.core) not found: no maps step and no project in these runs")

    with tempfile.TemporaryDirectory(prefix="bench_run_case_") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        generate_sample_case(folder / "case", scale=args.scale)
        print(f"sample case (scale {args.scale:g}) written in {time.perf_counter() - started:.1f} s")
        runs, cpu = {}, {}
        for label, reuse in (("first", True), ("rerun", False), ("unchanged", True)):
            started, cpu_started = time.perf_counter(), time.process_time()
            result = run_case(folder / "case" / "case.toml", folder / "package", reuse=reuse,
                              extra_steps=extra_steps, host=host)
            steps = {s.name: (s.status, s.seconds) for s in result.steps}
            if write_project is not None:
                project_started = time.perf_counter()
                write_project(result.package, result.manifest)
                steps["project"] = ("ran", time.perf_counter() - project_started)
            runs[label] = (time.perf_counter() - started, steps)
            cpu[label] = time.process_time() - cpu_started
        names = list(runs["first"][1])
        print(f"{'step':<20}" + "".join(f"{label:>18}" for label in runs))
        for name in names:
            cells = []
            for label in runs:
                status, seconds = runs[label][1][name]
                cells.append(f"{seconds:8.2f} s {status:<7}")
            print(f"{name:<20}" + "".join(f"{cell:>18}" for cell in cells))
        print(f"{'whole run_case':<20}" + "".join(f"{runs[label][0]:>10.2f} s{'':<6}" for label in runs))
        print(f"{'  its CPU time':<20}" + "".join(f"{cpu[label]:>10.2f} s{'':<6}" for label in runs)
              + "  (all threads of the process: what a 2-core machine of its own needs at most twice over)")
        first, rerun, unchanged = (runs[label][0] for label in ("first", "rerun", "unchanged"))
        print(f"rerun / first = {rerun / first:.2f}; unchanged / rerun = {unchanged / rerun:.3f} "
              f"(wall clock, {os.cpu_count()} cpus seen, load average {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
