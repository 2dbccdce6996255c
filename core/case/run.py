"""The workflow steps on a case: each reads what the case file names and returns a result.

Every function takes the :class:`~ree_damage.core.case.model.Case` (and the results of
earlier steps) and returns a result that writes itself with its provenance::

    case = load_case("sample_case/case.toml")
    zones_result = run.zones(case)
    grid = run.sampling(case, zones_result)
    grid.write({"points": "out/sampling_points.gpkg"}, inputs=run.inputs_of(case, "zones"))

``core/case/registry.py`` (run_case) goes through these functions; the Processing algorithms call the
same functions of :mod:`ree_damage.core.case.steps` on the layers QGIS gives them.
"""

from __future__ import annotations

from typing import Optional

from ..common.errors import InputError
from ..common.progress import CancelFn, ProgressFn
from ..damage.assess import DamageResult
from ..geo.crs import GaussKrugerZone, zone_from_epsg
from ..geo.vector_io import read_layer as read_vector_layer
from ..imagery.accuracy import check_points_from_truth
from ..imagery.vegetation import VegetationResult, vegetation_damage
from ..interp.interpolation import InterpolationResult
from ..lab.baseline import BaselineResult
from ..lab.importer import LabResults
from ..survey.sampling import SamplingResult
from ..survey.zones import ZonesResult, functional_zones
from ..terrain.mined import MinedVolume, mined_volume
from . import steps
from .model import Case

WORKS = ("injection_holes", "prep_pools", "collection_ditches", "settling_ponds")
"""Layer roles of the mapped works, in the order the survey functions take them."""


def read_layer(case: Case, role: str, *, required: bool = False):
    """The layer playing ``role`` (a GeoDataFrame, or a DataFrame for a table); None when not named.

    Raises
    ------
    InputError
        When ``required`` and the case names no such layer (naming the key).
    """
    name = case.layer(role)
    if name is None:
        if required:
            raise InputError(f"inputs.layers.{role}: the case file names no {role} layer")
        return None
    # the reader the algorithms' inputs get: curves made straight (and noted), not GDAL's 4-degree cut
    frame = read_vector_layer(case.input("vectors"), name).reset_index(drop=True)
    if getattr(frame, "crs", None) is None and "geometry" in frame.columns and frame.geometry.isna().all():
        frame = frame.drop(columns="geometry")
    return frame


def zone_choice(case: Case) -> Optional[GaussKrugerZone]:
    """The Gauss-Kruger zone the case file fixes (``crs.zone``), None for ``"auto"``."""
    if case.crs.zone == "auto":
        return None
    try:
        return zone_from_epsg(int(case.crs.zone.split(":")[1]))
    except (ValueError, IndexError) as error:
        raise InputError(f"crs.zone: {case.crs.zone!r} is not a CGCS2000 Gauss-Kruger zone: {error}") from error


def inputs_of(case: Case, *keys: str) -> dict:
    """Input name -> file path for provenance: the case file, ``vectors`` and the named inputs."""
    found = {"case_file": str(case.file)} if case.file is not None else {}
    for key in ("vectors", *keys):
        path = getattr(case.inputs, key, None)
        if path is not None:
            found[key] = str(path)
    return found


def zones(
    case: Case, *, progress: Optional[ProgressFn] = None, is_canceled: Optional[CancelFn] = None
) -> ZonesResult:
    """Functional zones from the mapped works and, where the case has ``dem_before``, the flow path."""
    return functional_zones(
        read_layer(case, "case_boundary", required=True),
        *(read_layer(case, role) for role in WORKS),
        case.inputs.dem_before,
        params=case.parameters.zones,
        zone=zone_choice(case),
        progress=progress,
        is_canceled=is_canceled,
    )


