"""Depth schedule of the soil samples, the lab order, and water/sediment positions.

Depth rules (seed, appendix table item 1(2); DOMAIN.md "Survey rules"), per point:

* D1 原则上应采集0~0.5 m表层土壤样品: a 0-0.5 m surface sample.
* D2 0.5 m~6 m 土壤采样间隔不超过2 m: from 0.5 m to 6 m, samples at most 2 m apart.
* D3 6 m以下采样间隔不超过3 m: below 6 m, at most 3 m apart.
* D4 不同性质土层至少采集一个土壤样品: at least one sample in each distinct soil layer.
* D5 地下水位线附近应至少采集1个土壤样品: at least one near the water table.
* D6 饱和带土壤至少采集1个土壤样品: at least one in the saturated zone.
* D7 注孔区采样深度应超过注药孔底部以下3 m: in INJ, the deepest sample is more than
  3 m below the bottom of the injection hole. Where a unit holds several holes the
  sampling grid places the point on the deepest one (the hole that governs the depth),
  so ``bottom_m`` of the point is the deepest hole bottom of its unit.
* D8 其他区域采样点的采样深度应超过涉及池体或沟渠底部以下3 m: elsewhere, more than 3 m
  below the bottom of the pond, pool or ditch the point serves (the ground surface for a
  flow-through point or one without a source).

Definitions (**[default]**, in :class:`DepthParams`, recorded with the result):

* Sample depths are whole centimetres below ground, rounded up wherever a rule asks for
  "at least" or "more than"; layer boundaries are read to the centimetre; the water
  table and source bottoms are used as given. The surface sample is the
  0-0.5 m composite; every deeper sample is a core of ``core_length_m`` = 0.2 m starting at
  its top depth (a soil layer thinner than that is sampled whole).
* Sample id ``<point>-<top depth in cm>``: ``INJ-001-0`` is the surface sample,
  ``INJ-001-350`` the core from 3.50 m. Stable for the same inputs.
* Spacing is measured between consecutive sampling depths, the surface sample counting at
  its bottom (0.5 m, where D2 starts) and a core at its top; a gap starting above 6 m may
  be at most 2 m, one starting at or below 6 m at most 3 m. A gap too wide gets the
  fewest evenly spaced extra cores that close it (on 10 cm steps where possible); a gap
  spanning 6 m is closed with a core at 6 m when that needs fewer cores.
* "Near the water table": the sample's depth interval comes within
  ``water_table_tol_m`` = 0.5 m of the water table (or contains it).
* "In the saturated zone": the sample's top lies at least ``saturated_margin_m`` = 0.5 m
  below the water table, so a seasonal rise is not mistaken for saturation.
* "In a layer": the sample lies within the layer, or a layer thinner than the sample
  lies within it.
* "More than 3 m below the bottom": the deepest core starts ``below_bottom_margin_m`` =
  0.5 m deeper than bottom + 3 m (drilling tolerance), so its top is strictly deeper.

The schedule is built per distinct (zone rule, bottom, water table, layers) combination
and copied to every point that shares it. :func:`check_schedule` checks a schedule against
D1-D8 with its own code, so a builder fault fails the test.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..common.errors import InputError
from ..common.messages import Message
from ..common.progress import Steps, check_canceled
from ..geo.crs import dms_array, lonlat_arrays
from ..geo.dem import dem_coverage_problem, dem_grid
from ..geo.layers import LINE_TYPES, prepare_layer
from ..geo.raster_io import apply_affine, burn
from ..standards.indicators import GROUPS, indicators_for
from .zones import ZoneParams

REQUIRED_GROUPS = ("basic", "ree", "leaching_agent", "heavy_metal")
"""Indicator groups every soil sample must be analysed for (DOMAIN.md)."""

REASONS = {
    "surface": ("表层样（0~0.5 m）", "surface sample (0-0.5 m)"),
    "spacing": ("满足采样间隔要求", "spacing rule"),
    "layer": ("土层代表样", "soil layer"),
    "water_table": ("地下水位线附近", "near the water table"),
    "saturated": ("饱和带", "saturated zone"),
    "below_source": ("超过孔底/池底/沟底以下3 m", "more than 3 m below the hole, pond or ditch bottom"),
}
"""Reason codes of a sample -> (Chinese, English)."""

RULES = {
    "D1": ("原则上应采集0~0.5 m表层土壤样品", "a 0-0.5 m surface sample", "[seed] appendix table 1(2)"),
    "D2": (
        "0.5 m~6 m土壤采样间隔不超过2 m",
        "0.5-6 m: samples at most 2 m apart",
        "[seed] appendix table 1(2)",
    ),
    "D3": (
        "6 m以下土壤采样间隔不超过3 m",
        "below 6 m: samples at most 3 m apart",
        "[seed] appendix table 1(2)",
    ),
    "D4": (
        "不同性质土层至少采集一个土壤样品",
        "at least one sample in each soil layer",
        "[seed] appendix table 1(2)",
    ),
    "D5": (
        "地下水位线附近应至少采集1个土壤样品",
        "at least one sample near the water table",
        "[seed] appendix table 1(2)",
    ),
    "D6": (
        "饱和带土壤至少采集1个土壤样品",
        "at least one sample in the saturated zone",
        "[seed] appendix table 1(2)",
    ),
    "D7": (
        "注孔区采样深度应超过注药孔底部以下3 m（以单元内最深注孔为准，点位即位于该孔）",
        "INJ: deepest sample more than 3 m below the hole bottom (the deepest hole of the unit: the point stands on it)",
        "[seed] appendix table 1(2)",
    ),
    "D8": (
        "其他区域采样深度应超过涉及池体或沟渠底部以下3 m",
        "other zones: deepest sample more than 3 m below the pond/pool/ditch bottom",
        "[seed] appendix table 1(2)",
    ),
    "D9": (
        "样品编号唯一，格式为<点位>-<顶深cm>",
        "sample ids unique, as <point>-<top depth in cm>",
        "[default] sample-id scheme of the plugin (traceable ids for the chain of custody)",
    ),
    "D10": (
        "每个样品分析基础理化、稀土元素、浸矿剂残留、重金属指标",
        "every sample analysed for basic properties, REE, leaching-agent residues, heavy metals",
        "[seed] GB 26451 indicator groups (guideline appendix)",
    ),
}
"""Rule id -> (Chinese, English, source) of the depth compliance table."""


PARAM_SOURCES = {
    "surface_bottom_m": "[seed] 0-0.5 m surface sample (appendix table, item 1(2))",
    "max_gap_upper_m": "[seed] 0.5-6 m: samples at most 2 m apart",
    "max_gap_lower_m": "[seed] below 6 m: samples at most 3 m apart",
    "below_bottom_m": "[seed] deeper than 3 m below the hole / pond / ditch bottom",
    "below_bottom_margin_m": "[default] 0.5 m drilling tolerance so the deepest core is strictly more than 3 m below",
    "core_length_m": "[default] 0.2 m core per deeper sample (HJ 25.2 practice)",
    "water_table_tol_m": "[default] 'near the water table' = the sample comes within 0.5 m of it",
    "saturated_margin_m": "[default] 'in the saturated zone' = the sample top at least 0.5 m below the water table",
    "indicator_groups": "[seed] GB 26451 groups; members an editable [default] list (the indicator catalogue)",
    "upstream_m": "[default] HJ/T 91 practice: control section 500 m upstream of where leachate reaches the stream",
    "downstream_m": "[default] HJ/T 91 practice: sections 500 m (control) and 1500 m (attenuation) downstream",
    "well_offset_m": "[default] HJ 164: monitoring well 20 m down-gradient of INJ and of SETL",
    "control_well_offset_m": "[default] HJ 164: background well 50 m up-gradient of the case",
}
"""Where each default of :class:`DepthParams` and :class:`WaterParams` comes from."""


@dataclass(frozen=True)
class DepthParams:
    """Parameters of :func:`depth_schedule` (depths in m below ground).

    The seed values (``surface_bottom_m``, ``upper_limit_m``, the two gaps and
    ``below_bottom_m``) are the rules themselves; the rest are **[default]** definitions,
    see the module docstring.
    """

    surface_bottom_m: float = 0.5
    upper_limit_m: float = 6.0
    max_gap_upper_m: float = 2.0
    max_gap_lower_m: float = 3.0
    below_bottom_m: float = 3.0
    below_bottom_margin_m: float = 0.5
    core_length_m: float = 0.2
    water_table_tol_m: float = 0.5
    saturated_margin_m: float = 0.5
    water_table_m: Optional[float] = None
    layers: Optional[tuple] = None
    indicator_groups: tuple = ("basic", "ree", "leaching_agent", "heavy_metal", "migration")
    include_optional: bool = False
    deep_warning_m: float = 30.0


@dataclass
class DepthResult:
    """What :func:`depth_schedule` returns.

    Attributes
    ----------
    samples : pandas.DataFrame
        One row per soil sample: ``sample_id``, ``point_id``, ``zone``, ``seq`` (1 from the
        top), ``top_m``, ``bottom_m``, ``depth_cm`` (top, cm; the id's number), ``reasons``
        (codes of :data:`REASONS` joined by ``;``, ``layer:<name>`` for layers),
        ``reasons_zh``, ``layer`` (layer holding the sample), ``medium`` (``soil``),
        ``indicators`` (codes joined by ``;``), ``n_indicators``.
    profiles : pandas.DataFrame
        One row per point: ``point_id``, ``zone``, ``source_type``, ``bottom_m``,
        ``water_table_m``, ``layers`` (``"0.00-0.30 A; ..."``), ``n_samples``,
        ``deepest_top_m``, ``required_deeper_than_m``.
    layers : pandas.DataFrame
        The soil layers used per point: ``point_id``, ``layer``, ``top_m``, ``bottom_m``.
    lab_order : pandas.DataFrame
        Per indicator: ``code``, ``name_zh``, ``name_en``, ``unit``, ``group``, ``n_samples``.
    compliance : pandas.DataFrame
        :func:`check_schedule` of the result.
    warnings : list of str
    parameters : dict
    """

    samples: Any
    profiles: Any
    layers: Any
    lab_order: Any
    compliance: Any
    warnings: list = field(default_factory=list)
    parameters: dict = field(default_factory=dict)

    def provenance(self, *, crs=None, inputs=None, host=None, notes=()) -> dict:
        """The provenance record of this run; ``crs`` is the points' CRS, ``notes`` extra warnings."""
        from ..common.provenance import result_record

        record = result_record(
            "ree_damage:depth_schedule", self, crs=crs, sources=PARAM_SOURCES, inputs=inputs, host=host
        )
        record["notes"] += [str(note) for note in notes]
        return record

    def write(self, samples_path, *, crs=None, inputs=None, host=None) -> dict:
        """Write the sample table (``.csv`` or ``.gpkg``) with its provenance sidecar, atomically.

        Returns
        -------
        dict
            ``"samples"`` -> pathlib.Path written.
        """
        from pathlib import Path

        from ..common.provenance import recorded_outputs
        from ..geo.vector_io import write_frame

        final = Path(samples_path)
        with recorded_outputs([final], self.provenance(crs=crs, inputs=inputs, host=host)) as (tmp,):
            write_frame(tmp, self.samples, layer=final.stem)
        return {"samples": final}


# --------------------------------------------------------------------------- inputs


def _cm(value: float) -> int:
    return int(round(float(value) * 100.0))


def parse_layers(text: str, where: str = "layers") -> list:
    """Parse a layer field such as ``"0-0.3 humus; 0.3-2.5 red soil; 2.5-12 weathered"``.

    Returns a list of (top_m, bottom_m, name); names default to ``L1``, ``L2`` ...

    Examples
    --------
    >>> parse_layers("0-0.3 humus; 0.3-2.5")
    [(0.0, 0.3, 'humus'), (0.3, 2.5, 'L2')]
    """
    out = []
    if text is None or (isinstance(text, float) and math.isnan(text)) or not str(text).strip():
        return out
    for k, part in enumerate(re.split(r"[;；\n]+", str(text).strip()), start=1):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"(-?[\d.]+)\s*[-~～]\s*(-?[\d.]+)\s*(?:m\b)?\s*(.*)", part)
        if not m:
            raise InputError(
                f"cannot read the soil layer {part!r}; write 'top-bottom name', depths in m", layer=where
            )
        out.append((float(m.group(1)), float(m.group(2)), m.group(3).strip() or f"L{k}"))
    return out


