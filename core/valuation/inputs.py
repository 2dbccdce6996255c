"""Quantities the valuation reads from the tables of earlier steps, each with its source.

- ``damage_summary.csv`` of ``damage_extent`` (README, "The damage summary table"): the rows
  ``zone == "ALL"`` and ``indicator == "ANY"`` (damage by any indicator, overlaps counted
  once) of the chosen interpolation method give, summed over depth layers, the damaged
  soil volume (``volume_m3``; range ``volume_p50_m3`` ...), and the largest layer's
  ``area_m2`` the damaged soil area (the footprint of stacked layers is at least that).
  Where the ANY rows carry no P(exceed) columns (``damage_extent`` gives them per
  indicator), the range takes per layer and level the largest single indicator, a lower
  bound of the union (noted in the output).
- the vegetation summary of ``vegetation_damage`` (CSV or any table OGR reads): the
  ``CASE_AREA`` row's ``damaged_area_m2`` is the forest area lost.
- the resource table of ``mined_volume`` (``annex5_resource_summary.csv`` or
  ``annex4_block_resources.csv``): the ``合计`` row's ``REO 资源量（t）``.
- an optional water damage table (CSV, UTF-8 with or without BOM) with columns ``medium``
  (``groundwater`` or ``surface_water``), ``indicator``, ``area_m2``, ``volume_m3`` and
  ``confidence`` (50, 80 or 95: the row holds the plume where P(exceed) >= that %). Per
  medium and level the ``ANY`` indicator row is taken when present, else the largest
  volume over the indicators (their union is at least that); the central value is the 50 %
  row. An empty cell (``water_damage`` draws no plume from fewer than 4 wells) gives no
  quantity. Without the table (or a value), ``[valuation.quantities.groundwater_volume_m3]``
  (value, unit, source) gives the groundwater volume to treat.

Every quantity names its file, SHA-256, rows and column; a negative number stops the run
naming the file, row and column.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Optional

import pandas as pd

from ..common.errors import InputError
from ..common.provenance import sha256_file
from .lines import LEVELS, Quantity
from .money import non_negative, quantity_unit

QUANTITY_KEYS = {
    "soil_damaged_volume_m3": "m3",
    "soil_damaged_area_m2": "m2",
    "soil_damaged_area_hm2": "hm2",
    "vegetation_damaged_area_m2": "m2",
    "vegetation_damaged_area_hm2": "hm2",
    "resource_reo_t": "t",
    "groundwater_volume_m3": "m3",
    "groundwater_area_m2": "m2",
    "surface_water_volume_m3": "m3",
    "surface_water_area_m2": "m2",
}
"""Quantities a line may name, with their units."""

WATER_COLUMNS = ("medium", "indicator", "area_m2", "volume_m3", "confidence")
WATER_MEDIA = ("groundwater", "surface_water")
_HM2 = Decimal(10000)


def describe(path) -> str:
    """``<file name> (sha256 <hex>)``: how a line names an input file."""
    return f"{Path(path).name} (sha256 {sha256_file(path)})"


def _read_table(path) -> pd.DataFrame:
    file = Path(path)
    if not file.is_file():
        raise InputError("input table not found", layer=str(file))
    if file.suffix.lower() in (".csv", ".txt"):
        return pd.read_csv(file, encoding="utf-8-sig", keep_default_na=False, na_values=[""], dtype=str)
    import pyogrio

    frame = pyogrio.read_dataframe(str(file), read_geometry=False)
    return frame.astype(object).where(frame.notna(), None).astype(str).replace({"None": None, "nan": None})


def _number(frame, index, column, file) -> Optional[Decimal]:
    """The cell as a non-negative Decimal, None when empty; an error naming file, row, column."""
    value = frame.at[index, column]
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError as error:
        raise InputError(f"{value!r} is not a number", layer=str(file), row=int(index) + 1, column=column) from error
    if not number.is_finite():
        return None
    if number < 0:
        raise InputError(f"negative quantity {number}", layer=str(file), row=int(index) + 1, column=column)
    return number


def _need(frame, columns, file) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"column {missing[0]!r} missing; expected {', '.join(columns)}", layer=str(file),
                         column=missing[0])


def damage_quantities(path, method: str = "auto") -> tuple:
    """Soil quantities from ``damage_summary.csv``: ``(dict key -> Quantity, notes)``.

    Parameters
    ----------
    path : path-like
        The summary table ``damage_extent`` writes.
    method : {"auto", "ok", "idw"}
        The interpolation whose rows are used; ``auto`` takes ``ok`` when present, else ``idw``.
    """
    frame = _read_table(path)
    _need(frame, ("zone", "depth_layer", "indicator", "method", "area_m2", "volume_m3"), path)
    frame["method"] = frame["method"].fillna("")
    rows = frame[(frame["zone"] == "ALL") & (frame["indicator"] == "ANY")]
    methods = sorted(set(rows["method"]) - {""})
    chosen = method
    if method == "auto":
        chosen = "ok" if "ok" in methods else ("idw" if "idw" in methods else "")
    rows = rows[rows["method"] == chosen]
    if not len(rows):
        raise InputError(f"no rows zone=ALL, indicator=ANY, method={chosen or '(none)'} (methods present: "
                         f"{', '.join(methods) or 'none'})", layer=str(path), column="method")
    source = describe(path)
    where = f"{source}: zone=ALL, indicator=ANY, method={chosen}, rows {', '.join(str(i + 2) for i in rows.index)}"
    volume = sum((_number(rows, i, "volume_m3", path) or Decimal(0)) for i in rows.index)
    areas = [(_number(rows, i, "area_m2", path) or Decimal(0)) for i in rows.index]
    area = max(areas)
    volume_levels, area_levels = {}, {}
    for level in LEVELS:
        vcol, acol = f"volume_p{level}_m3", f"area_p{level}_m2"
        if vcol in rows.columns and acol in rows.columns:
            values = [_number(rows, i, vcol, path) for i in rows.index]
            a_values = [_number(rows, i, acol, path) for i in rows.index]
            if all(v is not None for v in values) and all(a is not None for a in a_values):
                volume_levels[level] = sum(values)
                area_levels[level] = max(a_values)
    notes = [f"damage summary: method {chosen}; volume = sum over {len(rows)} depth layer(s), area = largest layer"]
    if not volume_levels:
        volume_levels, area_levels, used = _levels_from_indicators(frame, rows, chosen, path)
        if volume_levels:
            notes.append("damage summary: the ANY rows give no P(exceed) levels; the range takes, per layer and "
                         f"level, the largest single indicator ({used}), a lower bound of their union")
    if not volume_levels:
        notes.append("damage summary: no P(exceed) columns for this method: no damage range (kriging gives one)")
    quantities = {
        "soil_damaged_volume_m3": Quantity("soil_damaged_volume_m3", volume, "m3",
                                           f"{where}, column volume_m3 (sum)", volume_levels),
        "soil_damaged_area_m2": Quantity("soil_damaged_area_m2", area, "m2",
                                         f"{where}, column area_m2 (largest layer)", area_levels),
        "soil_damaged_area_hm2": Quantity("soil_damaged_area_hm2", area / _HM2, "hm2",
                                          f"{where}, column area_m2 (largest layer) / 10000",
                                          {k: v / _HM2 for k, v in area_levels.items()}),
    }
    return quantities, notes


def _levels_from_indicators(frame, any_rows, method: str, path) -> tuple:
    """Per level, the sum over layers of the largest indicator's volume (and the largest area);
    empty when a layer has no indicator with every level."""
    volume_levels, area_levels, used = {}, {}, set()
    indicators = frame[(frame["zone"] == "ALL") & (frame["indicator"] != "ANY") & (frame["method"] == method)]
    for level in LEVELS:
        vcol, acol = f"volume_p{level}_m3", f"area_p{level}_m2"
        if vcol not in frame.columns or acol not in frame.columns:
            return {}, {}, ""
        volume, areas = Decimal(0), []
        for layer in any_rows["depth_layer"]:
            candidates = indicators[indicators["depth_layer"] == layer]
            values = {i: (_number(candidates, i, vcol, path), _number(candidates, i, acol, path))
                      for i in candidates.index}
            values = {i: v for i, v in values.items() if v[0] is not None and v[1] is not None}
            if not values:
                return {}, {}, ""
            best = max(values, key=lambda i: values[i][0])
            used.add(str(candidates.at[best, "indicator"]))
            volume += values[best][0]
            areas.append(max(v[1] for v in values.values()))
        volume_levels[level], area_levels[level] = volume, max(areas)
    return volume_levels, area_levels, ", ".join(sorted(used))


def vegetation_quantities(path) -> dict:
    """Forest area lost from the vegetation summary (``CASE_AREA`` row, ``damaged_area_m2``)."""
    frame = _read_table(path)
    _need(frame, ("zone", "damaged_area_m2"), path)
    rows = frame.index[frame["zone"] == "CASE_AREA"]
    if not len(rows):
        raise InputError("no CASE_AREA row (the vegetation summary of vegetation_damage)", layer=str(path),
                         column="zone")
    index = rows[0]
    area = _number(frame, index, "damaged_area_m2", path)
    if area is None:
        raise InputError("damaged area is empty", layer=str(path), row=int(index) + 1, column="damaged_area_m2")
    where = f"{describe(path)}: zone=CASE_AREA (row {int(index) + 2}), column damaged_area_m2"
    return {
        "vegetation_damaged_area_m2": Quantity("vegetation_damaged_area_m2", area, "m2", where),
        "vegetation_damaged_area_hm2": Quantity("vegetation_damaged_area_hm2", area / _HM2, "hm2", f"{where} / 10000"),
    }


RESOURCE_COLUMN = "REO 资源量（t）"


def resource_quantities(path) -> dict:
    """The REO resource (t) of the affected range: the ``合计`` row of annex table 5 or 4 of ``mined_volume``."""
    frame = _read_table(path)
    first = frame.columns[0]
    _need(frame, (first, RESOURCE_COLUMN), path)
    rows = frame.index[frame[first] == "合计"]
    if not len(rows):
        raise InputError("no 合计 (total) row in the resource table", layer=str(path), column=first)
    index = rows[-1]
    reo = _number(frame, index, RESOURCE_COLUMN, path)
    if reo is None:
        raise InputError("the total REO resource is empty", layer=str(path), row=int(index) + 1, column=RESOURCE_COLUMN)
    where = f"{describe(path)}: row 合计 (row {int(index) + 2}), column {RESOURCE_COLUMN}"
    return {"resource_reo_t": Quantity("resource_reo_t", reo, "t", where)}


def water_quantities(path) -> tuple:
    """Groundwater and surface-water volumes and areas from the water damage table (see module doc)."""
    frame = _read_table(path)
    _need(frame, WATER_COLUMNS, path)
    source = describe(path)
    quantities, notes = {}, []
    for i in frame.index:
        if frame.at[i, "medium"] not in WATER_MEDIA:
            raise InputError(f"medium {frame.at[i, 'medium']!r}, one of {', '.join(WATER_MEDIA)}", layer=str(path),
                             row=int(i) + 1, column="medium")
        if str(frame.at[i, "confidence"]).strip() not in {str(level) for level in LEVELS}:
            raise InputError(f"confidence {frame.at[i, 'confidence']!r}, one of 50, 80, 95", layer=str(path),
                             row=int(i) + 1, column="confidence")
    for medium in WATER_MEDIA:
        rows = frame[frame["medium"] == medium]
        if not len(rows):
            continue
        for column, unit in (("volume_m3", "m3"), ("area_m2", "m2")):
            levels, used = {}, []
            for level in LEVELS:
                at = rows[rows["confidence"].astype(str).str.strip() == str(level)]
                if not len(at):
                    continue
                anys = at[at["indicator"] == "ANY"]
                pick = anys if len(anys) else at
                values = {i: _number(pick, i, column, path) for i in pick.index}
                values = {i: v for i, v in values.items() if v is not None}  # empty: no plume could be drawn
                if not values:
                    continue
                best = max(values, key=values.get)
                levels[level] = values[best]
                used.append(f"{level} %: row {best + 2} ({pick.at[best, 'indicator']})")
            if 50 not in levels:
                notes.append(f"water table: no {medium} {column} at 50 % (no plume drawn): "
                             f"[valuation.quantities.{medium}_{column}] is used if given")
                continue
            key = f"{medium}_{column}"
            quantities[key] = Quantity(key, levels[50], unit, f"{source}: medium={medium}, column {column}; "
                                       + "; ".join(used), levels)
        notes.append(f"water table: {medium} central value = 50 % row; ANY row, else the largest indicator")
    return quantities, notes


def parameter_quantities(table: Mapping) -> dict:
    """Quantities given in ``[valuation.quantities.<key>]`` (value, unit, source): the fallback
    when no table gives them."""
    found = {}
    for key, raw in table.items():
        where = f"valuation.quantities.{key}"
        if key not in QUANTITY_KEYS:
            raise InputError(f"{where}: unknown quantity; one of {', '.join(QUANTITY_KEYS)}", feature=where,
                             column=where)
        if not isinstance(raw, Mapping) or not {"value", "unit", "source"} <= set(raw):
            raise InputError(f"{where}: give value, unit and source", feature=where, column=where)
        unit = quantity_unit(raw["unit"], line=where, parameter=f"{where}.unit")
        if unit != QUANTITY_KEYS[key]:
            raise InputError(f"{where}.unit: unit mismatch, {key} is in {QUANTITY_KEYS[key]}, not {raw['unit']}",
                             feature=where, column=f"{where}.unit")
        value = non_negative(raw["value"], line=where, parameter=f"{where}.value")
        found[key] = Quantity(key, value, unit, f"parameter {where} ({raw['source']})")
    return found


def collect_quantities(params, *, damage=None, vegetation=None, mined=None, water=None) -> tuple:
    """Every quantity available to the lines: ``(dict key -> Quantity, notes, input files)``.

    A table wins over a ``[valuation.quantities]`` fallback of the same key (noted).
    """
    quantities, notes, files = {}, [], {}
    if damage is not None:
        found, more = damage_quantities(damage, params.damage_method)
        quantities.update(found)
        notes += more
        files["damage_summary"] = str(damage)
    if vegetation is not None:
        quantities.update(vegetation_quantities(vegetation))
        files["vegetation_summary"] = str(vegetation)
    if mined is not None:
        quantities.update(resource_quantities(mined))
        files["resource_table"] = str(mined)
    if water is not None:
        found, more = water_quantities(water)
        quantities.update(found)
        notes += more
        files["water_summary"] = str(water)
    for key, quantity in parameter_quantities(params.quantities).items():
        if key in quantities:
            notes.append(f"valuation.quantities.{key} ignored: the input table gives it")
        else:
            quantities[key] = quantity
    return quantities, notes, files


def quantity_of(spec, quantities: Mapping, *, line: str, parameter: str, unit=None) -> Quantity:
    """A line's quantity: the name of a quantity (from the tables) or a number with ``unit``."""
    if isinstance(spec, str):
        if spec not in QUANTITY_KEYS:
            raise InputError(f"{parameter}: unknown quantity {spec!r}; one of {', '.join(QUANTITY_KEYS)}",
                             feature=line, column=parameter)
        if spec not in quantities:
            raise InputError(f"{parameter}: quantity {spec!r} is not available (give its input table or "
                             f"[valuation.quantities.{spec}])", feature=line, column=parameter)
        return quantities[spec]
    value = non_negative(spec, line=line, parameter=parameter)
    if unit is None:
        raise InputError(f"{parameter}: a number needs its unit (quantity_unit)", feature=line, column=parameter)
    return Quantity(parameter, value, quantity_unit(unit, line=line, parameter=f"{parameter}_unit"),
                    f"parameter {parameter}")


def at_level(quantity: Quantity, level) -> Quantity:
    """The quantity at confidence ``level`` (the central value when it has no levels or level is None)."""
    if level is None or level not in quantity.levels:
        return quantity
    return Quantity(quantity.key, quantity.levels[level], quantity.unit, quantity.source + f" [at {level} %]")


__all__ = ["QUANTITY_KEYS", "collect_quantities", "quantity_of", "at_level"]