def sampling(
    case: Case,
    zones_result: ZonesResult,
    *,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> SamplingResult:
    """The sampling grid of the zones, points drawn toward the works and the flow path."""
    return steps.sampling_grid_for_zones(
        zones_result.zones,
        tuple(read_layer(case, role) for role in WORKS),
        flow_cells=zones_result.flow_cells,
        boundary=read_layer(case, "case_boundary"),
        control_area=read_layer(case, "control_area"),
        zone_params=case.parameters.zones,
        params=case.parameters.sampling,
        progress=progress,
        is_canceled=is_canceled,
    )


def fieldwork(
    case: Case,
    grid: SamplingResult,
    zones_result: Optional[ZonesResult] = None,
    *,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> steps.FieldPlan:
    """Depth schedule of the grid's points (control points too), water positions, field exports."""
    return steps.plan_fieldwork(
        grid.points,
        control_points=grid.control_points if len(grid.control_points) else None,
        soil_layers=read_layer(case, "soil_layers"),
        zones=zones_result.zones if zones_result is not None else None,
        stream=read_layer(case, "stream"),
        dem=case.inputs.dem_before,
        params=case.parameters.depth,
        water_params=case.parameters.water,
        progress=progress,
        is_canceled=is_canceled,
    )


def lab(case: Case, *, planned=None) -> LabResults:
    """The lab sheet (``inputs.lab_sheet``) placed at the case's sample and control points."""
    points_role = "sample_points"
    return steps.import_lab(
        case.input("lab_sheet"),
        read_layer(case, points_role, required=True),
        control_points=read_layer(case, "control_points"),
        planned=planned,
        params=case.parameters.lab,
        layer=case.layer(points_role),
    )


def baseline(case: Case, lab_result: Optional[LabResults] = None) -> BaselineResult:
    """Baseline from the control samples of ``lab_result`` and/or the screening standard of the case."""
    table = lab_result.table if lab_result is not None else None
    return steps.baseline_for(table, case.parameters.baseline)


def interpolation(
    case: Case,
    lab_result: LabResults,
    baseline_result: Optional[BaselineResult] = None,
    *,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> InterpolationResult:
    """Rasters of ``parameters.interpolation.fields`` from the samples at its ``depth_cm``."""
    params = case.parameters.interpolation
    points = steps.surface_samples(lab_result.table, params.depth_cm, case.parameters.baseline.control_pattern)
    return steps.interpolate_samples(
        points,
        params,
        case_area=read_layer(case, "case_boundary"),
        baseline=baseline_result.table if baseline_result is not None else None,
        progress=progress,
        is_canceled=is_canceled,
    )


def damage(
    case: Case,
    lab_result: LabResults,
    baseline_result: BaselineResult,
    zones_result: Optional[ZonesResult] = None,
    raster_folder=None,
    *,
    degree_dir=None,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> DamageResult:
    """Damage of the samples the interpolation used (same depth, no control samples) and, with
    the interpolation's ``raster_folder`` and the zones, damaged areas and volumes per zone."""
    interp = case.parameters.interpolation
    points = steps.surface_samples(lab_result.table, interp.depth_cm, case.parameters.baseline.control_pattern)
    return steps.damage_for(
        points,
        baseline_result,
        zones_result.zones if zones_result is not None else None,
        raster_folder,
        case.parameters.damage,
        layer_field=interp.layer_field,
        degree_dir=degree_dir,
        progress=progress,
        is_canceled=is_canceled,
    )


def to_cgcs2000(case: Case, roles=("sample_points",)) -> steps.ReprojectedLayers:
    """The layers of ``roles`` in the case's Gauss-Kruger zone, points with CGCS2000 lon/lat."""
    layers = {case.layer(role): read_layer(case, role, required=True) for role in roles}
    sources = {name: str(case.input("vectors")) for name in layers}
    return steps.reproject_to_zone(
        layers, sources=sources, zone=zone_choice(case), width=case.crs.zone_width_deg, prefixed=case.crs.prefixed
    )


def mined(
    case: Case,
    zones_result: Optional[ZonesResult] = None,
    lab_result: Optional[LabResults] = None,
    *,
    work_dir=None,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> MinedVolume:
    """Cut and fill between ``dem_before`` and ``dem_after`` inside the case boundary; with the
    zones and the lab results, the block-method resource estimate of the INJ zone."""
    samples = None
    if lab_result is not None:
        control = lab_result.table["sample_id"].astype(str).str.match(case.parameters.baseline.control_pattern)
        samples = lab_result.table[~control]
    return mined_volume(
        case.input("dem_before"),
        case.input("dem_after"),
        read_layer(case, "case_boundary", required=True),
        zones=zones_result.zones if zones_result is not None else None,
        samples=samples,
        volume_params=case.parameters.volume,
        block_params=case.parameters.blocks,
        work_dir=work_dir,
        progress=progress,
        is_canceled=is_canceled,
    )


def check_points(case: Case):
    """The vegetation check points: the ``vegetation_check_points`` layer (a ``label`` of
    damaged/intact per point), else, for a case with a truth layer (the synthetic sample
    case), 200 random points inside ``bare_ground_truth`` and 200 outside it in the case
    area (seed: the case's ``seed``); None when the case has neither."""
    points = read_layer(case, "vegetation_check_points")
    if points is not None:
        return points
    truth = read_layer(case, "bare_ground_truth")
    if truth is None:
        return None
    return check_points_from_truth(truth, read_layer(case, "case_boundary", required=True), per_class=200,
                                   seed=case.info.seed)


def vegetation(
    case: Case,
    zones_result: Optional[ZonesResult] = None,
    *,
    work_dir=None,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> VegetationResult:
    """Damaged vegetation of the case's orthomosaic (``inputs.ortho``; change mode with
    ``inputs.ortho_before``) by functional zone, checked at :func:`check_points`."""
    return vegetation_damage(
        case.input("ortho"),
        read_layer(case, "case_boundary", required=True),
        zones_result.zones if zones_result is not None else None,
        before=case.inputs.ortho_before,
        check_points=check_points(case),
        params=case.parameters.vegetation,
        work_dir=work_dir,
        layer_names={"mosaic": case.input("ortho").name, "area": case.layer("case_boundary")},
        progress=progress,
        is_canceled=is_canceled,
    )


def valuation(
    case: Case,
    *,
    damage=None,
    vegetation=None,
    mined=None,
    water=None,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
):
    """The valuation of the case's ``[valuation]`` section (see :mod:`ree_damage.core.valuation`).

    ``damage``, ``vegetation``, ``mined`` and ``water`` are the files earlier steps wrote:
    ``damage_summary.csv``, the vegetation summary table, ``annex5_resource_summary.csv``
    and the water damage table (each optional). Returns a
    :class:`~ree_damage.core.valuation.valuate.ValuationResult`; write it with
    ``result.write({"workbook": ..., "json": ...})``.
    """
    import dataclasses

    from ..valuation.params import read_params
    from ..valuation.valuate import valuate

    if not case.valuation:
        raise InputError("the case file has no [valuation] section", layer=str(case.file or case.folder),
                         column="valuation")
    params = read_params(case.valuation, case_info=dataclasses.asdict(case.info))
    result = valuate(params, damage=damage, vegetation=vegetation, mined=mined, water=water, case_id=case.info.id,
                     progress=progress, is_canceled=is_canceled)
    if case.file is not None:
        from ..common.provenance import describe_input

        result.inputs["case_file"] = describe_input(case.file)
        result.inputs_paths["case_file"] = str(case.file)
    return result
