"""Benchmark: a generated RGB orthomosaic (N x N, uint8, tiled) to damaged-area polygons.

Contenders, each in its own subprocess (wall time of the whole process, imports included;
peak memory = getrusage(RUSAGE_CHILDREN).ru_maxrss of a fresh intermediate process that
runs only that contender; for the chains, the largest of their steps):

* ours    ree_damage.core.imagery.vegetation.vegetation_damage with its defaults (ExG,
          Otsu on the streamed histogram, 3 x 3 opening/closing, 5 m2 sieve, Polygonize),
          writing the polygons (GeoPackage) and the index raster (float32, tiled, DEFLATE,
          overviews) with provenance
* ours-ov the same with Otsu's histogram on an overview (``otsu_source="overview"``: the mosaic
          read reduced to about 16 Mpx instead of a full first pass; stated in its parameters)
* ours-qp ours as QGIS users run it headless: qgis_process run ree_damage:vegetation_damage
          (the same defaults, polygons and index raster written, QGIS's start-up included)
* chain   what a user runs otherwise: gdal_calc.py for the ExG raster (float32, tiled,
          DEFLATE), gdal_calc.py for the threshold (Byte), gdal_polygonize.py (GeoPackage)
* short   the shortest chain: one gdal_calc.py (ExG thresholded straight to Byte) then
          gdal_polygonize.py; it writes no index raster and does no clean-up
* sieved  the short chain with gdal_sieve.py (the same 5 m2 minimum mapping unit) before
          gdal_polygonize.py: the chain whose polygons compare with ours

The chains get the threshold ours found (a user would read it off a histogram). Ratios
are contender / ours, measured in the same run. Run:

    .venv/bin/python benchmarks/bench_vegetation_damage.py              # 6,000 x 6,000 (108 MB)
    .venv/bin/python benchmarks/bench_vegetation_damage.py --size 20000 --chains chain,sieved  # 1.2 GB

Temporary files (the mosaic, every output) go to a folder under /tmp (or --workdir), removed at
the end; --mosaic reuses a mosaic made before (left in place). Every contender's CPU seconds
(user + system, all threads and children) are printed beside its wall time, with the load
average: on a shared machine the wall times move with the load, the CPU seconds much less.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PKG_PARENT = ROOT / ".pkg"
X0, Y0, CELL = 500_000.0, 2_800_000.0, 0.05
CRS = "EPSG:4547"


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


def measure(cmd: list, cap: float, env=None) -> dict:
    """Run ``cmd`` from a fresh intermediate process: wall time, peak RSS of the child."""
    code = (
        "import json, resource, subprocess, sys, time\n"
        "cmd = json.loads(sys.argv[1]); cap = float(sys.argv[2])\n"
        "t = time.perf_counter()\n"
        "try:\n"
        "    p = subprocess.run(cmd, capture_output=True, text=True, timeout=cap)\n"
        "    rc, out, err, timed_out = p.returncode, p.stdout, p.stderr, False\n"
        "except subprocess.TimeoutExpired:\n"
        "    rc, out, err, timed_out = None, '', '', True\n"
        "wall = time.perf_counter() - t\n"
        "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "rss, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime\n"
        "print(json.dumps({'rc': rc, 'wall': wall, 'maxrss_kb': rss, 'cpu': cpu, 'timed_out': timed_out,\n"
        "                  'stdout': out[-4000:], 'stderr': err[-2000:]}))\n"
    )
    p = subprocess.run([sys.executable, "-c", code, json.dumps([str(c) for c in cmd]), str(cap)],
                       capture_output=True, text=True, env=env)
    result = json.loads(p.stdout.strip().splitlines()[-1])
    if result["rc"] != 0:
        raise SystemExit(f"{cmd[0]} failed: {result['stderr'] or result['stdout']}")
    return result


# ------------------------------------------------------------------------------ the mosaic
def make_mosaic(path: Path, size: int, seed: int = 7) -> None:
    """Forest canopy with bare blobs (about a fifth of the area), uint8 RGB, tiled 512, no
    compression, written block by block (the generator's memory stays small).

    The canopy has crowns (about 1.5 m across) with dark shadow gaps between them, as in the
    sample case's orthomosaic: shadows are dark and their chromatic index is noisy, which is
    where a thresholded drone image gets its speckle."""
    import numpy as np
    import rasterio
    from affine import Affine
    from scipy.ndimage import map_coordinates

    rng = np.random.default_rng(seed)
    coarse_step = 64  # cells per coarse node: blobs of ~100-300 cells (5-15 m)
    coarse = rng.random((size // coarse_step + 3, size // coarse_step + 3))
    crown_step = 30  # 1.5 m at 5 cm
    crowns = rng.random((size // crown_step + 3, size // crown_step + 3))
    profile = {"driver": "GTiff", "dtype": "uint8", "count": 3, "width": size, "height": size, "crs": CRS,
               "transform": Affine(CELL, 0, X0, 0, -CELL, Y0), "tiled": True, "blockxsize": 512,
               "blockysize": 512, "photometric": "RGB", "BIGTIFF": "IF_SAFER"}
    block = 2048
    with rasterio.open(path, "w", **profile) as ds:
        for r in range(0, size, block):
            for c in range(0, size, block):
                h, w = min(block, size - r), min(block, size - c)
                rows, cols = np.mgrid[r:r + h, c:c + w].astype(np.float32) / coarse_step
                field = map_coordinates(coarse, [rows, cols], order=1)
                bare = field > 0.62
                crown = map_coordinates(crowns, [rows * coarse_step / crown_step, cols * coarse_step / crown_step],
                                        order=1)
                light = np.where(bare, 1.0, np.where(crown < 0.3, 0.35, 0.6 + 0.6 * crown)).astype(np.float32)
                local = np.random.default_rng([seed, r, c])
                grain = local.normal(0, 9, (3, h, w)).astype(np.float32)
                rgb = np.empty((3, h, w), dtype=np.float32)
                for band, (forest, soil) in enumerate(zip((55, 115, 40), (175, 115, 75))):
                    rgb[band] = np.where(bare, soil, forest) * light + grain[band]
                np.clip(rgb, 1, 255, out=rgb)
                ds.write(rgb.astype(np.uint8), window=((r, r + h), (c, c + w)))
        for band, name in enumerate(("red", "green", "blue"), start=1):
            ds.set_band_description(band, name)


OURS = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import geopandas as gpd, shapely
from ree_damage.core.imagery.vegetation import vegetation_damage
from ree_damage.core.imagery.vegetation import VegetationParams
mosaic, out, source, name = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
import rasterio
with rasterio.open(mosaic) as ds:
    area = gpd.GeoDataFrame(geometry=[shapely.box(*ds.bounds)], crs=ds.crs)
result = vegetation_damage(mosaic, area, work_dir=out, params=VegetationParams(otsu_source=source))
result.write({"polygons": f"{out}/{name}.gpkg", "index": f"{out}/{name}_exg.tif"})
print(json.dumps({"threshold": result.threshold, "damaged_m2": result.forest_area_lost_m2,
                  "polygons": len(result.polygons), "min_area_cells": result.parameters["min_area_cells"],
                  "otsu_histogram": result.parameters["otsu_histogram"]}))
result.close()
"""


def count_features(path) -> int:
    import pyogrio

    return int(pyogrio.read_info(str(path))["features"])


def qgis_process_run(folder: Path, mosaic: Path, cap: float) -> dict:
    """ree_damage:vegetation_damage through qgis_process (the plugin on QGIS_PLUGINPATH, a fresh profile)."""
    import geopandas as gpd
    import rasterio
    import shapely
    from e2e import process_env  # the environment every benchmark gives qgis_process

    command = [shutil.which("qgis_process.bin") or shutil.which("qgis_process") or "qgis_process"]
    home = folder / "qgis_home"
    home.mkdir(exist_ok=True)
    env = process_env(home)
    enabled = subprocess.run(command + ["plugins", "enable", "ree_damage"], env=env, capture_output=True, text=True)
    if enabled.returncode != 0:
        raise SystemExit(f"qgis_process plugins enable ree_damage failed: {enabled.stdout} {enabled.stderr}")
    with rasterio.open(mosaic) as ds:
        gpd.GeoDataFrame(geometry=[shapely.box(*ds.bounds)], crs=ds.crs).to_file(folder / "area.geojson")
    run = measure(command + ["--json", "run", "ree_damage:vegetation_damage", "--", f"INPUT={mosaic}",
                             f"CASE_AREA={folder / 'area.geojson'}", f"OUTPUT={folder / 'qp.gpkg'}",
                             f"INDEX_RASTER={folder / 'qp_exg.tif'}"], cap, env=env)
    text = run["stdout"]
    run["results"] = json.loads(text[text.index("{"):])["results"]
    return run


def gdal_calc(*args) -> list:
    return [shutil.which("gdal_calc.py") or "gdal_calc.py", *args]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=6000, help="mosaic width and height in cells (default 6000)")
    parser.add_argument("--workdir", default=None, help="folder for the mosaic and outputs (default: a temp folder)")
    parser.add_argument("--cap", type=float, default=3600, help="time cap per contender, s")
    parser.add_argument("--chains", default="chain,short,sieved",
                        help="peers to run, comma-separated among chain, short, sieved (empty: ours only)")
    parser.add_argument("--ours", default="ours-ov,ours-qp",
                        help="our variants to run besides ours, comma-separated among ours-ov, ours-qp")
    parser.add_argument("--mosaic", default=None,
                        help="an existing mosaic made by this benchmark (kept; --size is then read from it)")
    args = parser.parse_args(argv)
    ensure_package()
    folder = Path(tempfile.mkdtemp(prefix="bench_veg_", dir=args.workdir or "/tmp"))
    try:
        if args.mosaic:
            import rasterio

            mosaic = Path(args.mosaic)
            with rasterio.open(mosaic) as ds:
                args.size = ds.width
        else:
            mosaic = folder / "mosaic.tif"
            make_mosaic(mosaic, args.size)
        raw_mb = args.size * args.size * 3 / 1e6
        load = os.getloadavg()
        print(f"mosaic {args.size} x {args.size} RGB uint8 ({raw_mb:.0f} MB uncompressed), cores: "
              f"{len(os.sched_getaffinity(0))}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
        ours = measure([sys.executable, "-c", OURS, str(PKG_PARENT), str(mosaic), str(folder), "blocks", "ours"],
                       args.cap)
        found = json.loads(ours["stdout"].strip().splitlines()[-1])
        rows = [("ours", ours["wall"], ours["maxrss_kb"], found["polygons"], ours["cpu"])]
        print(f"ours: {ours['wall']:.1f} s ({ours['cpu']:.1f} CPU s), peak {ours['maxrss_kb'] / 1024:.0f} MB; "
              f"Otsu on {found['otsu_histogram']}; load {os.getloadavg()[0]:.2f}", flush=True)
        variants = {v.strip() for v in args.ours.split(",") if v.strip()}
        if "ours-ov" in variants:
            ov = measure([sys.executable, "-c", OURS, str(PKG_PARENT), str(mosaic), str(folder), "overview",
                          "ours_ov"], args.cap)
            ov_found = json.loads(ov["stdout"].strip().splitlines()[-1])
            rows.append(("ours-ov", ov["wall"], ov["maxrss_kb"], ov_found["polygons"], ov["cpu"]))
            print(f"ours-ov: {ov['wall']:.1f} s, peak {ov['maxrss_kb'] / 1024:.0f} MB; threshold "
                  f"{ov_found['threshold']:.4f} (every cell: {found['threshold']:.4f}), damaged "
                  f"{ov_found['damaged_m2']:.0f} m2; Otsu on {ov_found['otsu_histogram']}", flush=True)
        if "ours-qp" in variants:
            qp = qgis_process_run(folder, mosaic, args.cap)
            rows.append(("ours-qp", qp["wall"], qp["maxrss_kb"], count_features(folder / "qp.gpkg"), qp["cpu"]))
            print(f"ours-qp: {qp['wall']:.1f} s, peak {qp['maxrss_kb'] / 1024:.0f} MB; forest area lost "
                  f"{qp['results']['FOREST_AREA_LOST_M2']:.0f} m2", flush=True)
        chains = {c.strip() for c in args.chains.split(",") if c.strip()}
        if chains:
            t = found["threshold"]
            exg = "(2.0*B-A-C)/(A+B+C+0.001)"
            bands = ["-A", mosaic, "--A_band=1", "-B", mosaic, "--B_band=2", "-C", mosaic, "--C_band=3"]
            co = ["--co", "TILED=YES", "--co", "COMPRESS=DEFLATE", "--quiet"]
            steps = [
                gdal_calc(*bands, f"--calc={exg}", "--type=Float32", *co, f"--outfile={folder / 'exg.tif'}"),
                gdal_calc("-A", folder / "exg.tif", f"--calc=A<{t}", "--type=Byte", *co,
                          f"--outfile={folder / 'bare.tif'}"),
                [shutil.which("gdal_polygonize.py") or "gdal_polygonize.py", "-q", folder / "bare.tif", "-mask",
                 folder / "bare.tif", "-f", "GPKG", folder / "chain.gpkg"],
            ]
            runs = [measure(cmd, args.cap) for cmd in steps] if "chain" in chains else []
            if runs:
                rows.append(("chain", sum(r["wall"] for r in runs), max(r["maxrss_kb"] for r in runs),
                             count_features(folder / "chain.gpkg"), sum(r["cpu"] for r in runs)))
            short = [
                gdal_calc(*bands, f"--calc={exg}<{t}", "--type=Byte", *co, f"--outfile={folder / 'bare2.tif'}"),
                [shutil.which("gdal_polygonize.py") or "gdal_polygonize.py", "-q", folder / "bare2.tif", "-mask",
                 folder / "bare2.tif", "-f", "GPKG", folder / "short.gpkg"],
            ]
            runs = [measure(cmd, args.cap) for cmd in (short if "short" in chains else short[:1])]
            if "short" in chains:
                rows.append(("short", sum(r["wall"] for r in runs), max(r["maxrss_kb"] for r in runs),
                             count_features(folder / "short.gpkg"), sum(r["cpu"] for r in runs)))
            if "sieved" in chains:
                sieve = measure([shutil.which("gdal_sieve.py") or "gdal_sieve.py", "-q", "-st",
                                 str(found["min_area_cells"]), "-4", folder / "bare2.tif", folder / "sieved.tif"],
                                args.cap)
                polygonize = measure([shutil.which("gdal_polygonize.py") or "gdal_polygonize.py", "-q",
                                      folder / "sieved.tif", "-mask", folder / "sieved.tif", "-f", "GPKG",
                                      folder / "sieved.gpkg"], args.cap)
                rows.append(("sieved", runs[0]["wall"] + sieve["wall"] + polygonize["wall"],
                             max(runs[0]["maxrss_kb"], sieve["maxrss_kb"], polygonize["maxrss_kb"]),
                             count_features(folder / "sieved.gpkg"),
                             runs[0]["cpu"] + sieve["cpu"] + polygonize["cpu"]))
        print(f"threshold (Otsu) {found['threshold']:.4f}; damaged {found['damaged_m2']:.0f} m2")
        print(f"{'contender':10s} {'wall s':>8s} {'CPU s':>8s} {'peak MB':>8s} {'x ours':>7s} {'polygons':>9s}")
        for name, wall, rss, polygons, cpu in rows:
            print(f"{name:10s} {wall:8.1f} {cpu:8.1f} {rss / 1024:8.0f} {wall / rows[0][1]:7.2f} {polygons or '':>9}")
        load = os.getloadavg()
        print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
