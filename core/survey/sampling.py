"""Soil sampling grid: units of at most 1600 m2 per zone, one point per unit near the source.

The rules (seed, appendix table item 1(1)-(2); DOMAIN.md "Survey rules"):

* 采样单元面积不大于1600 m²（40 m×40 m网格）: every sampling unit is at most 1600 m2.
  ``cell_size_m`` defaults to 40 m; a larger cell is refused with the rule quoted.
* 点位应尽可能靠近潜在污染的区域: the point of a unit stands as close to the potential
  source inside that unit as the unit allows.
* 案涉面积小于5000 m²的案件，布点不少于3个: a case under 5000 m2 gets at least 3 points.
* 涉及池体及沟渠采样位置应尽可能靠近，原则上不超过池体或沟渠2 m范围: points serving
  ponds, pools and ditches lie within 2 m of them.

Grid and edge rule (**[default]**, editable in :class:`SamplingParams`):

* One square grid for the whole case, anchored on round coordinates: the north-west
  corner is ``(floor(minx / s) * s, ceil(maxy / s) * s)`` of all zones, so rows count
  from the north and columns from the west. Each zone is cut on this grid separately,
  so a cell shared by two zones gives one unit in each.
* A partial cell at a zone edge smaller than half a cell (``merge_below_fraction``) is
  merged with the edge-adjacent unit of the same zone sharing the longest border, but
  only if the merged unit stays within 1600 m2 (two partial cells); otherwise it is kept
  as a unit of its own, since a smaller unit obeys the rule. A unit takes part in one
  merge at most (a sliver joins one neighbouring cell, never a chain of slivers), and a
  cell the zone crosses twice gives one unit per part (``sub`` 1, 2, ...): every unit is
  one contiguous part within two cells (rule S6 of :func:`check_sampling`). Slivers left after merging
  (below ``min_unit_area_m2`` = 16 m2, 1 % of a unit, or thinner than
  ``min_unit_width_m`` = 1 m, measured as 2 x area / perimeter) are dropped and reported:
  they cannot join a neighbour without breaking the 1600 m2 rule, and no field team
  samples a strip of a few decimetres. A zone made only of slivers is kept whole.
* A case under 5000 m2 with fewer than 3 units has its largest unit split in two across
  its longer side until there are 3.

Point placement, per unit (each point records ``reason`` and ``dist_source_m``):

0. A soil point never stands in water: the footprints of every pond, pool and ditch
   mapped as a polygon (overlapping, touching and nested ponds alike) are left out of
   every placement below; a unit wholly under them has no soil and is left out (warned).
1. ``source_edge`` / ``near_source``: a pond, pool or ditch within 2 m of the unit's
   dry land: the point stands on the line ``edge_offset_m`` (1 m) outside its edge and
   outside every other pond, at the spot of that line nearest the unit centre; if the
   unit does not reach that line, at the dry spot of the unit within 2 m of the source
   closest to it. (``in_source``, a pond-bottom point, is no longer produced.)
2. ``at_source``: a point source inside the unit (injection hole, pool mapped as a
   point, cell of the D8 leachate path): the point is on it. The heaviest source wins
   (flow cells weigh the number of INJ cells draining through them), then the deepest
   (``bottom_m``: in INJ the hole that governs the depth rule, so the schedule's
   "more than 3 m below the hole bottom" is taken from the deepest hole of the unit),
   then the one nearest the unit centre. A handheld GPS (3-5 m) cannot place a point more finely; the
   team samples beside the hole's casing.
3. ``toward_source``: otherwise the spot of the unit nearest the nearest source of its
   zone (for holes and flow cells: the one nearest the unit centre; for ponds, pools and
   ditches: the one nearest the unit), kept ``inset_m`` (2.5 m) inside the unit, so
   points of neighbouring units drawn to the same source stay at least 5 m apart.
4. ``no_source``: a zone without mapped sources: the unit centre (or a point on it).

Ids: ``<zone>-<nnn>``, numbered per zone in the order PREP, INJ, COLL, SETL, then by
grid row from the north and column from the west (then split half); at least three
digits. The same inputs give the same ids.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..common import kernels
from ..common.errors import InputError
from ..common.messages import Message
from ..common.parallel import collector_paused, default_workers
from ..common.progress import Steps, check_canceled
from ..geo.crs import GaussKrugerZone, dms_array, epsg_crs, lonlat_arrays, zone_for_extent, zone_from_epsg
from ..geo.layers import POINT_TYPES, POLY_TYPES, prepare_layer
from ..geo.raster_io import burn
from .zones import SOURCE_NAMES, SOURCE_ZONE, ZONE_CODES

MAX_UNIT_AREA_M2 = 1600.0
"""[seed] largest sampling unit, m2."""
MAX_CELL_SIZE_M = 40.0
"""[seed] grid cell of the largest unit, m."""
SMALL_CASE_AREA_M2 = 5000.0
"""[seed] a case below this area (m2) ..."""
SMALL_CASE_MIN_POINTS = 3
"""[seed] ... gets at least this many points."""
NEAR_SOURCE_MAX_M = 2.0
"""[seed] points serving ponds, pools and ditches lie within this distance of them, m."""

RULE_UNIT_AREA = (
    "采样单元面积不大于1600 m²（40 m×40 m网格） / sampling units of at most 1600 m2 "
    "(40 m x 40 m grid) [seed: appendix table, item 1(1)]"
)
RULE_SMALL_CASE = (
    "案涉面积小于5000 m²的案件，布点不少于3个 / a case under 5000 m2 gets at least 3 points [seed]"
)
RULE_NEAR_SOURCE = (
    "涉及池体及沟渠采样位置应尽可能靠近，原则上不超过池体或沟渠2 m范围 / points for ponds and "
    "ditches as close as possible, in principle within 2 m [seed: appendix table, item 1(2)]"
)
RULE_NEAR_POLLUTION = (
    "点位应尽可能靠近潜在污染的区域 / points as close as possible to likely pollution [seed]"
)

PARAM_SOURCES = {
    "cell_size_m": "[seed] sampling units of at most 1600 m2, a 40 m x 40 m grid (appendix table, item 1(1))",
    "merge_below_fraction": "[default] a partial cell under half a cell joins a partial neighbour when the union stays <= 1600 m2",
    "min_unit_area_m2": "[default] 1 % of a unit: edge slivers no neighbour can take within 1600 m2 are dropped and reported",
    "min_unit_width_m": "[default] strips thinner than 1 m (2 x area / perimeter) are not sampled as units",
    "edge_offset_m": "[default] 1 m outside the pond/pool/ditch edge: on the bank, inside the 2 m rule [seed item 1(2)]",
    "inset_m": "[default] points drawn toward an outside source stop 2.5 m inside their unit (>= 5 m apart, beyond GPS error)",
    "small_case": "[seed] a case under 5000 m2 gets at least 3 points (appendix table, item 1(1))",
    "control_count": "[default] control points by the same grid rule unless a count is given; warn below 5 (a baseline from a control area, GB/T 39791)",
}
"""Where each default of :class:`SamplingParams` comes from (for the help text and provenance)."""

_RING_TYPES = ("pond", "pool", "ditch")
_EPS = 1e-6


@dataclass(frozen=True)
class SamplingParams:
    """Parameters of :func:`sampling_grid` (lengths in m, areas in m2).

    Attributes
    ----------
    cell_size_m : float
        Grid cell side; at most 40 m (1600 m2), smaller is allowed.
    merge_below_fraction : float
        Partial cells below this fraction of a full cell are merged with a neighbour
        when the merged unit stays within 1600 m2. [default 0.5]
    min_unit_area_m2 : float
        Slivers below this area left after merging are dropped (reported). [default 16]
    min_unit_width_m : float
        Slivers thinner than this (2 x area / perimeter) are dropped too. [default 1.0]
    edge_offset_m : float
        Distance of pond/pool/ditch points from the source edge. [default 1.0: on the
        bank, beyond a lining or berm, well inside the 2 m rule]
    inset_m : float
        How far inside its unit a point drawn toward an outside source stops. [default 2.5]
    origin : tuple of float, optional
        Grid north-west corner (x, y) in the zone CRS; default from the zones' extent.
    control_count : int, optional
        Number of control points; by default the control area gets the same grid rule.
    """

    cell_size_m: float = MAX_CELL_SIZE_M
    merge_below_fraction: float = 0.5
    min_unit_area_m2: float = 16.0
    min_unit_width_m: float = 1.0
    edge_offset_m: float = 1.0
    inset_m: float = 2.5
    origin: Optional[tuple] = None
    control_count: Optional[int] = None


@dataclass
class SamplingResult:
    """What :func:`sampling_grid` returns.

    Attributes
    ----------
    units : geopandas.GeoDataFrame
        Sampling units (each one Polygon): ``unit_id`` (= its point id), ``zone``,
        ``row``, ``col`` (grid cell from the north-west corner), ``sub`` (0, or 1/2 for
        a split half), ``n_cells`` (grid cells merged), ``area_m2``, ``partial``.
    points : geopandas.GeoDataFrame
        One point per unit: ``point_id``, ``unit_id``, ``zone``, ``source_type``,
        ``source_layer``, ``source_id``, ``bottom_m`` (bottom of the hole/pool/pond/ditch
        the point serves, m below ground; NaN without a source), ``reason``,
        ``reason_zh``, ``reason_en``, ``dist_source_m``, ``x``, ``y`` (zone CRS, m),
        ``lon``, ``lat`` (CGCS2000, decimal degrees), ``lon_dms``, ``lat_dms``.
    control_units, control_points : geopandas.GeoDataFrame
        The same for the control (reference) area, zone ``CTRL`` (empty without one).
    compliance : pandas.DataFrame
        :func:`check_sampling` of the result (rules S1-S5), computed on first access
        and kept: the check is independent of the builder and is paid for only when a
        workbook or a log asks for it.
    case_area_m2 : float
        Area the small-case rule was judged on (boundary, else union of zones).
    zone_crs : GaussKrugerZone
    warnings : list of str
    parameters : dict
    """

    units: Any
    points: Any
    control_units: Any
    control_points: Any
    case_area_m2: float
    zone_crs: GaussKrugerZone
    warnings: list = field(default_factory=list)
    parameters: dict = field(default_factory=dict)
    _check_inputs: dict = field(default_factory=dict, repr=False)
    _compliance: Any = field(default=None, repr=False)

    @property
    def compliance(self):
        if self._compliance is None:
            self._compliance = check_sampling(
                self.units, self.points, self.case_area_m2, **self._check_inputs
            )
        return self._compliance

    OUTPUTS = ("units", "points", "control_units", "control_points", "compliance")
    """What :meth:`write` can write, by name (the attribute holding each table)."""

    def provenance(self, *, inputs=None, host=None) -> dict:
        """The provenance record of this run: parameters, warnings and the zone CRS core used."""
        from ..common.provenance import result_record

        return result_record(
            "ree_damage:sampling_grid", self, crs=self.zone_crs.authid, sources=PARAM_SOURCES,
            inputs=inputs, host=host,
        )

    def write(self, paths, *, inputs=None, host=None) -> dict:
        """Write the named outputs as one transaction, each with its provenance sidecar.

        Parameters
        ----------
        paths : mapping
            Output name of :attr:`OUTPUTS` -> path (``.gpkg`` or ``.csv``); names left
            out are not written.

        Returns
        -------
        dict
            Output name -> pathlib.Path written.
        """
        from ..common.provenance import chosen_outputs, recorded_outputs
        from ..geo.vector_io import write_frame

        finals = chosen_outputs(paths, self.OUTPUTS, "sampling")
        with recorded_outputs(finals.values(), self.provenance(inputs=inputs, host=host)) as temps:
            for (name, final), tmp in zip(finals.items(), temps):
                write_frame(tmp, getattr(self, name), layer=final.stem)
        return finals


# --------------------------------------------------------------------------- helpers


def _polygon_parts(geoms):
    """Vectorised: keep the polygonal parts of each geometry (overlay can add lines/points)."""
    geoms = np.asarray(geoms, dtype=object)
    types = shapely.get_type_id(geoms)
    odd = np.flatnonzero(~np.isin(types, POLY_TYPES) & ~shapely.is_empty(geoms))
    for i in odd:  # only geometry collections from degenerate overlays: rare, few
        parts = [p for p in shapely.get_parts(geoms[i]) if shapely.get_type_id(p) in POLY_TYPES]
        geoms[i] = shapely.union_all(parts) if parts else shapely.Polygon()
    return geoms


def _zone_crs_of(gdf, layer: str) -> tuple:
    """The CGCS2000 Gauss-Kruger zone of the layer's CRS, or of its extent: (zone, warnings)."""
    if gdf.crs is None:
        raise InputError("the layer has no coordinate reference system", layer=layer)
    epsg = gdf.crs.to_epsg()
    if epsg is not None:
        try:
            return zone_from_epsg(epsg), []
        except InputError:
            pass
    zone = zone_for_extent(tuple(gdf.total_bounds), gdf.crs)
    return zone, [Message("SAMPLING_ZONES_REPROJECTED", layer=layer, crs=gdf.crs.to_string(), zone=zone.authid)]


