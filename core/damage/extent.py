"""Damage extent from interpolated rasters: damaged areas (m2) and soil volumes (m3).

Input: the rasters of ``interpolate`` (:mod:`ree_damage.core.interp.interpolation`):
per indicator, depth layer and method a prediction GeoTIFF (the indicator's unit, e.g.
mg/kg) and, for kriging, the probability of exceeding the baseline. Per surface:

* damage degree raster ``K = (C - B) / B`` (pH: ``10 ** (B - C) - 1``, see
  :mod:`ree_damage.core.damage.points`), written block by block;
* damaged cells: predicted value beyond the baseline (``C > B``; pH ``C < B``), patches
  smaller than the minimum mapping unit (m2, 4-connected cells) dropped;
* damaged-area polygons (:mod:`ree_damage.core.damage.polygonize`: cell edges, holes
  kept), dissolved per indicator and functional zone;
* area (m2) per zone = damaged cells whose centre lies in the zone x cell area (the same
  cell-centre rule that masked the interpolation to the case area), soil volume (m3) =
  area x layer thickness, so volumes are the sum of cell areas x thickness exactly;
* with a probability raster, the area and volume where P(exceed) >= each level
  (default 0.5, 0.8, 0.95), the same minimum mapping unit applied.

Per method and depth layer the union over indicators: polygons dissolved per combination
of indicators exceeding there (field ``indicators``), and areas and volumes of cells where
*any* indicator exceeds (indicator ``"ANY"``), so overlaps are not counted twice.

Memory is bounded by strips of ``block_rows`` rows, whatever the number of rows: the float
rasters are read and the degree rasters written strip by strip; what a depth layer needs
for the whole grid (zone index, damaged cells and P(exceed) level, patch codes per zone,
union codes) goes to uncompressed GeoTIFFs in a temporary folder (removed at the end), read
back strip by strip, and GDAL polygonises them reading one row at a time. The minimum
mapping unit is applied by :class:`~ree_damage.core.damage.polygonize.StripPatches`: the
patches of each strip are labelled and joined across the strip seams, so a patch cut by a
seam counts as one. The results are those of the whole grid at once (the tests compare
them); held in memory are a strip, a few numbers per patch and the polygons (measured:
8000 x 8000 and 16000 x 16000 cells in the README's figures).

A raster whose CRS differs from the zones' is refused (its cells would have to be
resampled, changing both the values and the areas; reproject it in ``interpolate``'s
grid instead). Rasters of one method and layer must share one grid (for the union).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pandas as pd

from ..common.errors import InputError
from ..common.messages import Message
from ..common.progress import CancelFn, ProgressFn, check_canceled, no_progress
from .points import DepthLayer, baseline_rows, degree, rule_text
from .polygonize import StripPatches, cell_area, min_cells_for, polygonize_raster

DEFAULT_PROBABILITIES = (0.5, 0.8, 0.95)
"""**[default]** levels of P(exceed) at which areas and volumes are given (a range)."""

GDAL_CACHE_BYTES = 64 * 2**20
"""GDAL block cache while the rasters are read and written (bytes)."""

STRIP_CELLS = 2**21
"""Most cells in one strip (512 rows of 4096 cells): on a wider grid a strip has fewer rows
than ``block_rows``, so the memory of a strip's working arrays (float64 values, masks,
labels: about 100 bytes per cell at most) stays bounded whatever the grid's size."""

NO_ZONE = "(no zone)"
"""Zone label of damaged cells outside every functional zone."""

AREA_COLUMNS = ["method", "depth_layer", "indicator", "zone", "cells", "area_m2", "thickness_m", "volume_m3"]
"""Columns of the per-indicator polygons and of :attr:`ExtentResult.areas` (before the levels)."""

UNION_COLUMNS = ["method", "depth_layer", "indicators", "n_indicators", "cells", "area_m2", "thickness_m", "volume_m3"]
"""Columns of the union polygons."""


