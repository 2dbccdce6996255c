"""water_damage core: hand-worked K, standards, classes, plume and reach; properties; the sample case."""

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from ree_damage.core.case.model import load_case
from ree_damage.core.case.steps import water_damage_for
from ree_damage.core.common.errors import InputError
from ree_damage.core.damage.water import (
    SUMMARY_COLUMNS,
    WaterParams,
    assess_water,
    flow_azimuth,
    standard_limits,
    water_class,
)
from ree_damage.sample_case import generate_sample_case

CRS = "EPSG:4547"


def _table(rows, geometry=None):
    """rows: (position_id, medium, role, x, y, {code: (value, flag)}, extra fields)."""
    records = []
    for pid, medium, role, x, y, values, *extra in rows:
        rec = {"position_id": pid, "medium": medium, "role": role, "x": x, "y": y}
        for code, (v, f) in values.items():
            rec[code], rec[f"{code}_flag"] = v, f
        rec.update(extra[0] if extra else {})
        records.append(rec)
    frame = pd.DataFrame(records)
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["x"], frame["y"]), crs=CRS)


def _codes(result):
    return [getattr(w, "code", None) for w in result.warnings]


# ---------------------------------------------------------------- per well and section
def test_k_rule_censoring_standard_and_class_hand_worked():
    # control 0.10 mg/L NH4+-N: B = 0.10
    # GW-02 0.13: K = (0.13 - 0.10) / 0.10 = 0.30 > 0.2 -> confirmed; class III (0.10 < 0.13 <= 0.50)
    # GW-03 0.115: K = 0.15 -> above, not confirmed
    # GW-04 "<0.05": below the limit, DL 0.05 <= B -> not above, K <= -0.5; class of 0.05: II (0.02 < DL <= 0.10)
    # GW-05 "<0.2": DL 0.2 > B -> undecidable, counted neither way
    # GW-06 0.60: K = 5.0 confirmed; above GB/T 14848 class III (0.5) -> standard exceeded; class IV (<= 1.5)
    t = _table([
        ("GW-01", "groundwater", "control", 0, 0, {"NH4_N": (0.10, "")}),
        ("GW-02", "groundwater", "down_gradient", 10, 0, {"NH4_N": (0.13, "")}),
        ("GW-03", "groundwater", "down_gradient", 20, 0, {"NH4_N": (0.115, "")}),
        ("GW-04", "groundwater", "down_gradient", 30, 0, {"NH4_N": (0.05, "<")}),
        ("GW-05", "groundwater", "down_gradient", 40, 0, {"NH4_N": (0.2, "<")}),
        ("GW-06", "groundwater", "down_gradient", 50, 0, {"NH4_N": (0.60, "")}),
    ])
    r = assess_water(t)
    s = r.samples.set_index("position_id")
    assert s.loc["GW-02", "k"] == pytest.approx(0.30)
    assert s.loc["GW-02", "status"] == "confirmed" and s.loc["GW-02", "water_class"] == "III"
    assert s.loc["GW-03", "k"] == pytest.approx(0.15) and s.loc["GW-03", "status"] == "above"
    assert s.loc["GW-04", "status"] == "not_above" and s.loc["GW-04", "k_bound"] == "<="
    assert s.loc["GW-04", "k"] == pytest.approx(-0.5) and s.loc["GW-04", "water_class"] == "II or better"
    assert s.loc["GW-05", "status"] == "undecidable" and math.isnan(s.loc["GW-05", "k"])
    assert s.loc["GW-06", "k"] == pytest.approx(5.0) and bool(s.loc["GW-06", "standard_exceeded"])
    assert s.loc["GW-06", "standard"] == "GB/T14848-2017" and s.loc["GW-06", "standard_value"] == 0.5
    assert s.loc["GW-06", "water_class"] == "IV"
    assert not s.loc["GW-02", "standard_exceeded"]
    assert s.loc["GW-01", "baseline_source"].startswith("control GW-01 (mean of 1)")
    assert "20 %" in s.loc["GW-02", "rule"]
    # the summary: 5 assessed wells, GW-05 undecidable -> N = 4, confirmed 2 -> ratio 0.5
    row = r.summary[(r.summary["indicator"] == "NH4_N") & (r.summary["confidence"] == 50)].iloc[0]
    assert (row["samples"], row["exceedances"], row["ratio"], row["standard_exceedances"]) == (4, 2, 0.5, 1)
    assert row["k_max"] == pytest.approx(5.0) and row["k_mean"] == pytest.approx((0.30 + 0.15 + 5.0) / 3)