def _check_layers(layers, where: str, feature=None) -> list:
    """Validate (top, bottom, name) layers; return them in cm, sorted."""
    out = []
    for top, bottom, name in layers:
        if not (math.isfinite(top) and math.isfinite(bottom)) or top < 0 or bottom <= top:
            raise InputError(
                f"soil layer {name!r} must have 0 <= top < bottom, got {top:g}-{bottom:g} m",
                layer=where,
                feature=feature,
            )
        out.append((_cm(top), _cm(bottom), str(name)))
    out.sort()
    for (_, b1, n1), (t2, _, n2) in zip(out, out[1:]):
        if t2 < b1:
            raise InputError(f"soil layers {n1!r} and {n2!r} overlap", layer=where, feature=feature)
    return out


def _layers_per_point(point_ids, points, layers, params):
    """Per point: list of (top_cm, bottom_cm, name) from table, field or parameter; and warnings."""
    warnings: list = []
    site = None
    by_point = {}
    if layers is not None:
        table = pd.DataFrame(layers)
        for col in ("top_m", "bottom_m"):
            if col not in table.columns:
                raise InputError(f"the soil layer table needs '{col}'", layer="layers", column=col)
        name_col = "layer" if "layer" in table.columns else None
        top = pd.to_numeric(table["top_m"], errors="coerce")
        bottom = pd.to_numeric(table["bottom_m"], errors="coerce")
        bad = top.isna() | bottom.isna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
            raise InputError("soil layer depth is not a number", layer="layers", row=row)
        names = (
            table[name_col].astype(str) if name_col else pd.Series([f"L{i + 1}" for i in range(len(table))])
        )
        pid = (
            table["point_id"].astype(str).where(table["point_id"].notna(), "")
            if "point_id" in table.columns
            else pd.Series([""] * len(table))
        )
        for key, idx in pid.groupby(pid).groups.items():
            rows = [(float(top[i]), float(bottom[i]), names[i]) for i in idx]
            if key in ("", "nan", "*"):
                site = _check_layers(rows, "layers")
            else:
                by_point[key] = _check_layers(rows, "layers", feature=key)
        unknown = sorted(set(by_point) - set(point_ids))
        if unknown:
            warnings.append(Message("DEPTH_UNKNOWN_LAYER_POINTS", n=len(unknown), ids=", ".join(unknown[:10])))
    field_layers = points["layers"].to_numpy() if "layers" in points.columns else None
    default = _check_layers(list(params.layers), "parameter layers") if params.layers else None
    out = []
    for i, pid in enumerate(point_ids):
        if pid in by_point:
            out.append(by_point[pid])
        elif field_layers is not None and parse_layers(field_layers[i], "points"):
            out.append(_check_layers(parse_layers(field_layers[i], "points"), "points", feature=pid))
        elif site is not None:
            out.append(site)
        elif default is not None:
            out.append(default)
        else:
            out.append([])
    return out, warnings


