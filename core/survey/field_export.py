"""Exports for the field team: one XLSX workbook, and GPX/KML waypoints for handheld GPS.

The workbook holds the points with their coordinates, the depth schedule, the indicator
list (the lab order), the rule-compliance sheet and, when given, the water and sediment
positions. Column headers are Chinese with the English beside them (``点位编号 Point ID``).
The same inputs give the same bytes (no clock time is written), and every file is
written atomically (:mod:`ree_damage.core.common.atomic`).

GPX and KML carry CGCS2000 longitude/latitude. GPS receivers work in WGS 84; the two
frames differ by a few centimetres in China, far below handheld-GPS error, so the
coordinates are written as they are and the difference is stated in the file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from ..common.atomic import atomic_path
from ..common.errors import InputError
from ..standards.indicators import GROUPS, INDICATORS_BY_CODE
from .zones import SOURCE_NAMES, ZONE_NAMES

HEADERS = {
    "point_id": "点位编号 Point ID",
    "unit_id": "采样单元 Unit ID",
    "zone": "功能区 Zone",
    "zone_zh": "功能区名称 Zone name",
    "source": "污染源 Source",
    "source_type": "污染源类型 Source type",
    "source_id": "污染源编号 Source ID",
    "reason_zh": "布点依据 Reason (zh)",
    "reason_en": "布点依据 Reason (en)",
    "dist_source_m": "距污染源(m) Distance to source (m)",
    "bottom_m": "孔/池/沟底深度(m) Source bottom depth (m)",
    "x": "X坐标(m) X (m)",
    "y": "Y坐标(m) Y (m)",
    "lon": "经度(°) Longitude (°)",
    "lat": "纬度(°) Latitude (°)",
    "lon_dms": "经度(度分秒) Longitude (DMS)",
    "lat_dms": "纬度(度分秒) Latitude (DMS)",
    "sample_id": "样品编号 Sample ID",
    "seq": "序号 No.",
    "top_m": "顶深(m) Top (m)",
    "sample_bottom_m": "底深(m) Bottom (m)",
    "reasons_zh": "采样依据 Reasons (zh)",
    "reasons": "采样依据代码 Reason codes",
    "layer": "土层 Soil layer",
    "n_indicators": "指标数 Indicators",
    "code": "指标代码 Code",
    "name_zh": "指标名称 Name (zh)",
    "name_en": "指标名称 Name (en)",
    "unit": "单位 Unit",
    "group": "类别 Group",
    "n_samples": "样品数 Samples",
    "rule_id": "规则编号 Rule",
    "rule_zh": "规则 Rule (zh)",
    "rule_en": "规则 Rule (en)",
    "rule_source": "依据 Source",
    "applies_to": "适用数 Applies to",
    "passed": "符合数 Passed",
    "failed": "不符合数 Failed",
    "status": "结论 Status",
    "failed_ids": "不符合编号 Failed ids",
    "position_id": "点位编号 Position ID",
    "medium_zh": "介质 Medium",
    "role_zh": "断面/井位 Role",
    "note": "说明 Note",
    "indicators": "分析指标 Indicators",
    "distance_m": "距离(m) Distance (m)",
    "item": "项目 Item",
    "value": "内容 Value",
}
"""Field name -> ``中文 English`` column header."""

SHEETS = {
    "points": "点位 Points",
    "depths": "采样深度 Depths",
    "indicators": "分析指标 Indicators",
    "compliance": "规则符合性 Compliance",
    "water": "水与沉积物 Water",
    "about": "说明 About",
}
"""Sheet key -> sheet name (at most 31 characters, as Excel demands)."""

WGS84_NOTE = "CGCS2000 经纬度；与WGS 84相差仅数厘米 / CGCS2000 lon/lat; differs from WGS 84 by a few cm"


def _headed(df: pd.DataFrame, columns: list, rename: Optional[dict] = None) -> pd.DataFrame:
    rename = rename or {}
    present = [c for c in columns if c in df.columns]
    out = df[present].copy()
    out.columns = [HEADERS[rename.get(c, c)] for c in present]
    return out


POINT_FLOAT_COLUMNS = ("bottom_m", "dist_source_m", "x", "y", "lon", "lat")
"""Numeric point fields (m, degrees): float, NaN where empty (a control point has no
source distance or bottom); every other point field of the sheet is text."""


def _point_frame(layer) -> pd.DataFrame:
    """The attributes of a point layer with the numeric fields as float, whatever the
    reader made of an all-empty field (QGIS gives None, an object column)."""
    frame = pd.DataFrame(layer.drop(columns="geometry", errors="ignore"))
    return frame.astype({c: float for c in POINT_FLOAT_COLUMNS if c in frame.columns})


def _points_table(points, control_points=None) -> pd.DataFrame:
    frames = [_point_frame(points)]
    if control_points is not None and len(control_points):
        frames.append(_point_frame(control_points))
    df = pd.concat(frames, ignore_index=True)
    if "lon" not in df.columns or "lat" not in df.columns:
        raise InputError("the points need lon/lat fields (run sampling_grid)", layer="points", column="lon")
    df["zone_zh"] = df["zone"].map(lambda z: ZONE_NAMES.get(z, ("", ""))[0])
    if "source_type" in df.columns:
        df["source"] = df["source_type"].map(
            lambda t: SOURCE_NAMES.get(t, ("", ""))[0] if isinstance(t, str) else ""
        )
    cols = [
        "point_id",
        "zone",
        "zone_zh",
        "source",
        "source_id",
        "reason_zh",
        "reason_en",
        "dist_source_m",
        "bottom_m",
        "x",
        "y",
        "lon",
        "lat",
        "lon_dms",
        "lat_dms",
    ]
    return _headed(df, cols)


def _depth_table(samples) -> pd.DataFrame:
    cols = [
        "sample_id",
        "point_id",
        "zone",
        "seq",
        "top_m",
        "bottom_m",
        "layer",
        "reasons_zh",
        "reasons",
        "n_indicators",
    ]
    return _headed(samples, cols, {"bottom_m": "sample_bottom_m"})


def _indicator_table(lab_order=None, codes: Optional[Iterable[str]] = None) -> pd.DataFrame:
    if lab_order is None:
        if codes is None:
            raise InputError("no indicator list: give the lab order or indicator codes")
        lab_order = pd.DataFrame([{"code": c, "n_samples": np.nan} for c in codes])
    rows = []
    for rec in lab_order.to_dict("records"):
        ind = INDICATORS_BY_CODE.get(rec["code"])
        if ind is None:
            raise InputError(f"unknown indicator code {rec['code']!r}", layer="lab_order", column="code")
        rows.append(
            {
                "code": ind.code,
                "name_zh": ind.name_zh,
                "name_en": ind.name_en,
                "unit": ind.unit,
                "group": f"{GROUPS[ind.group][0]} {GROUPS[ind.group][1]}",
                "n_samples": rec.get("n_samples"),
            }
        )
    return _headed(pd.DataFrame(rows), ["code", "name_zh", "name_en", "unit", "group", "n_samples"])


def _compliance_table(tables) -> pd.DataFrame:
    frames = [t for t in tables if t is not None and len(t)]
    if not frames:
        return pd.DataFrame(columns=[HEADERS[c] for c in ("rule_id", "rule_zh", "rule_en", "status")])
    df = pd.concat(frames, ignore_index=True)
    cols = [
        "rule_id",
        "rule_zh",
        "rule_en",
        "source",
        "applies_to",
        "passed",
        "failed",
        "status",
        "failed_ids",
    ]
    return _headed(df, cols, {"source": "rule_source"})


def _water_table(water) -> pd.DataFrame:
    df = pd.DataFrame(water.drop(columns="geometry", errors="ignore"))
    cols = [
        "position_id",
        "medium_zh",
        "role_zh",
        "zone",
        "distance_m",
        "note",
        "x",
        "y",
        "lon",
        "lat",
        "lon_dms",
        "lat_dms",
        "indicators",
    ]
    return _headed(df, cols)


def field_workbook_sheets(
    points,
    samples,
    *,
    lab_order=None,
    compliance=(),
    water=None,
    control_points=None,
    about: Optional[dict] = None,
) -> dict:
    """The sheets of the field workbook as DataFrames with bilingual headers.

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        :attr:`SamplingResult.points`.
    samples : pandas.DataFrame
        :attr:`DepthResult.samples`.
    lab_order : pandas.DataFrame, optional
        :attr:`DepthResult.lab_order` (``code``, ``n_samples``).
    compliance : sequence of pandas.DataFrame
        Compliance tables (sampling, depth) to stack.
    water : geopandas.GeoDataFrame, optional
        Water and sediment positions (:func:`depth.water_positions`).
    control_points : geopandas.GeoDataFrame, optional
        Control points, listed after the soil points.
    about : dict, optional
        Items for the "About" sheet (CRS, datum, parameters, warnings).

    Returns
    -------
    dict
        Sheet name -> DataFrame, in workbook order.
    """
    sheets = {
        SHEETS["points"]: _points_table(points, control_points),
        SHEETS["depths"]: _depth_table(samples),
        SHEETS["indicators"]: _indicator_table(lab_order, None if lab_order is not None else _codes(samples)),
        SHEETS["compliance"]: _compliance_table(compliance),
    }
    if water is not None and len(water):
        sheets[SHEETS["water"]] = _water_table(water)
    if about:
        sheets[SHEETS["about"]] = pd.DataFrame(
            {HEADERS["item"]: list(about), HEADERS["value"]: [str(v) for v in about.values()]}
        )
    return sheets


def _codes(samples) -> list:
    seen = {}
    for text in pd.unique(samples["indicators"].astype(str)):
        for code in text.split(";"):
            if code:
                seen.setdefault(code, None)
    return list(seen)


def write_field_workbook(path, points, samples, **kwargs) -> Path:
    """Write the field workbook (XLSX) atomically; same inputs, same bytes.

    Takes the arguments of :func:`field_workbook_sheets` plus ``path``. Uses the
    deterministic writer :func:`ree_damage.core.common.xlsx.write_workbook` when present, else
    plain openpyxl (then the file's document times vary between runs).

    Returns
    -------
    pathlib.Path
    """
    sheets = field_workbook_sheets(points, samples, **kwargs)
    try:
        from ..common.xlsx import write_workbook
    except ImportError:  # the shared writer not there: plain openpyxl
        write_workbook = None
    if write_workbook is not None:
        return write_workbook(
            path,
            sheets,
            autofilter=True,
            properties={"title": "采样布点与采样深度 Sampling plan", "creator": "ree_damage"},
        )
    from openpyxl import Workbook

    target = Path(path)
    with atomic_path(target) as tmp:
        wb = Workbook()
        wb.remove(wb.active)
        for name, df in sheets.items():
            ws = wb.create_sheet(name)
            ws.append(list(df.columns))
            for row in df.itertuples(index=False):
                ws.append([None if (isinstance(v, float) and np.isnan(v)) else v for v in row])
        wb.save(tmp)
    return target


# --------------------------------------------------------------------------- GPS


def _waypoints(points, name_field: str, desc_fields):
    if "lon" not in points.columns or "lat" not in points.columns:
        raise InputError("the points need lon/lat fields (run sampling_grid)", layer="points", column="lon")
    if name_field not in points.columns:
        raise InputError(f"no field {name_field!r} to name the waypoints", layer="points", column=name_field)
    lon = points["lon"].to_numpy(dtype=float)
    lat = points["lat"].to_numpy(dtype=float)
    bad = ~(np.isfinite(lon) & np.isfinite(lat)) | (np.abs(lat) > 90) | (np.abs(lon) > 180)
    if bad.any():
        raise InputError(
            "longitude/latitude missing or out of range",
            layer="points",
            feature=points[name_field].to_numpy()[bad][0],
        )
    names = points[name_field].astype(str).to_numpy()
    descs = []
    for rec in points[[f for f in desc_fields if f in points.columns]].astype(str).itertuples(index=False):
        descs.append(" | ".join(v for v in rec if v and v != "nan"))
    if not descs:
        descs = [""] * len(names)
    groups = points["zone"].astype(str).to_numpy() if "zone" in points.columns else np.full(len(names), "")
    return names, lon, lat, descs, groups


def _write_xml(path, root) -> Path:
    ET.indent(root, space="  ")
    data = ET.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return target


def write_gpx(
    path,
    points,
    *,
    name_field: str = "point_id",
    desc_fields=("zone", "reason_en", "lon_dms", "lat_dms"),
    title: str = "ree_damage sampling points",
) -> Path:
    """Write the points as GPX 1.1 waypoints for a handheld GPS (atomic, deterministic).

    Parameters
    ----------
    path : path-like
        Output ``.gpx``.
    points : pandas.DataFrame or geopandas.GeoDataFrame
        With ``lon``, ``lat`` (CGCS2000, decimal degrees), the name field and optionally
        ``zone`` (written as the waypoint type).
    name_field : str
        Waypoint name field (the point id).
    desc_fields : sequence of str
        Fields joined into the description.

    Returns
    -------
    pathlib.Path
    """
    names, lon, lat, descs, groups = _waypoints(points, name_field, desc_fields)
    ns = "http://www.topografix.com/GPX/1/1"
    ET.register_namespace("", ns)
    root = ET.Element(f"{{{ns}}}gpx", {"version": "1.1", "creator": "ree_damage"})
    meta = ET.SubElement(root, f"{{{ns}}}metadata")
    ET.SubElement(meta, f"{{{ns}}}name").text = title
    ET.SubElement(meta, f"{{{ns}}}desc").text = WGS84_NOTE
    for n, x, y, d, g in zip(names, lon, lat, descs, groups):
        wpt = ET.SubElement(root, f"{{{ns}}}wpt", {"lat": f"{y:.8f}", "lon": f"{x:.8f}"})
        ET.SubElement(wpt, f"{{{ns}}}name").text = n
        if d:
            ET.SubElement(wpt, f"{{{ns}}}desc").text = d
        ET.SubElement(wpt, f"{{{ns}}}sym").text = "Flag"
        if g:
            ET.SubElement(wpt, f"{{{ns}}}type").text = g
    return _write_xml(path, root)


def write_kml(
    path,
    points,
    *,
    name_field: str = "point_id",
    desc_fields=("zone", "reason_zh", "reason_en", "lon_dms", "lat_dms"),
    title: str = "ree_damage sampling points",
) -> Path:
    """Write the points as KML placemarks, one folder per zone (atomic, deterministic).

    Parameters are those of :func:`write_gpx`.

    Returns
    -------
    pathlib.Path
    """
    names, lon, lat, descs, groups = _waypoints(points, name_field, desc_fields)
    ns = "http://www.opengis.net/kml/2.2"
    ET.register_namespace("", ns)
    root = ET.Element(f"{{{ns}}}kml")
    doc = ET.SubElement(root, f"{{{ns}}}Document")
    ET.SubElement(doc, f"{{{ns}}}name").text = title
    ET.SubElement(doc, f"{{{ns}}}description").text = WGS84_NOTE
    folders = {}
    for n, x, y, d, g in zip(names, lon, lat, descs, groups):
        if g not in folders:
            folder = ET.SubElement(doc, f"{{{ns}}}Folder")
            label = ZONE_NAMES.get(g)
            ET.SubElement(folder, f"{{{ns}}}name").text = (
                f"{g} {label[0]} {label[1]}" if label else (g or "points")
            )
            folders[g] = folder
        pm = ET.SubElement(folders[g], f"{{{ns}}}Placemark")
        ET.SubElement(pm, f"{{{ns}}}name").text = n
        if d:
            ET.SubElement(pm, f"{{{ns}}}description").text = d
        pt = ET.SubElement(pm, f"{{{ns}}}Point")
        ET.SubElement(pt, f"{{{ns}}}coordinates").text = f"{x:.8f},{y:.8f},0"
    return _write_xml(path, root)
