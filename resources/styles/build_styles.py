"""Write the QML styles of this folder from their definitions here (run with QGIS's Python).

    .venv/bin/python resources/styles/build_styles.py

The QML files are committed; this script is how they were made and how to change them (edit
a definition, rerun, commit the QML). Each style is built on a throw-away layer of the right
geometry (or a one-cell raster) and saved with ``saveNamedStyle``, so the files are QGIS's own
serialisation. Labels in the legend are Chinese first (the report maps are Chinese); the zone
codes and field names stay English, as the data model says.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import uuid
from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsCategorizedSymbolRenderer,
    QgsColorRampShader,
    QgsFillSymbol,
    QgsGraduatedSymbolRenderer,
    QgsLinePatternFillSymbolLayer,
    QgsLineSymbol,
    QgsMapLayer,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsRasterLayer,
    QgsRasterShader,
    QgsRendererCategory,
    QgsRendererRange,
    QgsRuleBasedRenderer,
    QgsSimpleLineSymbolLayer,
    QgsSingleBandPseudoColorRenderer,
    QgsSingleSymbolRenderer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor

HERE = Path(__file__).resolve().parent

#: zone code -> (Chinese label, fill colour): four colours told apart in print and by the colour-blind
ZONES = {
    "PREP": ("浸矿剂配制区 PREP", "#e08214"),
    "INJ": ("注孔区 INJ", "#c51b7d"),
    "COLL": ("浸出液收集区（含流经区） COLL", "#2166ac"),
    "SETL": ("浸出液沉淀区 SETL", "#1b7837"),
}


# ----------------------------------------------------------------------------- symbols
def fill(color: str, outline: str = "#333333", width: float = 0.3, opacity: float = 1.0, style: str = "solid",
         outline_style: str = "solid") -> QgsFillSymbol:
    symbol = QgsFillSymbol.createSimple({"color": color, "outline_color": outline, "outline_width": str(width),
                                         "style": style, "outline_style": outline_style})
    symbol.setOpacity(opacity)
    return symbol


def hatched(color: str, angle: float, spacing_mm: float = 2.0, outline: str | None = None,
            cross: bool = False) -> QgsFillSymbol:
    """Line-pattern fill (hatching) with an outline: damage shows through other layers."""
    symbol = QgsFillSymbol.createSimple({"color": "0,0,0,0", "outline_style": "no"})
    symbol.deleteSymbolLayer(0)
    for line_angle in (angle, angle + 90.0) if cross else (angle,):
        layer = QgsLinePatternFillSymbolLayer()
        layer.setLineAngle(line_angle)
        layer.setDistance(spacing_mm)
        layer.setLineWidth(0.3)
        layer.setColor(QColor(color))
        layer.subSymbol().setColor(QColor(color))
        layer.subSymbol().symbolLayer(0).setWidth(0.3)
        symbol.appendSymbolLayer(layer)
    border = QgsSimpleLineSymbolLayer(QColor(outline or color), 0.5)
    symbol.appendSymbolLayer(border)
    return symbol


def line(color: str, width: float = 0.4, style: str = "solid") -> QgsLineSymbol:
    return QgsLineSymbol.createSimple({"line_color": color, "line_width": str(width), "line_style": style})


def marker(color: str, size: float = 2.0, shape: str = "circle", outline: str = "#ffffff") -> QgsMarkerSymbol:
    return QgsMarkerSymbol.createSimple({"name": shape, "color": color, "size": str(size),
                                         "outline_color": outline, "outline_width": "0.3"})


def labels(field: str, size: float = 7.0, color: str = "#000000", expression: bool = False,
           offset_mm: float = 1.5) -> QgsVectorLayerSimpleLabeling:
    """Labels of ``field`` with a white buffer, set beside the point (or on the line)."""
    settings = QgsPalLayerSettings()
    settings.fieldName = field
    settings.isExpression = expression
    text = QgsTextFormat()
    text.setSize(size)
    text.setColor(QColor(color))
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(0.8)
    buffer.setColor(QColor("#ffffff"))
    text.setBuffer(buffer)
    settings.setFormat(text)
    settings.dist = offset_mm
    return QgsVectorLayerSimpleLabeling(settings)


# ----------------------------------------------------------------------------- vector styles
def categorized(field: str, classes) -> QgsCategorizedSymbolRenderer:
    return QgsCategorizedSymbolRenderer(field, [QgsRendererCategory(value, symbol, label)
                                                for value, symbol, label in classes])


def vector_styles() -> dict:
    """style name -> (geometry of the layer, renderer, labeling or None)."""
    zones = categorized("zone", [(code, fill(color, outline=color, width=0.5, opacity=0.55), label)
                                 for code, (label, color) in ZONES.items()])
    damaged_samples = QgsRuleBasedRenderer(marker("#999999", 1.6))
    root = damaged_samples.rootRule()
    root.removeChildAt(0)
    for expression, symbol, label in (
        ("\"confirmed\"", marker("#b2182b", 2.2), "确认损害样品（超基线20%以上）"),
        ("\"above\" AND NOT \"confirmed\"", marker("#f4a582", 2.0), "超基线样品（未达损害判定）"),
        ("ELSE", marker("#bababa", 1.6), "未超基线样品"),
    ):
        root.appendChild(QgsRuleBasedRenderer.Rule(symbol, 0, 0, "" if expression == "ELSE" else expression,
                                                   label, "", expression == "ELSE"))
    contours = QgsGraduatedSymbolRenderer("dz_m", [
        QgsRendererRange(-1e9, 0.0, line("#b2182b", 0.35), "挖方等值线（高程降低，m）"),
        QgsRendererRange(0.0, 1e9, line("#2166ac", 0.35), "填方等值线（高程升高，m）"),
    ])
    water = categorized("medium", [
        ("groundwater", marker("#08519c", 2.8, "square"), "地下水监测点"),
        ("surface_water", marker("#41b6c4", 2.8, "triangle"), "地表水断面"),
        ("sediment", marker("#8c510a", 2.6, "diamond"), "底泥采样点"),
    ])
    return {
        # the case's inputs
        "case_boundary": ("Polygon", QgsSingleSymbolRenderer(fill("0,0,0,0", "#e31a1c", 0.7, outline_style="dash")),
                          None, "案件范围"),
        "control_area": ("Polygon", QgsSingleSymbolRenderer(fill("0,0,0,0", "#33a02c", 0.5, outline_style="dash")),
                         None, "对照区"),
        "prep_pools": ("Polygon", QgsSingleSymbolRenderer(fill("#fdb863", "#b35806", 0.4)), None, "浸矿剂配制池"),
        "settling_ponds": ("Polygon", QgsSingleSymbolRenderer(fill("#80cdc1", "#01665e", 0.4)), None, "沉淀池"),
        "collection_ditches": ("LineString", QgsSingleSymbolRenderer(line("#2166ac", 0.6)), None, "收液沟"),
        "injection_holes": ("Point", QgsSingleSymbolRenderer(marker("#4d4d4d", 0.6, outline="#4d4d4d")), None,
                            "注液孔"),
        "stream": ("LineString", QgsSingleSymbolRenderer(line("#4393c3", 0.8)), None, "溪流"),
        "access_road": ("LineString", QgsSingleSymbolRenderer(line("#8c6d31", 0.5, "dash")), None, "道路"),
        # survey design
        "functional_zones": ("MultiPolygon", zones, None, "功能分区"),
        "zone_outlines": ("MultiPolygon", QgsSingleSymbolRenderer(fill("0,0,0,0", "#08306b", 0.8)),
                          labels("name_zh", 9.0, "#08306b"), "功能分区界线"),
        "flow_cells": ("Point", QgsSingleSymbolRenderer(marker("#6baed6", 0.8, outline="#6baed6")), None,
                       "浸出液流经栅格"),
        "sampling_units": ("Polygon", QgsSingleSymbolRenderer(fill("0,0,0,0", "#636363", 0.25)), None,
                           "采样网格单元"),
        "control_units": ("Polygon", QgsSingleSymbolRenderer(fill("0,0,0,0", "#33a02c", 0.25, outline_style="dash")),
                          None, "对照采样单元"),
        "sampling_points": ("Point", QgsSingleSymbolRenderer(marker("#000000", 2.0)), labels("point_id"), "采样点"),
        "control_points": ("Point", QgsSingleSymbolRenderer(marker("#33a02c", 2.6, "triangle")),
                           labels("point_id", color="#1b5e20"), "对照采样点"),
        "water_positions": ("Point", water, labels("position_id", color="#08306b"), "水样与底泥采样位置"),
        # damage
        "damaged_areas": ("MultiPolygon", QgsSingleSymbolRenderer(hatched("#d7301f", 45.0)), None,
                          "土壤损害范围（按指标与层位）"),
        "damaged_union": ("MultiPolygon", QgsSingleSymbolRenderer(hatched("#99000d", 45.0, cross=True)), None,
                          "土壤损害范围（合并）"),
        "damaged_samples": ("Point", damaged_samples, None, "样品超标情况"),
        "vegetation_damage": ("Polygon", QgsSingleSymbolRenderer(hatched("#8c510a", 135.0, 1.5, outline="#543005")),
                              None, "植被破坏范围"),
        "resource_blocks": ("Polygon", QgsSingleSymbolRenderer(fill("0,0,0,0", "#6a51a3", 0.6)),
                            labels("block_id", color="#3f007d"), "资源量估算块段"),
        "dz_contours": ("LineString", contours, labels("dz_m", 6.0, expression=False), "高程变化等值线"),
    }


# ----------------------------------------------------------------------------- raster styles
def shader(kind, items) -> QgsRasterShader:
    ramp = QgsColorRampShader()
    ramp.setColorRampType(kind)
    ramp.setColorRampItemList([QgsColorRampShader.ColorRampItem(value, QColor(color), label)
                               for value, color, label in items])
    raster_shader = QgsRasterShader()
    raster_shader.setRasterShaderFunction(ramp)
    return raster_shader


INF = float("inf")
#: what a style file carries: symbols and labels, never fields, forms or actions of the layer it was made on
CATEGORIES = QgsMapLayer.StyleCategory.Symbology | QgsMapLayer.StyleCategory.Labeling


def raster_styles() -> dict:
    """style name -> (ramp type, [(upper value, colour, label)], (min, max))."""
    discrete = QgsColorRampShader.Type.Discrete
    interpolated = QgsColorRampShader.Type.Interpolated
    return {
        # K = (C - B) / B: the baseline is K = 0, damage is confirmed above K = 0.2 (the guideline's 20 %)
        "damage_degree": (discrete, [
            (0.0, "#1a9850", "K ≤ 0 未超过基线"),
            (0.2, "#fee08b", "0 < K ≤ 0.2 超过基线（未达损害判定）"),
            (1.0, "#fc8d59", "0.2 < K ≤ 1 损害"),
            (3.0, "#d73027", "1 < K ≤ 3 较重损害"),
            (INF, "#7f0000", "K > 3 严重损害"),
        ], (-1.0, 5.0)),
        # concentration ramp; the baseline break is set per indicator when the baseline is known
        "interpolated": (interpolated, [
            (0.0, "#ffffcc", "低"),
            (0.5, "#fd8d3c", ""),
            (1.0, "#800026", "高"),
        ], (0.0, 1.0)),
        "exceedance_probability": (discrete, [
            (0.5, "#f7f7f7", "超基线概率 ≤ 0.5"),
            (0.8, "#fddbc7", "0.5 < 概率 ≤ 0.8"),
            (0.95, "#ef8a62", "0.8 < 概率 ≤ 0.95"),
            (INF, "#b2182b", "概率 > 0.95"),
        ], (0.0, 1.0)),
        "kriging_variance": (interpolated, [
            (0.0, "#ffffff", "克里金方差 低"),
            (1.0, "#252525", "高"),
        ], (0.0, 1.0)),
        # dz = after - before, m: cut below -0.5 m, fill above +0.5 m (the DEMs' vertical noise is inside)
        "cut_fill": (discrete, [
            (-2.0, "#b2182b", "挖方 > 2 m"),
            (-0.5, "#ef8a62", "挖方 0.5-2 m"),
            (0.5, "#f7f7f7", "基本不变 ±0.5 m"),
            (2.0, "#67a9cf", "填方 0.5-2 m"),
            (INF, "#2166ac", "填方 > 2 m"),
        ], (-4.0, 4.0)),
        "vegetation_index": (interpolated, [
            (-0.2, "#a6611a", "裸地 / 低植被指数"),
            (0.2, "#f5f5f5", ""),
            (0.6, "#1a9641", "植被 / 高植被指数"),
        ], (-0.2, 0.6)),
        "dem": (interpolated, [
            (0.0, "#1a9641", "低"),
            (0.5, "#ffffbf", ""),
            (1.0, "#a6611a", "高（m，1985国家高程基准）"),
        ], (0.0, 1.0)),
    }


def _one_cell_raster(folder: Path) -> Path:
    from osgeo import gdal

    path = folder / "cell.tif"
    data = gdal.GetDriverByName("GTiff").Create(str(path), 1, 1, 1, gdal.GDT_Float32)
    data.SetGeoTransform((0, 1, 0, 1, 0, -1))
    data.GetRasterBand(1).Fill(0.0)
    data = None
    return path


def stable_uuids(path: Path) -> None:
    """Replace the random UUIDs QGIS writes (item and rule keys) by ones derived from the file
    name and their order, so a rebuilt file changes only where its content did."""
    text = path.read_text(encoding="utf-8")
    found = list(dict.fromkeys(re.findall(r"\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}", text)))
    for index, old in enumerate(found):
        text = text.replace(old, "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"ree_damage/{path.name}/{index}")) + "}")
    path.write_text(text, encoding="utf-8")


def build(out: Path = HERE) -> list:
    """Write every style into ``out``; return the files written."""
    written = []
    for name, (geometry, renderer, labeling, title) in vector_styles().items():
        layer = QgsVectorLayer(f"{geometry}?crs=EPSG:4547&field=zone:string&field=point_id:string", title, "memory")
        layer.setRenderer(renderer)
        if labeling is not None:
            layer.setLabeling(labeling)
            layer.setLabelsEnabled(True)
        path = out / f"{name}.qml"
        _message, ok = layer.saveNamedStyle(str(path), categories=CATEGORIES)
        if not ok:
            raise RuntimeError(f"{name}: {_message}")
        stable_uuids(path)
        written.append(path)
    with tempfile.TemporaryDirectory() as folder:
        cell = _one_cell_raster(Path(folder))
        for name, (kind, items, (low, high)) in raster_styles().items():
            layer = QgsRasterLayer(str(cell), name, "gdal")
            renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader(kind, items))
            renderer.setClassificationMin(low)
            renderer.setClassificationMax(high)
            layer.setRenderer(renderer)
            path = out / f"{name}.qml"
            _message, ok = layer.saveNamedStyle(str(path), categories=CATEGORIES)
            if not ok:
                raise RuntimeError(f"{name}: {_message}")
            stable_uuids(path)
            written.append(path)
            del layer
    return written


if __name__ == "__main__":
    if os.environ.get("QT_HASH_SEED") != "0":  # Qt orders XML attributes by hash: fixed seed, stable files
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "QT_HASH_SEED": "0"})
    app = QgsApplication([], False)
    app.initQgis()
    for written_path in build():
        print(written_path.relative_to(HERE.parents[1]))
    app.exitQgis()
    sys.exit(0)