def _check_params(params: SamplingParams) -> None:
    s = params.cell_size_m
    if not (isinstance(s, (int, float)) and math.isfinite(s) and s > 0):
        raise InputError(f"cell size must be a positive length in m, got {s!r}")
    if s > MAX_CELL_SIZE_M + 1e-9 or s * s > MAX_UNIT_AREA_M2 + 1e-6:
        raise InputError(
            f"cell size {s:g} m gives units of {s * s:g} m2, larger than the rule allows: {RULE_UNIT_AREA}"
        )
    if not 0 <= params.merge_below_fraction <= 1:
        raise InputError("merge_below_fraction must lie between 0 and 1")
    if params.edge_offset_m < 0 or params.edge_offset_m > NEAR_SOURCE_MAX_M:
        raise InputError(f"edge_offset_m must lie between 0 and {NEAR_SOURCE_MAX_M:g} m: {RULE_NEAR_SOURCE}")
    if params.inset_m < 0 or params.min_unit_area_m2 < 0:
        raise InputError("inset_m and min_unit_area_m2 must be >= 0")
    if params.control_count is not None and (
        int(params.control_count) != params.control_count or params.control_count < 1
    ):
        raise InputError(f"control_count must be a whole number >= 1, got {params.control_count!r}")


# --------------------------------------------------------------------------- the grid


@dataclass
class _ZonePlan:
    """One zone on the global grid: its window of cells and which of them are whole.

    ``band`` (local window, ``nr`` x ``nc``) marks the cells within one cell of the zone
    boundary: they are cut exactly, merged and checked for slivers. Every other cell
    whose centre lies inside the zone is a whole cell that none of that can touch (a
    merge joins edge-adjacent units of the band only): its global ``inner_rows`` and
    ``inner_cols`` are listed row by row.
    """

    code: str
    geom: Any
    r0: int
    c0: int
    nr: int
    nc: int
    band: np.ndarray
    inner_rows: np.ndarray
    inner_cols: np.ndarray


def _plan_zone(code: str, geom, x0: float, y0: float, s: float) -> _ZonePlan:
    """Rasterise one zone on the global grid (origin ``x0, y0``, cell ``s`` m)."""
    from affine import Affine
    from scipy import ndimage

    minx, miny, maxx, maxy = shapely.bounds(geom)
    c0 = int(math.floor((minx - x0) / s))
    c1 = max(c0 + 1, int(math.ceil((maxx - x0) / s)))
    r0 = int(math.floor((y0 - maxy) / s))
    r1 = max(r0 + 1, int(math.ceil((y0 - miny) / s)))
    nr, nc = r1 - r0, c1 - c0
    transform = Affine(s, 0.0, x0 + c0 * s, 0.0, -s, y0 - r0 * s)
    centre = burn([(geom, 1)], (nr, nc), transform).astype(bool)
    band = burn([(shapely.boundary(geom), 1)], (nr, nc), transform, all_touched=True).astype(bool)
    band = ndimage.binary_dilation(band, structure=np.ones((3, 3), dtype=bool))
    ir, ic = np.nonzero(centre & ~band)
    return _ZonePlan(code, geom, r0, c0, nr, nc, band, ir + r0, ic + c0)


def _plan_units(zone_geoms: dict, params: SamplingParams, origin=None):
    """Plans of the non-empty zones in zone order, and the grid origin (x0, y0)."""
    s = float(params.cell_size_m)
    codes = [c for c in zone_geoms if not shapely.is_empty(zone_geoms[c])]
    codes.sort(key=lambda c: ZONE_CODES.index(c) if c in ZONE_CODES else len(ZONE_CODES))
    if not codes:
        raise InputError("no zone has any area", layer="zones")
    if origin is None:
        bounds = np.array([shapely.bounds(zone_geoms[c]) for c in codes])
        origin = (math.floor(bounds[:, 0].min() / s) * s, math.ceil(bounds[:, 3].max() / s) * s)
    x0, y0 = float(origin[0]), float(origin[1])
    plans = [_plan_zone(code, zone_geoms[code], x0, y0, s) for code in codes]
    if not (s * s >= params.min_unit_area_m2 and params.min_unit_width_m < 0.49 * s):
        # limits under which a whole cell could be a sliver: every cell takes the exact path
        for plan in plans:
            plan.band[plan.inner_rows - plan.r0, plan.inner_cols - plan.c0] = True
            plan.inner_rows = plan.inner_rows[:0]
            plan.inner_cols = plan.inner_cols[:0]
    return plans, (x0, y0)


def _interior_units(plans: list, origin: tuple, s: float) -> dict:
    """The whole cells away from every zone boundary, as units (zone order, then row, col)."""
    x0, y0 = origin
    rows = np.concatenate([p.inner_rows for p in plans]).astype(np.int64)
    cols = np.concatenate([p.inner_cols for p in plans]).astype(np.int64)
    x = x0 + cols * s
    y = y0 - rows * s
    stops = np.cumsum([p.inner_rows.size for p in plans]).tolist()
    runs = [(p.code, stop - p.inner_rows.size, stop) for p, stop in zip(plans, stops)]
    zone = np.empty(rows.size, dtype=object)
    for code, a, b in runs:
        zone[a:b] = code
    return {
        "zone": zone,
        "row": rows,
        "col": cols,
        "sub": np.zeros(rows.size, dtype=np.int64),
        "geometry": shapely.box(x, y - s, x + s, y),
        "area_m2": np.full(rows.size, s * s),
        "is_box": np.ones(rows.size, dtype=bool),
        "n_cells": np.ones(rows.size, dtype=np.int64),
        "zone_runs": runs,
        "origin": (x0, y0),
    }


def _cut_edge(geom, edge, x0: float, y0: float, s: float, r0: int, c0: int, nr: int):
    """Units of the edge cells of one zone: (row, col) local, geometry, area, whole cell."""
    minx, _, maxx, _ = shapely.bounds(geom)
    er, ec = np.nonzero(edge)
    ex = x0 + (c0 + ec) * s
    ey = y0 - (r0 + er) * s
    shapely.prepare(geom)
    boxes = shapely.box(ex, ey - s, ex + s, ey)
    # near the boundary: whole cells (prepared predicate) need no overlay
    whole = shapely.contains_properly(geom, boxes)
    cut = ~whole & shapely.intersects(geom, boxes)
    parts = np.empty(boxes.size, dtype=object)
    parts[whole] = boxes[whole]
    if cut.any():
        # overlay each cut cell with its row strip of the zone, not the whole zone: a strip
        # holds a fraction of the vertices, so the cost stays near linear in the perimeter.
        # Strips come from the fast rectangle clipper (one call per grid row, not per
        # cell), checked and redone exactly if invalid.
        strip_rows = np.unique(er[cut])
        sy = y0 - (r0 + strip_rows) * s
        strips = np.empty(nr, dtype=object)
        fast = np.array(
            [shapely.clip_by_rect(geom, minx - s, y - s, maxx + s, y) for y in sy.tolist()], dtype=object
        )
        bad = ~shapely.is_valid(fast)
        if bad.any():
            fast[bad] = shapely.intersection(geom, shapely.box(minx - s, sy[bad] - s, maxx + s, sy[bad]))
        strips[strip_rows] = fast
        # a cell that only touches the zone overlays to an empty part (dropped below by its
        # zero area); GEOS before 3.12 raises the floating-point invalid flag for an empty
        # overlay, which numpy would turn into "invalid value encountered in intersection"
        with np.errstate(invalid="ignore"):
            parts[cut] = _polygon_parts(shapely.intersection(boxes[cut], strips[er[cut]]))
    keep = whole | cut
    er, ec, ex, ey, boxes, parts = er[keep], ec[keep], ex[keep], ey[keep], boxes[keep], parts[keep]
    area = np.full(parts.size, s * s)
    is_cut = cut[keep]
    area[is_cut] = shapely.area(parts[is_cut])
    keep = area > 1e-9
    er, ec, ex, ey, boxes, parts, area = (
        er[keep],
        ec[keep],
        ex[keep],
        ey[keep],
        boxes[keep],
        parts[keep],
        area[keep],
    )
    full = area >= s * s * (1 - 1e-9)
    parts[full] = boxes[full]
    area[full] = s * s
    return er, ec, parts, area, full


