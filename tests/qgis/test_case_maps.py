"""The maps step of run_case: the report maps in the package, their layouts in case.qgz, the
figures in the report document, and the same bytes on a rerun."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess

import pytest
from qgis.core import QgsLayoutItemMap, QgsProject
from qgis.PyQt.QtGui import QImage

from ree_damage.__main__ import main as command_line
from ree_damage.processing.maps.case_maps import CAPTIONS, GROUP_NAME
from ree_damage.processing.maps.themes import THEMES
from ree_damage.sample_case import generate_sample_case

docx = pytest.importorskip("docx")

DATUM_NOTE = "2000国家大地坐标系，高斯-克吕格投影，3°带，中央经线114°；1985国家高程基准"
CASE_NAME = "赣南某地非法开采离子型稀土案生态环境损害鉴定评估（合成示例）"
THEME_IDS = [theme.id for theme in THEMES]


@pytest.fixture(scope="module")
def package(tmp_path_factory, qgis_app):
    """The sample case run through the command line (QGIS already running here), maps at 100 dpi."""
    root = tmp_path_factory.mktemp("case_maps")
    generate_sample_case(root / "case")
    case_file = root / "case" / "case.toml"
    case_file.write_text(case_file.read_text(encoding="utf-8") + "\n[parameters.maps]\ndpi = 100\n"
                         'author = "张三"\n', encoding="utf-8")
    assert command_line(["run", str(case_file), "--output", str(root / "package"), "--quiet"]) == 0
    return root / "package"


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _text(pdf) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: make setup installs it")
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", "", done.stdout)


def test_the_package_has_a_pdf_and_a_png_of_every_theme(package):
    manifest = json.loads((package / "manifest.json").read_text(encoding="utf-8"))
    order = manifest["step_order"]
    assert order.index("maps") == order.index("valuation") + 1 == order.index("report_document") - 1
    maps = manifest["steps"]["maps"]
    assert maps["status"] == "ran" and maps["summary"]["maps"] == THEME_IDS and maps["summary"]["dpi"] == 100
    assert maps["summary"]["crs"] == "EPSG:4547" and maps["basis"]["host"]["qgis"]
    listed = {f["path"]: f["sha256"] for f in manifest["files"] if f["step"] == "maps"}
    for theme in THEME_IDS:
        for suffix in ("pdf", "png"):
            path = package / "maps" / f"{theme}.{suffix}"
            assert listed[f"maps/{theme}.{suffix}"] == _sha(path)
        image = QImage(str(package / "maps" / f"{theme}.png"))
        assert (image.width(), image.height()) == (1169, 826)  # A4 landscape at 100 dpi (QGIS truncates)
    captions = json.loads((package / "maps" / CAPTIONS).read_text(encoding="utf-8"))
    assert list(captions) == [f"{theme}.png" for theme in THEME_IDS]
    assert captions["functional_zones.png"] == "功能分区图（functional zones）"
    assert maps["provenance"][0]["algorithm"] == "ree_damage:report_map"
    assert not list(package.rglob("*.provenance.json"))


def test_validate_finds_the_package_up_to_date_with_its_maps(package, capsys):
    case_file = package.parent / "case" / "case.toml"
    assert command_line(["validate", str(case_file), "--output", str(package)]) == 0
    out = capsys.readouterr().out
    assert "  maps: runs" in out and f"package {package}: every step up to date" in out


def test_the_pdf_text_has_the_title_datum_note_and_legend(package):
    text = _text(package / "maps" / "functional_zones.pdf")
    assert CASE_NAME + "功能分区图" in text
    assert DATUM_NOTE in text and "第38带（EPSG:4547）" in text
    for label in ("图例", "浸矿剂配制区PREP", "注孔区INJ", "制图：张三", "影像日期：2026-03-15"):
        assert label in text, label
    # no run date: the PDF carries the survey date, so a rerun gives the same bytes
    assert b"/CreationDate (D:20260315000000" in (package / "maps" / "functional_zones.pdf").read_bytes()


def test_the_project_holds_every_layout_with_valid_layers(package, qgis_app):
    project = QgsProject()
    assert project.read(str(package / "case.qgz"))
    assert all(layer.isValid() for layer in project.mapLayers().values())
    layouts = project.layoutManager().printLayouts()
    assert sorted(layout.name() for layout in layouts) == sorted(theme.title_zh for theme in THEMES)
    for layout in layouts:
        maps = [item for item in layout.items() if isinstance(item, QgsLayoutItemMap)]
        assert [m.crs().authid() for m in maps] == ["EPSG:4547"]
        assert maps[0].layers() and all(layer.isValid() for layer in maps[0].layers())
    group = project.layerTreeRoot().findGroup(GROUP_NAME)
    assert group is not None and not group.itemVisibilityChecked()
    project.clear()


def test_the_report_document_shows_the_maps_and_lists_them(package):
    document = docx.Document(str(package / "report_document" / "report_draft.docx"))
    assert len(document.inline_shapes) == len(THEME_IDS)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "现场概况图（site overview）" in text and "水环境监测布点图（water monitoring）" in text
    rows = [[cell.text for cell in row.cells] for row in document.tables[-1].rows]
    for theme in THEME_IDS:
        assert [f"{theme}.png", _sha(package / "maps" / f"{theme}.png")] in [row[1:] for row in rows], theme


def test_a_rerun_of_the_maps_gives_the_same_bytes(package):
    before = {p.relative_to(package).as_posix(): _sha(p) for p in sorted((package / "maps").iterdir())}
    report = _sha(package / "report_document" / "report_draft.docx")
    project = _sha(package / "case.qgz")
    for step in ("maps", "report_document"):  # forget them: they are drawn and written again
        (package / ".state" / f"{step}.pickle").unlink()
    case_file = package.parent / "case" / "case.toml"
    assert command_line(["run", str(case_file), "--output", str(package), "--quiet"]) == 0
    manifest = json.loads((package / "manifest.json").read_text(encoding="utf-8"))
    assert [name for name in manifest["step_order"] if manifest["steps"][name]["status"] == "ran"] == [
        "maps", "report_document", "project"]
    after = {p.relative_to(package).as_posix(): _sha(p) for p in sorted((package / "maps").iterdir())}
    assert after == before
    assert _sha(package / "report_document" / "report_draft.docx") == report
    # the project is written anew (new layers, new layouts: QGIS makes up ids and times) and
    # still gives the same bytes: ids from the package, times fixed
    assert _sha(package / "case.qgz") == project


@pytest.mark.parametrize("line, message", [
    ('themes = ["site_overview", "nope"]', "parameters.maps.themes: no theme 'nope'"),
    ("dpi = 20", "parameters.maps.dpi: 20 is not between 72 and 1200"),
])
def test_a_bad_maps_parameter_exits_2_before_any_work(package, tmp_path, capsys, line, message):
    shutil.copytree(package.parent / "case", tmp_path / "case")
    case_file = tmp_path / "case" / "case.toml"
    text = case_file.read_text(encoding="utf-8").replace("dpi = 100", line)
    case_file.write_text(text, encoding="utf-8")
    for command in (["validate"], ["run", "--quiet"]):
        assert command_line([*command, str(case_file), "--output", str(tmp_path / "package")]) == 2
        assert capsys.readouterr().err.startswith("error: " + message)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case"]
