"""The step registry of :func:`~ree_damage.core.case.package.run_case`: what each step
needs, what it depends on, how it runs and what it writes.

A step is a :class:`Step`. Adding one (valuation, the report document) is one entry in
:data:`STEPS` (or, for a host such as QGIS, a :class:`Step` given to ``run_case`` as
``extra_steps``)::

    Step("valuation", "ree_damage:valuation",
         run=lambda ctx: run.valuation(ctx.case, ctx.result("damage")),
         write=lambda result, folder, ctx: result.write(folder / "valuation.xlsx", ...),
         depends=("damage",), parameters=("valuation",), keep=("total_value",),
         summary=lambda result: {"total_value_cny": result.total})

A step is skipped (with one line saying why) when the case file lacks one of its
``inputs`` or ``layers``, when a step it ``depends`` on did not run, or when its
``ready`` check returns a reason.

A step that needs a host application (the report maps need QGIS) is listed here with
``host="qgis"`` and no ``run``: the host gives run_case the same step with its ``run``
and ``write`` (``extra_steps``; :func:`chain` puts it in its place). Without a host it
is skipped with a line saying so, and ``core`` never imports QGIS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from ..common.progress import CancelFn, ProgressFn
from . import run, steps
from .model import Case


@dataclass
class StepContext:
    """What a step's ``run`` and ``write`` see.

    Attributes
    ----------
    case : Case
    package : pathlib.Path
        The package being built (a staging folder until the run succeeds).
    results : dict of str -> object
        Results of the earlier steps that ran or were reused (a reused step gives the
        attributes its ``keep`` names), by step name.
    scratch : pathlib.Path
        A folder for this step's intermediate files, removed after the step.
    progress, is_canceled : callable
        This step's share of the progress, and the cancel check.
    """

    case: Case
    package: Path
    results: dict
    scratch: Path
    progress: Optional[ProgressFn] = None
    is_canceled: Optional[CancelFn] = None
    host: dict = field(default_factory=dict)
    previous: Optional[Path] = None

    def result(self, step: str):
        """The result of ``step``, None when it was skipped (or is not a step of this run)."""
        return self.results.get(step)

    def folder(self, step: str) -> Path:
        """The folder of ``step``'s files in the package."""
        return self.package / step

    def inputs_of(self, *keys: str) -> dict:
        """Input name -> path for a provenance record: the case file, ``vectors`` and ``keys``."""
        return run.inputs_of(self.case, *keys)


@dataclass(frozen=True)
class Step:
    """One step of the case chain.

    Attributes
    ----------
    name : str
        Its id; also the name of its folder in the package.
    algorithm : str
        The Processing algorithm id doing the same, for the provenance.
    run : callable or None
        ``run(ctx) -> result``; None for a host step the host has not given.
    write : callable or None
        ``write(result, folder, ctx) -> dict`` of output name -> path: the result's
        files in ``folder`` (GeoPackages go into the package's ``case.gpkg``).
    inputs, optional_inputs : tuple of str
        Keys of ``[inputs]`` it reads (required: skipped without them).
    layers, optional_layers : tuple of str
        Layer roles of ``[inputs.layers]`` it reads.
    depends, uses : tuple of str
        Steps it needs (skipped without them) and steps it uses when they ran.
    parameters : tuple of str
        Tables of ``[parameters]`` it reads.
    case_keys : tuple of str
        Other tables of the case file it reads (``"crs"``, ``"case"``).
    ready : callable, optional
        ``ready(case) -> str or None``: a reason to skip found in the parameters.
    check : callable, optional
        ``check(case)``: raises InputError (naming the key) for a parameter value the step
        cannot take; run_case calls it for every step before any work.
    keep : tuple of str
        Attributes of its result that later steps read: kept so that a rerun that
        reuses this step can give them.
    summary : callable, optional
        ``summary(result, folder) -> dict`` of headline figures for the manifest.
    weight : float
        Its share of the overall progress.
    host : str
        ``"core"``, or ``"qgis"`` for steps a QGIS host adds.
    """

    name: str
    algorithm: str
    run: Optional[Callable[[StepContext], Any]]
    write: Optional[Callable[[Any, Path, StepContext], dict]]
    inputs: tuple = ()
    optional_inputs: tuple = ()
    layers: tuple = ()
    optional_layers: tuple = ()
    depends: tuple = ()
    uses: tuple = ()
    parameters: tuple = ()
    case_keys: tuple = ()
    ready: Optional[Callable[[Case], Optional[str]]] = None
    check: Optional[Callable[[Case], None]] = None
    keep: tuple = ()
    summary: Optional[Callable[[Any, Path], dict]] = None
    weight: float = 1.0
    host: str = "core"


