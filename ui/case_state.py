"""What the case panel shows, without Qt: the workflow's steps, their Processing parameters
for a case, and whether each step's outputs exist and are up to date with their inputs.

Plain file reading and writing only: the case file through its model
(:mod:`ree_damage.core.case.model`) and the provenance records written beside every output
(``<output>.provenance.json``, :mod:`ree_damage.core.common.provenance`). The steps
themselves run as Processing algorithms (the panel runs them); nothing here computes.

Every step writes into ``<case folder>/outputs/<step>/`` under fixed names, so the panel
finds a step's outputs again after QGIS is restarted.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from ..core.case.model import CASE_FILE_NAME, LAYER_ROLES, Case, CaseInfo, Inputs, load_case
from ..core.common.provenance import sha256_file, sidecar_path
from ..core.geo.crs import gauss_kruger_zone
from ..core.lab.baseline import STATISTICS

OUTPUTS_FOLDER = "outputs"
PROVIDER = "ree_damage"

# The enum options of the baseline algorithm, in its order (tests/qgis/test_panel.py checks
# that they match processing/algorithms/analysis/baseline.py).
BASELINE_SCREENING = (None, "GB15618-2018", "GB36600-2018", "GB/T14848-2017")
BASELINE_LAND_USES = (None, "paddy", "orchard", "other", "class1", "class2")
INTERPOLATION_METHODS = ("idw", "ok")

# statuses of a step
NOT_AVAILABLE = "not_available"  # its algorithm is not in the provider (yet)
NOT_RUN = "not_run"  # no output written
UP_TO_DATE = "up_to_date"  # outputs present, every input as it was when they were made
STALE = "stale"  # an input changed (or went missing), or a step upstream is stale
CASE_READY = "case_ready"  # the case-setup step: the case file is read


@dataclass(frozen=True)
class Output:
    """One output of a step: the algorithm's parameter and the file name under the step's folder.

    ``folder`` outputs name a folder whose files (with their provenance) are the outputs;
    ``layer`` says whether the file is loaded into the project.
    """

    parameter: str
    file_name: str
    folder: bool = False
    layer: bool = True


@dataclass(frozen=True)
class Step:
    """A step of the workflow: its key, its algorithm (None for case setup) and outputs."""

    key: str
    algorithm: Optional[str]
    outputs: tuple = ()
    upstream: tuple = ()

    @property
    def algorithm_id(self) -> Optional[str]:
        return f"{PROVIDER}:{self.algorithm}" if self.algorithm else None


STEPS = (
    Step("case", None),
    Step("zones", "functional_zones", (Output("OUTPUT", "zones.gpkg"), Output("FLOW_CELLS", "flow_cells.gpkg"))),
    Step("sampling", "sampling_grid", (
        Output("UNITS", "sampling_units.gpkg"), Output("POINTS", "sampling_points.gpkg"),
        Output("CONTROL_UNITS", "control_units.gpkg"), Output("CONTROL_POINTS", "control_points.gpkg"),
        Output("COMPLIANCE", "grid_compliance.csv", layer=False),
    ), ("zones",)),
    Step("depth", "depth_schedule", (
        Output("SAMPLES", "depth_schedule.csv", layer=False), Output("WATER_POINTS", "water_positions.gpkg"),
        Output("WORKBOOK", "field_workbook.xlsx", layer=False), Output("GPX", "sampling_points.gpx", layer=False),
        Output("KML", "sampling_points.kml", layer=False),
    ), ("zones", "sampling")),
    Step("lab", "import_lab_results", (Output("OUTPUT", "lab.gpkg"), Output("INDICATORS", "indicators.csv", layer=False))),
    Step("baseline", "baseline", (Output("OUTPUT", "baseline.csv", layer=False),), ("lab",)),
    Step("interpolation", "interpolate", (Output("OUTPUT_FOLDER", "rasters", folder=True),), ("lab", "baseline")),
    Step("damage", "damage_extent", (Output("OUTPUT_FOLDER", "damage", folder=True),),
         ("zones", "lab", "baseline", "interpolation")),
    Step("water", "water_damage", (
        Output("OUTPUT", "water_samples.gpkg"), Output("PLUME", "groundwater_plume.gpkg"),
        Output("REACH", "damaged_reach.gpkg"), Output("SUMMARY", "water_summary.csv", layer=False),
    ), ("depth",)),
    Step("imagery", "vegetation_damage", (
        Output("OUTPUT", "vegetation_damage.gpkg"), Output("INDEX_RASTER", "vegetation_index.tif"),
        Output("SUMMARY", "vegetation_damage_by_zone.csv", layer=False),
    ), ("zones",)),
    Step("volume", "mined_volume", (
        Output("CUT_FILL", "cut_fill.tif"), Output("CONTOURS", "contours.gpkg"),
        Output("OUTPUT_FOLDER", "tables", folder=True, layer=False),
    )),
    Step("valuation", "valuation", (
        Output("WORKBOOK", "valuation.xlsx", layer=False), Output("JSON", "valuation.json", layer=False),
    ), ("damage", "imagery", "volume", "water")),
    Step("causality", "causality_evidence", (Output("OUTPUT_FOLDER", "evidence", folder=True),),
         ("zones", "lab", "damage")),
    Step("maps", "report_map", (Output("OUTPUT_FOLDER", "maps", folder=True, layer=False),),
         ("zones", "sampling", "depth", "baseline", "interpolation", "damage", "water", "imagery", "volume")),
    Step("report", "report_document", (Output("OUTPUT", "report.docx", layer=False),),
         ("zones", "sampling", "depth", "lab", "baseline", "damage", "volume", "imagery")),
)
"""The workflow in the order a case goes through it (issue 15)."""

STEP_KEYS = tuple(step.key for step in STEPS)


def step(key: str) -> Step:
    """The step of that key (KeyError naming the known keys)."""
    for candidate in STEPS:
        if candidate.key == key:
            return candidate
    raise KeyError(f"unknown step {key!r}; one of {', '.join(STEP_KEYS)}")


# --------------------------------------------------------------------------- case file
def read_case(path) -> Case:
    """The case file (or the folder holding ``case.toml``), inputs not checked: the panel
    shows a case whose inputs are still being gathered."""
    return load_case(path, check_inputs=False)


def step_folder(case: Case, key: str) -> Path:
    """Where a step writes: ``<case folder>/outputs/<step>``."""
    return case.folder / OUTPUTS_FOLDER / key


def output_path(case: Case, key: str, parameter: str) -> Path:
    """The file (or folder) the step's output ``parameter`` is written to."""
    for output in step(key).outputs:
        if output.parameter == parameter:
            return step_folder(case, key) / output.file_name
    raise KeyError(f"step {key!r} has no output {parameter!r}")


