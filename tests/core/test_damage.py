"""core/damage: confirmation per sample (hand-worked), polygons, areas and volumes."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from ree_damage.core.common.errors import InputError
from ree_damage.core.damage.extent import SurfaceInput, damage_extent
from ree_damage.core.damage.points import DepthLayer, confirm_samples
from ree_damage.core.damage.polygonize import polygonize, sieve
from ree_damage.core.geo.raster_io import GridSpec, write_geotiff

CRS = "EPSG:4547"


# ----------------------------------------------------------------- point confirmation
def _lab():
    return pd.DataFrame(
        {
            "sample_id": ["INJ-001-0", "INJ-002-0", "INJ-003-0", "COLL-001-0", "COLL-001-350"],
            "zone": ["INJ", "INJ", "INJ", "COLL", "COLL"],
            "Cd": [0.30, 0.22, 0.05, 0.5, 0.1],
            "Cd_flag": ["", "", "<", "<", ""],
            "pH": [4.5, 5.0, 5.1, 4.9, 5.2],
            "pH_flag": [""] * 5,
        }
    )


def test_k_and_the_confirmation_rule_by_hand():
    # Cd baseline B = 0.2 mg/kg, rule: confirmed where K > 0.2.
    #   INJ-001-0  C = 0.30      K = (0.30 - 0.2) / 0.2 = 0.5   -> confirmed
    #   INJ-002-0  C = 0.22      K = 0.02 / 0.2 = 0.1           -> above B, not confirmed
    #   INJ-003-0  C < 0.05      DL 0.05 <= B                   -> not above (never an exceedance)
    #   COLL-001-0 C < 0.5       DL 0.5 > B                     -> undecidable, not in N
    #   COLL-001-350 C = 0.10    K = -0.5                       -> not above
    # pH baseline 5.0: K = 10^(B - C) - 1
    #   4.5 -> 10^0.5 - 1 = 2.1623 confirmed; 4.9 -> 10^0.1 - 1 = 0.2589 confirmed
    #   5.0 -> 0 not above; 5.1 -> -0.2057; 5.2 -> -0.3690
    r = confirm_samples(_lab(), {"Cd": 0.2, "pH": 5.0}, layers=[DepthLayer("0-50", 0, 0.5), DepthLayer("50-400", 0.5, 4.0)])
    cd = r.samples[r.samples.indicator == "Cd"].set_index("sample_id")
    assert cd["status"].to_dict() == {
        "INJ-001-0": "confirmed",
        "INJ-002-0": "above",
        "INJ-003-0": "not_above",
        "COLL-001-0": "undecidable",
        "COLL-001-350": "not_above",
    }
    assert cd.loc["INJ-001-0", "k"] == pytest.approx(0.5)
    assert cd.loc["INJ-002-0", "k"] == pytest.approx(0.1)
    assert math.isnan(cd.loc["COLL-001-0", "k"])
    ph = r.samples[r.samples.indicator == "pH"].set_index("sample_id")
    assert ph.loc["INJ-001-0", "k"] == pytest.approx(10**0.5 - 1)
    assert ph.loc["COLL-001-0", "k"] == pytest.approx(10**0.1 - 1)
    assert ph.loc["COLL-001-0", "delta"] == pytest.approx(0.1)
    assert list(ph["confirmed"]) == [True, False, False, True, False]
    assert "K > 0.2" in r.samples["rule"].iloc[0]
    s = r.summary.set_index(["zone", "depth_layer", "indicator"])
    inj = s.loc[("INJ", "0-50", "Cd")]
    # N = 3 decidable, N0 = 2 above, 1 confirmed; K over measured values: max 0.5, mean (0.5 + 0.1) / 2
    assert (inj["n"], inj["n_above"], inj["n_confirmed"]) == (3, 2, 1)
    assert inj["ratio_above"] == pytest.approx(2 / 3)
    assert (inj["k_max"], inj["k_mean"]) == pytest.approx((0.5, 0.3))
    coll = s.loc[("COLL", "0-50", "Cd")]
    assert (coll["n_samples"], coll["n_undecidable"], coll["n"]) == (1, 1, 0)
    assert math.isnan(coll["ratio_above"])


def test_an_editable_threshold_is_written_into_the_output():
    r = confirm_samples(_lab(), {"Cd": 0.2}, threshold=0.05)
    cd = r.samples.set_index("sample_id")
    assert cd.loc["INJ-002-0", "status"] == "confirmed"  # K = 0.1 > 0.05
    assert "K > 0.05" in cd["rule"].iloc[0]


def test_ree_total_with_censored_elements_is_undecidable_across_the_baseline():
    t = pd.DataFrame({"sample_id": ["A-001-0", "A-002-0"], "zone": ["INJ", "INJ"],
                      "La": [90.0, 40.0], "La_flag": ["", ""], "Ce": [30.0, 5.0], "Ce_flag": ["<", "<"]})
    # REE_SUM baseline 100: A-001 lies between 90 (Ce = 0) and 120 (Ce = DL 30) -> undecidable;
    # A-002 between 40 and 45 -> not above
    r = confirm_samples(t, {"REE_SUM": 100.0})
    st_ = r.samples.set_index("sample_id")["status"].to_dict()
    assert st_ == {"A-001-0": "undecidable", "A-002-0": "not_above"}
    # REO: 40 x 1.1728 = 46.912 measured part
    r = confirm_samples(t, {"REO": 10.0})
    assert r.samples.set_index("sample_id").loc["A-002-0", "value"] == pytest.approx(46.912)


def test_signature_lists_the_members_confirmed():
    t = _lab().assign(NH4_N=[50.0, 1, 1, 1, 1], NH4_N_flag="", SO4=[900.0, 10, 10, 10, 10], SO4_flag="")
    r = confirm_samples(t, {"Cd": 0.2, "pH": 5.0, "NH4_N": 10.0, "SO4": 100.0})
    first = r.signature.set_index("sample_id").loc["INJ-001-0"]
    assert first["confirmed_members"] == "NH4_N;SO4;pH"
    assert bool(first["full_signature"])


# ----------------------------------------------------------------- polygonize
T = Affine(2.0, 0, 500_000.0, 0, -2.0, 2_800_000.0)


def _oracle(v):
    """rasterio.features.shapes (GDAL through another binding) and scipy's 4-connected labels."""
    from rasterio.features import shapes
    from scipy import ndimage

    polys = [(shapely.geometry.shape(g), int(x)) for g, x in shapes(v, mask=v != 0, connectivity=4, transform=T)]
    n_patches = sum(ndimage.label(v == x)[1] for x in np.unique(v[v != 0]))
    return polys, n_patches


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 25), st.integers(1, 25), st.floats(0.05, 0.95), st.integers(0, 2**31 - 1))
def test_polygons_match_the_rasterio_oracle_and_count_cells(h, w, density, seed):
    rng = np.random.default_rng(seed)
    v = ((rng.random((h, w)) < density) * rng.integers(1, 4, (h, w))).astype(np.uint8)
    ours = polygonize(v, T)
    polys, n_patches = _oracle(v)
    assert len(ours) == len(polys) == n_patches
    key = lambda g, x: (x, shapely.normalize(g).wkb)  # noqa: E731
    assert sorted(key(g, x) for g, x in zip(ours.geometry, ours.values)) == sorted(key(g, x) for g, x in polys)
    assert shapely.is_valid(ours.geometry).all()
    # area: shapely's planar measure of the polygons against the cell count (0.01 %)
    np.testing.assert_allclose(shapely.area(ours.geometry), ours.area_m2, rtol=1e-4)
    assert ours.cells.sum() == (v != 0).sum()


