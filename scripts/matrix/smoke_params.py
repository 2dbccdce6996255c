"""Parameters of the qgis_process smoke run: algorithm id -> parameters for the sample case.

The smoke runner (smoke.py) asks the ``ree_damage`` provider which algorithms it has and runs EVERY
one of them with the parameters below; an algorithm of the provider without an entry here fails the
run (so a new algorithm cannot slip through untested), and so does an entry naming an algorithm the
provider does not have. ``SKIP`` lists algorithms deliberately not run, with the reason.

A value is either a dict or a function ``f(ctx) -> dict``. Strings are formatted with ``ctx``:
  {tmp}      a fresh, empty folder for this run (outputs go here)
  {repo}     the repository (the plugin folder)
  {sample}   the sample case shipped with the plugin: {repo}/resources/sample_case
and ``ctx["results"][alg_id]`` holds the outputs of algorithms that already ran (see ORDER), e.g.
``lambda ctx: {"INPUT": ctx["results"]["ree_damage:sample_case"]["OUTPUT_FOLDER"] + "/plots.gpkg"}``.
A list value is passed as a repeated parameter (--LAYERS=a --LAYERS=b). Every output that is a path
inside {tmp} must exist after the run.
"""

from __future__ import annotations

# Run these first, in this order (later algorithms may use their outputs); the rest run sorted by id.
ORDER = [
    "ree_damage:sample_case",
    "ree_damage:to_cgcs2000",
]

PARAMS = {
    # writes the sample case (plots, rasters, tables) into a folder
    "ree_damage:sample_case": {
        "OUTPUT_FOLDER": "{tmp}/sample_case",
    },
    # reprojects a layer of the sample case to CGCS2000 (zone chosen by the algorithm)
    # TODO(lead): adjust to the algorithm's real parameter names once it exists.
    "ree_damage:to_cgcs2000": lambda ctx: {
        "INPUT": ctx["results"].get("ree_damage:sample_case", {}).get("OUTPUT_FOLDER", "{tmp}/sample_case")
        + "/plots.gpkg",
        "OUTPUT": "{tmp}/to_cgcs2000.gpkg",
    },
}

# algorithm id -> why it is not run by the smoke test
SKIP: dict[str, str] = {}

# seconds before one algorithm run is killed
TIMEOUT = 600
