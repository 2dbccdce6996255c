"""Issue 17: weak data get an honest answer, and every variogram choice is reachable.

Kriging always draws a map; these tests check that values without spatial structure
(white noise, a shuffled field, the sample case's Cd) are recognised and replaced by the
declared fallback, that structured data (Meuse-like) keep their kriging unchanged, and
that a given variogram reproduces kriging weights worked out by hand.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from ree_damage.core.geo.raster_io import GridSpec, read_geotiff
from ree_damage.core.interp.interpolation import (
    IDWParams,
    KrigingParams,
    Target,
    interpolate,
)
from ree_damage.core.interp.kriging import LocalKriging
from ree_damage.core.interp.structure import mean_leave_one_out, mean_prediction, permutation_test
from ree_damage.core.interp.variogram import (
    PRESETS,
    RANGE_CONVENTION,
    VariogramModel,
    aic,
    bounds_hit,
    fit_model,
    fit_pure_nugget,
    fit_variogram,
)

X0, Y0 = 500_000.0, 2_800_000.0
CRS = "EPSG:4547"


def _gdf(xy, **cols):
    import geopandas as gpd
    from shapely.geometry import Point

    return gpd.GeoDataFrame(cols, geometry=[Point(*p) for p in xy], crs=CRS)


def _krige(xy, z, cell=100.0, methods=("ok",), **kriging):
    return interpolate(_gdf(xy, v=z), ["v"], Target(cell_size=cell), methods=methods, kriging=KrigingParams(**kriging))


def _white_noise(seed, n=80):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 500, (n, 2)) + [X0, Y0], rng.normal(10.0, 1.0, n)


MEUSE_LOG_ZINC = VariogramModel("spherical", 0.59, 897.0, 0.05)
"""gstat's fitted variogram of log(zinc) on the Meuse data: vgm(0.59, "Sph", 897, 0.05)."""


