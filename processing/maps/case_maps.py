"""The report maps of a case package: the ``maps`` step of run_case, and the same layouts in
the package's QGIS project (case.qgz).

The step (:func:`maps_step`) is the chain's ``maps`` step (``core/case/registry.py``) with
its ``run`` and ``write``: it finds each map role's layer among the package's files, builds a
print layout per theme whose layers exist and exports ``maps/<theme>.pdf`` (vector) and
``maps/<theme>.png`` (``[parameters.maps] dpi``, 300 by default) with ``maps/captions.json``
(the figures the report document shows). Its summary in the manifest records the themes,
the CRS, the texts and where each layer came from, so that :func:`add_case_layouts` puts
the same layouts into the project. QGIS must be running (``QgsApplication``); the host
(the run_case algorithm, or ``python -m ree_damage run``) starts it.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from qgis.core import QgsCoordinateReferenceSystem, QgsProject

from ...core.case import registry
from ...core.common.errors import InputError
from ...core.common.progress import check_canceled
from ...core.common.provenance import make_record, write_sidecar
from .build import (
    baselines_from_csv,
    depth_table_layer,
    match_damage_to_degree,
    role_layer,
    style_role_layer,
    theme_layout,
    write_depth_table,
)
from .layout import MapTexts, export_layout, release_legend_roots, zone_crs_of
from .themes import THEME_IDS, THEMES

STEP = "maps"
CAPTIONS = "captions.json"
DEPTH_TABLE = "sampling_plan_depths.csv"
CASE_PREFIX = "<case>/"
GROUP_NAME = "报告图件图层 / Report map layers"

#: role -> (step, layer of case.gpkg)
PACKAGE_LAYERS = {
    "zones": ("zones", "zones"),
    "units": ("sampling", "sampling_units"),
    "points": ("sampling", "sampling_points"),
    "control_points": ("sampling", "control_points"),
    "damage_areas": ("damage", "damaged_areas"),
    "vegetation": ("vegetation_damage", "vegetation_damage"),
    "contours": ("mined_volume", "contours"),
    "blocks": ("mined_volume", "resource_blocks"),
    "water_points": ("depth", "water_positions"),
    "plume": ("water_damage", "water_plume"),
}
#: role -> package file
PACKAGE_FILES = {"cut_fill": "mined_volume/cut_fill.tif"}
BASELINE_FILE = "baseline/baseline.csv"
DEPTH_FILE = "depth/depth_schedule.csv"


@dataclass
class CaseMaps:
    """What the maps step found: role -> recorded source (``case.gpkg|layername=x``, a package
    file, or ``<case>/`` + an input file), and role -> the source to read in this run."""

    recorded: dict
    sources: dict
    crs: str
    texts: MapTexts
    themes: tuple
    dpi: int
    pdf_date: str = "2000-01-01"
    made: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


def maps_step():
    """The chain's ``maps`` step with its QGIS ``run``, ``write`` and ``summary``."""
    return dataclasses.replace(registry.step(STEP), run=_run, write=_write, summary=_summary, check=check_params)


def check_params(case) -> None:
    """Raise InputError naming ``parameters.maps.<key>`` for a theme or dpi the maps cannot take."""
    _themes(case.parameters.maps)
    dpi = case.parameters.maps.dpi
    if not 72 <= int(dpi) <= 1200:
        raise InputError(f"parameters.maps.dpi: {dpi} is not between 72 and 1200")


# --------------------------------------------------------------------------- finding the layers
def _vector_in_run(ctx, step: str, layer: str):
    """``file|layername=layer`` of ``step``'s layer: from its GeoPackage when it ran in this run,
    else from the previous package's case.gpkg; None when neither has it."""
    import pyogrio

    folder = ctx.folder(step)
    candidates = sorted(folder.rglob("*.gpkg")) if folder.is_dir() else []
    if ctx.previous is not None:
        candidates.append(ctx.previous / "case.gpkg")
    for source in candidates:
        if source.is_file() and layer in {str(name) for name, _ in pyogrio.list_layers(str(source))}:
            return f"{source}|layername={layer}"
    return None


def _interpolated(case, folder: Path, pattern: str):
    """The raster of the first indicator and method of ``[parameters.interpolation]``."""
    params = case.parameters.interpolation
    for indicator in params.fields:
        for method in params.methods:
            found = sorted(folder.glob(pattern.format(field=indicator, method=method)))
            if found:
                return found[0]
    return None


def _case_relative(case, path) -> str:
    """``<case>/`` + the path inside the case folder (the package may move; the case folder too)."""
    try:
        return CASE_PREFIX + Path(path).resolve().relative_to(case.folder.resolve()).as_posix()
    except ValueError:
        return str(path)


