"""Benchmark: DEM difference and cut/fill on an N x N DEM (2 m cells) against the chain a user runs in QGIS.

Contenders, each timed in its own subprocess (peak memory = getrusage(RUSAGE_CHILDREN).ru_maxrss
of a fresh intermediate process that runs only that step):

* ours    ree_damage.core.terrain.volume.dem_difference inside a boundary polygon of the whole
          extent: cut and fill by the cell method and the grid method (10 m), the cut/fill raster
          written tiled and DEFLATE-compressed; strips of 2^21 cells (bounded memory)
* ours qp the same through qgis_process: ree_damage:mined_volume (cut/fill raster, volume
          table with both methods, provenance; contours off), so both sides pay QGIS's start-up
* peer    gdal_calc.py (dz = after - before, Float32 GeoTIFF), then QGIS's
          native:rastersurfacevolume on dz through qgis_process twice: level 0, "count only
          above" (fill) and "count only below" (cut); the three steps' times add up, the
          peak is the largest of the three
* e2e     both as a QGIS user runs them (benchmarks/e2e.py): the peer as gdal:rastercalculator
          (QGIS's front to gdal_calc.py) then native:rastersurfacevolume twice, ours as
          ree_damage:mined_volume; cold (every step a new qgis_process) and warm (one QGIS
          session, processing.run, the first run untimed)

Every contender's CPU seconds (user + system, all its threads and children) are printed
beside its wall time, and the load average before and after: on a shared machine the wall
times move with the load, the CPU seconds much less.

Both DEMs are generated once, a hillside with pits and heaps, as photogrammetry software and
survey offices deliver them: float32 GeoTIFF, tiled 256 x 256, DEFLATE level 1 with the floating
point predictor (170 MB for the pair at 10,000 x 10,000; --dems reuses a pair).
The ratio is peer / ours, measured in the same run. Run:

    .venv/bin/python benchmarks/bench_mined_volume.py               # 4,000 x 4,000 cells
    .venv/bin/python benchmarks/bench_mined_volume.py --size 10000  # the issue's size (minutes, 170 MB of DEMs)
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
X0, Y0, CELL = 500_000.0, 2_700_000.0, 2.0
CRS = "EPSG:4547"


def ensure_package() -> None:
    """Import ree_damage the way the tests do: .pkg/ree_damage -> repository root."""
    link = PKG_PARENT / "ree_damage"
    PKG_PARENT.mkdir(exist_ok=True)
    if not link.exists():
        os.symlink(ROOT, link, target_is_directory=True)
    if str(PKG_PARENT) not in sys.path:
        sys.path.insert(0, str(PKG_PARENT))


def measure(cmd: list[str], env=None) -> dict:
    """Run ``cmd`` from a fresh intermediate process; its RUSAGE_CHILDREN is the peak."""
    code = (
        "import json, resource, subprocess, sys, time\n"
        "cmd = json.loads(sys.argv[1])\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(cmd, capture_output=True, text=True)\n"
        "wall = time.perf_counter() - t\n"
        "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "rss, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime\n"
        "print(json.dumps({'rc': p.returncode, 'wall': wall, 'maxrss_kb': rss, 'cpu': cpu,\n"
        "                  'stdout': p.stdout[-4000:], 'stderr': p.stderr[-2000:]}))\n"
    )
    p = subprocess.run([sys.executable, "-c", code, json.dumps(cmd)], capture_output=True, text=True, env=env)
    res = json.loads(p.stdout.strip().splitlines()[-1])
    if res["rc"] != 0:
        raise SystemExit(f"{cmd[:3]} failed: {res['stdout'][-1500:]} {res['stderr'][-1500:]}")
    return res


def make_dems(size: int, folder: Path) -> tuple[Path, Path]:
    """Two float32 DEMs of size x size cells, written strip by strip."""
    import numpy as np
    import rasterio
    from affine import Affine

    profile = dict(driver="GTiff", width=size, height=size, count=1, dtype="float32", crs=CRS, nodata=-9999.0,
                   transform=Affine(CELL, 0, X0, 0, -CELL, Y0 + size * CELL), tiled=True, blockxsize=256,
                   blockysize=256, compress="deflate", zlevel=1, predictor=3, BIGTIFF="IF_SAFER")
    before, after = folder / "before.tif", folder / "after.tif"
    rng = np.random.default_rng(7)
    centres = rng.uniform(0, size * CELL, (40, 2))
    radii = rng.uniform(20, 200, 40)
    heights = rng.uniform(-15, 10, 40)
    with rasterio.open(before, "w", **profile) as b, rasterio.open(after, "w", **profile) as a:
        x = (np.arange(size) + 0.5) * CELL
        for r0 in range(0, size, 512):
            h = min(512, size - r0)
            y = (size - (np.arange(r0, r0 + h) + 0.5)) * CELL
            xx, yy = np.meshgrid(x, y)
            zb = 200.0 + 0.02 * xx + 0.01 * yy + 5.0 * np.sin(xx / 300.0) * np.cos(yy / 400.0)
            change = np.zeros_like(zb)
            for (cx, cy), radius, dz in zip(centres, radii, heights):
                change += dz * np.maximum(0.0, 1.0 - np.hypot(xx - cx, yy - cy) / radius)
            window = rasterio.windows.Window(0, r0, size, h)
            b.write(zb.astype("float32"), 1, window=window)
            a.write((zb + change).astype("float32"), 1, window=window)
    return before, after


def child_ours(before: str, after: str, out: str) -> None:
    ensure_package()
    import geopandas as gpd
    import rasterio
    from shapely.geometry import box

    from ree_damage.core.terrain.volume import VolumeParams, dem_difference

    with rasterio.open(before) as src:
        bounds = src.bounds
    boundary = gpd.GeoDataFrame(geometry=[box(*bounds)], crs=CRS)
    started = time.perf_counter()
    result = dem_difference(before, after, boundary, params=VolumeParams(contour_interval_m=0),
                            work_dir=Path(out).parent)
    result.write({"cut_fill": out})
    seconds = time.perf_counter() - started
    print("BENCH " + json.dumps({"seconds": seconds, "cut": result.cut_m3, "fill": result.fill_m3,
                                 "grid_cut": result.grid_cut_m3, "grid_fill": result.grid_fill_m3}))


def plugin_env(folder: Path) -> dict:
    """Environment for qgis_process with the plugin on QGIS_PLUGINPATH: e2e.py's, a profile in ``folder``."""
    from e2e import process_env

    home = folder / "home"
    home.mkdir(exist_ok=True)
    return process_env(home)


