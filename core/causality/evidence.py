"""The causal-chain evidence of section 8 of the guideline, per damaged point.

Three strands, each given as facts with the rule that produced them, never as a verdict:

- pollutant homology: chondrite-normalised REE patterns (:mod:`.chondrite`) of the source
  samples (leachate, pond or ditch sediment), damaged samples and controls; the Pearson
  correlation ``r`` of each sample's log10 pattern with the mean log10 pattern of the
  sources (1 = the same shape);
- migration path: the D8 downslope paths from the INJ and SETL areas (:mod:`.paths`) and,
  from well heads, groundwater down-gradient;
- time order: the first date the source areas are seen disturbed on dated DEMs
  (:mod:`.timing`) beside the act dates of the case file and the sampling date.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import pandas as pd

from ..common.errors import InputError
from ..common.progress import Steps, check_canceled
from . import chondrite
from .paths import (
    STATUS_BELOW,
    STATUS_OFF,
    STATUS_ON,
    cell_centres,
    cell_of,
    classify_points,
    down_gradient,
    path_distances,
    trace_cells,
    zones_of_points,
)
from .timing import (
    TIMING_COLUMNS,
    first_seen,
    first_seen_vegetation_lost,
    index_on_grid,
    order_text,
    parse_date,
)

GROUP_SOURCE = "source"
GROUP_DAMAGED = "damaged"
GROUP_CONTROL = "control"
GROUP_ASSESSED = "assessed"  # not a control and not confirmed damaged (when damage is given)


@dataclass(frozen=True)
class CausalityParams:
    """Settings of :func:`causality_evidence` (every one written into the provenance).

    Attributes
    ----------
    lree, hree : tuple of str
        Light and heavy REE groups for LREE/HREE.
    min_elements : int
        Elements a pattern needs in common with the source pattern for ``r``.
    source_zones : tuple of str
        Zone codes whose areas are the sources of the paths.
    tolerance_m : float
        A path within this distance (m) of a point puts it on the path.
    search_m : float
        Path cells within this distance (m), higher than the point, put it below a path.
    change_threshold_m : float
        Height change (m) that counts as disturbance between dated DEMs.
    min_fraction : float
        Share of a source area that must be disturbed for it to be seen disturbed.
    dem_max_cells : int
        At most about this many DEM cells over the area (coarser cells beyond).
    min_cell_m : float
        Smallest DEM cell, m.
    image_index : str
        Vegetation index of the dated images (``exg``, ``exgr``, ``gli``, ``vari``, ``ndvi``).
    """

    lree: tuple = chondrite.LREE_DEFAULT
    hree: tuple = chondrite.HREE_DEFAULT
    min_elements: int = 5
    source_zones: tuple = ("INJ", "SETL")
    tolerance_m: float = 4.0
    search_m: float = 20.0
    change_threshold_m: float = 0.5
    min_fraction: float = 0.05
    dem_max_cells: int = 4_000_000
    min_cell_m: float = 1.0
    image_index: str = "exg"


PARAM_SOURCES = {
    "normalising_values": chondrite.SUN_MCDONOUGH_1989_SOURCE + " [default; editable table]",
    "lree/hree": "[default] La-Eu light, Gd-Lu + Y heavy, as in the ion-adsorption REE literature; configurable",
    "homology": "[default] Pearson r of log10 chondrite-normalised patterns against the mean source pattern",
    "path": "D8 on the depression-filled DEM (core.geo.flow), as functional_zones routes leachate",
    "tolerance_m": "[default] 4 m: GPS error plus the one-cell width of a D8 path",
    "search_m": "[default] 20 m: lateral spread of leachate beside its path (judgement; editable)",
    "change_threshold_m": "[default] 0.5 m: above the vertical error of drone DEMs",
    "image_index": "[default] exg (excess green), the RGB index of vegetation_damage; ndvi where a NIR band exists",
    "image_threshold": "Otsu's threshold of each dated image's index on the time-order grid",
    "groundwater": "plane fitted to the well heads by least squares; down-gradient = downstream of the source",
}


@dataclass
class CausalityResult:
    """What :func:`causality_evidence` returns; writes itself with provenance.

    Attributes
    ----------
    evidence : geopandas.GeoDataFrame
        One row per assessed sample (damaged point) and well: homology, path, time order.
    indices : pandas.DataFrame
        Every sample (sources, controls, assessed): group, REE indices, normalised values.
    summary : pandas.DataFrame
        Per zone: counts on, below and off the paths, homology, distances.
    paths : geopandas.GeoDataFrame
        The D8 path from its source to each point on or below a path (lines).
    timing : pandas.DataFrame
        Per source area: first date seen disturbed.
    reference : pandas.DataFrame
        The normalising values used (element, value_ppm, source).
    facts : str
        A paragraph of facts (no conclusion) for the report.
    plots : dict
        Group -> PNG bytes of its pattern plot (empty without matplotlib).
    """

    evidence: Any
    indices: pd.DataFrame
    summary: pd.DataFrame
    paths: Any
    timing: pd.DataFrame
    reference: pd.DataFrame
    facts: str
    plots: dict = field(default_factory=dict)
    crs: Optional[str] = None
    warnings: list = field(default_factory=list)
    parameters: dict = field(default_factory=dict)

    OUTPUTS = ("evidence", "indices", "summary", "paths", "timing", "reference", "facts")
    """Outputs :meth:`write` can write; plots go to ``plot:<group>`` names ending ``.png``."""

    def provenance(self, *, inputs: Optional[Mapping] = None, host: Optional[Mapping] = None) -> dict:
        """The provenance record of the step."""
        from ..common.provenance import result_record

        return result_record("ree_damage:causality_evidence", self, crs=self.crs, sources=PARAM_SOURCES,
                             inputs=inputs, host=host)

    def write(self, paths: Mapping, *, inputs: Optional[Mapping] = None, host: Optional[Mapping] = None) -> dict:
        """Write the named outputs as one transaction, each with its provenance sidecar.

        Parameters
        ----------
        paths : mapping
            Output name of :attr:`OUTPUTS` -> path (``.gpkg``, ``.csv``; ``facts`` ``.txt``),
            and ``"plots"`` -> a folder for ``rare_earth_pattern_<group>.png``.

        Returns
        -------
        dict
            Output name -> pathlib.Path written (plots as ``plot:<group>``).
        """
        from pathlib import Path

        from ..common.provenance import chosen_outputs, recorded_outputs
        from ..geo.vector_io import write_frame

        plot_dir = paths.get("plots")
        chosen = chosen_outputs({k: v for k, v in paths.items() if k != "plots"}, self.OUTPUTS, "causality")
        frames = {
            "evidence": self.evidence,
            "indices": self.indices,
            "summary": self.summary,
            "paths": self.paths if self.paths is not None and len(self.paths) else None,
            "timing": self.timing if len(self.timing) else None,
            "reference": self.reference.reset_index(),
        }
        finals = {name: path for name, path in chosen.items() if name == "facts" or frames.get(name) is not None}
        plot_finals = {}
        if plot_dir and self.plots:
            plot_finals = {f"plot:{g}": Path(plot_dir) / f"rare_earth_pattern_{g}.png" for g in self.plots}
            Path(plot_dir).mkdir(parents=True, exist_ok=True)
        everything = {**finals, **plot_finals}
        with recorded_outputs(everything.values(), self.provenance(inputs=inputs, host=host)) as temps:
            for (name, final), tmp in zip(everything.items(), temps):
                if name == "facts":
                    tmp.write_text(self.facts + "\n", encoding="utf-8")
                elif name.startswith("plot:"):
                    tmp.write_bytes(self.plots[name[5:]])
                else:
                    write_frame(tmp, frames[name], layer=final.stem)
        return everything


def _groups(samples: pd.DataFrame, id_field: str, control_pattern: str, damaged_ids) -> np.ndarray:
    ids = samples[id_field].astype(str)
    control = ids.str.match(control_pattern) if control_pattern else pd.Series(False, index=samples.index)
    group = np.where(control, GROUP_CONTROL, GROUP_DAMAGED).astype(object)
    if damaged_ids is not None:
        damaged = ids.isin({str(i) for i in damaged_ids}).to_numpy()
        group[(~control.to_numpy()) & ~damaged] = GROUP_ASSESSED
    return group


def damaged_sample_ids(damage_samples: pd.DataFrame) -> set:
    """Sample ids with at least one confirmed indicator, from the damaged-sample layer of
    ``damage_extent`` (one row per sample and indicator, ``status``)."""
    if "sample_id" not in damage_samples.columns or "status" not in damage_samples.columns:
        raise InputError("the damage layer needs the fields sample_id and status (damage_extent's samples)",
                         layer="damage")
    confirmed = damage_samples["status"].astype(str) == "confirmed"
    return set(damage_samples.loc[confirmed, "sample_id"].astype(str))


def pattern_plots(indices: pd.DataFrame, elements: Sequence[str], reference_label: str, warnings: list) -> dict:
    """PNG bytes of one chondrite-normalised pattern plot per group (matplotlib, no pyplot).

    Each sample is a thin line; the mean pattern of the sources is drawn on every plot
    (black, dashed) so that the shapes compare at a glance. Without matplotlib: no plot
    and a warning.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        warnings.append("matplotlib is not installed: the rare-earth pattern plots were not drawn")
        return {}
    import gc
    import io

    columns = [f"{e}_n" for e in elements]
    x = np.arange(len(elements))
    sources = indices[indices["group"] == GROUP_SOURCE][columns]
    source_mean = 10 ** np.log10(sources.where(sources > 0)).mean(axis=0) if len(sources) else None
    titles = {
        GROUP_SOURCE: "Sources (leachate, pond and ditch sediment)",
        GROUP_DAMAGED: "Damaged samples",
        GROUP_ASSESSED: "Assessed samples not confirmed damaged",
        GROUP_CONTROL: "Control samples",
    }
    colours = {GROUP_SOURCE: "#b2182b", GROUP_DAMAGED: "#ef8a62", GROUP_ASSESSED: "#67a9cf", GROUP_CONTROL: "#2166ac"}
    plots = {}
    for group in (GROUP_SOURCE, GROUP_DAMAGED, GROUP_ASSESSED, GROUP_CONTROL):
        rows = indices[indices["group"] == group][columns]
        if not len(rows):
            continue
        figure = Figure(figsize=(6.4, 4.2), dpi=120)
        canvas = FigureCanvasAgg(figure)
        axes = figure.add_subplot(111)
        for values in rows.to_numpy(dtype=float):
            axes.plot(x, np.where(values > 0, values, np.nan), color=colours[group], linewidth=0.6, alpha=0.6)
        if source_mean is not None:
            axes.plot(x, source_mean.to_numpy(dtype=float), color="black", linewidth=1.8, linestyle="--",
                      label="mean of the sources")
            axes.legend(loc="upper right", fontsize=8)
        axes.set_yscale("log")
        axes.set_xticks(x)
        axes.set_xticklabels(list(elements))
        axes.set_ylabel(f"sample / chondrite ({reference_label})")
        axes.set_title(f"{titles[group]} (n = {len(rows)})", fontsize=10)
        axes.grid(True, which="both", linewidth=0.3, alpha=0.5)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
        plots[group] = buffer.getvalue()
        # free the figure here: left to the garbage collector at interpreter exit, inside
        # QGIS, the figure-canvas cycle crashed Python (segmentation fault)
        figure.clear()
        canvas.figure = None
        del figure, canvas, axes
    gc.collect()
    return plots


