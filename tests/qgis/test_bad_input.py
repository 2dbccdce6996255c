"""Bad input through QGIS Processing: help shown as HTML, misspelt parameters, swapped lat/lon."""

import pytest
from qgis import processing
from qgis.core import (
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsRectangle,
    QgsVectorLayer,
    QgsWkbTypes,
)

from ree_damage.processing.algorithms.survey_design.functional_zones import FunctionalZones
from ree_damage.processing.algorithms.survey_design.sampling_grid import SamplingGrid


def test_help_keeps_angle_brackets_as_text(qgis_app):
    help_html = SamplingGrid().shortHelpString()
    assert "&lt;zone&gt;-&lt;nnn&gt;" in help_html
    assert "<zone>" not in help_html
    assert help_html.startswith("<h3>")


def _polygon_layer(rect, crs="EPSG:4490", name="boundary"):
    layer = QgsVectorLayer(f"Polygon?crs={crs}", name, "memory")
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromRect(rect))
    layer.dataProvider().addFeatures([feature])
    return layer


def _point_layer(x, y, crs="EPSG:4490", name="holes"):
    layer = QgsVectorLayer(f"Point?crs={crs}", name, "memory")
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
    layer.dataProvider().addFeatures([feature])
    return layer


def test_misspelt_works_parameter_lists_given_and_expected(qgis_app, qgis_processing, tmp_path):
    boundary = _polygon_layer(QgsRectangle(114.0, 25.0, 114.002, 25.002))
    with pytest.raises(QgsProcessingException) as error:
        processing.run(FunctionalZones(), {"BOUNDARY": boundary, "HOLE": boundary,
                                           "OUTPUT": str(tmp_path / "zones.gpkg")})
    text = str(error.value)
    assert "At least one of HOLES, POOLS, DITCHES, PONDS is required" in text
    assert "Not parameters of this algorithm (misspelt?): HOLE." in text
    assert "Parameters expected: BOUNDARY, HOLES" in text
    assert list(tmp_path.iterdir()) == []


def test_swapped_lat_lon_is_named_before_geometry_work(qgis_app, qgis_processing, tmp_path):
    swapped = _polygon_layer(QgsRectangle(25.0, 114.0, 25.002, 114.002))
    with pytest.raises(QgsProcessingException, match="longitude and latitude look swapped"):
        processing.run(FunctionalZones(), {"BOUNDARY": swapped, "HOLES": _point_layer(25.001, 114.001),
                                           "OUTPUT": str(tmp_path / "zones.gpkg")})
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------- curves, DEM, output folder
X0, Y0 = 500_000.0, 2_766_000.0  # EPSG:4547, about 114 E 25 N


def _curved_geopackage(path):
    """A GeoPackage as QGIS digitises arcs: a CurvePolygon boundary (a circle of radius
    141.42 m), a CompoundCurve ditch (a half circle of radius 50 m and a straight end) and
    points as holes."""
    from osgeo import ogr, osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4547)
    data = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layers = {
        "boundary": (ogr.wkbCurvePolygon,
                     f"CURVEPOLYGON(CIRCULARSTRING({X0} {Y0},{X0 + 200} {Y0 + 200},{X0} {Y0}))"),
        "ditches": (ogr.wkbCompoundCurve,
                    f"COMPOUNDCURVE(CIRCULARSTRING({X0 + 50} {Y0 + 100},{X0 + 100} {Y0 + 150},{X0 + 150} {Y0 + 100}),"
                    f"({X0 + 150} {Y0 + 100},{X0 + 150} {Y0 + 60}))"),
    }
    for name, (kind, wkt) in layers.items():
        layer = data.CreateLayer(name, srs, kind)
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        layer.CreateFeature(feature)
        feature = None
    holes = data.CreateLayer("holes", srs, ogr.wkbPoint)
    holes.CreateField(ogr.FieldDefn("hole_depth_m", ogr.OFTReal))
    feature = ogr.Feature(holes.GetLayerDefn())
    feature.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT({X0 + 60} {Y0 + 60})"))
    feature.SetField("hole_depth_m", 8.0)
    holes.CreateFeature(feature)
    feature = holes = data = None
    return path


