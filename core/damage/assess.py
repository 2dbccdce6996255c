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
    """

    points: PointDamage
    extent: Optional[ExtentResult]
    summary: pd.DataFrame
    crs: Optional[str] = None
    warnings: list = field(default_factory=list)
    parameters: dict = field(default_factory=dict)

    OUTPUTS = ("samples", "summary", "signature", "areas", "union")
    """Outputs :meth:`write` can write: the damaged-sample points (``.gpkg``; every sample
    and indicator, ``status`` says which are damaged), the summary and signature tables
    (``.csv``), the damaged-area polygons per indicator and zone and their union over
    indicators (``.gpkg``)."""

    @property
    def empty(self) -> bool:
        """True when no sample is confirmed and no cell is damaged."""
        no_points = not bool(self.points.samples["confirmed"].any()) if len(self.points.samples) else True
        return no_points and (self.extent is None or self.extent.empty)

    def provenance(self, *, inputs: Optional[Mapping] = None, host: Optional[Mapping] = None) -> dict:
        """The provenance record of the step (rule, layers, levels, warnings)."""
        from ..common.provenance import result_record

        return result_record("ree_damage:damage_extent", self, crs=self.crs, inputs=inputs, host=host)

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
        frames = {
            "samples": self.points.samples,
            "summary": self.summary,
            "signature": self.points.signature,
            "areas": self.extent.polygons if self.extent is not None else None,
            "union": self.extent.union if self.extent is not None else None,
        }
        finals = {name: path for name, path in chosen.items() if frames[name] is not None}
        with recorded_outputs(finals.values(), self.provenance(inputs=inputs, host=host)) as temps:
            for (name, final), tmp in zip(finals.items(), temps):
                write_frame(tmp, frames[name], layer=final.stem)
        written = dict(finals)
        if self.extent is not None:
            written.update({f"degree:{k}": v for k, v in self.extent.rasters.items()})
        return written


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
    return DamageResult(points, extent, summary_table(points, extent), crs, warnings, parameters)