def _grid_over(bounds, params: CausalityParams) -> tuple:
    """A north-up grid over ``bounds`` (m) with a two-cell margin: cells of at least
    ``params.min_cell_m``, at most about ``params.dem_max_cells`` of them (as for the DEM)."""
    from affine import Affine

    minx, miny, maxx, maxy = bounds
    res = max(params.min_cell_m, math.sqrt((maxx - minx) * (maxy - miny) / max(params.dem_max_cells, 1)))
    x0 = math.floor(minx / res) * res - 2 * res
    y1 = math.ceil(maxy / res) * res + 2 * res
    cols = int(math.ceil((maxx + 2 * res - x0) / res))
    rows = int(math.ceil((y1 - (miny - 2 * res)) / res))
    return Affine(res, 0.0, x0, 0.0, -res, y1), (rows, cols)


def _label_grid(sources, transform, shape) -> np.ndarray:
    from ..geo.raster_io import burn

    labels = np.zeros(shape, dtype=np.int64)
    for label, geometry in enumerate(sources.geometry.values, start=1):
        mask = burn([(geometry, 1)], shape, transform, all_touched=True).astype(bool)
        labels[mask & (labels == 0)] = label
    return labels


def causality_evidence(
    samples,
    source_samples,
    *,
    id_field: str = "sample_id",
    zone_field: str = "zone",
    control_pattern: str = "^CTRL-",
    damaged_ids: Optional[set] = None,
    zones=None,
    dem=None,
    dated_dems: Optional[Sequence[tuple]] = None,
    dated_images: Optional[Sequence[tuple]] = None,
    wells=None,
    head_field: Optional[str] = None,
    well_id_field: Optional[str] = None,
    act_start: str = "",
    act_end: str = "",
    sampled_on: str = "",
    date_field: Optional[str] = None,
    reference: Optional[pd.DataFrame] = None,
    params: Optional[CausalityParams] = None,
    progress=None,
    is_canceled=None,
) -> CausalityResult:
    """Homology, migration path and time order for every assessed sample (and well).

    Parameters
    ----------
    samples : geopandas.GeoDataFrame
        The soil samples (the lab importer's wide table: element columns in mg/kg and
        ``<element>_flag``), points, with ``id_field`` and ``zone_field``; controls
        found by ``control_pattern`` on the id.
    source_samples : pandas.DataFrame or geopandas.GeoDataFrame
        The source samples (leachate, pond or ditch sediment) in the same form; a
        ``kind`` column, when present, is kept.
    control_pattern : str
        Regular expression of control sample ids.
    damaged_ids : set of str, optional
        Samples confirmed damaged (:func:`damaged_sample_ids`); without it every
        non-control sample is treated as a damaged point.
    zones : geopandas.GeoDataFrame, optional
        Functional zones (``zone`` field); the areas of ``params.source_zones`` are the
        path sources. Needed with ``dem`` and ``dated_dems``.
    dem : path-like or Dem, optional
        DEM for the paths (heights in m).
    dated_dems : sequence of (date, name, path-like or Dem), optional
        Two or more dated DEMs for the time order.
    dated_images : sequence of (date, name, path-like), optional
        Two or more dated orthomosaics (RGB or multispectral GeoTIFF) for the time order:
        a source area is seen disturbed when its vegetation is lost.
    wells : geopandas.GeoDataFrame, optional
        Groundwater wells (points); with ``head_field`` (head, m) the down-gradient test.
    act_start, act_end : str
        Dates of the act (case file), ISO.
    sampled_on : str
        Sampling date (ISO) of the soil samples.
    date_field : str, optional
        A field of ``samples`` with each sample's sampling date (ISO); wins over
        ``sampled_on`` where filled.
    reference : pandas.DataFrame, optional
        Normalising values (:func:`~.chondrite.normalising_table`); default CI chondrite.
    params : CausalityParams
    progress, is_canceled : callables, optional

    Returns
    -------
    CausalityResult
    """
    import geopandas as gpd
    import shapely

    from ..geo.crs import to_zone

    params = params or CausalityParams()
    steps = Steps(progress, [1, 3, 2, 1])
    warnings: list = []
    reference = chondrite.normalising_table() if reference is None else reference
    for name, frame in (("samples", samples), ("source samples", source_samples)):
        if id_field not in frame.columns:
            raise InputError(f"field {id_field!r} not found", layer=name, column=id_field)
    if not len(source_samples):
        raise InputError("no source sample: give the leachate or pond-sediment samples", layer="source samples")
    samples, zone = to_zone(samples, layer="samples")
    for date_text, what in ((act_start, "act start"), (act_end, "act end"), (sampled_on, "sampling date")):
        if date_text:
            parse_date(date_text, what)

    samples = samples.copy()
    samples[zone_field] = zones_of_points(samples, zones, zone_field, id_field)
    if date_field:
        if date_field not in samples.columns:
            raise InputError(f"date field {date_field!r} not found", layer="samples", column=date_field)
        own = []
        for i, value in enumerate(samples[date_field].tolist()):
            if value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == "":
                own.append(sampled_on)
                continue
            try:
                own.append(parse_date(value, "sampling date").isoformat())
            except InputError as exc:
                raise InputError(str(exc), layer="samples", row=i + 1, column=date_field) from None
        samples["_sampled_on"] = own
    else:
        samples["_sampled_on"] = sampled_on

    # ---- homology
    group = _groups(samples, id_field, control_pattern, damaged_ids)
    soil = pd.DataFrame(samples.drop(columns=samples.geometry.name))
    soil["group"] = group
    src = pd.DataFrame(source_samples.drop(columns=getattr(source_samples, "_geometry_column_name", "geometry"),
                                           errors="ignore"))
    src["group"] = GROUP_SOURCE
    table = pd.concat([src, soil], ignore_index=True, sort=False)
    elements = chondrite.ree_columns(table, reference)
    if len(elements) < params.min_elements:
        raise InputError(
            f"only {len(elements)} rare earth element column(s) found ({', '.join(elements) or 'none'}); "
            f"at least {params.min_elements} are needed (La, Ce, ... as the lab importer names them)",
            layer="samples",
        )
    normalised = chondrite.normalise(table, reference, elements)
    logs = chondrite.log_pattern(normalised)
    source_logs = logs[table["group"] == GROUP_SOURCE]
    source_pattern = chondrite.mean_pattern(source_logs)
    r = chondrite.pattern_correlation(logs, source_pattern.to_numpy(), params.min_elements)
    indices = chondrite.ree_indices(table, reference, lree=params.lree, hree=params.hree)
    keep = [c for c in (id_field, "kind", zone_field, "point_id", "depth_cm") if c in table.columns]
    out_indices = pd.concat(
        [table[keep + ["group"]], indices, r.rename("homology_r"), normalised.add_suffix("_n")], axis=1
    )
    steps.stage(0)(1.0)
    check_canceled(is_canceled)

    # ---- points to assess: every non-control sample, and the wells
    assessed = samples[group != GROUP_CONTROL].copy()
    assessed["group"] = group[group != GROUP_CONTROL]
    assessed["kind"] = "soil"
    assessed = assessed.join(out_indices.loc[len(src):].set_index(soil.index)[["homology_r", "sum_ree", "la_yb_n",
                                                                              "eu_anomaly", "ce_anomaly"]])
    frames = [assessed]
    well_frame = None
    if wells is not None and len(wells):
        well_frame, _ = to_zone(wells, zone, layer="wells")
        well_frame = well_frame.copy()
        wid = well_id_field if well_id_field and well_id_field in well_frame.columns else None
        well_frame[id_field] = well_frame[wid].astype(str) if wid else [f"WELL-{i + 1:03d}" for i in range(len(well_frame))]
        well_frame["group"] = "well"
        well_frame["kind"] = "well"
        frames.append(well_frame)
    if well_frame is not None:
        well_frame["_sampled_on"] = sampled_on
    points = pd.concat(
        [f[[c for c in (id_field, zone_field, "point_id", "group", "kind", "homology_r", "sum_ree", "la_yb_n",
                        "eu_anomaly", "ce_anomaly", "_sampled_on") if c in f.columns] + [f.geometry.name]]
         .rename(columns={f.geometry.name: "geometry"}).set_geometry("geometry") for f in frames],
        ignore_index=True,
    )
    points = gpd.GeoDataFrame(points, geometry="geometry", crs=f"EPSG:{zone.epsg}")
    if (shapely.get_type_id(points.geometry.values) != shapely.GeometryType.POINT).any():
        points["geometry"] = shapely.centroid(points.geometry.values)  # multipoints from some layers

    # ---- migration path
    sources = None
    names: dict = {}
    path_table = pd.DataFrame(index=points.index)
    path_lines = gpd.GeoDataFrame({"sample_id": [], "source": [], "path_status": [], "length_m": []},
                                  geometry=[], crs=f"EPSG:{zone.epsg}")
    timing = pd.DataFrame(columns=["source", "zone", *TIMING_COLUMNS[1:]])
    grid = None
    if (dem is not None or dated_dems or dated_images) and zones is None:
        raise InputError("give the functional zones: the paths and the time order start from the INJ and SETL areas",
                         layer="zones")
    if zones is not None:
        zones_z, _ = to_zone(zones, zone, layer="zones")
        if zone_field not in zones_z.columns:
            raise InputError(f"zone field {zone_field!r} not found", layer="zones", column=zone_field)
        sources = zones_z[zones_z[zone_field].astype(str).isin(params.source_zones)].reset_index(drop=True)
        if not len(sources):
            raise InputError(f"no zone of {', '.join(params.source_zones)} in the zones layer", layer="zones",
                             column=zone_field)
        counts: dict = {}
        for i, code in enumerate(sources[zone_field].astype(str), start=1):
            counts[code] = counts.get(code, 0) + 1
            names[i] = f"{code}-{counts[code]}"
        minx, miny, maxx, maxy = points.total_bounds
        sx0, sy0, sx1, sy1 = sources.total_bounds
        bounds = (min(minx, sx0), min(miny, sy0), max(maxx, sx1), max(maxy, sy1))
    if dem is not None:
        from ..geo.dem import dem_grid
        from ..geo.flow import fill_and_route

        grid_dem = dem_grid(dem, zone, bounds, max_cells=params.dem_max_cells, min_cell_m=params.min_cell_m)
        heights, transform, cell = grid_dem.heights, grid_dem.transform, grid_dem.cell_size
        warnings.extend(grid_dem.warnings)
        check_canceled(is_canceled)
        receivers, filled = fill_and_route(heights, cell)
        labels = _label_grid(sources, transform, heights.shape)
        distance, source_of, origin = path_distances(receivers, labels.ravel(), cell, heights.shape, is_canceled)
        xs, ys = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
        rows, cols = cell_of(transform, xs, ys, heights.shape)
        path_table = classify_points(rows, cols, distance.reshape(heights.shape), source_of.reshape(heights.shape),
                                     filled, cell, tolerance_m=params.tolerance_m, search_m=params.search_m)
        path_table.index = points.index
        path_table["source"] = path_table["source_label"].map(names).fillna("")
        path_table["path_distance_m"] = path_table["path_distance_m"].round(1)
        path_table["offset_m"] = path_table["offset_m"].round(1)
        lines = []
        for i in np.flatnonzero(path_table["path_row"].to_numpy() >= 0):
            target = int(path_table["path_row"].iat[i]) * heights.shape[1] + int(path_table["path_col"].iat[i])
            cells = trace_cells(receivers, int(origin[target]), target)
            if len(cells) < 1:
                continue
            cx, cy = cell_centres(transform, np.array(cells) // heights.shape[1], np.array(cells) % heights.shape[1])
            coords = np.column_stack([cx, cy])
            coords = np.vstack([coords, [[xs[i], ys[i]]]])
            lines.append({"sample_id": str(points[id_field].iat[i]), "source": path_table["source"].iat[i],
                          "path_status": path_table["path_status"].iat[i],
                          "length_m": float(path_table["path_distance_m"].iat[i]),
                          "geometry": shapely.linestrings(coords)})
        if lines:
            path_lines = gpd.GeoDataFrame(lines, geometry="geometry", crs=f"EPSG:{zone.epsg}")
        grid = (transform, heights.shape)
    else:
        warnings.append("no DEM given: the migration path was not traced")
    steps.stage(1)(1.0)
    check_canceled(is_canceled)

    # ---- groundwater
    gw_note = ""
    if well_frame is not None and head_field:
        if head_field not in well_frame.columns:
            raise InputError(f"head field {head_field!r} not found", layer="wells", column=head_field)
        if sources is None:
            raise InputError("give the functional zones for the groundwater down-gradient test", layer="zones")
        heads = pd.to_numeric(well_frame[head_field], errors="coerce").to_numpy(dtype=float)
        centroids = shapely.get_coordinates(shapely.centroid(sources.geometry.values))
        fitted = down_gradient(shapely.get_coordinates(well_frame.geometry.values), heads, centroids)
        downs = [";".join(names[j + 1] for j in np.flatnonzero(row)) for row in fitted["down"]]
        is_well = (points["group"] == "well").to_numpy()
        column = np.full(len(points), "", dtype=object)
        column[is_well] = downs
        points["down_gradient_of"] = column
        head_column = np.full(len(points), np.nan)
        head_column[is_well] = heads
        points["head_m"] = head_column
        gw_note = (f"Groundwater: a plane fitted to {int(np.isfinite(heads).sum())} well heads falls "
                   f"{fitted['gradient']:.4f} m/m towards azimuth {fitted['azimuth_deg']:.0f} degrees; "
                   f"wells down-gradient of at least one INJ/SETL area: {sum(1 for d in downs if d)} of {len(downs)}.")

    # ---- time order
    first_by_label: dict = {}
    seen_tables: list = []
    transform_t = labels_t = None
    if dated_dems:
        from ..geo.dem import dem_grid

        dated = []
        for date, name, raster in dated_dems:
            grid_t = dem_grid(raster, zone, bounds, max_cells=params.dem_max_cells, min_cell_m=params.min_cell_m)
            heights_t, transform_t = grid_t.heights, grid_t.transform
            warnings.extend(grid_t.warnings)
            dated.append((parse_date(date, f"date of {name}"), str(name), heights_t))
            check_canceled(is_canceled)
        labels_t = _label_grid(sources, transform_t, dated[0][2].shape)
        seen_tables.append(first_seen(dated, labels_t, threshold_m=params.change_threshold_m,
                                      min_fraction=params.min_fraction))
    if dated_images:
        if len(dated_images) < 2:
            raise InputError("time order needs at least two dated images", layer="image dates")
        if transform_t is not None:
            image_transform, image_shape = transform_t, labels_t.shape
        elif dem is not None:
            image_transform, image_shape = transform, heights.shape
        else:
            image_transform, image_shape = _grid_over(bounds, params)
        labels_i = _label_grid(sources, image_transform, image_shape)
        dated_index, thresholds = [], {}
        for date, name, raster in dated_images:
            values, threshold = index_on_grid(raster, image_transform, image_shape, zone.epsg,
                                              index=params.image_index)
            dated_index.append((parse_date(date, f"date of {name}"), str(name), values))
            thresholds[str(name)] = threshold
            check_canceled(is_canceled)
        seen_tables.append(first_seen_vegetation_lost(dated_index, labels_i, index=params.image_index,
                                                      thresholds=thresholds, min_fraction=params.min_fraction))
    if seen_tables:
        seen = pd.concat(seen_tables, ignore_index=True)
        seen.insert(0, "source", seen["source_label"].map(names))
        seen.insert(1, "zone", seen["source"].str.rsplit("-", n=1).str[0])
        timing = seen.drop(columns="source_label")
        for label, date in zip(seen["source_label"], seen["first_seen"]):
            if date and (not first_by_label.get(label) or date < first_by_label[label]):
                first_by_label[label] = date  # the earliest date any DEM or image shows
            first_by_label.setdefault(label, "")
    steps.stage(2)(1.0)

    # ---- the evidence table
    evidence = points.copy()
    for column in ("path_status", "source", "path_distance_m", "offset_m"):
        evidence[column] = path_table[column] if column in path_table.columns else (
            "" if column in ("path_status", "source") else np.nan)
    if "source_label" in path_table.columns and first_by_label:
        earliest = min((d for d in first_by_label.values() if d), default="")
        evidence["source_first_seen"] = [
            first_by_label.get(int(label), "") if label else earliest for label in path_table["source_label"]
        ]
    else:
        earliest = min((d for d in first_by_label.values() if d), default="")
        evidence["source_first_seen"] = earliest
    evidence["act_start"] = act_start
    evidence["act_end"] = act_end
    evidence["sampled_on"] = evidence.pop("_sampled_on")
    evidence["time_order"] = [order_text(f, act_start, act_end, d)
                              for f, d in zip(evidence["source_first_seen"], evidence["sampled_on"])]
    evidence = evidence[[c for c in evidence.columns if c != "geometry"] + ["geometry"]]

    summary = _summary(evidence, zone_field)
    facts = _facts(out_indices, evidence, timing, reference, elements, params, act_start, act_end, sampled_on,
                   dem is not None, gw_note)
    label = "CI chondrite" if reference["source"].iloc[0] == chondrite.SUN_MCDONOUGH_1989_SOURCE else "reference"
    plots = pattern_plots(out_indices, elements, label, warnings)
    steps.stage(3)(1.0)
    parameters = {
        **{k: (list(v) if isinstance(v, tuple) else v) for k, v in params.__dict__.items()},
        "control_pattern": control_pattern,
        "damaged_ids_given": damaged_ids is not None,
        "elements": elements,
        "formulas": chondrite.FORMULAS,
        "act_start": act_start,
        "act_end": act_end,
        "sampled_on": sampled_on,
        "date_field": date_field or "",
        "dated_dems": [(str(d), str(n)) for d, n, _ in (dated_dems or [])],
        "dated_images": [(str(d), str(n)) for d, n, _ in (dated_images or [])],
        "grid_cells": list(grid[1]) if grid else None,
    }
    return CausalityResult(
        evidence=evidence, indices=out_indices, summary=summary, paths=path_lines, timing=timing,
        reference=reference, facts=facts, plots=plots, crs=f"EPSG:{zone.epsg}", warnings=warnings,
        parameters=parameters,
    )


def _summary(evidence, zone_field: str) -> pd.DataFrame:
    rows = []
    frame = evidence.copy()
    frame["_zone"] = frame[zone_field].fillna("").astype(str) if zone_field in frame.columns else ""
    frame.loc[frame["group"] == "well", "_zone"] = "WELL"
    for zone_code, part in [*frame.groupby("_zone", sort=True), ("ALL", frame)]:
        status = part["path_status"].astype(str)
        distances = pd.to_numeric(part["path_distance_m"], errors="coerce").dropna()
        homology = pd.to_numeric(part["homology_r"], errors="coerce").dropna()  # wells have none
        rows.append({
            "zone": zone_code,
            "n_points": len(part),
            "n_damaged": int((part["group"] == GROUP_DAMAGED).sum()),
            "n_on_path": int((status == STATUS_ON).sum()),
            "n_below_path": int((status == STATUS_BELOW).sum()),
            "n_off_path": int((status == STATUS_OFF).sum()),
            "homology_r_median": float(homology.median()) if len(homology) else np.nan,
            "homology_r_min": float(homology.min()) if len(homology) else np.nan,
            "path_distance_min_m": float(distances.min()) if len(distances) else np.nan,
            "path_distance_max_m": float(distances.max()) if len(distances) else np.nan,
        })
    return pd.DataFrame(rows)


def _median(values) -> float:
    values = pd.to_numeric(values, errors="coerce").dropna()
    return float(values.median()) if len(values) else np.nan


def _fmt(value, digits: int = 2) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _facts(indices, evidence, timing, reference, elements, params, act_start, act_end, sampled_on, traced,
           gw_note) -> str:
    src = indices[indices["group"] == GROUP_SOURCE]
    soil = evidence[evidence["group"] != "well"]
    parts = [
        f"{len(src)} source sample(s) and {len(indices) - len(src)} soil sample(s) were normalised to "
        f"{reference['source'].iloc[0]} over {len(elements)} elements ({', '.join(elements)}).",
        f"Source samples: median sum of REE {_fmt(_median(src['sum_ree']), 1)} mg/kg, (La/Yb)N "
        f"{_fmt(_median(src['la_yb_n']))}, Eu/Eu* {_fmt(_median(src['eu_anomaly']))}, Ce/Ce* "
        f"{_fmt(_median(src['ce_anomaly']))} (medians).",
    ]
    for group, words in ((GROUP_DAMAGED, "damaged"), (GROUP_ASSESSED, "assessed, not confirmed damaged"),
                         (GROUP_CONTROL, "control")):
        rows = indices[indices["group"] == group]
        if len(rows):
            parts.append(
                f"Correlation r of the log10 pattern with the mean source pattern, {words} samples (n = {len(rows)}): "
                f"median {_fmt(_median(rows['homology_r']), 3)}, range {_fmt(rows['homology_r'].min(), 3)} to "
                f"{_fmt(rows['homology_r'].max(), 3)}; (La/Yb)N median {_fmt(_median(rows['la_yb_n']))}, "
                f"Ce/Ce* median {_fmt(_median(rows['ce_anomaly']))}."
            )
    if traced:
        status = soil["path_status"].astype(str)
        on = soil[status == STATUS_ON]
        parts.append(
            f"Of {len(soil)} soil sample point(s) assessed, {len(on)} lie on a D8 downslope path from an "
            f"{'/'.join(params.source_zones)} area (within {params.tolerance_m:g} m), "
            f"{int((status == STATUS_BELOW).sum())} below a path (within {params.search_m:g} m, lower than it), "
            f"{int((status == STATUS_OFF).sum())} off every path"
            + (f"; along-path distances of the points on a path from {_fmt(on['path_distance_m'].min(), 0)} to "
               f"{_fmt(on['path_distance_m'].max(), 0)} m." if len(on) else ".")
        )
    if gw_note:
        parts.append(gw_note)
    if len(timing):
        for row in timing.itertuples():
            on_image = str(row.basis).startswith("vegetation lost")
            change = ("of its cells lost their vegetation" if on_image
                      else f"of its cells changed by more than {params.change_threshold_m:g} m")
            kind = "image" if on_image else "DEM"
            seen = (f"first seen disturbed on {row.first_seen} ({row.first_seen_name}, "
                    f"{row.disturbed_fraction * 100:.0f} % {change})") if row.first_seen \
                else f"not seen disturbed on any {kind}"
            parts.append(f"Source area {row.source}: {seen}; reference {kind} {row.reference_name} of "
                         f"{row.reference_date}.")
    if act_start or act_end:
        parts.append(f"The case file dates the act from {act_start or '?'} to {act_end or '?'}.")
    taken = sorted({str(d) for d in soil["sampled_on"]} - {""})
    if len(taken) == 1:
        parts.append(f"The soil samples were taken on {taken[0]}.")
    elif taken:
        parts.append(f"The soil samples were taken between {taken[0]} and {taken[-1]}.")
    return " ".join(parts)


def control_ids(ids: pd.Series, pattern: str) -> pd.Series:
    """True where an id matches the control pattern (a regular expression)."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise InputError(f"control pattern {pattern!r} is not a regular expression: {exc}") from exc
    return ids.astype(str).str.match(pattern)
