"""Messages from core with a code, parameters, and an English and a Chinese template.

Core never knows the user's language. A warning or an error text it produces is a
:class:`Message`: a ``str`` whose value is the English text (so logs, provenance notes
and tests read it as before), carrying its ``code`` and ``params``. The edge (the
Processing algorithms, the CLI) renders it in the user's language with
:meth:`Message.text`. Every code has both templates with the same placeholders
(``tests/core/test_messages.py`` checks it).

Templates use :meth:`str.format` fields; numbers are formatted by the template
(``{coverage:.0%}``), lists of ids arrive as text. A location (layer, feature, sheet
row, column, cell) is given apart, as ``at``, and rendered in the same language:

>>> m = Message("LAB_UNITS_CONVERTED", code="Cd", unit="µg/kg", target="mg/kg", factor=0.001,
...             at={"sheet_row": 3, "column": "Cd (µg/kg)"})
>>> str(m)
"Cd converted from µg/kg to mg/kg (x0.001) [sheet row 3, column 'Cd (µg/kg)']"
>>> m.text("zh")
'Cd 已由 µg/kg 换算为 mg/kg（×0.001） [表格第 3 行，列“Cd (µg/kg)”]'
>>> m.code
'LAB_UNITS_CONVERTED'
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional

LANGUAGES = ("en", "zh")
"""Languages every template is written in; English is the text of ``str()``."""


@dataclass(frozen=True)
class Template:
    """The English and the Chinese text of one message code."""

    en: str
    zh: str

    def get(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


def placeholders(text: str) -> set:
    """The names of the :meth:`str.format` fields of a template.

    >>> sorted(placeholders("{layer}: {n:d} feature(s) {ids}"))
    ['ids', 'layer', 'n']
    """
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# Where a message points, in the order it is written. Values are inserted as given.
LOCATION = {
    "layer": Template("layer '{}'", "图层“{}”"),
    "feature": Template("feature {}", "要素 {}"),
    "sheet_row": Template("sheet row {}", "表格第 {} 行"),
    "row": Template("row {}", "第 {} 行"),
    "column": Template("column '{}'", "列“{}”"),
    "cell": Template("cell (row {}, col {})", "像元（行 {}，列 {}）"),
}
_SEPARATOR = {"en": ", ", "zh": "，"}


def location_text(at: Optional[Mapping], language: str = "en") -> str:
    """``layer 'holes', feature 7`` (or its Chinese) from ``{"layer": "holes", "feature": 7}``.

    >>> location_text({"layer": "holes", "feature": 7})
    "layer 'holes', feature 7"
    >>> location_text({"cell": (2, 5)}, "zh")
    '像元（行 2，列 5）'
    """
    parts = []
    for key, template in LOCATION.items():
        value = (at or {}).get(key)
        if value is None:
            continue
        values = tuple(value) if key == "cell" else (value,)
        parts.append(template.get(language).format(*values))
    return _SEPARATOR.get(language, ", ").join(parts)


# Sources cited by the messages, named once.
GB_T_39791 = "GB/T 39791"

MESSAGES: dict = {
    # ------------------------------------------------------------------ layers (core/geo)
    "LAYER_REPROJECTED": Template(
        "{layer}: geographic CRS {crs} reprojected to {zone} for metric work",
        "{layer}：地理坐标系 {crs} 已投影到 {zone}，以便按米计算",
    ),
    "LAYER_GEOMETRY_REPAIRED": Template(
        "{layer}: repaired 1 invalid geometry (make_valid): feature(s) {ids}",
        "{layer}：已修复 1 个无效几何（make_valid）：要素 {ids}",
    ),
    "LAYER_GEOMETRIES_REPAIRED": Template(
        "{layer}: repaired {n} invalid geometries (make_valid): feature(s) {ids}",
        "{layer}：已修复 {n} 个无效几何（make_valid）：要素 {ids}",
    ),
    "LAYER_NOT_A_LAYER": Template("expected a layer (GeoDataFrame)", "应为图层（GeoDataFrame）"),
    "LAYER_EMPTY": Template(
        "the layer has no features; leave the input out if there are none",
        "图层没有要素；若确实没有，请不要提供该输入",
    ),
    "LAYER_NO_CRS": Template("the layer has no coordinate reference system", "图层没有坐标参照系"),
    "LAYER_NO_CRS_SET_ONE": Template(
        "the layer has no coordinate reference system, so its coordinates cannot be placed; set the CRS "
        "the coordinates were recorded in: in QGIS, right-click the layer > Layer CRS > Set Layer CRS "
        "(or Layer Properties > Source), e.g. EPSG:4490 for CGCS2000 longitude/latitude",
        "图层没有坐标参照系，无法确定坐标位置；请设置坐标实际所用的坐标系：在 QGIS 中右键图层 > 图层坐标系 > "
        "设置图层坐标系（或 图层属性 > 源），例如 CGCS2000 经纬度为 EPSG:4490",
    ),
    "LAYER_LATLON_SWAPPED": Template(
        "coordinates are outside the valid range of the geographic CRS {crs} (x {x}, y {y}: latitude "
        "beyond ±90°); longitude and latitude look swapped: x must be the longitude, y the latitude",
        "坐标超出地理坐标系 {crs} 的有效范围（x {x}，y {y}：纬度超过 ±90°）；经纬度似乎颠倒：x 应为经度，y 应为纬度",
    ),
    "LAYER_COORDINATES_OUT_OF_RANGE": Template(
        "coordinates are outside the valid range of the geographic CRS {crs} (x {x}, y {y}; longitude "
        "must lie within ±180°, latitude within ±90°); are they projected metres with a geographic CRS declared?",
        "坐标超出地理坐标系 {crs} 的有效范围（x {x}，y {y}；经度应在 ±180° 内，纬度应在 ±90° 内）；"
        "是否为投影坐标（米）却声明了地理坐标系？",
    ),
    "LAYER_OUTSIDE_CRS_AREA": Template(
        "the coordinates (x {x}, y {y}) fall at {lon:.2f}°E, {lat:.2f}°N, outside where the declared CRS "
        "{crs} is used ({area}: {west:.1f}-{east:.1f}°E, {south:.1f}-{north:.1f}°N); the layer's CRS is "
        "wrong for its coordinates{hint}",
        "坐标（x {x}，y {y}）落在东经 {lon:.2f}°、北纬 {lat:.2f}°，超出所声明坐标系 {crs} 的适用范围"
        "（{area}：东经 {west:.1f}-{east:.1f}°，北纬 {south:.1f}-{north:.1f}°）；图层坐标系与其坐标不符{hint}",
    ),
    "LAYER_HINT_SWAPPED": Template(
        " (with x and y swapped they would lie inside it: are longitude and latitude, or easting and "
        "northing, swapped?)",
        "（若 x 与 y 互换则落在范围内：经纬度或东北坐标是否颠倒？）",
    ),
    "LAYER_REPAIR_AREA": Template(
        "{layer}: feature {feature} was an invalid polygon (self-intersecting or with crossing rings); the "
        "repair (make_valid) changed its area from {before:.1f} m2 to {after:.1f} m2",
        "{layer}：要素 {feature} 是无效多边形（自相交或环相交）；修复（make_valid）后面积由 {before:.1f} 平方米"
        "变为 {after:.1f} 平方米",
    ),
    "LAYER_OUTSIDE_REPAIRED_CASE": Template(
        "{error}. The boundary was repaired before this check: {repair}; features in the part the repair "
        "left out are outside the case now: fix the boundary polygon",
        "{error}。此前已修复案涉范围边界：{repair}；落在修复后被舍去部分的要素现位于案涉范围之外：请修正边界多边形",
    ),
    "LAYER_NO_GEOMETRY": Template("{n} feature(s) have no geometry: {ids}", "{n} 个要素没有几何：{ids}"),
    "LAYER_WRONG_TYPE": Template(
        "wrong geometry type ({found}); expected {expected}: feature(s) {ids}",
        "几何类型错误（{found}）；应为{expected}：要素 {ids}",
    ),
    "LAYER_UNREPAIRABLE": Template(
        "invalid geometry that cannot be repaired (it collapses when made valid)",
        "无效几何无法修复（修复后退化）",
    ),
    "LAYER_OUTSIDE_CASE": Template(
        "{n} feature(s) lie wholly outside the case boundary (wrong layer or CRS?): {ids}",
        "{n} 个要素完全位于案涉范围边界之外（图层或坐标系有误？）：{ids}",
    ),
    "LAYER_CLIPPED": Template(
        "{layer}: {n} feature(s) reach beyond the case boundary; their zones are clipped to it: {ids}",
        "{layer}：{n} 个要素超出案涉范围边界，其分区按边界裁剪：{ids}",
    ),
    # ------------------------------------------------------------------ functional zones
    "ZONES_DEPTH_DEFAULTED": Template(
        "{layer}: depth missing for {n} feature(s), default {default:g} m used: {ids}",
        "{layer}：{n} 个要素缺少深度，采用默认值 {default:g} m：{ids}",
    ),
    "ZONES_DEPTH_FIELD_MISSING": Template(
        "{layer}: no field '{field}', default depth {default:g} m used for every feature",
        "{layer}：无字段“{field}”，所有要素采用默认深度 {default:g} m",
    ),
    "ZONES_DEM_OUTSIDE": Template(
        "DEM does not cover the case area: flow-through part of COLL not mapped",
        "DEM 未覆盖案涉区域：未划定浸出液收集区中的流经部分",
    ),
    "ZONES_DEM_PARTIAL": Template(
        "DEM covers {coverage:.0%} of the case area; no flow is routed over the gap",
        "DEM 覆盖案涉区域的 {coverage:.0%}；缺失部分不做汇流追踪",
    ),
    "ZONES_FLOW_METHOD": Template(
        "D8 (O'Callaghan & Mark 1984) on the depression-filled DEM (minimax/spanning-tree fill, "
        "flats drained to the spill point), {cell_m:.2f} m cells, traced from {n_cells} INJ cells",
        "D8 流向法（O'Callaghan & Mark 1984），基于填洼后的 DEM（极小极大/生成树填洼，"
        "平地排向溢出点），像元 {cell_m:.2f} m，自 {n_cells} 个注孔区像元追踪",
    ),
    "ZONES_FLOW_STAYS_IN_INJ": Template(
        "DEM: the leachate path from INJ does not leave the injection zone inside the case boundary",
        "DEM：在案涉范围内，自注孔区出发的浸出液路径未离开注孔区",
    ),
    "ZONES_FLOW_LEAVES_CASE": Template(
        "DEM: {n} leachate path(s) leave the case boundary or the DEM without reaching a ditch or pond",
        "DEM：{n} 条浸出液路径未到达沟渠或沉淀池即离开案涉范围或 DEM",
    ),
    "ZONES_DEM_NO_HOLES": Template(
        "DEM given but no injection holes: the flow-through path starts from INJ, so it is not mapped",
        "提供了 DEM 但无注液孔：流经路径自注孔区起算，因此未划定",
    ),
    "ZONES_NO_DEM": Template(
        "no DEM: COLL holds the ditch/pipe bands only; the flow-through area is not mapped",
        "无 DEM：浸出液收集区仅含沟渠/管道缓冲带，未划定流经区域",
    ),
    "ZONES_ZONE_COVERED": Template(
        "{zone}: wholly covered by higher-priority zones ({priority})",
        "{zone}：被优先级更高的分区完全覆盖（{priority}）",
    ),
    # ------------------------------------------------------------------ CRS
    "CRS_OUTSIDE_ZONES": Template(
        "longitude {lon:.3f} E lies outside the CGCS2000 Gauss-Kruger zones ({lo:g}-{hi:g} E, 3-degree "
        "zones 25-45): no zone can be picked (its area would come out distorted); reproject the layer "
        "into the CRS you mean, or check that the coordinates are in the right order and system",
        "经度 {lon:.3f}°E 超出2000国家大地坐标系高斯-克吕格分带范围（{lo:g}°~{hi:g}°E，3°带第25~45带）："
        "无法选取分带（面积将失真）；请将图层投影到所需坐标系，或检查坐标顺序和坐标系",
    ),
    # ------------------------------------------------------------------ sampling grid
    "SAMPLING_WET_UNITS_LEFT_OUT": Template(
        "{n} unit(s) wholly under a pond, pool or ditch footprint have no soil to sample and were left out ({zones})",
        "{n} 个采样单元完全位于池体、沟渠范围内，无土壤可采，已剔除（{zones}）",
    ),
    # ------------------------------------------------------------------ depth schedule
    "DEPTH_UNKNOWN_LAYER_POINTS": Template(
        "soil layer table names {n} unknown point(s): {ids}",
        "土层表中有 {n} 个未知点位：{ids}",
    ),
    "DEPTH_NO_SOURCE": Template(
        "{n} point(s) serve no pond, pool, ditch or hole (flow-through or no source): "
        "their deepest sample goes more than 3 m below the ground surface",
        "{n} 个点位不对应池体、沟渠或注液孔（流经区或无污染源）：最深样品取至地表以下 3 m 以上",
    ),
    "DEPTH_NO_LAYERS": Template(
        "no soil layers given: the layer rule (D4) is not applicable; give layers from the boreholes when known",
        "未提供土层：分层规则（D4）不适用；已知钻孔分层时请提供",
    ),
    "DEPTH_DRILLING_RIG": Template(
        "{n} point(s) need samples deeper than {limit_m:g} m (down to {deepest_m:.1f} m): plan a drilling rig",
        "{n} 个点位需采集深于 {limit_m:g} m 的样品（最深 {deepest_m:.1f} m）：请安排钻机",
    ),
    "DEPTH_NO_GW_DIRECTION": Template(
        "groundwater flow direction unknown (no gw_azimuth_deg, DEM or stream): no monitoring wells placed",
        "地下水流向未知（无 gw_azimuth_deg、DEM 或河流）：未布设监测井",
    ),
    "DEPTH_NO_STREAM": Template(
        "no receiving stream given: surface-water and sediment sections not placed",
        "未提供受纳水体：未布设地表水和底泥断面",
    ),
    "DEPTH_STREAM_REVERSED": Template(
        "stream digitised upstream: its direction was reversed after the DEM",
        "河流按上游方向数字化：已依据 DEM 反转其方向",
    ),
    "DEPTH_SECTION_BEYOND_STREAM": Template(
        "stream section {role} at {offset_m:+g} m lies beyond the mapped stream; placed at its end",
        "河流断面 {role}（{offset_m:+g} m）超出已绘河段，置于其端点",
    ),
    # ------------------------------------------------------------------ lab import
    "LAB_UNITS_SAME_QUANTITY": Template(
        "mixed units: header says {head_unit}, units row says {row_unit} (the same quantity)",
        "单位不一致：表头为 {head_unit}，单位行为 {row_unit}（量值相同）",
    ),
    "LAB_COLUMN_LEFT_OUT": Template(
        "column '{header}' is neither a known indicator nor has a unit: left out",
        "列“{header}”既不是已知指标也没有单位：未导入",
    ),
    "LAB_COLUMN_NOT_IN_CATALOGUE": Template(
        "'{header}' is not in the indicator catalogue: kept as '{code}' in {unit}",
        "“{header}”不在指标目录中：以“{code}”保留，单位 {unit}",
    ),
    "LAB_UNITS_CONVERTED": Template(
        "{code} converted from {unit} to {target} (x{factor:g})",
        "{code} 已由 {unit} 换算为 {target}（×{factor:g}）",
    ),
    "LAB_MIXED_SHEET_UNITS": Template(
        "mixed units in the sheet ({units}); each column is converted to its indicator's unit",
        "表格中单位不一（{units}）；各列换算为其指标的单位",
    ),
    "LAB_CELL_UNIT_CONVERTED": Template(
        "mixed units: the cell says {cell_unit}, the column {column_unit}; converted",
        "单位不一致：单元格为 {cell_unit}，该列为 {column_unit}；已换算",
    ),
    "LAB_CENSORED_WITHOUT_DL": Template(
        "{cell}: below the detection limit, which is not given (no detection-limit row): kept as censored without a value",
        "{cell}：低于检出限，但未给出检出限（无检出限行）：作为未检出保留，无数值",
    ),
    "LAB_UNKNOWN_SAMPLE_LEFT_OUT": Template(
        "sample id {sample_id} is not in the sample layer: row left out",
        "样品编号 {sample_id} 不在样品图层中：该行未导入",
    ),
    "LAB_REFERENCE_ROW": Template(
        "sheet row {row} ({label}) holds reference values and was left out",
        "表格第 {row} 行（{label}）为参考值，未导入",
    ),
    "LAB_METADATA_COLUMN": Template(
        "column '{header}' is not an indicator and was left out",
        "列“{header}”不是指标，未导入",
    ),
    "LAB_MISSING_MARKER": Template(
        "{cell} is a missing-value marker, not a result: enter the value, leave the cell blank, "
        "or ask for such markers to be read as missing values",
        "{cell} 是缺失值标记而非检测结果：请填入数值、留空该单元格，或选择将此类标记读作缺失值",
    ),
    "LAB_MISSING_MARKER_READ": Template(
        "{cell} read as a missing value (no result)",
        "{cell} 已读作缺失值（无结果）",
    ),
    "LAB_SAMPLES_WITHOUT_RESULT": Template(
        "{n} sample(s) have no lab result: {ids}",
        "{n} 个样品没有检测结果：{ids}",
    ),
    # ------------------------------------------------------------------ baseline
    "BASELINE_FEW_CONTROLS": Template(
        "{code}: only {n} control value(s) (fewer than {warn_n}); the baseline is weak ("
        + GB_T_39791
        + ": baseline from a control area of the same soil and land use; warning below {warn_n} [default])",
        "{code}：对照值仅 {n} 个（少于 {warn_n} 个），基线代表性不足（"
        + GB_T_39791
        + "：基线取自土壤与土地利用相同的对照区；少于 {warn_n} 个即提示〔默认值〕）",
    ),
    "BASELINE_ALL_CENSORED": Template(
        "{code}: every control value is below the detection limit; baseline = highest DL {dl:g}",
        "{code}：全部对照值低于检出限；基线取最高检出限 {dl:g}",
    ),
    "BASELINE_MOSTLY_CENSORED": Template(
        "{code}: {n_censored} of {n} control values below the detection limit; the statistic depends on the "
        "substitution rule ({rule})",
        "{code}：{n} 个对照值中 {n_censored} 个低于检出限；统计量取决于替代规则（{rule}）",
    ),
    # ------------------------------------------------------------------ interpolation
    "INTERP_CONSTANT_VALUE": Template(
        "{what}: all {n} samples have the same value ({value:g}): a constant surface carries no spatial "
        "information (it cannot show where the contamination is); report the value, not a map",
        "{what}：全部 {n} 个样品数值相同（{value:g}）：常数曲面不含任何空间信息（无法表明污染所在位置）；"
        "请报告该数值而非插值图",
    ),
    "INTERP_SAMPLES_ON_A_LINE": Template(
        "{what}: the {n} sample locations lie on one line ({length:.0f} m long): the surface is known only "
        "along that line and is extrapolated everywhere off it; add samples off the line before mapping",
        "{what}：{n} 个采样位置位于同一直线上（长 {length:.0f} 米）：曲面仅在该直线上有依据，直线以外全部为外推；"
        "成图前请在直线以外补充采样",
    ),
    "INTERP_CENSORED_SUBSTITUTED": Template(
        "{field}: {n} value(s) below the detection limit replaced by {rule}",
        "{field}：{n} 个低于检出限的值以 {rule} 替代",
    ),
    "INTERP_SAMPLES_WITHOUT_VALUE": Template(
        "{field}: {n} sample(s) without a value left out: {ids}",
        "{field}：{n} 个无数值的样品未参与插值：{ids}",
    ),
    "INTERP_DUPLICATES_MERGED": Template(
        "{field}: samples at the same location merged (mean): {ids}",
        "{field}：同一位置的样品已合并（取均值）：{ids}",
    ),
    "INTERP_NEGATIVE_PREDICTION": Template(
        "{what}: kriging predicts below zero in {share:.1%} of the cells ({n} cells, down to {lowest:.3g}); "
        "a concentration is never negative: {action}",
        "{what}：克里金预测值在 {share:.1%} 的像元中小于0（{n} 个像元，最低 {lowest:.3g}）；浓度不会为负：{action}",
    ),
    # ------------------------------------------------------------------ mined volume (core/terrain)
    "TERRAIN_DEM_NO_CRS": Template("the DEM has no coordinate reference system", "DEM 没有坐标参照系"),
    "TERRAIN_DEM_GEOGRAPHIC": Template(
        "the DEM is in a geographic CRS ({crs}); volumes need metres: reproject it to a Gauss-Kruger zone first",
        "DEM 为地理坐标系（{crs}）；计算方量需要以米为单位：请先投影到高斯-克吕格分带",
    ),
    "TERRAIN_DEM_ROTATED": Template(
        "the DEM grid is rotated; warp it to a north-up grid first", "DEM 格网有旋转；请先重采样为正北向格网"
    ),
    "TERRAIN_DEM_IN_FEET": Template(
        "{layer}: heights are in {unit}; converted to metres (x{factor:.6f}); check the DEM's vertical unit",
        "{layer}：高程单位为 {unit}，已换算为米（×{factor:.6f}）；请核对 DEM 的高程单位",
    ),
    "TERRAIN_DEM_RESAMPLED": Template(
        "the DEMs are on different grids: {coarse} resampled ({method}) onto the finer grid of {fine} ({cell}, {crs})",
        "两期 DEM 格网不同：{coarse} 已按 {method} 方法重采样到较细的 {fine} 格网（{cell}，{crs}）",
    ),
    "TERRAIN_BOUNDARY_OUTSIDE_DEM": Template(
        "the boundary does not overlap the DEMs (wrong layer or CRS?)",
        "边界与 DEM 不重叠（图层或坐标系有误？）",
    ),
    "TERRAIN_NO_COMMON_DATA": Template(
        "no cell inside the boundary has data in both DEMs", "边界内没有两期 DEM 均有数据的像元"
    ),
    "TERRAIN_DIFFERENCE_TOO_LARGE": Template(
        "the height difference reaches {dz:.1f} m, above {limit:g} m: check the vertical units and datums of the DEMs",
        "高程差达 {dz:.1f} m，超过 {limit:g} m：请核对两期 DEM 的高程单位和高程基准",
    ),
    "TERRAIN_NO_BLOCKS": Template(
        "no blocks: give block polygons, or functional zones with a {zone} zone",
        "没有块段：请提供块段多边形，或含 {zone} 分区的功能分区",
    ),
    "TERRAIN_BLOCK_ID_TWICE": Template("block ids used twice: {ids}", "块段编号重复：{ids}"),
    "TERRAIN_BLOCK_EMPTY": Template("the block has no area", "块段面积为零"),
    "TERRAIN_BLOCK_OUTSIDE_DEM": Template(
        "the block reaches outside the DEM", "块段超出 DEM 范围"
    ),
    "TERRAIN_BLOCK_THICKNESS": Template(
        "ore thickness {value:g} m: it must be above 0", "矿体厚度 {value:g} m：必须大于 0"
    ),
    "TERRAIN_BLOCK_DENSITY": Template(
        "dry density {value:g} t/m3 is outside {low:g}-{high:g} t/m3", "干密度 {value:g} t/m³ 不在 {low:g}-{high:g} t/m³ 之内"
    ),
    "TERRAIN_BLOCK_GRADE": Template(
        "mean grade {value:g} % REO is outside 0-100 %", "平均品位 {value:g}% REO 不在 0-100% 之内"
    ),
    "TERRAIN_BLOCK_NO_SAMPLE": Template(
        "no sample (or grade raster cell) inside the block: give a kriged grade raster or larger blocks",
        "块段内没有样品（或品位栅格像元）：请提供克里金品位栅格或加大块段",
    ),
    "TERRAIN_NO_GRADE_SOURCE": Template(
        "the block method needs lab results (element columns) or a kriged grade raster",
        "块段法需要检测结果（元素列）或克里金品位栅格",
    ),
    "TERRAIN_NO_ELEMENTS": Template(
        "no rare earth element column (La ... Y) to compute REO from",
        "没有可计算 REO 的稀土元素列（La … Y）",
    ),
    "TERRAIN_GRADE_RASTER_CRS": Template(
        "the grade raster is in {crs}, not in the DEM's CRS: reproject it first",
        "品位栅格坐标系为 {crs}，与 DEM 不同：请先投影",
    ),
    # ------------------------------------------------------------------ vegetation damage (imagery)
    "VEG_UNKNOWN_INDEX": Template(
        "unknown vegetation index {index!r}; one of {known}",
        "未知植被指数 {index!r}；可选 {known}",
    ),
    "VEG_UNKNOWN_BAND_ROLE": Template(
        "unknown band role {role!r}; one of {known}",
        "未知波段角色 {role!r}；可选 {known}",
    ),
    "VEG_BAND_MISSING": Template(
        "band {band} given as {role}, but the image has {count} band(s)",
        "{role} 指定为第 {band} 波段，但影像只有 {count} 个波段",
    ),
    "VEG_INDEX_NEEDS_BANDS": Template(
        "the {index} index needs the band(s) {missing}: give the band mapping",
        "{index} 指数需要波段 {missing}：请指定波段对应关系",
    ),
    "VEG_NO_VALID_PIXELS": Template(
        "no valid cell of the image inside the case area (all nodata, transparent or outside)",
        "案涉范围内影像没有有效像元（均为无数据、透明或位于范围外）",
    ),
    "VEG_BAD_THRESHOLD_METHOD": Template(
        "threshold method {method!r}: give 'otsu' or 'given'",
        "阈值方法 {method!r}：应为 'otsu' 或 'given'",
    ),
    "VEG_NEGATIVE_PARAMETER": Template(
        "the clean-up radius and the minimum mapping unit cannot be negative",
        "形态学清理半径和最小制图单元不能为负",
    ),
    "VEG_AREA_NEEDED": Template(
        "a case area with a coordinate reference system is needed",
        "需要带坐标参照系的案涉范围",
    ),
    "VEG_MOSAIC_NO_CRS": Template(
        "the image has no coordinate reference system",
        "影像没有坐标参照系",
    ),
    "VEG_NO_OVERLAP": Template(
        "the image {mosaic} does not overlap the case area {area} (wrong image or CRS?)",
        "影像 {mosaic} 与案涉范围 {area} 不重叠（影像或坐标系有误？）",
    ),
    "VEG_BAD_LABEL": Template(
        "label {value!r} is neither damaged nor intact (also bare/vegetated, 1/0, 破坏/未破坏)",
        "标签 {value!r} 既非 damaged（破坏）也非 intact（未破坏）（也可用 bare/vegetated、1/0）",
    ),
    "VEG_NO_LABEL_FIELD": Template(
        "the check points have no field '{field}' with the damaged/intact labels",
        "检查点没有存放破坏/未破坏标签的字段“{field}”",
    ),
    "VEG_NO_CHECK_POINTS": Template(
        "no check point lies on a valid cell of the image inside the case area",
        "没有检查点位于案涉范围内影像的有效像元上",
    ),
    "VEG_CHECK_POINTS_OUTSIDE": Template(
        "{n} check point(s) outside the case area or on nodata left out of the accuracy: {ids}",
        "{n} 个检查点位于案涉范围外或无数据像元上，未参与精度评价：{ids}",
    ),
    "VEG_FOREST_ASSUMED": Template(
        "no before image: every bare cell of the case area is counted as vegetation lost; give a before "
        "mosaic or an earlier vegetation mask to map the change",
        "无损害前影像：案涉范围内所有裸露像元均计为植被损失；提供损害前影像或早期植被掩膜可识别变化",
    ),
    # ------------------------------------------------------------------ interpolation: spatial structure (issue 17)
    "INTERP_FEW_SAMPLES": Template(
        "{what}: {n} samples, fewer than {minimum} (the usual minimum for a variogram; VSP recommends 30-50): "
        "the variogram and the kriging variance rest on few pairs",
        "{what}：样品 {n} 个，少于 {minimum} 个（变异函数通常的最少样品数；VSP 建议 30-50 个）：变异函数与克里金方差所依据的点对很少",
    ),
    "INTERP_RANGE_BELOW_LAG": Template(
        "{what}: the fitted {model} range ({range:.3g} m) is shorter than the smallest lag fitted ({lag:.3g} m): "
        "too few pairs of samples are that close to show that structure",
        "{what}：拟合的{model}模型变程（{range:.3g} 米）短于参与拟合的最小滞后距（{lag:.3g} 米）：距离如此之近的样品对太少，无法显示该结构",
    ),
    "INTERP_RANGE_BEYOND_EXTENT": Template(
        "{what}: the fitted {model} range ({range:.3g} m) is longer than the extent of the samples ({extent:.3g} m): "
        "the sill is not reached inside the data (a trend, or too small an area)",
        "{what}：拟合的{model}模型变程（{range:.3g} 米）超过样品分布范围（{extent:.3g} 米）：数据范围内未达到基台值（存在趋势或范围过小）",
    ),
    "INTERP_FIT_ON_BOUND": Template(
        "{what}: the {model} variogram fit stopped on the edge of its search range ({bounds}): it found no "
        "interior optimum",
        "{what}：{model}变异函数拟合停在搜索范围边界（{bounds}）：未找到内部最优解",
    ),
    "INTERP_PURE_NUGGET": Template(
        "{what}: the pure-nugget model (no spatial correlation) fits the experimental variogram at least as "
        "well as the best model with structure ({model}): AIC {aic_nugget:.4g} against {aic_model:.4g}",
        "{what}：纯块金模型（无空间相关）对实验变异函数的拟合不逊于最佳有结构模型（{model}）：AIC {aic_nugget:.4g} 对 {aic_model:.4g}",
    ),
    "INTERP_NO_STRUCTURE_PERMUTATION": Template(
        "{what}: permutation test: pairs closer than {lag:.3g} m differ as much as random pairs (semivariance "
        "{ratio:.2f} of the variance, p = {p:.3f} over {n_permutations} shuffles, seed {seed}): no spatial "
        "structure shown",
        "{what}：置换检验：距离小于 {lag:.3g} 米的样品对之间的差异与随机配对相当（半方差为方差的 {ratio:.2f}，"
        "p = {p:.3f}，{n_permutations} 次置换，随机种子 {seed}）：未显示空间结构",
    ),
    "INTERP_KRIGING_NOT_BETTER_THAN_MEAN": Template(
        "{what}: leave-one-out, kriging predicts no better than the mean of the other samples (RMSE {rmse_ok:.4g} "
        "against {rmse_mean:.4g} on the kriged scale)",
        "{what}：留一交叉验证中克里金预测并不优于其余样品的均值（克里金尺度上 RMSE {rmse_ok:.4g} 对 {rmse_mean:.4g}）",
    ),
    "INTERP_FALLBACK_MEAN": Template(
        "{what}: no defensible spatial structure: the kriging surface is replaced by the declared fallback, the "
        "sample mean everywhere ({mean:.4g}) with its prediction variance{scale} s²(1 + 1/n) = {variance:.4g} (ordinary "
        "kriging with a pure-nugget variogram); report the value and its uncertainty, not a map",
        "{what}：无可支持的空间结构：克里金曲面按声明的替代规则改为全域样品均值（{mean:.4g}），预测方差{scale} s²(1 + 1/n) = "
        "{variance:.4g}（即纯块金变异函数的普通克里金）；请报告该数值及其不确定度而非分布图",
    ),
    "INTERP_FALLBACK_IDW": Template(
        "{what}: no defensible spatial structure: the kriging surface is replaced by the declared fallback, IDW "
        "({settings}); it has no kriging variance and no exceedance probability",
        "{what}：无可支持的空间结构：克里金曲面按声明的替代规则改为反距离加权（{settings}）；无克里金方差与超标概率",
    ),
    "INTERP_FALLBACK_NONE": Template(
        "{what}: kriged with the fitted {model} variogram although the checks above found no defensible "
        "structure (fallback 'none' was asked): the map shows structure the data do not support",
        "{what}：尽管上述检验未发现可支持的空间结构，仍按要求（替代规则为“none”）以拟合的{model}变异函数进行克里金：该图显示的结构缺乏数据支持",
    ),
    "DAMAGE_NO_BASELINE": Template(
        "{code}: no baseline; its samples are reported as 'no_baseline'",
        "{code}：无基线值，其样品记为 'no_baseline'（无基线）",
    ),
    "DAMAGE_ZONES_FROM_IDS": Template(
        "no field {field!r}: zones taken from the sample id prefix",
        "无字段 {field!r}：功能区取自样品编号前缀",
    ),
    "DAMAGE_NONE_CONFIRMED": Template(
        "no sample exceeds its baseline by the confirmation rule: no confirmed damage",
        "无样品按确认规则超过基线：未确认损害",
    ),
    "DAMAGE_NO_CELL_BEYOND": Template(
        "{indicator} ({method}, layer {layer}): no cell beyond the baseline {baseline:g}: no damaged area",
        "{indicator}（{method}，{layer} 层）：无像元超过基线 {baseline:g}：无损害范围",
    ),
    "DAMAGE_NO_AREA": Template(
        "no damaged area: every interpolated cell lies within its baseline (empty outputs)",
        "无损害范围：所有插值像元均未超过基线（输出为空）",
    ),
    "DAMAGE_SAMPLES_ONLY": Template(
        "no interpolated rasters: samples only, no damaged areas or volumes",
        "无插值栅格：仅评估样品，不计算损害面积和体积",
    ),
    "WATER_STANDARDS_UNVERIFIED": Template(
        "water-quality standards (GB/T 14848, GB 3838): {note}",
        "水质标准（GB/T 14848、GB 3838）：{note}",
    ),
    "WATER_NO_CONTROL": Template(
        "{medium}: no control position with results and no baseline given: its samples are reported as 'no_baseline'",
        "{medium}：无有检测结果的对照点位，也未给出基线：其样品记为 'no_baseline'（无基线）",
    ),
    "WATER_NO_FLOW_DIRECTION": Template(
        "groundwater flow direction unknown (fewer than 3 wells with a head, or flat heads, and none given): "
        "the plume is not clipped to the down-gradient side",
        "地下水流向未知（有水头的井少于 3 口或水头无梯度，且未给定）：污染羽未按下游方向裁剪",
    ),
    "WATER_NO_CASE_AREA": Template(
        "no case area given: the plume is not clipped to the case's down-gradient side",
        "未提供案涉范围：污染羽未按案涉范围下游方向裁剪",
    ),
    "WATER_NO_VOLUME": Template(
        "no aquifer thickness or effective porosity (parameter or well fields): groundwater volumes left empty",
        "无含水层厚度或有效孔隙度（参数或井字段）：地下水体积留空",
    ),
    "WATER_PLUME_TOO_FEW_WELLS": Template(
        "{indicator}: the plume cannot be drawn: {n} well(s) with a decidable result, at least {needed} are needed "
        "to bound an area; the wells' exceedances are reported per well only",
        "{indicator}：无法绘制污染羽：可判定结果的井 {n} 口，至少需要 {needed} 口才能圈定范围；仅逐井报告超标",
    ),
    "WATER_PLUME_COLLINEAR": Template(
        "{indicator}: the wells lie on one line: they bound no area, no plume",
        "{indicator}：各井位于一条直线上，无法圈定范围，不绘制污染羽",
    ),
    "WATER_NO_STREAM_LINE": Template(
        "no stream line given: the damaged reach runs along straight segments between the sections",
        "未提供河流线：受损河段按断面之间的直线段计算",
    ),
    "WATER_NO_DISCHARGE": Template(
        "no section has the role 'discharge': the reach starts at the most upstream assessed section {id}",
        "无 'discharge'（汇入点）断面：受损河段自最上游的评估断面 {id} 起算",
    ),
    "WATER_REACH_OPEN": Template(
        "{indicator}: no section downstream meets the baseline: the damaged reach runs at least to {id} "
        "(sample further downstream)",
        "{indicator}：下游无断面达到基线：受损河段至少延伸至 {id}（需在更下游采样）",
    ),
    "WATER_NONE_CONFIRMED": Template(
        "no well or section exceeds its baseline by the confirmation rule: no confirmed water damage (empty outputs)",
        "无井或断面按确认规则超过基线：未确认水环境损害（输出为空）",
    ),
    # ------------------------------------------------------------------ input layers: curves, DEM cover (issue 18/20)
    "LAYER_CURVES_SEGMENTIZED": Template(
        "{layer}: {n} curved feature(s) (circular arcs) turned into straight segments at most {deviation_m:g} m "
        "from the arcs: feature(s) {ids}",
        "{layer}：{n} 个曲线要素（圆弧）已转为直线段，与圆弧的偏差不超过 {deviation_m:g} 米：要素 {ids}",
    ),
    "DEM_ALL_NODATA": Template(
        "the DEM holds no height: every cell is nodata (nodata value {nodata})",
        "DEM 没有任何高程值：所有像元均为无数据（无数据值 {nodata}）",
    ),
    "DEM_NODATA_OVER_CASE": Template(
        "the DEM reaches the case area but holds no height inside the case boundary (nodata there)",
        "DEM 范围到达案涉区域，但案涉范围内没有高程值（均为无数据）",
    ),
    "DEM_FAR_FROM_CASE": Template(
        "the DEM lies away from the case area: in {zone} the DEM spans x {dem_x} m, y {dem_y} m and the case "
        "x {case_x} m, y {case_y} m, {distance:,.0f} m apart{hint}",
        "DEM 不在案涉区域：在 {zone} 中 DEM 范围为 x {dem_x} 米、y {dem_y} 米，案涉范围为 x {case_x} 米、"
        "y {case_y} 米，相距 {distance:,.0f} 米{hint}",
    ),
    "DEM_NOT_PLACEABLE": Template(
        "the DEM's extent cannot be placed in {zone} from its declared CRS {declared} (its coordinates do not "
        "fit that CRS){hint}",
        "无法依据 DEM 所声明的坐标系 {declared} 将其范围换算到 {zone}（坐标与该坐标系不符）{hint}",
    ),
    "DEM_HINT_OTHER_CRS": Template(
        "; read in {crs} instead of the declared {declared}, its extent would cover the case: the DEM's CRS "
        "looks wrong (degrees taken for metres, or another Gauss-Kruger zone); set the right one",
        "；若按 {crs} 而非所声明的 {declared} 解读，其范围将覆盖案涉区域：DEM 的坐标系似有误（把度当作米，"
        "或分带不对）；请设置正确的坐标系",
    ),
    "ZONES_DEM_NOT_USED": Template(
        "{cause}: the flow-through part of COLL is not mapped",
        "{cause}：未划定浸出液收集区中的流经部分",
    ),
    "DEPTH_DEM_NOT_USED": Template(
        "{cause}: the DEM gives no groundwater flow direction",
        "{cause}：无法由 DEM 得出地下水流向",
    ),
    # ------------------------------------------------------------------ sampling grid (core/survey/sampling)
    "SAMPLING_SLIVERS_ONLY": Template(
        "{zone}: the zone ({area_m2:.1f} m2) is made of slivers only; its units are kept",
        "{zone}：该功能区（{area_m2:.1f} m²）仅由碎片组成；其采样单元予以保留",
    ),
    "SAMPLING_SLIVERS_DROPPED": Template(
        "{zone}: {n} edge sliver(s) under {min_area_m2:g} m2 or thinner than {min_width_m:g} m ({area_m2:.1f} m2 "
        "in all) dropped: no neighbour could take them within 1600 m2",
        "{zone}：{n} 个小于 {min_area_m2:g} m² 或窄于 {min_width_m:g} m 的边缘碎片（合计 {area_m2:.1f} m²）已剔除："
        "无相邻单元可在1600 m²以内将其并入",
    ),
    "SAMPLING_SMALL_CASE_SPLIT": Template(
        "case under {small_area_m2:g} m2: a unit was split in two so that there are at least {min_points} points",
        "案涉面积小于 {small_area_m2:g} m²：一个采样单元被一分为二，使点位不少于 {min_points} 个",
    ),
    "SAMPLING_FAR_FROM_SOURCE": Template(
        "{n} pond/pool/ditch point(s) stand more than {limit_m:g} m from their source (their unit does not come "
        "closer; bands wider than 2 m?): {ids}",
        "{n} 个池体/沟渠点位距其污染源超过 {limit_m:g} m（其采样单元无法更靠近；缓冲带宽于2 m？）：{ids}",
    ),
    "SAMPLING_FEW_CONTROL_POINTS": Template(
        "only {n} control point(s): a baseline from fewer than 5 control samples is weak (control-area "
        "baseline, " + GB_T_39791 + "; 5 is a default)",
        "对照点仅 {n} 个：少于5个对照样品得出的基线代表性不足（对照区基线，" + GB_T_39791 + "；5为默认值）",
    ),
    "SAMPLING_ZONES_REPROJECTED": Template(
        "{layer}: CRS {crs} is not a CGCS2000 Gauss-Kruger zone; reprojected to {zone}",
        "{layer}：坐标系 {crs} 不是2000国家大地坐标系高斯-克吕格分带；已投影到 {zone}",
    ),
    "SAMPLING_NO_CONTROL_AREA": Template(
        "no control area given: no control (reference) points for the baseline",
        "未提供对照区：没有用于基线的对照点",
    ),
    # the compliance table's rule lines (rule_en is the English text, rule_zh the Chinese)
    "SAMPLING_RULE_S1": Template(
        "sampling unit at most 1600 m2 (cell {cell_m:g} m)",
        "采样单元面积不大于1600 m²（网格 {cell_m:g} m）",
    ),
    "SAMPLING_RULE_S2": Template(
        "one point per unit, inside its unit and zone",
        "每个采样单元一个点位，点位位于其单元及功能区内",
    ),
    "SAMPLING_RULE_S3": Template(
        "case under 5000 m2 (here {case_area_m2:.0f} m2) has at least 3 points",
        "案涉面积小于5000 m²的案件（本案 {case_area_m2:.0f} m²），布点不少于3个",
    ),
    "SAMPLING_RULE_S3_NOT_APPLICABLE": Template(
        "not applicable: the case is {case_area_m2:,.0f} m2, the rule is for cases under 5,000 m2",
        "不适用：本案面积 {case_area_m2:,.0f} m²，该规则适用于面积小于5000 m²的案件",
    ),
    "SAMPLING_RULE_S4": Template(
        "pond, pool and ditch points outside the edge and within 2 m of it; no point in water or inside a pond",
        "池体及沟渠采样点位于其边缘外2 m内，不在水体或池内",
    ),
    "SAMPLING_RULE_S5": Template(
        "point ids unique, as <zone>-<nnn>",
        "点位编号唯一，格式为<功能区>-<序号>",
    ),
    "SAMPLING_RULE_S6": Template(
        "sampling unit of one contiguous part, extent within two cells ({long_m:g} m x {cell_m:g} m)",
        "采样单元为一个连续整体，范围不超过两个网格（{long_m:g} m × {cell_m:g} m）",
    ),
}
"""Message code -> :class:`Template`."""


class Message(str):
    """A message from core: its English text, with ``code``, ``params`` and ``at`` kept.

    Parameters
    ----------
    code : str
        A key of :data:`MESSAGES`.
    at : mapping, optional
        Where the message points: keys of :data:`LOCATION` (``layer``, ``feature``,
        ``sheet_row``, ``row``, ``column``, ``cell``).
    **params
        The template's fields.
    """

    code: str
    params: dict
    at: dict

    def __new__(cls, code: str, /, *, at: Optional[Mapping] = None, **params):
        if code not in MESSAGES:
            raise KeyError(f"unknown message code {code!r}")
        at = {k: v for k, v in (at or {}).items() if v is not None}
        self = super().__new__(cls, _render(code, params, at, "en"))
        self.code = code
        self.params = dict(params)
        self.at = at
        return self

    def text(self, language: str = "en") -> str:
        """The message in ``language`` (``"zh"`` or ``"en"``; any other gives English)."""
        return _render(self.code, self.params, self.at, language)

    def bilingual(self) -> str:
        """``"<Chinese> / <English>"``, the form of the sampling rules (``RULE_*``)."""
        return f"{self.text('zh')} / {self.text('en')}"

    def __reduce__(self):  # pickles (process pools) as code and parameters
        return (_restore, (self.code, self.params, self.at))


def _restore(code: str, params: dict, at: dict) -> Message:
    return Message(code, at=at, **params)


def _render(code: str, params: Mapping, at: Mapping, language: str) -> str:
    # a parameter that is itself a Template (a term, e.g. a geometry type) speaks the same language
    # and so does one that is itself a Message (a note quoted inside an error)
    words = {
        k: v.get(language) if isinstance(v, Template) else v.text(language) if isinstance(v, Message) else v
        for k, v in params.items()
    }
    body = MESSAGES[code].get(language).format(**words)
    where = location_text(at, language)
    return f"{body} [{where}]" if where else body


def language_of(locale_name: Optional[str]) -> str:
    """The message language for a locale name: ``"zh"`` for any Chinese locale, else ``"en"``.

    >>> language_of("zh_CN"), language_of("zh-Hans"), language_of("en_US"), language_of(None)
    ('zh', 'zh', 'en', 'en')
    """
    return "zh" if str(locale_name or "").lower().startswith("zh") else "en"


def localize(text, language: str = "en") -> str:
    """``text`` in ``language`` if it is a :class:`Message` (or an error carrying one), else as it is."""
    if isinstance(text, Message):
        return text.text(language)
    localized = None if isinstance(text, str) else getattr(text, "text", None)
    return localized(language) if callable(localized) else str(text)
