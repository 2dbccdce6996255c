"""baseline: the baseline (基线) of each indicator, from control samples, given values or standards.

GB/T 39791 asks for the baseline from historical data or from a control (reference)
area of the same soil, hydrogeology and land use; the statistic is a choice of the
assessor and is recorded. Offered statistics (**[default]** of DOMAIN.md, all editable):

``mean_2sd`` (default)
    Shapiro-Wilk test (alpha 0.05) on the values; if normal: mean + 2 SD; else on ln
    values: if lognormal, exp(mean_ln + 2 SD_ln) (geometric mean x GSD^2); if neither,
    the 95th percentile (recorded as the method used).
``p90``, ``p95``
    Percentiles (linear interpolation between order statistics, Hyndman-Fan type 7).
``utl95_95``
    Upper tolerance limit, 95 % coverage with 95 % confidence: normal (or lognormal on
    the ln scale) ``mean + k SD`` with the exact one-sided factor
    ``k = t'_{0.95}(n - 1, z_{0.95} sqrt(n)) / sqrt(n)`` (noncentral t); if the data are
    neither, the nonparametric order statistic (the maximum below n = 59, with the
    confidence it really achieves recorded).
``max``
    The largest control value.

Indicators whose damage is a *decrease* (``direction="below"``: pH, acidification) get
the mirror statistics: mean - 2 SD, the 10th / 5th percentile, the lower tolerance limit,
the minimum.

Censored control values (below the detection limit) are replaced by the substitution
rule asked for (default DL/2, recorded) before the statistic; their count is reported;
more than half censored gives a warning, all censored gives the highest detection limit.
Fewer than 5 control values warn; fewer than 3 refuse unless ``allow_few`` is set.

The output is one table, one row per indicator (:data:`COLUMNS`), that damage_extent
reads (``indicator``, ``baseline``, ``unit``, ``direction``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from ..common.errors import InputError
from ..common.messages import Message
from .censored import DEFAULT_RULE, FLAG_BELOW, FLAG_MEASURED, check_rule, substitute

STATISTICS = ("mean_2sd", "p90", "p95", "utl95_95", "max")
"""Statistics offered for control samples."""

DEFAULT_STATISTIC = "mean_2sd"
ALPHA = 0.05
"""Significance level of the Shapiro-Wilk normality test."""

MIN_N = 3
"""Below this many control values the baseline is refused (unless ``allow_few``)."""

WARN_N = 5
"""Below this many control values a warning is given."""

DECREASING = frozenset({"pH"})
"""Indicators whose damage is a decrease (direction "below") unless told otherwise."""

COLUMNS = (
    "indicator",
    "baseline",
    "unit",
    "direction",
    "source",
    "statistic",
    "method",
    "n",
    "n_censored",
    "substitution",
    "normality_test",
    "normality_p",
    "normality_p_log",
    "distribution",
    "mean",
    "sd",
    "median",
    "min",
    "max",
    "tolerance_factor",
    "coverage",
    "confidence",
    "standard",
    "land_use",
    "ph_band",
    "level",
    "note",
)
"""Columns of the baseline table."""

COUNT_COLUMNS = ("n", "n_censored")
"""Whole-number columns: Python ints, empty (None) where the source has no count (a
screening value), so a count is never written as 48.0."""

FLOAT_COLUMNS = (
    "baseline",
    "normality_p",
    "normality_p_log",
    "mean",
    "sd",
    "median",
    "min",
    "max",
    "tolerance_factor",
    "coverage",
    "confidence",
)
"""Statistics: float, NaN where empty. Every other column holds text (object)."""

DTYPES = {c: (float if c in FLOAT_COLUMNS else object) for c in COLUMNS}
"""The dtype schema of the baseline table: every table has it, whatever its source, so
tables concatenate without guessing (pandas' all-NA concatenation rule)."""


def _table(rows: list) -> pd.DataFrame:
    """The baseline table of ``rows`` (dicts by :func:`_row`) with the :data:`DTYPES` schema."""
    return pd.DataFrame(rows, columns=list(COLUMNS)).astype(DTYPES)


@dataclass
class BaselineResult:
    """A baseline table with its warnings and parameters.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per indicator, columns :data:`COLUMNS`.
    warnings : list of str
    parameters : dict
        Everything that decided the values (for provenance).
    """

    table: pd.DataFrame
    warnings: list = field(default_factory=list)
    parameters: dict = field(default_factory=dict)

    def value(self, indicator: str) -> float:
        """The baseline of one indicator."""
        row = self.table[self.table["indicator"] == indicator]
        if row.empty:
            raise KeyError(indicator)
        return float(row["baseline"].iloc[0])

    def provenance(self, *, inputs: Optional[Mapping] = None, host: Optional[Mapping] = None) -> dict:
        """The provenance record of this baseline (statistic, settings, warnings)."""
        from ..common.provenance import result_record

        return result_record("ree_damage:baseline", self, inputs=inputs, host=host)

    def write(self, path, *, inputs: Optional[Mapping] = None, host: Optional[Mapping] = None) -> dict:
        """Write the table (``.csv``, UTF-8 with BOM for Excel) with a provenance sidecar, atomically.

        Returns
        -------
        dict
            ``"baseline"`` -> pathlib.Path written.
        """
        from ..common.provenance import recorded_outputs
        from ..geo.vector_io import write_frame

        final = Path(path)
        with recorded_outputs([final], self.provenance(inputs=inputs, host=host)) as (tmp,):
            write_frame(tmp, self.table)
        return {"baseline": final}


def _row(**kw) -> dict:
    row = dict.fromkeys(COLUMNS)
    row.update(kw)
    return row


def tolerance_factor(n: int, coverage: float = 0.95, confidence: float = 0.95) -> float:
    """Exact one-sided normal tolerance factor k (noncentral t).

    Examples
    --------
    >>> round(tolerance_factor(10), 3), round(tolerance_factor(30), 3)
    (2.911, 2.22)
    """
    from scipy.stats import nct, norm

    if n < 2:
        return float("nan")
    zp = norm.ppf(coverage)
    return float(nct.ppf(confidence, df=n - 1, nc=zp * math.sqrt(n)) / math.sqrt(n))


def _nonparametric_tolerance(x: np.ndarray, coverage: float, confidence: float, upper: bool):
    """Order statistic with confidence >= ``confidence`` of covering ``coverage``."""
    from scipy.stats import binom

    xs = np.sort(x)
    n = len(xs)
    # upper limit X_(r): P(X_(r) >= q_coverage) = P(Bin(n, coverage) <= r - 1)
    for r in range(1, n + 1):
        achieved = float(binom.cdf(r - 1, n, coverage))
        if achieved >= confidence:
            return (xs[r - 1] if upper else xs[n - r]), achieved, r
    achieved = float(1.0 - coverage**n)
    return (xs[-1] if upper else xs[0]), achieved, n


def _normality(x: np.ndarray):
    from scipy.stats import shapiro

    if len(x) < 3 or np.ptp(x) == 0:
        return float("nan")
    return float(shapiro(x).pvalue)


def control_statistic(
    values,
    statistic: str = DEFAULT_STATISTIC,
    *,
    direction: str = "above",
    alpha: float = ALPHA,
    coverage: float = 0.95,
    confidence: float = 0.95,
) -> dict:
    """One baseline statistic of (already substituted) control values.

    Returns
    -------
    dict
        ``baseline, method, distribution, normality_p, normality_p_log, mean, sd,
        median, min, max, tolerance_factor, coverage, confidence, note``.
    """
    if statistic not in STATISTICS:
        raise InputError(f"unknown baseline statistic {statistic!r}; choose one of {', '.join(STATISTICS)}")
    if direction not in ("above", "below"):
        raise InputError(f"direction must be 'above' or 'below', not {direction!r}")
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    up = direction == "above"
    sign = 1.0 if up else -1.0
    out = {
        "mean": float(x.mean()) if n else float("nan"),
        "sd": float(x.std(ddof=1)) if n > 1 else float("nan"),
        "median": float(np.median(x)) if n else float("nan"),
        "min": float(x.min()) if n else float("nan"),
        "max": float(x.max()) if n else float("nan"),
        "normality_p": float("nan"),
        "normality_p_log": float("nan"),
        "distribution": "",
        "tolerance_factor": float("nan"),
        "coverage": float("nan"),
        "confidence": float("nan"),
        "note": "",
    }
    if n == 0:
        return {**out, "baseline": float("nan"), "method": "no values"}
    if statistic == "max" or n < 2:
        method = ("max" if up else "min") + (" (one value only)" if n < 2 and statistic != "max" else "")
        return {**out, "baseline": out["max"] if up else out["min"], "method": method}
    if statistic in ("p90", "p95"):
        q = float(statistic[1:])
        q = q if up else 100.0 - q
        return {**out, "baseline": float(np.percentile(x, q)), "method": f"P{q:g} (linear, type 7)"}
    # parametric statistics: normal, else lognormal, else nonparametric
    p_raw = _normality(x)
    out["normality_p"] = p_raw
    dist = None
    if np.isfinite(p_raw) and p_raw >= alpha:
        dist, t = "normal", x
    elif (x > 0).all():
        p_log = _normality(np.log(x))
        out["normality_p_log"] = p_log
        if np.isfinite(p_log) and p_log >= alpha:
            dist, t = "lognormal", np.log(x)
    if n < 3:
        dist, t = "normal", x
        out["note"] = "too few values for a normality test: normal assumed"
    out["distribution"] = dist or "neither normal nor lognormal"
    if statistic == "mean_2sd":
        if dist is None:
            q = 95.0 if up else 5.0
            out["note"] = (
                f"Shapiro-Wilk rejects normal and lognormal (alpha {alpha}): P{q:g} used instead of mean {'+' if up else '-'} 2 SD"
            )
            return {**out, "baseline": float(np.percentile(x, q)), "method": f"P{q:g} (fallback)"}
        m, s = float(t.mean()), float(t.std(ddof=1))
        b = m + sign * 2.0 * s
        if dist == "lognormal":
            return {
                **out,
                "baseline": math.exp(b),
                "method": f"exp(mean {'+' if up else '-'} 2 SD) of ln values",
            }
        return {**out, "baseline": b, "method": f"mean {'+' if up else '-'} 2 SD"}
    # utl95_95
    out["coverage"], out["confidence"] = coverage, confidence
    if dist is None:
        v, achieved, r = _nonparametric_tolerance(x, coverage, confidence, up)
        out["confidence"] = achieved
        out["note"] = f"nonparametric tolerance limit: order statistic {r} of {n}" + (
            f"; only {achieved:.3f} confidence with n = {n}" if achieved < confidence else ""
        )
        return {**out, "baseline": float(v), "method": "nonparametric tolerance limit"}
    k = tolerance_factor(n, coverage, confidence)
    out["tolerance_factor"] = k
    m, s = float(t.mean()), float(t.std(ddof=1))
    b = m + sign * k * s
    if dist == "lognormal":
        return {**out, "baseline": math.exp(b), "method": "tolerance limit of ln values (exp)"}
    return {**out, "baseline": b, "method": "normal tolerance limit"}


def _long_from(data, indicators, id_field) -> pd.DataFrame:
    """indicator, value, flag rows from a long or wide control table."""
    cols = set(data.columns)
    if {"indicator", "value"} <= cols:
        long = data.copy()
        if "flag" not in cols:
            long["flag"] = FLAG_MEASURED
        if indicators is not None:
            long = long[long["indicator"].isin(list(indicators))]
        return long[["indicator", "value", "flag"] + ([id_field] if id_field in cols else [])]
    if indicators is None:
        indicators = [
            c
            for c in data.columns
            if not str(c).endswith("_flag") and c != "geometry" and f"{c}_flag" in cols
        ]
        if not indicators:
            raise InputError(
                "name the indicator columns: none has a '<code>_flag' column beside it", layer="controls"
            )
    frames = []
    for code in indicators:
        if code not in cols:
            raise InputError(f"indicator column {code!r} not found", layer="controls", column=code)
        try:
            vals = pd.to_numeric(data[code], errors="raise")
        except (ValueError, TypeError):
            bad = pd.to_numeric(data[code], errors="coerce").isna() & data[code].notna()
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"text in the number column: {data[code].iloc[i]!r}", layer="controls", row=i + 1, column=code
            ) from None
        flags = data[f"{code}_flag"] if f"{code}_flag" in cols else pd.Series(FLAG_MEASURED, index=data.index)
        frame = pd.DataFrame(
            {"indicator": code, "value": vals.to_numpy(float), "flag": flags.fillna("").to_numpy()}
        )
        if id_field in cols:
            frame[id_field] = data[id_field].to_numpy()
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def baseline_from_controls(
    controls: pd.DataFrame,
    indicators: Optional[Iterable[str]] = None,
    *,
    statistic=DEFAULT_STATISTIC,
    substitution: str = DEFAULT_RULE,
    directions: Optional[Mapping[str, str]] = None,
    units: Optional[Mapping[str, str]] = None,
    alpha: float = ALPHA,
    coverage: float = 0.95,
    confidence: float = 0.95,
    min_n: int = MIN_N,
    warn_n: int = WARN_N,
    allow_few: bool = False,
    id_field: str = "sample_id",
) -> BaselineResult:
    """Baseline per indicator from control (reference) samples.

    Parameters
    ----------
    controls : pandas.DataFrame
        Control samples only: the wide table of :func:`ree_damage.core.lab.importer.import_lab_results`
        filtered to the control area (``<code>`` and ``<code>_flag`` columns), or a long
        table with ``indicator, value[, flag]``.
    indicators : iterable of str, optional
        Indicators to compute (default: every ``<code>`` with a ``<code>_flag``).
    statistic : str or mapping
        One of :data:`STATISTICS` for all, or indicator -> statistic.
    substitution : str
        Rule for values below the detection limit (``dl/2``, ``dl``, ``zero``, ``dl/sqrt2``).
    directions : mapping, optional
        Indicator -> ``"above"`` or ``"below"`` (default: below for :data:`DECREASING`).
    units : mapping, optional
        Indicator -> unit, copied to the table (the lab import's units).
    alpha, coverage, confidence : float
        Normality test level; tolerance-limit coverage and confidence.
    min_n, warn_n : int
        Refuse below ``min_n`` values (unless ``allow_few``), warn below ``warn_n``.
    allow_few : bool
        Compute even below ``min_n`` (the note says so).
    """
    check_rule(substitution)
    long = _long_from(controls, indicators, id_field)
    order = list(dict.fromkeys(long["indicator"]))
    directions = dict(directions or {})
    units = dict(units or {})
    rows, warnings = [], []
    for code in order:
        sub = long[long["indicator"] == code]
        flags = sub["flag"].fillna(FLAG_MEASURED).astype(str).str.strip().to_numpy()
        raw = sub["value"].to_numpy(float)
        has = np.isfinite(raw)
        flags, raw = flags[has], raw[has]
        n = len(raw)
        n_cens = int((flags == FLAG_BELOW).sum())
        stat = statistic.get(code, DEFAULT_STATISTIC) if isinstance(statistic, Mapping) else statistic
        direction = directions.get(code, "below" if code in DECREASING else "above")
        if n < min_n and not allow_few:
            raise InputError(
                f"{code}: only {n} control value(s); a baseline needs at least {min_n} "
                f"(collect more control samples, use given or screening values, or allow it explicitly)",
                layer="controls",
                column=code,
            )
        note = []
        if n < warn_n:
            warnings.append(Message("BASELINE_FEW_CONTROLS", code=code, n=n, warn_n=warn_n))
            note.append(f"n < {warn_n}")
        if n < min_n:
            note.append(f"n < {min_n}, computed on request")
        if n and n_cens == n:
            dl = float(np.nanmax(raw))
            warnings.append(Message("BASELINE_ALL_CENSORED", code=code, dl=dl))
            res = {"baseline": dl, "method": "all censored: highest detection limit"}
            rows.append(
                _row(
                    indicator=code,
                    unit=units.get(code, ""),
                    direction=direction,
                    source="control samples",
                    statistic=stat,
                    n=n,
                    n_censored=n_cens,
                    substitution=substitution,
                    normality_test="Shapiro-Wilk",
                    note="; ".join(note),
                    **res,
                )
            )
            continue
        if n_cens * 2 > n:
            warnings.append(
                Message("BASELINE_MOSTLY_CENSORED", code=code, n_censored=n_cens, n=n, rule=substitution)
            )
            note.append(f"{n_cens}/{n} censored")
        x = substitute(raw, flags, substitution)
        res = control_statistic(
            x, stat, direction=direction, alpha=alpha, coverage=coverage, confidence=confidence
        )
        if res.get("note"):
            note.append(res.pop("note"))
        else:
            res.pop("note", None)
        rows.append(
            _row(
                indicator=code,
                unit=units.get(code, ""),
                direction=direction,
                source="control samples",
                statistic=stat,
                n=n,
                n_censored=n_cens,
                substitution=substitution,
                normality_test=f"Shapiro-Wilk, alpha {alpha}",
                note="; ".join(note),
                **res,
            )
        )
    table = _table(rows)
    parameters = {
        "source": "control samples",
        "statistic": dict(statistic) if isinstance(statistic, Mapping) else statistic,
        "substitution": substitution,
        "alpha": alpha,
        "coverage": coverage,
        "confidence": confidence,
        "min_n": min_n,
        "warn_n": warn_n,
        "allow_few": allow_few,
        "directions": {r["indicator"]: r["direction"] for r in rows},
        "percentile_definition": "linear interpolation (Hyndman-Fan type 7)",
        "tolerance_factor": "exact one-sided, noncentral t",
    }
    return BaselineResult(table, warnings, parameters)


