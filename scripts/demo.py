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
    vectors = next(Path(case["OUTPUT_FOLDER"]).glob("*.gpkg"))
    points = f"{vectors}|layername=sample_points"
    reprojected = run("ree_damage:to_cgcs2000", {"LAYERS": [points], "OUTPUT_FOLDER": str(out / "cgcs2000")})
    written.append(("sample points with CGCS2000 lon/lat", reprojected["OUTPUT_FOLDER"]))

    print("\nOutputs (each file has a .provenance.json beside it):")
    for label, path in written:
        print(f"  {label}: {path}")
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