def _find_sources(ctx) -> tuple[dict, dict]:
    """Role -> source to read now, and role -> source as recorded (package-relative)."""
    case = ctx.case
    sources, recorded = {}, {}
    boundary = case.layer("case_boundary")
    if boundary is not None and case.inputs.vectors is not None:
        sources["boundary"] = f"{case.inputs.vectors}|layername={boundary}"
        recorded["boundary"] = _case_relative(case, case.inputs.vectors) + f"|layername={boundary}"
    if case.inputs.ortho is not None:
        sources["ortho"] = str(case.inputs.ortho)
        recorded["ortho"] = _case_relative(case, case.inputs.ortho)
    for role, (step, layer) in PACKAGE_LAYERS.items():
        if ctx.result(step) is None:
            continue
        found = _vector_in_run(ctx, step, layer)
        if found is not None:
            sources[role] = found
            recorded[role] = f"case.gpkg|layername={layer}"
    rasters = {
        "concentration": _interpolated(case, ctx.folder("interpolation"), "{field}_{method}_prediction.tif")
        if ctx.result("interpolation") is not None else None,
        "degree": _interpolated(case, ctx.folder("damage") / "degree", "{field}_*_{method}_degree.tif")
        if ctx.result("damage") is not None else None,
        **{role: ctx.package / relative for role, relative in PACKAGE_FILES.items()},
    }
    for role, path in rasters.items():
        if path is not None and path.is_file():
            sources[role] = str(path)
            recorded[role] = path.relative_to(ctx.package).as_posix()
    return sources, recorded


def _texts(case, params) -> MapTexts:
    info = case.info
    return MapTexts(
        title=info.name or "稀土开采生态环境损害鉴定评估",
        unit=info.institution,
        author=params.author,
        date=params.date,
        sources="；".join(str(v) for v in case.sources.values()),
        imagery_date=info.survey_date,
    )


def _themes(params) -> tuple:
    unknown = [t for t in params.themes if t not in THEME_IDS]
    if unknown:
        raise InputError(f"parameters.maps.themes: no theme {unknown[0]!r}; one of {', '.join(THEME_IDS)}")
    return tuple(t for t in THEME_IDS if not params.themes or t in params.themes)


# --------------------------------------------------------------------------- the step
def _run(ctx) -> CaseMaps:
    case = ctx.case
    params = case.parameters.maps
    check_params(case)
    themes = _themes(params)
    sources, recorded = _find_sources(ctx)
    crs = str(case.crs.zone).upper() if str(case.crs.zone).upper().startswith("EPSG:") else ""
    return CaseMaps(recorded, sources, crs, _texts(case, params), themes, int(params.dpi), _pdf_date(case, params))


def _pdf_date(case, params) -> str:
    """The date in the PDFs: the maps' date, else SOURCE_DATE_EPOCH's, else the survey date (as the
    report document), else 2000-01-01: never the time of the run (same inputs, same files)."""
    import datetime
    import os
    import re

    def is_date(text) -> bool:
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(text)[:10]))

    if is_date(params.date):
        return str(params.date)[:10]
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc).date().isoformat()
    if is_date(case.info.survey_date):
        return str(case.info.survey_date)[:10]
    return "2000-01-01"


