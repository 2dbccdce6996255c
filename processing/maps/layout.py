"""Print layouts of the report maps, filled from a template, and their export.

A layout is loaded from a ``.qpt`` under ``resources/layouts`` and filled: the map's layers,
CRS, extent at a round scale, a labelled coordinate grid (eastings/northings in the zone),
optionally a geographic graticule, the legend with the layers' Chinese names and class labels,
scale bar and numeric scale, north arrow, title, datum note, sources, compiling unit, author
and date. :func:`export_layout` writes a vector PDF and a PNG per page.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsExpressionContextUtils,
    QgsLayerTree,
    QgsLayoutExporter,
    QgsLayoutItemLabel,
    QgsLayoutItemMap,
    QgsLayoutItemMapGrid,
    QgsLayoutItemPicture,
    QgsLayoutObject,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsLegendStyle,
    QgsMapLayerLegendUtils,
    QgsMapLayerType,
    QgsPrintLayout,
    QgsProperty,
    QgsReadWriteContext,
    QgsRectangle,
    QgsScaleBarSettings,
    QgsTextFormat,
    QgsUnitTypes,
)
from qgis.PyQt.QtCore import QFile, QIODevice, Qt
from qgis.PyQt.QtGui import QColor, QFont, QFontDatabase, QFontMetricsF
from qgis.PyQt.QtXml import QDomDocument

from ...core.geo.crs import gauss_kruger_zone, zone_from_epsg
from .themes import Theme

LAYOUT_DIR = Path(__file__).resolve().parents[2] / "resources" / "layouts"
GEOGRAPHIC = "EPSG:4490"

#: the grid step on paper, mm: labels every ~35 mm never collide and still give 4-5 lines a map
GRID_STEP_MM = 35.0
#: the grid interval recomputed from the map's scale (so a scale changed in the designer keeps a sensible grid)
GRID_INTERVAL_EXPRESSION = (
    f"with_variable('raw', @map_scale * {GRID_STEP_MM} / 1000.0,"
    " with_variable('p', 10 ^ floor(log10(@raw)),"
    " CASE WHEN @raw / @p < 2 THEN 1 WHEN @raw / @p < 5 THEN 2 ELSE 5 END * @p))"
)
SCALE_EXPRESSION = "[% '1:' || to_string(round(map_get(item_variables('map'), 'map_scale'))) %]"

#: scales an atlas page may take
ROUND_SCALES = (200, 250, 500, 1000, 1250, 2000, 2500, 5000, 10000, 12500, 20000, 25000, 50000, 100000)

# the legend and labels must hold Chinese: Qt's fallback may pick a font without it
_CJK_SAMPLE = "图例"


@dataclass(frozen=True)
class MapTexts:
    """The texts of the title block (Chinese; empty fields print as a blank to fill by hand)."""

    title: str
    unit: str = ""
    author: str = ""
    date: str = ""
    sources: str = ""
    imagery_date: str = ""


# ----------------------------------------------------------------------------- CRS and scale
def zone_crs_of(layers, width: int = 3) -> QgsCoordinateReferenceSystem:
    """The CGCS2000 Gauss-Kruger zone (EPSG 4534-4554 for 3-degree zones) holding the centre of
    the layers' combined extent; :func:`~ree_damage.core.geo.crs.gauss_kruger_zone` picks it."""
    extent = combined_extent(layers, QgsCoordinateReferenceSystem(GEOGRAPHIC))
    if extent is None:
        raise ValueError("no layer with an extent to place the map")
    zone = gauss_kruger_zone(extent.center().x(), width=width)
    return QgsCoordinateReferenceSystem(zone.authid)


def datum_note(crs: QgsCoordinateReferenceSystem) -> str:
    """The datum note of the map: CGCS2000, projection, zone and central meridian, height datum."""
    epsg = crs.postgisSrid()
    try:
        zone = zone_from_epsg(epsg)
    except Exception:  # noqa: BLE001 - any CRS the user picked that is not a CGCS2000 GK zone
        return f"坐标系：{crs.description()}（{crs.authid()}）；1985国家高程基准"
    return f"{zone.datum_note('zh')}；第{zone.number}带（{crs.authid()}）"


