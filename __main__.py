"""The command line: ``python -m ree_damage run CASE.toml`` and ``python -m ree_damage validate CASE.toml``.

``run`` runs the case chain into a case package (see
:mod:`ree_damage.core.case.package`). When ``qgis.core`` imports, QGIS is started without
a display: the ``maps`` step draws the report maps and the QGIS project ``case.qgz``
(layers and the maps' layouts) is written; without QGIS both are skipped with a line
saying so.
``validate`` reads and checks the case file and its inputs, and says which steps would
run, which would be skipped and why, and, for an existing package, which are stale.
No display is needed. Progress goes to stderr, the summary to stdout.

Exit codes
----------
0
    Done (``validate``: the case file is good).
2
    A bad case file or input (the message names the key, layer, row or column), or an
    output folder that is not a package. Found before any work: nothing is written.
1
    The run failed for another reason (the previous package is left as it was).
130
    Cancelled (Ctrl-C); the previous package is left as it was.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_CANCELLED = 0, 1, 2, 130
PROJECT_NAME = "case.qgz"


class ProgressDisplay:
    """Progress on stderr: one line per step event; on a terminal, a bar that redraws in place,
    elsewhere (a log file) a line at each further 25 % of the whole run."""

    def __init__(self, stream=None, quiet: bool = False):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.step = ""
        self.last_quarter = 0
        self.bar_shown = False

    def log(self, line: str) -> None:
        if self.quiet:
            return
        self._clear_bar()
        if line.startswith("run "):
            self.step = line.split()[1]
        self.stream.write(line + "\n")
        self.stream.flush()

    def progress(self, fraction: float) -> None:
        if self.quiet:
            return
        fraction = min(max(float(fraction), 0.0), 1.0)
        if self.tty:
            filled = int(fraction * 30)
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} {self.step:<20}")
            self.stream.flush()
            self.bar_shown = True
        elif int(fraction * 4) > self.last_quarter:
            self.last_quarter = int(fraction * 4)
            self.stream.write(f"  {self.last_quarter * 25}% of the run\n")
            self.stream.flush()

    def _clear_bar(self) -> None:
        if self.bar_shown:
            self.stream.write("\r" + " " * 60 + "\r")
            self.bar_shown = False


def _error(message: str) -> None:
    sys.stderr.write(f"error: {message}\n")


def _load(case_path):
    from .core.case import load_case

    return load_case(case_path)


def _default_output(case) -> Path:
    return case.folder / "package"


def cmd_validate(args) -> int:
    from .core.case.package import check_output_folder, skip_reason, stale_steps
    from .core.case.registry import STEPS

    case = _load(args.case)
    print(f"case file: {case.file}")
    print(f"case: {case.info.id} {case.info.name}")
    available = set()
    qgis = _qgis_available()
    for step in STEPS:
        if step.run is None and step.host == "qgis" and qgis:  # the host gives it when the case runs
            step = dataclasses.replace(step, run=lambda ctx: None)
        reason = skip_reason(step, case, available)
        if reason is None:
            available.add(step.name)
            print(f"  {step.name}: runs")
        else:
            print(f"  {step.name}: skipped: {reason}")
    if qgis:  # the maps' parameters are checked by the step that takes them
        from .processing.maps.case_maps import check_params

        check_params(case)
    print(f"  project: {'written (qgis.core imports)' if qgis else 'skipped: QGIS (qgis.core) not found'}")
    if args.output:
        out = check_output_folder(args.output, case)
        if out.is_dir():
            extra_steps, host = (), {}
            if qgis:  # as run does: the maps step with QGIS's version
                from qgis.core import Qgis

                from .processing.maps.case_maps import maps_step

                extra_steps, host = (maps_step(),), {"qgis": Qgis.QGIS_VERSION}
            stale = stale_steps(case, out, extra_steps=extra_steps, host=host)
            print(f"package {out}: " + (", ".join(f"{k} ({v})" for k, v in stale.items()) + " would run"
                                        if stale else "every step up to date"))
    print("the case file is valid")
    return EXIT_OK


def _qgis_available() -> bool:
    try:
        import qgis.core  # noqa: F401
    except ImportError:
        return False
    return True


def cmd_run(args) -> int:
    from .core.case.package import check_output_folder, run_case

    case = _load(args.case)
    out = check_output_folder(args.output or _default_output(case), case)
    display = ProgressDisplay(quiet=args.quiet)
    started = time.perf_counter()
    qgis = _qgis_available()
    extra_steps, host = (), {}
    if qgis:  # the report maps are drawn by QGIS, started here without a display
        start_qgis_headless()
        from qgis.core import Qgis

        from .processing.maps.case_maps import maps_step

        extra_steps, host = (maps_step(),), {"qgis": Qgis.QGIS_VERSION}
    result = run_case(case, out, extra_steps=extra_steps, reuse=not args.rerun_all, host=host, log=display.log,
                      progress=display.progress)
    display.log(f"package written in {time.perf_counter() - started:.1f} s")
    if args.no_project:
        display.log("skip project: --no-project")
    elif not qgis:
        display.log("skip project: QGIS (qgis.core) is not installed; run the run_case algorithm in QGIS for case.qgz")
    else:
        project_started = time.perf_counter()
        path = write_project_headless(result)
        display.log(f"done project {path.name} in {time.perf_counter() - project_started:.1f} s")
    print(summary_text(result))
    return EXIT_OK


_APP = []  # the QgsApplication started here, kept alive for the process


def start_qgis_headless() -> None:
    """Start QGIS without a display, when no application runs yet."""
    import os
    import tempfile

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if not os.environ.get("XDG_RUNTIME_DIR"):  # else Qt warns on stderr and picks /tmp/runtime-<user>
        os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="ree_damage-runtime-")
    from qgis.core import QgsApplication

    if QgsApplication.instance() is None:
        app = QgsApplication([], False)
        app.initQgis()
        _APP.append(app)


def write_project_headless(result) -> Path:
    """Start QGIS without a display (when no application runs yet) and write the package's project."""
    start_qgis_headless()
    from .processing.algorithms.tools.run_case import write_case_project

    return write_case_project(result.package, result.manifest)