def case_header(path) -> str:
    """The comment lines at the top of an existing case file (kept when it is rewritten)."""
    file = Path(path)
    if not file.is_file():
        return ""
    lines = []
    for line in file.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines) + "\n\n" if lines else ""


def write_case(folder, info: dict, zone: str = "auto", inputs: Optional[dict] = None, base: Optional[Case] = None) -> Path:
    """Write ``<folder>/case.toml`` (atomically) and return its path.

    Parameters
    ----------
    folder : path-like
        The case folder (created when missing); input paths are relative to it.
    info : dict
        Fields of :class:`~ree_damage.core.case.model.CaseInfo` (name, province, county, site,
        entrusting_unit, institution, act_start, act_end ...); others of ``base`` are kept.
    zone : str
        ``"auto"`` or ``"EPSG:45xx"``, the CGCS2000 Gauss-Kruger zone of the metric work.
    inputs : dict, optional
        Input key (``vectors``, ``dem_before`` ...) -> file path inside ``folder``; an empty
        value removes the input. Layer roles of a new ``vectors`` GeoPackage are matched to its
        layers of the same name (``case_boundary``, ``injection_holes`` ...).
    base : Case, optional
        The case being edited: its inputs, parameters and sources are kept.
    """
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    case = base if base is not None else Case(folder=folder)
    if case.folder != folder:
        raise ValueError(f"the case file of {case.folder} cannot be written into {folder}: its input paths are relative")
    new_info = dataclasses.replace(case.info, **{k: v for k, v in info.items() if k in _INFO_FIELDS})
    new_crs = dataclasses.replace(case.crs, zone=zone)
    new_inputs = case.inputs
    if inputs:
        changes = {key: (Path(value).resolve() if value else None) for key, value in inputs.items()}
        new_inputs = dataclasses.replace(case.inputs, **changes)
        if changes.get("vectors") and changes["vectors"] != case.inputs.vectors:
            new_inputs = dataclasses.replace(new_inputs, layers=matching_layer_roles(changes["vectors"]))
    updated = dataclasses.replace(case, folder=folder, info=new_info, crs=new_crs, inputs=new_inputs)
    target = folder / CASE_FILE_NAME
    updated.save(target, header=case_header(target))
    return target


