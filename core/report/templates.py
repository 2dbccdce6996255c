"""The sentence templates of the report: one TOML file per language under ``resources/report/``.

A template is a TOML table of strings (and lists of strings) with named placeholders
``${name}`` filled by :class:`string.Template` (no attribute access, no code run). A
placeholder left unfilled is an :class:`~ree_damage.core.common.errors.InputError` naming
the template key and the placeholder.
"""

from __future__ import annotations

import string
import sys
from pathlib import Path

from ..common.errors import InputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.9/3.10
    import tomli as tomllib

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "resources" / "report"
LANGUAGES = ("zh", "en")
"""Languages with a template; Chinese first (the report's language)."""


class ReportTemplate:
    """The sentences of one language, looked up by dotted key (``"summary.intro"``)."""

    def __init__(self, doc: dict, path: Path):
        self.doc = doc
        self.path = path
        self.language = doc.get("meta", {}).get("language", "")

    def raw(self, key: str):
        """The template value at ``key`` (a string, a list or a table), unfilled."""
        node = self.doc
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise InputError(f"the report template has no key {key!r}", layer=str(self.path))
            node = node[part]
        return node

    def text(self, key: str, **values) -> str:
        """The sentence at ``key`` with its ``${placeholders}`` filled from ``values``."""
        template = self.raw(key)
        if not isinstance(template, str):
            raise InputError(f"the report template key {key!r} is not a sentence", layer=str(self.path))
        try:
            return string.Template(template).substitute({k: _text(v) for k, v in values.items()})
        except KeyError as error:
            raise InputError(f"the report template key {key!r} needs the value {error.args[0]!r}",
                             layer=str(self.path)) from error
        except ValueError as error:
            raise InputError(f"the report template key {key!r} has a bad placeholder: {error}",
                             layer=str(self.path)) from error

    def list(self, key: str) -> list:
        """The list at ``key`` (table headers, summary rows)."""
        value = self.raw(key)
        if not isinstance(value, list):
            raise InputError(f"the report template key {key!r} is not a list", layer=str(self.path))
        return value

    def zone(self, code: str) -> str:
        """The name of a functional-area code (the code itself when the template has none)."""
        return str(self.doc.get("zones", {}).get(str(code), code))

    def method(self, code: str) -> str:
        """The name of an interpolation method code (``ok``, ``idw``), the code when unknown."""
        return str(self.doc.get("interpolation", {}).get(str(code), code))


def _text(value) -> str:
    return "" if value is None else str(value)


def load_template(language: str = "zh", folder=None) -> ReportTemplate:
    """The template of ``language`` (``"zh"`` or ``"en"``) from ``folder`` (default ``resources/report``).

    Raises
    ------
    InputError
        An unknown language, a missing file or a TOML syntax error, naming the file.
    """
    if language not in LANGUAGES:
        raise InputError(f"the report language is one of {', '.join(LANGUAGES)}, not {language!r}")
    path = Path(folder or TEMPLATE_DIR) / f"report_{language}.toml"
    if not path.is_file():
        raise InputError("report template not found", layer=str(path))
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"not a valid TOML template: {error}", layer=str(path)) from error
    return ReportTemplate(doc, path)
