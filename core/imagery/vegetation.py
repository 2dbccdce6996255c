"""Vegetation damage from a drone orthomosaic larger than memory, block by block.

The mosaic is read in windows aligned to the file's own blocks (tiles or strips,
grouped to about a megapixel). Each window goes through :func:`classify_block`, a pure
function of the window (it opens the files itself and returns arrays), so the serial
loop here, a thread pool, or Dask's scheduler give the same cells.

1. Otsu's threshold (unless one is given) on the index histogram summed over the
   blocks inside the case area: every valid pixel counts (``otsu_source="blocks"``, the
   default); or, with ``otsu_source="overview"``, on a reading of the mosaic reduced to
   about :data:`OVERVIEW_CELLS` cells (GDAL takes the file's overview where one fits, else
   every n-th cell), which saves one full pass over a large mosaic. The result states which.
2. Per block: the index, bare = index below the threshold, morphological opening then
   closing (3 x 3, ``cleanup_px`` times; the window is read with a halo so the result
   does not depend on the block edges), outside the case area or invalid = nodata. In
   change mode a cell counts only where it was vegetated before (a before mosaic,
   thresholded the same way, or an earlier vegetation mask).
3. Minimum mapping unit: GDAL's sieve filter on the class raster (patches and holes
   below ``min_area_m2``), then GDAL's Polygonize (4-connected), in process.
4. Polygons clipped to the case area, split by functional zone, areas in m2 in a
   projected CRS; accuracy at labelled check points.

Memory: a few windows at once (about 1 Mpx each, per worker) plus GDAL's block cache
(``GDAL_CACHEMAX`` bounded here), whatever the mosaic size; the polygons are in memory.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import weakref
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Optional

import numpy as np

from ..common.errors import InputError
from ..common.messages import Message
from ..common.parallel import PerThreadGeometry
from ..common.progress import CancelFn, ProgressFn, Steps, check_canceled
from ..geo.raster_io import centre_mask_by_tiles
from .accuracy import Accuracy, accuracy, parse_labels
from .indices import (
    BINS,
    band_mapping,
    bin_edges,
    check_bands,
    compute_index,
    index_spec,
    masked_histogram,
    otsu_threshold,
)

DAMAGED, INTACT, NODATA = 1, 2, 0
"""Cell values of the class raster (uint8): damaged (bare), intact (vegetated), nodata."""
INDEX_NODATA = -9999.0
"""Nodata value of the index raster (float32)."""
TARGET_PIXELS = 1 << 20
"""Cells per processing window (about 1024 x 1024): a few MB per band in float32."""
OVERVIEW_CELLS = 1 << 24
"""Cells (about 4096 x 4096 over the case area's extent) of the reduced reading that
``otsu_source="overview"`` takes Otsu's histogram from."""
OTSU_SOURCES = ("blocks", "overview")
MASK_TILE = 64
"""Side (cells) of the tiles a window's case-area mask is decided by: inside, outside, or
crossed by the boundary (only then are the centres tested one by one)."""
GDAL_CACHE_MB = 128
"""GDAL's block cache during the run, MB (its default, 5 % of RAM, grows with the machine). Every
pass streams (windows of whole blocks, the sieve and Polygonize row by row), so a block is rarely
read twice: at 10,000 x 10,000, 128 MB against 256 MB took the same CPU (19.9-20.2 s against
20.3-22.6 s) at a peak of 501-514 MB instead of 716-718 MB."""
_CACHE_BYTES = GDAL_CACHE_MB << 20  # rasterio.Env hands GDAL_CACHEMAX to GDALSetCacheMax64: bytes, not MB
# DEFLATE level 1 without a predictor: measured on drone-like texture, half the time of
# level 6 or of predictor 3 for a file no larger; read by every GDAL (ZSTD is not everywhere)
INDEX_PROFILE = {"driver": "GTiff", "dtype": "float32", "count": 1, "nodata": INDEX_NODATA, "tiled": True,
                 "blockxsize": 512, "blockysize": 512, "compress": "DEFLATE", "zlevel": 1, "BIGTIFF": "IF_SAFER"}
# the class raster is intermediate (sieved in place, polygonised, removed): not compressed
CLASS_PROFILE = {"driver": "GTiff", "dtype": "uint8", "count": 1, "nodata": NODATA, "tiled": True,
                 "blockxsize": 512, "blockysize": 512, "BIGTIFF": "IF_SAFER"}

PARAM_SOURCES = {
    "index": "DOMAIN.md (Drone imagery): ExG on RGB drone images [default]; NDVI where a NIR band exists",
    "threshold_method": "DOMAIN.md: thresholds by Otsu (Otsu 1979) or given [default: Otsu on the case area]",
    "cleanup_px": "[default] 1: a 3 x 3 opening then closing removes single-pixel speckle and gaps",
    "min_area_m2": "[default] 5 m2, about one tree crown: smaller bare patches are gaps between crowns",
    "before_threshold_method": "[default] Otsu on the before mosaic's own histogram (light differs between flights)",
    "otsu_source": "[default] blocks: the histogram of every valid cell; overview: of a reading reduced to about "
                   "16 Mpx (the file's overview where one fits), faster on a large mosaic",
}


@dataclass(frozen=True)
class VegetationParams:
    """Parameters of :func:`vegetation_damage` (the ``[parameters.vegetation]`` table of a case).

    Attributes
    ----------
    index : str
        ``exg``, ``exgr``, ``gli`` (``vdvi``), ``vari`` or ``ndvi``.
    threshold_method : str
        ``otsu`` or ``given``.
    otsu_source : str
        ``blocks`` (Otsu's histogram of every valid cell, streamed block by block) or
        ``overview`` (of a reading reduced to about :data:`OVERVIEW_CELLS` cells).
    threshold : float
        The index value (dimensionless) below which a cell is bare, when ``given``.
    cleanup_px : int
        Radius in cells of the 3 x 3 morphological opening then closing (0: none).
    min_area_m2 : float
        Minimum mapping unit, m2: patches and holes smaller are merged into their surroundings.
    bands : dict
        Role (``red``, ``green``, ``blue``, ``nir``, ``alpha``) -> band number of the mosaic;
        roles left out come from the file's colour interpretation or band descriptions.
    before_bands : dict
        The same for the before mosaic.
    before_threshold_method : str
        ``otsu`` or ``given`` for the before mosaic.
    before_threshold : float
        Its threshold when ``given``.
    label_field : str
        Field of the check points holding ``damaged``/``intact``.
    workers : int
        Threads (0: the default, ``REE_DAMAGE_THREADS`` or the CPUs, at most 4).
    """

    index: str = "exg"
    threshold_method: str = "otsu"
    threshold: float = 0.0
    cleanup_px: int = 1
    min_area_m2: float = 5.0
    bands: dict = field(default_factory=dict)
    before_bands: dict = field(default_factory=dict)
    before_threshold_method: str = "otsu"
    before_threshold: float = 0.0
    label_field: str = "label"
    workers: int = 0
    otsu_source: str = "blocks"


# --------------------------------------------------------------------------- the block function
@dataclass(frozen=True)
class ImageSource:
    """How to read one image onto the grid of the (after) mosaic.

    ``warp`` (crs, transform, width, height) reads it through a WarpedVRT when its grid
    differs; ``kind`` ``mosaic`` computes the index, ``mask`` reads an earlier
    vegetation mask (non-zero = vegetated).
    """

    path: str
    bands: tuple  # (role, band number) pairs
    kind: str = "mosaic"
    warp: Optional[tuple] = None


@dataclass(frozen=True)
class BlockSpec:
    """Everything :func:`classify_block` needs besides the window; picklable, immutable.

    Attributes
    ----------
    image : ImageSource
    index : str
    area : PerThreadGeometry
        The case area in the mosaic's CRS; a shapely geometry given is wrapped (the blocks
        run on several threads, each querying its own prepared copy).
    transform : affine.Affine
        The mosaic's transform.
    shape : tuple of int
        The mosaic's (height, width).
    threshold : float
    cleanup_px : int
    before : ImageSource or None
    before_threshold : float
    """

    image: ImageSource
    index: str
    area: Any
    transform: Any
    shape: tuple
    threshold: float = 0.0
    cleanup_px: int = 0
    before: Optional[ImageSource] = None
    before_threshold: float = 0.0

    def __post_init__(self):
        if not isinstance(self.area, PerThreadGeometry):
            object.__setattr__(self, "area", PerThreadGeometry(self.area))


def _open(source: ImageSource):
    """The dataset of ``source`` and a closer (a WarpedVRT over it when it needs warping)."""
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.vrt import WarpedVRT

    ds = rasterio.open(source.path)
    if source.warp is None:
        return ds, ds.close
    crs, transform, width, height = source.warp
    resampling = Resampling.nearest if source.kind == "mask" else Resampling.bilinear
    vrt = WarpedVRT(ds, crs=crs, transform=transform, width=width, height=height, resampling=resampling)

    def close():
        vrt.close()
        ds.close()

    return vrt, close


def _read_image(source: ImageSource, window, index: str, out_shape=None):
    """(values, valid) of ``source`` in ``window``: the index (float32) or the mask (bool).

    ``out_shape`` (rows, cols) reads the window reduced (nearest cell; GDAL takes an
    overview of the file where one fits)."""
    ds, close = _open(source)
    try:
        bands = dict(source.bands)
        reduced = {} if out_shape is None else {"out_shape": tuple(out_shape)}
        if source.kind == "mask":
            data = ds.read(bands.get("mask", 1), window=window, **reduced)
            valid = ds.read_masks(bands.get("mask", 1), window=window, **reduced) > 0
            return data != 0, valid
        spec = index_spec(index)
        numbers = [bands[role] for role in spec.bands]
        data = ds.read(numbers, window=window, **({} if out_shape is None else
                                                  {"out_shape": (len(numbers), *out_shape)}))
        if ds.nodata is not None:
            valid = np.all(data != ds.nodata, axis=0)
        elif "alpha" in bands:
            valid = ds.read(bands["alpha"], window=window, **reduced) > 0
        elif source.warp is not None or any(flag.name == "per_dataset" for flag in ds.mask_flag_enums[0]):
            valid = ds.read_masks(numbers[0], window=window, **reduced) > 0
        else:
            valid = np.ones(data.shape[1:], dtype=bool)
        values = compute_index(index, dict(zip(spec.bands, data)))
        valid &= np.isfinite(values)
        return values, valid
    finally:
        close()


def _area_mask(spec: BlockSpec, window) -> np.ndarray:
    """True where a cell centre lies inside the case area."""
    from rasterio.windows import transform as window_transform

    return _area_mask_of_grid(spec.area, window_transform(window, spec.transform),
                              (int(window.height), int(window.width)))


def _area_mask_of_grid(area: PerThreadGeometry, transform, shape) -> np.ndarray:
    """True where the centre of a cell of the grid (``transform``, ``shape``) lies inside ``area``
    (queried through the calling thread's own prepared copy).

    Grids wholly inside or outside need no test; the others are cut into tiles of
    :data:`MASK_TILE` cells a side, and only the tiles the area's boundary crosses test their
    cell centres with shapely, on the thread's own prepared copy of the area (rasterio's
    rasterize warned spuriously from worker threads). A tile wholly inside (every point in the area's interior) or wholly outside
    holds the answer the centre test would give, so the mask is the same as testing every
    centre, at a fraction of the cost where the boundary crosses a window (all its cells
    were tested: 0.13 s a megapixel)."""
    import shapely

    own = area.get()
    t = transform
    col_x = t.c + t.a * (0.5 + np.arange(shape[1]))
    row_y = t.f + t.e * (0.5 + np.arange(shape[0]))

    def centres_inside(rows, cols, _tile_transform):
        x, y = np.meshgrid(col_x[cols], row_y[rows])
        return shapely.contains_xy(own, x, y)

    mask = centre_mask_by_tiles(own, transform, shape, MASK_TILE, centres_inside)
    if mask is True or mask is False:
        return np.full(shape, mask, dtype=bool)
    return mask


def block_histogram(spec: BlockSpec, window, *, before: bool = False) -> np.ndarray:
    """Counts (int64, :data:`~ree_damage.core.imagery.indices.BINS` bins) of the index of the
    valid cells inside the case area in ``window``; of the before mosaic with ``before``."""
    source = spec.before if before else spec.image
    values, valid = _read_image(source, window, spec.index)
    valid &= _area_mask(spec, window)
    return masked_histogram(values, valid, index_spec(spec.index))


def overview_factor(roi, target: int = None) -> int:
    """The reduction (1:n, cells per side) that brings ``roi`` to about ``target`` cells
    (default :data:`OVERVIEW_CELLS`).

    Examples
    --------
    >>> from rasterio.windows import Window
    >>> overview_factor(Window(0, 0, 20000, 20000), 1 << 24), overview_factor(Window(0, 0, 600, 500), 1 << 24)
    (5, 1)
    """
    target = OVERVIEW_CELLS if target is None else target
    return max(1, math.ceil(math.sqrt(float(roi.width) * float(roi.height) / target)))


def overview_histogram(spec: BlockSpec, roi, factor: int, *, before: bool = False) -> tuple:
    """Counts (as :func:`block_histogram`) of the index over ``roi`` read reduced 1:``factor``.

    Read in bands of rows (about :data:`TARGET_PIXELS` reduced cells each), so the memory
    stays bounded; a reduced cell is valid and inside the case area by its centre.

    Returns
    -------
    (numpy.ndarray of int64, int)
        The counts and the number of reduced cells read.
    """
    from affine import Affine
    from rasterio.windows import Window
    from rasterio.windows import transform as window_transform

    source = spec.before if before else spec.image
    index = index_spec(spec.index)
    counts = np.zeros(BINS, dtype=np.int64)
    cols_out = max(1, math.ceil(roi.width / factor))
    rows_per_band = max(1, TARGET_PIXELS // cols_out) * factor
    read = 0
    row_end = roi.row_off + roi.height
    for row in range(int(roi.row_off), int(row_end), rows_per_band):
        window = Window(roi.col_off, row, roi.width, min(rows_per_band, row_end - row))
        shape = (max(1, math.ceil(window.height / factor)), cols_out)
        values, valid = _read_image(source, window, spec.index, out_shape=shape)
        # the window's transform with cells window.width / cols wide: composed by hand (affine 3
        # deprecates * between transforms, affine 2 has no @)
        full = window_transform(window, spec.transform)
        sx, sy = window.width / shape[1], window.height / shape[0]
        transform = Affine(full.a * sx, full.b * sy, full.c, full.d * sx, full.e * sy, full.f)
        valid &= _area_mask_of_grid(spec.area, transform, shape)
        counts += masked_histogram(values, valid, index)
        read += int(values.size)
    return counts, read


def _halo_window(window, halo: int, shape):
    from rasterio.windows import Window

    row0 = max(0, window.row_off - halo)
    col0 = max(0, window.col_off - halo)
    row1 = min(shape[0], window.row_off + window.height + halo)
    col1 = min(shape[1], window.col_off + window.width + halo)
    return Window(col0, row0, col1 - col0, row1 - row0), (window.row_off - row0, window.col_off - col0)


def _shifted3(mask: np.ndarray, combine, edge: bool) -> np.ndarray:
    """``combine`` (np.logical_and / _or) of each cell's 3 x 3 neighbourhood, as two 1-D
    passes of array slices; cells beyond the array count as ``edge``."""
    out = mask.copy()
    for axis in (0, 1):
        padded = np.pad(out, [(1, 1) if a == axis else (0, 0) for a in (0, 1)], constant_values=edge)
        lead = [slice(None), slice(None)]
        parts = []
        for start in (0, 1, 2):
            lead[axis] = slice(start, start + out.shape[axis])
            parts.append(padded[tuple(lead)])
        out = combine(combine(parts[0], parts[1]), parts[2])
    return out


def _erode3(mask: np.ndarray) -> np.ndarray:
    """Binary erosion by a 3 x 3 square; the mosaic's edge does not erode."""
    return _shifted3(mask, np.logical_and, True)


def _dilate3(mask: np.ndarray) -> np.ndarray:
    """Binary dilation by a 3 x 3 square."""
    return _shifted3(mask, np.logical_or, False)


def classify_block(spec: BlockSpec, window) -> tuple:
    """The index and the class of every cell of ``window``: a pure function of the window.

    Parameters
    ----------
    spec : BlockSpec
    window : rasterio.windows.Window
        Whole cells of the mosaic.

    Returns
    -------
    (numpy.ndarray of float32, numpy.ndarray of uint8)
        The index (:data:`INDEX_NODATA` outside the case area or where invalid) and the
        class (:data:`DAMAGED`, :data:`INTACT`, :data:`NODATA`), shaped as the window.
    """
    halo = 2 * spec.cleanup_px
    outer, (dr, dc) = _halo_window(window, halo, spec.shape)
    values, valid = _read_image(spec.image, outer, spec.index)
    valid &= _area_mask(spec, outer)
    bare = valid & (values < spec.threshold)
    if spec.before is not None:
        before_values, before_valid = _read_image(spec.before, outer, spec.index)
        vegetated = before_values if spec.before.kind == "mask" else before_values >= spec.before_threshold
        valid &= before_valid
        bare &= valid & vegetated
    if spec.cleanup_px:
        for _ in range(spec.cleanup_px):  # opening
            bare = _erode3(bare)
        for _ in range(2 * spec.cleanup_px):  # ... then closing: dilations, then erosions
            bare = _dilate3(bare)
        for _ in range(spec.cleanup_px):
            bare = _erode3(bare)
        bare &= valid
    rows = slice(dr, dr + int(window.height))
    cols = slice(dc, dc + int(window.width))
    valid, bare, values = valid[rows, cols], bare[rows, cols], values[rows, cols]
    # bare lies inside valid: INTACT (2) where valid, one less (DAMAGED) where bare, NODATA (0) elsewhere
    classes = valid.view(np.uint8) * np.uint8(INTACT)
    classes -= bare.view(np.uint8)
    index = np.where(valid, values, np.float32(INDEX_NODATA)).astype(np.float32, copy=False)
    return index, classes


# --------------------------------------------------------------------------- windows
def processing_windows(block_shape, roi, target: int = TARGET_PIXELS) -> list:
    """Windows covering ``roi`` made of whole blocks of the file (tiles or strips).

    Parameters
    ----------
    block_shape : (int, int)
        The file's block (rows, cols), e.g. (256, 256) tiled or (1, width) striped.
    roi : rasterio.windows.Window
        Region of interest, snapped to the block grid (see :func:`roi_window`).
    target : int
        Cells per window aimed at.

    Examples
    --------
    >>> from rasterio.windows import Window
    >>> [tuple(w.flatten()) for w in processing_windows((1, 3000), Window(0, 0, 3000, 700), 1 << 20)]
    [(0, 0, 3000, 349), (0, 349, 3000, 349), (0, 698, 3000, 2)]
    """
    from rasterio.windows import Window

    bh, bw = block_shape
    across = max(1, int(math.sqrt(target) // bw)) if bw < roi.width else math.ceil(roi.width / bw)
    down = max(1, target // (across * bw * bh))
    step_r, step_c = down * bh, across * bw
    windows = []
    r_end, c_end = roi.row_off + roi.height, roi.col_off + roi.width
    for r in range(int(roi.row_off), int(r_end), step_r):
        for c in range(int(roi.col_off), int(c_end), step_c):
            windows.append(Window(c, r, min(step_c, c_end - c), min(step_r, r_end - r)))
    return windows


def roi_window(bounds, transform, shape, block_shape):
    """The window of ``bounds`` (x/y in the mosaic's CRS) grown to the block grid, within
    the mosaic; None when they do not overlap."""
    from rasterio.windows import Window, from_bounds

    w = from_bounds(*bounds, transform=transform)
    bh, bw = block_shape
    r0 = max(0, math.floor(w.row_off) // bh * bh)
    c0 = max(0, math.floor(w.col_off) // bw * bw)
    r1 = min(shape[0], math.ceil(w.row_off + w.height))
    c1 = min(shape[1], math.ceil(w.col_off + w.width))
    if r1 <= r0 or c1 <= c0:
        return None
    return Window(c0, r0, c1 - c0, r1 - r0)


def _map_in_order(function, items, workers: int, is_canceled, progress):
    """``function(item)`` for each item, results yielded in order; at most 2 x workers ahead.

    Cancel is checked and progress reported per item.
    """
    n = len(items)
    if workers <= 1:
        for i, item in enumerate(items):
            check_canceled(is_canceled)
            yield function(item)
            progress((i + 1) / n)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ree_vegetation") as pool:
        pending = []
        ahead = iter(items)
        for item in ahead:
            pending.append(pool.submit(function, item))
            if len(pending) >= 2 * workers:
                break
        done = 0
        try:
            while pending:
                check_canceled(is_canceled)
                result = pending.pop(0).result()
                nxt = next(ahead, None)
                if nxt is not None:
                    pending.append(pool.submit(function, nxt))
                done += 1
                yield result
                progress(done / n)
        finally:
            for future in pending:
                future.cancel()


# --------------------------------------------------------------------------- the result
@dataclass
class VegetationResult:
    """What :func:`vegetation_damage` found; writes itself with provenance.

    Attributes
    ----------
    polygons : geopandas.GeoDataFrame
        Damaged-vegetation polygons, one per patch and functional zone: ``damage_id``,
        ``zone`` (empty outside every zone), ``area_m2``; in :attr:`crs`.
    summary : pandas.DataFrame
        Per zone, then ``OUTSIDE_ZONES`` and ``CASE_AREA``: ``zone_area_m2``,
        ``damaged_area_m2``, ``damaged_share`` (0-1).
    forest_area_lost_m2 : float
        Vegetated area lost in the case area, m2 (feeds valuation); :attr:`forest_basis` says how.
    forest_basis : str
    accuracy : Accuracy or None
    check_points : geopandas.GeoDataFrame or None
        The check points used, with ``mapped``.
    threshold, before_threshold : float or None
        Thresholds used (index units).
    index_raster : pathlib.Path
        The index raster in a temporary folder (removed by :meth:`close`); :meth:`write` copies it.
    crs : str
    parameters : dict
    warnings : list of str
    """

    polygons: Any
    summary: Any
    forest_area_lost_m2: float
    forest_basis: str
    accuracy: Optional[Accuracy]
    check_points: Any
    threshold: float
    before_threshold: Optional[float]
    index_raster: Path
    crs: str
    parameters: dict
    warnings: list = field(default_factory=list)
    _workdir: Any = None

    OUTPUTS = ("polygons", "summary", "accuracy", "index")

    def close(self) -> None:
        """Remove the intermediate rasters now (else when the result is garbage-collected)."""
        if self._workdir is not None:
            self._workdir.cleanup()

    def provenance(self, *, inputs=None, host=None, outputs=None) -> dict:
        """The provenance record of every output of the run."""
        from ..common.provenance import result_record

        figures = {
            "threshold": self.threshold,
            "before_threshold": self.before_threshold,
            "forest_area_lost_m2": round(self.forest_area_lost_m2, 2),
            "forest_basis": self.forest_basis,
        }
        if self.accuracy is not None:
            figures.update(overall_accuracy=self.accuracy.overall, kappa=self.accuracy.kappa,
                           check_points=self.accuracy.n)
        return result_record("ree_damage:vegetation_damage", self, crs=self.crs, sources=PARAM_SOURCES,
                             inputs=inputs, host=host, outputs={**figures, **(outputs or {})})

    def write(self, paths: Mapping, *, inputs=None, host=None) -> dict:
        """Write the named outputs as one transaction, each with its provenance sidecar.

        Parameters
        ----------
        paths : mapping
            Output name of :attr:`OUTPUTS` -> path: ``polygons`` (``.gpkg``), ``summary``
            and ``accuracy`` (``.csv``), ``index`` (``.tif``; hard-linked from the working
            folder where it is on the same file system, else copied).

        Returns
        -------
        dict
            Output name -> pathlib.Path written.
        """
        from ..common.atomic import link_or_copy
        from ..common.provenance import chosen_outputs, recorded_outputs
        from ..geo.vector_io import write_frame

        finals = chosen_outputs(paths, self.OUTPUTS, "vegetation damage")
        if self.accuracy is None:
            finals.pop("accuracy", None)
        writers = {
            "polygons": lambda tmp, final: write_frame(tmp, self.polygons, layer=final.stem),
            "summary": lambda tmp, final: self.summary.to_csv(tmp, index=False, encoding="utf-8"),
            "accuracy": lambda tmp, final: self.accuracy.table().to_csv(tmp, index=False, encoding="utf-8"),
            "index": lambda tmp, final: link_or_copy(self.index_raster, tmp),
        }
        record = self.provenance(inputs=inputs, host=host, outputs={k: str(v) for k, v in finals.items()})
        with recorded_outputs(finals.values(), record) as temps:
            for (name, final), tmp in zip(finals.items(), temps):
                writers[name](tmp, final)
        return finals


# --------------------------------------------------------------------------- the run
def _source_for(ds, path, given, *, layer, kind="mosaic", grid=None) -> ImageSource:
    """The :class:`ImageSource` of an open dataset, warped onto ``grid`` when it differs."""
    if kind == "mask":
        bands = (("mask", int((given or {}).get("mask", 1))),)
    else:
        interps = [ci.name for ci in ds.colorinterp]
        bands = tuple(band_mapping(ds.count, interps, ds.descriptions, given, layer=layer).items())
    warp = None
    if grid is not None:
        crs, transform, width, height = grid
        if ds.crs != crs or ds.transform != transform or (ds.width, ds.height) != (width, height):
            warp = grid
    return ImageSource(str(path), bands, kind, warp)


def _histogram_source(otsu_source, spec, roi, windows, workers, is_canceled, progress):
    """A function ``before -> counts`` of the histogram Otsu's threshold is taken from, and
    ``.stated``: what it was computed on, in words (for the parameters of the result)."""
    if otsu_source not in OTSU_SOURCES:
        raise InputError(f"otsu_source is one of {', '.join(OTSU_SOURCES)}, not {otsu_source!r}",
                         column="otsu_source")
    if otsu_source == "blocks":
        def counts_of(before):
            return _stream_histogram(spec, windows, workers, is_canceled, progress, before=before)

        counts_of.stated = f"every valid cell inside the case area (streamed over {len(windows)} blocks)"
        return counts_of
    factor = overview_factor(roi)

    def counts_of(before):
        check_canceled(is_canceled)
        counts, read = overview_histogram(spec, roi, factor, before=before)
        progress(1.0)
        return counts

    counts_of.stated = (f"the valid cells inside the case area of the mosaic read at 1:{factor} (about "
                        f"{math.ceil(roi.width / factor) * math.ceil(roi.height / factor)} cells; the file's "
                        f"overview where one fits, else every {factor}th cell, nearest)" if factor > 1 else
                        "every valid cell inside the case area (the mosaic is small enough to read whole)")
    return counts_of


def _stream_histogram(spec, windows, workers, is_canceled, progress, before=False):
    counts = np.zeros(BINS, dtype=np.int64)
    for part in _map_in_order(lambda w: block_histogram(spec, w, before=before), windows, workers,
                              is_canceled, progress):
        counts += part
    return counts


def _threshold(method, given, counts, spec, layer):
    if method == "given":
        return float(given)
    if method != "otsu":
        raise InputError(Message("VEG_BAD_THRESHOLD_METHOD", method=method), column="threshold_method")
    if counts.sum() == 0:
        raise InputError(Message("VEG_NO_VALID_PIXELS"), layer=layer)
    return otsu_threshold(counts, bin_edges(spec))


def _gdal_progress(progress, is_canceled):
    def callback(fraction, message, data):
        progress(fraction)
        return 0 if (is_canceled is not None and is_canceled()) else 1

    return callback


def _gdal_call(function, *args, is_canceled=None, **kwargs) -> int:
    """``function(*args, **kwargs)``; its return code, whether GDAL raises exceptions
    (``gdal.UseExceptions()`` is process-wide, others may have called it) or not; a
    cancel from the progress callback is :class:`Canceled` either way."""
    from osgeo import gdal

    try:
        code = function(*args, **kwargs)
    except RuntimeError as error:
        check_canceled(is_canceled)
        raise InputError(f"GDAL: {error}") from error
    check_canceled(is_canceled)
    if code != 0:
        raise InputError(f"GDAL: {gdal.GetLastErrorMsg() or 'error ' + str(code)}")
    return code


def _sieve_and_polygonize(class_path: Path, polygons_path: Path, min_cells: int, steps, is_canceled):
    """GDAL's sieve filter (in place) then Polygonize of the damaged cells into a GeoPackage."""
    from osgeo import gdal, ogr, osr

    ds = gdal.Open(str(class_path), gdal.GA_Update)
    band = ds.GetRasterBand(1)
    if min_cells > 1:
        _gdal_call(gdal.SieveFilter, band, band.GetMaskBand(), band, min_cells, 4,
                   callback=_gdal_progress(steps.stage(2), is_canceled), is_canceled=is_canceled)
    # Polygonize the damaged cells alone: the intact value becomes the band's nodata, so
    # GDAL's own mask leaves it out (nodata regions, few, are dropped when read back)
    band.SetNoDataValue(INTACT)
    band = None
    ds = None  # reopened: the mask band follows the new nodata value
    ds = gdal.Open(str(class_path))
    band = ds.GetRasterBand(1)
    driver = ogr.GetDriverByName("GPKG")
    out = driver.CreateDataSource(str(polygons_path))
    srs = osr.SpatialReference()
    srs.ImportFromWkt(ds.GetProjection())
    layer = out.CreateLayer("damaged", srs=srs, geom_type=ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn("dn", ogr.OFTInteger))
    out.StartTransaction()
    _gdal_call(gdal.Polygonize, band, band.GetMaskBand(), layer, 0, [],
               callback=_gdal_progress(steps.stage(3), is_canceled), is_canceled=is_canceled)
    out.CommitTransaction()
    layer = None
    out = None
    band = None
    ds = None


def _metric_crs(area):
    """The area's CRS when projected, else the CGCS2000 Gauss-Kruger zone of its extent."""
    if area.crs is not None and area.crs.is_projected:
        return area.crs
    from ..geo.crs import zone_for_extent

    return f"EPSG:{zone_for_extent(tuple(area.total_bounds), area.crs).epsg}"


def _zone_areas(polygons, area_geom, zones):
    """Damaged polygons split by zone, and the summary table."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    crs = polygons.crs
    rows = []
    pieces = []
    geoms = polygons.geometry.to_numpy()
    remaining = geoms
    if zones is not None and len(zones):
        zone_geoms = zones.geometry.to_numpy()
        codes = zones["zone"].astype(str).to_numpy()
        tree = shapely.STRtree(geoms)
        covered = []
        for code in dict.fromkeys(codes):
            zone_geom = shapely.intersection(shapely.union_all(zone_geoms[codes == code]), area_geom)
            hits = tree.query(zone_geom, predicate="intersects")
            parts = shapely.intersection(geoms[hits], zone_geom)
            parts = parts[~shapely.is_empty(parts)]
            pieces.append(gpd.GeoDataFrame({"zone": [code] * len(parts)}, geometry=parts, crs=crs) if len(parts) else None)
            rows.append({"zone": code, "zone_area_m2": shapely.area(zone_geom),
                         "damaged_area_m2": float(shapely.area(parts).sum())})
            covered.append(zone_geom)
        outside_geom = shapely.difference(area_geom, shapely.union_all(covered))
        remaining = shapely.intersection(geoms, outside_geom)
        remaining = remaining[~shapely.is_empty(remaining)]
        rows.append({"zone": "OUTSIDE_ZONES", "zone_area_m2": shapely.area(outside_geom),
                     "damaged_area_m2": float(shapely.area(remaining).sum())})
    if len(remaining):
        pieces.append(gpd.GeoDataFrame({"zone": [""] * len(remaining)}, geometry=remaining, crs=crs))
    rows.append({"zone": "CASE_AREA", "zone_area_m2": shapely.area(area_geom),
                 "damaged_area_m2": float(shapely.area(geoms).sum())})
    summary = pd.DataFrame(rows)
    summary["damaged_share"] = summary["damaged_area_m2"] / summary["zone_area_m2"].where(summary["zone_area_m2"] > 0)
    frames = [p for p in pieces if p is not None]
    if frames:
        split = pd.concat(frames, ignore_index=True)
        split = split.explode(index_parts=False, ignore_index=True)
        split = split[shapely.area(split.geometry.to_numpy()) > 0]
    else:
        split = gpd.GeoDataFrame({"zone": []}, geometry=[], crs=crs)
    split = split.reset_index(drop=True)
    split.insert(0, "damage_id", np.arange(1, len(split) + 1, dtype=np.int64))
    split["area_m2"] = np.round(shapely.area(split.geometry.to_numpy()), 3)
    return gpd.GeoDataFrame(split, geometry="geometry", crs=crs), summary


def _check_accuracy(points, class_path, label_field, warnings, layer="check points"):
    """Sample the final class raster at the check points; the Accuracy and the points used."""
    import rasterio

    if label_field not in points.columns:
        raise InputError(Message("VEG_NO_LABEL_FIELD", field=label_field), layer=layer, column=label_field)
    labels = parse_labels(points[label_field].to_list(), layer=layer, column=label_field)
    with rasterio.open(class_path) as ds:
        pts = points.to_crs(ds.crs) if points.crs is not None and points.crs != ds.crs else points
        xy = np.column_stack([pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()])
        rows, cols = rasterio.transform.rowcol(ds.transform, xy[:, 0], xy[:, 1])
        rows, cols = np.asarray(rows), np.asarray(cols)
        inside = (rows >= 0) & (rows < ds.height) & (cols >= 0) & (cols < ds.width)
        values = np.zeros(len(points), dtype=np.uint8)
        if inside.any():
            values[inside] = np.fromiter(
                (v[0] for v in ds.sample(xy[inside], indexes=1)), dtype=np.uint8, count=int(inside.sum())
            )
    used = values != NODATA
    if (~used).any():
        ids = points.index[~used] if "point_id" not in points.columns else points["point_id"][~used]
        from ..geo.layers import ids_text

        warnings.append(Message("VEG_CHECK_POINTS_OUTSIDE", n=int((~used).sum()), ids=ids_text(list(ids))))
    if not used.any():
        raise InputError(Message("VEG_NO_CHECK_POINTS"), layer=layer)
    mapped = values == DAMAGED
    table = points.assign(mapped=np.where(used, np.where(mapped, "damaged", "intact"), ""))
    return accuracy(mapped[used], labels[used]), table


def vegetation_damage(
    mosaic,
    area,
    zones=None,
    *,
    before=None,
    before_kind: str = "mosaic",
    check_points=None,
    params: Optional[VegetationParams] = None,
    work_dir=None,
    layer_names: Optional[Mapping] = None,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> VegetationResult:
    """Damaged (bare) vegetation of an orthomosaic inside the case area, by functional zone.

    Parameters
    ----------
    mosaic : path-like
        GeoTIFF (or any GDAL raster): RGB, RGBA or multispectral, 8 or 16 bit, any CRS,
        tiled or striped, with or without overviews; nodata and alpha respected.
    area : geopandas.GeoDataFrame
        The case area (polygons, any CRS).
    zones : geopandas.GeoDataFrame, optional
        Functional zones with a ``zone`` field.
    before : path-like, optional
        A mosaic from before the act (``before_kind="mosaic"``) or an earlier vegetation
        mask (``"mask"``: non-zero = vegetated); any grid, warped onto the mosaic's.
    check_points : geopandas.GeoDataFrame, optional
        Points labelled ``damaged``/``intact`` in ``params.label_field``.
    params : VegetationParams, optional
    work_dir : path-like, optional
        Folder for the intermediate rasters (default: the system's temporary folder).
    layer_names : mapping, optional
        ``mosaic``, ``before``, ``area``, ``check_points`` -> names for messages.
    progress, is_canceled : callable, optional

    Returns
    -------
    VegetationResult
    """
    import geopandas as gpd
    import pyogrio
    import rasterio
    import rasterio.warp
    import shapely

    params = params or VegetationParams()
    names = {"mosaic": "mosaic", "before": "before", "area": "case area", "check_points": "check points",
             **(layer_names or {})}
    spec_index = index_spec(params.index)
    if params.cleanup_px < 0 or params.min_area_m2 < 0:
        raise InputError(Message("VEG_NEGATIVE_PARAMETER"), column="cleanup_px/min_area_m2")
    if before is not None and before_kind not in ("mosaic", "mask"):
        raise InputError(f"before_kind is 'mosaic' or 'mask', not {before_kind!r}")
    if area is None or len(area) == 0 or area.crs is None:
        raise InputError(Message("VEG_AREA_NEEDED"), layer=names["area"])
    workers = params.workers or _default_workers()
    warnings: list = []
    steps = Steps(progress, [1.5 if params.threshold_method == "otsu" else 0.01, 4, 1, 1, 0.5, 1])
    metric = _metric_crs(area)
    area_metric = area.to_crs(metric)
    area_geom = shapely.make_valid(shapely.union_all(area_metric.geometry.to_numpy()))
    zones_metric = zones.to_crs(metric) if zones is not None and len(zones) else None

    with rasterio.Env(GDAL_CACHEMAX=_CACHE_BYTES), rasterio.open(mosaic) as ds:
        if ds.crs is None:
            raise InputError(Message("VEG_MOSAIC_NO_CRS"), layer=names["mosaic"])
        image = _source_for(ds, mosaic, params.bands, layer=names["mosaic"])
        check_bands(dict(image.bands), spec_index, names["mosaic"])
        area_in_mosaic = shapely.union_all(area.to_crs(ds.crs).geometry.to_numpy())
        footprint = shapely.box(*ds.bounds)
        block_shape = tuple(ds.block_shapes[0])
        roi = roi_window(area_in_mosaic.bounds, ds.transform, (ds.height, ds.width), block_shape)
        if roi is None or not shapely.intersects(footprint, area_in_mosaic):
            raise InputError(Message("VEG_NO_OVERLAP", mosaic=names["mosaic"], area=names["area"]),
                             layer=names["mosaic"])
        grid = (ds.crs, ds.transform, ds.width, ds.height)
        mosaic_crs, mosaic_transform = ds.crs, ds.transform
        cell_area = abs(ds.transform.a * ds.transform.e)
        if not ds.crs.is_projected:  # degrees: the cell's area at the case's latitude
            cell_area = _cell_area_m2(ds, area_in_mosaic, metric)
    before_source = None
    if before is not None:
        with rasterio.open(before) as bds:
            if bds.crs is None:
                raise InputError(Message("VEG_MOSAIC_NO_CRS"), layer=names["before"])
            before_source = _source_for(bds, before, params.before_bands, layer=names["before"], kind=before_kind,
                                        grid=grid)
            if before_kind == "mosaic":
                check_bands(dict(before_source.bands), spec_index, names["before"])
            if not shapely.intersects(shapely.box(*bds.bounds) if bds.crs == mosaic_crs
                                      else shapely.box(*rasterio.warp.transform_bounds(bds.crs, mosaic_crs,
                                                                                        *bds.bounds)),
                                      area_in_mosaic):
                raise InputError(Message("VEG_NO_OVERLAP", mosaic=names["before"], area=names["area"]),
                                 layer=names["before"])
    spec = BlockSpec(image, spec_index.name, PerThreadGeometry(area_in_mosaic), mosaic_transform, (grid[3], grid[2]),
                     cleanup_px=int(params.cleanup_px), before=before_source)
    windows = processing_windows(block_shape, roi, TARGET_PIXELS)

    work = _WorkFolder(work_dir)
    folder = work.path
    overview_pool = None
    try:
        with rasterio.Env(GDAL_CACHEMAX=_CACHE_BYTES):
            # 1. thresholds
            histogram_of = _histogram_source(params.otsu_source, spec, roi, windows, workers, is_canceled,
                                             steps.stage(0))
            counts = histogram_of(False) if params.threshold_method == "otsu" else None
            threshold = _threshold(params.threshold_method, params.threshold, counts, spec_index, names["mosaic"])
            before_threshold = None
            if before_source is not None and before_kind == "mosaic":
                before_counts = histogram_of(True) if params.before_threshold_method == "otsu" else None
                before_threshold = _threshold(params.before_threshold_method, params.before_threshold,
                                              before_counts, spec_index, names["before"])
            spec = replace(spec, threshold=threshold, before_threshold=before_threshold or 0.0)

            # 2. index and classes, block by block
            from rasterio.windows import Window
            from rasterio.windows import transform as window_transform

            out_profile = {"crs": mosaic_crs, "transform": window_transform(roi, mosaic_transform),
                           "width": int(roi.width), "height": int(roi.height)}
            index_path = folder / "index.tif"
            class_path = folder / "classes.tif"
            # the index raster's blocks are compressed on GDAL's threads, not on this (the writing) one
            with rasterio.open(index_path, "w", **INDEX_PROFILE, **out_profile, num_threads=workers) as index_out, \
                    rasterio.open(class_path, "w", **CLASS_PROFILE, **out_profile) as class_out:
                blocks = _map_in_order(lambda w: classify_block(spec, w), windows, workers, is_canceled,
                                       steps.stage(1))
                for window, (index_block, class_block) in zip(windows, blocks):
                    target = Window(window.col_off - roi.col_off, window.row_off - roi.row_off,
                                    window.width, window.height)
                    index_out.write(index_block, 1, window=target)
                    class_out.write(class_block, 1, window=target)
                index_out.set_band_description(1, spec_index.name)
                index_out.update_tags(INDEX=spec_index.name, THRESHOLD=repr(threshold))

            # the index raster's overviews (GDAL, which leaves the GIL) are built on a thread of their
            # own while this one sieves and polygonises the class raster: on two cores, side by side
            check_canceled(is_canceled)
            overview_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ree_overviews")
            overviews = overview_pool.submit(_build_overviews, index_path, roi, is_canceled)

            # 3. minimum mapping unit and polygons
            min_cells = int(math.ceil(params.min_area_m2 / cell_area)) if params.min_area_m2 > 0 else 0
            polygons_path = folder / "damaged.gpkg"
            _sieve_and_polygonize(class_path, polygons_path, min_cells, steps, is_canceled)
            raw = pyogrio.read_dataframe(str(polygons_path), layer="damaged", columns=[],
                                         where=f"dn = {DAMAGED}")
        check_canceled(is_canceled)
        raw = raw.set_crs(mosaic_crs, allow_override=True).to_crs(metric) if len(raw) else \
            gpd.GeoDataFrame(geometry=[], crs=metric)
        clipped = shapely.intersection(raw.geometry.to_numpy(), area_geom)
        clipped = clipped[~shapely.is_empty(clipped)]
        polygons, summary = _zone_areas(gpd.GeoDataFrame(geometry=clipped, crs=metric), area_geom, zones_metric)
        steps.stage(4)(1.0)

        # 4. accuracy at the check points
        result_accuracy, used_points = None, None
        if check_points is not None and len(check_points):
            result_accuracy, used_points = _check_accuracy(check_points, class_path, params.label_field, warnings,
                                                           names["check_points"])

        # 5. overviews of the index raster (begun after step 2)
        overviews.result()
        steps.stage(5)(1.0)
    except BaseException:
        if overview_pool is not None:
            overview_pool.shutdown(wait=True)  # the thread closes the index raster before it is removed
        work.cleanup()
        raise
    overview_pool.shutdown(wait=True)

    forest_lost = float(summary.loc[summary["zone"] == "CASE_AREA", "damaged_area_m2"].iloc[0])
    if before_source is not None:
        basis = "change: vegetated on the before image, bare on the after image"
    else:
        basis = "single image: every bare cell of the case area taken as vegetated before the act"
        warnings.append(Message("VEG_FOREST_ASSUMED"))
    parameters = {**asdict(params), "index": spec_index.name, "threshold_used": threshold,
                  "before_threshold_used": before_threshold, "before_kind": before_kind if before is not None else "",
                  "band_mapping": dict(image.bands), "otsu_histogram": f"{BINS} bins over "
                  f"[{spec_index.low}, {spec_index.high}], " + histogram_of.stated, "min_area_cells": min_cells, "cell_area_m2": cell_area,
                  "connectivity": 4, "workers": workers}
    return VegetationResult(
        polygons=polygons, summary=summary, forest_area_lost_m2=forest_lost, forest_basis=basis,
        accuracy=result_accuracy, check_points=used_points, threshold=threshold, before_threshold=before_threshold,
        index_raster=index_path, crs=str(metric), parameters=parameters, warnings=warnings, _workdir=work,
    )


def _build_overviews(index_path: Path, roi, is_canceled=None) -> None:
    """Overviews 2, 4, 8 ... (average, DEFLATE) of the index raster down to about 256 cells a side,
    as rasterio's ``build_overviews`` makes them (the same GDALBuildOverviews call), but with GDAL's
    progress callback, so that a cancel stops it (it runs on a thread beside the sieve)."""
    from osgeo import gdal

    factors = []
    while max(roi.width, roi.height) / 2 ** (len(factors) + 1) >= 256:
        factors.append(2 ** (len(factors) + 1))
    if not factors:
        return
    options = {"COMPRESS_OVERVIEW": "DEFLATE", "GDAL_NUM_THREADS": "ALL_CPUS"}
    previous = {key: gdal.GetThreadLocalConfigOption(key, None) for key in options}
    for key, value in options.items():  # this thread's own (GDAL_CACHEMAX is the caller's, process-wide)
        gdal.SetThreadLocalConfigOption(key, value)
    try:
        ds = gdal.Open(str(index_path), gdal.GA_Update)
        try:
            _gdal_call(ds.BuildOverviews, "AVERAGE", factors, callback=_gdal_progress(lambda fraction: None, is_canceled),
                       is_canceled=is_canceled)
            ds.SetMetadataItem("resampling", "average", "rio_overview")
        finally:
            ds = None  # noqa: F841 - closes the file
    finally:
        for key, value in previous.items():
            gdal.SetThreadLocalConfigOption(key, value)


class _WorkFolder:
    """A temporary folder removed by :meth:`cleanup` or, at the latest, when collected."""

    def __init__(self, parent=None):
        self.path = Path(tempfile.mkdtemp(prefix="ree_vegetation_", dir=parent))
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.path), ignore_errors=True)

    def cleanup(self) -> None:
        self._finalizer()


def _default_workers() -> int:
    from ..common.parallel import default_workers

    return default_workers()


def _cell_area_m2(ds, area_in_mosaic, metric) -> float:
    """Area (m2) of one cell of a mosaic in degrees, at the centre of the case area."""
    import pyproj
    import shapely

    centre = shapely.centroid(area_in_mosaic)
    cell = shapely.box(centre.x, centre.y, centre.x + abs(ds.transform.a), centre.y + abs(ds.transform.e))
    project = pyproj.Transformer.from_crs(ds.crs, metric, always_xy=True).transform
    from shapely.ops import transform

    return float(transform(project, cell).area)


__all__ = [
    "CLASS_PROFILE",
    "DAMAGED",
    "INDEX_PROFILE",
    "INTACT",
    "NODATA",
    "BlockSpec",
    "ImageSource",
    "VegetationParams",
    "VegetationResult",
    "block_histogram",
    "classify_block",
    "overview_factor",
    "overview_histogram",
    "processing_windows",
    "roi_window",
    "vegetation_damage",
]
