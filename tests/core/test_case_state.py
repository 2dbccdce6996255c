"""The case panel's model without Qt: steps, parameters for a case, status from provenance."""

from __future__ import annotations

from pathlib import Path

import pytest

from ree_damage.core.case.model import load_case
from ree_damage.core.common.provenance import make_record, write_sidecar
from ree_damage.ui import case_state
from ree_damage.ui.case_state import NOT_AVAILABLE, NOT_RUN, STALE, UP_TO_DATE


def test_the_workflow_is_in_the_order_of_the_issue():
    assert case_state.STEP_KEYS == (
        "case", "zones", "sampling", "depth", "lab", "baseline", "interpolation", "damage", "water",
        "imagery", "volume", "valuation", "causality", "maps", "report",
    )
    for step in case_state.STEPS:  # a step only depends on steps before it
        assert all(case_state.STEP_KEYS.index(u) < case_state.STEP_KEYS.index(step.key) for u in step.upstream)


def _output(folder: Path, key: str, name: str, inputs: dict) -> Path:
    path = folder / "outputs" / key / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{key} output\n", encoding="utf-8")
    write_sidecar(path, make_record(f"ree_damage:{key}", inputs=inputs))
    return path


@pytest.fixture()
def small_case(tmp_path):
    boundary = tmp_path / "boundary.geojson"
    boundary.write_text("boundary v1\n", encoding="utf-8")
    case_state.write_case(tmp_path, {"name": "Test case"}, zone="EPSG:4547")
    return tmp_path, boundary


def test_status_follows_the_recorded_input_hashes(small_case):
    folder, boundary = small_case
    case = case_state.read_case(folder)
    every = lambda algorithm_id: True  # noqa: E731
    states = {s.key: s.status for s in case_state.case_states(case, every)}
    assert states["case"] == case_state.CASE_READY
    assert states["zones"] == NOT_RUN and states["sampling"] == NOT_RUN

    zones = _output(folder, "zones", "zones.gpkg", {"boundary": str(boundary)})
    _output(folder, "sampling", "sampling_points.gpkg", {"zones": str(zones)})
    hashes = case_state.HashCache()
    states = {s.key: s for s in case_state.case_states(case, every, hashes)}
    assert states["zones"].status == UP_TO_DATE and states["sampling"].status == UP_TO_DATE
    assert states["zones"].outputs == (zones,)

    boundary.write_text("boundary v2\n", encoding="utf-8")  # a different size: the cache rehashes
    states = {s.key: s for s in case_state.case_states(case, every, hashes)}
    assert states["zones"].status == STALE
    assert states["zones"].reasons == (("changed", str(boundary)),)
    # sampling's own input (zones.gpkg) is unchanged: stale because zones upstream is
    assert states["sampling"].status == STALE
    assert states["sampling"].reasons == (("upstream", "zones"),)
    assert states["depth"].status == NOT_RUN  # nothing written: nothing to be stale

    boundary.unlink()
    zones_state = case_state.step_state(case, "zones", True, hashes=hashes)
    assert zones_state.reasons == (("missing", str(boundary)),)


def test_an_output_without_its_record_is_stale(small_case):
    folder, _ = small_case
    path = folder / "outputs" / "zones" / "zones.gpkg"
    path.parent.mkdir(parents=True)
    path.write_text("x", encoding="utf-8")
    state = case_state.step_state(case_state.read_case(folder), "zones", True)
    assert (state.status, state.reasons) == (STALE, (("no_record", str(path)),))


def test_a_step_whose_algorithm_is_not_registered_is_not_available(small_case):
    folder, _ = small_case
    registered = {"ree_damage:functional_zones"}
    states = {s.key: s.status for s in case_state.case_states(case_state.read_case(folder), registered.__contains__)}
    assert states["zones"] == NOT_RUN
    assert states["water"] == NOT_AVAILABLE and states["sampling"] == NOT_AVAILABLE


def test_write_case_keeps_what_it_does_not_edit(tmp_path):
    from ree_damage.sample_case import generate_sample_case

    generate_sample_case(tmp_path)
    before = load_case(tmp_path / "case.toml")
    case_state.write_case(tmp_path, {"name": "改名的案件", "county": "某县", "act_start": "2024-05-01"},
                          zone="EPSG:4548", base=before)
    after = load_case(tmp_path / "case.toml")
    assert (after.info.name, after.info.county, after.info.act_start) == ("改名的案件", "某县", "2024-05-01")
    assert after.info.province == before.info.province and after.info.act_end == before.info.act_end
    assert after.crs.zone == "EPSG:4548"
    assert after.inputs == before.inputs and after.parameters == before.parameters and after.sources == before.sources
    text = (tmp_path / "case.toml").read_text(encoding="utf-8")
    assert text.startswith("# 合成数据")  # the synthetic-data header stays