def test_ph_acidification_and_surface_water_standard():
    # pH: B = 7.0 at the control section; discharge 6.0 -> K = 10^(7 - 6) - 1 = 9 confirmed;
    # GB 3838 pH 6-9 -> 6.0 is not below 6 (not exceeded), class I; 5.5 -> exceeded, class 劣V
    t = _table([
        ("SW-01", "surface_water", "control", 0, 0, {"pH": (7.0, "")}, {"distance_m": -100}),
        ("SW-02", "surface_water", "discharge", 100, 0, {"pH": (6.0, "")}, {"distance_m": 0}),
        ("SW-03", "surface_water", "downstream", 200, 0, {"pH": (5.5, "")}, {"distance_m": 100}),
    ])
    s = assess_water(t).samples.set_index("position_id")
    assert s.loc["SW-02", "k"] == pytest.approx(9.0) and s.loc["SW-02", "status"] == "confirmed"
    assert not s.loc["SW-02", "standard_exceeded"] and s.loc["SW-02", "water_class"] == "I"
    assert s.loc["SW-03", "standard_exceeded"] and s.loc["SW-03", "water_class"] == "劣V"
    assert s.loc["SW-03", "standard"] == "GB3838-2002"


def test_standard_tables_and_classes():
    sw = standard_limits("surface_water", "III").set_index("indicator")
    assert sw.loc["NH4_N", "value"] == 1.0 and sw.loc["Pb", "value"] == 50.0 and sw.loc["Pb", "unit"] == "μg/L"
    assert standard_limits("surface_water", "I").set_index("indicator").loc["NH4_N", "value"] == 0.15
    gw = standard_limits("groundwater", "III").set_index("indicator")
    assert gw.loc["SO4", "value"] == 250.0 and gw.loc["Cd", "value"] == 5.0  # 0.005 mg/L in μg/L
    # GB 3838 NH3-N classes: I <= 0.15, II <= 0.5, III <= 1.0, IV <= 1.5, V <= 2.0, else 劣V
    assert [water_class("surface_water", "NH4_N", v) for v in (0.1, 0.5, 0.51, 1.5, 2.0, 2.01)] == [
        "I", "II", "III", "IV", "V", "劣V"]
    assert water_class("groundwater", "SO4", 251.0) == "IV" and water_class("groundwater", "SO4", 351.0) == "V"
    assert water_class("groundwater", "La", 1.0) == ""  # no limit in the standard
    with pytest.raises(InputError):
        standard_limits("surface_water", "VI")


def test_flow_direction_from_heads():
    # h = 50 - 0.02 x: the head falls eastward, flow toward azimuth 90
    x, y = np.array([0.0, 100.0, 0.0, 100.0]), np.array([0.0, 0.0, 100.0, 100.0])
    assert flow_azimuth(x, y, 50 - 0.02 * x) == pytest.approx(90.0)
    # h = 50 + 0.01 y: flow south (180)
    assert flow_azimuth(x, y, 50 + 0.01 * y) == pytest.approx(180.0)
    assert flow_azimuth(x[:2], y[:2], [1.0, 2.0]) is None
    assert flow_azimuth(x, y, np.full(4, 3.0)) is None


# ---------------------------------------------------------------- plume
def _square(values, heads=(50.0, 48.0, 50.0, 48.0), extra=None):
    corners = [(0.0, 0.0), (100.0, 0.0), (0.0, 100.0), (100.0, 100.0)]
    rows = []
    for k, ((x, y), v, h) in enumerate(zip(corners, values, heads)):
        fields = {"head_m": h, "aquifer_thickness_m": 10.0, "effective_porosity": 0.2, **(extra or {})}
        rows.append((f"GW-{k + 2:02d}", "groundwater", "down_gradient", x, y, {"NH4_N": (v, "")}, fields))
    return _table(rows)


BASE = pd.DataFrame({"indicator": ["NH4_N"], "baseline": [0.1], "source": ["given for the test"]})