def combined_extent(layers, crs: QgsCoordinateReferenceSystem, context=None) -> QgsRectangle | None:
    from qgis.core import QgsProject

    transform_context = context or QgsProject.instance().transformContext()
    extent = None
    for layer in layers:
        if layer is None or not layer.isSpatial() or layer.extent().isEmpty():
            continue
        transform = QgsCoordinateTransform(layer.crs(), crs, transform_context)
        box = transform.transformBoundingBox(layer.extent())
        if extent is None:
            extent = QgsRectangle(box)
        else:
            extent.combineExtentWith(box)
    return extent


def nice_step(value: float) -> float:
    """The largest of 1, 2, 5 x 10^n not above ``value`` (value > 0)."""
    power = 10 ** math.floor(math.log10(value))
    for factor in (5, 2, 1):
        if factor * power <= value * (1 + 1e-9):
            return factor * power
    return power


def round_scale(scale: float) -> int:
    """The next round scale denominator at or above ``scale`` (1:500, 1:1000, 1:2000, 1:2500, 1:5000 ...)."""
    power = 10 ** math.floor(math.log10(scale))
    for factor in (1, 1.25, 2, 2.5, 5, 10):
        if factor * power >= scale * (1 - 1e-9):
            return int(round(factor * power))
    return int(round(10 * power))


def cjk_font_family() -> str:
    """A font family that has Simplified Chinese ('' when the machine has none: Qt falls back)."""
    database = QFontDatabase()
    families = database.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    for preferred in ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei",
                      "SimHei", "PingFang SC"):
        if preferred in families:
            return preferred
    return families[0] if families else ""


def _font(size: float, bold: bool = False) -> QFont:
    font = QFont(cjk_font_family()) if cjk_font_family() else QFont()
    font.setPointSizeF(size)
    font.setBold(bold)
    return font


def _text_format(size: float, bold: bool = False) -> QgsTextFormat:
    text = QgsTextFormat.fromQFont(_font(size, bold))
    text.setSize(size)
    return text


def _set_text(target, size: float, bold: bool = False) -> None:
    """Set the font of a layout label or legend style: a text format where QGIS has one
    (labels from 3.24, legend styles from 3.30; setFont is deprecated there), else a QFont (3.22)."""
    if hasattr(target, "setTextFormat"):
        target.setTextFormat(_text_format(size, bold))
    else:
        target.setFont(_font(size, bold))


def _current_size_and_bold(label) -> tuple[float, bool]:
    if hasattr(label, "textFormat"):
        text = label.textFormat()
        return text.size(), text.font().bold()
    return label.font().pointSizeF(), label.font().bold()


# ----------------------------------------------------------------------------- layouts
def load_template(project, template: str, name: str) -> QgsPrintLayout:
    """A layout of ``project`` made from ``resources/layouts/<template>``."""
    path = LAYOUT_DIR / template
    document = QDomDocument()
    handle = QFile(str(path))
    if not handle.open(QIODevice.OpenModeFlag.ReadOnly):
        raise FileNotFoundError(f"layout template {path} does not open")
    ok = document.setContent(handle)
    handle.close()
    ok = ok[0] if isinstance(ok, tuple) else ok
    if not ok:
        raise ValueError(f"layout template {path} is not valid XML")
    layout = QgsPrintLayout(project)
    _items, loaded = layout.loadFromTemplate(document, QgsReadWriteContext())
    if not loaded:
        raise ValueError(f"layout template {path} does not load")
    layout.setName(name)
    return layout


def _item(layout, item_id: str):
    item = layout.itemById(item_id)
    if item is None:
        raise ValueError(f"layout template of {layout.name()!r} has no item {item_id!r}")
    return item


def _set_label(layout, item_id: str, text: str, size: float | None = None, bold: bool = False) -> None:
    label = _item(layout, item_id)
    current_size, current_bold = _current_size_and_bold(label)
    size, bold = size or current_size, bold or current_bold
    if hasattr(label, "setTextFormat") and "[%" not in text:  # an expression is evaluated when drawn
        # QGIS >= 3.24 draws labels with its text renderer, which breaks lines at spaces only:
        # Chinese text runs off the box, so its lines are broken here (3.22 wraps by itself)
        width = label.sizeWithUnits().width() - 2.0 * label.marginX()
        text = wrap_text(text, _font(size, bold), size, width)
    label.setText(text)
    _set_text(label, size, bold)


