"""report_document (core): the DOCX read back has the annex tables with the numbers of the outputs.

The outputs are small and hand-made, the annex tables 3-5 written by mined_volume's own
writer (core.terrain.blocks) from two blocks whose numbers are worked out below.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import zipfile

import pytest

docx = pytest.importorskip("docx")

from ree_damage.core.common.errors import InputError  # noqa: E402
from ree_damage.core.common.provenance import make_record, write_sidecar  # noqa: E402
from ree_damage.core.report import build_report, collect_figures, collect_outputs, load_template  # noqa: E402

CASE_TOML = """\
[case]
id = "T-2026-7"
name = "测试案"
name_en = "Test case"
province = "江西省"
county = "某县"
site = "某矿区"
entrusting_unit = "某公安局"
institution = "某鉴定机构"
act_start = "2024-04-01"
act_end = "2025-10-31"
survey_date = "2026-03-15"

[crs]
zone = "EPSG:4547"
datum_note = "2000国家大地坐标系，高斯-克吕格投影，3°带，中央经线114°；1985国家高程基准"
"""


def _blocks():
    """B01: 5000 m2 x 8 m x 1.6 t/m3 x 0.05 % = 32 t REO; B02: 2500 m2 x 6 m x 1.5 t/m3 x 0.1 % = 22.5 t."""
    import geopandas as gpd
    from shapely.geometry import box

    return gpd.GeoDataFrame(
        {"block_id": ["B01", "B02"], "category": ["推断资源量", "推断资源量"], "area_m2": [5000.0, 2500.0],
         "grade_pct": [0.05, 0.1], "n_samples": [3, 2], "grade_source": ["samples", "samples"],
         "thickness_m": [8.0, 6.0], "density_t_m3": [1.6, 1.5], "volume_m3": [40000.0, 15000.0],
         "ore_t": [64000.0, 22500.0], "reo_t": [32.0, 22.5]},
        geometry=[box(0, 0, 100, 50), box(0, 50, 50, 100)], crs="EPSG:4547",
    )


@pytest.fixture()
def outputs_dir(tmp_path):
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    from ree_damage.core.terrain.blocks import ResourceResult

    out = tmp_path / "case_outputs"
    (out / "sample_case").mkdir(parents=True)
    (out / "sample_case" / "case.toml").write_text(CASE_TOML, encoding="utf-8")
    damage = out / "damage"
    damage.mkdir()
    ResourceResult(_blocks(), crs="EPSG:4547").write(
        {"table3": damage / "annex3_block_area_grade_thickness.csv", "table4": damage / "annex4_block_resources.csv",
         "table5": damage / "annex5_resource_summary.csv"})
    analysis = out / "analysis"
    analysis.mkdir()
    lab = gpd.GeoDataFrame(
        {"sample_id": ["INJ-001-0", "INJ-001-200"], "point_id": ["INJ-001", "INJ-001"], "depth_cm": [0, 200],
         "pH": [4.56, 4.8], "pH_flag": ["", ""], "Cd": [0.05, 0.31], "Cd_flag": ["<", ""]},
        geometry=[Point(600900.0, 2766500.0)] * 2, crs="EPSG:4547")
    lab.to_file(analysis / "lab_results.gpkg", layer="lab_results", driver="GPKG")
    pd.DataFrame({"code": ["pH", "Cd"], "name_zh": ["pH值", "镉"], "name_en": ["pH", "cadmium"],
                  "unit": ["dimensionless", "mg/kg"]}).to_csv(analysis / "lab_indicators.csv", index=False)
    pd.DataFrame({"indicator": ["Cd"], "baseline": [0.1618], "unit": ["mg/kg"], "method": ["mean + 2 SD"],
                  "n": [48], "distribution": ["normal"]}).to_csv(analysis / "baseline.csv", index=False)
    write_sidecar(analysis / "baseline.csv",
                  make_record("ree_damage:baseline", parameters={"statistic": "mean_2sd", "allow_few": False},
                              sources={"statistic": "[default] mean + 2 SD of control samples"}))
    survey = out / "survey"
    survey.mkdir()
    pd.DataFrame({"sample_id": ["INJ-001-0", "INJ-001-1500", "INJ-002-0"], "point_id": ["INJ-001", "INJ-001", "INJ-002"],
                  "zone": ["INJ", "INJ", "INJ"], "bottom_m": [0.5, 15.2, 0.5],
                  "reasons": ["surface;layer:表土层", "saturated;below_source", "surface"],
                  "reasons_zh": ["表层样（0~0.5 m）;土层代表样（表土层）", "饱和带;超过孔底以下3 m", "表层样（0~0.5 m）"]},
                 ).to_csv(survey / "depth_schedule.csv", index=False)
    cgcs = out / "cgcs2000"
    cgcs.mkdir()
    gpd.GeoDataFrame({"point_id": ["INJ-001", "CTRL-001"], "zone": ["INJ", "CTRL"], "ground_z_m": [301.25, 310.0],
                      "lon_cgcs2000": [114.999965, 115.0001], "lat_cgcs2000": [25.000274, 25.001]},
                     geometry=[Point(600949.6764, 2766456.8761), Point(600960.0, 2766530.0)],
                     crs="EPSG:4547").to_file(cgcs / "sample_points_cgcs2000.gpkg", driver="GPKG")
    return out


def docx_tables(data) -> dict:
    """Caption (the paragraph before a table) -> rows of cell texts, read back with python-docx."""
    document = docx.Document(io.BytesIO(data) if isinstance(data, bytes) else str(data))
    tables = {}
    caption = None
    body = document.element.body
    by_element = {t._tbl: t for t in document.tables}
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(node.text or "" for node in child.iter() if node.tag.endswith("}t"))
            if text.strip():
                caption = text.strip()
        elif tag == "tbl":
            table = by_element[child]
            tables[caption] = [[cell.text for cell in row.cells] for row in table.rows]
    return tables


def docx_text(data) -> str:
    document = docx.Document(io.BytesIO(data))
    return "\n".join(p.text for p in document.paragraphs)


def test_annex_tables_3_to_5_carry_the_numbers_of_mined_volume(outputs_dir):
    result = build_report(collect_outputs(outputs_dir))
    tables = docx_tables(result.document)
    # totals worked by hand: area 7500 m2, volume 55000 m3, ore 86500 t, REO 54.5 t,
    # thickness 55000/7500 = 7.33 m, density 86500/55000 = 1.57 t/m3, grade 100 x 54.5/86500 = 0.0630 %
    assert tables["附表3 分段面积、平均品位、平均厚度计算表"] == [
        ["块段编号", "面积（m²）", "平均品位 REO（%）", "平均厚度（m）", "样品数（个）", "品位依据"],
        ["B01", "5,000.00", "0.0500", "8.00", "3", "samples"],
        ["B02", "2,500.00", "0.1000", "6.00", "2", "samples"],
        ["合计", "7,500.00", "0.0630", "7.33", "5", "加权平均"],
    ]
    annex4 = tables["附表4 分段资源量计算表"]
    assert annex4[1] == ["B01", "推断资源量", "5,000.00", "8.00", "40,000.00", "1.60", "64,000.00", "0.0500", "32.000"]
    assert annex4[-1] == ["合计", "", "7,500.00", "7.33", "55,000.00", "1.57", "86,500.00", "0.0630", "54.500"]
    assert tables["附表5 资源量估算汇总表"][1:] == [
        ["离子吸附型稀土矿", "推断资源量", "2", "7,500.00", "86,500.00", "0.0630", "54.500"],
        ["合计", "", "2", "7,500.00", "86,500.00", "0.0630", "54.500"],
    ]


def test_annex_tables_3_to_5_match_their_source_csv(outputs_dir):
    import pandas as pd

    tables = docx_tables(build_report(collect_outputs(outputs_dir)).document)
    for name, title in (("annex3_block_area_grade_thickness.csv", "附表3 分段面积、平均品位、平均厚度计算表"),
                        ("annex4_block_resources.csv", "附表4 分段资源量计算表"),
                        ("annex5_resource_summary.csv", "附表5 资源量估算汇总表")):
        source = pd.read_csv(outputs_dir / "damage" / name, encoding="utf-8-sig")
        shown = tables[title]
        assert shown[0] == list(source.columns)
        assert len(shown) == len(source) + 1
        for row, (_, expected) in zip(shown[1:], source.iterrows()):
            for text, value in zip(row, expected):
                if isinstance(value, str):
                    assert text == value
                elif pd.notna(value):
                    decimals = len(text.split(".")[1]) if "." in text else 0
                    assert float(text.replace(",", "")) == pytest.approx(value, abs=0.5 * 10 ** -decimals)


def test_annex_1_and_2_points_and_lab_values(outputs_dir):
    tables = docx_tables(build_report(collect_outputs(outputs_dir)).document)
    annex1 = tables["附表1 控制点测量成果表"]
    assert annex1[0][:4] == ["点号", "功能区", "X（m）", "Y（m）"]
    assert annex1[1] == ["CTRL-001", "对照区", "600960.000", "2766530.000", "310.00", "115.000100", "25.001000"]
    assert annex1[2] == ["INJ-001", "注孔区", "600949.676", "2766456.876", "301.25", "114.999965", "25.000274"]
    annex2 = tables["附表2 采样及样品分析结果表"]
    assert annex2[0] == ["样品编号", "点位编号", "采样深度（cm）", "pH值（pH）（无量纲）", "镉（Cd）（mg/kg）"]
    assert annex2[1] == ["INJ-001-0", "INJ-001", "0", "4.56", "<0.05"]
    assert annex2[2] == ["INJ-001-200", "INJ-001", "200", "4.8", "0.31"]


def test_case_summary_methods_and_baseline(outputs_dir):
    result = build_report(collect_outputs(outputs_dir))
    tables = docx_tables(result.document)
    summary = dict(tables["表1 案件基本信息"][1:])
    assert summary["案件编号"] == "T-2026-7"
    assert summary["委托单位"] == "某公安局"
    assert summary["违法行为期间"] == "2024-04-01 — 2025-10-31"
    methods = tables["表2 ree_damage:baseline参数"]
    assert ["statistic", "mean_2sd", "[default] mean + 2 SD of control samples"] in methods
    assert ["allow_few", "False", "未注明"] in methods
    baseline = [rows for title, rows in tables.items() if title.endswith("基线值")][0]
    assert baseline[1] == ["镉（Cd）", "0.162", "mg/kg", "mean + 2 SD", "48", "normal"]


def test_depth_rules_met_counted_per_reason(outputs_dir):
    tables = docx_tables(build_report(collect_outputs(outputs_dir)).document)
    rows = [rows for title, rows in tables.items() if title.endswith("采样深度规则落实情况")][0]
    assert rows[1:] == [["表层样（0~0.5 m）", "2", "2", "2"], ["土层代表样", "1", "1", "2"], ["饱和带", "1", "1", "2"],
                        ["超过孔底以下3 m", "1", "1", "2"]]


def test_valuation_not_assessed_then_read_from_its_json(outputs_dir):
    assert "价值核算：未评估" in docx_text(build_report(collect_outputs(outputs_dir)).document)
    (outputs_dir / "valuation").mkdir()
    (outputs_dir / "valuation" / "valuation.json").write_text(json.dumps({
        "summary": {"total_yuan": "123456.785", "low_yuan": "100000", "high_yuan": "150000.5"},
        "lines": [{"item": "土壤修复", "quantity": "100", "unit": "m3", "unit_price_yuan": "1234.56785",
                   "formula": "100 m3 x 1234.56785 元/m3", "result_yuan": "123456.785"}],
    }), encoding="utf-8")
    result = build_report(collect_outputs(outputs_dir))
    text = docx_text(result.document)
    assert "生态环境损害价值合计123,456.79元（范围100,000.00元至150,000.50元）" in text
    lines = [rows for title, rows in docx_tables(result.document).items() if title.endswith("价值核算明细")][0]
    assert lines[1] == ["土壤修复", "100", "m3", "1,234.57", "100 m3 x 1234.56785 元/m3", "123,456.79"]
    assert lines[-1][0] == "合计" and lines[-1][-1] == "123,456.79"


def test_a_valuation_without_a_total_is_refused_naming_it(outputs_dir):
    (outputs_dir / "valuation.json").write_text(json.dumps({"summary": {}, "lines": []}), encoding="utf-8")
    with pytest.raises(InputError, match="total_yuan"):
        build_report(collect_outputs(outputs_dir))


def test_the_source_list_gives_every_file_read_with_its_sha256(outputs_dir):
    result = build_report(collect_outputs(outputs_dir))
    rows = docx_tables(result.document)["数据来源文件清单"]
    listed = {row[1]: row[2] for row in rows[1:]}
    for relative in ("sample_case/case.toml", "damage/annex3_block_area_grade_thickness.csv",
                     "damage/annex4_block_resources.csv", "damage/annex5_resource_summary.csv",
                     "analysis/lab_results.gpkg", "analysis/baseline.csv", "analysis/baseline.csv.provenance.json",
                     "cgcs2000/sample_points_cgcs2000.gpkg"):
        assert listed[relative] == hashlib.sha256((outputs_dir / relative).read_bytes()).hexdigest()
    assert [row[0] for row in rows[1:]] == [str(k + 1) for k in range(len(rows) - 1)]


def test_same_outputs_give_the_same_bytes_and_the_case_date(outputs_dir, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = build_report(collect_outputs(outputs_dir)).write(tmp_path / "a" / "report.docx")
    second = build_report(collect_outputs(outputs_dir)).write(tmp_path / "b" / "report.docx")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        core = archive.read("docProps/core.xml").decode("utf-8")
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert "2026-03-15T00:00:00Z" in core
    record = json.loads((tmp_path / "a" / "report.docx.provenance.json").read_text(encoding="utf-8"))
    assert record["algorithm"] == "ree_damage:report_document"
    assert record["inputs"]["damage/annex4_block_resources.csv"]["sha256"] == hashlib.sha256(
        (outputs_dir / "damage" / "annex4_block_resources.csv").read_bytes()).hexdigest()


def test_missing_outputs_are_said_missing_not_invented(tmp_path):
    only = tmp_path / "only"
    only.mkdir()
    (only / "case.toml").write_text(CASE_TOML, encoding="utf-8")
    text = docx_text(build_report(collect_outputs(only)).document)
    assert "成果文件中未找到annex3_block_area_grade_thickness.csv，本附表从略。" in text
    assert "成果文件中未找到grid_compliance.csv。" in text
    assert "价值核算：未评估" in text


def test_english_sentences_with_chinese_annex_headers(outputs_dir):
    result = build_report(collect_outputs(outputs_dir), language="en")
    text = docx_text(result.document)
    assert "Commissioned by 某公安局, 某鉴定机构 assessed" in text
    tables = docx_tables(result.document)
    assert tables["附表4 分段资源量计算表 / Annex 4 Resource per block"][0][0] == "块段编号"


def test_figures_with_captions(outputs_dir, tmp_path):
    from PIL import Image

    folder = tmp_path / "maps"
    folder.mkdir()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(folder / "01_overview.png")
    Image.new("RGB", (40, 30), (30, 200, 30)).save(folder / "02_damage.png")
    (folder / "captions.json").write_text(json.dumps({"01_overview.png": "案涉区域概况图"}), encoding="utf-8")
    figures = collect_figures(folder)
    assert [caption for _, caption in figures] == ["案涉区域概况图", "02_damage"]
    result = build_report(collect_outputs(outputs_dir), figures=figures)
    text = docx_text(result.document)
    assert "图1 案涉区域概况图" in text and "图2 02_damage" in text
    with zipfile.ZipFile(io.BytesIO(result.document)) as archive:
        assert len([n for n in archive.namelist() if n.startswith("word/media/")]) == 2
    assert "maps/01_overview.png" not in text  # figures are listed by path in the source table
    listed = [row[1] for row in docx_tables(result.document)["数据来源文件清单"][1:]]
    assert any(name.endswith("01_overview.png") for name in listed)


def test_template_placeholders_are_checked():
    template = load_template("zh")
    with pytest.raises(InputError, match="summary.intro.*entrusting_unit"):
        template.text("summary.intro")
    with pytest.raises(InputError, match="language"):
        load_template("fr")


def test_bad_outputs_are_named(outputs_dir, tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        collect_outputs(tmp_path / "nowhere")
    with pytest.raises(InputError, match="unknown case output 'annex9'"):
        collect_outputs(outputs_dir, {"annex9": str(outputs_dir / "sample_case" / "case.toml")})
    (outputs_dir / "damage_summary.csv").write_text("zone,indicator\nALL,Cd\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        build_report(collect_outputs(outputs_dir))
    assert error.value.column == "depth_layer" and error.value.layer.endswith("damage_summary.csv")


def test_a_report_is_only_a_docx_and_a_failed_write_leaves_nothing(outputs_dir, tmp_path):
    result = build_report(collect_outputs(outputs_dir))
    with pytest.raises(InputError, match="docx"):
        result.write(tmp_path / "report.pdf")
    assert list(tmp_path.glob("report*")) == []


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed: no office oracle")
def test_libreoffice_converts_the_report_to_pdf(outputs_dir, tmp_path):
    target = build_report(collect_outputs(outputs_dir)).write(tmp_path / "report.docx")
    profile = tmp_path / "lo_profile"
    done = subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                           "--outdir", str(tmp_path / "pdf"), str(target)], capture_output=True, text=True,
                          timeout=300)
    pdf = tmp_path / "pdf" / "report.pdf"
    assert done.returncode == 0 and pdf.is_file(), done.stderr
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "附表4分段资源量计算表" in text.replace(" ", "")
        assert "86,500.00" in text


def test_a_map_at_300_dpi_is_embedded_at_300_dpi_of_its_printed_width(outputs_dir, tmp_path):
    """An A4-landscape map at 300 dpi (3507 px) printed 15 cm wide: reduced 2x to 1754 px
    (1754 / (15 / 2.54) = 297 dpi), each pixel the mean of its 2 x 2 block; the file itself
    unchanged; a figure already small enough embedded byte for byte."""
    import numpy as np
    from PIL import Image

    from ree_damage.core.report.document import print_copy

    folder = tmp_path / "maps"
    folder.mkdir()
    rng = np.random.default_rng(7)
    big = rng.integers(0, 256, (2480, 3507, 3), dtype=np.uint8)
    Image.fromarray(big).save(folder / "01_map.png", dpi=(300, 300))
    Image.new("RGB", (400, 300), (30, 200, 30)).save(folder / "02_small.png")
    before = (folder / "01_map.png").read_bytes()

    copy = print_copy(folder / "01_map.png")
    with Image.open(copy) as small:
        assert small.size == (1754, 1240)  # ceil(3507 / 2): the last column's block is one pixel wide
        assert small.info["dpi"][0] == pytest.approx(1754 / (15 / 2.54), abs=0.01)
        pixels = np.asarray(small).astype(int)
    block_mean = big[:2480, :3506].reshape(1240, 2, 1753, 2, 3).mean(axis=(1, 3))
    assert np.abs(pixels[:, :1753] - block_mean).max() <= 1  # rounding only
    assert np.abs(pixels[:, 1753] - big[:, 3506].reshape(1240, 2, 3).mean(axis=1)).max() <= 1
    assert print_copy(folder / "02_small.png") == str(folder / "02_small.png")
    (folder / "03_broken.png").write_bytes(b"not a picture")
    assert print_copy(folder / "03_broken.png") == str(folder / "03_broken.png")
    (folder / "03_broken.png").unlink()

    result = build_report(collect_outputs(outputs_dir), figures=collect_figures(folder))
    with zipfile.ZipFile(io.BytesIO(result.document)) as archive:
        media = sorted(n for n in archive.namelist() if n.startswith("word/media/"))
        sizes = [Image.open(io.BytesIO(archive.read(n))).size for n in media]
        assert archive.read(media[1]) == (folder / "02_small.png").read_bytes()
    assert sorted(sizes) == sorted([(1754, 1240), (400, 300)])
    assert (folder / "01_map.png").read_bytes() == before
