"""QGIS Processing glue: provider, algorithms, the layer adapter and the compat module."""
