"""The workflow steps on the sample case: each result writes itself and its provenance."""

from __future__ import annotations

import dataclasses
import json

import pyogrio
import pytest

from ree_damage.core.case import InterpolationParams, load_case, run
from ree_damage.core.case.steps import sampling_grid_for_zones
from ree_damage.core.common.errors import Canceled, InputError
from ree_damage.core.common.provenance import sidecar_path
from ree_damage.core.geo.reproject import LONLAT_FIELDS
from ree_damage.sample_case import generate_sample_case


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    paths = generate_sample_case(tmp_path_factory.mktemp("case"), include=("vectors", "dem", "lab"))
    return load_case(paths["case_file"])


@pytest.fixture(scope="module")
def zones(case):
    return run.zones(case)


@pytest.fixture(scope="module")
def grid(case, zones):
    return run.sampling(case, zones)


def _record(path):
    return json.loads(sidecar_path(path).read_text(encoding="utf-8"))


def test_zones_write_themselves_with_provenance(case, zones, tmp_path):
    assert set(zones.zones["zone"]) == {"PREP", "INJ", "COLL", "SETL"}
    assert len(zones.flow_cells) and set(zones.flow_cells["source_type"]) == {"flow"}
    written = zones.write(tmp_path / "zones.gpkg", flow_cells_path=tmp_path / "flow.gpkg",
                          inputs=run.inputs_of(case, "dem_before"))
    assert set(written) == {"zones", "flow_cells"}
    assert pyogrio.list_layers(written["zones"])[0][0] == "zones"
    record = _record(written["zones"])
    assert record["algorithm"] == "ree_damage:functional_zones" and record["crs"] == "EPSG:4547"
    assert record["parameters"]["hole_depth_field"] == "hole_depth_m"  # from the case file
    assert "hole_buffer_m" in record["sources"]
    assert len(record["inputs"]["vectors"]["sha256"]) == 64 and record["inputs"]["case_file"]["sha256"]
    assert _record(written["flow_cells"]) == record


def test_sampling_records_the_crs_core_used(case, zones, grid, tmp_path):
    assert grid.provenance()["crs"] == grid.zone_crs.authid == "EPSG:4547"
    # zones handed over in geographic coordinates: core works (and records) in its Gauss-Kruger zone
    geographic = zones.zones.to_crs(4490)
    works = tuple(run.read_layer(case, role) for role in run.WORKS)
    result = sampling_grid_for_zones(geographic, works, zone_params=case.parameters.zones,
                                     params=case.parameters.sampling)
    assert result.provenance()["crs"] == result.zone_crs.authid == "EPSG:4547"
    assert result.points.crs.to_epsg() == 4547


def test_the_sample_case_shows_the_baseline_done_right(case, grid):
    """Issue 19: the sample case lays 6 control points (its control area holds two 40 m
    units only) and so gives no weak-baseline warning; the weak case has its own test in
    test_sampling.py."""
    assert case.parameters.sampling.control_count == 6
    assert len(grid.control_points) == 6
    assert not [w for w in grid.warnings if "control" in str(w)], grid.warnings


def test_sampling_writes_the_outputs_named(grid, tmp_path):
    written = grid.write({"points": tmp_path / "points.gpkg", "compliance": tmp_path / "rules.csv"})
    assert set(written) == {"points", "compliance"}
    assert pyogrio.read_info(written["points"])["features"] == len(grid.points)
    record = _record(written["compliance"])
    assert record["algorithm"] == "ree_damage:sampling_grid" and "cell_size_m" in record["sources"]
    assert record["notes"] == list(grid.warnings)
    with pytest.raises(InputError, match="unknown sampling output 'grid'"):
        grid.write({"grid": tmp_path / "g.gpkg"})


