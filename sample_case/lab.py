"""The laboratory's result sheet for the synthetic soil samples.

Concentrations follow a simple source model: background per soil layer (log-normal
scatter) plus a contribution ``E = I_zone * exp(-d / 12 m) * h(depth)`` that decreases
with the distance ``d`` from the nearest mapped source (hole field, pool, ditch, pipe, pond)
and below the bottom of that source. Control samples get background only. Values are
rounded as a lab reports them (three significant figures, integers from 100 up) and
values below the detection limit are written as labs write them: ``<0.05``,
``< 0.05``, ``ND`` or ``未检出``.

All numbers are SYNTHETIC. Background REE follows the range of ion-adsorption clays
in southern Jiangxi (total REE about 200-800 mg/kg, light REE with a notable Y share).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .features import SOIL_PROFILES

ID_COLUMN = "样品编号 Sample ID"
"""Header of the sample id column (``<point id>-<depth cm>``, e.g. ``INJ-003-50``)."""
POINT_COLUMN = "点位编号 Point ID"
DEPTH_COLUMN = "采样深度 Depth (cm)"
NOTE_COLUMN = "备注 Note"
SYNTHETIC_NOTE = "合成数据，非真实检测结果 / SYNTHETIC, not a real measurement"

REE = ("La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Y")
"""The 15 lanthanides and Y in the sheet's column order (Pm, radioactive, is never reported)."""
# share of total REE (sum 1) and the extra element-to-element scatter (log sd)
_REE_SHARE = np.array(
    [
        0.200,
        0.222,
        0.045,
        0.170,
        0.032,
        0.006,
        0.028,
        0.0045,
        0.025,
        0.005,
        0.014,
        0.0012,
        0.012,
        0.0009,
        0.2344,
    ]
)
_REE_SCATTER = np.array(
    [0.08, 0.08, 0.08, 0.08, 0.12, 0.15, 0.12, 0.18, 0.15, 0.18, 0.18, 0.35, 0.2, 0.35, 0.1]
)
_HEAVY = np.array([e in ("Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Y") for e in REE])
METALS = ("Pb", "Cd", "Zn", "Mn", "Cu")

ANALYTES = (
    # (column header, unit, detection limit, method)
    ("pH", "无量纲 dimensionless", None, "HJ 962-2018 电位法 potentiometry"),
    ("NH4+-N (mg/kg)", "mg/kg", 0.10, "HJ 634-2012 氯化钾提取-分光光度法 KCl extraction, spectrophotometry"),
    ("SO4 2- (mg/kg)", "mg/kg", 50.0, "HJ 635-2012 水溶性硫酸盐 重量法 water-soluble sulfate, gravimetry"),
    *((f"{e} (mg/kg)", "mg/kg", 0.05, "GB/T 14506.30-2010 电感耦合等离子体质谱法 ICP-MS") for e in REE),
    ("Pb (mg/kg)", "mg/kg", 2.0, "HJ 803-2016 王水提取-ICP-MS aqua regia, ICP-MS"),
    ("Cd (mg/kg)", "mg/kg", 0.05, "HJ 803-2016 王水提取-ICP-MS aqua regia, ICP-MS"),
    ("Zn (mg/kg)", "mg/kg", 7.0, "HJ 803-2016 王水提取-ICP-MS aqua regia, ICP-MS"),
    ("Mn (mg/kg)", "mg/kg", 0.7, "HJ 803-2016 王水提取-ICP-MS aqua regia, ICP-MS"),
    ("Cu (mg/kg)", "mg/kg", 0.6, "HJ 803-2016 王水提取-ICP-MS aqua regia, ICP-MS"),
)
"""Lab sheet analyte columns: header, unit, detection limit (mg/kg), method."""

CENSORED_STYLES = ("<{dl}", "< {dl}", "ND", "未检出")
"""How values below the detection limit are written (``{dl}`` = the limit)."""
_STYLE_WEIGHTS = np.array([0.5, 0.15, 0.2, 0.15])

