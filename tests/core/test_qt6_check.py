"""scripts/qt6_check.py catches each Qt 5-only construct on small snippets and passes clean code.

The enum rule (QT606) is tested twice: with the built-in list used where QGIS is not importable,
and by introspection of the installed QGIS bindings. ``make test`` runs tests/core with QGIS hidden
(REE_HIDE_QGIS=1), so the introspection cases run in ONE child Python without that switch (skipped
where that Python has no QGIS either).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "qt6_check.py"

_spec = importlib.util.spec_from_file_location("qt6_check", SCRIPT)
qt6 = importlib.util.module_from_spec(_spec)
sys.modules["qt6_check"] = qt6  # dataclasses look the module up while the class is created
_spec.loader.exec_module(qt6)

STATIC = qt6.EnumIntrospector(use_bindings=False)


def codes(source: str, introspector=None, path: str = "snippet.py") -> list[str]:
    found = qt6.check_source(textwrap.dedent(source), path, introspector or STATIC)
    return [f.code for f in found]


# --- QT601 direct Qt binding imports -------------------------------------------------------------


@pytest.mark.parametrize(
    "src",
    [
        "from PyQt5.QtCore import Qt\n",
        "from PyQt6.QtWidgets import QDialog\n",
        "import PyQt5.QtGui\n",
        "import PyQt5\n",
        "from PySide6 import QtCore\n",
        "import sip\n",
    ],
)
def test_direct_binding_imports_are_caught(src):
    assert codes(src) == ["QT601"]


def test_qgis_pyqt_imports_pass():
    src = """
        from qgis.PyQt import sip
        from qgis.PyQt.QtCore import Qt, QCoreApplication
        from qgis.PyQt.QtWidgets import QDialog
        import qgis.PyQt.QtGui
    """
    assert codes(src) == []


# --- QT602 exec_ ---------------------------------------------------------------------------------


def test_exec_underscore_is_caught_once():
    assert codes("dialog.exec_()\n") == ["QT602"]
    assert codes("run = menu.exec_\n") == ["QT602"]


def test_exec_passes():
    assert codes("dialog.exec()\nexec('1')\n") == []


# --- QT603 QRegExp -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "src",
    [
        "from qgis.PyQt.QtCore import QRegExp\n",
        "rx = QtCore.QRegExp('a+')\n",
        "v = QRegExpValidator(rx)\n",
    ],
)
def test_qregexp_is_caught(src):
    assert codes(src) == ["QT603"]


def test_qregularexpression_passes():
    assert codes("from qgis.PyQt.QtCore import QRegularExpression\nrx = QRegularExpression('a+')\n") == []


# --- QT604 compiled resources --------------------------------------------------------------------


@pytest.mark.parametrize(
    "src",
    [
        "from . import resources_rc\n",
        "from . import resources\n",
        "import resources_rc\n",
        "from .resources import qt_resource_data\n",
        "QtCore.qRegisterResourceData(0x01, qt_resource_struct, qt_resource_name, qt_resource_data)\n",
    ],
)
def test_compiled_resources_are_caught(src):
    assert "QT604" in codes(src)


def test_qrc_file_is_caught(tmp_path):
    qrc = tmp_path / "resources.qrc"
    qrc.write_text("<RCC/>")
    assert [f.code for f in qt6.check_paths([qrc], root=tmp_path)] == ["QT604"]


def test_icons_by_path_pass():
    src = """
        import os
        from qgis.PyQt.QtGui import QIcon
        icon = QIcon(os.path.join(os.path.dirname(__file__), "resources", "icons", "ree_damage.svg"))
    """
    assert codes(src) == []


# --- QT605 QVariant types ------------------------------------------------------------------------


@pytest.mark.parametrize("member", ["Int", "String", "Double", "LongLong", "Bool", "Date", "DateTime"])
def test_qvariant_types_are_caught(member):
    assert codes(f"QgsField('x', QVariant.{member})\n") == ["QT605"]
    assert codes(f"QgsField('x', QVariant.Type.{member})\n") == ["QT605"]
    assert codes(f"t = QtCore.QVariant.{member}\n") == ["QT605"]


def test_qvariant_value_and_qmetatype_pass():
    src = """
        from qgis.PyQt.QtCore import QMetaType, QVariant
        null = QVariant()
        kind = QMetaType.Type.Double
        ok = isinstance(null, QVariant)
    """
    assert codes(src) == []


def test_compat_module_may_name_qvariant_types():
    src = "from qgis.PyQt.QtCore import QVariant\nDOUBLE = QVariant.Type.Double\n"
    assert codes(src, path="processing/compat.py") == []
    assert codes(src, path="processing/base.py") == ["QT605"]


def test_noqa_comment_exempts_a_line():
    assert codes("t = QVariant.Double  # noqa: QT605\n") == []
    assert codes("t = QVariant.Double  # noqa\n") == []
    assert codes("t = QVariant.Double  # noqa: QT601\n") == ["QT605"]


# --- QT606 unscoped enums ------------------------------------------------------------------------

UNSCOPED = [
    ("from qgis.PyQt.QtCore import Qt", "Qt.AlignLeft", "Qt.AlignmentFlag.AlignLeft"),
    ("from qgis.PyQt.QtCore import Qt", "Qt.Checked", "Qt.CheckState.Checked"),
    (
        "from qgis.core import QgsWkbTypes",
        "QgsWkbTypes.PointGeometry",
        "QgsWkbTypes.GeometryType.PointGeometry",
    ),
    (
        "from qgis.core import QgsProcessing",
        "QgsProcessing.TypeVectorPoint",
        "QgsProcessing.SourceType.TypeVectorPoint",
    ),
    (
        "from qgis.core import QgsProcessingParameterNumber",
        "QgsProcessingParameterNumber.Double",
        "QgsProcessingParameterNumber.Type.Double",
    ),
    (
        "from qgis.core import QgsProcessingParameterDefinition",
        "QgsProcessingParameterDefinition.FlagAdvanced",
        "QgsProcessingParameterDefinition.Flag.FlagAdvanced",
    ),
    ("from qgis.core import Qgis", "Qgis.Warning", "Qgis.MessageLevel.Warning"),
]


@pytest.mark.parametrize(("imp", "expr", "scoped"), UNSCOPED)
def test_unscoped_enums_are_caught_with_builtin_list(imp, expr, scoped):
    found = qt6.check_source(f"{imp}\nx = {expr}\n", "snippet.py", STATIC)
    assert [f.code for f in found] == ["QT606"]
    assert scoped in found[0].message


@pytest.mark.parametrize(("imp", "expr", "scoped"), UNSCOPED)
def test_scoped_enums_pass_with_builtin_list(imp, expr, scoped):
    assert codes(f"{imp}\nx = {scoped}\n") == []


# The introspection cases: checked (and the snippets executed) in one child Python with QGIS.
LIVE_SNIPPETS = {
    "mixed": """
        from qgis.PyQt.QtCore import Qt, QMetaType
        from qgis.PyQt import QtCore
        import qgis.core
        from qgis.core import QgsFeatureSink, QgsProcessingParameterFeatureSource
        a = Qt.black
        b = QMetaType.Double
        c = QtCore.Qt.AlignRight
        d = qgis.core.QgsWkbTypes.LineGeometry
        e = QgsFeatureSink.FastInsert
        f = QgsProcessingParameterFeatureSource.FlagOptional
    """,
    "non_enum": """
        from qgis.core import Qgis, QgsProcessing, QgsApplication, QgsProcessingParameterNumber
        from qgis.PyQt.QtCore import Qt
        out = QgsProcessing.TEMPORARY_OUTPUT
        version = Qgis.QGIS_VERSION
        registry = QgsApplication.processingRegistry
        kind = QgsProcessingParameterNumber.Type
        dtype = Qgis.DataType.Float32
        role = Qt.ItemDataRole.UserRole + 1
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
    """,
}
for _i, (_imp, _expr, _scoped) in enumerate(UNSCOPED):
    LIVE_SNIPPETS[f"unscoped{_i}"] = f"{_imp}\nx = {_expr}\n"
    LIVE_SNIPPETS[f"scoped{_i}"] = f"{_imp}\nx = {_scoped}\ny = {_expr}\nsame = x == y\n"

_CHILD = """
import importlib.util, json, sys, textwrap
spec = importlib.util.spec_from_file_location("qt6_check", sys.argv[1])
qt6 = importlib.util.module_from_spec(spec)
sys.modules["qt6_check"] = qt6
spec.loader.exec_module(qt6)
intro = qt6.EnumIntrospector(use_bindings=True)
out = {"available": intro.available, "results": {}}
if intro.available:
    for name, src in json.loads(sys.stdin.read()).items():
        src = textwrap.dedent(src)
        found = [[f.code, f.message] for f in qt6.check_source(src, "snippet.py", intro)]
        ns = {}
        try:
            exec(src, ns)
            error = None
        except Exception as exc:
            error = repr(exc)
        out["results"][name] = {"found": found, "same": ns.get("same"), "error": error}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def live():
    env = {k: v for k, v in os.environ.items() if k != "REE_HIDE_QGIS"}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(SCRIPT)],
        input=json.dumps(LIVE_SNIPPETS),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if not out["available"]:
        pytest.skip("QGIS Python bindings not importable by this Python")
    return out["results"]