def test_a_new_case_names_its_inputs_and_matches_layer_roles(tmp_path):
    from ree_damage.sample_case import generate_sample_case

    generate_sample_case(tmp_path / "data")
    folder = tmp_path / "data"
    (folder / "case.toml").unlink()
    case_state.write_case(folder, {"name": "New"}, inputs={
        "vectors": folder / "sample_case.gpkg", "dem_before": folder / "dem_before_2m.tif", "ortho": ""})
    case = load_case(folder / "case.toml")  # inputs checked: the files and layers exist
    assert case.inputs.dem_before == (folder / "dem_before_2m.tif").resolve() and case.inputs.ortho is None
    assert case.inputs.layers["case_boundary"] == "case_boundary"
    assert "vegetation_check_points" not in case.inputs.layers  # the sample case has no such layer
    with pytest.raises(ValueError, match="relative"):
        case_state.write_case(tmp_path / "elsewhere", {"name": "x"}, base=case)


def test_the_zone_is_proposed_from_the_site_longitude(tmp_path):
    from ree_damage.sample_case import generate_sample_case

    # 3-degree zones: zone 38 (CM 114E) spans 112.5-115.5E, EPSG:4534 + (38 - 25)
    assert case_state.proposed_zone(115.0) == "EPSG:4547"
    assert case_state.proposed_zone(115.6) == "EPSG:4548"
    generate_sample_case(tmp_path)
    lon = case_state.site_longitude(case_state.read_case(tmp_path))
    assert lon == pytest.approx(115.0, abs=0.05)  # the sample case is at about 115.0E


def test_parameters_of_the_first_steps_for_the_sample_case(tmp_path):
    from ree_damage.sample_case import generate_sample_case

    generate_sample_case(tmp_path)
    case = case_state.read_case(tmp_path)
    zones = case_state.step_parameters(case, "zones")
    gpkg = str(tmp_path.resolve() / "sample_case.gpkg")
    assert zones["BOUNDARY"] == f"{gpkg}|layername=case_boundary"
    assert zones["HOLES"] == f"{gpkg}|layername=injection_holes"
    assert zones["HOLE_DEPTH_FIELD"] == "hole_depth_m" and zones["BOTTOM_DEPTH_FIELD"] == "bottom_depth_m"
    assert zones["OUTPUT"] == str(tmp_path.resolve() / "outputs" / "zones" / "zones.gpkg")
    sampling = case_state.step_parameters(case, "sampling")
    assert sampling["ZONES"] == zones["OUTPUT"] and sampling["FLOW_CELLS"] == zones["FLOW_CELLS"]
    assert sampling["CELL_SIZE"] == 40.0
    baseline = case_state.step_parameters(case, "baseline")
    # mean_2sd is the first statistic; GB15618-2018 the first standard; "other" the third land use
    assert (baseline["STATISTIC"], baseline["SCREENING"], baseline["LAND_USE"], baseline["PH"]) == (0, 1, 3, 5.0)
    interpolation = case_state.step_parameters(case, "interpolation")
    assert interpolation["METHODS"] == [0, 1] and interpolation["FIELDS"] == ["La", "Cd", "NH4_N", "SO4"]
    assert interpolation["INPUT"].endswith("lab.gpkg|layername=lab|subset=depth_cm = 50 AND sample_id NOT LIKE 'CTRL-%'")
    assert "ZONES" not in case_state.step_parameters(case, "report")  # not written yet: left out
    water = case_state.step_parameters(case, "water")
    # the positions sampled, whose ids the water lab sheet uses (as run_case reads them)
    assert water["POSITIONS"] == f"{tmp_path.resolve() / 'water.gpkg'}|layername=water_positions"
    assert water["LAB_SHEET"] == str(tmp_path.resolve() / "water_results.csv")
    with pytest.raises(KeyError):
        case_state.step_parameters(case, "unknown")


