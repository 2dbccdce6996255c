"""Raster patches to polygons: connected cells of equal value, holes kept, areas exact.

A *patch* is a 4-connected group of cells of one non-zero value (cells touching only at
a corner are separate patches), so every polygon is valid: no ring touches itself. Its
polygon follows the cell edges, holes kept; its area is its cell count x the cell area
(m2), exactly.

The polygons come from GDAL's polygonize, called in process (``osgeo.gdal``, present
wherever QGIS is): the raster is handed to GDAL without a copy, the polygons go into an
in-memory OGR layer and come back to shapely as WKB in one vectorised call. GDAL reads the
raster one row at a time, so the memory is the raster and the polygons. Why not our own
tracer: a compiled ring tracer (numba) made the whole damage_extent step on 16 M cells
with 7,816 patches 4.1-6.0 s against 4.9-6.2 s with GDAL (kernel load included, same
runs), a gain no user sees, for code we would have to keep; GDAL is maintained and tested
by others. :func:`rasterio.features.shapes` (also GDAL, through another binding) is the tests' oracle.

Rasters larger than memory should hold: :func:`polygonize_raster` polygonises a GeoTIFF
that GDAL reads one row at a time (the memory is two rows and the polygons), and
:class:`StripPatches` applies a minimum mapping unit to a mask given strip by strip: the
4-connected patches of each strip are labelled, those of neighbouring strips that touch
across the seam are joined (a patch cut by several seams is one patch), so a patch is
dropped only when the whole of it is smaller than the unit. Together they give the same
patches and polygons as :func:`sieve` and :func:`polygonize` on the whole grid, with memory
bounded by the strip (tests check both against the whole-grid path).

Examples
--------
>>> from affine import Affine
>>> v = np.array([[1, 1, 0], [1, 0, 0], [0, 0, 2]], dtype=np.uint8)
>>> p = polygonize(v, Affine(2.0, 0, 100.0, 0, -2.0, 50.0))
>>> p.values.tolist(), p.cells.tolist(), p.area_m2.tolist()
([1, 2], [3, 1], [12.0, 4.0])
>>> shapely.normalize(p.geometry[0]).wkt
'POLYGON ((100 46, 100 50, 104 50, 104 48, 102 48, 102 46, 100 46))'
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from ..geo.raster_io import gdal_exceptions

_GDAL_TYPES = (np.uint8, np.int8, np.uint16, np.int16, np.int32)
"""Cell types GDAL's (integer) polygonize reads exactly (it works on 32-bit integers)."""


@dataclass
class Patches:
    """Polygons of the patches of a raster.

    Attributes
    ----------
    values : numpy.ndarray
        Cell value of each patch.
    cells : numpy.ndarray of int64
        Number of cells of each patch.
    area_m2 : numpy.ndarray of float64
        Area of each patch (m2): cells x cell area.
    geometry : numpy.ndarray of shapely.Polygon
        One polygon per patch, in the raster's coordinates; holes kept (rings oriented
        as GDAL draws them: orienting them all doubled the time and no reader needs it).
    """

    values: np.ndarray
    cells: np.ndarray
    area_m2: np.ndarray
    geometry: np.ndarray

    def __len__(self) -> int:
        return len(self.values)

    def take(self, keep) -> Patches:
        """The patches where ``keep`` (bool array) is True."""
        return Patches(self.values[keep], self.cells[keep], self.area_m2[keep], self.geometry[keep])


def cell_area(transform) -> float:
    """Area of one cell (m2) of a north-up transform."""
    return abs(float(transform.a) * float(transform.e))


def min_cells_for(min_area_m2: float, transform) -> int:
    """Smallest cell count whose area reaches ``min_area_m2`` (0 or less: 1 cell)."""
    if not min_area_m2 or min_area_m2 <= 0:
        return 1
    return max(1, int(np.ceil(min_area_m2 / cell_area(transform) - 1e-9)))


def _check_values(values) -> np.ndarray:
    v = np.asarray(values)
    if v.ndim != 2:
        raise ValueError(f"a 2-D raster is needed, not shape {v.shape}")
    if v.dtype == np.bool_:
        v = v.view(np.uint8)
    if not np.issubdtype(v.dtype, np.integer):
        raise ValueError(f"patch values must be integers (0 = no patch), not {v.dtype}")
    return v


