"""The science of the plugin: pure Python, never imports QGIS or Qt.

Every public function takes plain data (GeoDataFrames, numpy arrays with their affine
transform, pandas tables), optional ``progress(fraction)`` and ``is_canceled()``
callables, and returns plain data, so it runs the same from QGIS, the CLI or a notebook.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
