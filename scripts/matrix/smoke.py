"""qgis_process smoke run of every algorithm of the ree_damage provider on the sample case.

    python smoke.py --out smoke.json [--plugin-dir DIR] [--params smoke_params.py]

Run with the Python of the venv whose packages the plugin needs: its site-packages is handed to
qgis_process as REE_DAMAGE_DEPS, which the plugin puts first on sys.path when it loads (the
plugin-private library folder of a real install; no PYTHONPATH). Steps:
  1. a throw-away HOME (fresh QGIS profile) and QGIS_PLUGINPATH=<tmp>/plugins holding the plugin
     as ``ree_damage`` (a symlink to --plugin-dir, default: the repository);
  2. ``qgis_process plugins enable ree_damage``;
  3. ``qgis_process --json list``: the provider's algorithms (``ree_damage:*``);
  4. ``qgis_process --json run <id> --PARAM=value ...`` for each, parameters from smoke_params.py.
Writes a JSON summary and prints one line per algorithm; exit status 1 if anything failed.
Uses qgis_process.bin where it exists (Debian's qgis_process wrapper passes --noversioncheck,
which the 3.22 binary rejects).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

PROVIDER = "ree_damage"
REPO = Path(__file__).resolve().parents[2]


def qgis_process_binary() -> str:
    for name in ("qgis_process.bin", "qgis_process"):
        for d in ("/usr/bin", "/usr/local/bin"):
            if os.access(f"{d}/{name}", os.X_OK):
                return f"{d}/{name}"
    found = shutil.which("qgis_process")
    if not found:
        raise SystemExit("qgis_process not found")
    return found


def load_params(path: Path):
    spec = importlib.util.spec_from_file_location("smoke_params", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def parse_json(text: str) -> dict:
    """qgis_process --json output; tolerate noise printed before the JSON object."""
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON in qgis_process output")
    return json.loads(text[start:])


def fmt(value, ctx):
    if isinstance(value, str):
        return value.format(**{k: v for k, v in ctx.items() if isinstance(v, str)})
    if isinstance(value, (list, tuple)):
        return [fmt(v, ctx) for v in value]
    return value


def cli_args(params: dict) -> list[str]:
    args = []
    for key, value in params.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, bool):
                v = "true" if v else "false"
            args.append(f"--{key}={v}")
    return args


class Runner:
    def __init__(self, binary: str, env: dict, log) -> None:
        self.binary, self.env, self.log = binary, env, log

    def __call__(self, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
        cmd = [self.binary, *args]
        self.log.write(f"\n$ {' '.join(cmd)}\n")
        self.log.flush()
        try:
            proc = subprocess.run(
                cmd, env=self.env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
            )
        except subprocess.TimeoutExpired as exc:
            self.log.write(f"TIMEOUT after {timeout} s\n")
            return subprocess.CompletedProcess(cmd, 124, exc.stdout or "", f"timeout after {timeout} s")
        self.log.write(proc.stdout[-20000:])
        self.log.write(proc.stderr[-20000:])
        self.log.write(f"[exit {proc.returncode}]\n")
        return proc


def tail(text: str, n: int = 6) -> str:
    lines = [ln for ln in (text or "").strip().splitlines() if ln.strip()]
    return " | ".join(lines[-n:])[-600:]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="JSON summary to write")
    ap.add_argument("--log", type=Path, help="full qgis_process output (default: next to --out)")
    ap.add_argument(
        "--plugin-dir", type=Path, default=REPO, help="the plugin folder (default: the repository)"
    )
    ap.add_argument("--params", type=Path, default=Path(__file__).with_name("smoke_params.py"))
    args = ap.parse_args(argv)

    spec = load_params(args.params)
    params_table: dict = dict(spec.PARAMS)
    skip: dict = dict(getattr(spec, "SKIP", {}))
    order: list = list(getattr(spec, "ORDER", []))
    timeout = int(getattr(spec, "TIMEOUT", 600))

    work = Path(tempfile.mkdtemp(prefix="ree-smoke-"))
    home, plugins, outdir = work / "home", work / "plugins", work / "out"
    for d in (home, plugins, outdir):
        d.mkdir()
    (plugins / PROVIDER).symlink_to(args.plugin_dir.resolve(), target_is_directory=True)

    env = dict(os.environ)
    env.update(
        {
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(work),
            "QGIS_PLUGINPATH": str(plugins),
            # as users get it and as tests/qgis/conftest.py qgis_process_env does: the plugin puts
            # this folder first on sys.path when it loads (deps.activate); QGIS's own interpreter
            # starts with the system site-packages only
            "REE_DAMAGE_DEPS": sysconfig.get_paths()["purelib"],
            "QT_QPA_PLATFORM": env.get("QT_QPA_PLATFORM", "offscreen"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.pop("PYTHONPATH", None)
    log_path = args.log or args.out.with_suffix(".log")
    summary: dict = {
        "qgis_version": None,
        "enabled": False,
        "provider_found": False,
        "algorithms": [],
        "errors": [],
    }
    t_start = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        run = Runner(qgis_process_binary(), env, log)

        proc = run("plugins", "enable", PROVIDER, timeout=300)
        summary["enabled"] = proc.returncode == 0
        if not summary["enabled"]:
            summary["errors"].append(
                f"plugins enable {PROVIDER}: exit {proc.returncode}: {tail(proc.stderr + proc.stdout)}"
            )

        proc = run("--json", "list", timeout=300)
        algorithms: list[str] = []
        try:
            listing = parse_json(proc.stdout)
            summary["qgis_version"] = listing.get("qgis_version")
            prov = listing.get("providers", {}).get(PROVIDER)
            if prov is not None:
                summary["provider_found"] = True
                algorithms = sorted(prov.get("algorithms", {}))
        except ValueError as exc:
            summary["errors"].append(f"list: {exc}: {tail(proc.stderr)}")
        if summary["provider_found"] and not algorithms:
            summary["errors"].append(f"provider {PROVIDER!r} lists no algorithm")
        if not summary["provider_found"]:
            summary["errors"].append(f"provider {PROVIDER!r} not in 'qgis_process list' (plugin not loaded?)")

        for alg in sorted(set(params_table) - set(algorithms) - set(skip)):
            if summary["provider_found"]:
                summary["errors"].append(f"smoke_params.py names {alg}, which the provider does not have")

        ordered = [a for a in order if a in algorithms] + [a for a in algorithms if a not in order]
        ctx: dict = {
            "tmp": str(outdir),
            "repo": str(args.plugin_dir.resolve()),
            "sample": str(args.plugin_dir.resolve() / "resources" / "sample_case"),
            "results": {},
        }
        for alg in ordered:
            row = {"id": alg, "ok": False, "seconds": 0.0, "error": "", "outputs": {}}
            summary["algorithms"].append(row)
            if alg in skip:
                row.update(ok=None, error=f"skipped: {skip[alg]}")
                print(f"  SKIP {alg}: {skip[alg]}")
                continue
            if alg not in params_table:
                row["error"] = "no parameters in scripts/matrix/smoke_params.py"
                print(f"  FAIL {alg}: {row['error']}")
                continue
            entry = params_table[alg]
            try:
                raw = entry(ctx) if callable(entry) else entry
                params = {k: fmt(v, ctx) for k, v in raw.items()}
            except Exception as exc:  # noqa: BLE001 - a broken entry is a failure of this algorithm
                row["error"] = f"parameters: {type(exc).__name__}: {exc}"
                print(f"  FAIL {alg}: {row['error']}")
                continue
            t0 = time.monotonic()
            proc = run("--json", "run", alg, *cli_args(params), timeout=timeout)
            row["seconds"] = round(time.monotonic() - t0, 1)
            if proc.returncode != 0:
                row["error"] = f"exit {proc.returncode}: {tail(proc.stderr + proc.stdout)}"
            else:
                try:
                    outputs = parse_json(proc.stdout).get("results", {})
                except ValueError as exc:
                    outputs, row["error"] = {}, f"{exc}"
                row["outputs"] = {k: v for k, v in outputs.items() if isinstance(v, (str, int, float, bool))}
                missing = [
                    f"{k}={v}"
                    for k, v in row["outputs"].items()
                    if isinstance(v, str) and v.startswith(str(outdir)) and not Path(v.split("|")[0]).exists()
                ]
                if missing:
                    row["error"] = f"outputs not written: {', '.join(missing)}"
                row["ok"] = not row["error"]
                ctx["results"][alg] = outputs
            print(
                f"  {'ok  ' if row['ok'] else 'FAIL'} {alg} ({row['seconds']} s){'' if row['ok'] else ': ' + row['error']}"
            )

    summary["seconds"] = round(time.monotonic() - t_start, 1)
    summary["log"] = str(log_path)
    args.out.write_text(json.dumps(summary, indent=2), encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    for err in summary["errors"]:
        print(f"  ERROR {err}")
    failed = summary["errors"] or any(r["ok"] is False for r in summary["algorithms"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