@dataclass(frozen=True)
class SurfaceInput:
    """One interpolated surface to assess.

    Attributes
    ----------
    indicator : str
        Indicator code (a row of the baseline table).
    layer : DepthLayer
        Depth layer; its thickness (m) turns areas into volumes.
    prediction : path-like
        Prediction GeoTIFF (indicator's unit).
    exceedance : path-like, optional
        P(exceed the baseline) GeoTIFF (kriging), values 0-1.
    method : str
        ``"ok"`` or ``"idw"`` (figures side by side).
    """

    indicator: str
    layer: DepthLayer
    prediction: Any
    exceedance: Any = None
    method: str = "ok"


@dataclass
class ExtentResult:
    """What :func:`damage_extent` returns.

    Attributes
    ----------
    polygons : geopandas.GeoDataFrame
        Damaged areas dissolved per method, depth layer, indicator and zone:
        ``method, depth_layer, indicator, zone, cells, area_m2, thickness_m, volume_m3``.
    union : geopandas.GeoDataFrame
        Per method and depth layer, one (multi)polygon per combination of exceeding
        indicators: ``method, depth_layer, indicators`` (codes joined by ``;``),
        ``n_indicators, cells, area_m2, thickness_m, volume_m3``.
    areas : pandas.DataFrame
        Per method, depth layer, indicator (and ``"ANY"``) and zone (and ``"ALL"``):
        :data:`AREA_COLUMNS`, plus ``area_p50_m2, volume_p50_m3`` ... per probability level
        (NaN without a probability raster).
    rasters : dict
        Written damage-degree rasters: name -> path.
    warnings : list of str
    parameters : dict
    """

    polygons: Any
    union: Any
    areas: pd.DataFrame
    rasters: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    parameters: dict = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when no cell is damaged."""
        return len(self.polygons) == 0


def _crs_equal(a, b) -> bool:
    from pyproj import CRS

    if a is None or b is None:
        return a is None and b is None
    return CRS.from_user_input(a) == CRS.from_user_input(b)


def _level_name(p: float) -> str:
    return f"p{round(p * 100):d}"


class _Grid:
    """Grid of a raster, compared between surfaces."""

    def __init__(self, src):
        self.transform = src.transform
        self.shape = (src.height, src.width)
        self.crs = src.crs

    def same(self, other) -> bool:
        return self.shape == other.shape and self.transform.almost_equals(other.transform, 1e-9)


def _windows(height: int, width: int, block_rows: int):
    """Strips of ``block_rows`` rows, fewer on grids wider than :data:`STRIP_CELLS` allows."""
    from rasterio.windows import Window

    rows = max(1, min(block_rows, STRIP_CELLS // max(width, 1)))
    for r0 in range(0, height, rows):
        yield Window(0, r0, width, min(rows, height - r0))


def _zone_block(zones_geoms, zone_ids, transform, window, shape) -> np.ndarray:
    from rasterio.features import rasterize
    from rasterio.windows import transform as window_transform

    if not zones_geoms:
        return np.zeros(shape, np.uint8)
    return rasterize(
        zip(zones_geoms, zone_ids),
        out_shape=shape,
        transform=window_transform(window, transform),
        fill=0,
        dtype="uint8",
    )


def _dissolve(patches, labels_of_value, crs):
    """One multipolygon per patch value."""
    import geopandas as gpd
    import shapely

    if not len(patches):
        return gpd.GeoDataFrame({"value": [], "cells": []}, geometry=[], crs=crs)
    values, inverse = np.unique(patches.values, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    geoms = shapely.multipolygons(patches.geometry[order], indices=inverse[order])
    cells = np.bincount(inverse, weights=patches.cells).astype(np.int64)
    return gpd.GeoDataFrame({"value": values, "cells": cells}, geometry=geoms, crs=crs)


def damage_extent(
    surfaces: Sequence[SurfaceInput],
    baseline,
    zones,
    *,
    zone_field: str = "zone",
    min_area_m2: float = 0.0,
    probabilities: Sequence[float] = DEFAULT_PROBABILITIES,
    degree_dir=None,
    block_rows: int = 512,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> ExtentResult:
    """Damaged areas and soil volumes per zone, depth layer and indicator, with a range.

    Parameters
    ----------
    surfaces : sequence of SurfaceInput
        The prediction (and probability) rasters, one per indicator, layer and method.
    baseline : BaselineResult, pandas.DataFrame or mapping
        Baseline per indicator (see :func:`ree_damage.core.damage.points.confirm_samples`).
    zones : geopandas.GeoDataFrame
        Functional zones (polygons) with ``zone_field``, in the rasters' CRS (metres).
    min_area_m2 : float
        Minimum mapping unit (m2): damaged patches smaller than this are dropped.
    probabilities : sequence of float
        Levels of P(exceed) for the range of areas and volumes.
    degree_dir : path-like, optional
        Folder for the damage-degree rasters ``<indicator>_L<layer>_<method>_degree.tif``
        (float32, dimensionless); none written without it.
    block_rows : int
        Rows of a strip: the rasters are read, written and measured this many rows at a
        time (the memory held grows with it, not with the grid's rows).
    progress, is_canceled : callables, optional

    Returns
    -------
    ExtentResult
        All-below-baseline gives empty layers and tables and a warning, not an error.

    Raises
    ------
    InputError
        A raster in another CRS than the zones, rasters of one method and layer on
        different grids, an indicator without a baseline, a thickness <= 0.
    """

    progress = progress or no_progress
    if int(block_rows) < 1:
        raise InputError(f"block_rows must be at least 1, not {block_rows}")
    block_rows = int(block_rows)
    base = baseline_rows(baseline)
    if zone_field not in zones.columns:
        raise InputError(f"zone field {zone_field!r} not found", layer="zones", column=zone_field)
    probs = sorted(float(p) for p in probabilities)
    if any(not 0 < p <= 1 for p in probs):
        raise InputError(f"probability levels must lie in (0, 1], not {list(probabilities)}")
    zone_codes = list(dict.fromkeys(zones[zone_field].astype(str)))
    if len(zone_codes) > 254:
        raise InputError(f"{len(zone_codes)} zones: at most 254 are supported", layer="zones")
    zone_index = {z: i + 1 for i, z in enumerate(zone_codes)}
    zone_names = [NO_ZONE] + zone_codes
    zgeoms = [g for g in zones.geometry]
    zids = [zone_index[str(z)] for z in zones[zone_field]]
    keep = [g is not None and not g.is_empty for g in zgeoms]
    zgeoms = [g for g, k in zip(zgeoms, keep) if k]
    zids = [z for z, k in zip(zids, keep) if k]
    zones_crs = zones.crs

    groups: dict = {}
    for s in surfaces:
        if s.indicator not in base or not math.isfinite(base[s.indicator]["baseline"]):
            raise InputError(f"no baseline for {s.indicator}", layer="baseline", feature=s.indicator)
        if not s.layer.thickness_m > 0:
            raise InputError(f"depth layer {s.layer.name} has thickness {s.layer.thickness_m} m", feature=s.layer.name)
        groups.setdefault((s.method, s.layer), []).append(s)

    threshold_rule = rule_text()
    pending = []  # degree rasters written to temporary files, renamed when all succeeded
    import rasterio

    try:
        # GDAL's block cache (default 5 % of RAM) would keep every block read or written;
        # the rows are visited once, so a small cache keeps the memory bounded
        with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_BYTES):
            result = _run(
                groups, base, probs, zgeoms, zids, zone_names, zones_crs, min_area_m2, block_rows,
                degree_dir, pending, progress, is_canceled, len(surfaces),
            )
    except BaseException:
        for tmp, _, _ in pending:
            Path(tmp).unlink(missing_ok=True)
        raise
    from ..common.provenance import write_sidecar

    for tmp, final, record in pending:
        os.replace(tmp, final)
        write_sidecar(final, record)
        result.rasters[final.stem] = final
    result.parameters["degree"] = threshold_rule
    return result


def _codes_dtype(n_indicators: int):
    """Cell type of the union codes (one bit per indicator) that GDAL's polygonize reads
    exactly (32-bit signed integers); beyond 31 indicators the codes are ranked first."""
    if n_indicators <= 8:
        return np.uint8
    if n_indicators <= 16:
        return np.uint16
    return np.int32 if n_indicators <= 31 else np.uint64


def _run(groups, base, probs, zgeoms, zids, zone_names, zones_crs, min_area_m2, block_rows,
         degree_dir, pending, progress, is_canceled, n_surfaces) -> ExtentResult:
    poly_frames, union_frames, area_rows, rasters, warnings = [], [], [], {}, []
    n_total = max(1, n_surfaces)
    done = 0
    # what a depth layer needs for the whole grid lives in uncompressed GeoTIFFs in a
    # temporary folder (zone index, damaged and P(exceed) cells, patch codes, union codes),
    # written and read by strips of block_rows rows; GDAL polygonises them row by row
    with _ScratchFolder() as scratch:
        for (method, layer), members in groups.items():
            if len(members) > 64:
                raise InputError(f"{len(members)} indicators in layer {layer.name}: at most 64 at once")
            dtype = _codes_dtype(len(members))
            grid = zone_file = codes_file = None
            for bit, s in enumerate(members):
                def step(fraction, _done=done):
                    progress((_done + fraction) / n_total)

                check_canceled(is_canceled)
                info = base[s.indicator]
                b = info["baseline"]
                direction = info["direction"] or ("below" if s.indicator == "pH" else "above")
                g, cells_file, patches_mmu = _read_surface(
                    s, b, info, direction, probs, zones_crs, grid, method, layer, min_area_m2, block_rows,
                    degree_dir, pending, scratch, step, is_canceled,
                )
                if grid is None:
                    grid = g
                    zone_file = scratch.create("zones", g, np.uint8)
                    for w in _windows(g.shape[0], g.shape[1], block_rows):
                        zone_file.write(_zone_block(zgeoms, zids, g.transform, w, (w.height, w.width)), w)
                    codes_file = scratch.create("codes", g, dtype)
                n_levels = len(probs) if s.exceedance is not None else 0
                # second pass, strip by strip: the minimum mapping unit, the areas per zone,
                # the damaged cells coded by zone index + 1, the indicator's bit of the union
                counts = np.zeros(len(zone_names), np.int64)
                level_counts = [np.zeros(len(zone_names), np.int64) for _ in range(n_levels)]
                patch_file = scratch.create("patches", g, np.uint8)
                windows = list(_windows(g.shape[0], g.shape[1], block_rows))
                for i, w in enumerate(windows):
                    check_canceled(is_canceled)
                    packed = cells_file.read(w)
                    zone = zone_file.read(w)
                    exceed = (packed & 1).astype(bool)
                    if patches_mmu is not None:
                        exceed = patches_mmu[0].sieve(i, exceed)
                    counts += _zone_counts(exceed, zone, len(zone_names))
                    for j in range(1, n_levels + 1):
                        at_level = (packed >> 1) >= j
                        if patches_mmu is not None:
                            at_level = patches_mmu[j].sieve(i, at_level)
                        level_counts[j - 1] += _zone_counts(at_level, zone, len(zone_names))
                    patch_file.write(np.where(exceed, zone + np.uint8(1), np.uint8(0)), w)
                    bits = exceed.astype(dtype) << dtype(bit)
                    codes_file.write(bits if bit == 0 else codes_file.read(w) | bits, w)
                    step(0.5 + 0.2 * (i + 1) / len(windows))
                cells_file.remove()
                patch_file.close()
                cell = cell_area(g.transform)
                thick = layer.thickness_m
                for zi, zname in list(enumerate(zone_names)) + [(-1, "ALL")]:
                    n = int(counts.sum()) if zi < 0 else int(counts[zi])
                    if zi == 0 and n == 0:
                        continue
                    row = {
                        "method": method,
                        "depth_layer": layer.name,
                        "indicator": s.indicator,
                        "zone": zname,
                        "cells": n,
                        "area_m2": n * cell,
                        "thickness_m": thick,
                        "volume_m3": n * cell * thick,
                    }
                    for q, lc in zip(probs, level_counts):
                        nq = int(lc.sum()) if zi < 0 else int(lc[zi])
                        row[f"area_{_level_name(q)}_m2"] = nq * cell
                        row[f"volume_{_level_name(q)}_m3"] = nq * cell * thick
                    area_rows.append(row)
                # polygons per zone, GDAL reading the patch codes row by row
                patches = polygonize_raster(
                    patch_file.path, progress=lambda f: step(0.7 + 0.3 * f), is_canceled=is_canceled
                )
                patch_file.remove()
                diss = _dissolve(patches, zone_names, zones_crs)
                del patches  # the dissolved copy is kept
                if len(diss):
                    diss["zone"] = [zone_names[int(v) - 1] for v in diss["value"]]
                    diss["method"] = method
                    diss["depth_layer"] = layer.name
                    diss["indicator"] = s.indicator
                    diss["area_m2"] = diss["cells"] * cell
                    diss["thickness_m"] = thick
                    diss["volume_m3"] = diss["area_m2"] * thick
                    poly_frames.append(diss[AREA_COLUMNS + ["geometry"]])
                if not counts.any():
                    warnings.append(Message(
                        "DAMAGE_NO_CELL_BEYOND", indicator=s.indicator, method=method, layer=layer.name, baseline=b
                    ))
                done += 1
                progress(done / n_total)
            # the union over the layer's indicators: where any exceeds, and which
            check_canceled(is_canceled)
            cell = cell_area(grid.transform)
            thick = layer.thickness_m
            counts = np.zeros(len(zone_names), np.int64)
            found = [np.zeros(1, dtype)]
            for w in _windows(grid.shape[0], grid.shape[1], block_rows):
                check_canceled(is_canceled)
                codes = codes_file.read(w)
                counts += _zone_counts(codes != 0, zone_file.read(w), len(zone_names))
                if dtype == np.uint64:
                    found.append(np.unique(codes))
            zone_file.remove()
            for zi, zname in list(enumerate(zone_names)) + [(-1, "ALL")]:
                n = int(counts.sum()) if zi < 0 else int(counts[zi])
                if zi == 0 and n == 0:
                    continue
                area_rows.append(
                    {
                        "method": method,
                        "depth_layer": layer.name,
                        "indicator": "ANY",
                        "zone": zname,
                        "cells": n,
                        "area_m2": n * cell,
                        "thickness_m": thick,
                        "volume_m3": n * cell * thick,
                    }
                )
            union_file, code_of_rank = codes_file, None
            if dtype == np.uint64:
                # beyond 31 indicators the codes exceed GDAL's 32-bit cells: polygonise their ranks
                code_of_rank = np.unique(np.concatenate(found))
                union_file = scratch.create("ranks", grid, np.int32)
                for w in _windows(grid.shape[0], grid.shape[1], block_rows):
                    check_canceled(is_canceled)
                    ranks = np.searchsorted(code_of_rank, codes_file.read(w)).astype(np.int32)
                    union_file.write(ranks, w)
                codes_file.remove()
            union_file.close()
            patches = polygonize_raster(union_file.path, is_canceled=is_canceled)
            union_file.remove()
            if code_of_rank is not None:
                patches.values = code_of_rank[patches.values]
            diss = _dissolve(patches, None, zones_crs)
            del patches
            if len(diss):
                codes = [m.indicator for m in members]
                names = [";".join(c for i, c in enumerate(codes) if int(v) >> i & 1) for v in diss["value"]]
                diss["indicators"] = names
                diss["n_indicators"] = [n.count(";") + 1 for n in names]
                diss["method"] = method
                diss["depth_layer"] = layer.name
                diss["area_m2"] = diss["cells"] * cell
                diss["thickness_m"] = thick
                diss["volume_m3"] = diss["area_m2"] * thick
                union_frames.append(diss[UNION_COLUMNS + ["geometry"]])
    return _frames(poly_frames, union_frames, area_rows, rasters, warnings, probs, zones_crs, groups, min_area_m2,
                   block_rows)


def _read_surface(s, b, info, direction, probs, zones_crs, grid, method, layer, min_area_m2, block_rows,
                  degree_dir, pending, scratch, step, is_canceled):
    """First pass over one surface, strip by strip: the damage degree written, the damaged
    cells and the P(exceed) level of each cell stored (bit 0: damaged; bits 1-: the number
    of levels reached), the patches of each mask labelled across the strips.

    Returns the surface's grid, the stored cells and the labelled patches (one
    :class:`StripPatches` per mask, damaged first, then each level; None without a unit).
    """
    import rasterio

    with rasterio.open(s.prediction) as src:
        g = _Grid(src)
        if not _crs_equal(src.crs, zones_crs):
            raise InputError(
                f"raster CRS {src.crs} differs from the zones' CRS {zones_crs}: refused, because "
                "resampling would change the predicted values and the cell areas; interpolate on "
                "the zones' grid (CGCS2000 Gauss-Kruger) instead",
                layer=str(s.prediction),
            )
        if grid is not None and not grid.same(g):
            raise InputError(
                f"raster grid of {s.indicator} differs from the other rasters of layer "
                f"{layer.name} ({method}): interpolate them on one grid",
                layer=str(s.prediction),
            )
        n_levels = len(probs) if s.exceedance is not None else 0
        packed_dtype = np.uint8 if n_levels < 128 else np.uint16
        min_cells = min_cells_for(min_area_m2, g.transform)
        patches_mmu = [StripPatches() for _ in range(1 + n_levels)] if min_cells > 1 else None
        cells_file = scratch.create("cells", g, packed_dtype)
        psrc = rasterio.open(s.exceedance) if s.exceedance is not None else None
        try:
            if psrc is not None:
                pg = _Grid(psrc)
                if not pg.same(g) or not _crs_equal(psrc.crs, src.crs):
                    raise InputError(
                        "the probability raster is not on the prediction's grid", layer=str(s.exceedance)
                    )
            name = f"{s.indicator}_L{layer.name}_{method}_degree"
            writer = _DegreeWriter(degree_dir, name, src) if degree_dir is not None else None
            try:
                windows = list(_windows(g.shape[0], g.shape[1], block_rows))
                for w in windows:
                    check_canceled(is_canceled)
                    c = src.read(1, window=w, masked=True).astype(np.float64).filled(np.nan)
                    valid = np.isfinite(c)
                    with np.errstate(invalid="ignore"):
                        beyond = (c < b) if direction == "below" else (c > b)
                    exceed = valid & beyond
                    packed = exceed.astype(packed_dtype)
                    if writer is not None:
                        k = degree(c, b, direction, indicator=s.indicator)
                        writer.write(np.where(valid, k, np.nan).astype(np.float32), w)
                    if psrc is not None:
                        p = psrc.read(1, window=w, masked=True).astype(np.float64).filled(np.nan)
                        level = np.zeros(c.shape, packed_dtype)
                        for q in probs:
                            level += (p >= q - 1e-12) & valid
                        packed |= level << packed_dtype(1)
                    cells_file.write(packed, w)
                    if patches_mmu is not None:
                        patches_mmu[0].add(exceed)
                        for j in range(1, n_levels + 1):
                            patches_mmu[j].add(level >= j)
                    step(0.5 * (w.row_off + w.height) / g.shape[0])
                if writer is not None:
                    pending.append(writer.finish(s, b, info, direction))
            finally:
                if writer is not None:
                    writer.close()
        finally:
            if psrc is not None:
                psrc.close()
    if patches_mmu is not None:
        for patches in patches_mmu:
            patches.resolve(min_cells)
    return g, cells_file, patches_mmu


def _zone_counts(mask, zone, n_zones: int) -> np.ndarray:
    """Cells of ``mask`` (bool strip) per zone index (0 = no zone)."""
    return np.bincount(zone[mask], minlength=n_zones)[:n_zones]


class _ScratchRaster:
    """A temporary uncompressed GeoTIFF written and read by windows (GDAL reads it by rows)."""

    def __init__(self, path: Path, grid, dtype):
        import rasterio

        self.path = path
        profile = {"driver": "GTiff", "width": grid.shape[1], "height": grid.shape[0], "count": 1,
                   "dtype": np.dtype(dtype).name, "transform": grid.transform, "BIGTIFF": "IF_SAFER"}
        if grid.crs is not None:
            profile["crs"] = grid.crs
        self.dataset = rasterio.open(path, "w+", **profile)

    def write(self, block: np.ndarray, window) -> None:
        self.dataset.write(block, 1, window=window)

    def read(self, window) -> np.ndarray:
        return self.dataset.read(1, window=window)

    def close(self) -> None:
        if self.dataset is not None:
            self.dataset.close()
            self.dataset = None

    def remove(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


class _ScratchFolder:
    """A temporary folder of :class:`_ScratchRaster`; everything in it removed on leaving."""

    def __enter__(self):
        import tempfile

        self._dir = tempfile.TemporaryDirectory(prefix="ree_damage_extent_")
        self.folder = Path(self._dir.name)
        self._rasters = []
        self._count = 0
        return self

    def create(self, name: str, grid, dtype) -> _ScratchRaster:
        self._count += 1
        raster = _ScratchRaster(self.folder / f"{self._count:04d}_{name}.tif", grid, dtype)
        self._rasters.append(raster)
        return raster

    def __exit__(self, *exc):
        for raster in self._rasters:
            raster.close()
        self._dir.cleanup()
        return False


def _frames(poly_frames, union_frames, area_rows, rasters, warnings, probs, zones_crs, groups, min_area_m2,
            block_rows) -> ExtentResult:
    import geopandas as gpd

    poly_cols = AREA_COLUMNS + ["geometry"]
    polygons = (
        gpd.GeoDataFrame(pd.concat(poly_frames, ignore_index=True), geometry="geometry", crs=zones_crs)
        if poly_frames
        else gpd.GeoDataFrame({c: [] for c in poly_cols[:-1]}, geometry=[], crs=zones_crs)
    )
    union = (
        gpd.GeoDataFrame(pd.concat(union_frames, ignore_index=True), geometry="geometry", crs=zones_crs)
        if union_frames
        else gpd.GeoDataFrame({c: [] for c in UNION_COLUMNS}, geometry=[], crs=zones_crs)
    )
    level_cols = [f"{kind}_{_level_name(q)}_{unit}" for q in probs for kind, unit in (("area", "m2"), ("volume", "m3"))]
    areas = pd.DataFrame(area_rows, columns=AREA_COLUMNS + level_cols)
    if polygons.empty:
        warnings.append(Message("DAMAGE_NO_AREA"))
    parameters = {
        "min_area_m2": min_area_m2,
        "probabilities": probs,
        "damaged_cell": "predicted value beyond the baseline (C > B; pH C < B), cell centre in the zone",
        "connectivity": 4,
        "polygons": "GDAL polygonize (in process), cell edges, holes kept",
        "volume": "damaged area x layer thickness",
        "layers": {layer.name: {**vars(layer), "thickness_m": layer.thickness_m} for (_, layer) in groups},
        "block_rows": block_rows,
    }
    return ExtentResult(polygons, union, areas, rasters, warnings, parameters)


class _DegreeWriter:
    """A damage-degree GeoTIFF written by windows into a temporary file, renamed at the end."""

    def __init__(self, folder, name: str, src):
        import rasterio

        self.final = Path(folder) / f"{name}.tif"
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.final.with_name(f".{self.final.stem}.part.tif")
        profile = {
            "driver": "GTiff",
            "width": src.width,
            "height": src.height,
            "count": 1,
            "dtype": "float32",
            "crs": src.crs,
            "transform": src.transform,
            "nodata": -9999.0,
            "tiled": True,
            "blockxsize": 256,
            "blockysize": 256,
            "compress": "deflate",
            "predictor": 3,
            "zlevel": 1,
            "BIGTIFF": "IF_SAFER",
        }
        self.dst = rasterio.open(self.tmp, "w", **profile)
        self.done = False

    def write(self, block: np.ndarray, window) -> None:
        self.dst.write(np.where(np.isfinite(block), block, np.float32(-9999.0)), 1, window=window)

    def finish(self, s: SurfaceInput, b: float, info: dict, direction: str):
        """Close the temporary file; returns (temporary path, final path, provenance record)."""
        from ..common.provenance import make_record

        formula = "10^(B - C) - 1 (hydrogen-ion activity)" if s.indicator == "pH" else (
            "(B - C) / B" if direction == "below" else "(C - B) / B"
        )
        self.dst.set_band_description(1, f"damage degree K of {s.indicator} = {formula}, B = {b:g} {info['unit']}")
        self.dst.update_tags(REE_FIELD=s.indicator, REE_LAYER=s.layer.name, REE_METHOD=s.method, REE_BASELINE=b)
        self.dst.close()
        self.done = True
        record = make_record(
            "ree_damage:damage_extent",
            inputs={"prediction": str(s.prediction)},
            parameters={"indicator": s.indicator, "baseline": b, "baseline_source": info["source"], "formula": formula},
        )
        return self.tmp, self.final, record

    def close(self) -> None:
        if not self.done:
            self.dst.close()
            self.tmp.unlink(missing_ok=True)
