"""vegetation_damage through QGIS Processing (processing.run) and qgis_process on the sample case."""

import json
import subprocess
from pathlib import Path

import pytest
from qgis import processing
from qgis.core import QgsProcessingException, QgsRasterLayer, QgsVectorLayer

from ree_damage.sample_case import generate_sample_case

from .conftest import qgis_process_command, qgis_process_env


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    from ree_damage.core.case import load_case, run
    from ree_damage.core.geo.vector_io import write_frame

    folder = tmp_path_factory.mktemp("case")
    paths = generate_sample_case(folder, include=("vectors", "ortho"))
    loaded = load_case(paths["case_file"])
    zones = run.zones(loaded).zones
    write_frame(folder / "zones.gpkg", zones, layer="zones")
    write_frame(folder / "check_points.gpkg", run.check_points(loaded), layer="check_points")
    gpkg = paths["vectors"]
    return {"ortho": str(paths["ortho"]), "area": f"{gpkg}|layername=case_boundary",
            "zones": str(folder / "zones.gpkg"), "points": str(folder / "check_points.gpkg"),
            "stream": f"{gpkg}|layername=stream"}


def test_vegetation_damage_by_zone_with_accuracy(case, tmp_path, qgis_processing, provider):
    result = processing.run("ree_damage:vegetation_damage", {
        "INPUT": case["ortho"], "CASE_AREA": case["area"], "ZONES": case["zones"],
        "CHECK_POINTS": case["points"], "LABEL_FIELD": "label",
        "OUTPUT": str(tmp_path / "damaged.gpkg"), "SUMMARY": str(tmp_path / "by_zone.csv"),
        "ACCURACY": str(tmp_path / "accuracy.csv"), "INDEX_RASTER": str(tmp_path / "exg.tif"),
    })
    # the same figures as the core test on this data (kappa 0.955 at the case's 400 points)
    assert result["KAPPA"] >= 0.90
    polygons = QgsVectorLayer(result["OUTPUT"], "damaged", "ogr")
    assert polygons.isValid() and polygons.featureCount() > 0
    zones = {f["zone"] for f in polygons.getFeatures()}
    assert {"INJ", "SETL"} <= zones
    total = sum(f["area_m2"] for f in polygons.getFeatures())
    assert total == pytest.approx(result["FOREST_AREA_LOST_M2"], rel=1e-4)
    summary = QgsVectorLayer(result["SUMMARY"], "summary", "ogr")
    case_row = next(f for f in summary.getFeatures() if f["zone"] == "CASE_AREA")
    assert float(case_row["damaged_area_m2"]) == pytest.approx(result["FOREST_AREA_LOST_M2"])
    index = QgsRasterLayer(result["INDEX_RASTER"], "exg")
    assert index.isValid() and index.dataProvider().hasPyramids()
    from ree_damage.core.common.provenance import sha256_file

    mosaic_sha256 = sha256_file(case["ortho"])  # hashed once, on a thread beside the run, for every record
    for path in (result["OUTPUT"], result["INDEX_RASTER"], result["ACCURACY"]):
        record = json.loads(Path(str(path).split("|")[0] + ".provenance.json").read_text(encoding="utf-8"))
        assert record["algorithm"] == "ree_damage:vegetation_damage" and record["outputs"]["kappa"] >= 0.90
        assert record["inputs"]["input"]["sha256"] == mosaic_sha256


def test_otsu_on_an_overview_is_chosen_and_stated(case, tmp_path, qgis_processing, provider):
    every = processing.run("ree_damage:vegetation_damage", {
        "INPUT": case["ortho"], "CASE_AREA": case["area"], "CHECK_POINTS": case["points"],
        "OUTPUT": str(tmp_path / "every.gpkg"),
    })
    result = processing.run("ree_damage:vegetation_damage", {
        "INPUT": case["ortho"], "CASE_AREA": case["area"], "CHECK_POINTS": case["points"], "OTSU_SOURCE": 1,
        "OUTPUT": str(tmp_path / "overview.gpkg"),
    })
    record = json.loads(Path(str(result["OUTPUT"]).split("|")[0] + ".provenance.json").read_text(encoding="utf-8"))
    assert record["parameters"]["otsu_source"] == "overview"
    assert "otsu_histogram" in record["parameters"]
    # the sample case's mosaic is under the reduced reading's 16 Mpx: read whole, the same threshold
    assert result["THRESHOLD_USED"] == every["THRESHOLD_USED"] and result["KAPPA"] == every["KAPPA"]


def test_a_mosaic_away_from_the_case_area_is_refused(case, tmp_path, qgis_processing, provider):
    far = QgsVectorLayer("Polygon?crs=EPSG:4547", "far away", "memory")
    from qgis.core import QgsFeature, QgsGeometry

    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromWkt("POLYGON((300000 2000000, 300100 2000000, 300100 2000100, "
                                            "300000 2000100, 300000 2000000))"))
    far.dataProvider().addFeatures([feature])
    with pytest.raises(QgsProcessingException, match="does not overlap the case area"):
        processing.run("ree_damage:vegetation_damage", {
            "INPUT": case["ortho"], "CASE_AREA": far, "OUTPUT": str(tmp_path / "damaged.gpkg"),
        })
    assert not (tmp_path / "damaged.gpkg").exists()


@pytest.mark.qgis_process
def test_vegetation_damage_headless(case, tmp_path):
    env = qgis_process_env(tmp_path / "home")
    (tmp_path / "home").mkdir()
    run = [*qgis_process_command()]
    enabled = subprocess.run(run + ["plugins", "enable", "ree_damage"], env=env, capture_output=True, text=True,
                             timeout=300)
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    done = subprocess.run(run + ["--json", "run", "ree_damage:vegetation_damage", "--", f"INPUT={case['ortho']}",
                                 f"CASE_AREA={case['area']}", f"ZONES={case['zones']}",
                                 f"CHECK_POINTS={case['points']}", "INDEX=2",
                                 f"OUTPUT={tmp_path / 'damaged.gpkg'}", f"INDEX_RASTER={tmp_path / 'gli.tif'}"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    results = json.loads(done.stdout)["results"]
    assert results["FOREST_AREA_LOST_M2"] > 20000 and results["KAPPA"] >= 0.90
    assert (tmp_path / "gli.tif").is_file() and (tmp_path / "gli.tif.provenance.json").is_file()
