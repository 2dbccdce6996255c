"""run_case: the case package is the same bytes on a rerun, and a changed input reruns
only the steps downstream of it."""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest

from ree_damage.core.case.package import GPKG_NAME, MANIFEST_NAME, read_manifest, run_case, stale_steps
from ree_damage.core.case.registry import STEPS
from ree_damage.core.common.errors import Canceled, InputError
from ree_damage.sample_case import generate_sample_case

CHAIN = [step.name for step in STEPS if step.host == "core"]
HOSTED = [step.name for step in STEPS if step.host != "core"]  # the maps: QGIS draws them (tests/qgis)
LAB_DOWNSTREAM = ["lab", "baseline", "interpolation", "damage", "mined_volume", "valuation", "report_document"]


def _digests(package: Path) -> dict:
    """Package-relative path -> SHA-256 of every file but the manifest and the rerun cache."""
    return {
        p.relative_to(package).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(package.rglob("*"))
        if p.is_file() and p.name != MANIFEST_NAME and ".state" not in p.relative_to(package).parts
    }


@pytest.fixture(scope="module", autouse=True)
def one_kernel_path():
    """The runs of this module on the numpy path: the compiled kernels agree with it to float
    rounding, not bit for bit, and in ``auto`` mode a run takes them only once numba's cache
    is ready (a compiler of another process running meanwhile sends it to numpy), so two
    runs could otherwise differ in the last bit of a raster for a reason outside the case."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REE_DAMAGE_NUMBA", "0")
        yield


@pytest.fixture(scope="module")
def sample(tmp_path_factory, one_kernel_path):
    """The sample case and its package, built once."""
    root = tmp_path_factory.mktemp("casepkg")
    generate_sample_case(root / "case")
    lines = []
    result = run_case(root / "case" / "case.toml", root / "first", log=lines.append)
    return root, result, lines


def _copy_case(sample, tmp_path) -> Path:
    root, result, _ = sample
    shutil.copytree(root / "case", tmp_path / "case")
    shutil.copytree(result.package, tmp_path / "package")
    return tmp_path / "case" / "case.toml"


def test_every_step_runs_on_the_sample_case_and_the_package_holds_its_files(sample):
    root, result, lines = sample
    assert result.names("ran") == CHAIN and result.names("skipped") == HOSTED == ["maps"]
    assert result.step("maps").reason.startswith("needs QGIS (qgis.core), not available here")
    assert "skip maps: needs QGIS (qgis.core), not available here" in " ".join(lines)
    assert lines[0] == "run cgcs2000" and any(line.startswith("done vegetation_damage in ") for line in lines)
    package = result.package
    manifest = read_manifest(package)
    # every file of the package is in the manifest with its SHA-256 (the cache is not)
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert listed == _digests(package)
    assert {"case.gpkg", "depth/field_workbook.xlsx", "mined_volume/cut_fill.tif",
            "interpolation/La_ok_prediction.tif", "damage/damage_summary.csv",
            "report_document/report_draft.docx"} <= set(listed)
    # no provenance sidecar left: their records are in the manifest, per step
    assert not list(package.rglob("*.provenance.json"))
    zones = manifest["steps"]["zones"]
    assert zones["provenance"][0]["algorithm"] == "ree_damage:functional_zones"
    assert "case.gpkg#zones" in zones["provenance"][0]["files"]
    assert zones["basis"]["parameters"]["parameters.zones"]["hole_depth_field"] == "hole_depth_m"
    assert set(zones["basis"]["inputs"]) >= {"inputs.dem_before", "inputs.layers.case_boundary"}
    assert manifest["steps"]["damage"]["basis"]["steps"].keys() == {"lab", "baseline", "interpolation", "zones"}
    assert manifest["software"]["name"] == "ree_damage" and "numpy" in manifest["libraries"]
    # every vector layer in one GeoPackage, named by its step
    with contextlib.closing(sqlite3.connect(package / GPKG_NAME)) as db:
        contents = dict(db.execute("select table_name, description from gpkg_contents").fetchall())
    assert contents["zones"] == "ree_damage step zones"
    assert contents["sampling_points"] == "ree_damage step sampling"
    assert {"lab_results", "damaged_areas", "vegetation_damage", "water_positions"} <= set(contents)
    assert not list(package.glob("*/*.gpkg"))
    # headline figures (checked against the tables: 4 zones, 38 + 6 control points)
    assert manifest["steps"]["zones"]["summary"]["zone_codes"] == ["PREP", "INJ", "COLL", "SETL"]
    assert manifest["steps"]["sampling"]["summary"] == {"points": 38, "control_points": 6}
    cut = manifest["steps"]["mined_volume"]["summary"]["cut_range_m3"]
    assert cut[0] < cut[1]


def test_no_output_embeds_the_time_of_the_run(sample):
    package = sample[1].package
    with contextlib.closing(sqlite3.connect(package / GPKG_NAME)) as db:
        changes = {row[0] for row in db.execute("select last_change from gpkg_contents")}
    assert changes == {"2000-01-01T00:00:00Z"}
    for workbook in ("depth/field_workbook.xlsx", "mined_volume/resource_annex.xlsx"):
        with zipfile.ZipFile(package / workbook) as book:
            core = book.read("docProps/core.xml").decode()
            assert {info.date_time for info in book.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert "2000-01-01T00:00:00Z</dcterms:created>" in core and "2000-01-01T00:00:00Z</dcterms:modified>" in core
    for plot in package.rglob("*.png"):
        assert b"tIME" not in plot.read_bytes(), plot
    for gps in ("depth/sampling_points.gpx", "depth/sampling_points.kml"):
        assert "<time>" not in (package / gps).read_text(encoding="utf-8")
    import rasterio

    for tif in package.rglob("*.tif"):
        with rasterio.open(tif) as src:
            assert "TIFFTAG_DATETIME" not in src.tags(), tif
    # the time is the manifest's only
    assert read_manifest(package)["time_utc"]


def test_a_second_run_gives_the_same_bytes(sample, tmp_path):
    root, first, _ = sample
    again = run_case(root / "case" / "case.toml", tmp_path / "again", reuse=False)
    assert again.names("ran") == CHAIN
    assert _digests(again.package) == _digests(first.package)


def test_a_rerun_with_nothing_changed_reuses_every_step(sample, tmp_path):
    case_file = _copy_case(sample, tmp_path)
    before = _digests(tmp_path / "package")
    lines = []
    result = run_case(case_file, tmp_path / "package", log=lines.append)
    assert result.names("reused") == CHAIN and result.names("ran") == []
    assert lines[0] == "reuse cgcs2000: inputs unchanged"
    assert _digests(result.package) == before
    assert read_manifest(result.package)["stale"] == []


def test_a_changed_parameter_reruns_only_its_step_and_those_downstream(sample, tmp_path):
    case_file = _copy_case(sample, tmp_path)
    text = case_file.read_text(encoding="utf-8")
    case_file.write_text(text.replace("[parameters.damage]\nthreshold = 0.2", "[parameters.damage]\nthreshold = 0.5"),
                         encoding="utf-8")
    assert stale_steps(case_file, tmp_path / "package") == {"damage": "parameters.damage",
                                                            "valuation": "step damage",
                                                            "report_document": "step damage, step valuation"}
    result = run_case(case_file, tmp_path / "package")
    assert result.names("ran") == ["damage", "valuation", "report_document"]
    assert result.step("damage").reason == "parameters.damage changed"
    assert read_manifest(result.package)["stale"] == ["damage", "valuation", "report_document"]


def test_a_changed_lab_sheet_reruns_the_lab_chain_and_gives_what_a_fresh_run_gives(sample, tmp_path):
    import openpyxl

    case_file = _copy_case(sample, tmp_path)
    sheet = case_file.parent / "lab_results.xlsx"
    book = openpyxl.load_workbook(sheet)
    cells = book.worksheets[0]
    row = next(r for r in cells.iter_rows(min_row=2) if isinstance(r[5].value, (int, float)))
    row[5].value = row[5].value * 1.5
    book.save(sheet)
    stale = stale_steps(case_file, tmp_path / "package")
    assert list(stale) == LAB_DOWNSTREAM
    assert stale["lab"] == "inputs.lab_sheet" and stale["baseline"] == "step lab"
    result = run_case(case_file, tmp_path / "package")
    assert result.names("ran") == LAB_DOWNSTREAM
    assert result.names("reused") == ["cgcs2000", "zones", "sampling", "depth", "vegetation_damage", "water_damage"]
    fresh = run_case(case_file, tmp_path / "fresh", reuse=False)
    assert _digests(result.package) == _digests(fresh.package)


def test_steps_without_their_inputs_are_skipped_with_the_reason(tmp_path):
    generate_sample_case(tmp_path / "case", include=("vectors",))
    lines = []
    result = run_case(tmp_path / "case" / "case.toml", tmp_path / "package", log=lines.append)
    assert result.names("ran") == ["cgcs2000", "zones", "sampling", "depth", "report_document"]
    assert "skip lab: the case file names no inputs.lab_sheet" in lines
    assert "skip baseline: needs step lab, which did not run" in lines
    assert "skip mined_volume: the case file names no inputs.dem_before" in lines
    assert "skip vegetation_damage: the case file names no inputs.ortho" in lines
    assert "skip valuation: needs step damage, which did not run" in lines
    assert read_manifest(result.package)["steps"]["damage"]["status"] == "skipped"


def test_a_cancelled_run_leaves_the_previous_package_as_it_was(sample, tmp_path):
    case_file = _copy_case(sample, tmp_path)
    before = {**_digests(tmp_path / "package"), MANIFEST_NAME: (tmp_path / "package" / MANIFEST_NAME).read_text()}
    calls = []

    def cancel_after_a_while():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Canceled):
        run_case(case_file, tmp_path / "package", reuse=False, is_canceled=cancel_after_a_while)
    after = {**_digests(tmp_path / "package"), MANIFEST_NAME: (tmp_path / "package" / MANIFEST_NAME).read_text()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case", "package"]  # no staging folder left


def test_an_output_folder_holding_other_files_is_refused_before_any_work(sample, tmp_path):
    root = sample[0]
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="output: .* not a case package"):
        run_case(root / "case" / "case.toml", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_bad_case_file_writes_nothing(sample, tmp_path):
    root = sample[0]
    shutil.copytree(root / "case", tmp_path / "case")
    case_file = tmp_path / "case" / "case.toml"
    case_file.write_text(case_file.read_text(encoding="utf-8").replace(
        'lab_sheet = "lab_results.xlsx"', 'lab_sheet = "../../elsewhere.xlsx"'), encoding="utf-8")
    with pytest.raises(InputError, match="inputs.lab_sheet: .* leaves the case folder"):
        run_case(case_file, tmp_path / "package")
    assert not (tmp_path / "package").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case"]


def test_the_manifest_is_json_with_relative_paths(sample):
    manifest_text = (sample[1].package / MANIFEST_NAME).read_text(encoding="utf-8")
    manifest = json.loads(manifest_text)
    staging_marks = [p for p in (".partial-",) if p in manifest_text]
    assert staging_marks == []
    record = manifest["steps"]["lab"]["provenance"][0]
    assert record["inputs"]["lab_sheet"]["path"] == "<case>/lab_results.xlsx"


def _fake_maps(calls: list):
    """The chain's maps step as a host gives it, without QGIS: one figure (a copy of a variogram PNG)."""
    import dataclasses

    from ree_damage.core.case import registry

    def run(ctx):
        calls.append(ctx.case.parameters.maps.dpi)
        return object()

    def write(result, folder, ctx):
        png = folder / "site_overview.png"
        shutil.copyfile(ctx.package / "interpolation" / "Cd_ok_variogram.png", png)
        (folder / "captions.json").write_text(json.dumps({"site_overview.png": "现场概况图（site overview）"},
                                                         ensure_ascii=False), encoding="utf-8")
        return {"png": png}

    return dataclasses.replace(registry.step("maps"), run=run, write=write)


