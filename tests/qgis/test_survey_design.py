"""The survey-design chain through QGIS Processing on the sample case."""

import json
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from qgis import processing
from qgis.core import QgsProcessingException, QgsVectorLayer

from ree_damage.sample_case import generate_sample_case


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    paths = generate_sample_case(tmp_path_factory.mktemp("case"), include=("vectors", "dem"))
    gpkg = paths["vectors"]
    return {name: f"{gpkg}|layername={name}" for name in (
        "case_boundary", "injection_holes", "prep_pools", "collection_ditches", "settling_ponds",
        "control_area", "stream", "soil_layers", "sample_points",
    )} | {"dem": str(paths["dem_before"])}


@pytest.fixture(scope="module")
def zones_run(case, tmp_path_factory, qgis_app):
    from ree_damage.processing.algorithms.survey_design.functional_zones import FunctionalZones

    out = tmp_path_factory.mktemp("zones")
    return processing.run(FunctionalZones(), {
        "BOUNDARY": case["case_boundary"], "HOLES": case["injection_holes"], "POOLS": case["prep_pools"],
        "DITCHES": case["collection_ditches"], "PONDS": case["settling_ponds"], "DEM": case["dem"],
        "OUTPUT": str(out / "zones.gpkg"), "FLOW_CELLS": str(out / "flow_cells.gpkg"),
    })


def _layer(path):
    layer = QgsVectorLayer(path, "t", "ogr")
    assert layer.isValid(), path
    return layer


def test_functional_zones(zones_run, case, qgis_processing):
    zones = _layer(zones_run["OUTPUT"])
    assert zones.crs().authid() == "EPSG:4547"
    features = {f["zone"]: f for f in zones.getFeatures()}
    assert set(features) == {"PREP", "INJ", "COLL", "SETL"}
    assert features["INJ"]["name_zh"] == "注孔区"
    for feature in features.values():  # area in m2 as QGIS measures it in the zone CRS
        assert feature["area_m2"] == pytest.approx(feature.geometry().area(), abs=0.005)  # kept to 0.01 m2
    # no overlaps: the union is as large as the sum of the parts (QGIS's own overlay as oracle)
    dissolved = processing.run("native:dissolve", {"INPUT": zones, "OUTPUT": "memory:"})["OUTPUT"]
    union_area = next(dissolved.getFeatures()).geometry().area()
    assert union_area == pytest.approx(sum(f.geometry().area() for f in features.values()), rel=1e-6)
    boundary = _layer(case["case_boundary"])
    outside = processing.run("native:difference", {"INPUT": zones, "OVERLAY": boundary, "OUTPUT": "memory:"})["OUTPUT"]
    assert sum(f.geometry().area() for f in outside.getFeatures()) < 1e-3
    assert _layer(zones_run["FLOW_CELLS"]).featureCount() > 0
    record = json.loads(Path(zones_run["OUTPUT"].split("|")[0] + ".provenance.json").read_text(encoding="utf-8"))
    assert record["crs"] == "EPSG:4547" and record["inputs"]["holes"]["sha256"]


def test_geographic_input_gives_the_same_zones(case, zones_run, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.survey_design.functional_zones import FunctionalZones

    lonlat = {key: processing.run("native:reprojectlayer", {"INPUT": case[key], "TARGET_CRS": "EPSG:4490",
                                                            "OUTPUT": "memory:"})["OUTPUT"]
              for key in ("case_boundary", "injection_holes", "settling_ponds")}
    result = processing.run(FunctionalZones(), {
        "BOUNDARY": lonlat["case_boundary"], "HOLES": lonlat["injection_holes"], "PONDS": lonlat["settling_ponds"],
        "OUTPUT": str(tmp_path / "z.gpkg"), "FLOW_CELLS": None,
    })
    zones = {f["zone"]: f["area_m2"] for f in _layer(result["OUTPUT"]).getFeatures()}
    assert _layer(result["OUTPUT"]).crs().authid() == "EPSG:4547"  # metres, never degrees
    reference = {f["zone"]: f["area_m2"] for f in _layer(zones_run["OUTPUT"]).getFeatures()}
    assert zones["SETL"] == pytest.approx(reference["SETL"], rel=1e-3)


def test_sampling_grid_and_depth_schedule(zones_run, case, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.survey_design.depth_schedule import DepthSchedule
    from ree_damage.processing.algorithms.survey_design.sampling_grid import SamplingGrid

    grid = processing.run(SamplingGrid(), {
        "ZONES": zones_run["OUTPUT"], "HOLES": case["injection_holes"], "POOLS": case["prep_pools"],
        "DITCHES": case["collection_ditches"], "PONDS": case["settling_ponds"], "FLOW_CELLS": zones_run["FLOW_CELLS"],
        "BOUNDARY": case["case_boundary"], "CONTROL_AREA": case["control_area"],
        "UNITS": str(tmp_path / "units.gpkg"), "POINTS": str(tmp_path / "points.gpkg"),
        "CONTROL_UNITS": str(tmp_path / "cunits.gpkg"), "CONTROL_POINTS": str(tmp_path / "cpoints.gpkg"),
        "COMPLIANCE": str(tmp_path / "compliance.csv"),
    })
    units, points = _layer(grid["UNITS"]), _layer(grid["POINTS"])
    assert units.featureCount() == points.featureCount() > 0
    assert max(f.geometry().area() for f in units.getFeatures()) <= 1600 + 1e-6
    ids = [f["point_id"] for f in points.getFeatures()]
    assert len(set(ids)) == len(ids)
    assert all(f["lon_dms"].endswith("E") for f in points.getFeatures())
    statuses = {f["rule_id"]: f["status"] for f in _layer(grid["COMPLIANCE"]).getFeatures()}
    assert statuses and "FAIL" not in statuses.values()

    depth = processing.run(DepthSchedule(), {
        "POINTS": grid["POINTS"], "CONTROL_POINTS": grid["CONTROL_POINTS"], "SOIL_LAYERS": case["soil_layers"],
        "ZONES": zones_run["OUTPUT"], "STREAM": case["stream"], "DEM": case["dem"],
        "SAMPLES": str(tmp_path / "samples.csv"), "WATER_POINTS": str(tmp_path / "water.gpkg"),
        "WORKBOOK": str(tmp_path / "field.xlsx"), "GPX": str(tmp_path / "points.gpx"),
    })
    samples = list(_layer(depth["SAMPLES"]).getFeatures())
    assert len(samples) > points.featureCount()
    assert all(s["sample_id"].startswith(s["point_id"] + "-") for s in samples)
    assert {f["medium"] for f in _layer(depth["WATER_POINTS"]).getFeatures()} == {"groundwater", "surface_water", "sediment"}
    with zipfile.ZipFile(depth["WORKBOOK"]) as workbook:
        assert sum(n.startswith("xl/worksheets/sheet") for n in workbook.namelist()) >= 5
    waypoints = ET.parse(depth["GPX"]).getroot().findall("{http://www.topografix.com/GPX/1/1}wpt")
    assert len(waypoints) == len(ids) + _layer(grid["CONTROL_POINTS"]).featureCount()


def test_a_cell_larger_than_40_m_is_refused_with_the_rule(zones_run, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.survey_design.sampling_grid import SamplingGrid

    with pytest.raises(QgsProcessingException, match="1600"):
        processing.run(SamplingGrid(), {"ZONES": zones_run["OUTPUT"], "CELL_SIZE": 50,
                                        "POINTS": str(tmp_path / "p.gpkg")})
    assert not (tmp_path / "p.gpkg").exists()
