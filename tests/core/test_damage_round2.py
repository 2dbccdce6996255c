"""damage: IDW and kriging side by side, and the adaptive second round of sampling."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st

from ree_damage.core.common.errors import InputError
from ree_damage.core.damage.adaptive import AdaptiveParams, propose_second_round
from ree_damage.core.damage.assess import COMPARISON_COLUMNS, assess_damage, method_comparison
from ree_damage.core.damage.extent import SurfaceInput
from ree_damage.core.damage.points import DepthLayer
from ree_damage.core.geo.raster_io import GridSpec, write_geotiff

CRS = "EPSG:4547"
X0, Y0 = 500_000.0, 2_800_200.0  # north-west corner; 2 m cells, 100 x 100 -> 200 m square
LAYER = DepthLayer("0-50", 0.0, 0.5)


def _grid(n=100):
    return GridSpec(Affine(2.0, 0, X0, 0, -2.0, Y0), n, n, CRS)


def _zones():
    return gpd.GeoDataFrame({"zone": ["INJ"]}, geometry=[shapely.box(X0, Y0 - 200, X0 + 200, Y0)], crs=CRS)


def _samples(xy, ids):
    return gpd.GeoDataFrame({"sample_id": [f"{i}-0" for i in ids], "zone": [i.split("-")[0] for i in ids],
                             "Cd": 0.1, "Cd_flag": ""},
                            geometry=shapely.points(np.asarray(xy, dtype=float).reshape(-1, 2)), crs=CRS)


# ----------------------------------------------------------------- IDW and kriging side by side
def test_method_comparison_by_hand(tmp_path):
    # IDW: 30 cells above B = 0.2 (120 m2); kriging: 45 cells (180 m2), 20 of them with P >= 0.8
    idw = np.full((100, 100), 0.1)
    idw[0:3, 0:10] = 0.5
    ok = np.full((100, 100), 0.1)
    ok[0:3, 0:15] = 0.5
    prob = np.where(ok > 0.2, 0.6, 0.05)
    prob[0:2, 0:10] = 0.9
    grid = _grid()
    surfaces = [
        SurfaceInput("Cd", LAYER, write_geotiff(tmp_path / "idw.tif", idw, grid), None, "idw"),
        SurfaceInput("Cd", LAYER, write_geotiff(tmp_path / "ok.tif", ok, grid),
                     write_geotiff(tmp_path / "p.tif", prob, grid), "ok"),
    ]
    r = assess_damage(_samples([(X0 + 10, Y0 - 10)], ["INJ-001"]), {"Cd": 0.2}, _zones(), surfaces, adaptive=None)
    c = method_comparison(r.summary)
    assert tuple(c.columns) == COMPARISON_COLUMNS
    row = c[(c["zone"] == "INJ") & (c["indicator"] == "Cd")].iloc[0]
    # areas 30 x 4 = 120 m2 and 45 x 4 = 180 m2: (180 - 120) / 120 = +50 %; volumes x 0.5 m
    assert (row["area_idw_m2"], row["area_ok_m2"], row["area_difference_pct"]) == (120.0, 180.0, 50.0)
    assert (row["volume_idw_m3"], row["volume_ok_m3"]) == (60.0, 90.0)
    assert (row["area_ok_p50_m2"], row["area_ok_p80_m2"], row["area_ok_p95_m2"]) == (180.0, 80.0, 0.0)
    written = r.write({"comparison": tmp_path / "method_comparison.csv"})
    back = pd.read_csv(written["comparison"], encoding="utf-8-sig")
    assert list(back.columns) == list(COMPARISON_COLUMNS)
    assert written["comparison"].with_name("method_comparison.csv.provenance.json").exists()


def test_method_comparison_without_surfaces_is_empty():
    summary = pd.DataFrame({"zone": ["INJ"], "depth_layer": ["0-50"], "indicator": ["Cd"], "method": [""]})
    assert len(method_comparison(summary)) == 0


# ----------------------------------------------------------------- adaptive second round
def _probability(tmp_path, left=0.5, right=0.9):
    p = np.full((100, 100), right)
    p[:, :50] = left  # west half uncertain
    return write_geotiff(tmp_path / "p.tif", p, _grid())


def test_second_round_hand_worked(tmp_path):
    # P = 0.5 in the west half (uncertainty 1), 0.9 in the east half (outside the 0.2-0.8 band).
    # Candidates every 20 m (half the 40 m spacing: every 10th cell), cell centres x = X0 + 1, 21, 41, ...
    # The first-round sample at (X0 + 61, Y0 - 101) rules out candidates within 40 m of it.
    # Ties of uncertainty go north then west: rank 1 is the north-west cell centre (X0 + 1, Y0 - 1).
    surface = SurfaceInput("Cd", LAYER, tmp_path / "unused.tif", _probability(tmp_path), "ok")
    samples = _samples([(X0 + 61, Y0 - 101)], ["INJ-007"])
    points, record = propose_second_round([surface], samples, _zones(), params=AdaptiveParams(spacing_m=40.0))
    assert len(points) > 0
    first = points.iloc[0]
    assert (first["x"], first["y"], first["rank"]) == (X0 + 1, Y0 - 1, 1)
    assert first["point_id"] == "INJ-008" and points.iloc[1]["point_id"] == "INJ-009"  # numbering goes on
    assert (points["uncertainty"] == 1.0).all() and (points["p_exceed"] == 0.5).all()
    xy = shapely.get_coordinates(points.geometry.to_numpy())
    assert (xy[:, 0] < X0 + 100).all()  # only the uncertain west half
    assert (np.hypot(xy[:, 0] - (X0 + 61), xy[:, 1] - (Y0 - 101)) > 40.0).all()
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    assert (d[np.triu_indices(len(xy), 1)] >= 40.0).all()
    assert (points["layers"] == "0-50").all() and "0.2 and 0.8" in first["rule"]
    assert record["spacing_m"] == 40.0


def test_second_round_nothing_uncertain_or_no_probability(tmp_path):
    surface = SurfaceInput("Cd", LAYER, tmp_path / "unused.tif", _probability(tmp_path, 0.95, 0.05), "ok")
    points, _ = propose_second_round([surface], _samples([(X0, Y0)], ["INJ-001"]), _zones())
    assert len(points) == 0
    points, record = propose_second_round([SurfaceInput("Cd", LAYER, tmp_path / "x.tif")], _samples([], []))
    assert len(points) == 0 and "no probability raster" in record["note"]
    with pytest.raises(InputError):
        propose_second_round([surface], _samples([], []), params=AdaptiveParams(p_low=0.8, p_high=0.2))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 12))
def test_second_round_properties(tmp_path_factory, seed, max_points):
    tmp = tmp_path_factory.mktemp("r2")
    rng = np.random.default_rng(seed)
    p = write_geotiff(tmp / "p.tif", rng.random((60, 60)), _grid(60))
    xy = np.column_stack([X0 + rng.uniform(0, 120, 5), Y0 - rng.uniform(0, 120, 5)])
    params = AdaptiveParams(spacing_m=20.0, max_points=max_points)
    points, _ = propose_second_round([SurfaceInput("Cd", LAYER, tmp / "u.tif", p)], _samples(xy, [f"INJ-{k:03d}" for k in range(1, 6)]),
                                     _zones(), params=params)
    assert len(points) <= max_points
    if len(points):
        assert points["p_exceed"].between(0.2, 0.8).all()
        assert (np.diff(points["uncertainty"].to_numpy()) <= 1e-12).all()  # ranked best first
        pts = shapely.get_coordinates(points.geometry.to_numpy())
        nearest = np.hypot(pts[:, None, 0] - xy[None, :, 0], pts[:, None, 1] - xy[None, :, 1]).min(axis=1)
        assert (nearest > 20.0).all()
        assert len(set(points["point_id"])) == len(points)


def test_second_round_points_go_through_the_same_depth_rules(tmp_path):
    # two first-round INJ points with their hole depth and water table; each proposal takes them
    # from the nearest one of its zone (depth_from) and depth_schedule gives it the usual cores:
    # hole bottom 5 m, water table 4 m -> 0, 220, 390, 540, 700, 850 cm (the depth module's example)
    from ree_damage.core.survey.depth import depth_schedule

    surface = SurfaceInput("Cd", LAYER, tmp_path / "unused.tif", _probability(tmp_path), "ok")
    samples = _samples([(X0 + 61, Y0 - 101), (X0 + 181, Y0 - 181)], ["INJ-007", "INJ-012"])
    samples["bottom_m"] = [5.0, 2.0]
    samples["water_table_m"] = [4.0, 6.0]
    points, _ = propose_second_round([surface], samples, _zones(), params=AdaptiveParams(spacing_m=40.0))
    assert len(points) > 0 and (points["depth_from"] == "INJ-007").all()  # the west half is nearer INJ-007
    assert (points["bottom_m"] == 5.0).all() and (points["water_table_m"] == 4.0).all()
    assert points.iloc[0]["point_id"] == "INJ-013"  # numbered on from the highest id of the zone
    schedule = depth_schedule(points)
    first = schedule.samples[schedule.samples["point_id"] == "INJ-013"]["sample_id"].tolist()
    assert first == ["INJ-013-0", "INJ-013-220", "INJ-013-390", "INJ-013-540", "INJ-013-700", "INJ-013-850"]
    # without the fields in the first round, an INJ proposal is refused by name, not guessed
    bare, _ = propose_second_round([surface], _samples([(X0 + 61, Y0 - 101)], ["INJ-007"]), _zones())
    assert bare["bottom_m"].isna().all() and (bare["depth_from"] == "").all()
    with pytest.raises(InputError, match="bottom_m"):
        depth_schedule(bare, water_table=4.0)
