"""The dock panel "Case / 案件": the workflow of a case, step by step.

It lists the steps in order with the state of their outputs (from the provenance records,
:mod:`.case_state`), opens a step's Processing dialog pre-filled for the case, or runs the
step as a background task with progress and cancel, then loads the outputs into a layer
group of the step. It talks to Processing by running algorithms; it computes nothing. On the
sampling-plan step it offers the map tools of :mod:`.map_tools` (move a point within its unit,
add a second-round point) and shows the plan's compliance table.
"""

from __future__ import annotations

import time
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsLayerTreeGroup,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
    QgsProviderRegistry,
    QgsRasterLayer,
    QgsVectorLayer,
)
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import QCoreApplication, QEvent, Qt
from qgis.PyQt.QtGui import QBrush, QColor
from qgis.PyQt.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from . import PROJECT_KEY, PROJECT_SCOPE, case_state
from .map_tools import AddPointTool, ComplianceTable, MovePointTool, PlanEditor, project_layer_of
from .styles import apply_output_style

PANEL_OBJECT_NAME = "ree_damage_case_panel"
GROUP_PROPERTY = "ree_damage/case_group"
STEP_PROPERTY = "ree_damage/step"
RASTER_SUFFIXES = (".tif", ".tiff", ".vrt", ".asc")
#: how often (s) a step run in the main thread lets the GUI process its events (at its progress)
EVENTS_EVERY_S = 0.05
VECTOR_SUFFIXES = (".gpkg", ".shp", ".geojson", ".kml", ".gpx")


def tr(text: str) -> str:
    return QCoreApplication.translate("ree_damage", text)


def step_labels() -> dict:
    """Step key -> its name in the user's language."""
    return {
        "case": tr("Case setup"),
        "zones": tr("Functional zones"),
        "sampling": tr("Sampling plan"),
        "depth": tr("Depth schedule"),
        "lab": tr("Lab results"),
        "baseline": tr("Baseline"),
        "interpolation": tr("Interpolation"),
        "damage": tr("Soil damage"),
        "water": tr("Water damage"),
        "imagery": tr("Imagery (vegetation)"),
        "volume": tr("Mined volume"),
        "valuation": tr("Valuation"),
        "causality": tr("Causality"),
        "maps": tr("Maps"),
        "report": tr("Report draft (DOCX)"),
    }


def status_labels() -> dict:
    return {
        case_state.NOT_AVAILABLE: tr("not available"),
        case_state.NOT_RUN: tr("not run"),
        case_state.UP_TO_DATE: tr("up to date"),
        case_state.STALE: tr("stale"),
        case_state.CASE_READY: tr("case file read"),
    }


def output_labels() -> dict:
    """(step, output parameter) -> the layer's name in the project."""
    return {
        ("zones", "OUTPUT"): tr("Functional zones"),
        ("zones", "FLOW_CELLS"): tr("Leachate flow cells"),
        ("sampling", "UNITS"): tr("Sampling units"),
        ("sampling", "POINTS"): tr("Sampling points"),
        ("sampling", "CONTROL_UNITS"): tr("Control sampling units"),
        ("sampling", "CONTROL_POINTS"): tr("Control sampling points (plan)"),
        ("depth", "WATER_POINTS"): tr("Water sampling positions"),
        ("lab", "OUTPUT"): tr("Lab results at the samples"),
        ("water", "OUTPUT"): tr("Water samples assessed"),
        ("water", "PLUME"): tr("Groundwater plume"),
        ("water", "REACH"): tr("Damaged reach"),
        ("imagery", "OUTPUT"): tr("Vegetation damage"),
        ("imagery", "INDEX_RASTER"): tr("Vegetation index"),
        ("volume", "CUT_FILL"): tr("Cut and fill"),
        ("volume", "CONTOURS"): tr("Cut and fill contours"),
    }


def reason_text(reason) -> str:
    code, detail = reason
    if code == "changed":
        return tr("input changed since the run: {0}").format(detail)
    if code == "missing":
        return tr("input missing: {0}").format(detail)
    if code == "no_record":
        return tr("output without its provenance record: {0}").format(detail)
    return tr("a step before it is stale: {0}").format(step_labels().get(detail, detail))


