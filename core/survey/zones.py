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

from ..common.errors import InputError
from ..common.messages import Message
from ..common.progress import Steps, check_canceled
from ..geo.crs import GaussKrugerZone, to_zone, zone_for_extent
from ..geo.dem import dem_coverage_problem, dem_grid
from ..geo.flow import fill_and_route, trace_downslope
from ..geo.layers import (
    LINE_TYPES,
    POINT_TYPES,
    POLY_TYPES,
    check_crs_and_coordinates,
    compact_ids,
    ids_text,
    polygonal_part,
    prepare_layer,
)
from ..geo.raster_io import apply_affine, burn

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

    @property
    def flow_cells(self):
        """The DEM cells on the leachate path (``source_type == "flow"``), for the sampling grid."""
        return self.sources[self.sources["source_type"] == "flow"]

    def provenance(self, *, inputs=None, host=None) -> dict:
        """The provenance record of this run (parameters, warnings, the zone CRS used)."""
        from ..common.provenance import result_record

        return result_record(
            "ree_damage:functional_zones", self, crs=self.zone_crs.authid, sources=PARAM_SOURCES,
            inputs=inputs, host=host,
        )

    def write(self, zones_path, *, flow_cells_path=None, inputs=None, host=None) -> dict:
        """Write the zones (and the flow cells) as one transaction, each with its provenance sidecar.

        ``.gpkg`` or ``.csv`` by suffix (see :func:`ree_damage.core.geo.vector_io.write_frame`).

        Returns
        -------
        dict
            ``"zones"`` (and ``"flow_cells"``) -> pathlib.Path written.
        """
        from ..common.provenance import recorded_outputs
        from ..geo.vector_io import write_frame

        frames = {"zones": (zones_path, self.zones)}
        if flow_cells_path is not None:
            frames["flow_cells"] = (flow_cells_path, self.flow_cells)
        finals = {name: Path(path) for name, (path, _) in frames.items()}
        with recorded_outputs(finals.values(), self.provenance(inputs=inputs, host=host)) as temps:
            for (name, (_, frame)), tmp in zip(frames.items(), temps):
                write_frame(tmp, frame, layer=finals[name].stem)
        return finals


# --------------------------------------------------------------------------- input checks


def _depths(
    gdf,
    layer: str,
    field_name: Optional[str],
    default: Optional[float],
    max_depth: float,
    required: bool,
):
    """Bottom depth (m below ground) per feature from a field, or a default; and the
    warnings about defaults used."""
    ids = gdf.index.to_numpy()
    warnings: list = []
    if field_name and field_name in gdf.columns:
        values = pd.to_numeric(gdf[field_name], errors="coerce").to_numpy(dtype=float)
        raw = gdf[field_name].to_numpy()
        notnum = np.isnan(values) & pd.notna(raw)
        bad_range = ~np.isnan(values) & ((values <= 0) | (values > max_depth))
        missing = np.isnan(values) & ~notnum
        # every bad feature at once: a user fixing one problem should not meet the next on the rerun
        found = []
        if notnum.any():
            found.append(f"depth is not a number: feature(s) {ids_text(ids[notnum])}")
        if bad_range.any():
            got = ", ".join(f"{i} ({v:g} m)" for i, v in zip(ids[bad_range][:10], values[bad_range][:10]))
            more = f" and {int(bad_range.sum()) - 10} more" if bad_range.sum() > 10 else ""
            found.append(f"depth must be above 0 and at most {max_depth:g} m: feature(s) {got}{more}")
        if missing.any() and default is None:
            found.append(f"depth is missing: feature(s) {ids_text(ids[missing])}")
        if found:
            first = ids[notnum | bad_range | (missing & (default is None))][0]
            raise InputError("; ".join(found), layer=layer, feature=first, column=field_name)
        missing = np.isnan(values)
        if missing.any():
            warnings.append(
                Message(
                    "ZONES_DEPTH_DEFAULTED",
                    layer=layer,
                    n=int(missing.sum()),
                    default=default,
                    ids=ids_text(ids[missing]),
                )
            )
            values[missing] = default
        return values, warnings
    if required and default is None:
        raise InputError(
            f"the depth field '{field_name}' is missing; it is needed for the depth rule (hole bottom + 3 m)",
            layer=layer,
            column=field_name,
        )
    if field_name and required:
        warnings.append(Message("ZONES_DEPTH_FIELD_MISSING", layer=layer, field=field_name, default=default))
    return np.full(len(gdf), float(default)), warnings


