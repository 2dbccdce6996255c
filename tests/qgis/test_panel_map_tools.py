"""The map tools of the sampling plan on real QGIS (offscreen): mouse events on the map canvas
move a sampling point within its unit, are refused outside it, warn naming a rule an edit
breaks, and add a second-round point with the next id; the layer, the compliance table
(widget and grid_compliance.csv) and the provenance record follow."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pyogrio
import pytest
import shapely
from qgis.core import Qgis, QgsPointXY, QgsProject, QgsRectangle
from qgis.gui import QgsMapMouseEvent
from qgis.PyQt.QtCore import QCoreApplication, QEvent, QPoint, Qt

from ree_damage.ui import case_state
from ree_damage.ui.case_panel import CasePanel
from ree_damage.ui.map_tools import AddPointTool, MovePointTool


@pytest.fixture()
def planned(qgis_iface, provider, tmp_path):
    """The panel on the sample case with its zones and sampling plan run and loaded."""
    from qgis import processing

    case_file = Path(processing.run("ree_damage:sample_case", {"OUTPUT_FOLDER": str(tmp_path / "case")})["CASE_FILE"])
    QgsProject.instance().clear()
    qgis_iface.messageBar().messages = {level: [] for level in qgis_iface.messageBar().messages}
    panel = CasePanel(qgis_iface)
    assert panel.set_case_file(case_file)
    for key in ("zones", "sampling"):
        assert panel.run_step(key)
        deadline = time.monotonic() + 600
        while panel.is_running():
            QCoreApplication.processEvents()
            time.sleep(0.02)
            assert time.monotonic() < deadline
        assert panel.state_text(key) == "up to date"
    yield panel
    qgis_iface.mapCanvas().window().hide()
    panel.shutdown()
    panel.deleteLater()
    QgsProject.instance().clear()


def _messages(qgis_iface, level):
    return qgis_iface.messageBar().get_messages(level)


def _outputs(panel):
    folder = case_state.step_folder(panel.case, "sampling")
    return folder / "sampling_units.gpkg", folder / "sampling_points.gpkg", folder / "grid_compliance.csv"


def _canvas_on(qgis_iface, layer, centre):
    """The map canvas showing 60 m around ``centre`` in the layer's CRS (a pixel well under 0.5 m)."""
    canvas = qgis_iface.mapCanvas()
    # the map's output size follows the widget only while it is shown (the fixture hides it again)
    canvas.window().show()
    canvas.resize(600, 600)
    end = time.monotonic() + 1.0  # the canvas applies a resize after a short timer
    while canvas.mapSettings().outputSize().width() < 500 and time.monotonic() < end:
        QCoreApplication.processEvents()
    canvas.setDestinationCrs(layer.crs())
    x, y = centre
    canvas.setExtent(QgsRectangle(x - 30, y - 30, x + 30, y + 30))
    canvas.refresh()
    return canvas


def _event(canvas, kind, xy):
    pixel = canvas.getCoordinateTransform().transform(QgsPointXY(*xy))
    return QgsMapMouseEvent(canvas, kind, QPoint(round(pixel.x()), round(pixel.y())),
                            Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)


def _drag(tool, canvas, start, end):
    press = _event(canvas, QEvent.Type.MouseButtonPress, start)
    tool.canvasPressEvent(press)
    release = _event(canvas, QEvent.Type.MouseButtonRelease, end)
    tool.canvasReleaseEvent(release)
    return release.mapPoint()


def _feature(layer, point_id):
    (feature,) = [f for f in layer.getFeatures() if f["point_id"] == point_id]
    return feature


def _hand_edits(path):
    return json.loads(Path(str(path) + ".provenance.json").read_text(encoding="utf-8")).get("hand_edits", [])


def _pick(points, units, source_types):
    """The grid point of these source types with the largest unit, and the unit's geometry."""
    area = units.set_index("unit_id").geometry.area
    rows = [row for row in points.itertuples() if row.source_type in source_types]
    assert rows, f"no point of {source_types}"
    row = max(rows, key=lambda r: (area[r.unit_id], r.point_id))
    return row, units[units["unit_id"] == row.unit_id].geometry.iloc[0]


