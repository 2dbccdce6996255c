"""report_map on the sample case: every theme exported, read back from the PDF, the PNG and the project."""

import csv
import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from qgis import processing
from qgis.core import QgsLayoutItemMap, QgsProject
from qgis.PyQt.QtGui import QImage

from .conftest import ROOT, qgis_process_command, qgis_process_env

DATUM_NOTE = "2000国家大地坐标系，高斯-克吕格投影，3°带，中央经线114°；1985国家高程基准"
CASE_NAME = "赣南某地非法开采离子型稀土案生态环境损害鉴定评估（合成示例）"
ZONE_LABELS = ("浸矿剂配制区PREP", "注孔区INJ", "浸出液收集区（含流经区）COLL", "浸出液沉淀区SETL")
THEMES = ("site_overview", "functional_zones", "sampling_plan", "contaminant", "damage_extent",
          "vegetation_damage", "mined_volume", "water_monitoring")
A4_LANDSCAPE_MM = (297.0, 210.0)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The outputs of ``make demo`` (scripts/demo_steps.py: the per-step chain) for the sample case."""
    spec = importlib.util.spec_from_file_location("ree_demo", ROOT / "scripts" / "demo_steps.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("demo")
    assert module.main(["--output", str(out)]) == 0
    return out


def _parameters(demo: Path) -> dict:
    return {
        "CASE_FILE": str(demo / "sample_case" / "case.toml"),
        "BOUNDARY": f"{demo}/sample_case/sample_case.gpkg|layername=case_boundary",
        "ZONES": str(demo / "survey" / "zones.gpkg"),
        "ORTHO": str(demo / "sample_case" / "ortho_rgb.tif"),
        "UNITS": str(demo / "survey" / "sampling_units.gpkg"),
        "POINTS": str(demo / "survey" / "sampling_points.gpkg"),
        "CONTROL_POINTS": str(demo / "survey" / "control_points.gpkg"),
        "DEPTH_SCHEDULE": str(demo / "survey" / "depth_schedule.csv"),
        "CONCENTRATION": str(demo / "analysis" / "surface_0_50cm" / "Cd_ok_prediction.tif"),
        "BASELINE": str(demo / "analysis" / "baseline.csv"),
        "DEGREE": str(demo / "damage" / "degree" / "Cd_L0-50_ok_degree.tif"),
        "DAMAGE_AREAS": str(demo / "damage" / "damaged_areas.gpkg"),
        "VEGETATION": str(demo / "damage" / "vegetation_damage.gpkg"),
        "CUT_FILL": str(demo / "damage" / "cut_fill.tif"),
        "CONTOURS": str(demo / "damage" / "dz_contours.gpkg"),
        "BLOCKS": str(demo / "damage" / "resource_blocks.gpkg"),
        "WATER_POINTS": str(demo / "survey" / "water_positions.gpkg"),
        "AUTHOR": "张三",
        "DATE": "2026-03-20",
    }


def _text(pdf: Path) -> str:
    """The PDF's text as poppler reads it, without white space (labels wrap inside their box)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: make setup installs it")
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", "", result.stdout)


@pytest.fixture(scope="module")
def maps(demo, tmp_path_factory, qgis_app, qgis_processing):
    from qgis.core import QgsApplication

    from ree_damage.processing.provider import ReeDamageProvider

    registry = QgsApplication.processingRegistry()
    provider = None
    if registry.providerById("ree_damage") is None:
        provider = ReeDamageProvider()
        registry.addProvider(provider)
    out = tmp_path_factory.mktemp("maps")
    results = processing.run("ree_damage:report_map", {
        **_parameters(demo), "DPI": 100, "OUTPUT_FOLDER": str(out / "maps"), "PROJECT": str(out / "maps.qgz"),
    })
    if provider is not None:
        registry.removeProvider("ree_damage")
    return out, results, demo


