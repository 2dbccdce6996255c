#!/usr/bin/env python3
"""Static Qt 6 readiness check for the plugin (part of ``make test``).

    python scripts/qt6_check.py [--list-rules] [PATH ...]

Without PATH it checks every ``*.py`` (and ``*.qrc``) file git tracks or would track (``git ls-files
--cached --others --exclude-standard``; outside a git checkout it walks the tree) except ``.venv``, ``.pkg``, ``.matrix``,
``build`` and ``dist``. Exit status 1 when something is found.

Rules (the ones flake8-qgis 1.1.0 does not have; see ``.flake8`` for the flake8-qgis ones):

QT601  direct ``PyQt5`` / ``PyQt6`` / ``PySide*`` / ``sip`` import: use ``qgis.PyQt``.
QT602  ``.exec_(...)``: use ``.exec(...)`` (exists in PyQt5 5.15 and in PyQt6).
QT603  ``QRegExp`` / ``QRegExpValidator``: use ``QRegularExpression`` / ``QRegularExpressionValidator``.
QT604  compiled Qt resources (``resources_rc`` / ``resources`` modules from pyrcc, ``qt_resource_data``,
       ``.qrc`` files): PyQt6 has no pyrcc; load icons and files by path.
QT605  ``QVariant.<Type>`` / ``QVariant.Type.<Type>`` (QVariant::Type is gone in Qt 6). QGIS >= 3.38
       takes ``QMetaType.Type``; QGIS 3.22 only ``QVariant.Type`` for ``QgsField``: use the constants of
       ``processing/compat.py``, the one file allowed to name them (PER_FILE_ALLOW).
QT606  unscoped enum member on a Qt or QGIS class (``Qt.AlignLeft``, ``QgsWkbTypes.PointGeometry``,
       ``QgsProcessing.TypeVectorPoint``, ...): write ``Class.Enum.Member``. Found by introspection of
       the installed PyQt / QGIS bindings: an ``Name.Member`` chain is flagged only when Member is an
       enum value whose enum type is nested in the class AND the scoped ``Class.Enum.Member`` resolves
       on the QGIS this check runs on (the oldest supported, 3.22) - so it never demands a spelling
       that QGIS 3.22 rejects. Without importable QGIS bindings a built-in list is used.

A line ending in ``# noqa: QT605`` (codes comma separated, or bare ``# noqa``) is exempt.
"""

from __future__ import annotations

import argparse
import ast
import enum
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXCLUDED_PARTS = {".venv", ".pkg", "build", "dist", "__pycache__", ".git", ".matrix"}
EXCLUDED_PREFIXES: tuple[str, ...] = ()
# The one compatibility module may name the Qt 5-only spelling it hides (QGIS 3.22 fields take
# QVariant.Type; QMetaType.Type only from QGIS 3.38).
PER_FILE_ALLOW = {"processing/compat.py": {"QT605"}}

RULES = {
    "QT601": "direct {what} import: import it from qgis.PyQt (Qt 5 and Qt 6 builds of QGIS)",
    "QT602": "exec_() is gone in PyQt6: use exec()",
    "QT603": "{what} is gone in Qt 6: use QRegularExpression / QRegularExpressionValidator",
    "QT604": "compiled Qt resources ({what}) are gone in PyQt6 (no pyrcc): load files by path",
    "QT605": "{what}: QVariant.Type is gone in Qt 6: use the QMetaType-based constants of processing/compat.py",
    "QT606": "unscoped enum {what}: write {scoped} (Qt 6 / PyQt6 only accepts the scoped form)",
}

QT_BINDINGS = ("PyQt5", "PyQt6", "PySide2", "PySide6", "sip")
REGEXP_NAMES = {"QRegExp", "QRegExpValidator"}
RESOURCE_MODULES = {"resources_rc", "resources"}
RESOURCE_SYMBOLS = {"qt_resource_data", "qt_resource_name", "qt_resource_struct", "qRegisterResourceData"}
# Modules whose classes the enum rule inspects (what plugins import Qt/QGIS classes from).
ENUM_MODULE_PREFIXES = ("qgis.core", "qgis.gui", "qgis.analysis", "qgis.PyQt", "qgis._")