_INFO_FIELDS = {f.name for f in dataclasses.fields(CaseInfo)}
INPUT_KEYS = tuple(f.name for f in dataclasses.fields(Inputs) if f.name != "layers")


def matching_layer_roles(vectors) -> dict:
    """Role -> layer for the layers of a GeoPackage named as the roles are (``case_boundary`` ...)."""
    import pyogrio

    names = {str(name) for name, _ in pyogrio.list_layers(str(vectors))}
    return {role: role for role in LAYER_ROLES if role in names}


def proposed_zone(longitude: float) -> str:
    """The CGCS2000 3-degree Gauss-Kruger zone (``"EPSG:45xx"``) of a longitude (degrees east)."""
    return gauss_kruger_zone(longitude).authid


def site_longitude(case: Case) -> Optional[float]:
    """The longitude (degrees east) of the centre of the case boundary; None when unknown."""
    name = case.inputs.layers.get("case_boundary")
    if case.inputs.vectors is None or name is None or not case.inputs.vectors.is_file():
        return None
    import pyogrio

    from ..core.geo.crs import centroid_lonlat

    info = pyogrio.read_info(str(case.inputs.vectors), layer=name)
    if info.get("crs") is None or info.get("total_bounds") is None:
        return None
    lon, _lat = centroid_lonlat(tuple(info["total_bounds"]), info["crs"])
    return float(lon)


# --------------------------------------------------------------------------- Processing parameters
def _layer(case: Case, role: str) -> Optional[str]:
    name = case.inputs.layers.get(role)
    if name is None or case.inputs.vectors is None:
        return None
    return f"{case.inputs.vectors}|layername={name}"


def _path(value) -> Optional[str]:
    return str(value) if value is not None else None


def _surface_samples(case: Case) -> str:
    """The imported lab samples at the interpolation depth, control samples left out (an OGR subset)."""
    lab = output_path(case, "lab", "OUTPUT")
    conditions = []
    depth = case.parameters.interpolation.depth_cm
    if depth >= 0:
        conditions.append(f"depth_cm = {int(depth)}")
    prefix = re.fullmatch(r"\^([A-Za-z0-9_-]+)", case.parameters.baseline.control_pattern)
    if prefix:
        conditions.append(f"sample_id NOT LIKE '{prefix.group(1)}%'")
    subset = f"|subset={' AND '.join(conditions)}" if conditions else ""
    return f"{lab}|layername={lab.stem}{subset}"


def _works(case: Case) -> dict:
    zones = case.parameters.zones
    return {
        "HOLES": _layer(case, "injection_holes"),
        "HOLE_DEPTH_FIELD": zones.hole_depth_field,
        "POOLS": _layer(case, "prep_pools"),
        "DITCHES": _layer(case, "collection_ditches"),
        "PONDS": _layer(case, "settling_ponds"),
        "BOTTOM_DEPTH_FIELD": zones.pool_depth_field or "",
    }


def _zones(case):
    return {"BOUNDARY": _layer(case, "case_boundary"), **_works(case), "DEM": _path(case.inputs.dem_before)}