def _water_tables(point_ids, points, water_table, params):
    wt = np.full(len(point_ids), np.nan)
    if params.water_table_m is not None:
        wt[:] = float(params.water_table_m)
    if water_table is not None:
        if isinstance(water_table, (int, float)):
            wt[:] = float(water_table)
        else:
            if isinstance(water_table, pd.DataFrame):
                if not {"point_id", "water_table_m"} <= set(water_table.columns):
                    raise InputError(
                        "the water table table needs 'point_id' and 'water_table_m'", layer="water_table"
                    )
                mapping = dict(
                    zip(
                        water_table["point_id"].astype(str),
                        pd.to_numeric(water_table["water_table_m"], errors="coerce"),
                    )
                )
            else:
                mapping = {str(k): float(v) for k, v in dict(water_table).items()}
            values = pd.Series(point_ids).map(mapping).to_numpy(dtype=float)
            wt = np.where(np.isnan(values), wt, values)
    if "water_table_m" in points.columns:
        values = pd.to_numeric(points["water_table_m"], errors="coerce").to_numpy(dtype=float)
        wt = np.where(np.isnan(values), wt, values)
    missing = np.isnan(wt)
    if missing.any():
        bad = [point_ids[i] for i in np.flatnonzero(missing)[:10]]
        raise InputError(
            "the water-table depth is needed for the rules 'near the water table' and 'in the saturated zone' "
            f"[seed]; give a field water_table_m, a table or the parameter: point(s) {', '.join(bad)}",
            layer="points",
            feature=bad[0],
            column="water_table_m",
        )
    neg = wt < 0
    if neg.any():
        bad = point_ids[int(np.flatnonzero(neg)[0])]
        raise InputError(
            "water-table depth must be >= 0 m below ground",
            layer="points",
            feature=bad,
            column="water_table_m",
        )
    return wt


# --------------------------------------------------------------------------- builder


def _cm_up(value: float) -> int:
    """Whole centimetres, rounded up (for 'at least this deep' bounds)."""
    return int(math.ceil(float(value) * 100.0 - 1e-6))