def _meuse_like(seed, n=155):
    """155 points in a 2.8 km x 3.9 km box (the Meuse data's size) with the field simulated
    from :data:`MEUSE_LOG_ZINC` (mean 6, as log zinc)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 1, (n, 2)) * [2800.0, 3900.0]
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    chol = np.linalg.cholesky(MEUSE_LOG_ZINC.covariance(d) + 1e-10 * np.eye(n))
    return xy + [X0, Y0], 6.0 + chol @ rng.standard_normal(n)


# ----------------------------------------------------------------------------- no structure
@pytest.mark.parametrize("seed", range(5))
def test_white_noise_chooses_the_pure_nugget_or_warns_and_falls_back_to_the_mean(seed):
    xy, z = _white_noise(seed)
    res = _krige(xy, z)
    s = res.surfaces[0]
    codes = {w.code for w in s.warnings if hasattr(w, "code")}
    assert s.variogram.pure_nugget or "INTERP_NO_STRUCTURE_PERMUTATION" in codes
    assert s.method_used == "mean" and s.checks["structure"] == "absent"
    assert "INTERP_FALLBACK_MEAN" in codes
    # the mean with its uncertainty: s^2 (1 + 1/n) everywhere
    inside = np.isfinite(s.prediction)
    assert_allclose(s.prediction[inside], z.mean(), rtol=1e-6)
    assert_allclose(s.variance[inside], z.var(ddof=1) * (1 + 1 / len(z)), rtol=1e-6)
    # the method table and the cross-validation table say so
    row = res.comparison.iloc[0]
    assert row["method_used"] == "mean" and row["structure"] == "absent" and "INTERP_FALLBACK_MEAN" in row["warnings"]
    assert row["variogram"] == ("nugget" if s.variogram.pure_nugget else s.variogram.model.model)
    assert set(res.cross_validation_table()["warnings"]) == {s.warning_codes}
    # and the log
    assert any(getattr(w, "code", "") == "INTERP_FALLBACK_MEAN" for w in res.warnings)


@pytest.mark.parametrize("seed", range(3))
def test_meuse_like_data_have_structure_and_their_shuffle_has_none(seed):
    xy, z = _meuse_like(seed)
    structured = _krige(xy, z).surfaces[0]
    assert structured.method_used == "ok" and structured.checks["structure"] == "found"
    assert structured.checks["p_value"] <= 0.01 and not structured.variogram.pure_nugget
    assert structured.checks["loo_rmse_kriging"] < 0.8 * structured.checks["loo_rmse_mean"]
    assert 400.0 < structured.variogram.model.range < 2000.0  # gstat's 897 m, within sampling error
    assert not [w for w in structured.warnings if getattr(w, "code", "").startswith("INTERP_")]
    shuffled = _krige(xy, np.random.default_rng(100 + seed).permutation(z)).surfaces[0]
    codes = {getattr(w, "code", "") for w in shuffled.warnings}
    assert shuffled.variogram.pure_nugget or "INTERP_NO_STRUCTURE_PERMUTATION" in codes
    assert shuffled.method_used == "mean"


def test_permutation_test_is_seeded_and_counts_its_shuffles():
    xy, z = _meuse_like(0)
    a = permutation_test(xy, z, max_lag=1600.0, seed=3)
    b = permutation_test(xy, z, max_lag=1600.0, seed=3)
    assert a == b and a.p_value == pytest.approx(1 / 500) and a.ratio < 0.6
    assert a.short_lag_m == pytest.approx(400.0) and a.n_pairs > 30
    noise = permutation_test(*_white_noise(0), max_lag=350.0, seed=3)
    assert noise.p_value > 0.05 and noise.ratio == pytest.approx(1.0, abs=0.2)


def test_mean_predictor_by_hand():
    # z = [1, 2, 3, 6]: mean 3, s^2 = (4 + 1 + 0 + 9) / 3 = 14/3; variance 14/3 * 5/4 = 35/6, m = 14/12
    mean, variance, m = mean_prediction([1.0, 2.0, 3.0, 6.0])
    assert (mean, variance, m) == pytest.approx((3.0, 35 / 6, 14 / 12))
    pred, var, lag = mean_leave_one_out([1.0, 2.0, 3.0, 6.0])
    # leaving 6 out: [1, 2, 3], mean 2, s^2 = 1, variance 1 * 4/3, m = 1/3
    assert (pred[3], var[3], lag[3]) == pytest.approx((2.0, 4 / 3, 1 / 3))


def test_the_mean_fallback_is_pure_nugget_kriging_with_every_point():
    """Ordinary kriging with gamma = c for h > 0 and all n points: weights 1/n, variance c (1 + 1/n)."""
    xy, z = _white_noise(1, n=40)
    c = float(np.var(z, ddof=1))
    ok = LocalKriging(xy, z, VariogramModel("spherical", 0.0, 1.0, c), k=40)
    pred, var, mu = ok.predict(xy[:3] + 0.5, want_mu=True)
    mean, variance, m = mean_prediction(z)
    assert_allclose(pred, mean, rtol=1e-10)
    assert_allclose(var, variance, rtol=1e-10)
    assert_allclose(-mu, m, rtol=1e-8)  # PyKrige's mu' = -m


def test_log_run_falling_back_back_transforms_the_mean_and_writes_the_ln_surface(tmp_path):
    xy, z = _white_noise(2)
    y = z / 5.0  # ln C
    res = interpolate(_gdf(xy, v=np.exp(y)), ["v"], Target(cell_size=100.0), methods=("ok",),
                      kriging=KrigingParams(log_transform=True), thresholds={"v": float(np.exp(2.0))})
    s = res.surfaces[0]
    assert s.method_used == "mean"
    note = next(w for w in s.warnings if getattr(w, "code", "") == "INTERP_FALLBACK_MEAN")
    assert "variance of ln C" in note and "ln C" in note.text("zh")
    mean, variance, m = mean_prediction(y)
    inside = np.isfinite(s.prediction)
    assert_allclose(s.log_prediction[inside], mean, rtol=1e-6)
    assert_allclose(s.prediction[inside], np.exp(mean + variance / 2 - m), rtol=1e-6)
    from scipy.stats import norm

    assert_allclose(s.exceedance[inside], norm.sf((2.0 - mean) / np.sqrt(variance)), rtol=1e-5)
    written = res.write(tmp_path)
    ln, _ = read_geotiff(written["v_ok_ln_prediction"])
    assert_allclose(ln[inside], s.log_prediction[inside])
    assert res.comparison.iloc[0]["back_transform"].startswith("C* = exp(Y* + sigma^2/2 - m)")


def test_idw_fallback_is_the_idw_surface_and_says_its_settings():
    xy, z = _white_noise(3)
    res = interpolate(_gdf(xy, v=z), ["v"], Target(cell_size=100.0), methods=("idw", "ok"),
                      idw=IDWParams(power=2.0, k=None), kriging=KrigingParams(fallback="idw"))
    idw, ok = res.surface("v", "idw"), res.surface("v", "ok")
    assert ok.method_used == "idw" and ok.variance is None and ok.exceedance is None
    assert np.array_equal(ok.prediction, idw.prediction, equal_nan=True)
    assert any("power 2, all points" in str(w) for w in ok.warnings)
    table = res.comparison.set_index("method")
    assert table.loc["idw", "settings"] == "power 2, all points"
    assert table.loc["ok", "method_used"] == "idw" and "IDW, power 2, all points" in table.loc["ok", "settings"]


def test_default_idw_neighbourhood_and_power_are_stated():
    assert IDWParams().describe() == "power 2, 12 nearest points [default]"
    assert IDWParams(k=None).describe() == "power 2, all points"
    assert IDWParams(power=3, k=8, radius=50.0).describe() == "power 3, points within 50 m (at most 8)"


def test_structured_data_keep_their_kriging_with_no_warning():
    xy, z = _meuse_like(1)
    res = _krige(xy, z)
    s = res.surfaces[0]
    forced = _krige(xy, z, fallback="none").surfaces[0]  # the fallback rule cannot matter here
    assert np.array_equal(s.prediction, forced.prediction, equal_nan=True)
    assert np.array_equal(s.variance, forced.variance, equal_nan=True)
    table = res.variogram_table()
    chosen = table[table["chosen"]]
    assert len(chosen) == 1 and chosen.iloc[0]["used_for_surface"]
    assert chosen.iloc[0]["range_convention"] == RANGE_CONVENTION[chosen.iloc[0]["model"]]
    assert "nugget" in set(table["model"])  # the pure-nugget candidate is in the table, not chosen


def test_few_samples_and_a_range_beyond_the_extent_are_warned_and_recorded():
    xy, z = _meuse_like(2, n=155)
    few = xy[:25], z[:25]
    res = _krige(*few, fallback="none")
    s = res.surfaces[0]
    codes = s.warning_codes.split(";")
    assert "INTERP_FEW_SAMPLES" in codes
    cv = res.cross_validation_table()
    assert (cv["warnings"] == s.warning_codes).all() and len(cv) == 25
    # a fixed variogram whose range is longer than the samples' extent
    long = _krige(xy, z, model="spherical", fixed_psill=0.59, fixed_range=9000.0, fixed_nugget=0.05)
    assert "INTERP_RANGE_BEYOND_EXTENT" in long.surfaces[0].warning_codes


# ----------------------------------------------------------------------------- the sample case
@pytest.fixture(scope="module")
def sample_case(tmp_path_factory):
    from ree_damage.core.case import load_case, run
    from ree_damage.sample_case import generate_sample_case

    paths = generate_sample_case(tmp_path_factory.mktemp("case"), include=("vectors", "dem", "lab"))
    case = load_case(paths["case_file"])
    lab = run.lab(case)
    return case, lab, run.baseline(case, lab)


def test_sample_case_cd_gets_an_honest_answer(sample_case):
    """Cd at 50 cm: 34 samples; the first lag bin holds 3 pairs at 9.2 m, the first fitted one
    (30 pairs or more) is at 42.3 m, and the Gaussian candidate's range is 3.6 m, shorter than
    both: no structure, so the mean with its uncertainty."""
    from ree_damage.core.case import InterpolationParams, run

    case, lab, baseline = sample_case
    params = InterpolationParams(fields=("Cd",), methods=("ok",), cell_size_m=4.0, depth_cm=50)
    quick = dataclasses.replace(case, parameters=dataclasses.replace(case.parameters, interpolation=params))
    res = run.interpolation(quick, lab, baseline)
    s = res.surface("Cd", "ok")
    gaussian = next(c for c in s.variogram.candidates if c["model"] == "gaussian")
    assert gaussian["range"] == pytest.approx(3.6, abs=0.1)
    assert s.variogram.experimental.lags[0] == pytest.approx(9.2, abs=0.1)
    assert s.variogram.smallest_lag == pytest.approx(42.3, abs=0.1)
    assert s.variogram.pure_nugget and s.method_used == "mean"
    codes = s.warning_codes.split(";")
    assert {"INTERP_PURE_NUGGET", "INTERP_RANGE_BELOW_LAG", "INTERP_FALLBACK_MEAN"} <= set(codes)
    assert s.checks["p_value"] > 0.05
    assert res.comparison.iloc[0]["method_used"] == "mean"
    assert np.nanstd(s.prediction) == pytest.approx(0.0, abs=1e-6)  # no map where the data show none
    assert np.nanmax(s.exceedance) == pytest.approx(np.nanmin(s.exceedance))


# ----------------------------------------------------------------------------- hand-worked kriging
def test_three_point_kriging_weights_worked_by_hand():
    """Ordinary kriging at the origin from P1 (3, 0), P2 (-3, 0), P3 (0, 4), spherical model
    psill 1, range 10 m, nugget 0: gamma(h) = 1.5 h/10 - 0.5 (h/10)^3.

    Distances: target-P1 = target-P2 = 3, target-P3 = 4, P1-P2 = 6, P1-P3 = P2-P3 = 5.
    gamma(3) = 0.45 - 0.0135 = 0.4365; gamma(4) = 0.6 - 0.032 = 0.568;
    gamma(5) = 0.75 - 0.0625 = 0.6875; gamma(6) = 0.9 - 0.108 = 0.792.

    The system Gamma lambda + m 1 = gamma0, sum lambda = 1 (4 x 4)::

        [ 0      0.792  0.6875 1 ] [l1]   [0.4365]
        [ 0.792  0      0.6875 1 ] [l2] = [0.4365]
        [ 0.6875 0.6875 0      1 ] [l3]   [0.568 ]
        [ 1      1      1      0 ] [m ]   [1     ]

    Rows 1 and 2 give l1 = l2 = a (symmetry), l3 = 1 - 2a. Row 1: 0.792 a + 0.6875 (1 - 2a) + m
    = 0.4365, i.e. m - 0.583 a = -0.251. Row 3: 1.375 a + m = 0.568. Subtracting:
    1.958 a = 0.819, a = 819/1958 = 0.418284; l3 = 320/1958 = 0.163432;
    m = 0.568 - 1.375 * 819/1958 = -0.00714045.
    Variance = sum l gamma0 + m = (2 * 819 * 0.4365 + 320 * 0.568 - 1.375 * 819) / 1958 + 0.568
    = -229.378/1958 + 0.568 = 0.450851.
    With z = (1, 3, 10): z* = (819 * 4 + 320 * 10) / 1958 = 6476/1958 = 3.307457.
    """
    xy = np.array([[3.0, 0.0], [-3.0, 0.0], [0.0, 4.0]])
    model = VariogramModel("spherical", 1.0, 10.0, 0.0)
    ok = LocalKriging(xy, np.zeros(3), model, k=3)
    weights = []
    for i in range(3):  # the prediction is linear in z: unit data give the weights
        unit = np.zeros(3)
        unit[i] = 1.0
        weights.append(LocalKriging(xy, unit, model, k=3).predict([[0.0, 0.0]])[0][0])
    assert_allclose(weights, [0.418284, 0.418284, 0.163432], atol=1e-6)
    _, var, mu = ok.predict([[0.0, 0.0]], want_mu=True)
    assert var[0] == pytest.approx(0.450851, abs=1e-6)
    assert -mu[0] == pytest.approx(-0.00714045, abs=1e-8)  # m = -mu' (PyKrige's sign)
    pred, _ = LocalKriging(xy, np.array([1.0, 3.0, 10.0]), model, k=3).predict([[0.0, 0.0]])
    assert pred[0] == pytest.approx(3.307457, abs=1e-6)


# ----------------------------------------------------------------------------- every choice
def test_pure_nugget_fit_by_hand():
    # bins 1, 2, 3 with 10 pairs each: N-weighted level 2; Cressie level sum N g^2 / sum N g = 14/6
    from ree_damage.core.interp.variogram import ExperimentalVariogram

    exp = ExperimentalVariogram(np.array([10.0, 20.0, 30.0]), np.array([1.0, 2.0, 3.0]), np.full(3, 10),
                                np.linspace(0, 30, 4), 30, 30, 30.0)
    assert fit_pure_nugget(exp, weights="npairs", min_pairs=1)[0] == pytest.approx(2.0)
    assert fit_pure_nugget(exp, weights="cressie", min_pairs=1)[0] == pytest.approx(14 / 6)
    # h^-2 weights 1, 1/4, 1/9: (1 + 2/4 + 3/9) / (1 + 1/4 + 1/9) = (66/36) / (49/36) = 66/49
    assert fit_pure_nugget(exp, weights="npairs_h2", min_pairs=1)[0] == pytest.approx(66 / 49)
    assert aic(1.0, 10, 3) - aic(1.0, 10, 1) == pytest.approx(4.0)


def test_fixed_parameters_are_held_and_the_rest_fitted():
    xy, z = _meuse_like(0)
    fit = fit_variogram(xy, z, "spherical", fixed={"nugget": 0.05})
    assert fit.model.nugget == 0.05 and fit.model.psill > 0 and "nugget=max" not in fit.at_bounds
    given = fit_variogram(xy, z, "spherical", fixed={"nugget": 0.05, "psill": 0.59, "range": 897.0})
    assert (given.model.nugget, given.model.psill, given.model.range) == (0.05, 0.59, 897.0)
    assert not given.pure_nugget and [c["model"] for c in given.candidates] == ["spherical"]
    # the same through interpolate: the surface uses exactly that variogram
    res = _krige(xy, z, model="spherical", fixed_nugget=0.05, fixed_psill=0.59, fixed_range=897.0)
    assert res.surfaces[0].parameters["variogram"]["range"] == 897.0
    row = res.variogram_table().iloc[0]
    assert row["range"] == 897.0 and row["model"] == "spherical"


def test_bounds_are_named():
    xy, z = _white_noise(5)
    fit = fit_variogram(xy, z, "exponential", pure_nugget=False)
    exp = fit.experimental
    low = VariogramModel("exponential", 1.0, 0.01 * exp.max_lag, 0.1)
    assert bounds_hit(low, exp) == ["range=min"]
    high = VariogramModel("exponential", 1.0, 2.0 * exp.max_lag, 0.1)
    assert bounds_hit(high, exp) == ["range=max"]
    assert bounds_hit(high, exp, fixed={"range": 1.0}) == []


def test_as_gstat_preset_uses_15_lags_to_a_third_of_the_diagonal_and_nj_over_h2_weights():
    xy, z = _meuse_like(0)
    params = KrigingParams.from_preset("as gstat")
    assert PRESETS["as gstat"] == {"n_lags": 15, "max_lag_fraction": 1 / 3, "weights": "npairs_h2", "min_pairs": 1}
    res = _krige(xy, z, **{k: v for k, v in dataclasses.asdict(params).items() if k != "variogram"})
    fit = res.surfaces[0].variogram
    diagonal = float(np.hypot(*(xy.max(0) - xy.min(0))))
    assert fit.experimental.max_lag == pytest.approx(diagonal / 3)
    assert len(fit.experimental.edges) == 16 and fit.weights == "npairs_h2" and fit.preset == "as gstat"
    table = res.variogram_table()
    assert set(table["preset"]) == {"as gstat"} and set(table["n_lags"]) == {15}


def test_all_points_neighbourhood_is_global_kriging():
    xy, z = _meuse_like(1, n=60)
    model = VariogramModel("spherical", 0.59, 897.0, 0.05)
    res = interpolate(_gdf(xy, v=z), ["v"], Target(cell_size=200.0), methods=("ok",),
                      kriging=KrigingParams(variogram=model, k=None, fallback="none"))
    s = res.surfaces[0]
    grid = res.grid
    gx, gy = np.meshgrid(grid.x_centres(), grid.y_centres())
    cells = np.column_stack([gx.ravel(), gy.ravel()])
    ref, ref_var = LocalKriging(xy, z, model, k=60).predict(cells)
    assert_allclose(s.prediction.ravel(), ref, rtol=1e-5, atol=1e-5)
    assert_allclose(s.variance.ravel(), ref_var, rtol=1e-4, atol=1e-5)
    assert "all points" in res.comparison.iloc[0]["settings"]


def test_outputs_state_the_range_convention_and_the_structure_checks(tmp_path):
    xy, z = _meuse_like(0)
    res = _krige(xy, z)
    written = res.write(tmp_path)
    table = pd.read_csv(written["variograms"])
    assert {"range_convention", "chosen", "aic", "at_bounds", "structure_p_value", "preset"} <= set(table.columns)
    assert table.loc[table["model"] == "exponential", "range_convention"].iloc[0].startswith("practical range")
    comparison = pd.read_csv(written["method_comparison"])
    assert {"method_used", "settings", "structure", "fallback_reasons", "warnings"} <= set(comparison.columns)
    record = json.loads(written["v_ok_prediction"].with_name("v_ok_prediction.tif.provenance.json").read_text())
    checks = record["parameters"]["surface"]["structure_checks"]
    assert checks["structure"] == "found" and checks["n_permutations"] == 499 and checks["permutation_seed"] == 0


def test_unknown_fallback_is_refused():
    from ree_damage.core.common.errors import InputError

    xy, z = _meuse_like(0, n=40)
    with pytest.raises(InputError, match="fallback"):
        _krige(xy, z, fallback="nearest")


def test_fit_model_without_nugget_is_unchanged_by_the_fixed_parameter_path():
    """nugget=False is the nugget held at 0: the same fit as a fixed nugget of 0."""
    xy, z = _meuse_like(2)
    fit = fit_variogram(xy, z, "gaussian", pure_nugget=False)
    a, cost_a = fit_model(fit.experimental, "gaussian", nugget=False)
    b, cost_b = fit_model(fit.experimental, "gaussian", fixed={"nugget": 0.0})
    assert a == b and cost_a == cost_b and a.nugget == 0.0


def test_grid_of_the_fallback_has_the_case_mask():
    xy, z = _white_noise(4)
    from shapely.geometry import box

    area = box(X0 + 100, Y0 + 100, X0 + 400, Y0 + 400)
    grid = GridSpec.from_bounds((X0, Y0, X0 + 500, Y0 + 500), 50.0, CRS)
    res = interpolate(_gdf(xy, v=z), ["v"], Target(grid, case_area=area), methods=("ok",))
    s = res.surfaces[0]
    assert s.method_used == "mean"
    assert np.array_equal(np.isfinite(s.prediction), res.mask) and np.array_equal(np.isfinite(s.variance), res.mask)
