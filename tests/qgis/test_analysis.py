"""Lab import and baseline through QGIS Processing on the sample case."""

import csv

import pytest
from qgis import processing
from qgis.core import QgsProcessingException, QgsVectorLayer

from ree_damage.sample_case import generate_sample_case


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
    from ree_damage.processing.algorithms.analysis.import_lab_results import ImportLabResults

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
    from ree_damage.processing.algorithms.analysis.import_lab_results import ImportLabResults

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
    from ree_damage.processing.algorithms.analysis.baseline import Baseline

    result = processing.run(Baseline(), {"LAB_RESULTS": imported["OUTPUT"], "SCREENING": 1, "LAND_USE": 3, "PH": 5.0,
                                         "OUTPUT": str(tmp_path / "baseline.gpkg")})
    rows = {f["indicator"]: f for f in _layer(result["OUTPUT"]).getFeatures()}
    assert {"La", "NH4_N", "Cd", "pH"} <= set(rows)
    assert rows["La"]["n"] >= 5 and rows["La"]["baseline"] > 0 and rows["La"]["unit"] == "mg/kg"
    assert (tmp_path / "baseline.gpkg.provenance.json").exists()


def test_interpolate_both_methods_masked_with_exceedance(imported, case, tmp_path, qgis_processing):
    from qgis.core import QgsRasterLayer

    from ree_damage.processing.algorithms.analysis.baseline import Baseline
    from ree_damage.processing.algorithms.analysis.interpolate import Interpolate

    baseline = processing.run(Baseline(), {"LAB_RESULTS": imported["OUTPUT"], "OUTPUT": str(tmp_path / "b.gpkg")})
    surface = processing.run("native:extractbyexpression", {
        "INPUT": imported["OUTPUT"], "EXPRESSION": "depth_cm = 50 AND sample_id NOT LIKE 'CTRL%'", "OUTPUT": "memory:",
    })["OUTPUT"]
    assert surface.featureCount() >= 10
    boundary = case["points"].replace("sample_points", "case_boundary")
    result = processing.run(Interpolate(), {
        "INPUT": surface, "FIELDS": ["La", "NH4_N"], "CASE_AREA": boundary, "CELL_SIZE": 5.0, "METHODS": [0, 1],
        "BASELINE": baseline["OUTPUT"], "OUTPUT_FOLDER": str(tmp_path / "interp"),
    })
    names = {p.rsplit("/", 1)[-1] for p in result["OUTPUT_RASTERS"]}
    assert {"La_ok_prediction.tif", "La_ok_variance.tif", "La_ok_exceedance.tif", "La_idw_prediction.tif"} <= names
    raster = QgsRasterLayer(next(p for p in result["OUTPUT_RASTERS"] if p.endswith("La_ok_prediction.tif")), "r")
    assert raster.isValid() and raster.crs().authid() == "EPSG:4547"
    assert raster.dataProvider().sourceHasNoDataValue(1)
    # IDW is a convex combination of the data: it never leaves their range
    values = [f["La"] for f in surface.getFeatures()]
    idw = QgsRasterLayer(next(p for p in result["OUTPUT_RASTERS"] if p.endswith("La_idw_prediction.tif")), "i")
    stats = idw.dataProvider().bandStatistics(1)
    assert min(values) - 1e-3 <= stats.minimumValue <= stats.maximumValue <= max(values) + 1e-3
    # nodata outside the case area: the raster has cells without a value
    assert idw.dataProvider().sourceHasNoDataValue(1) and stats.elementCount < idw.width() * idw.height()
    with open(result["COMPARISON"], encoding="utf-8-sig") as handle:
        comparison = list(csv.DictReader(handle))
    assert {(r["field"], r["method"]) for r in comparison} >= {("La", "ok"), ("La", "idw"), ("NH4_N", "ok")}
    assert (tmp_path / "interp" / "La_ok_prediction.tif.provenance.json").exists()


def test_interpolate_idw_compiled_kernel_inside_qgis(imported, case, tmp_path, qgis_processing, monkeypatch):
    """The numba IDW kernel runs inside QGIS's process (its LLVM beside QGIS's libraries)
    and gives the numpy path's raster."""
    import numpy as np
    import pytest
    import rasterio

    from ree_damage.core.common import kernels
    from ree_damage.processing.algorithms.analysis.interpolate import Interpolate

    if not kernels.AVAILABLE:
        pytest.skip("numba is not installed here: only the numpy path exists")
    surface = processing.run("native:extractbyexpression", {
        "INPUT": imported["OUTPUT"], "EXPRESSION": "depth_cm = 50 AND sample_id NOT LIKE 'CTRL%'", "OUTPUT": "memory:",
    })["OUTPUT"]
    boundary = case["points"].replace("sample_points", "case_boundary")
    calls = []
    real = kernels.idw_lattice
    monkeypatch.setattr(kernels, "idw_lattice", lambda *a: calls.append(1) or real(*a))
    rasters = {}
    for mode in ("always", "0"):
        monkeypatch.setenv("REE_DAMAGE_NUMBA", mode)
        result = processing.run(Interpolate(), {
            "INPUT": surface, "FIELDS": ["La"], "CASE_AREA": boundary, "CELL_SIZE": 2.0, "METHODS": [0],
            "OUTPUT_FOLDER": str(tmp_path / f"interp_{mode}"),
        })
        path = next(p for p in result["OUTPUT_RASTERS"] if p.endswith("La_idw_prediction.tif"))
        with rasterio.open(path) as src:
            rasters[mode] = src.read(1, masked=True)
        if mode == "always":
            assert calls, "the compiled kernel did not run"
    a, b = rasters["always"], rasters["0"]
    assert np.array_equal(a.mask, b.mask)
    # the numpy path weighs in float32: equal to its rounding of the data's magnitude
    assert np.allclose(a.filled(0), b.filled(0), rtol=2e-6, atol=1e-6 * float(np.abs(b).max()))
