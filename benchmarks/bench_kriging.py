"""Benchmark: ordinary kriging onto 500 x 500 cells from 500 and 5,000 points, k = 16 and 32.

Contenders, each in its own subprocess (peak memory from a fresh intermediate process's
getrusage(RUSAGE_CHILDREN).ru_maxrss, see bench_idw.measure):

* ours         variogram fit (spherical, weighted least squares, nugget) +
               ree_damage.core.interp.kriging.LocalKriging.predict_grid (k nearest; the compiled
               kernel when numba is installed), threads: the CPUs available (at most 4);
               "ours 1 thread" is the same on one thread; timed after kernels.warm_up()
* pykrige_C    PyKrige OrdinaryKriging (its own spherical fit) + execute(backend="C",
               n_closest_points=k)
* pykrige_loop the same with backend="loop"

"Same predictions": after the timed run, each PyKrige child kriges a random sample of
5,000 cells with *our* fitted variogram and the same k and reports the largest relative
difference from our raster (float32). A last run grids 4000 x 4000 cells from 50,000
points (quick mode: 1000 x 1000 from 10,000) with ours only, to show that peak memory
does not grow with points x cells (goal: within 2 GB).

    .venv/bin/python benchmarks/bench_kriging.py            # full sizes (minutes)
    .venv/bin/python benchmarks/bench_kriging.py --quick    # small sizes, for development

End to end (``benchmarks/e2e.py``): ``ree_damage:interpolate`` (ordinary kriging,
spherical, k = 16, 2 m cells over the points' extent; it reads the points from a
GeoPackage, fits the variogram, kriges, cross-validates and writes the GeoTIFFs, the
variogram plot and tables with provenance), cold (a new ``qgis_process.bin run``) and warm
(repeats in one QGIS session). There is no QGIS peer on this machine: QGIS has no kriging
of its own, and its GRASS (v.krige) and SAGA providers need GRASS and SAGA, which Debian's
``qgis`` package does not install (neither is here); PyKrige stays the peer, at core level
(table above). ``--no-core`` / ``--no-e2e`` / ``--no-cold`` / ``--no-warm`` leave parts out.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_idw import CRS, X0, Y0, ensure_package, fmt_time, measure, print_table, report  # noqa: E402

SIZE = 1000.0
MODEL = "spherical"


def make_points(n: int, folder: Path) -> Path:
    import numpy as np

    rng = np.random.default_rng(100 + n)
    xy = rng.uniform(0, SIZE, (n, 2)) + [X0, Y0]
    z = (
        2.0
        + np.sin((xy[:, 0] - X0) / 120.0)
        + np.cos((xy[:, 1] - Y0) / 170.0)
        + 0.5 * np.sin((xy[:, 0] + xy[:, 1] - X0 - Y0) / 60.0)
        + rng.normal(0, 0.2, n)
    )
    path = folder / f"points_{n}.npy"
    np.save(path, np.column_stack([xy, z]))
    return path


def _grid(cells: int):
    ensure_package()
    from ree_damage.core.geo.raster_io import GridSpec

    return GridSpec.from_bounds((X0, Y0, X0 + SIZE, Y0 + SIZE), SIZE / cells, CRS)


def child_ours(npy: str, cells: int, k: int, out: str, workers: str) -> None:
    ensure_package()
    import numpy as np
    import scipy.optimize  # noqa: F401 - loaded before the clock, as PyKrige loads it at import
    import scipy.spatial.distance  # noqa: F401

    from ree_damage.core.common import kernels
    from ree_damage.core.interp.kriging import LocalKriging
    from ree_damage.core.interp.variogram import fit_variogram

    data = np.load(npy)
    grid = _grid(cells)
    kernels.warm_up()  # numba's kernel load (or first compile), once a session, like an import
    t0 = time.perf_counter()
    fit = fit_variogram(data[:, :2], data[:, 2], MODEL)
    t1 = time.perf_counter()
    ok = LocalKriging(data[:, :2], data[:, 2], fit.model, k=k)
    pred, var = ok.predict_grid(grid, workers=int(workers) if workers != "auto" else None)
    t2 = time.perf_counter()
    ok.leave_one_out()
    t3 = time.perf_counter()
    if out != "-":
        np.save(out, pred)
        Path(out + ".json").write_text(json.dumps(fit.model.pykrige_parameters()))
    report(seconds=t2 - t0, fit_seconds=t1 - t0, loo_seconds=t3 - t2, finite=int(np.isfinite(pred).sum()))


def child_pykrige(npy: str, cells: int, k: int, ours_out: str, backend: str) -> None:
    ensure_package()
    import numpy as np
    from pykrige.ok import OrdinaryKriging

    data = np.load(npy)
    grid = _grid(cells)
    xs, ys = grid.x_centres(), grid.y_centres()[::-1]
    t0 = time.perf_counter()
    ok = OrdinaryKriging(data[:, 0], data[:, 1], data[:, 2], variogram_model=MODEL)
    t1 = time.perf_counter()
    ok.execute("grid", xs, ys, backend=backend, n_closest_points=k)
    t2 = time.perf_counter()
    # same neighbours, our variogram: same predictions?
    diff = None
    if Path(ours_out).exists():
        ours = np.load(ours_out)
        params = json.loads(Path(ours_out + ".json").read_text())
        same = OrdinaryKriging(
            data[:, 0], data[:, 1], data[:, 2], variogram_model=MODEL, variogram_parameters=params
        )
        rng = np.random.default_rng(0)
        r = rng.integers(0, grid.height, 5000)
        c = rng.integers(0, grid.width, 5000)
        p, _ = same.execute(
            "points", grid.x_centres()[c], grid.y_centres()[r], backend="C", n_closest_points=k
        )
        diff = float(np.max(np.abs(ours[r, c] - p) / np.maximum(np.abs(p), 1e-12)))
    report(seconds=t2 - t0, fit_seconds=t1 - t0, max_rel_diff=diff)


def end_to_end(n: int, cells: int, rounds: int, repeat: int, cold: bool, warm: bool, core_line: str) -> dict:
    """ree_damage:interpolate (kriging) as qgis_process runs it; no QGIS peer (see above)."""
    import geopandas as gpd
    import numpy as np
    from e2e import compare_e2e, print_e2e

    ensure_package()
    from ree_damage.core.interp.variogram import MODELS  # the algorithm's MODEL choices after "Automatic"

    tmp = Path(tempfile.mkdtemp(prefix="bench_kriging_e2e_"))
    try:
        data = np.load(make_points(n, tmp))
        points = tmp / "points.gpkg"
        gpd.GeoDataFrame({"z": data[:, 2]}, geometry=gpd.points_from_xy(data[:, 0], data[:, 1]), crs=CRS).to_file(
            points, layer="points"
        )
        ours = "ree_damage:interpolate kriging"
        contenders = {ours: [("ree_damage:interpolate", {
            "INPUT": str(points), "FIELDS": "z", "METHODS": 1, "CELL_SIZE": SIZE / cells,
            "KRIGING_NEIGHBOURS": 16, "MODEL": 1 + MODELS.index(MODEL), "OUTPUT_FOLDER": "{out}/ours",
        })]}
        print(f"\nend to end, {n} points onto {cells} x {cells} cells (no QGIS peer: see the docstring):", flush=True)
        results = compare_e2e(contenders, tmp / "runs", rounds, repeat, cold=cold, warm=warm)
        print_e2e(f"Ordinary kriging end to end, {n} points, {cells} x {cells} cells, k = 16 (seconds)",
                  results, ours, core_line)
        return results
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes for development")
    ap.add_argument("--cap", type=float, default=600.0, help="time cap per contender (s)")
    ap.add_argument("--only", default="", help="comma-separated contenders to run")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    ap.add_argument("--no-core", action="store_true", help="leave out the core-function table")
    ap.add_argument("--no-e2e", action="store_true", help="leave out the end-to-end table")
    ap.add_argument("--no-cold", action="store_true", help="end to end: no qgis_process (cold) runs")
    ap.add_argument("--no-warm", action="store_true", help="end to end: no warm runs")
    ap.add_argument("--e2e-rounds", type=int, default=2, help="end to end: cold rounds (default 2)")
    ap.add_argument("--e2e-repeat", type=int, default=2, help="end to end: warm repeats (default 2)")
    args = ap.parse_args()
    if args.child:
        name, npy, cells, k, out, extra = args.child
        if name == "ours":
            child_ours(npy, int(cells), int(k), out, extra)
        else:
            child_pykrige(npy, int(cells), int(k), out, extra)
        return
    core = {} if args.no_core else core_table(args)
    if not args.no_e2e:
        n, cells = 500, (200 if args.quick else 500)
        seconds = core.get((n, 16))
        line = (f"core only (variogram fit + LocalKriging.predict_grid, table above): {seconds:.2f} s; "
                f"PyKrige 'C' at core level: {core.get(('pykrige', n, 16), float('nan')):.2f} s") if seconds else ""
        end_to_end(n, cells, args.e2e_rounds, args.e2e_repeat, not args.no_cold, not args.no_warm, line)


def core_table(args) -> dict:
    """The core table above; returns {(points, k): our seconds, ('pykrige', points, k): PyKrige C}."""
    points = (500, 2000) if args.quick else (500, 5000)
    ks = (16,) if args.quick else (16, 32)
    cells = 200 if args.quick else 500
    big = (10_000, 1000) if args.quick else (50_000, 4000)
    cap = min(args.cap, 120.0) if args.quick else args.cap
    names = ["ours", "ours 1 thread", "pykrige_C", "pykrige_loop"]
    only = {s for s in args.only.split(",") if s}
    if only:
        names = [n for n in names if n in only]
    me = str(Path(__file__).resolve())
    tmp = Path(tempfile.mkdtemp(prefix="bench_kriging_"))
    rows = []
    print(f"Ordinary kriging benchmark, {cells} x {cells} cells over 1 km, {MODEL} variogram fitted by each")
    try:
        for n in points:
            npy = make_points(n, tmp)
            for k in ks:
                ours_out = str(tmp / f"ours_{n}_{k}.npy")
                results = {}
                for name in names:
                    if name.startswith("ours"):
                        workers = "1" if name == "ours 1 thread" else "auto"
                        out = ours_out if name == "ours" else "-"
                        cmd = [
                            sys.executable,
                            me,
                            "--child",
                            "ours",
                            str(npy),
                            str(cells),
                            str(k),
                            out,
                            workers,
                        ]
                    else:
                        backend = name.split("_", 1)[1]
                        cmd = [
                            sys.executable,
                            me,
                            "--child",
                            "pykrige",
                            str(npy),
                            str(cells),
                            str(k),
                            ours_out,
                            backend,
                        ]
                    res = measure(cmd, cap)
                    results[name] = res
                    print(f"  {n:>6} points k={k:<3} {name:<14} {fmt_time(res):>7} s", flush=True)
                base = results.get("ours", {}).get("report", {}).get("seconds")
                pk = [
                    results[p]["report"].get("seconds")
                    for p in ("pykrige_C", "pykrige_loop")
                    if p in results and results[p].get("report")
                ]
                for name in names:
                    res = results[name]
                    rep = res.get("report", {})
                    t = rep.get("seconds")
                    note = ""
                    if res["timed_out"]:
                        note = f"did not finish in {cap:g} s"
                    elif name.startswith("ours") and t:
                        note = f"fit {rep['fit_seconds']:.2f} s; LOO cross-validation +{rep['loo_seconds']:.2f} s"
                    elif t:
                        note = f"fit {rep['fit_seconds']:.2f} s"
                    if name == "ours" and pk and t:
                        note += f"; {min(pk) / t:.1f}x faster than the faster PyKrige"
                    diff = rep.get("max_rel_diff")
                    rows.append(
                        {
                            "points": n,
                            "k": k,
                            "contender": name,
                            "time_s": fmt_time(res),
                            "ratio": f"{t / base:.1f}x" if (t and base) else "",
                            "peak_MB": f"{res['maxrss_kb'] / 1024:.0f}" if not res["timed_out"] else "",
                            "same pred (max rel diff)": f"{diff:.1e}" if diff is not None else "",
                            "note": note,
                        }
                    )
        npy = make_points(big[0], tmp)
        cmd = [sys.executable, me, "--child", "ours", str(npy), str(big[1]), "16", "-", "auto"]
        res = measure(cmd, max(cap, 1800.0))
        rows.append(
            {
                "points": big[0],
                "k": 16,
                "contender": f"ours {big[1]}x{big[1]}",
                "time_s": fmt_time(res),
                "ratio": "",
                "peak_MB": f"{res['maxrss_kb'] / 1024:.0f}" if not res["timed_out"] else "",
                "same pred (max rel diff)": "",
                "note": "memory check (goal: < 2048 MB)",
            }
        )
        print_table(
            f"Ordinary kriging onto {cells}x{cells} cells: time (s, variogram fit included), ratio contender/ours, "
            "peak resident memory",
            rows,
            ["points", "k", "contender", "time_s", "ratio", "peak_MB", "same pred (max rel diff)", "note"],
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    found = {}
    for r in rows:
        if r["time_s"] in ("n/f", "error", ""):
            continue
        if r["contender"] == "ours":
            found[(r["points"], r["k"])] = float(r["time_s"])
        elif r["contender"] == "pykrige_C":
            found[("pykrige", r["points"], r["k"])] = float(r["time_s"])
    return found


if __name__ == "__main__":
    main()