def baseline_from_values(
    values,
    *,
    units: Optional[Mapping[str, str]] = None,
    directions: Optional[Mapping[str, str]] = None,
    source: str = "given values",
    note: str = "",
) -> BaselineResult:
    """Baseline from given values (historical data, a report): mapping or DataFrame.

    ``values`` is ``{indicator: value}`` or a DataFrame with ``indicator`` and
    ``baseline`` (optionally ``unit``, ``direction``, ``source``, ``note``).
    """
    directions = dict(directions or {})
    units = dict(units or {})
    rows = []
    if isinstance(values, pd.DataFrame):
        if not {"indicator", "baseline"} <= set(values.columns):
            raise InputError(
                "a baseline table needs the columns 'indicator' and 'baseline'", layer="baseline"
            )
        items = values.to_dict("records")
    else:
        items = [{"indicator": k, "baseline": v} for k, v in dict(values).items()]
    for i, item in enumerate(items):
        code = str(item["indicator"])
        try:
            b = float(item["baseline"])
        except (TypeError, ValueError):
            raise InputError(
                f"baseline {item['baseline']!r} is not a number",
                layer="baseline",
                row=i + 1,
                column="baseline",
            ) from None
        if not math.isfinite(b) or b < 0:
            raise InputError(
                f"baseline of {code} must be a finite number >= 0, not {b}",
                layer="baseline",
                row=i + 1,
                column="baseline",
            )
        direction = item.get("direction") or directions.get(code, "below" if code in DECREASING else "above")
        rows.append(
            _row(
                indicator=code,
                baseline=b,
                unit=item.get("unit") or units.get(code, ""),
                direction=direction,
                source=item.get("source") or source,
                statistic="given",
                method="given",
                note=item.get("note") or note,
            )
        )
    return BaselineResult(_table(rows), [], {"source": source})