# Fallback for QT606 when QGIS is not importable: (Class, Member) -> scoped spelling (all verified to
# resolve on QGIS 3.22 / PyQt5 5.15 by scripts/matrix/probe_api.py).
STATIC_UNSCOPED = {
    ("Qt", "AlignLeft"): "Qt.AlignmentFlag.AlignLeft",
    ("Qt", "AlignRight"): "Qt.AlignmentFlag.AlignRight",
    ("Qt", "AlignCenter"): "Qt.AlignmentFlag.AlignCenter",
    ("Qt", "DisplayRole"): "Qt.ItemDataRole.DisplayRole",
    ("Qt", "UserRole"): "Qt.ItemDataRole.UserRole",
    ("Qt", "Checked"): "Qt.CheckState.Checked",
    ("Qt", "Unchecked"): "Qt.CheckState.Unchecked",
    ("QgsWkbTypes", "PointGeometry"): "QgsWkbTypes.GeometryType.PointGeometry",
    ("QgsWkbTypes", "LineGeometry"): "QgsWkbTypes.GeometryType.LineGeometry",
    ("QgsWkbTypes", "PolygonGeometry"): "QgsWkbTypes.GeometryType.PolygonGeometry",
    ("QgsWkbTypes", "Point"): "QgsWkbTypes.Type.Point",
    ("QgsProcessing", "TypeVectorPoint"): "QgsProcessing.SourceType.TypeVectorPoint",
    ("QgsProcessing", "TypeVectorLine"): "QgsProcessing.SourceType.TypeVectorLine",
    ("QgsProcessing", "TypeVectorPolygon"): "QgsProcessing.SourceType.TypeVectorPolygon",
    ("QgsProcessing", "TypeVectorAnyGeometry"): "QgsProcessing.SourceType.TypeVectorAnyGeometry",
    ("QgsProcessing", "TypeRaster"): "QgsProcessing.SourceType.TypeRaster",
    ("QgsProcessingParameterNumber", "Double"): "QgsProcessingParameterNumber.Type.Double",
    ("QgsProcessingParameterNumber", "Integer"): "QgsProcessingParameterNumber.Type.Integer",
    (
        "QgsProcessingParameterDefinition",
        "FlagAdvanced",
    ): "QgsProcessingParameterDefinition.Flag.FlagAdvanced",
    (
        "QgsProcessingParameterDefinition",
        "FlagOptional",
    ): "QgsProcessingParameterDefinition.Flag.FlagOptional",
    ("QgsProcessingParameterDefinition", "FlagHidden"): "QgsProcessingParameterDefinition.Flag.FlagHidden",
    ("QgsProcessingParameterFile", "Folder"): "QgsProcessingParameterFile.Behavior.Folder",
    ("QgsProcessingParameterFile", "File"): "QgsProcessingParameterFile.Behavior.File",
    ("QgsProcessingParameterField", "Numeric"): "QgsProcessingParameterField.DataType.Numeric",
    ("QgsProcessingAlgorithm", "FlagNoThreading"): "QgsProcessingAlgorithm.Flag.FlagNoThreading",
    ("QgsFeatureSink", "FastInsert"): "QgsFeatureSink.Flag.FastInsert",
    ("QgsFeatureRequest", "NoGeometry"): "QgsFeatureRequest.Flag.NoGeometry",
    ("Qgis", "Warning"): "Qgis.MessageLevel.Warning",
    ("Qgis", "Critical"): "Qgis.MessageLevel.Critical",
    ("Qgis", "Info"): "Qgis.MessageLevel.Info",
    ("Qgis", "Success"): "Qgis.MessageLevel.Success",
}

NOQA_RE = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z0-9, ]+))?", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    col: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col + 1}: {self.code} {self.message}"


# ----------------------------------------------------------------------------------------------
# enum introspection


