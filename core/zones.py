"""Functional zones of an in-situ leaching case: PREP, INJ, COLL (incl. flow-through), SETL.

The seed (appendix table of the guideline's explanatory notes, DOMAIN.md "Survey rules")
divides a case into four functional areas: 浸矿剂配制区 (PREP), 注孔区 (INJ),
浸出液收集区（含浸出液流经区） (COLL) and 浸出液沉淀区 (SETL). :func:`functional_zones`
draws them from the mapped features and, where a DEM is given, from the downslope path
of the leachate.

How each zone is drawn (all distances in metres in the CGCS2000 Gauss-Kruger zone CRS;
every value is a **[default]** of :class:`ZoneParams`, recorded in the result):

* INJ: buffered union of the injection holes (``hole_buffer_m`` = 5 m: wetting radius
  of a hole, about 1-2 m, plus the 3-5 m error of a handheld GPS that mapped the holes),
  closed morphologically with radius ``hole_gap_m / 2`` (``hole_gap_m`` = 20 m: holes
  less than 20 m apart belong to one hole field; hole spacing in the field is 2-3 m with
  rows a few metres apart). It follows the hole field like an alpha shape, never a box.
* PREP: preparation pools plus a ``pool_buffer_m`` = 2 m band (polygons), or a disc of
  ``pool_point_radius_m`` = 2 m around a pool mapped as a point (the point is taken as
  the pool; map pools as polygons where their outline is known).
* SETL: settling ponds plus a ``pond_buffer_m`` = 2 m band.
* COLL: collection ditches/pipes plus a ``ditch_buffer_m`` = 2 m band, and the
  flow-through area. The 2 m bands follow the seed's rule that points serving ponds and
  ditches lie within 2 m of them (原则上不超过池体或沟渠2 m范围): every soil point of
  such a zone can then meet it.
* Flow-through (part of COLL, DEM needed): D8 flow routing (O'Callaghan & Mark 1984) on
  the depression-filled DEM, traced from every INJ cell downslope until it reaches a
  ditch or pond band or leaves the case boundary, widened by ``flow_buffer_m`` = 2 m
  (about one DEM cell of positional error). Depressions are filled to their spill level
  (the minimax path to the DEM edge, computed from a minimum spanning tree of the cell
  graph, which gives the priority-flood result of Barnes et al. 2014) and drained along
  that tree toward the spill point, so the path never stops in a spurious pit.

Zones do not overlap. Where they would, the priority ``SETL > PREP > INJ > COLL``
decides (``ZoneParams.priority``): small concentrated sources first, so that their 2 m
bank points exist; then the hole field; COLL (collection and flow-through) takes what
is left. All zones are clipped to the case boundary.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .crs import GaussKrugerZone, epsg_crs, to_zone, zone_for_extent
from .errors import InputError
from .progress import Steps, check_canceled

ZONE_CODES = ("PREP", "INJ", "COLL", "SETL")
"""The four functional areas, in the order of the seed (and of sample ids)."""

ZONE_NAMES = {
    "PREP": ("浸矿剂配制区", "leaching-agent preparation area"),
    "INJ": ("注孔区", "injection hole area"),
    "COLL": ("浸出液收集区（含浸出液流经区）", "leachate collection area (incl. flow-through area)"),
    "SETL": ("浸出液沉淀区", "leachate precipitation (settling) area"),
    "CTRL": ("对照区", "control (reference) area"),
}
"""Zone code -> (Chinese name, English name); ``CTRL`` is the control area."""

DEFAULT_PRIORITY = ("SETL", "PREP", "INJ", "COLL")
"""Overlap priority, highest first."""

SOURCE_ZONE = {"hole": "INJ", "pool": "PREP", "ditch": "COLL", "pond": "SETL", "flow": "COLL"}
"""Source type -> the zone whose points it serves."""

SOURCE_NAMES = {
    "hole": ("注液孔", "injection hole"),
    "pool": ("配液池", "preparation pool"),
    "ditch": ("集液沟/管", "collection ditch/pipe"),
    "pond": ("沉淀池", "settling pond"),
    "flow": ("浸出液流经路径", "leachate flow path"),
}

PARAM_SOURCES = {
    "hole_buffer_m": "[default] wetting radius of an injection hole (1-2 m) plus handheld-GPS error (3-5 m)",
    "hole_gap_m": "[default] holes closer than this form one hole field (hole spacing 2-3 m, rows a few m apart)",
    "pool_buffer_m": "[seed] points serving pools/ponds lie within 2 m of them (appendix table, item 1(2))",
    "pool_point_radius_m": "[seed] the 2 m rule around a pool mapped as a point (the point stands for the pool)",
    "ditch_buffer_m": "[seed] points serving ditches lie within 2 m of them (appendix table, item 1(2))",
    "pond_buffer_m": "[seed] points serving ponds lie within 2 m of them (appendix table, item 1(2))",
    "flow_buffer_m": "[default] about one DEM cell of positional error either side of the D8 path",
    "priority": "[default] small concentrated sources first, then the hole field, COLL takes the rest",
    "pool_depth_m": "[default] typical depth of a leaching-agent preparation pool",
    "pond_depth_m": "[default] typical depth of a leachate settling pond",
    "ditch_depth_m": "[default] typical depth of a collection ditch (pipes are laid at about this depth)",
    "dem_max_cells": "[default] bound on the routing grid; a finer DEM is resampled (average) to fit",
}
"""Where each default of :class:`ZoneParams` comes from (for the help text and provenance)."""

_LAYER_ZONE = {"holes": "INJ", "pools": "PREP", "ditches": "COLL", "ponds": "SETL"}

_POINT_TYPES = (0, 4)  # Point, MultiPoint
_LINE_TYPES = (1, 5)  # LineString, MultiLineString
_POLY_TYPES = (3, 6)  # Polygon, MultiPolygon
_TYPE_WORDS = {_POINT_TYPES: "points", _LINE_TYPES: "lines", _POLY_TYPES: "polygons"}


@dataclass(frozen=True)
class ZoneParams:
    """Parameters of :func:`functional_zones` (distances in m, depths in m below ground).

    See the module docstring and :data:`PARAM_SOURCES` for the justification of each default.
    """

    hole_buffer_m: float = 5.0
    hole_gap_m: float = 20.0
    pool_buffer_m: float = 2.0
    pool_point_radius_m: float = 2.0
    ditch_buffer_m: float = 2.0
    pond_buffer_m: float = 2.0
    flow_buffer_m: float = 2.0
    priority: tuple = DEFAULT_PRIORITY
    hole_depth_field: str = "depth_m"
    default_hole_depth_m: Optional[float] = None
    pool_depth_field: Optional[str] = "depth_m"
    pond_depth_field: Optional[str] = "depth_m"
    ditch_depth_field: Optional[str] = "depth_m"
    pool_depth_m: float = 1.5
    pond_depth_m: float = 2.0
    ditch_depth_m: float = 0.5
    max_depth_m: float = 100.0
    dem_max_cells: int = 500_000
    dem_min_cell_m: float = 1.0
    quad_segs: int = 8


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


@dataclass
class FlowRouting:
    """The downslope leachate path from INJ (the flow-through part of COLL).

    Attributes
    ----------
    accumulation : numpy.ndarray of int32
        Number of INJ cells whose D8 path passes through each cell (0 elsewhere).
    transform : affine.Affine
        Grid of ``accumulation`` in the zone CRS.
    crs : str
        ``"EPSG:<code>"`` of the zone CRS.
    cell_size_m : float
        Routing cell size, m.
    method : str
        Name of the routing method, for the log and the provenance.
    paths : geopandas.GeoDataFrame
        The flow-through polygon inside the case boundary (``area_m2``, ``max_cells``).
    n_reaching_targets, n_leaving_case : int
        Path ends that reached a ditch/pond band, and that left the case boundary or the DEM.
    """

    accumulation: np.ndarray
    transform: Any
    crs: str
    cell_size_m: float
    method: str
    paths: Any
    n_reaching_targets: int = 0
    n_leaving_case: int = 0


@dataclass
class ZonesResult:
    """What :func:`functional_zones` returns.

    Attributes
    ----------
    zones : geopandas.GeoDataFrame
        One row per non-empty zone, in :data:`ZONE_CODES` order. Fields: ``zone``,
        ``name_zh``, ``name_en``, ``area_m2``, ``priority`` (1 = wins overlaps),
        ``method``, ``n_sources``, ``sources`` (e.g. ``"holes:1-40,52; ditches:3"``).
    sources : geopandas.GeoDataFrame
        The potential pollution sources the sampling grid moves points toward: fields
        ``source_type`` (hole, pool, ditch, pond, flow), ``source_layer``, ``source_id``
        (str), ``zone`` (zone it serves), ``bottom_m`` (depth of the hole, pool, pond or
        ditch bottom below ground, m; 0 for flow cells), ``weight`` (flow cells: number of
        INJ cells draining through; 1 otherwise).
    boundary : geopandas.GeoDataFrame
        The case boundary (one row, dissolved) with ``case_area_m2``.
    flow : FlowRouting or None
        The flow routing, when a DEM was given and covered the case.
    zone_crs : GaussKrugerZone
        The CRS of every output.
    warnings : list of str
        Repairs, clippings and decisions, for the log.
    parameters : dict
        Every parameter used, defaults included.
    """

    zones: Any
    sources: Any
    boundary: Any
    flow: Optional[FlowRouting]
    zone_crs: GaussKrugerZone
    warnings: list = field(default_factory=list)
    parameters: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- input checks


def _ids_text(ids, limit: int = 10) -> str:
    ids = list(ids)
    text = ", ".join(str(i) for i in ids[:limit])
    return text + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def compact_ids(ids) -> str:
    """Write feature ids compactly: runs of consecutive integers become ranges.

    Examples
    --------
    >>> compact_ids([1, 2, 3, 5, 7, 8])
    '1-3,5,7-8'
    >>> compact_ids(["a", "b"])
    'a,b'
    """
    values = list(ids)
    try:
        ints = sorted({int(v) for v in values})
        if [str(i) for i in ints] != sorted({str(v) for v in values}, key=int):
            raise ValueError
    except (TypeError, ValueError):
        return ",".join(sorted({str(v) for v in values}))
    parts = []
    start = prev = None
    for i in ints:
        if start is None:
            start = prev = i
        elif i == prev + 1:
            prev = i
        else:
            parts.append(f"{start}-{prev}" if prev > start else f"{start}")
            start = prev = i
    if start is not None:
        parts.append(f"{start}-{prev}" if prev > start else f"{start}")
    return ",".join(parts)


def _polygonal(geom):
    """Keep only the polygonal parts of a geometry (after overlay or make_valid)."""
    if geom is None or shapely.is_empty(geom):
        return shapely.MultiPolygon()
    parts = shapely.get_parts(geom)
    keep = [p for p in parts if shapely.get_type_id(p) in _POLY_TYPES]
    flat = []
    for p in keep:
        flat.extend(shapely.get_parts(p))
    return shapely.MultiPolygon(flat) if flat else shapely.MultiPolygon()


def _keep_dimension(geom, allowed):
    """Keep the parts of a repaired geometry that have the allowed type."""
    parts = shapely.get_parts(geom)
    keep = [p for p in parts if shapely.get_type_id(p) in allowed]
    if not keep:
        return None
    return keep[0] if len(keep) == 1 else shapely.union_all(keep)


def prepare_layer(gdf, layer: str, allowed, zone: GaussKrugerZone, warnings: list, boundary=None):
    """Check one input layer and bring it into the zone CRS.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame or None
        The layer; its index holds the feature ids named in messages.
    layer : str
        Layer name for messages.
    allowed : tuple of tuple of int
        Allowed shapely type-id groups, e.g. ``(_POLY_TYPES,)``.
    zone : GaussKrugerZone
        Target CRS.
    warnings : list of str
        Receives repair and clipping notes.
    boundary : shapely geometry, optional
        Features wholly outside it are refused; partly outside ones are reported.

    Returns
    -------
    geopandas.GeoDataFrame or None
        2-D, valid geometries in the zone CRS, index unchanged.

    Raises
    ------
    InputError
        Empty layer, no CRS, missing or wrong geometry, unrepairable geometry, or
        features wholly outside the boundary; the message names the feature ids.
    """
    if gdf is None:
        return None
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError("expected a layer (GeoDataFrame)", layer=layer)
    if len(gdf) == 0:
        raise InputError("the layer has no features; leave the input out if there are none", layer=layer)
    if gdf.crs is None:
        raise InputError("the layer has no coordinate reference system", layer=layer)
    if gdf.crs.is_geographic:
        warnings.append(
            f"{layer}: geographic CRS {gdf.crs.to_string()} reprojected to {zone.authid} for metric work"
        )
    if gdf.crs.to_epsg() != zone.epsg:
        gdf = gdf.to_crs(zone.epsg)
    gdf = gdf.copy()
    ids = gdf.index.to_numpy()
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        bad = ids[missing]
        raise InputError(
            f"{missing.sum()} feature(s) have no geometry: {_ids_text(bad)}", layer=layer, feature=bad[0]
        )
    extra = shapely.has_z(geoms)
    if shapely.geos_version >= (3, 12, 0) and hasattr(shapely, "has_m"):  # M exists from GEOS 3.12
        extra |= shapely.has_m(geoms)
    if extra.any():  # 2-D layers (the rule) keep their geometries: no 10^4 copies
        geoms = shapely.force_2d(geoms)
    types = shapely.get_type_id(geoms)
    allowed_ids = [t for group in allowed for t in group]
    wrong = ~np.isin(types, allowed_ids)
    if wrong.any():
        bad = ids[wrong]
        expected = " or ".join(_TYPE_WORDS[g] for g in allowed)
        found = shapely.get_type_id(geoms[wrong][0])
        names = {
            0: "point",
            1: "line",
            2: "ring",
            3: "polygon",
            4: "multipoint",
            5: "multiline",
            6: "multipolygon",
            7: "collection",
        }
        raise InputError(
            f"wrong geometry type ({names.get(int(found), found)}); expected {expected}: feature(s) {_ids_text(bad)}",
            layer=layer,
            feature=bad[0],
        )
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        repaired_ids = []
        for pos in np.flatnonzero(invalid):
            fixed = shapely.make_valid(geoms[pos])
            fixed = _keep_dimension(fixed, allowed_ids)
            if fixed is None or shapely.is_empty(fixed):
                raise InputError(
                    "invalid geometry that cannot be repaired (it collapses when made valid)",
                    layer=layer,
                    feature=ids[pos],
                )
            geoms[pos] = fixed
            repaired_ids.append(ids[pos])
        warnings.append(
            f"{layer}: repaired {len(repaired_ids)} invalid geometr{'y' if len(repaired_ids) == 1 else 'ies'} (make_valid): feature(s) {_ids_text(repaired_ids)}"
        )
    if boundary is not None:
        shapely.prepare(boundary)
        outside = ~shapely.intersects(boundary, geoms)
        if outside.any():
            bad = ids[outside]
            raise InputError(
                f"{outside.sum()} feature(s) lie wholly outside the case boundary (wrong layer or CRS?): {_ids_text(bad)}",
                layer=layer,
                feature=bad[0],
            )
        partial = ~shapely.covered_by(geoms, boundary)
        if partial.any():
            warnings.append(
                f"{layer}: {partial.sum()} feature(s) reach beyond the case boundary; their zones are clipped to it: {_ids_text(ids[partial])}"
            )
    gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=epsg_crs(zone.epsg)))
    return gdf


def _depths(
    gdf,
    layer: str,
    field_name: Optional[str],
    default: Optional[float],
    max_depth: float,
    warnings: list,
    required: bool,
):
    """Bottom depth (m below ground) per feature from a field, or a default."""
    ids = gdf.index.to_numpy()
    if field_name and field_name in gdf.columns:
        values = pd.to_numeric(gdf[field_name], errors="coerce").to_numpy(dtype=float)
        raw = gdf[field_name].to_numpy()
        notnum = np.isnan(values) & pd.notna(raw)
        if notnum.any():
            bad = ids[notnum]
            raise InputError(
                f"depth is not a number: feature(s) {_ids_text(bad)}",
                layer=layer,
                feature=bad[0],
                column=field_name,
            )
        bad_range = ~np.isnan(values) & ((values <= 0) | (values > max_depth))
        if bad_range.any():
            bad = ids[bad_range]
            raise InputError(
                f"depth must be above 0 and at most {max_depth:g} m, got {values[bad_range][0]:g}: feature(s) {_ids_text(bad)}",
                layer=layer,
                feature=bad[0],
                column=field_name,
            )
        missing = np.isnan(values)
        if missing.any():
            if default is None:
                bad = ids[missing]
                raise InputError(
                    f"depth is missing: feature(s) {_ids_text(bad)}",
                    layer=layer,
                    feature=bad[0],
                    column=field_name,
                )
            warnings.append(
                f"{layer}: depth missing for {missing.sum()} feature(s), default {default:g} m used: {_ids_text(ids[missing])}"
            )
            values[missing] = default
        return values
    if required and default is None:
        raise InputError(
            f"the depth field '{field_name}' is missing; it is needed for the depth rule (hole bottom + 3 m)",
            layer=layer,
            column=field_name,
        )
    if field_name and required:
        warnings.append(
            f"{layer}: no field '{field_name}', default depth {default:g} m used for every feature"
        )
    return np.full(len(gdf), float(default))


# --------------------------------------------------------------------------- DEM and D8


def _dem_grid(dem, zone: GaussKrugerZone, bounds, params: ZoneParams, warnings: list):
    """Resample the DEM onto a grid in the zone CRS covering ``bounds``; NaN is no-data."""
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
        left, top = src_transform * (0, 0)
        right, bottom = src_transform * (width, height)
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
        res = max(native, params.dem_min_cell_m, math.sqrt(area / max(params.dem_max_cells, 1)))
        if res > native * 1.01:
            warnings.append(
                f"DEM: resampled from about {native:.2f} m to {res:.2f} m cells for routing (dem_max_cells={params.dem_max_cells})"
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


def fill_and_route(z: np.ndarray, cell_size: float):
    """D8 receivers on a depression-filled DEM.

    Parameters
    ----------
    z : numpy.ndarray
        Heights (m), NaN for no-data (treated as outlets: flow leaves the DEM there).
    cell_size : float
        Cell size, m (square cells).

    Returns
    -------
    receivers : numpy.ndarray of int64
        Flat index of each cell's downslope receiver, -1 where flow leaves the grid.
    filled : numpy.ndarray
        Heights with depressions filled to their spill level, m.

    Notes
    -----
    The filled height of a cell is the lowest possible maximum height along any path to
    the grid edge (or a no-data cell). It is read from the minimum spanning tree of the
    8-connected cell graph with edge weight ``max(z_a, z_b)`` plus an outlet node tied to
    every edge cell: the tree path is a minimax path (pointer doubling gives each cell the
    maximum along it in log2(n) vectorised steps). A cell with a strictly lower neighbour
    on the filled surface drains to the steepest one (D8, distance-weighted drop); a cell
    on a flat or in a filled depression drains to its parent in the tree, toward the
    spill point. Heights never rise along a path and the tree has no cycle, so every
    path ends at an outlet.

    Examples
    --------
    >>> z = np.array([[3., 3., 3.], [3., 1., 2.], [3., 3., 3.]])
    >>> rec, filled = fill_and_route(z, 1.0)
    >>> float(filled[1, 1])   # the pit fills to its spill level, the east edge cell
    2.0
    >>> int(rec[4]) == 5      # and drains over that spill cell
    True
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import breadth_first_order, minimum_spanning_tree

    rows, cols = z.shape
    n = rows * cols
    valid = np.isfinite(z)
    if not valid.any():
        raise InputError("the DEM holds no valid heights over the case area", layer="dem")
    zmin = float(np.nanmin(z))
    zz = np.where(valid, z, zmin - 1.0).ravel()
    idx = np.arange(n, dtype=np.int64).reshape(rows, cols)
    pairs = [
        (idx[:, :-1], idx[:, 1:]),
        (idx[:-1, :], idx[1:, :]),
        (idx[:-1, :-1], idx[1:, 1:]),
        (idx[:-1, 1:], idx[1:, :-1]),
    ]
    a = np.concatenate([p[0].ravel() for p in pairs])
    b = np.concatenate([p[1].ravel() for p in pairs])
    base = zmin - 2.0  # weights must be > 0: csgraph drops zero entries
    w = np.maximum(zz[a], zz[b]) - base
    edge = np.zeros((rows, cols), dtype=bool)
    edge[0, :] = edge[-1, :] = edge[:, 0] = edge[:, -1] = True
    edge |= ~valid
    outs = idx[edge]
    outlet = n
    a = np.concatenate([a, outs])
    b = np.concatenate([b, np.full(outs.size, outlet, dtype=np.int64)])
    w = np.concatenate([w, zz[outs] - base])
    graph = coo_matrix((w, (a, b)), shape=(n + 1, n + 1)).tocsr()
    del a, b, w
    tree = minimum_spanning_tree(graph)
    del graph
    _, pred = breadth_first_order(tree, outlet, directed=False, return_predecessors=True)
    del tree
    parent = pred.astype(np.int64)
    parent[outlet] = outlet
    if (parent[:n] < 0).any():  # cannot happen on a connected grid; guard anyway
        parent[:n][parent[:n] < 0] = outlet
    zext = np.concatenate([zz, [-np.inf]])
    m = np.maximum(zext, zext[parent])
    m[outlet] = -np.inf
    p = parent.copy()
    for _ in range(int(math.ceil(math.log2(n + 1))) + 1):
        m = np.maximum(m, m[p])
        p = p[p]
    filled = m[:n].reshape(rows, cols)
    # D8 on the filled surface
    pad = np.pad(filled, 1, constant_values=np.inf)
    best = np.zeros((rows, cols))
    best_k = np.full((rows, cols), -1, dtype=np.int64)
    offsets = ((-1, 0), (0, 1), (1, 0), (0, -1), (-1, 1), (1, 1), (1, -1), (-1, -1))
    for k, (dr, dc) in enumerate(offsets):
        nb = pad[1 + dr : 1 + dr + rows, 1 + dc : 1 + dc + cols]
        drop = (filled - nb) / (cell_size * (math.sqrt(2.0) if dr and dc else 1.0))
        better = drop > best
        best[better] = drop[better]
        best_k[better] = k
    dr = np.array([o[0] for o in offsets] + [0])[best_k]
    dc = np.array([o[1] for o in offsets] + [0])[best_k]
    receivers = (idx + dr * cols + dc).ravel()
    flat = best_k.ravel() < 0
    tree_parent = parent[:n]
    receivers[flat] = np.where(tree_parent[flat] == outlet, -1, tree_parent[flat])
    receivers[~valid.ravel()] = -1
    return receivers, filled