# --------------------------------------------------------------------------- the steps of the chain
def _cgcs2000(result, folder: Path, ctx: StepContext) -> dict:
    return result.write(folder, host=ctx.host)


def _zones_write(result, folder: Path, ctx: StepContext) -> dict:
    return result.write(folder / "zones.gpkg", flow_cells_path=folder / "flow_cells.gpkg",
                        inputs=ctx.inputs_of("dem_before"), host=ctx.host)


def _zones_summary(result, folder: Path) -> dict:
    return {"zones": int(len(result.zones)), "zone_codes": [str(z) for z in result.zones["zone"]],
            "zones_area_m2": round(float(result.zones["area_m2"].sum()), 1)}


def _sampling_write(result, folder: Path, ctx: StepContext) -> dict:
    names = {"units": "sampling_units.gpkg", "points": "sampling_points.gpkg", "control_units": "control_units.gpkg",
             "control_points": "control_points.gpkg", "compliance": "grid_compliance.csv"}
    return result.write({name: folder / file for name, file in names.items()},
                        inputs=ctx.inputs_of(), host=ctx.host)


def _sampling_summary(result, folder: Path) -> dict:
    return {"points": int(len(result.points)), "control_points": int(len(result.control_points))}


def _depth_write(result, folder: Path, ctx: StepContext) -> dict:
    return result.write(
        {"samples": folder / "depth_schedule.csv", "water_points": folder / "water_positions.gpkg",
         "workbook": folder / "field_workbook.xlsx", "gpx": folder / "sampling_points.gpx",
         "kml": folder / "sampling_points.kml"},
        inputs=ctx.inputs_of("dem_before"), host=ctx.host,
    )


def _depth_summary(result, folder: Path) -> dict:
    return {"planned_samples": int(len(result.schedule.samples))}


def _lab_write(result, folder: Path, ctx: StepContext) -> dict:
    return result.write(folder / "lab_results.gpkg", indicators_path=folder / "lab_indicators.csv",
                        inputs=ctx.inputs_of("lab_sheet"), host=ctx.host)


def _lab_summary(result, folder: Path) -> dict:
    return {"lab_samples": int(len(result.table))}


def _baseline_write(result, folder: Path, ctx: StepContext) -> dict:
    return result.write(folder / "baseline.csv", inputs=ctx.inputs_of("lab_sheet"), host=ctx.host)


def _interpolation_write(result, folder: Path, ctx: StepContext) -> dict:
    return result.write(folder, inputs=ctx.inputs_of("lab_sheet"), host=ctx.host)


def _interpolation_ready(case: Case) -> Optional[str]:
    if not case.parameters.interpolation.fields:
        return "parameters.interpolation.fields names no indicator"
    return None


def _damage_run(ctx: StepContext):
    return run.damage(ctx.case, ctx.result("lab"), ctx.result("baseline"), ctx.result("zones"),
                      ctx.folder("interpolation"), degree_dir=ctx.folder("damage") / "degree",
                      progress=ctx.progress, is_canceled=ctx.is_canceled)