def _sampling(case):
    return {
        "ZONES": str(output_path(case, "zones", "OUTPUT")),
        "FLOW_CELLS": str(output_path(case, "zones", "FLOW_CELLS")),
        **_works(case),
        "BOUNDARY": _layer(case, "case_boundary"),
        "CONTROL_AREA": _layer(case, "control_area"),
        "CELL_SIZE": case.parameters.sampling.cell_size_m,
        "CONTROL_COUNT": case.parameters.sampling.control_count or 0,
    }


def _depth(case):
    return {
        "POINTS": str(output_path(case, "sampling", "POINTS")),
        "CONTROL_POINTS": str(output_path(case, "sampling", "CONTROL_POINTS")),
        "SOIL_LAYERS": _layer(case, "soil_layers"),
        "ZONES": str(output_path(case, "zones", "OUTPUT")),
        "STREAM": _layer(case, "stream"),
        "DEM": _path(case.inputs.dem_before),
    }


def _lab(case):
    # the points the samples were taken at (surveyed), not the planned grid
    return {
        "SHEET_FILE": _path(case.inputs.lab_sheet or case.inputs.lab_csv),
        "SHEET": case.parameters.lab.sheet,
        "POINTS": _layer(case, "sample_points"),
        "CONTROL_POINTS": _layer(case, "control_points"),
    }


def _baseline(case):
    baseline = case.parameters.baseline
    return {
        "LAB_RESULTS": str(output_path(case, "lab", "OUTPUT")),
        "CONTROL_PATTERN": baseline.control_pattern,
        "STATISTIC": STATISTICS.index(baseline.statistic),
        "ALLOW_FEW": baseline.allow_few,
        "SCREENING": BASELINE_SCREENING.index(baseline.screening or None),
        "LAND_USE": BASELINE_LAND_USES.index(baseline.land_use or None),
        "PH": baseline.ph if baseline.ph >= 0 else None,
    }


def _interpolation(case):
    interpolation = case.parameters.interpolation
    return {
        "INPUT": _surface_samples(case),
        "FIELDS": list(interpolation.fields),
        "CASE_AREA": _layer(case, "case_boundary"),
        "CELL_SIZE": interpolation.cell_size_m,
        "METHODS": [INTERPOLATION_METHODS.index(m) for m in interpolation.methods if m in INTERPOLATION_METHODS],
        "IDW_POWER": interpolation.idw_power,
        "IDW_NEIGHBOURS": interpolation.idw_neighbours,
        "KRIGING_NEIGHBOURS": interpolation.kriging_neighbours,
        "NUGGET": interpolation.nugget,
        "LOG_TRANSFORM": interpolation.log_transform,
        "BASELINE": str(output_path(case, "baseline", "OUTPUT")),
    }


def _damage(case):
    damage = case.parameters.damage
    return {
        "SAMPLES": _surface_samples(case),
        "CONTROL_PATTERN": case.parameters.baseline.control_pattern,
        "BASELINE": str(output_path(case, "baseline", "OUTPUT")),
        "ZONES": str(output_path(case, "zones", "OUTPUT")),
        "RASTER_FOLDER": str(output_path(case, "interpolation", "OUTPUT_FOLDER")),
        "THRESHOLD": damage.threshold,
        "MIN_AREA": damage.min_area_m2,
        "PROBABILITIES": ", ".join(str(p) for p in damage.probabilities),
        "SURFACE_TOP": damage.surface_top_m,
        "SURFACE_BOTTOM": damage.surface_bottom_m,
    }


WATER_POSITIONS = "water_positions"
"""The layer of the surveyed water positions in ``inputs.water_vectors`` (as run_case reads it)."""


def _water(case):
    # the positions sampled (water_vectors, whose ids the water lab sheet uses), else the planned ones
    surveyed = case.inputs.water_vectors
    return {
        "POSITIONS": (f"{surveyed}|layername={WATER_POSITIONS}" if surveyed is not None
                      else str(output_path(case, "depth", "WATER_POINTS"))),
        "LAB_SHEET": _path(case.inputs.water_lab),
        "STREAM": _layer(case, "stream"),
        "CASE_AREA": _layer(case, "case_boundary"),
        "THRESHOLD": case.parameters.damage.threshold,
    }


