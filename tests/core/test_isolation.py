"""core/ never imports QGIS or Qt (DESIGN.md, "Layers")."""

import ast
import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import ree_damage.core as core_package

CORE_DIR = Path(core_package.__file__).resolve().parent
FORBIDDEN = ("qgis", "PyQt5", "PyQt6", "sip", "PySide2", "PySide6")


def test_no_core_module_imports_qgis_or_qt():
    offenders = []
    for path in sorted(CORE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.name}:{node.lineno} {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_every_core_module_imports_with_qgis_hidden():
    """A fresh interpreter in which `import qgis` fails imports every core module."""
    modules = [m.name for m in pkgutil.walk_packages(core_package.__path__, "ree_damage.core.")]
    # the folder that holds the `ree_damage` link (not resolved: the link gives the name)
    pkg_parent = str(Path(importlib.import_module("ree_damage").__file__).parent.parent)
    code = (
        "import sys\n"
        f"for name in {FORBIDDEN!r}: sys.modules[name] = None\n"
        "try:\n    import qgis\nexcept ImportError:\n    pass\nelse:\n    raise SystemExit('qgis importable')\n"
        "import importlib\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print('ok', len(sys.modules))\n"
    )
    env = dict(os.environ, PYTHONPATH=pkg_parent)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")
