"""Valuation: hand-worked examples per method, bad input, properties, workbook = JSON.

Every expected figure below was worked out by hand (the arithmetic is written next to it)
and does not call the code under test.
"""

from __future__ import annotations

import copy
import json
import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ree_damage.core.common.errors import InputError
from ree_damage.core.valuation.params import read_params
from ree_damage.core.valuation.valuate import valuate

CASE = {"act_start": "2024-04-01", "act_end": "2025-10-31", "survey_date": "2026-03-15", "id": "T-1"}


def price(value, unit, date="2026-01-10", default=False):
    return {"value": value, "unit": unit, "source": "test price", "date": date, "default": default}


def params(**section):
    return read_params(section, case_info=CASE)


def lines_of(result, method):
    return [line for line in result.lines if line.method == method]


DAMAGE_HEADER = ("zone,depth_layer,indicator,method,unit,baseline,samples,exceedances,ratio,area_m2,volume_m3,"
                 "area_p50_m2,volume_p50_m3,area_p80_m2,volume_p80_m3,area_p95_m2,volume_p95_m3,thickness_m\n")


@pytest.fixture()
def damage_csv(tmp_path):
    """Two depth layers of the kriged ANY rows; other rows must be ignored."""
    path = tmp_path / "damage_summary.csv"
    path.write_text(
        DAMAGE_HEADER
        + "ALL,0-50,ANY,ok,,,10,5,0.5,2000,1000,1800,900,1500,750,1000,500,0.5\n"
        + "ALL,50-100,ANY,ok,,,10,5,0.5,469,234.5,400,200,300,150,200,100,0.5\n"
        + "ALL,0-50,ANY,idw,,,10,5,0.5,3000,1500,,,,,,,0.5\n"
        + "INJ,0-50,ANY,ok,,,10,5,0.5,100,50,100,50,100,50,100,50,0.5\n"
        + "ALL,0-50,Cd,ok,mg/kg,0.3,10,5,0.5,100,50,100,50,100,50,100,50,0.5\n",
        encoding="utf-8-sig",
    )
    return path


# --------------------------------------------------------------------------- 10.1 actual costs
def test_actual_costs_are_the_receipts():
    section = {"actual_costs": [
        {"item": "emergency works", "date": "2025-11-20", "amount": 38500.0, "unit": "元", "evidence": "R-1"},
        {"item": "lab", "date": "2026-03-10", "amount": 126000.1, "unit": "元", "evidence": "R-2"},
    ]}
    result = valuate(params(**section))
    # 38500 + 126000.1 = 164500.1 exactly (no binary drift: 0.1 stays 0.1)
    assert result.total == Decimal("164500.1")
    assert [line.result for line in lines_of(result, "actual_costs")] == [Decimal("38500.0"), Decimal("126000.1")]
    assert "R-2" in lines_of(result, "actual_costs")[1].sources[0]


# --------------------------------------------------------------------------- 10.6 mineral value
MINERAL_PRICES = {
    "reo": price(200000.0, "元/t", "2025-01-15"),
    "national": price(0.75, "1", "2013-12-01"),
    "design": price(0.70, "1", "2018-06-01"),
}