def _build_profile(bottom: float, wt: float, layers: list, p: DepthParams) -> list:
    """Samples of one profile as [top_cm, bottom_cm] pairs (builder; see module doc).

    ``bottom`` and ``wt`` are exact depths in m; sample depths are whole centimetres,
    rounded up wherever a rule asks for "at least" or "more than".
    """
    S = _cm(p.surface_bottom_m)
    L = _cm(p.core_length_m)
    samples = {0: [0, S]}

    def add(top: int, length: int = L) -> None:
        top = max(int(top), 1)  # top 0 is the surface sample
        if top not in samples:
            samples[top] = [top, top + length]

    def near_wt(iv) -> bool:
        return max(iv[0] / 100.0 - wt, wt - iv[1] / 100.0, 0.0) <= p.water_table_tol_m + 1e-9

    sat_top = _cm_up(wt + p.saturated_margin_m)
    # D7/D8: deepest core strictly more than 3 m below the bottom (plus margin)
    add(_cm_up(bottom + p.below_bottom_m + p.below_bottom_margin_m))
    # D5: near the water table
    if not any(near_wt(iv) for iv in samples.values()):
        add(round(wt * 100.0) - L // 2)
    # D6: in the saturated zone
    if not any(iv[0] >= sat_top for iv in samples.values()):
        add(sat_top)
    # D4: every soil layer
    for top, bottom, _ in layers:
        covered = any(
            (iv[0] >= top and iv[1] <= bottom) or (top >= iv[0] and bottom <= iv[1])
            for iv in samples.values()
        )
        if covered:
            continue
        thick = bottom - top
        if thick >= L:
            add(top + (thick - L) // 2)
        else:
            start = max(top, 1)
            samples.setdefault(start, [start, bottom])
    # D2/D3: fill gaps between consecutive sampling depths
    depths = sorted(S if t == 0 else t for t in samples)
    upper = _cm(p.upper_limit_m)
    g_up, g_low = _cm(p.max_gap_upper_m), _cm(p.max_gap_lower_m)

    def fits(stops) -> bool:
        return all(c - a <= (g_up if a < upper else g_low) for a, c in zip(stops, stops[1:]))

    def even(a: int, c: int) -> list:
        """Fewest evenly spaced stops closing (a, c); on 10 cm steps where that still fits."""
        k = 0
        while True:
            for step in (10, 1):
                stops = [a] + [a + round(i * (c - a) / (k + 1) / step) * step for i in range(1, k + 1)] + [c]
                if fits(stops):
                    return stops[1:-1]
            k += 1

    for a, c in zip(depths, depths[1:]):
        if fits([a, c]):
            continue
        fill = even(a, c)
        if a < upper < c:  # or 2 m steps down to a core at 6 m and 3 m steps below, if fewer
            split = even(a, upper) + [upper] + even(upper, c)
            fill = split if len(split) < len(fill) else fill
        for stop in fill:
            add(stop)
    return sorted(samples.values())


def _reason_zh(code: str) -> str:
    base, _, name = code.partition(":")
    return REASONS[base][0] + (f"（{name}）" if name else "")


def _reasons(iv, bottom, wt, layers, p, deepest):
    """Every rule a sample serves (for the field sheet); ``bottom``, ``wt`` in m."""
    out = []
    if iv[0] == 0:
        out.append("surface")
    if iv[0] == deepest and deepest / 100.0 > bottom + p.below_bottom_m:
        out.append("below_source")
    if max(iv[0] / 100.0 - wt, wt - iv[1] / 100.0, 0.0) <= p.water_table_tol_m + 1e-9:
        out.append("water_table")
    if iv[0] >= _cm_up(wt + p.saturated_margin_m):
        out.append("saturated")
    for top, bottom, name in layers:
        if (iv[0] >= top and iv[1] <= bottom) or (top >= iv[0] and bottom <= iv[1]):
            out.append(f"layer:{name}")
    if not out:
        out.append("spacing")
    return out


def depth_schedule(
    points,
    *,
    layers=None,
    water_table=None,
    params: Optional[DepthParams] = None,
    progress=None,
    is_canceled=None,
) -> DepthResult:
    """Soil samples per point following every depth rule, and the lab order.

    Parameters
    ----------
    points : pandas.DataFrame or geopandas.GeoDataFrame
        Sample points, e.g. :attr:`SamplingResult.points`: ``point_id``, ``zone``,
        ``bottom_m`` (hole/pond/pool/ditch bottom, m below ground; required in INJ),
        optional ``source_type``, ``water_table_m`` and ``layers`` (text, see
        :func:`parse_layers`).
    layers : pandas.DataFrame, optional
        Soil layer table: ``top_m``, ``bottom_m``, optional ``layer`` (name) and
        ``point_id`` (blank or absent: for every point).
    water_table : float, mapping or pandas.DataFrame, optional
        Water-table depth (m below ground) for every point, per point id, or a table
        ``point_id, water_table_m``. A point's own field wins, then this, then
        ``params.water_table_m``.
    params : DepthParams, optional
    progress, is_canceled : callable, optional

    Returns
    -------
    DepthResult

    Raises
    ------
    InputError
        Missing water table, missing hole depth in INJ, bad layers; names the point.

    Examples
    --------
    >>> import pandas as pd
    >>> pts = pd.DataFrame({"point_id": ["INJ-001"], "zone": ["INJ"], "bottom_m": [5.0]})
    >>> res = depth_schedule(pts, water_table=4.0)
    >>> res.samples["sample_id"].tolist()
    ['INJ-001-0', 'INJ-001-220', 'INJ-001-390', 'INJ-001-540', 'INJ-001-700', 'INJ-001-850']
    >>> res.compliance["status"].tolist()
    ['PASS', 'PASS', 'PASS', 'N/A', 'PASS', 'PASS', 'PASS', 'N/A', 'PASS', 'PASS']
    """
    params = params or DepthParams()
    warnings: list = []
    steps = Steps(progress, [1, 3, 1])
    if points is None or len(points) == 0:
        raise InputError("no sample points", layer="points")
    for col in ("point_id", "zone"):
        if col not in points.columns:
            raise InputError(f"the points need a '{col}' field", layer="points", column=col)
    bad_groups = set(params.indicator_groups) - set(GROUPS)
    if bad_groups:
        raise InputError(f"unknown indicator group(s): {', '.join(sorted(bad_groups))}")
    pts = pd.DataFrame(
        points.drop(columns="geometry") if isinstance(points, gpd.GeoDataFrame) else points
    ).reset_index(drop=True)
    point_ids = pts["point_id"].astype(str).tolist()
    if len(set(point_ids)) != len(point_ids):
        dup = pd.Series(point_ids)[pd.Series(point_ids).duplicated()].iloc[0]
        raise InputError("point ids must be unique", layer="points", feature=dup, column="point_id")
    zones = pts["zone"].astype(str).to_numpy()
    bottom = (
        pd.to_numeric(pts["bottom_m"], errors="coerce").to_numpy(dtype=float)
        if "bottom_m" in pts
        else np.full(len(pts), np.nan)
    )
    inj_missing = (zones == "INJ") & np.isnan(bottom)
    if inj_missing.any():
        bad = point_ids[int(np.flatnonzero(inj_missing)[0])]
        raise InputError(
            "an INJ point needs the hole depth (bottom_m) for the rule 'more than 3 m below the hole bottom'",
            layer="points",
            feature=bad,
            column="bottom_m",
        )
    if (bottom < 0).any():
        bad = point_ids[int(np.flatnonzero(bottom < 0)[0])]
        raise InputError("bottom depth must be >= 0 m", layer="points", feature=bad, column="bottom_m")
    no_src = np.isnan(bottom)
    if no_src.any():
        warnings.append(Message("DEPTH_NO_SOURCE", n=int(no_src.sum())))
        bottom = np.where(no_src, 0.0, bottom)
    wt = _water_tables(point_ids, pts, water_table, params)
    per_point_layers, notes = _layers_per_point(point_ids, pts, layers, params)
    warnings += notes
    if not any(per_point_layers):
        warnings.append(Message("DEPTH_NO_LAYERS"))
    steps.stage(0)(1.0)

    # one schedule per distinct (bottom, water table, layers) combination, then copied
    keys = [(float(b), float(w), tuple(lay)) for b, w, lay in zip(bottom, wt, per_point_layers)]
    codes, uniq = pd.factorize(pd.Series(keys, dtype=object))
    templates = []
    for j, (b_m, w_m, lay) in enumerate(uniq):
        ivs = _build_profile(b_m, w_m, list(lay), params)
        deepest = max(iv[0] for iv in ivs)
        for k, iv in enumerate(ivs, start=1):
            rs = _reasons(iv, b_m, w_m, list(lay), params, deepest)
            mid = (iv[0] + iv[1]) / 2
            names = [n for t, bb, n in lay if t <= mid <= bb]
            templates.append(
                (
                    j,
                    k,
                    iv[0],
                    iv[1],
                    ";".join(rs),
                    ";".join(_reason_zh(r) for r in rs),
                    names[0] if names else "",
                )
            )
        if j % 64 == 0:
            check_canceled(is_canceled)
    steps.stage(1)(0.5)
    tpl = pd.DataFrame(
        templates, columns=["tpl", "seq", "top_cm", "bottom_cm", "reasons", "reasons_zh", "layer"]
    )
    sizes = tpl.groupby("tpl").size().to_numpy()
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    counts = sizes[codes]
    rep = np.repeat(np.arange(len(point_ids)), counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    rows = tpl.iloc[np.repeat(starts[codes], counts) + within].reset_index(drop=True)
    inds = indicators_for("soil", groups=params.indicator_groups, include_optional=params.include_optional)
    pid = pd.Series(np.array(point_ids, dtype=object)[rep])
    samples = pd.DataFrame(
        {
            "sample_id": pid + "-" + rows["top_cm"].astype(str),
            "point_id": pid,
            "zone": zones[rep],
            "seq": rows["seq"].to_numpy(),
            "top_m": rows["top_cm"].to_numpy() / 100.0,
            "bottom_m": rows["bottom_cm"].to_numpy() / 100.0,
            "depth_cm": rows["top_cm"].to_numpy(),
            "reasons": rows["reasons"].to_numpy(),
            "reasons_zh": rows["reasons_zh"].to_numpy(),
            "layer": rows["layer"].to_numpy(),
            "medium": "soil",
            "indicators": ";".join(i.code for i in inds),
            "n_indicators": len(inds),
        }
    )
    deep = samples.groupby("point_id", sort=False)["top_m"].max()
    too_deep = deep[deep > params.deep_warning_m]
    if len(too_deep):
        warnings.append(
            Message(
                "DEPTH_DRILLING_RIG", n=len(too_deep), limit_m=params.deep_warning_m, deepest_m=too_deep.max()
            )
        )
    profiles = pd.DataFrame(
        {
            "point_id": point_ids,
            "zone": zones,
            "source_type": pts["source_type"].astype(str).to_numpy() if "source_type" in pts else "",
            "bottom_m": bottom,
            "water_table_m": wt,
            "layers": [
                "; ".join(f"{t / 100:.2f}-{b / 100:.2f} {n}" for t, b, n in lay) for lay in per_point_layers
            ],
            "n_samples": counts,
            "deepest_top_m": deep.reindex(point_ids).to_numpy(),
            "required_deeper_than_m": np.round(bottom + params.below_bottom_m, 2),
        }
    )
    layer_rows = [
        (p, n, t / 100.0, b / 100.0) for p, lay in zip(point_ids, per_point_layers) for t, b, n in lay
    ]
    layers_table = pd.DataFrame(layer_rows, columns=["point_id", "layer", "top_m", "bottom_m"])
    lab = pd.DataFrame(
        [
            {
                "code": i.code,
                "name_zh": i.name_zh,
                "name_en": i.name_en,
                "unit": i.unit,
                "group": i.group,
                "n_samples": len(samples),
            }
            for i in inds
        ]
    )
    compliance = check_schedule(samples, profiles, layers_table, params)
    steps.stage(2)(1.0)
    parameters = asdict(params)
    parameters["layers"] = [list(x) for x in params.layers] if params.layers else None
    return DepthResult(samples, profiles, layers_table, lab, compliance, warnings, parameters)


# --------------------------------------------------------------------------- checker


def _row(rule_id: str, applies: int, failed: list) -> dict:
    zh, en, source = RULES[rule_id]
    return {
        "rule_id": rule_id,
        "rule_zh": zh,
        "rule_en": en,
        "source": source,
        "applies_to": int(applies),
        "passed": int(applies - len(failed)),
        "failed": int(len(failed)),
        "status": "N/A" if applies == 0 else ("PASS" if not failed else "FAIL"),
        "failed_ids": ", ".join(map(str, failed[:20])) + (" ..." if len(failed) > 20 else ""),
    }


def check_schedule(samples, profiles, layers=None, params: Optional[DepthParams] = None) -> pd.DataFrame:
    """Check a depth schedule against D1-D10, independently of the builder.

    Works on the plain tables (floats in m, 1e-6 m tolerance), so a table edited by hand
    or a faulty builder is judged the same way.

    Parameters
    ----------
    samples : pandas.DataFrame
        ``sample_id, point_id, top_m, bottom_m`` and ``indicators`` (codes joined by ``;``).
    profiles : pandas.DataFrame
        ``point_id, zone, bottom_m, water_table_m`` per point.
    layers : pandas.DataFrame, optional
        ``point_id, layer, top_m, bottom_m``.
    params : DepthParams, optional
        Tolerances and the rule values.

    Returns
    -------
    pandas.DataFrame
        One row per rule: ``rule_id, rule_zh, rule_en, source, applies_to, passed,
        failed, status, failed_ids`` (failed point or sample ids).
    """
    p = params or DepthParams()
    eps = 1e-6
    failed = {}
    applies = {}
    prof = pd.DataFrame(
        {
            "point_id": profiles["point_id"].astype(str).to_numpy(),
            "zone": profiles["zone"].astype(str).to_numpy(),
            "bottom": pd.to_numeric(profiles["bottom_m"], errors="coerce").fillna(0.0).to_numpy(dtype=float),
            "wt": pd.to_numeric(profiles["water_table_m"], errors="coerce").to_numpy(dtype=float),
        }
    )
    s = pd.DataFrame(
        {
            "point_id": samples["point_id"].astype(str).to_numpy(),
            "top": samples["top_m"].to_numpy(dtype=float),
            "bot": samples["bottom_m"].to_numpy(dtype=float),
        }
    )
    s = s.merge(prof[["point_id", "wt"]], on="point_id", how="left")
    pids = prof["point_id"]

    def failing(flag_per_sample):
        """Points of ``profiles`` where no sample (``any``) satisfies the flag."""
        ok = pd.Series(flag_per_sample, index=s.index).groupby(s["point_id"]).any()
        ok = ok.reindex(pids).fillna(False).to_numpy()
        return pids[~ok].tolist()

    for k in ("D1", "D2", "D3", "D5", "D6"):
        applies[k] = len(prof)
    failed["D1"] = failing((s["top"] <= eps) & (s["bot"] >= p.surface_bottom_m - eps))
    # D2/D3: consecutive sampling depths per point (surface sample counted at its bottom)
    s["rep"] = np.where(s["top"] <= eps, s["bot"], s["top"])
    srt = s.sort_values(["point_id", "rep"], kind="stable")
    same = srt["point_id"].to_numpy()[1:] == srt["point_id"].to_numpy()[:-1]
    a = srt["rep"].to_numpy()[:-1][same]
    gap = srt["rep"].to_numpy()[1:][same] - a
    owner = srt["point_id"].to_numpy()[1:][same]
    upper = a < p.upper_limit_m - eps
    failed["D2"] = sorted(set(owner[upper & (gap > p.max_gap_upper_m + eps)]), key=list(pids).index)
    failed["D3"] = sorted(set(owner[~upper & (gap > p.max_gap_lower_m + eps)]), key=list(pids).index)
    # D5/D6: water table
    dist = np.maximum(np.maximum(s["top"] - s["wt"], s["wt"] - s["bot"]), 0.0)
    failed["D5"] = failing(dist <= p.water_table_tol_m + eps)
    failed["D6"] = failing(s["top"] >= s["wt"] + p.saturated_margin_m - eps)
    # D4: every layer holds a sample (or a thin layer lies within one)
    applies["D4"] = 0
    failed["D4"] = []
    if layers is not None and len(layers):
        ly = pd.DataFrame(
            {
                "point_id": layers["point_id"].astype(str).to_numpy(),
                "lt": layers["top_m"].to_numpy(dtype=float),
                "lb": layers["bottom_m"].to_numpy(dtype=float),
            }
        )
        ly = ly[ly["point_id"].isin(set(pids))].reset_index(drop=True)
        ly["layer_no"] = np.arange(len(ly))
        applies["D4"] = int(ly["point_id"].nunique())
        pairs = ly.merge(s[["point_id", "top", "bot"]], on="point_id", how="left")
        inside = (pairs["top"] >= pairs["lt"] - eps) & (pairs["bot"] <= pairs["lb"] + eps)
        holds = (pairs["lt"] >= pairs["top"] - eps) & (pairs["lb"] <= pairs["bot"] + eps)
        covered = (inside | holds).groupby(pairs["layer_no"]).any()
        bad = ly.loc[~covered.reindex(ly["layer_no"]).fillna(False).to_numpy(), "point_id"]
        failed["D4"] = list(dict.fromkeys(bad.tolist()))
    # D7/D8: deepest sample strictly more than 3 m below the bottom
    deepest = s.groupby("point_id")["top"].max().reindex(pids).to_numpy()
    deep_ok = deepest > prof["bottom"].to_numpy() + p.below_bottom_m + eps
    inj = prof["zone"].to_numpy() == "INJ"
    applies["D7"], applies["D8"] = int(inj.sum()), int((~inj).sum())
    failed["D7"] = pids[inj & ~deep_ok].tolist()
    failed["D8"] = pids[~inj & ~deep_ok].tolist()
    # D9: ids
    ids = samples["sample_id"].astype(str)
    expected = (
        samples["point_id"].astype(str)
        + "-"
        + (samples["top_m"].astype(float) * 100).round().astype(int).astype(str)
    )
    applies["D9"] = len(samples)
    failed["D9"] = sorted(set(ids[ids.duplicated(keep=False)]) | set(ids[ids != expected]))
    # D10: indicator groups, judged once per distinct indicator list
    applies["D10"] = len(samples)
    required = [{i.code for i in indicators_for("soil", groups=[g])} for g in REQUIRED_GROUPS]
    ind = samples["indicators"].astype(str) if "indicators" in samples else pd.Series([""] * len(samples))
    codes, lists = pd.factorize(ind)
    good = np.array([all(set(t.split(";")) & req for req in required) for t in lists], dtype=bool)
    failed["D10"] = ids[~good[codes]].tolist() if len(ids) else []
    return pd.DataFrame([_row(k, applies[k], failed[k]) for k in RULES])


# --------------------------------------------------------------------------- water and sediment


@dataclass(frozen=True)
class WaterParams:
    """Parameters of :func:`water_positions` (distances in m). **[default]** values.

    * Surface water (HJ/T 91 practice; DOMAIN.md: "a control section upstream and sections
      downstream of each discharge"): a control section ``upstream_m`` = 500 m above the
      point where the leachate reaches the stream, a section at that point, and sections
      ``downstream_m`` = 500 m (控制断面) and 1500 m (削减断面) below it. Sediment is
      taken at the same sections.
    * Groundwater (HJ 164; DOMAIN.md: wells up-gradient (control) and down-gradient of INJ
      and SETL): one well ``well_offset_m`` = 20 m down-gradient of the edge of INJ and of
      SETL, and a control well ``control_well_offset_m`` = 50 m up-gradient of the case.
    """

    upstream_m: float = 500.0
    downstream_m: tuple = (500.0, 1500.0)
    well_offset_m: float = 20.0
    control_well_offset_m: float = 50.0
    gw_azimuth_deg: Optional[float] = None
    stream_reversed: bool = False


_MEDIA_NAMES = {
    "groundwater": ("地下水", "groundwater", "GW"),
    "surface_water": ("地表水", "surface water", "SW"),
    "sediment": ("沉积物", "sediment", "SED"),
}
_ROLE_NAMES = {
    "control": ("对照", "control (upstream / up-gradient)"),
    "discharge": ("汇入点", "where leachate reaches the stream"),
    "downstream": ("下游", "downstream"),
    "down_gradient": ("下游方向（地下水流向）", "down-gradient"),
}


def _routing_grid(dem, zone_crs, bounds):
    """The DEM on the grid functional_zones routes flow on (its default cell limits): the
    ``(z, transform, cell size)`` of :func:`dem_grid` and its warnings."""
    defaults = ZoneParams()
    z, transform, res, warnings = dem_grid(
        dem, zone_crs, bounds, max_cells=defaults.dem_max_cells, min_cell_m=defaults.dem_min_cell_m
    )
    return (z, transform, res), warnings


def _azimuth_from_dem(dem, zone_crs, geom):
    """The downslope azimuth (degrees from north) over ``geom`` on the DEM, or None; and warnings."""

    (z, transform, res), warnings = _routing_grid(dem, zone_crs, shapely.bounds(geom))
    mask = burn([(geom, 1)], z.shape, transform).astype(bool)
    if not (mask & np.isfinite(z)).any():  # no height there: say why (nodata, far away, CRS)
        cause = dem_coverage_problem(dem, zone_crs, shapely.bounds(geom))
        return None, warnings + [Message("DEPTH_DEM_NOT_USED", cause=cause)]
    gy, gx = np.gradient(z, res)  # gy along rows (southward), gx eastward
    ok = mask & np.isfinite(gx) & np.isfinite(gy)
    if not ok.any():
        return None, warnings
    # downslope vector = -gradient; rows grow southward, so north component = +gy
    east, north = -np.nanmean(gx[ok]), np.nanmean(gy[ok])
    if math.hypot(east, north) < 1e-9:
        return None, warnings
    return math.degrees(math.atan2(east, north)) % 360.0, warnings


def water_positions(
    zones,
    *,
    stream=None,
    dem=None,
    params: Optional[WaterParams] = None,
) -> tuple:
    """Groundwater, surface-water and sediment sampling positions.

    Parameters
    ----------
    zones : geopandas.GeoDataFrame
        Functional zones (``zone`` field) in a CGCS2000 Gauss-Kruger zone CRS.
    stream : geopandas.GeoDataFrame, optional
        The receiving stream, lines digitised in the flow direction (or set
        ``params.stream_reversed``; with a DEM the direction is checked).
    dem : str, pathlib.Path or zones.Dem, optional
        For the groundwater flow direction (mean downslope direction of INJ and SETL)
        when ``params.gw_azimuth_deg`` is not given, and to check the stream direction.
    params : WaterParams, optional

    Returns
    -------
    (geopandas.GeoDataFrame, list of str)
        Positions with ``position_id`` (``GW-01``, ``SW-01``, ``SED-01``), ``medium``,
        ``medium_zh``, ``role``, ``role_zh``, ``zone``, ``distance_m`` (along the stream
        from the discharge, negative upstream; or from the zone edge), ``note``,
        ``indicators``, ``x``, ``y``, ``lon``, ``lat``; and the warnings.
    """
    from ..geo.crs import zone_from_epsg

    p = params or WaterParams()
    warnings: list = []
    if zones is None or len(zones) == 0 or "zone" not in zones.columns:
        raise InputError("the zones layer with a 'zone' field is needed", layer="zones")
    zone_crs = zone_from_epsg(zones.crs.to_epsg())
    geoms = {z: shapely.union_all(np.asarray(g.geometry.array)) for z, g in zones.groupby("zone")}
    case = shapely.union_all(list(geoms.values()))
    rows = []

    # groundwater direction
    az = p.gw_azimuth_deg
    az_note = "given"
    if az is None and dem is not None:
        focus = shapely.union_all([geoms[z] for z in ("INJ", "SETL") if z in geoms] or [case])
        az, notes = _azimuth_from_dem(dem, zone_crs, focus)
        warnings += notes
        az_note = "mean downslope direction of the DEM over INJ/SETL"
    line = None
    if stream is not None:
        st, notes = prepare_layer(stream, "stream", (LINE_TYPES,), zone_crs)
        warnings += notes
        merged = shapely.line_merge(shapely.union_all(np.asarray(st.geometry.array)))
        parts = shapely.get_parts(merged)
        line = parts[int(np.argmin(shapely.distance(parts, case)))]
        if p.stream_reversed:
            line = shapely.reverse(line)
    if az is None and line is not None:
        c = shapely.centroid(case)
        q = shapely.get_point(shapely.shortest_line(c, line), 1)
        az = math.degrees(math.atan2(q.x - c.x, q.y - c.y)) % 360.0
        az_note = "toward the nearest point of the receiving stream"
    if az is None:
        warnings.append(Message("DEPTH_NO_GW_DIRECTION"))
    else:
        ux, uy = math.sin(math.radians(az)), math.cos(math.radians(az))
        for code in ("INJ", "SETL"):
            if code not in geoms:
                continue
            coords = shapely.get_coordinates(geoms[code])
            proj = coords @ np.array([ux, uy])
            c = shapely.centroid(geoms[code])
            reach = proj.max() - (c.x * ux + c.y * uy)
            d = reach + p.well_offset_m
            rows.append(
                (
                    "groundwater",
                    "down_gradient",
                    code,
                    c.x + d * ux,
                    c.y + d * uy,
                    p.well_offset_m,
                    f"{p.well_offset_m:g} m down-gradient of {code} (azimuth {az:.0f}°, {az_note})",
                )
            )
        coords = shapely.get_coordinates(case)
        proj = coords @ np.array([ux, uy])
        c = shapely.centroid(case)
        back = (c.x * ux + c.y * uy) - proj.min() + p.control_well_offset_m
        rows.append(
            (
                "groundwater",
                "control",
                "",
                c.x - back * ux,
                c.y - back * uy,
                -p.control_well_offset_m,
                f"{p.control_well_offset_m:g} m up-gradient of the case (azimuth {az:.0f}°, {az_note})",
            )
        )

    # surface water and sediment
    if line is None:
        warnings.append(Message("DEPTH_NO_STREAM"))
    else:
        if dem is not None and p.stream_reversed is False:
            try:

                a, b = shapely.get_point(line, 0), shapely.get_point(line, -1)
                (z, transform, _), _ = _routing_grid(dem, zone_crs, shapely.bounds(line))
                inv = ~transform
                (ca, ra), (cb, rb) = apply_affine(inv, a.x, a.y), apply_affine(inv, b.x, b.y)
                za = z[min(int(ra), z.shape[0] - 1), min(int(ca), z.shape[1] - 1)]
                zb = z[min(int(rb), z.shape[0] - 1), min(int(cb), z.shape[1] - 1)]
                if np.isfinite(za) and np.isfinite(zb) and za < zb:
                    line = shapely.reverse(line)
                    warnings.append(Message("DEPTH_STREAM_REVERSED"))
            except InputError:
                pass
        target = shapely.union_all([geoms[z] for z in ("COLL", "SETL") if z in geoms] or [case])
        at = shapely.get_point(shapely.shortest_line(line, target), 0)
        s0 = float(shapely.line_locate_point(line, at))
        length = float(shapely.length(line))
        stations = [("control", -p.upstream_m), ("discharge", 0.0)] + [
            ("downstream", float(d)) for d in p.downstream_m
        ]
        for role, offset in stations:
            s = s0 + offset
            if s < 0 or s > length:
                warnings.append(Message("DEPTH_SECTION_BEYOND_STREAM", role=role, offset_m=offset))
            pt = shapely.line_interpolate_point(line, min(max(s, 0.0), length))
            note = f"{offset:+g} m along the stream from where the leachate reaches it"
            rows.append(("surface_water", role, "", pt.x, pt.y, offset, note))
            rows.append(("sediment", role, "", pt.x, pt.y, offset, note))
    if not rows:
        empty = gpd.GeoDataFrame(
            {"position_id": pd.Series(dtype=object)},
            geometry=gpd.GeoSeries([], crs=zone_crs.epsg),
            crs=zone_crs.epsg,
        )
        return empty, warnings
    df = pd.DataFrame(rows, columns=["medium", "role", "zone", "x", "y", "distance_m", "note"])
    order = {"groundwater": 0, "surface_water": 1, "sediment": 2}
    df["_o"] = df["medium"].map(order)
    df = df.sort_values(["_o"], kind="stable").drop(columns="_o").reset_index(drop=True)
    df["position_id"] = ""
    for medium, g in df.groupby("medium", sort=False):
        prefix = _MEDIA_NAMES[medium][2]
        df.loc[g.index, "position_id"] = [f"{prefix}-{k:02d}" for k in range(1, len(g) + 1)]
    df["medium_zh"] = df["medium"].map({k: v[0] for k, v in _MEDIA_NAMES.items()})
    df["role_zh"] = df["role"].map({k: v[0] for k, v in _ROLE_NAMES.items()})
    df["indicators"] = df["medium"].map(
        {m: ";".join(i.code for i in indicators_for(m)) for m in _MEDIA_NAMES}
    )
    lon, lat = lonlat_arrays(df["x"].to_numpy(), df["y"].to_numpy(), zone_crs.epsg)
    lon, lat = np.round(lon, 8), np.round(lat, 8)
    df["lon"], df["lat"] = np.round(lon, 8), np.round(lat, 8)
    df["lon_dms"], df["lat_dms"] = dms_array(lon, "E", "W"), dms_array(lat, "N", "S")
    df["x"], df["y"] = df["x"].round(3), df["y"].round(3)
    cols = [
        "position_id",
        "medium",
        "medium_zh",
        "role",
        "role_zh",
        "zone",
        "distance_m",
        "note",
        "indicators",
        "x",
        "y",
        "lon",
        "lat",
        "lon_dms",
        "lat_dms",
    ]
    out = gpd.GeoDataFrame(
        df[cols], geometry=shapely.points(df["x"].to_numpy(), df["y"].to_numpy()), crs=zone_crs.epsg
    )
    return out, warnings


_LAYER_COLUMNS = {
    "top_m": ("top_m", "top_depth_m", "top"),
    "bottom_m": ("bottom_m", "bottom_depth_m", "bottom"),
    "layer": ("layer", "layer_name", "name"),
    "water_table_m": ("water_table_m", "water_table_depth_m", "water_table"),
}


def _pick_column(table, names):
    return next((n for n in names if n in table.columns), None)


def layers_for_points(points, table, layer: str = "soil_layers"):
    """Soil layers and water tables per point from a table given per point or per zone.

    Field teams describe soil layers per functional area (the sample case's
    ``soil_layers``: ``zone``, ``layer_name``, ``top_depth_m``, ``bottom_depth_m``,
    ``water_table_depth_m``) or per borehole (``point_id``, ``top_m``, ``bottom_m``,
    ``layer``). This expands either onto the points, in the form :func:`depth_schedule`
    takes.

    Parameters
    ----------
    points : pandas.DataFrame
        ``point_id`` and ``zone`` of each point.
    table : pandas.DataFrame
        Layer rows keyed by ``point_id`` or by ``zone`` (blank key: every point); depths
        in m below ground. A water-table column is optional.
    layer : str
        Name of the table for error messages.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame or None)
        Layers (``point_id``, ``layer``, ``top_m``, ``bottom_m``) and water tables
        (``point_id``, ``water_table_m``; None when the table has none).
    """
    columns = {key: _pick_column(table, names) for key, names in _LAYER_COLUMNS.items()}
    for key in ("top_m", "bottom_m"):
        if columns[key] is None:
            raise InputError(
                f"the soil layer table needs a {key} column ({' or '.join(_LAYER_COLUMNS[key])})", layer=layer
            )
    key = "point_id" if "point_id" in table.columns else "zone" if "zone" in table.columns else None
    rows = pd.DataFrame(
        {
            "key": table[key].fillna("").astype(str).str.strip() if key else "",
            "layer": table[columns["layer"]].astype(str) if columns["layer"] else "",
            "top_m": pd.to_numeric(table[columns["top_m"]], errors="coerce"),
            "bottom_m": pd.to_numeric(table[columns["bottom_m"]], errors="coerce"),
            "water_table_m": pd.to_numeric(table[columns["water_table_m"]], errors="coerce")
            if columns["water_table_m"]
            else np.nan,
        }
    )
    bad = rows.index[rows["top_m"].isna() | rows["bottom_m"].isna()]
    if len(bad):
        raise InputError("soil layer depth is missing or not a number", layer=layer, row=int(bad[0]) + 1)
    targets = pd.DataFrame(
        {"point_id": points["point_id"].astype(str), "key": points[key].astype(str) if key else ""}
    )
    specific = targets.merge(rows[rows["key"] != ""], on="key", how="inner")
    general = targets.merge(rows[rows["key"] == ""].drop(columns="key"), how="cross")
    general = general[~general["point_id"].isin(specific["point_id"])]
    expanded = pd.concat([specific, general], ignore_index=True).sort_values(
        ["point_id", "top_m"], kind="stable"
    )
    layers = expanded[["point_id", "layer", "top_m", "bottom_m"]].reset_index(drop=True)
    water = None
    if columns["water_table_m"]:
        water = (
            expanded.dropna(subset=["water_table_m"])
            .groupby("point_id", sort=True)["water_table_m"]
            .min()
            .reset_index()
        )
    return layers, water
