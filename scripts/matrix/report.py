"""Print the matrix table from <results>/<suite>/summary.json; exit 1 on any failure.

    python3 report.py <results-dir> <suite> [<suite> ...]

A suite without a summary (its run crashed) counts as failed. The last line is
``matrix: N passed, N failed, N skipped`` (tests and smoke-run algorithms of all suites together).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def load(results: Path, suite: str) -> dict | None:
    path = results / suite / "summary.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def row_for(suite: str, s: dict | None, seconds: str) -> tuple[list[str], int, int, int, list[str]]:
    """(cells, passed, failed, skipped, problems)"""
    if s is None:
        return [suite, "?", "?", "no summary", "-", seconds], 0, 1, 0, [f"{suite}: the run did not finish"]
    problems: list[str] = []
    t = s.get("pytest")
    if t is None:
        tests, tp, tf, ts = "not run", 0, 0, 0
    else:
        tp, tf, ts = t["passed"], t["failed"] + t["errors"], t["skipped"]
        xfailed = t.get("xfailed") or []
        tests = f"{tp} / {tf} / {ts}" + (f" ({len(xfailed)} xfail)" if xfailed else "")
        if s.get("pytest_exit") not in (0, None):
            if s.get("pytest_exit") == 5:
                problems.append(f"{suite}: pytest collected no test in tests/qgis")
                tf = max(tf, 1)
            elif tf == 0:
                problems.append(f"{suite}: pytest exited {s.get('pytest_exit')} (see pytest.log)")
                tf = 1
        if tf:
            problems.append(f"{suite}: {tf} test(s) failed (see pytest.log)")
    sm = s.get("smoke") or {}
    algs = sm.get("algorithms", [])
    ok = [a for a in algs if a.get("ok") is True]
    bad = [a for a in algs if a.get("ok") is False]
    skipped = [a for a in algs if a.get("ok") is None]
    for a in bad:
        problems.append(f"{suite}: {a['id']}: {a.get('error', '')}")
    for e in sm.get("errors", []):
        problems.append(f"{suite}: {e}")
    if not sm:
        problems.append(f"{suite}: the smoke run wrote no result")
    smoke_failed = len(bad) + (1 if (sm.get("errors") or not sm) else 0)
    alg_cell = f"{len(ok)} ok / {len(bad)} failed" + (f" / {len(skipped)} skipped" if skipped else "")
    qgis = str(s.get("qgis", "?")).split("-")[0]
    cells = [suite, qgis, str(s.get("python", "?")), tests, alg_cell, seconds]
    return cells, tp + len(ok), tf + smoke_failed, ts + len(skipped), problems


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    results, suites = Path(argv[0]), argv[1:]
    header = ["suite", "QGIS", "Python", "tests pass/fail/skip", "algorithms", "seconds"]
    rows, problems = [], []
    total_p = total_f = total_s = 0
    for suite in suites:
        s = load(results, suite)
        secs_file = results / suite / "seconds"
        seconds = secs_file.read_text().strip() if secs_file.exists() else "-"
        cells, p, f, sk, probs = row_for(suite, s, seconds)
        rows.append(cells)
        problems += probs
        total_p, total_f, total_s = total_p + p, total_f + f, total_s + sk
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    print()
    print("QGIS version matrix")
    print(line)
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print(line)
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    print(line)
    for suite in suites:
        summary = load(results, suite) or {}
        libs = summary.get("libraries")
        if libs:
            print(f"  {suite}: " + ", ".join(f"{k} {v}" for k, v in libs.items()))
        for test in (summary.get("pytest") or {}).get("xfailed") or []:
            print(f"  {suite}: known issue (xfail, scripts/matrix/known_issues.py): {test}")
    for p in problems:
        print(f"  - {p}")
    status = "FAILED" if (problems or total_f) else "ok"
    print(f"matrix {status} (results: {results})")
    print(f"matrix: {total_p} passed, {total_f} failed, {total_s} skipped")
    return 1 if (problems or total_f) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
