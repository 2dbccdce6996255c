"""Point-based confirmation of soil damage: every sample and indicator against its baseline.

Rules (DOMAIN.md "Baseline and damage"; GB/T 39791 / 39792; the **[default]** values are
parameters, and the rule text is written into every output row):

* Damage degree of a pollutant (damage is an *increase*, ``direction = "above"``):
  ``K = (C - B) / B``, C the sample's concentration and B the baseline (same unit, e.g.
  mg/kg). The sample lies *above the baseline* where ``C > B`` and the damage is
  *confirmed* where ``K > threshold`` (default 0.2: C exceeds B by more than 20 %).
* pH damages downwards (acidification). Its damage degree is taken on the hydrogen-ion
  activity, the quantity the leaching agent adds, not on the pH number:
  ``K = a_H(C) / a_H(B) - 1 = 10 ** (B - C) - 1``, with the pH drop ``ΔpH = B - C`` (pH
  units) reported beside it. Why: pH is a logarithm, so a ratio of pH values has no
  chemical meaning (a drop from 6 to 4.8 would be "20 %" at pH 6 but not at pH 5, for
  the same 16-fold acidification); on the activity the same formula as for a pollutant
  applies and the same 20 % rule reads "hydrogen-ion activity more than 1.2 times the
  baseline", i.e. ``ΔpH > log10(1.2) = 0.079``. Other indicators whose damage is a
  decrease (given as ``direction = "below"``) use the relative loss ``K = (B - C) / B``.
* Censored values (:mod:`ree_damage.core.lab.censored`: value column = detection limit
  DL, flag ``"<"``): a value below its detection limit never counts as above the baseline.
  Where ``DL <= B`` the sample is *not above*; where ``DL > B`` it is *undecidable* (the
  true value may lie on either side) and is counted neither way: it is left out of N.
  A value flagged ``">"`` (above a reporting limit L) is confirmed when L itself already
  confirms it (K then a lower bound, ``k_bound = ">="``), else undecidable. For a
  decreasing indicator the rules mirror.
* Per zone, depth layer and indicator: N (decidable samples), N0 (above the baseline),
  the exceedance ratio N0 / N, the number confirmed and its ratio, max and mean K over
  the measured (uncensored) values.

The leaching signature (characteristic pollutants of in-situ leaching with ammonium
sulfate: NH4+-N, sulfate, REE sum, REO, pH drop) is reported as a group per sample:
which members are confirmed there.

Examples
--------
>>> degree(12.0, 10.0, "above"), round(degree(4.5, 5.0, "below", indicator="pH"), 4)
(0.2, 2.1623)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import pandas as pd

from ..common.errors import InputError
from ..common.messages import Message
from ..lab.censored import FLAG_ABOVE, FLAG_BELOW, FLAG_MEASURED
from ..standards.oxides import OXIDE_FACTORS as STANDARD_OXIDES

DEFAULT_THRESHOLD = 0.2
"""**[default]** K above which damage is confirmed (C exceeds B by more than 20 %)."""

OXIDE_FACTORS = {element: oxide.factor for element, oxide in STANDARD_OXIDES.items()}
"""**[default]** element -> oxide mass factor, from the one table :data:`ree_damage.core.standards.oxides.OXIDE_FACTORS`."""

REE_SUM = "REE_SUM"
"""Code of the sum of the rare earth elements (mg/kg)."""

REO = "REO"
"""Code of the rare earth oxides, sum of c_i x f_i (mg/kg)."""

SIGNATURE = ("NH4_N", "SO4", REE_SUM, REO, "pH")
"""The characteristic pollutants of leaching, reported as a group."""

STATUSES = ("confirmed", "above", "not_above", "undecidable", "missing", "no_baseline")
"""Status of one sample and indicator."""


@dataclass(frozen=True)
class DepthLayer:
    """A depth layer of the soil (m below ground).

    Attributes
    ----------
    name : str
        Label, e.g. ``"0-50"`` (cm), as in the interpolation's raster names.
    top_m, bottom_m : float
        Depth interval (m); a sample belongs to the layer holding its top depth.
    """

    name: str
    top_m: float
    bottom_m: float

    @property
    def thickness_m(self) -> float:
        """Thickness (m)."""
        return self.bottom_m - self.top_m


def default_layers(deepest_m: float = 6.0) -> list:
    """**[default]** depth layers: the 0-0.5 m surface layer, 1.5-2 m bands to 6 m
    (the 2 m spacing rule: 0.5-2, 2-4, 4-6) and 3 m bands below (the 3 m spacing rule)
    down to ``deepest_m``. Names are the interval in cm.

    Examples
    --------
    >>> [x.name for x in default_layers(8.0)]
    ['0-50', '50-200', '200-400', '400-600', '600-900']
    """
    edges = [0.0, 0.5, 2.0, 4.0, 6.0]
    while edges[-1] <= deepest_m:
        edges.append(edges[-1] + 3.0)
    if edges[-2] > deepest_m:
        edges.pop()
    return [DepthLayer(f"{round(a * 100)}-{round(b * 100)}", a, b) for a, b in zip(edges[:-1], edges[1:])]


def rule_text(threshold: float = DEFAULT_THRESHOLD) -> str:
    """The confirmation rule in words, written into every output row."""
    return (
        f"K = (C - B) / B; confirmed where K > {threshold:g} (C exceeds B by more than {threshold * 100:g} %); "
        f"pH: K = 10^(B - C) - 1 on hydrogen-ion activity, confirmed where the pH drop B - C > "
        f"{math.log10(1 + threshold):.3f}; below the detection limit never above B, "
        "undecidable where the detection limit exceeds B"
    )


def degree(c, b, direction: str = "above", *, indicator: str = "") -> Any:
    """Damage degree K (dimensionless) of concentration(s) ``c`` against baseline ``b``.

    ``direction="above"``: ``(c - b) / b``; ``"below"``: for pH ``10 ** (b - c) - 1``
    (hydrogen-ion activity), else ``(b - c) / b``. NaN where ``b`` is 0 (no ratio).
    """
    c = np.asarray(c, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if direction == "below" and indicator == "pH":
            k = np.power(10.0, b - c) - 1.0
        elif direction == "below":
            k = np.where(b != 0, (b - c) / b, np.nan)
        else:
            k = np.where(b != 0, (c - b) / b, np.nan)
    return float(k) if k.ndim == 0 else k


def _confirm_limit(b: float, direction: str, indicator: str, threshold: float) -> float:
    """The concentration beyond which damage is confirmed."""
    if direction == "below":
        if indicator == "pH":
            return b - math.log10(1.0 + threshold)
        return b * (1.0 - threshold)
    return b * (1.0 + threshold)


def classify(value, flag, baseline, direction, *, indicator: str = "", threshold: float = DEFAULT_THRESHOLD):
    """Status of each sample: see :data:`STATUSES` and the module's rules.

    Parameters
    ----------
    value : array_like of float
        Concentration (the detection limit where flagged ``"<"``, the reporting limit
        where flagged ``">"``), in the baseline's unit.
    flag : array_like of str
    baseline : float
    direction : str
        ``"above"`` or ``"below"``.

    Returns
    -------
    (status, k, k_bound) : numpy arrays
        Status text, K (NaN where no K applies) and ``""``, ``">="`` or ``"<="`` (K is
        a bound, not a value).
    """
    v = np.asarray(value, dtype=float)
    f = np.asarray(["" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x).strip() for x in flag])
    b = float(baseline)
    n = len(v)
    status = np.full(n, "missing", dtype=object)
    k = np.full(n, np.nan)
    bound = np.full(n, "", dtype=object)
    if not math.isfinite(b):
        status[:] = "no_baseline"
        return status, k, bound
    lim = _confirm_limit(b, direction, indicator, threshold)
    up = direction != "below"
    has = np.isfinite(v)
    kk = degree(v, b, direction, indicator=indicator)
    measured = has & (f == FLAG_MEASURED)
    k[measured] = kk[measured]
    beyond = (v > b) if up else (v < b)
    confirm = (v > lim) if up else (v < lim)
    status[measured & confirm] = "confirmed"
    status[measured & beyond & ~confirm] = "above"
    status[measured & ~beyond] = "not_above"
    # censored towards the baseline side ("<" for a pollutant): never above B
    toward, away = (FLAG_BELOW, FLAG_ABOVE) if up else (FLAG_ABOVE, FLAG_BELOW)
    cens_toward = has & (f == toward)
    safe = (v <= b) if up else (v >= b)
    status[cens_toward & safe] = "not_above"
    status[cens_toward & ~safe] = "undecidable"
    k[cens_toward & safe] = kk[cens_toward & safe]
    bound[cens_toward & safe] = "<="
    # censored away from it (">" for a pollutant): confirmed only if the limit confirms
    cens_away = has & (f == away)
    sure = (v >= lim) if up else (v <= lim)
    status[cens_away & sure] = "confirmed"
    status[cens_away & ~sure] = "undecidable"
    k[cens_away & sure] = kk[cens_away & sure]
    bound[cens_away & sure] = ">="
    unknown = has & ~np.isin(f, [FLAG_MEASURED, FLAG_BELOW, FLAG_ABOVE])
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise InputError(f"unknown censoring flag {f[i]!r} (expected '', '<' or '>')", row=i + 1)
    return status, k, bound


def add_ree_totals(table: pd.DataFrame, factors: Optional[Mapping[str, float]] = None) -> pd.DataFrame:
    """Add ``REE_SUM`` and ``REO`` (mg/kg) with their flags to a wide lab table.

    Censored elements count as 0 (the sum is then a lower bound): such a total carries
    flag ``"<"`` only when *every* element is below its detection limit (value = sum of
    the limits); a total with some censored elements keeps the measured part, the most
    the censored ones could add (``REE_SUM_censored_max``, ``REO_censored_max``: their
    detection limits) and their count (``REE_SUM_n_censored``). Elements missing from the table
    are left out (listed in ``REE_SUM_elements``).
    """
    factors = dict(OXIDE_FACTORS if factors is None else factors)
    present = [e for e in factors if e in table.columns]
    out = table.copy()
    if not present:
        return out
    vals = np.column_stack([pd.to_numeric(out[e], errors="coerce").to_numpy(float) for e in present])
    flags = np.column_stack(
        [out[f"{e}_flag"].fillna("").astype(str).str.strip().to_numpy() if f"{e}_flag" in out else np.full(len(out), "") for e in present]
    )
    cens = flags == FLAG_BELOW
    f = np.array([factors[e] for e in present])
    meas = np.where(cens, 0.0, vals)
    all_cens = cens.all(axis=1)
    any_value = np.isfinite(vals).any(axis=1)
    ree = np.where(all_cens, np.nansum(vals, axis=1), np.nansum(meas, axis=1))
    reo = np.where(all_cens, np.nansum(vals * f, axis=1), np.nansum(meas * f, axis=1))
    out[REE_SUM] = np.where(any_value, ree, np.nan)
    out[f"{REE_SUM}_flag"] = np.where(all_cens & any_value, FLAG_BELOW, FLAG_MEASURED)
    out[REO] = np.where(any_value, reo, np.nan)
    out[f"{REO}_flag"] = out[f"{REE_SUM}_flag"]
    # what the censored elements could add at most (their detection limits), for the
    # undecidable test: a total whose bounds fall on both sides of the rule is undecidable
    part = np.where(cens & ~all_cens[:, None], vals, 0.0)
    out[f"{REE_SUM}_censored_max"] = np.nansum(part, axis=1)
    out[f"{REO}_censored_max"] = np.nansum(part * f, axis=1)
    out[f"{REE_SUM}_n_censored"] = cens.sum(axis=1)
    out[f"{REE_SUM}_elements"] = ";".join(present)
    return out


@dataclass
class PointDamage:
    """What :func:`confirm_samples` returns.

    Attributes
    ----------
    samples : pandas.DataFrame or geopandas.GeoDataFrame
        One row per sample and indicator (see :data:`SAMPLE_COLUMNS`); the sample
        geometry kept when the input had one (the damaged-sample layer).
    summary : pandas.DataFrame
        One row per zone, depth layer and indicator (:data:`SUMMARY_COLUMNS`); zone
        ``"ALL"`` sums the zones.
    signature : pandas.DataFrame
        One row per sample: the leaching-signature members confirmed there.
    warnings : list of str
    parameters : dict
    """

    samples: Any
    summary: pd.DataFrame
    signature: pd.DataFrame
    warnings: list = field(default_factory=list)
    parameters: dict = field(default_factory=dict)

    @property
    def confirmed(self):
        """Rows whose damage is confirmed."""
        return self.samples[self.samples["status"] == "confirmed"]


SAMPLE_COLUMNS = (
    "sample_id",
    "zone",
    "depth_layer",
    "top_m",
    "indicator",
    "unit",
    "value",
    "flag",
    "detection_limit",
    "baseline",
    "baseline_source",
    "direction",
    "k",
    "k_bound",
    "delta",
    "status",
    "above",
    "confirmed",
    "rule",
)
"""Columns of :attr:`PointDamage.samples` (plus ``geometry`` for a point layer)."""

SUMMARY_COLUMNS = (
    "zone",
    "depth_layer",
    "indicator",
    "unit",
    "baseline",
    "n_samples",
    "n_undecidable",
    "n",
    "n_above",
    "ratio_above",
    "n_confirmed",
    "ratio_confirmed",
    "k_max",
    "k_mean",
    "rule",
)
"""Columns of :attr:`PointDamage.summary`. ``n`` = decidable samples (N), ``n_above`` = N0."""


def baseline_rows(baseline) -> dict:
    """indicator -> {baseline, unit, direction, source} from a baseline table or mapping."""
    table = getattr(baseline, "table", baseline)
    if isinstance(table, Mapping):
        return {str(k): {"baseline": float(v), "unit": "", "direction": None, "source": "given"} for k, v in table.items()}
    if not isinstance(table, pd.DataFrame) or not {"indicator", "baseline"} <= set(table.columns):
        raise InputError("the baseline table needs the columns 'indicator' and 'baseline'", layer="baseline")
    rows = {}
    for i, r in enumerate(table.to_dict("records")):
        try:
            b = float(r["baseline"])
        except (TypeError, ValueError):
            raise InputError(f"baseline {r['baseline']!r} is not a number", layer="baseline", row=i + 1, column="baseline") from None
        source = " / ".join(str(r[c]) for c in ("source", "method") if c in r and isinstance(r[c], str) and r[c])
        rows[str(r["indicator"])] = {
            "baseline": b,
            "unit": r.get("unit") or "",
            "direction": r.get("direction") or None,
            "source": source or "given",
        }
    return rows


def _depths(table: pd.DataFrame, id_field: str) -> np.ndarray:
    if "top_m" in table.columns:
        return pd.to_numeric(table["top_m"], errors="coerce").to_numpy(float)
    if "depth_cm" in table.columns:
        return pd.to_numeric(table["depth_cm"], errors="coerce").to_numpy(float) / 100.0
    ids = table[id_field].astype(str).str.rsplit("-", n=1)
    return pd.to_numeric(ids.str[-1], errors="coerce").to_numpy(float) / 100.0


def assign_layers(top_m, layers: Sequence[DepthLayer], sample_ids=None) -> np.ndarray:
    """Name of the layer holding each top depth (m); a depth outside every layer is an error."""
    top = np.asarray(top_m, dtype=float)
    out = np.full(len(top), None, dtype=object)
    for lay in layers:
        out[(top >= lay.top_m) & (top < lay.bottom_m)] = lay.name
    bad = np.flatnonzero(pd.isna(out))
    if len(bad):
        i = int(bad[0])
        who = sample_ids[i] if sample_ids is not None else None
        raise InputError(
            f"sample depth {top[i]:g} m lies in no depth layer ({', '.join(x.name for x in layers)}); "
            "give layers that cover it",
            layer="samples",
            feature=who,
            row=None if who is not None else i + 1,
            column="top_m",
        )
    return out


def confirm_samples(
    samples,
    baseline,
    indicators: Optional[Sequence[str]] = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    layers: Optional[Sequence[DepthLayer]] = None,
    layer_field: Optional[str] = None,
    zone_field: str = "zone",
    id_field: str = "sample_id",
    ree_totals: bool = True,
) -> PointDamage:
    """Damage degree and confirmation of every sample and indicator, summed per zone and layer.

    Parameters
    ----------
    samples : pandas.DataFrame or geopandas.GeoDataFrame
        The wide table of :func:`ree_damage.core.lab.importer.import_lab_results`: per
        indicator ``<code>`` (value; the detection limit when censored) and
        ``<code>_flag``; ``sample_id``, ``zone`` and the top depth (``top_m``, or
        ``depth_cm``, or the id's ``-<cm>`` suffix). Concentrations in the baseline's
        unit (mg/kg for soil pollutants, pH units for pH).
    baseline : BaselineResult, pandas.DataFrame or mapping
        The baseline table of :mod:`ree_damage.core.lab.baseline` (``indicator``,
        ``baseline``, ``unit``, ``direction``, ``source``) or ``{indicator: value}``.
    indicators : sequence of str, optional
        Default: every indicator of the baseline found in the table.
    threshold : float
        K above which damage is confirmed (default 0.2, i.e. more than 20 %).
    layers : sequence of DepthLayer, optional
        Depth layers (default :func:`default_layers` down to the deepest sample).
    layer_field : str, optional
        A column naming each sample's layer instead of ``layers``.
    zone_field, id_field : str
    ree_totals : bool
        Add ``REE_SUM`` and ``REO`` (:func:`add_ree_totals`) when the elements are there.

    Returns
    -------
    PointDamage
    """
    if not 0 <= threshold < 10:
        raise InputError(f"the confirmation threshold must be a fraction such as 0.2, not {threshold!r}")
    if id_field not in samples.columns:
        raise InputError(f"sample id field {id_field!r} not found", layer="samples", column=id_field)
    table = add_ree_totals(samples) if ree_totals else samples
    base = baseline_rows(baseline)
    warnings = []
    if indicators is None:
        indicators = [c for c in base if c in table.columns]
    for code in indicators:
        if code not in table.columns:
            raise InputError(f"indicator {code!r} is not in the sample table", layer="samples", column=code)
        if code not in base:
            warnings.append(Message("DAMAGE_NO_BASELINE", code=code))
    ids = table[id_field].astype(str).to_numpy()
    top = _depths(table, id_field)
    if layer_field is not None:
        if layer_field not in table.columns:
            raise InputError(f"layer field {layer_field!r} not found", layer="samples", column=layer_field)
        layer_of = table[layer_field].astype(str).to_numpy()
        used_layers = None
    else:
        if np.isnan(top).any():
            i = int(np.flatnonzero(np.isnan(top))[0])
            raise InputError("sample has no depth (top_m, depth_cm or an id <point>-<cm>)", layer="samples", feature=ids[i])
        used_layers = list(layers) if layers is not None else default_layers(float(np.max(top, initial=0.0)))
        layer_of = assign_layers(top, used_layers, ids)
    if zone_field in table.columns:
        zones = table[zone_field].fillna("").astype(str).to_numpy()
    else:
        zones = np.array([s.split("-")[0] if "-" in s else "" for s in ids], dtype=object)
        warnings.append(Message("DAMAGE_ZONES_FROM_IDS", field=zone_field))
    rule = rule_text(threshold)
    frames = []
    geometry = table.geometry.to_numpy() if hasattr(table, "geometry") and "geometry" in table.columns else None
    for code in indicators:
        info = base.get(code, {"baseline": float("nan"), "unit": "", "direction": None, "source": ""})
        direction = info["direction"] or ("below" if code == "pH" else "above")
        value = pd.to_numeric(table[code], errors="coerce").to_numpy(float)
        flag_col = f"{code}_flag"
        flags = table[flag_col].fillna("").astype(str).str.strip().to_numpy() if flag_col in table.columns else np.full(len(table), "")
        dl_col = f"{code}_dl"
        if dl_col in table.columns:  # a separate detection-limit column, where a table has one
            dl = pd.to_numeric(table[dl_col], errors="coerce").to_numpy(float)
            value = np.where((flags == FLAG_BELOW) & np.isfinite(dl), dl, value)
        status, k, bound = classify(value, flags, info["baseline"], direction, indicator=code, threshold=threshold)
        extra_col = f"{code}_censored_max"
        if extra_col in table.columns:
            # a total with censored parts lies between its measured part and that plus
            # the parts' detection limits: decided only where both bounds agree
            extra = pd.to_numeric(table[extra_col], errors="coerce").fillna(0.0).to_numpy(float)
            upper, _, _ = classify(value + extra, flags, info["baseline"], direction, indicator=code, threshold=threshold)
            partial = extra > 0
            split = partial & (upper != status)
            status = np.where(split, "undecidable", status)
            k = np.where(split, np.nan, k)
            bound = np.where(partial & ~split & np.isfinite(k), ">=", bound)
        b = info["baseline"]
        delta = (b - value) if direction == "below" else (value - b)
        frame = pd.DataFrame(
            {
                "sample_id": ids,
                "zone": zones,
                "depth_layer": layer_of,
                "top_m": top,
                "indicator": code,
                "unit": info["unit"],
                "value": value,
                "flag": flags,
                "detection_limit": np.where(flags == FLAG_BELOW, value, np.nan),
                "baseline": b,
                "baseline_source": info["source"],
                "direction": direction,
                "k": k,
                "k_bound": bound,
                "delta": np.where(np.isfinite(value), delta, np.nan),
                "status": status,
                "above": np.isin(status, ["confirmed", "above"]),
                "confirmed": status == "confirmed",
                "rule": rule,
            }
        )
        if geometry is not None:
            frame["geometry"] = geometry
        frames.append(frame)
    if frames:
        long = pd.concat(frames, ignore_index=True)
    else:
        long = pd.DataFrame(columns=list(SAMPLE_COLUMNS))
    if geometry is not None:
        import geopandas as gpd

        long = gpd.GeoDataFrame(long, geometry="geometry", crs=table.crs)
    summary = summarise(long, rule)
    signature = leaching_signature(long)
    if len(long) and not long["confirmed"].any():
        warnings.append(Message("DAMAGE_NONE_CONFIRMED"))
    parameters = {
        "threshold": threshold,
        "rule": rule,
        "ph_degree": "K = 10^(B - C) - 1 (hydrogen-ion activity); delta = B - C (pH drop)",
        "censored": "below the detection limit never above the baseline; undecidable where DL > B; undecidable samples left out of N",
        "layers": [vars(x) for x in used_layers] if used_layers is not None else f"field {layer_field}",
        "indicators": list(indicators),
        "ree_totals": {"factors": OXIDE_FACTORS, "censored_elements": "counted as 0 (lower bound)"} if ree_totals else None,
    }
    return PointDamage(long, summary, signature, warnings, parameters)


def summarise(long: pd.DataFrame, rule: str = "") -> pd.DataFrame:
    """Per zone, depth layer and indicator (and zone ``"ALL"``): N, N0, ratios, max and mean K.

    ``n_samples`` counts samples with a value; ``n`` the decidable ones (undecidable and
    no-baseline samples left out); K statistics over measured values only.
    """
    if not len(long):
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    data = pd.DataFrame(long.drop(columns="geometry", errors="ignore"))
    both = pd.concat([data, data.assign(zone="ALL")], ignore_index=True)
    has = both["status"] != "missing"
    dec = both["status"].isin(["confirmed", "above", "not_above"])
    meas = dec & (both["k_bound"] == "") & np.isfinite(both["k"].astype(float))
    both = both.assign(
        _has=has,
        _und=both["status"] == "undecidable",
        _dec=dec,
        _k=np.where(meas, both["k"].astype(float), np.nan),
    )
    keys = ["zone", "depth_layer", "indicator"]
    g = both.groupby(keys, sort=False)
    out = g.agg(
        unit=("unit", "first"),
        baseline=("baseline", "first"),
        n_samples=("_has", "sum"),
        n_undecidable=("_und", "sum"),
        n=("_dec", "sum"),
        n_above=("above", "sum"),
        n_confirmed=("confirmed", "sum"),
        k_max=("_k", "max"),
        k_mean=("_k", "mean"),
    ).reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["ratio_above"] = np.where(out["n"] > 0, out["n_above"] / out["n"].where(out["n"] > 0, 1), np.nan)
        out["ratio_confirmed"] = np.where(out["n"] > 0, out["n_confirmed"] / out["n"].where(out["n"] > 0, 1), np.nan)
    out["rule"] = rule
    for c in ("n_samples", "n_undecidable", "n", "n_above", "n_confirmed"):
        out[c] = out[c].astype(int)
    return out[list(SUMMARY_COLUMNS)]


def leaching_signature(long: pd.DataFrame, members: Sequence[str] = SIGNATURE) -> pd.DataFrame:
    """Per sample: the leaching-signature members present, confirmed, and whether all are.

    Columns ``sample_id, zone, depth_layer, members, confirmed_members, n_members,
    n_confirmed, full_signature`` (every member with a decidable status confirmed).
    """
    cols = ["sample_id", "zone", "depth_layer", "members", "confirmed_members", "n_members", "n_confirmed", "full_signature"]
    if not len(long):
        return pd.DataFrame(columns=cols)
    sub = pd.DataFrame(long.drop(columns="geometry", errors="ignore"))
    sub = sub[sub["indicator"].isin(list(members)) & sub["status"].isin(["confirmed", "above", "not_above"])]
    if not len(sub):
        return pd.DataFrame(columns=cols)
    order = {m: i for i, m in enumerate(members)}
    sub = sub.assign(_o=sub["indicator"].map(order)).sort_values(["_o"], kind="stable")
    g = sub.groupby(["sample_id", "zone", "depth_layer"], sort=False)
    out = g.agg(
        members=("indicator", ";".join),
        confirmed_members=("indicator", lambda s: ";".join(s[sub.loc[s.index, "confirmed"]])),
        n_members=("indicator", "size"),
        n_confirmed=("confirmed", "sum"),
    ).reset_index()
    out["n_confirmed"] = out["n_confirmed"].astype(int)
    out["full_signature"] = out["n_confirmed"] == out["n_members"]
    first = {s: i for i, s in enumerate(dict.fromkeys(long["sample_id"]))}
    out = out.sort_values("sample_id", key=lambda s: s.map(first), kind="stable").reset_index(drop=True)
    return out[cols]