def _is_enum_type(obj: object) -> bool:
    """True for a sip enum type (PyQt5/PyQt6 sip) or a Python enum class."""
    if not isinstance(obj, type):
        return False
    if issubclass(obj, enum.Enum):
        return True
    meta = type(obj)
    return meta.__name__ == "enumtype" and meta.__module__ in ("sip", "PyQt5.sip", "PyQt6.sip")


class EnumIntrospector:
    """Answers: is ``Class.Member`` an unscoped enum value, and what is its scoped spelling?"""

    def __init__(self, use_bindings: bool = True) -> None:
        self.available = False
        self._modules: dict[str, object] = {}
        if use_bindings:
            try:
                import importlib

                for name in (
                    "qgis.core",
                    "qgis.gui",
                    "qgis.analysis",
                    "qgis.PyQt.QtCore",
                    "qgis.PyQt.QtGui",
                    "qgis.PyQt.QtWidgets",
                ):
                    try:
                        self._modules[name] = importlib.import_module(name)
                    except Exception:  # noqa: BLE001 - a missing optional module is fine
                        continue
                self.available = "qgis.core" in self._modules
            except Exception:  # noqa: BLE001
                self.available = False
        self._cache: dict[tuple[int, str], str | None] = {}

    def resolve_module_attr(self, module: str, name: str) -> object | None:
        mod = self._modules.get(module)
        if mod is None and self.available and module.startswith(ENUM_MODULE_PREFIXES):
            try:
                import importlib

                mod = importlib.import_module(module)
                self._modules[module] = mod
            except Exception:  # noqa: BLE001
                return None
        return getattr(mod, name, None) if mod is not None else None

    def scoped(self, cls: type, cls_text: str, member: str) -> str | None:
        """Scoped spelling if ``cls.member`` is an unscoped enum value whose scoped form exists here."""
        key = (id(cls), member)
        if key in self._cache:
            found = self._cache[key]
            return None if found is None else f"{cls_text}.{found}"
        result = self._scoped_name(cls, member)
        self._cache[key] = result
        return None if result is None else f"{cls_text}.{result}"

    @staticmethod
    def _scoped_name(cls: type, member: str) -> str | None:
        if _is_enum_type(cls):
            return None  # already Enum.Member
        try:
            value = getattr(cls, member)
        except Exception:  # noqa: BLE001
            return None
        etype = type(value)
        if isinstance(value, type) or not _is_enum_type(etype):
            return None
        # the enum type must be nested in the class (or a base class) under some name E
        for klass in getattr(cls, "__mro__", (cls,)):
            for ename, obj in vars(klass).items():
                if obj is etype and ename != member:
                    try:
                        scoped_value = getattr(getattr(cls, ename), member)
                    except Exception:  # noqa: BLE001
                        continue
                    if scoped_value == value:
                        return f"{ename}.{member}"
        # e.g. a Python enum monkey-patched onto the class under an alias (Qgis.Float32)
        ename = getattr(etype, "__name__", "")
        if ename and getattr(cls, ename, None) is etype:
            try:
                if getattr(etype, member) == value:
                    return f"{ename}.{member}"
            except Exception:  # noqa: BLE001
                return None
        return None


# ----------------------------------------------------------------------------------------------
# the AST visitor


