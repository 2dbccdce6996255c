"""import_lab_results: lab sheets as labs deliver them, censored values, bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ree_damage.core.common.errors import InputError
from ree_damage.core.lab.censored import Parsed, censored_mask, parse_cell, substitute
from ree_damage.core.lab.importer import (
    LabSheetError,
    import_lab_results,
    match_indicator,
    normalise_unit,
    split_header,
)

SAMPLES = pd.DataFrame(
    {
        "sample_id": ["INJ-001-50", "INJ-002-50", "COLL-001-50", "SETL-001-50"],
        "zone": ["INJ", "INJ", "COLL", "SETL"],
    }
)

CHINESE_CSV = """检测报告（土壤）,,,,,,
委托单位：某鉴定所,,,,,,
样品编号,pH,镉 Cd,铅（Pb）,氨氮(以N计),La,有机质
单位,无量纲,mg/kg,μg/g,mg/kg,mg/kg,%
INJ-001-50,4.52,0.31,45.2,120,<0.05,2.1
INJ-002-50,4.80,ND,38.1,未检出,52.3,1.8
coll-001-50 ,5.10,0.05L,40.0,88,＜ 0.04,1.5
检出限,,0.01,,0.5,0.05,
"""


def _csv(tmp_path, text, name="lab.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def _problems(exc):
    return [(p.row, p.column, p.message) for p in exc.value.problems if p.severity == "error"]


# ----------------------------------------------------------------------------- censored
@pytest.mark.parametrize(
    "cell, value, flag, dl",
    [
        ("<0.05", 0.05, "<", 0.05),
        ("< 0.05", 0.05, "<", 0.05),
        ("＜0.05", 0.05, "<", 0.05),
        ("≤0.05", 0.05, "<", 0.05),
        ("0.05L", 0.05, "<", 0.05),
        ("ND(0.02)", 0.02, "<", 0.02),
        ("未检出（<0.3）", 0.3, "<", 0.3),
        (">1000", 1000.0, ">", math.nan),
        ("1.2E-3", 0.0012, "", math.nan),
        ("1,234.5", 1234.5, "", math.nan),
        (3.5, 3.5, "", math.nan),
        ("", math.nan, "", math.nan),
        (None, math.nan, "", math.nan),
    ],
)
def test_parse_cell(cell, value, flag, dl):
    p = parse_cell(cell)
    assert p.flag == flag
    assert (math.isnan(p.value) and math.isnan(value)) or p.value == pytest.approx(value)
    assert (math.isnan(p.detection_limit) and math.isnan(dl)) or p.detection_limit == pytest.approx(dl)


@pytest.mark.parametrize("cell", ["ND", "N.D.", "nd", "未检出", "<DL", "< LOD", "BDL", "低于检出限"])
def test_not_detected_words_take_the_column_detection_limit(cell):
    assert parse_cell(cell, detection_limit=0.01) == Parsed(0.01, "<", 0.01)
    p = parse_cell(cell)
    assert p.censored and math.isnan(p.value)


@pytest.mark.parametrize("cell", ["abc", "0.5 0.6", "1,2", "约0.3", "<", "1..2"])
def test_text_is_not_a_number(cell):
    from ree_damage.core.lab.censored import NotANumber

    with pytest.raises(NotANumber):
        parse_cell(cell)


@pytest.mark.parametrize("cell", ["n/a", "N/A", "-", "—", "——", "/", "未测", "NA"])
def test_missing_markers_are_refused_unless_accepted(cell):
    from ree_damage.core.lab.censored import MissingMarker

    with pytest.raises(MissingMarker):
        parse_cell(cell)
    p = parse_cell(cell, accept_missing_markers=True)
    assert p.missing and p.flag == ""


def test_substitution_is_explicit():
    v, f = [0.2, 0.05, 0.1, 3.0], ["", "<", "<", ">"]
    assert substitute(v, f, "dl/2").tolist() == [0.2, 0.025, 0.05, 3.0]
    assert substitute(v, f, "dl").tolist() == [0.2, 0.05, 0.1, 3.0]
    assert substitute(v, f, "zero").tolist() == [0.2, 0.0, 0.0, 3.0]
    assert censored_mask(f).tolist() == [False, True, True, True]
    with pytest.raises(InputError, match="substitution rule"):
        substitute(v, f, "half")


# ----------------------------------------------------------------------------- headers/units
@pytest.mark.parametrize(
    "text, unit",
    [
        ("mg/kg", "mg/kg"),
        ("mg·kg-1", "mg/kg"),
        ("mg kg-1", "mg/kg"),
        ("µg/g", "μg/g"),
        ("ug/L", "μg/l"),
        ("g/cm³", "g/cm3"),
        ("cmol(+)/kg", "cmol(+)/kg"),
        ("无量纲", "dimensionless"),
        ("mg/kg（干重）", "mg/kg"),
        ("Cd", None),
        ("以N计", None),
    ],
)
def test_normalise_unit(text, unit):
    assert normalise_unit(text) == unit


@pytest.mark.parametrize(
    "header, name, unit",
    [
        ("Cd (mg/kg)", "Cd", "mg/kg"),
        ("镉（mg/kg）", "镉", "mg/kg"),
        ("Cd[mg/kg]", "Cd", "mg/kg"),
        ("NH4+-N/(mg·kg-1)", "NH4+-N", "mg/kg"),
        ("Pb mg/kg", "Pb", "mg/kg"),
        ("pH", "pH", None),
        ("氨氮(以N计)", "氨氮(以N计)", None),
    ],
)
def test_split_header(header, name, unit):
    assert split_header(header) == (name, unit)


@pytest.mark.parametrize(
    "name, code",
    [
        ("镉", "Cd"),
        ("Cadmium", "Cd"),
        ("铅（Pb）", "Pb"),
        ("镉 Cd", "Cd"),
        ("总铬", "Cr"),
        ("六价铬", "Cr6"),
        ("铵态氮", "NH4_N"),
        ("NH4+-N", "NH4_N"),
        ("硝态氮", "NO3_N"),
        ("硫酸根", "SO4"),
        ("阳离子交换量", "CEC"),
        ("镧", "La"),
        ("Yttrium", "Y"),
        ("pH值", "pH"),
        ("样品重量", None),
    ],
)
def test_match_indicator(name, code):
    assert match_indicator(name) == code


# ----------------------------------------------------------------------------- sheets
def test_chinese_csv_with_units_row_and_detection_limits(tmp_path):
    r = import_lab_results(_csv(tmp_path, CHINESE_CSV), SAMPLES)
    t = r.table.set_index("sample_id")
    assert list(r.codes) == ["pH", "Cd", "Pb", "NH4_N", "La", "OM"]
    # censored values keep their detection limit and a flag; nothing is substituted
    assert t.loc["INJ-002-50", "Cd"] == pytest.approx(0.01) and t.loc["INJ-002-50", "Cd_flag"] == "<"
    assert t.loc["INJ-002-50", "NH4_N"] == pytest.approx(0.5) and t.loc["INJ-002-50", "NH4_N_flag"] == "<"
    assert t.loc["COLL-001-50", "Cd"] == pytest.approx(0.05) and t.loc["COLL-001-50", "Cd_flag"] == "<"
    assert t.loc["COLL-001-50", "La"] == pytest.approx(0.04) and t.loc["COLL-001-50", "La_flag"] == "<"
    assert t.loc["INJ-001-50", "Cd"] == pytest.approx(0.31) and t.loc["INJ-001-50", "Cd_flag"] == ""
    # units converted to the catalogue's: ug/g -> mg/kg (x1), % -> g/kg (x10)
    assert t.loc["INJ-001-50", "OM"] == pytest.approx(21.0)
    ind = r.indicators.set_index("code")
    assert ind.loc["OM", "unit"] == "g/kg" and ind.loc["OM", "factor"] == pytest.approx(10.0)
    assert ind.loc["Pb", "unit"] == "mg/kg" and ind.loc["Pb", "unit_in_sheet"] == "μg/g"
    assert ind.loc["Cd", "n_censored"] == 2 and ind.loc["Cd", "n_values"] == 1
    assert any("Pb converted from μg/g" in w and "column '铅（Pb）'" in w for w in r.warnings)
    assert any("mixed units" in w for w in r.warnings)
    # the sample without results is reported, its values empty
    assert r.missing_samples == ["SETL-001-50"] and math.isnan(t.loc["SETL-001-50", "Cd"])
    # ids are matched after trimming and upper-casing; table keeps the sample layer's order
    assert list(r.table["sample_id"]) == list(SAMPLES["sample_id"])
    assert r.parameters["header_row"] == 3 and r.parameters["units_row"] == 4
    long = r.long.set_index(["sample_id", "indicator"])
    assert long.loc[("INJ-002-50", "Cd"), "raw"] == "ND"
    assert long.loc[("INJ-002-50", "Cd"), "sheet_row"] == 6


def test_gb18030_csv_and_no_sample_layer(tmp_path):
    r = import_lab_results(_csv(tmp_path, CHINESE_CSV, encoding="gb18030"))
    assert list(r.table["sample_id"]) == ["INJ-001-50", "INJ-002-50", "coll-001-50"]
    assert r.table["Cd_flag"].tolist() == ["", "<", "<"]


def test_xlsx_with_title_rows_english_headers_and_numbers(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Test report No. 2026-001"])
    ws.append([])
    ws.append(["No.", "Sample ID", "Cd (mg/kg)", "Lanthanum (mg/kg)", "NH4+-N (mg/kg)", "Remarks"])
    ws.append([1, 101, 0.12, 80.5, "<0.5", "ok"])
    ws.append([2, 102, "ND", 61.0, 12.0, None])
    ws.append([3, "103", 0.2, 70.0, 15.0, None])
    path = tmp_path / "lab.xlsx"
    wb.save(path)
    samples = pd.DataFrame({"sample_id": ["101", "102", "103"]})
    r = import_lab_results(path, samples, detection_limits={"Cd": 0.01})
    t = r.table.set_index("sample_id")
    assert t.loc["101", "La"] == pytest.approx(80.5)
    assert t.loc["102", "Cd"] == pytest.approx(0.01) and t.loc["102", "Cd_flag"] == "<"
    assert t.loc["101", "NH4_N_flag"] == "<"
    assert any("Remarks" in w for w in r.warnings) or "Remarks" not in r.codes
    assert r.codes == ["Cd", "La", "NH4_N"]


def test_water_units_converted_to_the_catalogue(tmp_path):
    text = "样品编号,镉(mg/L),氨氮(mg/L),pH\nGW-01,0.002,1.2,6.1\nGW-02,<0.0005,0.3,6.8\n"
    r = import_lab_results(_csv(tmp_path, text), medium="groundwater")
    t = r.table.set_index("sample_id")
    assert t.loc["GW-01", "Cd"] == pytest.approx(2.0)  # mg/L -> ug/L
    assert t.loc["GW-02", "Cd"] == pytest.approx(0.5) and t.loc["GW-02", "Cd_flag"] == "<"
    assert t.loc["GW-01", "NH4_N"] == pytest.approx(1.2)  # already mg/L


def test_unknown_column_with_unit_is_kept_and_without_is_left_out(tmp_path):
    text = "样品编号,Cd(mg/kg),样品重量(g),颜色\nA,0.1,50,red\nB,0.2,51,brown\n"
    r = import_lab_results(_csv(tmp_path, text))
    assert r.codes == ["Cd"]
    assert any("颜色" in w for w in r.warnings)
    text = "样品编号,Cd(mg/kg),Tl(mg/kg),Ce铈(mg/kg)\nA,0.1,0.5,60\n"
    r = import_lab_results(_csv(tmp_path, text, "b.csv"))
    assert r.codes == ["Cd", "Tl", "Ce"]
    assert r.indicators.set_index("code").loc["Tl", "recognised"]


# ----------------------------------------------------------------------------- bad input
def test_every_problem_is_reported_with_row_and_column(tmp_path):
    text = (
        "样品编号,Cd(mg/kg),Pb(mg/kg),Zn\n"
        "INJ-001-50,0.3,abc,50\n"
        "INJ-002-50,-0.2,40,60\n"
        "INJ-001-50,0.1,30,70\n"
        "XYZ-9,0.1,30,70\n"
    )
    with pytest.raises(LabSheetError) as exc:
        import_lab_results(_csv(tmp_path, text), SAMPLES)
    found = _problems(exc)
    messages = " | ".join(str(p) for p in exc.value.problems)
    assert (1, "Zn") in [(r, c) for r, c, _ in found] or any(
        c == "Zn" and "no unit" in m for r, c, m in found
    )
    assert any(r == 2 and c == "Pb(mg/kg)" and "'abc' is not a number" in m for r, c, m in found)
    assert any(r == 3 and c == "Cd(mg/kg)" and "negative" in m for r, c, m in found)
    assert any(r == 4 and "appears twice (also sheet row 2)" in m for r, c, m in found)
    assert any(r == 5 and "'XYZ-9' is not in the sample layer" in m for r, c, m in found)
    assert isinstance(exc.value, InputError) and exc.value.row is not None
    assert "nothing imported" in str(exc.value)
    assert "sheet row" in messages


def test_unknown_ids_can_be_warnings(tmp_path):
    text = "样品编号,Cd(mg/kg)\nINJ-001-50,0.3\nQC-BLANK,0.01\n"
    r = import_lab_results(_csv(tmp_path, text), SAMPLES, unknown_ids="warn")
    assert r.unmatched.to_dict("records") == [{"sheet_row": 3, "sample_id": "QC-BLANK"}]
    assert any("QC-BLANK" in w for w in r.warnings)
    assert "QC-BLANK" not in set(r.long["sample_id"])


def test_conflicting_and_mixed_units(tmp_path):
    text = "样品编号,Cd(mg/kg),Pb(mg/kg)\n单位,mg/kg,μg/kg\nINJ-001-50,0.3,40\n"
    with pytest.raises(LabSheetError) as exc:
        import_lab_results(_csv(tmp_path, text), SAMPLES)
    assert any(r == 2 and c == "Pb(mg/kg)" and "conflicting units" in m for r, c, m in _problems(exc))
    text = "样品编号,Cd(mg/kg)\nINJ-001-50,0.3 mg/L\nINJ-002-50,300 μg/kg\n"
    with pytest.raises(LabSheetError) as exc:
        import_lab_results(_csv(tmp_path, text, "b.csv"), SAMPLES)
    found = _problems(exc)
    assert any(r == 2 and "mixed units" in m for r, c, m in found)
    assert not any(r == 3 for r, c, m in found)  # ug/kg fits mg/kg: converted with a warning
    text = "样品编号,Cd(mg/kg)\nINJ-001-50,0.3\nINJ-002-50,300 μg/kg\n"
    r = import_lab_results(_csv(tmp_path, text, "c.csv"), SAMPLES)
    assert r.table.set_index("sample_id").loc["INJ-002-50", "Cd"] == pytest.approx(0.3)
    assert any("mixed units" in w and "sheet row 3" in w for w in r.warnings)


def test_missing_units_and_wrong_dimension(tmp_path):
    with pytest.raises(LabSheetError, match="no unit for Cd"):
        import_lab_results(_csv(tmp_path, "样品编号,Cd\nA,0.3\n"))
    r = import_lab_results(_csv(tmp_path, "样品编号,Cd\nA,0.3\n", "b.csv"), units={"Cd": "mg/kg"})
    assert r.table["Cd"].tolist() == [0.3]
    with pytest.raises(LabSheetError, match="does not fit Cd in soil"):
        import_lab_results(_csv(tmp_path, "样品编号,Cd(mg/L)\nA,0.3\n", "c.csv"))


def test_duplicate_indicator_columns_and_missing_id_column(tmp_path):
    with pytest.raises(LabSheetError, match="appears twice"):
        import_lab_results(_csv(tmp_path, "样品编号,Cd(mg/kg),镉(mg/kg)\nA,0.3,0.3\n"))
    with pytest.raises(InputError, match="sample id column"):
        import_lab_results(_csv(tmp_path, "编码X,Cd(mg/kg)\nA,0.3\n", "b.csv"))
    r = import_lab_results(_csv(tmp_path, "编码X,Cd(mg/kg)\nA,0.3\n", "c.csv"), id_column="编码X")
    assert r.table["Cd"].tolist() == [0.3]


def test_duplicate_sample_ids_in_the_layer(tmp_path):
    samples = pd.DataFrame({"sample_id": ["A", "a ", "B"]})
    with pytest.raises(LabSheetError, match="appears twice in the sample layer"):
        import_lab_results(_csv(tmp_path, "样品编号,Cd(mg/kg)\nA,0.3\n"), samples)


def test_nd_without_detection_limit_stays_censored_without_a_number(tmp_path):
    r = import_lab_results(_csv(tmp_path, "样品编号,Cd(mg/kg)\nA,ND\nB,0.2\n"))
    t = r.table.set_index("sample_id")
    assert t.loc["A", "Cd_flag"] == "<" and math.isnan(t.loc["A", "Cd"])
    assert any("not given" in w and "sheet row 2" in w for w in r.warnings)


def test_geodataframe_samples_keep_geometry(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    gdf = gpd.GeoDataFrame(SAMPLES.copy(), geometry=[Point(i, i) for i in range(4)], crs=4547)
    r = import_lab_results(_csv(tmp_path, CHINESE_CSV), gdf)
    assert isinstance(r.table, gpd.GeoDataFrame) and r.table.crs.to_epsg() == 4547
    assert np.isfinite(r.table["La"]).sum() == 3


def test_results_are_written_with_provenance(tmp_path):
    import json

    import geopandas as gpd
    from shapely.geometry import Point

    sheet = _csv(tmp_path, CHINESE_CSV)
    gdf = gpd.GeoDataFrame(SAMPLES.copy(), geometry=[Point(i, i) for i in range(4)], crs=4547)
    r = import_lab_results(sheet, gdf)
    out = r.write(tmp_path / "lab.gpkg", inputs={"sheet": str(sheet)})["lab_results"]
    back = gpd.read_file(out)
    assert back["Cd_flag"].tolist() == ["", "<", "<", ""]
    rec = json.loads((tmp_path / "lab.gpkg.provenance.json").read_text())
    assert rec["inputs"]["sheet"]["sha256"] and "no substitution" in rec["parameters"]["censored_values"]
    csv = import_lab_results(sheet).write(tmp_path / "lab.csv")["lab_results"]
    assert pd.read_csv(csv, keep_default_na=False)["Cd_flag"].tolist() == ["", "<", "<"]
    assert (tmp_path / "lab.indicators.csv").exists()


def test_bad_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        import_lab_results(tmp_path / "missing.csv")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match="xlsx"):
        import_lab_results(tmp_path / "old.xls")


def test_missing_markers_name_row_and_column_or_are_reported_per_cell(tmp_path):
    text = "样品编号,Cd(mg/kg),Pb(mg/kg)\nINJ-001-50,0.3,n/a\nINJ-002-50,—,40\nCOLL-001-50,,41\n"
    with pytest.raises(LabSheetError) as exc:
        import_lab_results(_csv(tmp_path, text), SAMPLES)
    found = [(r, c, str(m)) for r, c, m in _problems(exc)]
    assert [(r, c) for r, c, _ in found] == [(2, "Pb(mg/kg)"), (3, "Cd(mg/kg)")]
    assert "'n/a' is a missing-value marker" in found[0][2]
    # asked for: each marker is a missing value with a warning naming its cell; a blank cell is silent
    r = import_lab_results(_csv(tmp_path, text), SAMPLES, missing_markers="missing")
    marked = [w for w in r.warnings if "read as a missing value" in w]
    assert len(marked) == 2
    assert "sheet row 2, column 'Pb(mg/kg)'" in marked[0] and "sheet row 3, column 'Cd(mg/kg)'" in marked[1]
    values = r.long.set_index(["sample_id", "indicator"])["value"]
    assert math.isnan(values[("INJ-001-50", "Pb")]) and math.isnan(values[("INJ-002-50", "Cd")])
    assert values[("INJ-002-50", "Pb")] == 40.0
    assert r.parameters["missing_markers"] == "missing"


def test_a_limits_sheet_read_from_a_workbook_and_a_false_workbook_named(tmp_path):
    import openpyxl

    from ree_damage.core.lab.importer import detection_limits_from_workbook

    path = tmp_path / "lab.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "结果 Results"
    limits = workbook.create_sheet("检出限 Limits")
    limits.append(["项目 Analyte", "单位 Unit", "检出限 Detection limit"])
    limits.append(["镉 Cd", "mg/kg", 0.01])
    limits.append(["铅 Pb", "mg/kg", 0.5])
    workbook.save(path)
    assert detection_limits_from_workbook(path) == {"Cd": 0.01, "Pb": 0.5}
    assert detection_limits_from_workbook(tmp_path / "lab.csv") == {}  # not a workbook: no limits sheet

    fake = tmp_path / "exported.xlsx"
    fake.write_text("sample_id,Cd\nS1,0.2\n", encoding="utf-8")  # a CSV saved under the wrong name
    with pytest.raises(InputError, match="cannot read the workbook") as caught:
        detection_limits_from_workbook(fake)
    assert "exported.xlsx" in str(caught.value)
    with pytest.raises(InputError, match="lab sheet not found"):
        detection_limits_from_workbook(tmp_path / "missing.xlsx")
