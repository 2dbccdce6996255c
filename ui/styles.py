"""Styling of the outputs the case panel loads: the shared QML styles of
``processing/styles.py`` (``resources/styles``), the same ones the Processing runs and the
case project use."""

from __future__ import annotations

from pathlib import Path

from ..processing.styles import apply_style, style_for_name


def apply_output_style(layer, step_key: str) -> bool:
    """Style a layer the panel loaded for step ``step_key``; True when a style was applied.

    The style is the one that fits the layer's name, else its file's stem (``zones`` for
    ``zones.gpkg``); a layer no style fits, or whose geometry the style does not fit, keeps
    QGIS's default style.
    """
    source = Path(layer.source().split("|")[0])
    style = style_for_name(layer.name()) or style_for_name(source.stem)
    if style is None:
        return False
    try:
        apply_style(layer, style)
    except ValueError:
        return False
    return True
