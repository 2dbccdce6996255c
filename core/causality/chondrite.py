"""Chondrite normalisation of rare earth patterns and the indices practitioners read from them.

The normalising values are an editable table (``element, value_ppm, source``): the
default is the CI chondrite of Sun & McDonough (1989), shipped in :data:`SUN_MCDONOUGH_1989`
and written beside every result; a user table in the same form replaces it. The 15 values
were checked one by one against an independent transcription of the same table (pyrolite's
``CH_SunMcDonough1989`` reference composition, DOI 10.1144/GSL.SP.1989.042.01.19): all
equal. They have not been checked against the printed paper here.

Formulas (N = sample / chondrite, both in mg/kg = ppm):

- sum of REE: sum of the measured elements of the grouping, mg/kg;
- LREE/HREE: sum of the light group / sum of the heavy group (mg/kg / mg/kg); the default
  grouping, as in the Chinese ion-adsorption literature, is La-Eu light and Gd-Lu plus Y heavy;
- (La/Yb)N = La_N / Yb_N;
- Eu anomaly: Eu/Eu* = Eu_N / sqrt(Sm_N x Gd_N) (geometric mean of the neighbours);
- Ce anomaly: Ce/Ce* = Ce_N / sqrt(La_N x Pr_N).

Examples
--------
>>> table = normalising_table()
>>> float(table.loc["La", "value_ppm"]), float(table.loc["Yb", "value_ppm"])
(0.237, 0.17)
>>> idx = ree_indices(pd.DataFrame({"La": [23.7], "Yb": [1.7]}), table)
>>> round(float(idx["la_yb_n"].iloc[0]), 9)
10.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from ..common.errors import InputError

REE_ORDER = ("La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Y")
"""Plotting order: La-Lu by atomic number (Pm never reported), then Y."""

LREE_DEFAULT = ("La", "Ce", "Pr", "Nd", "Sm", "Eu")
HREE_DEFAULT = ("Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Y")

SUN_MCDONOUGH_1989_SOURCE = (
    "CI chondrite, Sun S.-s. & McDonough W.F. (1989) Chemical and isotopic systematics of oceanic "
    "basalts, Geol. Soc. London Spec. Publ. 42, 313-345, Table 1 (ppm)"
)
SUN_MCDONOUGH_1989 = {
    "La": 0.237,
    "Ce": 0.612,
    "Pr": 0.095,
    "Nd": 0.467,
    "Sm": 0.153,
    "Eu": 0.058,
    "Gd": 0.2055,
    "Tb": 0.0374,
    "Dy": 0.254,
    "Ho": 0.0566,
    "Er": 0.1655,
    "Tm": 0.0255,
    "Yb": 0.170,
    "Lu": 0.0254,
    "Y": 1.57,
}
"""CI chondrite, ppm (mg/kg), the default normalising values."""

FORMULAS = {
    "sum_ree": "sum of the measured REE of the grouping (mg/kg)",
    "lree_hree": "sum(LREE) / sum(HREE)",
    "la_yb_n": "(La/Yb)N = La_N / Yb_N",
    "eu_anomaly": "Eu/Eu* = Eu_N / sqrt(Sm_N * Gd_N)",
    "ce_anomaly": "Ce/Ce* = Ce_N / sqrt(La_N * Pr_N)",
}
"""Index -> formula as written into the outputs."""


def normalising_table(path=None) -> pd.DataFrame:
    """The normalising values: the shipped CI chondrite, or a user table.

    Parameters
    ----------
    path : path-like, optional
        CSV with columns ``element``, ``value_ppm`` and ``source`` (one row per element,
        values in mg/kg = ppm, > 0). Without it: :data:`SUN_MCDONOUGH_1989`.

    Returns
    -------
    pandas.DataFrame
        Indexed by element: ``value_ppm`` (float, ppm) and ``source`` (text).

    Raises
    ------
    InputError
        A missing column, a non-positive or non-numeric value (naming the row), a
        duplicated element.
    """
    if path is None:
        frame = pd.DataFrame(
            {"element": list(SUN_MCDONOUGH_1989), "value_ppm": list(SUN_MCDONOUGH_1989.values())}
        )
        frame["source"] = SUN_MCDONOUGH_1989_SOURCE
        return frame.set_index("element")
    layer = Path(path).name
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    except Exception as exc:  # pandas raises several parser errors
        raise InputError(f"cannot read the normalising table: {exc}", layer=layer) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    for column in ("element", "value_ppm", "source"):
        if column not in frame.columns:
            raise InputError(f"column {column!r} missing (element, value_ppm, source)", layer=layer, column=column)
    frame["element"] = frame["element"].str.strip()
    values = pd.to_numeric(frame["value_ppm"], errors="coerce")
    bad = ~(values > 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"value_ppm must be a positive number, not {frame['value_ppm'].iloc[row]!r}",
            layer=layer, row=row + 2, column="value_ppm",
        )
    if frame["element"].duplicated().any():
        element = frame.loc[frame["element"].duplicated(), "element"].iloc[0]
        raise InputError(f"element {element!r} is listed twice", layer=layer, column="element")
    frame["value_ppm"] = values.astype(float)
    frame["source"] = frame["source"].fillna("").astype(str)
    return frame.set_index("element")[["value_ppm", "source"]]


def ree_columns(table: pd.DataFrame, reference: pd.DataFrame) -> list:
    """The REE columns of ``table`` that the reference normalises, in :data:`REE_ORDER`."""
    return [e for e in REE_ORDER if e in table.columns and e in reference.index]


def normalise(table: pd.DataFrame, reference: pd.DataFrame, elements: Optional[Sequence[str]] = None) -> pd.DataFrame:
    """Chondrite-normalised values (dimensionless): sample (mg/kg) / reference (ppm).

    A value flagged below its detection limit (``<code>_flag == "<"``) is left out (NaN):
    the detection limit is not a concentration, and a pattern drawn through it would be
    invented. Non-positive values are left out too.

    Parameters
    ----------
    table : pandas.DataFrame
        Element columns in mg/kg (the lab importer's wide table), with optional flags.
    reference : pandas.DataFrame
        From :func:`normalising_table`.
    elements : sequence of str, optional
        Default: :func:`ree_columns`.

    Returns
    -------
    pandas.DataFrame
        Same index, one column per element.
    """
    elements = list(elements) if elements is not None else ree_columns(table, reference)
    out = {}
    for element in elements:
        values = pd.to_numeric(table[element], errors="coerce").astype(float)
        flag_column = f"{element}_flag"
        if flag_column in table.columns:
            flags = table[flag_column].fillna("").astype(str).str.strip()
            values = values.where(flags == "")
        values = values.where(values > 0)
        out[element] = values / float(reference.loc[element, "value_ppm"])
    return pd.DataFrame(out, index=table.index)


def _group_sum(table: pd.DataFrame, group: Sequence[str]) -> pd.Series:
    present = [e for e in group if e in table.columns]
    if not present:
        return pd.Series(np.nan, index=table.index)
    return table[present].sum(axis=1, min_count=len(present))


def ree_indices(
    table: pd.DataFrame,
    reference: pd.DataFrame,
    *,
    lree: Sequence[str] = LREE_DEFAULT,
    hree: Sequence[str] = HREE_DEFAULT,
) -> pd.DataFrame:
    """Sum of REE, LREE/HREE, (La/Yb)N and the Eu and Ce anomalies of each sample.

    Parameters
    ----------
    table : pandas.DataFrame
        Element columns in mg/kg (values below detection left out, see :func:`normalise`).
    reference : pandas.DataFrame
        From :func:`normalising_table`.
    lree, hree : sequence of str
        The light and heavy groups (disjoint); an element of neither is left out of the sum.

    Returns
    -------
    pandas.DataFrame
        ``sum_ree`` (mg/kg), ``lree`` and ``hree`` (mg/kg), ``lree_hree``, ``la_yb_n``,
        ``eu_anomaly``, ``ce_anomaly`` (dimensionless); NaN where an element needed is
        missing or below detection (a sum needs every element of its group).
    """
    overlap = sorted(set(lree) & set(hree))
    if overlap:
        raise InputError(f"an element cannot be both light and heavy REE: {', '.join(overlap)}")
    elements = [e for e in REE_ORDER if e in table.columns and e in reference.index]
    normalised = normalise(table, reference, elements)
    concentrations = normalised * reference.loc[elements, "value_ppm"].to_numpy()[None, :]
    light = _group_sum(concentrations, lree)
    heavy = _group_sum(concentrations, hree)

    def n(element):
        return normalised[element] if element in normalised.columns else pd.Series(np.nan, index=table.index)

    with np.errstate(divide="ignore", invalid="ignore"):
        out = pd.DataFrame(
            {
                "sum_ree": light + heavy,
                "lree": light,
                "hree": heavy,
                "lree_hree": light / heavy,
                "la_yb_n": n("La") / n("Yb"),
                "eu_anomaly": n("Eu") / np.sqrt(n("Sm") * n("Gd")),
                "ce_anomaly": n("Ce") / np.sqrt(n("La") * n("Pr")),
            },
            index=table.index,
        )
    return out.replace([np.inf, -np.inf], np.nan)


def log_pattern(normalised: pd.DataFrame) -> pd.DataFrame:
    """log10 of the normalised values (NaN where absent)."""
    return np.log10(normalised.where(normalised > 0))


def pattern_correlation(patterns: pd.DataFrame, reference: Sequence[float], min_elements: int = 5) -> pd.Series:
    """Pearson correlation of each row's log10 pattern with a reference log10 pattern.

    Parameters
    ----------
    patterns : pandas.DataFrame
        log10 normalised values, one column per element.
    reference : sequence of float
        The source's log10 pattern over the same columns (NaN where unknown).
    min_elements : int
        Fewer elements present in both: NaN (a correlation of 2-4 points means little).

    Returns
    -------
    pandas.Series
        r in [-1, 1], 1 for the same shape whatever the concentration level.
    """
    ref = np.asarray(reference, dtype=float)
    values = patterns.to_numpy(dtype=float)
    out = np.full(len(patterns), np.nan)
    for i, row in enumerate(values):
        both = np.isfinite(row) & np.isfinite(ref)
        if both.sum() < min_elements:
            continue
        a = row[both] - row[both].mean()
        b = ref[both] - ref[both].mean()
        denom = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
        out[i] = float((a * b).sum()) / denom if denom > 0 else np.nan
    return pd.Series(out, index=patterns.index)


def mean_pattern(patterns: pd.DataFrame) -> pd.Series:
    """The mean log10 pattern of a group (the log of the geometric mean), per element."""
    return patterns.mean(axis=0, skipna=True)