# --------------------------------------------------------------------------- DEM and D8


def _flow_through(dem, zone, boundary, inj, targets, params, is_canceled):
    """The flow routing, flow-through polygon and flow-cell sources from the DEM (None
    when the DEM does not cover the case), and the warnings."""
    from rasterio import features

    z, transform, res, warnings = dem_grid(
        dem, zone, boundary.bounds, max_cells=params.dem_max_cells, min_cell_m=params.dem_min_cell_m
    )
    shape = z.shape
    inside = burn([(boundary, 1)], shape, transform).astype(bool)
    valid_in = np.isfinite(z) & inside
    if not valid_in.any():
        # the cause named (all nodata, nodata over the case, far away, CRS suspected)
        warnings.append(Message("ZONES_DEM_NOT_USED", cause=dem_coverage_problem(dem, zone, boundary.bounds)))
        return None, warnings
    coverage = valid_in.sum() / max(inside.sum(), 1)
    if coverage < 0.99:
        warnings.append(Message("ZONES_DEM_PARTIAL", coverage=coverage))
    check_canceled(is_canceled)
    receivers, _ = fill_and_route(z, res)
    check_canceled(is_canceled)
    start = burn([(inj, 1)], shape, transform).astype(bool)
    if not start.any():
        start = burn([(inj, 1)], shape, transform, all_touched=True).astype(bool)
    start &= np.isfinite(z)
    stop = ~inside
    if targets is not None and not shapely.is_empty(targets):
        stop |= burn([(targets, 1)], shape, transform, all_touched=True).astype(bool)
    counts, n_stop, n_out = trace_downslope(receivers, start.ravel(), stop.ravel(), is_canceled)
    acc = counts.reshape(shape).astype(np.int32)
    acc[~inside] = 0
    path = (acc > 0) & ~start
    method = Message("ZONES_FLOW_METHOD", cell_m=res, n_cells=int(start.sum()))
    if not path.any():
        warnings.append(Message("ZONES_FLOW_STAYS_IN_INJ"))
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
        poly = polygonal_part(shapely.intersection(poly, boundary))
    if n_out:
        warnings.append(Message("ZONES_FLOW_LEAVES_CASE", n=n_out))
    paths = gpd.GeoDataFrame(
        {
            "area_m2": [round(float(shapely.area(poly)), 2)],
            "max_cells": [int(acc[path].max()) if path.any() else 0],
        },
        geometry=[poly],
        crs=zone.epsg,
    )
    rr, cc = np.nonzero(path)
    xs, ys = apply_affine(transform, cc + 0.5, rr + 0.5)
    cells = gpd.GeoDataFrame(
        {
            "source_id": [f"r{r}c{c}" for r, c in zip(rr.tolist(), cc.tolist())],
            "weight": acc[rr, cc].astype(float),
        },
        geometry=shapely.points(np.asarray(xs), np.asarray(ys)),
        crs=zone.epsg,
    )
    flow = FlowRouting(acc, transform, zone.authid, float(res), method, paths, n_stop, n_out)
    return (flow, poly, cells), warnings


# --------------------------------------------------------------------------- the zones


def _union(geoms):
    arr = np.asarray(list(geoms) if not isinstance(geoms, np.ndarray) else geoms, dtype=object)
    arr = arr[~shapely.is_missing(arr)]
    arr = arr[~shapely.is_empty(arr)]
    return shapely.union_all(arr) if arr.size else shapely.MultiPolygon()


