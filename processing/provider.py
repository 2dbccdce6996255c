"""The Processing provider ``ree_damage``."""

from __future__ import annotations

from qgis.core import QgsProcessingProvider

from ..core import __version__
from .base import plugin_icon, tr


class ReeDamageProvider(QgsProcessingProvider):
    """Rare-earth damage assessment algorithms (稀土生态环境损害鉴定评估)."""

    def id(self):
        return "ree_damage"

    def name(self):
        return tr("Rare-earth damage")

    def longName(self):  # noqa: N802
        return tr("Rare-earth damage assessment (稀土生态环境损害鉴定评估) {0}").format(__version__)

    def icon(self):
        return plugin_icon()

    def versionInfo(self):  # noqa: N802
        return __version__

    def loadAlgorithms(self):  # noqa: N802
        from .algorithms import ALGORITHMS

        for algorithm_class in ALGORITHMS:
            self.addAlgorithm(algorithm_class())