def test_mineral_sales_unsold_part_and_destroyed_resource(tmp_path):
    resource = tmp_path / "annex5.csv"
    resource.write_text("矿种,资源量类型,块段数（个）,面积（m²）,矿石量（t）,平均品位 REO（%）,REO 资源量（t）\n"
                        "离子吸附型稀土矿,推断资源量,3,30000,384000,0.0078125,30.0\n"
                        "合计,,3,30000,384000,0.0078125,30.0\n", encoding="utf-8-sig")
    section = {"prices": MINERAL_PRICES, "mineral": {
        "product_quantity": 5.0, "product_unit": "t", "product_source": "ledger",
        "sales": [{"quantity": 2.0, "unit": "t", "amount": 410000.0, "date": "2024-09-20", "evidence": "bank"}],
        "price": "reo", "recovery_design": "design", "recovery_national_minimum": "national"}}
    result = valuate(params(**section), mined=resource)
    lines = lines_of(result, "mineral")
    # sold: 410 000; average price 410 000 / 2 = 205 000 元/t; unsold (5 - 2) x 205 000 = 615 000
    assert lines[0].result == 410000 and lines[1].result == 615000 and lines[1].unit_price == 205000
    # recovery: max(design 0.70, national 0.75) = 0.75; recoverable 30 x 0.75 = 22.5 t; destroyed 22.5 - 5 = 17.5 t
    assert lines[2].quantity == Decimal("22.5") and not lines[2].money and "national minimum" in lines[2].note
    # destroyed value at the average sale price: 17.5 x 205 000 = 3 587 500
    assert lines[3].quantity == Decimal("17.5") and lines[3].result == 3587500
    assert "annex5.csv (sha256 " in lines[3].sources[0]
    # total 410 000 + 615 000 + 3 587 500 = 4 612 500
    assert result.total == 4612500


def test_mineral_design_rate_when_higher():
    prices = {**MINERAL_PRICES, "design": price(0.80, "1", "2018-06-01")}
    section = {"prices": prices, "quantities": {"resource_reo_t": {"value": 10, "unit": "t", "source": "s"}},
               "mineral": {"product_quantity": 0, "product_unit": "t", "price": "reo", "recovery_design": "design",
                           "recovery_national_minimum": "national", "destroyed_basis": "recoverable"}}
    result = valuate(params(**section))
    lines = lines_of(result, "mineral")
    # design 0.80 > 0.75: 10 x 0.80 = 8 t at the institution's 200 000 元/t = 1 600 000
    assert "the design's" in lines[0].note and lines[1].result == 1600000


def test_mineral_each_period_at_its_own_price():
    section = {"prices": {"p1": price(180000, "元/t", "2024-06-01"), "p2": price(220000, "元/t", "2025-05-01")},
               "mineral": {"product_quantity": 3.0, "product_unit": "t", "periods": [
                   {"start": "2024-04-01", "end": "2024-12-31", "quantity": 1.0, "unit": "t", "price": "p1"},
                   {"start": "2025-01-01", "end": "2025-10-31", "quantity": 2.0, "unit": "t", "price": "p2"}]}}
    result = valuate(params(**section))
    # 1 x 180 000 + 2 x 220 000 = 620 000
    assert [line.result for line in lines_of(result, "mineral")] == [180000, 440000] and result.total == 620000


def test_mineral_institution_price_without_sales():
    section = {"prices": {"reo": price(200000, "元/t", "2025-01-15")},
               "mineral": {"product_quantity": 3.0, "product_unit": "t", "price": "reo"}}
    # 3 t x 200 000 元/t = 600 000
    assert valuate(params(**section)).total == 600000


# --------------------------------------------------------------------------- 10.2 restoration
def test_restoration_quantities_from_the_damage_table(damage_csv):
    section = {"prices": {"lime": price(85.0, "元/m3"), "reveg": price(45000.0, "元/hm2"),
                          "monitor": price(150000.0, "元/item")},
               "quantities": {"vegetation_damaged_area_hm2": {"value": 1.2, "unit": "hm2", "source": "survey"}},
               "restoration": [
                   {"item": "lime", "quantity": "soil_damaged_volume_m3", "price": "lime"},
                   {"item": "half replaced", "quantity": "soil_damaged_volume_m3", "factor": 0.5, "price": "lime"},
                   {"item": "revegetation", "quantity": "vegetation_damaged_area_hm2", "price": "reveg"},
                   {"item": "monitoring", "kind": "compensatory", "quantity": 1, "quantity_unit": "item",
                    "price": "monitor"}]}
    result = valuate(params(**section), damage=damage_csv)
    lines = lines_of(result, "restoration")
    # kriged ANY rows of zone ALL: 1000 + 234.5 = 1234.5 m3; x 85 = 104 932.5
    assert lines[0].quantity == Decimal("1234.5") and lines[0].result == Decimal("104932.5")
    # half of it: 617.25 x 85 = 52 466.25
    assert lines[1].result == Decimal("52466.25")
    # 1.2 hm2 x 45 000 = 54 000; monitoring 150 000
    assert lines[2].result == 54000 and lines[3].result == 150000 and lines[3].item.startswith("补偿性")
    # total 104 932.5 + 52 466.25 + 54 000 + 150 000 = 361 398.75
    assert result.total == Decimal("361398.75")
    # the range: volumes at 50/80/95 % are 1100, 900, 600 m3 (x 1.5 x 85 each)
    # 1100 x 127.5 + 204 000 = 344 250; 900 -> 318 750; 600 -> 280 500
    totals = {s.name: s.total for s in result.scenarios}
    assert totals["damage P(exceed) >= 50 %"] == Decimal("344250.0")
    assert totals["damage P(exceed) >= 95 %"] == Decimal("280500.0")
    assert result.low == Decimal("280500.0") and result.high == Decimal("361398.75")