def _empty(dtype) -> Patches:
    return Patches(np.empty(0, dtype), np.empty(0, np.int64), np.empty(0), np.empty(0, dtype=object))


def polygonize(values, transform, *, min_area_m2: float = 0.0) -> Patches:
    """Polygons of the 4-connected patches of equal non-zero value, holes kept.

    Parameters
    ----------
    values : numpy.ndarray of int or bool (rows, cols)
        Patch values; 0 = no patch. Not modified.
    transform : affine.Affine
        North-up transform of the raster (cell size in m).
    min_area_m2 : float
        Minimum mapping unit (m2): smaller patches are left out.

    Returns
    -------
    Patches
        In the order GDAL finds them (by the patch's first cell, top row first).
    """
    from osgeo import gdal_array

    v = _check_values(values)
    codes = None
    if v.dtype.type not in _GDAL_TYPES:
        if v.size and (int(v.max()) > np.iinfo(np.int32).max or int(v.min()) < np.iinfo(np.int32).min):
            # GDAL's polygonize reads 32-bit integers: polygonize the codes' ranks instead
            codes, ranks = np.unique(v, return_inverse=True)
            v = ranks.reshape(v.shape).astype(np.int32)
            if codes[0] != 0:  # keep 0 = no patch
                codes = np.concatenate([[0], codes]).astype(codes.dtype)
                v += 1
        else:
            v = v.astype(np.int32)
    v = np.ascontiguousarray(v)
    if not v.size or not v.any():
        return _empty(values.dtype if codes is None else codes.dtype)
    with gdal_exceptions():
        raster = gdal_array.OpenNumPyArray(v, True)  # a view of the array, no copy
        raster.SetGeoTransform(tuple(transform.to_gdal()))
        patch_values, geometry = _polygonize_band(raster.GetRasterBand(1), None, None)
        del raster
    if codes is not None:
        patch_values = codes[patch_values]
    else:
        patch_values = patch_values.astype(values.dtype if values.dtype != np.bool_ else np.uint8)
    return _patches(patch_values, geometry, transform, min_area_m2)


def polygonize_raster(path, *, min_area_m2: float = 0.0, progress=None, is_canceled=None) -> Patches:
    """Polygons of the 4-connected patches of a single-band integer raster file.

    GDAL reads the raster one row at a time and writes the polygons to a temporary
    FlatGeobuf file, read back batch by batch, so the memory is a few rows and the
    polygons (once), whatever the number of rows; the patches, their vertices and their
    order are those of :func:`polygonize` on the same values held in memory.

    Parameters
    ----------
    path : path-like
        Raster (e.g. an uncompressed GeoTIFF), band 1: patch values, 0 = no patch; a
        north-up transform (cell size in m). Byte, Int8, (U)Int16 or Int32 cells.
    min_area_m2 : float
        Minimum mapping unit (m2): smaller patches are left out.
    progress : callable, optional
        Called with the fraction done (0-1), about once per row.
    is_canceled : callable, optional
        Returns True to stop: :class:`~ree_damage.core.common.errors.Canceled` is raised.

    Returns
    -------
    Patches
        In the order GDAL finds them (by the patch's first cell, top row first).
    """
    from affine import Affine
    from osgeo import gdal, gdal_array

    with gdal_exceptions(), tempfile.TemporaryDirectory(prefix="ree_damage_polygons_") as spill_folder:
        raster = gdal.Open(str(path))
        band = raster.GetRasterBand(1)
        dtype = np.dtype(gdal_array.GDALTypeCodeToNumericTypeCode(band.DataType))
        if dtype.type not in _GDAL_TYPES:
            raise ValueError(f"{path}: cells of type {dtype} are not read exactly by GDAL's polygonize")
        transform = Affine.from_gdal(*raster.GetGeoTransform())
        patch_values, geometry = _polygonize_band(band, progress, is_canceled, spill_folder)
        del band, raster
    return _patches(patch_values.astype(dtype), geometry, transform, min_area_m2)


