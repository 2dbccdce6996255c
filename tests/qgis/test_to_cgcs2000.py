"""ree_damage:to_cgcs2000 through QGIS Processing, checked against pyproj."""

import json

import pytest
from pyproj import Transformer
from qgis import processing
from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsProcessingException, QgsVectorLayer

from ree_damage.processing.algorithms.tools.to_cgcs2000 import ToCgcs2000


def _layer(uri, name, geometries):
    layer = QgsVectorLayer(uri, name, "memory")
    features = []
    for geometry in geometries:
        feature = QgsFeature(layer.fields())
        feature.setGeometry(geometry)
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


def test_points_and_polygons_land_in_one_zone_with_lonlat(qgis_processing, tmp_path):
    points = _layer("Point?crs=EPSG:4326", "holes", [QgsGeometry.fromPointXY(QgsPointXY(115.0, 25.0))])
    area = _layer(
        "Polygon?crs=EPSG:3857",
        "boundary",
        [QgsGeometry.fromWkt("POLYGON((12801000 2875000, 12802000 2875000, 12802000 2876000, 12801000 2876000, 12801000 2875000))")],
    )
    result = processing.run(ToCgcs2000(), {"LAYERS": [points, area], "OUTPUT_FOLDER": str(tmp_path)})
    assert result["ZONE_CRS"] == "EPSG:4547"
    assert len(result["OUTPUT_LAYERS"]) == 2
    holes = QgsVectorLayer(str(tmp_path / "holes_cgcs2000.gpkg"), "h", "ogr")
    assert holes.isValid() and holes.crs().authid() == "EPSG:4547"
    (feature,) = list(holes.getFeatures())
    x, y = Transformer.from_crs(4490, 4547, always_xy=True).transform(115.0, 25.0)
    point = feature.geometry().asPoint()
    assert (point.x(), point.y()) == pytest.approx((x, y), abs=1e-6)
    assert feature["lon_dms"] == "115°00'00.00\"E" and feature["lat_dms"] == "25°00'00.00\"N"
    assert feature["lon_cgcs2000"] == pytest.approx(115.0)
    boundary = QgsVectorLayer(str(tmp_path / "boundary_cgcs2000.gpkg"), "b", "ogr")
    assert boundary.crs().authid() == "EPSG:4547"
    assert boundary.fields().indexOf("lon_dms") == -1
    record = json.loads((tmp_path / "holes_cgcs2000.gpkg.provenance.json").read_text(encoding="utf-8"))
    assert record["crs"] == "EPSG:4547" and record["software"]["qgis"]


def test_zone_override_and_six_degree(qgis_processing, tmp_path):
    points = _layer("Point?crs=EPSG:4490", "p", [QgsGeometry.fromPointXY(QgsPointXY(115.0, 25.0))])
    six = processing.run(ToCgcs2000(), {"LAYERS": [points], "ZONE_WIDTH": 1, "OUTPUT_FOLDER": str(tmp_path / "six")})
    assert six["ZONE_CRS"] == "EPSG:4509"  # 6-degree zone 20, CM 117E
    forced = processing.run(
        ToCgcs2000(), {"LAYERS": [points], "TARGET_CRS": "EPSG:4546", "OUTPUT_FOLDER": str(tmp_path / "forced")}
    )
    assert forced["ZONE_CRS"] == "EPSG:4546"


def test_layer_without_crs_is_refused_and_nothing_written(qgis_processing, tmp_path):
    raw = _layer("Point?crs=", "raw", [QgsGeometry.fromPointXY(QgsPointXY(1, 2))])
    with pytest.raises(QgsProcessingException, match="no coordinate reference system.*raw"):
        processing.run(ToCgcs2000(), {"LAYERS": [raw], "OUTPUT_FOLDER": str(tmp_path / "out")})
    assert not any((tmp_path / "out").glob("*.gpkg"))


def test_a_target_crs_that_is_not_a_cgcs2000_zone_is_refused(qgis_processing, tmp_path):
    points = _layer("Point?crs=EPSG:4490", "p", [QgsGeometry.fromPointXY(QgsPointXY(115.0, 25.0))])
    with pytest.raises(QgsProcessingException, match="EPSG:3857 is not a CGCS2000 Gauss-Kruger zone"):
        processing.run(ToCgcs2000(), {"LAYERS": [points], "TARGET_CRS": "EPSG:3857", "OUTPUT_FOLDER": str(tmp_path)})
