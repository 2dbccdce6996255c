"""Write the print-layout templates of this folder (run with QGIS's Python).

    .venv/bin/python resources/layouts/build_templates.py

The .qpt files are committed; this script is how they were made (edit, rerun, commit). A
template fixes the sheet (A4 landscape), where every element stands and its sizes; the
report_map algorithm fills it from the case: layers, extent, scale, grid interval, texts.
Items are found by their id, so a template edited in QGIS's layout designer keeps working as
long as the ids stay: ``title``, ``map``, ``legend``, ``scalebar``, ``scale_text``,
``north_arrow``, ``datum_note``, ``sources``, ``credits`` (and ``table_frame``, the frame of
the attribute table, and ``table_title`` on page 2 of the template with a table).
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsFillSymbol,
    QgsLayoutFrame,
    QgsLayoutItemAttributeTable,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsLayoutItemPage,
    QgsLayoutItemPicture,
    QgsLayoutItemScaleBar,
    QgsLayoutItemShape,
    QgsLayoutMeasurement,
    QgsLayoutMultiFrame,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsPrintLayout,
    QgsProject,
    QgsReadWriteContext,
    QgsRectangle,
    QgsUnitTypes,
)
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QFont

HERE = Path(__file__).resolve().parent
MM = QgsUnitTypes.LayoutUnit.LayoutMillimeters

# A4 landscape, mm: the map on the left, the title block on the right
PAGE_W, PAGE_H = 297.0, 210.0
MAP = (24.0, 22.0, 180.0, 170.0)  # x, y, width, height: room left and below for the grid labels
PANEL_X, PANEL_W = 216.0, 72.0


def _place(item, x, y, w, h, page: int = 0) -> None:
    item.attemptMove(QgsLayoutPoint(x, y, MM), page=page)
    item.attemptResize(QgsLayoutSize(w, h, MM))


def _label(layout, item_id, x, y, w, h, size, bold=False, align=Qt.AlignmentFlag.AlignLeft, page=0):
    label = QgsLayoutItemLabel(layout)
    label.setId(item_id)
    label.setText(item_id)
    font = QFont()
    font.setBold(bold)
    font.setPointSizeF(size)
    label.setFont(font)  # QGIS 3.22 labels take a QFont (setTextFormat comes with 3.24)
    label.setHAlign(align)
    label.setVAlign(Qt.AlignmentFlag.AlignTop)
    layout.addLayoutItem(label)
    _place(label, x, y, w, h, page)
    return label


def build_layout(with_table: bool) -> QgsPrintLayout:
    layout = QgsPrintLayout(QgsProject.instance())
    layout.initializeDefaults()
    layout.setName("ree_damage A4" + (" with table" if with_table else ""))
    page = layout.pageCollection().page(0)
    page.setPageSize(QgsLayoutSize(PAGE_W, PAGE_H, MM))

    neatline = QgsLayoutItemShape(layout)
    neatline.setId("neatline")
    neatline.setShapeType(QgsLayoutItemShape.Shape.Rectangle)
    neatline.setSymbol(QgsFillSymbol.createSimple({"color": "0,0,0,0", "outline_color": "#000000",
                                                   "outline_width": "0.6"}))
    layout.addLayoutItem(neatline)
    _place(neatline, 6.0, 5.0, PAGE_W - 12.0, PAGE_H - 10.0)

    _label(layout, "title", 10.0, 8.0, PAGE_W - 20.0, 11.0, 15.0, bold=True, align=Qt.AlignmentFlag.AlignHCenter)

    map_item = QgsLayoutItemMap(layout)
    map_item.setId("map")
    map_item.setFrameEnabled(True)
    map_item.setFrameStrokeWidth(QgsLayoutMeasurement(0.4, MM))
    layout.addLayoutItem(map_item)
    _place(map_item, *MAP)
    map_item.setExtent(QgsRectangle(0.0, 0.0, MAP[2], MAP[3]))  # filled from the case at run time

    arrow = QgsLayoutItemPicture(layout)
    arrow.setId("north_arrow")
    arrow.setPicturePath(QgsApplication.pkgDataPath() + "/svg/arrows/NorthArrow_02.svg")
    arrow.setBackgroundEnabled(True)
    layout.addLayoutItem(arrow)
    _place(arrow, MAP[0] + MAP[2] - 15.0, MAP[1] + 2.0, 13.0, 17.0)

    legend = QgsLayoutItemLegend(layout)
    legend.setId("legend")
    legend.setTitle("图例")
    legend.setLinkedMap(map_item)
    legend.setResizeToContents(False)
    legend.setFrameEnabled(True)
    layout.addLayoutItem(legend)
    _place(legend, PANEL_X, MAP[1], PANEL_W, 100.0)

    scalebar = QgsLayoutItemScaleBar(layout)
    scalebar.setId("scalebar")
    scalebar.setStyle("Single Box")
    scalebar.setLinkedMap(map_item)
    scalebar.setUnits(QgsUnitTypes.DistanceUnit.DistanceMeters)
    scalebar.setUnitLabel("m")
    scalebar.setNumberOfSegments(4)
    scalebar.setNumberOfSegmentsLeft(0)
    scalebar.setHeight(2.0)
    layout.addLayoutItem(scalebar)
    _place(scalebar, PANEL_X, 116.0, PANEL_W, 10.0)

    _label(layout, "scale_text", PANEL_X, 128.0, PANEL_W, 6.0, 9.0)
    _label(layout, "datum_note", PANEL_X, 135.0, PANEL_W, 14.0, 7.5)
    _label(layout, "sources", PANEL_X, 150.0, PANEL_W, 30.0, 6.5)
    _label(layout, "credits", PANEL_X, 182.0, PANEL_W, 18.0, 7.5)

    if with_table:
        second = QgsLayoutItemPage(layout)
        second.setPageSize(QgsLayoutSize(PAGE_W, PAGE_H, MM))
        layout.pageCollection().addPage(second)
        _label(layout, "table_title", 10.0, 8.0, PAGE_W - 20.0, 10.0, 13.0, bold=True,
               align=Qt.AlignmentFlag.AlignHCenter, page=1)
        table = QgsLayoutItemAttributeTable.create(layout)
        table.setResizeMode(QgsLayoutMultiFrame.ResizeMode.RepeatUntilFinished)
        layout.addMultiFrame(table)
        frame = QgsLayoutFrame(layout, table)
        frame.setId("table_frame")
        table.addFrame(frame)
        frame.attemptMove(QgsLayoutPoint(10.0, 22.0, MM), page=1)
        frame.attemptResize(QgsLayoutSize(PAGE_W - 20.0, PAGE_H - 32.0, MM))
    return layout


def stable_uuids(path: Path) -> None:
    """Replace the random UUIDs QGIS writes (item and rule keys) by ones derived from the file
    name and their order, so a rebuilt file changes only where its content did."""
    text = path.read_text(encoding="utf-8")
    found = list(dict.fromkeys(re.findall(r"\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}", text)))
    for index, old in enumerate(found):
        text = text.replace(old, "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"ree_damage/{path.name}/{index}")) + "}")
    path.write_text(text, encoding="utf-8")


def build(out: Path = HERE) -> list:
    written = []
    for name, with_table in (("theme_a4.qpt", False), ("theme_a4_table.qpt", True)):
        layout = build_layout(with_table)
        path = out / name
        if not layout.saveAsTemplate(str(path), QgsReadWriteContext()):
            raise RuntimeError(f"{path} was not written")
        stable_uuids(path)
        written.append(path)
    return written


if __name__ == "__main__":
    if os.environ.get("QT_HASH_SEED") != "0":  # Qt orders XML attributes by hash: fixed seed, stable files
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "QT_HASH_SEED": "0"})
    app = QgsApplication([], True)
    app.initQgis()
    for written_path in build():
        print(written_path.relative_to(HERE.parents[1]))
    app.exitQgis()
    sys.exit(0)