# --------------------------------------------------------------------------- interim loss (HEA)
HEA_AREA = {"vegetation_damaged_area_hm2": {"value": 2, "unit": "hm2", "source": "survey"}}


def test_hea_end_of_year_unit_value():
    section = {"crediting": "end-of-year", "quantities": HEA_AREA,
               "prices": {"service": price(10000, "元/(hm2·a)")},
               "interim": {"area": "vegetation_damaged_area_hm2", "loss_start_year": 2024, "recovery_year": 2028,
                           "method": "unit_value", "price": "service"}}
    result = valuate(params(**section))
    # L = 1, 0.75, 0.5, 0.25 in 2024-2027; C = 2026; end-of-year tau = t + 1: exponents 1, 0, -1, -2
    # D = 2 x (1.03 + 0.75 + 0.5 / 1.03 + 0.25 / 1.0609)
    #   = 2 x (1.03 + 0.75 + 0.485436893 + 0.235648977) = 2 x 2.501085870 = 5.002171741 hm2.a
    debit = [line for line in lines_of(result, "interim") if not line.money]
    assert [line.quantity for line in debit] == [Decimal("2"), Decimal("1.50"), Decimal("1.0"), Decimal("0.50")]
    money = [line for line in lines_of(result, "interim") if line.money][0]
    assert float(money.quantity) == pytest.approx(5.002171741, abs=1e-9)
    # x 10 000 元/(hm2.a) = 50 021.72 元 (displayed)
    assert result.as_json()["total_display"] == "50021.72"
    # at 5 %: 2 x (1.05 + 0.75 + 0.5 / 1.05 + 0.25 / 1.1025) = 2 x 2.502947846 = 5.005895692 -> 50 058.96
    totals = {s.name: s.total for s in result.scenarios}
    assert float(totals["discount rate 5 %"]) == pytest.approx(50058.96, abs=0.01)
    assert "end-of-year" in money.note


def test_hea_mid_year_path_table():
    section = {"quantities": {"vegetation_damaged_area_hm2": {"value": 1, "unit": "hm2", "source": "s"}},
               "prices": {"service": price(1000, "元/(hm2·a)")},
               "interim": {"area": "vegetation_damaged_area_hm2", "path": [[2025, 1.0]], "method": "unit_value",
                           "price": "service"}}
    result = valuate(params(**section))
    # one year, mid-year tau = 2025.5, C = 2026: 1 x 1.03^0.5 = 1.014889157 -> 1014.89 元
    assert result.as_json()["total_display"] == "1014.89"


def test_hea_compensatory_project():
    section = {"crediting": "end-of-year", "quantities": HEA_AREA,
               "prices": {"project": price(60000, "元/hm2")},
               "interim": {"area": "vegetation_damaged_area_hm2", "loss_start_year": 2024, "recovery_year": 2028,
                           "compensatory_gain": 0.5, "compensatory_start_year": 2027, "compensatory_years": 2,
                           "price": "project"}}
    result = valuate(params(**section))
    # debit D = 5.002171741 (above); credit K = 0.5 x (1.03^-2 + 1.03^-3) = 0.5 x (0.942595909 + 0.915141659)
    #   = 0.928868784 per hm2; area D / K = 5.385231...; x 60 000 = 323 113.9 元
    line = [line for line in lines_of(result, "interim") if line.money][0]
    assert float(line.quantity) == pytest.approx(5.002171741 / 0.928868784, rel=1e-8)
    assert float(line.result) == pytest.approx(5.002171741 / 0.928868784 * 60000, rel=1e-8)