@pytest.mark.parametrize("i", range(len(UNSCOPED)), ids=[u[1] for u in UNSCOPED])
def test_unscoped_enums_are_caught_by_introspection(live, i):
    res = live[f"unscoped{i}"]
    assert [code for code, _ in res["found"]] == ["QT606"]
    assert UNSCOPED[i][2] in res["found"][0][1]


@pytest.mark.parametrize("i", range(len(UNSCOPED)), ids=[u[2] for u in UNSCOPED])
def test_suggested_scoped_forms_pass_and_resolve(live, i):
    """The spelling the checker demands passes it AND works on this QGIS (3.22 in make test)."""
    res = live[f"scoped{i}"]
    assert res["error"] is None
    assert res["same"] is True
    # only the deliberately unscoped `y = ...` line is reported
    assert [code for code, _ in res["found"]] == ["QT606"]


def test_introspection_finds_enums_missing_from_any_list(live):
    res = live["mixed"]
    assert res["error"] is None
    assert [code for code, _ in res["found"]] == ["QT606"] * 6
    messages = " ".join(msg for _, msg in res["found"])
    for scoped in (
        "Qt.GlobalColor.black",
        "QMetaType.Type.Double",
        "QtCore.Qt.AlignmentFlag.AlignRight",
        "qgis.core.QgsWkbTypes.GeometryType.LineGeometry",
        "QgsFeatureSink.Flag.FastInsert",
        "QgsProcessingParameterFeatureSource.Flag.FlagOptional",
    ):
        assert scoped in messages