def test_parameters_of_the_last_steps_take_what_exists(tmp_path):
    from ree_damage.sample_case import generate_sample_case

    generate_sample_case(tmp_path)
    case = case_state.read_case(tmp_path)
    folder = tmp_path.resolve()
    outputs = folder / "outputs"
    for key in ("valuation", "causality", "maps"):
        assert case_state.has_parameters(key)
    # nothing run yet: the case's own files only, and where the outputs go
    valuation = case_state.step_parameters(case, "valuation")
    assert valuation == {"CASE_FILE": str(folder / "case.toml"), "WORKBOOK": str(outputs / "valuation" / "valuation.xlsx"),
                         "JSON": str(outputs / "valuation" / "valuation.json")}
    causality = case_state.step_parameters(case, "causality")
    evidence = folder / "sample_case_evidence.gpkg"
    assert causality["SOURCE_SHEET"] == str(folder / "source_lab.csv")
    assert causality["SOURCE_POINTS"] == f"{evidence}|layername=source_points"
    assert causality["WELLS"] == f"{evidence}|layername=wells"
    assert causality["IMAGE_DATES"] == str(folder / "image_dates.csv")
    assert causality["DEM"] == str(folder / "dem_before_2m.tif") and causality["CONTROL_PATTERN"] == "^CTRL-"
    assert "SAMPLES" not in causality and "DAMAGE" not in causality  # the lab and damage steps have not run
    assert causality["OUTPUT_FOLDER"] == str(outputs / "causality" / "evidence")
    maps = case_state.step_parameters(case, "maps")
    # the CGCS2000 zone of the case file (case setup) is the map CRS
    assert maps["TARGET_CRS"] == "EPSG:4547"
    assert maps["ORTHO"] == str(folder / "ortho_rgb.tif") and maps["BOUNDARY"].endswith("|layername=case_boundary")
    assert "ZONES" not in maps and maps["OUTPUT_FOLDER"] == str(outputs / "maps" / "maps")

    # the tables of the steps before them, once written; the concentration raster of the first indicator, kriging
    for relative in ("damage/damage/damage_summary.csv", "imagery/vegetation_damage_by_zone.csv",
                     "volume/tables/annex5_resource_summary.csv", "water/water_summary.csv",
                     "interpolation/rasters/Cd_ok_prediction.tif", "interpolation/rasters/La_idw_prediction.tif",
                     "interpolation/rasters/La_ok_prediction.tif", "zones/zones.gpkg"):
        (outputs / relative).parent.mkdir(parents=True, exist_ok=True)
        (outputs / relative).write_bytes(b"")
    valuation = case_state.step_parameters(case, "valuation")
    assert valuation["DAMAGE_SUMMARY"] == str(outputs / "damage" / "damage" / "damage_summary.csv")
    assert valuation["VEGETATION_SUMMARY"] == str(outputs / "imagery" / "vegetation_damage_by_zone.csv")
    assert valuation["RESOURCE_TABLE"] == str(outputs / "volume" / "tables" / "annex5_resource_summary.csv")
    assert valuation["WATER_SUMMARY"] == str(outputs / "water" / "water_summary.csv")
    maps = case_state.step_parameters(case, "maps")
    assert maps["CONCENTRATION"] == str(outputs / "interpolation" / "rasters" / "La_ok_prediction.tif")
    assert maps["ZONES"] == str(outputs / "zones" / "zones.gpkg")
    # a case whose zone is chosen automatically leaves the map CRS to the algorithm
    auto = case_state.read_case(case_state.write_case(folder, {}, zone="auto", base=case))
    assert "TARGET_CRS" not in case_state.step_parameters(auto, "maps")


def test_gdal_statistics_beside_a_raster_are_not_outputs(tmp_path):
    from ree_damage.core.common.provenance import make_record, write_sidecar
    from ree_damage.sample_case import generate_sample_case

    generate_sample_case(tmp_path)
    case = case_state.read_case(tmp_path)
    raster = case_state.output_path(case, "interpolation", "OUTPUT_FOLDER") / "La_ok_prediction.tif"
    raster.parent.mkdir(parents=True)
    raster.write_bytes(b"raster")
    write_sidecar(raster, make_record("ree_damage:interpolate"))
    # GDAL writes <raster>.aux.xml when a later step (or QGIS) computes the raster's statistics
    (raster.parent / "La_ok_prediction.tif.aux.xml").write_text("<PAMDataset/>", encoding="utf-8")
    state = case_state.step_state(case, "interpolation", True)
    assert (state.status, state.outputs, state.reasons) == (case_state.UP_TO_DATE, (raster,), ())
