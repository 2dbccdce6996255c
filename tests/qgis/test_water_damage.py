"""water_damage through QGIS Processing on the sample case: per-well exceedance, plume, reach, summary."""

import csv
import json
import subprocess
from pathlib import Path

import pytest
from qgis import processing
from qgis.core import QgsVectorLayer

from ree_damage.sample_case import generate_sample_case

from .conftest import qgis_process_command, qgis_process_env


def _layer(path):
    layer = QgsVectorLayer(str(path), "t", "ogr")
    assert layer.isValid(), path
    return layer


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    out = tmp_path_factory.mktemp("water")
    return generate_sample_case(out / "case", include=("vectors", "water"))


def _params(case, out):
    gpkg = case["vectors"]
    return {
        "POSITIONS": f"{case['water_vectors']}|layername=water_positions",
        "LAB_SHEET": str(case["water_lab"]),
        "STREAM": f"{gpkg}|layername=stream",
        "CASE_AREA": f"{gpkg}|layername=case_boundary",
        "OUTPUT": str(out / "water_samples.gpkg"),
        "PLUME": str(out / "water_plume.gpkg"),
        "REACH": str(out / "water_reach.gpkg"),
        "SUMMARY": str(out / "water_summary.csv"),
    }


def test_water_damage_on_the_sample_case(case, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.damage.water_damage import WaterDamage

    result = processing.run(WaterDamage(), _params(case, tmp_path))
    samples = _layer(result["OUTPUT"])
    assert samples.crs().authid() == "EPSG:4547"
    names = samples.fields().names()
    for column in ("position_id", "medium", "k", "status", "standard_exceeded", "water_class", "rule"):
        assert column in names
    statuses = {(f["position_id"], f["indicator"]): f["status"] for f in samples.getFeatures()}
    assert statuses[("SW-02", "NH4_N")] == "confirmed"  # the discharge section
    plume = _layer(result["PLUME"])
    assert plume.featureCount() > 0
    # plume areas agree with QGIS's own planar measurement of the same polygons (0.01 %)
    for feature in plume.getFeatures():
        assert feature.geometry().area() == pytest.approx(feature["area_m2"], rel=1e-4)
    reach = _layer(result["REACH"])
    lengths = {f["indicator"]: f for f in reach.getFeatures()}
    assert lengths["NH4_N"]["from_id"] == "SW-02"
    assert lengths["NH4_N"].geometry().length() == pytest.approx(lengths["NH4_N"]["length_m"], rel=1e-6)
    with open(result["SUMMARY"], encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:5] == ["medium", "indicator", "confidence", "area_m2", "volume_m3"]
    gw = {int(r["confidence"]): float(r["area_m2"]) for r in rows
          if r["medium"] == "groundwater" and r["indicator"] == "ANY"}
    assert gw[95] <= gw[80] <= gw[50] and gw[50] > 0
    for path in (result["OUTPUT"], result["PLUME"], result["REACH"], result["SUMMARY"]):
        record = json.loads(Path(str(path).split("|")[0] + ".provenance.json").read_text(encoding="utf-8"))
        assert record["algorithm"] == "ree_damage:water_damage"


@pytest.mark.qgis_process
def test_water_damage_in_qgis_process(case, tmp_path):
    env = qgis_process_env(tmp_path / "home")
    enabled = subprocess.run(qgis_process_command() + ["plugins", "enable", "ree_damage"], env=env,
                             capture_output=True, text=True, timeout=300)
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    params = _params(case, tmp_path)
    done = subprocess.run(
        [*qgis_process_command(), "--json", "run", "ree_damage:water_damage", "--",
         *(f"{key}={value}" for key, value in params.items())],
        capture_output=True, text=True, timeout=600, env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    results = json.loads(done.stdout)["results"]
    assert _layer(results["PLUME"]).featureCount() > 0
    assert _layer(results["REACH"]).featureCount() > 0