# --------------------------------------------------------------------------- 10.4 forest services
def test_forest_services_with_price_index():
    section = {"quantities": {"vegetation_damaged_area_hm2": {"value": 1.2, "unit": "hm2", "source": "s"}},
               "interim_in_total": "forest_services",
               "prices": {"water": price(3200, "元/hm2/a", "2020-12-31"), "soil": price(1800, "元/(hm²·a)", "2020-12-31")},
               "forest": {"area": "vegetation_damaged_area_hm2", "years_of_loss": 10,
                          "price_index": {"2020": 100.0, "2026": 108.6}, "price_index_source": "CPI",
                          "services": [{"service": "water", "price": "water", "price_year": 2020},
                                       {"service": "soil", "price": "soil", "price_year": 2020}]}}
    result = valuate(params(**section))
    lines = lines_of(result, "forest")
    # 1.2 x 3200 x 108.6 / 100 x 10 = 41 702.4; 1.2 x 1800 x 1.086 x 10 = 23 457.6; sum 65 160
    assert [line.result for line in lines] == [Decimal("41702.4"), Decimal("23457.6")]
    assert all(line.counted for line in lines) and result.total == 65160


def test_forest_not_counted_beside_hea():
    section = {"quantities": {"vegetation_damaged_area_hm2": {"value": 1, "unit": "hm2", "source": "s"}},
               "prices": {"water": price(100, "元/(hm2·a)", "2020-12-31"), "service": price(50, "元/(hm2·a)")},
               "interim": {"area": "vegetation_damaged_area_hm2", "path": [[2025, 1.0]], "method": "unit_value",
                           "price": "service", },
               "forest": {"area": "vegetation_damaged_area_hm2", "years_of_loss": 1, "price_index": {"2020": 1, "2026": 1},
                          "price_index_source": "CPI", "services": [{"service": "w", "price": "water", "price_year": 2020}]}}
    result = valuate(params(**section))
    # only the HEA line counts: 1 x 1.03^0.5 x 50 = 50.744 -> 50.74; the forest line (100) is shown, not counted
    assert result.as_json()["total_display"] == "50.74"
    assert not lines_of(result, "forest")[0].counted
    # the forest line, 1 hm2 x 100 x (1/1) x 1 a = 100, is in the JSON and the summary's note
    assert Decimal(result.as_json()["methods"]["forest"]["lines_sum"]) == 100
    assert "its lines sum to 100.00 元" in str(result.sheets()["汇总 Summary"])


# --------------------------------------------------------------------------- 10.5 residual loss
def test_residual_unit_value_and_perpetuity():
    section = {"quantities": {"soil_damaged_area_hm2": {"value": 0.5, "unit": "hm2", "source": "s"}},
               "prices": {"value": price(20000, "元/hm2"), "annual": price(600, "元/(hm2·a)")},
               "residual": [{"item": "lost soil", "quantity": "soil_damaged_area_hm2", "method": "unit_value",
                             "price": "value"},
                            {"item": "lost service", "quantity": "soil_damaged_area_hm2", "method": "perpetuity",
                             "price": "annual"}]}
    result = valuate(params(**section))
    # 0.5 x 20 000 = 10 000; 0.5 x 600 / 0.03 = 10 000; at 2 %: 15 000, at 5 %: 6 000
    assert [line.result for line in lines_of(result, "residual")] == [10000, 10000]
    totals = {s.name: s.total for s in result.scenarios}
    assert totals["discount rate 2 %"] == 25000 and totals["discount rate 5 %"] == 16000
    assert (result.low, result.high) == (16000, 25000)