def _clean(geom, min_area=0.01):
    """Polygonal parts with an area above ``min_area`` m2 (drops overlay slivers)."""
    poly = polygonal_part(geom)
    parts = shapely.get_parts(poly)
    parts = parts[shapely.area(parts) > min_area]
    return shapely.MultiPolygon(list(parts)) if parts.size else shapely.MultiPolygon()


@dataclass
class _SourceLayers:
    """The checked source layers of a case, in the zone CRS, with the warnings so far."""

    case: Any
    boundary: Any
    layers: dict
    warnings: list


@dataclass
class _Bands:
    """The zones drawn from each kind of source, before the flow path and the priority."""

    raw: dict
    methods: dict
    bands: dict  # layer -> (feature ids, band geometries)
    sources: list  # source frames
    warnings: list


def _zone_crs(boundary, zone: Optional[GaussKrugerZone]) -> GaussKrugerZone:
    """The output CRS: the one given, else the CGCS2000 zone of the boundary's centre."""
    if boundary is None:
        raise InputError("the case boundary is required", layer="boundary")
    if isinstance(boundary, gpd.GeoDataFrame):
        check_crs_and_coordinates(boundary, "boundary")  # before any projection of its coordinates
    if isinstance(boundary, gpd.GeoDataFrame) and len(boundary) and boundary.crs is not None and zone is None:
        zone = zone_for_extent(tuple(boundary.total_bounds), boundary.crs)
    if zone is None:
        _, zone = to_zone(boundary, layer="boundary")  # raises the right InputError
    return zone


def _case_area(boundary, zone: GaussKrugerZone):
    """The checked boundary layer and the dissolved case polygon (prepared), with warnings."""
    bnd, warnings = prepare_layer(boundary, "boundary", (POLY_TYPES,), zone)
    case = polygonal_part(shapely.union_all(np.asarray(bnd.geometry.array)))
    return bnd, case, warnings


def _source_layers(boundary, holes, pools, ditches, ponds, zone: GaussKrugerZone) -> _SourceLayers:
    """Check the boundary and every source layer (features wholly outside the case refused)."""
    bnd, case, warnings = _case_area(boundary, zone)
    if shapely.area(case) <= 0:
        raise InputError("the case boundary has no area", layer="boundary")
    shapely.prepare(case)
    repairs = [w for w in warnings if getattr(w, "code", "") == "LAYER_REPAIR_AREA"]
    layers = {}
    for name, gdf, allowed in (
        ("holes", holes, (POINT_TYPES,)),
        ("pools", pools, (POLY_TYPES, POINT_TYPES)),
        ("ditches", ditches, (LINE_TYPES,)),
        ("ponds", ponds, (POLY_TYPES,)),
    ):
        try:
            layers[name], notes = prepare_layer(gdf, name, allowed, zone, case)
        except InputError as error:
            if not repairs or getattr(error.message, "code", "") != "LAYER_OUTSIDE_CASE":
                raise
            # the repaired boundary is why they are outside: say what the repair did
            raise InputError(
                Message("LAYER_OUTSIDE_REPAIRED_CASE", error=error.message, repair=repairs[0]),
                layer=error.layer,
                feature=error.feature,
            ) from error
        warnings += notes
    if all(v is None for v in layers.values()):
        raise InputError("no source layer given: at least one of holes, pools, ditches or ponds is needed")
    return _SourceLayers(case, bnd, layers, warnings)


