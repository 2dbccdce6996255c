"""Depth schedule: every rule, checked rule by rule by an independent checker."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ree_damage.core.common.errors import InputError
from ree_damage.core.standards.indicators import INDICATORS_BY_CODE, indicators_for
from ree_damage.core.survey.depth import (
    REQUIRED_GROUPS,
    DepthParams,
    WaterParams,
    check_schedule,
    depth_schedule,
    parse_layers,
    water_positions,
)

X0, Y0 = 500000.0, 2800000.0
CRS = 4547


def points(rows):
    return pd.DataFrame(rows, columns=["point_id", "zone", "bottom_m"])


def statuses(res):
    return res.compliance.set_index("rule_id")["status"]


def assert_all_rules_hold(res):
    st_ = statuses(res)
    assert not (st_ == "FAIL").any(), res.compliance[res.compliance["status"] == "FAIL"].to_string()


@st.composite
def layer_sets(draw):
    """0-4 soil layers: contiguous or with gaps, thin (< 0.2 m) ones included."""
    n = draw(st.integers(0, 4))
    cuts = sorted(draw(st.lists(st.integers(0, 3000), min_size=2 * n, max_size=2 * n, unique=True)))
    layers = []
    for k in range(n):
        top, bottom = cuts[2 * k], cuts[2 * k + 1]
        layers.append((top / 100, bottom / 100, f"L{k + 1}"))
    return layers


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone=st.sampled_from(["INJ", "SETL", "COLL", "PREP"]),
    bottom=st.one_of(st.just(20.0), st.floats(0.0, 30.0).map(lambda v: round(v, 2))),
    water=st.one_of(st.just(0.3), st.just(0.0), st.floats(0.0, 40.0).map(lambda v: round(v, 3))),
    layers=layer_sets(),
)
def test_every_rule_holds_on_generated_parameter_sets(zone, bottom, water, layers):
    res = depth_schedule(
        points([("P-001", zone, bottom)]), water_table=water, params=DepthParams(layers=tuple(layers) or None)
    )
    assert_all_rules_hold(res)
    s = res.samples
    # the rules, restated in the test (a third opinion beside builder and checker)
    assert ((s["top_m"] == 0) & (s["bottom_m"] == 0.5)).any()
    rep = np.sort(np.where(s["top_m"] == 0, 0.5, s["top_m"]))
    for a, c in zip(rep, rep[1:]):
        assert c - a <= (2.0 if a < 6 else 3.0) + 1e-9
    assert s["top_m"].max() > bottom + 3.0
    near = np.maximum(np.maximum(s["top_m"] - water, water - s["bottom_m"]), 0) <= 0.5 + 1e-9
    assert near.any()
    assert (s["top_m"] >= water + 0.5 - 1e-9).any()
    for top, bot, _ in layers:
        inside = (s["top_m"] >= top - 1e-9) & (s["bottom_m"] <= bot + 1e-9)
        holds = (s["top_m"] <= top + 1e-9) & (s["bottom_m"] >= bot - 1e-9)
        assert (inside | holds).any(), (top, bot)
    assert s["sample_id"].is_unique
    assert all(sid == f"P-001-{int(round(t * 100))}" for sid, t in zip(s["sample_id"], s["top_m"]))
    assert (s["top_m"].diff().dropna() > 0).all()


def test_water_table_above_half_a_metre():
    res = depth_schedule(points([("INJ-001", "INJ", 8.0)]), water_table=0.3)
    assert_all_rules_hold(res)
    s = res.samples
    assert "water_table" in s.iloc[0]["reasons"]  # the surface sample holds the water table
    assert (s["top_m"] >= 0.8).any()


def test_hole_bottom_at_20m():
    res = depth_schedule(points([("INJ-001", "INJ", 20.0)]), water_table=12.0)
    assert_all_rules_hold(res)
    s = res.samples
    assert s["top_m"].max() == pytest.approx(23.5)  # 20 + 3 m + 0.5 m margin
    assert "below_source" in s.iloc[-1]["reasons"]
    assert res.profiles.iloc[0]["required_deeper_than_m"] == 23.0
    assert statuses(res)["D3"] == "PASS" and (s["top_m"] > 6).sum() >= 6


def test_no_layers_given():
    res = depth_schedule(points([("COLL-001", "COLL", np.nan)]), water_table=5.0)
    assert statuses(res)["D4"] == "N/A"
    assert any("no soil layers" in w for w in res.warnings)
    assert any("serve no pond" in w for w in res.warnings)
    assert res.samples["top_m"].max() > 3.0  # below the ground surface


def test_ids_are_point_and_top_depth_in_cm_and_stable():
    pts = points([("INJ-002", "INJ", 6.0), ("SETL-001", "SETL", 1.5)])
    a = depth_schedule(pts, water_table=4.0).samples
    b = depth_schedule(pts, water_table=4.0).samples
    assert a.equals(b)
    assert a["sample_id"].iloc[0] == "INJ-002-0"
    assert all(re.fullmatch(r"(INJ-002|SETL-001)-\d+", i) for i in a["sample_id"])
    assert (a["depth_cm"] == (a["top_m"] * 100).round().astype(int)).all()


def test_layers_from_table_field_and_parameter():
    pts = pd.DataFrame(
        {
            "point_id": ["A-001", "A-002", "A-003"],
            "zone": ["INJ"] * 3,
            "bottom_m": [5.0] * 3,
            "layers": ["", "0-1.2 clay; 1.2-9 sand", ""],
        }
    )
    table = pd.DataFrame(
        {"point_id": ["A-001", "A-001"], "top_m": [0, 3.0], "bottom_m": [3.0, 3.1], "layer": ["red", "thin"]}
    )
    res = depth_schedule(
        pts, layers=table, water_table=4.0, params=DepthParams(layers=((0.0, 2.0, "param"),))
    )
    assert_all_rules_hold(res)
    by_point = res.layers.groupby("point_id")["layer"].apply(list).to_dict()
    assert by_point == {"A-001": ["red", "thin"], "A-002": ["clay", "sand"], "A-003": ["param"]}
    thin = res.samples[(res.samples["point_id"] == "A-001") & (res.samples["layer"] == "thin")]
    assert len(thin) == 1 and thin.iloc[0]["top_m"] == 3.0 and thin.iloc[0]["bottom_m"] == 3.1


def test_water_table_sources_and_errors():
    pts = points([("A-001", "INJ", 5.0), ("A-002", "SETL", 2.0)])
    with pytest.raises(InputError) as err:
        depth_schedule(pts)
    assert err.value.feature == "A-001" and err.value.column == "water_table_m"
    res = depth_schedule(pts, water_table={"A-001": 3.0, "A-002": 9.0})
    assert res.profiles["water_table_m"].tolist() == [3.0, 9.0]
    pts2 = pts.assign(water_table_m=[np.nan, 1.0])
    res2 = depth_schedule(pts2, water_table=pd.DataFrame({"point_id": ["A-001"], "water_table_m": [2.0]}))
    assert res2.profiles["water_table_m"].tolist() == [2.0, 1.0]
    with pytest.raises(InputError):
        depth_schedule(pts, water_table=-1.0)


def test_bad_inputs_name_the_point():
    with pytest.raises(InputError) as err:
        depth_schedule(points([("INJ-007", "INJ", np.nan)]), water_table=3.0)
    assert err.value.feature == "INJ-007" and err.value.column == "bottom_m"
    with pytest.raises(InputError):
        depth_schedule(points([("A", "INJ", 5.0), ("A", "INJ", 5.0)]), water_table=3.0)
    with pytest.raises(InputError):
        depth_schedule(
            points([("A", "INJ", 5.0)]),
            water_table=3.0,
            params=DepthParams(layers=((2.0, 1.0, "upside-down"),)),
        )
    with pytest.raises(InputError):
        parse_layers("zero to one")
    with pytest.raises(InputError):
        depth_schedule(
            points([("A", "INJ", 5.0)]),
            water_table=3.0,
            params=DepthParams(layers=((0, 2.0, "a"), (1.0, 3.0, "b"))),
        )


def test_checker_catches_each_broken_rule():
    res = depth_schedule(
        points([("INJ-001", "INJ", 10.0), ("SETL-001", "SETL", 2.0)]),
        water_table=7.0,
        params=DepthParams(layers=((0, 1.0, "a"), (1.0, 30, "b"))),
    )
    s, prof, lay = res.samples, res.profiles, res.layers
    assert_all_rules_hold(res)

    def check(samples, profiles=prof):
        return check_schedule(samples, profiles, lay).set_index("rule_id")["status"]

    assert check(s[s["top_m"] > 0])["D1"] == "FAIL"
    inj = s[s["point_id"] == "INJ-001"]
    mid = inj[(inj["top_m"] > 0.5) & (inj["top_m"] < 6)].index
    assert check(s.drop(index=mid))["D2"] == "FAIL"
    deep = inj[inj["top_m"] > 6].index
    assert check(s.drop(index=deep[1:-1]))["D3"] == "FAIL"
    assert check(s.drop(index=s.index[(s["point_id"] == "INJ-001") & (s["top_m"] >= 1.0)]))["D4"] == "FAIL"
    near = s.index[(s["point_id"] == "SETL-001") & s["reasons"].str.contains("water_table")]
    assert check(s.drop(index=near))["D5"] == "FAIL"
    sat = s.index[(s["point_id"] == "SETL-001") & (s["top_m"] >= 7.5)]
    assert check(s.drop(index=sat))["D6"] == "FAIL"
    shallower = s.copy()
    shallower.loc[inj.index[-1], "top_m"] = 13.0  # 10 m hole: 13 m is not "more than 3 m below"
    assert check(shallower)["D7"] == "FAIL"
    setl_last = s.index[s["point_id"] == "SETL-001"][-1]
    assert check(s.drop(index=setl_last), prof.assign(bottom_m=[10.0, 6.0]))["D8"] == "FAIL"
    dup = s.copy()
    dup.loc[dup.index[1], "sample_id"] = dup.loc[dup.index[0], "sample_id"]
    assert check(dup)["D9"] == "FAIL"
    no_ree = s.copy()
    no_ree["indicators"] = ";".join(
        i.code for i in indicators_for("soil", groups=["basic", "heavy_metal", "leaching_agent"])
    )
    assert check(no_ree)["D10"] == "FAIL"


def test_indicators_per_sample_and_lab_order():
    res = depth_schedule(points([("INJ-001", "INJ", 5.0)]), water_table=3.0)
    codes = res.samples["indicators"].iloc[0].split(";")
    groups = {INDICATORS_BY_CODE[c].group for c in codes}
    assert set(REQUIRED_GROUPS) <= groups
    assert {"pH", "CEC", "La", "Y", "NH4_N", "SO4", "Cd", "Pb", "REE_EXCH"} <= set(codes)
    assert "Sc" not in codes and "Pm" not in codes
    assert res.lab_order["code"].tolist() == codes
    assert (res.lab_order["n_samples"] == len(res.samples)).all()
    assert {"name_zh", "name_en", "unit", "group"} <= set(res.lab_order.columns)


def test_many_points_share_schedules():
    n = 2000
    rng = np.random.default_rng(0)
    pts = points([(f"INJ-{i:04d}", "INJ", float(rng.choice([5.0, 8.0, 12.0]))) for i in range(1, n + 1)])
    res = depth_schedule(pts, water_table=6.0)
    assert res.samples["point_id"].nunique() == n
    assert_all_rules_hold(res)


# --------------------------------------------------------------------------- water and sediment


def test_water_positions_stream_sections_and_wells():
    zones = gpd.GeoDataFrame(
        {"zone": ["INJ", "COLL", "SETL"]},
        geometry=[
            shapely.box(X0, Y0 + 200, X0 + 100, Y0 + 300),
            shapely.box(X0, Y0 + 100, X0 + 100, Y0 + 200),
            shapely.box(X0 + 40, Y0 + 60, X0 + 70, Y0 + 100),
        ],
        crs=CRS,
    )
    stream = gpd.GeoDataFrame(geometry=[shapely.LineString([(X0 - 2000, Y0), (X0 + 3000, Y0)])], crs=CRS)
    pos, warnings = water_positions(zones, stream=stream, params=WaterParams(gw_azimuth_deg=180.0))
    sw = pos[pos["medium"] == "surface_water"].set_index("role")
    assert sw.loc["control", "x"] < sw.loc["discharge", "x"] < sw.loc["downstream"]["x"].min()
    assert sw.loc["control", "distance_m"] == -500.0
    assert len(pos[pos["medium"] == "sediment"]) == len(sw)
    gw = pos[pos["medium"] == "groundwater"].set_index("role")
    down = gw.loc["down_gradient"].set_index("zone")
    assert down.loc["INJ", "y"] < Y0 + 200 and down.loc["SETL", "y"] < Y0 + 60  # south of each zone
    assert gw.loc["control", "y"] > Y0 + 300  # up-gradient of the case
    assert pos["position_id"].is_unique and pos["position_id"].iloc[0] == "GW-01"
    assert not warnings
    # stream digitised against the flow
    rev, _ = water_positions(
        zones, stream=stream, params=WaterParams(gw_azimuth_deg=180.0, stream_reversed=True)
    )
    rsw = rev[rev["medium"] == "surface_water"].set_index("role")
    assert rsw.loc["control", "x"] > rsw.loc["discharge", "x"]
    # nothing to place without a stream or a direction
    _, warn = water_positions(zones)
    assert any("no receiving stream" in w for w in warn) and any("direction unknown" in w for w in warn)