def test_plume_hand_worked_area_and_volume():
    # wells at the corners of a 100 m square, the two eastern ones confirmed (1.0 mg/L vs B = 0.1),
    # the western ones not (0.05). Indicator IDW is symmetric about x = 50: P > 0.5 exactly east of
    # it. Cells of 2 m: centres x = 51 ... 99 -> 25 columns x 50 rows = 1250 cells x 4 m2 = 5000 m2;
    # volume = 5000 m2 x 10 m x 0.2 = 10 000 m3.
    t = _square([0.05, 1.0, 0.05, 1.0])
    r = assess_water(t, baseline=BASE, params=WaterParams(cell_size_m=2.0))
    p = r.plume.set_index("confidence")
    assert p.loc[50, "cells"] == 1250 and p.loc[50, "area_m2"] == 5000.0 and p.loc[50, "volume_m3"] == 10000.0
    assert shapely.area(p.loc[50, "geometry"]) == pytest.approx(5000.0, rel=1e-9)
    assert p.loc[95, "area_m2"] <= p.loc[80, "area_m2"] <= p.loc[50, "area_m2"]
    assert r.parameters["plume"]["flow_azimuth_deg"] == pytest.approx(90.0)
    # clipped to the down-gradient side of a case area whose up-gradient edge is x = 60:
    # centres 61 ... 99 -> 20 columns x 50 rows x 4 m2 = 4000 m2
    case = gpd.GeoDataFrame(geometry=[shapely.box(60, 40, 70, 60)], crs=CRS)
    clipped = assess_water(t, baseline=BASE, case_area=case).plume.set_index("confidence")
    assert clipped.loc[50, "area_m2"] == 4000.0
    # the same with the direction given instead of heads
    given_dir = assess_water(t.drop(columns="head_m"), baseline=BASE, case_area=case,
                             params=WaterParams(gw_azimuth_deg=90.0)).plume.set_index("confidence")
    assert given_dir.loc[50, "area_m2"] == 4000.0
    no_dir = assess_water(t.drop(columns="head_m"), baseline=BASE, case_area=case)
    assert "WATER_NO_FLOW_DIRECTION" in _codes(no_dir) and no_dir.plume.set_index("confidence").loc[50, "area_m2"] == 5000.0
    summary = assess_water(t, baseline=BASE, case_area=case).summary
    row = summary[(summary["indicator"] == "NH4_N") & (summary["confidence"] == 50)].iloc[0]
    assert (row["medium"], row["area_m2"], row["volume_m3"]) == ("groundwater", 4000.0, 8000.0)


def test_too_few_wells_no_plume_and_why():
    t = _square([0.05, 1.0, 1.0, 1.0]).iloc[:3]
    r = assess_water(t, baseline=BASE)
    assert len(r.plume) == 0
    assert "WATER_PLUME_TOO_FEW_WELLS" in _codes(r)
    row = r.summary[(r.summary["indicator"] == "NH4_N") & (r.summary["confidence"] == 50)].iloc[0]
    assert math.isnan(row["area_m2"]) and "too few wells" in row["basis"]


def test_all_below_baseline_gives_empty_outputs_not_an_error(tmp_path):
    r = assess_water(_square([0.05, 0.06, 0.05, 0.07]), baseline=BASE)
    assert r.empty and len(r.plume) == 0 and len(r.reach) == 0
    assert "WATER_NONE_CONFIRMED" in _codes(r)
    assert (r.summary.loc[r.summary["medium"] == "groundwater", "area_m2"] == 0).all()
    written = r.write({"samples": tmp_path / "s.gpkg", "plume": tmp_path / "p.gpkg", "summary": tmp_path / "t.csv"})
    assert all(p.exists() and p.with_name(p.name + ".provenance.json").exists() for p in written.values())


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.01, 2.0), min_size=6, max_size=6), st.lists(st.floats(0.01, 2.0), min_size=6, max_size=6))
def test_property_levels_nested_and_union_not_above_sum(nh4, so4):
    xy = [(0, 0), (80, 10), (20, 90), (100, 100), (50, 40), (10, 50)]
    rows = [(f"GW-{k:02d}", "groundwater", "down_gradient", x, y, {"NH4_N": (a, ""), "SO4": (b * 100, "")})
            for k, ((x, y), a, b) in enumerate(zip(xy, nh4, so4))]
    base = pd.DataFrame({"indicator": ["NH4_N", "SO4"], "baseline": [0.5, 50.0]})
    s = assess_water(_table(rows), baseline=base, params=WaterParams(cell_size_m=5.0)).summary
    gw = s[s["medium"] == "groundwater"]
    for code, g in gw.groupby("indicator"):
        a = g.set_index("confidence")["area_m2"].fillna(0)
        assert a[95] <= a[80] <= a[50], code
    for level in (50, 80, 95):
        lv = gw[gw["confidence"] == level]
        union = lv.loc[lv["indicator"] == "ANY", "area_m2"].iloc[0]
        assert union <= lv.loc[lv["indicator"] != "ANY", "area_m2"].fillna(0).sum() + 1e-6
        assert union >= lv.loc[lv["indicator"] != "ANY", "area_m2"].fillna(0).max() - 1e-6


