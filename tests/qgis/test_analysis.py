"""Lab import and baseline through QGIS Processing on the sample case."""

import csv

import pytest
from qgis import processing
from qgis.core import QgsProcessingException, QgsVectorLayer

from ree_damage.resources.sample_case import generate_sample_case


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    paths = generate_sample_case(tmp_path_factory.mktemp("case"), include=("vectors", "lab"))
    gpkg = paths["vectors"]
    return {"points": f"{gpkg}|layername=sample_points", "controls": f"{gpkg}|layername=control_points",
            "xlsx": str(paths["lab_xlsx"]), "csv": str(paths["lab_csv"])}


def _layer(path):
    layer = QgsVectorLayer(path, "t", "ogr")
    assert layer.isValid(), path
    return layer


@pytest.fixture(scope="module")
def imported(case, tmp_path_factory, qgis_app):
    from ree_damage.processing.algorithms.import_lab_results import ImportLabResults

    out = tmp_path_factory.mktemp("lab")
    return processing.run(ImportLabResults(), {
        "SHEET_FILE": case["xlsx"], "POINTS": case["points"], "CONTROL_POINTS": case["controls"],
        "OUTPUT": str(out / "lab.gpkg"), "INDICATORS": str(out / "indicators.csv"),
    })


def test_lab_results_keep_censored_values(imported, case, qgis_processing):
    layer = _layer(imported["OUTPUT"])
    assert layer.crs().authid() == "EPSG:4547"
    features = list(layer.getFeatures())
    with open(case["csv"], encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(features) == len(rows) - 1  # every sheet row, no more
    censored = [f for f in features if f["Cd_flag"] == "<"]
    assert censored, "the sample sheet has Cd below the detection limit"
    assert all(f["Cd"] > 0 for f in censored)  # the detection limit, not a substituted number
    first = next(f for f in features if f["sample_id"] == "PREP-001-50")
    assert first["point_id"] == "PREP-001" and first["depth_cm"] == 50
    assert _layer(imported["INDICATORS"]).featureCount() >= 20


def test_bad_sheet_names_row_and_column_and_writes_nothing(case, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.import_lab_results import ImportLabResults

    with open(case["csv"], encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[3][rows[0].index(next(h for h in rows[0] if h.startswith("Pb")))] = "abc"
    bad = tmp_path / "bad.csv"
    with open(bad, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with pytest.raises(QgsProcessingException, match=r"row 4.*Pb|Pb.*row 4"):
        processing.run(ImportLabResults(), {"SHEET_FILE": str(bad), "POINTS": case["points"],
                                            "CONTROL_POINTS": case["controls"], "OUTPUT": str(tmp_path / "out.gpkg")})
    assert not (tmp_path / "out.gpkg").exists()


def test_baseline_from_controls_and_screening(imported, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.baseline import Baseline

    result = processing.run(Baseline(), {"LAB_RESULTS": imported["OUTPUT"], "SCREENING": 1, "LAND_USE": 3, "PH": 5.0,
                                         "OUTPUT": str(tmp_path / "baseline.gpkg")})
    rows = {f["indicator"]: f for f in _layer(result["OUTPUT"]).getFeatures()}
    assert {"La", "NH4_N", "Cd", "pH"} <= set(rows)
    assert rows["La"]["n"] >= 5 and rows["La"]["baseline"] > 0
    assert (tmp_path / "baseline.gpkg.provenance.json").exists()