def test_curved_boundary_and_ditch_are_segmentized_and_noted(qgis_app, qgis_processing, tmp_path):
    import json

    import pyogrio

    from ree_damage.core.common.provenance import sidecar_path

    source = _curved_geopackage(tmp_path / "works.gpkg")
    messages = []

    class Feedback(QgsProcessingFeedback):
        def pushWarning(self, text):  # noqa: N802 - QGIS API
            messages.append(text)

    out = tmp_path / "zones.gpkg"
    processing.run(FunctionalZones(), {"BOUNDARY": f"{source}|layername=boundary",
                                       "HOLES": f"{source}|layername=holes",
                                       "DITCHES": f"{source}|layername=ditches",
                                       "OUTPUT": str(out)}, feedback=Feedback())
    expected = "curved feature(s) (circular arcs) turned into straight segments at most 0.01 m from the arcs"
    assert any("boundary" in m and expected in m for m in messages), messages
    assert any("ditches" in m and expected in m for m in messages), messages
    notes = json.loads(sidecar_path(out).read_text(encoding="utf-8"))["notes"]
    assert sum(expected in n for n in notes) == 2
    assert len(pyogrio.read_dataframe(out)) > 0


def test_adapter_segmentizes_within_one_centimetre(qgis_app, tmp_path):
    import numpy as np

    from ree_damage.processing.adapter import layer_to_gdf

    source = _curved_geopackage(tmp_path / "works.gpkg")
    frame = layer_to_gdf(QgsVectorLayer(f"{source}|layername=boundary", "boundary", "ogr"))
    assert frame.attrs["curves_segmentized"] == {"layer": "boundary", "ids": [1], "max_deviation_m": 0.01}
    ring = np.asarray(frame.geometry.iloc[0].exterior.coords)
    centre, radius = np.array([X0 + 100, Y0 + 100]), 100 * np.sqrt(2)
    vertices = np.hypot(*(ring - centre).T)
    chord_middles = np.hypot(*((ring[1:] + ring[:-1]) / 2 - centre).T)
    assert np.allclose(vertices, radius, atol=1e-6)  # every vertex on the arc
    assert radius - chord_middles.min() <= 0.01  # no chord further than 1 cm inside it
    # pi r^2 = 62831.9 m2; a polygon within 1 cm of the circle loses at most 2 pi r * 0.01 = 8.9 m2
    assert 62831.85 - 8.9 <= frame.geometry.iloc[0].area <= 62831.86


def _hole_layer(x, y):
    layer = QgsVectorLayer("Point?crs=EPSG:4547&field=hole_depth_m:double", "holes", "memory")
    feature = QgsFeature(layer.fields())
    feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
    feature.setAttributes([8.0])
    layer.dataProvider().addFeatures([feature])
    return layer


def _nodata_dem(path):
    import numpy as np
    import rasterio
    from affine import Affine

    profile = dict(driver="GTiff", width=40, height=40, count=1, dtype="float32", crs="EPSG:4547",
                   transform=Affine(10, 0, X0 - 50, 0, -10, Y0 + 300), nodata=-9999)
    with rasterio.open(path, "w", **profile) as out:
        out.write(np.full((40, 40), -9999, "float32"), 1)
    return path


class _GdalMessages:
    """GDAL's errors and warnings of this thread, and QGIS's message log, while inside."""

    def __enter__(self):
        from osgeo import gdal
        from qgis.core import QgsApplication

        self.seen = []
        self._handler = lambda level, number, text: self.seen.append(text)
        gdal.PushErrorHandler(self._handler)
        self._log = lambda text, tag, level: self.seen.append(f"{tag}: {text}")
        QgsApplication.messageLog().messageReceived.connect(self._log)
        return self

    def __exit__(self, *exc):
        from osgeo import gdal
        from qgis.core import QgsApplication

        gdal.PopErrorHandler()
        QgsApplication.messageLog().messageReceived.disconnect(self._log)

    def statistics_noise(self):
        return [m for m in self.seen if "Failed to compute statistics" in m]


def test_the_capture_sees_gdal_statistics_noise_when_qgis_loads_the_dem(qgis_app, tmp_path):
    from qgis.core import QgsRasterLayer

    dem = _nodata_dem(tmp_path / "dem.tif")
    with _GdalMessages() as log:
        QgsRasterLayer(str(dem), "dem")  # QGIS's renderer asks GDAL for min/max: the noise's cause
    assert log.statistics_noise(), log.seen