def test_a_failed_write_leaves_nothing(grid, tmp_path):
    blocker = tmp_path / "taken"
    blocker.write_text("a file where a folder is needed", encoding="utf-8")
    with pytest.raises(OSError):
        grid.write({"points": tmp_path / "points.gpkg", "compliance": blocker / "rules.csv"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_a_canceled_step_raises(case):
    with pytest.raises(Canceled):
        run.zones(case, is_canceled=lambda: True)


def test_fieldwork_writes_the_workbook_and_gps_files(case, zones, grid, tmp_path):
    plan = run.fieldwork(case, grid, zones)
    assert plan.water is not None and len(plan.schedule.samples) > len(grid.points)
    written = plan.write({"samples": tmp_path / "depths.csv", "workbook": tmp_path / "field.xlsx",
                          "gpx": tmp_path / "points.gpx", "water_points": tmp_path / "water.gpkg"})
    assert set(written) == {"samples", "workbook", "gpx", "water_points"}
    record = _record(written["workbook"])
    assert record["algorithm"] == "ree_damage:depth_schedule" and record["crs"] == "EPSG:4547"
    assert record["notes"] == plan.warnings and len(plan.warnings) > len(plan.schedule.warnings)
    assert "<wpt" in written["gpx"].read_text(encoding="utf-8")


def test_lab_baseline_and_interpolation(case, tmp_path):
    lab = run.lab(case)
    assert lab.table.crs.to_epsg() == 4547 and "Cd_flag" in lab.table.columns
    files = lab.write(tmp_path / "lab.gpkg", indicators_path=tmp_path / "indicators.csv")
    assert _record(files["indicators"])["algorithm"] == "ree_damage:import_lab_results"
    baseline = run.baseline(case, lab)
    assert {"La", "Cd"} <= set(baseline.table["indicator"])
    assert baseline.parameters and _record(baseline.write(tmp_path / "b.csv")["baseline"])["notes"] == baseline.warnings
    # one field, IDW only: the step, not the kriging, is under test here
    quick = dataclasses.replace(case, parameters=dataclasses.replace(
        case.parameters, interpolation=InterpolationParams(fields=("Cd",), methods=("idw",), cell_size_m=4.0,
                                                           depth_cm=50)))
    rasters = run.interpolation(quick, lab, baseline)
    surface = rasters.surface("Cd", "idw")
    assert surface.cross_validation.summary()["n"] == len(
        lab.table[(lab.table["depth_cm"] == 50) & ~lab.table["sample_id"].str.startswith("CTRL")])
    written = rasters.write(tmp_path / "rasters")
    assert sidecar_path(written["Cd_idw_prediction"]).is_file()
    table_record = _record(written["method_comparison"])
    expected = rasters.provenance()
    for key in ("algorithm", "crs", "parameters", "notes"):
        assert table_record[key] == expected[key]
    # the damage step on those rasters: samples at the same depth, areas in the 0-0.5 m layer
    zones = run.zones(quick)
    damage = run.damage(quick, lab, baseline, zones, tmp_path / "rasters", degree_dir=tmp_path / "degree")
    summary = damage.summary
    cd = summary[(summary.indicator == "Cd") & (summary.method == "idw")].set_index("zone")
    assert cd.loc["ALL", "samples"] == surface.cross_validation.summary()["n"]
    assert set(cd.index) >= {"PREP", "INJ", "COLL", "SETL", "ALL"}
    assert cd.loc["ALL", "volume_m3"] == pytest.approx(cd.loc["ALL", "area_m2"] * 0.5)
    assert cd.loc["ALL", "area_m2"] == pytest.approx(cd["area_m2"].drop("ALL").sum())
    files = damage.write({"samples": tmp_path / "damaged_samples.gpkg", "summary": tmp_path / "damage_summary.csv",
                          "areas": tmp_path / "damaged_areas.gpkg", "union": tmp_path / "damaged_union.gpkg"},
                         inputs=run.inputs_of(quick, "lab_sheet"))
    assert _record(files["summary"])["algorithm"] == "ree_damage:damage_extent"
    assert _record(files["summary"])["parameters"]["points"]["threshold"] == 0.2
    assert sidecar_path(files["degree:Cd_L0-50_idw_degree"]).is_file()
    areas = pyogrio.read_dataframe(files["areas"])
    assert areas.area.sum() == pytest.approx(damage.extent.polygons["area_m2"].sum(), rel=1e-4)


def test_to_cgcs2000_adds_lonlat(case, tmp_path):
    result = run.to_cgcs2000(case)
    written = result.write(tmp_path)
    assert [p.name for p in written.values()] == ["sample_points_cgcs2000.gpkg"]
    frame = pyogrio.read_dataframe(written["sample_points"])
    assert set(LONLAT_FIELDS) <= set(frame.columns) and frame.crs.to_epsg() == 4547
    assert _record(written["sample_points"])["parameters"]["target_crs"] == "EPSG:4547"