def _damage_write(result, folder: Path, ctx: StepContext) -> dict:
    return result.write(
        {"samples": folder / "damaged_samples.gpkg", "summary": folder / "damage_summary.csv",
         "signature": folder / "leaching_signature.csv", "areas": folder / "damaged_areas.gpkg",
         "union": folder / "damaged_union.gpkg"},
        inputs=ctx.inputs_of("lab_sheet"), host=ctx.host,
    )


def _damage_summary(result, folder: Path) -> dict:
    """Damaged area and soil volume over every zone and indicator, per method, with the range."""
    table = result.summary
    rows = table[(table["zone"] == "ALL") & (table["indicator"] == "ANY")]
    out = {"damaged_samples": int(result.points.samples["confirmed"].sum()) if len(result.points.samples) else 0}
    if not len(rows):
        return out
    areas, volumes = [], []
    for column in rows.columns:
        if column in ("area_m2", "volume_m3") or column.startswith(("area_p", "volume_p")):
            values = [float(v) for v in rows[column] if v == v]  # NaN left out
            (areas if column.startswith("area") else volumes).extend(values)
    methods = {str(m): (float(a), float(v)) for m, a, v in zip(rows["method"], rows["area_m2"], rows["volume_m3"])}
    out.update({
        "damaged_area_m2": methods,
        "damaged_area_range_m2": [min(areas), max(areas)] if areas else None,
        "damaged_volume_range_m3": [min(volumes), max(volumes)] if volumes else None,
    })
    return out


def _mined_run(ctx: StepContext):
    return run.mined(ctx.case, ctx.result("zones"), ctx.result("lab"), work_dir=ctx.scratch,
                     progress=ctx.progress, is_canceled=ctx.is_canceled)


def _mined_write(result, folder: Path, ctx: StepContext) -> dict:
    return result.write(folder, inputs=ctx.inputs_of("dem_before", "dem_after", "lab_sheet"), host=ctx.host)


