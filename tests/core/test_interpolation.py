"""interpolate: IDW and ordinary kriging against independent implementations.

Oracles: a brute-force numpy IDW (global and k-nearest through scipy's k-d tree) and
PyKrige's OrdinaryKriging with the same variogram and the same neighbours. QGIS's own
IDW is compared in tests/qgis/test_idw_vs_qgis.py.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy.spatial import cKDTree

from ree_damage.core.common.errors import Canceled, InputError
from ree_damage.core.geo.raster_io import GridSpec, read_geotiff
from ree_damage.core.interp.idw import idw_grid, idw_points
from ree_damage.core.interp.interpolation import (
    EXCEEDANCE_ASSUMPTION,
    IDWParams,
    KrigingParams,
    SampleTable,
    Target,
    exceedance_probability,
    interpolate,
    merge_duplicates,
)
from ree_damage.core.interp.kriging import LocalKriging
from ree_damage.core.interp.neighbours import LatticeKNN
from ree_damage.core.interp.variogram import (
    MODELS,
    ExperimentalVariogram,
    VariogramModel,
    fit_model,
    fit_variogram,
)

X0, Y0 = 500_000.0, 2_800_000.0  # CGCS2000 / 3-degree zone 38 (EPSG:4526) like coordinates
CRS = "EPSG:4547"


def _points(n, seed=0, size=500.0):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, size, (n, 2)) + [X0, Y0]
    z = 2.0 + np.sin((xy[:, 0] - X0) / 90.0) + np.cos((xy[:, 1] - Y0) / 120.0) + rng.normal(0, 0.15, n)
    return xy, z


def _grid(cell=10.0, size=500.0):
    return GridSpec.from_bounds((X0, Y0, X0 + size, Y0 + size), cell, CRS)


def _cells(grid):
    gx, gy = np.meshgrid(grid.x_centres(), grid.y_centres())
    return np.column_stack([gx.ravel(), gy.ravel()])


def _gdf(xy, **cols):
    import geopandas as gpd
    from shapely.geometry import Point

    return gpd.GeoDataFrame(cols, geometry=[Point(*p) for p in xy], crs=CRS)


# ----------------------------------------------------------------------------- neighbours
@pytest.mark.parametrize("k", [1, 5, 16])
@pytest.mark.parametrize("cell", [0.7, 4.0, 25.0])
def test_lattice_knn_matches_kdtree(k, cell):
    xy, _ = _points(400, seed=k)
    grid = _grid(cell)
    origin, u, v = grid.lattice()
    search = LatticeKNN(xy, k, origin, u, v, grid.shape)
    tree = cKDTree(xy)
    checked = 0
    for ti, tj in search.chunks()[:3]:
        band = search.band(ti, tj)
        where, idx = search.neighbours(band)
        rows, cols = search.band_cells(band, band.ok)
        inside = (rows < grid.height) & (cols < grid.width)
        _, ref = tree.query(search.cell_xy(rows, cols), k=k)
        ref = ref.reshape(len(rows), k)
        assert np.array_equal(np.sort(idx, 1)[inside], np.sort(ref, 1)[inside])
        checked += inside.sum()
    assert checked > 0


def test_lattice_knn_rotated_lattice():
    xy, _ = _points(300, seed=3)
    m = np.array([[np.cos(0.5), -np.sin(0.5)], [2 * np.sin(0.5), 2 * np.cos(0.5)]])
    adj = xy @ m.T
    grid = _grid(7.0)
    origin, u, v = grid.lattice()
    search = LatticeKNN(adj, 8, m @ origin, m @ u, m @ v, grid.shape)
    assert not search.axis_aligned
    band = search.band(*search.chunks()[0])
    _, idx = search.neighbours(band)
    rows, cols = search.band_cells(band, band.ok)
    _, ref = cKDTree(adj).query(search.cell_xy(rows, cols), k=8)
    assert np.array_equal(np.sort(idx, 1), np.sort(ref, 1))


# ----------------------------------------------------------------------------- IDW
def _brute_idw(xy, z, targets, power, k=None):
    d = np.sqrt(((targets[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    if k is not None:
        part = np.argsort(d, axis=1)[:, :k]
        d = np.take_along_axis(d, part, 1)
        zz = z[part]
    else:
        zz = np.broadcast_to(z, d.shape)
    w = d**-power
    return (w * zz).sum(1) / w.sum(1)


@pytest.mark.parametrize("power", [1.0, 2.0, 3.0])
def test_global_idw_matches_brute_force(power):
    xy, z = _points(60, seed=1)
    grid = _grid(25.0)
    out = idw_grid(xy, z, grid, power=power, k=None)
    ref = _brute_idw(xy, z, _cells(grid), power).reshape(grid.shape)
    assert_allclose(out, ref, rtol=1e-6)


@pytest.mark.parametrize("power", [1.0, 2.0, 2.5])
@pytest.mark.parametrize("workers", [1, 2])
def test_knn_idw_grid_matches_brute_force(power, workers, idw_path):
    xy, z = _points(700, seed=2)
    grid = _grid(2.5)
    out = idw_grid(xy, z, grid, power=power, k=12, workers=workers)
    cells = _cells(grid)
    pick = np.random.default_rng(0).choice(len(cells), 3000, replace=False)
    ref = _brute_idw(xy, z, cells[pick], power, k=12)
    # float32 weights: error within float32 rounding of the data's magnitude
    assert_allclose(out.ravel()[pick], ref, rtol=2e-6, atol=1e-6 * np.abs(z).max())
    assert np.isfinite(out).all()


def test_idw_radius_and_min_points(idw_path):
    xy, z = _points(200, seed=4)
    grid = _grid(20.0)
    out = idw_grid(xy, z, grid, k=None, radius=40.0, min_points=2)
    cells = _cells(grid)
    d = np.sqrt(((cells[:, None] - xy[None]) ** 2).sum(-1))
    inside = d <= 40.0
    w = np.where(inside, d**-2.0, 0.0)
    with np.errstate(invalid="ignore"):
        ref = (w * z).sum(1) / w.sum(1)
    ref[inside.sum(1) < 2] = np.nan
    assert_allclose(out.ravel(), ref, rtol=1e-6, equal_nan=True)
    out_k = idw_grid(xy, z, grid, k=6, radius=40.0)
    pts = idw_points(xy, z, cells, k=6, radius=40.0)
    assert_allclose(out_k.ravel(), pts, rtol=2e-6, atol=1e-6 * np.abs(z).max(), equal_nan=True)


def test_idw_cell_on_a_data_point_takes_its_value(idw_path):
    grid = _grid(10.0, size=100.0)
    cells = _cells(grid)
    xy = cells[[0, 37, 99]]
    z = np.array([1.0, 5.0, 9.0])
    out = idw_grid(xy, z, grid, k=3)
    assert out.ravel()[37] == pytest.approx(5.0)
    assert idw_points(xy, z, xy[1:2], k=None)[0] == pytest.approx(5.0)


def test_idw_leave_one_out():
    xy, z = _points(50, seed=5)
    loo = idw_points(xy, z, xy, k=8, leave_one_out=True)
    for i in (0, 17, 49):
        others = np.delete(np.arange(50), i)
        assert loo[i] == pytest.approx(
            _brute_idw(xy[others], z[others], xy[i : i + 1], 2.0, k=8)[0], rel=1e-12
        )


# ----------------------------------------------------------------------------- kriging
def _pykrige(xy, z, model, targets, k=None):
    from pykrige.ok import OrdinaryKriging

    ok = OrdinaryKriging(
        xy[:, 0],
        xy[:, 1],
        z,
        variogram_model=model.model,
        variogram_parameters=model.pykrige_parameters(),
        anisotropy_scaling=model.anisotropy_scaling,
        anisotropy_angle=model.anisotropy_angle,
    )
    if k is None:
        p, v = ok.execute("points", targets[:, 0], targets[:, 1], backend="vectorized")
    else:
        p, v = ok.execute("points", targets[:, 0], targets[:, 1], backend="loop", n_closest_points=k)
    return np.asarray(p), np.asarray(v)


@pytest.mark.parametrize(
    "model",
    [
        VariogramModel("spherical", 0.8, 220.0, 0.05),
        VariogramModel("exponential", 0.8, 300.0, 0.1),
        VariogramModel("gaussian", 0.8, 180.0, 0.05),
        VariogramModel("exponential", 0.8, 300.0, 0.02, anisotropy_scaling=2.5, anisotropy_angle=35.0),
    ],
    ids=["spherical", "exponential", "gaussian", "anisotropic"],
)
@pytest.mark.parametrize("k", [8, 16])
def test_ordinary_kriging_matches_pykrige(model, k):
    xy, z = _points(300, seed=7)
    targets = np.random.default_rng(1).uniform(0, 500, (800, 2)) + [X0, Y0]
    ok = LocalKriging(xy, z, model, k=k)
    pred, var = ok.predict(targets)
    ref_p, ref_v = _pykrige(xy, z, model, targets, k)
    assert_allclose(pred, ref_p, rtol=1e-6)
    assert_allclose(var, ref_v, rtol=1e-6)


def test_ordinary_kriging_grid_matches_pykrige():
    xy, z = _points(500, seed=8)
    model = VariogramModel("spherical", 0.9, 250.0, 0.08)
    grid = _grid(6.0)
    pred, var = LocalKriging(xy, z, model, k=16).predict_grid(grid, workers=2)
    from pykrige.ok import OrdinaryKriging

    ref = OrdinaryKriging(
        xy[:, 0], xy[:, 1], z, variogram_model="spherical", variogram_parameters=model.pykrige_parameters()
    )
    rp, rv = ref.execute("grid", grid.x_centres(), grid.y_centres()[::-1], backend="C", n_closest_points=16)
    rp, rv = np.asarray(rp)[::-1], np.asarray(rv)[::-1]
    # float32 rasters: compare to float32 precision
    assert_allclose(pred, rp, rtol=1e-6, atol=1e-6)
    assert_allclose(var, rv, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    "model",
    [
        VariogramModel("spherical", 0.9, 250.0, 0.08),
        VariogramModel("exponential", 0.8, 300.0, 0.1),
        VariogramModel("gaussian", 0.8, 180.0, 0.05),
        VariogramModel("exponential", 0.8, 300.0, 0.02, anisotropy_scaling=2.5, anisotropy_angle=35.0),
    ],
    ids=["spherical", "exponential", "gaussian", "anisotropic"],
)
@pytest.mark.parametrize("k", [12, 32])
def test_kriging_grid_paths_match_pykrige(model, k, ok_path):
    xy, z = _points(400, seed=18)
    grid = _grid(8.0)
    mask = np.ones(grid.shape, dtype=bool)
    mask[:5, :7] = False
    pred, var, mu = LocalKriging(xy, z, model, k=k).predict_grid(grid, mask=mask, want_mu=True, workers=2)
    cells = _cells(grid)
    rp, rv = _pykrige(xy, z, model, cells, k)
    inside = mask.ravel()
    assert np.isnan(pred.ravel()[~inside]).all() and np.isnan(mu.ravel()[~inside]).all()
    # float32 rasters: compare to float32 precision
    assert_allclose(pred.ravel()[inside], rp[inside], rtol=1e-6, atol=1e-6)
    assert_allclose(var.ravel()[inside], rv[inside], rtol=1e-5, atol=1e-7)
    ref_mu = LocalKriging(xy, z, model, k=k).predict(cells[inside], want_mu=True)[2]
    assert_allclose(mu.ravel()[inside], ref_mu, rtol=1e-5, atol=1e-7)


def test_global_kriging_matches_pykrige_vectorized():
    xy, z = _points(40, seed=9)
    model = VariogramModel("exponential", 1.0, 200.0, 0.1)
    targets = np.random.default_rng(2).uniform(0, 500, (100, 2)) + [X0, Y0]
    ok = LocalKriging(xy, z, model, k=100)
    pred, var = ok.predict(targets)
    rp, rv = _pykrige(xy, z, model, targets)
    assert_allclose(pred, rp, rtol=1e-8)
    assert_allclose(var, rv, rtol=1e-8)
    grid = _grid(20.0)
    gp, gv = ok.predict_grid(grid)
    rp, rv = _pykrige(xy, z, model, _cells(grid))
    assert_allclose(gp.ravel(), rp, rtol=1e-6)
    assert_allclose(gv.ravel(), rv, rtol=1e-5)


def test_kriging_honours_data_and_leave_one_out_matches_a_refit():
    xy, z = _points(120, seed=10)
    model = VariogramModel("exponential", 1.0, 250.0, 0.1)
    ok = LocalKriging(xy, z, model, k=12)
    p, v = ok.predict(xy[:5])
    assert_allclose(p, z[:5], rtol=1e-12)
    assert_allclose(v, 0.0, atol=1e-12)
    lp, lv = ok.leave_one_out()
    for i in (0, 50, 119):
        others = np.delete(np.arange(120), i)
        rp, rv = LocalKriging(xy[others], z[others], model, k=12).predict(xy[i : i + 1])
        assert lp[i] == pytest.approx(rp[0], rel=1e-10)
        assert lv[i] == pytest.approx(rv[0], rel=1e-10)


# ----------------------------------------------------------------------------- variogram
@pytest.mark.parametrize("name", MODELS)
def test_variogram_fit_recovers_a_known_model(name):
    true = VariogramModel(name, 2.0, 300.0, 0.4)
    lags = np.linspace(20, 600, 15)
    exp = ExperimentalVariogram(
        lags, true.gamma(lags), np.full(15, 500), np.linspace(0, 600, 16), 500, 500, 600.0
    )
    fitted, cost = fit_model(exp, name)
    assert fitted.psill == pytest.approx(2.0, rel=1e-4)
    assert fitted.range == pytest.approx(300.0, rel=1e-4)
    assert fitted.nugget == pytest.approx(0.4, rel=1e-3, abs=1e-4)
    assert cost < 1e-8


def _simulate(model, n, seed):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 2000, (n, 2))
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    cov = model.covariance(d)
    chol = np.linalg.cholesky(cov + 1e-10 * np.eye(n))
    return xy, chol @ rng.standard_normal(n)


def test_variogram_fit_on_a_simulated_field():
    true = VariogramModel("gaussian", 1.0, 500.0, 0.1)
    estimates = []
    for seed in range(4):
        xy, z = _simulate(true, 700, seed)
        fit = fit_variogram(xy, z, "auto", max_lag=1000.0, n_lags=15)
        estimates.append((fit.model.model, fit.model.range, fit.model.sill))
    assert sum(m == "gaussian" for m, _, _ in estimates) >= 3
    ranges = np.array([r for _, r, _ in estimates])
    sills = np.array([s for _, _, s in estimates])
    assert np.median(ranges) == pytest.approx(500.0, rel=0.3)
    assert np.median(sills) == pytest.approx(1.1, rel=0.3)


def test_variogram_plot_is_written(tmp_path):
    xy, z = _points(150, seed=11)
    fit = fit_variogram(xy, z, "spherical")
    from ree_damage.core.interp.variogram import plot_variogram

    out = plot_variogram(fit, tmp_path / "v.png", title="Cd", unit="mg/kg")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ----------------------------------------------------------------------------- interpolate
def test_interpolate_compares_methods_and_writes_outputs(tmp_path):
    from shapely.geometry import box

    xy, z = _points(150, seed=12)
    flags = np.where(z < 1.3, "<", "")
    gdf = _gdf(xy, sample_id=[f"INJ-{i:03d}" for i in range(150)], Cd=z, Cd_flag=flags)
    area = box(X0 + 50, Y0 + 50, X0 + 450, Y0 + 400)
    res = interpolate(
        gdf,
        ["Cd"],
        Target(cell_size=10.0, case_area=area),
        methods=("idw", "ok"),
        thresholds=pd.DataFrame({"indicator": ["Cd"], "baseline": [2.5]}),
        samples=SampleTable(id_field="sample_id", units={"Cd": "mg/kg"}),
    )
    assert set(res.comparison["method"]) == {"idw", "ok"}
    assert res.comparison["best"].sum() == 1
    ok = res.surface("Cd", "ok")
    assert ok.cross_validation.n == 150 and np.isfinite(ok.cross_validation.msse)
    assert ok.parameters["n_censored"] == int((flags == "<").sum())
    assert any("replaced by dl/2" in w for w in res.warnings)
    assert np.isnan(ok.prediction[~res.mask]).all() and np.isfinite(ok.prediction[res.mask]).all()
    assert ((ok.exceedance[res.mask] >= 0) & (ok.exceedance[res.mask] <= 1)).all()
    paths = res.write(tmp_path, inputs={"lab": {"note": "in memory"}})
    import rasterio

    with rasterio.open(paths["Cd_ok_prediction"]) as src:
        assert src.crs.to_epsg() == 4547
        assert src.profile["tiled"] and src.profile["compress"] == "deflate"
        assert src.nodata == -9999.0
        data = src.read(1)
        assert (data[~res.mask] == -9999.0).all()
        assert "prediction" in src.descriptions[0]
    arr, g = read_geotiff(paths["Cd_ok_exceedance"])
    assert g == res.grid
    record = json.loads((tmp_path / "Cd_ok_exceedance.tif.provenance.json").read_text())
    assert record["parameters"]["surface"]["exceedance_assumption"] == EXCEEDANCE_ASSUMPTION
    assert record["parameters"]["surface"]["censored_rule"] == "dl/2"
    table = pd.read_csv(paths["method_comparison"])
    assert list(table["method"]) == ["idw", "ok"]
    assert (tmp_path / "Cd_ok_variogram.png").exists()
    assert (tmp_path / "cross_validation.csv.provenance.json").exists()


def test_failed_write_leaves_nothing(tmp_path, monkeypatch):
    xy, z = _points(30, seed=13)
    res = interpolate(_gdf(xy, Cd=z), ["Cd"], Target(cell_size=25.0), methods=("ok",))
    import ree_damage.core.geo.raster_io as rio

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(rio, "write_geotiffs", boom)
    with pytest.raises(OSError):
        res.write(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_batch_over_fields_and_layers_with_progress_and_cancel():
    xy, z = _points(80, seed=14)
    layer = np.where(np.arange(80) % 2 == 0, "0-50", "50-100")
    gdf = _gdf(xy, Cd=z, Pb=z * 10, depth_layer=layer)
    seen = []
    res = interpolate(
        gdf,
        ["Cd", "Pb"],
        Target(cell_size=25.0),
        methods=("idw", "ok"),
        samples=SampleTable(layer_field="depth_layer"),
        progress=seen.append,
    )
    assert len(res.surfaces) == 8
    assert {(s.field, s.layer) for s in res.surfaces} == {
        (f, lay) for f in ("Cd", "Pb") for lay in ("0-50", "50-100")
    }
    assert seen[-1] == pytest.approx(1.0) and all(b >= a - 1e-12 for a, b in zip(seen, seen[1:]))
    calls = []

    def cancel_after_first_field():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Canceled):
        interpolate(gdf, ["Cd", "Pb"], Target(cell_size=25.0), methods=("ok",), is_canceled=cancel_after_first_field)


def test_kriging_refuses_fewer_than_ten_points_and_names_idw():
    xy, z = _points(9, seed=15)
    with pytest.raises(InputError, match="IDW"):
        interpolate(_gdf(xy, Cd=z), ["Cd"], Target(cell_size=50.0), methods=("ok",))
    res = interpolate(_gdf(xy, Cd=z), ["Cd"], Target(cell_size=50.0), methods=("idw",))
    assert np.isfinite(res.surfaces[0].prediction).all()


def test_duplicate_locations_are_merged_with_a_warning():
    xy, z = _points(20, seed=16)
    xy = np.vstack([xy, xy[3]])
    z = np.append(z, z[3] + 1.0)
    ids = [f"S{i}" for i in range(21)]
    res = interpolate(
        _gdf(xy, Cd=z, sample_id=ids), ["Cd"], Target(cell_size=50.0), methods=("idw",),
        samples=SampleTable(id_field="sample_id"),
    )
    assert any("S3" in w and "S20" in w and "merged" in w for w in res.warnings)
    assert res.surfaces[0].n_points == 20
    mxy, mz, mids, merged = merge_duplicates(xy, z, ids)
    assert mz[3] == pytest.approx(z[3] + 0.5) and merged == [["S3", "S20"]]


def test_all_equal_values_give_a_flat_raster():
    xy, _ = _points(30, seed=17)
    res = interpolate(
        _gdf(xy, Cd=np.full(30, 0.25)), ["Cd"], Target(cell_size=25.0), methods=("idw", "ok"), thresholds={"Cd": 0.3}
    )
    for s in res.surfaces:
        assert_allclose(s.prediction, 0.25, rtol=1e-6)
    ok = res.surface("Cd", "ok")
    assert (ok.variance == 0).all() and (ok.exceedance == 0).all()
    assert any("flat" in w for w in res.warnings)


def test_lognormal_back_transform_and_exceedance():
    xy, z = _points(200, seed=18)
    c = np.exp(z)
    model = VariogramModel("exponential", 0.9, 250.0, 0.05)
    grid = _grid(25.0)
    res = interpolate(
        _gdf(xy, Cd=c),
        ["Cd"],
        Target(grid),
        methods=("ok",),
        kriging=KrigingParams(log_transform=True, variogram=model, k=12),
        thresholds={"Cd": 8.0},
    )
    s = res.surfaces[0]
    ok = LocalKriging(xy, np.log(c), model, k=12)
    y, var, mu = ok.predict(_cells(grid), want_mu=True)
    expected = np.exp(y + var / 2.0 + mu)  # exp(Y* + sigma^2/2 - m), m = -mu'
    assert_allclose(s.prediction.ravel(), expected, rtol=1e-5)
    from scipy.stats import norm

    p = 1.0 - norm.cdf((np.log(8.0) - y) / np.sqrt(var))
    assert_allclose(s.exceedance.ravel(), p, rtol=1e-4, atol=1e-6)
    assert s.parameters["variance_scale"] == "ln"
    with pytest.raises(InputError, match="log transform needs values > 0"):
        interpolate(
            _gdf(xy, Cd=np.where(np.arange(200) == 5, 0.0, c)),
            ["Cd"],
            Target(grid),
            kriging=KrigingParams(log_transform=True),
        )


def test_exceedance_probability_edges():
    p = exceedance_probability(np.array([1.0, 1.0, 3.0]), np.array([1.0, 0.0, 0.0]), 1.0)
    assert_allclose(p, [0.5, 0.0, 1.0])


def test_trend_removal_runs_and_follows_the_trend():
    rng = np.random.default_rng(19)
    xy = rng.uniform(0, 500, (150, 2)) + [X0, Y0]
    z = 0.01 * (xy[:, 0] - X0) + rng.normal(0, 0.05, 150)
    res = interpolate(
        _gdf(xy, Cd=z), ["Cd"], Target(_grid(50.0)), methods=("ok",), kriging=KrigingParams(trend="linear")
    )
    s = res.surfaces[0]
    expected = 0.01 * (res.grid.x_centres() - X0)
    assert_allclose(s.prediction.mean(axis=0), expected, atol=0.15)
    assert s.cross_validation.rmse < 0.1


def test_geographic_points_are_refused():
    import geopandas as gpd
    from shapely.geometry import Point

    gdf = gpd.GeoDataFrame(
        {"Cd": [1.0] * 12}, geometry=[Point(114 + i * 1e-3, 25) for i in range(12)], crs=4490
    )
    with pytest.raises(InputError, match="geographic"):
        interpolate(gdf, ["Cd"], Target(cell_size=10.0), methods=("idw",))


def test_idw_params_reach_the_surface():
    xy, z = _points(40, seed=20)
    res = interpolate(
        _gdf(xy, Cd=z), ["Cd"], Target(_grid(50.0)), methods=("idw",), idw=IDWParams(power=3.0, k=None)
    )
    ref = _brute_idw(xy, z, _cells(res.grid), 3.0).reshape(res.grid.shape)
    assert_allclose(res.surfaces[0].prediction, ref, rtol=1e-6)


@pytest.mark.parametrize("tiling", [(1, 40), (4, 48), (16, 96)], ids=["no-table", "small", "table"])
def test_kriging_kernel_any_tiling_matches_the_numpy_path(tiling, monkeypatch):
    """Small tiles build each set's matrix pair by pair, big ones from the tile's table;
    both give the numpy path's rasters."""
    from ree_damage.core.common import kernels

    if not kernels.AVAILABLE:
        pytest.skip("numba is not installed")
    xy, z = _points(300, seed=21)
    model = VariogramModel("gaussian", 0.7, 200.0, 0.05)
    grid = _grid(10.0)
    monkeypatch.setenv("REE_DAMAGE_NUMBA", "0")
    ref = LocalKriging(xy, z, model, k=24).predict_grid(grid, want_mu=True)
    monkeypatch.setenv("REE_DAMAGE_NUMBA", "always")
    monkeypatch.setattr(kernels, "lattice_tiling", lambda *a, **k: (tiling[0], tiling[1], 0.0))
    got = LocalKriging(xy, z, model, k=24).predict_grid(grid, want_mu=True)
    for a, b in zip(got, ref):
        assert_allclose(a, b, rtol=2e-6, atol=1e-7)