def _imagery(case):
    return {
        "INPUT": _path(case.inputs.ortho),
        "BEFORE": _path(case.inputs.ortho_before),
        "CASE_AREA": _layer(case, "case_boundary"),
        "ZONES": str(output_path(case, "zones", "OUTPUT")),
        "CHECK_POINTS": _layer(case, "vegetation_check_points"),
    }


def _volume(case):
    return {
        "DEM_BEFORE": _path(case.inputs.dem_before),
        "DEM_AFTER": _path(case.inputs.dem_after),
        "BOUNDARY": _layer(case, "case_boundary"),
        "ZONES": str(output_path(case, "zones", "OUTPUT")),
    }


def _report(case):
    return {
        "CASE_FILE": _path(case.file),
        "ZONES": str(output_path(case, "zones", "OUTPUT")),
        "SAMPLING_POINTS": str(output_path(case, "sampling", "POINTS")),
        "CONTROL_POINTS": str(output_path(case, "sampling", "CONTROL_POINTS")),
        "COMPLIANCE": str(output_path(case, "sampling", "COMPLIANCE")),
        "DEPTH_SCHEDULE": str(output_path(case, "depth", "SAMPLES")),
        "LAB_RESULTS": str(output_path(case, "lab", "OUTPUT")),
        "LAB_INDICATORS": str(output_path(case, "lab", "INDICATORS")),
        "BASELINE": str(output_path(case, "baseline", "OUTPUT")),
        "DAMAGE_SUMMARY": str(output_path(case, "damage", "OUTPUT_FOLDER") / "damage_summary.csv"),
        "VOLUMES": str(output_path(case, "volume", "OUTPUT_FOLDER") / "volumes.csv"),
    }


def _valuation(case):
    # the tables of the steps before it, those that exist (the prices and quantities are the case file's)
    return {
        "CASE_FILE": _path(case.file),
        "DAMAGE_SUMMARY": str(output_path(case, "damage", "OUTPUT_FOLDER") / "damage_summary.csv"),
        "VEGETATION_SUMMARY": str(output_path(case, "imagery", "SUMMARY")),
        "RESOURCE_TABLE": str(output_path(case, "volume", "OUTPUT_FOLDER") / "annex5_resource_summary.csv"),
        "WATER_SUMMARY": str(output_path(case, "water", "SUMMARY")),
    }


# layers of the evidence GeoPackage (``inputs.evidence_vectors``), named as the sample case names them
EVIDENCE_SOURCE_POINTS = "source_points"
EVIDENCE_WELLS = "wells"


def _evidence_layer(case: Case, name: str) -> Optional[str]:
    vectors = case.inputs.evidence_vectors
    if vectors is None or not vectors.is_file():
        return None
    import pyogrio

    return f"{vectors}|layername={name}" if name in {str(n) for n, _ in pyogrio.list_layers(str(vectors))} else None


def _causality(case):
    return {
        "SAMPLES": _surface_samples(case),
        "SOURCE_SHEET": _path(case.inputs.source_lab),
        "SOURCE_POINTS": _evidence_layer(case, EVIDENCE_SOURCE_POINTS),
        "CONTROL_PATTERN": case.parameters.baseline.control_pattern,
        "DAMAGE": str(output_path(case, "damage", "OUTPUT_FOLDER") / "damaged_samples.gpkg"),
        "ZONES": str(output_path(case, "zones", "OUTPUT")),
        "DEM": _path(case.inputs.dem_before),
        "IMAGE_DATES": _path(case.inputs.image_dates),
        "WELLS": _evidence_layer(case, EVIDENCE_WELLS),
        "CASE_FILE": _path(case.file),
    }