def _mined_summary(result, folder: Path) -> dict:
    """Cut (m3) by the cell and the grid method: the two bound the mined volume."""
    import csv

    with open(folder / "volumes.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    cuts = [float(row[1]) for row in rows[1:3]]
    return {"cut_m3": cuts[0], "cut_range_m3": [min(cuts), max(cuts)]}


def _vegetation_run(ctx: StepContext):
    return run.vegetation(ctx.case, ctx.result("zones"), work_dir=ctx.scratch,
                          progress=ctx.progress, is_canceled=ctx.is_canceled)


def _vegetation_write(result, folder: Path, ctx: StepContext) -> dict:
    try:
        return result.write(
            {"polygons": folder / "vegetation_damage.gpkg", "summary": folder / "vegetation_damage_by_zone.csv",
             "accuracy": folder / "vegetation_accuracy.csv", "index": folder / "vegetation_index.tif"},
            inputs=ctx.inputs_of("ortho", "ortho_before"), host=ctx.host,
        )
    finally:
        result.close()


def _vegetation_summary(result, folder: Path) -> dict:
    out = {"forest_area_lost_m2": round(float(result.forest_area_lost_m2), 1)}
    if result.accuracy is not None:
        out["kappa"] = round(float(result.accuracy.kappa), 4)
    return out


def _water_run(ctx: StepContext):
    import pyogrio

    case = ctx.case
    positions = pyogrio.read_dataframe(str(case.input("water_vectors")), layer="water_positions")
    return steps.water_damage_for(positions, case.input("water_lab"), stream=run.read_layer(case, "stream"),
                                  case_area=run.read_layer(case, "case_boundary"),
                                  progress=ctx.progress, is_canceled=ctx.is_canceled)


def _water_write(result, folder: Path, ctx: StepContext) -> dict:
    return result.write(
        {"samples": folder / "water_samples.gpkg", "plume": folder / "water_plume.gpkg",
         "reach": folder / "water_reach.gpkg", "summary": folder / "water_summary.csv"},
        inputs=ctx.inputs_of("water_vectors", "water_lab"), host=ctx.host,
    )


def _water_summary(result, folder: Path) -> dict:
    samples = result.samples
    confirmed = samples[samples["confirmed"].astype(bool)] if len(samples) else samples
    return {"water_positions_damaged": sorted({str(p) for p in confirmed.get("position_id", [])}),
            "water_plume_polygons": int(len(result.plume)), "water_reaches": int(len(result.reach))}


_VALUATION_FILES = {
    "damage": "damage/damage_summary.csv",
    "vegetation": "vegetation_damage/vegetation_damage_by_zone.csv",
    "mined": "mined_volume/annex5_resource_summary.csv",
    "water": "water_damage/water_summary.csv",
}
"""Valuation input -> package file of an earlier step (those present are read)."""


def _valuation_ready(case: Case) -> Optional[str]:
    return None if case.valuation else "the case file has no [valuation] section"


def _valuation_run(ctx: StepContext):
    files = {role: ctx.package / relative for role, relative in _VALUATION_FILES.items()}
    result = run.valuation(ctx.case, **{role: path for role, path in files.items() if path.is_file()},
                           progress=ctx.progress, is_canceled=ctx.is_canceled)
    # the package's own files by their place in the package, not by the staging folder the
    # run writes into: the same inputs then give the same workbook and JSON bytes
    for described in result.inputs.values():
        path = Path(described.get("path", "")) if isinstance(described, dict) else None
        if path is not None and path.is_relative_to(ctx.package):
            described["path"] = path.relative_to(ctx.package).as_posix()
    return result


def _valuation_write(result, folder: Path, ctx: StepContext) -> dict:
    return result.write({"workbook": folder / "valuation.xlsx", "json": folder / "valuation.json"},
                        inputs=ctx.inputs_of(), host=ctx.host)


def _valuation_summary(result, folder: Path) -> dict:
    summary = result.as_json()["summary"]
    return {"total_value_cny": float(summary["total_yuan"]),
            "total_value_range_cny": [float(summary["low_yuan"]), float(summary["high_yuan"])]}


_REPORT_LAYERS = {
    "zones": ("zones", "zones"),
    "sampling_points": ("sampling", "sampling_points"),
    "control_points": ("sampling", "control_points"),
    "surveyed_points": ("cgcs2000", "sample_points"),
    "lab_results": ("lab", "lab_results"),
}
"""Report role -> (step, layer in case.gpkg): the GeoPackages the report reads."""

_REPORT_FILES = {
    "compliance": "sampling/grid_compliance.csv",
    "depth_schedule": "depth/depth_schedule.csv",
    "lab_indicators": "lab/lab_indicators.csv",
    "baseline": "baseline/baseline.csv",
    "damage_summary": "damage/damage_summary.csv",
    "volumes": "mined_volume/volumes.csv",
    "vegetation": "vegetation_damage/vegetation_damage_by_zone.csv",
    "annex3": "mined_volume/annex3_block_area_grade_thickness.csv",
    "annex4": "mined_volume/annex4_block_resources.csv",
    "annex5": "mined_volume/annex5_resource_summary.csv",
    "valuation": "valuation/valuation.json",
}
"""Report role -> package file the report reads (those present)."""


def _layer_extract(ctx: StepContext, step: str, layer: str, target: Path) -> Optional[Path]:
    """Layer ``layer`` of ``step`` as a one-layer GeoPackage ``target`` (the report reads a
    GeoPackage's first layer): from the step's GeoPackage when it ran in this run, else from
    the previous package's ``case.gpkg``; None when neither has it."""
    import pyogrio

    from ..geo.vector_io import write_gpkg_layers

    candidates = sorted(ctx.folder(step).rglob("*.gpkg")) if ctx.folder(step).is_dir() else []
    if ctx.previous is not None:
        candidates.append(ctx.previous / "case.gpkg")
    for source in candidates:
        if source.is_file() and layer in {str(name) for name, _ in pyogrio.list_layers(str(source))}:
            return write_gpkg_layers(target, {layer: pyogrio.read_dataframe(str(source), layer=layer)})
    return None


def _report_run(ctx: StepContext):
    from ..report import OUTPUT_FILES, build_report, collect_outputs

    files = {"case_file": ctx.case.file} if ctx.case.file is not None else {}
    for role, (step, layer) in _REPORT_LAYERS.items():
        if ctx.result(step) is not None:
            files[role] = _layer_extract(ctx, step, layer, ctx.scratch / OUTPUT_FILES[role])
    for role, relative in _REPORT_FILES.items():
        if (ctx.package / relative).is_file():
            files[role] = ctx.package / relative
    return build_report(collect_outputs(files=files), figures=_map_figures(ctx), progress=ctx.progress,
                        is_canceled=ctx.is_canceled)


MAP_CAPTIONS = "maps/captions.json"
"""The maps step's figure list: ``{"<theme>.png": "caption"}`` in the order of the themes."""


def _map_figures(ctx: StepContext) -> list:
    """``[(png, caption)]`` of the report maps in the package (the first page of each theme),
    in theme order; empty when the maps step did not run."""
    import json

    listing = ctx.package / MAP_CAPTIONS
    if ctx.result("maps") is None or not listing.is_file():
        return []
    captions = json.loads(listing.read_text(encoding="utf-8"))
    return [(listing.parent / name, str(caption)) for name, caption in captions.items()
            if (listing.parent / name).is_file()]


def _report_write(result, folder: Path, ctx: StepContext) -> dict:
    return {"report": result.write(folder / "report_draft.docx", host=ctx.host)}


STEPS = (
    Step("cgcs2000", "ree_damage:to_cgcs2000", run=lambda ctx: run.to_cgcs2000(ctx.case), write=_cgcs2000,
         inputs=("vectors",), layers=("sample_points",), case_keys=("crs",), weight=0.2),
    Step("zones", "ree_damage:functional_zones",
         run=lambda ctx: run.zones(ctx.case, progress=ctx.progress, is_canceled=ctx.is_canceled),
         write=_zones_write, inputs=("vectors",), optional_inputs=("dem_before",), layers=("case_boundary",),
         optional_layers=run.WORKS, parameters=("zones",), case_keys=("crs",),
         keep=("zones", "flow_cells"), summary=_zones_summary),
    Step("sampling", "ree_damage:sampling_grid",
         run=lambda ctx: run.sampling(ctx.case, ctx.result("zones"), progress=ctx.progress,
                                      is_canceled=ctx.is_canceled),
         write=_sampling_write, inputs=("vectors",), optional_layers=(*run.WORKS, "case_boundary", "control_area"),
         depends=("zones",), parameters=("zones", "sampling"), keep=("points", "control_points"),
         summary=_sampling_summary),
    Step("depth", "ree_damage:depth_schedule",
         run=lambda ctx: run.fieldwork(ctx.case, ctx.result("sampling"), ctx.result("zones"),
                                       progress=ctx.progress, is_canceled=ctx.is_canceled),
         write=_depth_write, inputs=("vectors",), optional_inputs=("dem_before",),
         optional_layers=("soil_layers", "stream"), depends=("sampling",), uses=("zones",),
         parameters=("depth", "water"), summary=_depth_summary, weight=0.5),
    Step("lab", "ree_damage:import_lab_results", run=lambda ctx: run.lab(ctx.case), write=_lab_write,
         inputs=("vectors", "lab_sheet"), layers=("sample_points",), optional_layers=("control_points",),
         parameters=("lab",), keep=("table",), summary=_lab_summary, weight=0.3),
    Step("baseline", "ree_damage:baseline", run=lambda ctx: run.baseline(ctx.case, ctx.result("lab")),
         write=_baseline_write, depends=("lab",), parameters=("baseline",), keep=("table",), weight=0.3),
    Step("interpolation", "ree_damage:interpolate",
         run=lambda ctx: run.interpolation(ctx.case, ctx.result("lab"), ctx.result("baseline"),
                                           progress=ctx.progress, is_canceled=ctx.is_canceled),
         write=_interpolation_write, optional_layers=("case_boundary",), depends=("lab", "baseline"),
         parameters=("interpolation", "baseline"), ready=_interpolation_ready, weight=2.0),
    Step("damage", "ree_damage:damage_extent", run=_damage_run, write=_damage_write,
         depends=("lab", "baseline", "interpolation"), uses=("zones",),
         parameters=("damage", "interpolation", "baseline"), keep=("summary",), summary=_damage_summary),
    Step("mined_volume", "ree_damage:mined_volume", run=_mined_run, write=_mined_write,
         inputs=("dem_before", "dem_after"), layers=("case_boundary",), uses=("zones", "lab"),
         parameters=("volume", "blocks", "baseline"), summary=_mined_summary),
    Step("vegetation_damage", "ree_damage:vegetation_damage", run=_vegetation_run, write=_vegetation_write,
         inputs=("ortho",), optional_inputs=("ortho_before",), layers=("case_boundary",),
         optional_layers=("vegetation_check_points", "bare_ground_truth"), uses=("zones",),
         parameters=("vegetation",), case_keys=("case",), summary=_vegetation_summary, weight=2.0),
    Step("water_damage", "ree_damage:water_damage", run=_water_run, write=_water_write,
         inputs=("water_vectors", "water_lab"), optional_layers=("stream", "case_boundary"),
         summary=_water_summary, weight=0.5),
    Step("valuation", "ree_damage:valuation", run=_valuation_run, write=_valuation_write,
         depends=("damage",), uses=("vegetation_damage", "mined_volume", "water_damage"),
         case_keys=("valuation", "case"),
         ready=_valuation_ready, summary=_valuation_summary, weight=0.3),
    # the report maps: drawn by QGIS (processing/maps/case_maps.py gives run and write)
    Step("maps", "ree_damage:report_map", run=None, write=None, inputs=("vectors",),
         optional_inputs=("ortho",), optional_layers=("case_boundary",), depends=("zones",),
         uses=("sampling", "depth", "baseline", "interpolation", "damage", "mined_volume", "vegetation_damage",
               "water_damage"),
         parameters=("maps", "interpolation"), case_keys=("case", "crs", "sources"), weight=3.0, host="qgis",
         summary=None),
    Step("report_document", "ree_damage:report_document", run=_report_run, write=_report_write,
         depends=("zones", "sampling", "depth"),
         uses=("cgcs2000", "lab", "baseline", "damage", "mined_volume", "vegetation_damage", "water_damage",
               "valuation", "maps"),
         case_keys=("case", "crs"), summary=lambda result, folder: {"report_tables": len(result.tables)}),
)
"""The chain in the order it runs."""


HOST_NAMES = {"qgis": "QGIS (qgis.core)"}
"""Host id -> what to install for the steps it runs."""


def chain(extra_steps=()) -> tuple:
    """The steps of a run: :data:`STEPS` with the host's steps in their places (a step of
    ``extra_steps`` named like a chain step replaces it), other extra steps after them."""
    given = {step.name: step for step in extra_steps}
    if len(given) != len(tuple(extra_steps)):
        raise ValueError("two extra steps share a name")
    steps = [given.pop(step.name, step) for step in STEPS]
    return (*steps, *given.values())


def step(name: str) -> Step:
    """The chain step ``name`` (raises KeyError)."""
    for candidate in STEPS:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def step_names(steps=STEPS) -> tuple:
    """The names of ``steps``, in order."""
    return tuple(step.name for step in steps)