_BREAK_AFTER = "，；、。：） "
"""Where a line may break by preference (Chinese punctuation, a space)."""


def wrap_text(text: str, font: QFont, size_pt: float, width_mm: float) -> str:
    """``text`` with line breaks so that no line is wider than ``width_mm`` in ``font`` at
    ``size_pt`` points: after punctuation or a space where one lies in the last 40 % of the
    line, else between any two characters (Chinese has no spaces to break at)."""
    sized = QFont(font)
    sized.setPixelSize(1000)  # measured at 1000 px a em, scaled to mm: independent of screen DPI
    metrics = QFontMetricsF(sized)
    mm_per_unit = size_pt * 25.4 / 72.0 / 1000.0
    limit = max(width_mm, 1.0) * 0.97

    def width(line: str) -> float:
        return metrics.horizontalAdvance(line) * mm_per_unit

    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for character in paragraph:
            if line and width(line + character) > limit:
                cut = max(line.rfind(mark) for mark in _BREAK_AFTER)
                if cut >= 0.6 * len(line):
                    lines.append(line[:cut + 1].rstrip())
                    line = line[cut + 1:].lstrip()
                else:
                    lines.append(line)
                    line = ""
            line += character
        lines.append(line)
    return "\n".join(lines)


def fill_layout(layout, theme: Theme, layers: list, crs, texts: MapTexts, graticule: bool = False,
                extent: QgsRectangle | None = None) -> QgsLayoutItemMap:
    """Fill a layout made from a theme template; ``layers`` top first. Return its map item."""
    map_item = _item(layout, "map")
    map_item.setCrs(crs)
    map_item.setLayers(layers)
    map_item.setKeepLayerSet(True)
    area = extent or combined_extent(layers, crs, layout.project().transformContext())
    if area is None:
        raise ValueError(f"{theme.id}: no layer with an extent")
    area = QgsRectangle(area)
    area.grow(max(area.width(), area.height()) * 0.06)
    map_item.zoomToExtent(area)
    map_item.setScale(round_scale(map_item.scale()))
    _add_grids(map_item, crs, graticule)

    arrow = _item(layout, "north_arrow")
    arrow.setPicturePath(_north_arrow_svg())
    arrow.setLinkedMap(map_item)

    legend = _item(layout, "legend")
    legend.setAutoUpdateModel(False)
    root = QgsLayerTree()
    for layer in layers:
        root.addLayer(layer)
    legend.model().setRootGroup(root)
    _LEGEND_ROOTS.append(root)  # the legend model does not own its root: see release_legend_roots()
    _tidy_raster_legends(legend, root)
    legend.setLinkedMap(map_item)
    legend.setTitle("图例")
    legend.setResizeToContents(True)
    for style, size, bold in ((QgsLegendStyle.Style.Title, 10.0, True), (QgsLegendStyle.Style.Group, 8.0, True),
                              (QgsLegendStyle.Style.Subgroup, 8.0, False),
                              (QgsLegendStyle.Style.SymbolLabel, 7.5, False)):
        _set_text(legend.rstyle(style), size, bold)
    legend.refresh()

    scalebar = _item(layout, "scalebar")
    scalebar.setLinkedMap(map_item)
    # segments of a round length that fit 30-60 mm, whatever the scale (atlas pages, designer edits)
    scalebar.setSegmentSizeMode(_fit_width_segments())
    scalebar.setMinimumBarWidth(30.0)
    scalebar.setMaximumBarWidth(60.0)
    scalebar.setUnitsPerSegment(nice_step(map_item.scale() * 12.0 / 1000.0))
    scalebar.setUnits(QgsUnitTypes.DistanceUnit.DistanceMeters)
    scalebar.setUnitLabel("m")
    scalebar.setNumberOfSegments(4)
    scalebar.setNumberOfSegmentsLeft(0)
    scalebar.setTextFormat(_text_format(7.0))
    scalebar.update()

    _set_label(layout, "title", texts.title + theme.title_zh, size=_title_size(texts.title + theme.title_zh))
    _set_label(layout, "scale_text", "比例尺 " + SCALE_EXPRESSION)
    _set_label(layout, "datum_note", "坐标系统：" + datum_note(crs))
    _set_label(layout, "sources", f"影像日期：{texts.imagery_date or '—'}\n数据来源：{texts.sources or '—'}")
    _set_label(layout, "credits", f"编制单位：{texts.unit or '________'}\n制图：{texts.author or '________'}\n"
                                  f"日期：{texts.date or '________'}")
    QgsExpressionContextUtils.setLayoutVariable(layout, "ree_theme", theme.id)
    return map_item