def test_codes_beyond_32_bits_and_booleans():
    v = np.zeros((3, 4), np.uint64)
    v[0, :2] = 2**40 + 1
    v[2, 3] = 5
    p = polygonize(v, T)
    assert sorted(p.values.tolist()) == [5, 2**40 + 1] and sorted(p.cells.tolist()) == [1, 2]
    b = polygonize(v != 0, T)
    assert len(b) == 2 and b.values.tolist() == [1, 1]
    assert len(polygonize(np.zeros((4, 4), np.uint8), T)) == 0


def test_minimum_mapping_unit_and_holes():
    v = np.zeros((7, 7), np.uint8)
    v[1:6, 1:6] = 1
    v[3, 3] = 0  # a one-cell hole, kept
    v[0, 6] = 1  # a one-cell patch (4 m2), dropped by a 5 m2 unit
    p = polygonize(v, T, min_area_m2=5.0)
    assert len(p) == 1 and len(p.geometry[0].interiors) == 1
    assert p.area_m2[0] == (25 - 1) * 4.0
    s = sieve(v.copy(), T, 5.0)
    assert s[0, 6] == 0 and s.sum() == 24


# ----------------------------------------------------------------- extent
def _case(tmp_path, cd, p=None, crs=CRS):
    grid = GridSpec(Affine(2.0, 0, 500_000.0, 0, -2.0, 2_800_100.0), cd.shape[1], cd.shape[0], crs)
    pred = write_geotiff(tmp_path / "Cd_pred.tif", cd, grid)
    prob = write_geotiff(tmp_path / "Cd_prob.tif", p, grid) if p is not None else None
    x0, y1 = 500_000.0, 2_800_100.0
    zones = gpd.GeoDataFrame(
        {"zone": ["INJ", "COLL"]},
        geometry=[box(x0, y1 - 2 * cd.shape[0], x0 + cd.shape[1], y1), box(x0 + cd.shape[1], y1 - 2 * cd.shape[0], x0 + 2 * cd.shape[1], y1)],
        crs=CRS,
    )
    return pred, prob, zones


