"""report_document through QGIS Processing on the outputs of the whole sample case chain.

The chain is the per-step one `make demo` ran before run_case (scripts/demo_steps.py: the same core step functions the
algorithms call); the report is then made by the Processing algorithm and read back.
"""

import hashlib
import importlib.util
import json
import re
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from qgis import processing
from qgis.core import QgsProcessingException

docx = pytest.importorskip("docx")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def case_outputs(tmp_path_factory, qgis_app):
    spec = importlib.util.spec_from_file_location("ree_demo", ROOT / "scripts" / "demo_steps.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    out = tmp_path_factory.mktemp("demo") / "demo_output"
    assert demo.main(["--output", str(out)]) == 0
    return out


def _tables(path) -> dict:
    """Caption (the paragraph before a table) -> rows of cell texts."""
    document = docx.Document(str(path))
    by_element = {t._tbl: t for t in document.tables}
    tables, caption = {}, None
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(node.text or "" for node in child.iter() if node.tag.endswith("}t")).strip()
            caption = text or caption
        elif tag == "tbl":
            tables[caption] = [[cell.text for cell in row.cells] for row in by_element[child].rows]
    return tables


def _number(text: str) -> float:
    return float(text.replace(",", "").lstrip("<"))


def test_report_of_the_sample_case_through_processing(case_outputs, tmp_path, qgis_processing):
    from PIL import Image

    from ree_damage.processing.algorithms.report.report_document import ReportDocument

    figures = tmp_path / "maps"
    figures.mkdir()
    Image.new("RGB", (60, 40), (120, 160, 90)).save(figures / "overview.png")
    (figures / "captions.json").write_text(json.dumps({"overview.png": "案涉区域概况图"}), encoding="utf-8")
    result = processing.run(ReportDocument(), {
        "OUTPUTS_FOLDER": str(case_outputs), "FIGURES_FOLDER": str(figures), "LANGUAGE": 0,
        "OUTPUT": str(tmp_path / "out" / "report.docx"),
    })
    report = Path(result["OUTPUT"])
    assert report.is_file() and (report.parent / "report.docx.provenance.json").is_file()
    tables = _tables(report)

    # annex 3-5: every cell is the CSV value mined_volume wrote, at the stated decimals
    for name, title in (("annex3_block_area_grade_thickness.csv", "附表3 分段面积、平均品位、平均厚度计算表"),
                        ("annex4_block_resources.csv", "附表4 分段资源量计算表"),
                        ("annex5_resource_summary.csv", "附表5 资源量估算汇总表")):
        source = pd.read_csv(case_outputs / "damage" / name, encoding="utf-8-sig")
        shown = tables[title]
        assert shown[0] == list(source.columns)
        assert len(shown) == len(source) + 1
        for row, (_, expected) in zip(shown[1:], source.iterrows()):
            for text, value in zip(row, expected):
                if isinstance(value, str):
                    assert text == value
                elif pd.notna(value):
                    decimals = len(text.split(".")[1]) if "." in text else 0
                    assert _number(text) == pytest.approx(value, abs=0.5 * 10 ** -decimals)

    # annex 2: every sample of the lab results, in every part, with the lab's values
    lab = pyogrio.read_dataframe(str(case_outputs / "analysis" / "lab_results.gpkg"), read_geometry=False)
    parts = [rows for title, rows in tables.items() if title.startswith("附表2 采样及样品分析结果表")]
    assert len(parts) == 3  # 23 indicators, 8 per part
    by_id = lab.set_index("sample_id")
    for rows in parts:
        header = rows[0]
        assert len(rows) == len(lab) + 1
        for row in rows[1:]:
            sample = by_id.loc[row[0]]
            for column, text in zip(header[3:], row[3:]):
                code = re.match(r".*（(.+?)）（.*?）$", column).group(1)  # 镉（Cd）（mg/kg） -> Cd
                assert _number(text) == pytest.approx(float(sample[code]))
                assert text.startswith("<") == (str(sample[f"{code}_flag"] or "") == "<")

    # annex 1: the surveyed points with their CGCS2000 coordinates
    points = pyogrio.read_dataframe(str(case_outputs / "cgcs2000" / "sample_points_cgcs2000.gpkg"))
    annex1 = tables["附表1 控制点测量成果表"]
    assert len(annex1) == len(points) + 1
    first = points.sort_values("point_id").iloc[0]
    assert annex1[1][0] == first["point_id"]
    assert _number(annex1[1][2]) == pytest.approx(first.geometry.x, abs=5e-4)

    # results: the damaged area of the union of indicators, ordinary kriging, all zones
    summary = pd.read_csv(case_outputs / "damage" / "damage_summary.csv", encoding="utf-8-sig")
    union = summary[(summary["zone"] == "ALL") & (summary["indicator"] == "ANY") & (summary["method"] == "ok")]
    area_table = [rows for title, rows in tables.items() if "受损土壤面积与体积" in title][0]
    assert ["合计", "普通克里格", f"{union['area_m2'].iloc[0]:,.2f}", f"{union['volume_m3'].iloc[0]:,.2f}"] in area_table

    # the source list: every file with its SHA-256
    sources = {row[1]: row[2] for row in tables["数据来源文件清单"][1:]}
    for relative in ("damage/annex4_block_resources.csv", "analysis/lab_results.gpkg", "sample_case/case.toml"):
        assert sources[relative] == hashlib.sha256((case_outputs / relative).read_bytes()).hexdigest()
    assert result["SOURCES"] == len(sources) and result["TABLES"] == len(tables)
    text = "\n".join(p.text for p in docx.Document(str(report)).paragraphs)
    assert "价值核算：未评估" in text and "图1 案涉区域概况图" in text

    # the same outputs again: the same bytes
    again = processing.run(ReportDocument(), {
        "OUTPUTS_FOLDER": str(case_outputs), "FIGURES_FOLDER": str(figures), "LANGUAGE": 0,
        "OUTPUT": str(tmp_path / "again" / "report.docx"),
    })
    assert Path(again["OUTPUT"]).read_bytes() == report.read_bytes()


def test_no_outputs_is_refused_and_nothing_is_written(tmp_path, qgis_processing):
    from ree_damage.processing.algorithms.report.report_document import ReportDocument

    with pytest.raises(QgsProcessingException, match="OUTPUTS_FOLDER"):
        processing.run(ReportDocument(), {"LANGUAGE": 0, "OUTPUT": str(tmp_path / "report.docx")})
    with pytest.raises(QgsProcessingException, match="does not exist"):
        processing.run(ReportDocument(), {"OUTPUTS_FOLDER": str(tmp_path / "nowhere"), "LANGUAGE": 1,
                                          "OUTPUT": str(tmp_path / "report.docx")})
    assert not list(tmp_path.glob("report*"))
