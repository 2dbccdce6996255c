"""Hand edits of a sampling plan: a point moved within its unit, a point added for the second round.

A technician in the field or at the desk moves a grid point (a fence, a boulder, a pond
bank that gave way) or adds a point where the first round left doubt. Both edits are kept
inside the rules of :mod:`.sampling`:

* A moved point stays in its own sampling unit (S2: one point per unit, inside it); a move
  outside the unit is refused, naming the point and the unit (:class:`OutsideUnitError`).
  Its coordinates, CGCS2000 longitude/latitude and distance to its source are recomputed,
  and it is marked ``hand_edit = "moved_by_hand"``, so a plan read later says which points
  the grid did not place.
* An added point belongs to the second round (``round`` 2, ``hand_edit = "added_by_hand"``).
  Its id follows the grid's scheme numbered on from the highest id of its zone
  (``INJ-038`` after ``INJ-037``), as the adaptive second round of
  :mod:`ree_damage.core.damage.adaptive` numbers its proposals, so the two rounds never share
  an id. It takes the zone and the source of the unit it stands in (``source_type``,
  ``bottom_m``: the hole, pool, pond or ditch bottom), so the depth schedule gives it the
  depth rules of its unit (D7/D8: more than 3 m below that bottom). A point outside every
  sampling unit is refused: it would have no zone and no depth rule.
* The grid rules (S1-S6) are checked on the first-round points only (:func:`plan_compliance`):
  a second-round point is an extra point in a unit, not a second grid point.
"""

from __future__ import annotations

import re
from typing import Optional

import numpy as np
import pandas as pd
import shapely

from ..common.errors import InputError
from ..geo.crs import dms_array, lonlat_arrays
from .sampling import check_sampling
from .zones import ZONE_CODES

MOVED = "moved_by_hand"
"""``hand_edit`` of a grid point a person moved (within its unit)."""
ADDED = "added_by_hand"
"""``hand_edit`` of a second-round point a person added."""
SECOND_ROUND = 2
"""``round`` of an added point (the grid's points are round 1)."""
TOLERANCE_M = 1e-6
"""A point on its unit's edge counts as inside (the tolerance of rule S2), m."""


class OutsideUnitError(InputError):
    """A point moved (or added) outside the sampling unit it must stay in.

    Attributes
    ----------
    point_id, unit_id : str
        The point and the unit (``unit_id`` empty: no unit at all).
    """

    def __init__(self, message: str, point_id: str, unit_id: str):
        super().__init__(message, layer="sampling_points", feature=point_id)
        self.point_id = point_id
        self.unit_id = unit_id


def _row(frame, column: str, value):
    found = np.flatnonzero(frame[column].astype(str).to_numpy() == str(value))
    if found.size == 0:
        raise InputError(f"no feature with {column} = {value!r}", layer="sampling_points", column=column)
    return int(found[0])


def _unit_geometry(units, unit_id: str):
    return np.asarray(units.geometry.array, dtype=object)[_row(units, "unit_id", unit_id)]


def _inside(geom, x: float, y: float) -> bool:
    point = shapely.Point(x, y)
    return bool(shapely.intersects(geom, point) or shapely.distance(geom, point) <= TOLERANCE_M)


def _located(x: float, y: float, epsg: int) -> dict:
    """The position fields of a point as the grid writes them (x, y to the mm; lon/lat 8 places)."""
    lon, lat = lonlat_arrays(np.array([x]), np.array([y]), epsg)
    lon, lat = np.round(lon, 8), np.round(lat, 8)
    return {
        "x": round(float(x), 3),
        "y": round(float(y), 3),
        "lon": float(lon[0]),
        "lat": float(lat[0]),
        "lon_dms": str(dms_array(lon, "E", "W")[0]),
        "lat_dms": str(dms_array(lat, "N", "S")[0]),
    }