def _first_raster(folder: Path, suffix: str, fields: tuple, methods: tuple) -> Optional[str]:
    """The raster ``<field>_..._<suffix>`` of the case's first indicator, kriging before IDW, else the first one."""
    if not folder.is_dir():
        return None
    found = sorted(folder.rglob(f"*_{suffix}"))
    order = [m for m in ("ok", "idw") if m in methods] + [m for m in methods if m not in ("ok", "idw")]
    for field_name in fields:
        for method in order:
            for path in found:
                if path.name.startswith(f"{field_name}_") and f"_{method}_" in path.name:
                    return str(path)
    return str(found[0]) if found else None


def _maps(case):
    interpolation = case.parameters.interpolation
    fields, methods = tuple(interpolation.fields), tuple(interpolation.methods)
    damage = output_path(case, "damage", "OUTPUT_FOLDER")
    return {
        "CASE_FILE": _path(case.file),
        "BOUNDARY": _layer(case, "case_boundary"),
        "ZONES": str(output_path(case, "zones", "OUTPUT")),
        "ORTHO": _path(case.inputs.ortho),
        "UNITS": str(output_path(case, "sampling", "UNITS")),
        "POINTS": str(output_path(case, "sampling", "POINTS")),
        "CONTROL_POINTS": str(output_path(case, "sampling", "CONTROL_POINTS")),
        "DEPTH_SCHEDULE": str(output_path(case, "depth", "SAMPLES")),
        "CONCENTRATION": _first_raster(output_path(case, "interpolation", "OUTPUT_FOLDER"), "prediction.tif",
                                       fields, methods),
        "BASELINE": str(output_path(case, "baseline", "OUTPUT")),
        "DEGREE": _first_raster(damage, "degree.tif", fields, methods),
        "DAMAGE_AREAS": str(damage / "damaged_areas.gpkg"),
        "VEGETATION": str(output_path(case, "imagery", "OUTPUT")),
        "CUT_FILL": str(output_path(case, "volume", "CUT_FILL")),
        "CONTOURS": str(output_path(case, "volume", "CONTOURS")),
        "WATER_POINTS": str(output_path(case, "depth", "WATER_POINTS")),
        "PLUME": str(output_path(case, "water", "PLUME")),
        # the CGCS2000 zone chosen in case setup (the algorithm's own default reads the same case file)
        "TARGET_CRS": case.crs.zone if case.crs.zone != "auto" else None,
    }


_BUILDERS: dict = {
    "zones": _zones, "sampling": _sampling, "depth": _depth, "lab": _lab, "baseline": _baseline,
    "interpolation": _interpolation, "damage": _damage, "water": _water, "imagery": _imagery, "volume": _volume,
    "valuation": _valuation, "causality": _causality, "maps": _maps, "report": _report,
}

# steps that read the outputs of many steps before them, each optional: only those that exist are given
_EXISTING_FILES_ONLY = ("valuation", "causality", "maps", "report")
# their parameters that are not files
_NOT_FILES = {"CONTROL_PATTERN", "TARGET_CRS"}


def _exists(value) -> bool:
    """Whether a file parameter (a path, or an OGR URI ``path|layername=...``) names an existing file."""
    return Path(str(value).split("|")[0]).exists()


def has_parameters(key: str) -> bool:
    """Whether the panel knows how to fill in the step's algorithm for a case."""
    return key in _BUILDERS


def step_parameters(case: Case, key: str) -> dict:
    """The Processing parameters of a step for the case: its inputs (the case's layers and the
    outputs of the steps before it, where they exist), its parameters from the case file, and
    its outputs under ``outputs/<step>/``. Inputs the case does not have are left out; a
    report input whose file does not exist yet is left out too."""
    builder = _BUILDERS.get(key)
    if builder is None:
        raise KeyError(f"step {key!r} has no Processing parameters")
    parameters = {name: value for name, value in builder(case).items() if value is not None and value != ""}
    if key in _EXISTING_FILES_ONLY:
        parameters = {name: value for name, value in parameters.items() if name in _NOT_FILES or _exists(value)}
    for output in step(key).outputs:
        parameters[output.parameter] = str(step_folder(case, key) / output.file_name)
    return parameters


