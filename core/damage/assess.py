"""The damage step: samples confirmed against the baseline, damaged areas and volumes, one summary.

:func:`assess_damage` runs :func:`~ree_damage.core.damage.points.confirm_samples` and
:func:`~ree_damage.core.damage.extent.damage_extent` and joins them into the summary
table that valuation reads (:data:`SUMMARY_COLUMNS`, documented in the README): one row per
functional zone (and ``"ALL"``), depth layer, indicator (and ``"ANY"``, the union over
indicators) and interpolation method. Areas in m2, volumes in m3, concentrations in the
baseline's unit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pandas as pd

from ..common.errors import InputError
from ..common.messages import Message
from ..common.progress import CancelFn, ProgressFn
from .adaptive import DEFAULT_ADAPTIVE, AdaptiveParams, propose_second_round
from .extent import DEFAULT_PROBABILITIES, ExtentResult, SurfaceInput, damage_extent
from .points import DEFAULT_THRESHOLD, DepthLayer, PointDamage, confirm_samples

SUMMARY_COLUMNS = (
    "zone",
    "depth_layer",
    "indicator",
    "method",
    "unit",
    "baseline",
    "samples",
    "exceedances",
    "ratio",
    "confirmed",
    "ratio_confirmed",
    "undecidable",
    "k_max",
    "k_mean",
    "thickness_m",
    "area_m2",
    "volume_m3",
    "area_p50_m2",
    "volume_p50_m3",
    "area_p80_m2",
    "volume_p80_m3",
    "area_p95_m2",
    "volume_p95_m3",
    "rule",
)
"""Columns of the damage summary table (the schema valuation reads; see the README)."""

_LAYER_NAME = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*$")


def layer_from_name(name: str) -> DepthLayer:
    """A depth layer from its name ``"<top cm>-<bottom cm>"``, e.g. ``"0-50"``.

    Examples
    --------
    >>> layer_from_name("50-200")
    DepthLayer(name='50-200', top_m=0.5, bottom_m=2.0)
    """
    found = _LAYER_NAME.match(str(name))
    if not found or float(found.group(2)) <= float(found.group(1)):
        raise InputError(
            f"depth layer {name!r}: name the interpolation's layers '<top cm>-<bottom cm>' (e.g. 0-50) "
            "so that their thickness is known"
        )
    return DepthLayer(str(name).strip(), float(found.group(1)) / 100.0, float(found.group(2)) / 100.0)


def surfaces_in_folder(folder, default_layer: DepthLayer) -> list:
    """The surfaces an ``interpolate`` run wrote into ``folder``, by the tags of its rasters.

    Each ``*_prediction.tif`` names its indicator, method and layer (``REE_FIELD``,
    ``REE_METHOD``, ``REE_LAYER``); its ``*_exceedance.tif`` beside it, when there, is the
    probability. A raster without a layer belongs to ``default_layer``; a named layer must
    read ``"<top cm>-<bottom cm>"``.
    """
    import rasterio

    surfaces = []
    for path in sorted(Path(folder).glob("*_prediction.tif")):
        with rasterio.open(path) as src:
            tags = src.tags()
        if "REE_FIELD" not in tags:
            continue
        layer = tags.get("REE_LAYER") or ""
        depth = layer_from_name(layer) if layer else default_layer
        probability = path.with_name(path.name[: -len("_prediction.tif")] + "_exceedance.tif")
        surfaces.append(SurfaceInput(
            tags["REE_FIELD"], depth, path, probability if probability.exists() else None, tags.get("REE_METHOD", "ok"),
        ))
    return surfaces


@dataclass
class DamageResult:
    """What :func:`assess_damage` returns; writes itself with provenance.

    Attributes
    ----------
    points : PointDamage
        Per sample and indicator; per zone, layer and indicator; the leaching signature.
    extent : ExtentResult or None
        Damaged areas, union and areas (None without rasters).
    summary : pandas.DataFrame
        :data:`SUMMARY_COLUMNS`.
    crs : str or None
    warnings : list of str
    parameters : dict
    second_round : geopandas.GeoDataFrame or None
        Proposed second-round sampling points (:mod:`ree_damage.core.damage.adaptive`);
        None without probability rasters or when not asked for.
    """

    points: PointDamage
    extent: Optional[ExtentResult]
    summary: pd.DataFrame
    crs: Optional[str] = None
    warnings: list = field(default_factory=list)
    parameters: dict = field(default_factory=dict)
    second_round: Any = None

    OUTPUTS = ("samples", "summary", "signature", "areas", "union", "comparison", "second_round")
    """Outputs :meth:`write` can write: the damaged-sample points (``.gpkg``; every sample
    and indicator, ``status`` says which are damaged), the summary and signature tables
    (``.csv``), the damaged-area polygons per indicator and zone and their union over
    indicators (``.gpkg``), and the IDW / kriging comparison (``.csv``,
    :func:`method_comparison`) and the proposed second-round points (``.gpkg``)."""

    @property
    def empty(self) -> bool:
        """True when no sample is confirmed and no cell is damaged."""
        no_points = not bool(self.points.samples["confirmed"].any()) if len(self.points.samples) else True
        return no_points and (self.extent is None or self.extent.empty)

    def provenance(self, *, inputs: Optional[Mapping] = None, host: Optional[Mapping] = None) -> dict:
        """The provenance record of the step (rule, layers, levels, warnings)."""
        from ..common.provenance import result_record

        return result_record("ree_damage:damage_extent", self, crs=self.crs, inputs=inputs, host=host)

    def _frames(self) -> dict:
        """Output name -> frame; None where the output does not apply (no rasters, no proposals)."""
        return {
            "samples": self.points.samples,
            "summary": self.summary,
            "signature": self.points.signature,
            "areas": self.extent.polygons if self.extent is not None else None,
            "union": self.extent.union if self.extent is not None else None,
            "comparison": method_comparison(self.summary) if self.extent is not None else None,
            "second_round": self.second_round,
        }

    def frames(self) -> dict:
        """Every output of :attr:`OUTPUTS` as a frame, an empty one (with its columns, a layer in
        :attr:`crs`) where the output does not apply, for outputs that must always exist
        (Processing feature sinks).

        Examples
        --------
        >>> result = assess_damage(pd.DataFrame({"sample_id": ["INJ-001-50"], "zone": ["INJ"], "Cd": [0.1]}),
        ...                        {"Cd": 0.2}, layers=None)
        >>> {name: len(frame) for name, frame in result.frames().items()}["areas"]
        0
        """
        from .adaptive import COLUMNS as SECOND_ROUND_COLUMNS
        from .extent import AREA_COLUMNS, UNION_COLUMNS

        frames = self._frames()
        samples = frames["samples"]
        if not hasattr(samples, "geometry"):  # samples without points: a layer all the same
            import geopandas as gpd

            samples = gpd.GeoDataFrame(pd.DataFrame(samples), geometry=[None] * len(samples), crs=self.crs)
            frames["samples"] = samples
        empty = {"areas": AREA_COLUMNS, "union": UNION_COLUMNS, "second_round": SECOND_ROUND_COLUMNS}
        for name, columns in empty.items():
            if frames[name] is None:
                frames[name] = _empty_layer(columns, self.crs)
        if frames["comparison"] is None:
            frames["comparison"] = pd.DataFrame(columns=list(COMPARISON_COLUMNS))
        return frames

    def write(self, paths: Mapping, *, inputs: Optional[Mapping] = None, host: Optional[Mapping] = None) -> dict:
        """Write the named outputs as one transaction, each with its provenance sidecar.

        Parameters
        ----------
        paths : mapping
            Output name of :attr:`OUTPUTS` -> path (``.gpkg`` or ``.csv``); names left out
            are not written; ``areas`` and ``union`` need the extent.

        Returns
        -------
        dict
            Output name -> pathlib.Path written (the damage-degree rasters, written while
            computing, added as ``degree:<name>``).
        """
        from ..common.provenance import chosen_outputs, recorded_outputs
        from ..geo.vector_io import write_frame

        chosen = chosen_outputs(paths, self.OUTPUTS, "damage")
        frames = self._frames()
        finals = {name: path for name, path in chosen.items() if frames[name] is not None}
        with recorded_outputs(finals.values(), self.provenance(inputs=inputs, host=host)) as temps:
            for (name, final), tmp in zip(finals.items(), temps):
                write_frame(tmp, frames[name], layer=final.stem)
        written = dict(finals)
        if self.extent is not None:
            written.update({f"degree:{k}": v for k, v in self.extent.rasters.items()})
        return written


def _empty_layer(columns, crs):
    import geopandas as gpd

    return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=crs)


def summary_table(points: PointDamage, extent: Optional[ExtentResult]) -> pd.DataFrame:
    """Join the sample figures and the areas per zone, depth layer and indicator (:data:`SUMMARY_COLUMNS`)."""
    keys = ["zone", "depth_layer", "indicator"]
    p = points.summary.rename(
        columns={"n": "samples", "n_above": "exceedances", "ratio_above": "ratio", "n_confirmed": "confirmed",
                 "n_undecidable": "undecidable"}
    ).drop(columns=["n_samples"])
    if extent is not None and len(extent.areas):
        a = extent.areas.drop(columns=["cells"])
        a = a.assign(depth_layer=a["depth_layer"].astype(str))
        out = p.assign(depth_layer=p["depth_layer"].astype(str)).merge(a, on=keys, how="outer")
        # the sample figures hold for every method; an area row without samples has none
        out["method"] = out["method"].fillna("")
    else:
        out = p.assign(method="")
    for column in SUMMARY_COLUMNS:
        if column not in out.columns:
            out[column] = np.nan
    for column in ("samples", "exceedances", "confirmed", "undecidable"):
        out[column] = out[column].fillna(0).astype(int)
    extra = [c for c in out.columns if c.startswith(("area_p", "volume_p")) and c not in SUMMARY_COLUMNS]
    rule = points.parameters.get("rule", "")
    out["rule"] = out["rule"].fillna(rule) if "rule" in out else rule
    out = out[list(SUMMARY_COLUMNS) + extra]
    order = {"ALL": 1}
    return out.sort_values(
        ["depth_layer", "indicator", "method", "zone"],
        key=lambda s: s.map(lambda v: (order.get(v, 0), str(v))) if s.name == "zone" else s.astype(str),
        kind="stable",
    ).reset_index(drop=True)


COMPARISON_COLUMNS = (
    "zone",
    "depth_layer",
    "indicator",
    "area_idw_m2",
    "area_ok_m2",
    "area_difference_pct",
    "volume_idw_m3",
    "volume_ok_m3",
    "area_ok_p50_m2",
    "area_ok_p80_m2",
    "area_ok_p95_m2",
    "volume_ok_p50_m3",
    "volume_ok_p80_m3",
    "volume_ok_p95_m3",
)
"""Columns of :func:`method_comparison`: IDW and kriging figures side by side."""


def method_comparison(summary: pd.DataFrame) -> pd.DataFrame:
    """IDW and ordinary-kriging areas (m2) and volumes (m3) side by side, one row per zone, layer and indicator.

    ``area_difference_pct`` = (kriging - IDW) / IDW x 100 (NaN where the IDW area is 0);
    the kriging range at P(exceed) >= 50/80/95 % beside them, so a report can say which
    figure it states and how far the other method lies from it. Empty without both kinds of
    surface (a method missing leaves its columns empty).

    Examples
    --------
    >>> s = pd.DataFrame({"zone": ["INJ", "INJ"], "depth_layer": ["0-50"] * 2, "indicator": ["Cd"] * 2,
    ...                   "method": ["idw", "ok"], "area_m2": [100.0, 120.0], "volume_m3": [50.0, 60.0]})
    >>> float(method_comparison(s)["area_difference_pct"].iloc[0])
    20.0
    """
    keys = ["zone", "depth_layer", "indicator"]
    methods = summary[summary["method"].isin(["idw", "ok"])] if "method" in summary else summary.iloc[0:0]
    if not len(methods):
        return pd.DataFrame(columns=list(COMPARISON_COLUMNS))
    out = methods[keys].drop_duplicates().reset_index(drop=True)
    for method in ("idw", "ok"):
        part = methods[methods["method"] == method]
        columns = {"area_m2": f"area_{method}_m2", "volume_m3": f"volume_{method}_m3"}
        if method == "ok":
            columns.update({f"{q}_p{p}_{u}": f"{q}_ok_p{p}_{u}" for p in (50, 80, 95)
                            for q, u in (("area", "m2"), ("volume", "m3"))})
        present = {k: v for k, v in columns.items() if k in part.columns}
        out = out.merge(part[keys + list(present)].rename(columns=present), on=keys, how="left")
    for column in COMPARISON_COLUMNS:
        if column not in out.columns:
            out[column] = np.nan
    idw = out["area_idw_m2"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["area_difference_pct"] = np.where(idw > 0, (out["area_ok_m2"].astype(float) - idw) / idw * 100.0, np.nan)
    return out[list(COMPARISON_COLUMNS)]


def assess_damage(
    samples,
    baseline,
    zones=None,
    surfaces: Sequence[SurfaceInput] = (),
    *,
    threshold: float = DEFAULT_THRESHOLD,
    layers: Optional[Sequence[DepthLayer]] = None,
    layer_field: Optional[str] = None,
    zone_field: str = "zone",
    min_area_m2: float = 0.0,
    probabilities: Sequence[float] = DEFAULT_PROBABILITIES,
    degree_dir=None,
    adaptive: Optional[AdaptiveParams] = DEFAULT_ADAPTIVE,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> DamageResult:
    """Confirmed damage per sample and the damaged areas and volumes, in one summary.

    Parameters
    ----------
    samples : geopandas.GeoDataFrame or pandas.DataFrame
        Lab results (not the control samples), as :func:`confirm_samples` reads them.
    baseline : BaselineResult, pandas.DataFrame or mapping
    zones : geopandas.GeoDataFrame, optional
        Functional zones; needed with ``surfaces``.
    surfaces : sequence of SurfaceInput
        Interpolated rasters (e.g. :func:`surfaces_in_folder`); none: samples only.
    threshold : float
        K above which damage is confirmed (0.2: more than 20 %).
    layers, layer_field
        Depth layers of the samples (see :func:`confirm_samples`).
    min_area_m2 : float
        Minimum mapping unit (m2).
    probabilities : sequence of float
        Levels of P(exceed) for the range of areas and volumes.
    degree_dir : path-like, optional
        Folder of the damage-degree rasters.
    adaptive : AdaptiveParams or None
        The second-round rule (P(exceed) band, spacing); None: no proposals.
    """
    points = confirm_samples(
        samples, baseline, threshold=threshold, layers=layers, layer_field=layer_field, zone_field=zone_field
    )
    extent = None
    warnings = list(points.warnings)
    if surfaces:
        if zones is None:
            raise InputError("the functional zones are needed to measure damaged areas per zone", layer="zones")
        extent = damage_extent(
            surfaces, baseline, zones, zone_field=zone_field, min_area_m2=min_area_m2, probabilities=probabilities,
            degree_dir=degree_dir, progress=progress, is_canceled=is_canceled,
        )
        warnings += extent.warnings
    else:
        warnings.append(Message("DAMAGE_SAMPLES_ONLY"))
    crs = None
    for frame in (zones, samples):
        if getattr(frame, "crs", None) is not None:
            crs = frame.crs.to_string()
            break
    parameters: dict[str, Any] = {"points": points.parameters}
    if extent is not None:
        parameters["extent"] = extent.parameters
        parameters["surfaces"] = [
            {"indicator": s.indicator, "layer": s.layer.name, "method": s.method, "prediction": str(s.prediction),
             "exceedance": str(s.exceedance) if s.exceedance is not None else None}
            for s in surfaces
        ]
    second_round = None
    if extent is not None and adaptive is not None and hasattr(samples, "geometry"):
        second_round, parameters["second_round"] = propose_second_round(
            surfaces, samples, zones, params=adaptive, zone_field=zone_field, is_canceled=is_canceled,
        )
        if not len(second_round):
            second_round = None
    return DamageResult(points, extent, summary_table(points, extent), crs, warnings, parameters, second_round)
