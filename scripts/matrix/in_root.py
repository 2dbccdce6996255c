"""Run inside a matrix root with its venv Python: the QGIS test layer, then the qgis_process smoke run.

    /opt/ree-venv/bin/python scripts/matrix/in_root.py --results <dir> --suite <name>

Writes <dir>/summary.json (versions, pytest counts, smoke results) and the raw outputs next to it
(pytest.xml, pytest.log, smoke.json, smoke.log). Exit status 1 when a test or an algorithm failed.
Extra pytest arguments: REE_PYTEST_ARGS. REE_SMOKE_ONLY=1 skips pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def pytest_counts(xml_path: Path) -> dict:
    """Counts from the JUnit XML; ``xfailed`` (known issues, counted in ``skipped`` too) by test."""
    counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0, "total": 0, "xfailed": []}
    if not xml_path.exists():
        return counts
    root = ET.parse(xml_path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    for case in root.iter("testcase"):
        skipped = case.find("skipped")
        if skipped is not None and skipped.get("type") == "pytest.xfail":
            counts["xfailed"].append(f"{case.get('classname', '')}::{case.get('name', '')}")
    for s in suites:
        tests, failures = int(s.get("tests", 0)), int(s.get("failures", 0))
        errors, skipped = int(s.get("errors", 0)), int(s.get("skipped", 0))
        counts["total"] += tests
        counts["failed"] += failures
        counts["errors"] += errors
        counts["skipped"] += skipped
        counts["passed"] += tests - failures - errors - skipped
    return counts


def library_origins() -> dict:
    """name -> "version (Debian|venv|path)" of the plugin's native geo stack, in a child process
    (importing them here would only slow this runner)."""
    code = """
import importlib, json, sysconfig
from pathlib import Path
site = str(Path(sysconfig.get_paths()["purelib"]).resolve())
out = {}
for name in ("numpy", "pyproj", "shapely", "pyogrio", "rasterio", "geopandas", "pandas", "scipy", "pykrige"):
    try:
        m = importlib.import_module(name)
    except Exception as exc:
        out[name] = f"missing ({type(exc).__name__})"
        continue
    path = str(Path(m.__file__).resolve())
    where = "Debian" if path.startswith("/usr/lib/python3/") else "venv" if path.startswith(site) else path
    out[name] = f"{getattr(m, '__version__', '?')} ({where})"
print(json.dumps(out))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": (proc.stderr or "no output").strip()[-300:]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", type=Path, required=True)
    ap.add_argument("--suite", required=True)
    args = ap.parse_args(argv)
    out = args.results
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))

    from qgis.core import Qgis  # the root's QGIS, through --system-site-packages

    summary: dict = {
        "suite": args.suite,
        "qgis": Qgis.QGIS_VERSION,
        "qgis_int": Qgis.QGIS_VERSION_INT,
        "python": sys.version.split()[0],
        "pytest": None,
        "pytest_exit": None,
        "smoke": None,
        "smoke_exit": None,
    }
    try:
        import numpy

        summary["numpy"] = numpy.__version__
    except ImportError:
        summary["numpy"] = None

    summary["libraries"] = library_origins()
    print(f"[{args.suite}] " + ", ".join(f"{k} {v}" for k, v in summary["libraries"].items()), flush=True)

    t0 = time.monotonic()
    if os.environ.get("REE_SMOKE_ONLY") != "1":
        print(
            f"[{args.suite}] pytest tests/qgis (QGIS {Qgis.QGIS_VERSION}, Python {summary['python']})",
            flush=True,
        )
        xml = out / "pytest.xml"
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            "tests/qgis",
            "-q",
            "-rfE",
            "-p",
            "no:cacheprovider",
            # known failures outside scripts/matrix, marked xfail with their reason
            "-p",
            "known_issues",
            f"--junitxml={xml}",
            *shlex.split(os.environ.get("REE_PYTEST_ARGS", "")),
        ]
        pytest_env = dict(env, PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")])))
        with open(out / "pytest.log", "w", encoding="utf-8") as log:
            proc = subprocess.run(
                cmd,
                cwd=REPO,
                env=pytest_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                stdin=subprocess.DEVNULL,
            )
            log.write(proc.stdout)
        lines = proc.stdout.rstrip().splitlines()
        # keep the console short: failures summary + the closing line
        shown = [ln for ln in lines if ln.startswith(("FAILED", "ERROR"))][:40] + lines[-1:]
        for ln in shown:
            print(f"    {ln}")
        summary["pytest_exit"] = proc.returncode
        summary["pytest"] = pytest_counts(xml)
    summary["pytest_seconds"] = round(time.monotonic() - t0, 1)

    print(f"[{args.suite}] qgis_process smoke run", flush=True)
    t1 = time.monotonic()
    smoke_json = out / "smoke.json"
    proc = subprocess.run(
        [sys.executable, str(HERE / "smoke.py"), "--out", str(smoke_json)],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    summary["smoke_exit"] = proc.returncode
    if smoke_json.exists():
        summary["smoke"] = json.loads(smoke_json.read_text(encoding="utf-8"))
    summary["smoke_seconds"] = round(time.monotonic() - t1, 1)

    (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    pytest_ok = summary["pytest_exit"] in (None, 0)
    return 0 if pytest_ok and summary["smoke_exit"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
