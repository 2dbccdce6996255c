"""Map tools of the sampling plan: move a point within its unit, add a point for the second round.

The tools edit the case's sampling points layer (the ``sampling_points.gpkg`` the sampling step
wrote, loaded in the project) through QGIS's editing; what a move or an added point writes, and
the grid-rule compliance after it, come from :mod:`ree_damage.processing.plan_edits` (the rules
themselves are in core). After each edit the compliance table (``grid_compliance.csv``) is
recomputed and shown, and the message bar warns, naming the rule, when the edit broke one.
"""

from __future__ import annotations

from pathlib import Path

from qgis.core import Qgis, QgsFeature, QgsFeatureRequest, QgsGeometry, QgsPointXY, QgsProject, QgsRectangle
from qgis.gui import QgsMapTool
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtWidgets import QAbstractItemView, QTableWidget, QTableWidgetItem

from ..processing.compat import make_field
from ..processing.messages import user_language
from ..processing.plan_edits import OutsideUnitError, SamplingPlan


def tr(text: str) -> str:
    return QCoreApplication.translate("ree_damage", text)


#: fields the hand edits add to a points layer that lacks them (name, type)
EDIT_FIELDS = (("round", "int"), ("hand_edit", "string"))


def compliance_columns() -> list:
    return [tr("Rule"), tr("Status"), tr("Failed points"), tr("Rule text")]


class ComplianceTable(QTableWidget):
    """The grid-rule compliance of the plan, one row per rule (``grid_compliance.csv``)."""

    def __init__(self, parent=None):
        super().__init__(0, 4, parent)
        self.setObjectName("ree_damage_compliance_table")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setStretchLastSection(True)
        self.retranslate()

    def retranslate(self):
        self.setHorizontalHeaderLabels(compliance_columns())

    def show_table(self, table):
        """Fill in a compliance table (a DataFrame of :func:`check_sampling`)."""
        zh = user_language() == "zh"
        self.setRowCount(len(table))
        for row, rule in enumerate(table.itertuples()):
            failed = "" if rule.failed_ids is None or str(rule.failed_ids) == "nan" else str(rule.failed_ids)
            for column, text in enumerate((rule.rule_id, rule.status, failed, rule.rule_zh if zh else rule.rule_en)):
                item = QTableWidgetItem(str(text))
                if rule.status == "FAIL":
                    item.setForeground(Qt.GlobalColor.red)
                self.setItem(row, column, item)
        self.resizeColumnsToContents()

    def rows(self) -> list:
        """What the table shows: (rule, status, failed points) per row."""
        return [tuple(self.item(r, c).text() for c in range(3)) for r in range(self.rowCount())]


