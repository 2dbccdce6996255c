"""The plugin's styles (QML under ``resources/styles``) on the layers its algorithms write.

Three uses, one table of which style fits which output:

- :func:`attach_styles` gives every layer an algorithm asks QGIS to load on completion a
  post-processor that applies its style when QGIS loads it (the Processing dialog, a model,
  ``processing.runAndLoadResults``). :class:`~.base.ReeAlgorithm` calls it after every run.
- :func:`apply_style` styles a layer in hand (the report maps, a project being built); for a
  concentration raster it puts a class break at the indicator's baseline when given one.
- :func:`embed_styles` writes the styles into a GeoPackage's ``layer_styles`` table as each
  layer's default, so any QGIS opens the file styled, with no plugin.

The style of an output is found from the algorithm and output name (``functional_zones`` /
``OUTPUT``), else from the layer's name (``damaged_areas``, ``Cd_ok_prediction``, ...).
"""

from __future__ import annotations

import contextlib
import itertools
import re
import sqlite3
import uuid
from pathlib import Path

from qgis.core import (
    QgsColorRampShader,
    QgsMapLayer,
    QgsProcessingLayerPostProcessorInterface,
    QgsRasterLayer,
    QgsRasterShader,
    QgsSingleBandPseudoColorRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QColor

STYLE_DIR = Path(__file__).resolve().parent.parent / "resources" / "styles"

#: (algorithm name, output name) -> style (a QML file stem under resources/styles)
OUTPUT_STYLES = {
    ("functional_zones", "OUTPUT"): "functional_zones",
    ("functional_zones", "FLOW_CELLS"): "flow_cells",
    ("sampling_grid", "UNITS"): "sampling_units",
    ("sampling_grid", "POINTS"): "sampling_points",
    ("sampling_grid", "CONTROL_UNITS"): "control_units",
    ("sampling_grid", "CONTROL_POINTS"): "control_points",
    ("depth_schedule", "WATER_POINTS"): "water_positions",
    ("vegetation_damage", "OUTPUT"): "vegetation_damage",
    ("vegetation_damage", "INDEX_RASTER"): "vegetation_index",
    ("mined_volume", "CUT_FILL"): "cut_fill",
    ("mined_volume", "CONTOURS"): "dz_contours",
    ("damage_extent", "DAMAGED_AREAS"): "damaged_areas",
    ("damage_extent", "DAMAGED_UNION"): "damaged_union",
    ("damage_extent", "DAMAGED_SAMPLES"): "damaged_samples",
}

#: layer name -> style, for outputs that carry several layers (damage_extent, sample_case, ...)
NAME_STYLES = {
    "zones": "functional_zones",
    "functional_zones": "functional_zones",
    "flow_cells": "flow_cells",
    "sampling_units": "sampling_units",
    "sampling_points": "sampling_points",
    "sample_points": "sampling_points",
    "control_units": "control_units",
    "control_points": "control_points",
    "water_positions": "water_positions",
    "damaged_areas": "damaged_areas",
    "damaged_union": "damaged_union",
    "damaged_samples": "damaged_samples",
    "vegetation_damage": "vegetation_damage",
    "vegetation_index": "vegetation_index",
    "resource_blocks": "resource_blocks",
    "contours": "dz_contours",
    "dz_contours": "dz_contours",
    "cut_fill": "cut_fill",
    "case_boundary": "case_boundary",
    "control_area": "control_area",
    "prep_pools": "prep_pools",
    "settling_ponds": "settling_ponds",
    "collection_ditches": "collection_ditches",
    "injection_holes": "injection_holes",
    "stream": "stream",
    "access_road": "access_road",
    "dem_before": "dem",
    "dem_after": "dem",
}

#: raster file stems by their ending: <field>_<method>_prediction, <field>_L<layer>_<method>_degree, ...
SUFFIX_STYLES = (
    ("_degree", "damage_degree"),
    ("_prediction", "interpolated"),
    ("_exceedance", "exceedance_probability"),
    ("_variance", "kriging_variance"),
)

#: styles whose colour ramp is given on 0..1 and stretched over the layer's own values
_STRETCHED = {"interpolated", "kriging_variance", "dem"}


def style_path(style: str) -> Path:
    """The QML file of ``style``; FileNotFoundError naming the styles there when it has none."""
    path = STYLE_DIR / f"{style}.qml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in STYLE_DIR.glob("*.qml")))
        raise FileNotFoundError(f"no style {style!r} in {STYLE_DIR} (styles: {known})")
    return path


def style_for_name(layer_name: str) -> str | None:
    """The style of a layer from its name (a file stem or GeoPackage layer name); None if none fits."""
    name = re.sub(r"_cgcs2000$", "", layer_name.strip().lower())
    if name in NAME_STYLES:
        return NAME_STYLES[name]
    for suffix, style in SUFFIX_STYLES:
        if name.endswith(suffix):
            return style
    return None


def style_for(algorithm: str, output: str, layer_name: str = "") -> str | None:
    """The style of output ``output`` of algorithm ``algorithm`` (ids without provider)."""
    return OUTPUT_STYLES.get((algorithm, output)) or style_for_name(layer_name)


# ----------------------------------------------------------------------------- applying
def apply_style(layer: QgsMapLayer, style: str, baseline: float | None = None) -> None:
    """Load style ``style`` onto ``layer``; a raster ramp is stretched over the layer's values.

    Parameters
    ----------
    layer : QgsMapLayer
    style : str
        A style name (QML file stem under ``resources/styles``).
    baseline : float, optional
        For the ``interpolated`` style: the indicator's baseline in the raster's unit (mg/kg);
        the ramp becomes classes below (greens) and above (yellow to red) with a break at it.
    """
    message, ok = layer.loadNamedStyle(str(style_path(style)))
    if not ok:
        raise ValueError(f"style {style!r} does not load on layer {layer.name()!r}: {message}")
    if isinstance(layer, QgsRasterLayer):
        if style == "interpolated" and baseline is not None:
            _baseline_classes(layer, float(baseline))
        elif style in _STRETCHED:
            _stretch(layer)
    layer.triggerRepaint()


def _band_range(layer: QgsRasterLayer) -> tuple[float, float]:
    stats = layer.dataProvider().bandStatistics(1)
    return float(stats.minimumValue), float(stats.maximumValue)


def _set_items(layer: QgsRasterLayer, items, kind, low: float, high: float) -> None:
    ramp = QgsColorRampShader(low, high)
    ramp.setColorRampType(kind)
    ramp.setColorRampItemList(items)
    shader = QgsRasterShader(low, high)
    shader.setRasterShaderFunction(ramp)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader)
    renderer.setClassificationMin(low)
    renderer.setClassificationMax(high)
    layer.setRenderer(renderer)


