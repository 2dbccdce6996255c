"""The plugin object QGIS loads: provider registration, menu and toolbar."""

from __future__ import annotations

from pathlib import Path

from qgis.core import Qgis, QgsApplication, QgsMessageLog
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QSettings, QTranslator
from qgis.PyQt.QtWidgets import QAction, QApplication, QMenu, QMessageBox, QToolButton

from . import deps

PLUGIN_DIR = Path(__file__).resolve().parent
MENU_OBJECT_NAME = "ree_damage_menu"
TOOLBAR_OBJECT_NAME = "ree_damage_toolbar"
CASE_PANEL_ACTION_NAME = "ree_damage_case_panel_action"


def _tr(text: str) -> str:
    return QCoreApplication.translate("ree_damage", text)


class ReeDamagePlugin:
    """Registers the ``ree_damage`` Processing provider and the plugin's menu and toolbar."""

    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.translator = None
        self.menu = None
        self.toolbar = None
        self.actions = []
        self.dependency_problems = []
        self.case_panel = None
        self.case_panel_action = None

    # ------------------------------------------------------------ processing
    def initProcessing(self):  # noqa: N802 - QGIS API (called by qgis_process too)
        if self.provider is not None:
            return
        self._install_translator()
        folder = deps.activate(Path(QgsApplication.qgisSettingsDirPath()) / "python")
        self.dependency_problems = deps.problems(_tr)
        if self.dependency_problems:
            message = _tr("ree_damage cannot start: {0}. Install them with (one command per line):\n{1}").format(
                "; ".join(self.dependency_problems), "\n".join(deps.install_commands(folder))
            )
            QgsMessageLog.logMessage(message, "ree_damage", Qgis.MessageLevel.Critical)
            return
        from .processing.provider import ReeDamageProvider

        self.provider = ReeDamageProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    # ------------------------------------------------------------ GUI
    def initGui(self):  # noqa: N802 - QGIS API
        self.initProcessing()
        main_window = self.iface.mainWindow()
        icon = self._icon()

        self.menu = QMenu(_tr("Rare-earth damage"), main_window)
        self.menu.setObjectName(MENU_OBJECT_NAME)  # no icon: a menu bar would show it instead of the title
        # one submenu per Processing group, one entry per algorithm (nothing when libraries are missing)
        algorithms = self.provider.algorithms() if self.provider is not None else []
        submenus = {}
        for algorithm in algorithms:
            submenu = submenus.get(algorithm.groupId())
            if submenu is None:
                submenu = self.menu.addMenu(algorithm.group())
                submenus[algorithm.groupId()] = submenu
            algorithm_id = algorithm.id()
            action = QAction(algorithm.icon(), algorithm.displayName() + "…", main_window)
            action.triggered.connect(lambda _checked=False, a=algorithm_id: self.open_algorithm(a))
            submenu.addAction(action)
            self.actions.append(action)
        self.case_panel_action = QAction(self._icon(), _tr("Case panel"), main_window)
        self.case_panel_action.setObjectName(CASE_PANEL_ACTION_NAME)
        self.case_panel_action.triggered.connect(self.show_case_panel)
        self.menu.addAction(self.case_panel_action)
        self.actions.append(self.case_panel_action)
        self.menu.addSeparator()
        about = QAction(_tr("About and dependencies…"), main_window)
        about.triggered.connect(self.show_about)
        self.menu.addAction(about)
        self.actions.append(about)
        main_window.menuBar().addMenu(self.menu)

        self.toolbar = self.iface.addToolBar(_tr("Rare-earth damage"))
        self.toolbar.setObjectName(TOOLBAR_OBJECT_NAME)
        button = QToolButton(self.toolbar)
        button.setIcon(icon)
        button.setToolTip(_tr("Rare-earth damage assessment"))
        button.setMenu(self.menu)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.toolbar.addWidget(button)
        self.toolbar.addAction(self.case_panel_action)
        from qgis.core import QgsProject

        QgsProject.instance().readProject.connect(self._project_read)

        if self.dependency_problems:
            self.push_missing_libraries_message()

    def unload(self):
        self._unload_case_panel()
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        for action in self.actions:
            action.deleteLater()
        self.actions = []
        if self.menu is not None:
            self.iface.mainWindow().menuBar().removeAction(self.menu.menuAction())
            self.menu.setParent(None)
            self.menu.deleteLater()
            self.menu = None
        if self.toolbar is not None:
            self.iface.mainWindow().removeToolBar(self.toolbar)
            self.toolbar.setParent(None)
            self.toolbar.deleteLater()
            self.toolbar = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None

    # ------------------------------------------------------------ case panel
    def show_case_panel(self):
        """Show the dock "Case / 案件" (created on first use); the About box when libraries are missing."""
        if self.dependency_problems:
            self.show_about()
            return None
        if self.case_panel is None:
            from qgis.PyQt.QtCore import Qt

            from .ui.case_panel import CasePanel

            self.case_panel = CasePanel(self.iface, self.iface.mainWindow())
            self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.case_panel)
        self.case_panel.show()
        self.case_panel.raise_()
        return self.case_panel

    def _project_read(self, *_args):
        """A project that remembers a case opens the panel on it."""
        from qgis.core import QgsProject

        from .ui import PROJECT_KEY, PROJECT_SCOPE

        path, found = QgsProject.instance().readEntry(PROJECT_SCOPE, PROJECT_KEY, "")
        if found and path and self.case_panel is None:
            self.show_case_panel()  # it reads the project's case itself

    def _unload_case_panel(self):
        from qgis.core import QgsProject

        try:
            QgsProject.instance().readProject.disconnect(self._project_read)
        except TypeError:
            pass  # initGui did not get that far
        if self.case_panel is not None:
            self.case_panel.shutdown()
            self.iface.removeDockWidget(self.case_panel)
            self.case_panel.setParent(None)
            self.case_panel.deleteLater()
            self.case_panel = None
        self.case_panel_action = None

    def push_missing_libraries_message(self):
        """A one-line message (the missing libraries' names) with a button to the details:
        the full sentences and the install commands do not fit a message bar."""
        from qgis.gui import QgsMessageBar
        from qgis.PyQt.QtWidgets import QPushButton

        names = ", ".join(distribution for distribution, _version, _minimum in deps.missing())
        widget = QgsMessageBar.createMessage("ree_damage", _tr("Missing libraries: {0}").format(names))
        button = QPushButton(_tr("How to install…"), widget)
        button.clicked.connect(self.show_about)
        widget.layout().addWidget(button)
        self.iface.messageBar().pushWidget(widget, Qgis.MessageLevel.Critical, 0)  # stays until closed

    # ------------------------------------------------------------ actions
    def open_algorithm(self, algorithm_id: str):
        """Open the Processing dialog of one of the plugin's algorithms."""
        from qgis import processing

        processing.execAlgorithmDialog(algorithm_id, {})

    def show_about(self):
        self.about_box().exec()

    def about_box(self) -> QMessageBox:
        """The About box; with missing libraries it lists them and the install commands,
        one per line, selectable, with a button that copies the commands."""
        from qgis.PyQt.QtCore import Qt

        from .core import __version__

        lines = [f"ree_damage {__version__}", _tr("Rare-earth damage assessment (稀土生态环境损害鉴定评估)")]
        box = QMessageBox(QMessageBox.Icon.Information, "ree_damage", "", QMessageBox.StandardButton.Close,
                          self.iface.mainWindow())
        if self.dependency_problems:
            box.setIcon(QMessageBox.Icon.Warning)
            folder = deps.private_deps_dir(Path(QgsApplication.qgisSettingsDirPath()) / "python")
            commands = deps.install_commands(folder)
            lines += ["", _tr("Missing libraries:")] + self.dependency_problems
            lines += ["", _tr("Install them with these commands, one per line, in a terminal:")]
            lines += commands
            lines += ["", _tr("From a source checkout, instead: make install-plugin"),
                      _tr("Then restart QGIS.")]
            copy = box.addButton(_tr("Copy the commands"), QMessageBox.ButtonRole.ActionRole)
            copy.clicked.connect(lambda: QApplication.clipboard().setText("\n".join(commands) + "\n"))
        else:
            lines.append(_tr("All libraries found."))
        box.setText("\n".join(lines))
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return box

    # ------------------------------------------------------------ helpers
    def _icon(self):
        from qgis.PyQt.QtGui import QIcon

        return QIcon(str(PLUGIN_DIR / "resources" / "icons" / "ree_damage.svg"))

    def _install_translator(self):
        if self.translator is not None:
            return
        locale = QSettings().value("locale/userLocale", "") or QLocale.system().name()
        for qm_file in translation_candidates(str(locale)):
            translator = QTranslator()
            if qm_file.exists() and translator.load(str(qm_file)):
                QCoreApplication.installTranslator(translator)
                self.translator = translator
                return


def translation_candidates(locale: str) -> list:
    """The .qm files to try for a QGIS locale name (``zh-Hans``, ``zh_CN``, ``zh``...)."""
    folder = PLUGIN_DIR / "resources" / "i18n"
    normal = locale.replace("-", "_")
    names = [normal, normal[:2]]
    if normal.startswith("zh") and not any(tag in normal for tag in ("Hant", "TW", "HK", "MO")):
        names.insert(0, "zh_CN")  # simplified Chinese, whatever QGIS calls it
    return [folder / f"ree_damage_{name}.qm" for name in dict.fromkeys(names)]