def _tidy_raster_legends(legend, root) -> None:
    """Raster entries without GDAL's band line ("Band 1: ..."); an image (RGB) by its name only."""
    model = legend.model()
    for node in root.findLayers():
        layer = node.layer()
        if layer is None or layer.type() != QgsMapLayerType.RasterLayer:
            continue
        nodes = model.layerLegendNodes(node)
        if layer.renderer() is not None and layer.renderer().type() == "multibandcolor":
            keep = []
        else:
            keep = [index for index, item in enumerate(nodes)
                    if not str(item.data(Qt.ItemDataRole.DisplayRole) or "").startswith("Band ")]
        QgsMapLayerLegendUtils.setLegendNodeOrder(node, keep)
        model.refreshLayerLegend(node)


# legend roots in use by layouts alive now
_LEGEND_ROOTS: list = []


def release_legend_roots() -> None:
    """Free the legends' layer trees; call once the layouts that use them are gone
    (``project.clear()``), never before: a legend drawing a freed tree crashes."""
    _LEGEND_ROOTS.clear()


def _title_size(title: str) -> float:
    """15 pt, smaller for a long title so it stays on one line of the 277 mm title box."""
    width_mm = 270.0
    return max(9.0, min(15.0, width_mm / (max(len(title), 1) * 0.36)))


def _north_arrow_svg() -> str:
    for folder in [QgsApplication.pkgDataPath() + "/svg", *QgsApplication.svgPaths()]:
        candidate = Path(folder) / "arrows" / "NorthArrow_02.svg"
        if candidate.is_file():
            return str(candidate)
    return ""


def _add_grids(map_item, crs, graticule: bool) -> None:
    grids = map_item.grids()
    for grid in list(grids.asList()):
        grids.removeGrid(grid.id())
    interval = nice_step(map_item.scale() * GRID_STEP_MM / 1000.0)
    grid = QgsLayoutItemMapGrid("坐标格网", map_item)
    grid.setCrs(crs)
    grid.setIntervalX(interval)
    grid.setIntervalY(interval)
    grid.dataDefinedProperties().setProperty(QgsLayoutObject.DataDefinedProperty.MapGridIntervalX,
                                             QgsProperty.fromExpression(GRID_INTERVAL_EXPRESSION))
    grid.dataDefinedProperties().setProperty(QgsLayoutObject.DataDefinedProperty.MapGridIntervalY,
                                             QgsProperty.fromExpression(GRID_INTERVAL_EXPRESSION))
    grid.setStyle(QgsLayoutItemMapGrid.GridStyle.Solid)
    grid.setGridLineColor(QColor("#9e9e9e"))
    grid.setGridLineWidth(0.1)
    grid.setFrameStyle(QgsLayoutItemMapGrid.FrameStyle.Zebra)
    grid.setFrameWidth(1.2)
    grid.setAnnotationEnabled(True)
    grid.setAnnotationFormat(QgsLayoutItemMapGrid.AnnotationFormat.Decimal)
    grid.setAnnotationPrecision(0)
    grid.setAnnotationTextFormat(_grid_text(6.5))
    Border = QgsLayoutItemMapGrid.BorderSide  # noqa: N806
    for side in (Border.Left, Border.Right, Border.Top, Border.Bottom):
        grid.setAnnotationPosition(QgsLayoutItemMapGrid.AnnotationPosition.OutsideMapFrame, side)
        grid.setAnnotationDisplay(QgsLayoutItemMapGrid.DisplayMode.ShowAll, side)
    for side in (Border.Left, Border.Right):
        grid.setAnnotationDirection(QgsLayoutItemMapGrid.AnnotationDirection.Vertical, side)
    for side in (Border.Top, Border.Bottom):
        grid.setAnnotationDirection(QgsLayoutItemMapGrid.AnnotationDirection.Horizontal, side)
    grids.addGrid(grid)
    if graticule:
        lonlat = QgsLayoutItemMapGrid("经纬网", map_item)
        lonlat.setCrs(QgsCoordinateReferenceSystem(GEOGRAPHIC))
        degrees = _graticule_interval(map_item)
        lonlat.setIntervalX(degrees)
        lonlat.setIntervalY(degrees)
        lonlat.setStyle(QgsLayoutItemMapGrid.GridStyle.Cross)
        lonlat.setCrossLength(2.0)
        lonlat.setGridLineColor(QColor("#1f4e9e"))
        lonlat.setGridLineWidth(0.2)
        lonlat.setAnnotationEnabled(True)
        lonlat.setAnnotationFormat(QgsLayoutItemMapGrid.AnnotationFormat.DegreeMinuteSecond)
        lonlat.setAnnotationPrecision(0)
        lonlat.setAnnotationTextFormat(_grid_text(6.0, "#1f4e9e"))
        for side in (Border.Left, Border.Right, Border.Top, Border.Bottom):
            lonlat.setAnnotationPosition(QgsLayoutItemMapGrid.AnnotationPosition.InsideMapFrame, side)
            lonlat.setAnnotationDisplay(QgsLayoutItemMapGrid.DisplayMode.ShowAll, side)
        grids.addGrid(lonlat)