class CaptureFeedback(QgsProcessingFeedback):
    """Processing feedback that keeps the errors a run reported, for the message bar."""

    def __init__(self):
        super().__init__()
        self.errors = []

    def reportError(self, error, fatalError=False):  # noqa: N802, N803 - QGIS API
        self.errors.append(str(error))
        super().reportError(error, fatalError)


class CasePanel(QgsDockWidget):
    """The workflow of one case (see the module docstring)."""

    STATUS_COLOURS = {case_state.UP_TO_DATE: "#1b7f3b", case_state.STALE: "#b35900",
                      case_state.NOT_AVAILABLE: "#808080"}

    def __init__(self, iface, parent=None):
        super().__init__(parent)
        self.iface = iface
        self.setObjectName(PANEL_OBJECT_NAME)
        self.case = None
        self.states = {}
        self.hashes = case_state.HashCache()
        self.running = None  # (step key, task, context, feedback) of the step being run
        self._events_at = 0.0  # when a main-thread run last let the GUI process its events
        self.last_results = {}

        body = QWidget(self)
        layout = QVBoxLayout(body)
        self.case_label = QLabel(body)
        self.case_label.setWordWrap(True)
        self.case_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.case_label)
        case_row = QHBoxLayout()
        self.new_button = QPushButton(body)
        self.open_button = QPushButton(body)
        self.edit_button = QPushButton(body)
        self.refresh_button = QPushButton(body)
        for button in (self.new_button, self.open_button, self.edit_button, self.refresh_button):
            case_row.addWidget(button)
        layout.addLayout(case_row)
        self.steps = QTreeWidget(body)
        self.steps.setObjectName("ree_damage_case_steps")
        self.steps.setColumnCount(2)
        self.steps.setRootIsDecorated(False)
        self.steps.setUniformRowHeights(True)
        self.steps.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for key in case_state.STEP_KEYS:
            item = QTreeWidgetItem(self.steps)
            item.setData(0, Qt.ItemDataRole.UserRole, key)
        layout.addWidget(self.steps, 1)
        self.detail_label = QLabel(body)
        self.detail_label.setWordWrap(True)
        layout.addWidget(self.detail_label)
        run_row = QHBoxLayout()
        self.dialog_button = QPushButton(body)
        self.run_button = QPushButton(body)
        self.cancel_button = QPushButton(body)
        for button in (self.dialog_button, self.run_button, self.cancel_button):
            run_row.addWidget(button)
        layout.addLayout(run_row)
        self.progress = QProgressBar(body)
        self.progress.setRange(0, 100)
        layout.addWidget(self.progress)
        # map tools of the sampling plan (sampling step): move a point, add a second-round point
        tool_row = QHBoxLayout()
        self.move_button = QPushButton(body)
        self.add_button = QPushButton(body)
        for button in (self.move_button, self.add_button):
            button.setCheckable(True)
            tool_row.addWidget(button)
        layout.addLayout(tool_row)
        self.compliance = ComplianceTable(body)
        self.compliance.setVisible(False)
        layout.addWidget(self.compliance)
        self.map_tool = None
        self.setWidget(body)

        self.new_button.clicked.connect(self.new_case)
        self.open_button.clicked.connect(self.choose_case_file)
        self.edit_button.clicked.connect(self.edit_case)
        self.refresh_button.clicked.connect(self.refresh)
        self.dialog_button.clicked.connect(lambda: self.open_step_dialog())
        self.run_button.clicked.connect(lambda: self.run_step())
        self.cancel_button.clicked.connect(self.cancel)
        self.move_button.clicked.connect(lambda checked: self.start_plan_tool("move") if checked else self.stop_plan_tool())
        self.add_button.clicked.connect(lambda checked: self.start_plan_tool("add") if checked else self.stop_plan_tool())
        self.steps.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.steps.itemDoubleClicked.connect(lambda item, _column: self.open_step_dialog(self._key(item)))

        project = QgsProject.instance()
        project.readProject.connect(self.restore_from_project)
        project.cleared.connect(self.clear_case)
        self.retranslate()
        self.restore_from_project()

    # ------------------------------------------------------------------ text
    def retranslate(self):
        """Every text of the panel in the current language (QGIS's translator)."""
        self.setWindowTitle(tr("Case"))
        self.new_button.setText(tr("New…"))
        self.new_button.setToolTip(tr("Set up a new case and write its case file"))
        self.open_button.setText(tr("Open…"))
        self.open_button.setToolTip(tr("Open an existing case file (case.toml)"))
        self.edit_button.setText(tr("Edit…"))
        self.edit_button.setToolTip(tr("Edit the case's metadata, CRS zone and inputs"))
        self.refresh_button.setText(tr("Refresh"))
        self.refresh_button.setToolTip(tr("Check the outputs against their inputs again"))
        self.steps.setHeaderLabels([tr("Step"), tr("Status")])
        self.dialog_button.setText(tr("Open dialog…"))
        self.dialog_button.setToolTip(tr("Open the step's Processing dialog, filled in for the case"))
        self.run_button.setText(tr("Run"))
        self.run_button.setToolTip(tr("Run the step with the case's inputs and parameters"))
        self.cancel_button.setText(tr("Cancel"))
        self.move_button.setText(tr("Move point"))
        self.move_button.setToolTip(tr("Drag a sampling point on the map to a new place within its unit"))
        self.add_button.setText(tr("Add 2nd-round point"))
        self.add_button.setToolTip(tr("Click on the map to add a second-round point in a sampling unit"))
        self.compliance.retranslate()
        self._show_states()

    def changeEvent(self, event):  # noqa: N802 - Qt API
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # ------------------------------------------------------------------ the case
    def set_case_file(self, path, remember: bool = True) -> bool:
        """Read a case file, show its steps and (``remember``) store it in the project."""
        try:
            case = case_state.read_case(path)
        except Exception as error:  # noqa: BLE001 - any unreadable file: said in the message bar
            self.message(tr("Cannot open the case file"), str(error), Qgis.MessageLevel.Critical)
            return False
        self.case = case
        if remember:
            QgsProject.instance().writeEntry(PROJECT_SCOPE, PROJECT_KEY, str(case.file))
        self.refresh()
        return True

    def restore_from_project(self):
        """Open the case the project remembers (after a project is read)."""
        path, found = QgsProject.instance().readEntry(PROJECT_SCOPE, PROJECT_KEY, "")
        if found and path:
            self.set_case_file(path, remember=False)

    def clear_case(self):
        self.stop_plan_tool()
        self.compliance.setVisible(False)
        self.case = None
        self.states = {}
        self._show_states()

    def choose_case_file(self):
        path, _filter = QFileDialog.getOpenFileName(self, tr("Open a case file"), "", tr("Case files (*.toml)"))
        if path:
            self.set_case_file(path)

    def new_case(self):
        self._case_dialog(None)

    def edit_case(self):
        self._case_dialog(self.case)

    def _case_dialog(self, case):
        from .case_dialog import CaseSetupDialog

        dialog = CaseSetupDialog(case, self)
        if dialog.exec() and dialog.written_file is not None:
            self.set_case_file(dialog.written_file)

    # ------------------------------------------------------------------ states
    def is_available(self, algorithm_id: str) -> bool:
        return QgsApplication.processingRegistry().algorithmById(algorithm_id) is not None

    def refresh(self):
        """Recompute every step's state from the files and their provenance records."""
        if self.case is None:
            self.states = {}
        else:
            try:
                states = case_state.case_states(self.case, self.is_available, self.hashes)
            except (OSError, ValueError) as error:  # an unreadable record: said, not raised
                self.message(tr("Cannot read the provenance records"), str(error), Qgis.MessageLevel.Warning)
                states = []
            self.states = {state.key: state for state in states}
        self._show_states()

    def _show_states(self):
        labels, statuses = step_labels(), status_labels()
        if self.case is None:
            self.case_label.setText(tr("No case open: set up a new case or open a case file."))
        else:
            name = self.case.info.name or self.case.info.name_en or self.case.folder.name
            self.case_label.setText(tr("Case: {0}\nFolder: {1}").format(name, self.case.folder))
        for index in range(self.steps.topLevelItemCount()):
            item = self.steps.topLevelItem(index)
            key = self._key(item)
            item.setText(0, f"{index}. {labels[key]}" if index else labels[key])
            state = self.states.get(key)
            item.setText(1, statuses[state.status] if state else "")
            item.setToolTip(1, "\n".join(reason_text(r) for r in state.reasons) if state else "")
            colour = self.STATUS_COLOURS.get(state.status if state else None)
            item.setForeground(1, QBrush(QColor(colour)) if colour else QBrush())
            enabled = self.case is not None and (state is None or state.status != case_state.NOT_AVAILABLE)
            flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
            item.setFlags(flags if enabled else Qt.ItemFlag.NoItemFlags)
        self._update_buttons()

    def state_text(self, key: str) -> str:
        """The status column of a step as shown."""
        return self._item(key).text(1)

    def _update_buttons(self):
        key = self.current_step()
        state = self.states.get(key) if key else None
        runnable = self.case is not None and state is not None and state.status not in (
            case_state.NOT_AVAILABLE, case_state.CASE_READY)
        self.edit_button.setEnabled(self.case is not None and self.running is None)
        self.dialog_button.setEnabled(runnable and self.running is None)
        # a step the panel cannot fill in yet (an algorithm newer than the panel) opens empty, never runs blind
        self.run_button.setEnabled(runnable and self.running is None and case_state.has_parameters(key))
        self.cancel_button.setEnabled(self.running is not None)
        plan = (key == "sampling" and self.case is not None and self.running is None
                and case_state.output_path(self.case, "sampling", "POINTS").is_file())
        self.move_button.setEnabled(plan)
        self.add_button.setEnabled(plan)
        if state is not None and state.reasons:
            self.detail_label.setText("\n".join(reason_text(r) for r in state.reasons))
        else:
            self.detail_label.setText("")

    def _key(self, item):
        return item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None

    def _item(self, key):
        return self.steps.topLevelItem(case_state.STEP_KEYS.index(key))

    def current_step(self):
        return self._key(self.steps.currentItem())

    def select_step(self, key: str):
        self.steps.setCurrentItem(self._item(key))

    # ------------------------------------------------------------------ running
    def parameters(self, key: str) -> dict:
        """The step's Processing parameters for the case; its output folder is created."""
        if not case_state.has_parameters(key):
            return {}
        parameters = case_state.step_parameters(self.case, key)
        case_state.step_folder(self.case, key).mkdir(parents=True, exist_ok=True)
        return parameters

    def open_step_dialog(self, key=None):
        """The step's Processing dialog, filled in for the case; its outputs then go into the step's group."""
        key = key or self.current_step()
        definition = case_state.step(key) if key else None
        if definition is None or definition.algorithm is None or self.case is None:
            return
        from qgis import processing

        parameters = self.parameters(key)
        self._remove_step_layers(key)
        if key == "sampling":
            self.stop_plan_tool()
        processing.execAlgorithmDialog(definition.algorithm_id, parameters)
        self._after_run(key)

    def run_step(self, key=None):
        """Run the step in a background task (progress in the panel, cancel with Cancel)."""
        key = key or self.current_step()
        if self.case is None or key is None or self.running is not None:
            return False
        definition = case_state.step(key)
        algorithm = QgsApplication.processingRegistry().algorithmById(definition.algorithm_id or "")
        if algorithm is None or not case_state.has_parameters(key):
            return False
        parameters = self.parameters(key)
        background = run_in_background(algorithm)
        context = background_context() if background else QgsProcessingContext()
        if not background:
            context.setProject(QgsProject.instance())
        feedback = CaptureFeedback()
        ok, problem = algorithm.checkParameterValues(parameters, context)
        if not ok:
            self.message(step_labels()[key], problem, Qgis.MessageLevel.Critical)
            return False
        self._remove_step_layers(key)  # the files are rewritten: the old layers let go of them
        if key == "sampling":
            self.stop_plan_tool()
        if not background:
            # an algorithm that must run in the main thread (as the Processing dialog does): the
            # panel's bar follows it and the events between its steps are processed, so that the
            # GUI paints and Cancel can be pressed (the other buttons are off while it runs)
            self.running = (key, None, context, feedback)
            self.progress.setValue(0)
            self._update_buttons()
            feedback.progressChanged.connect(self._main_thread_progress)
            try:
                results, successful = algorithm.run(parameters, context, feedback)
            finally:
                feedback.progressChanged.disconnect(self._main_thread_progress)
            self._finished(key, successful, results or {})
            return True
        task = QgsProcessingAlgRunnerTask(algorithm, parameters, context, feedback)
        self.running = (key, task, context, feedback)
        feedback.progressChanged.connect(lambda value: self.progress.setValue(int(value)))
        task.executed.connect(lambda successful, results: self._finished(key, successful, results))
        self.progress.setValue(0)
        self._update_buttons()
        QgsApplication.taskManager().addTask(task)
        return True

    def _main_thread_progress(self, value):
        self.progress.setValue(int(value))
        now = time.monotonic()
        if now - self._events_at >= EVENTS_EVERY_S:
            self._events_at = now
            process_pending_events()

    def cancel(self):
        if self.running is not None:
            self.running[3].cancel()
            if self.running[1] is not None:
                self.running[1].cancel()

    def is_running(self) -> bool:
        return self.running is not None

    def _finished(self, key, successful, results):
        _key, _task, _context, feedback = self.running
        self.running = None
        label = step_labels()[key]
        if successful:
            self.last_results[key] = dict(results)
            self.progress.setValue(100)
            self._after_run(key)
            self.message(label, tr("Done."), Qgis.MessageLevel.Success)
        else:
            self.progress.setValue(0)
            if feedback.isCanceled():
                text = tr("Canceled: nothing was written.")
            else:
                text = feedback.errors[-1] if feedback.errors else tr("The step failed; see the Processing log.")
            self.message(label, text, Qgis.MessageLevel.Critical)
            self.refresh()

    def _after_run(self, key):
        self.refresh()
        state = self.states.get(key)
        if state is not None and state.status != case_state.NOT_RUN:
            self.load_step_outputs(key)

    def message(self, title, text, level):
        self.iface.messageBar().pushMessage(title, text, level, 0 if level == Qgis.MessageLevel.Critical else 8)

    # ------------------------------------------------------------------ layers
    def case_group(self, create: bool = True):
        """The project's layer group of the case (one group per case file)."""
        root = QgsProject.instance().layerTreeRoot()
        for child in root.children():
            if isinstance(child, QgsLayerTreeGroup) and child.customProperty(GROUP_PROPERTY) == str(self.case.file):
                return child
        if not create:
            return None
        name = self.case.info.name or self.case.folder.name
        group = root.insertGroup(0, tr("Case: {0}").format(name))
        group.setCustomProperty(GROUP_PROPERTY, str(self.case.file))
        return group

    def step_group(self, key: str, create: bool = True):
        """The group of a step inside the case's group, in the workflow's order."""
        case_group = self.case_group(create)
        if case_group is None:
            return None
        for child in case_group.children():
            if isinstance(child, QgsLayerTreeGroup) and child.customProperty(STEP_PROPERTY) == key:
                return child
        if not create:
            return None
        order = case_state.STEP_KEYS.index(key)
        position = sum(1 for child in case_group.children() if isinstance(child, QgsLayerTreeGroup)
                       and child.customProperty(STEP_PROPERTY) in case_state.STEP_KEYS
                       and case_state.STEP_KEYS.index(child.customProperty(STEP_PROPERTY)) < order)
        group = case_group.insertGroup(position, step_labels()[key])
        group.setCustomProperty(STEP_PROPERTY, key)
        return group

    def _remove_step_layers(self, key):
        """Take the step's outputs out of the project: its group's layers, and layers that
        Processing loaded elsewhere from the step's files."""
        project = QgsProject.instance()
        folder = str(case_state.step_folder(self.case, key))
        doomed = [layer.id() for layer in project.mapLayers().values()
                  if layer.source().split("|")[0].startswith(folder + "/")]
        group = self.step_group(key, create=False)
        if group is not None:
            doomed += [node.layerId() for node in group.findLayers()]
        project.removeMapLayers(list(dict.fromkeys(doomed)))

    def load_step_outputs(self, key: str) -> list:
        """Load the step's outputs into its group (replacing what was there); returns the layers."""
        self._remove_step_layers(key)
        group = self.step_group(key)
        names = output_labels()
        layers = []
        for output in case_state.step(key).outputs:
            if not output.layer:
                continue
            path = case_state.step_folder(self.case, key) / output.file_name
            files = sorted(path.rglob("*")) if output.folder and path.is_dir() else [path]
            for file in files:
                if file.is_file():
                    name = names.get((key, output.parameter)) if not output.folder else None
                    layers += self._open_layers(file, name)
        for layer in layers:
            apply_output_style(layer, key)
            QgsProject.instance().addMapLayer(layer, False)
            group.addLayer(layer)
        return layers

    @staticmethod
    def _open_layers(path: Path, name=None) -> list:
        suffix = path.suffix.lower()
        if suffix in RASTER_SUFFIXES:
            layer = QgsRasterLayer(str(path), name or path.stem, "gdal")
            return [layer] if layer.isValid() else []
        if suffix not in VECTOR_SUFFIXES:
            return []
        sublayers = [d for d in QgsProviderRegistry.instance().querySublayers(str(path)) if d.providerKey() == "ogr"]
        layers = []
        for details in sublayers:
            label = name if name and len(sublayers) == 1 else details.name()
            layer = QgsVectorLayer(details.uri(), label, "ogr")
            if layer.isValid():
                layers.append(layer)
        return layers

    # ------------------------------------------------------------------ map tools of the sampling plan
    def points_layer(self):
        """The case's sampling points layer in the project, loaded (with its step) when it is not."""
        path = case_state.output_path(self.case, "sampling", "POINTS")
        layer = project_layer_of(path)
        if layer is None:
            self.load_step_outputs("sampling")
            layer = project_layer_of(path)
        return layer

    def plan_editor(self) -> PlanEditor:
        """The editor of the case's sampling plan (its units, points and compliance table)."""
        paths = {name: case_state.output_path(self.case, "sampling", parameter)
                 for name, parameter in (("units", "UNITS"), ("points", "POINTS"), ("compliance", "COMPLIANCE"))}
        return PlanEditor(self.case, paths, self.points_layer, self.message, self.compliance, self.refresh)

    def start_plan_tool(self, kind: str):
        """Make ``"move"`` (move a point within its unit) or ``"add"`` (a second-round point) the map tool."""
        self.stop_plan_tool()
        if self.case is None or not case_state.output_path(self.case, "sampling", "POINTS").is_file():
            return None
        try:
            editor = self.plan_editor()
            self.compliance.show_table(editor.plan.written_compliance())
        except (OSError, ValueError, KeyError) as error:  # a plan without its record or table: said, not raised
            self.message(tr("Sampling plan"), str(error), Qgis.MessageLevel.Critical)
            self._check_tool_buttons()
            return None
        self.compliance.setVisible(True)
        canvas = self.iface.mapCanvas()
        self.map_tool = (MovePointTool if kind == "move" else AddPointTool)(canvas, editor)
        self.map_tool.deactivated.connect(self._tool_deactivated)
        canvas.setMapTool(self.map_tool)
        self._check_tool_buttons()
        return self.map_tool

    def stop_plan_tool(self):
        if self.map_tool is not None:
            tool, self.map_tool = self.map_tool, None
            canvas = self.iface.mapCanvas()
            if canvas.mapTool() is tool:
                canvas.unsetMapTool(tool)
        self._check_tool_buttons()

    def _tool_deactivated(self):
        # another map tool was chosen: the buttons say so
        if self.map_tool is not None and self.iface.mapCanvas().mapTool() is not self.map_tool:
            self.map_tool = None
        self._check_tool_buttons()

    def _check_tool_buttons(self):
        self.move_button.setChecked(isinstance(self.map_tool, MovePointTool))
        self.add_button.setChecked(isinstance(self.map_tool, AddPointTool))

    # ------------------------------------------------------------------ closing
    def shutdown(self):
        """Disconnect from the project and cancel a run (the plugin unloads)."""
        self.stop_plan_tool()
        project = QgsProject.instance()
        for signal, slot in ((project.readProject, self.restore_from_project), (project.cleared, self.clear_case)):
            try:
                signal.disconnect(slot)
            except TypeError:
                pass
        self.cancel()


def process_pending_events():
    """Let the GUI paint and take clicks during a run in the main thread (as QGIS's Processing
    dialog does for algorithms that cannot run in a task)."""
    QCoreApplication.processEvents()


def background_context():
    """The context of a step run in a task thread: the project's settings (transform context,
    ellipsoid, units) without the project itself. The panel passes files only; with a project in
    its context, QGIS looks every layer parameter up in the project from the task thread and so
    frees the project's expression scope while the map canvas may be copying it (a crash in the
    main thread: processing/threads.py)."""
    project = QgsProject.instance()
    context = QgsProcessingContext()
    context.setProject(project)
    context.setProject(None)  # the settings setProject copied stay
    return context


def run_in_background(algorithm) -> bool:
    """False for an algorithm that asks for QGIS's main thread (``NoThreading``)."""
    from ..processing.compat import ALGORITHM_NO_THREADING

    return not (algorithm.flags() & ALGORITHM_NO_THREADING)