# --------------------------------------------------------------------------- water table
def test_water_table_groundwater_volume(tmp_path):
    water = tmp_path / "water.csv"
    water.write_text("medium,indicator,area_m2,volume_m3,confidence\n"
                     "groundwater,NH4_N,1000,4000,50\ngroundwater,SO4,1200,5000,50\n"
                     "groundwater,NH4_N,800,3000,80\ngroundwater,SO4,700,2800,80\n"
                     "groundwater,SO4,500,2000,95\nsurface_water,ANY,300,90,50\n", encoding="utf-8")
    section = {"prices": {"gw": price(12, "元/m3")},
               "restoration": [{"item": "gw", "quantity": "groundwater_volume_m3", "price": "gw"}]}
    result = valuate(params(**section), water=water)
    # central: largest 50 % volume, 5000 m3 x 12 = 60 000; 80 %: 3000 x 12 = 36 000; 95 %: 24 000
    assert result.total == 60000
    totals = {s.name: s.total for s in result.scenarios}
    assert totals["damage P(exceed) >= 80 %"] == 36000 and totals["damage P(exceed) >= 95 %"] == 24000


def test_an_empty_plume_falls_back_to_the_parameter(tmp_path):
    water = tmp_path / "water.csv"
    water.write_text("medium,indicator,area_m2,volume_m3,confidence\ngroundwater,ANY,,,50\n"
                     "surface_water,ANY,300,90,50\n", encoding="utf-8")
    section = {"prices": {"gw": price(12, "元/m3")},
               "quantities": {"groundwater_volume_m3": {"value": 250, "unit": "m3", "source": "hydrogeology"}},
               "restoration": [{"item": "gw", "quantity": "groundwater_volume_m3", "price": "gw"}]}
    result = valuate(params(**section), water=water)
    # no plume drawn: the 250 m3 of the parameter x 12 = 3 000, not 0
    assert result.total == 3000 and any("no groundwater volume_m3 at 50 %" in n for n in result.notes)


def test_groundwater_parameter_fallback():
    section = {"prices": {"gw": price(12, "元/m3")},
               "quantities": {"groundwater_volume_m3": {"value": 250, "unit": "m3", "source": "hydrogeology"}},
               "restoration": [{"item": "gw", "quantity": "groundwater_volume_m3", "price": "gw"}]}
    result = valuate(params(**section))
    assert result.total == 3000 and "hydrogeology" in result.lines[0].sources[0]


# --------------------------------------------------------------------------- bad input
BASE = {"prices": {"lime": price(85.0, "元/m3"), "reo": price(200000, "元/t", "2025-01-15"),
                   "national": price(0.75, "1", "2013-12-01")},
        "quantities": {"soil_damaged_volume_m3": {"value": 100, "unit": "m3", "source": "s"},
                       "resource_reo_t": {"value": 10, "unit": "t", "source": "s"}},
        "restoration": [{"item": "lime", "quantity": "soil_damaged_volume_m3", "price": "lime"}],
        "mineral": {"product_quantity": 1.0, "product_unit": "t", "price": "reo",
                    "recovery_national_minimum": "national"}}


def _bad(change):
    section = copy.deepcopy(BASE)
    change(section)
    return section


