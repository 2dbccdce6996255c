"""Styling of the outputs the case panel loads: the hook where the project's styles apply.

Until ``processing/styles.py`` (the QML styles under ``resources/styles``, being built in
parallel) is on main, a layer gets the QML file of its name from ``resources/styles`` when
one is there, and QGIS's default style otherwise.
"""

from __future__ import annotations

from pathlib import Path

STYLES_DIR = Path(__file__).resolve().parent.parent / "resources" / "styles"


def apply_output_style(layer, step_key: str) -> bool:
    """Style a layer the panel loaded for step ``step_key``; True when a style was applied.

    The style is ``resources/styles/<file stem>.qml`` (``zones.qml`` for ``zones.gpkg``).
    """
    source = Path(layer.source().split("|")[0])
    qml = STYLES_DIR / f"{source.stem}.qml"
    if not qml.is_file():
        return False
    _message, ok = layer.loadNamedStyle(str(qml))
    if ok:
        layer.triggerRepaint()
    return bool(ok)
