"""DEMs: the in-memory DEM type and resampling onto a grid in the zone CRS."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Optional

import numpy as np

from ..common.errors import InputError
from ..common.messages import Message
from .crs import CGCS2000_GEOGRAPHIC, GaussKrugerZone
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


class DemGrid(NamedTuple):
    """What :func:`dem_grid` returns."""

    heights: np.ndarray
    """float64 heights, m, NaN where there is no data."""
    transform: Any
    """North-up grid transform (affine.Affine) in the zone CRS."""
    cell_size: float
    """Cell size, m."""
    warnings: list
    """The resampling and reprojection notes (:class:`~ree_damage.core.common.messages.Message`)."""


def dem_grid(dem, zone: GaussKrugerZone, bounds, *, max_cells: int, min_cell_m: float) -> DemGrid:
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
    max_cells : int
        At most about this many cells over ``bounds`` (the cell grows to keep it).
    min_cell_m : float
        The smallest cell size, m.

    Returns
    -------
    DemGrid
        ``(heights, transform, cell_size, warnings)``: heights in m (NaN for no data), the
        north-up transform in the zone CRS, the cell size in m, and the notes.
    """
    import rasterio
    from affine import Affine
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    dst_crs = rasterio.crs.CRS.from_epsg(zone.epsg)
    warnings: list = []
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
        try:
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
        except Exception:  # coordinates impossible in the declared CRS (GDAL: "failed to transform")
            native = None  # no height reaches the grid; dem_coverage_problem names why
        minx, miny, maxx, maxy = bounds
        area = (maxx - minx) * (maxy - miny)
        res = max(native or 0.0, min_cell_m, math.sqrt(area / max(max_cells, 1)))
        if native is not None and res > native * 1.01:
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
        if native is None:
            return DemGrid(out, transform, res, warnings)
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
    return DemGrid(out, transform, res, warnings)


# the CRSs a DEM's coordinates may really be in when the declared one puts it elsewhere:
# CGCS2000 longitude/latitude and every CGCS2000 Gauss-Kruger zone (3 and 6 degrees, with
# and without the zone number before the easting)
_PLAUSIBLE_CRS = (CGCS2000_GEOGRAPHIC, *range(4491, 4555))


def _has_valid_height(dem) -> bool:
    """True if any cell of the DEM holds a height (not nodata, not NaN); read block by block."""
    if isinstance(dem, Dem):
        values = np.asarray(dem.array, dtype="float64")
        valid = np.isfinite(values)
        if dem.nodata is not None and np.isfinite(dem.nodata):
            valid &= values != dem.nodata
        return bool(valid.any())
    import rasterio

    with rasterio.open(dem) as source:
        for _, window in source.block_windows(1):
            block = source.read(1, window=window, masked=True)
            if (~np.ma.getmaskarray(block) & np.isfinite(block.filled(np.nan).astype("float64"))).any():
                return True
    return False


def _extent_and_crs(dem):
    """The DEM's ``(minx, miny, maxx, maxy)`` in its own CRS, its CRS (rasterio), its nodata."""
    import rasterio

    if isinstance(dem, Dem):
        height, width = np.asarray(dem.array).shape
        transform, crs, nodata = dem.transform, rasterio.crs.CRS.from_user_input(dem.crs), dem.nodata
    else:
        with rasterio.open(dem) as source:
            width, height, transform, crs, nodata = source.width, source.height, source.transform, source.crs, source.nodata
    x0, y0 = apply_affine(transform, 0.0, 0.0)
    x1, y1 = apply_affine(transform, float(width), float(height))
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), crs, nodata


def _bounds_in(bounds, src_crs, dst_crs):
    """``bounds`` transformed into ``dst_crs`` (None when they cannot be placed there)."""
    from rasterio.warp import transform_bounds

    try:
        out = transform_bounds(src_crs, dst_crs, *bounds, densify_pts=21)
    except Exception:  # rasterio raises CRSError, ValueError and GDAL errors for impossible coordinates
        return None
    return out if all(np.isfinite(out)) else None


def _share_covered(case, other) -> float:
    """The share of the case's extent that ``other`` covers (0-1)."""
    width = min(case[2], other[2]) - max(case[0], other[0])
    height = min(case[3], other[3]) - max(case[1], other[1])
    area = max(case[2] - case[0], 1e-9) * max(case[3] - case[1], 1e-9)
    return max(width, 0.0) * max(height, 0.0) / area


def _span(low: float, high: float) -> str:
    # metres to the metre; a DEM in degrees read as metres spans a fraction of one
    decimals = 0 if abs(high - low) >= 100 else 3
    return f"{low:.{decimals}f} to {high:.{decimals}f}"


def dem_coverage_problem(dem, zone: GaussKrugerZone, bounds) -> Message:
    """Why a DEM gives no height over the case area, as one message naming the cause.

    Called when :func:`dem_grid` found no valid cell inside the case. The causes, in the
    order checked: every cell of the DEM is nodata; the DEM reaches the case's extent but
    holds nodata over it; the DEM lies elsewhere, said with both extents in the zone CRS
    and the distance between them (m), and, when the DEM's extent read in another CGCS2000
    CRS (longitude/latitude, or another Gauss-Kruger zone) would cover at least half of
    the case's extent, that CRS is named as the one suspected.

    Parameters
    ----------
    dem : str, pathlib.Path or Dem
        The DEM given.
    zone : GaussKrugerZone
        The case's zone CRS.
    bounds : tuple of float
        The case's ``(minx, miny, maxx, maxy)`` in the zone CRS, m.

    Returns
    -------
    Message
        ``DEM_ALL_NODATA``, ``DEM_NODATA_OVER_CASE`` or ``DEM_FAR_FROM_CASE``.
    """
    import rasterio

    own_bounds, src_crs, nodata = _extent_and_crs(dem)
    if not _has_valid_height(dem):
        return Message("DEM_ALL_NODATA", nodata="NaN" if nodata is None else f"{nodata:g}")
    zone_crs = rasterio.crs.CRS.from_epsg(zone.epsg)
    placed = _bounds_in(own_bounds, src_crs, zone_crs)
    case = tuple(float(v) for v in bounds)
    if placed is not None and _share_covered(case, placed) > 0:
        return Message("DEM_NODATA_OVER_CASE")
    declared = src_crs.to_string()
    best, best_share = None, 0.5
    for code in (zone.epsg, *_PLAUSIBLE_CRS):  # the case's own zone first: it wins a tie
        candidate = rasterio.crs.CRS.from_epsg(code)
        if candidate == src_crs:
            continue
        if candidate.is_geographic and (max(map(abs, own_bounds[0::2])) > 180 or max(map(abs, own_bounds[1::2])) > 90):
            continue
        other = _bounds_in(own_bounds, candidate, zone_crs)
        share = _share_covered(case, other) if other is not None else 0.0
        if share > best_share:
            best, best_share = candidate, share
    hint = Message("DEM_HINT_OTHER_CRS", crs=best.to_string(), declared=declared) if best is not None else ""
    if placed is None:
        return Message("DEM_NOT_PLACEABLE", declared=declared, zone=zone.authid, hint=hint)
    dx = max(0.0, placed[0] - case[2], case[0] - placed[2])
    dy = max(0.0, placed[1] - case[3], case[1] - placed[3])
    return Message(
        "DEM_FAR_FROM_CASE",
        zone=zone.authid,
        dem_x=_span(placed[0], placed[2]),
        dem_y=_span(placed[1], placed[3]),
        case_x=_span(case[0], case[2]),
        case_y=_span(case[1], case[3]),
        distance=math.hypot(dx, dy),
        hint=hint,
    )