@pytest.mark.parametrize(("change", "line", "parameter", "words"), [
    (lambda s: s["prices"].pop("lime"), "valuation.restoration[1] lime", "valuation.prices.lime", "missing price"),
    (lambda s: s["prices"]["lime"].update(value=float("nan")), "valuation.restoration[1] lime",
     "valuation.prices.lime.value", "no value"),
    (lambda s: s["prices"]["lime"].update(unit="元/t"), "valuation.restoration[1] lime",
     "valuation.prices.lime.unit", "unit mismatch"),
    (lambda s: s["prices"]["reo"].update(unit="万元/t", value=20.0), "valuation.mineral extracted product",
     "valuation.prices.reo.unit", "万元"),
    (lambda s: s["quantities"]["soil_damaged_volume_m3"].update(value=-5), "valuation.quantities.soil_damaged_volume_m3",
     "valuation.quantities.soil_damaged_volume_m3.value", "negative"),
    (lambda s: s["restoration"][0].update(quantity=-3, quantity_unit="m3"), "valuation.restoration[1] lime",
     "valuation.restoration[1].quantity", "negative"),
    (lambda s: s["prices"]["reo"].update(date="2023-12-31"), "valuation.mineral extracted product",
     "valuation.prices.reo.date", "outside the act"),
    (lambda s: s["prices"]["national"].update(value=1.2), "valuation.mineral destroyed resource",
     "valuation.prices.national.value", "above 1"),
])
def test_bad_input_names_line_and_parameter(change, line, parameter, words, tmp_path):
    with pytest.raises(InputError) as caught:
        result = valuate(params(**_bad(change)))
        result.write({"workbook": tmp_path / "v.xlsx", "json": tmp_path / "v.json"})
    assert caught.value.feature == line and caught.value.column == parameter
    assert words in str(caught.value)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_negative_quantity_in_a_table_names_file_row_column(damage_csv, tmp_path):
    text = damage_csv.read_text(encoding="utf-8-sig").replace("469,234.5", "469,-234.5")
    damage_csv.write_text(text, encoding="utf-8-sig")
    with pytest.raises(InputError) as caught:
        valuate(params(**BASE), damage=damage_csv)
    assert caught.value.layer == str(damage_csv) and caught.value.row == 2 and caught.value.column == "volume_m3"


def test_the_base_case_of_the_bad_inputs_is_good():
    # 100 x 85 + 1 x 200 000 + (10 x 0.75 - 1) x 200 000 = 8 500 + 200 000 + 1 300 000
    assert valuate(params(**BASE)).total == 1508500


def test_a_rate_given_in_percent_is_refused():
    with pytest.raises(InputError) as caught:
        params(discount_rate=3)
    assert caught.value.column == "valuation.discount_rate"


# --------------------------------------------------------------------------- properties
amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(amounts, min_size=1, max_size=30))
def test_summary_is_the_sum_of_its_lines(values):
    section = {"actual_costs": [{"item": f"c{i}", "date": "2025-01-01", "amount": str(v), "evidence": "r"}
                                for i, v in enumerate(values)]}
    result = valuate(params(**section))
    assert result.total == sum(values) == sum(line.result for line in result.lines)
    document = result.as_json()
    assert Decimal(document["methods"]["actual_costs"]["subtotal"]) == sum(values)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=4, max_size=4),
       st.floats(min_value=0, max_value=1e4, allow_nan=False), st.sampled_from([0.0, 0.01, 0.07]))
def test_range_brackets_the_central_value(volumes, unit_cost, rate):
    central, *levels = volumes
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    (folder / "d.csv").write_text(
        DAMAGE_HEADER + f"ALL,0-50,ANY,ok,,,1,1,1,1,{central!r},1,{levels[0]!r},1,{levels[1]!r},1,{levels[2]!r},0.5\n",
        encoding="utf-8")
    section = {"discount_rate": rate, "prices": {"c": price(unit_cost, "元/m3"), "a": price(100, "元/(hm2·a)")},
               "quantities": {"soil_damaged_area_hm2": {"value": 1, "unit": "hm2", "source": "s"}},
               "restoration": [{"item": "c", "quantity": "soil_damaged_volume_m3", "price": "c"}],
               "residual": [{"item": "r", "quantity": "soil_damaged_area_hm2", "method": "unit_value",
                             "price": "a"}] if rate == 0 else [
                   {"item": "r", "quantity": "soil_damaged_area_hm2", "method": "perpetuity", "price": "a"}]}
    if rate == 0:
        section["prices"]["a"]["unit"] = "元/hm2"
    result = valuate(params(**section), damage=folder / "d.csv")
    assert result.low <= result.total <= result.high
    assert all(result.low <= s.total <= result.high for s in result.scenarios)


