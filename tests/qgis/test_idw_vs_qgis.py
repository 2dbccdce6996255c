"""Global IDW of ree_damage.core against QGIS's own qgis:idwinterpolation.

QGIS's IDW (QgsIDWInterpolator through QgsGridFileWriter) uses every point, its
"distance coefficient P" is the power, and it evaluates cell centres; it writes an
Arc/Info ASCII grid whatever the file extension, with 6 significant digits (QString::number),
so the comparison is to 1e-5 relative.
"""

from __future__ import annotations

import numpy as np
import pytest
from qgis import processing
from qgis.core import (
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsVectorFileWriter,
    QgsVectorLayer,
)

from ree_damage.core.geo.raster_io import GridSpec
from ree_damage.core.interp.idw import idw_grid

X0, Y0 = 440_000.0, 2_760_000.0


def _write_points(path, xy, z):
    layer = QgsVectorLayer("Point?crs=EPSG:4547&field=cd:double", "samples", "memory")
    features = []
    for (x, y), v in zip(xy, z):
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(float(x), float(y))))
        f["cd"] = float(v)
        features.append(f)
    layer.dataProvider().addFeatures(features)
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    error = QgsVectorFileWriter.writeAsVectorFormatV3(
        layer, str(path), QgsProject.instance().transformContext(), options
    )
    assert error[0] == QgsVectorFileWriter.WriterError.NoError, error


def _read_grid(path):
    """The raster QGIS wrote (GeoTIFF on 3.40+, its own ASCII grid on 3.22: GDAL reads both)."""
    from osgeo import gdal

    dataset = gdal.Open(str(path))
    return (dataset.RasterXSize, dataset.RasterYSize), dataset.GetRasterBand(1).ReadAsArray().astype(float)


@pytest.mark.parametrize("power", [1.0, 2.0, 3.0])
def test_global_idw_matches_qgis(qgis_processing, tmp_path, power):
    rng = np.random.default_rng(int(power * 10))
    xy = rng.uniform(0, 300, (40, 2)) + [X0, Y0]
    z = rng.lognormal(0.0, 0.5, 40)
    points = tmp_path / "samples.gpkg"
    _write_points(points, xy, z)
    out = tmp_path / "idw.tif"
    processing.run(
        "qgis:idwinterpolation",
        {
            # layer :: value source 0 = attribute :: attribute index (1: after the GPKG fid) :: 0 = points
            "INTERPOLATION_DATA": f"{points}::~::0::~::1::~::0",
            "DISTANCE_COEFFICIENT": power,
            "EXTENT": f"{X0},{X0 + 300},{Y0},{Y0 + 200} [EPSG:4547]",
            "PIXEL_SIZE": 10.0,
            "OUTPUT": str(out),
        },
    )
    size, qgis_values = _read_grid(out)
    assert size == (30, 20)
    grid = GridSpec.from_bounds((X0, Y0, X0 + 300, Y0 + 200), 10.0, "EPSG:4547")
    ours = idw_grid(xy, z, grid, power=power, k=None)
    np.testing.assert_allclose(ours, qgis_values, rtol=1e-5, atol=1e-6)
