"""Rare-earth damage assessment (ree_damage): the QGIS plugin entry point.

QGIS calls :func:`classFactory`. Nothing here imports QGIS at module level, so the
science in :mod:`ree_damage.core` stays importable on a machine without QGIS.
"""


def classFactory(iface):  # noqa: N802 - name fixed by QGIS
    """Create the plugin for QGIS (called once by the plugin manager)."""
    from .plugin import ReeDamagePlugin

    return ReeDamagePlugin(iface)