def trace_downslope(receivers: np.ndarray, start: np.ndarray, stop: np.ndarray, is_canceled=None):
    """Follow D8 receivers from start cells; count how many start cells pass each cell.

    Parameters
    ----------
    receivers : numpy.ndarray of int64
        From :func:`fill_and_route` (flat indices, -1 = outlet).
    start : numpy.ndarray of bool
        Flat mask of cells the leachate starts from (INJ).
    stop : numpy.ndarray of bool
        Flat mask of cells where a path ends after entering (ditch/pond bands, outside
        the case boundary).

    Returns
    -------
    counts : numpy.ndarray of int64
        Per cell, number of start cells whose path passes it (start cells count themselves).
    ended_at_stop, ended_at_outlet : int
        Number of distinct path ends in stop cells and at outlets.

    Examples
    --------
    >>> rec = np.array([1, 2, -1])
    >>> trace_downslope(rec, np.array([True, False, False]), np.zeros(3, bool))[0].tolist()
    [1, 1, 1]
    """
    n = receivers.size
    counts = np.zeros(n, dtype=np.int64)
    front = np.flatnonzero(start)
    weight = np.ones(front.size, dtype=np.int64)
    at_stop = set()
    at_outlet = 0
    steps = 0
    while front.size:
        counts[front] += weight  # front holds unique cells
        halt = stop[front] & ~start[front]
        if halt.any():
            at_stop.update(front[halt].tolist())
        nxt = receivers[front]
        out = nxt < 0
        at_outlet += int(np.count_nonzero(out & ~halt))
        keep = ~halt & ~out
        front, inverse = np.unique(nxt[keep], return_inverse=True)
        weight = np.bincount(inverse, weights=weight[keep]).astype(np.int64) if front.size else weight[:0]
        steps += 1
        if steps % 256 == 0:
            check_canceled(is_canceled)
        if steps > n:  # a receiver cycle would be a bug; never loop forever
            raise RuntimeError("flow routing did not terminate")
    return counts, len(at_stop), at_outlet