class Checker(ast.NodeVisitor):
    def __init__(self, path: str, source: str, introspector: EnumIntrospector) -> None:
        self.path = path
        self.lines = source.splitlines()
        self.intro = introspector
        self.findings: list[Finding] = []
        # local name -> (module, attribute or None)   e.g. "Qt" -> ("qgis.PyQt.QtCore", "Qt")
        self.imports: dict[str, tuple[str, str | None]] = {}
        self._reported: set[tuple[int, int, str]] = set()

    # -- helpers
    def add(self, node: ast.AST, code: str, **fmt: str) -> None:
        line, col = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
        if code in PER_FILE_ALLOW.get(self.path, ()):
            return
        if self._suppressed(line, code) or (line, col, code) in self._reported:
            return
        self._reported.add((line, col, code))
        self.findings.append(Finding(self.path, line, col, code, RULES[code].format(**fmt)))

    def _suppressed(self, line: int, code: str) -> bool:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        m = NOQA_RE.search(text)
        if not m:
            return False
        codes = m.group("codes")
        if not codes:
            return True
        return code in {c.strip().upper() for c in codes.split(",")}

    # -- imports
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            top = alias.name.split(".")[0]
            if top in QT_BINDINGS:
                self.add(node, "QT601", what=alias.name)
            if alias.name.split(".")[-1] in RESOURCE_MODULES:
                self.add(node, "QT604", what=f"import {alias.name}")
            local = alias.asname or top
            self.imports[local] = (alias.name if alias.asname else top, None)
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        top = module.split(".")[0]
        if node.level == 0 and top in QT_BINDINGS:
            self.add(node, "QT601", what=module)
        if module.split(".")[-1] in RESOURCE_MODULES:
            self.add(node, "QT604", what=f"from {'.' * node.level}{module} import ...")
        for alias in node.names:
            if alias.name in RESOURCE_MODULES:
                self.add(node, "QT604", what=f"from {'.' * node.level}{module} import {alias.name}")
            if alias.name in REGEXP_NAMES:
                self.add(node, "QT603", what=alias.name)
            if alias.name in RESOURCE_SYMBOLS:
                self.add(node, "QT604", what=alias.name)
            if node.level == 0:
                self.imports[alias.asname or alias.name] = (module, alias.name)
        self.generic_visit(node)

    # -- names and attributes
    def visit_Name(self, node: ast.Name) -> None:
        if node.id in REGEXP_NAMES:
            self.add(node, "QT603", what=node.id)
        elif node.id in RESOURCE_SYMBOLS:
            self.add(node, "QT604", what=node.id)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "exec_":
            self.add(func, "QT602")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr == "exec_":
            self.add(node, "QT602")
        elif node.attr in REGEXP_NAMES:
            self.add(node, "QT603", what=node.attr)
        elif node.attr in RESOURCE_SYMBOLS:
            self.add(node, "QT604", what=node.attr)
        self._check_qvariant(node)
        self._check_enum(node)
        self.generic_visit(node)

    @staticmethod
    def _dotted(node: ast.AST) -> str | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            parts.append(node.id)
            return ".".join(reversed(parts))
        return None

    def _check_qvariant(self, node: ast.Attribute) -> None:
        """QVariant.Double, QVariant.Type.Double, QtCore.QVariant.Int ... (not QVariant() / QVariant.Type)."""
        base = self._dotted(node.value)
        if base is None or node.attr == "Type" or not node.attr[:1].isupper():
            return
        names = base.split(".")
        if names[-1] == "QVariant" or names[-2:] == ["QVariant", "Type"]:
            self.add(node, "QT605", what=f"{base}.{node.attr}")

    def _resolve(self, node: ast.AST) -> tuple[object | None, str | None]:
        """Resolve a Name / Attribute chain to a Qt or QGIS object through this file's imports."""
        text = self._dotted(node)
        if text is None:
            return None, None
        first, *rest = text.split(".")
        if first not in self.imports:
            return None, text
        module, attr = self.imports[first]
        if attr is None:  # import qgis.core / from qgis.PyQt import QtCore (module objects)
            if not module.startswith(("qgis", "PyQt")):
                return None, text
            obj: object | None = None
            parts = module.split(".")
            # walk "qgis.core.QgsX" style chains
            try:
                import importlib

                obj = importlib.import_module(parts[0])
                for p in parts[1:] + rest:
                    obj = getattr(obj, p)
            except Exception:  # noqa: BLE001
                return None, text
            return obj, text
        if not module.startswith(ENUM_MODULE_PREFIXES) and not module.startswith(("PyQt5", "PyQt6")):
            return None, text
        obj = self.intro.resolve_module_attr(module, attr)
        if obj is None and module in ("qgis.PyQt", "qgis"):  # from qgis.PyQt import QtCore
            try:
                import importlib

                obj = importlib.import_module(f"{module}.{attr}")
            except Exception:  # noqa: BLE001
                obj = None
        for p in rest:
            if obj is None:
                break
            obj = getattr(obj, p, None)
        return obj, text

    def _check_enum(self, node: ast.Attribute) -> None:
        base_text = self._dotted(node.value)
        if base_text is None:
            return
        if base_text.split(".")[-1] == "QVariant":
            return  # QT605 covers QVariant
        if self.intro.available:
            cls, text = self._resolve(node.value)
            if not isinstance(cls, type) or text is None:
                return
            scoped = self.intro.scoped(cls, text, node.attr)
            if scoped:
                self.add(node, "QT606", what=f"{text}.{node.attr}", scoped=scoped)
            return
        # fallback: static list, by the class's name, for names imported from Qt / QGIS modules
        first = base_text.split(".")[0]
        module = self.imports.get(first, ("", None))[0]
        if not module.startswith(("qgis", "PyQt")):
            return
        key = (base_text.split(".")[-1], node.attr)
        if key in STATIC_UNSCOPED:
            self.add(node, "QT606", what=f"{base_text}.{node.attr}", scoped=STATIC_UNSCOPED[key])