def baseline_from_screening(
    standard: str,
    *,
    land_use: Optional[str] = None,
    ph: Optional[float] = None,
    level: Optional[str] = None,
    indicators: Optional[Iterable[str]] = None,
) -> BaselineResult:
    """Baseline from a screening standard (see :func:`ree_damage.core.standards.screening.screening_values`)."""
    from ..standards.screening import STANDARDS, VERIFICATION_NOTE, screening_values

    sv = screening_values(standard, land_use=land_use, ph=ph, level=level, indicators=indicators)
    rows = []
    for r in sv.to_dict("records"):
        rows.append(
            _row(
                indicator=r["indicator"],
                baseline=r["value"],
                unit=r["unit"],
                direction=r["direction"],
                source=f"{r['standard']} {r['clause']}",
                statistic="screening value",
                method=f"{r['standard']} {r['level']}",
                standard=r["standard"],
                land_use=r["land_use"],
                ph_band=r["ph_band"],
                level=r["level"],
                note=r["note"],
            )
        )
    sid = sv["standard"].iloc[0] if len(sv) else standard
    params = {
        "source": "screening standard",
        "standard": sid,
        "land_use": land_use,
        "ph": ph,
        "level": level,
        "title": STANDARDS.get(sid, {}).get("title_zh"),
    }
    return BaselineResult(_table(rows), [f"{sid}: {VERIFICATION_NOTE}"], params)