def _flow_through(dem, zone, boundary, inj, targets, params, warnings, is_canceled):
    """The flow-through polygon and flow-cell sources from the DEM (None if not possible)."""
    from rasterio import features

    z, transform, res = _dem_grid(dem, zone, boundary.bounds, params, warnings)
    shape = z.shape
    inside = features.rasterize(
        [(boundary, 1)], out_shape=shape, transform=transform, fill=0, dtype="uint8"
    ).astype(bool)
    valid_in = np.isfinite(z) & inside
    if not valid_in.any():
        warnings.append("DEM does not cover the case area: flow-through part of COLL not mapped")
        return None
    coverage = valid_in.sum() / max(inside.sum(), 1)
    if coverage < 0.99:
        warnings.append(f"DEM covers {coverage:.0%} of the case area; no flow is routed over the gap")
    check_canceled(is_canceled)
    receivers, _ = fill_and_route(z, res)
    check_canceled(is_canceled)
    start = features.rasterize(
        [(inj, 1)], out_shape=shape, transform=transform, fill=0, dtype="uint8"
    ).astype(bool)
    if not start.any():
        start = features.rasterize(
            [(inj, 1)], out_shape=shape, transform=transform, fill=0, dtype="uint8", all_touched=True
        ).astype(bool)
    start &= np.isfinite(z)
    stop = ~inside
    if targets is not None and not shapely.is_empty(targets):
        stop |= features.rasterize(
            [(targets, 1)], out_shape=shape, transform=transform, fill=0, dtype="uint8", all_touched=True
        ).astype(bool)
    counts, n_stop, n_out = trace_downslope(receivers, start.ravel(), stop.ravel(), is_canceled)
    acc = counts.reshape(shape).astype(np.int32)
    acc[~inside] = 0
    path = (acc > 0) & ~start
    method = (
        f"D8 (O'Callaghan & Mark 1984) on the depression-filled DEM (minimax/spanning-tree fill, "
        f"flats drained to the spill point), {res:.2f} m cells, traced from {int(start.sum())} INJ cells"
    )
    if not path.any():
        warnings.append(
            "DEM: the leachate path from INJ does not leave the injection zone inside the case boundary"
        )
        poly = shapely.MultiPolygon()
    else:
        shapes = [
            shapely.geometry.shape(g)
            for g, v in features.shapes(path.astype("uint8"), mask=path, transform=transform)
            if v
        ]
        poly = shapely.union_all(shapes)
        if params.flow_buffer_m > 0:
            poly = shapely.buffer(poly, params.flow_buffer_m, quad_segs=params.quad_segs)
        poly = _polygonal(shapely.intersection(poly, boundary))
    if n_out:
        warnings.append(
            f"DEM: {n_out} leachate path(s) leave the case boundary or the DEM without reaching a ditch or pond"
        )
    paths = gpd.GeoDataFrame(
        {
            "area_m2": [round(float(shapely.area(poly)), 2)],
            "max_cells": [int(acc[path].max()) if path.any() else 0],
        },
        geometry=[poly],
        crs=zone.epsg,
    )
    rr, cc = np.nonzero(path)
    xs, ys = transform * (cc + 0.5, rr + 0.5)
    cells = gpd.GeoDataFrame(
        {
            "source_id": [f"r{r}c{c}" for r, c in zip(rr.tolist(), cc.tolist())],
            "weight": acc[rr, cc].astype(float),
        },
        geometry=shapely.points(np.asarray(xs), np.asarray(ys)),
        crs=zone.epsg,
    )
    flow = FlowRouting(acc, transform, zone.authid, float(res), method, paths, n_stop, n_out)
    return flow, poly, cells