def test_a_point_moved_within_its_unit(qgis_iface, planned):
    units_file, points_file, table_file = _outputs(planned)
    units, points = pyogrio.read_dataframe(units_file), pyogrio.read_dataframe(points_file)
    planned.select_step("sampling")
    assert planned.move_button.isEnabled() and planned.add_button.isEnabled()
    tool = planned.start_plan_tool("move")
    assert isinstance(tool, MovePointTool) and qgis_iface.mapCanvas().mapTool() is tool
    assert planned.move_button.isChecked() and planned.compliance.isVisibleTo(planned)
    assert [row[:2] for row in planned.compliance.rows()] == [
        ("S1", "PASS"), ("S2", "PASS"), ("S3", "N/A"), ("S4", "PASS"), ("S5", "PASS"), ("S6", "PASS")]
    layer = planned.points_layer()

    # a hole point: 2 m toward the centre of its unit stays inside it, no rule binds its distance
    row, unit = _pick(points, units, ("hole",))
    centre = shapely.centroid(unit)
    length = shapely.distance(shapely.Point(row.x, row.y), centre)
    goal = (row.x + 2.0 * (centre.x - row.x) / length, row.y + 2.0 * (centre.y - row.y) / length)
    canvas = _canvas_on(qgis_iface, layer, (row.x, row.y))
    where = _drag(tool, canvas, (row.x, row.y), goal)
    pixel = canvas.mapUnitsPerPixel()
    assert pixel < 0.5 and abs(where.x() - goal[0]) <= pixel and abs(where.y() - goal[1]) <= pixel

    moved = _feature(layer, row.point_id)
    assert moved.geometry().asPoint().distance(where) < 1e-6
    assert moved["hand_edit"] == "moved_by_hand"
    assert (moved["x"], moved["y"]) == (round(where.x(), 3), round(where.y(), 3))
    assert moved["lon"] != row.lon and moved["unit_id"] == row.unit_id
    # the file holds it (the layer was committed), the rules still hold, the success said
    again = pyogrio.read_dataframe(points_file).set_index("point_id")
    assert abs(again.loc[row.point_id, "x"] - where.x()) < 1e-3
    assert _messages(qgis_iface, Qgis.MessageLevel.Warning) == []
    (done,) = _messages(qgis_iface, Qgis.MessageLevel.Success)[-1:]
    assert f"{row.point_id} moved within its unit {row.unit_id}" in done and "The sampling rules hold" in done
    # provenance: the edit is recorded with the points and the table, the table rewritten
    (edit,) = _hand_edits(points_file)
    assert (edit["action"], edit["point_id"], edit["unit_id"], edit["broken_rules"]) == (
        "moved", row.point_id, row.unit_id, [])
    assert edit["from"] == [row.x, row.y] and _hand_edits(table_file) == [edit]
    # the depth schedule reads the points: its plan changed under it (not run yet here)
    assert planned.state_text("sampling") == "up to date"


def test_a_move_outside_the_unit_is_refused(qgis_iface, planned):
    units_file, points_file, table_file = _outputs(planned)
    units, points = pyogrio.read_dataframe(units_file), pyogrio.read_dataframe(points_file)
    table_before = table_file.read_bytes()
    tool = planned.start_plan_tool("move")
    layer = planned.points_layer()
    row, unit = _pick(points, units, ("hole",))
    # 20 m beyond the far side of the unit's bounding box
    minx, miny, maxx, maxy = unit.bounds
    goal = (maxx + 20.0, row.y)
    canvas = _canvas_on(qgis_iface, layer, (row.x, row.y))
    canvas.setExtent(canvas.extent().buffered(60))
    _drag(tool, canvas, (row.x, row.y), goal)
    (warning,) = _messages(qgis_iface, Qgis.MessageLevel.Warning)
    assert warning == f"Sampling plan:{row.point_id} must stay in its sampling unit {row.unit_id}: the point was not moved."
    stayed = _feature(layer, row.point_id)
    assert stayed.geometry().asPoint().distance(QgsPointXY(row.x, row.y)) < 1e-3
    assert table_file.read_bytes() == table_before and _hand_edits(points_file) == []


