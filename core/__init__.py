"""The science of the plugin: pure Python, never imports QGIS or Qt.

Every public function takes plain data (GeoDataFrames, numpy arrays with their affine
transform, pandas tables), optional ``progress(fraction)`` and ``is_canceled()``
callables, and returns plain data, so it runs the same from QGIS, the CLI or a notebook.
"""

import warnings

__all__ = ["__version__"]

__version__ = "0.1.0"


def _import_shapely_geos_quietly() -> None:
    """geopandas 1.0.1 and pyogrio 0.11.0 (our pins) import ``shapely.geos``, deprecated since
    shapely 2.0 (fixed in geopandas 1.1 and pyogrio 0.11.1), and QGIS shows every
    DeprecationWarning in its log. Imported once here with that one notice silenced, the
    module is cached and never warns again. Remove with those pins."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The 'shapely.geos' module is deprecated", DeprecationWarning)
        try:
            import shapely.geos  # noqa: F401
        except ImportError:  # no shapely: nothing to quiet (the plugin's About box names it missing)
            pass


_import_shapely_geos_quietly()