# --------------------------------------------------------------------------- the zones


def _union(geoms):
    arr = np.asarray(list(geoms) if not isinstance(geoms, np.ndarray) else geoms, dtype=object)
    arr = arr[~shapely.is_missing(arr)]
    arr = arr[~shapely.is_empty(arr)]
    return shapely.union_all(arr) if arr.size else shapely.MultiPolygon()


def _clean(geom, min_area=0.01):
    """Polygonal parts with an area above ``min_area`` m2 (drops overlay slivers)."""
    poly = _polygonal(geom)
    parts = shapely.get_parts(poly)
    parts = parts[shapely.area(parts) > min_area]
    return shapely.MultiPolygon(list(parts)) if parts.size else shapely.MultiPolygon()


def functional_zones(
    boundary,
    holes=None,
    pools=None,
    ditches=None,
    ponds=None,
    dem=None,
    *,
    params: Optional[ZoneParams] = None,
    zone: Optional[GaussKrugerZone] = None,
    progress=None,
    is_canceled=None,
) -> ZonesResult:
    """Zone a case into PREP, INJ, COLL (incl. flow-through) and SETL.

    Parameters
    ----------
    boundary : geopandas.GeoDataFrame
        Case boundary, polygons (dissolved into one).
    holes : geopandas.GeoDataFrame, optional
        Injection holes, points, with the hole depth (m) in ``params.hole_depth_field``.
    pools : geopandas.GeoDataFrame, optional
        Leaching-agent preparation pools, polygons or points.
    ditches : geopandas.GeoDataFrame, optional
        Leachate collection ditches and pipes, lines.
    ponds : geopandas.GeoDataFrame, optional
        Settling (precipitation) ponds, polygons.
    dem : str, pathlib.Path or Dem, optional
        DEM for the flow-through part of COLL (D8 routing from INJ).
    params : ZoneParams, optional
        Buffer distances, priority, depth fields and defaults.
    zone : GaussKrugerZone, optional
        Output CRS; by default the CGCS2000 3-degree zone of the boundary's centre.
    progress, is_canceled : callable, optional
        Progress (fraction 0-1) and cancellation callbacks.

    Returns
    -------
    ZonesResult
        Zones, sources, boundary, flow routing, warnings, parameters (see the class).

    Raises
    ------
    InputError
        Empty layer, no CRS, wrong geometry type, unrepairable geometry, a feature wholly
        outside the boundary, bad depths, no source layer at all; the message names the
        layer and the feature.
    """
    params = params or ZoneParams()
    _check_params(params)
    warnings: list = []
    steps = Steps(progress, [1, 1, 6, 1])
    if boundary is None:
        raise InputError("the case boundary is required", layer="boundary")
    if isinstance(boundary, gpd.GeoDataFrame) and len(boundary) and boundary.crs is not None and zone is None:
        zone = zone_for_extent(tuple(boundary.total_bounds), boundary.crs)
    if zone is None:
        _, zone = to_zone(boundary, layer="boundary")  # raises the right InputError
    bnd = prepare_layer(boundary, "boundary", (_POLY_TYPES,), zone, warnings)
    case = _polygonal(shapely.union_all(np.asarray(bnd.geometry.array)))
    if shapely.area(case) <= 0:
        raise InputError("the case boundary has no area", layer="boundary")
    shapely.prepare(case)
    layers = {
        "holes": prepare_layer(holes, "holes", (_POINT_TYPES,), zone, warnings, case),
        "pools": prepare_layer(pools, "pools", (_POLY_TYPES, _POINT_TYPES), zone, warnings, case),
        "ditches": prepare_layer(ditches, "ditches", (_LINE_TYPES,), zone, warnings, case),
        "ponds": prepare_layer(ponds, "ponds", (_POLY_TYPES,), zone, warnings, case),
    }
    if all(v is None for v in layers.values()):
        raise InputError("no source layer given: at least one of holes, pools, ditches or ponds is needed")
    steps.stage(0)(1.0)
    check_canceled(is_canceled)

    q = params.quad_segs
    src_frames = []
    bands = {}  # layer -> (ids, band geometries)
    raw = {code: shapely.MultiPolygon() for code in ZONE_CODES}
    methods = {code: "" for code in ZONE_CODES}

    if layers["holes"] is not None:
        gdf = layers["holes"]
        depth = _depths(
            gdf,
            "holes",
            params.hole_depth_field,
            params.default_hole_depth_m,
            params.max_depth_m,
            warnings,
            True,
        )
        gdf = gdf.assign(_depth=depth).explode(index_parts=False)
        pts = np.asarray(gdf.geometry.array)
        close = params.hole_gap_m / 2.0
        # union of single buffers (cascaded): a MultiPoint buffer is 30x slower on 10^4 holes
        hole_band = shapely.buffer(pts, params.hole_buffer_m, quad_segs=q)
        grown = _union(shapely.buffer(pts, params.hole_buffer_m + close, quad_segs=q)) if close > 0 else None
        # closing: grow by hole_buffer + gap/2, shrink by gap/2 less 0.1 m, which keeps every
        # 5 m hole disc inside despite the chords of the polygonal buffers (< 0.08 m)
        shrink = max(close - 0.1, 0.0)
        raw["INJ"] = shapely.buffer(grown, -shrink, quad_segs=q) if close > 0 else _union(hole_band)
        methods["INJ"] = (
            f"holes buffered {params.hole_buffer_m:g} m, closed over gaps < {params.hole_gap_m:g} m"
        )
        bands["holes"] = (gdf.index.to_numpy(), hole_band)
        src_frames.append(_sources(gdf, "hole", "holes", gdf["_depth"].to_numpy(), zone))
    if layers["pools"] is not None:
        gdf = layers["pools"]
        depth = _depths(
            gdf, "pools", params.pool_depth_field, params.pool_depth_m, params.max_depth_m, warnings, False
        )
        geoms = np.asarray(gdf.geometry.array)
        is_pt = np.isin(shapely.get_type_id(geoms), _POINT_TYPES)
        dist = np.where(is_pt, params.pool_point_radius_m, params.pool_buffer_m)
        band = shapely.buffer(geoms, dist, quad_segs=q)
        raw["PREP"] = _union(band)
        methods["PREP"] = (
            f"pools + {params.pool_buffer_m:g} m band (pool points: {params.pool_point_radius_m:g} m disc)"
        )
        bands["pools"] = (gdf.index.to_numpy(), band)
        src_frames.append(_sources(gdf, "pool", "pools", depth, zone))
    if layers["ditches"] is not None:
        gdf = layers["ditches"]
        depth = _depths(
            gdf,
            "ditches",
            params.ditch_depth_field,
            params.ditch_depth_m,
            params.max_depth_m,
            warnings,
            False,
        )
        band = shapely.buffer(np.asarray(gdf.geometry.array), params.ditch_buffer_m, quad_segs=q)
        raw["COLL"] = _union(band)
        methods["COLL"] = f"ditches/pipes + {params.ditch_buffer_m:g} m band"
        bands["ditches"] = (gdf.index.to_numpy(), band)
        src_frames.append(_sources(gdf, "ditch", "ditches", depth, zone))
    if layers["ponds"] is not None:
        gdf = layers["ponds"]
        depth = _depths(
            gdf, "ponds", params.pond_depth_field, params.pond_depth_m, params.max_depth_m, warnings, False
        )
        band = shapely.buffer(np.asarray(gdf.geometry.array), params.pond_buffer_m, quad_segs=q)
        raw["SETL"] = _union(band)
        methods["SETL"] = f"ponds + {params.pond_buffer_m:g} m band"
        bands["ponds"] = (gdf.index.to_numpy(), band)
        src_frames.append(_sources(gdf, "pond", "ponds", depth, zone))
    for code in ZONE_CODES:
        raw[code] = _clean(shapely.intersection(raw[code], case))
    steps.stage(1)(1.0)
    check_canceled(is_canceled)

    flow = None
    flow_cells = None
    if dem is not None:
        if shapely.is_empty(raw["INJ"]):
            warnings.append(
                "DEM given but no injection holes: the flow-through path starts from INJ, so it is not mapped"
            )
        else:
            targets = _union([raw["COLL"], raw["SETL"]])
            routed = _flow_through(dem, zone, case, raw["INJ"], targets, params, warnings, is_canceled)
            if routed is not None:
                flow, flow_poly, flow_cells = routed
                if not shapely.is_empty(flow_poly):
                    raw["COLL"] = _clean(_union([raw["COLL"], flow_poly]))
                    methods["COLL"] = "; ".join(
                        m for m in (methods["COLL"], "flow-through: " + flow.method) if m
                    )
    else:
        warnings.append("no DEM: COLL holds the ditch/pipe bands only; the flow-through area is not mapped")
    steps.stage(2)(1.0)
    check_canceled(is_canceled)

    # priority: higher zones are cut out of lower ones
    final = {}
    taken = shapely.MultiPolygon()
    for code in params.priority:
        final[code] = (
            _clean(shapely.difference(raw[code], taken)) if not shapely.is_empty(taken) else raw[code]
        )
        taken = _union([taken, final[code]])
    rows = []
    for code in ZONE_CODES:
        geom = final[code]
        if shapely.is_empty(geom):
            continue
        made_by = []
        n_src = 0
        shapely.prepare(geom)
        for layer, (ids, band) in bands.items():
            if _LAYER_ZONE[layer] != code:
                continue
            hit = shapely.intersects(geom, band) & ~shapely.touches(geom, band)
            if hit.any():
                made_by.append(f"{layer}:{compact_ids(ids[hit])}")
                n_src += int(np.unique(ids[hit].astype(str)).size)
        if code == "COLL" and flow is not None and not shapely.is_empty(flow.paths.geometry.iloc[0]):
            if shapely.intersects(geom, flow.paths.geometry.iloc[0]):
                made_by.append("dem:flow-through")
        rows.append(
            {
                "zone": code,
                "name_zh": ZONE_NAMES[code][0],
                "name_en": ZONE_NAMES[code][1],
                "area_m2": round(float(shapely.area(geom)), 2),
                "priority": params.priority.index(code) + 1,
                "method": methods[code],
                "n_sources": n_src,
                "sources": "; ".join(made_by),
                "geometry": geom,
            }
        )
    for code in ZONE_CODES:
        if shapely.is_empty(final[code]) and not shapely.is_empty(raw[code]):
            warnings.append(
                f"{code}: wholly covered by higher-priority zones ({' > '.join(params.priority)})"
            )
    zones = gpd.GeoDataFrame(rows, geometry="geometry", crs=zone.epsg) if rows else _empty_zones(zone)

    if flow_cells is not None and len(flow_cells) and "COLL" in final and not shapely.is_empty(final["COLL"]):
        shapely.prepare(final["COLL"])
        inside = shapely.contains(final["COLL"], np.asarray(flow_cells.geometry.array))
        fc = flow_cells[inside]
        src_frames.append(
            gpd.GeoDataFrame(
                {
                    "source_type": "flow",
                    "source_layer": "dem",
                    "source_id": fc["source_id"].to_numpy(),
                    "zone": "COLL",
                    "bottom_m": 0.0,
                    "weight": fc["weight"].to_numpy(),
                },
                geometry=np.asarray(fc.geometry.array),
                crs=zone.epsg,
            )
        )
    sources = pd.concat(src_frames, ignore_index=True) if src_frames else _empty_sources(zone)
    sources = gpd.GeoDataFrame(sources, geometry="geometry", crs=zone.epsg)
    bnd_out = gpd.GeoDataFrame(
        {"case_area_m2": [round(float(shapely.area(case)), 2)]}, geometry=[case], crs=zone.epsg
    )
    steps.stage(3)(1.0)
    parameters = asdict(params)
    parameters["priority"] = list(params.priority)
    parameters["zone_crs"] = zone.authid
    return ZonesResult(zones, sources, bnd_out, flow, zone, warnings, parameters)