def test_a_host_step_runs_in_its_place_and_a_change_reruns_what_is_downstream(sample, tmp_path):
    from docx import Document

    case_file = _copy_case(sample, tmp_path)
    package = tmp_path / "package"
    calls = []
    host = {"qgis": "3.22.16"}
    first = run_case(case_file, package, extra_steps=(_fake_maps(calls),), host=host)
    order = [s.name for s in first.steps]
    assert order.index("maps") == order.index("valuation") + 1 == order.index("report_document") - 1
    # the package had no maps: they run, and the document that shows them
    assert first.names("ran") == ["maps", "report_document"] and calls == [300]
    assert first.step("report_document").reason == "step maps changed"
    document = Document(str(package / "report_document" / "report_draft.docx"))
    assert len(document.inline_shapes) == 1
    text = "\n".join(p.text for p in document.paragraphs)
    assert "现场概况图（site overview）" in text
    digest = hashlib.sha256((package / "maps" / "site_overview.png").read_bytes()).hexdigest()
    sources = [[cell.text for cell in row.cells] for row in document.tables[-1].rows]
    assert any(row[1:] == ["site_overview.png", digest] for row in sources), sources[-3:]
    assert read_manifest(package)["steps"]["maps"]["basis"]["host"] == {"qgis": "3.22.16"}

    # the maps' dpi changed: the maps and the document rerun, nothing upstream
    case_file.write_text(case_file.read_text(encoding="utf-8") + "\n[parameters.maps]\ndpi = 150\n", encoding="utf-8")
    assert stale_steps(case_file, package, extra_steps=(_fake_maps([]),), host=host) == {
        "maps": "parameters.maps", "report_document": "step maps"}
    again = run_case(case_file, package, extra_steps=(_fake_maps(calls),), host=host)
    assert again.names("ran") == ["maps", "report_document"] and calls == [300, 150]
    # another QGIS draws the maps again
    newer = {"qgis": "3.40.5"}
    assert stale_steps(case_file, package, extra_steps=(_fake_maps([]),), host=newer) == {
        "maps": "host version", "report_document": "step maps"}
    # without the host the maps are skipped with the reason, and the document has no figure
    bare = run_case(case_file, package)
    assert bare.step("maps").status == "skipped" and "needs QGIS" in bare.step("maps").reason
    assert len(Document(str(package / "report_document" / "report_draft.docx")).inline_shapes) == 0


def test_a_value_a_host_step_cannot_take_stops_the_run_before_any_work(sample, tmp_path):
    import dataclasses

    def check(case):
        raise InputError("parameters.maps.themes: no theme 'nope'")

    maps = dataclasses.replace(_fake_maps([]), check=check)
    with pytest.raises(InputError, match=r"parameters\.maps\.themes"):
        run_case(sample[0] / "case" / "case.toml", tmp_path / "package", extra_steps=(maps,))
    assert list(tmp_path.iterdir()) == []