# --------------------------------------------------------------------------- workbook and JSON
def test_workbook_read_back_equals_the_json(damage_csv, tmp_path):
    from openpyxl import load_workbook

    section = copy.deepcopy(BASE)
    section["restoration"][0]["quantity"] = "soil_damaged_volume_m3"
    section.pop("quantities")["resource_reo_t"]
    section["quantities"] = {"resource_reo_t": {"value": 10, "unit": "t", "source": "s"}}
    section["actual_costs"] = [{"item": "x", "date": "2025-01-01", "amount": 0.125, "evidence": "r"}]
    result = valuate(params(**section), damage=damage_csv)
    written = result.write({"workbook": tmp_path / "v.xlsx", "json": tmp_path / "v.json"})
    document = json.loads(written["json"].read_text(encoding="utf-8"))
    book = load_workbook(written["workbook"], read_only=True)
    summary = {row[0]: row[1] for row in book["汇总 Summary"].iter_rows(min_row=2, values_only=True)}
    assert Decimal(str(summary["合计 Total"])) == Decimal(document["total_display"])
    assert Decimal(str(summary["范围下限 Range low"])) == Decimal(document["range"]["low_display"])
    assert Decimal(str(summary["范围上限 Range high"])) == Decimal(document["range"]["high_display"])
    for method, entry in document["methods"].items():
        sheet = book[entry["title"]]
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        amounts = [row[7] for row in rows[:-1]]
        expected = [float(line["result_display"]) if line["result_display"] else None for line in entry["lines"]]
        assert amounts == expected, method
        assert Decimal(str(rows[-1][7])) == Decimal(entry["subtotal_display"])
    # the shape report_document reads: summary total and the counted lines
    assert document["summary"]["total_yuan"] == document["total_display"]
    assert len(document["lines"]) == sum(1 for entry in document["methods"].values() for line in entry["lines"]
                                         if line["money"] and line["counted"])
    # 0.125 displays as 0.13 (half up), the exact value stays in the JSON
    assert document["methods"]["actual_costs"]["lines"][0]["result"] == "0.125"
    assert document["methods"]["actual_costs"]["lines"][0]["result_display"] == "0.13"
    for path in written.values():
        assert (path.parent / (path.name + ".provenance.json")).is_file()
    record = json.loads((tmp_path / "v.json.provenance.json").read_text(encoding="utf-8"))
    assert len(record["inputs"]["damage_summary"]["sha256"]) == 64


def test_template_holds_every_default_and_stops_at_the_first_placeholder(tmp_path):
    import tomllib

    from ree_damage.core.valuation.params import DEFAULTS
    from ree_damage.core.valuation.template import write_template

    path = write_template(tmp_path / "valuation.toml")
    section = tomllib.loads(path.read_text(encoding="utf-8"))["valuation"]
    text = path.read_text(encoding="utf-8")
    for key, (value, source) in DEFAULTS.items():
        assert section[key] == value and source in text
    assert all(math.isnan(p["value"]) for p in section["prices"].values())
    with pytest.raises(InputError) as caught:
        valuate(read_params(section, case_info=CASE))
    assert caught.value.column == "valuation.actual_costs[1].item"


def test_the_sample_case_section_values_the_sample(tmp_path, damage_csv):
    from ree_damage.core.case import load_case, run
    from ree_damage.sample_case import generate_sample_case

    paths = generate_sample_case(tmp_path / "case", include=("vectors",))
    case = load_case(paths["case_file"])
    assert "SAMPLE VALUE" in case.valuation["prices"]["reo_price"]["source"]
    result = run.valuation(case, damage=damage_csv)
    document = result.as_json()
    # actual costs 38 500 + 126 000 = 164 500
    assert document["methods"]["actual_costs"]["subtotal"] == "164500.0"
    # mineral: 410 000 + 3 x 205 000 + (30 x 0.75 - 5) x 205 000 = 410 000 + 615 000 + 3 587 500 = 4 612 500
    assert Decimal(document["methods"]["mineral"]["subtotal"]) == 4612500
    assert result.inputs["case_file"]["sha256"]


