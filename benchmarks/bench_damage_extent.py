"""Benchmark: polygonise a 4000 x 4000 exceedance raster (about 8,000 patches) and give the
damaged area per functional zone; and the whole damage_extent step (read, compute, write),
with its peak memory on larger grids.

Contenders, each in its own subprocess (peak memory = getrusage(RUSAGE_CHILDREN).ru_maxrss
of a fresh intermediate process that runs only that contender):

* ours        ree_damage.core.damage.polygonize.polygonize_raster (GDAL's polygonize in
              process reading the GeoTIFF row by row, polygons to shapely by WKB), the
              patches written to a GeoPackage (pyogrio), and the area per zone from the
              damaged cells by zone (zones rasterised by cell centre), strip by strip
* gdal_polygonize   /usr/bin/gdal_polygonize.py RASTER -mask RASTER -f GPKG OUT (the value-1
              patches only, the same features as ours); the whole process, as a user runs it;
              polygons only, no area per zone (so the comparison favours it)
* rasterio_shapely  rasterio.features.shapes + shapely.geometry.shape, the GeoPackage written
              by pyogrio, the area per zone by shapely intersection with the zones
* extent      the whole step: ree_damage.core.damage.extent.damage_extent on a float
              prediction GeoTIFF of the same patches and its P(exceed) GeoTIFF (read by
              strips of 512 rows, a 1 m2 minimum mapping unit, damage-degree GeoTIFF
              written, polygons per zone, union, areas at 50/80/95 %) and its polygons
              written to a GeoPackage; with --size above 4000 only this one runs

Memory bounded by strips: ``--size 8000 16000`` runs the whole step on each square grid
(patches of the same size in cells, so about 8,000 x (size / 4000)^2 of them; with
``--scaled`` the 4000 pattern stretched: about 8,000 patches, longer boundaries);
``--rows 4000 8000 16000 32000`` runs it on grids --width cells wide (default 4000) and that
many rows, the 4000 x 4000 pattern on top and undamaged cells below, so the polygons stay
the same and any growth of the peak is memory held per row. The rasters above 8000 x 8000
are generated strip by strip.

Ratios are contender / ours, measured in the same run. Run:

    .venv/bin/python benchmarks/bench_damage_extent.py
    .venv/bin/python benchmarks/bench_damage_extent.py --size 8000 16000   # peak memory
    .venv/bin/python benchmarks/bench_damage_extent.py --size 16000 --scaled
    .venv/bin/python benchmarks/bench_damage_extent.py --rows 4000 8000 16000 32000
    git archive f205fba | tar -x -C /tmp/before   # the whole-grid path, to compare with
    .venv/bin/python benchmarks/bench_damage_extent.py --same-as /tmp/before
    REE_BENCH_ROOT=/tmp/before .venv/bin/python benchmarks/bench_damage_extent.py --rows 4000 8000

(``REE_BENCH_ROOT``: the children import ree_damage from that checkout instead of this one.)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PKG_PARENT = ROOT / ".pkg"
X0, Y0, CELL = 500_000.0, 2_800_000.0, 0.5
CRS = "EPSG:4547"


def ensure_package() -> None:
    """Make ``ree_damage`` importable: this checkout, or the one in $REE_BENCH_ROOT (--same-as)."""
    root, parent = ROOT, PKG_PARENT
    if os.environ.get("REE_BENCH_ROOT"):
        import hashlib

        root = Path(os.environ["REE_BENCH_ROOT"]).resolve()
        parent = Path(tempfile.gettempdir()) / f"ree_bench_pkg_{hashlib.sha256(str(root).encode()).hexdigest()[:12]}"
    link = parent / "ree_damage"
    parent.mkdir(exist_ok=True)
    if not link.exists():
        try:
            os.symlink(root, link, target_is_directory=True)
        except FileExistsError:
            pass
    if str(parent) not in sys.path:
        sys.path.insert(0, str(parent))


def measure(cmd: list[str], cap: float = 600.0) -> dict:
    """Run ``cmd`` from a fresh intermediate process; its RUSAGE_CHILDREN is the peak."""
    code = (
        "import json, resource, subprocess, sys, time\n"
        "cmd = json.loads(sys.argv[1])\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(cmd, capture_output=True, text=True, timeout=float(sys.argv[2]))\n"
        "wall = time.perf_counter() - t\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps({'rc': p.returncode, 'wall': wall, 'maxrss_kb': rss,\n"
        "                  'stdout': p.stdout[-4000:], 'stderr': p.stderr[-2000:]}))\n"
    )
    p = subprocess.run([sys.executable, "-c", code, json.dumps(cmd), str(cap)], capture_output=True, text=True)
    res = json.loads(p.stdout.strip().splitlines()[-1])
    res["report"] = {}
    for line in res["stdout"].splitlines():
        if line.startswith("BENCH "):
            res["report"] = json.loads(line[6:])
    return res


def report(**values) -> None:
    print("BENCH " + json.dumps(values), flush=True)


def zones_of(size: int):
    import geopandas as gpd
    from shapely.geometry import box

    side = size * CELL
    half = side / 2
    boxes = [
        box(X0, Y0 - half, X0 + half, Y0),
        box(X0 + half, Y0 - half, X0 + side, Y0),
        box(X0, Y0 - side, X0 + half, Y0 - half),
        box(X0 + half, Y0 - side, X0 + side, Y0 - half),
    ]
    return gpd.GeoDataFrame({"zone": ["PREP", "INJ", "COLL", "SETL"]}, geometry=boxes, crs=CRS)


def _profile(width: int, height: int, dtype: str) -> dict:
    from affine import Affine

    return dict(driver="GTiff", width=width, height=height, count=1, dtype=dtype, crs=CRS,
                transform=Affine(CELL, 0, X0, 0, -CELL, Y0), tiled=True, compress="deflate",
                BIGTIFF="IF_SAFER")


def make_raster(size: int, path: Path, rows: int | None = None, scaled: bool = False) -> None:
    """0/1 uint8 exceedance raster: thresholded smooth noise, about 8,000 patches at 4000.

    ``size`` x ``size`` cells; with ``rows``, ``rows`` rows of ``size`` cells, the
    ``size`` x ``size`` pattern on top and zeros below. Above 8000 cells the pattern is
    interpolated strip by strip (the same noise, the threshold from the coarse noise).
    The patches keep their size in cells, so their number grows with the area; with
    ``scaled`` the 4000 x 4000 pattern is stretched instead (the same ~8,000 patches).
    """
    import numpy as np
    import rasterio
    from rasterio.windows import Window
    from scipy import ndimage

    height = rows or size
    coarse = (4000 if scaled else size) // 6
    rng = np.random.default_rng(11)
    noise = ndimage.gaussian_filter(rng.standard_normal((coarse, coarse)).astype(np.float32), 1.0)
    with rasterio.open(path, "w", **_profile(size, height, "uint8")) as dst:
        if size <= 8000 and not scaled:
            full = ndimage.zoom(noise, size / coarse, order=1)[:size, :size]
            dst.write((full > np.quantile(full, 0.8)).astype(np.uint8), 1, window=Window(0, 0, size, size))
            del full
        else:
            threshold = np.quantile(noise, 0.8)
            scale = (coarse - 1) / (size - 1)
            cols = np.arange(size) * scale
            for r0 in range(0, size, 256):
                r = np.arange(r0, min(r0 + 256, size)) * scale
                rr, cc = np.meshgrid(r, cols, indexing="ij")
                strip = ndimage.map_coordinates(noise, [rr, cc], order=1)
                dst.write((strip > threshold).astype(np.uint8), 1, window=Window(0, r0, size, len(r)))
        for r0 in range(size, height, 4096):
            n = min(4096, height - r0)
            dst.write(np.zeros((n, size), np.uint8), 1, window=Window(0, r0, size, n))


# ------------------------------------------------------------------------------ contenders
def child_ours(raster: str, out: str) -> None:
    ensure_package()
    import numpy as np
    import pyogrio  # noqa: F401 - imported before the clock, as for the others
    import rasterio
    from rasterio.features import rasterize
    from rasterio.windows import Window
    from rasterio.windows import transform as window_transform

    from ree_damage.core.damage.polygonize import polygonize_raster

    with rasterio.open(raster) as src:
        width, height, transform = src.width, src.height, src.transform
    zones = zones_of(width)
    # GDAL's block cache (default 5 % of RAM) kept small, as damage_extent does
    with rasterio.Env(GDAL_CACHEMAX=64 * 2**20):
        t0 = time.perf_counter()
        patches = polygonize_raster(raster)
        t1 = time.perf_counter()
        import geopandas as gpd

        gdf = gpd.GeoDataFrame({"DN": patches.values.astype(np.int32), "area_m2": patches.area_m2},
                               geometry=patches.geometry, crs=CRS)
        gdf.to_file(out, driver="GPKG", layer="patches", engine="pyogrio")
        t2 = time.perf_counter()
        cells = np.zeros(5, np.int64)
        with rasterio.open(raster) as src:
            for r0 in range(0, height, 512):
                w = Window(0, r0, width, min(512, height - r0))
                v = src.read(1, window=w)
                zid = rasterize(zip(zones.geometry, range(1, 5)), out_shape=v.shape,
                                transform=window_transform(w, transform), dtype="uint8")
                cells += np.bincount(zid[v != 0], minlength=5)
        area = cells * abs(transform.a * transform.e)
        t3 = time.perf_counter()
    report(seconds=t3 - t0, polygonize=t1 - t0, write=t2 - t1, zones=t3 - t2, patches=len(patches),
           area_by_zone=dict(zip(["none"] + list(zones["zone"]), area.tolist())))


def make_prediction(path: Path) -> None:
    """float32 Cd prediction (mg/kg): 0.1 outside the patches of make_raster, 0.5 inside; and
    beside it ``Cd_exceedance.tif``, P(Cd > baseline): 0.1 outside, 0.97 inside; by strips."""
    import numpy as np
    import rasterio
    from rasterio.windows import Window

    with rasterio.open(path.with_name("exceed.tif")) as src:
        profile = _profile(src.width, src.height, "float32")
        profile.update(nodata=np.nan, predictor=3)
        with rasterio.open(path, "w", **profile) as pred, \
                rasterio.open(path.with_name("Cd_exceedance.tif"), "w", **profile) as prob:
            for r0 in range(0, src.height, 1024):
                w = Window(0, r0, src.width, min(1024, src.height - r0))
                v = src.read(1, window=w)
                pred.write(np.where(v != 0, np.float32(0.5), np.float32(0.1)), 1, window=w)
                prob.write(np.where(v != 0, np.float32(0.97), np.float32(0.1)), 1, window=w)


def child_extent(raster: str, out: str) -> None:
    ensure_package()
    import pyogrio  # noqa: F401
    import rasterio
    import shapely

    from ree_damage.core.damage.extent import SurfaceInput, damage_extent
    from ree_damage.core.damage.points import DepthLayer

    with rasterio.open(raster) as src:
        width, height = src.width, src.height
    zones = zones_of(width)
    t0 = time.perf_counter()
    result = damage_extent(
        [SurfaceInput("Cd", DepthLayer("0-50", 0.0, 0.5), raster, Path(raster).with_name("Cd_exceedance.tif"))],
        {"Cd": 0.2}, zones, min_area_m2=float(os.environ.get("REE_BENCH_MMU", "1.0")),
        degree_dir=Path(out).parent / "degree",
    )
    t1 = time.perf_counter()
    result.polygons.to_file(out, driver="GPKG", layer="damaged_areas", engine="pyogrio")
    result.union.to_file(out, driver="GPKG", layer="damaged_union", engine="pyogrio")
    t2 = time.perf_counter()
    areas = result.areas[result.areas.indicator == "Cd"].set_index("zone")["area_m2"]
    parts = shapely.get_parts(result.polygons.geometry.to_numpy())
    import hashlib

    digest = hashlib.sha256(result.areas.to_csv().encode())
    for frame in (result.polygons, result.union):
        digest.update(frame.drop(columns="geometry").to_csv().encode())
        for g in frame.geometry:
            digest.update(g.wkb)
    report(seconds=t2 - t0, compute=t1 - t0, write=t2 - t1, patches=int(len(parts)), digest=digest.hexdigest(),
           vertices=int(shapely.get_num_coordinates(result.polygons.geometry.to_numpy()).sum()),
           grid=f"{width} x {height}", area_by_zone={str(k): float(v) for k, v in areas.items()})


def child_gdal_inproc(raster: str, out: str) -> None:
    from osgeo import gdal, ogr, osr

    gdal.UseExceptions()
    t0 = time.perf_counter()
    src = gdal.Open(raster)
    band = src.GetRasterBand(1)
    drv = ogr.GetDriverByName("GPKG")
    ds = drv.CreateDataSource(out)
    srs = osr.SpatialReference()
    srs.ImportFromWkt(src.GetProjection())
    lyr = ds.CreateLayer("patches", srs=srs)
    lyr.CreateField(ogr.FieldDefn("DN", ogr.OFTInteger))
    ds.StartTransaction()
    gdal.Polygonize(band, band, lyr, 0, [], callback=None)
    ds.CommitTransaction()
    n = lyr.GetFeatureCount()
    ds = None
    report(seconds=time.perf_counter() - t0, patches=n)


def child_rasterio_shapely(raster: str, out: str) -> None:
    import geopandas as gpd
    import numpy as np
    import pyogrio  # noqa: F401
    import rasterio
    import shapely
    from rasterio.features import shapes

    size = rasterio.open(raster).width
    zones = zones_of(size)
    t0 = time.perf_counter()
    with rasterio.open(raster) as src:
        v = src.read(1)
        transform = src.transform
    pairs = list(shapes(v, mask=v != 0, connectivity=4, transform=transform))
    geoms = np.array([shapely.geometry.shape(g) for g, _ in pairs], dtype=object)
    gdf = gpd.GeoDataFrame({"DN": [int(x) for _, x in pairs]}, geometry=geoms, crs=CRS)
    gdf.to_file(out, driver="GPKG", layer="patches", engine="pyogrio")
    tree = shapely.STRtree(geoms)
    area = {}
    for z, zg in zip(zones["zone"], zones.geometry):
        idx = tree.query(zg, predicate="intersects")
        area[z] = float(shapely.area(shapely.intersection(geoms[idx], zg)).sum())
    report(seconds=time.perf_counter() - t0, patches=len(geoms), area_by_zone=area)


def run_extent_sizes(grids: list[tuple[int, int | None]], scaled: bool = False) -> None:
    """The whole step alone on each grid (size, rows), each in a fresh process: peak memory."""
    me = [sys.executable, str(Path(__file__).resolve())]
    print(f"{'grid':>14s} {'seconds':>8s} {'peak MB':>8s} {'polygons':>8s} {'vertices':>10s}")
    for size, rows in grids:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            make_raster(size, tmp / "exceed.tif", rows, scaled)
            prediction = tmp / "Cd_prediction.tif"
            make_prediction(prediction)
            res = measure(me + ["--child", "extent", "--raster", str(prediction), "--out", str(tmp / "extent.gpkg")],
                          cap=3600.0)
            if res["rc"] != 0:
                print(f"{size} x {rows or size}: failed rc={res['rc']}\n{res['stderr']}")
                continue
            rep = res["report"]
            print(f"{rep['grid']:>14s} {rep['seconds']:8.1f} {res['maxrss_kb'] / 1024.0:8.0f} {rep['patches']:8d} "
                  f"{rep['vertices']:10d}", flush=True)


def run_same_as(other: Path, repeats: int = 3) -> None:
    """The whole step from this checkout and from ``other`` on the 4000 x 4000 rasters, runs
    alternating, with a 1 m2 and a 50 m2 unit: seconds, peak memory and a SHA-256 of the area
    table and the polygons (attributes and WKB) of each."""
    me = [sys.executable, str(Path(__file__).resolve())]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        make_raster(4000, tmp / "exceed.tif")
        prediction = tmp / "Cd_prediction.tif"
        make_prediction(prediction)
        cmd = me + ["--child", "extent", "--raster", str(prediction), "--out", str(tmp / "extent.gpkg")]
        for mmu in ("1.0", "50.0"):
            digests = {}
            for i in range(repeats):
                for who, root in (("this", ""), ("other", str(other))):
                    os.environ["REE_BENCH_ROOT"], os.environ["REE_BENCH_MMU"] = root, mmu
                    (tmp / "extent.gpkg").unlink(missing_ok=True)
                    res = measure(cmd)
                    if res["rc"] != 0:
                        print(f"{who}: failed rc={res['rc']}\n{res['stderr']}")
                        return
                    rep = res["report"]
                    digests.setdefault(who, set()).add(rep["digest"])
                    print(f"unit {mmu} m2, run {i + 1}, {who:5s}: {rep['seconds']:6.2f} s, "
                          f"{res['maxrss_kb'] / 1024.0:5.0f} MB, {rep['digest'][:16]}", flush=True)
            same = digests["this"] == digests["other"] and len(digests["this"]) == 1
            print(f"unit {mmu} m2: results identical: {same}")
        os.environ.pop("REE_BENCH_ROOT", None)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, nargs="+", default=[4000])
    ap.add_argument("--rows", type=int, nargs="+", help="grids --width wide and this many rows (peak memory)")
    ap.add_argument("--width", type=int, default=4000)
    ap.add_argument("--scaled", action="store_true", help="with --size: the 4000 x 4000 pattern stretched")
    ap.add_argument("--same-as", type=Path, help="another checkout of the plugin: the same step from both")
    ap.add_argument("--child")
    ap.add_argument("--raster")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.child:
        {"ours": child_ours, "gdal_inproc": child_gdal_inproc, "rasterio_shapely": child_rasterio_shapely,
         "extent": child_extent}[
            args.child
        ](args.raster, args.out)
        return
    if args.same_as:
        run_same_as(args.same_as)
        return
    if args.rows:
        if min(args.rows) < args.width:
            ap.error(f"--rows must be at least --width ({args.width}): the pattern is {args.width} rows high")
        run_extent_sizes([(args.width, r) for r in args.rows])
        return
    if args.size != [4000]:
        run_extent_sizes([(s, None) for s in args.size], args.scaled)
        return
    size = 4000
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        raster = tmp / "exceed.tif"
        make_raster(size, raster)
        prediction = tmp / "Cd_prediction.tif"
        make_prediction(prediction)
        me = [sys.executable, str(Path(__file__).resolve())]
        runs = {
            "ours": me + ["--child", "ours", "--raster", str(raster), "--out", str(tmp / "ours.gpkg")],
            "gdal_polygonize": [sys.executable, "/usr/bin/gdal_polygonize.py", str(raster), "-mask", str(raster),
                                "-q", "-f", "GPKG", str(tmp / "gdal.gpkg"), "patches", "DN"],
            "gdal_inproc": me + ["--child", "gdal_inproc", "--raster", str(raster), "--out", str(tmp / "gi.gpkg")],
            "rasterio_shapely": me + ["--child", "rasterio_shapely", "--raster", str(raster), "--out", str(tmp / "rs.gpkg")],
            "extent": me + ["--child", "extent", "--raster", str(prediction), "--out", str(tmp / "extent.gpkg")],
        }
        results = {}
        for name, cmd in runs.items():
            res = measure(cmd)
            if res["rc"] != 0:
                print(f"{name}: failed rc={res['rc']}\n{res['stderr']}")
                continue
            seconds = res["report"].get("seconds", res["wall"])
            results[name] = (seconds, res["maxrss_kb"] / 1024.0, res["report"])
        first = results.get("ours", (0, 0, {}))
        print(f"\n{size} x {size} cells, {first[2].get('patches')} patches; load average {os.getloadavg()[0]:.2f}")
        print(f"{'contender':18s} {'seconds':>8s} {'peak MB':>8s} {'ratio':>6s}")
        ours = results.get("ours", (float("nan"),))[0]
        for name, (s, mb, _rep) in results.items():
            print(f"{name:18s} {s:8.3f} {mb:8.0f} {s / ours:6.2f}")
        if "ours" in results:
            print("ours split:", {k: round(v, 3) for k, v in results["ours"][2].items() if k in ("polygonize", "write", "zones")})
            print("ours area by zone (m2):", results["ours"][2].get("area_by_zone"))
        if "extent" in results:
            print("extent split:", {k: round(v, 3) for k, v in results["extent"][2].items() if k in ("compute", "write")})
            print("extent area by zone (m2):", results["extent"][2].get("area_by_zone"))
        if "rasterio_shapely" in results:
            print("rasterio_shapely area by zone (m2):", results["rasterio_shapely"][2].get("area_by_zone"))


if __name__ == "__main__":
    main()
