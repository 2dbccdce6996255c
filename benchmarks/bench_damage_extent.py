"""Benchmark: polygonise a 4000 x 4000 exceedance raster (about 8,000 patches) and give the
damaged area per functional zone; and the whole damage_extent step (read, compute, write).

Contenders, each in its own subprocess (peak memory = getrusage(RUSAGE_CHILDREN).ru_maxrss
of a fresh intermediate process that runs only that contender):

* ours        ree_damage.core.damage.polygonize (GDAL's polygonize in process, polygons to
              shapely by WKB) on the raster read with rasterio, the patches written to a
              GeoPackage (pyogrio), and the area per zone from the damaged cells by zone
              (zones rasterised by cell centre)
* gdal_polygonize   /usr/bin/gdal_polygonize.py RASTER -mask RASTER -f GPKG OUT (the value-1
              patches only, the same features as ours); the whole process, as a user runs it;
              polygons only, no area per zone (so the comparison favours it)
* rasterio_shapely  rasterio.features.shapes + shapely.geometry.shape, the GeoPackage written
              by pyogrio, the area per zone by shapely intersection with the zones
* extent      the whole step: ree_damage.core.damage.extent.damage_extent on a float
              prediction GeoTIFF of the same patches and its P(exceed) GeoTIFF (read by
              blocks, a 1 m2 minimum mapping unit, damage-degree GeoTIFF written, polygons
              per zone, union, areas at 50/80/95 %) and its polygons written to a
              GeoPackage; with --size 8000 only this one runs (the bounded-memory check)

Ratios are contender / ours, measured in the same run. Run:

    .venv/bin/python benchmarks/bench_damage_extent.py
    .venv/bin/python benchmarks/bench_damage_extent.py --size 8000   # the bounded-memory check
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
    link = PKG_PARENT / "ree_damage"
    PKG_PARENT.mkdir(exist_ok=True)
    if not link.exists():
        try:
            os.symlink(ROOT, link, target_is_directory=True)
        except FileExistsError:
            pass
    if str(PKG_PARENT) not in sys.path:
        sys.path.insert(0, str(PKG_PARENT))


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


def make_raster(size: int, path: Path) -> None:
    """0/1 uint8 exceedance raster: thresholded smooth noise, about 8,000 patches at 4000."""
    import numpy as np
    import rasterio
    from affine import Affine
    from scipy import ndimage

    coarse = size // 6
    rng = np.random.default_rng(11)
    noise = ndimage.gaussian_filter(rng.standard_normal((coarse, coarse)).astype(np.float32), 1.0)
    noise = ndimage.zoom(noise, size / coarse, order=1)[:size, :size]
    v = (noise > np.quantile(noise, 0.8)).astype(np.uint8)
    profile = dict(driver="GTiff", width=size, height=size, count=1, dtype="uint8", crs=CRS,
                   transform=Affine(CELL, 0, X0, 0, -CELL, Y0), tiled=True, compress="deflate")
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(v, 1)


# ------------------------------------------------------------------------------ contenders
def child_ours(raster: str, out: str) -> None:
    ensure_package()
    import numpy as np
    import pyogrio  # noqa: F401 - imported before the clock, as for the others
    import rasterio
    from rasterio.features import rasterize

    from ree_damage.core.damage.polygonize import polygonize

    size = rasterio.open(raster).width
    zones = zones_of(size)
    t0 = time.perf_counter()
    with rasterio.open(raster) as src:
        v = src.read(1)
        transform = src.transform
    patches = polygonize(v, transform)
    t1 = time.perf_counter()
    import geopandas as gpd

    gdf = gpd.GeoDataFrame({"DN": patches.values.astype(np.int32), "area_m2": patches.area_m2},
                           geometry=patches.geometry, crs=CRS)
    gdf.to_file(out, driver="GPKG", layer="patches", engine="pyogrio")
    t2 = time.perf_counter()
    zid = rasterize(zip(zones.geometry, range(1, 5)), out_shape=v.shape, transform=transform, dtype="uint8")
    area = np.bincount(zid[v != 0], minlength=5) * abs(transform.a * transform.e)
    t3 = time.perf_counter()
    report(seconds=t3 - t0, polygonize=t1 - t0, write=t2 - t1, zones=t3 - t2, patches=len(patches),
           area_by_zone=dict(zip(["none"] + list(zones["zone"]), area.tolist())))


def make_prediction(size: int, path: Path) -> None:
    """float32 Cd prediction (mg/kg): 0.1 outside the patches of make_raster, 0.5 inside; and
    beside it ``Cd_exceedance.tif``, P(Cd > baseline): 0.1 outside, 0.97 inside."""
    import numpy as np
    import rasterio

    exceed = path.with_name("exceed.tif")
    with rasterio.open(exceed) as src:
        profile = src.profile
        v = src.read(1)
    profile.update(dtype="float32", nodata=np.nan, predictor=3)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.where(v != 0, np.float32(0.5), np.float32(0.1)), 1)
    with rasterio.open(path.with_name("Cd_exceedance.tif"), "w", **profile) as dst:
        dst.write(np.where(v != 0, np.float32(0.97), np.float32(0.1)), 1)


def child_extent(raster: str, out: str) -> None:
    ensure_package()
    import pyogrio  # noqa: F401
    import rasterio

    from ree_damage.core.damage.extent import SurfaceInput, damage_extent
    from ree_damage.core.damage.points import DepthLayer

    size = rasterio.open(raster).width
    zones = zones_of(size)
    t0 = time.perf_counter()
    result = damage_extent(
        [SurfaceInput("Cd", DepthLayer("0-50", 0.0, 0.5), raster, Path(raster).with_name("Cd_exceedance.tif"))],
        {"Cd": 0.2}, zones, min_area_m2=1.0, degree_dir=Path(out).parent / "degree",
    )
    t1 = time.perf_counter()
    result.polygons.to_file(out, driver="GPKG", layer="damaged_areas", engine="pyogrio")
    result.union.to_file(out, driver="GPKG", layer="damaged_union", engine="pyogrio")
    t2 = time.perf_counter()
    areas = result.areas[result.areas.indicator == "Cd"].set_index("zone")["area_m2"]
    report(seconds=t2 - t0, compute=t1 - t0, write=t2 - t1, patches=int(len(result.polygons)),
           area_by_zone={str(k): float(v) for k, v in areas.items()})


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=4000)
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
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        raster = tmp / "exceed.tif"
        make_raster(args.size, raster)
        prediction = tmp / "Cd_prediction.tif"
        make_prediction(args.size, prediction)
        me = [sys.executable, str(Path(__file__).resolve())]
        runs = {
            "ours": me + ["--child", "ours", "--raster", str(raster), "--out", str(tmp / "ours.gpkg")],
            "gdal_polygonize": [sys.executable, "/usr/bin/gdal_polygonize.py", str(raster), "-mask", str(raster),
                                "-q", "-f", "GPKG", str(tmp / "gdal.gpkg"), "patches", "DN"],
            "gdal_inproc": me + ["--child", "gdal_inproc", "--raster", str(raster), "--out", str(tmp / "gi.gpkg")],
            "rasterio_shapely": me + ["--child", "rasterio_shapely", "--raster", str(raster), "--out", str(tmp / "rs.gpkg")],
            "extent": me + ["--child", "extent", "--raster", str(prediction), "--out", str(tmp / "extent.gpkg")],
        }
        if args.size > 4000:
            runs = {"extent": runs["extent"]}
        results = {}
        for name, cmd in runs.items():
            res = measure(cmd)
            if res["rc"] != 0:
                print(f"{name}: failed rc={res['rc']}\n{res['stderr']}")
                continue
            seconds = res["report"].get("seconds", res["wall"])
            results[name] = (seconds, res["maxrss_kb"] / 1024.0, res["report"])
        first = results.get("ours", results.get("extent", (0, 0, {})))
        print(f"\n{args.size} x {args.size} cells, {first[2].get('patches')} patches")
        print(f"{'contender':18s} {'seconds':>8s} {'peak MB':>8s} {'ratio':>6s}")
        ours = results.get("ours", results.get("extent", (float("nan"),)))[0]
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
