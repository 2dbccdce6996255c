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


# ------------------------------------------------- direct GeoPackage == the QGIS sink
class FrameOut(QgsProcessingAlgorithm):
    """Writes the frame in ``FrameOut.frame`` to the sink OUTPUT."""

    frame = None

    def name(self):
        return "frame_out"

    def displayName(self):  # noqa: N802
        return "frame out"

    def createInstance(self):  # noqa: N802
        return FrameOut()

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", "output"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        return {"OUTPUT": gdf_to_sink(self, parameters, "OUTPUT", context, FrameOut.frame, feedback)}


def _layer_content(path):
    """Everything a user sees of a layer: fields and their types, CRS, geometry type and
    column, key column, and every feature's attributes and geometry."""
    import pyogrio

    layer = QgsVectorLayer(path, "out", "ogr")
    assert layer.isValid(), path
    info = pyogrio.read_info(path.split("|")[0])
    fields = [(f.name(), f.typeName(), f.type(), f.subType(), f.length(), f.precision()) for f in layer.fields()]
    features = [(f.attributes(), f.geometry().asWkt(6)) for f in layer.getFeatures()]
    return {"fields": fields, "crs": layer.crs().authid(), "wkb": layer.wkbType(), "features": features,
            "geometry_name": info["geometry_name"], "fid": info["fid_column"], "layers": pyogrio.list_layers(
                path.split("|")[0]).tolist()}


def _both_ways(frame, folder, monkeypatch):
    from ree_damage.processing import adapter

    FrameOut.frame = frame
    (folder / "direct").mkdir()
    (folder / "sink").mkdir()
    direct = processing.run(FrameOut(), {"OUTPUT": str(folder / "direct" / "out.gpkg")})["OUTPUT"]
    with monkeypatch.context() as patch:
        patch.setattr(adapter, "gpkg_ready_frame", lambda *args: None)
        sink = processing.run(FrameOut(), {"OUTPUT": str(folder / "sink" / "out.gpkg")})["OUTPUT"]
    return _layer_content(direct), _layer_content(sink)


def test_direct_geopackage_is_what_the_sink_writes(qgis_processing, tmp_path, monkeypatch):
    import geopandas as gpd
    import numpy as np
    import shapely

    from ree_damage.processing import adapter

    square = shapely.box(0, 0, 40, 40)
    frame = gpd.GeoDataFrame(
        {
            "unit_id": ["INJ-001", None, "INJ-003"],
            "n": np.array([1, 2, 3], dtype=np.int64),
            "n_gaps": [1, None, 3],  # object column of integers with a gap: an integer field
            "area_m2": [1600.0, np.nan, 12.5],
            "partial": [False, True, False],
            "reason_zh": ["注孔", "池边", ""],
        },
        geometry=[square, shapely.MultiPolygon([shapely.box(40, 0, 80, 40), shapely.box(90, 0, 95, 5)]),
                  shapely.box(0, 40, 40, 80)],
        crs="EPSG:4547",
    )
    assert adapter.gpkg_ready_frame(frame, adapter.wkb_type_for(frame)) is not None  # the direct path is taken
    direct, sink = _both_ways(frame, tmp_path, monkeypatch)
    assert direct == sink
    assert direct["crs"] == "EPSG:4547" and len(direct["features"]) == 3
    assert [name for name, *_ in direct["fields"]] == ["fid", "unit_id", "n", "n_gaps", "area_m2", "partial", "reason_zh"]
    assert direct["features"][1][0][1] is None or str(direct["features"][1][0][1]) == "NULL"  # the gap is NULL


def test_direct_geopackage_keeps_values_of_a_frame_with_its_own_index(qgis_processing, tmp_path, monkeypatch):
    """A filtered frame (index 5, 7, 9: e.g. the flow cells taken out of all sources) keeps
    its values on the direct path: they are written by position, not aligned by index."""
    import geopandas as gpd
    import shapely

    from ree_damage.processing import adapter

    frame = gpd.GeoDataFrame(
        {"source_id": ["r1c1", "r1c2", "r2c2"], "weight": [2.0, 3.0, 1.0]},
        geometry=shapely.points([(0, 0), (2, 0), (2, 2)]),
        index=[5, 7, 9],
        crs="EPSG:4547",
    )
    assert adapter.gpkg_ready_frame(frame, adapter.wkb_type_for(frame)) is not None
    direct, sink = _both_ways(frame, tmp_path, monkeypatch)
    assert direct == sink
    assert [feature[0][1:] for feature in direct["features"]] == [["r1c1", 2.0], ["r1c2", 3.0], ["r2c2", 1.0]]


def test_direct_geopackage_of_the_sampling_grid_is_what_the_sink_writes(qgis_processing, tmp_path, monkeypatch):
    """The real outputs: units (polygons, promoted to multi where one is) and points."""
    from ree_damage.processing import adapter
    from ree_damage.processing.algorithms.survey_design.sampling_grid import SamplingGrid
    from ree_damage.sample_case import generate_sample_case

    gpkg = generate_sample_case(tmp_path / "case", include=("vectors",))["vectors"]
    zones = processing.run(_zones_algorithm(), {
        "BOUNDARY": f"{gpkg}|layername=case_boundary", "HOLES": f"{gpkg}|layername=injection_holes",
        "PONDS": f"{gpkg}|layername=settling_ponds", "OUTPUT": str(tmp_path / "zones.gpkg"), "FLOW_CELLS": None,
    })["OUTPUT"]
    parameters = {"ZONES": zones, "HOLES": f"{gpkg}|layername=injection_holes"}
    for way in ("direct", "sink"):
        (tmp_path / way).mkdir()
    direct = processing.run(SamplingGrid(), {**parameters, "UNITS": str(tmp_path / "direct" / "units.gpkg"),
                                             "POINTS": str(tmp_path / "direct" / "points.gpkg")})
    with monkeypatch.context() as patch:
        patch.setattr(adapter, "gpkg_ready_frame", lambda *args: None)
        sink = processing.run(SamplingGrid(), {**parameters, "UNITS": str(tmp_path / "sink" / "units.gpkg"),
                                               "POINTS": str(tmp_path / "sink" / "points.gpkg")})
    for key in ("UNITS", "POINTS"):
        assert _layer_content(direct[key]) == _layer_content(sink[key]), key
    assert len(_layer_content(direct["POINTS"])["features"]) > 10


def _zones_algorithm():
    from ree_damage.processing.algorithms.survey_design.functional_zones import FunctionalZones

    return FunctionalZones()
