"""Benchmark: what GDAL takes to write points to a GeoPackage, with and without its R-tree.

Every algorithm that writes a GeoPackage pays this, ours and QGIS's alike (both go
through GDAL's GPKG driver); it is the floor of the sampling grid's end-to-end runs
(README, "sampling_grid end to end"). Run from the repository root::

    .venv/bin/python benchmarks/bench_gpkg_write.py              # 125,360 points
    .venv/bin/python benchmarks/bench_gpkg_write.py --points 250000

and in a matrix root, to see another GDAL (Debian 12 has 3.6; GDAL 3.7 and later build
the R-tree in bulk)::

    bash scripts/matrix/run_in_root.sh trixie /bin/sh -c \\
        "cd $PWD && /opt/ree-venv/bin/python benchmarks/bench_gpkg_write.py"

Each layout is written ``--repeat`` times (pyogrio, one call, into a new file), best and
worst printed: random points in a 20 km square (EPSG:4547), one integer field; the R-tree
with GDAL's default (SPATIAL_INDEX=YES), without it, and without it then made with
``CreateSpatialIndex``. Always exits 0.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=125_360, help="points per layer (default: the 200 km2 grid's)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    import geopandas as gpd
    import numpy as np
    import pyogrio
    import shapely
    from osgeo import gdal

    gdal.UseExceptions()
    rng = np.random.default_rng(0)
    frame = gpd.GeoDataFrame(
        {"n": np.arange(args.points)},
        geometry=shapely.points(rng.uniform(0.0, 20_000.0, (args.points, 2)) + (500_000.0, 2_800_000.0)),
        crs=4547,
    )
    folder = Path(tempfile.mkdtemp(prefix="bench_gpkg_write_"))

    def write(path, spatial_index: bool, index_after: bool = False) -> float:
        start = time.perf_counter()
        pyogrio.write_dataframe(frame, path, layer="points", driver="GPKG",
                                layer_options={} if spatial_index else {"SPATIAL_INDEX": "NO"})
        if index_after:
            data = gdal.OpenEx(str(path), gdal.OF_VECTOR | gdal.OF_UPDATE)
            result = data.ExecuteSQL("SELECT CreateSpatialIndex('points', 'geom')")
            data.ReleaseResultSet(result)
            data = None
        return time.perf_counter() - start

    layouts = (("R-tree (GDAL's default)", True, False), ("no R-tree", False, False),
               ("no R-tree, then CreateSpatialIndex", False, True))
    times = {label: [] for label, _, _ in layouts}
    try:
        for round_ in range(args.repeat):
            for k, (label, index, after) in enumerate(layouts):  # the layouts take turns
                times[label].append(write(folder / f"{round_}_{k}.gpkg", index, after))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"GDAL {gdal.__version__}, pyogrio {pyogrio.__version__}: {args.points:,} points, "
          f"best (worst) of {args.repeat}")
    base = min(times["no R-tree"])
    for label, values in times.items():
        print(f"  {label:<36} {min(values):6.2f} s ({max(values):.2f})   x{min(values) / base:.2f} of no R-tree")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
