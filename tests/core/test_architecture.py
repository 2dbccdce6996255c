"""The import contract: arrows point down only (DESIGN.md, "Layers").

ui -> processing -> core, and inside core the domain packages -> geo and standards ->
common. The contract is read from the source (every import statement, at any depth of
a function), so a lazy import inside a function cannot slip past it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What each core package may import (besides itself). A package not listed here fails
# the test until its place in the house is decided.
CORE_ALLOWED = {
    "common": set(),
    "geo": {"common"},
    "standards": {"common"},
    "survey": {"common", "geo", "standards"},
    "lab": {"common", "geo", "standards"},
    "interp": {"common", "geo", "standards", "lab"},
    "damage": {"common", "geo", "standards", "survey", "lab", "interp"},
    "terrain": {"common", "geo", "standards", "survey", "lab", "interp"},
    "imagery": {"common", "geo", "standards", "survey"},
    "case": {"common", "geo", "standards", "survey", "lab", "interp", "damage", "terrain", "imagery"},
    # a consumer of the written outputs: reads files, imports only the case-file model
    "report": {"common", "case"},
    "valuation": {"common"},
    "causality": {"common", "geo", "standards", "imagery"},
    "restoration": {"common", "geo", "standards", "survey", "lab", "interp", "damage", "imagery", "causality"},
}
CORE_ALLOWED["case"] = CORE_ALLOWED["case"] | {"valuation"}
# run_case runs the report step: core/case/registry imports core/report inside the step's run
# function only (report imports the case-file model only inside its own functions: no import cycle)
CORE_ALLOWED["case"] = CORE_ALLOWED["case"] | {"report"}

# Top-level packages of the plugin and what they may import.
TOP_ALLOWED = {
    "core": {"core"},
    "sample_case": {"core", "sample_case"},
    "processing": {"core", "sample_case", "processing"},
    "ui": {"core", "processing", "ui"},
}


def _python_files(folder: str):
    return sorted((ROOT / folder).rglob("*.py"))


def _module_parts(path: Path) -> list[str]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imports(path: Path):
    """(absolute dotted target inside ree_damage or None, names, line) per import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_parts(path)
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.startswith("ree_damage"):
                target = node.module.split(".")[1:]
            else:
                continue
            names = [a.name for a in node.names]
            yield target, names, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("ree_damage."):
                    yield alias.name.split(".")[1:], [], node.lineno


def _violations_between_top_packages():
    bad = []
    for top, allowed in TOP_ALLOWED.items():
        for path in _python_files(top):
            for target, _, line in _imports(path):
                if target and target[0] in TOP_ALLOWED and target[0] not in allowed:
                    bad.append(f"{path.relative_to(ROOT)}:{line} imports {'.'.join(target)}")
    return bad


def test_layers_point_down_between_top_level_packages():
    assert _violations_between_top_packages() == []


def _violations_inside_core():
    bad = []
    for path in _python_files("core"):
        parts = _module_parts(path)
        if len(parts) < 2 or path.parent == ROOT / "core":
            continue  # core/__init__.py holds only the version
        own = parts[1]
        assert own in CORE_ALLOWED, f"core/{own} has no place in the import contract (CORE_ALLOWED)"
        for target, _names, line in _imports(path):
            if len(target) < 2 or target[0] != "core":
                continue
            other = target[1]
            if other != own and other not in CORE_ALLOWED[own]:
                bad.append(f"{path.relative_to(ROOT)}:{line} (core/{own}) imports core/{other}")
    return bad


def test_core_packages_point_down():
    assert _violations_inside_core() == []


def test_no_private_name_crosses_a_module_boundary():
    """What two modules share is public: ``from x import _name`` only inside one module."""
    bad = []
    for top in TOP_ALLOWED:
        for path in _python_files(top):
            for target, names, line in _imports(path):
                private = [n for n in names if n.startswith("_") and not n.startswith("__")]
                if private:
                    bad.append(f"{path.relative_to(ROOT)}:{line} imports {private} from {'.'.join(target)}")
    assert bad == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from ..survey.zones import ZoneParams\n", "(core/geo) imports core/survey"),
        ("from ...processing import base\n", "imports processing"),
    ],
)
def test_the_contract_catches_an_upward_import(tmp_path, monkeypatch, source, expected):
    """The checker itself: an upward import planted in a copy of geo is reported."""
    fake = tmp_path / "repo"
    (fake / "core" / "geo").mkdir(parents=True)
    (fake / "core" / "__init__.py").write_text("")
    (fake / "core" / "geo" / "__init__.py").write_text("")
    (fake / "core" / "geo" / "bad.py").write_text(source)
    monkeypatch.setattr(f"{__name__}.ROOT", fake)
    found = _violations_inside_core() + _violations_between_top_packages()
    assert any(expected in text for text in found), found