# --------------------------------------------------------------------------- input tables
def test_vegetation_summary_gives_the_forest_area(tmp_path):
    table = tmp_path / "vegetation_summary.csv"
    table.write_text("zone,zone_area_m2,damaged_area_m2,damaged_share\nINJ,20000,8000,0.4\n"
                     "OUTSIDE_ZONES,5000,1000,0.2\nCASE_AREA,25000,9000,0.36\n", encoding="utf-8")
    section = {"prices": {"reveg": price(45000, "元/hm2")},
               "restoration": [{"item": "r", "quantity": "vegetation_damaged_area_hm2", "price": "reveg"}]}
    result = valuate(params(**section), vegetation=table)
    # CASE_AREA 9000 m2 = 0.9 hm2; x 45 000 = 40 500
    assert result.total == 40500 and "zone=CASE_AREA (row 4)" in result.lines[0].sources[0]


def test_damage_range_from_the_largest_indicator_when_any_has_no_levels(tmp_path):
    table = tmp_path / "damage_summary.csv"
    table.write_text(DAMAGE_HEADER
                     + "ALL,0-50,ANY,ok,,,10,5,0.5,2000,1000,,,,,,,0.5\n"
                     + "ALL,0-50,Cd,ok,mg/kg,0.3,10,5,0.5,1500,750,1500,750,900,450,100,50,0.5\n"
                     + "ALL,0-50,NH4_N,ok,mg/kg,9,10,5,0.5,1800,900,1800,900,1000,500,700,350,0.5\n",
                     encoding="utf-8")
    section = {"prices": {"c": price(10, "元/m3")},
               "restoration": [{"item": "c", "quantity": "soil_damaged_volume_m3", "price": "c"}]}
    result = valuate(params(**section), damage=table)
    # central 1000 m3 x 10 = 10 000; levels: largest indicator 900, 500, 350 m3 -> 9 000, 5 000, 3 500
    assert result.total == 10000
    assert [s.total for s in result.scenarios][:3] == [9000, 5000, 3500]
    assert any("largest single indicator (NH4_N)" in note for note in result.notes)


def test_unit_spellings():
    from ree_damage.core.valuation.money import split_price_unit, unit_key

    assert unit_key("元/m³") == "元/m3" and unit_key("元/(hm²·a)") == unit_key("元/hm2/a") == "元/hm2.a"
    with pytest.raises(InputError, match="万元"):
        split_price_unit("万元/t", line="l", parameter="p")


def test_libreoffice_opens_the_workbook_with_the_same_total(tmp_path):
    """LibreOffice (the office suite of the oracle) reads the summary sheet's total as written."""
    import csv
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    result = valuate(params(**BASE))
    written = result.write({"workbook": tmp_path / "v.xlsx"})
    profile = (tmp_path / "lo_profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76",
                    "--outdir", str(tmp_path / "csv"), str(written["workbook"])],
                   check=True, capture_output=True, timeout=180)
    with open(tmp_path / "csv" / "v.csv", encoding="utf-8") as handle:
        rows = {row[0]: row[1] for row in csv.reader(handle) if row}
    # the base case: 8 500 + 200 000 + 1 300 000 = 1 508 500 (LibreOffice writes the value unformatted)
    assert Decimal(rows["合计 Total"].replace(",", "")) == Decimal("1508500")


def test_report_document_reads_the_valuation_json(tmp_path):
    """The JSON's summary and counted lines are what report_document puts in the report."""
    docx = pytest.importorskip("docx")
    from ree_damage.core.report import build_report, collect_outputs
    from ree_damage.sample_case import generate_sample_case

    generate_sample_case(tmp_path / "sample_case", include=("vectors",))
    valuate(params(**BASE)).write({"json": tmp_path / "valuation" / "valuation.json"})
    import io

    document = docx.Document(io.BytesIO(build_report(collect_outputs(tmp_path)).document))
    text = "\n".join(p.text for p in document.paragraphs)
    # the base case: total 1 508 500.00 元, its range the same (no damage range, no discounting)
    assert "生态环境损害价值合计1,508,500.00元（范围1,508,500.00元至1,508,500.00元）" in text
