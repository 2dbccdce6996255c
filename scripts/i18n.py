"""Update resources/i18n/ree_damage_zh_CN.ts from the tr() literals in the code.

Existing translations are kept; new strings are added as unfinished; strings no longer
in the code are marked obsolete. `make setup` compiles .ts to .qm with lrelease.
Usage: python scripts/i18n.py [--check]  (--check: exit 1 if the .ts is out of date)
"""

from __future__ import annotations

import argparse
import ast
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS_FILE = ROOT / "resources" / "i18n" / "ree_damage_zh_CN.ts"
SOURCES = ["plugin.py", "deps.py", "processing", "ui"]
CONTEXT = "ree_damage"
TR_NAMES = {"tr", "_tr"}


def extract() -> list[str]:
    """Every literal passed to tr()/_tr()/self.tr() in the GUI and processing code, in order."""
    found: dict[str, None] = {}
    files = []
    for entry in SOURCES:
        path = ROOT / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if name in TR_NAMES and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.setdefault(first.value, None)
    return list(found)


def read_translations() -> dict[str, str]:
    if not TS_FILE.exists():
        return {}
    tree = ET.parse(TS_FILE)
    out = {}
    for message in tree.iter("message"):
        translation = message.find("translation")
        text = translation.text if translation is not None else None
        if text and (translation.get("type") not in ("unfinished", "obsolete")):
            out[message.findtext("source")] = text
    return out


def render(strings: list[str], translations: dict[str, str]) -> str:
    root = ET.Element("TS", version="2.1", language="zh_CN")
    context = ET.SubElement(root, "context")
    ET.SubElement(context, "name").text = CONTEXT
    for source in strings:
        message = ET.SubElement(context, "message")
        ET.SubElement(message, "source").text = source
        translation = ET.SubElement(message, "translation")
        if source in translations:
            translation.text = translations[source]
        else:
            translation.set("type", "unfinished")
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + ET.tostring(root, encoding="unicode") + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = render(extract(), read_translations())
    if args.check:
        current = TS_FILE.read_text(encoding="utf-8") if TS_FILE.exists() else ""
        if current != text:
            print(f"{TS_FILE} is out of date: run python scripts/i18n.py", file=sys.stderr)
            return 1
        return 0
    TS_FILE.parent.mkdir(parents=True, exist_ok=True)
    TS_FILE.write_text(text, encoding="utf-8")
    print(f"updated {TS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