# --------------------------------------------------------------------------- status from provenance
@dataclass(frozen=True)
class StepState:
    """What the panel shows for a step: ``status`` and, for a stale step, why.

    ``reasons`` are ``(code, detail)``: ``("changed", path)`` an input's SHA-256 differs from
    the one recorded, ``("missing", path)`` an input is gone, ``("upstream", step key)`` a step
    before it is stale, ``("no_record", path)`` an output without its provenance record.
    """

    key: str
    status: str
    outputs: tuple = ()
    reasons: tuple = ()


class HashCache:
    """SHA-256 of files, recomputed only when a file's size or modification time changes."""

    def __init__(self):
        self._known: dict = {}

    def sha256(self, path: Path) -> Optional[str]:
        try:
            stat = path.stat()
        except OSError:
            return None
        signature = (stat.st_size, stat.st_mtime_ns)
        known = self._known.get(path)
        if known is None or known[0] != signature:
            known = (signature, sha256_file(path))
            self._known[path] = known
        return known[1]


NOT_OUTPUTS = (".provenance.json", ".aux.xml")
"""Files in an output folder that are not outputs: the provenance records, and the statistics GDAL
keeps beside a raster it read (``<raster>.aux.xml``, written by whoever opened it later)."""


def step_output_files(case: Case, key: str) -> list:
    """The output files of a step that exist (files of output folders included)."""
    found = []
    for output in step(key).outputs:
        path = step_folder(case, key) / output.file_name
        if output.folder:
            if path.is_dir():
                found += sorted(p for p in path.rglob("*") if p.is_file() and not p.name.endswith(NOT_OUTPUTS))
        elif path.is_file():
            found.append(path)
    return found


def _input_changes(record: dict, hashes: HashCache) -> list:
    """What changed among the inputs a provenance record names."""
    changes = []
    for entry in (record.get("inputs") or {}).values():
        if not isinstance(entry, dict) or "path" not in entry:
            continue
        base = Path(entry["path"])
        files = ([(base, entry["sha256"])] if "sha256" in entry
                 else [(base / item["path"], item.get("sha256")) for item in entry.get("files", [])])
        for path, recorded in files:
            current = hashes.sha256(path)
            if current is None:
                changes.append(("missing", str(path)))
            elif recorded and current != recorded:
                changes.append(("changed", str(path)))
    return changes


def step_state(case: Case, key: str, available: bool, stale_upstream: tuple = (),
               hashes: Optional[HashCache] = None) -> StepState:
    """The state of one step (see :class:`StepState`)."""
    hashes = hashes if hashes is not None else HashCache()
    definition = step(key)
    if definition.algorithm is None:
        return StepState(key, CASE_READY, (case.file,) if case.file else ())
    if not available:
        return StepState(key, NOT_AVAILABLE)
    files = step_output_files(case, key)
    if not files:
        return StepState(key, NOT_RUN)
    reasons = []
    for path in files:
        record_file = sidecar_path(path)
        if not record_file.is_file():
            reasons.append(("no_record", str(path)))
            continue
        record = json.loads(record_file.read_text(encoding="utf-8"))
        for change in _input_changes(record, hashes):
            if change not in reasons:
                reasons.append(change)
    reasons += [("upstream", upstream) for upstream in stale_upstream]
    return StepState(key, STALE if reasons else UP_TO_DATE, tuple(files), tuple(reasons))


def case_states(case: Case, is_available: Callable[[str], bool], hashes: Optional[HashCache] = None) -> list:
    """The state of every step in order; a stale step makes the steps downstream of it stale."""
    hashes = hashes if hashes is not None else HashCache()
    states: dict = {}
    for definition in STEPS:
        stale_upstream = tuple(u for u in definition.upstream if states[u].status == STALE)
        available = definition.algorithm is None or is_available(definition.algorithm_id)
        states[definition.key] = step_state(case, definition.key, available, stale_upstream, hashes)
    return [states[key] for key in STEP_KEYS]