def test_areas_and_volumes_by_hand(tmp_path):
    cd = np.full((10, 10), 0.1)
    cd[0:2, 0:3] = 0.5  # 6 cells in INJ (columns 0-4 are INJ: x < 500010)
    cd[5:7, 6:10] = 0.4  # 8 cells in COLL
    cd[9, 9] = np.nan  # outside the case area
    p = np.where(cd > 0.2, 0.9, 0.1)
    p[0, 0] = 0.6
    pred, prob, zones = _case(tmp_path, cd, p)
    layer = DepthLayer("0-50", 0.0, 0.5)
    r = damage_extent([SurfaceInput("Cd", layer, pred, prob)], {"Cd": 0.2}, zones, degree_dir=tmp_path / "k")
    a = r.areas.set_index(["indicator", "zone"])
    # cell 2 m x 2 m = 4 m2; volume = area x 0.5 m
    assert a.loc[("Cd", "INJ"), "area_m2"] == 6 * 4.0
    assert a.loc[("Cd", "COLL"), "volume_m3"] == 8 * 4.0 * 0.5
    assert a.loc[("Cd", "ALL"), "area_m2"] == 14 * 4.0
    # P >= 0.8 loses the cell at P = 0.6; P >= 0.5 keeps it
    assert a.loc[("Cd", "ALL"), "area_p50_m2"] == 14 * 4.0
    assert a.loc[("Cd", "ALL"), "area_p80_m2"] == 13 * 4.0
    assert a.loc[("ANY", "ALL"), "area_m2"] == 14 * 4.0
    polys = r.polygons.set_index("zone")
    assert shapely.area(polys.loc["INJ", "geometry"]) == pytest.approx(24.0, rel=1e-4)
    import rasterio

    with rasterio.open(r.rasters["Cd_L0-50_ok_degree"]) as src:
        k = src.read(1, masked=True)
    assert k[0, 0] == pytest.approx((0.5 - 0.2) / 0.2)
    assert k.mask[9, 9]


def test_all_below_baseline_gives_empty_outputs(tmp_path):
    pred, _, zones = _case(tmp_path, np.full((6, 6), 0.1))
    r = damage_extent([SurfaceInput("Cd", DepthLayer("0-50", 0, 0.5), pred)], {"Cd": 0.2}, zones)
    assert r.empty and len(r.union) == 0
    assert any("no damaged area" in w for w in r.warnings)
    assert (r.areas["area_m2"] == 0).all()


def test_a_raster_in_another_crs_is_refused(tmp_path):
    pred, _, zones = _case(tmp_path, np.full((6, 6), 0.3), crs="EPSG:4546")
    with pytest.raises(InputError, match="differs from the zones' CRS"):
        damage_extent([SurfaceInput("Cd", DepthLayer("0-50", 0, 0.5), pred)], {"Cd": 0.2}, zones)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1), st.floats(0.0, 40.0))
def test_range_and_union_properties(tmp_path_factory, seed, mmu):
    tmp = tmp_path_factory.mktemp("prop")
    rng = np.random.default_rng(seed)
    a = rng.random((12, 12))
    b = rng.random((12, 12))
    pa = rng.random((12, 12))
    pred_a, prob_a, zones = _case(tmp, a, pa)
    grid = GridSpec(Affine(2.0, 0, 500_000.0, 0, -2.0, 2_800_100.0), 12, 12, CRS)
    pred_b = write_geotiff(tmp / "Zn.tif", b, grid)
    layer = DepthLayer("0-50", 0.0, 0.5)
    r = damage_extent(
        [SurfaceInput("Cd", layer, pred_a, prob_a), SurfaceInput("Zn", layer, pred_b)],
        {"Cd": 0.5, "Zn": 0.6},
        zones,
        min_area_m2=mmu,
    )
    t = r.areas.set_index(["indicator", "zone"])
    row = t.loc[("Cd", "ALL")]
    assert row["area_p95_m2"] <= row["area_p80_m2"] <= row["area_p50_m2"]
    assert t.loc[("ANY", "ALL"), "area_m2"] <= t.loc[("Cd", "ALL"), "area_m2"] + t.loc[("Zn", "ALL"), "area_m2"]
    # volumes are the sum of cell areas x thickness, exactly
    assert (r.areas["volume_m3"] == r.areas["cells"] * 4.0 * 0.5).all()
    # the polygons' own planar areas agree with the table (0.01 %)
    if len(r.polygons):
        np.testing.assert_allclose(shapely.area(r.polygons.geometry.to_numpy()), r.polygons["area_m2"], rtol=1e-4)
    if len(r.union):
        assert shapely.area(r.union.geometry.to_numpy()).sum() == pytest.approx(t.loc[("ANY", "ALL"), "area_m2"], rel=1e-4)


