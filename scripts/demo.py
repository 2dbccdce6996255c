"""make demo: run the plugin's algorithms headless on the embedded sample case."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from qgis_headless import start  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", default="demo_output", help="output folder (default: demo_output)")
    args = parser.parse_args(argv)
    out = Path(args.output).resolve()
    app = start()
    from qgis import processing
    from qgis.core import QgsProcessingFeedback

    class Feedback(QgsProcessingFeedback):
        def reportError(self, error, fatalError=False):  # noqa: N802, N803
            print(f"  error: {error}", file=sys.stderr)

    feedback = Feedback()
    written = []

    def run(algorithm_id, parameters):
        started = time.perf_counter()
        print(f"- {algorithm_id}")
        result = processing.run(algorithm_id, parameters, feedback=feedback)
        print(f"  done in {time.perf_counter() - started:.1f} s")
        return result

    case = run("ree_damage:sample_case", {"OUTPUT_FOLDER": str(out / "sample_case")})
    written.append(("sample case", case["OUTPUT_FOLDER"]))
    folder = Path(case["OUTPUT_FOLDER"])
    gpkg = folder / "sample_case.gpkg"

    def layer(name):
        return f"{gpkg}|layername={name}"

    reprojected = run("ree_damage:to_cgcs2000", {"LAYERS": [layer("sample_points")], "OUTPUT_FOLDER": str(out / "cgcs2000")})
    written.append(("surveyed points with CGCS2000 lon/lat", reprojected["OUTPUT_FOLDER"]))

    survey = out / "survey"
    survey.mkdir(parents=True, exist_ok=True)
    sources = {"HOLES": layer("injection_holes"), "POOLS": layer("prep_pools"),
               "DITCHES": layer("collection_ditches"), "PONDS": layer("settling_ponds")}
    zones = run("ree_damage:functional_zones", {
        "BOUNDARY": layer("case_boundary"), **sources, "DEM": str(folder / "dem_before_2m.tif"),
        "OUTPUT": str(survey / "zones.gpkg"), "FLOW_CELLS": str(survey / "flow_cells.gpkg"),
    })
    written.append(("functional zones", zones["OUTPUT"]))
    grid = run("ree_damage:sampling_grid", {
        "ZONES": zones["OUTPUT"], **sources, "FLOW_CELLS": zones["FLOW_CELLS"], "BOUNDARY": layer("case_boundary"),
        "CONTROL_AREA": layer("control_area"), "UNITS": str(survey / "sampling_units.gpkg"),
        "POINTS": str(survey / "sampling_points.gpkg"), "CONTROL_UNITS": str(survey / "control_units.gpkg"),
        "CONTROL_POINTS": str(survey / "control_points.gpkg"), "COMPLIANCE": str(survey / "grid_compliance.csv"),
    })
    written += [("sampling units", grid["UNITS"]), ("sampling points", grid["POINTS"]),
                ("control points", grid["CONTROL_POINTS"]), ("grid rule compliance", grid["COMPLIANCE"])]
    depth = run("ree_damage:depth_schedule", {
        "POINTS": grid["POINTS"], "CONTROL_POINTS": grid["CONTROL_POINTS"], "SOIL_LAYERS": layer("soil_layers"),
        "ZONES": zones["OUTPUT"], "STREAM": layer("stream"), "DEM": str(folder / "dem_before_2m.tif"),
        "SAMPLES": str(survey / "depth_schedule.csv"), "WATER_POINTS": str(survey / "water_positions.gpkg"),
        "WORKBOOK": str(survey / "field_workbook.xlsx"), "GPX": str(survey / "sampling_points.gpx"),
        "KML": str(survey / "sampling_points.kml"),
    })
    written += [("depth schedule", depth["SAMPLES"]), ("water and sediment positions", depth["WATER_POINTS"]),
                ("field workbook", depth["WORKBOOK"]), ("GPS waypoints", depth["GPX"])]

    analysis = out / "analysis"
    analysis.mkdir(parents=True, exist_ok=True)
    lab = run("ree_damage:import_lab_results", {
        "SHEET_FILE": str(folder / "lab_results.xlsx"), "POINTS": layer("sample_points"),
        "CONTROL_POINTS": layer("control_points"), "OUTPUT": str(analysis / "lab_results.gpkg"),
        "INDICATORS": str(analysis / "lab_indicators.csv"),
    })
    written.append(("lab results at sample points", lab["OUTPUT"]))
    baseline = run("ree_damage:baseline", {"LAB_RESULTS": lab["OUTPUT"], "SCREENING": 1, "LAND_USE": 3, "PH": 5.0,
                                           "OUTPUT": str(analysis / "baseline.csv")})
    written.append(("baseline table", baseline["OUTPUT"]))
    surface = run("native:extractbyexpression", {
        "INPUT": lab["OUTPUT"], "EXPRESSION": "depth_cm = 50 AND sample_id NOT LIKE 'CTRL%'",
        "OUTPUT": str(analysis / "surface_samples.gpkg"),
    })
    rasters = run("ree_damage:interpolate", {
        "INPUT": surface["OUTPUT"], "FIELDS": ["La", "Cd", "NH4_N", "SO4"], "CASE_AREA": layer("case_boundary"),
        "CELL_SIZE": 2.0, "METHODS": [0, 1], "BASELINE": baseline["OUTPUT"],
        "OUTPUT_FOLDER": str(analysis / "surface_0_50cm"),
    })
    written += [("interpolated rasters (surface layer)", rasters["OUTPUT_FOLDER"]),
                ("method comparison", rasters["COMPARISON"])]

    print("\nOutputs (each file the plugin writes has a .provenance.json beside it):")
    for label, path in written:
        print(f"  {label}: {path}")
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