def _source_distance(x: float, y: float, sources, source_layer, source_id) -> Optional[float]:
    """Distance (m, to the mm) from (x, y) to the point's source; None when the source is not found."""
    if sources is None or len(sources) == 0 or not str(source_layer):
        return None
    match = (sources["source_layer"].astype(str).to_numpy() == str(source_layer)) & (
        sources["source_id"].astype(str).to_numpy() == str(source_id)
    )
    if not match.any():
        return None
    geom = np.asarray(sources.geometry.array, dtype=object)[np.flatnonzero(match)[0]]
    return round(float(shapely.distance(shapely.Point(x, y), geom)), 3)


def move_point(units, points, point_id: str, x: float, y: float, epsg: int, sources=None) -> dict:
    """The new field values of a grid point moved by hand to (x, y), within its unit.

    Parameters
    ----------
    units, points : geopandas.GeoDataFrame
        The sampling units and points (:func:`~ree_damage.core.survey.sampling.sampling_grid`).
    point_id : str
        The point moved.
    x, y : float
        Where it goes, in the zone CRS (m).
    epsg : int
        EPSG code of the zone CRS (CGCS2000 Gauss-Kruger), for longitude and latitude.
    sources : geopandas.GeoDataFrame, optional
        The sources (``source_layer``, ``source_id``): the distance to the point's source is
        measured again; without them ``dist_source_m`` is left as it was.

    Returns
    -------
    dict
        ``x``, ``y`` (m), ``lon``, ``lat`` (degrees), ``lon_dms``, ``lat_dms``,
        ``dist_source_m`` (m, when measured) and ``hand_edit``.

    Raises
    ------
    OutsideUnitError
        When (x, y) lies outside the point's unit.
    """
    point = points.iloc[_row(points, "point_id", point_id)]
    unit_id = str(point["unit_id"])
    if not _inside(_unit_geometry(units, unit_id), x, y):
        raise OutsideUnitError(
            f"point {point_id} must stay in its sampling unit {unit_id}: ({x:.2f}, {y:.2f}) lies outside it",
            str(point_id), unit_id,
        )
    values = {**_located(x, y, epsg), "hand_edit": MOVED}
    distance = _source_distance(x, y, sources, point.get("source_layer", ""), point.get("source_id", ""))
    if distance is not None:
        values["dist_source_m"] = distance
    return values


def next_point_id(point_ids, zone: str) -> str:
    """The next id of ``zone`` in the grid's scheme: ``<zone>-<nnn>`` after the highest in use.

    >>> next_point_id(["INJ-001", "INJ-012", "PREP-003"], "INJ")
    'INJ-013'
    >>> next_point_id(["INJ-001"], "SETL")
    'SETL-001'
    """
    top = 0
    width = 3
    for pid in point_ids:
        found = re.fullmatch(rf"{re.escape(zone)}-(\d+)", str(pid))
        if found:
            top = max(top, int(found.group(1)))
            width = max(width, len(found.group(1)))
    return f"{zone}-{top + 1:0{width}d}"


def second_round_point(units, points, x: float, y: float, epsg: int, sources=None) -> dict:
    """The field values of a second-round point added by hand at (x, y).

    The point takes the unit it stands in: its zone, and the source of that unit's grid point
    (``source_type``, ``source_layer``, ``source_id``, ``bottom_m``), which give it the depth
    rules of the unit in the depth schedule.

    Parameters
    ----------
    units, points, epsg, sources
        As for :func:`move_point`.
    x, y : float
        Where it stands, in the zone CRS (m).

    Returns
    -------
    dict
        Every field of a sampling point, plus ``round`` (2) and ``hand_edit``.

    Raises
    ------
    OutsideUnitError
        When (x, y) lies in no sampling unit (``unit_id`` empty).
    """
    ugeo = np.asarray(units.geometry.array, dtype=object)
    hit = np.flatnonzero(shapely.intersects(ugeo, shapely.Point(x, y)))
    if hit.size == 0:
        raise OutsideUnitError(
            f"a second-round point must stand in a sampling unit: ({x:.2f}, {y:.2f}) lies in none", "", ""
        )
    unit = units.iloc[int(hit[0])]
    unit_id, zone = str(unit["unit_id"]), str(unit["zone"])
    if zone not in ZONE_CODES:
        raise InputError(f"unit {unit_id} has the unknown zone {zone!r}", layer="sampling_units", column="zone")
    grid = points[points["unit_id"].astype(str) == unit_id]
    grid = grid[grid["round"].fillna(1).astype(int) != SECOND_ROUND] if "round" in grid.columns else grid
    template = grid.iloc[0] if len(grid) else None

    def of_unit(column, missing):
        value = template.get(column, missing) if template is not None else missing
        if value is None or (isinstance(value, (float, np.floating)) and np.isnan(value)):
            return missing
        return value.item() if isinstance(value, np.generic) else value  # plain Python for any host

    values = {
        "point_id": next_point_id(points["point_id"].astype(str), zone),
        "unit_id": unit_id,
        "zone": zone,
        "source_type": of_unit("source_type", ""),
        "source_layer": of_unit("source_layer", ""),
        "source_id": of_unit("source_id", ""),
        "bottom_m": of_unit("bottom_m", None),
        "reason": ADDED,
        "reason_zh": "第二轮人工补充点位（深度规则同所在采样单元）",
        "reason_en": "second-round point added by hand (the depth rules of its unit)",
        **_located(x, y, epsg),
        "round": SECOND_ROUND,
        "hand_edit": ADDED,
    }
    distance = _source_distance(x, y, sources, values["source_layer"], values["source_id"])
    values["dist_source_m"] = distance
    return values


