"""One function per workflow step, on plain data: what a Processing algorithm calls after
adapting its layers, and what :mod:`ree_damage.core.case.run` calls after reading a case.

Each returns a result that writes itself and its provenance (``result.write(...)``) and
gives its provenance record for outputs a host writes (``result.provenance(...)``).
Lengths in m, depths in m below ground unless a name says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pandas as pd

from ..common.errors import InputError
from ..common.progress import CancelFn, ProgressFn
from ..damage.adaptive import DEFAULT_ADAPTIVE
from ..damage.assess import DamageResult, assess_damage, surfaces_in_folder
from ..damage.points import DepthLayer
from ..geo.crs import GaussKrugerZone, lonlat_arrays, zone_for_extent
from ..geo.reproject import reproject_layers
from ..interp.interpolation import (
    IDWParams,
    InterpolationResult,
    KrigingParams,
    SampleTable,
    Target,
    interpolate,
)
from ..lab.baseline import (
    STATISTICS,
    BaselineResult,
    baseline_from_controls,
    baseline_from_screening,
    combine,
)
from ..lab.importer import LabResults, detection_limits_from_workbook, import_lab_results, locate_samples
from ..standards.indicators import INDICATORS_BY_CODE
from ..survey.depth import (
    DepthParams,
    DepthResult,
    WaterParams,
    depth_schedule,
    layers_for_points,
    water_positions,
)
from ..survey.sampling import SamplingParams, SamplingResult, sampling_grid
from ..survey.zones import ZoneParams, collect_sources
from .model import BaselineParams, DamageParams, InterpolationParams, LabParams


# --------------------------------------------------------------------------- sampling grid
def sampling_grid_for_zones(
    zones,
    works: Sequence = (None, None, None, None),
    *,
    flow_cells=None,
    boundary=None,
    control_area=None,
    zone_params: Optional[ZoneParams] = None,
    params: Optional[SamplingParams] = None,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> SamplingResult:
    """The sampling grid of mapped zones, its points drawn toward the mapped works and flow path.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Functional zones (``zone`` field), e.g. ``ZonesResult.zones``.
    works : sequence of 4 geopandas.GeoDataFrame or None
        Holes, pools, ditches, ponds (depth fields as ``zone_params`` names them).
    flow_cells : geopandas.GeoDataFrame, optional
        Leachate flow cells (``ZonesResult.flow_cells``): flow-through points stand on them.
    boundary, control_area : geopandas.GeoDataFrame, optional
    zone_params : ZoneParams, optional
        How the works' depths are read.
    params : SamplingParams, optional

    Returns
    -------
    SamplingResult
        Its ``warnings`` start with those of reading the works.
    """
    zone_crs = zone_for_extent(tuple(zones.total_bounds), zones.crs) if zones.crs is not None else None
    sources, warnings = collect_sources(
        *works, zone=zone_crs, params=zone_params or ZoneParams(), boundary=boundary
    )
    if flow_cells is not None and len(flow_cells):
        flow = flow_cells.to_crs(zone_crs.epsg).assign(source_type="flow")
        sources = pd.concat([sources, flow[[c for c in flow.columns if c in sources.columns]]], ignore_index=True)
    result = sampling_grid(
        zones, sources, boundary=boundary, control_area=control_area, params=params or SamplingParams(),
        progress=progress, is_canceled=is_canceled,
    )
    result.warnings[:0] = warnings
    return result


# --------------------------------------------------------------------------- depth schedule and field exports
@dataclass
class FieldPlan:
    """The depth schedule of the points, the water positions and what the field team carries.

    Attributes
    ----------
    schedule : DepthResult
    water : geopandas.GeoDataFrame or None
        Groundwater wells and surface-water/sediment sections (needs zones).
    points : geopandas.GeoDataFrame
        The sampling points (without control points), as given.
    control_points : geopandas.GeoDataFrame or None
    crs : str or None
        CRS of the points.
    warnings : list of str
        The schedule's warnings, then the water positions'.
    """

    schedule: DepthResult
    water: Any
    points: Any
    control_points: Any
    crs: Optional[str]
    warnings: list = field(default_factory=list)

    OUTPUTS = ("samples", "water_points", "workbook", "gpx", "kml")

    @property
    def parameters(self) -> dict:
        return self.schedule.parameters

    @property
    def gps_points(self):
        """Every point (control points too) with CGCS2000 ``lon``/``lat`` for a handheld GPS."""
        rows = pd.concat(
            [p.dropna(axis=1, how="all") for p in (self.points, self.control_points) if p is not None],
            ignore_index=True,
        ).drop(columns=["fid"], errors="ignore")
        if "lon" not in rows.columns:  # points surveyed elsewhere: add CGCS2000 lon/lat
            lon, lat = lonlat_arrays(rows.geometry.x.to_numpy(), rows.geometry.y.to_numpy(), rows.crs)
            rows = rows.assign(lon=lon, lat=lat)
        return rows

    def provenance(self, *, inputs=None, host=None) -> dict:
        """The provenance record: the schedule's, with the water positions' warnings added."""
        extra = self.warnings[len(self.schedule.warnings):]
        return self.schedule.provenance(crs=self.crs, inputs=inputs, host=host, notes=extra)

    def write(self, paths: Mapping, *, inputs=None, host=None) -> dict:
        """Write the named outputs as one transaction, each with its provenance sidecar.

        Parameters
        ----------
        paths : mapping
            Output name of :attr:`OUTPUTS` -> path: ``samples`` (``.csv``/``.gpkg``),
            ``water_points`` (``.gpkg``), ``workbook`` (``.xlsx``), ``gpx``, ``kml``.

        Returns
        -------
        dict
            Output name -> pathlib.Path written.
        """
        from ..common.provenance import chosen_outputs, recorded_outputs
        from ..geo.vector_io import write_frame
        from ..survey.field_export import write_gpx, write_kml

        finals = chosen_outputs(paths, self.OUTPUTS, "depth schedule")
        if self.water is None:
            finals.pop("water_points", None)
        writers = {
            "samples": lambda tmp, final: write_frame(tmp, self.schedule.samples, layer=final.stem),
            "water_points": lambda tmp, final: write_frame(tmp, self.water, layer=final.stem),
            "workbook": lambda tmp, final: self.write_workbook(tmp),
            "gpx": lambda tmp, final: write_gpx(tmp, self.gps_points),
            "kml": lambda tmp, final: write_kml(tmp, self.gps_points),
        }
        with recorded_outputs(finals.values(), self.provenance(inputs=inputs, host=host)) as temps:
            for (name, final), tmp in zip(finals.items(), temps):
                writers[name](tmp, final)
        return finals

    def write_workbook(self, path) -> Path:
        """The bilingual field workbook (XLSX) alone, atomically, without a sidecar."""
        from ..survey.field_export import write_field_workbook

        return write_field_workbook(
            path,
            self.points.drop(columns="fid", errors="ignore"),
            self.schedule.samples,
            lab_order=self.schedule.lab_order,
            compliance=[self.schedule.compliance],
            water=self.water,
            control_points=(
                self.control_points.drop(columns="fid", errors="ignore") if self.control_points is not None else None
            ),
        )


def plan_fieldwork(
    points,
    *,
    control_points=None,
    soil_layers=None,
    zones=None,
    stream=None,
    dem=None,
    params: Optional[DepthParams] = None,
    water_params: Optional[WaterParams] = None,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> FieldPlan:
    """Depth schedule of every point (control points too) and, with zones, the water positions.

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Sampling points with ``point_id``, ``zone`` and ``bottom_m`` (m below ground).
    control_points : geopandas.GeoDataFrame, optional
    soil_layers : pandas.DataFrame, optional
        Soil layers per point or per zone (see :func:`ree_damage.core.survey.depth.layers_for_points`).
    zones, stream : geopandas.GeoDataFrame, optional
        For the groundwater wells and the stream sections.
    dem : path-like, optional
        Gives the down-gradient direction.
    params : DepthParams, optional
    water_params : WaterParams, optional
    """
    # columns empty in one layer (control points serve no pond) must not decide the dtypes
    all_points = pd.concat(
        [p.dropna(axis=1, how="all") for p in (points, control_points) if p is not None], ignore_index=True
    )
    layers, table_water = (
        layers_for_points(all_points, soil_layers.drop(columns="fid", errors="ignore"))
        if soil_layers is not None
        else (None, None)
    )
    schedule = depth_schedule(
        all_points,
        layers=layers,
        water_table=table_water if table_water is not None and len(table_water) else None,
        params=params or DepthParams(),
        progress=progress,
        is_canceled=is_canceled,
    )
    warnings = list(schedule.warnings)
    water = None
    if zones is not None:
        water, water_warnings = water_positions(zones, stream=stream, dem=dem, params=water_params)
        warnings += water_warnings
    crs = str(points.crs.to_string()) if getattr(points, "crs", None) is not None else None
    return FieldPlan(schedule, water, points, control_points, crs, warnings)


# --------------------------------------------------------------------------- lab results
def import_lab(
    sheet_path,
    points,
    *,
    control_points=None,
    planned=None,
    params: Optional[LabParams] = None,
    layer: str = "points",
    workbook_limits: bool = True,
) -> LabResults:
    """Read a lab sheet and place every sample at its point.

    Detection limits for "ND" cells come from the workbook's limits sheet, then from
    ``params.detection_limits`` (which win). The returned result's ``table`` is the
    located samples (a GeoDataFrame of points).

    Parameters
    ----------
    sheet_path : path-like
        The lab's ``.xlsx`` or ``.csv``.
    points, control_points : geopandas.GeoDataFrame
        Points with ``point_id`` the sample ids refer to.
    planned : pandas.DataFrame, optional
        Planned samples (the depth schedule): those without a lab row are reported.
    params : LabParams, optional
    layer : str
        Name of the point layer, for messages.
    workbook_limits : bool
        Read the workbook's limits sheet (False: the caller merged them into ``params``).
    """
    params = params or LabParams()
    all_points = pd.concat([p for p in (points, control_points) if p is not None], ignore_index=True)
    limits = detection_limits_from_workbook(sheet_path) if workbook_limits else {}
    limits.update(params.detection_limits)
    result = import_lab_results(
        sheet_path,
        planned.drop(columns=["fid", "geometry"], errors="ignore") if planned is not None else None,
        sheet=params.sheet or None,
        medium=params.medium,
        unknown_ids=params.unknown_ids,
        missing_markers=params.missing_markers,
        detection_limits=limits or None,
    )
    located = locate_samples(result.table, all_points, layer=layer)
    result.table = located
    return result


# --------------------------------------------------------------------------- baseline
def control_samples(table, pattern: str):
    """The rows of ``table`` whose ``sample_id`` matches the regular expression ``pattern``."""
    try:
        selector = re.compile(pattern)
    except re.error as error:
        raise InputError(f"bad control pattern {pattern!r}: {error}", column="sample_id") from error
    return table[table["sample_id"].astype(str).str.contains(selector)]


def baseline_for(lab_table=None, params: Optional[BaselineParams] = None) -> BaselineResult:
    """Baseline from the control samples of ``lab_table`` and/or a screening standard.

    Parameters
    ----------
    lab_table : pandas.DataFrame, optional
        Lab results (value and ``_flag`` column per indicator, ``sample_id``).
    params : BaselineParams, optional
        ``screening`` empty: controls only.
    """
    params = params or BaselineParams()
    if lab_table is None and not params.screening:
        raise InputError("give lab results with control samples, a screening standard, or both")
    results = []
    if lab_table is not None:
        controls = control_samples(lab_table, params.control_pattern)
        if params.statistic not in STATISTICS:
            raise InputError(f"unknown statistic {params.statistic!r}; one of {', '.join(STATISTICS)}")
        results.append(baseline_from_controls(
            controls.drop(columns=["fid", "geometry"], errors="ignore"),
            statistic=params.statistic,
            substitution=params.substitution,
            allow_few=params.allow_few,
            units={code: indicator.unit for code, indicator in INDICATORS_BY_CODE.items()},
        ))
    if params.screening:
        results.append(baseline_from_screening(
            params.screening, land_use=params.land_use or None, ph=params.ph if params.ph >= 0 else None,
        ))
    return combine(*results) if len(results) > 1 else results[0]


# --------------------------------------------------------------------------- interpolation
def interpolate_samples(
    points,
    params: InterpolationParams,
    *,
    case_area=None,
    baseline=None,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
    kriging_options: Optional[dict] = None,
    idw_options: Optional[dict] = None,
) -> InterpolationResult:
    """Interpolate ``params.fields`` of sample points onto a raster masked to the case area.

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Samples with lab results in a projected CRS (m).
    params : InterpolationParams
        ``fields`` must not be empty.
    case_area : geopandas.GeoDataFrame, optional
        Reprojected to the points' CRS.
    baseline : pandas.DataFrame, optional
        Baseline table: thresholds of the exceedance probability.
    kriging_options, idw_options : dict, optional
        Further :class:`~ree_damage.core.interp.interpolation.KrigingParams` and
        :class:`~ree_damage.core.interp.interpolation.IDWParams` fields (the advanced
        choices of the Processing algorithm: variogram preset, fixed parameters, lags,
        fallback ...), over those of ``params``.
    """
    if not params.fields:
        raise InputError("choose at least one indicator to interpolate", column="fields")
    if case_area is not None and points.crs is not None and case_area.crs != points.crs:
        case_area = case_area.to_crs(points.crs)
    return interpolate(
        points.drop(columns="fid", errors="ignore"),
        list(params.fields),
        Target(cell_size=params.cell_size_m, case_area=case_area),
        methods=list(params.methods),
        idw=IDWParams(**{"power": params.idw_power, "k": params.idw_neighbours or None, **(idw_options or {})}),
        kriging=KrigingParams(**{
            "model": params.kriging_model,
            "k": params.kriging_neighbours,
            "nugget": params.nugget,
            "log_transform": params.log_transform,
            "trend": params.trend or None,
            "anisotropy_scaling": params.anisotropy_ratio,
            "anisotropy_angle": params.anisotropy_angle_deg,
            **(kriging_options or {}),
        }),
        thresholds=baseline.drop(columns="fid", errors="ignore") if baseline is not None else None,
        samples=SampleTable(
            layer_field=params.layer_field or None,
            id_field="sample_id" if "sample_id" in points.columns else None,
            censored_rule=params.censored_rule,
        ),
        progress=progress,
        is_canceled=is_canceled,
    )


def surface_samples(table, depth_cm: int, control_pattern: str):
    """Samples at ``depth_cm`` (cm; negative: every depth) that are not control samples."""
    rows = table
    if depth_cm >= 0:
        rows = rows[rows["depth_cm"] == depth_cm]
    controls = control_samples(rows, control_pattern)
    return rows.drop(index=controls.index)


# --------------------------------------------------------------------------- damage
def surface_layer(params: DamageParams) -> DepthLayer:
    """The depth layer of samples and rasters interpolated without depth layers, named in cm."""
    top, bottom = params.surface_top_m, params.surface_bottom_m
    if not bottom > top >= 0:
        raise InputError(f"the surface layer {top:g}-{bottom:g} m needs 0 <= top < bottom", column="surface_bottom_m")
    return DepthLayer(f"{round(top * 100)}-{round(bottom * 100)}", top, bottom)


def damage_for(
    samples,
    baseline,
    zones=None,
    raster_folder=None,
    params: Optional[DamageParams] = None,
    *,
    layer_field: str = "",
    degree_dir=None,
    adaptive=DEFAULT_ADAPTIVE,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> DamageResult:
    """Confirmed damage of the samples and damaged areas and volumes from an ``interpolate`` folder.

    Parameters
    ----------
    samples : geopandas.GeoDataFrame
        The samples assessed (not the control samples), with ``zone``.
    baseline : BaselineResult or pandas.DataFrame
    zones : geopandas.GeoDataFrame, optional
        Functional zones in the rasters' CRS (reprojected here when another CRS).
    raster_folder : path-like, optional
        The output folder of ``interpolate``; none: samples only.
    params : DamageParams, optional
    layer_field : str
        The samples' depth-layer field (values ``"<top cm>-<bottom cm>"``), as the
        interpolation used; empty: every sample and raster is in :func:`surface_layer`.
    degree_dir : path-like, optional
        Where the damage-degree rasters go (none written without it).
    adaptive : ree_damage.core.damage.adaptive.AdaptiveParams or None
        The second-round rule; None: no second-round proposals.
    """
    params = params or DamageParams()
    default = surface_layer(params)
    surfaces = surfaces_in_folder(raster_folder, default) if raster_folder is not None else []
    if raster_folder is not None and not surfaces:
        raise InputError(f"no interpolated rasters (*_prediction.tif of interpolate) in {raster_folder}")
    samples = samples.drop(columns="fid", errors="ignore")
    if layer_field:
        if layer_field not in samples.columns:
            raise InputError(f"layer field {layer_field!r} not found", layer="samples", column=layer_field)
        samples = samples.assign(damage_layer=samples[layer_field].astype(str))
    else:
        samples = samples.assign(damage_layer=default.name)
    if zones is not None and surfaces:
        import rasterio

        with rasterio.open(surfaces[0].prediction) as src:
            raster_crs = src.crs
        if zones.crs is not None and raster_crs is not None and zones.crs != raster_crs:
            zones = zones.to_crs(raster_crs.to_wkt())
    table = getattr(baseline, "table", baseline)
    return assess_damage(
        samples,
        table.drop(columns=["fid", "geometry"], errors="ignore"),
        zones,
        surfaces,
        threshold=params.threshold,
        layer_field="damage_layer",
        min_area_m2=params.min_area_m2,
        probabilities=params.probabilities,
        degree_dir=degree_dir,
        adaptive=adaptive,
        progress=progress,
        is_canceled=is_canceled,
    )


# --------------------------------------------------------------------------- CGCS2000
@dataclass
class ReprojectedLayers:
    """Layers reprojected into one CGCS2000 Gauss-Kruger zone (:func:`reproject_to_zone`).

    Attributes
    ----------
    layers : dict of str -> geopandas.GeoDataFrame
    zone : GaussKrugerZone
    sources : dict of str -> str
        Layer name -> the file (or name) it came from, for provenance.
    parameters : dict
    warnings : list of str
    """

    layers: dict
    zone: GaussKrugerZone
    sources: dict
    parameters: dict
    warnings: list = field(default_factory=list)

    @staticmethod
    def file_name(name: str) -> str:
        """``<layer>_cgcs2000.gpkg`` with characters unsafe in a file name replaced."""
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "layer"
        return f"{safe}_cgcs2000.gpkg"

    def provenance(self, name: str, path, *, host=None) -> dict:
        """The provenance record of layer ``name`` written to ``path``."""
        from ..common.provenance import make_record

        return make_record(
            "ree_damage:to_cgcs2000",
            inputs={name: self.sources[name]},
            parameters=self.parameters,
            crs=self.zone.authid,
            outputs={"layer": str(path)},
            notes=[*self.warnings, self.zone.datum_note("en")],
            host=host,
        )

    def write(self, folder, *, host=None) -> dict:
        """One GeoPackage per layer in ``folder``, each with its provenance sidecar.

        Returns
        -------
        dict
            Layer name -> pathlib.Path written.
        """
        from ..common.provenance import recorded_outputs
        from ..geo.vector_io import write_frame

        written = {}
        for name, frame in self.layers.items():
            path = Path(folder) / self.file_name(name)
            record = self.provenance(name, path, host=host)
            with recorded_outputs([path], record) as (tmp,):
                write_frame(tmp, frame.drop(columns=["fid"], errors="ignore"), layer=name)
            written[name] = path
        return written


def reproject_to_zone(
    layers: Mapping, *, sources: Optional[Mapping] = None, zone: Optional[GaussKrugerZone] = None,
    width: int = 3, prefixed: bool = False,
) -> ReprojectedLayers:
    """Reproject layers into one CGCS2000 Gauss-Kruger zone (picked from their extent unless given).

    Parameters
    ----------
    layers : mapping of str -> geopandas.GeoDataFrame
    sources : mapping of str -> str, optional
        Where each layer came from (a file path is hashed into the provenance).
    zone : GaussKrugerZone, optional
    width : {3, 6}
        Zone width in degrees.
    prefixed : bool
        Eastings carry the zone number.
    """
    projected, zone = reproject_layers(dict(layers), zone=zone, width=width, prefixed=prefixed)
    parameters = {"zone_width_deg": width, "prefixed": prefixed, "target_crs": zone.authid}
    names = {name: (sources or {}).get(name, name) for name in projected}
    return ReprojectedLayers(projected, zone, names, parameters)


# --------------------------------------------------------------------------- water damage
def water_damage_for(
    positions,
    lab_sheet,
    *,
    stream=None,
    case_area=None,
    baseline=None,
    params=None,
    position_id_field: str = "position_id",
    indicators: Optional[Sequence[str]] = None,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
):
    """Groundwater and surface-water damage from the water positions and the water lab sheet.

    Self-contained step: the sheet is read by the lab importer (water units: mg/L, metals
    μg/L; units checked and converted), joined to the wells and sections by
    ``position_id_field``, then :func:`ree_damage.core.damage.water.assess_water` runs.

    Parameters
    ----------
    positions : geopandas.GeoDataFrame
        Wells and stream sections (``position_id``, ``medium``, ``role``, see
        :func:`ree_damage.core.survey.depth.water_positions`; ``head_m`` for wells), metres.
    lab_sheet : path-like
        The water lab results (CSV or XLSX), one row per position id.
    stream, case_area : geopandas.GeoDataFrame, optional
        The receiving stream (reach) and the case boundary or zones (plume clip); reprojected
        to the positions' CRS when another.
    baseline : pandas.DataFrame, optional
        ``indicator, baseline`` instead of the control positions.
    params : ree_damage.core.damage.water.WaterParams, optional

    Returns
    -------
    ree_damage.core.damage.water.WaterResult
        Its warnings start with the lab import's.
    """
    from ..damage.water import assess_water

    if position_id_field not in positions.columns:
        raise InputError(f"the water positions have no field {position_id_field!r}", layer="water positions",
                         column=position_id_field)
    positions = positions.drop(columns="fid", errors="ignore")
    lab = import_lab_results(lab_sheet, positions, sample_id_field=position_id_field, medium="groundwater")
    table = lab.table
    if position_id_field != "position_id":
        table = table.assign(position_id=table[position_id_field].astype(str))
    crs = positions.crs

    def _in_crs(frame):
        if frame is None or crs is None or frame.crs is None or frame.crs == crs:
            return frame
        return frame.to_crs(crs)

    result = assess_water(
        table, stream=_in_crs(stream), case_area=_in_crs(case_area), baseline=baseline, indicators=indicators,
        params=params, progress=progress, is_canceled=is_canceled,
    )
    result.warnings[:0] = list(lab.warnings)
    result.parameters["lab_import"] = lab.parameters
    return result
