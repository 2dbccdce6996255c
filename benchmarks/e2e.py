"""End to end: whole algorithms as a user runs them, ours beside the QGIS peer.

A *job* is one algorithm, or a chain of them (``[(algorithm id, parameters), ...]``), whose
parameters name input files and output files; ``"@<n>"`` stands for the OUTPUT of step n
of the same chain, ``"{out}"`` for the run's own output folder.

* cold: every step a new ``qgis_process.bin run`` (Debian 12's binary, called directly),
  wall time of the process: QGIS starts, loads the plugins (ours from ``.pkg`` through
  ``QGIS_PLUGINPATH``), reads the layers, computes, writes the files, exits. What a
  script or a first run in a fresh session costs.
* warm: one child process starts QGIS and Processing once (``scripts/qgis_headless``),
  runs the job once untimed, then ``repeat`` times through ``processing.run``, each into
  a fresh folder; intermediate outputs of a chain (``TEMPORARY_OUTPUT``) are memory
  layers there, as in a model. What the second and later runs in a desktop session cost.

The cold runs of the contenders take turns round after round, so that a slow spell of
the shared machine falls on all of them; each keeps its best and its range.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PKG_PARENT = ROOT / ".pkg"


def qgis_process_binary() -> str | None:
    """``qgis_process.bin`` (Debian 12: the ``qgis_process`` wrapper only sets a display)."""
    explicit = os.environ.get("QGIS_PROCESS")
    if explicit:
        return explicit
    for name in ("qgis_process.bin", "qgis_process"):
        found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
        if found:
            return found
    return None


def process_env(home: Path) -> dict:
    """An isolated profile for qgis_process with our plugin on QGIS_PLUGINPATH (as the tests do)."""
    link = PKG_PARENT / "ree_damage"
    PKG_PARENT.mkdir(exist_ok=True)
    if not link.exists():
        try:
            os.symlink(ROOT, link, target_is_directory=True)
        except FileExistsError:
            pass
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        XDG_RUNTIME_DIR=str(home),
        QT_QPA_PLATFORM="offscreen",
        QGIS_PLUGINPATH=str(PKG_PARENT),
        REE_DAMAGE_DEPS=sysconfig.get_paths()["purelib"],
    )
    for key in ("PYTHONPATH", "QGIS_CUSTOM_CONFIG_PATH", "QGIS_OPTIONS_PATH"):
        env.pop(key, None)
    return env


class Session:
    """A temporary qgis_process profile with ree_damage enabled; removed on exit."""

    def __init__(self):
        self.binary = qgis_process_binary()
        self.home = Path(tempfile.mkdtemp(prefix="bench_e2e_home_"))
        self.env = process_env(self.home)

    def __enter__(self):
        if self.binary:
            done = subprocess.run([self.binary, "plugins", "enable", "ree_damage"], env=self.env,
                                  capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                raise RuntimeError("qgis_process could not enable ree_damage: " + done.stderr[-500:])
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.home, ignore_errors=True)


def _resolve(value, outputs: list, folder: Path):
    if isinstance(value, str):
        if value.startswith("@"):
            return outputs[int(value[1:])]
        return value.replace("{out}", str(folder))
    if isinstance(value, list):
        return [_resolve(v, outputs, folder) for v in value]
    return value


def _cli_values(key, value) -> list[str]:
    if isinstance(value, list):
        return [f"{key}={v}" for v in value]
    if isinstance(value, bool):
        return [f"{key}={'true' if value else 'false'}"]
    return [f"{key}={value}"]


def cold_run(session: Session, job: list, folder: Path, cap: float = 900.0) -> dict:
    """Each step of ``job`` as its own ``qgis_process.bin --json run``; wall seconds of all."""
    folder.mkdir(parents=True, exist_ok=True)
    outputs, total = [], 0.0
    for step, (algorithm, parameters) in enumerate(job):
        args = [session.binary, "--json", "run", algorithm, "--"]
        for key, value in parameters.items():
            if value == "TEMPORARY_OUTPUT":  # between processes it must be a file
                value = f"{{out}}/step{step}.gpkg"
            args += _cli_values(key, _resolve(value, outputs, folder))
        start = time.perf_counter()
        try:
            done = subprocess.run(args, env=session.env, capture_output=True, text=True, timeout=cap)
        except subprocess.TimeoutExpired:
            return {"error": f"{algorithm} did not finish in {cap:g} s"}
        total += time.perf_counter() - start
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()
            return {"error": f"{algorithm}: " + (lines[-1] if lines else f"exit code {done.returncode}")}
        results = json.loads(done.stdout[done.stdout.index("{"):])["results"]
        outputs.append(results.get("OUTPUT") or next(iter(results.values()), None))
    return {"seconds": total}


def warm_runs(job: list, folder: Path, repeat: int, cap: float = 1800.0) -> dict:
    """The job in one child process: once untimed (``first_s``), then ``repeat`` times."""
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "job.json"
    spec.write_text(json.dumps({"job": job, "folder": str(folder), "repeat": repeat}))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    try:
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), str(spec)], env=env,
                              capture_output=True, text=True, timeout=cap, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {cap:g} s"}
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("BENCH ")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()
        return {"error": tail[-1] if tail else f"exit code {done.returncode}"}
    return json.loads(lines[-1][6:])


def _warm_child(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    sys.path.insert(0, str(ROOT / "scripts"))
    from qgis_headless import start

    start()
    from qgis import processing

    folder = Path(spec["folder"])

    def once(index: int) -> float:
        target = folder / f"run{index}"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        outputs = []
        start_time = time.perf_counter()
        for algorithm, parameters in spec["job"]:
            resolved = {key: _resolve(value, outputs, target) for key, value in parameters.items()}
            results = processing.run(algorithm, resolved)
            outputs.append(results.get("OUTPUT") or next(iter(results.values()), None))
        seconds = time.perf_counter() - start_time
        outputs.clear()
        files.append(sum(1 for p in target.rglob("*") if p.is_file()))
        return seconds

    files = []
    first = once(0)
    times = [once(i + 1) for i in range(max(spec["repeat"], 1))]
    print("BENCH " + json.dumps({"first_s": first, "times_s": times, "best_s": min(times), "files": files[-1]}),
          flush=True)


def keep_best(kept: dict | None, new: dict) -> dict:
    """Best seconds over rounds, with the range; an error only if every round failed."""
    if kept is None or "error" in kept:
        return {**new, "all_s": [new["seconds"]]} if "seconds" in new else new
    if "error" in new:
        return kept
    return {"seconds": min(kept["seconds"], new["seconds"]), "all_s": [*kept["all_s"], new["seconds"]]}


def span(values) -> str:
    """``a-b`` over the values (s), or one figure."""
    low, high = min(values), max(values)
    return f"{low:.2f}" if f"{low:.2f}" == f"{high:.2f}" else f"{low:.2f}-{high:.2f}"


def _safe(name: str) -> str:
    """A folder name from a contender's name (no ':' or spaces, which data sources read)."""
    return "".join(c if c.isalnum() else "_" for c in name)


