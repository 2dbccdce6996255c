"""The chain from the sample case to damage_extent through QGIS Processing and qgis_process."""

import csv
import json
import subprocess

import pytest
from qgis import processing
from qgis.core import QgsProcessingException, QgsRasterLayer, QgsVectorLayer

from ree_damage.sample_case import generate_sample_case

from .conftest import qgis_process_command, qgis_process_env


def _layer(path):
    layer = QgsVectorLayer(path, "t", "ogr")
    assert layer.isValid(), path
    return layer


@pytest.fixture(scope="module")
def chain(tmp_path_factory, qgis_app):
    """sample case -> functional zones -> lab import -> baseline -> interpolate (surface, IDW + kriging)."""
    from ree_damage.processing.algorithms.analysis.baseline import Baseline
    from ree_damage.processing.algorithms.analysis.import_lab_results import ImportLabResults
    from ree_damage.processing.algorithms.analysis.interpolate import Interpolate
    from ree_damage.processing.algorithms.survey_design.functional_zones import FunctionalZones

    out = tmp_path_factory.mktemp("chain")
    paths = generate_sample_case(out / "case", include=("vectors", "dem", "lab"))
    gpkg = paths["vectors"]
    layer = lambda name: f"{gpkg}|layername={name}"  # noqa: E731
    zones = processing.run(FunctionalZones(), {
        "BOUNDARY": layer("case_boundary"), "HOLES": layer("injection_holes"), "POOLS": layer("prep_pools"),
        "DITCHES": layer("collection_ditches"), "PONDS": layer("settling_ponds"), "DEM": str(paths["dem_before"]),
        "OUTPUT": str(out / "zones.gpkg"), "FLOW_CELLS": str(out / "flow_cells.gpkg"),
    })["OUTPUT"]
    lab = processing.run(ImportLabResults(), {
        "SHEET_FILE": str(paths["lab_xlsx"]), "POINTS": layer("sample_points"),
        "CONTROL_POINTS": layer("control_points"), "OUTPUT": str(out / "lab.gpkg"),
    })["OUTPUT"]
    baseline = processing.run(Baseline(), {"LAB_RESULTS": lab, "OUTPUT": str(out / "baseline.gpkg")})["OUTPUT"]
    surface = processing.run("native:extractbyexpression", {
        "INPUT": lab, "EXPRESSION": "depth_cm = 50", "OUTPUT": str(out / "surface.gpkg"),
    })["OUTPUT"]
    processing.run(Interpolate(), {
        "INPUT": surface, "FIELDS": ["Cd", "NH4_N"], "CASE_AREA": layer("case_boundary"), "CELL_SIZE": 4.0,
        "METHODS": [0, 1], "BASELINE": baseline, "OUTPUT_FOLDER": str(out / "rasters"),
    })
    return {"out": out, "zones": zones, "surface": surface, "baseline": baseline, "rasters": str(out / "rasters")}


def test_damage_extent_on_the_sample_case(chain, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.damage.damage_extent import DamageExtent

    result = processing.run(DamageExtent(), {
        "SAMPLES": chain["surface"], "BASELINE": chain["baseline"], "ZONES": chain["zones"],
        "RASTER_FOLDER": chain["rasters"], "MIN_AREA": 16.0, "OUTPUT_FOLDER": str(tmp_path / "damage"),
    })
    areas = _layer(result["OUTPUT_LAYERS"][0])
    assert areas.crs().authid() == "EPSG:4547" and areas.featureCount() > 0
    # areas agree with QGIS's own planar measurement of the same polygons (0.01 %)
    for feature in areas.getFeatures():
        assert feature.geometry().area() == pytest.approx(feature["area_m2"], rel=1e-4)
        assert feature["volume_m3"] == pytest.approx(feature["area_m2"] * 0.5)
    union = _layer(result["OUTPUT_LAYERS"][1])
    assert {f["indicators"] for f in union.getFeatures()} & {"Cd", "NH4_N", "Cd;NH4_N"}
    points = _layer(result["OUTPUT_LAYERS"][2])
    assert points.featureCount() > 0 and "status" in points.fields().names()
    with open(result["SUMMARY"], encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    header = list(rows[0])
    assert header[:9] == ["zone", "depth_layer", "indicator", "method", "unit", "baseline", "samples", "exceedances",
                          "ratio"]
    kriged = [r for r in rows if r["indicator"] == "Cd" and r["method"] == "ok" and r["zone"] == "ALL"]
    assert kriged and float(kriged[0]["area_p95_m2"]) <= float(kriged[0]["area_p80_m2"]) <= float(kriged[0]["area_p50_m2"])
    degree = QgsRasterLayer(str(tmp_path / "damage" / "degree" / "Cd_L0-50_ok_degree.tif"), "k")
    assert degree.isValid()
    for name in ("damaged_areas.gpkg", "damage_summary.csv", "damaged_samples.gpkg", "method_comparison.csv"):
        assert (tmp_path / "damage" / f"{name}.provenance.json").is_file()
    # IDW and kriging side by side: the same figures as the summary's rows of each method
    with open(tmp_path / "damage" / "method_comparison.csv", encoding="utf-8-sig") as handle:
        compared = {(r["zone"], r["indicator"]): r for r in csv.DictReader(handle)}
    idw = [r for r in rows if r["indicator"] == "Cd" and r["method"] == "idw" and r["zone"] == "ALL"][0]
    assert float(compared[("ALL", "Cd")]["area_idw_m2"]) == pytest.approx(float(idw["area_m2"]))
    assert float(compared[("ALL", "Cd")]["area_ok_m2"]) == pytest.approx(float(kriged[0]["area_m2"]))
    # the second round (where P(exceed) is 20-80 % and no sample within 40 m): a point layer when any
    second = tmp_path / "damage" / "second_round_points.gpkg"
    if second.exists():
        proposals = _layer(str(second))
        assert {"point_id", "zone", "uncertainty", "p_exceed"} <= set(proposals.fields().names())


def test_zones_are_needed_with_rasters_and_nothing_is_written(chain, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.damage.damage_extent import DamageExtent

    with pytest.raises(QgsProcessingException, match="zones"):
        processing.run(DamageExtent(), {
            "SAMPLES": chain["surface"], "BASELINE": chain["baseline"], "RASTER_FOLDER": chain["rasters"],
            "OUTPUT_FOLDER": str(tmp_path / "damage"),
        })
    assert not (tmp_path / "damage").exists() or not any((tmp_path / "damage").rglob("*"))


@pytest.mark.qgis_process
def test_damage_extent_headless(chain, tmp_path):
    env = qgis_process_env(tmp_path / "home")
    enabled = subprocess.run(qgis_process_command() + ["plugins", "enable", "ree_damage"], env=env,
                             capture_output=True, text=True, timeout=300)
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    out = tmp_path / "damage"
    run = subprocess.run(qgis_process_command() + [
        "--json", "run", "ree_damage:damage_extent", "--", f"SAMPLES={chain['surface']}",
        f"BASELINE={chain['baseline']}", f"ZONES={chain['zones']}", f"RASTER_FOLDER={chain['rasters']}",
        f"OUTPUT_FOLDER={out}",
    ], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    results = json.loads(run.stdout)["results"]
    for path in results["OUTPUT_LAYERS"]:
        assert _layer(path).featureCount() >= 0
    assert results["SUMMARY"].endswith("damage_summary.csv")