def summary_text(result) -> str:
    """A one-screen summary of a run: the package, the steps, zones, points, samples, damage, volume, value."""
    manifest = result.manifest
    steps = manifest["steps"]

    def figure(step, key, default=None):
        return steps.get(step, {}).get("summary", {}).get(key, default)

    lines = [f"case package: {result.package}",
             f"case: {manifest['case']['id']}  {manifest['case']['name']}"]
    for status in ("ran", "reused", "skipped"):
        names = result.names(status)
        if names:
            lines.append(f"  {status}: {', '.join(names)}")
    if manifest.get("stale"):
        lines.append(f"  stale (rerun): {', '.join(manifest['stale'])}")
    zones = figure("zones", "zone_codes")
    if zones is not None:
        lines.append(f"functional zones: {len(zones)} ({', '.join(zones)}), {figure('zones', 'zones_area_m2'):,.0f} m2")
    if figure("sampling", "points") is not None:
        lines.append(f"sampling points: {figure('sampling', 'points')} + {figure('sampling', 'control_points')} control; "
                     f"planned samples: {figure('depth', 'planned_samples', '-')}")
    if figure("lab", "lab_samples") is not None:
        lines.append(f"lab samples: {figure('lab', 'lab_samples')}; confirmed damaged samples: "
                     f"{figure('damage', 'damaged_samples', '-')}")
    area = figure("damage", "damaged_area_range_m2")
    volume = figure("damage", "damaged_volume_range_m3")
    if area:
        per_method = figure("damage", "damaged_area_m2") or {}
        methods = ", ".join(f"{m} {a:,.0f} m2 / {v:,.0f} m3" for m, (a, v) in per_method.items())
        lines.append(f"damaged soil (all zones, any indicator): {methods}; range {area[0]:,.0f}-{area[1]:,.0f} m2, "
                     f"{volume[0]:,.0f}-{volume[1]:,.0f} m3")
    cut = figure("mined_volume", "cut_range_m3")
    if cut:
        lines.append(f"mined volume (cut): {figure('mined_volume', 'cut_m3'):,.0f} m3, "
                     f"range {cut[0]:,.0f}-{cut[1]:,.0f} m3 (cell and grid methods)")
    lost = figure("vegetation_damage", "forest_area_lost_m2")
    if lost is not None:
        lines.append(f"vegetation lost: {lost:,.0f} m2 (kappa {figure('vegetation_damage', 'kappa', float('nan')):.3f})")
    total = figure("valuation", "total_value_cny")
    if total is not None:
        low, high = figure("valuation", "total_value_range_cny") or (total, total)
        lines.append(f"total value: {total:,.2f} CNY (range {low:,.2f}-{high:,.2f} CNY)")
    report = [f for f in steps.get("report_document", {}).get("files", []) if f.endswith(".docx")]
    if report:
        lines.append(f"draft report: {result.package / report[0]}")
    lines.append(f"manifest: {result.package / 'manifest.json'} ({len(manifest['files'])} files with SHA-256)")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ree_damage",
        description="Run a rare-earth damage case from its case file (TOML) into a case package.",
        epilog="exit codes: 0 ok, 2 bad case file or input (nothing written), 1 failure, 130 cancelled",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the case chain into a case package")
    run.add_argument("case", help="the case file (case.toml) or its folder")
    run.add_argument("--output", "-o", help="package folder (default: <case folder>/package)")
    run.add_argument("--rerun-all", action="store_true", help="rerun every step, even those whose inputs are unchanged")
    run.add_argument("--no-project", action="store_true", help="do not write the QGIS project even when QGIS is present")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    run.set_defaults(handler=cmd_run)
    validate = commands.add_parser("validate", help="check a case file and its inputs without running")
    validate.add_argument("case", help="the case file (case.toml) or its folder")
    validate.add_argument("--output", "-o", help="an existing package: list the steps a run would redo")
    validate.set_defaults(handler=cmd_validate)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    from .core.common.errors import Canceled, InputError

    try:
        return args.handler(args)
    except InputError as error:
        _error(str(error))
        return EXIT_BAD_INPUT
    except (Canceled, KeyboardInterrupt):
        _error("cancelled; the previous package (if any) is unchanged")
        return EXIT_CANCELLED
    except Exception as error:  # noqa: BLE001 - the command line reports every failure as exit 1
        _error(f"{type(error).__name__}: {error}")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