_INTENSITY = {"PREP": 1.0, "INJ": 0.85, "COLL": 0.65, "SETL": 0.95, "CTRL": 0.0}
_DECAY_M = 12.0
_REE_BACKGROUND = np.array([240.0, 560.0, 260.0, 150.0])  # per soil layer, mg/kg
_METAL_BACKGROUND = {
    "Pb": (52.0, 0.25, 0.5),
    "Cd": (0.075, 0.5, 3.0),
    "Zn": (68.0, 0.3, 1.0),
    "Mn": (310.0, 0.55, 1.8),
    "Cu": (17.0, 0.3, 0.4),
}
"""Per metal: background median (mg/kg), log sd, enrichment factor per unit exposure."""


def _lognormal(rng, median, sigma, size):
    return median * np.exp(rng.normal(0.0, sigma, size))


def concentrations(samples: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Model concentrations (mg/kg; pH unitless) for each sample row.

    Parameters
    ----------
    samples : pandas.DataFrame
        Columns ``zone``, ``depth_cm``, ``source_distance_m`` (m) and
        ``source_bottom_m`` (m below ground), one row per sample.
    seed : int

    Returns
    -------
    pandas.DataFrame
        One float column per analyte header of :data:`ANALYTES`, same row order.
    """
    rng = np.random.default_rng([seed, 3])
    size = len(samples)
    zone = samples["zone"].to_numpy()
    depth = samples["depth_cm"].to_numpy() / 100.0
    bottom = samples["source_bottom_m"].to_numpy()
    intensity = pd.Series(zone).map(_INTENSITY).to_numpy(dtype=np.float64)
    reach = np.exp(-samples["source_distance_m"].to_numpy() / _DECAY_M)
    inj = zone == "INJ"
    below = np.where(inj, np.maximum(depth - bottom - 1.0, 0.0) / 2.5, np.maximum(depth - bottom, 0.0) / 3.0)
    exposure = intensity * reach * np.exp(-below)

    layer = np.zeros(size, dtype=np.int64)
    water = np.zeros(size)
    for z, (bottoms, table) in SOIL_PROFILES.items():  # five areas, vectorised inside
        mask = zone == z
        layer[mask] = np.searchsorted(np.asarray(bottoms), depth[mask], side="left")
        water[mask] = table
    layer = np.minimum(layer, len(_REE_BACKGROUND) - 1)
    dilution = np.where(depth > water, 0.6, 1.0)

    out = {}
    ph = np.clip(rng.normal(5.45, 0.25, size), 4.9, 6.2) - 1.2 * exposure * rng.uniform(0.8, 1.2, size)
    out["pH"] = np.clip(ph, 3.8, 7.0)
    out["NH4+-N (mg/kg)"] = _lognormal(rng, 12.0, 0.5, size) + 1600.0 * exposure * dilution * np.exp(
        rng.normal(0, 0.45, size)
    )
    out["SO4 2- (mg/kg)"] = _lognormal(rng, 120.0, 0.35, size) + 3000.0 * exposure * dilution * np.exp(
        rng.normal(0, 0.45, size)
    )

    total = _REE_BACKGROUND[layer] * np.exp(rng.normal(0.0, 0.22, size))
    gain = np.where(inj, 1.0, 1.0 + 1.5 * exposure)  # leachate seeps and precipitates downslope
    leach = np.where(_HEAVY, 0.85, 0.65)[None, :] * np.where(inj, exposure, 0.0)[:, None]
    scatter = np.exp(rng.normal(0.0, 1.0, (size, len(REE))) * _REE_SCATTER[None, :])
    ree = (total * gain)[:, None] * _REE_SHARE[None, :] * (1.0 - leach) * scatter
    for i, element in enumerate(REE):
        out[f"{element} (mg/kg)"] = ree[:, i]

    for metal in METALS:
        median, sigma, enrich = _METAL_BACKGROUND[metal]
        factor = np.where(
            inj, 1.0 - (0.3 if metal in ("Cd", "Zn", "Mn") else 0.0) * exposure, 1.0 + enrich * exposure
        )
        out[f"{metal} (mg/kg)"] = _lognormal(rng, median, sigma, size) * factor
    return pd.DataFrame(out, index=samples.index)


def _format_values(values: np.ndarray, header: str) -> np.ndarray:
    """Numbers as a lab writes them: pH to 0.01; else 3 significant figures, integers from 100."""
    values = np.asarray(values, dtype=np.float64)
    if header == "pH":
        return np.char.mod("%.2f", np.round(values, 2)).astype(object)
    positive = np.maximum(values, 1e-12)
    decimals = np.clip(2 - np.floor(np.log10(positive)).astype(np.int64), 0, 3)
    text = np.empty(values.size, dtype=object)
    for d in np.unique(decimals):  # at most four groups
        mask = decimals == d
        text[mask] = np.char.mod(f"%.{d}f", np.round(values[mask], d))
    return text


def lab_table(samples: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The lab result sheet as delivered: every cell text, censored values as labs write them.

    Parameters
    ----------
    samples : pandas.DataFrame
        Sample rows from :class:`~.features.Site` (``point_id``, ``zone``, ``depth_cm``,
        ``source_distance_m``, ``source_bottom_m``).
    seed : int

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ID_COLUMN`, :data:`POINT_COLUMN`, :data:`DEPTH_COLUMN`, the
        analyte headers of :data:`ANALYTES`, :data:`NOTE_COLUMN`; one row per sample.
    """
    values = concentrations(samples, seed)
    rng = np.random.default_rng([seed, 4])
    depth = samples["depth_cm"].to_numpy()
    table = {
        ID_COLUMN: (
            samples["point_id"].astype(str) + "-" + pd.Series(depth, index=samples.index).astype(str)
        ).to_numpy(),
        POINT_COLUMN: samples["point_id"].to_numpy(),
        DEPTH_COLUMN: depth.astype(str).astype(object),
    }
    censored_cells = []
    for header, _unit, limit, _method in ANALYTES:
        text = _format_values(values[header].to_numpy(), header)
        if limit is not None:
            below = values[header].to_numpy() < limit
            censored_cells.append((header, np.flatnonzero(below), f"{limit:g}"))
        table[header] = text
    table[NOTE_COLUMN] = np.full(len(samples), SYNTHETIC_NOTE, dtype=object)
    frame = pd.DataFrame(table)

    # spell censored values: random style, but each style at least once (the first four)
    count = sum(rows.size for _, rows, _ in censored_cells)
    styles = rng.choice(len(CENSORED_STYLES), size=count, p=_STYLE_WEIGHTS)
    row_major = np.concatenate([rows * len(ANALYTES) + j for j, (_, rows, _) in enumerate(censored_cells)])
    ordered = np.argsort(row_major, kind="stable")
    styles[ordered[: len(CENSORED_STYLES)]] = np.arange(min(count, len(CENSORED_STYLES)))
    start = 0
    for header, rows, limit in censored_cells:
        spelled = np.array([style.format(dl=limit) for style in CENSORED_STYLES], dtype=object)
        frame.loc[rows, header] = spelled[styles[start : start + rows.size]]
        start += rows.size
    return frame


def limits_table() -> pd.DataFrame:
    """Detection limits and methods per analyte, for the workbook's limits sheet."""
    return pd.DataFrame(
        [(h, u, "" if dl is None else dl, m) for h, u, dl, m in ANALYTES],
        columns=["检测项目 Analyte", "单位 Unit", "检出限 Detection limit", "方法 Method"],
    )


def numeric_for_excel(frame: pd.DataFrame) -> pd.DataFrame:
    """The same sheet with numbers as numbers (censored entries stay text), as Excel holds it."""
    out = frame.copy()
    for header, *_ in ANALYTES:
        numbers = pd.to_numeric(out[header], errors="coerce")
        out[header] = numbers.astype(object).where(numbers.notna(), out[header])
    out[DEPTH_COLUMN] = pd.to_numeric(out[DEPTH_COLUMN]).astype(np.int64)
    return out