class PlanEditor:
    """Applies hand edits to the sampling points layer and reports their compliance.

    Parameters
    ----------
    case : Case
        The case of the panel.
    paths : dict
        ``units``, ``points``, ``compliance``: the sampling step's output files.
    layer_of : callable
        Returns the points layer in the project (loading it if needed).
    message : callable
        ``message(title, text, level)``: the panel's message bar.
    table : ComplianceTable
        Where the compliance is shown.
    on_edit : callable, optional
        Called after an edit (the panel refreshes its states: the depth schedule reads the points).
    """

    def __init__(self, case, paths: dict, layer_of, message, table, on_edit=None):
        self.plan = SamplingPlan(case, paths["units"], paths["points"], paths["compliance"])
        self.layer_of = layer_of
        self.message = message
        self.table = table
        self.on_edit = on_edit or (lambda: None)

    def layer(self):
        return self.layer_of()

    def _ensure_fields(self, layer):
        missing = [make_field(name, kind) for name, kind in EDIT_FIELDS if layer.fields().indexOf(name) < 0]
        if missing:
            layer.dataProvider().addAttributes(missing)
            layer.updateFields()

    def _commit(self, layer, change) -> bool:
        if layer.isEditable():  # the tool commits its own edit: it must not save someone's half-done edits with it
            self.message(tr("Sampling plan"), tr("Save or discard the edits of the sampling points layer first."),
                         Qgis.MessageLevel.Warning)
            return False
        self._ensure_fields(layer)
        if not layer.startEditing():
            self.message(tr("Sampling plan"), tr("The sampling points layer cannot be edited."), Qgis.MessageLevel.Critical)
            return False
        change(layer)
        if not layer.commitChanges():
            errors = "; ".join(layer.commitErrors())
            layer.rollBack()
            self.message(tr("Sampling plan"), tr("The edit was not saved: {0}").format(errors), Qgis.MessageLevel.Critical)
            return False
        return True

    @staticmethod
    def _attributes(layer, values: dict) -> dict:
        fields = layer.fields()
        return {fields.indexOf(name): value for name, value in values.items() if fields.indexOf(name) >= 0}

    def point_at(self, layer, point, radius: float):
        """(feature id, point id, x, y) of the point nearest ``point`` within ``radius`` (layer CRS), or None."""
        best = None
        around = QgsRectangle(point.x() - radius, point.y() - radius, point.x() + radius, point.y() + radius)
        for feature in layer.getFeatures(QgsFeatureRequest().setFilterRect(around)):
            geometry = feature.geometry()
            if geometry.isEmpty():
                continue
            distance = geometry.asPoint().distance(point)
            if distance <= radius and (best is None or distance < best[0]):
                best = (distance, feature)
        if best is None:
            return None
        point = best[1].geometry().asPoint()
        return best[1].id(), str(best[1]["point_id"]), point.x(), point.y()

    def move(self, fid: int, point_id: str, x: float, y: float) -> bool:
        """Move ``point_id`` (feature ``fid``) to (x, y) (layer CRS, m); refused outside its unit."""
        layer = self.layer()
        try:
            values = self.plan.moved(point_id, x, y)
        except OutsideUnitError as error:
            self.message(tr("Sampling plan"),
                         tr("{0} must stay in its sampling unit {1}: the point was not moved.").format(
                             error.point_id, error.unit_id), Qgis.MessageLevel.Warning)
            return False
        before = layer.getFeature(fid).geometry().asPoint()
        ok = self._commit(layer, lambda lyr: (
            lyr.changeGeometry(fid, QgsGeometry.fromPointXY(QgsPointXY(x, y))),
            lyr.changeAttributeValues(fid, self._attributes(lyr, values)),
        ))
        if not ok:
            return False
        unit_id = str(layer.getFeature(fid)["unit_id"])
        self._after({"action": "moved", "point_id": point_id, "unit_id": unit_id,
                     "from": [round(before.x(), 3), round(before.y(), 3)], "to": [values["x"], values["y"]]},
                    tr("{0} moved within its unit {1}.").format(point_id, unit_id))
        return True

    def add(self, x: float, y: float):
        """Add a second-round point at (x, y) (layer CRS, m); returns its id, None when refused."""
        layer = self.layer()
        try:
            values = self.plan.added(x, y)
        except OutsideUnitError:
            self.message(tr("Sampling plan"), tr("A second-round point must stand in a sampling unit: no point added."),
                         Qgis.MessageLevel.Warning)
            return None

        def add_feature(lyr):
            feature = QgsFeature(lyr.fields())
            feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
            for index, value in self._attributes(lyr, values).items():
                feature.setAttribute(index, value)
            lyr.addFeature(feature)

        if not self._commit(layer, add_feature):
            return None
        self._after({"action": "added", "point_id": values["point_id"], "unit_id": values["unit_id"], "round": 2,
                     "to": [values["x"], values["y"]]},
                    tr("{0} added for the second round in unit {1}.").format(values["point_id"], values["unit_id"]))
        return values["point_id"]

    def _after(self, edit: dict, done_text: str):
        table, broken = self.plan.record_edit(edit)
        self.table.show_table(table)
        self.table.setVisible(True)
        zh = user_language() == "zh"
        if broken:
            for rule_id, rule_zh, rule_en, failed in broken:
                self.message(tr("Sampling rule broken"),
                             tr("{0} breaks rule {1} ({2}): {3}").format(
                                 edit["point_id"], rule_id, rule_zh if zh else rule_en, ", ".join(failed)),
                             Qgis.MessageLevel.Warning)
        else:
            self.message(tr("Sampling plan"), done_text + " " + tr("The sampling rules hold."), Qgis.MessageLevel.Success)
        self.on_edit()


class _PlanTool(QgsMapTool):
    """A map tool of the sampling plan (left button only)."""

    def __init__(self, canvas, editor: PlanEditor):
        super().__init__(canvas)
        self.editor = editor
        self.setCursor(Qt.CursorShape.CrossCursor)

    def layer_point(self, event):
        """The event's position in the points layer's CRS."""
        return self.toLayerCoordinates(self.editor.layer(), event.mapPoint())


class MovePointTool(_PlanTool):
    """Press on a sampling point, release where it goes: it moves if it stays in its unit."""

    def __init__(self, canvas, editor: PlanEditor):
        super().__init__(canvas, editor)
        self.picked = None

    def canvasPressEvent(self, event):  # noqa: N802 - QGIS API
        if event.button() != Qt.MouseButton.LeftButton:
            return
        layer = self.editor.layer()
        # QGIS's search radius (a few pixels) around the click, from map units into the layer's
        radius = self.searchRadiusMU(self.canvas())
        at = event.mapPoint()
        square = self.toLayerCoordinates(layer, QgsRectangle(at.x() - radius, at.y() - radius,
                                                             at.x() + radius, at.y() + radius))
        self.picked = self.editor.point_at(layer, self.layer_point(event), max(square.width(), square.height()) / 2)

    def canvasReleaseEvent(self, event):  # noqa: N802 - QGIS API
        if event.button() != Qt.MouseButton.LeftButton or self.picked is None:
            return
        fid, point_id, _x, _y = self.picked
        self.picked = None
        target = self.layer_point(event)
        self.editor.move(fid, point_id, target.x(), target.y())


class AddPointTool(_PlanTool):
    """Click where a second-round point goes (inside a sampling unit)."""

    def canvasReleaseEvent(self, event):  # noqa: N802 - QGIS API
        if event.button() != Qt.MouseButton.LeftButton:
            return
        target = self.layer_point(event)
        self.editor.add(target.x(), target.y())


def project_layer_of(path: Path):
    """The project's layer read from ``path`` (None when it is not loaded)."""
    for layer in QgsProject.instance().mapLayers().values():
        if Path(layer.source().split("|")[0]) == Path(path):
            return layer
    return None