# ---------------------------------------------------------------- damaged reach
def _stream_case(values):
    # a straight stream from (0, 0) to (1000, 0); control at 100 m, discharge 200 m, then 300, 400, 500 m
    ids = ["SW-01", "SW-02", "SW-03", "SW-04", "SW-05"]
    roles = ["control", "discharge", "downstream", "downstream", "downstream"]
    rows = [(i, "surface_water", role, x, 0.0, {"NH4_N": v}, {"width_m": 4.0, "depth_m": 0.5, "distance_m": x - 200.0})
            for i, role, x, v in zip(ids, roles, (100, 200, 300, 400, 500), values)]
    stream = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1000, 0)])], crs=CRS)
    return _table(rows), stream


def test_reach_hand_worked():
    # B = 0.2 (control); discharge 2.0 (K 9) and 300 m 0.5 (K 1.5) confirmed; 400 m "<0.5": DL > B,
    # undecidable, does not end the reach; 500 m 0.21 (K 0.05, not confirmed) meets the baseline:
    # reach 200 -> 500 m = 300 m; area = 300 x 4 = 1200 m2; volume = 1200 x 0.5 = 600 m3
    t, stream = _stream_case([(0.2, ""), (2.0, ""), (0.5, ""), (0.5, "<"), (0.21, "")])
    r = assess_water(t, stream=stream)
    reach = r.reach.set_index("indicator").loc["NH4_N"]
    assert (reach["from_id"], reach["to_id"], reach["length_m"], bool(reach["open_end"])) == ("SW-02", "SW-05", 300.0, False)
    assert shapely.length(reach["geometry"]) == pytest.approx(300.0)
    rows = r.summary[(r.summary["medium"] == "surface_water") & (r.summary["indicator"] == "NH4_N")]
    assert list(rows["confidence"]) == [50, 80, 95]
    assert (rows["length_m"] == 300.0).all() and (rows["area_m2"] == 1200.0).all() and (rows["volume_m3"] == 600.0).all()


def test_reach_open_when_no_section_meets_the_baseline_and_without_stream_line():
    t, _ = _stream_case([(0.2, ""), (2.0, ""), (0.5, ""), (0.4, ""), (0.3, "")])
    r = assess_water(t)
    reach = r.reach.set_index("indicator").loc["NH4_N"]
    assert reach["to_id"] == "SW-05" and bool(reach["open_end"]) and reach["length_m"] == pytest.approx(300.0)
    assert {"WATER_REACH_OPEN", "WATER_NO_STREAM_LINE"} <= set(_codes(r))


def test_bad_input_is_named():
    t, _ = _stream_case([(0.2, ""), (2.0, ""), (0.5, ""), (0.4, ""), (0.3, "")])
    with pytest.raises(InputError, match="medium"):
        assess_water(t.assign(medium="lake"))
    with pytest.raises(InputError, match="role"):
        assess_water(t.drop(columns="role"))
    with pytest.raises(InputError, match="projected"):
        assess_water(t.to_crs("EPSG:4490"))
    with pytest.raises(InputError, match="distance_m"):
        assess_water(t.drop(columns="distance_m"))


# ---------------------------------------------------------------- the sample case
@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return generate_sample_case(tmp_path_factory.mktemp("water") / "case", include=("vectors", "lab", "water"))


def test_sample_case_water_leaves_the_other_files_byte_identical(sample, tmp_path):
    without = generate_sample_case(tmp_path / "case", include=("vectors", "lab"))
    for key in ("vectors", "lab_csv", "lab_xlsx"):
        assert without[key].read_bytes() == sample[key].read_bytes(), key
    again = generate_sample_case(tmp_path / "again", include=("vectors", "lab", "water"))
    for key in ("water_vectors", "water_lab"):
        assert again[key].read_bytes() == sample[key].read_bytes(), key


def test_sample_case_chain_through_the_step(sample):
    case = load_case(sample["case_file"])
    assert case.inputs.water_vectors == sample["water_vectors"].resolve()
    positions = gpd.read_file(case.inputs.water_vectors, layer="water_positions")
    stream = gpd.read_file(sample["vectors"], layer="stream")
    boundary = gpd.read_file(sample["vectors"], layer="case_boundary")
    r = water_damage_for(positions, case.inputs.water_lab, stream=stream, case_area=boundary)
    assert tuple(r.summary.columns) == SUMMARY_COLUMNS
    reach = r.reach.set_index("indicator").loc["NH4_N"]
    assert reach["from_id"] == "SW-02" and not reach["open_end"]
    assert reach["to_id"] == "SW-05" and reach["length_m"] == pytest.approx(100.0, abs=0.01)  # sections 0 -> 100 m
    assert len(r.plume) and set(r.plume["confidence"]) == {50, 80, 95}
    # the heads fall toward the stream in the south
    assert 135 < r.parameters["plume"]["flow_azimuth_deg"] < 225
    # the single control well is its own baseline (K = 0; a censored control at its limit): never damaged
    control = r.samples[r.samples["position_id"] == "GW-01"]
    assert len(control) == 7 and (control["status"] == "not_above").all()