def test_every_theme_of_the_sample_case_is_exported(maps):
    out, results, _demo = maps
    assert results["THEMES_MADE"].split(",") == list(THEMES)
    assert results["THEMES_SKIPPED"] == ""
    folder = out / "maps"
    for theme in THEMES:
        assert (folder / f"{theme}.pdf").stat().st_size > 10_000
        image = QImage(str(folder / f"{theme}.png"))
        # A4 landscape at 100 dpi: 297 mm / 25.4 * 100 = 1169.3 px, 210 mm -> 826.8 px (QGIS truncates)
        assert (image.width(), image.height()) == (1169, 826)
        record = json.loads((folder / f"{theme}.pdf.provenance.json").read_text(encoding="utf-8"))
        assert record["crs"] == "EPSG:4547" and record["inputs"]["zones"]["sha256"]
    # the sampling plan's depth table continues on the pages after the map
    assert (folder / "sampling_plan_2.png").is_file()
    # the depth table the plan shows carries its provenance too (else the panel shows the step stale)
    depths = folder / "sampling_plan_depths.csv"
    assert depths.is_file() and (folder / "sampling_plan_depths.csv.provenance.json").is_file()
    assert not list(folder.glob(".staging*")) and not list(folder.glob("*.part*"))


def test_pdf_text_has_title_datum_note_and_legend(maps):
    folder = maps[0] / "maps"
    zones = _text(folder / "functional_zones.pdf")
    assert CASE_NAME + "功能分区图" in zones
    assert DATUM_NOTE in zones
    assert "第38带（EPSG:4547）" in zones
    for label in ZONE_LABELS:
        assert label in zones
    for text in ("图例", "比例尺1:2500", "制图：张三", "日期：2026-03-20", "影像日期：2026-03-15",
                 "编制单位：（合成示例）鉴定机构"):
        assert text in zones, text
    # the grid is labelled with eastings and northings of the zone (m)
    assert "600900" in zones and "2766300" in zones
    damage = _text(folder / "damage_extent.pdf")
    for label in ("K≤0未超过基线", "0<K≤0.2超过基线（未达损害判定）", "土壤损害范围（Cd，ok）"):
        assert label in damage, label
    # concentration classes break at the baseline of Cd, as the baseline table gives it
    with open(maps[2] / "analysis" / "baseline.csv", encoding="utf-8-sig") as handle:
        cd = next(row for row in csv.DictReader(handle) if row["indicator"] == "Cd")
    assert f"（基线{float(cd['baseline']):.4g}）" in _text(folder / "contaminant.pdf")
    plan = _text(folder / "sampling_plan.pdf")
    assert "采样点位与采样深度一览表" in plan and "点位编号" in plan and "INJ-001" in plan


def test_project_keeps_the_layouts_in_the_zone_crs(maps, qgis_app):
    out = maps[0]
    project = QgsProject()
    assert project.read(str(out / "maps.qgz"))
    assert all(layer.isValid() for layer in project.mapLayers().values())
    layouts = project.layoutManager().printLayouts()
    assert sorted(layout.name() for layout in layouts) == sorted(
        ["现场概况图", "功能分区图", "采样布点图", "污染物含量分布图", "土壤损害范围图", "植被破坏范围图", "开采挖填方分布图",
         "水环境监测布点图"])
    for layout in layouts:
        page = layout.pageCollection().page(0).pageSize()
        assert (page.width(), page.height()) == A4_LANDSCAPE_MM
        maps_in = [item for item in layout.items() if isinstance(item, QgsLayoutItemMap)]
        assert [m.crs().authid() for m in maps_in] == ["EPSG:4547"]
        assert maps_in[0].grids().size() == 1


def test_a_chosen_crs_graticule_and_atlas(demo, tmp_path, provider):
    """The user's zone (EPSG:4548, central meridian 117) overrides the case's; the atlas has a
    page per functional zone."""
    out = tmp_path / "maps"
    results = processing.run("ree_damage:report_map", {
        **_parameters(demo), "THEMES": [1], "TARGET_CRS": "EPSG:4548", "GRATICULE": True, "ATLAS": True,
        "DPI": 72, "OUTPUT_FOLDER": str(out),
    })
    assert results["THEMES_MADE"] == "functional_zones"
    text = _text(out / "functional_zones.pdf")
    assert "中央经线117°" in text and "EPSG:4548" in text
    # graticule labels in degrees, minutes, seconds (the site lies at about 115.0 E, 25.0 N)
    assert re.search(r"11[45]°\d+′\d+″E", text) and re.search(r"25°\d+′\d+″N", text)
    atlas_pages = sorted(p.name for p in out.glob("atlas_damage_extent_*.png"))
    assert atlas_pages == [f"atlas_damage_extent_{zone}.png" for zone in ("COLL", "INJ", "PREP", "SETL")]
    pdf = _text(out / "atlas_damage_extent.pdf")
    assert "土壤损害范围图（注孔区）" in pdf and "土壤损害范围图（浸出液沉淀区）" in pdf