def _stretch(layer: QgsRasterLayer) -> None:
    """The 0..1 ramp of the style laid over the raster's minimum..maximum."""
    renderer = layer.renderer()
    if not isinstance(renderer, QgsSingleBandPseudoColorRenderer):
        return
    function = renderer.shader().rasterShaderFunction()
    low, high = _band_range(layer)
    if not high > low:
        high = low + 1.0
    items = [QgsColorRampShader.ColorRampItem(low + item.value * (high - low), item.color,
                                              _label(item.label, low + item.value * (high - low)))
             for item in function.colorRampItemList()]
    _set_items(layer, items, function.colorRampType(), low, high)


def _label(label: str, value: float) -> str:
    return f"{label} {value:.4g}".strip()


def _baseline_classes(layer: QgsRasterLayer, baseline: float) -> None:
    """Concentration classes with a break at the baseline: two below it, four above."""
    low, high = _band_range(layer)
    below = [(baseline * 0.5, "#1a9850"), (baseline, "#a6d96a")]
    above = [(baseline * 1.2, "#fee08b"), (baseline * 2.0, "#fdae61"), (baseline * 4.0, "#f46d43"),
             (float("inf"), "#a50026")]
    items = []
    previous = None
    for upper, color in below + above:
        if previous is None:
            text = f"≤ {upper:.4g}"
        elif upper == float("inf"):
            text = f"> {previous:.4g}"
        else:
            text = f"{previous:.4g} – {upper:.4g}"
        if upper == baseline:
            text += f"（基线 {baseline:.4g}）"
        elif previous == baseline:
            text += "（超过基线，未达20%）"
        items.append(QgsColorRampShader.ColorRampItem(upper, QColor(color), text))
        previous = upper
    _set_items(layer, items, QgsColorRampShader.Type.Discrete, min(low, baseline * 0.5), max(high, baseline * 4.0))