# ----------------------------------------------------------------------------------------------
# driver


def check_source(
    source: str, path: str = "<string>", introspector: EnumIntrospector | None = None
) -> list[Finding]:
    """Check one module's source text; returns the findings sorted by position."""
    intro = introspector or _default_introspector()
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        return [Finding(path, exc.lineno or 1, (exc.offset or 1) - 1, "QT600", f"syntax error: {exc.msg}")]
    checker = Checker(path, source, intro)
    checker.visit(tree)
    return sorted(checker.findings, key=lambda f: (f.line, f.col, f.code))


_INTROSPECTOR: EnumIntrospector | None = None


def _default_introspector() -> EnumIntrospector:
    global _INTROSPECTOR
    if _INTROSPECTOR is None:
        _INTROSPECTOR = EnumIntrospector()
    return _INTROSPECTOR


def _excluded(rel: str) -> bool:
    parts = Path(rel).parts
    return bool(EXCLUDED_PARTS.intersection(parts)) or rel.startswith(EXCLUDED_PREFIXES)


def tracked_files(root: Path = REPO) -> list[Path]:
    try:
        cmd = ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        rels = [r for r in out.split("\0") if r]
    except (OSError, subprocess.CalledProcessError):
        rels = [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()]
    return [root / r for r in sorted(rels) if not _excluded(r) and (root / r).is_file()]


def check_paths(paths: Iterable[Path], root: Path = REPO) -> Iterator[Finding]:
    for path in paths:
        try:
            rel = str(path.resolve().relative_to(root))
        except ValueError:
            rel = str(path)
        if path.suffix == ".qrc":
            yield Finding(rel, 1, 0, "QT604", RULES["QT604"].format(what=".qrc file"))
            continue
        if path.suffix != ".py":
            continue
        source = path.read_text(encoding="utf-8", errors="replace")
        yield from check_source(source, rel)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: tracked files)")
    parser.add_argument("--list-rules", action="store_true", help="print the rules and exit")
    parser.add_argument(
        "--no-bindings", action="store_true", help="do not import QGIS/PyQt: use the built-in list for QT606"
    )
    args = parser.parse_args(argv)
    if args.list_rules:
        for code, text in RULES.items():
            print(code, text.replace("{what}", "...").replace("{scoped}", "Class.Enum.Member"))
        return 0
    global _INTROSPECTOR
    _INTROSPECTOR = EnumIntrospector(use_bindings=not args.no_bindings)
    if args.paths:
        files: list[Path] = []
        for p in args.paths:
            files.extend(
                sorted(q for q in p.rglob("*") if q.suffix in (".py", ".qrc")) if p.is_dir() else [p]
            )
    else:
        files = [p for p in tracked_files() if p.suffix in (".py", ".qrc")]
    findings = list(check_paths(files))
    for f in findings:
        print(f)
    mode = "QGIS bindings" if _INTROSPECTOR.available else "built-in list (QGIS not importable)"
    status = "FAILED" if findings else "ok"
    print(
        f"qt6-check: {len(files)} files, {len(findings)} problems, enums via {mode}: {status}",
        file=sys.stderr,
    )
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