# ----------------------------------------------------------------- the summary table
def test_summary_joins_samples_and_areas_by_hand(tmp_path):
    from ree_damage.core.damage.assess import SUMMARY_COLUMNS, assess_damage, layer_from_name

    cd = np.full((10, 10), 0.1)
    cd[0:2, 0:3] = 0.5  # 6 cells (24 m2) in INJ
    pred, _, zones = _case(tmp_path, cd)
    layer = layer_from_name("0-50")
    samples = _lab()
    samples["depth_layer"] = "0-50"
    r = assess_damage(samples, {"Cd": 0.2}, zones, [SurfaceInput("Cd", layer, pred, method="idw")],
                      layer_field="depth_layer")
    row = r.summary[(r.summary.indicator == "Cd") & (r.summary.zone == "INJ")].iloc[0]
    # INJ Cd samples: 0.30 (above), 0.22 (above), <0.05 (not above): N = 3, N0 = 2
    assert (row["samples"], row["exceedances"], row["method"]) == (3, 2, "idw")
    assert row["ratio"] == pytest.approx(2 / 3)
    assert (row["area_m2"], row["volume_m3"]) == (24.0, 12.0)
    assert list(r.summary.columns[: len(SUMMARY_COLUMNS)]) == list(SUMMARY_COLUMNS)
    written = r.write({"summary": tmp_path / "s.csv", "samples": tmp_path / "p.gpkg", "signature": tmp_path / "g.csv"})
    assert set(written) == {"summary", "samples", "signature"}
    back = pd.read_csv(written["summary"], encoding="utf-8-sig")
    assert list(back.columns[: len(SUMMARY_COLUMNS)]) == list(SUMMARY_COLUMNS)
    with pytest.raises(InputError):
        layer_from_name("surface")


def test_every_output_exists_as_a_layer_when_all_is_below_the_baseline(tmp_path):
    # what the Processing sinks receive: a polygon layer with its columns even when no cell is
    # damaged, and a point layer for the second round that proposes nothing
    from ree_damage.core.damage.adaptive import COLUMNS as SECOND_ROUND_COLUMNS
    from ree_damage.core.damage.assess import SUMMARY_COLUMNS, assess_damage
    from ree_damage.core.damage.extent import AREA_COLUMNS, UNION_COLUMNS

    pred, prob, zones = _case(tmp_path, np.full((6, 6), 0.1), np.full((6, 6), 0.05))
    samples = gpd.GeoDataFrame({"sample_id": ["INJ-001-0"], "zone": ["INJ"], "Cd": [0.1]},
                               geometry=[shapely.Point(500_001.0, 2_800_099.0)], crs=CRS)
    r = assess_damage(samples, {"Cd": 0.2}, zones, [SurfaceInput("Cd", DepthLayer("0-50", 0, 0.5), pred, prob)])
    assert r.empty and r.second_round is None
    frames = r.frames()
    assert list(frames["areas"].columns) == AREA_COLUMNS + ["geometry"] and len(frames["areas"]) == 0
    assert list(frames["union"].columns) == UNION_COLUMNS + ["geometry"] and frames["union"].crs == CRS
    assert list(frames["second_round"].columns) == list(SECOND_ROUND_COLUMNS) + ["geometry"]
    assert list(frames["summary"].columns)[: len(SUMMARY_COLUMNS)] == list(SUMMARY_COLUMNS)
    assert frames["samples"]["status"].tolist() == ["not_above"]
    codes = [getattr(w, "code", None) for w in r.warnings]
    assert "DAMAGE_NO_AREA" in codes and "DAMAGE_NONE_CONFIRMED" in codes