# ----------------------------------------------------------------------------- on loading
class StylePostProcessor(QgsProcessingLayerPostProcessorInterface):
    """Applies a style to an output layer when QGIS loads it at the end of a run."""

    def __init__(self, style: str):
        super().__init__()
        self.style = style

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 - QGIS API
        try:
            apply_style(layer, self.style)
        except (OSError, ValueError) as exc:  # a layer left unstyled is not a failed run
            if feedback is not None:
                feedback.reportError(str(exc))


# QGIS takes the post-processor over (SIP transfer) but a Python subclass must outlive the
# run on the Python side too, or its methods are gone when QGIS calls them: keep them here.
_KEPT: list = []


def attach_styles(algorithm_name: str, context) -> int:
    """Give each layer to load on completion that has a style (and no post-processor yet) one
    that applies it; return how many were given one."""
    attached = 0
    for layer_id, details in context.layersToLoadOnCompletion().items():
        if details.postProcessor() is not None:
            continue
        name = details.name or Path(str(layer_id).split("|")[0]).stem
        match = re.search(r"layername=([^|]+)", str(layer_id))
        style = style_for(algorithm_name, details.outputName, name)
        if style is None and match:
            style = style_for_name(match.group(1))
        if style is None:
            style = style_for_name(Path(str(layer_id).split("|")[0]).stem)
        if style is None:
            continue
        processor = StylePostProcessor(style)
        _KEPT.append(processor)
        if len(_KEPT) > 500:
            del _KEPT[:250]
        context.layerToLoadOnCompletionDetails(layer_id).setPostProcessor(processor)
        attached += 1
    return attached


# ----------------------------------------------------------------------------- in the GeoPackage
#: the fixed time stamp written into layer_styles, so the same inputs give the same bytes
STYLE_TIME = "2000-01-01T00:00:00.000Z"


def embed_styles(gpkg_path, styles: dict | None = None) -> dict:
    """Write styles into a GeoPackage's ``layer_styles`` table as each layer's default style.

    Parameters
    ----------
    gpkg_path : str or pathlib.Path
        The GeoPackage (changed in place).
    styles : dict of str -> str, optional
        Layer name -> style name; by default every layer whose name has a style
        (:func:`style_for_name`). A layer named here that the file lacks is an error.

    Returns
    -------
    dict of str -> str
        The layers styled, with their style.

    Notes
    -----
    QGIS writes the table (``saveStyleToDatabase``: QML and SLD); its time stamps are then
    set to :data:`STYLE_TIME` and the random parts QGIS >= 3.26 writes are fixed (the symbol
    layer ids become name-based UUIDs; the elevation-profile symbols, which QGIS gives a random
    colour, are drawn in grey), so embedding is byte for byte repeatable. An earlier default
    style of the same layer is replaced.
    """
    path = Path(gpkg_path)
    layer_names = _gpkg_feature_tables(path)
    if styles is None:
        styles = {name: style_for_name(name) for name in layer_names}
        styles = {name: style for name, style in styles.items() if style}
    missing = sorted(set(styles) - set(layer_names))
    if missing:
        raise ValueError(f"{path.name}: no layer {', '.join(missing)} (layers: {', '.join(layer_names)})")
    _delete_styles(path, list(styles))
    for name, style in styles.items():
        layer = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
        if not layer.isValid():
            raise ValueError(f"{path.name}: layer {name!r} does not open")
        apply_style(layer, style)
        fixed_profile_symbols(layer)
        if hasattr(layer, "saveStyleToDatabaseV2"):  # QGIS >= 3.44 deprecates the first form
            _results, error = layer.saveStyleToDatabaseV2(name, f"ree_damage style {style}", True, "")
        else:
            error = layer.saveStyleToDatabase(name, f"ree_damage style {style}", True, "")
        del layer
        if error:
            raise OSError(f"{path.name}: the style of layer {name!r} was not saved: {error}")
    _make_repeatable(path, list(styles))
    return dict(styles)


