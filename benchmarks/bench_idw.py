"""Benchmark: IDW onto 1000 x 1000 and 2000 x 2000 cells (1 km square) from 1,000 and 20,000 points.

Contenders, each in its own subprocess (peak memory = getrusage(RUSAGE_CHILDREN).ru_maxrss
of a fresh intermediate process that runs only that contender):

* ours      ree_damage.core.interp.idw.idw_grid, k = 12 nearest, power 2, then a tiled DEFLATE
            GeoTIFF (ree_damage.core.geo.raster_io); threads: the CPUs available (at most 4);
            the compiled kernel (numba) or the numpy path, as its cost model picks; timed
            after kernels.warm_up() (numba's kernel load, once a session)
* ckdtree   plain scipy: cKDTree.query of every cell at once (k = 12, workers=-1), numpy
            weights, uncompressed GeoTIFF
* gdal_invdist    gdal_grid -a invdist:power=2 (global: every point; GDAL's SIMD path)
* gdal_invdistnn  gdal_grid -a invdistnn:power=2:max_points=12:radius=R, R just above the
            largest 12th-neighbour distance of any cell (so it is the same k-nearest IDW)
* qgis      QGIS's native qgis:idwinterpolation (global IDW), headless, under a time cap

Times: for Python contenders the work after the interpreter and imports are up (data in
memory -> raster on disk); for gdal_grid the whole process (it reads its CSV and writes
the raster). Ratios are contender / ours. Run:

    .venv/bin/python benchmarks/bench_idw.py            # full sizes (minutes)
    .venv/bin/python benchmarks/bench_idw.py --quick    # small sizes, for development

End to end (``benchmarks/e2e.py``): ``ree_damage:interpolate`` (IDW, k = 12, power 2, 1 m
cells over the points' extent; it reads the points from a GeoPackage and writes the
GeoTIFF, its leave-one-out cross-validation table and provenance) against
``qgis:idwinterpolation`` (global IDW, QGIS's interpolation plugin) and
``gdal:gridinversedistancenearestneighbor`` (gdal_grid invdistnn, 12 points, the radius
of the k-NN benchmark above, 1 km extent, Float32 GeoTIFF), each cold (a new
``qgis_process.bin run``) and warm (repeats in one QGIS session). ``--no-core`` /
``--no-e2e`` / ``--no-cold`` / ``--no-warm`` leave parts out.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PKG_PARENT = ROOT / ".pkg"
X0, Y0, SIZE = 500_000.0, 2_800_000.0, 1000.0
CRS = "EPSG:4547"
K = 12
POWER = 2.0


def ensure_package() -> None:
    """Import ree_damage the way the tests do: .pkg/ree_damage -> repository root."""
    link = PKG_PARENT / "ree_damage"
    PKG_PARENT.mkdir(exist_ok=True)
    if not link.exists():
        try:
            os.symlink(ROOT, link, target_is_directory=True)
        except FileExistsError:
            pass
    if str(PKG_PARENT) not in sys.path:
        sys.path.insert(0, str(PKG_PARENT))


# ------------------------------------------------------------------------------ harness
def measure(cmd: list[str], cap: float, env=None) -> dict:
    """Run ``cmd`` from a fresh intermediate process; its RUSAGE_CHILDREN is the peak."""
    code = (
        "import json, resource, subprocess, sys, time\n"
        "cmd = json.loads(sys.argv[1]); cap = float(sys.argv[2])\n"
        "t = time.perf_counter()\n"
        "try:\n"
        "    p = subprocess.run(cmd, capture_output=True, text=True, timeout=cap)\n"
        "    rc, out, err, timed_out = p.returncode, p.stdout, p.stderr, False\n"
        "except subprocess.TimeoutExpired as e:\n"
        "    rc, out, err, timed_out = None, '', '', True\n"
        "wall = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps({'rc': rc, 'wall': wall, 'maxrss_kb': rss, 'timed_out': timed_out,\n"
        "                  'stdout': out[-4000:], 'stderr': err[-2000:]}))\n"
    )
    p = subprocess.run(
        [sys.executable, "-c", code, json.dumps(cmd), str(cap)], capture_output=True, text=True, env=env
    )
    res = json.loads(p.stdout.strip().splitlines()[-1])
    res["report"] = {}
    for line in res["stdout"].splitlines():
        if line.startswith("BENCH "):
            res["report"] = json.loads(line[6:])
    return res


def report(**values) -> None:
    print("BENCH " + json.dumps(values), flush=True)


def fmt_time(res: dict, key: str = "seconds") -> str:
    if res.get("timed_out"):
        return "n/f"
    if res.get("rc") not in (0, None) or key not in res.get("report", {}):
        return "error"
    return f"{res['report'][key]:.2f}"


def print_table(title: str, rows: list[dict], headers: list[str]) -> None:
    widths = [max(len(h), *(len(str(r.get(h, ""))) for r in rows)) for h in headers]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(str(r.get(h, "")).ljust(w) for h, w in zip(headers, widths)))


# ------------------------------------------------------------------------------ data
def make_points(n: int, folder: Path) -> Path:
    import numpy as np

    rng = np.random.default_rng(n)
    xy = rng.uniform(0, SIZE, (n, 2)) + [X0, Y0]
    z = 1.0 + rng.lognormal(0.0, 0.6, n)
    base = folder / f"points_{n}"
    np.save(f"{base}.npy", np.column_stack([xy, z]))
    with open(f"{base}.csv", "w") as f:
        f.write("x,y,z\n")
        for (x, y), v in zip(xy, z):
            f.write(f"{x:.4f},{y:.4f},{v:.8f}\n")
    Path(f"{base}.vrt").write_text(
        f'<OGRVRTDataSource><OGRVRTLayer name="points_{n}"><SrcDataSource>{base}.csv</SrcDataSource>'
        "<GeometryType>wkbPoint</GeometryType><LayerSRS>EPSG:4547</LayerSRS>"
        '<GeometryField encoding="PointFromColumns" x="x" y="y" z="z"/></OGRVRTLayer></OGRVRTDataSource>'
    )
    return Path(f"{base}.npy")


def knn_radius(npy: Path, cells: int) -> float:
    """Largest k-th neighbour distance of any cell centre (m), exact, via our search."""
    ensure_package()
    import numpy as np

    from ree_damage.core.geo.raster_io import GridSpec
    from ree_damage.core.interp.idw import idw_grid  # noqa: F401 - warm import
    from ree_damage.core.interp.neighbours import LatticeKNN

    data = np.load(npy)
    grid = GridSpec.from_bounds((X0, Y0, X0 + SIZE, Y0 + SIZE), SIZE / cells, CRS)
    origin, u, v = grid.lattice()
    search = LatticeKNN(data[:, :2], K, origin, u, v, grid.shape)
    worst = 0.0
    for chunk in search.chunks():
        band = search.band(*chunk)
        if band.ok.any():
            worst = max(worst, float(np.sqrt(band.thr[band.ok].max())))
        rows, cols = search.band_cells(band, ~band.ok)
        inside = (rows < grid.height) & (cols < grid.width)
        if inside.any():
            d, _ = search.exact(rows[inside], cols[inside])
            worst = max(worst, float(d[:, -1].max()))
    return worst


# ------------------------------------------------------------------------------ contenders
def child_ours(npy: str, cells: int, out: str) -> None:
    ensure_package()
    import numpy as np
    import rasterio  # noqa: F401 - imported before the clock starts, as for the other contenders

    from ree_damage.core.common import kernels
    from ree_damage.core.geo.raster_io import GridSpec, write_geotiff
    from ree_damage.core.interp.idw import idw_grid

    data = np.load(npy)
    grid = GridSpec.from_bounds((X0, Y0, X0 + SIZE, Y0 + SIZE), SIZE / cells, CRS)
    # warm-up, like an import: numba loads the compiled kernel from its disk cache (or
    # compiles it, first time ever) and starts its threads on first use, once a session
    kernels.warm_up()
    t0 = time.perf_counter()
    arr = idw_grid(data[:, :2], data[:, 2], grid, power=POWER, k=K)
    t1 = time.perf_counter()
    write_geotiff(out, arr, grid, description="IDW")
    t2 = time.perf_counter()
    report(seconds=t2 - t0, compute_seconds=t1 - t0)


def child_ckdtree(npy: str, cells: int, out: str) -> None:
    import numpy as np
    import rasterio
    from affine import Affine
    from scipy.spatial import cKDTree

    data = np.load(npy)
    cs = SIZE / cells
    t0 = time.perf_counter()
    tree = cKDTree(data[:, :2])
    xs = X0 + (np.arange(cells) + 0.5) * cs
    ys = Y0 + SIZE - (np.arange(cells) + 0.5) * cs
    gx, gy = np.meshgrid(xs, ys)
    d, i = tree.query(np.column_stack([gx.ravel(), gy.ravel()]), k=K, workers=-1)
    w = 1.0 / np.maximum(d, 1e-12) ** POWER
    arr = ((w * data[i, 2]).sum(1) / w.sum(1)).reshape(cells, cells).astype(np.float32)
    t1 = time.perf_counter()
    with rasterio.open(
        out,
        "w",
        driver="GTiff",
        width=cells,
        height=cells,
        count=1,
        dtype="float32",
        crs=CRS,
        transform=Affine(cs, 0, X0, 0, -cs, Y0 + SIZE),
    ) as dst:
        dst.write(arr, 1)
    t2 = time.perf_counter()
    report(seconds=t2 - t0, compute_seconds=t1 - t0)


def child_qgis(npy: str, cells: int, out: str) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.append("/usr/share/qgis/python/plugins")
    import numpy as np
    from qgis.core import (
        QgsApplication,
        QgsFeature,
        QgsGeometry,
        QgsPointXY,
        QgsProject,
        QgsVectorFileWriter,
        QgsVectorLayer,
    )

    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    from qgis import processing

    data = np.load(npy)
    layer = QgsVectorLayer(f"Point?crs={CRS}&field=z:double", "pts", "memory")
    feats = []
    for x, y, v in data:
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(float(x), float(y))))
        f["z"] = float(v)
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    gpkg = str(Path(out).with_suffix(".gpkg"))
    opts = QgsVectorFileWriter.SaveVectorOptions()
    opts.driverName = "GPKG"
    QgsVectorFileWriter.writeAsVectorFormatV3(layer, gpkg, QgsProject.instance().transformContext(), opts)
    t0 = time.perf_counter()
    processing.run(
        "qgis:idwinterpolation",
        {
            "INTERPOLATION_DATA": f"{gpkg}::~::0::~::1::~::0",
            "DISTANCE_COEFFICIENT": POWER,
            "EXTENT": f"{X0},{X0 + SIZE},{Y0},{Y0 + SIZE} [{CRS}]",
            "PIXEL_SIZE": SIZE / cells,
            "OUTPUT": out,
        },
    )
    report(seconds=time.perf_counter() - t0)


CHILDREN = {"ours": child_ours, "ckdtree": child_ckdtree, "qgis": child_qgis}


def gdal_cmd(alg: str, vrt: Path, cells: int, out: Path) -> list[str]:
    return [
        "gdal_grid", "-q", "-a", alg, "-zfield", "z",
        "-txe", str(X0), str(X0 + SIZE), "-tye", str(Y0 + SIZE), str(Y0),
        "-outsize", str(cells), str(cells), "-ot", "Float32", "-of", "GTiff",
        str(vrt), str(out),
    ]  # fmt: skip


# ------------------------------------------------------------------------------ main
def compare(a: Path, b: Path):
    try:
        import numpy as np
        import rasterio

        with rasterio.open(a) as ra, rasterio.open(b) as rb:
            x, y = ra.read(1).astype(float), rb.read(1).astype(float)
        if x.shape != y.shape:
            return "shape!"
        d = np.abs(x - y)
        off = int((d > 1e-4 * np.nanmax(np.abs(x))).sum())
        return f"{float(np.nanmax(d)):.1e} ({off} cells > 1e-4 rel)"
    except Exception as exc:  # noqa: BLE001 - a benchmark reports, never fails here
        return f"({type(exc).__name__})"


def end_to_end(n: int, cells: int, rounds: int, repeat: int, cold: bool, warm: bool, core_line: str) -> dict:
    """ree_damage:interpolate (IDW) against QGIS's and GDAL's IDW, as qgis_process runs them."""
    import geopandas as gpd
    import numpy as np
    from e2e import compare_e2e, print_e2e

    tmp = Path(tempfile.mkdtemp(prefix="bench_idw_e2e_"))
    try:
        npy = make_points(n, tmp)
        data = np.load(npy)
        points = tmp / "points.gpkg"
        gpd.GeoDataFrame({"z": data[:, 2]}, geometry=gpd.points_from_xy(data[:, 0], data[:, 1]), crs=CRS).to_file(
            points, layer="points"
        )
        radius = 1.01 * knn_radius(npy, cells)
        extent = f"-txe {X0} {X0 + SIZE} -tye {Y0 + SIZE} {Y0} -outsize {cells} {cells}"
        ours = "ree_damage:interpolate IDW"
        contenders = {
            ours: [("ree_damage:interpolate", {
                "INPUT": str(points), "FIELDS": "z", "METHODS": 0, "CELL_SIZE": SIZE / cells,
                "IDW_POWER": POWER, "IDW_NEIGHBOURS": K, "OUTPUT_FOLDER": "{out}/ours",
            })],
            "gdal:gridinversedistancenearestneighbor": [("gdal:gridinversedistancenearestneighbor", {
                "INPUT": str(points), "Z_FIELD": "z", "POWER": POWER, "SMOOTHING": 0, "RADIUS": round(radius, 3),
                "MAX_POINTS": K, "MIN_POINTS": 1, "NODATA": -9999, "EXTRA": extent, "DATA_TYPE": 5,
                "OUTPUT": "{out}/gdal.tif",
            })],
            "qgis:idwinterpolation (global)": [("qgis:idwinterpolation", {
                "INTERPOLATION_DATA": f"{points}::~::0::~::1::~::0", "DISTANCE_COEFFICIENT": POWER,
                "EXTENT": f"{X0},{X0 + SIZE},{Y0},{Y0 + SIZE} [{CRS}]", "PIXEL_SIZE": SIZE / cells,
                "OUTPUT": "{out}/qgis.tif",
            })],
        }
        print(f"\nend to end, {n} points onto {cells} x {cells} cells:", flush=True)
        results = compare_e2e(contenders, tmp / "runs", rounds, repeat, cold=cold, warm=warm)
        print_e2e(f"IDW end to end, {n} points, {cells} x {cells} cells (seconds; ratio = peer / ours)",
                  results, ours, core_line)
        return results
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes for development")
    ap.add_argument("--cap", type=float, default=180.0, help="time cap per contender (s)")
    ap.add_argument("--only", default="", help="comma-separated contenders to run")
    ap.add_argument("--child", nargs=4, metavar=("NAME", "NPY", "CELLS", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--no-core", action="store_true", help="leave out the core-function table")
    ap.add_argument("--no-e2e", action="store_true", help="leave out the end-to-end table")
    ap.add_argument("--no-cold", action="store_true", help="end to end: no qgis_process (cold) runs")
    ap.add_argument("--no-warm", action="store_true", help="end to end: no warm runs")
    ap.add_argument("--e2e-rounds", type=int, default=2, help="end to end: cold rounds (default 2)")
    ap.add_argument("--e2e-repeat", type=int, default=2, help="end to end: warm repeats (default 2)")
    args = ap.parse_args()
    if args.child:
        name, npy, cells, out = args.child
        CHILDREN[name](npy, int(cells), out)
        return
    core = {} if args.no_core else core_table(args)
    if not args.no_e2e:
        n, cells = (1000, 250) if args.quick else (1000, 1000)
        seconds = core.get((n, cells))
        line = f"core only (idw_grid + GeoTIFF, table above, same points and cells): {seconds:.2f} s" if seconds else ""
        end_to_end(n, cells, args.e2e_rounds, args.e2e_repeat, not args.no_cold, not args.no_warm, line)


def core_table(args) -> dict:
    """The core table above; returns {(points, cells): our seconds}."""
    points = (1000, 5000) if args.quick else (1000, 20000)
    grids = (250, 500) if args.quick else (1000, 2000)
    cap = min(args.cap, 60.0) if args.quick else args.cap
    only = {s for s in args.only.split(",") if s}
    names = ["ours", "ckdtree", "gdal_invdist", "gdal_invdistnn", "qgis"]
    if only:
        names = [n for n in names if n in only]
    if shutil.which("gdal_grid") is None:
        names = [n for n in names if not n.startswith("gdal")]
    tmp = Path(tempfile.mkdtemp(prefix="bench_idw_"))
    rows = []
    print(f"IDW benchmark, k = {K}, power {POWER:g}, extent 1 km x 1 km, CPUs available: {os.cpu_count()}")
    try:
        for n in points:
            npy = make_points(n, tmp)
            vrt = npy.with_suffix(".vrt")
            for cells in grids:
                results = {}
                radius = None
                for name in names:
                    out = tmp / f"{name}_{n}_{cells}.tif"
                    if name.startswith("gdal"):
                        if name == "gdal_invdist":
                            alg = f"invdist:power={POWER:g}:smoothing=0:nodata=-9999"
                        else:
                            radius = radius or 1.01 * knn_radius(npy, cells)
                            alg = f"invdistnn:power={POWER:g}:max_points={K}:min_points=1:radius={radius:.3f}:nodata=-9999"
                        res = measure(gdal_cmd(alg, vrt, cells, out), cap)
                        if not res["timed_out"] and res["rc"] == 0:
                            res["report"] = {"seconds": res["wall"]}
                    else:
                        cmd = [
                            sys.executable,
                            str(Path(__file__).resolve()),
                            "--child",
                            name,
                            str(npy),
                            str(cells),
                            str(out),
                        ]
                        res = measure(cmd, cap)
                    res["out"] = out
                    results[name] = res
                    sys.stdout.write(f"  {n:>6} points {cells}x{cells} {name:<15} {fmt_time(res):>7} s\n")
                    sys.stdout.flush()
                ours = results.get("ours")
                base = ours["report"].get("seconds") if ours and ours.get("report") else None
                for name in names:
                    res = results[name]
                    t = res["report"].get("seconds") if res.get("report") and not res["timed_out"] else None
                    if res["timed_out"]:
                        note = f"did not finish in {cap:g} s"
                    elif t is None:
                        lines = (res.get("stderr") or "").strip().splitlines()
                        note = "error: " + (lines[-1] if lines else f"exit code {res.get('rc')}")
                    else:
                        note = ""
                    same = ""
                    if name in ("ckdtree", "gdal_invdistnn") and t is not None and ours:
                        same = compare(ours["out"], res["out"])
                    if name == "ours":
                        note = f"compute {res['report'].get('compute_seconds', float('nan')):.2f} s + DEFLATE GeoTIFF"
                    if name == "gdal_invdistnn" and radius:
                        note = (note + f" radius {radius:.1f} m").strip()
                    rows.append(
                        {
                            "points": n,
                            "cells": f"{cells}x{cells}",
                            "contender": name,
                            "time_s": fmt_time(res),
                            "ratio": f"{t / base:.1f}x" if (t and base) else ("-" if name == "ours" else ""),
                            "peak_MB": f"{res['maxrss_kb'] / 1024:.0f}" if not res["timed_out"] else "",
                            "max|diff| vs ours": same,
                            "note": note,
                        }
                    )
                    if res.get("out") and Path(res["out"]).exists() and name != "ours":
                        Path(res["out"]).unlink()
                if ours and Path(ours["out"]).exists():
                    Path(ours["out"]).unlink()
        print_table(
            "IDW: time (s), ratio contender/ours (>1: ours faster), peak resident memory",
            rows,
            ["points", "cells", "contender", "time_s", "ratio", "peak_MB", "max|diff| vs ours", "note"],
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        (r["points"], int(r["cells"].split("x")[0])): float(r["time_s"])
        for r in rows
        if r["contender"] == "ours" and r["time_s"] not in ("n/f", "error")
    }


if __name__ == "__main__":
    main()
