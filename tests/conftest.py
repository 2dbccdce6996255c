"""Make the repository importable as the package ``ree_damage``, whatever its folder name.

The repository root is the plugin folder. Tests import ``ree_damage`` through a symlink
``.pkg/ree_damage`` -> repository root, the same name QGIS gives the installed plugin.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG_PARENT = ROOT / ".pkg"


def _keep_root_off_sys_path() -> None:
    """The root must only be reachable as ``ree_damage``: seen as a top-level folder, its
    ``processing`` package would shadow QGIS's own ``processing`` module."""
    sys.path[:] = [p for p in sys.path if Path(p or os.getcwd()).resolve() != ROOT]


def _ensure_package_link() -> None:
    link = PKG_PARENT / "ree_damage"
    PKG_PARENT.mkdir(exist_ok=True)
    if not link.exists():
        try:
            os.symlink(ROOT, link, target_is_directory=True)
        except FileExistsError:  # another worker made it first
            pass
    if str(PKG_PARENT) not in sys.path:
        sys.path.insert(0, str(PKG_PARENT))


HIDDEN_MODULES = ("qgis", "PyQt5", "PyQt6", "sip", "PySide2", "PySide6")


def _hide_qgis() -> None:
    """Make QGIS and Qt unimportable, as on a machine without them (REE_HIDE_QGIS=1)."""
    for name in HIDDEN_MODULES:
        sys.modules[name] = None  # `import qgis` now raises ImportError


if os.environ.get("REE_HIDE_QGIS") == "1":
    _hide_qgis()
_keep_root_off_sys_path()
_ensure_package_link()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _hypothesis_profile() -> None:
    """In CI (CI=true) the property tests run a fixed set of examples, so a landing never
    depends on luck; locally they explore new random examples each run."""
    try:
        from hypothesis import settings
    except ImportError:
        return
    settings.register_profile("ci", derandomize=True, database=None)
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        settings.load_profile("ci")


_hypothesis_profile()