def _polygonize_band(band, progress, is_canceled, spill_folder=None):
    """GDAL's polygonize of ``band`` (its own mask): (values, shapely polygons).

    The polygons go to an in-memory OGR layer, or with ``spill_folder`` to a FlatGeobuf
    file there (no spatial index: the features stay in GDAL's order), so that a large
    raster's polygons are held once (as shapely objects) rather than also in OGR; they come
    back batch by batch as WKB.
    """
    from osgeo import gdal, ogr

    from ..common.progress import check_canceled

    done = [0.0]

    def report(fraction, _message, _data):
        if progress is not None:
            done[0] = max(done[0], min(float(fraction), 1.0))  # GDAL's passes overshoot 1
            progress(done[0])
        return 0 if is_canceled is not None and is_canceled() else 1

    if spill_folder is None:
        # GDAL >= 3.11 has one MEM driver for vectors too and deprecates "Memory" (a warning our
        # tests turn into an error); ogr finds no vector "MEM" before that
        store = (ogr.GetDriverByName("MEM") or ogr.GetDriverByName("Memory")).CreateDataSource("")
        layer = store.CreateLayer("patches", geom_type=ogr.wkbPolygon)
    else:
        spill = str(Path(spill_folder) / "patches.fgb")
        store = ogr.GetDriverByName("FlatGeobuf").CreateDataSource(spill)
        layer = store.CreateLayer("patches", geom_type=ogr.wkbPolygon, options=["SPATIAL_INDEX=NO"])
    layer.CreateField(ogr.FieldDefn("value", ogr.OFTInteger))
    # the band is its own mask: cells of value 0 make no polygon; 4-connected (default)
    try:
        gdal.Polygonize(band, band, layer, 0, [], callback=report if progress or is_canceled else None)
    except RuntimeError:
        check_canceled(is_canceled)  # stopped by the callback: say so
        raise
    if not layer.GetFeatureCount():
        return np.empty(0, np.int32), np.empty(0, dtype=object)
    if spill_folder is not None:
        del layer, store  # written and closed, read back
        store = ogr.Open(spill)
        layer = store.GetLayer(0)
    found, geometry = [], []
    for batch in layer.GetArrowStreamAsNumPy(options=["USE_MASKED_ARRAYS=NO"]):
        found.append(np.asarray(batch["value"]))
        geometry.append(shapely.from_wkb(np.asarray(batch["wkb_geometry"], dtype=object)))
        del batch
    del layer, store
    patch_values = np.concatenate(found) if found else np.empty(0, np.int32)
    geometry = np.concatenate(geometry) if geometry else np.empty(0, dtype=object)
    return patch_values, np.asarray(geometry, dtype=object)


def _patches(patch_values, geometry, transform, min_area_m2) -> Patches:
    area = cell_area(transform)
    cells = np.rint(shapely.area(geometry) / area).astype(np.int64)
    patches = Patches(patch_values, cells, cells * area, geometry)
    min_cells = min_cells_for(min_area_m2, transform)
    return patches.take(cells >= min_cells) if min_cells > 1 else patches


def sieve(values, transform, min_area_m2: float) -> np.ndarray:
    """Zero the patches smaller than a minimum mapping unit, in place; returns ``values``.

    The small patches are found by :func:`polygonize` and burnt back as 0 (cell-centre
    rule: their edges run on cell edges, so exactly their own cells); holes stay holes.

    Parameters
    ----------
    values : numpy.ndarray of int or bool (rows, cols)
        0 = no patch; modified in place.
    transform : affine.Affine
        The raster's north-up transform (cell size in m).
    min_area_m2 : float
        Minimum mapping unit (m2): a patch of fewer cells than this area is dropped.
    """
    from rasterio.features import rasterize

    v = _check_values(values)
    min_cells = min_cells_for(min_area_m2, transform)
    if min_cells <= 1 or v.size == 0:
        return values
    patches = polygonize(v, transform)
    small = patches.geometry[patches.cells < min_cells]
    if len(small):
        mask = rasterize(
            ((g, 1) for g in small), out_shape=v.shape, transform=transform, fill=0, dtype="uint8"
        ).view(bool)
        v[mask] = 0
    return values


