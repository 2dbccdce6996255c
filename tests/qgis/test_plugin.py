"""The plugin loads as QGIS loads it and leaves nothing behind when unloaded."""

from pathlib import Path

from qgis.core import QgsApplication, QgsProcessingAlgorithm
from qgis.PyQt.QtWidgets import QMenu, QToolBar

import ree_damage
from ree_damage.plugin import MENU_OBJECT_NAME, TOOLBAR_OBJECT_NAME

EXPECTED_ALGORITHMS = {"ree_damage:sample_case", "ree_damage:to_cgcs2000"}


def _our_menus(main_window):
    return [a for a in main_window.menuBar().actions() if isinstance(a.menu(), QMenu) and a.menu().objectName() == MENU_OBJECT_NAME]


def test_plugin_lifecycle(qgis_app, qgis_iface, qgis_processing):
    registry = QgsApplication.processingRegistry()
    if registry.providerById("ree_damage") is not None:  # left by another test
        registry.removeProvider(registry.providerById("ree_damage"))
    plugin = ree_damage.classFactory(qgis_iface)
    plugin.initGui()
    try:
        provider = registry.providerById("ree_damage")
        assert provider is not None, plugin.dependency_problems
        assert EXPECTED_ALGORITHMS <= {a.id() for a in provider.algorithms()}
        assert provider.icon() is not None and not provider.icon().isNull()
        main_window = qgis_iface.mainWindow()
        (menu_action,) = _our_menus(main_window)
        entries = [a for group in menu_action.menu().actions() if group.menu() for a in group.menu().actions()]
        assert len(entries) == len(provider.algorithms())  # every algorithm, under its group
        assert {g.text() for g in menu_action.menu().actions() if g.menu()} == {a.group() for a in provider.algorithms()}
        assert main_window.findChild(QToolBar, TOOLBAR_OBJECT_NAME) is not None
    finally:
        plugin.unload()
    assert registry.providerById("ree_damage") is None
    assert _our_menus(qgis_iface.mainWindow()) == []
    assert qgis_iface.mainWindow().findChild(QToolBar, TOOLBAR_OBJECT_NAME) is None
    # loading twice after an unload works (plugin reload in QGIS)
    again = ree_damage.classFactory(qgis_iface)
    again.initGui()
    assert registry.providerById("ree_damage") is not None
    again.unload()
    assert registry.providerById("ree_damage") is None


def test_algorithms_follow_the_qgis_skeleton(provider):
    for algorithm in provider.algorithms():
        name = algorithm.name()
        assert name == name.lower() and " " not in name, name
        assert algorithm.groupId() == algorithm.groupId().lower()
        assert algorithm.displayName() and algorithm.group()
        assert algorithm.shortHelpString(), f"{name} has no help"
        assert algorithm.ZH_NAME, f"{name} has no Chinese name"
        clone = algorithm.createInstance()
        assert isinstance(clone, type(algorithm)) and clone is not algorithm
        assert isinstance(clone, QgsProcessingAlgorithm)
        for parameter in algorithm.parameterDefinitions():
            assert parameter.help(), f"{name}: parameter {parameter.name()} has no help"
            assert parameter.name() == parameter.name().upper(), f"{name}: {parameter.name()} is not a constant id"


def test_chinese_translation_is_used(qgis_app):
    from qgis.PyQt.QtCore import QCoreApplication, QTranslator

    from ree_damage.plugin import translation_candidates
    from ree_damage.processing.algorithms.tools.to_cgcs2000 import ToCgcs2000

    qm = next(p for p in translation_candidates("zh-Hans") if p.exists())
    assert qm.name == "ree_damage_zh_CN.qm"
    translator = QTranslator()
    assert translator.load(str(qm))
    QCoreApplication.installTranslator(translator)
    try:
        algorithm = ToCgcs2000()
        assert algorithm.displayName() == "转换到2000国家大地坐标系分带"
        assert algorithm.group() == "工具"
    finally:
        QCoreApplication.removeTranslator(translator)
    assert ToCgcs2000().displayName() == "Reproject to CGCS2000 zone"


def test_missing_library_gives_a_message_not_a_traceback(qgis_app, qgis_iface, qgis_processing, monkeypatch):
    from qgis.core import Qgis
    from qgis.gui import QgsMessageBar
    from qgis.PyQt.QtWidgets import QLabel, QPushButton

    from ree_damage import deps

    registry = QgsApplication.processingRegistry()
    for _ in range(3):  # providers left registered by other tests
        if registry.providerById("ree_damage") is None:
            break
        registry.removeProvider("ree_damage")
    assert registry.providerById("ree_damage") is None
    monkeypatch.setitem(deps.REQUIRED, "no-such-geo-library", "1.0")
    bar = QgsMessageBar()  # a real bar: the message is a widget with a button
    monkeypatch.setattr(qgis_iface, "messageBar", lambda: bar)
    plugin = ree_damage.classFactory(qgis_iface)
    opened = []
    monkeypatch.setattr(plugin, "show_about", lambda: opened.append(True))  # not the modal box
    plugin.initGui()  # must not raise
    try:
        assert registry.providerById("ree_damage") is None
        item = bar.currentItem()
        assert item is not None and item.level() == Qgis.MessageLevel.Critical and item.duration() == 0
        # short: the names only, and a button to the details (the long text was cut mid-line)
        texts = [label.text() for label in item.findChildren(QLabel)]
        assert "Missing libraries: no-such-geo-library" in item.text() or any(
            "no-such-geo-library" in text for text in texts), (item.text(), texts)
        assert len(item.text()) < 80
        (button,) = [b for b in item.findChildren(QPushButton) if b.text() == "How to install…"]
        button.click()
        assert opened == [True]
        assert any("no-such-geo-library is missing" in p for p in plugin.dependency_problems)
        box = plugin.about_box()
        assert "no-such-geo-library is missing (>= 1.0 needed)" in box.text()
        folder = deps.private_deps_dir(Path(QgsApplication.qgisSettingsDirPath()) / "python")
        for command in deps.install_commands(folder):
            assert command in box.text().splitlines()  # each command alone on its line
        assert "(or" not in "".join(deps.install_commands(folder))
    finally:
        plugin.unload()
    assert _our_menus(qgis_iface.mainWindow()) == []
