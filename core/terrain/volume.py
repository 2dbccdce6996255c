"""Mined volume from two DEMs: the cell method and the grid (方格网) method, block by block.

The difference ``dz = z_after - z_before`` (m) is taken cell by cell inside a boundary on
the finer of the two DEM grids; the other DEM is resampled onto it (bilinear by default,
stated in the result) through a warped view, so neither DEM is ever held whole in memory.

Cell method (DOMAIN.md, "Volumes from DEMs"): ``cut = sum(max(-dz, 0)) x cell area`` and
``fill = sum(max(dz, 0)) x cell area``, in m3.

Grid (方格网) method, as surveyors compute it by hand: nodes every ``grid_spacing_m``
(default 10 m) over the boundary, ``dz`` read at each node from the cell that holds it; a
square counts when its four nodes lie inside the boundary on valid data. A node's weight
is the number of counted squares it belongs to (1 at a corner, 2 on an edge, 3 at a
re-entrant corner, 4 inside) and ``V = a^2 / 4 x sum(w_i x dz_i)``. Cut and fill are
split at the nodes (a node's weighted height goes to cut or fill by its sign), so their
net is the grid method's exact net and each is the usual node-split approximation
where a square straddles the zero line.

Both figures are reported with their difference; the difference raster (the cut/fill
raster, negative = cut) and its contours are written with provenance.

Examples
--------
A 20 m x 20 m pit 2 m deep on 1 m cells, on a flat 40 m x 40 m plane:

>>> import tempfile, pathlib, numpy as np, rasterio
>>> from affine import Affine
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> z = np.full((40, 40), 100.0, "float32")
>>> profile = dict(driver="GTiff", width=40, height=40, count=1, dtype="float32",
...                crs="EPSG:4547", transform=Affine(1, 0, 500000, 0, -1, 2700040))
>>> with rasterio.open(folder / "before.tif", "w", **profile) as dst:
...     dst.write(z, 1)
>>> z[10:30, 10:30] -= 2.0
>>> with rasterio.open(folder / "after.tif", "w", **profile) as dst:
...     dst.write(z, 1)
>>> result = dem_difference(folder / "before.tif", folder / "after.tif", work_dir=folder)
>>> result.cut_m3, result.fill_m3
(800.0, 0.0)
>>> result.discard()
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from ..common.errors import InputError
from ..common.messages import Message
from ..common.progress import CancelFn, ProgressFn, check_canceled, no_progress
from ..geo.raster_io import centre_mask_by_tiles, gdal_exceptions

ALGORITHM = "ree_damage:mined_volume"
RESAMPLING_METHODS = ("bilinear", "nearest", "cubic")
"""Ways the coarser DEM is resampled onto the finer grid."""

NODATA = -9999.0
"""Nodata of the difference raster."""
CACHE_BYTES = 128 << 20
"""GDAL's block cache during the pass, bytes (its default, 5 % of RAM, grows with the machine
and filled to 1.2 GB on a 10,000 x 10,000 pair); strips aligned to the blocks read each once."""

FEET_PER_METRE_UNITS = {"ft": 0.3048, "foot": 0.3048, "feet": 0.3048, "international foot": 0.3048,
                        "us-ft": 1200.0 / 3937.0, "us survey foot": 1200.0 / 3937.0, "ftus": 1200.0 / 3937.0}
"""Vertical unit names GDAL band units may carry for feet, and metres per foot."""

PARAM_SOURCES = {
    "cell_method": "DOMAIN.md [default]: cut = sum of max(z_before - z_after, 0) x cell area; fill likewise",
    "grid_spacing_m": "[default] 10 m squares of the grid (方格网) method, corner/edge/interior weights 1/2/4",
    "resampling": "[default] bilinear: heights are a continuous surface; the coarser DEM goes to the finer grid",
    "contour_interval_m": "[default] 1 m contours of the height difference",
    "max_difference_m": "[default] a height change above 200 m is implausible on a leaching site (units or datum?)",
}


@dataclass(frozen=True)
class VolumeParams:
    """Settings of :func:`dem_difference`.

    Attributes
    ----------
    grid_spacing_m : float
        Side of a grid-method square, m (default 10).
    resampling : str
        One of :data:`RESAMPLING_METHODS`, for a DEM not on the finer grid.
    contour_interval_m : float
        Interval of the difference contours, m; 0 writes none.
    max_difference_m : float
        Warn when |dz| exceeds this, m (default 200).
    strip_cells : int
        Cells read per strip (rounded to whole rows of the DEM's blocks); with the strips in
        flight (2 per worker) it bounds the memory: about 30 bytes a cell.
    workers : int
        Threads reading and differencing strips (0: ``REE_DAMAGE_THREADS`` or the CPUs, at most 4).
    """

    grid_spacing_m: float = 10.0
    resampling: str = "bilinear"
    contour_interval_m: float = 1.0
    max_difference_m: float = 200.0
    strip_cells: int = 1 << 21
    workers: int = 0


@dataclass
class VolumeResult:
    """Cut and fill of a DEM difference by the cell and the grid method.

    Volumes in m3, areas in m2, heights in m. ``difference_path`` is the staged
    difference raster until :meth:`write` moves it into place.
    """

    cut_m3: float
    fill_m3: float
    area_m2: float
    cell_area_m2: float
    grid_cut_m3: float
    grid_fill_m3: float
    grid_squares: int
    grid_node_weights: dict
    max_cut_m: float
    max_fill_m: float
    crs: Optional[str]
    dem_bounds: tuple
    difference_path: Optional[Path] = None
    warnings: list = field(default_factory=list)
    parameters: dict = field(default_factory=dict)

    @property
    def net_m3(self) -> float:
        """Fill minus cut by the cell method, m3 (negative: material removed)."""
        return self.fill_m3 - self.cut_m3

    @property
    def grid_net_m3(self) -> float:
        """Fill minus cut by the grid method, m3."""
        return self.grid_fill_m3 - self.grid_cut_m3

    def table(self) -> pd.DataFrame:
        """Both methods side by side with their difference (the report's volume table)."""

        def pct(a, b):
            return 100.0 * (a - b) / b if b else float("nan")

        rows = [
            ("格网法（单元格） Cell method", self.cut_m3, self.fill_m3, self.net_m3, self.area_m2),
            (f"方格网法 Grid method ({self.parameters.get('grid_spacing_m', 0):g} m)",
             self.grid_cut_m3, self.grid_fill_m3, self.grid_net_m3, self.grid_squares * self.parameters.get("grid_spacing_m", 0) ** 2),
            ("差值 Difference (grid - cell)", self.grid_cut_m3 - self.cut_m3, self.grid_fill_m3 - self.fill_m3,
             self.grid_net_m3 - self.net_m3, None),
            ("相对差 Relative difference (%)", pct(self.grid_cut_m3, self.cut_m3), pct(self.grid_fill_m3, self.fill_m3),
             pct(self.grid_net_m3, self.net_m3) if self.net_m3 else float("nan"), None),
        ]
        return pd.DataFrame(rows, columns=["方法 Method", "挖方 Cut (m3)", "填方 Fill (m3)",
                                           "净方量 Net (m3)", "面积 Area (m2)"])

    def provenance(self, *, inputs=None, host=None) -> dict:
        """The provenance record of the volumes (parameters, resampling, warnings)."""
        from ..common.provenance import result_record

        return result_record(ALGORITHM, self, crs=self.crs, sources=PARAM_SOURCES, inputs=inputs, host=host,
                             outputs=self.summary())

    def summary(self) -> dict:
        """The figures as a flat dict (m3, m2, m)."""
        return {"cut_m3": self.cut_m3, "fill_m3": self.fill_m3, "net_m3": self.net_m3, "area_m2": self.area_m2,
                "grid_cut_m3": self.grid_cut_m3, "grid_fill_m3": self.grid_fill_m3, "grid_net_m3": self.grid_net_m3,
                "grid_squares": self.grid_squares, "max_cut_m": self.max_cut_m, "max_fill_m": self.max_fill_m}

    def write(self, paths, *, inputs=None, host=None) -> dict:
        """Write the outputs as one transaction, each with its provenance sidecar.

        Parameters
        ----------
        paths : mapping
            ``"cut_fill"`` (.tif, the staged difference raster moved there),
            ``"contours"`` (.gpkg, contours of dz every ``contour_interval_m``; needs
            ``cut_fill`` and an interval above 0), ``"volumes"`` (.csv, :meth:`table`).
            Any may be left out.

        Returns
        -------
        dict
            Name -> pathlib.Path written.
        """
        import shutil

        from ..common.provenance import recorded_outputs

        wanted = {k: Path(v) for k, v in paths.items() if v is not None}
        unknown = set(wanted) - {"cut_fill", "contours", "volumes"}
        if unknown:
            raise KeyError(f"unknown outputs {sorted(unknown)}")
        interval = float(self.parameters.get("contour_interval_m", 0) or 0)
        if "contours" in wanted and (interval <= 0 or self.difference_path is None):
            wanted.pop("contours")
        if ("cut_fill" in wanted or "contours" in wanted) and self.difference_path is None:
            raise InputError("the difference raster was already written or discarded")
        names = list(wanted)
        with recorded_outputs([wanted[n] for n in names], self.provenance(inputs=inputs, host=host)) as temps:
            tmp = dict(zip(names, temps))
            if "contours" in tmp:
                write_contours(self.difference_path, tmp["contours"], interval)
            if "volumes" in tmp:
                self.table().to_csv(tmp["volumes"], index=False, encoding="utf-8-sig")
            if "cut_fill" in tmp:
                shutil.move(str(self.difference_path), str(tmp["cut_fill"]))
        if "cut_fill" in wanted:
            self.difference_path = None
        else:
            self.discard()
        return wanted

    def discard(self) -> None:
        """Remove the staged difference raster (when it is not wanted)."""
        if self.difference_path is not None:
            Path(self.difference_path).unlink(missing_ok=True)
            self.difference_path = None


# --------------------------------------------------------------------------- opening and checking DEMs
def _open(path, label: str):
    import rasterio

    try:
        return rasterio.open(path)
    except Exception as exc:  # rasterio raises RasterioIOError and friends
        raise InputError(f"cannot open the DEM: {exc}", layer=label) from exc


def _metres_per_unit(ds, label: str) -> float:
    """Metres per horizontal CRS unit; a DEM without CRS or in degrees is refused."""
    if ds.crs is None:
        raise InputError(Message("TERRAIN_DEM_NO_CRS"), layer=label)
    if ds.crs.is_geographic:
        raise InputError(Message("TERRAIN_DEM_GEOGRAPHIC", crs=ds.crs.to_string()), layer=label)
    name, factor = ds.crs.linear_units_factor
    return float(factor)


def vertical_factor(ds, label: str, warnings: list) -> float:
    """Metres per height unit of band 1: 1, or a foot's length when the band unit says feet (warned)."""
    unit = (ds.units[0] or "").strip().lower() if ds.units else ""
    if unit in FEET_PER_METRE_UNITS:
        factor = FEET_PER_METRE_UNITS[unit]
        warnings.append(Message("TERRAIN_DEM_IN_FEET", layer=label, unit=unit, factor=factor))
        return factor
    return 1.0


def _same_grid(a, b) -> bool:
    return (a.crs == b.crs and a.width == b.width and a.height == b.height
            and all(math.isclose(x, y, rel_tol=0, abs_tol=1e-9 * max(1.0, abs(x))) for x, y in zip(a.transform, b.transform)))


@dataclass
class _Pair:
    """The two DEMs read on one grid (the finer one's)."""

    target: object
    before: object
    after: object
    scale_before: float
    scale_after: float
    metres: float
    resampled: Optional[str]
    closers: list


def _pair(before_path, after_path, resampling: str, warnings: list) -> _Pair:
    from rasterio.enums import Resampling
    from rasterio.vrt import WarpedVRT

    if resampling not in RESAMPLING_METHODS:
        raise InputError(f"resampling must be one of {', '.join(RESAMPLING_METHODS)}, not {resampling!r}")
    before = _open(before_path, "dem_before")
    after = _open(after_path, "dem_after")
    closers = [before, after]
    try:
        metres = {"dem_before": _metres_per_unit(before, "dem_before"), "dem_after": _metres_per_unit(after, "dem_after")}
        scales = (vertical_factor(before, "dem_before", warnings), vertical_factor(after, "dem_after", warnings))
        if _same_grid(before, after):
            return _Pair(before, before, after, *scales, metres["dem_before"], None, closers)

        def cell_area(ds, label):
            return abs(ds.transform.a * ds.transform.e) * metres[label] ** 2

        fine_is_before = cell_area(before, "dem_before") <= cell_area(after, "dem_after")
        fine, coarse = (before, after) if fine_is_before else (after, before)
        fine_label, coarse_label = ("dem_before", "dem_after") if fine_is_before else ("dem_after", "dem_before")
        if fine.transform.b != 0 or fine.transform.d != 0:
            raise InputError(Message("TERRAIN_DEM_ROTATED"), layer=fine_label)
        src_nodata = coarse.nodata if coarse.nodata is not None else None
        warped = WarpedVRT(coarse, crs=fine.crs, transform=fine.transform, width=fine.width, height=fine.height,
                           resampling=getattr(Resampling, resampling), src_nodata=src_nodata,
                           nodata=src_nodata if src_nodata is not None else NODATA, dtype="float32")
        closers.insert(0, warped)
        warnings.append(Message("TERRAIN_DEM_RESAMPLED", coarse=coarse_label, fine=fine_label, method=resampling,
                                cell=f"{abs(fine.transform.a) * metres[fine_label]:g} m",
                                crs=fine.crs.to_string()))
        if fine_is_before:
            return _Pair(fine, before, warped, *scales, metres[fine_label], resampling, closers)
        return _Pair(fine, warped, after, *scales, metres[fine_label], resampling, closers)
    except BaseException:
        for ds in closers:
            ds.close()
        raise


def _boundary_geometry(boundary, crs, label: str = "boundary"):
    """The boundary as one shapely geometry in the DEM CRS (None: the whole DEM)."""
    if boundary is None:
        return None
    import shapely

    if hasattr(boundary, "geometry"):  # a GeoDataFrame or GeoSeries
        if getattr(boundary, "crs", None) is None:
            raise InputError(Message("LAYER_NO_CRS"), layer=label)
        frame = boundary.to_crs(crs)
        geoms = [g for g in frame.geometry if g is not None and not g.is_empty]
        if not geoms:
            raise InputError(Message("LAYER_EMPTY"), layer=label)
        geometry = shapely.union_all(shapely.make_valid(np.asarray(geoms, dtype=object)))
    else:
        geometry = boundary
    geometry = shapely.make_valid(geometry)
    if geometry.is_empty or geometry.area <= 0:
        raise InputError(Message("LAYER_EMPTY"), layer=label)
    return geometry


# --------------------------------------------------------------------------- the block-by-block pass
def dem_difference(
    dem_before,
    dem_after,
    boundary=None,
    *,
    params: Optional[VolumeParams] = None,
    work_dir=None,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> VolumeResult:
    """Cut and fill between two DEMs inside a boundary, by the cell and the grid method.

    Parameters
    ----------
    dem_before, dem_after : path-like
        GeoTIFF (or any GDAL raster) DEMs, heights in m (a band unit in feet is
        converted and warned), in a projected CRS.
    boundary : geopandas.GeoDataFrame or shapely geometry, optional
        Where volumes are counted (polygons, any CRS; a bare geometry is taken in the
        DEM CRS). None: wherever both DEMs have data.
    params : VolumeParams, optional
    work_dir : path-like, optional
        Folder of the staged difference raster (the output folder makes
        :meth:`VolumeResult.write` a rename); default the system temporary folder.
    progress, is_canceled : callable, optional

    Returns
    -------
    VolumeResult
        Cut, fill and net in m3 by both methods; the staged difference raster (m,
        ``z_after - z_before``, float32, nodata outside the boundary or the data).

    Raises
    ------
    InputError
        A DEM that cannot be opened, has no CRS, is geographic or rotated; a boundary
        that does not overlap the DEMs; a bad parameter.
    """
    import rasterio
    import shapely
    from rasterio.windows import Window
    from rasterio.windows import transform as window_transform

    from ..common.parallel import default_workers

    params = params or VolumeParams()
    progress = progress or no_progress
    if not (params.grid_spacing_m > 0 and math.isfinite(params.grid_spacing_m)):
        raise InputError(f"the grid spacing must be a positive number of metres, not {params.grid_spacing_m!r}")
    warnings: list = []
    pair = _pair(dem_before, dem_after, params.resampling, warnings)
    staged = None
    try:
        target = pair.target
        crs_text = target.crs.to_string()
        geometry = _boundary_geometry(boundary, target.crs)
        full = Window(0, 0, target.width, target.height)
        if geometry is not None:
            window = covering_window(geometry.bounds, target.transform)
            try:
                window = window.intersection(full)
            except Exception:  # rasterio raises WindowError when they do not meet
                window = None
            if window is None or window.width <= 0 or window.height <= 0 or not geometry.intersects(
                _box(target.bounds)
            ):
                raise InputError(Message("TERRAIN_BOUNDARY_OUTSIDE_DEM"), layer="boundary")
        else:
            window = full
        col_off, row_off = int(window.col_off), int(window.row_off)
        width, height = int(window.width), int(window.height)
        transform = window_transform(window, target.transform)
        unit_m = pair.metres
        cell_area = abs(transform.a * transform.e) * unit_m**2

        # grid-method nodes: a lattice over the boundary's extent, read from the cell holding each node
        spacing_u = params.grid_spacing_m / unit_m
        minx, miny, maxx, maxy = geometry.bounds if geometry is not None else target.bounds
        nx = int(math.floor((maxx - minx) / spacing_u + 1e-9)) + 1
        ny = int(math.floor((maxy - miny) / spacing_u + 1e-9)) + 1
        node_x = minx + spacing_u * np.arange(nx)
        node_y = maxy - spacing_u * np.arange(ny)
        node_cols = _cell_index((node_x - transform.c) / transform.a, width)
        node_rows = _cell_index((node_y - transform.f) / transform.e, height)
        cols_ok = (node_cols >= 0) & (node_cols < width)
        node_dz = np.full((ny, nx), np.nan)

        work = Path(work_dir) if work_dir is not None else Path(tempfile.gettempdir())
        work.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".cut_fill.", suffix=".part.tif", dir=work)
        os.close(fd)
        staged = Path(name)
        os.chmod(staged, 0o644)  # mkstemp makes it private; the output is an ordinary file
        profile = {
            "driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": "float32",
            "crs": target.crs, "transform": transform, "nodata": NODATA, "tiled": True,
            "blockxsize": 256, "blockysize": 256, "compress": "deflate", "zlevel": 1, "predictor": 3,
            "BIGTIFF": "IF_SAFER",
        }
        strips = strip_rows(row_off, height, int(target.block_shapes[0][0]), max(1, params.strip_cells // max(width, 1)))
        workers = params.workers or default_workers()
        if geometry is not None:
            shapely.prepare(geometry)
        handles = _ThreadPairs(dem_before, dem_after, params.resampling)

        def strip_inside(rows):
            """The boundary's mask of one strip, made on the calling thread (rasterio's rasterize
            warned spuriously, now and then, from worker threads)."""
            r0, h = rows
            return None if geometry is None else _inside(geometry, window_transform(Window(0, r0, width, h), transform),
                                                         (h, width))

        def strip_job(rows, inside):
            """Read, difference and sum one strip (on any thread, with that thread's own datasets)."""
            r0, h = rows
            own = handles.get()
            read_window = Window(col_off, row_off + r0, width, h)
            zb = own.before.read(1, window=read_window, masked=True, out_dtype="float32")
            za = own.after.read(1, window=read_window, masked=True, out_dtype="float32")
            valid = ~(np.ma.getmaskarray(zb) | np.ma.getmaskarray(za))
            dz = za.filled(np.nan) * np.float32(pair.scale_after) - zb.filled(np.nan) * np.float32(pair.scale_before)
            del za, zb
            valid &= np.isfinite(dz)
            if inside is not None:
                valid &= inside
            dz[~valid] = np.nan
            values = dz[valid]
            sums = (0.0, 0.0, 0, 0.0, 0.0)
            if values.size:
                negative = values < 0
                sums = (float(-values[negative].sum(dtype=np.float64)), float(values[~negative].sum(dtype=np.float64)),
                        int(values.size), float(-values.min()), float(values.max()))
            del values
            in_strip = np.flatnonzero((node_rows >= r0) & (node_rows < r0 + h))
            picked = dz[np.ix_(node_rows[in_strip] - r0, node_cols[cols_ok])] if in_strip.size else None
            dz[~valid] = np.float32(NODATA)
            return dz, sums, in_strip, picked

        cut = fill = 0.0
        n_cells = 0
        max_cut = max_fill = 0.0
        results = _in_order(strip_job, strips, workers, is_canceled, prepare=strip_inside)
        try:
            with rasterio.Env(GDAL_CACHEMAX=CACHE_BYTES), \
                    rasterio.open(staged, "w", **profile, num_threads=workers) as dst:
                dst.set_band_description(1, "dz = z_after - z_before (m); negative = cut, positive = fill")
                dst.set_band_unit(1, "m")
                dst.update_tags(ALGORITHM=ALGORITHM, METHOD="cell difference", RESAMPLING=pair.resampled or "none",
                                HEIGHT_DATUM="EPSG:5737")
                # in strip order whoever computed them: the sums add up in the same order every run
                for (r0, h), (dz, sums, in_strip, picked) in zip(strips, results):
                    cut += sums[0]
                    fill += sums[1]
                    n_cells += sums[2]
                    max_cut, max_fill = max(max_cut, sums[3]), max(max_fill, sums[4])
                    if picked is not None:
                        node_dz[np.ix_(in_strip, np.flatnonzero(cols_ok))] = picked
                    dst.write(dz, 1, window=Window(0, r0, width, h))
                    progress(min(1.0, (r0 + h) / height))
        finally:
            results.close()  # no strip still running (its thread waited for) before the datasets close
            handles.close()
        if n_cells == 0:
            raise InputError(Message("TERRAIN_NO_COMMON_DATA"), layer="boundary")

        grid_cut, grid_fill, squares, weights = grid_method(node_dz, params.grid_spacing_m)
        biggest = max(max_cut, max_fill)
        if biggest > params.max_difference_m:
            warnings.append(Message("TERRAIN_DIFFERENCE_TOO_LARGE", dz=biggest, limit=params.max_difference_m))
        parameters = {**asdict(params), "resampling_applied": pair.resampled or "none (same grid)",
                      "cell_size_m": abs(transform.a) * unit_m, "cell_area_m2": cell_area,
                      "grid_nodes": [ny, nx], "height_scale_before": pair.scale_before,
                      "height_scale_after": pair.scale_after}
        left, top = transform.c, transform.f
        bounds = tuple(float(v) for v in target.bounds)
        result = VolumeResult(
            cut_m3=cut * cell_area, fill_m3=fill * cell_area, area_m2=n_cells * cell_area, cell_area_m2=cell_area,
            grid_cut_m3=grid_cut, grid_fill_m3=grid_fill, grid_squares=squares, grid_node_weights=weights,
            max_cut_m=max_cut, max_fill_m=max_fill, crs=crs_text, dem_bounds=bounds, difference_path=staged,
            warnings=warnings, parameters={**parameters, "window_origin": [left, top]},
        )
        staged = None
        return result
    finally:
        if staged is not None:
            staged.unlink(missing_ok=True)
        for ds in pair.closers:
            ds.close()


def strip_rows(row_off: int, height: int, block_rows: int, rows: int) -> list:
    """Strips (first row relative to ``row_off``, rows) over ``height`` rows, cut on the file's
    block rows: about ``rows`` each, a whole number of ``block_rows`` (a tiled file's blocks are
    then decoded once, never by two strips).

    Examples
    --------
    >>> strip_rows(100, 600, 256, 209)  # absolute rows 100-256, 256-512, 512-700
    [(0, 156), (156, 256), (412, 188)]
    >>> strip_rows(0, 5, 1, 2)  # a striped file: any number of rows
    [(0, 2), (2, 2), (4, 1)]
    """
    block_rows = max(1, int(block_rows))
    step = max(block_rows, rows - rows % block_rows)
    end = row_off + height
    out = []
    start = row_off
    while start < end:
        stop = min(end, (start // step + 1) * step)
        out.append((start - row_off, stop - start))
        start = stop
    return out


INSIDE_TILE = 256
"""Side (cells) of the tiles a strip's boundary mask is decided by: inside, outside, or crossed
by the boundary (only those are rasterised)."""


def _inside(geometry, transform, shape, tile: int = INSIDE_TILE):
    """True where a cell centre of the grid lies inside ``geometry`` (prepared): an array, or
    True / False for a grid wholly inside / outside (answered without rasterising).

    A grid the boundary crosses is cut into tiles of ``tile`` cells a side; the tiles wholly
    inside or outside are filled, and only those the boundary crosses are rasterised (GDAL
    decides a cell by its centre, on the tile as on the whole grid). Rasterising whole strips
    cost 0.12 s per 2.5 Mpx strip on the calling thread, on every strip a boundary crosses."""
    from rasterio.features import geometry_mask

    def rasterised(rows, cols, tile_transform):
        return geometry_mask([geometry], out_shape=(rows.stop - rows.start, cols.stop - cols.start),
                             transform=tile_transform, invert=True)

    return centre_mask_by_tiles(geometry, transform, shape, tile, rasterised)


class _ThreadPairs:
    """One :class:`_Pair` of datasets per thread (a GDAL dataset is not shared between threads)."""

    def __init__(self, before, after, resampling):
        import threading

        self._args = (before, after, resampling)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list = []

    def get(self) -> _Pair:
        pair = getattr(self._local, "pair", None)
        if pair is None:
            pair = _pair(*self._args, [])
            self._local.pair = pair
            with self._lock:
                self._opened.append(pair)
        return pair

    def close(self) -> None:
        with self._lock:
            for pair in self._opened:
                for ds in pair.closers:
                    ds.close()
            self._opened.clear()


def _in_order(function, items, workers: int, is_canceled, prepare=None):
    """``function(item, prepare(item))`` for each item, yielded in order, at most 2 x ``workers``
    computed ahead (bounded memory); ``prepare`` runs on the calling thread as each item is
    handed out. Cancel is checked before each item is handed out and each result taken."""
    from concurrent.futures import ThreadPoolExecutor

    def prepared(item):
        return item, (prepare(item) if prepare is not None else None)

    if workers <= 1 or len(items) < 2:
        for item in items:
            check_canceled(is_canceled)
            yield function(*prepared(item))
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ree_terrain") as pool:
        pending = []
        ahead = iter(items)
        try:
            for item in ahead:
                pending.append(pool.submit(function, *prepared(item)))
                if len(pending) >= 2 * workers:
                    break
            while pending:
                check_canceled(is_canceled)
                result = pending.pop(0).result()
                nxt = next(ahead, None)
                if nxt is not None:
                    pending.append(pool.submit(function, *prepared(nxt)))
                yield result
        finally:
            for future in pending:
                future.cancel()


def covering_window(bounds, transform):
    """The window of whole cells covering ``bounds`` (x/y in the raster's CRS).

    Rounding the offsets down and then the lengths up (rasterio's ``round_offsets`` then
    ``round_lengths``) drops the fraction the offset lost: the last row or column whose
    centres still lie inside the bounds went missing. Both edges are rounded here.

    Examples
    --------
    >>> from affine import Affine
    >>> covering_window((0.8, -10.0, 10.9, 0.0), Affine(0.5, 0, 0, 0, -0.5, 0)).flatten()
    (1, 0, 21, 20)
    """
    from rasterio.windows import Window, from_bounds

    exact = from_bounds(*bounds, transform=transform)
    col0, row0 = math.floor(exact.col_off + 1e-9), math.floor(exact.row_off + 1e-9)
    col1 = math.ceil(exact.col_off + exact.width - 1e-9)
    row1 = math.ceil(exact.row_off + exact.height - 1e-9)
    return Window(col0, row0, col1 - col0, row1 - row0)


def _cell_index(position: np.ndarray, size: int) -> np.ndarray:
    """Cell holding each fractional position; a node on the far edge (within 1e-6 cell) reads the last cell."""
    index = np.floor(position).astype(np.int64)
    return np.where((index == size) & (position - size < 1e-6), size - 1, index)


def _box(bounds):
    import shapely

    return shapely.box(*bounds)


def grid_method(node_dz: np.ndarray, spacing_m: float) -> tuple[float, float, int, dict]:
    """Cut and fill by the grid (方格网) method from the height differences at its nodes.

    Parameters
    ----------
    node_dz : numpy.ndarray, shape (ny, nx)
        ``z_after - z_before`` at the nodes (m), NaN where a node is outside the
        boundary or on missing data.
    spacing_m : float
        Side of a square, m.

    Returns
    -------
    cut_m3, fill_m3 : float
        ``a^2 / 4 x sum(w_i x max(-dz_i, 0))`` and likewise for fill (m3).
    squares : int
        Squares with four valid nodes.
    weights : dict
        Number of nodes of each weight (1 corner, 2 edge, 3 re-entrant corner, 4 interior).

    Examples
    --------
    Two squares side by side, 10 m, every node 1 m lower: 2 x 100 m2 x 1 m.

    >>> dz = -np.ones((2, 3))
    >>> grid_method(dz, 10.0)
    (200.0, 0.0, 2, {1: 4, 2: 2, 3: 0, 4: 0})
    """
    valid = np.isfinite(node_dz)
    weight = np.zeros(node_dz.shape, dtype=np.int8)  # 0-4: one byte (the products below are float64 all the same)
    if node_dz.shape[0] >= 2 and node_dz.shape[1] >= 2:
        square = valid[:-1, :-1] & valid[1:, :-1] & valid[:-1, 1:] & valid[1:, 1:]
        weight[:-1, :-1] += square
        weight[1:, :-1] += square
        weight[:-1, 1:] += square
        weight[1:, 1:] += square
        squares = int(np.count_nonzero(square))
    else:
        squares = 0
    h = np.where(weight > 0, node_dz, 0.0)
    quarter = spacing_m**2 / 4.0
    cut = quarter * float((weight * np.maximum(-h, 0.0)).sum())
    fill = quarter * float((weight * np.maximum(h, 0.0)).sum())
    tally = np.bincount(weight.ravel().view(np.uint8), minlength=5)
    counts = {w: int(tally[w]) for w in (1, 2, 3, 4)}
    return cut, fill, squares, counts


def write_contours(raster_path, out_path, interval_m: float, layer: str = "contours") -> Path:
    """Contours of a difference raster every ``interval_m`` (m) with GDAL's ContourGenerate, into a GeoPackage
    (or a shapefile when ``out_path`` ends in ``.shp``).

    The line of level 0 separates cut from fill. Field ``dz_m`` holds the level (m).
    """
    from osgeo import gdal, ogr, osr

    with gdal_exceptions():  # raising inside, the process's setting restored after
        source = gdal.Open(str(raster_path))
        try:
            band = source.GetRasterBand(1)
            srs = osr.SpatialReference()
            srs.ImportFromWkt(source.GetProjection())
            driver = ogr.GetDriverByName("ESRI Shapefile" if Path(out_path).suffix.lower() == ".shp" else "GPKG")
            out = driver.CreateDataSource(str(out_path))
            try:
                lines = out.CreateLayer(layer, srs, ogr.wkbLineString)
                lines.CreateField(ogr.FieldDefn("id", ogr.OFTInteger))
                lines.CreateField(ogr.FieldDefn("dz_m", ogr.OFTReal))
                nodata = band.GetNoDataValue()
                gdal.ContourGenerate(band, float(interval_m), 0.0, [], 1 if nodata is not None else 0,
                                     nodata if nodata is not None else 0.0, lines, 0, 1)
            finally:
                out = None  # noqa: F841 - closes the GeoPackage
        finally:
            source = None  # noqa: F841
    return Path(out_path)