def test_all_nodata_dem_gives_one_message_and_no_gdal_noise(qgis_app, qgis_processing, tmp_path):
    dem = _nodata_dem(tmp_path / "dem.tif")
    warnings = []

    class Feedback(QgsProcessingFeedback):
        def pushWarning(self, text):  # noqa: N802 - QGIS API
            warnings.append(text)

    with _GdalMessages() as log:
        processing.run(FunctionalZones(), {"BOUNDARY": _polygon_layer(QgsRectangle(X0, Y0, X0 + 200, Y0 + 200),
                                                                       crs="EPSG:4547"),
                                           "HOLES": _hole_layer(X0 + 50, Y0 + 50),
                                           "DEM": str(dem), "OUTPUT": str(tmp_path / "zones.gpkg")},
                       feedback=Feedback())
    assert log.statistics_noise() == []
    dem_notes = [w for w in warnings if "DEM" in w]
    assert dem_notes == ["the DEM holds no height: every cell is nodata (nodata value -9999): "
                         "the flow-through part of COLL is not mapped"]


def test_output_in_a_missing_folder_names_the_folder(qgis_app, qgis_processing, tmp_path):
    missing = tmp_path / "no such folder"
    with pytest.raises(QgsProcessingException) as error:
        processing.run(FunctionalZones(), {"BOUNDARY": _polygon_layer(QgsRectangle(X0, Y0, X0 + 200, Y0 + 200),
                                                                       crs="EPSG:4547"),
                                           "HOLES": _hole_layer(X0 + 50, Y0 + 50),
                                           "OUTPUT": str(missing / "zones.gpkg")})
    assert f"The folder of output OUTPUT does not exist: {missing}" in str(error.value)
    assert "sqlite3_open" not in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_a_run_leaves_ogr_reading_curves_for_qgis(qgis_app, qgis_processing, tmp_path):
    """pyogrio turns OGR's process-wide curve flag off; after our run QGIS still reads arcs."""
    from osgeo import ogr

    source = _curved_geopackage(tmp_path / "works.gpkg")
    ogr.SetNonLinearGeometriesEnabledFlag(True)  # GDAL's default, as QGIS starts
    processing.run(FunctionalZones(), {"BOUNDARY": f"{source}|layername=boundary",
                                       "HOLES": f"{source}|layername=holes", "OUTPUT": str(tmp_path / "z.gpkg")})
    assert ogr.GetNonLinearGeometriesEnabledFlag()
    layer = QgsVectorLayer(f"{source}|layername=boundary", "boundary", "ogr")
    assert QgsWkbTypes.displayString(next(layer.getFeatures()).geometry().wkbType()) == "CurvePolygon"


@pytest.mark.qgis_process
def test_qgis_process_with_an_all_nodata_dem_prints_no_gdal_noise(tmp_path):
    """The headless path where GDAL's "Failed to compute statistics" reached the user."""
    import subprocess

    from osgeo import ogr, osr

    from .conftest import qgis_process_command, qgis_process_env

    env = qgis_process_env(tmp_path / "home")
    enabled = subprocess.run(qgis_process_command() + ["plugins", "enable", "ree_damage"], env=env,
                             capture_output=True, text=True, timeout=300)
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4547)
    works = tmp_path / "works.gpkg"
    data = ogr.GetDriverByName("GPKG").CreateDataSource(str(works))
    for name, kind, wkt in (("boundary", ogr.wkbPolygon, f"POLYGON(({X0} {Y0},{X0 + 200} {Y0},{X0 + 200} {Y0 + 200},"
                                                          f"{X0} {Y0 + 200},{X0} {Y0}))"),
                            ("holes", ogr.wkbPoint, f"POINT({X0 + 50} {Y0 + 50})")):
        layer = data.CreateLayer(name, srs, kind)
        layer.CreateField(ogr.FieldDefn("hole_depth_m", ogr.OFTReal))
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        feature.SetField("hole_depth_m", 8.0)
        layer.CreateFeature(feature)
        feature = layer = None
    data = None
    dem = _nodata_dem(tmp_path / "dem.tif")
    run = subprocess.run(
        qgis_process_command() + ["run", "ree_damage:functional_zones", "--",
                                  f"BOUNDARY={works}|layername=boundary", f"HOLES={works}|layername=holes",
                                  f"DEM={dem}", f"OUTPUT={tmp_path / 'zones.gpkg'}"],
        env=env, capture_output=True, text=True, timeout=300,
    )
    said = run.stdout + run.stderr
    assert run.returncode == 0, said[-3000:]
    assert "Failed to compute statistics" not in said
    assert "the DEM holds no height: every cell is nodata (nodata value -9999)" in said