def _overshooting_case():
    """Values 1-9 on 12 points, a smooth gaussian variogram without nugget: ordinary kriging
    overshoots between close points of very different values and dips below zero."""
    xy = np.array([[0, 0], [20, 0], [0, 20], [20, 20], [10, 10], [11, 10], [30, 5], [5, 30], [40, 40], [25, 35], [35, 25], [12, 11]], float)
    z = np.array([1, 2, 3, 4, 9, 1, 5, 6, 7, 8, 2, 9], float)
    return xy + [X0, Y0], z, VariogramModel("gaussian", 8.0, 30.0, 0.0)


def test_kriging_below_zero_is_warned_with_its_share_and_can_be_truncated():
    xy, z, model = _overshooting_case()
    grid = GridSpec.from_bounds((X0 - 10, Y0 - 10, X0 + 50, Y0 + 50), 1.0, CRS)
    # 12 values without structure: kriged anyway (fallback "none"), as a user may ask, with the warning
    res = interpolate(_gdf(xy, Cd=z), ["Cd"], Target(grid), methods=("ok",),
                      kriging=KrigingParams(variogram=model, k=12, fallback="none"))
    assert res.surfaces[0].method_used == "ok" and any(w.code == "INTERP_FALLBACK_NONE" for w in res.warnings)
    pred = res.surfaces[0].prediction
    negative = np.isfinite(pred) & (pred < 0)
    assert negative.any()  # the case does go below zero
    share = negative.sum() / np.isfinite(pred).sum()
    notes = [w for w in res.warnings if "below zero" in str(w)]
    assert len(notes) == 1 and f"{share:.1%}" in notes[0] and "log_transform" in notes[0]
    truncated = interpolate(
        _gdf(xy, Cd=z), ["Cd"], Target(grid), methods=("ok",),
        kriging=KrigingParams(variogram=model, k=12, truncate_negative=True, fallback="none"),
    )
    t = truncated.surfaces[0].prediction
    assert np.nanmin(t) == 0.0 and np.array_equal(t[~negative & np.isfinite(pred)], pred[~negative & np.isfinite(pred)])
    assert any("truncated to 0" in str(w) for w in truncated.warnings)
    # the lognormal route never goes below zero and says nothing
    logged = interpolate(
        _gdf(xy, Cd=z), ["Cd"], Target(grid), methods=("ok",), kriging=KrigingParams(variogram=model, k=12, log_transform=True, fallback="none")
    )
    assert np.nanmin(logged.surfaces[0].prediction) > 0
    assert not any("below zero" in str(w) for w in logged.warnings)


def test_a_surface_above_zero_gives_no_negative_warning():
    xy, z = _points(60, seed=21)
    model = VariogramModel("exponential", 0.9, 250.0, 0.05)
    res = interpolate(_gdf(xy, Cd=z + 5.0), ["Cd"], Target(_grid(25.0)), methods=("ok",), kriging=KrigingParams(variogram=model, k=12))
    assert np.nanmin(res.surfaces[0].prediction) >= 0
    assert not any("below zero" in str(w) for w in res.warnings)