def first_round(points):
    """The grid's own points (``round`` missing or 1): the ones the grid rules bind."""
    if "round" not in points.columns:
        return points
    return points[pd.to_numeric(points["round"], errors="coerce").fillna(1).astype(int) != SECOND_ROUND]


def plan_compliance(units, points, case_area_m2: float, zones=None, sources=None, cell_size_m: float = 40.0):
    """:func:`~ree_damage.core.survey.sampling.check_sampling` of a plan that may hold hand edits:
    the first-round points against the units (second-round points are extra points, not grid points).

    Parameters and returns as :func:`~ree_damage.core.survey.sampling.check_sampling`
    (``case_area_m2`` in m2, ``cell_size_m`` in m).
    """
    grid = first_round(points).reset_index(drop=True)
    return check_sampling(units, grid, case_area_m2, zones=zones, sources=sources, cell_size_m=cell_size_m)


def zone_geometries(zones) -> dict:
    """Zone code -> the union of its polygons (the zones layer of ``functional_zones``)."""
    codes = zones["zone"].astype(str).str.strip().str.upper().to_numpy()
    geoms = np.asarray(zones.geometry.array, dtype=object)
    return {code: shapely.union_all(geoms[codes == code]) for code in ZONE_CODES if (codes == code).any()}


def case_area(boundary, zones: dict) -> float:
    """The area (m2) the small-case rule is judged on: the boundary's, else the zones' (as the grid does)."""
    if boundary is not None and len(boundary):
        return float(shapely.area(shapely.union_all(np.asarray(boundary.geometry.array, dtype=object))))
    return float(sum(shapely.area(g) for g in zones.values()))


def broken_rules(before, after) -> list:
    """The rules an edit broke: rows of ``after`` (a compliance table) that FAIL with a
    point that did not fail ``before``; each ``(rule_id, rule_zh, rule_en, new failed ids)``."""
    old = {row.rule_id: set(_ids(row.failed_ids)) | ({"*"} if row.status == "FAIL" and not _ids(row.failed_ids) else set())
           for row in before.itertuples()}
    broken = []
    for row in after.itertuples():
        if row.status != "FAIL":
            continue
        new = [i for i in _ids(row.failed_ids) if i not in old.get(row.rule_id, set())]
        if new or row.rule_id not in old or not old[row.rule_id]:
            broken.append((row.rule_id, row.rule_zh, row.rule_en, new))
    return broken


def _ids(text) -> list:
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return []
    return [i.strip() for i in str(text).replace(" ...", "").split(",") if i.strip()]


__all__ = [
    "ADDED",
    "MOVED",
    "OutsideUnitError",
    "broken_rules",
    "case_area",
    "first_round",
    "move_point",
    "next_point_id",
    "plan_compliance",
    "second_round_point",
    "zone_geometries",
]
