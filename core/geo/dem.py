"""DEMs: the in-memory DEM type and resampling onto a grid in the zone CRS."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import numpy as np

from ..common.errors import InputError
from .crs import GaussKrugerZone
from .raster_io import apply_affine


@dataclass
class Dem:
    """A DEM held in memory: heights in m (1985 height datum) on an affine grid.

    Attributes
    ----------
    array : numpy.ndarray
        2-D heights, m.
    transform : affine.Affine
        Pixel-to-CRS transform (rasterio convention, north-up).
    crs : object
        Anything pyproj/rasterio understands (EPSG code, WKT).
    nodata : float, optional
        No-data value (NaN is always no-data).
    """

    array: np.ndarray
    transform: Any
    crs: Any
    nodata: Optional[float] = None


def dem_grid(dem, zone: GaussKrugerZone, bounds, warnings: list, *, max_cells: int, min_cell_m: float):
    """Resample the DEM onto a grid in the zone CRS covering ``bounds``; NaN is no-data.

    Parameters
    ----------
    dem : str, pathlib.Path or Dem
        A raster path or an in-memory DEM (heights in m).
    zone : GaussKrugerZone
        The target CRS.
    bounds : tuple of float
        ``(minx, miny, maxx, maxy)`` in the zone CRS, m; the grid covers them with a
        two-cell margin.
    warnings : list of str
        Receives the resampling and reprojection notes.
    max_cells : int
        At most about this many cells over ``bounds`` (the cell grows to keep it).
    min_cell_m : float
        The smallest cell size, m.

    Returns
    -------
    heights : numpy.ndarray
        float64 heights, m, NaN where there is no data.
    transform : affine.Affine
        North-up grid transform in the zone CRS.
    cell_size : float
        Cell size, m.
    """
    import rasterio
    from affine import Affine
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    dst_crs = rasterio.crs.CRS.from_epsg(zone.epsg)
    opened = None
    try:
        if isinstance(dem, (str, Path)):
            try:
                opened = rasterio.open(dem)
            except Exception as exc:  # rasterio raises RasterioIOError and friends
                raise InputError(f"cannot open the DEM: {exc}", layer=str(dem)) from exc
            if opened.crs is None:
                raise InputError("the DEM has no coordinate reference system", layer=str(dem))
            src, src_crs, src_transform = rasterio.band(opened, 1), opened.crs, opened.transform
            src_nodata, width, height = opened.nodata, opened.width, opened.height
        elif isinstance(dem, Dem):
            arr = np.asarray(dem.array, dtype="float64")
            if arr.ndim != 2 or arr.size == 0:
                raise InputError("the DEM must be a non-empty 2-D array", layer="dem")
            if dem.crs is None:
                raise InputError("the DEM has no coordinate reference system", layer="dem")
            src, src_crs, src_transform = arr, rasterio.crs.CRS.from_user_input(dem.crs), dem.transform
            src_nodata, (height, width) = dem.nodata, arr.shape
        else:
            raise InputError("the DEM must be a raster path or a Dem(array, transform, crs)", layer="dem")
        if src_crs.is_geographic:
            warnings.append(
                f"DEM: geographic CRS reprojected to {zone.authid}; slopes are never computed in degrees"
            )
        left, top = apply_affine(src_transform, 0.0, 0.0)
        right, bottom = apply_affine(src_transform, float(width), float(height))
        default_transform, _, _ = calculate_default_transform(
            src_crs,
            dst_crs,
            width,
            height,
            min(left, right),
            min(top, bottom),
            max(left, right),
            max(top, bottom),
        )
        native = abs(default_transform.a)
        minx, miny, maxx, maxy = bounds
        area = (maxx - minx) * (maxy - miny)
        res = max(native, min_cell_m, math.sqrt(area / max(max_cells, 1)))
        if res > native * 1.01:
            warnings.append(
                f"DEM: resampled from about {native:.2f} m to {res:.2f} m cells for routing (dem_max_cells={max_cells})"
            )
        margin = 2 * res
        x0 = math.floor((minx - margin) / res) * res
        y1 = math.ceil((maxy + margin) / res) * res
        cols = int(math.ceil((maxx + margin - x0) / res))
        rows = int(math.ceil((y1 - (miny - margin)) / res))
        transform = Affine(res, 0.0, x0, 0.0, -res, y1)
        out = np.full((rows, cols), np.nan, dtype="float64")
        reproject(
            source=src,
            destination=out,
            src_transform=src_transform,
            src_crs=src_crs,
            src_nodata=src_nodata,
            dst_transform=transform,
            dst_crs=dst_crs,
            dst_nodata=np.nan,
            resampling=Resampling.average if res > native * 1.5 else Resampling.bilinear,
        )
    finally:
        if opened is not None:
            opened.close()
    return out, transform, res
