"""The case panel on real QGIS (offscreen): the sample case set up, its first steps run from the
panel as background tasks, outputs grouped by step, staleness from provenance, Chinese labels."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from qgis.core import Qgis, QgsApplication, QgsLayerTreeGroup, QgsProject
from qgis.PyQt.QtCore import QCoreApplication, QEvent, Qt, QTranslator

from ree_damage.ui import PROJECT_KEY, PROJECT_SCOPE, case_state
from ree_damage.ui.case_panel import CasePanel


def _not_registered():
    """Steps whose algorithm is not (yet) in the provider."""
    registry = QgsApplication.processingRegistry()
    return [s.key for s in case_state.STEPS if s.algorithm and registry.algorithmById(s.algorithm_id) is None]


@pytest.fixture()
def sample_case(tmp_path, provider):
    from qgis import processing

    result = processing.run("ree_damage:sample_case", {"OUTPUT_FOLDER": str(tmp_path / "case")})
    return Path(result["CASE_FILE"])


@pytest.fixture()
def panel(qgis_iface, provider):
    QgsProject.instance().clear()
    qgis_iface.messageBar().messages = {level: [] for level in qgis_iface.messageBar().messages}
    widget = CasePanel(qgis_iface)
    yield widget
    widget.shutdown()
    widget.deleteLater()
    QgsProject.instance().clear()


def _wait(panel):
    """Let the task manager run the step (the GUI thread keeps processing events meanwhile)."""
    deadline = time.monotonic() + 600
    while panel.is_running():
        QCoreApplication.processEvents()
        time.sleep(0.02)
        assert time.monotonic() < deadline, "the step's task never finished"


def _errors(qgis_iface):
    return qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Critical)


def _group_layers(panel, key):
    group = panel.step_group(key, create=False)
    assert group is not None, f"no layer group for {key}"
    return [node.layer().name() for node in group.findLayers()]


def test_the_panel_walks_the_sample_case(qgis_iface, panel, sample_case):
    assert panel.steps.topLevelItemCount() == len(case_state.STEPS) == 15
    assert not panel.run_button.isEnabled()  # no case yet
    assert panel.set_case_file(sample_case)
    value, found = QgsProject.instance().readEntry(PROJECT_SCOPE, PROJECT_KEY, "")
    assert found and Path(value) == sample_case.resolve()

    assert panel.state_text("case") == "case file read"
    assert panel.state_text("zones") == "not run" and panel.state_text("report") == "not run"
    for key in _not_registered():
        item = panel._item(key)
        assert panel.state_text(key) == "not available"
        assert not item.flags() & Qt.ItemFlag.ItemIsEnabled

    # the first steps, run from the panel as tasks
    for key in ("zones", "sampling"):
        panel.select_step(key)
        assert panel.run_button.isEnabled()
        assert panel.run_step()
        assert panel.running[1] is not None  # a QgsTask
        assert panel.running[2].project() is None  # the task never reaches the project (processing/threads.py)
        assert not panel.run_button.isEnabled() and panel.cancel_button.isEnabled()  # one run at a time
        _wait(panel)
        assert _errors(qgis_iface) == []
        assert panel.state_text(key) == "up to date", panel.states[key]
        assert panel.progress.value() == 100
    assert panel.state_text("depth") == "not run"

    # outputs grouped by step, inside the case's group, in the workflow's order
    case_group = panel.case_group(create=False)
    assert [child.name() for child in case_group.children()] == ["Functional zones", "Sampling plan"]
    assert isinstance(case_group.children()[0], QgsLayerTreeGroup)
    assert sorted(_group_layers(panel, "zones")) == ["Functional zones", "Leachate flow cells"]
    assert sorted(_group_layers(panel, "sampling")) == [
        "Control sampling points (plan)", "Control sampling units", "Sampling points", "Sampling units"]
    points = QgsProject.instance().mapLayersByName("Sampling points")[0]
    assert points.isValid() and points.featureCount() > 0
    # styled with the shared QML styles: four functional zones by category
    zones_layer = QgsProject.instance().mapLayersByName("Functional zones")[0]
    assert zones_layer.renderer().type() == "categorizedSymbol" and len(zones_layer.renderer().categories()) == 4
    outputs = case_state.step_folder(panel.case, "sampling")
    assert (outputs / "sampling_points.gpkg.provenance.json").is_file()

    # running a step again replaces its layers instead of adding a second set
    panel.run_step("zones")
    _wait(panel)
    assert sorted(_group_layers(panel, "zones")) == ["Functional zones", "Leachate flow cells"]
    # zones were rewritten after sampling ran: sampling's recorded zones.gpkg differs now, or not
    # (same bytes); either way zones themselves are up to date
    assert panel.state_text("zones") == "up to date"
    panel.run_step("sampling")
    _wait(panel)

    # an input changes: the DEM zones read (sampling does not read it): both are stale now
    dem = panel.case.inputs.dem_before
    with open(dem, "ab") as handle:
        handle.write(b"\0")
    panel.refresh()
    assert panel.state_text("zones") == "stale" and panel.state_text("sampling") == "stale"
    assert str(dem) in panel._item("zones").toolTip(1)
    panel.select_step("sampling")
    assert "Functional zones" in panel.detail_label.text()  # stale because of the step before it
    assert panel.state_text("lab") == "not run"


def test_a_failing_step_shows_the_algorithms_message(qgis_iface, panel, sample_case):
    # a lab sheet with a sample id no sampled point has: the import stops, naming it
    folder = sample_case.parent
    lines = (folder / "lab_results.csv").read_text(encoding="utf-8-sig").splitlines()
    lines[1] = lines[1].replace("PREP-001-50,PREP-001,", "XX-999-50,XX-999,", 1)
    (folder / "bad_sheet.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    case_state.write_case(folder, {}, zone="EPSG:4547", inputs={"lab_sheet": folder / "bad_sheet.csv"},
                          base=case_state.read_case(sample_case))
    assert panel.set_case_file(sample_case)
    assert panel.run_step("lab")
    _wait(panel)
    (message,) = _errors(qgis_iface)
    assert message.startswith("Lab results:") and "XX-999" in message, message
    assert "Traceback" not in message
    assert panel.state_text("lab") == "not run"  # nothing half-written
    assert not case_state.step_output_files(panel.case, "lab")


def test_an_unreadable_case_file_is_said_in_the_message_bar(qgis_iface, panel, tmp_path):
    bad = tmp_path / "case.toml"
    bad.write_text("[case\nname = 1\n", encoding="utf-8")
    assert not panel.set_case_file(bad)
    (message,) = _errors(qgis_iface)
    assert message.startswith("Cannot open the case file:") and "TOML" in message
    assert panel.case is None


def test_the_dialog_opens_prefilled_for_the_case(monkeypatch, panel, sample_case):
    from qgis import processing

    opened = []
    monkeypatch.setattr(processing, "execAlgorithmDialog", lambda alg_id, params: opened.append((alg_id, params)))
    panel.set_case_file(sample_case)
    panel.select_step("sampling")
    panel.open_step_dialog()
    ((algorithm_id, parameters),) = opened
    assert algorithm_id == "ree_damage:sampling_grid"
    folder = sample_case.parent.resolve()
    assert parameters["BOUNDARY"] == f"{folder / 'sample_case.gpkg'}|layername=case_boundary"
    assert parameters["ZONES"] == str(folder / "outputs" / "zones" / "zones.gpkg")
    assert parameters["POINTS"] == str(folder / "outputs" / "sampling" / "sampling_points.gpkg")
    assert parameters["CELL_SIZE"] == 40.0


def _without_our_provider():
    """The plugin registers the provider itself: take away the one other tests left."""
    registry = QgsApplication.processingRegistry()
    while registry.providerById("ree_damage") is not None:
        registry.removeProvider("ree_damage")


def test_the_project_remembers_the_case(qgis_iface, qgis_processing, tmp_path, monkeypatch):
    import ree_damage
    from ree_damage.sample_case import generate_sample_case

    sample_case = generate_sample_case(tmp_path / "case")["case_file"]
    _without_our_provider()
    monkeypatch.setattr(qgis_iface, "removeDockWidget", lambda dock: None, raising=False)
    QgsProject.instance().clear()
    first = ree_damage.classFactory(qgis_iface)
    first.initGui()
    try:
        panel = first.show_case_panel()
        assert panel.set_case_file(sample_case)
        project_file = tmp_path / "case.qgz"
        assert QgsProject.instance().write(str(project_file))
    finally:
        first.unload()
    QgsProject.instance().clear()
    plugin = ree_damage.classFactory(qgis_iface)  # QGIS started again, no panel open
    plugin.initGui()
    try:
        assert plugin.case_panel is None
        assert QgsProject.instance().read(str(project_file))
        assert plugin.case_panel is not None, "reading the project did not open the panel"
        assert plugin.case_panel.case.file == sample_case.resolve()
        QgsProject.instance().clear()
        assert plugin.case_panel.case is None
    finally:
        plugin.unload()
        QgsProject.instance().clear()


def test_the_plugin_adds_the_panel_and_removes_it(qgis_iface, qgis_processing, monkeypatch):
    from qgis.PyQt.QtWidgets import QAction, QDockWidget

    import ree_damage
    from ree_damage.plugin import CASE_PANEL_ACTION_NAME
    from ree_damage.ui.case_panel import PANEL_OBJECT_NAME

    removed = []
    monkeypatch.setattr(qgis_iface, "removeDockWidget", removed.append, raising=False)
    _without_our_provider()
    main_window = qgis_iface.mainWindow()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # what earlier tests unloaded
    assert main_window.findChild(QAction, CASE_PANEL_ACTION_NAME) is None
    plugin = ree_damage.classFactory(qgis_iface)
    plugin.initGui()
    try:
        action = main_window.findChild(QAction, CASE_PANEL_ACTION_NAME)
        assert action is plugin.case_panel_action and action.text() == "Case panel"
        assert action in plugin.menu.actions() and action in plugin.toolbar.actions()
        action.trigger()
        dock = main_window.findChild(QDockWidget, PANEL_OBJECT_NAME)
        assert dock is plugin.case_panel and dock.windowTitle() == "Case"
    finally:
        plugin.unload()
    assert removed == [dock]
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert main_window.findChild(QDockWidget, PANEL_OBJECT_NAME) is None
    assert main_window.findChild(QAction, CASE_PANEL_ACTION_NAME) is None


def test_the_chinese_translation_changes_the_panel(panel):
    from ree_damage.plugin import translation_candidates

    qm = next(p for p in translation_candidates("zh_CN") if p.exists())
    translator = QTranslator()
    assert translator.load(str(qm))
    QCoreApplication.installTranslator(translator)  # QGIS sends LanguageChange: the panel retranslates
    try:
        QCoreApplication.sendPostedEvents(None, 0)
        panel.retranslate()
        assert panel.windowTitle() == "案件"
        assert panel.run_button.text() == "运行"
        assert panel._item("zones").text(0) == "1. 功能分区"
        assert panel.steps.headerItem().text(0) == "步骤"
    finally:
        QCoreApplication.removeTranslator(translator)
    panel.retranslate()
    assert panel.windowTitle() == "Case"


def test_the_case_setup_dialog_writes_a_case_file(qgis_app, tmp_path):
    from ree_damage.core.case.model import load_case
    from ree_damage.ui.case_dialog import CaseSetupDialog

    dialog = CaseSetupDialog()
    assert dialog.zone.currentData() == "EPSG:4547"  # 115.0E proposed: zone 38, CM 114E
    dialog.longitude.setValue(115.6)  # past 115.5E: zone 39, CM 117E
    assert dialog.zone.currentData() == "EPSG:4548"
    assert "EPSG:4548" in dialog.proposal.text()
    dialog.accept()
    assert dialog.written_file is None and dialog.error.text() == "Give the case a name."
    for key, value in {"name": "某县非法开采稀土案", "province": "江西省", "county": "某县", "site": "某山坡",
                       "entrusting_unit": "某公安局", "institution": "某鉴定所",
                       "act_start": "2024-04-01", "act_end": "2025-10-31"}.items():
        dialog.info_edits[key].setText(value)
    dialog.folder.setFilePath(str(tmp_path / "new_case"))
    dialog.accept()
    assert dialog.written_file == (tmp_path / "new_case" / "case.toml").resolve()
    case = load_case(dialog.written_file)
    assert (case.info.name, case.info.institution, case.info.act_end) == ("某县非法开采稀土案", "某鉴定所", "2025-10-31")
    assert case.crs.zone == "EPSG:4548"
    # opened again for editing: what it holds is shown, the folder fixed
    again = CaseSetupDialog(case)
    assert again.info_edits["county"].text() == "某县" and again.zone.currentData() == "EPSG:4548"
    assert not again.folder.isEnabled() and again.folder.filePath() == str(case.folder)


def test_the_baseline_options_the_panel_fills_in_are_the_algorithms(qgis_app):
    from ree_damage.processing.algorithms.analysis import baseline

    assert case_state.BASELINE_SCREENING == baseline.SCREENING
    assert case_state.BASELINE_LAND_USES == baseline.LAND_USES


def test_steps_name_registered_algorithms(provider):
    registry = QgsApplication.processingRegistry()
    for step in case_state.STEPS:
        if step.algorithm and case_state.has_parameters(step.key):
            assert registry.algorithmById(step.algorithm_id) is not None, step.key


def test_a_canceled_step_leaves_nothing(qgis_iface, panel, sample_case):
    assert panel.set_case_file(sample_case)
    assert panel.run_step("zones")
    panel.cancel()  # the algorithm checks between its stages, and once more before it returns
    _wait(panel)
    (message,) = _errors(qgis_iface)
    assert message == "Functional zones:Canceled: nothing was written."
    assert panel.state_text("zones") == "not run"
    assert not case_state.step_output_files(panel.case, "zones")
    assert panel.step_group("zones", create=False) is None


def test_every_parameter_the_panel_fills_in_is_the_algorithms(provider, sample_case, tmp_path):
    # each step's builder names parameters its algorithm has (a misspelt name would be dropped silently)
    case = case_state.read_case(sample_case)
    for relative in ("damage/damage/damage_summary.csv", "damage/damage/damaged_samples.gpkg",
                     "imagery/vegetation_damage_by_zone.csv", "water/water_summary.csv", "lab/lab.gpkg",
                     "interpolation/rasters/La_ok_prediction.tif", "damage/damage/degree/La_L1_ok_degree.tif"):
        path = sample_case.parent / "outputs" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")  # exists: the builders of the last steps then name it
    registry = QgsApplication.processingRegistry()
    for step in case_state.STEPS:
        if not case_state.has_parameters(step.key):
            continue
        algorithm = registry.algorithmById(step.algorithm_id)
        names = {d.name() for d in algorithm.parameterDefinitions()}
        filled = set(case_state.step_parameters(case, step.key))
        assert filled <= names, (step.key, sorted(filled - names))
        assert {o.parameter for o in step.outputs} <= names, step.key


def test_the_last_steps_open_prefilled_with_the_case_zone(monkeypatch, panel, sample_case):
    from qgis import processing
    from qgis.core import QgsProcessingContext

    opened = []
    monkeypatch.setattr(processing, "execAlgorithmDialog", lambda alg_id, params: opened.append((alg_id, params)))
    panel.set_case_file(sample_case)
    for key in ("valuation", "causality", "maps"):
        assert panel.states[key].status == case_state.NOT_RUN
        panel.select_step(key)
        assert panel.dialog_button.isEnabled() and panel.run_button.isEnabled()
        panel.open_step_dialog()
    (valuation_id, valuation), (causality_id, causality), (maps_id, maps) = opened
    folder = sample_case.parent.resolve()
    assert (valuation_id, valuation["CASE_FILE"]) == ("ree_damage:valuation", str(folder / "case.toml"))
    assert causality_id == "ree_damage:causality_evidence"
    assert causality["SOURCE_SHEET"] == str(folder / "source_lab.csv")
    assert causality["WELLS"] == f"{folder / 'sample_case_evidence.gpkg'}|layername=wells"
    # the map CRS is the CGCS2000 zone chosen in case setup; the maps need only the case's own layers
    assert maps_id == "ree_damage:report_map" and maps["TARGET_CRS"] == "EPSG:4547"
    algorithm = QgsApplication.processingRegistry().algorithmById(maps_id)
    context = QgsProcessingContext()
    ok, problem = algorithm.checkParameterValues(maps, context)
    assert ok, problem


def test_a_step_in_the_main_thread_can_be_canceled_from_the_panel(qgis_iface, panel, sample_case, monkeypatch):
    # an algorithm that must run in the main thread (maps, causality) blocks the panel's own code;
    # between its progress steps the GUI's events are processed: a click on Cancel (a queued event
    # here) reaches the run, which stops and leaves nothing
    from qgis.PyQt.QtCore import QTimer

    from ree_damage.ui import case_panel

    monkeypatch.setattr(case_panel, "run_in_background", lambda algorithm: False)
    assert panel.set_case_file(sample_case)
    shown = []
    QTimer.singleShot(0, lambda: (shown.append(panel.progress.value()), panel.cancel_button.click()))
    assert panel.run_step("zones")
    # the click came during the run, the bar showing its progress so far
    assert len(shown) == 1 and 0 < shown[0] < 100, shown
    assert not panel.is_running()
    (message,) = _errors(qgis_iface)
    assert message == "Functional zones:Canceled: nothing was written."
    assert panel.state_text("zones") == "not run"
    assert not case_state.step_output_files(panel.case, "zones")
