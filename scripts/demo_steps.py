"""Every workflow step on the sample case, each writing its own files with provenance sidecars.

The per-step layout ``make demo`` wrote before run_case (``survey/``, ``analysis/``,
``damage/``, one GeoPackage per layer, a ``.provenance.json`` beside each file): what the
report_document QGIS test reads. ``make demo`` itself now builds the case package
(``scripts/demo.py``, ``python -m ree_damage run``).

Writes the sample case, reads its ``case.toml`` with :mod:`ree_damage.core.case`, and runs
every step (``ree_damage.core.case.run``), each result writing its files with their
provenance. No QGIS needed: the Processing algorithms call the same step functions.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _import_package():
    """``ree_damage`` installed (pip install -e .) or through the checkout's link folder."""
    try:
        import ree_damage  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(ROOT / ".pkg"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default="demo_output", help="output folder (default: demo_output)")
    args = parser.parse_args(argv)
    out = Path(args.output).resolve()
    _import_package()
    from ree_damage.core.case import load_case, run
    from ree_damage.sample_case import generate_sample_case

    written = []

    def step(label, function, *arguments, **keywords):
        started = time.perf_counter()
        print(f"- {label}")
        result = function(*arguments, **keywords)
        for warning in getattr(result, "warnings", None) or []:
            print(f"  warning: {warning}")
        print(f"  done in {time.perf_counter() - started:.1f} s")
        return result

    paths = step("sample case", generate_sample_case, out / "sample_case")
    written.append(("sample case", out / "sample_case"))
    case = step("case file", load_case, paths["case_file"])
    host = {"runner": "scripts/demo_steps.py"}

    reprojected = step("to_cgcs2000", run.to_cgcs2000, case)
    for path in reprojected.write(out / "cgcs2000", host=host).values():
        written.append(("surveyed points with CGCS2000 lon/lat", path))

    survey = out / "survey"
    zones = step("functional_zones", run.zones, case)
    inputs = run.inputs_of(case, "dem_before")
    files = zones.write(survey / "zones.gpkg", flow_cells_path=survey / "flow_cells.gpkg", inputs=inputs, host=host)
    written.append(("functional zones", files["zones"]))
    grid = step("sampling_grid", run.sampling, case, zones)
    files = grid.write(
        {name: survey / file for name, file in (
            ("units", "sampling_units.gpkg"), ("points", "sampling_points.gpkg"),
            ("control_units", "control_units.gpkg"), ("control_points", "control_points.gpkg"),
            ("compliance", "grid_compliance.csv"),
        )},
        inputs=inputs, host=host,
    )
    written += [("sampling units", files["units"]), ("sampling points", files["points"]),
                ("control points", files["control_points"]), ("grid rule compliance", files["compliance"])]
    plan = step("depth_schedule", run.fieldwork, case, grid, zones)
    files = plan.write(
        {"samples": survey / "depth_schedule.csv", "water_points": survey / "water_positions.gpkg",
         "workbook": survey / "field_workbook.xlsx", "gpx": survey / "sampling_points.gpx",
         "kml": survey / "sampling_points.kml"},
        inputs=inputs, host=host,
    )
    written += [("depth schedule", files["samples"]), ("water and sediment positions", files["water_points"]),
                ("field workbook", files["workbook"]), ("GPS waypoints", files["gpx"])]

    analysis = out / "analysis"
    lab = step("import_lab_results", run.lab, case)
    lab_inputs = run.inputs_of(case, "lab_sheet")
    files = lab.write(analysis / "lab_results.gpkg", indicators_path=analysis / "lab_indicators.csv",
                      inputs=lab_inputs, host=host)
    written.append(("lab results at sample points", files["lab_results"]))
    baseline = step("baseline", run.baseline, case, lab)
    written.append(("baseline table", baseline.write(analysis / "baseline.csv", inputs=lab_inputs, host=host)["baseline"]))
    rasters = step("interpolate", run.interpolation, case, lab, baseline)
    files = rasters.write(analysis / "surface_0_50cm", inputs=lab_inputs, host=host)
    written += [("interpolated rasters (surface layer)", analysis / "surface_0_50cm"),
                ("method comparison", files["method_comparison"])]
    damage_dir = out / "damage"
    damage = step("damage_extent", run.damage, case, lab, baseline, zones, analysis / "surface_0_50cm",
                  degree_dir=damage_dir / "degree")
    files = damage.write(
        {"samples": damage_dir / "damaged_samples.gpkg", "summary": damage_dir / "damage_summary.csv",
         "signature": damage_dir / "leaching_signature.csv", "areas": damage_dir / "damaged_areas.gpkg",
         "union": damage_dir / "damaged_union.gpkg"},
        inputs=lab_inputs, host=host,
    )
    written += [("damaged samples", files["samples"]), ("damage summary (valuation reads it)", files["summary"]),
                ("damaged areas per indicator and zone", files["areas"]), ("damaged areas, union", files["union"]),
                ("damage-degree rasters", damage_dir / "degree")]

    damage = out / "damage"
    mined = step("mined_volume", run.mined, case, zones, lab, work_dir=damage)
    files = mined.write(damage, inputs=run.inputs_of(case, "dem_before", "dem_after", "lab_sheet"), host=host)
    written += [("cut/fill raster (dz, m)", files["cut_fill"]), ("volumes, cell and grid method", files["volumes"]),
                ("resource annex tables 3-5", files["workbook"])]

    damage = out / "damage"
    vegetation = step("vegetation_damage", run.vegetation, case, zones)
    files = vegetation.write(
        {"polygons": damage / "vegetation_damage.gpkg", "summary": damage / "vegetation_damage_by_zone.csv",
         "accuracy": damage / "vegetation_accuracy.csv", "index": damage / "vegetation_index.tif"},
        inputs=run.inputs_of(case, "ortho", "ortho_before"), host=host,
    )
    print(f"  threshold {vegetation.threshold:.4f}, forest area lost {vegetation.forest_area_lost_m2:.0f} m2, "
          f"kappa {vegetation.accuracy.kappa:.3f} at {vegetation.accuracy.n} check points")
    written += [("damaged vegetation polygons", files["polygons"]), ("damaged vegetation by zone", files["summary"]),
                ("vegetation accuracy (confusion matrix)", files["accuracy"]), ("vegetation index", files["index"])]

    print("\nOutputs (each file has a .provenance.json beside it):")
    for label, path in written:
        print(f"  {label}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