_FOUR = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)
"""Structuring element of 4-connectivity (cells touching only at a corner are apart)."""


class StripPatches:
    """A minimum mapping unit applied to a mask given strip by strip, top to bottom.

    First pass: :meth:`add` each strip of the mask in order; the 4-connected patches of a
    strip are labelled and those touching a patch of the strip above across the seam are
    joined (a patch cut by any number of seams is one patch, its size the sum of its
    parts). Then :meth:`resolve` with the unit. Second pass: :meth:`sieve` each strip
    again (in any order) to get it without the patches smaller than the unit. What is
    held between the passes is a few numbers per patch part and one row of labels, never
    the grid; the strips are labelled again in the second pass rather than stored.

    Examples
    --------
    >>> mask = np.array([[1, 0, 0], [1, 0, 1], [1, 0, 0], [0, 0, 0]], dtype=bool)
    >>> patches = StripPatches()
    >>> for r0 in (0, 2):                    # strips of 2 rows: the first patch spans the seam
    ...     patches.add(mask[r0:r0 + 2])
    >>> patches.resolve(min_cells=2)
    >>> patches.sieve(0, mask[0:2]).astype(int).tolist()
    [[1, 0, 0], [1, 0, 0]]
    >>> patches.sieve(1, mask[2:4]).astype(int).tolist()
    [[1, 0, 0], [0, 0, 0]]
    """

    def __init__(self):
        self._offsets = [0]  # global label of each strip's first patch part, minus 1
        self._sizes = []  # cells of each patch part, per strip
        self._joins = []  # (upper, lower) pairs of global labels touching across a seam
        self._last_row = None  # global labels of the last row added
        self._small = None
        self._strip_small = None

    def add(self, mask) -> None:
        """Label the next strip (bool array, rows x cols) and join it to the one above."""
        from scipy import ndimage

        labels, n = ndimage.label(mask, structure=_FOUR)
        offset = self._offsets[-1]
        self._sizes.append(np.bincount(labels.ravel(), minlength=n + 1)[1:])
        first = labels[0]
        if self._last_row is not None and n:
            both = (first != 0) & (self._last_row != 0)
            if both.any():
                pairs = np.stack([self._last_row[both], first[both].astype(np.int64) + offset], axis=1)
                self._joins.append(np.unique(pairs, axis=0))
        last = labels[-1].astype(np.int64)
        self._last_row = np.where(last != 0, last + offset, 0)
        self._offsets.append(offset + n)

    def resolve(self, min_cells: int) -> None:
        """Join the parts into patches; those of fewer than ``min_cells`` cells are small."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        n = self._offsets[-1]
        sizes = np.concatenate(self._sizes) if self._sizes else np.empty(0, np.int64)
        if self._joins:
            joins = np.concatenate(self._joins) - 1
            graph = coo_matrix((np.ones(len(joins), np.int8), (joins[:, 0], joins[:, 1])), shape=(n, n))
            _, patch = connected_components(graph, directed=False)
        else:
            patch = np.arange(n)
        patch_cells = np.bincount(patch, weights=sizes, minlength=n) if n else np.empty(0)
        self._small = patch_cells[patch] < min_cells
        self._strip_small = [
            bool(self._small[a:b].any()) for a, b in zip(self._offsets[:-1], self._offsets[1:])
        ]
        self._sizes, self._joins, self._last_row = [], [], None

    def sieve(self, index: int, mask) -> np.ndarray:
        """Strip ``index`` (the same cells as added) without the small patches (bool array)."""
        from scipy import ndimage

        mask = np.asarray(mask, dtype=bool)
        if not self._strip_small[index]:
            return mask
        labels, n = ndimage.label(mask, structure=_FOUR)
        a, b = self._offsets[index], self._offsets[index + 1]
        if n != b - a:
            raise ValueError(f"strip {index} differs from the one added ({n} patch parts, not {b - a})")
        keep = np.concatenate([[False], ~self._small[a:b]])
        return keep[labels]