def test_a_move_that_breaks_a_rule_warns_naming_it(qgis_iface, planned):
    units_file, points_file, table_file = _outputs(planned)
    units, points = pyogrio.read_dataframe(units_file), pyogrio.read_dataframe(points_file)
    tool = planned.start_plan_tool("move")
    layer = planned.points_layer()
    # a pond, pool or ditch point taken to the corner of its unit farthest from it: beyond 2 m (rule S4)
    row, unit = _pick(points, units, ("pool", "pond", "ditch"))
    corners = shapely.get_coordinates(unit)
    far = max(corners, key=lambda c: (c[0] - row.x) ** 2 + (c[1] - row.y) ** 2)
    centre = shapely.centroid(unit)
    goal = (far[0] + 0.2 * (centre.x - far[0]), far[1] + 0.2 * (centre.y - far[1]))  # inside, off the edge
    assert unit.contains(shapely.Point(goal)) and shapely.distance(shapely.Point(goal), shapely.Point(row.x, row.y)) > 5
    canvas = _canvas_on(qgis_iface, layer, (row.x, row.y))
    canvas.setExtent(canvas.extent().buffered(40))
    _drag(tool, canvas, (row.x, row.y), goal)
    (warning,) = _messages(qgis_iface, Qgis.MessageLevel.Warning)
    assert warning.startswith(f"Sampling rule broken:{row.point_id} breaks rule S4 (")
    assert warning.endswith(f"): {row.point_id}")
    moved = _feature(layer, row.point_id)
    assert moved["hand_edit"] == "moved_by_hand" and moved["dist_source_m"] > 2.0
    s4 = [r for r in planned.compliance.rows() if r[0] == "S4"]
    assert s4 == [("S4", "FAIL", row.point_id)]
    import pandas as pd

    table = pd.read_csv(table_file, keep_default_na=False).set_index("rule_id")
    assert table.loc["S4", "status"] == "FAIL" and table.loc["S4", "failed_ids"] == row.point_id
    assert table.loc["S2", "status"] == "PASS"  # still in its unit
    assert _hand_edits(points_file)[-1]["broken_rules"] == ["S4"]


def test_a_second_round_point_is_added_with_the_next_id(qgis_iface, planned):
    units_file, points_file, table_file = _outputs(planned)
    units, points = pyogrio.read_dataframe(units_file), pyogrio.read_dataframe(points_file)
    planned.select_step("sampling")
    tool = planned.start_plan_tool("add")
    assert isinstance(tool, AddPointTool) and planned.add_button.isChecked() and not planned.move_button.isChecked()
    layer = planned.points_layer()
    count = layer.featureCount()
    row, unit = _pick(points, units, ("hole",))
    centre = shapely.centroid(unit)
    assert unit.contains(centre)
    canvas = _canvas_on(qgis_iface, layer, (centre.x, centre.y))
    tool.canvasReleaseEvent(_event(canvas, QEvent.Type.MouseButtonRelease, (centre.x, centre.y)))

    assert layer.featureCount() == count + 1
    zone_ids = sorted(p for p in points["point_id"] if p.startswith(f"{row.zone}-"))
    expected = f"{row.zone}-{int(zone_ids[-1].split('-')[1]) + 1:03d}"  # INJ-017 after INJ-016
    added = _feature(layer, expected)
    assert added["round"] == 2 and added["hand_edit"] == "added_by_hand"
    assert added["unit_id"] == row.unit_id and added["zone"] == row.zone
    # the depth rules of its unit: the same source and bottom (D7: 3 m below the hole bottom)
    assert (added["source_type"], added["bottom_m"]) == (row.source_type, row.bottom_m)
    # an extra point of the second round does not break "one grid point per unit"
    assert [r[:2] for r in planned.compliance.rows()][1] == ("S2", "PASS")
    assert _messages(qgis_iface, Qgis.MessageLevel.Warning) == []
    (edit,) = _hand_edits(points_file)
    assert (edit["action"], edit["point_id"], edit["round"]) == ("added", expected, 2)
    # a click outside every unit adds nothing and says why
    tool.canvasReleaseEvent(_event(canvas, QEvent.Type.MouseButtonRelease, (units.total_bounds[0] - 500, centre.y)))
    assert layer.featureCount() == count + 1
    (warning,) = _messages(qgis_iface, Qgis.MessageLevel.Warning)
    assert "must stand in a sampling unit" in warning