@contextlib.contextmanager
def _sqlite(path: Path):
    """A connection that commits on success and is closed in every case (``with
    sqlite3.connect()`` alone commits but leaves the file open; Python 3.13 warns of it)."""
    connection = sqlite3.connect(path)
    try:
        with connection:
            yield connection
    finally:
        connection.close()


def _gpkg_feature_tables(path: Path) -> list:
    with _sqlite(path) as connection:
        rows = connection.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features' "
                                  "ORDER BY table_name").fetchall()
    return [row[0] for row in rows]


def _delete_styles(path: Path, layers) -> None:
    with _sqlite(path) as connection:
        if connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'layer_styles'").fetchone():
            connection.executemany("DELETE FROM layer_styles WHERE f_table_name = ?", [(name,) for name in layers])


#: QGIS >= 3.36 gives every symbol layer a random id (for selective masking, which our styles
#: do not use): replaced by ids made from the layer name and the symbol layer's rank
_SYMBOL_LAYER_ID = re.compile(r'(<layer\b[^>]*?\bid=")\{[0-9a-fA-F-]{36}\}(")')
_PROFILE_GREY = "#7f7f7f"


def fixed_profile_symbols(layer) -> None:
    """Fixed elevation-profile symbols (QGIS >= 3.26 draws a random colour on opening a layer)."""
    from qgis.core import QgsFillSymbol, QgsLineSymbol, QgsMarkerSymbol

    properties = layer.elevationProperties() if hasattr(layer, "elevationProperties") else None
    for setter, symbol in (("setProfileLineSymbol", QgsLineSymbol), ("setProfileFillSymbol", QgsFillSymbol),
                           ("setProfileMarkerSymbol", QgsMarkerSymbol)):
        if properties is not None and hasattr(properties, setter):
            getattr(properties, setter)(symbol.createSimple({"color": _PROFILE_GREY, "outline_color": _PROFILE_GREY}))


def _repeatable_qml(table: str, qml: str) -> str:
    counter = itertools.count()
    return _SYMBOL_LAYER_ID.sub(
        lambda match: f"{match.group(1)}{{{uuid.uuid5(uuid.NAMESPACE_URL, f'ree_damage:{table}:{next(counter)}')}}}"
                      f"{match.group(2)}", qml)


def _make_repeatable(path: Path, layers) -> None:
    with _sqlite(path) as connection:
        rows = connection.execute(
            f"SELECT id, f_table_name, styleQML FROM layer_styles WHERE f_table_name IN "
            f"({', '.join('?' * len(layers))})", list(layers)).fetchall() if layers else []
        connection.executemany("UPDATE layer_styles SET styleQML = ? WHERE id = ?",
                               [(_repeatable_qml(table, qml or ""), row_id) for row_id, table, qml in rows])
        connection.execute("UPDATE layer_styles SET update_time = ?", (STYLE_TIME,))
        connection.execute("UPDATE gpkg_contents SET last_change = ? WHERE table_name = 'layer_styles'", (STYLE_TIME,))
