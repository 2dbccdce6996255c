"""Restoration-effect assessment (section 12 of the guideline): targets met or not, by
sample and by area, vegetation recovery, and what remains damaged.

The comparison of a sample with its target is the damage rule of
:func:`ree_damage.core.damage.points.classify` with the target as the baseline and a zero
threshold: a value beyond the target does not meet it, a value below its detection limit
never exceeds, and a detection limit beyond the target leaves the sample undecidable.

By sample
    n decidable samples, how many meet the target; the zone meets it **by sample** when
    every decidable sample does and none is undecidable (the statistic is written into
    every row).
By area
    With interpolated rasters of the post-restoration samples: the cells beyond the target
    (:func:`ree_damage.core.damage.extent.damage_extent` with the target as baseline).
    Without them: each sample stands for the part of its zone nearer to it than to any
    other sample (nearest-sample polygons); the zone meets the target **by area** when the
    area not meeting it is 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pandas as pd

from ..causality.paths import zones_of_points
from ..common.errors import InputError
from ..common.progress import Steps, check_canceled
from ..damage.points import classify

TARGET_COLUMNS = ("zone", "indicator", "target", "unit", "source")
"""Columns of a target table; ``direction`` (``max``: the value must not exceed the target,
the default; ``min``: it must reach it, e.g. pH or vegetation cover) is optional."""

VEGETATION_INDICATOR = "vegetation_cover"
"""Indicator of the target table read as the vegetated share of a zone (0-1)."""

ALL_ZONES = "ALL"

RESULT_COLUMNS = (
    "zone", "indicator", "unit", "target", "direction", "target_source", "n_samples", "n_undecidable", "n",
    "n_met", "n_not_met", "share_met", "value_min", "value_max", "value_mean", "met_by_sample", "zone_area_m2",
    "area_not_met_m2", "area_share_met", "met_by_area", "area_method", "statistic",
)

STATISTIC = (
    "by sample: met where every decidable sample is on the target's side (value <= target for 'max', "
    ">= for 'min'; below detection never exceeds; a detection limit beyond the target is undecidable) "
    "and none is undecidable; by area: met where the area beyond the target is 0 m2"
)


@dataclass(frozen=True)
class RestorationParams:
    """Settings of :func:`restoration_effect`.

    Attributes
    ----------
    thickness_m : float
        Soil layer the samples stand for, m: area x thickness = volume still damaged.
    baseline_cover : float
        Vegetated share of the zones before the act (0-1), the reference of the recovery
        ratio (1.0: fully vegetated hillside forest).
    min_area_m2 : float
        Remaining-damage patches below this area (m2) are dropped (rasters only).
    """

    thickness_m: float = 0.5
    baseline_cover: float = 1.0
    min_area_m2: float = 0.0


PARAM_SOURCES = {
    "comparison": "core.damage.points.classify with the target as baseline and threshold 0",
    "thickness_m": "[default] 0.5 m: the surface sample layer 0-0.5 m of the survey rules",
    "baseline_cover": "[default] 1.0: hillside forest fully vegetated before the act; give the measured share",
    "area": "interpolated rasters through core.damage.extent.damage_extent, else nearest-sample polygons",
}


def read_targets(targets) -> pd.DataFrame:
    """The restoration targets as a checked table.

    Parameters
    ----------
    targets : pandas.DataFrame or path-like
        Columns :data:`TARGET_COLUMNS` (``direction`` optional); CSV (UTF-8) or XLSX when a
        path. ``zone`` may be ``ALL`` (every zone).

    Returns
    -------
    pandas.DataFrame
        ``zone, indicator, target (float), unit, source, direction`` (``max``/``min``).

    Raises
    ------
    InputError
        A missing column, a target that is not a number (naming the row), an unknown
        direction, a zone and indicator given twice.
    """
    layer = "targets"
    if not isinstance(targets, pd.DataFrame):
        path = Path(targets)
        layer = path.name
        try:
            if path.suffix.lower() in (".xlsx", ".xlsm"):
                frame = pd.read_excel(path, dtype=str)
            else:
                frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
        except Exception as exc:  # pandas raises many reader errors
            raise InputError(f"cannot read the target table: {exc}", layer=layer) from exc
    else:
        frame = targets.copy()
    frame.columns = [str(c).strip() for c in frame.columns]
    for column in TARGET_COLUMNS:
        if column not in frame.columns:
            raise InputError(f"column {column!r} missing; a target table has {', '.join(TARGET_COLUMNS)}",
                             layer=layer, column=column)
    if "direction" not in frame.columns:
        frame["direction"] = ""
    frame = frame[[*TARGET_COLUMNS, "direction"]].copy()
    for column in ("zone", "indicator", "unit", "source", "direction"):
        frame[column] = frame[column].fillna("").astype(str).str.strip()
    values = pd.to_numeric(frame["target"], errors="coerce")
    for i in np.flatnonzero(values.isna().to_numpy()):
        raise InputError(f"target {frame['target'].iloc[i]!r} is not a number", layer=layer, row=int(i) + 2,
                         column="target")
    frame["target"] = values.astype(float)
    default = np.where(frame["indicator"].isin(["pH", VEGETATION_INDICATOR]), "min", "max")
    frame["direction"] = np.where(frame["direction"] == "", default, frame["direction"].str.lower())
    bad = ~frame["direction"].isin(["max", "min"])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"direction {frame['direction'].iloc[i]!r}: 'max' (not to exceed) or 'min' (to reach)",
                         layer=layer, row=i + 2, column="direction")
    empty = (frame["zone"] == "") | (frame["indicator"] == "")
    if empty.any():
        i = int(np.flatnonzero(empty.to_numpy())[0])
        raise InputError("every target names its zone (or ALL) and indicator", layer=layer, row=i + 2)
    twice = frame.duplicated(["zone", "indicator"])
    if twice.any():
        i = int(np.flatnonzero(twice.to_numpy())[0])
        raise InputError(f"zone {frame['zone'].iloc[i]} and indicator {frame['indicator'].iloc[i]} are given twice",
                         layer=layer, row=i + 2)
    return frame.reset_index(drop=True)


BASELINE_TARGET_SOURCE = (
    "primary restoration returns the site to its baseline (guideline 10.2): target = baseline of the "
    "baseline table ({source}, {method})"
)


def targets_from_baseline(baseline, given=None) -> pd.DataFrame:
    """Restoration targets from the baseline table: primary restoration is back to baseline.

    Parameters
    ----------
    baseline : pandas.DataFrame or path-like
        The table of the ``baseline`` algorithm (``baseline.csv``): ``indicator``,
        ``baseline`` (in the indicator's ``unit``: mg/kg, mg/L or pH units), ``direction``
        (``above``: damage lies above the baseline, ``below``: below, as for pH), and
        ``source``/``method`` where present.
    given : pandas.DataFrame or path-like, optional
        A target table (:func:`read_targets`); its rows win over the baseline's for the
        same indicator (in any zone), so a negotiated target can replace the baseline.

    Returns
    -------
    pandas.DataFrame
        A checked target table (:func:`read_targets`): zone ``ALL`` for each indicator of
        the baseline table not given, target = baseline, direction ``max`` for ``above``
        and ``min`` for ``below``, the source naming the baseline row.

    Raises
    ------
    InputError
        A missing column or a baseline that is not a number, naming the row.
    """
    layer = "baseline"
    if not isinstance(baseline, pd.DataFrame):
        layer = Path(baseline).name
        try:
            frame = pd.read_csv(baseline, encoding="utf-8-sig", dtype=str)
        except Exception as exc:  # pandas raises many reader errors
            raise InputError(f"cannot read the baseline table: {exc}", layer=layer) from exc
    else:
        frame = baseline.astype(str)
    frame.columns = [str(c).strip() for c in frame.columns]
    for column in ("indicator", "baseline", "unit"):
        if column not in frame.columns:
            raise InputError(f"column {column!r} missing: not a baseline table", layer=layer, column=column)
    given_table = read_targets(given) if given is not None else None
    taken = set(given_table["indicator"]) if given_table is not None else set()
    rows = []
    for i, row in enumerate(frame.fillna("").to_dict("records")):
        indicator = str(row["indicator"]).strip()
        if not indicator or indicator in taken:
            continue
        value = pd.to_numeric(pd.Series([row["baseline"]]), errors="coerce").iloc[0]
        if not np.isfinite(value):
            raise InputError(f"baseline {row['baseline']!r} of {indicator} is not a number", layer=layer,
                             row=i + 2, column="baseline")
        direction = str(row.get("direction", "") or "").strip().lower()
        if direction not in ("", "above", "below"):
            raise InputError(f"direction {direction!r} of {indicator}: 'above' or 'below'", layer=layer, row=i + 2,
                             column="direction")
        source = BASELINE_TARGET_SOURCE.format(source=str(row.get("source", "") or "?").strip(),
                                               method=str(row.get("method", "") or "?").strip())
        rows.append({"zone": ALL_ZONES, "indicator": indicator, "target": float(value),
                     "unit": str(row["unit"]).strip(), "source": source,
                     "direction": "min" if direction == "below" else "max"})
    derived = pd.DataFrame(rows, columns=[*TARGET_COLUMNS, "direction"])
    combined = derived if given_table is None else pd.concat([given_table, derived], ignore_index=True)
    if combined.empty:
        raise InputError("no target: the baseline table has no indicator that the target table does not give",
                         layer=layer)
    return read_targets(combined)


@dataclass
class RestorationResult:
    """What :func:`restoration_effect` returns; writes itself with provenance.

    Attributes
    ----------
    results : pandas.DataFrame
        Per zone and indicator: :data:`RESULT_COLUMNS`.
    samples : geopandas.GeoDataFrame
        Per sample and indicator: value, flag, target, ``status`` (met, not_met, undecidable,
        missing).
    remaining : geopandas.GeoDataFrame
        What remains damaged: ``kind`` (soil/vegetation), ``zone``, ``indicator``,
        ``area_m2``, ``thickness_m``, ``volume_m3`` (m3; NaN for vegetation).
    vegetation : pandas.DataFrame
        Per zone: ``zone_area_m2``, ``bare_area_m2``, ``cover``, ``baseline_cover``,
        ``recovery_ratio`` (empty without a mosaic).
    section : str
        The report section following 12.1-12.6 (plain text).
    """

    results: pd.DataFrame
    samples: Any
    remaining: Any
    vegetation: pd.DataFrame
    section: str
    crs: Optional[str] = None
    warnings: list = field(default_factory=list)
    parameters: dict = field(default_factory=dict)

    OUTPUTS = ("results", "samples", "remaining", "vegetation", "section")

    def provenance(self, *, inputs: Optional[Mapping] = None, host: Optional[Mapping] = None) -> dict:
        from ..common.provenance import result_record

        return result_record("ree_damage:restoration_effect", self, crs=self.crs, sources=PARAM_SOURCES,
                             inputs=inputs, host=host)

    def write(self, paths: Mapping, *, inputs: Optional[Mapping] = None, host: Optional[Mapping] = None) -> dict:
        """Write the named outputs (``.gpkg``, ``.csv``; ``section`` as ``.txt``) as one
        transaction, each with its provenance sidecar; returns name -> path written."""
        from ..common.provenance import chosen_outputs, recorded_outputs
        from ..geo.vector_io import write_frame

        chosen = chosen_outputs(paths, self.OUTPUTS, "restoration")
        frames = {
            "results": self.results,
            "samples": self.samples if len(self.samples) else None,
            "remaining": self.remaining if len(self.remaining) else None,
            "vegetation": self.vegetation if len(self.vegetation) else None,
        }
        finals = {name: path for name, path in chosen.items() if name == "section" or frames.get(name) is not None}
        with recorded_outputs(finals.values(), self.provenance(inputs=inputs, host=host)) as temps:
            for (name, final), tmp in zip(finals.items(), temps):
                if name == "section":
                    tmp.write_text(self.section + "\n", encoding="utf-8")
                else:
                    write_frame(tmp, frames[name], layer=final.stem)
        return finals


def _targets_for(targets: pd.DataFrame, zones_present: Sequence[str]) -> pd.DataFrame:
    """One row per zone present and indicator (``ALL`` expanded; a zone's own row wins)."""
    rows = []
    specific = targets[targets["zone"] != ALL_ZONES]
    for row in targets[targets["zone"] == ALL_ZONES].to_dict("records"):
        for zone in zones_present:
            if not ((specific["zone"] == zone) & (specific["indicator"] == row["indicator"])).any():
                rows.append({**row, "zone": zone})
    out = pd.concat([specific, pd.DataFrame(rows, columns=targets.columns)], ignore_index=True)
    return out.sort_values(["zone", "indicator"], kind="stable").reset_index(drop=True)


def nearest_sample_cells(points, zone_geometry):
    """Each point's share of the zone: the part nearer to it than to any other point (m2 polygons)."""
    import shapely

    coords = shapely.get_coordinates(points)
    if len(coords) == 1:
        return np.array([zone_geometry], dtype=object)
    cells = shapely.voronoi_polygons(shapely.multipoints(coords), extend_to=zone_geometry)
    parts = np.asarray(shapely.get_parts(cells))
    out = np.empty(len(points), dtype=object)
    tree = shapely.STRtree(parts)
    for i, point in enumerate(points):
        hits = tree.query(point, predicate="intersects")
        out[i] = shapely.intersection(parts[hits[0]], zone_geometry) if len(hits) else shapely.Polygon()
    return out


def restoration_effect(
    samples,
    targets,
    zones,
    *,
    zone_field: str = "zone",
    id_field: str = "sample_id",
    raster_folder=None,
    mosaic=None,
    sampled_on: str = "",
    restoration_end: str = "",
    params: Optional[RestorationParams] = None,
    vegetation_params=None,
    progress=None,
    is_canceled=None,
) -> RestorationResult:
    """Whether each zone reached its restoration targets, and what remains damaged.

    Parameters
    ----------
    samples : geopandas.GeoDataFrame
        Post-restoration samples as the lab importer gives them (``<code>`` value in the
        target's unit and ``<code>_flag``), points with ``zone_field`` and ``id_field``.
    targets : pandas.DataFrame or path-like
        See :func:`read_targets`.
    zones : geopandas.GeoDataFrame
        Functional zones (polygons, ``zone_field``): the areas the targets apply to.
    raster_folder : path-like, optional
        Output folder of ``interpolate`` run on the post-restoration samples; the area
        beyond each target then comes from the rasters (``damage_extent``).
    mosaic : path-like, optional
        Post-restoration orthomosaic: vegetation cover per zone (``vegetation_damage``).
    sampled_on, restoration_end : str
        Dates (ISO) for the report section (12.2, the time of the assessment).
    params : RestorationParams
    vegetation_params : VegetationParams, optional
    progress, is_canceled : callables, optional

    Returns
    -------
    RestorationResult
    """
    import geopandas as gpd
    import shapely

    from ..geo.crs import to_zone

    params = params or RestorationParams()
    steps = Steps(progress, [1, 2, 3, 0.5])
    warnings: list = []
    table = read_targets(targets)
    if params.thickness_m <= 0:
        raise InputError(f"the layer thickness must be > 0 m, not {params.thickness_m!r}")
    if not 0 < params.baseline_cover <= 1:
        raise InputError(f"the baseline vegetation cover is a share in (0, 1], not {params.baseline_cover!r}")
    zones_z, zone = to_zone(zones, layer="zones")
    if zone_field not in zones_z.columns:
        raise InputError(f"zone field {zone_field!r} not found", layer="zones", column=zone_field)
    samples_z, _ = to_zone(samples, zone, layer="post-restoration samples")
    if id_field not in samples_z.columns:
        raise InputError(f"field {id_field!r} not found", layer="post-restoration samples", column=id_field)
    samples_z = samples_z.copy()
    samples_z[zone_field] = zones_of_points(samples_z, zones_z, zone_field, id_field)
    zone_geoms = {
        str(code): shapely.make_valid(shapely.union_all(part.geometry.values))
        for code, part in zones_z.groupby(zones_z[zone_field].astype(str), sort=True)
    }
    wanted = _targets_for(table, list(zone_geoms))
    crs = f"EPSG:{zone.epsg}"

    # ---- by sample
    sample_rows = []
    result_rows = []
    area_polygons = []
    for target in wanted.to_dict("records"):
        code, indicator, value = target["zone"], target["indicator"], target["target"]
        if indicator == VEGETATION_INDICATOR:
            continue
        if code not in zone_geoms:
            warnings.append(f"target for zone {code} ({indicator}): no such zone in the zones layer")
            continue
        part = samples_z[samples_z[zone_field].astype(str) == code]
        if indicator not in samples_z.columns:
            warnings.append(f"target {indicator} in zone {code}: the samples have no column {indicator}")
            status = np.array([], dtype=object)
            part = part.iloc[:0]
        else:
            values = pd.to_numeric(part[indicator], errors="coerce").to_numpy(dtype=float)
            flags = part[f"{indicator}_flag"].fillna("").astype(str).to_numpy() if f"{indicator}_flag" in part else \
                np.full(len(part), "", dtype=object)
            direction = "above" if target["direction"] == "max" else "below"
            raw, _k, _bound = classify(values, flags, value, direction, indicator=indicator, threshold=0.0)
            status = np.select([raw == "not_above", np.isin(raw, ["above", "confirmed"]), raw == "undecidable"],
                               ["met", "not_met", "undecidable"], "missing").astype(object)
            for i in range(len(part)):
                sample_rows.append({
                    "sample_id": str(part[id_field].iat[i]), "zone": code, "indicator": indicator,
                    "unit": target["unit"], "value": values[i], "flag": flags[i], "target": value,
                    "direction": target["direction"], "status": status[i], "geometry": part.geometry.iat[i],
                })
        n_und = int((status == "undecidable").sum())
        n_met = int((status == "met").sum())
        n_not = int((status == "not_met").sum())
        n = n_met + n_not
        decided = part[np.isin(status, ["met", "not_met"])] if len(part) else part
        vals = pd.to_numeric(decided[indicator], errors="coerce") if len(decided) else pd.Series(dtype=float)
        zone_area = float(shapely.area(zone_geoms[code]))
        not_met_area = np.nan
        method = ""
        if len(part) and raster_folder is None:
            cells = nearest_sample_cells(part.geometry.values, zone_geoms[code])
            bad = status == "not_met"
            not_met_area = float(shapely.area(cells[bad]).sum()) if bad.any() else 0.0
            method = "nearest-sample polygons"
            for i in np.flatnonzero(bad):
                area_polygons.append({"kind": "soil", "zone": code, "indicator": indicator,
                                      "sample_id": str(part[id_field].iat[i]), "geometry": cells[i]})
        result_rows.append({
            "zone": code, "indicator": indicator, "unit": target["unit"], "target": value,
            "direction": target["direction"], "target_source": target["source"], "n_samples": int(len(part)),
            "n_undecidable": n_und, "n": n, "n_met": n_met, "n_not_met": n_not,
            "share_met": n_met / n if n else np.nan,
            "value_min": float(vals.min()) if len(vals) else np.nan,
            "value_max": float(vals.max()) if len(vals) else np.nan,
            "value_mean": float(vals.mean()) if len(vals) else np.nan,
            "met_by_sample": ("met" if n_not == 0 and n_und == 0 else "not met" if n_not else "undecided") if n
            else "no samples",
            "zone_area_m2": zone_area, "area_not_met_m2": not_met_area,
            "area_share_met": 1.0 - not_met_area / zone_area if zone_area > 0 and np.isfinite(not_met_area) else np.nan,
            "met_by_area": "", "area_method": method, "statistic": STATISTIC,
        })
        check_canceled(is_canceled)
    steps.stage(0)(1.0)
    results = pd.DataFrame(result_rows, columns=RESULT_COLUMNS)

    # ---- by area from the interpolated rasters (damage_extent with the target as baseline)
    if raster_folder is not None and len(results):
        from ..damage.assess import surfaces_in_folder
        from ..damage.extent import damage_extent
        from ..damage.points import DepthLayer

        surfaces = surfaces_in_folder(raster_folder, DepthLayer(0.0, params.thickness_m))
        if not surfaces:
            raise InputError("no interpolated raster (*_prediction.tif) in the folder", layer=str(raster_folder))
        method_rank = {"ok": 0, "idw": 1}
        by_indicator: dict = {}
        for s in sorted(surfaces, key=lambda s: method_rank.get(s.method, 2)):
            by_indicator.setdefault(s.indicator, s)  # one surface per indicator: kriging first
        for i, row in results.iterrows():
            surface = by_indicator.get(row["indicator"])
            if surface is None:
                warnings.append(f"no raster for {row['indicator']}: zone {row['zone']} assessed by sample only")
                continue
            baseline = pd.DataFrame({"indicator": [row["indicator"]], "baseline": [row["target"]],
                                     "unit": [row["unit"]],
                                     "direction": ["above" if row["direction"] == "max" else "below"],
                                     "source": [f"restoration target ({row['target_source']})"]})
            zone_frame = gpd.GeoDataFrame({"zone": [row["zone"]]}, geometry=[zone_geoms[row["zone"]]], crs=crs)
            extent = damage_extent([surface], baseline, zone_frame, min_area_m2=params.min_area_m2,
                                   probabilities=(0.5,), is_canceled=is_canceled)
            warnings.extend(extent.warnings)
            polys = extent.polygons
            area = float(polys["area_m2"].sum()) if len(polys) else 0.0
            results.at[i, "area_not_met_m2"] = area
            results.at[i, "area_share_met"] = 1.0 - area / row["zone_area_m2"] if row["zone_area_m2"] > 0 else np.nan
            results.at[i, "area_method"] = f"interpolated raster ({surface.method}, {Path(surface.prediction).name})"
            for geometry in (polys.geometry.values if len(polys) else []):
                area_polygons.append({"kind": "soil", "zone": row["zone"], "indicator": row["indicator"],
                                      "sample_id": "", "geometry": geometry})
    if len(results):
        area = pd.to_numeric(results["area_not_met_m2"], errors="coerce")
        results["met_by_area"] = np.where(area.isna(), "not assessed", np.where(area <= 0, "met", "not met"))
    steps.stage(1)(1.0)

    # ---- vegetation
    vegetation = pd.DataFrame(columns=["zone", "zone_area_m2", "bare_area_m2", "cover", "baseline_cover",
                                       "recovery_ratio", "target", "met"])
    if mosaic is not None:
        from ..imagery.vegetation import vegetation_damage

        # the area is the zones themselves, so the part outside every zone is empty and
        # vegetation_damage's intersection with it warns (invalid value): nothing is lost
        with np.errstate(invalid="ignore"):
            result = vegetation_damage(mosaic, zones_z, zones_z.rename(columns={zone_field: "zone"}),
                                       params=vegetation_params, progress=steps.stage(2), is_canceled=is_canceled)
        try:
            summary = result.summary
            veg_targets = wanted[wanted["indicator"] == VEGETATION_INDICATOR].set_index("zone")["target"]
            rows = []
            for code in zone_geoms:
                hit = summary[summary["zone"].astype(str) == code]
                if not len(hit):
                    continue
                zone_area = float(hit["zone_area_m2"].iloc[0])
                bare = float(hit["damaged_area_m2"].iloc[0])
                cover = 1.0 - bare / zone_area if zone_area > 0 else np.nan
                target = float(veg_targets.get(code, np.nan))
                rows.append({"zone": code, "zone_area_m2": zone_area, "bare_area_m2": bare, "cover": cover,
                             "baseline_cover": params.baseline_cover, "recovery_ratio": cover / params.baseline_cover,
                             "target": target,
                             "met": "" if not np.isfinite(target) else ("met" if cover >= target else "not met")})
            vegetation = pd.DataFrame(rows, columns=vegetation.columns)
            polys = result.polygons.to_crs(crs) if len(result.polygons) else result.polygons
            for code, geometry in zip(polys["zone"] if len(polys) else [], polys.geometry.values if len(polys) else []):
                area_polygons.append({"kind": "vegetation", "zone": str(code), "indicator": "bare ground",
                                      "sample_id": "", "geometry": geometry})
            warnings.extend(result.warnings)
        finally:
            result.close()
    steps.stage(2)(1.0)

    remaining = _remaining(area_polygons, crs, params.thickness_m)
    sample_frame = gpd.GeoDataFrame(
        sample_rows or {"sample_id": [], "zone": [], "indicator": [], "unit": [], "value": [], "flag": [],
                        "target": [], "direction": [], "status": []},
        geometry="geometry" if sample_rows else gpd.GeoSeries([], crs=crs), crs=crs,
    )
    section = report_section(results, vegetation, remaining, table, sampled_on, restoration_end, params)
    steps.stage(3)(1.0)
    parameters = {**params.__dict__, "statistic": STATISTIC, "raster_folder": str(raster_folder or ""),
                  "mosaic": str(mosaic or ""), "sampled_on": sampled_on, "restoration_end": restoration_end}
    return RestorationResult(results=results, samples=sample_frame, remaining=remaining, vegetation=vegetation,
                             section=section, crs=crs, warnings=warnings, parameters=parameters)


def _remaining(polygons: list, crs: str, thickness_m: float):
    """Remaining damage dissolved per kind, zone and indicator, with area (m2) and soil volume (m3)."""
    import geopandas as gpd
    import shapely

    columns = ["kind", "zone", "indicator", "samples", "area_m2", "thickness_m", "volume_m3"]
    if not polygons:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    frame = pd.DataFrame(polygons)
    rows = []
    for (kind, code, indicator), part in frame.groupby(["kind", "zone", "indicator"], sort=True):
        geometry = shapely.make_valid(shapely.union_all(part["geometry"].to_numpy()))
        geometry = shapely.multipolygons(shapely.get_parts(shapely.get_parts(geometry)[
            shapely.get_type_id(shapely.get_parts(geometry)) == shapely.GeometryType.POLYGON]))
        area = float(shapely.area(geometry))
        if area <= 0:
            continue
        ids = sorted(i for i in part["sample_id"] if i)
        soil = kind == "soil"
        rows.append({"kind": kind, "zone": code, "indicator": indicator, "samples": ";".join(ids),
                     "area_m2": round(area, 1), "thickness_m": thickness_m if soil else np.nan,
                     "volume_m3": round(area * thickness_m, 1) if soil else np.nan, "geometry": geometry})
    return gpd.GeoDataFrame(rows, columns=[*columns, "geometry"], geometry="geometry", crs=crs)


def report_section(results, vegetation, remaining, targets, sampled_on, restoration_end, params) -> str:
    """The restoration-effect section of the report, in the order of 12.1-12.6 (plain text, facts)."""
    lines = ["Restoration-effect assessment (section 12 of the guideline)", ""]
    zones = sorted(set(results["zone"])) if len(results) else []
    lines.append("12.1 Work content: post-restoration samples compared with the restoration targets of "
                 f"{len(zones)} zone(s) ({', '.join(zones) or 'none'}) for {results['indicator'].nunique() if len(results) else 0} "
                 "indicator(s)" + ("; vegetation cover from the post-restoration orthomosaic." if len(vegetation) else "."))
    lines.append(f"12.2 Time of the assessment: samples taken {sampled_on or '(date not given)'}; restoration "
                 f"completed {restoration_end or '(date not given)'}.")
    sources = sorted(set(targets["source"]) - {""})
    lines.append("12.3 Content and standards: targets per zone and indicator from " + ("; ".join(sources) or
                 "the target table") + ".")
    lines.append(f"12.4 Methods: {STATISTIC}. Remaining soil volume = area x {params.thickness_m:g} m.")
    lines.append("Results per zone and indicator:")
    for row in results.itertuples():
        sign = "<=" if row.direction == "max" else ">="
        worst = f"max {row.value_max:.3g}" if row.direction == "max" else f"min {row.value_min:.3g}"
        area = "" if not np.isfinite(row.area_not_met_m2) else f", {row.area_not_met_m2:.0f} m2 beyond the target"
        lines.append(
            f"  {row.zone} {row.indicator} (target {sign} {row.target:g} {row.unit}): {row.n_met} of {row.n} "
            f"decidable samples meet it ({row.n_undecidable} undecidable), {worst}; by sample: "
            f"{row.met_by_sample}; by area: {row.met_by_area}{area}."
        )
    for row in vegetation.itertuples():
        lines.append(
            f"  {row.zone} vegetation cover {row.cover * 100:.1f} % ({row.bare_area_m2:.0f} m2 bare of "
            f"{row.zone_area_m2:.0f} m2); recovery ratio against a baseline cover of {row.baseline_cover * 100:.0f} %: "
            f"{row.recovery_ratio:.2f}" + (f"; target {row.target * 100:.0f} %: {row.met}" if row.met else "") + "."
        )
    import shapely

    soil = remaining[remaining["kind"] == "soil"] if len(remaining) else remaining
    bare = remaining[remaining["kind"] == "vegetation"] if len(remaining) else remaining
    # one indicator's polygons overlap another's: the union is the ground to restore again
    soil_area = float(shapely.area(shapely.union_all(soil.geometry.values))) if len(soil) else 0.0
    lines.append(
        "12.5 Supplementary restoration: "
        + (f"soil beyond at least one target over {soil_area:.0f} m2 ({soil_area * params.thickness_m:.0f} m3 at "
           f"{params.thickness_m:g} m; {len(soil)} zone-indicator polygon(s), overlaps counted once)" if len(soil)
           else "no soil beyond a target")
        + (f"; bare ground {bare['area_m2'].sum():.0f} m2" if len(bare) else "")
        + " (the remaining-damage layer holds the polygons)."
    )
    lines.append("12.6 This section, the result tables and the remaining-damage layer are the content of the "
                 "restoration-effect report.")
    return "\n".join(lines)