def _draw_bands(inputs: _SourceLayers, params: ZoneParams, zone: GaussKrugerZone) -> _Bands:
    """INJ from the hole field, PREP, COLL and SETL from bands around pools, ditches and
    ponds, each clipped to the case; the sources with their bottom depths."""
    q = params.quad_segs
    layers = inputs.layers
    drawn = _Bands({code: shapely.MultiPolygon() for code in ZONE_CODES}, dict.fromkeys(ZONE_CODES, ""), {}, [], [])
    raw, methods = drawn.raw, drawn.methods

    def depths(gdf, name, field_name, default, required):
        values, notes = _depths(gdf, name, field_name, default, params.max_depth_m, required)
        drawn.warnings.extend(notes)
        return values

    def add(name, source_type, gdf, band, depth):
        drawn.bands[name] = (gdf.index.to_numpy(), band)
        drawn.sources.append(_sources(gdf, source_type, name, depth, zone))

    if layers["holes"] is not None:
        gdf = layers["holes"]
        depth = depths(gdf, "holes", params.hole_depth_field, params.default_hole_depth_m, True)
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
        add("holes", "hole", gdf, hole_band, gdf["_depth"].to_numpy())
    if layers["pools"] is not None:
        gdf = layers["pools"]
        depth = depths(gdf, "pools", params.pool_depth_field, params.pool_depth_m, False)
        geoms = np.asarray(gdf.geometry.array)
        is_pt = np.isin(shapely.get_type_id(geoms), POINT_TYPES)
        dist = np.where(is_pt, params.pool_point_radius_m, params.pool_buffer_m)
        band = shapely.buffer(geoms, dist, quad_segs=q)
        raw["PREP"] = _union(band)
        methods["PREP"] = (
            f"pools + {params.pool_buffer_m:g} m band (pool points: {params.pool_point_radius_m:g} m disc)"
        )
        add("pools", "pool", gdf, band, depth)
    if layers["ditches"] is not None:
        gdf = layers["ditches"]
        depth = depths(gdf, "ditches", params.ditch_depth_field, params.ditch_depth_m, False)
        band = shapely.buffer(np.asarray(gdf.geometry.array), params.ditch_buffer_m, quad_segs=q)
        raw["COLL"] = _union(band)
        methods["COLL"] = f"ditches/pipes + {params.ditch_buffer_m:g} m band"
        add("ditches", "ditch", gdf, band, depth)
    if layers["ponds"] is not None:
        gdf = layers["ponds"]
        depth = depths(gdf, "ponds", params.pond_depth_field, params.pond_depth_m, False)
        band = shapely.buffer(np.asarray(gdf.geometry.array), params.pond_buffer_m, quad_segs=q)
        raw["SETL"] = _union(band)
        methods["SETL"] = f"ponds + {params.pond_buffer_m:g} m band"
        add("ponds", "pond", gdf, band, depth)
    for code in ZONE_CODES:
        raw[code] = _clean(shapely.intersection(raw[code], inputs.case))
    return drawn


def _add_flow_through(drawn: _Bands, dem, case, params: ZoneParams, zone: GaussKrugerZone, is_canceled):
    """Route the leachate from INJ on the DEM and add its path to COLL (in place).

    Returns the flow routing and the flow cells (None without a usable DEM), and warnings.
    """
    raw, methods = drawn.raw, drawn.methods
    if dem is None:
        return None, None, [Message("ZONES_NO_DEM")]
    if shapely.is_empty(raw["INJ"]):
        return None, None, [Message("ZONES_DEM_NO_HOLES")]
    targets = _union([raw["COLL"], raw["SETL"]])
    routed, warnings = _flow_through(dem, zone, case, raw["INJ"], targets, params, is_canceled)
    if routed is None:
        return None, None, warnings
    flow, flow_poly, flow_cells = routed
    if not shapely.is_empty(flow_poly):
        raw["COLL"] = _clean(_union([raw["COLL"], flow_poly]))
        methods["COLL"] = "; ".join(m for m in (methods["COLL"], "flow-through: " + flow.method) if m)
    return flow, flow_cells, warnings


def _by_priority(raw: dict, priority) -> dict:
    """Each zone less the zones of higher priority (a point belongs to one zone)."""
    final = {}
    taken = shapely.MultiPolygon()
    for code in priority:
        final[code] = _clean(shapely.difference(raw[code], taken)) if not shapely.is_empty(taken) else raw[code]
        taken = _union([taken, final[code]])
    return final