def compare_e2e(contenders: dict, folder: Path, rounds: int, repeat: int, cold: bool = True, warm: bool = True) -> dict:
    """Cold and warm figures of every contender (name -> job); prints a progress line each."""
    results = {name: {} for name in contenders}
    if cold:
        if qgis_process_binary() is None:
            print("  qgis_process not found: no cold figures")
        else:
            with Session() as session:
                for round_index in range(max(rounds, 1)):
                    for name, job in contenders.items():
                        got = cold_run(session, job, folder / "cold" / f"{_safe(name)}_{round_index}")
                        results[name]["cold"] = keep_best(results[name].get("cold"), got)
                        shown = f"{got['seconds']:.2f} s" if "seconds" in got else got["error"]
                        print(f"  cold round {round_index + 1} {name:<40} {shown}", flush=True)
                        shutil.rmtree(folder / "cold", ignore_errors=True)
    if warm:
        for name, job in contenders.items():
            got = warm_runs(job, folder / "warm" / _safe(name), repeat)
            results[name]["warm"] = got
            shown = (f"best {got['best_s']:.2f} s, first {got['first_s']:.2f} s, {got['files']} files written"
                     if "best_s" in got else got["error"])
            print(f"  warm {name:<40} {shown}", flush=True)
            shutil.rmtree(folder / "warm", ignore_errors=True)
    return results


def print_e2e(title: str, results: dict, ours: str, core_s: str = "") -> None:
    """One table: cold best (range), warm best (first), ratio peer/ours for both."""
    def cell(entry, key):
        if entry is None:
            return "-"
        if "error" in entry:
            return "failed: " + entry["error"][:60]
        if key == "cold":
            return f"{entry['seconds']:.2f} ({span(entry['all_s'])})"
        return f"{entry['best_s']:.2f} (first {entry['first_s']:.2f})"

    mine = results[ours]
    rows = []
    for name, got in results.items():
        ratios = []
        for key, field in (("cold", "seconds"), ("warm", "best_s")):
            theirs, base = got.get(key, {}), mine.get(key, {})
            ratio = theirs.get(field) / base[field] if field in theirs and field in base else None
            ratios.append("" if name == ours or ratio is None else f"{ratio:.1f}x")
        rows.append([name, cell(got.get("cold"), "cold"), ratios[0], cell(got.get("warm"), "warm"), ratios[1]])
    headers = ["contender", "cold s (range)", "peer/ours cold", "warm s (first run)", "peer/ours warm"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    if core_s:
        print(core_s)
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))


if __name__ == "__main__":
    _warm_child(sys.argv[1])
