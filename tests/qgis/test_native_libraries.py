"""The plugin's native libraries use the GDAL, PROJ and GEOS that QGIS itself uses.

Inside QGIS's process the system GDAL/PROJ/GEOS are already loaded; Python wheels that
bundle other copies get their symbols mixed with QGIS's (the pyproj and pyogrio wheels
hang on import in qgis_process). requirements.txt builds them against the system.
"""

from osgeo import gdal, osr
from qgis.core import Qgis


def test_rasterio_and_pyogrio_use_qgis_gdal():
    import pyogrio
    import rasterio

    assert rasterio.__gdal_version__ == gdal.__version__
    assert pyogrio.__gdal_version_string__ == gdal.__version__


def test_shapely_uses_qgis_geos():
    import shapely

    assert shapely.geos_version_string.split("-")[0] == Qgis.geosVersion().split("-")[0]


def test_pyproj_uses_qgis_proj():
    import pyproj

    # the PROJ loaded in this process (QgsProjUtils gives the one QGIS was compiled against)
    major, minor = (int(p) for p in pyproj.proj_version_str.split(".")[:2])
    assert (major, minor) == (osr.GetPROJVersionMajor(), osr.GetPROJVersionMinor())