def _grid_text(size: float, color: str = "#000000") -> QgsTextFormat:
    text = _text_format(size)
    text.setColor(QColor(color))
    return text


def _graticule_interval(map_item) -> float:
    """Degrees between graticule lines: a round number of seconds or minutes, ~4 across the map."""
    width_deg = map_item.extent().width() / 111_000.0 / 4.0
    for seconds in (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if seconds / 3600.0 >= width_deg:
            return seconds / 3600.0
    return 1.0


def fill_table(layout, table_layer, title: str, headings: dict) -> None:
    """Point the table of a ``*_table`` template at ``table_layer`` with Chinese headings."""
    frame = _item(layout, "table_frame")
    table = frame.multiFrame()
    table.setVectorLayer(table_layer)
    table.setDisplayOnlyVisibleFeatures(False)
    table.setMaximumNumberOfFeatures(100_000)
    table.resetColumns()
    columns = table.columns()
    for column in columns:
        column.setHeading(headings.get(column.attribute(), column.attribute()))
    table.setColumns(columns)
    table.setHeaderTextFormat(_text_format(8.0, True))
    table.setContentTextFormat(_text_format(7.5))
    table.refreshAttributes()
    _set_label(layout, "table_title", title)


def drop_table_page(layout) -> None:
    """Remove the table page of a ``*_table`` template (no table to show)."""
    frame = _item(layout, "table_frame")
    layout.removeMultiFrame(frame.multiFrame())
    layout.removeLayoutItem(_item(layout, "table_title"))
    collection = layout.pageCollection()
    while collection.pageCount() > 1:
        collection.deletePage(collection.pageCount() - 1)


def make_atlas(layout, map_item, coverage, name_field: str, label_field: str) -> None:
    """Turn a filled layout into an atlas with one page per feature of ``coverage``."""
    atlas = layout.atlas()
    atlas.setCoverageLayer(coverage)
    atlas.setEnabled(True)
    atlas.setHideCoverage(False)
    atlas.setPageNameExpression(f'"{name_field}"')
    atlas.setFilenameExpression(f"'{layout.name()}_' || \"{name_field}\"")
    map_item.setAtlasDriven(True)
    # the smallest round scale that shows the whole feature (never 1:925)
    layout.renderContext().setPredefinedScales([float(s) for s in ROUND_SCALES])
    map_item.setAtlasScalingMode(QgsLayoutItemMap.AtlasScalingMode.Predefined)
    map_item.setAtlasMargin(0.10)
    title = _item(layout, "title")
    title.setText(title.text() + f"（[% \"{label_field}\" %]）")


# ----------------------------------------------------------------------------- export
def _text_format_always_text():
    """'Always render text as text' (pdftotext and editors read it): Qgis.TextRenderFormat (3.22+)."""
    return Qgis.TextRenderFormat.AlwaysText


def _fit_width_segments():
    """Scale bar segments sized to fit a width: QgsScaleBarSettings' enum up to 3.26, Qgis' after."""
    moved = getattr(Qgis, "ScaleBarSegmentSizeMode", None)
    if moved is not None:
        return moved.FitWidth
    return QgsScaleBarSettings.SegmentSizeMode.SegmentSizeFitWidth


# ----------------------------------------------------------------------------- figures
_MM = QgsUnitTypes.LayoutUnit.LayoutMillimeters
_A4 = (297.0, 210.0)


def _add_label(layout, text: str, box: tuple, size: float, bold: bool = False,
               align=Qt.AlignmentFlag.AlignLeft) -> QgsLayoutItemLabel:
    x, y, width, height = box
    label = QgsLayoutItemLabel(layout)
    if hasattr(label, "setTextFormat"):  # wrapped here on QGIS >= 3.24 (see _set_label)
        text = wrap_text(text, _font(size, bold), size, width - 2.0 * label.marginX())
    label.setText(text)
    _set_text(label, size, bold)
    label.setHAlign(align)
    label.setVAlign(Qt.AlignmentFlag.AlignTop)
    layout.addLayoutItem(label)
    label.attemptMove(QgsLayoutPoint(x, y, _MM))
    label.attemptResize(QgsLayoutSize(width, height, _MM))
    return label


def figure_layout(project, name: str, title: str, pictures: list, note: str = "") -> QgsPrintLayout:
    """A print layout of figures that are images (not maps): A4 landscape, the title on top,
    the pictures in a row (two rows from three on) each with its caption, a note below.

    Parameters
    ----------
    project : QgsProject
        The project the layout belongs to (it is not added to its layout manager here).
    name : str
        The layout's name.
    title : str
        Title line.
    pictures : list of (pathlib.Path, str)
        Image file and its caption, in order.
    note : str
        Text at the foot of the page (the source of the values, the method).
    """
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()
    layout.setName(name)
    page_w, page_h = _A4
    layout.pageCollection().page(0).setPageSize(QgsLayoutSize(page_w, page_h, _MM))
    _add_label(layout, title, (10.0, 8.0, page_w - 20.0, 12.0), 14.0, bold=True, align=Qt.AlignmentFlag.AlignHCenter)
    count = max(len(pictures), 1)
    columns = count if count <= 2 else math.ceil(count / 2)
    rows = math.ceil(count / columns)
    top, bottom = 24.0, page_h - 22.0
    cell_w = (page_w - 20.0) / columns
    cell_h = (bottom - top) / rows
    for index, (path, caption) in enumerate(pictures):
        x = 10.0 + (index % columns) * cell_w
        y = top + (index // columns) * cell_h
        picture = QgsLayoutItemPicture(layout)
        picture.setId(f"figure_{index + 1}")
        picture.setPicturePath(str(path))
        picture.setResizeMode(QgsLayoutItemPicture.ResizeMode.Zoom)
        layout.addLayoutItem(picture)
        picture.attemptMove(QgsLayoutPoint(x + 2.0, y, _MM))
        picture.attemptResize(QgsLayoutSize(cell_w - 4.0, cell_h - 10.0, _MM))
        _add_label(layout, caption, (x + 2.0, y + cell_h - 9.0, cell_w - 4.0, 8.0), 8.0,
                   align=Qt.AlignmentFlag.AlignHCenter)
    if note:
        _add_label(layout, note, (10.0, page_h - 20.0, page_w - 20.0, 14.0), 7.0)
    return layout


def export_layout(layout, folder: Path, stem: str, dpi: int = 300, formats=("pdf", "png"),
                  pdf_date: str | None = None) -> list:
    """Export ``layout`` as a vector PDF and a PNG per page (``stem.png``, ``stem_2.png`` ...)
    into ``folder``; return the files written. A failed export raises OSError.

    ``pdf_date`` (``YYYY-MM-DD``): the creation date written into the PDF instead of the
    time of the export (Qt writes one even without metadata), so the same map gives the same
    bytes."""
    exporter = QgsLayoutExporter(layout)
    written = []
    with _quiet_gdal():
        _export(exporter, folder, stem, dpi, formats, written)
    if pdf_date:
        for path in written:
            if path.suffix == ".pdf":
                fix_pdf_creation_date(path, pdf_date)
    return written


_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}")
_XMP_UUID = re.compile(rb'(xmpMM:(?:DocumentID|InstanceID)="uuid:)[0-9a-fA-F-]{36}')
# QGIS >= 3.40 writes XMP metadata with the export time even when told no metadata
_XMP_DATE = re.compile(rb'xmp:(CreateDate|ModifyDate|MetadataDate)="\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}')


def fix_pdf_creation_date(path: Path, date: str) -> None:
    """Replace the PDF's creation and modification times (the info dictionary's and the XMP
    metadata's) by ``date`` (``YYYY-MM-DD``, midnight) in place; the lengths stay, so the
    cross-reference offsets stay right."""
    digits = date.replace("-", "")[:8]
    if len(digits) != 8 or not digits.isdigit():
        raise ValueError(f"not a date YYYY-MM-DD: {date!r}")
    data = Path(path).read_bytes()
    fixed = _PDF_DATE.sub(lambda m: b"/" + m.group(1) + b" (D:" + digits.encode() + b"000000", data)
    fixed = _XMP_DATE.sub(lambda m: b"xmp:" + m.group(1) + b'="' + date[:10].encode() + b"T00:00:00", fixed)
    # ... and a random document id: made from the content instead (same map, same id)
    blank = _XMP_UUID.sub(lambda m: m.group(1) + b"0" * 36, fixed)
    if blank != fixed:
        digest = hashlib.sha256(blank).hexdigest()
        uuid = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}".encode()
        fixed = _XMP_UUID.sub(lambda m: m.group(1) + uuid, fixed)
    if fixed != data:
        Path(path).write_bytes(fixed)