def _write(result: CaseMaps, folder: Path, ctx) -> dict:
    depth_csv = None
    if ctx.result("depth") is not None and (ctx.package / DEPTH_FILE).is_file():
        depth_csv = _depth_table(ctx.package / DEPTH_FILE, folder / DEPTH_TABLE)
    baseline = ctx.package / BASELINE_FILE
    project = QgsProject()
    files = []
    try:
        layouts = build_layouts(project, result, baselines=baselines_from_csv(baseline) if baseline.is_file() else {},
                                depth_csv=depth_csv, width=ctx.case.crs.zone_width_deg)
        for index, (theme, layout) in enumerate(layouts):
            check_canceled(ctx.is_canceled)
            files += export_layout(layout, folder, theme.id, result.dpi, pdf_date=result.pdf_date)
            if ctx.progress is not None:
                ctx.progress((index + 1) / max(len(layouts), 1))
    finally:  # the layouts go before the legend trees they draw
        project.clear()
        release_legend_roots()
    captions = {f"{theme_id}.png": _caption(theme_id) for theme_id in result.made}
    (folder / CAPTIONS).write_text(json.dumps(captions, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    record = make_record(
        "ree_damage:report_map",
        inputs=ctx.inputs_of("ortho") | {role: source.split("|")[0] for role, source in result.sources.items()
                                         if role not in ("boundary", "ortho")},
        parameters={"crs": result.crs, "dpi": result.dpi, "themes": result.made, "layers": result.recorded,
                    **dataclasses.asdict(result.texts)},
        crs=result.crs, notes=result.skipped, host=ctx.host,
    )
    for path in [*files, folder / CAPTIONS, *([depth_csv] if depth_csv else [])]:
        write_sidecar(path, record)
    return {path.name: path for path in files}


def _depth_table(schedule: Path, target: Path) -> Path:
    import csv

    with open(schedule, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return write_depth_table(rows, target)


def _caption(theme_id: str) -> str:
    theme = next(t for t in THEMES if t.id == theme_id)
    return f"{theme.title_zh}（{theme.title_en}）"


def _summary(result: CaseMaps, folder: Path) -> dict:
    return {"maps": list(result.made), "maps_skipped": list(result.skipped), "crs": result.crs, "dpi": result.dpi,
            "texts": dataclasses.asdict(result.texts), "layers": dict(result.recorded),
            "depth_table": f"{STEP}/{DEPTH_TABLE}" if (folder / DEPTH_TABLE).is_file() else None}


# --------------------------------------------------------------------------- layouts
def build_layouts(project, maps: CaseMaps, *, baselines: dict, depth_csv=None, width: int = 3,
                  missing_ok: bool = False) -> list:
    """``[(theme, layout)]`` of the themes of ``maps`` whose layers exist, made in ``project``
    from ``maps.sources``; fills ``maps.made``, ``maps.skipped`` and ``maps.crs``.

    The layers are added to ``project`` in a collapsed, unchecked group :data:`GROUP_NAME`.
    A source that does not open raises ValueError, or with ``missing_ok`` is left out (its
    themes are skipped, with the reason in ``maps.skipped``)."""
    layers, unopened = {}, []
    for role, source in maps.sources.items():
        try:
            layer = role_layer(role, source)
        except ValueError as error:
            if not missing_ok:
                raise
            unopened.append(str(error))
            continue
        style_role_layer(layer, role, baselines)
        layers[role] = layer
    match_damage_to_degree(layers)
    if not layers:
        return []
    crs = QgsCoordinateReferenceSystem(maps.crs) if maps.crs else zone_crs_of(layers.values(), width=width)
    maps.crs = crs.authid()
    group = project.layerTreeRoot().addGroup(GROUP_NAME)
    for layer in layers.values():
        project.addMapLayer(layer, False)
        group.addLayer(layer).setItemVisibilityChecked(False)
    group.setExpanded(False)
    group.setItemVisibilityChecked(False)
    depth_table = None
    if depth_csv is not None:
        depth_table = depth_table_layer(Path(depth_csv))
        project.addMapLayer(depth_table, False)
        group.addLayer(depth_table)
    made, maps.made, maps.skipped = [], [], list(unopened)
    for theme in THEMES:
        if theme.id not in maps.themes:
            continue
        missing = [role for role in theme.required if role not in layers]
        if missing:
            maps.skipped.append(f"{theme.title_zh} ({theme.id}) skipped: the package has no {', '.join(missing)}")
            continue
        layout = theme_layout(project, theme, layers, crs, maps.texts, False, depth_table, maps.skipped.append)
        made.append((theme, layout))
        maps.made.append(theme.id)
    return made


def add_case_layouts(project, package: Path, manifest: dict) -> list:
    """Add the layouts of the package's maps (as the maps step made them) to ``project``;
    return their names (none when the maps step did not run)."""
    entry = manifest.get("steps", {}).get(STEP, {})
    summary = entry.get("summary") or {}
    if entry.get("status") not in ("ran", "reused") or not summary.get("maps"):
        return []
    case_folder = Path(manifest["case"]["folder"])

    def resolve(recorded: str) -> str:
        if recorded.startswith(CASE_PREFIX):
            return str(case_folder / recorded[len(CASE_PREFIX):])
        return str(package / recorded)

    texts = MapTexts(**summary["texts"])
    maps = CaseMaps(summary["layers"], {role: resolve(s) for role, s in summary["layers"].items()},
                    summary["crs"], texts, tuple(summary["maps"]), int(summary["dpi"]))
    baseline = package / BASELINE_FILE
    depth = summary.get("depth_table")
    # the case folder may have moved since the run: a layer gone leaves its themes out, not the project
    layouts = build_layouts(project, maps, baselines=baselines_from_csv(baseline) if baseline.is_file() else {},
                            depth_csv=package / depth if depth else None, missing_ok=True)
    return [layout.name() for _theme, layout in layouts]