def test_non_enum_attributes_pass(live):
    assert live["non_enum"]["error"] is None
    assert live["non_enum"]["found"] == []


def test_names_not_imported_from_qt_or_qgis_pass():
    src = """
        import enum
        class Qt(enum.Enum):
            AlignLeft = 1
        x = Qt.AlignLeft
        y = settings.Double
    """
    assert codes(src) == []


# --- whole files and the command line ------------------------------------------------------------


def test_clean_plugin_module_passes():
    src = '''
        """A clean module."""
        from qgis.core import QgsProcessing, QgsProcessingAlgorithm, QgsProcessingParameterNumber
        from qgis.PyQt.QtCore import QCoreApplication, Qt
        from qgis.PyQt.QtWidgets import QMessageBox


        class Alg(QgsProcessingAlgorithm):
            def initAlgorithm(self, config=None):
                self.addParameter(QgsProcessingParameterNumber(
                    "DEPTH", "depth", type=QgsProcessingParameterNumber.Type.Double))

            def ask(self):
                box = QMessageBox()
                box.setTextFormat(Qt.TextFormat.RichText)
                return box.exec() == QMessageBox.StandardButton.Yes

            def tr(self, text):
                return QCoreApplication.translate("Alg", text)
    '''
    assert codes(src) == []


def test_syntax_error_is_reported_not_raised():
    assert codes("def broken(:\n") == ["QT600"]


def test_command_line_exit_status(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from PyQt5.QtCore import Qt\nx = dlg.exec_()\n")
    good = tmp_path / "good.py"
    good.write_text("from qgis.PyQt.QtCore import Qt\nx = dlg.exec()\n")
    run = [sys.executable, str(SCRIPT), "--no-bindings"]
    res = subprocess.run([*run, str(bad)], capture_output=True, text=True)
    assert res.returncode == 1
    assert "QT601" in res.stdout and "QT602" in res.stdout
    res = subprocess.run([*run, str(good)], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout


def test_tracked_files_skip_virtualenvs_and_build_folders():
    rels = [str(p.relative_to(ROOT)) for p in qt6.tracked_files(ROOT)]
    assert "scripts/qt6_check.py" in rels
    assert not any(r.startswith((".venv/", ".pkg/", ".matrix/", "build/", "dist/")) for r in rels)