def collect_sources(
    holes=None,
    pools=None,
    ditches=None,
    ponds=None,
    *,
    zone: GaussKrugerZone,
    params: Optional[ZoneParams] = None,
    boundary=None,
):
    """The potential sources of the mapped layers, without zoning them.

    For a sampling run on zones made earlier (a wrapper given the zones layer and the
    source layers). Flow cells of the D8 path come only from :func:`functional_zones`
    with a DEM; without them, flow-through units of COLL are drawn toward the nearest
    ditch.

    Parameters
    ----------
    holes, pools, ditches, ponds : geopandas.GeoDataFrame, optional
        As for :func:`functional_zones`.
    zone : GaussKrugerZone
        Output CRS.
    params : ZoneParams, optional
        Depth fields and default depths.
    boundary : geopandas.GeoDataFrame, optional
        Case boundary; features wholly outside it are refused.

    Returns
    -------
    (geopandas.GeoDataFrame, list of str)
        Sources as :attr:`ZonesResult.sources`, and warnings.
    """
    params = params or ZoneParams()
    warnings: list = []
    case = None
    if boundary is not None:
        bnd = prepare_layer(boundary, "boundary", (_POLY_TYPES,), zone, warnings)
        case = _polygonal(shapely.union_all(np.asarray(bnd.geometry.array)))
    spec = (
        ("holes", holes, (_POINT_TYPES,), "hole", params.hole_depth_field, params.default_hole_depth_m, True),
        (
            "pools",
            pools,
            (_POLY_TYPES, _POINT_TYPES),
            "pool",
            params.pool_depth_field,
            params.pool_depth_m,
            False,
        ),
        ("ditches", ditches, (_LINE_TYPES,), "ditch", params.ditch_depth_field, params.ditch_depth_m, False),
        ("ponds", ponds, (_POLY_TYPES,), "pond", params.pond_depth_field, params.pond_depth_m, False),
    )
    frames = []
    for name, gdf, allowed, stype, field_name, default, required in spec:
        g = prepare_layer(gdf, name, allowed, zone, warnings, case)
        if g is None:
            continue
        depth = _depths(g, name, field_name, default, params.max_depth_m, warnings, required)
        g = g.assign(_depth=depth).explode(index_parts=False)
        frames.append(_sources(g, stype, name, g["_depth"].to_numpy(), zone))
    sources = pd.concat(frames, ignore_index=True) if frames else _empty_sources(zone)
    return gpd.GeoDataFrame(sources, geometry="geometry", crs=zone.epsg), warnings