def qgis_command() -> list[str]:
    for name in ("qgis_process.bin", "qgis_process"):
        found = shutil.which(name)
        if found:
            return [found]
    raise SystemExit("qgis_process is not installed")


def surface_volume(result: dict) -> float:
    """The VOLUME of a qgis_process --json run of native:rastersurfacevolume (m3)."""
    text = result["stdout"]
    return float(json.loads(text[text.index("{"):])["results"]["VOLUME"])


def e2e_compare(before: Path, after: Path, boundary: Path, folder: Path) -> None:
    """Ours and the peer as a QGIS user runs them, cold and warm (benchmarks/e2e.py)."""
    sys.path.insert(0, str(HERE))
    from e2e import compare_e2e, print_e2e

    ours = "ours: ree_damage:mined_volume"
    contenders = {
        ours: [("ree_damage:mined_volume", {"DEM_BEFORE": str(before), "DEM_AFTER": str(after),
                                            "BOUNDARY": str(boundary), "CONTOUR_INTERVAL": 0,
                                            "CUT_FILL": "{out}/cut_fill.tif", "OUTPUT_FOLDER": "{out}/tables"})],
        "peer: gdal:rastercalculator + 2 x rastersurfacevolume": [
            ("gdal:rastercalculator", {"INPUT_A": str(before), "BAND_A": 1, "INPUT_B": str(after), "BAND_B": 1,
                                       "FORMULA": "B-A", "NO_DATA": -9999, "RTYPE": 5, "OUTPUT": "{out}/dz.tif"}),
            ("native:rastersurfacevolume", {"INPUT": "@0", "BAND": 1, "LEVEL": 0, "METHOD": 0,
                                            "OUTPUT_TABLE": "{out}/fill.csv"}),
            ("native:rastersurfacevolume", {"INPUT": "@0", "BAND": 1, "LEVEL": 0, "METHOD": 1,
                                            "OUTPUT_TABLE": "{out}/cut.csv"}),
        ],
    }
    results = compare_e2e(contenders, folder / "e2e", rounds=1, repeat=1)
    print_e2e("DEM difference and cut/fill as QGIS users run them (e2e: cold = new qgis_process per step, "
              "warm = one session)", results, ours)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4000, help="cells per side (default 4000; the issue: 10000)")
    parser.add_argument("--keep", action="store_true", help="keep the generated DEMs and outputs")
    parser.add_argument("--dems", default=None, help="a folder with before.tif and after.tif of an earlier --keep run")
    parser.add_argument("--no-e2e", action="store_true", help="leave out the cold/warm runs through QGIS (e2e)")
    args = parser.parse_args(argv)
    import geopandas as gpd
    import rasterio
    from shapely.geometry import box

    folder = Path(tempfile.mkdtemp(prefix="bench_mined_volume_", dir="/tmp"))
    load_before = os.getloadavg()
    try:
        started = time.perf_counter()
        if args.dems:
            before, after = Path(args.dems) / "before.tif", Path(args.dems) / "after.tif"
            with rasterio.open(before) as src:
                args.size = src.width
            print(f"DEMs {args.size} x {args.size} cells from {args.dems}")
        else:
            before, after = make_dems(args.size, folder)
            print(f"DEMs {args.size} x {args.size} cells of {CELL:g} m generated in "
                  f"{time.perf_counter() - started:.1f} s")
        print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} "
              f"({len(os.sched_getaffinity(0))} cores)", flush=True)

        ours = measure([sys.executable, __file__, "--child", str(before), str(after), str(folder / "ours_dz.tif")])
        ours_report = json.loads(next(line[6:] for line in ours["stdout"].splitlines() if line.startswith("BENCH ")))

        ensure_package()
        env = plugin_env(folder)
        enabled = subprocess.run(qgis_command() + ["plugins", "enable", "ree_damage"], env=env, capture_output=True,
                                 text=True)
        if enabled.returncode != 0:
            raise SystemExit(f"qgis_process plugins enable ree_damage failed: {enabled.stdout} {enabled.stderr}")
        boundary = folder / "boundary.geojson"
        with rasterio.open(before) as src:
            gpd.GeoDataFrame(geometry=[box(*src.bounds)], crs=CRS).to_file(boundary)
        ours_qp = measure(qgis_command() + ["--json", "run", "ree_damage:mined_volume", "--", f"DEM_BEFORE={before}",
                                            f"DEM_AFTER={after}", f"BOUNDARY={boundary}", "CONTOUR_INTERVAL=0",
                                            f"CUT_FILL={folder / 'qp' / 'cut_fill.tif'}",
                                            f"OUTPUT_FOLDER={folder / 'qp'}"], env=env)
        qp_text = ours_qp["stdout"]
        qp_results = json.loads(qp_text[qp_text.index("{"):])["results"]
        dz = folder / "peer_dz.tif"
        calc = measure(["gdal_calc.py", "-A", str(before), "-B", str(after), "--calc=B-A", "--type=Float32",
                        "--NoDataValue=-9999", f"--outfile={dz}", "--quiet"], env=env)
        volumes = {}
        runs = [calc]
        for label, method in (("fill", 0), ("cut", 1)):
            run = measure(qgis_command() + ["--json", "run", "native:rastersurfacevolume", "--", f"INPUT={dz}",
                                            "BAND=1", "LEVEL=0", f"METHOD={method}",
                                            f"OUTPUT_TABLE={folder / (label + '.csv')}"], env=env)
            volumes[label] = abs(surface_volume(run))
            runs.append(run)
        peer_seconds = sum(r["wall"] for r in runs)
        peer_cpu = sum(r["cpu"] for r in runs)
        peer_peak = max(r["maxrss_kb"] for r in runs) / 1024
        print(f"\nDEM difference and cut/fill, {args.size} x {args.size} cells ({args.size * CELL / 1000:g} km square)")
        print(f"{'contender':<54}{'seconds':>10}{'CPU s':>8}{'peak MB':>10}{'cut m3':>16}{'fill m3':>16}")
        print(f"{'ours (cell + grid method, cut/fill raster)':<54}{ours_report['seconds']:>10.2f}{'':>8}"
              f"{ours['maxrss_kb'] / 1024:>10.0f}{ours_report['cut']:>16.0f}{ours_report['fill']:>16.0f}")
        print(f"{'  (subprocess wall, imports included)':<54}{ours['wall']:>10.2f}{ours['cpu']:>8.2f}")
        print(f"{'ours through qgis_process (ree_damage:mined_volume)':<54}{ours_qp['wall']:>10.2f}"
              f"{ours_qp['cpu']:>8.2f}{ours_qp['maxrss_kb'] / 1024:>10.0f}{qp_results['CUT']:>16.0f}"
              f"{qp_results['FILL']:>16.0f}")
        print(f"{'peer: gdal_calc + 2 x native:rastersurfacevolume':<54}{peer_seconds:>10.2f}{peer_cpu:>8.2f}"
              f"{peer_peak:>10.0f}{volumes['cut']:>16.0f}{volumes['fill']:>16.0f}")
        for name, run in zip(("  gdal_calc.py", "  rastersurfacevolume (fill)", "  rastersurfacevolume (cut)"), runs):
            print(f"{name:<54}{run['wall']:>10.2f}{run['cpu']:>8.2f}{run['maxrss_kb'] / 1024:>10.0f}")
        bare = measure(qgis_command() + ["help", "native:rastersurfacevolume"], env=env)
        print(f"{'  qgis_process start-up alone (help, plugins loaded)':<54}{bare['wall']:>10.2f}{bare['cpu']:>8.2f}")
        print(f"\nratio peer / ours through qgis_process (both pay QGIS's start-up): "
              f"{peer_seconds / ours_qp['wall']:.2f}x")
        print(f"ratio peer / ours (subprocess wall both): {peer_seconds / ours['wall']:.2f}x; "
              f"cut differs by {100 * (volumes['cut'] - ours_report['cut']) / ours_report['cut']:+.4f} %")
        print(f"ratio peer / ours in CPU seconds: {peer_cpu / ours_qp['cpu']:.2f}x through qgis_process, "
              f"{peer_cpu / ours['cpu']:.2f}x as a Python process")
        print(f"grid method (10 m): cut {ours_report['grid_cut']:.0f} m3, fill {ours_report['grid_fill']:.0f} m3")
        load = os.getloadavg()
        print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
        if not args.no_e2e:
            e2e_compare(before, after, boundary, folder)
            load = os.getloadavg()
            print(f"load average after e2e: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"kept {folder}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_ours(*sys.argv[2:5])
        sys.exit(0)
    sys.exit(main())
