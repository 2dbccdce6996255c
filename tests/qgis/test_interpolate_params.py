"""Issue 17 through Processing: every variogram choice reachable, and the structure fallback stated."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from qgis import processing
from qgis.core import QgsProcessingException

X0, Y0 = 500_000.0, 2_800_000.0


@pytest.fixture(scope="module")
def points(tmp_path_factory):
    """A structured field (``zn``, Meuse-like, positive) and white noise (``noise``) on 120 points."""
    import geopandas as gpd
    from shapely.geometry import Point

    from ree_damage.core.interp.variogram import VariogramModel

    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 1, (120, 2)) * [2800.0, 3900.0]
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    cov = VariogramModel("spherical", 0.59, 897.0, 0.05).covariance(d)
    field = 6.0 + np.linalg.cholesky(cov + 1e-10 * np.eye(120)) @ rng.standard_normal(120)
    frame = gpd.GeoDataFrame(
        {"sample_id": [f"S{i:03d}" for i in range(120)], "zn": np.exp(field), "noise": rng.normal(10.0, 1.0, 120)},
        geometry=[Point(x + X0, y + Y0) for x, y in xy],
        crs="EPSG:4547",
    )
    path = tmp_path_factory.mktemp("points") / "points.gpkg"
    frame.to_file(path, layer="samples", driver="GPKG")
    return f"{path}|layername=samples"


def _rows(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_as_gstat_fixed_variogram_all_points_and_log_outputs(points, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.analysis.interpolate import Interpolate

    out = tmp_path / "gstat"
    result = processing.run(Interpolate(), {
        "INPUT": points, "FIELDS": ["zn"], "CELL_SIZE": 200.0, "METHODS": [1], "LOG_TRANSFORM": True,
        "VARIOGRAM_PRESET": 1, "MODEL": 1, "FIXED_NUGGET": 0.05, "FIXED_PSILL": 0.59, "FIXED_RANGE": 897.0,
        "KRIGING_NEIGHBOURS": 0, "OUTPUT_FOLDER": str(out),
    })
    variograms = _rows(out / "variograms.csv")
    assert len(variograms) == 1  # a given variogram: one candidate, no pure nugget tried
    row = variograms[0]
    assert row["model"] == "spherical" and float(row["range"]) == 897.0 and float(row["nugget"]) == 0.05
    assert row["preset"] == "as gstat" and row["n_lags"] == "15" and row["weights"] == "npairs_h2"
    assert row["range_convention"].startswith("range a")
    assert row["back_transform"].startswith("C* = exp(Y* + sigma^2/2 - m)")
    comparison = _rows(out / "method_comparison.csv")[0]
    assert comparison["method_used"] == "ok" and comparison["structure"] == "found"
    assert "all points" in comparison["settings"] and "as gstat" in comparison["settings"]
    assert any(p.endswith("zn_ok_ln_prediction.tif") for p in result["OUTPUT_RASTERS"])
    assert (out / "zn_ok_ln_prediction.tif.provenance.json").exists()


def test_no_structure_falls_back_to_the_declared_idw_and_says_so(points, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.analysis.interpolate import Interpolate

    out = tmp_path / "noise"
    processing.run(Interpolate(), {
        "INPUT": points, "FIELDS": ["noise"], "CELL_SIZE": 200.0, "METHODS": [0, 1], "IDW_NEIGHBOURS": 0,
        "FALLBACK": 1, "PAIR_WEIGHTS": 3, "N_LAGS": 10, "MIN_PAIRS": 5, "TRUNCATE_NEGATIVE": True,
        "OUTPUT_FOLDER": str(out),
    })
    comparison = {r["method"]: r for r in _rows(out / "method_comparison.csv")}
    assert comparison["idw"]["settings"] == "power 2, all points"
    ok = comparison["ok"]
    assert ok["method_used"] == "idw" and ok["structure"] == "absent" and "INTERP_FALLBACK_IDW" in ok["warnings"]
    variograms = _rows(out / "variograms.csv")
    assert {r["preset"] for r in variograms} == {"custom (from 'default')"}
    assert {r["weights"] for r in variograms} == {"npairs_h2"} and {r["n_lags"] for r in variograms} == {"10"}
    assert "nugget" in {r["model"] for r in variograms}
    cross = [r for r in _rows(out / "cross_validation.csv") if r["method"] == "ok"]
    assert cross and all("INTERP_FALLBACK_IDW" in r["warnings"] for r in cross)
    assert not (out / "noise_ok_variance.tif").exists()  # IDW has no kriging variance


def test_a_zero_fixed_range_is_refused(points, tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.analysis.interpolate import Interpolate

    with pytest.raises(QgsProcessingException, match="range"):
        processing.run(Interpolate(), {
            "INPUT": points, "FIELDS": ["zn"], "CELL_SIZE": 200.0, "METHODS": [1], "MODEL": 1, "FIXED_RANGE": 0.0,
            "OUTPUT_FOLDER": str(tmp_path / "zero"),
        })