def _check_params(params: ZoneParams) -> None:
    for name in (
        "hole_buffer_m",
        "hole_gap_m",
        "pool_buffer_m",
        "pool_point_radius_m",
        "ditch_buffer_m",
        "pond_buffer_m",
        "flow_buffer_m",
    ):
        value = getattr(params, name)
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise InputError(f"parameter {name} must be a distance >= 0 m, got {value!r}")
    if sorted(params.priority) != sorted(ZONE_CODES):
        raise InputError(
            f"priority must order the four zones {', '.join(ZONE_CODES)}, got {params.priority!r}"
        )
    if params.dem_max_cells < 100:
        raise InputError("dem_max_cells must be at least 100")


def _sources(gdf, source_type: str, layer: str, depth, zone) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "source_type": source_type,
            "source_layer": layer,
            "source_id": [str(i) for i in gdf.index],
            "zone": SOURCE_ZONE[source_type],
            "bottom_m": np.asarray(depth, dtype=float),
            "weight": 1.0,
        },
        geometry=np.asarray(gdf.geometry.array),
        crs=zone.epsg,
    )


def _empty_sources(zone) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "source_type": pd.Series(dtype=str),
            "source_layer": pd.Series(dtype=str),
            "source_id": pd.Series(dtype=str),
            "zone": pd.Series(dtype=str),
            "bottom_m": pd.Series(dtype=float),
            "weight": pd.Series(dtype=float),
        },
        geometry=gpd.GeoSeries([], crs=zone.epsg),
        crs=zone.epsg,
    )


def _empty_zones(zone) -> gpd.GeoDataFrame:
    cols = {c: pd.Series(dtype=str) for c in ("zone", "name_zh", "name_en", "method", "sources")}
    cols.update(
        {
            "area_m2": pd.Series(dtype=float),
            "priority": pd.Series(dtype=int),
            "n_sources": pd.Series(dtype=int),
        }
    )
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs=zone.epsg), crs=zone.epsg)