def test_a_theme_without_its_layers_is_skipped_with_a_line_saying_why(demo, tmp_path, provider):
    parameters = {key: value for key, value in _parameters(demo).items() if key != "WATER_POINTS"}
    results = processing.run("ree_damage:report_map", {
        **parameters, "THEMES": [1, 7], "DPI": 72, "OUTPUT_FOLDER": str(tmp_path / "maps")})
    assert results["THEMES_MADE"] == "functional_zones"
    assert results["THEMES_SKIPPED"] == "水环境监测布点图 (water_monitoring) skipped: no WATER_POINTS given."
    assert not (tmp_path / "maps" / "water_monitoring.pdf").exists()


def test_no_layer_is_an_error_that_writes_nothing(tmp_path, provider):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="At least one of"):
        processing.run("ree_damage:report_map", {"OUTPUT_FOLDER": str(tmp_path / "maps")})
    out = tmp_path / "maps"
    assert not (out.exists() and any(out.iterdir()))


def test_a_depth_table_without_point_ids_is_refused_before_anything_is_written(demo, tmp_path, provider):
    from qgis.core import QgsProcessingException

    out = tmp_path / "maps"
    with pytest.raises(QgsProcessingException, match="point_id"):
        processing.run("ree_damage:report_map", {
            **_parameters(demo), "DEPTH_SCHEDULE": str(demo / "analysis" / "baseline.csv"), "DPI": 72,
            "OUTPUT_FOLDER": str(out), "PROJECT": str(tmp_path / "maps.qgz"),
        })
    assert not (out.exists() and any(out.iterdir()))
    assert not (tmp_path / "maps.qgz").exists()


def test_default_resolution_is_300_dpi(provider):
    from qgis.core import QgsApplication

    algorithm = QgsApplication.processingRegistry().algorithmById("ree_damage:report_map")
    assert algorithm.parameterDefinition("DPI").defaultValue() == 300


@pytest.mark.qgis_process
def test_report_map_headless_with_qgis_process(demo, tmp_path):
    """qgis_process (no display, offscreen): the functional-zones map as PDF and PNG."""
    env = qgis_process_env(tmp_path / "home")
    enabled = subprocess.run(qgis_process_command() + ["plugins", "enable", "ree_damage"], env=env,
                             capture_output=True, text=True, timeout=300)
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    parameters = _parameters(demo)
    out = tmp_path / "maps"
    args = ["--json", "run", "ree_damage:report_map", "--", f"CASE_FILE={parameters['CASE_FILE']}",
            f"BOUNDARY={parameters['BOUNDARY']}", f"ZONES={parameters['ZONES']}", "THEMES=1", "DPI=72",
            f"OUTPUT_FOLDER={out}"]
    result = subprocess.run(qgis_process_command() + args, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert json.loads(result.stdout)["results"]["THEMES_MADE"] == "functional_zones"
    assert QImage(str(out / "functional_zones.png")).width() == 841  # 297 mm / 25.4 * 72 = 841.9 px, truncated
    text = _text(out / "functional_zones.pdf")
    assert CASE_NAME + "功能分区图" in text and DATUM_NOTE in text and "注孔区INJ" in text


def test_chinese_text_is_wrapped_to_its_box(qgis_app):
    """QGIS >= 3.24 breaks label lines at spaces only: Chinese lines are broken by us, at
    punctuation where one is near the end, and every line fits the width."""
    from qgis.PyQt.QtGui import QFont, QFontMetricsF

    from ree_damage.processing.maps.layout import _font, wrap_text

    text = "坐标系统：2000国家大地坐标系，高斯-克吕格投影，3°带，中央经线114°；1985国家高程基准；第38带（EPSG:4525）"
    wrapped = wrap_text(text, _font(7.5), 7.5, 40.0)
    lines = wrapped.split("\n")
    assert len(lines) >= 3 and "".join(lines) == text.replace(" ", "")
    font = QFont(_font(7.5))
    font.setPixelSize(1000)
    metrics = QFontMetricsF(font)
    assert all(metrics.horizontalAdvance(line) * 7.5 * 25.4 / 72 / 1000 <= 40.0 for line in lines)
    assert sum(line.endswith(("，", "；")) for line in lines[:-1]) >= 1  # broken after punctuation
    assert wrap_text("短文本\n第二行", _font(7.5), 7.5, 40.0) == "短文本\n第二行"