def test_the_standards_are_said_to_be_unverified_in_every_compared_row():
    # the seeds hold no text of GB 3838-2002 or GB/T 14848-2017: their transcribed limits are
    # unverified, and the rows that use them say so (not only the log)
    t = _table([
        ("GW-01", "groundwater", "control", 0, 0, {"NH4_N": (0.10, ""), "La": (1.0, "")}),
        ("GW-02", "groundwater", "down_gradient", 10, 0, {"NH4_N": (0.60, ""), "La": (2.0, "")}),
        ("SW-01", "surface_water", "control", 0, 0, {"NH4_N": (0.2, "")}, {"distance_m": -100}),
        ("SW-02", "surface_water", "discharge", 100, 0, {"NH4_N": (1.2, "")}, {"distance_m": 0}),
    ])
    r = assess_water(t, indicators=["NH4_N", "La"])
    s = r.samples.set_index(["position_id", "indicator"])
    for key, standard in ((("GW-02", "NH4_N"), "GB/T14848-2017"), (("SW-02", "NH4_N"), "GB3838-2002")):
        assert not s.loc[key, "standard_verified"]
        assert s.loc[key, "standard_note"].startswith(f"{standard}: screening values transcribed")
        assert "not yet verified" in s.loc[key, "standard_note"]
    # La has no limit in GB/T 14848: nothing compared, nothing to verify
    assert s.loc[("GW-02", "La"), "standard_note"] == "" and s.loc[("GW-02", "La"), "standard_status"] == "no_standard"
    assert "WATER_STANDARDS_UNVERIFIED" in _codes(r)


def test_a_plume_not_clipped_says_so_in_its_basis():
    t = _square([0.05, 1.0, 0.05, 1.0])
    case = gpd.GeoDataFrame(geometry=[shapely.box(60, 40, 70, 60)], crs=CRS)
    clipped = assess_water(t, baseline=BASE, case_area=case)
    assert clipped.plume["basis"].str.endswith("clipped to the case's down-gradient side").all()
    assert not clipped.plume["basis"].str.contains("NOT").any()
    no_direction = assess_water(t.drop(columns="head_m"), baseline=BASE, case_area=case)
    no_case = assess_water(t, baseline=BASE)
    for result, why in ((no_direction, "no flow direction"), (no_case, "no case area given")):
        assert result.plume["basis"].str.contains(f"NOT clipped to the case's down-gradient side: {why}").all()
        row = result.summary[(result.summary["medium"] == "groundwater") & (result.summary["indicator"] == "NH4_N")]
        assert row["basis"].str.contains("NOT clipped").all()


def test_a_confirmed_discharge_section_with_nothing_downstream_is_open_not_an_error():
    # found by the test above: one section below the control, confirmed, gave a GEOS error
    # (a line of one point); now no line, length 0 m, and the message asks for a section downstream
    t = _table([
        ("SW-01", "surface_water", "control", 0, 0, {"NH4_N": (0.2, "")}, {"distance_m": -100}),
        ("SW-02", "surface_water", "discharge", 100, 0, {"NH4_N": (1.2, "")}, {"distance_m": 0}),
    ])
    r = assess_water(t, indicators=["NH4_N"])
    assert len(r.reach) == 0 and "WATER_REACH_OPEN" in _codes(r)
    row = r.summary[(r.summary["medium"] == "surface_water") & (r.summary["indicator"] == "NH4_N")].iloc[0]
    assert row["length_m"] == 0.0 and row["exceedances"] == 1


def test_water_results_in_a_soil_unit_are_refused_by_the_importer(sample, tmp_path):
    # the water step reads the sheet through the lab importer: a soil unit for a water result is
    # refused with its row and column, nothing assessed
    positions = gpd.read_file(sample["water_vectors"], layer="water_positions")
    sheet = tmp_path / "water.csv"
    sheet.write_text("样品编号,镉(mg/kg),氨氮(mg/L)\nGW-01,0.002,1.2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"unit mg/kg does not fit Cd in groundwater \(expected μg/L\)"):
        water_damage_for(positions, sheet)