def test_running_the_sampling_again_drops_the_tool(qgis_iface, planned):
    tool = planned.start_plan_tool("move")
    assert qgis_iface.mapCanvas().mapTool() is tool
    planned.select_step("sampling")
    planned.run_step("sampling")
    while planned.is_running():
        QCoreApplication.processEvents()
        time.sleep(0.02)
    assert planned.map_tool is None and not planned.move_button.isChecked()
    assert qgis_iface.mapCanvas().mapTool() is not tool


def test_a_move_on_a_map_in_geographic_coordinates(qgis_iface, planned):
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform

    units_file, points_file, _table = _outputs(planned)
    units, points = pyogrio.read_dataframe(units_file), pyogrio.read_dataframe(points_file)
    tool = planned.start_plan_tool("move")
    layer = planned.points_layer()
    row, unit = _pick(points, units, ("hole",))
    centre = shapely.centroid(unit)
    length = shapely.distance(shapely.Point(row.x, row.y), centre)
    goal = (row.x + 3.0 * (centre.x - row.x) / length, row.y + 3.0 * (centre.y - row.y) / length)
    # the map in CGCS2000 longitude/latitude, the layer in the Gauss-Kruger zone
    canvas = _canvas_on(qgis_iface, layer, (row.x, row.y))
    geographic = QgsCoordinateReferenceSystem("EPSG:4490")
    to_map = QgsCoordinateTransform(layer.crs(), geographic, QgsProject.instance())
    canvas.setDestinationCrs(geographic)
    canvas.setExtent(to_map.transformBoundingBox(QgsRectangle(row.x - 30, row.y - 30, row.x + 30, row.y + 30)))
    start, end = to_map.transform(QgsPointXY(row.x, row.y)), to_map.transform(QgsPointXY(*goal))
    _drag(tool, canvas, (start.x(), start.y()), (end.x(), end.y()))
    moved = _feature(layer, row.point_id).geometry().asPoint()
    assert moved.distance(QgsPointXY(*goal)) < 0.5  # within a pixel or two of the map (0.1-0.2 m)
    assert _feature(layer, row.point_id)["hand_edit"] == "moved_by_hand"


def test_a_layer_in_edit_mode_is_not_saved_by_the_tool(qgis_iface, planned):
    units_file, points_file, _table = _outputs(planned)
    units, points = pyogrio.read_dataframe(units_file), pyogrio.read_dataframe(points_file)
    tool = planned.start_plan_tool("add")
    layer = planned.points_layer()
    layer.startEditing()  # someone's own edit session, not saved yet
    count = layer.featureCount()
    _row, unit = _pick(points, units, ("hole",))
    centre = shapely.centroid(unit)
    canvas = _canvas_on(qgis_iface, layer, (centre.x, centre.y))
    tool.canvasReleaseEvent(_event(canvas, QEvent.Type.MouseButtonRelease, (centre.x, centre.y)))
    (warning,) = _messages(qgis_iface, Qgis.MessageLevel.Warning)
    assert warning == "Sampling plan:Save or discard the edits of the sampling points layer first."
    assert layer.isEditable() and layer.featureCount() == count and _hand_edits(points_file) == []
    layer.rollBack()
