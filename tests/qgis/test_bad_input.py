"""Bad input through QGIS Processing: help shown as HTML, misspelt parameters, swapped lat/lon."""

import pytest
from qgis import processing
from qgis.core import (
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingException,
    QgsRectangle,
    QgsVectorLayer,
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
