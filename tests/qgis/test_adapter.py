"""The adapter moves features between QGIS and GeoDataFrames for every kind of source."""

import pytest
from qgis import processing
from qgis.core import (
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingAlgorithm,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProject,
    QgsVectorLayer,
)

from ree_damage.processing.adapter import gdf_to_sink, source_to_gdf


class RoundTrip(QgsProcessingAlgorithm):
    """Source -> GeoDataFrame -> sink, nothing else: exercises the adapter only."""

    def name(self):
        return "round_trip"

    def displayName(self):  # noqa: N802
        return "round trip"

    def createInstance(self):  # noqa: N802
        return RoundTrip()

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource("INPUT", "input"))
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", "output"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        source = self.parameterAsSource(parameters, "INPUT", context)
        frame = source_to_gdf(source, "input")
        RoundTrip.seen = frame
        return {"OUTPUT": gdf_to_sink(self, parameters, "OUTPUT", context, frame)}


def _points_layer():
    layer = QgsVectorLayer("Point?crs=EPSG:4326&field=name:string&field=depth:double&field=n:integer", "holes", "memory")
    features = []
    for index, (lon, lat, depth) in enumerate([(115.0, 25.0, 8.5), (115.001, 25.0, None), (115.002, 25.001, 12.0)]):
        feature = QgsFeature(layer.fields())
        feature.setAttributes([f"H{index}", depth, index])
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(lon, lat)))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


@pytest.fixture()
def memory_points(qgis_new_project):
    layer = _points_layer()
    QgsProject.instance().addMapLayer(layer)
    yield layer
    QgsProject.instance().removeMapLayer(layer.id())


def test_memory_layer_round_trip_keeps_crs_attributes_and_nulls(qgis_processing, memory_points, tmp_path):
    result = processing.run(RoundTrip(), {"INPUT": memory_points, "OUTPUT": str(tmp_path / "out.gpkg")})
    frame = RoundTrip.seen
    assert frame.crs.to_epsg() == 4326
    assert list(frame["name"]) == ["H0", "H1", "H2"]
    assert frame["depth"].isna().tolist() == [False, True, False]
    assert frame.geometry.x.tolist() == pytest.approx([115.0, 115.001, 115.002])
    out = QgsVectorLayer(result["OUTPUT"], "out", "ogr")
    assert out.featureCount() == 3 and out.crs().authid() == "EPSG:4326"
    values = [f["depth"] for f in out.getFeatures()]
    assert values[0] == 8.5 and (values[1] is None or str(values[1]) == "NULL")
    assert [f["n"] for f in out.getFeatures()] == [0, 1, 2]


def test_selected_features_only(qgis_processing, memory_points, tmp_path):
    memory_points.selectByIds([f.id() for f in memory_points.getFeatures() if f["name"] == "H2"])
    source = QgsProcessingFeatureSourceDefinition(memory_points.id(), True)
    result = processing.run(RoundTrip(), {"INPUT": source, "OUTPUT": str(tmp_path / "sel.gpkg")})
    assert list(RoundTrip.seen["name"]) == ["H2"]
    assert QgsVectorLayer(result["OUTPUT"], "sel", "ogr").featureCount() == 1


def test_file_layer_in_another_crs(qgis_processing, tmp_path, memory_points):
    path = str(tmp_path / "holes.gpkg")
    saved = processing.run("native:reprojectlayer", {"INPUT": memory_points, "TARGET_CRS": "EPSG:3857", "OUTPUT": path})
    layer = QgsVectorLayer(saved["OUTPUT"], "holes_3857", "ogr")
    assert layer.isValid()
    processing.run(RoundTrip(), {"INPUT": layer, "OUTPUT": "memory:"})
    frame = RoundTrip.seen
    assert frame.crs.to_epsg() == 3857
    back = frame.to_crs(4326)
    assert back.geometry.x.tolist() == pytest.approx([115.0, 115.001, 115.002], abs=1e-9)