def combine(*results: BaselineResult, prefer: str = "first") -> BaselineResult:
    """One table from several baselines: per indicator the first (or last) one that has it."""
    frames = [r.table.astype({c: t for c, t in DTYPES.items() if c in r.table.columns}) for r in results]
    if prefer == "last":
        frames = frames[::-1]
    table = (
        pd.concat(frames, ignore_index=True).drop_duplicates("indicator", keep="first").reset_index(drop=True)
    )
    warnings = [w for r in results for w in r.warnings]
    return BaselineResult(table, warnings, {"combined": [r.parameters for r in results], "prefer": prefer})


def compare(named: Mapping[str, BaselineResult]) -> pd.DataFrame:
    """Side by side: one row per indicator, one baseline column per source, so a user
    can compare control-derived values with screening values.

    Examples
    --------
    >>> a = baseline_from_values({"Cd": 0.2})
    >>> b = baseline_from_screening("GB15618-2018", ph=5.0, indicators=["Cd"])
    >>> compare({"control": a, "GB15618": b}).to_dict("records")
    [{'indicator': 'Cd', 'control': 0.2, 'GB15618': 0.3, 'unit': 'mg/kg'}]
    """
    out = None
    unit = {}
    for name, res in named.items():
        t = res.table[["indicator", "baseline"]].rename(columns={"baseline": name})
        for _, r in res.table.iterrows():
            if r["unit"]:
                unit.setdefault(r["indicator"], r["unit"])
        out = t if out is None else out.merge(t, on="indicator", how="outer")
    if out is None:
        return pd.DataFrame(columns=["indicator"])
    out["unit"] = out["indicator"].map(unit).fillna("")
    return out