@contextlib.contextmanager
def _quiet_gdal():
    """QGIS tries to georeference every exported page through GDAL, which cannot update a PNG
    ("ERROR 6: ... does not support update access"): not an error of ours, kept off the console."""
    try:
        from osgeo import gdal
    except ImportError:
        yield
        return
    gdal.PushErrorHandler("CPLQuietErrorHandler")
    try:
        yield
    finally:
        gdal.PopErrorHandler()


def _export(exporter, folder, stem, dpi, formats, written) -> None:
    success = QgsLayoutExporter.ExportResult.Success
    if "pdf" in formats:
        settings = QgsLayoutExporter.PdfExportSettings()
        settings.dpi = dpi
        settings.forceVectorOutput = True
        settings.rasterizeWholeImage = False
        settings.exportMetadata = False  # no creation time in the file
        settings.textRenderFormat = _text_format_always_text()
        path = folder / f"{stem}.pdf"
        result = exporter.exportToPdf(str(path), settings)
        if result != success:
            raise OSError(f"{stem}: PDF export failed ({exporter.errorMessage() or result})")
        written.append(path)
    if "png" in formats:
        settings = QgsLayoutExporter.ImageExportSettings()
        settings.dpi = dpi
        settings.exportMetadata = False
        path = folder / f"{stem}.png"
        result = exporter.exportToImage(str(path), settings)
        if result != success:
            raise OSError(f"{stem}: PNG export failed ({exporter.errorMessage() or result})")
        written += sorted(folder.glob(f"{stem}.png")) + sorted(folder.glob(f"{stem}_*.png"))


def export_atlas(layout, folder: Path, dpi: int = 300) -> list:
    """One multi-page PDF of the atlas and one PNG per atlas feature."""
    atlas = layout.atlas()
    settings = QgsLayoutExporter.PdfExportSettings()
    settings.dpi = dpi
    settings.forceVectorOutput = True
    settings.exportMetadata = False
    settings.textRenderFormat = _text_format_always_text()
    path = folder / f"{layout.name()}.pdf"
    result, error = QgsLayoutExporter.exportToPdf(atlas, str(path), settings)
    if result != QgsLayoutExporter.ExportResult.Success:
        raise OSError(f"{layout.name()}: atlas PDF export failed ({error})")
    image = QgsLayoutExporter.ImageExportSettings()
    image.dpi = dpi
    image.exportMetadata = False
    before = set(folder.glob("*.png"))
    with _quiet_gdal():
        result, error = QgsLayoutExporter.exportToImage(atlas, str(folder / f"{layout.name()}.png"), "png", image)
    if result != QgsLayoutExporter.ExportResult.Success:
        raise OSError(f"{layout.name()}: atlas PNG export failed ({error})")
    return [path, *sorted(set(folder.glob("*.png")) - before)]