def _zone_rows(final: dict, drawn: _Bands, flow, params: ZoneParams) -> list:
    """One row per non-empty zone: names, area, priority, method and the sources that made it."""
    rows = []
    for code in ZONE_CODES:
        geom = final[code]
        if shapely.is_empty(geom):
            continue
        made_by = []
        n_src = 0
        shapely.prepare(geom)
        for layer, (ids, band) in drawn.bands.items():
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
                "method": drawn.methods[code],
                "n_sources": n_src,
                "sources": "; ".join(made_by),
                "geometry": geom,
            }
        )
    return rows


def _flow_sources(flow_cells, coll, zone: GaussKrugerZone):
    """The flow cells inside the final COLL as sources (type ``flow``, bottom 0 m)."""
    shapely.prepare(coll)
    inside = shapely.contains(coll, np.asarray(flow_cells.geometry.array))
    fc = flow_cells[inside]
    return gpd.GeoDataFrame(
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

    The steps: check the layers (:func:`prepare_layer`), draw each zone from its sources,
    add the leachate path from the DEM to COLL, settle overlaps by priority, and list the
    zones and the sources the sampling grid moves points toward.

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
    steps = Steps(progress, [1, 1, 6, 1])
    zone = _zone_crs(boundary, zone)
    inputs = _source_layers(boundary, holes, pools, ditches, ponds, zone)
    case = inputs.case
    steps.stage(0)(1.0)
    check_canceled(is_canceled)

    drawn = _draw_bands(inputs, params, zone)
    steps.stage(1)(1.0)
    check_canceled(is_canceled)

    flow, flow_cells, flow_warnings = _add_flow_through(drawn, dem, case, params, zone, is_canceled)
    steps.stage(2)(1.0)
    check_canceled(is_canceled)

    final = _by_priority(drawn.raw, params.priority)
    rows = _zone_rows(final, drawn, flow, params)
    covered = [
        Message("ZONES_ZONE_COVERED", zone=code, priority=" > ".join(params.priority))
        for code in ZONE_CODES
        if shapely.is_empty(final[code]) and not shapely.is_empty(drawn.raw[code])
    ]
    zones = gpd.GeoDataFrame(rows, geometry="geometry", crs=zone.epsg) if rows else _empty_zones(zone)
    source_frames = list(drawn.sources)
    if flow_cells is not None and len(flow_cells) and "COLL" in final and not shapely.is_empty(final["COLL"]):
        source_frames.append(_flow_sources(flow_cells, final["COLL"], zone))
    sources = pd.concat(source_frames, ignore_index=True) if source_frames else _empty_sources(zone)
    sources = gpd.GeoDataFrame(sources, geometry="geometry", crs=zone.epsg)
    bnd_out = gpd.GeoDataFrame(
        {"case_area_m2": [round(float(shapely.area(case)), 2)]}, geometry=[case], crs=zone.epsg
    )
    steps.stage(3)(1.0)
    parameters = asdict(params)
    parameters["priority"] = list(params.priority)
    parameters["zone_crs"] = zone.authid
    warnings = inputs.warnings + drawn.warnings + flow_warnings + covered
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
        _, case, warnings = _case_area(boundary, zone)
    spec = (
        ("holes", holes, (POINT_TYPES,), "hole", params.hole_depth_field, params.default_hole_depth_m, True),
        (
            "pools",
            pools,
            (POLY_TYPES, POINT_TYPES),
            "pool",
            params.pool_depth_field,
            params.pool_depth_m,
            False,
        ),
        ("ditches", ditches, (LINE_TYPES,), "ditch", params.ditch_depth_field, params.ditch_depth_m, False),
        ("ponds", ponds, (POLY_TYPES,), "pond", params.pond_depth_field, params.pond_depth_m, False),
    )
    frames = []
    for name, gdf, allowed, stype, field_name, default, required in spec:
        g, notes = prepare_layer(gdf, name, allowed, zone, case)
        warnings += notes
        if g is None:
            continue
        depth, notes = _depths(g, name, field_name, default, params.max_depth_m, required)
        warnings += notes
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