def _shared_boundary_length(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Length (m) of the boundary each pair of polygons shares; 0 where they do not meet.

    Only pairs whose boundaries meet are intersected: GEOS before 3.12 raises the
    floating-point invalid flag (shapely's "invalid value encountered in intersection")
    whenever an overlay result is empty, as for grid neighbours whose parts lie apart.
    """
    ba, bb = shapely.boundary(a), shapely.boundary(b)
    length = np.zeros(len(ba))
    meet = shapely.intersects(ba, bb)
    length[meet] = shapely.length(shapely.intersection(ba[meet], bb[meet]))
    return length


def _merge_partials(rows, cols, geoms, areas, is_box, grid, s, params: SamplingParams, is_canceled=None):
    """Merge small partial units into an edge-adjacent unit of the same zone (see module doc).

    Only units that can take part are indexed: donors (partial cells under the merge
    threshold) and receivers small enough to take the smallest donor within 1600 m2 (a
    full 40 m cell never can), through a sorted key table of their grid cells.
    """
    r0, c0, nr, nc = grid
    n = rows.size
    ncells = np.ones(n, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    threshold = params.merge_below_fraction * s * s - _EPS
    donors0 = areas < threshold
    if n < 2 or not donors0.any():
        return rows, cols, geoms, areas, is_box, ncells
    geoms = geoms.copy()
    areas = areas.copy()
    is_box = is_box.copy()
    part = np.flatnonzero(donors0 | (areas + areas[donors0].min() <= MAX_UNIT_AREA_M2 + _EPS))
    width = nc + 2
    keys = (rows[part] - r0 + 1) * width + (cols[part] - c0 + 1)
    order = np.argsort(keys, kind="stable")
    cell_key, cell_owner = keys[order], part[order]
    directions = ((-width, 0), (-1, 1), (1, 2), (width, 3))  # N, W, E, S: tie order
    # a unit takes part in one merge at most: a sliver joins one neighbouring cell, never
    # a chain of slivers, so a merged unit spans two cells (issue 20: a 2 m ditch band
    # chained 13 cells into one unit 350 m long)
    merged = np.zeros(n, dtype=bool)
    for _ in range(64):
        small = alive & ~merged & (areas < threshold)
        if not small.any():
            break
        mine = small[cell_owner]
        u_cell, k_cell = cell_owner[mine], cell_key[mine]
        us, vs, ds = [], [], []
        for step, k in directions:
            nk = k_cell + step
            at = np.minimum(np.searchsorted(cell_key, nk), cell_key.size - 1)
            v = np.where(cell_key[at] == nk, cell_owner[at], -1)
            good = (v >= 0) & (v != u_cell)
            good[good] = ~merged[v[good]]
            us.append(u_cell[good])
            vs.append(v[good])
            ds.append(np.full(good.sum(), k))
        u = np.concatenate(us)
        v = np.concatenate(vs)
        d = np.concatenate(ds)
        if u.size == 0:
            break
        order = np.lexsort((d, v, u))
        u, v, d = u[order], v[order], d[order]
        first = np.ones(u.size, dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        u, v, d = u[first], v[first], d[first]
        fits = areas[u] + areas[v] <= MAX_UNIT_AREA_M2 + _EPS
        u, v, d = u[fits], v[fits], d[fits]
        if u.size == 0:
            break
        shared = _shared_boundary_length(geoms[u], geoms[v])
        edge = shared > 1e-6
        u, v, d, shared = u[edge], v[edge], d[edge], shared[edge]
        if u.size == 0:
            break
        order = np.lexsort((v, d, -np.round(shared, 6), u))
        u, v = u[order], v[order]
        first = np.ones(u.size, dtype=bool)
        first[1:] = u[1:] != u[:-1]
        pu, pv = u[first], v[first]
        is_donor = np.zeros(n, dtype=bool)
        is_donor[pu] = True
        target = np.full(n, -1, dtype=np.int64)
        target[pu] = pv
        accept = ~is_donor[pv] | ((target[pv] == pu) & (pu < pv))
        if not accept.any():
            pick = np.lexsort((pu, areas[pu]))[0]
            accept[pick] = True
        au, av = pu[accept], pv[accept]
        order = np.lexsort((au, areas[au]))
        au, av = au[order], av[order]
        _, once = np.unique(av, return_index=True)
        au, av = au[once], av[once]
        geoms[av] = shapely.union(geoms[av], geoms[au])
        areas[av] = areas[av] + areas[au]
        ncells[av] += ncells[au]
        is_box[av] = False
        alive[au] = False
        merged[av] = True
        remap = np.arange(n)
        remap[au] = av
        cell_owner = remap[cell_owner]
        check_canceled(is_canceled)
    return rows[alive], cols[alive], geoms[alive], areas[alive], is_box[alive], ncells[alive]


def _one_part_each(rows, cols, geoms, areas, is_box, ncells, x0: float, y0: float, s: float) -> tuple:
    """Every unit of one part: a cell the zone boundary crosses twice (a meandering band)
    gives one unit per part, numbered ``sub`` 1, 2, ... from the north-west (0: one part).

    A unit of the grid is contiguous: two separate pieces sampled by one point would leave
    one of them unsampled. ``n_cells`` of a piece counts the grid cells it covers.
    """
    subs = np.zeros(rows.size, dtype=np.int64)
    nparts = shapely.get_num_geometries(geoms)
    multi = np.flatnonzero(nparts > 1)
    if multi.size == 0:
        return rows, cols, subs, geoms, areas, is_box, ncells
    pieces, owner = shapely.get_parts(geoms[multi], return_index=True)
    owner = multi[owner]
    b = shapely.bounds(pieces)
    order = np.lexsort((b[:, 0], -b[:, 3], owner))  # per unit: north first, then west
    pieces, owner = pieces[order], owner[order]
    start = np.r_[0, np.flatnonzero(np.diff(owner)) + 1]
    piece_sub = np.arange(owner.size) - np.repeat(start, np.diff(np.r_[start, owner.size])) + 1
    # cells a piece covers (a unit spans at most two neighbouring cells: few boxes)
    piece_cells = np.zeros(owner.size, dtype=np.int64)
    c_lo = np.floor((b[order, 0] - x0) / s + 1e-9).astype(np.int64)
    c_hi = np.ceil((b[order, 2] - x0) / s - 1e-9).astype(np.int64)
    r_lo = np.floor((y0 - b[order, 3]) / s + 1e-9).astype(np.int64)
    r_hi = np.ceil((y0 - b[order, 1]) / s - 1e-9).astype(np.int64)
    for i in range(owner.size):
        for r in range(r_lo[i], max(r_hi[i], r_lo[i] + 1)):
            for c in range(c_lo[i], max(c_hi[i], c_lo[i] + 1)):
                cell = shapely.box(x0 + c * s, y0 - (r + 1) * s, x0 + (c + 1) * s, y0 - r * s)
                # intersects first: GEOS < 3.12 flags an empty intersection
                if shapely.intersects(pieces[i], cell) and shapely.area(shapely.intersection(pieces[i], cell)) > 1e-9:
                    piece_cells[i] += 1
    keep = nparts <= 1
    idx = np.concatenate([np.flatnonzero(keep), owner])
    return (
        rows[idx],
        cols[idx],
        np.concatenate([subs[keep], piece_sub]),
        np.concatenate([geoms[keep], pieces]),
        np.concatenate([areas[keep], shapely.area(pieces)]),
        np.concatenate([is_box[keep], np.zeros(owner.size, dtype=bool)]),
        np.concatenate([ncells[keep], np.maximum(piece_cells, 1)]),
    )


def _split(geom):
    """Split a polygon in two across the longer side of its bounding box."""
    minx, miny, maxx, maxy = shapely.bounds(geom)
    if maxx - minx >= maxy - miny:
        mid = (minx + maxx) / 2.0
        halves = (
            shapely.box(minx - 1, miny - 1, mid, maxy + 1),
            shapely.box(mid, miny - 1, maxx + 1, maxy + 1),
        )
    else:
        mid = (miny + maxy) / 2.0
        halves = (
            shapely.box(minx - 1, mid, maxx + 1, maxy + 1),
            shapely.box(minx - 1, miny - 1, maxx + 1, mid),
        )
    return [_polygon_parts([shapely.intersection(geom, h)])[0] for h in halves]


def build_units(
    zone_geoms: dict,
    params: SamplingParams,
    case_area_m2: float,
    origin=None,
    is_canceled=None,
) -> tuple:
    """Sampling units of every zone, in id order.

    Parameters
    ----------
    zone_geoms : dict
        Zone code -> polygonal geometry in the zone CRS.
    params : SamplingParams
    case_area_m2 : float
        Case area for the small-case rule, m2.
    origin : tuple, optional
        Grid north-west corner (x, y), m in the zone CRS; default from the extent of all zones.
    is_canceled : callable, optional

    Returns
    -------
    units : dict of numpy arrays
        ``zone, row, col, sub, geometry, area_m2, is_box, n_cells``, sorted by zone
        order, row, col, sub; plus ``origin`` (x0, y0) and ``zone_runs``.
    warnings : list of str
        Notes on dropped slivers and split units.
    """
    plans, origin = _plan_units(zone_geoms, params, origin)
    inner = _interior_units(plans, origin, float(params.cell_size_m))
    edge, warnings = _edge_units(plans, origin, params, is_canceled)
    units = _combine_units(plans, inner, edge)
    units, split_notes = _small_case(units, case_area_m2)
    return units, warnings + split_notes


def _edge_units(plans: list, origin: tuple, params: SamplingParams, is_canceled=None) -> tuple:
    """The units of the cells in the zones' boundary bands: cut, merged, slivers dropped.

    Returns the units (zone order, then row and column) and the sliver notes.
    """
    warnings = []
    s = float(params.cell_size_m)
    x0, y0 = origin
    parts = []
    dropped = {}
    for plan in plans:
        er, ec, geoms, areas, is_box = _cut_edge(plan.geom, plan.band, x0, y0, s, plan.r0, plan.c0, plan.nr)
        rows, cols, geoms, areas, is_box, ncells = _merge_partials(
            er + plan.r0, ec + plan.c0, geoms, areas, is_box, (plan.r0, plan.c0, plan.nr, plan.nc), s, params, is_canceled
        )
        rows, cols, subs, geoms, areas, is_box, ncells = _one_part_each(
            rows, cols, geoms, areas, is_box, ncells, x0, y0, s
        )
        sliver = areas < params.min_unit_area_m2
        # a whole cell is s/2 wide (2 x area / perimeter): only cut and merged units can
        # be thinner than a sensible minimum width, so only their perimeters are measured
        thin = ~is_box if params.min_unit_width_m < 0.49 * s else np.ones(areas.size, dtype=bool)
        if thin.any():
            width = 2.0 * areas[thin] / np.maximum(shapely.length(geoms[thin]), 1e-12)
            sliver[thin] |= width < params.min_unit_width_m
        # the zone's whole interior cells are never slivers (_plan_units sees to that)
        only_slivers = sliver.all() and plan.inner_rows.size == 0
        if sliver.any() and not only_slivers:
            dropped[plan.code] = (int(sliver.sum()), float(areas[sliver].sum()))
            keep = ~sliver
            rows, cols, subs, geoms, areas, is_box, ncells = (
                rows[keep],
                cols[keep],
                subs[keep],
                geoms[keep],
                areas[keep],
                is_box[keep],
                ncells[keep],
            )
        elif only_slivers:
            warnings.append(Message("SAMPLING_SLIVERS_ONLY", zone=plan.code, area_m2=float(areas.sum())))
        order = np.lexsort((subs, cols, rows))  # ids run by row from the north, then column from the west
        parts.append(
            {
                "zone": _filled(rows.size, plan.code),
                "row": rows[order].astype(np.int64),
                "col": cols[order].astype(np.int64),
                "sub": subs[order].astype(np.int64),
                "geometry": geoms[order],
                "area_m2": areas[order],
                "is_box": is_box[order],
                "n_cells": ncells[order],
            }
        )
        check_canceled(is_canceled)
    for code, (count, area) in dropped.items():
        warnings.append(
            Message(
                "SAMPLING_SLIVERS_DROPPED",
                zone=code,
                n=count,
                min_area_m2=params.min_unit_area_m2,
                min_width_m=params.min_unit_width_m,
                area_m2=area,
            )
        )
    units = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    stops = np.cumsum([p["zone"].size for p in parts]).tolist()
    units["zone_runs"] = [(p.code, stop - q["zone"].size, stop) for p, q, stop in zip(plans, parts, stops)]
    units["origin"] = (x0, y0)
    return units, warnings


_UNIT_FIELDS = ("zone", "row", "col", "sub", "geometry", "area_m2", "is_box", "n_cells")


def _final_runs(codes: list, *groups: list) -> list:
    """The zone runs of all units in id order, from the zone runs of each group."""
    counts = dict.fromkeys(codes, 0)
    for runs in groups:
        for code, a, b in runs:
            counts[code] += b - a
    stops = np.cumsum(list(counts.values())).tolist()
    return [(code, stop - n, stop) for (code, n), stop in zip(counts.items(), stops)]


def _combine_units(plans: list, inner: dict, edge: dict) -> dict:
    """All units in id order (zone order, row, column).

    Both groups are in that order already, so they are merged, not sorted: each edge
    unit's place among the interior units is a binary search on one integer key.
    """
    order_of = {p.code: i for i, p in enumerate(plans)}
    rows = np.concatenate([inner["row"], edge["row"]])
    cols = np.concatenate([inner["col"], edge["col"]])
    n_in = inner["row"].size
    rmin, cmin = (int(rows.min()), int(cols.min())) if rows.size else (0, 0)
    nrows = int(rows.max()) - rmin + 1 if rows.size else 1
    ncols = int(cols.max()) - cmin + 1 if rows.size else 1
    zone_idx = np.empty(rows.size, dtype=np.int64)
    for group, offset in ((inner, 0), (edge, n_in)):
        for code, a, b in group["zone_runs"]:
            zone_idx[offset + a : offset + b] = order_of[code]
    # (zone, row, col) is unique per unit; as one integer it fits easily in 63 bits
    key = (zone_idx * nrows + (rows - rmin)) * ncols + (cols - cmin)
    pos_edge = np.searchsorted(key[:n_in], key[n_in:]) + np.arange(rows.size - n_in)
    is_inner = np.ones(rows.size, dtype=bool)
    is_inner[pos_edge] = False
    placed = (np.flatnonzero(is_inner), pos_edge)
    units = {k: _interleave(inner[k], edge[k], *placed) for k in _UNIT_FIELDS}
    units["zone_runs"] = _final_runs([p.code for p in plans], inner["zone_runs"], edge["zone_runs"])
    units["origin"] = inner["origin"]
    return units


def _interleave(a, b, pos_a, pos_b) -> np.ndarray:
    """``a`` and ``b`` scattered to positions ``pos_a`` and ``pos_b`` of one array (the
    dtype a concatenation would have): one pass, one reference per object."""
    return _scatter([(a, pos_a), (b, pos_b)])


def _scatter(parts) -> np.ndarray:
    """One array from ``(values, positions)`` pairs covering every position once."""
    dtype = np.concatenate([np.asarray(v)[:0] for v, _ in parts]).dtype
    out = np.empty(sum(len(p) for _, p in parts), dtype=dtype)
    for values, positions in parts:
        out[positions] = values
    return out


def _small_case(units: dict, case_area_m2: float) -> tuple:
    """A case under 5000 m2 with fewer than 3 units: the largest split until there are 3.

    Returns the units and a note per split."""
    if case_area_m2 < SMALL_CASE_AREA_M2 and units["zone"].size < SMALL_CASE_MIN_POINTS:
        origin = units["origin"]
        units, warnings = _split_to_minimum({k: units[k] for k in _UNIT_FIELDS})
        units["zone_runs"] = _runs_of(units["zone"])
        units["origin"] = origin
        return units, warnings
    return units, []


def _filled(n: int, value) -> np.ndarray:
    """An object array of ``n`` references to ``value``.

    ``np.full(n, "INJ", dtype=object)`` goes through a fixed-width string array and
    makes ``n`` new strings: 30 times slower for 10^5 elements.
    """
    out = np.empty(n, dtype=object)
    out[:] = value
    return out


def _runs_of(zones) -> list:
    """``(zone, start, stop)`` of each run of equal codes in ``zones``, in order."""
    zones = np.asarray(zones, dtype=object)
    if zones.size == 0:
        return []
    codes, uniques = pd.factorize(zones)
    cut = (np.flatnonzero(np.diff(codes)) + 1).tolist()
    return [(uniques[codes[a]], a, b) for a, b in zip([0, *cut], [*cut, zones.size])]


def _zone_runs(units) -> list:
    """The runs of :func:`_runs_of` for a units dict; :func:`build_units` records them
    (each zone's units are contiguous there), other units dicts get them computed."""
    runs = units.get("zone_runs")
    return _runs_of(units["zone"]) if runs is None else runs


def _split_to_minimum(units: dict) -> tuple:
    warnings = []
    units = {k: list(v) for k, v in units.items()}
    for _ in range(SMALL_CASE_MIN_POINTS * 4):
        if len(units["zone"]) >= SMALL_CASE_MIN_POINTS:
            break
        i = int(np.argmax(units["area_m2"]))
        # a half of a concave unit may fall in pieces: each piece is a unit (one part each)
        halves = [part for h in _split(units["geometry"][i]) for part in shapely.get_parts(h).tolist()]
        areas = [float(shapely.area(h)) for h in halves]
        if min(areas) <= 0:
            break
        base_sub = units["sub"][i] * 2
        for key in units:
            value = units[key].pop(i)
            if key == "geometry":
                new = halves
            elif key == "area_m2":
                new = areas
            elif key == "sub":
                new = [base_sub + 1 + k for k in range(len(halves))]
            elif key == "is_box":
                new = [False] * len(halves)
            else:
                new = [value] * len(halves)
            units[key][i:i] = new
        warnings.append(
            Message("SAMPLING_SMALL_CASE_SPLIT", small_area_m2=SMALL_CASE_AREA_M2, min_points=SMALL_CASE_MIN_POINTS)
        )
    units = {k: np.array(v, dtype=object) if k in ("zone", "geometry") else np.array(v) for k, v in units.items()}
    return units, warnings


# --------------------------------------------------------------------------- placement


@dataclass(frozen=True)
class _SourceArrays:
    """Per-source arrays of the sources frame (:func:`_sources_input`), derived once for
    every placement and point field: geometry, ``zone``, ``weight``, ``type_id``
    (shapely), ``is_point`` (point or multipoint), ``is_ring`` (pond, pool, ditch) and
    ``x``, ``y`` (first vertex of point sources, else NaN)."""

    geom: np.ndarray
    zone: np.ndarray
    weight: np.ndarray
    bottom: np.ndarray
    type_id: np.ndarray
    is_point: np.ndarray
    is_ring: np.ndarray
    x: np.ndarray
    y: np.ndarray


def _source_arrays(sources) -> _SourceArrays:
    geom = np.asarray(sources.geometry.array, dtype=object) if len(sources) else np.empty(0, dtype=object)
    kind = sources["source_type"].to_numpy(dtype=object)
    type_id = shapely.get_type_id(geom) if len(sources) else np.empty(0, dtype=np.int64)
    is_point = np.isin(type_id, POINT_TYPES)
    x = np.full(geom.size, np.nan)
    y = np.full(geom.size, np.nan)
    if is_point.any():
        first = _first_point(geom[is_point])
        x[is_point], y[is_point] = shapely.get_x(first), shapely.get_y(first)
    return _SourceArrays(
        geom=geom,
        zone=sources["zone"].to_numpy(dtype=object),
        weight=sources["weight"].to_numpy(dtype=float),
        bottom=sources["bottom_m"].to_numpy(dtype=float),
        type_id=type_id,
        is_point=is_point,
        is_ring=pd.Series(kind, dtype=object).isin(_RING_TYPES).to_numpy(dtype=bool),
        x=x,
        y=y,
    )


def _place(units: dict, sources: _SourceArrays, params: SamplingParams, is_canceled=None):
    """Place one point per unit; returns arrays (x, y, source index, reason)."""
    n = units["zone"].size
    px = np.full(n, np.nan)
    py = np.full(n, np.nan)
    src = np.full(n, -1, dtype=np.int64)
    reason = np.full(n, -1, dtype=np.int8)  # index into REASON_CODES
    geoms = units["geometry"]
    is_box = units["is_box"].astype(bool)
    x0, y0 = units["origin"]
    s = float(params.cell_size_m)
    # a whole cell is the box made from its row and column (_interior_units, _cut_edge): the same arithmetic
    # gives its bounds bit for bit, without asking GEOS for 10^5 envelopes
    bminx = x0 + units["col"] * s
    bmaxy = y0 - units["row"] * s
    bmaxx = bminx + s
    bminy = bmaxy - s
    odd = np.flatnonzero(~is_box)
    if odd.size:
        ob = shapely.bounds(geoms[odd])
        bminx[odd], bminy[odd], bmaxx[odd], bmaxy[odd] = ob[:, 0], ob[:, 1], ob[:, 2], ob[:, 3]
    cx = (bminx + bmaxx) / 2  # exact for boxes
    cy = (bminy + bmaxy) / 2
    if odd.size:
        c = shapely.centroid(geoms[odd])
        cx[odd], cy[odd] = shapely.get_x(c), shapely.get_y(c)
    s_geom, s_zone, s_weight = sources.geom, sources.zone, sources.weight
    s_is_point, s_ring, sx, sy = sources.is_point, sources.is_ring, sources.x, sources.y
    # water: the footprints of every pond, pool and ditch mapped as a polygon (all zones:
    # overlapping, touching and nested ponds alike). A soil point never stands in it.
    water = _water(sources)
    dry_margin = None if water is None else shapely.buffer(water, _DRY_MARGIN_M, quad_segs=4)

    runs = _zone_runs(units)
    for code in dict.fromkeys(code for code, _, _ in runs):  # zones in order of appearance
        check_canceled(is_canceled)
        in_zone = np.concatenate([np.arange(a, b) for c, a, b in runs if c == code])
        zsrc = np.flatnonzero(s_zone == code)
        if zsrc.size == 0:
            continue
        # 1. ponds, pools, ditches within 2 m
        rsrc = zsrc[s_ring[zsrc]]
        todo = in_zone
        if rsrc.size:
            tree = shapely.STRtree(s_geom[rsrc])
            (ui, si), dist = tree.query_nearest(geoms[todo], all_matches=True, return_distance=True)
            order = np.lexsort((si, ui))
            ui, si, dist = ui[order], si[order], dist[order]
            first = np.ones(ui.size, dtype=bool)
            first[1:] = ui[1:] != ui[:-1]
            ui, si, dist = ui[first], si[first], dist[first]
            near = dist <= NEAR_SOURCE_MAX_M + _EPS
            uu = todo[ui[near]]
            ss = rsrc[si[near]]
            if uu.size:
                band = shapely.buffer(s_geom[ss], NEAR_SOURCE_MAX_M, quad_segs=16)
                ring = shapely.boundary(shapely.buffer(s_geom[ss], params.edge_offset_m, quad_segs=16))
                region = _polygon_parts(shapely.intersection(geoms[uu], band))
                region = np.where(shapely.is_empty(region), geoms[uu], region)
                if dry_margin is not None:
                    # outside the edge: the offset line and the 2 m band less every pond's
                    # footprint (an overlapping pond's line runs through its neighbour)
                    wet = shapely.intersects(ring, dry_margin)
                    ring[wet] = shapely.difference(ring[wet], dry_margin)
                    wet = np.flatnonzero(shapely.intersects(region, dry_margin))
                    if wet.size:
                        banks = _polygon_parts(shapely.difference(region[wet], dry_margin))
                        # a bank narrower than the margin: the dry land right at the edge
                        thin = shapely.is_empty(banks)
                        if thin.any():
                            banks[thin] = _polygon_parts(shapely.difference(region[wet[thin]], water))
                        region[wet] = banks
                    # a band the polygonal buffer leaves empty (dry land exactly 2 m off):
                    # the unit's dry land nearest the source, if within 2 m
                    lost = np.flatnonzero(shapely.is_empty(region))
                    if lost.size:
                        land = _polygon_parts(shapely.difference(geoms[uu[lost]], water))
                        land[shapely.is_empty(land)] = None
                        close = shapely.distance(land, s_geom[ss[lost]]) <= NEAR_SOURCE_MAX_M + _EPS
                        region[lost[close]] = land[close]
                        ring[lost] = shapely.LineString()  # aim at the source itself
                    dry = ~shapely.is_empty(region) & ~shapely.is_missing(region)
                    uu, ss, band, ring, region = uu[dry], ss[dry], band[dry], ring[dry], region[dry]
                # only units that meet the ring are intersected: GEOS < 3.12 raises the
                # floating-point invalid flag on an empty intersection
                has = ~shapely.is_empty(ring)
                has[has] = shapely.intersects(region[has], ring[has])
                on_ring = np.empty(uu.size, dtype=object)
                on_ring[has] = shapely.intersection(region[has], ring[has])
                has[has] = ~shapely.is_empty(on_ring[has])
                pts = np.empty(uu.size, dtype=object)
                pts[has] = _first_point(
                    shapely.shortest_line(on_ring[has], shapely.points(cx[uu[has]], cy[uu[has]]))
                )
                # no dry offset line in the unit: the dry spot nearest the offset line, or
                # (the whole line under a neighbouring pond) nearest the source itself
                target = np.where(shapely.is_empty(ring), s_geom[ss], ring)
                pts[~has] = _first_point(shapely.shortest_line(region[~has], target[~has]))
                px[uu], py[uu] = shapely.get_x(pts), shapely.get_y(pts)
                src[uu] = ss
                reason[uu] = np.where(has, _R["source_edge"], _R["near_source"])
            todo = todo[src[todo] < 0]
        # 2. point sources inside the unit
        psrc = zsrc[s_is_point[zsrc] & ~s_ring[zsrc]]  # holes, flow cells
        if psrc.size and todo.size:
            pair_u, pair_s = _point_sources_in_units(todo, psrc, sx, sy, x0, y0, s, units, is_box, geoms)
            if pair_u.size:
                dcent = np.hypot(sx[pair_s] - cx[pair_u], sy[pair_s] - cy[pair_u])
                # among equally heavy sources the deepest hole governs the depth rule (D7:
                # more than 3 m below the hole bottom), so the point stands on it
                deep = np.nan_to_num(sources.bottom[pair_s], nan=-np.inf)
                order = np.lexsort((pair_s, np.round(dcent, 6), -deep, -s_weight[pair_s], pair_u))
                pair_u, pair_s = pair_u[order], pair_s[order]
                first = np.ones(pair_u.size, dtype=bool)
                first[1:] = pair_u[1:] != pair_u[:-1]
                uu, ss = pair_u[first], pair_s[first]
                px[uu], py[uu] = sx[ss], sy[ss]
                src[uu] = ss
                reason[uu] = _R["at_source"]
                todo = todo[src[todo] < 0]
        # 3. toward the nearest source of the zone (holes/flow cells first: a ditch more
        #    than 2 m away is not what a flow-through unit serves). Point sources: the one
        #    nearest the unit centre (k-d tree); ponds, pools, ditches: nearest the unit.
        if todo.size:
            near_set = psrc if psrc.size else zsrc
            if s_is_point[near_set].all():
                from scipy.spatial import cKDTree

                sxy = np.column_stack([sx[near_set], sy[near_set]])
                if (kernels.forced() or todo.size >= 10_000) and kernels.usable("nearest"):
                    # buckets searched in rings (compiled): a third of the k-d tree's
                    # time here; ties and far queries go to the tree, as before. Below
                    # 10^4 units the tree takes milliseconds: not worth loading numba
                    k = kernels.nearest_points(sxy[:, 0], sxy[:, 1], cx[todo], cy[todo], default_workers())
                    left = np.flatnonzero(k < 0)
                else:
                    k = np.empty(todo.size, dtype=np.int64)
                    left = np.arange(todo.size)
                if left.size:
                    # sliding-midpoint tree (not median-balanced): about a third faster
                    # to query for scattered holes; the same nearest point (ties broken
                    # the same way on every run)
                    tree = cKDTree(sxy, balanced_tree=False, compact_nodes=False)
                    k[left] = tree.query(
                        np.column_stack([cx[todo[left]], cy[todo[left]]]), k=1, workers=default_workers()
                    )[1]
                chosen = near_set[np.asarray(k, dtype=np.int64)]
                box = is_box[todo]
                box_u, ss = todo[box], chosen[box]
                lox, hix, loy, hiy = bminx[box_u], bmaxx[box_u], bminy[box_u], bmaxy[box_u]
                inset = np.minimum(params.inset_m, (hix - lox) / 2 - 1e-3)
                # the nearest spot of the inset box (np.clip's definition, without its overhead)
                px[box_u] = np.minimum(np.maximum(sx[ss], lox + inset), hix - inset)
                py[box_u] = np.minimum(np.maximum(sy[ss], loy + inset), hiy - inset)
                src[box_u] = ss
                other_u, other_s = todo[~box], chosen[~box]
            else:
                tree = shapely.STRtree(s_geom[near_set])
                ui, si = tree.query_nearest(geoms[todo], all_matches=True)
                order = np.lexsort((si, ui))
                ui, si = ui[order], si[order]
                first = np.ones(ui.size, dtype=bool)
                first[1:] = ui[1:] != ui[:-1]
                other_u, other_s = todo[ui[first]], near_set[si[first]]
            if other_u.size:
                inner = _inset(geoms[other_u], params.inset_m)
                pts = _first_point(shapely.shortest_line(inner, s_geom[other_s]))
                px[other_u], py[other_u] = shapely.get_x(pts), shapely.get_y(pts)
                src[other_u] = other_s
            reason[todo] = _R["toward_source"]
    # 4. no source at all in the zone
    none = np.isnan(px)
    if none.any():
        reason[none] = _R["no_source"]
        px[none], py[none] = cx[none], cy[none]  # a box holds its centre
        odd = np.flatnonzero(none & ~is_box)
        if odd.size:
            c = shapely.points(cx[odd], cy[odd])
            bad = ~shapely.contains(geoms[odd], c)
            if bad.any():
                pts = shapely.point_on_surface(geoms[odd[bad]])
                px[odd[bad]], py[odd[bad]] = shapely.get_x(pts), shapely.get_y(pts)
    if dry_margin is not None:
        _out_of_water(px, py, geoms, water, dry_margin)
    return px, py, src, reason


_DRY_MARGIN_M = 0.05
"""[default] a point moved out of a pond stands this far (m) outside its edge: on the
bank, not on the waterline a GPS cannot tell from the water."""


def _water(sources: _SourceArrays):
    """The union of the pond, pool and ditch footprints mapped as polygons, or None."""
    wet = sources.is_ring & np.isin(sources.type_id, POLY_TYPES)
    if not wet.any():
        return None
    return shapely.union_all(sources.geom[wet])


def _drop_wet_units(units: dict, sources: _SourceArrays) -> tuple:
    """Units wholly under a pond, pool or ditch footprint have no soil to sample: dropped
    and reported (their point would stand in the water). Returns the units and notes."""
    water = _water(sources)
    if water is None:
        return units, []
    margin = shapely.buffer(water, _DRY_MARGIN_M, quad_segs=4)
    shapely.prepare(margin)
    geoms = units["geometry"]
    wet = np.zeros(geoms.size, dtype=bool)
    cand = np.flatnonzero(shapely.intersects(margin, geoms))
    if cand.size:
        wet[cand] = shapely.is_empty(_polygon_parts(shapely.difference(geoms[cand], margin)))
    if not wet.any():
        return units, []
    keep = ~wet
    out = {k: units[k][keep] for k in _UNIT_FIELDS}
    out["zone_runs"] = _runs_of(out["zone"])
    out["origin"] = units["origin"]
    zones = ", ".join(f"{c} {n}" for c, n in zip(*np.unique(units["zone"][wet].astype(str), return_counts=True)))
    return out, [Message("SAMPLING_WET_UNITS_LEFT_OUT", n=int(wet.sum()), zones=zones)]


def _out_of_water(px, py, geoms, water, dry_margin) -> None:
    """Move the points standing in water (steps 2-4 know nothing of ponds) to the nearest
    spot of their unit that is dry land, ``_DRY_MARGIN_M`` outside the edge (in place)."""
    shapely.prepare(water)
    wet = np.flatnonzero(shapely.contains_xy(water, px, py))  # the interior: a point on the edge is on the bank
    if wet.size == 0:
        return
    dry = _polygon_parts(shapely.difference(geoms[wet], dry_margin))
    ok = ~shapely.is_empty(dry)  # units wholly in water were dropped (_drop_wet_units)
    pts = _first_point(shapely.shortest_line(dry[ok], shapely.points(px[wet[ok]], py[wet[ok]])))
    px[wet[ok]], py[wet[ok]] = shapely.get_x(pts), shapely.get_y(pts)


def _first_point(geoms):
    """First vertex of each geometry (point or line)."""
    geoms = np.asarray(geoms, dtype=object)
    out = np.empty(geoms.size, dtype=object)
    is_pt = shapely.get_type_id(geoms) == 0
    out[is_pt] = geoms[is_pt]
    rest = ~is_pt
    if rest.any():
        coords, index = shapely.get_coordinates(geoms[rest], return_index=True)
        first = np.unique(index, return_index=True)[1]
        out[rest] = shapely.points(coords[first])
    return out


def _inset(geoms, inset: float):
    """The unit shrunk by ``inset`` m; thinner units by 0.1 m; else a point on them."""
    inner = shapely.buffer(geoms, -inset, quad_segs=4) if inset > 0 else geoms.copy()
    empty = shapely.is_empty(inner)
    if empty.any():
        small = shapely.buffer(geoms[empty], -0.1, quad_segs=4)
        small = np.where(shapely.is_empty(small), shapely.point_on_surface(geoms[empty]), small)
        inner[empty] = small
    return inner


def _in_cells_of(geoms, px, py, x0, y0, s):
    """Which points lie in a grid cell met by the bounds of one of ``geoms`` (a superset
    of the points these geometries cover: the cell of a point is ``floor`` of monotonic
    arithmetic on its coordinates, so a point within a bounds box falls in the cell range
    of that box; one more cell around is taken all the same).
    """
    b = shapely.bounds(geoms)
    ok = np.isfinite(b).all(axis=1)
    keep = np.ones(px.size, dtype=bool)
    if not ok.all() or px.size == 0:
        return keep
    c_lo = np.floor((b[:, 0] - x0) / s).astype(np.int64) - 1
    c_hi = np.floor((b[:, 2] - x0) / s).astype(np.int64) + 1
    r_lo = np.floor((y0 - b[:, 3]) / s).astype(np.int64) - 1
    r_hi = np.floor((y0 - b[:, 1]) / s).astype(np.int64) + 1
    span_r, span_c = int((r_hi - r_lo).max()) + 1, int((c_hi - c_lo).max()) + 1
    rmin, cmin = int(r_lo.min()), int(c_lo.min())
    shape = (int(r_hi.max()) - rmin + 1, int(c_hi.max()) - cmin + 1)
    if span_r * span_c > 64 or shape[0] * shape[1] > 4e7:
        return keep  # odd, sprawling units: test every point
    marked = np.zeros(shape, dtype=bool)
    for dr in range(span_r):
        for dc in range(span_c):
            m = (r_lo + dr <= r_hi) & (c_lo + dc <= c_hi)
            marked[r_lo[m] + dr - rmin, c_lo[m] + dc - cmin] = True
    pr = np.floor((y0 - py) / s)
    pc = np.floor((px - x0) / s)
    inside = (pr >= rmin) & (pr < rmin + shape[0]) & (pc >= cmin) & (pc < cmin + shape[1])
    keep[:] = False
    keep[inside] = marked[pr[inside].astype(np.int64) - rmin, pc[inside].astype(np.int64) - cmin]
    return keep


def _point_sources_in_units(todo, psrc, sx, sy, x0, y0, s, units, is_box, geoms):
    """Pairs (unit, source) of point sources lying in units (boxes by grid index)."""
    pu, ps = [], []
    box_u = todo[is_box[todo]]
    if box_u.size:
        r = units["row"][box_u]
        c = units["col"][box_u]
        rmin, cmin = r.min(), c.min()
        table = np.full((r.max() - rmin + 1, c.max() - cmin + 1), -1, dtype=np.int64)
        table[r - rmin, c - cmin] = box_u
        sr = np.floor((y0 - sy[psrc]) / s).astype(np.int64) - rmin
        sc = np.floor((sx[psrc] - x0) / s).astype(np.int64) - cmin
        ok = (sr >= 0) & (sr < table.shape[0]) & (sc >= 0) & (sc < table.shape[1])
        hit = np.full(psrc.size, -1, dtype=np.int64)
        hit[ok] = table[sr[ok], sc[ok]]
        good = hit >= 0
        pu.append(hit[good])
        ps.append(psrc[good])
    other = todo[~is_box[todo]]
    if other.size:
        cand = psrc[_in_cells_of(geoms[other], sx[psrc], sy[psrc], x0, y0, s)]
        if cand.size:
            tree = shapely.STRtree(shapely.points(sx[cand], sy[cand]))
            ui, si = tree.query(geoms[other], predicate="covers")
            pu.append(other[ui])
            ps.append(cand[si])
    if not pu:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(pu).astype(np.int64), np.concatenate(ps).astype(np.int64)


# --------------------------------------------------------------------------- inputs


def _zones_input(zones) -> tuple:
    """Zone code -> dissolved geometry in the zone CRS, the zone CRS, and warnings."""
    if zones is None or not isinstance(zones, gpd.GeoDataFrame):
        raise InputError("expected the zones layer (GeoDataFrame)", layer="zones")
    if len(zones) == 0:
        raise InputError("the layer has no features", layer="zones")
    if "zone" not in zones.columns:
        raise InputError(
            "the zones layer needs a 'zone' field (PREP, INJ, COLL, SETL)", layer="zones", column="zone"
        )
    zone, warnings = _zone_crs_of(zones, "zones")
    gdf, notes = prepare_layer(zones, "zones", (POLY_TYPES,), zone)
    warnings += notes
    codes = gdf["zone"].astype(str).str.strip().str.upper().to_numpy()
    bad = ~pd.Series(codes, dtype=object).isin(ZONE_CODES).to_numpy()
    if bad.any():
        raise InputError(
            f"unknown zone code {gdf['zone'].to_numpy()[bad][0]!r}; expected one of {', '.join(ZONE_CODES)}",
            layer="zones",
            feature=gdf.index.to_numpy()[bad][0],
            column="zone",
        )
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    out = {}
    for code in ZONE_CODES:
        mine = geoms[codes == code]
        if mine.size:
            out[code] = shapely.union_all(mine)
    # zones must not overlap: a point would belong to two zones
    done = None
    for code in ZONE_CODES:
        if code not in out:
            continue
        # intersects first: GEOS < 3.12 raises a floating-point flag on an empty intersection
        if done is not None and shapely.intersects(out[code], done) and shapely.area(shapely.intersection(out[code], done)) > 0.01:
            raise InputError(
                f"zone {code} overlaps another zone by {shapely.area(shapely.intersection(out[code], done)):.2f} m2; "
                "zones must not overlap (run functional_zones)",
                layer="zones",
            )
        done = out[code] if done is None else shapely.union(done, out[code])
    return out, zone, warnings


def _sources_input(sources, zone) -> tuple:
    """The checked sources frame (fields normalised, zone CRS) and warnings."""
    cols = ["source_type", "source_layer", "source_id", "zone", "bottom_m", "weight"]
    if sources is None or len(sources) == 0:
        empty = gpd.GeoDataFrame(
            {c: pd.Series(dtype=float if c in ("bottom_m", "weight") else object) for c in cols},
            geometry=gpd.GeoSeries([], crs=epsg_crs(zone.epsg)),
            crs=epsg_crs(zone.epsg),
        )
        return empty, []
    if "source_type" not in sources.columns:
        raise InputError(
            "the sources layer needs a 'source_type' field (hole, pool, ditch, pond, flow)",
            layer="sources",
            column="source_type",
        )
    gdf, notes = prepare_layer(sources, "sources", ((0, 4), (1, 5), POLY_TYPES), zone)
    warnings: list = list(notes)
    # normalised once per distinct value (a handful), not once per source
    codes, uniques = pd.factorize(gdf["source_type"].to_numpy(dtype=object), use_na_sentinel=False)
    norm = np.array([str(u).strip().lower() for u in uniques], dtype=object)
    types = norm[codes] if codes.size else np.empty(0, dtype=object)
    bad = ~pd.Series(types, dtype=object).isin(list(SOURCE_ZONE)).to_numpy()
    if bad.any():
        raise InputError(
            f"unknown source type {types[bad][0]!r}",
            layer="sources",
            feature=gdf.index.to_numpy()[bad][0],
            column="source_type",
        )
    out = gpd.GeoDataFrame(
        {
            "source_type": types,
            "source_layer": gdf["source_layer"].astype(str).to_numpy() if "source_layer" in gdf else types,
            "source_id": gdf["source_id"].astype(str).to_numpy()
            if "source_id" in gdf
            else gdf.index.astype(str).to_numpy(),
            "zone": gdf["zone"].astype(str).to_numpy()
            if "zone" in gdf
            else np.array([SOURCE_ZONE[t] for t in norm], dtype=object)[codes],
            "bottom_m": pd.to_numeric(gdf["bottom_m"], errors="coerce").to_numpy(dtype=float)
            if "bottom_m" in gdf
            else np.nan,
            "weight": pd.to_numeric(gdf["weight"], errors="coerce").fillna(1.0).to_numpy(dtype=float)
            if "weight" in gdf
            else 1.0,
        },
        geometry=np.asarray(gdf.geometry.array),
        crs=epsg_crs(zone.epsg),
    )
    return out.reset_index(drop=True), warnings


# --------------------------------------------------------------------------- outputs


_REASONS = {
    "at_source": ("位于该污染源处", "at the source"),
    "source_edge": ("位于池体/沟渠边缘外侧{off} m处", "{off} m outside the edge of the pond, pool or ditch"),
    "near_source": (
        "单元内距池体/沟渠最近处（2 m内）",
        "closest spot of the unit to the pond, pool or ditch (within 2 m)",
    ),
    "in_source": ("位于池体范围内（池底）", "inside the pond or pool footprint (bottom)"),
    "toward_source": (
        "单元内距最近污染源最近处（内缩{inset} m）",
        "closest spot of the unit to the nearest source outside it ({inset} m inside the unit)",
    ),
    "no_source": ("本区无已知污染源，取单元中心", "no mapped source in this zone: unit centre"),
    "control_grid": ("对照点，取单元中心", "control point: unit centre"),
    "control_count": ("对照点，均匀布设", "control point: spread evenly"),
}
"""Reason code -> (Chinese, English) texts of the ``reason_zh``/``reason_en`` fields.

The source itself is in ``source_type``/``source_id`` and the distance in ``dist_source_m``."""


REASON_CODES = tuple(_REASONS)
"""Reason codes, in the order of their internal index."""
_R = {code: i for i, code in enumerate(REASON_CODES)}


def _reason_texts(reason_idx, type_idx, type_names, params):
    """Reason code and texts per point from small integer codes (one text per combination).

    ``reason_idx`` indexes :data:`REASON_CODES`; ``type_idx`` indexes ``type_names``
    (-1: no source).
    """
    fill = {"off": f"{params.edge_offset_m:g}", "inset": f"{params.inset_m:g}"}
    nt = len(type_names) + 1
    combo = reason_idx.astype(np.int64) * nt + (type_idx.astype(np.int64) + 1)
    table_zh = np.empty(len(REASON_CODES) * nt, dtype=object)
    table_en = np.empty(len(REASON_CODES) * nt, dtype=object)
    for key in np.flatnonzero(np.bincount(combo)).tolist():  # a handful of combinations (no sort)
        r, t = divmod(key, nt)
        tz, te = _REASONS[REASON_CODES[r]]
        tz, te = tz.format(**fill), te.format(**fill)
        names = SOURCE_NAMES.get(type_names[t - 1]) if t > 0 else None
        if names is not None:
            tz, te = f"{tz}：{names[0]}", f"{te}: {names[1]}"
        table_zh[key], table_en[key] = tz, te
    return np.array(REASON_CODES, dtype=object)[reason_idx], table_zh[combo], table_en[combo]


def _ids(zones, runs=None):
    """``<zone>-<nnn>`` numbered within each zone, in array order (at least 3 digits).

    ``runs``: the ``(zone, start, stop)`` runs of ``zones`` if known (:func:`_zone_runs`).
    """
    zones = np.asarray(zones, dtype=object)
    return _ids_of_runs(_runs_of(zones) if runs is None else runs, zones.size)


def _ids_of_runs(runs: list, n: int) -> np.ndarray:
    """The ids of :func:`_ids` for ``n`` units whose zones run as ``runs``."""
    totals: dict = {}
    for code, a, b in runs:
        totals[code] = totals.get(code, 0) + (b - a)
    out = np.empty(n, dtype=object)
    done: dict = {}
    for code, a, b in runs:
        if b <= a:
            continue
        width = max(3, len(str(totals[code])))
        first = done.get(code, 0) + 1
        out[a:b] = [f"{code}-{k:0{width}d}" for k in range(first, first + (b - a))]
        done[code] = first - 1 + (b - a)
    return out


def _geoframe(columns: dict, geoms, crs):
    """A GeoDataFrame from plain arrays without the copies pandas makes by default.

    The arrays are made for the frame (or belong to a dict dropped after), so ``copy=False`` is safe;
    it saves consolidating 10^5-row object columns twice (tens of ms on a big grid).
    """
    from geopandas.array import GeometryArray

    # straight from the columns, the geometry named: a DataFrame first costs a copy more
    return gpd.GeoDataFrame(
        {**columns, "geometry": GeometryArray(np.asarray(geoms, dtype=object), crs=crs)},
        geometry="geometry",
        copy=False,
    )


def _frames(units, px, py, src, reason, sources, zone: GaussKrugerZone, params):
    """Units and points GeoDataFrames (what :func:`sampling_grid` returns)."""
    ids = _ids(units["zone"], _zone_runs(units))
    values = {"x": px, "y": py, "source": src, "reason": reason, **_located(px, py, zone)}
    points = _points_frame(units, ids, values, sources, _source_arrays(sources), zone, params)
    return _units_frame(units, ids, zone, params), points


def _units_frame(units, ids, zone: GaussKrugerZone, params):
    """The units GeoDataFrame; ``ids`` from :func:`_ids` of the units' zones."""
    return _geoframe(
        {
            "unit_id": ids,
            "zone": units["zone"],
            "row": np.asarray(units["row"], dtype=np.int64),
            "col": np.asarray(units["col"], dtype=np.int64),
            "sub": np.asarray(units["sub"], dtype=np.int64),
            "n_cells": np.asarray(units["n_cells"], dtype=np.int64),
            "area_m2": np.round(np.asarray(units["area_m2"], dtype=float), 2),
            "partial": np.asarray(units["area_m2"], dtype=float) < params.cell_size_m**2 * (1 - 1e-9),
        },
        np.asarray(units["geometry"], dtype=object),
        epsg_crs(zone.epsg),
    )


def _lonlat(px, py, zone: GaussKrugerZone):
    """CGCS2000 longitude and latitude (decimal degrees rounded to 8 places), (n, 2)."""
    lon, lat = lonlat_arrays(px, py, zone.epsg)
    return np.column_stack([np.round(lon, 8), np.round(lat, 8)])


def _located(px, py, zone: GaussKrugerZone) -> dict:
    """Where the points are: CGCS2000 ``lon``, ``lat`` (degrees, 8 places), their DMS
    texts ``lon_dms``, ``lat_dms`` (from the values written) and ``geometry``."""
    lonlat = _lonlat(px, py, zone)
    lon, lat = lonlat[:, 0].copy(), lonlat[:, 1].copy()
    return {
        "lon": lon,
        "lat": lat,
        "lon_dms": dms_array(lon, "E", "W"),
        "lat_dms": dms_array(lat, "N", "S"),
        "geometry": shapely.points(px, py),
    }


def _point_values(
    units: dict, sources: _SourceArrays, params: SamplingParams, zone: GaussKrugerZone, is_canceled=None
) -> dict:
    """Placement (:func:`_place`) and :func:`_located` of the points of ``units``: arrays
    per unit, keys ``x``, ``y``, ``source``, ``reason``, ``lon``, ``lat``, ``lon_dms``,
    ``lat_dms``, ``geometry``."""
    px, py, src, reason = _place(units, sources, params, is_canceled)
    return {"x": px, "y": py, "source": src, "reason": reason, **_located(px, py, zone)}


def _points_frame(units, ids, values: dict, sources, arrays: _SourceArrays, zone: GaussKrugerZone, params):
    """The points GeoDataFrame from :func:`_point_values` (``sources``: the sources
    frame, ``arrays`` its :class:`_SourceArrays`)."""
    columns = _point_columns(
        units, ids, values["x"], values["y"], values["source"], values["reason"], sources, arrays, params, values["geometry"]
    )
    located = {k: values[k] for k in ("lon", "lat", "lon_dms", "lat_dms")}
    return _geoframe({**columns, **located}, values["geometry"], epsg_crs(zone.epsg))


def _point_columns(units, ids, px, py, src, reason, sources, arrays: _SourceArrays, params, pts):
    """Every point field but lon/lat and the geometry (``pts``, the points of px, py).

    Per-source values are looked up with one ``take`` each: every source array gets one
    extra element (empty text, NaN, -1) at the end, which the index -1 (no source) picks.
    """
    n = ids.size
    type_idx, type_names = (
        pd.factorize(sources["source_type"].to_numpy()) if len(sources) else (np.empty(0, np.int64), [])
    )

    def per_point(values, missing):
        values = np.asarray(values)
        return np.concatenate([values, np.array([missing], dtype=values.dtype)])[src]

    t_idx = per_point(np.asarray(type_idx, dtype=np.int64), -1)
    slayer = per_point(sources["source_layer"].to_numpy(dtype=object), "") if len(sources) else _filled(n, "")
    sid = per_point(sources["source_id"].to_numpy(dtype=object), "") if len(sources) else _filled(n, "")
    bottom = per_point(sources["bottom_m"].to_numpy(dtype=float), np.nan) if len(sources) else np.full(n, np.nan)
    # distance to the source: plain arithmetic to a point source (per source, 10^4
    # calls to GEOS, not per point), GEOS for lines and polygons
    src_pt = arrays.type_id == 0  # a multipoint's distance is to its nearest member: GEOS
    src_x = np.where(src_pt, arrays.x, np.nan)
    src_y = np.where(src_pt, arrays.y, np.nan)
    dist = np.hypot(px - per_point(src_x, np.nan), py - per_point(src_y, np.nan))  # NaN: no point source
    other = np.flatnonzero((src >= 0) & ~per_point(src_pt, True))
    if other.size:
        dist[other] = shapely.distance(pts[other], arrays.geom[src[other]])
    dist = np.round(dist, 3)
    stype = np.array(list(type_names) + [""], dtype=object)[t_idx]  # -1 -> ""
    reason_code, reason_zh, reason_en = _reason_texts(reason, t_idx, list(type_names), params)
    columns = {
        "point_id": ids,
        "unit_id": ids,
        "zone": units["zone"],
        "source_type": stype,
        "source_layer": slayer,
        "source_id": sid,
        "bottom_m": np.round(bottom, 2),
        "reason": reason_code,
        "reason_zh": reason_zh,
        "reason_en": reason_en,
        "dist_source_m": dist,
        "x": np.round(px, 3),
        "y": np.round(py, 3),
    }
    return columns


def _empty_outputs(zone):
    crs = epsg_crs(zone.epsg)
    units = _geoframe(
        {"unit_id": np.empty(0, dtype=object), "zone": np.empty(0, dtype=object), "area_m2": np.empty(0)},
        np.empty(0, dtype=object),
        crs,
    )
    points = _geoframe(
        {"point_id": np.empty(0, dtype=object), "zone": np.empty(0, dtype=object), "x": np.empty(0), "y": np.empty(0)},
        np.empty(0, dtype=object),
        crs,
    )
    return units, points


# --------------------------------------------------------------------------- control points


def control_points(control_area, zone: GaussKrugerZone, params: SamplingParams) -> tuple:
    """Control (reference) units and points in the control area, zone ``CTRL``.

    By default the control area gets the same grid rule (one point per unit, at the unit
    centre: there is no source to move toward). With ``params.control_count`` = n, n
    points are spread evenly instead (farthest-point sampling over a fine grid of
    candidates, starting from the candidate nearest the area's centroid) and no units
    are returned.

    Returns
    -------
    units, points : geopandas.GeoDataFrame
    warnings : list of str
    """
    gdf, notes = prepare_layer(control_area, "control_area", (POLY_TYPES,), zone)
    warnings: list = list(notes)
    geom = shapely.union_all(np.asarray(gdf.geometry.array))
    if params.control_count is None:
        units, unit_notes = build_units({"CTRL": geom}, params, math.inf)
        warnings += unit_notes
        geoms = units["geometry"]
        c = shapely.centroid(geoms)
        ok = shapely.contains(geoms, c)
        pts = np.where(ok, c, shapely.point_on_surface(geoms))
        px, py = shapely.get_x(pts), shapely.get_y(pts)
        reason = np.full(px.size, _R["control_grid"], dtype=np.int8)
    else:
        n = int(params.control_count)
        area = shapely.area(geom)
        step = math.sqrt(area / (n * 50.0))
        minx, miny, maxx, maxy = shapely.bounds(geom)
        xs = np.arange(minx + step / 2, maxx, step)
        ys = np.arange(maxy - step / 2, miny, -step)
        gx, gy = np.meshgrid(xs, ys)
        cand = shapely.points(gx.ravel(), gy.ravel())
        shapely.prepare(geom)
        inside = shapely.contains(geom, cand)
        cx, cy = gx.ravel()[inside], gy.ravel()[inside]
        if cx.size < n:
            raise InputError(
                f"the control area ({area:.0f} m2) is too small for {n} control points", layer="control_area"
            )
        centre = shapely.centroid(geom)
        d = np.hypot(cx - centre.x, cy - centre.y)
        picks = [int(np.argmin(d))]
        dmin = np.hypot(cx - cx[picks[0]], cy - cy[picks[0]])
        for _ in range(n - 1):  # n is a handful of control points
            j = int(np.argmax(dmin))
            picks.append(j)
            dmin = np.minimum(dmin, np.hypot(cx - cx[j], cy - cy[j]))
        picks = np.array(picks)
        order = np.lexsort((cx[picks], -cy[picks]))
        px, py = cx[picks][order], cy[picks][order]
        units = {
            "zone": _filled(n, "CTRL"),
            "row": np.zeros(n, dtype=np.int64),
            "col": np.zeros(n, dtype=np.int64),
            "sub": np.zeros(n, dtype=np.int64),
            "geometry": shapely.points(px, py),
            "area_m2": np.zeros(n),
            "is_box": np.zeros(n, dtype=bool),
            "n_cells": np.zeros(n, dtype=np.int64),
        }
        reason = np.full(n, _R["control_count"], dtype=np.int8)
    empty_src, _ = _sources_input(None, zone)
    u, p = _frames(units, px, py, np.full(px.size, -1, dtype=np.int64), reason, empty_src, zone, params)
    if params.control_count is not None:
        u = u.iloc[0:0]
    if len(p) < 5:
        warnings.append(Message("SAMPLING_FEW_CONTROL_POINTS", n=len(p)))
    return u, p, warnings


# --------------------------------------------------------------------------- entry point


def sampling_grid(
    zones,
    sources=None,
    *,
    boundary=None,
    control_area=None,
    params: Optional[SamplingParams] = None,
    progress=None,
    is_canceled=None,
) -> SamplingResult:
    """Sampling units (<= 1600 m2) per zone and one soil point per unit.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Zone polygons with a ``zone`` field (PREP, INJ, COLL, SETL), e.g.
        :attr:`ZonesResult.zones <ree_damage.core.survey.zones.ZonesResult>`; zones must not overlap.
    sources : geopandas.GeoDataFrame, optional
        Potential sources (:attr:`ZonesResult.sources`): ``source_type`` (hole, pool,
        ditch, pond, flow), optional ``source_layer``, ``source_id``, ``zone``,
        ``bottom_m``, ``weight``.
    boundary : geopandas.GeoDataFrame, optional
        Case boundary; its area decides the small-case rule (else the zones' area).
    control_area : geopandas.GeoDataFrame, optional
        Control (reference) area polygons for the baseline points.
    params : SamplingParams, optional
    progress, is_canceled : callable, optional

    Returns
    -------
    SamplingResult

    Raises
    ------
    InputError
        A cell larger than 40 m (rule quoted), bad or overlapping zones, bad sources.
    """
    with collector_paused():
        return _sampling_grid(
            zones, sources, boundary, control_area, params or SamplingParams(), progress, is_canceled
        )


def _case_area(boundary, zone_geoms: dict, zone: GaussKrugerZone) -> tuple:
    """Area (m2) the small-case rule is judged on: the boundary's, else the zones'; warnings."""
    if boundary is None:
        return float(sum(shapely.area(g) for g in zone_geoms.values())), []
    bnd, warnings = prepare_layer(boundary, "boundary", (POLY_TYPES,), zone)
    return float(shapely.area(shapely.union_all(np.asarray(bnd.geometry.array)))), list(warnings)


def _far_from_source_note(points_gdf, arrays: _SourceArrays, source_index) -> list:
    """A warning naming the pond/pool/ditch points that their unit keeps beyond 2 m
    (``source_index``: each point's row in the sources, -1 for none)."""
    far = np.append(arrays.is_ring, False)[source_index] & (
        points_gdf["dist_source_m"].to_numpy() > NEAR_SOURCE_MAX_M + 1e-6
    )
    if not far.any():
        return []
    return [
        Message(
            "SAMPLING_FAR_FROM_SOURCE",
            n=int(far.sum()),
            limit_m=NEAR_SOURCE_MAX_M,
            ids=", ".join(points_gdf["point_id"][far].tolist()[:10]),
        )
    ]


def _sampling_grid(zones, sources, boundary, control_area, params, progress, is_canceled) -> SamplingResult:
    """The steps of :func:`sampling_grid`, one after the other."""
    _check_params(params)
    steps = Steps(progress, [1, 4, 3, 2])
    # 1. inputs: zones and sources checked and in the zone CRS, the case area
    zone_geoms, zone, warnings = _zones_input(zones)
    src, notes = _sources_input(sources, zone)
    warnings += notes
    arrays = _source_arrays(src)
    check_canceled(is_canceled)
    case_area, notes = _case_area(boundary, zone_geoms, zone)
    warnings += notes
    check_canceled(is_canceled)
    # 2. units: the grid cut on each zone, edge cells merged, slivers dropped
    units, notes = build_units(zone_geoms, params, case_area, params.origin, is_canceled)
    warnings += notes
    units, notes = _drop_wet_units(units, arrays)
    warnings += notes
    steps.stage(0)(1.0)
    # 3. one point per unit, toward its source; lon/lat and DMS
    values = _point_values(units, arrays, params, zone, is_canceled)
    steps.stage(1)(1.0)
    # 4. the output frames
    ids = _ids(units["zone"], _zone_runs(units))
    units_gdf = _units_frame(units, ids, zone, params)
    steps.stage(2)(1.0)
    points_gdf = _points_frame(units, ids, values, src, arrays, zone, params)
    warnings += _far_from_source_note(points_gdf, arrays, values["source"])
    # 5. control points
    if control_area is not None:
        cu, cp, notes = control_points(control_area, zone, params)
        warnings += notes
    else:
        cu, cp = _empty_outputs(zone)
        warnings.append(Message("SAMPLING_NO_CONTROL_AREA"))
    steps.stage(3)(1.0)
    parameters = asdict(params)
    parameters["origin"] = list(units["origin"])
    parameters["zone_crs"] = zone.authid
    check_inputs = {"zones": zone_geoms, "sources": src, "cell_size_m": params.cell_size_m}
    return SamplingResult(units_gdf, points_gdf, cu, cp, case_area, zone, warnings, parameters, check_inputs)


# --------------------------------------------------------------------------- compliance


def _rule_row(rule_id, rule: Message, source, applies, failed_ids):
    """One line of the compliance table; the rule in both languages from its message code."""
    failed_ids = list(failed_ids)
    passed = applies - len(failed_ids)
    status = "N/A" if applies == 0 else ("PASS" if not failed_ids else "FAIL")
    return {
        "rule_id": rule_id,
        "rule_zh": rule.text("zh"),
        "rule_en": rule.text("en"),
        "source": source,
        "applies_to": int(applies),
        "passed": int(passed),
        "failed": int(len(failed_ids)),
        "status": status,
        "failed_ids": ", ".join(str(i) for i in failed_ids[:20]) + (" ..." if len(failed_ids) > 20 else ""),
    }


def check_sampling(
    units,
    points,
    case_area_m2: float,
    zones: Optional[dict] = None,
    sources=None,
    cell_size_m: float = MAX_CELL_SIZE_M,
):
    """Check a sampling layout against every sampling rule, independently of the builder.

    Parameters
    ----------
    units, points : geopandas.GeoDataFrame
        As returned by :func:`sampling_grid` (``unit_id``/``point_id``, ``zone``,
        ``source_type``, geometry).
    case_area_m2 : float
        Case area for the small-case rule.
    zones : dict, optional
        Zone code -> geometry; when given, points and units must lie in their zone.
    sources : geopandas.GeoDataFrame, optional
        The sources; when given, the 2 m rule is measured from the point geometry to the
        source geometry (matched on ``source_layer`` and ``source_id``), not read from
        ``dist_source_m``, and it binds the points whose unit comes within 2 m of their
        source (原则上, "in principle": a unit farther away cannot comply; such points
        are reported in the warnings of :func:`sampling_grid`). Without sources it binds
        every pond, pool and ditch point.
    cell_size_m : float
        Cell size used (only reported).

    Returns
    -------
    pandas.DataFrame
        One row per rule: ``rule_id, rule_zh, rule_en, source, applies_to, passed,
        failed, status`` (PASS/FAIL/N/A), ``failed_ids``.
    """
    unit_ids = units["unit_id"].to_numpy()
    unit_geoms = np.asarray(units.geometry.array, dtype=object)
    point_unit = _unit_of_points(unit_ids, points["unit_id"].to_numpy())
    return pd.DataFrame(
        [
            _check_unit_area(unit_ids, unit_geoms, cell_size_m),
            _check_one_point_per_unit(units, points, point_unit, zones),
            _check_small_case(points, case_area_m2),
            _check_near_source(points, unit_geoms, point_unit, sources),
            _check_point_ids(points, unit_ids),
            _check_unit_shape(unit_ids, unit_geoms, cell_size_m),
        ]
    )


@dataclass
class _PointUnits:
    """Which unit each point belongs to: ``index`` (row of the units, -1 for none) and
    ``without_one`` (unit ids that do not have exactly one point)."""

    index: np.ndarray
    without_one: list


def _unit_of_points(unit_ids, point_unit_ids) -> _PointUnits:
    if pd.Index(unit_ids).is_unique and point_unit_ids.size == unit_ids.size and bool((point_unit_ids == unit_ids).all()):
        return _PointUnits(np.arange(unit_ids.size), [])  # points listed in unit order: one each
    # one factorisation of unit ids and the points' unit ids together
    codes, uniq = pd.factorize(np.concatenate([unit_ids, point_unit_ids]))
    u_code, p_code = codes[: unit_ids.size], codes[unit_ids.size :]
    unit_of_code = np.full(uniq.size, -1, dtype=np.int64)
    unit_of_code[u_code[::-1]] = np.arange(unit_ids.size)[::-1]  # first unit with that id
    n_points = np.bincount(p_code, minlength=uniq.size)
    return _PointUnits(unit_of_code[p_code], unit_ids[n_points[u_code] != 1].tolist())


def _check_unit_area(unit_ids, unit_geoms, cell_size_m: float) -> dict:
    """S1: every unit at most 1600 m2."""
    areas = shapely.area(unit_geoms)
    return _rule_row(
        "S1",
        Message("SAMPLING_RULE_S1", cell_m=cell_size_m),
        "[seed] appendix table 1(1)",
        len(unit_ids),
        unit_ids[areas > MAX_UNIT_AREA_M2 + 1e-6],
    )


def _check_one_point_per_unit(units, points, point_unit: _PointUnits, zones) -> dict:
    """S2: one point per unit, inside its unit (1e-6 m tolerance) and its zone."""
    ugeo = np.asarray(units.geometry.array, dtype=object)
    uzone = units["zone"].to_numpy()
    p_ids = points["point_id"].to_numpy()
    known = point_unit.index >= 0
    pgeo = np.asarray(points.geometry.array, dtype=object)
    px, py = shapely.get_x(pgeo), shapely.get_y(pgeo)
    bad = p_ids[~known].tolist()
    if known.any():
        g = ugeo[point_unit.index[known]]
        inside = shapely.intersects(g, pgeo[known])
        if not inside.all():  # points on a unit edge may sit 1e-12 m outside: tolerate 1e-6 m
            rest = np.flatnonzero(~inside)
            inside[rest] = shapely.distance(g[rest], pgeo[known][rest]) <= 1e-6
        same_zone = uzone[point_unit.index[known]] == points["zone"].to_numpy()[known]
        bad += p_ids[known][~inside | ~same_zone].tolist()
    if zones is not None:
        for code, geom in zones.items():
            mine = np.flatnonzero(points["zone"].to_numpy() == code)
            if mine.size:
                shapely.prepare(geom)
                ok = shapely.intersects_xy(geom, px[mine], py[mine])
                if not ok.all():
                    rest = mine[~ok]
                    ok[~ok] = shapely.distance(geom, pgeo[rest]) <= 1e-6
                bad += p_ids[mine][~ok].tolist()
    return _rule_row(
        "S2",
        Message("SAMPLING_RULE_S2"),
        "[seed] appendix table 1(1)",
        len(units),
        sorted(set(bad) | set(point_unit.without_one)),
    )


def _check_unit_shape(unit_ids, unit_geoms, cell_size_m: float) -> dict:
    """S6: every unit one contiguous part, its extent within two cells (2 x 1 cells, m)."""
    parts = shapely.get_num_geometries(unit_geoms)
    b = shapely.bounds(unit_geoms)
    span = np.sort(np.column_stack([b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]]), axis=1)
    tol = 1e-6
    too_big = (span[:, 1] > 2 * cell_size_m + tol) | (span[:, 0] > cell_size_m + tol)
    return _rule_row(
        "S6",
        Message("SAMPLING_RULE_S6", long_m=2 * cell_size_m, cell_m=cell_size_m),
        "[default] a unit of the 40 m grid is compact: one part, a sliver joined to one neighbouring cell",
        len(unit_ids),
        unit_ids[(parts != 1) | too_big],
    )


def _check_small_case(points, case_area_m2: float) -> dict:
    """S3: a case under 5000 m2 has at least 3 points."""
    small = case_area_m2 < SMALL_CASE_AREA_M2
    return _rule_row(
        "S3",
        # a rule that does not apply says why in words, not "N/A: case under 5000 m2 (here 75209 m2)"
        Message("SAMPLING_RULE_S3" if small else "SAMPLING_RULE_S3_NOT_APPLICABLE", case_area_m2=case_area_m2),
        "[seed] appendix table 1(1)",
        1 if small else 0,
        ["case"] if small and len(points) < SMALL_CASE_MIN_POINTS else [],
    )


def _check_near_source(points, unit_geoms, point_unit: _PointUnits, sources) -> dict:
    """S4: pond, pool and ditch points within 2 m of their source (measured from the
    geometries when the sources are given, where the unit comes within 2 m)."""
    ring = (
        points["source_type"].isin(_RING_TYPES).to_numpy()
        if "source_type" in points
        else np.zeros(len(points), bool)
    )
    dist = (
        points["dist_source_m"].to_numpy(dtype=float)
        if "dist_source_m" in points
        else np.full(len(points), np.nan)
    )
    if sources is not None and ring.any():
        pgeo = np.asarray(points.geometry.array, dtype=object)
        key = sources["source_layer"].astype(str) + "\x00" + sources["source_id"].astype(str)
        lookup = pd.Series(np.asarray(sources.geometry.array, dtype=object), index=key.to_numpy())
        lookup = lookup[~lookup.index.duplicated()]
        pkey = (points["source_layer"].astype(str) + "\x00" + points["source_id"].astype(str)).to_numpy()[
            ring
        ]
        found = lookup.index.get_indexer(pkey) >= 0
        d = np.full(pkey.size, np.nan)
        reach = np.full(pkey.size, np.inf)
        if found.any():
            src_geom = lookup.loc[pkey[found]].to_numpy()
            d[found] = shapely.distance(pgeo[ring][found], src_geom)
            # 原则上 (in principle): the rule binds where the unit's dry land comes within
            # 2 m of the source (a unit reaching it only through a neighbouring pond cannot)
            in_units = point_unit.index[ring][found]
            unit_geom = unit_geoms[in_units] if np.all(in_units >= 0) else pgeo[ring][found]
            water = _water_of(sources)
            if water is not None:
                wet = shapely.intersects(unit_geom, water)
                unit_geom = unit_geom.copy()
                unit_geom[wet] = shapely.difference(unit_geom[wet], water)
            reach[found] = shapely.distance(unit_geom, src_geom)
        dist = dist.copy()
        dist[ring] = d
        bound = ring.copy()
        bound[ring] = reach <= NEAR_SOURCE_MAX_M + 1e-6
        ring = bound
    in_water = _points_in_water(points, sources)
    far = (ring & ~(dist <= NEAR_SOURCE_MAX_M + 1e-6)) | in_water
    ring = ring | in_water
    return _rule_row(
        "S4",
        Message("SAMPLING_RULE_S4"),
        "[seed] appendix table 1(2)",
        int(ring.sum()),
        points["point_id"].to_numpy()[far],
    )


def _water_of(sources):
    """The union of the pond, pool and ditch polygons of the sources frame, or None."""
    kind = sources["source_type"].astype(str).str.strip().str.lower().isin(_RING_TYPES).to_numpy()
    sgeo = np.asarray(sources.geometry.array, dtype=object)
    wet = kind & (shapely.get_dimensions(sgeo) == 2)
    return shapely.union_all(sgeo[wet]) if wet.any() else None


def _points_in_water(points, sources) -> np.ndarray:
    """Which points stand inside (in the interior of) a pond, pool or ditch mapped as a
    polygon, any of them (overlapping and nested ponds included); all False without sources."""
    inside = np.zeros(len(points), dtype=bool)
    if sources is None or len(sources) == 0 or len(points) == 0:
        return inside
    kind = sources["source_type"].astype(str).str.strip().str.lower().isin(_RING_TYPES).to_numpy()
    sgeo = np.asarray(sources.geometry.array, dtype=object)
    wet = kind & (shapely.get_dimensions(sgeo) == 2)
    if not wet.any():
        return inside
    hit, _ = shapely.STRtree(sgeo[wet]).query(np.asarray(points.geometry.array, dtype=object), predicate="within")
    inside[hit] = True
    return inside


def _check_point_ids(points, unit_ids) -> dict:
    """S5: point ids unique and of the form <zone>-<nnn>."""
    ids = points["point_id"].astype(str)
    p_ids = points["point_id"].to_numpy()
    if pd.Index(unit_ids).is_unique and p_ids.size == unit_ids.size and bool((p_ids == unit_ids).all()):
        dup = []  # the point ids are the (unique) unit ids
    else:
        dup = ids[ids.duplicated(keep=False)].unique().tolist()
    id_re = r"(?:PREP|INJ|COLL|SETL|CTRL)-\d{3,}"
    if re.fullmatch(f"(?:{id_re}\n)*", "\n".join(ids.tolist()) + "\n" if len(ids) else ""):  # one regex pass
        pattern = pd.Series(True, index=ids.index)
    else:
        pattern = ids.str.fullmatch(id_re)
    return _rule_row(
        "S5",
        Message("SAMPLING_RULE_S5"),
        "[default] sample-id scheme of the plugin (traceable ids for the chain of custody)",
        len(points),
        sorted(set(dup) | set(ids[~pattern].tolist())),
    )


__all__ = [
    "MAX_UNIT_AREA_M2",
    "PARAM_SOURCES",
    "REASON_CODES",
    "RULE_UNIT_AREA",
    "SamplingParams",
    "SamplingResult",
    "build_units",
    "check_sampling",
    "control_points",
    "dms_array",
    "sampling_grid",
]
