"""Grids and GeoTIFF output: tiled, compressed, with nodata and CRS, written atomically.

A :class:`GridSpec` is a north-up grid (affine transform, width, height, CRS). Arrays are
indexed ``[row, col]`` with row 0 at the top (north), as GDAL and rasterio expect. Cell
values refer to cell centres.

Examples
--------
>>> grid = GridSpec.from_bounds((0, 0, 100, 50), 10, crs="EPSG:4547")
>>> grid.shape, grid.bounds
((5, 10), (0.0, 0.0, 100.0, 50.0))
>>> grid.x_centres()[:3], grid.y_centres()[:2]
(array([ 5., 15., 25.]), array([45., 35.]))
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
from affine import Affine

from ..common.atomic import atomic_outputs
from ..common.errors import InputError
from ..common.parallel import SharedSwitch
from ..common.provenance import write_sidecar

DEFAULT_NODATA = -9999.0
"""Nodata value of float rasters written by this module."""


@dataclass(frozen=True)
class GridSpec:
    """A north-up raster grid.

    Attributes
    ----------
    transform : affine.Affine
        Maps (col, row) of a cell corner to (x, y) in metres; no rotation.
    width, height : int
        Number of columns and rows.
    crs : str, optional
        CRS of the grid, e.g. ``"EPSG:4547"`` (a CGCS2000 Gauss-Kruger zone).
    """

    transform: Affine
    width: int
    height: int
    crs: Optional[str] = None

    def __post_init__(self):
        t = self.transform
        if t.b != 0 or t.d != 0 or t.a <= 0 or t.e >= 0:
            raise InputError("the grid must be north-up with positive cell size (no rotation)")
        if self.width < 1 or self.height < 1:
            raise InputError(f"the grid is empty ({self.width} x {self.height} cells)")

    @classmethod
    def from_bounds(cls, bounds, cell_size, crs=None, snap: bool = True) -> GridSpec:
        """A grid covering ``bounds`` (minx, miny, maxx, maxy) with square cells (m).

        With ``snap`` the corners fall on multiples of the cell size, so grids made for
        different indicators or depth layers of one case line up cell for cell.
        """
        minx, miny, maxx, maxy = (float(b) for b in bounds)
        cs = float(cell_size)
        if not (cs > 0 and math.isfinite(cs)):
            raise InputError(f"cell size must be a positive number of metres, not {cell_size!r}")
        if not all(math.isfinite(b) for b in (minx, miny, maxx, maxy)) or maxx <= minx or maxy <= miny:
            raise InputError(f"the extent {bounds!r} is empty or not finite")
        if snap:
            minx, miny = math.floor(minx / cs) * cs, math.floor(miny / cs) * cs
            maxx, maxy = math.ceil(maxx / cs) * cs, math.ceil(maxy / cs) * cs
        width = max(1, int(round((maxx - minx) / cs)))
        height = max(1, int(round((maxy - miny) / cs)))
        if not snap:
            width = max(1, math.ceil((maxx - minx) / cs - 1e-9))
            height = max(1, math.ceil((maxy - miny) / cs - 1e-9))
        return cls(Affine(cs, 0.0, minx, 0.0, -cs, miny + height * cs), width, height, crs)

    @classmethod
    def from_geometry(cls, geometry, cell_size, crs=None, buffer: float = 0.0, snap: bool = True):
        """A grid covering a shapely geometry, GeoSeries or GeoDataFrame (plus ``buffer`` m)."""
        bounds = _bounds_of(geometry)
        if crs is None:
            crs = _crs_string(getattr(geometry, "crs", None))
        minx, miny, maxx, maxy = bounds
        return cls.from_bounds(
            (minx - buffer, miny - buffer, maxx + buffer, maxy + buffer), cell_size, crs, snap
        )

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return (self.height, self.width)

    @property
    def cell_size(self) -> tuple[float, float]:
        """(width, height) of a cell in metres."""
        return (self.transform.a, -self.transform.e)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy)."""
        t = self.transform
        return (t.c, t.f + t.e * self.height, t.c + t.a * self.width, t.f)

    def x_centres(self) -> np.ndarray:
        """x of the cell centres of each column (m)."""
        t = self.transform
        return t.c + t.a * (np.arange(self.width) + 0.5)

    def y_centres(self) -> np.ndarray:
        """y of the cell centres of each row (m), north to south."""
        t = self.transform
        return t.f + t.e * (np.arange(self.height) + 0.5)

    def lattice(self):
        """(origin, u, v): centre of cell (0, 0), one-column step and one-row step."""
        t = self.transform
        origin = np.array([t.c + 0.5 * t.a, t.f + 0.5 * t.e])
        return origin, np.array([t.a, 0.0]), np.array([0.0, t.e])

    def cell_of(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """(row, col) of the cells holding points (x, y); may fall outside the grid."""
        t = self.transform
        col = np.floor((np.asarray(x, float) - t.c) / t.a).astype(np.int64)
        row = np.floor((np.asarray(y, float) - t.f) / t.e).astype(np.int64)
        return row, col


_SWITCH_LOCK = threading.Lock()
_GDAL_EXCEPTIONS: list = []  # the shared switch, made on first use (osgeo imported then)


def _gdal_exceptions_switch():
    from osgeo import gdal, ogr

    def save():
        return gdal.GetUseExceptions(), ogr.GetUseExceptions()

    def apply():
        gdal.UseExceptions()
        ogr.UseExceptions()

    def restore(saved):
        # the bindings keep a stack of error handlers: undone in the reverse order
        if not saved[1]:
            ogr.DontUseExceptions()
        if not saved[0]:
            gdal.DontUseExceptions()

    return SharedSwitch(save, apply, restore)


def gdal_exceptions() -> SharedSwitch:
    """GDAL and OGR (osgeo) raise Python exceptions inside ``with gdal_exceptions():``.

    The setting is process-wide (QGIS and other plugins share it): it is changed only
    while a block of ours runs, shared by overlapping blocks on several threads, and put
    back as the first block found it when the last one leaves.
    """
    with _SWITCH_LOCK:
        if not _GDAL_EXCEPTIONS:
            _GDAL_EXCEPTIONS.append(_gdal_exceptions_switch())
        return _GDAL_EXCEPTIONS[0]


def apply_affine(transform, x, y):
    """Map ``x, y`` (scalars or arrays) through an affine transform.

    The same arithmetic as affine 2's ``transform * (x, y)`` (``a x + b y + c``,
    ``d x + e y + f``), without the operator affine 3 deprecates for points (and
    affine 2 has no ``@`` for them).

    Examples
    --------
    >>> apply_affine(Affine(2.0, 0.0, 10.0, 0.0, -2.0, 20.0), 1.0, 1.0)
    (12.0, 18.0)
    """
    return (
        x * transform.a + y * transform.b + transform.c,
        x * transform.d + y * transform.e + transform.f,
    )


def _crs_string(crs) -> Optional[str]:
    if crs is None:
        return None
    if isinstance(crs, str):
        return crs
    to_epsg = getattr(crs, "to_epsg", None)
    epsg = to_epsg() if to_epsg else None
    if epsg:
        return f"EPSG:{epsg}"
    to_wkt = getattr(crs, "to_wkt", None)
    return to_wkt() if to_wkt else str(crs)


def _bounds_of(geometry) -> tuple[float, float, float, float]:
    if hasattr(geometry, "total_bounds"):
        b = geometry.total_bounds
    else:
        b = geometry.bounds
    return tuple(float(v) for v in b)


def _geometries(geometry) -> list:
    if hasattr(geometry, "geometry") and hasattr(geometry, "total_bounds"):  # GeoDataFrame / GeoSeries
        geoms = list(geometry.geometry) if hasattr(geometry, "columns") else list(geometry)
    elif isinstance(geometry, (list, tuple)):
        geoms = list(geometry)
    else:
        geoms = [geometry]
    return [g for g in geoms if g is not None and not g.is_empty]


def polygon_mask(grid: GridSpec, geometry, all_touched: bool = False) -> np.ndarray:
    """Cells whose centre lies inside the polygon(s): bool array, True inside.

    Parameters
    ----------
    grid : GridSpec
    geometry : shapely geometry, list of them, GeoSeries or GeoDataFrame
        The case area, in the grid's CRS.
    all_touched : bool
        Also take cells the boundary merely touches.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> g = GridSpec.from_bounds((0, 0, 4, 4), 1)
    >>> polygon_mask(g, box(0, 0, 2, 4)).sum()
    8
    """
    from rasterio.features import geometry_mask

    geoms = _geometries(geometry)
    if not geoms:
        raise InputError("the case area has no polygon", layer="case area")
    return geometry_mask(
        geoms, out_shape=grid.shape, transform=grid.transform, all_touched=all_touched, invert=True
    )


def centre_mask_by_tiles(geometry, transform, shape: tuple, tile: int, crossed_tile_mask):
    """Where the cell centres of a grid lie inside ``geometry``, deciding by tiles.

    A grid wholly inside (every point in the geometry's interior) or wholly outside gives
    True or False without a cell tested. Otherwise the grid is cut into ``tile`` x ``tile``
    cells; the tiles wholly inside are filled, those wholly outside left False, and only
    the tiles the boundary crosses are decided cell by cell, by ``crossed_tile_mask``. Each
    tile's box spans its cells' full extent (edges, not centres), as the grid's box does, so
    a tile called inside or outside holds the answer its centre test would give.

    Parameters
    ----------
    geometry : shapely geometry
        Polygon(s) in the grid's CRS (prepared, for speed, by the caller).
    transform : affine.Affine
        The grid's transform (north-up).
    shape : tuple of int
        ``(rows, cols)``.
    tile : int
        Side of the tiles, cells.
    crossed_tile_mask : callable
        ``(rows, cols, tile_transform) -> bool array`` of a tile the boundary crosses
        (``rows``, ``cols``: slices of the grid; ``tile_transform``: the tile's own).

    Returns
    -------
    bool or numpy.ndarray
        True / False for a grid wholly inside / outside, else a bool array of ``shape``.
    """
    import shapely
    from rasterio.transform import array_bounds

    rows_n, cols_n = shape
    west, south, east, north = array_bounds(rows_n, cols_n, transform)
    box = shapely.box(west, south, east, north)
    if shapely.contains_properly(geometry, box):
        return True
    if not shapely.intersects(geometry, box):
        return False
    t = transform
    r0, c0 = np.meshgrid(np.arange(0, rows_n, tile), np.arange(0, cols_n, tile), indexing="ij")
    r1, c1 = np.minimum(r0 + tile, rows_n), np.minimum(c0 + tile, cols_n)
    xa, xb = t.c + t.a * c0, t.c + t.a * c1
    ya, yb = t.f + t.e * r0, t.f + t.e * r1
    boxes = shapely.box(np.minimum(xa, xb), np.minimum(ya, yb), np.maximum(xa, xb), np.maximum(ya, yb))
    inside = shapely.contains_properly(geometry, boxes)
    crossed = shapely.intersects(geometry, boxes) & ~inside
    mask = np.zeros(shape, dtype=bool)
    for i, j in zip(*np.nonzero(inside)):
        mask[r0[i, j]:r1[i, j], c0[i, j]:c1[i, j]] = True
    for i, j in zip(*np.nonzero(crossed)):
        rows, cols = slice(r0[i, j], r1[i, j]), slice(c0[i, j], c1[i, j])
        col, row = c0[i, j], r0[i, j]  # the tile's own transform, composed by hand (affine 3 deprecates *)
        tile_transform = Affine(t.a, t.b, t.c + t.a * col + t.b * row, t.d, t.e, t.f + t.d * col + t.e * row)
        mask[rows, cols] = crossed_tile_mask(rows, cols, tile_transform)
    return mask


def burn(shapes, out_shape: tuple, transform, *, all_touched: bool = False) -> np.ndarray:
    """Burn ``(geometry, value)`` pairs into a new uint8 grid (0 elsewhere), as
    ``rasterio.features.rasterize`` does, but without its transient warning.

    ``rasterize`` on an array wraps it in a dataset whose transform is set only after it
    is opened, and silences the NotGeoreferencedWarning of that moment with
    ``warnings.catch_warnings``, which swaps the process-wide filter list: a thread
    running beside it can restore the list in between and the warning escapes. Burning
    into a MEM dataset created with its transform gives the same cells (the same GDAL
    call) and no warning.

    Examples
    --------
    >>> from affine import Affine
    >>> from shapely.geometry import box
    >>> burn([(box(0, 0, 2, 4), 1)], (4, 4), Affine(1, 0, 0, 0, -1, 4)).sum()
    8
    """
    import rasterio
    from rasterio import features

    rows, cols = out_shape
    with rasterio.open(
        "burn", "w+", driver="MEM", width=cols, height=rows, count=1, dtype="uint8", transform=transform
    ) as dataset:
        features.rasterize(shapes, dst_path=dataset, transform=transform, all_touched=all_touched)
        return dataset.read(1)


@dataclass
class RasterOutput:
    """One raster to write.

    Attributes
    ----------
    path : path-like
        Final path (``.tif``).
    array : numpy.ndarray, shape (rows, cols) or (bands, rows, cols)
        Values; NaN becomes nodata.
    description : str or list of str
        Band description(s), e.g. ``"Cd prediction (mg/kg)"``.
    unit : str
        Unit of the values, e.g. ``"mg/kg"``, stored as the band unit type.
    tags : mapping
        Extra dataset metadata (GDAL metadata items).
    record : mapping, optional
        Provenance record written beside the raster.
    """

    path: object
    array: np.ndarray
    description: object = ""
    unit: str = ""
    tags: Optional[Mapping[str, str]] = None
    record: Optional[Mapping] = None


def write_geotiffs(
    outputs: Sequence[RasterOutput],
    grid: GridSpec,
    *,
    mask: Optional[np.ndarray] = None,
    nodata: float = DEFAULT_NODATA,
    compress: str = "deflate",
    zlevel: int = 1,
    blocksize: int = 256,
) -> list[Path]:
    """Write several GeoTIFFs as one transaction: all appear, or none.

    Float32, tiled ``blocksize`` x ``blocksize``, compressed (DEFLATE with the floating
    point predictor by default), nodata where the array is NaN or ``mask`` is False,
    the grid's CRS. A provenance sidecar is written for each output that carries a
    record (after the rasters are in place).

    Returns
    -------
    list of pathlib.Path
        The final paths.
    """
    import rasterio
    from rasterio.crs import CRS

    if mask is not None and mask.shape != grid.shape:
        raise InputError(f"mask shape {mask.shape} differs from the grid {grid.shape}")
    finals = [Path(o.path) for o in outputs]
    crs = CRS.from_user_input(grid.crs) if grid.crs else None
    with atomic_outputs(finals) as temps:
        for out, tmp in zip(outputs, temps):
            data = np.asarray(out.array)
            if data.ndim == 2:
                data = data[None]
            if data.shape[1:] != grid.shape:
                raise InputError(
                    f"array shape {data.shape[1:]} differs from the grid {grid.shape}", layer=str(out.path)
                )
            profile = {
                "driver": "GTiff",
                "width": grid.width,
                "height": grid.height,
                "count": data.shape[0],
                "dtype": "float32",
                "crs": crs,
                "transform": grid.transform,
                "nodata": nodata,
                "tiled": True,
                "blockxsize": blocksize,
                "blockysize": blocksize,
                "BIGTIFF": "IF_SAFER",
            }
            if compress and compress.lower() != "none":
                profile["compress"] = compress
                if compress.lower() in ("deflate", "lzw", "zstd"):
                    profile["predictor"] = 3
                if compress.lower() == "deflate":
                    profile["zlevel"] = zlevel
                profile["num_threads"] = "ALL_CPUS"
            descriptions = (
                out.description if isinstance(out.description, (list, tuple)) else [out.description]
            )
            with rasterio.open(tmp, "w", **profile) as dst:
                for b in range(data.shape[0]):
                    band = np.asarray(data[b], dtype=np.float32)
                    bad = ~np.isfinite(band)
                    if mask is not None:
                        bad |= ~mask
                    if bad.any():
                        band = np.where(bad, np.float32(nodata), band)
                    dst.write(band, b + 1)
                    if b < len(descriptions) and descriptions[b]:
                        dst.set_band_description(b + 1, str(descriptions[b]))
                    if out.unit:
                        dst.set_band_unit(b + 1, out.unit)
                if out.tags:
                    dst.update_tags(**{str(k): str(v) for k, v in out.tags.items()})
    for out, final in zip(outputs, finals):
        if out.record is not None:
            write_sidecar(final, out.record)
    return finals


def write_geotiff(
    path, array, grid: GridSpec, *, description="", unit="", tags=None, record=None, **kwargs
) -> Path:
    """Write one GeoTIFF atomically (see :func:`write_geotiffs` for the format)."""
    out = RasterOutput(path, array, description, unit, tags, record)
    return write_geotiffs([out], grid, **kwargs)[0]


def read_geotiff(path, band: int = 1) -> tuple[np.ndarray, GridSpec]:
    """Read one band as float64 with NaN for nodata, and its grid."""
    import rasterio

    with rasterio.open(path) as src:
        data = src.read(band, masked=True).astype(np.float64).filled(np.nan)
        crs = _crs_string(src.crs) if src.crs else None
        grid = GridSpec(src.transform, src.width, src.height, crs)
    return data, grid
