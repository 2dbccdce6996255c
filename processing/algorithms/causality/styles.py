"""Styles of the causality and restoration layers, applied when QGIS loads them after a run."""

from __future__ import annotations

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsProcessingLayerPostProcessorInterface,
    QgsRendererCategory,
    QgsSymbol,
)
from qgis.PyQt.QtGui import QColor

PATH_STATUS_COLOURS = {
    "on_path": ("#d7191c", "on a downslope path"),
    "below_path": ("#fdae61", "below a path"),
    "off_path": ("#2c7bb6", "off every path"),
    "outside_dem": ("#999999", "outside the DEM"),
}
REMAINING_COLOURS = {
    "soil": ("#a6611a", "soil beyond a target"),
    "vegetation": ("#dfc27d", "bare ground"),
}
SAMPLE_STATUS_COLOURS = {
    "met": ("#1a9641", "target met"),
    "not_met": ("#d7191c", "target not met"),
    "undecidable": ("#fdae61", "undecidable (detection limit beyond the target)"),
    "missing": ("#999999", "no value"),
}
PATH_SOURCE_COLOURS = {"on_path": ("#d7191c", "path to a point on it"), "below_path": ("#fdae61", "path above a point")}

_KEEP = []  # post-processors must outlive processAlgorithm (QGIS holds no Python reference)


class CategoryStyle(QgsProcessingLayerPostProcessorInterface):
    """A categorised renderer on ``field`` with fixed colours and labels."""

    def __init__(self, field: str, categories: dict):
        super().__init__()
        self.field = field
        self.categories = categories

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 - QGIS API
        categories = []
        for value, (colour, label) in self.categories.items():
            symbol = QgsSymbol.defaultSymbol(layer.geometryType())
            symbol.setColor(QColor(colour))
            categories.append(QgsRendererCategory(value, symbol, label))
        layer.setRenderer(QgsCategorizedSymbolRenderer(self.field, categories))
        layer.triggerRepaint()


def styled(details, field: str, categories: dict):
    """Attach a :class:`CategoryStyle` to ``LayerDetails`` and keep it alive."""
    style = CategoryStyle(field, categories)
    _KEEP.append(style)
    details.setPostProcessor(style)
    return details
