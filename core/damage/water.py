"""Groundwater and surface-water damage: exceedance per well and section, plume, damaged reach.

Input: water positions (wells and stream sections, as
:func:`ree_damage.core.survey.depth.water_positions` writes them: ``position_id``,
``medium`` ``"groundwater"`` / ``"surface_water"``, ``role`` ``"control"``,
``"discharge"``, ``"downstream"``, ``"down_gradient"``; optional ``distance_m`` along the
stream, ``head_m`` hydraulic head, ``aquifer_thickness_m``, ``effective_porosity``,
``width_m``, ``depth_m``) joined to their lab results (value and flag columns per
indicator, as :func:`ree_damage.core.lab.importer.import_lab_results` gives them, in the
catalogue's water units: mg/L, metals μg/L, pH dimensionless).

Rules (each written into the outputs):

* **Baseline**: per medium and indicator, the mean of the control well(s) / section(s)
  (role ``"control"``); a censored control value counts at its detection limit (the
  baseline is then an upper bound, which only makes the comparison stricter), or a given
  baseline table. K, the confirmation rule (K > 0.2: C more than 20 % above B; pH on the
  hydrogen-ion activity) and the censored-value rule are those of soil
  (:func:`ree_damage.core.damage.points.classify`): a value below its detection limit is
  never an exceedance; where the limit itself lies above the baseline the sample is
  undecidable and counted neither way.
* **Second comparison**: groundwater against GB/T 14848-2017 class III
  (:func:`ree_damage.core.standards.screening.screening_values`), surface water against
  GB 3838-2002 class III (:data:`GB3838`); exceeded where C is above the class limit (pH
  below its lower limit), same censored-value rule. The quality class of each sample
  (groundwater I-V, surface water I-V or ``"劣V"``) is given; for a value below its
  detection limit the class of the limit, "or better".
* **Plume** (groundwater, per indicator): where at least ``min_plume_wells`` (**[default]**
  4) wells have a decidable status, P(exceed) is interpolated by indicator IDW (power 2,
  every well): the inverse-distance weighted share of wells where damage is confirmed
  (1) against not (0), on cells of ``cell_size_m`` inside the convex hull of those
  wells (no extrapolation beyond the monitoring network), clipped to the case's
  down-gradient side: cells whose position along the flow direction (fitted to the
  wells' heads as a plane, or given) is not up-gradient of the case area. The plume at
  confidence 50 / 80 / 95 % is where P >= 0.5 / 0.8 / 0.95. Fewer wells: no plume and a
  message saying why.
* **Damaged reach** (surface water, per indicator): from the discharge section downstream
  to the first section that meets the baseline (damage not confirmed there), along the
  stream line (or the straight segments between the sections); an undecidable section
  does not end it. Where no downstream section meets the baseline the reach runs to the
  last section and is marked open (at least that long).
* **Quantities** (the summary read by valuation, :data:`SUMMARY_COLUMNS`): groundwater
  area (m2) = plume cells x cell area; volume (m3) = area x saturated aquifer thickness
  (m) x effective porosity (the polluted groundwater itself). Surface water area = reach
  length x mean wetted width of its sections (m); volume = area x mean water depth (m);
  the reach is measured at sections, not interpolated, so the same figure stands at every
  confidence level (``basis`` says so).
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
from ..common.progress import CancelFn, ProgressFn, check_canceled, no_progress
from ..standards.indicators import INDICATORS_BY_CODE
from ..standards.screening import VERIFICATION_NOTE, is_verified, screening_values
from .points import DEFAULT_THRESHOLD, classify, rule_text

MEDIA = ("groundwater", "surface_water")
"""The two water media."""

GB3838_STANDARD = "GB3838-2002"
GB3838_TITLE = "地表水环境质量标准 / Environmental quality standards for surface water"
GB3838_CLASSES = ("I", "II", "III", "IV", "V")
GB3838 = {
    # table 1 (basic items), upper limits of classes I-V, mg/L
    "NH4_N": (0.15, 0.5, 1.0, 1.5, 2.0, "table 1 氨氮 NH3-N"),
    "Cu": (0.01, 1.0, 1.0, 1.0, 1.0, "table 1 铜"),
    "Zn": (0.05, 1.0, 1.0, 2.0, 2.0, "table 1 锌"),
    "F": (1.0, 1.0, 1.0, 1.5, 1.5, "table 1 氟化物"),
    "As": (0.05, 0.05, 0.05, 0.1, 0.1, "table 1 砷"),
    "Hg": (0.00005, 0.00005, 0.0001, 0.001, 0.001, "table 1 汞"),
    "Cd": (0.001, 0.005, 0.005, 0.005, 0.01, "table 1 镉"),
    "Cr6": (0.01, 0.05, 0.05, 0.05, 0.1, "table 1 铬（六价）"),
    "Pb": (0.01, 0.01, 0.05, 0.05, 0.1, "table 1 铅"),
    # table 2 (supplementary items of drinking-water sources): one value for every class
    "SO4": (250.0,) * 5 + ("table 2 硫酸盐",),
    "NO3_N": (10.0,) * 5 + ("table 2 硝酸盐（以N计）",),
    "Fe": (0.3,) * 5 + ("table 2 铁",),
    "Mn": (0.1,) * 5 + ("table 2 锰",),
    # table 3 (specific items of drinking-water sources)
    "Ni": (0.02,) * 5 + ("table 3 镍",),
}
"""**[default]** GB 3838-2002 limits (mg/L) by class I-V: code -> (I, II, III, IV, V, clause).
pH 6-9 in every class. Transcribed, not yet verified against the official text
(:data:`~ree_damage.core.standards.screening.VERIFICATION_NOTE`)."""
GB3838_PH = (6.0, 9.0)
GB3838_VERIFIED = False
"""Whether a second person has checked :data:`GB3838` against the official text of GB 3838-2002.
The seed documents (/work/shared/seeds) do not contain the standard's tables, so the values
stay unverified and every compared row says so (``standard_verified``, ``standard_note``)."""

GW_STANDARD = "GB/T14848-2017"
GW_CLASSES = ("I", "II", "III", "IV")

DEFAULT_CONFIDENCE = (50, 80, 95)
"""**[default]** confidence levels (%) of the plume: P(exceed) >= 0.5, 0.8, 0.95."""

PARAM_SOURCES = {
    "threshold": "[default] GB/T 39791 practice: damage confirmed where C exceeds the baseline by more than 20 %",
    "gw_class": "[default] GB/T 14848-2017 class III (drinking-water source, agricultural and industrial use)",
    "sw_class": "[default] GB 3838-2002 class III (centralised drinking-water source, second grade)",
    "min_plume_wells": "[default] at least 4 wells for a plume (issue 11): fewer cannot bound an area",
    "cell_size_m": "[default] 2 m, the interpolation's cell",
    "idw_power": "[default] inverse-distance power 2",
}

SAMPLE_COLUMNS = (
    "position_id", "medium", "role", "indicator", "unit", "value", "flag", "baseline", "baseline_source",
    "direction", "k", "k_bound", "status", "above", "confirmed", "standard", "standard_class",
    "standard_value", "standard_status", "standard_exceeded", "water_class", "rule", "standard_verified",
    "standard_note",
)
"""Columns of :attr:`WaterResult.samples` (plus ``geometry``)."""

SUMMARY_COLUMNS = (
    "medium", "indicator", "confidence", "area_m2", "volume_m3", "length_m", "unit", "baseline",
    "samples", "exceedances", "ratio", "standard_exceedances", "k_max", "k_mean", "basis", "rule",
)
"""Columns of the water summary (the schema valuation reads; see the README): one row per
medium, indicator (and ``"ANY"``) and confidence level (%)."""


@dataclass(frozen=True)
class WaterParams:
    """Parameters of :func:`assess_water` (**[default]** values, sources in :data:`PARAM_SOURCES`).

    Attributes
    ----------
    threshold : float
        K above which damage is confirmed (0.2).
    gw_class, sw_class : str
        GB/T 14848 and GB 3838 class compared with ("III").
    min_plume_wells : int
        Wells with a decidable status needed for a plume (4).
    cell_size_m : float
        Plume grid cell (m).
    idw_power : float
    confidence : tuple of int
        Confidence levels (%).
    gw_azimuth_deg : float, optional
        Groundwater flow direction (degrees from north); None: fitted to the heads.
    aquifer_thickness_m, effective_porosity : float, optional
        For the groundwater volume; None: the wells' fields, else no volume.
    """

    threshold: float = DEFAULT_THRESHOLD
    gw_class: str = "III"
    sw_class: str = "III"
    min_plume_wells: int = 4
    cell_size_m: float = 2.0
    idw_power: float = 2.0
    confidence: tuple = DEFAULT_CONFIDENCE
    gw_azimuth_deg: Optional[float] = None
    aquifer_thickness_m: Optional[float] = None
    effective_porosity: Optional[float] = None


def _water_unit(code: str, standard_unit: str = "mg/L") -> tuple:
    """(catalogue water unit, factor from mg/L)."""
    ind = INDICATORS_BY_CODE.get(code)
    unit = ind.water_unit if ind is not None and ind.water_unit else standard_unit
    return unit, (1000.0 if unit == "μg/L" else 1.0)


def standard_limits(medium: str, level: str = "III") -> pd.DataFrame:
    """The water-quality limits compared with: ``indicator, value, unit, direction, standard, level, clause``.

    Values are converted to the catalogue's water unit (μg/L for metals).

    Examples
    --------
    >>> t = standard_limits("surface_water").set_index("indicator")
    >>> float(t.loc["NH4_N", "value"]), float(t.loc["Cd", "value"]), t.loc["Cd", "unit"]
    (1.0, 5.0, 'μg/L')
    >>> float(standard_limits("groundwater").set_index("indicator").loc["NH4_N", "value"])
    0.5
    """
    level = str(level).upper()
    if medium == "groundwater":
        t = screening_values(GW_STANDARD, level=level)
        return t[["indicator", "value", "unit", "direction", "standard", "level", "clause"]]
    if medium != "surface_water":
        raise InputError(f"unknown water medium {medium!r}", column="medium")
    if level not in GB3838_CLASSES:
        raise InputError(f"GB 3838 class {level!r} must be one of {', '.join(GB3838_CLASSES)}", column="level")
    i = GB3838_CLASSES.index(level)
    rows = []
    for code, vals in GB3838.items():
        unit, factor = _water_unit(code)
        rows.append((code, vals[i] * factor, unit, "above", GB3838_STANDARD, level, vals[5]))
    rows.append(("pH", GB3838_PH[0], "无量纲 (dimensionless)", "below", GB3838_STANDARD, level, "table 1 pH 6-9"))
    return pd.DataFrame(rows, columns=["indicator", "value", "unit", "direction", "standard", "level", "clause"])


def standard_verified(standard: str) -> bool:
    """Whether the transcribed limits of ``standard`` (GB/T 14848-2017, GB 3838-2002) have been
    checked against the official text (see :data:`GB3838_VERIFIED` and
    :func:`ree_damage.core.standards.screening.is_verified`).

    Examples
    --------
    >>> standard_verified("GB3838-2002"), standard_verified("GB/T14848-2017")
    (False, False)
    """
    if standard == GB3838_STANDARD:
        return GB3838_VERIFIED
    return is_verified(standard)


def _class_limits(medium: str) -> dict:
    """indicator -> list of (class, limit) in the water unit, best class first."""
    classes = GW_CLASSES if medium == "groundwater" else GB3838_CLASSES
    out: dict = {}
    for c in classes:
        for r in standard_limits(medium, c).itertuples():
            out.setdefault(r.indicator, []).append((c, float(r.value)))
    return out


def water_class(medium: str, indicator: str, value: float, flag: str = "") -> str:
    """Quality class of one value: groundwater I-V (V: beyond IV), surface water I-V or ``"劣V"``.

    pH: groundwater I-III 6.5-8.5, IV 5.5-9.0; surface water 6-9 (else V / 劣V). A value
    below its detection limit gets the class of the limit, ``"or better"``. Empty where
    the standard has no limit for the indicator.

    Examples
    --------
    >>> water_class("groundwater", "NH4_N", 0.3), water_class("groundwater", "NH4_N", 2.0)
    ('III', 'V')
    >>> water_class("surface_water", "NH4_N", 2.5), water_class("surface_water", "Cd", 0.5, "<")
    ('劣V', 'I or better')
    >>> water_class("groundwater", "pH", 5.8), water_class("surface_water", "pH", 5.8)
    ('IV', '劣V')
    """
    if value is None or not math.isfinite(float(value)):
        return ""
    worst = "V" if medium == "groundwater" else "劣V"
    if indicator == "pH":
        if medium == "groundwater":
            bands = [("I", 6.5, 8.5), ("II", 6.5, 8.5), ("III", 6.5, 8.5), ("IV", 5.5, 9.0)]
        else:
            bands = [(c, *GB3838_PH) for c in GB3838_CLASSES]
        found = next((c for c, lo, hi in bands if lo <= value <= hi), worst)
        return found
    limits = _class_limits(medium).get(indicator)
    if not limits:
        return ""
    found = next((c for c, lim in limits if value <= lim), worst)
    return f"{found} or better" if flag == "<" else found


def _indicators_in(table: pd.DataFrame, wanted: Optional[Sequence[str]]) -> list:
    if wanted is not None:
        missing = [c for c in wanted if c not in table.columns]
        if missing:
            raise InputError(f"indicator {missing[0]!r} is not in the water results", layer="water results", column=missing[0])
        return list(wanted)
    return [c for c in table.columns if c in INDICATORS_BY_CODE and INDICATORS_BY_CODE[c].water_unit]


def water_baseline(table: pd.DataFrame, indicators: Sequence[str], given=None) -> dict:
    """(medium, indicator) -> {baseline, unit, direction, source} from the control positions.

    ``given``: a table ``indicator, baseline`` (optional ``medium``, ``unit``, ``source``)
    that takes precedence.
    """
    out: dict = {}
    for medium in MEDIA:
        ctrl = table[(table["medium"] == medium) & (table["role"] == "control")]
        for code in indicators:
            v = pd.to_numeric(ctrl[code], errors="coerce").to_numpy(float) if len(ctrl) else np.array([])
            ok = np.isfinite(v)
            if not ok.any():
                continue
            flags = ctrl[f"{code}_flag"].fillna("").astype(str).to_numpy() if f"{code}_flag" in ctrl else np.full(len(v), "")
            n_cens = int((flags[ok] == "<").sum())
            ids = ", ".join(ctrl["position_id"].astype(str).to_numpy()[ok])
            note = f"; {n_cens} below the detection limit counted at it (upper bound)" if n_cens else ""
            out[(medium, code)] = {
                "baseline": float(v[ok].mean()),
                "unit": _water_unit(code)[0],
                "direction": "below" if code == "pH" else "above",
                "source": f"control {ids} (mean of {int(ok.sum())}){note}",
            }
    if given is not None:
        g = getattr(given, "table", given)
        if not isinstance(g, pd.DataFrame) or not {"indicator", "baseline"} <= set(g.columns):
            raise InputError("the water baseline table needs the columns 'indicator' and 'baseline'", layer="baseline")
        for i, r in enumerate(g.to_dict("records")):
            try:
                b = float(r["baseline"])
            except (TypeError, ValueError):
                raise InputError(f"baseline {r['baseline']!r} is not a number", layer="baseline", row=i + 1,
                                 column="baseline") from None
            media = [r["medium"]] if isinstance(r.get("medium"), str) and r.get("medium") else list(MEDIA)
            for medium in media:
                out[(medium, str(r["indicator"]))] = {
                    "baseline": b,
                    "unit": r.get("unit") or _water_unit(str(r["indicator"]))[0],
                    "direction": r.get("direction") or ("below" if r["indicator"] == "pH" else "above"),
                    "source": str(r.get("source") or "given baseline table"),
                }
    return out


@dataclass
class WaterResult:
    """What :func:`assess_water` returns; writes itself with provenance.

    Attributes
    ----------
    samples : geopandas.GeoDataFrame
        One row per position and indicator (:data:`SAMPLE_COLUMNS`).
    plume : geopandas.GeoDataFrame
        Plume polygons: ``indicator, confidence, cells, area_m2, volume_m3, n_wells, basis``.
    reach : geopandas.GeoDataFrame
        Damaged reaches (lines): ``indicator, from_id, to_id, length_m, open_end, basis``.
    summary : pandas.DataFrame
        :data:`SUMMARY_COLUMNS`.
    crs : str or None
    warnings : list of str
    parameters : dict
    """

    samples: Any
    plume: Any
    reach: Any
    summary: pd.DataFrame
    crs: Optional[str] = None
    warnings: list = field(default_factory=list)
    parameters: dict = field(default_factory=dict)

    OUTPUTS = ("samples", "plume", "reach", "summary")
    """Outputs :meth:`write` can write (``.gpkg`` layers; the summary ``.csv``)."""

    @property
    def empty(self) -> bool:
        """True when no well or section shows confirmed damage."""
        return not bool(self.samples["confirmed"].any()) if len(self.samples) else True

    def provenance(self, *, inputs: Optional[Mapping] = None, host: Optional[Mapping] = None) -> dict:
        """The provenance record (rules, standards, parameters, warnings)."""
        from ..common.provenance import result_record

        return result_record("ree_damage:water_damage", self, crs=self.crs, sources=PARAM_SOURCES, inputs=inputs,
                             host=host)

    def write(self, paths: Mapping, *, inputs: Optional[Mapping] = None, host: Optional[Mapping] = None) -> dict:
        """Write the named outputs as one transaction, each with its provenance sidecar.

        Returns
        -------
        dict
            Output name -> pathlib.Path written.
        """
        from ..common.provenance import chosen_outputs, recorded_outputs
        from ..geo.vector_io import write_frame

        chosen = chosen_outputs(paths, self.OUTPUTS, "water damage")
        frames = {"samples": self.samples, "plume": self.plume, "reach": self.reach, "summary": self.summary}
        with recorded_outputs(chosen.values(), self.provenance(inputs=inputs, host=host)) as temps:
            for (name, final), tmp in zip(chosen.items(), temps):
                write_frame(tmp, frames[name], layer=final.stem)
        return dict(chosen)


def _assess_rows(table, indicators, base, params) -> pd.DataFrame:
    limits = {m: standard_limits(m, params.gw_class if m == "groundwater" else params.sw_class).set_index("indicator")
              for m in MEDIA}
    rule = rule_text(params.threshold)
    frames = []
    for code in indicators:
        flag_col = f"{code}_flag"
        for medium in MEDIA:
            sub = table[table["medium"] == medium]
            if not len(sub):
                continue
            v = pd.to_numeric(sub[code], errors="coerce").to_numpy(float)
            f = sub[flag_col].fillna("").astype(str).str.strip().to_numpy() if flag_col in sub else np.full(len(sub), "")
            info = base.get((medium, code))
            direction = (info or {}).get("direction") or ("below" if code == "pH" else "above")
            b = info["baseline"] if info else float("nan")
            status, k, bound = classify(v, f, b, direction, indicator=code, threshold=params.threshold)
            lim = limits[medium]
            if code in lim.index:
                s_val = float(lim.loc[code, "value"])
                s_dir = str(lim.loc[code, "direction"])
                s_status, _, _ = classify(v, f, s_val, s_dir, indicator=code, threshold=0.0)
                s_name = str(lim.loc[code, "standard"])
                s_class = str(lim.loc[code, "level"])
            else:
                s_val, s_status, s_name, s_class = float("nan"), np.full(len(v), "no_standard", dtype=object), "", ""
            verified = bool(s_name) and standard_verified(s_name)
            frames.append(pd.DataFrame({
                "position_id": sub["position_id"].astype(str).to_numpy(),
                "medium": medium,
                "role": sub["role"].astype(str).to_numpy(),
                "indicator": code,
                "unit": (info or {}).get("unit") or _water_unit(code)[0],
                "value": v,
                "flag": f,
                "baseline": b,
                "baseline_source": (info or {}).get("source", ""),
                "direction": direction,
                "k": k,
                "k_bound": bound,
                "status": status,
                "above": np.isin(status, ["confirmed", "above"]),
                "confirmed": status == "confirmed",
                "standard": s_name,
                "standard_class": s_class,
                "standard_value": s_val,
                "standard_status": s_status,
                "standard_exceeded": np.isin(s_status, ["confirmed"]),
                "water_class": [water_class(medium, code, x, fl) for x, fl in zip(v, f)],
                "rule": rule,
                "standard_verified": verified,
                "standard_note": "" if verified or not s_name else f"{s_name}: {VERIFICATION_NOTE}",
                "_x": sub.geometry.x.to_numpy() if hasattr(sub, "geometry") else np.nan,
                "_y": sub.geometry.y.to_numpy() if hasattr(sub, "geometry") else np.nan,
            }))
    if not frames:
        return pd.DataFrame(columns=list(SAMPLE_COLUMNS) + ["_x", "_y"])
    return pd.concat(frames, ignore_index=True)


def flow_azimuth(x, y, head) -> Optional[float]:
    """Groundwater flow direction (degrees from north, down the head gradient) of a plane
    fitted to the heads (m) by least squares; None with fewer than 3 wells or a flat or
    collinear set.

    Examples
    --------
    >>> round(flow_azimuth([0, 100, 0], [0, 0, 100], [10.0, 10.0, 9.0]), 6)
    0.0
    """
    x, y, h = (np.asarray(a, dtype=float) for a in (x, y, head))
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(h)
    if ok.sum() < 3:
        return None
    a = np.column_stack([np.ones(ok.sum()), x[ok] - x[ok].mean(), y[ok] - y[ok].mean()])
    coef, _, rank, _ = np.linalg.lstsq(a, h[ok], rcond=None)
    if rank < 3 or math.hypot(coef[1], coef[2]) < 1e-12:
        return None
    # flow runs down the gradient: east component -dh/dx, north component -dh/dy
    return round(math.degrees(math.atan2(-coef[1], -coef[2])), 9) % 360.0


def _plume(rows, positions, case_area, params, crs, warnings, is_canceled):
    """Plume polygons and areas per indicator and confidence level."""
    import geopandas as gpd
    import shapely
    from affine import Affine

    from ..interp.idw import idw_points
    from .polygonize import cell_area, polygonize

    gw_pos = positions[positions["medium"] == "groundwater"]
    az = params.gw_azimuth_deg
    az_note = "given"
    if az is None and "head_m" in gw_pos.columns:
        az = flow_azimuth(gw_pos.geometry.x, gw_pos.geometry.y, pd.to_numeric(gw_pos["head_m"], errors="coerce"))
        az_note = "plane fitted to the wells' heads"
    if az is None:
        warnings.append(Message("WATER_NO_FLOW_DIRECTION"))
    if case_area is None and az is not None:
        warnings.append(Message("WATER_NO_CASE_AREA"))
    case_geom = shapely.union_all(np.asarray(case_area.geometry.array)) if case_area is not None and len(case_area) else None
    clipped = az is not None and case_geom is not None
    thickness = params.aquifer_thickness_m
    porosity = params.effective_porosity
    for name, value in (("aquifer_thickness_m", thickness), ("effective_porosity", porosity)):
        if value is None and name in gw_pos.columns:
            v = pd.to_numeric(gw_pos[name], errors="coerce").to_numpy(float)
            if np.isfinite(v).any():
                if name == "aquifer_thickness_m":
                    thickness = float(np.nanmean(v))
                else:
                    porosity = float(np.nanmean(v))
    if thickness is None or porosity is None:
        warnings.append(Message("WATER_NO_VOLUME"))
    polys, areas, info = [], [], {"flow_azimuth_deg": az, "flow_direction": az_note, "aquifer_thickness_m": thickness,
                                  "effective_porosity": porosity}
    levels = sorted(int(c) for c in params.confidence)
    gw = rows[rows["medium"] == "groundwater"]
    for code, sub in gw.groupby("indicator", sort=False):
        check_canceled(is_canceled)
        dec = sub[sub["status"].isin(["confirmed", "above", "not_above"])]
        if len(dec) < params.min_plume_wells:
            warnings.append(Message("WATER_PLUME_TOO_FEW_WELLS", indicator=code, n=len(dec), needed=params.min_plume_wells))
            continue
        if not dec["confirmed"].any():
            continue
        xy = dec[["_x", "_y"]].to_numpy(float)
        z = dec["confirmed"].to_numpy(float)
        hull = shapely.convex_hull(shapely.multipoints(xy))
        if shapely.area(hull) <= 0:
            warnings.append(Message("WATER_PLUME_COLLINEAR", indicator=code))
            continue
        cs = float(params.cell_size_m)
        x0, y0, x1, y1 = shapely.bounds(hull)
        x0, y1 = math.floor(x0 / cs) * cs, math.ceil(y1 / cs) * cs
        ncol, nrow = int(math.ceil((x1 - x0) / cs)), int(math.ceil((y1 - y0) / cs))
        transform = Affine(cs, 0.0, x0, 0.0, -cs, y1)
        cx = x0 + (np.arange(ncol) + 0.5) * cs
        cy = y1 - (np.arange(nrow) + 0.5) * cs
        gx, gy = np.meshgrid(cx, cy)
        inside = shapely.contains_xy(hull, gx, gy)
        if clipped:
            ux, uy = math.sin(math.radians(az)), math.cos(math.radians(az))
            start = float((shapely.get_coordinates(case_geom) @ np.array([ux, uy])).min())
            inside &= (gx * ux + gy * uy) >= start
        p = np.full(gx.shape, np.nan)
        p[inside] = idw_points(xy, z, np.column_stack([gx[inside], gy[inside]]), power=params.idw_power, k=None)
        a_cell = cell_area(transform)
        for level in levels:
            mask = inside & (p >= level / 100.0 - 1e-12)
            cells = int(mask.sum())
            area = cells * a_cell
            volume = area * thickness * porosity if thickness is not None and porosity is not None else float("nan")
            areas.append((code, level, cells, area, volume, len(dec)))
            patches = polygonize(mask.astype(np.uint8), transform)
            if len(patches):
                polys.append({"indicator": code, "confidence": level, "cells": cells, "area_m2": area,
                              "volume_m3": volume, "n_wells": len(dec),
                              "geometry": shapely.union_all(patches.geometry)})
    if clipped:
        side = "clipped to the case's down-gradient side"
    else:  # said in the basis itself, not only in the log: the figure must not claim a clip it lacks
        why = "no flow direction (no heads, none given)" if az is None else "no case area given"
        side = f"NOT clipped to the case's down-gradient side: {why}"
    basis = ("indicator IDW over the wells (P = weighted share of wells with confirmed damage), inside the wells' "
             f"convex hull, {side}")
    plume = gpd.GeoDataFrame(polys, columns=["indicator", "confidence", "cells", "area_m2", "volume_m3", "n_wells",
                                             "geometry"], geometry="geometry", crs=crs)
    plume["basis"] = basis
    table = pd.DataFrame(areas, columns=["indicator", "confidence", "cells", "area_m2", "volume_m3", "n_wells"])
    return plume, table, info, basis


def _section_order(sub_pos, stream_line):
    """Position along the stream (m) of each section: ``distance_m`` or located on the line."""
    import shapely

    if stream_line is not None:
        return shapely.line_locate_point(stream_line, np.asarray(sub_pos.geometry.array))
    if "distance_m" in sub_pos.columns:
        d = pd.to_numeric(sub_pos["distance_m"], errors="coerce").to_numpy(float)
        if np.isfinite(d).all():
            return d
    raise InputError("the stream sections need a 'distance_m' field or the stream line to be ordered",
                     layer="water positions", column="distance_m")


def _reach(rows, positions, stream, warnings):
    """Damaged reach per indicator (lines) and their lengths."""
    import geopandas as gpd
    import shapely
    from shapely.ops import substring

    crs = positions.crs
    sw_pos = positions[(positions["medium"] == "surface_water") & (positions["role"] != "control")]
    empty = gpd.GeoDataFrame(columns=["indicator", "from_id", "to_id", "length_m", "open_end", "basis", "geometry"],
                             geometry="geometry", crs=crs)
    if not len(sw_pos):
        return empty, pd.DataFrame(columns=["indicator", "length_m", "width_m", "depth_m"])
    line = None
    if stream is not None and len(stream):
        merged = shapely.line_merge(shapely.union_all(np.asarray(stream.geometry.array)))
        parts = shapely.get_parts(merged)
        near = shapely.distance(parts[:, None], np.asarray(sw_pos.geometry.array)[None, :]).max(axis=1)
        line = parts[int(np.argmin(near))]
    else:
        warnings.append(Message("WATER_NO_STREAM_LINE"))
    s = _section_order(sw_pos, line)
    order = np.argsort(s, kind="stable")
    ids = sw_pos["position_id"].astype(str).to_numpy()[order]
    s = np.asarray(s, dtype=float)[order]
    geoms = np.asarray(sw_pos.geometry.array)[order]
    roles = sw_pos["role"].astype(str).to_numpy()[order]
    width = pd.to_numeric(sw_pos["width_m"], errors="coerce").to_numpy(float)[order] if "width_m" in sw_pos else np.full(len(s), np.nan)
    depth = pd.to_numeric(sw_pos["depth_m"], errors="coerce").to_numpy(float)[order] if "depth_m" in sw_pos else np.full(len(s), np.nan)
    start = int(np.flatnonzero(roles == "discharge")[0]) if (roles == "discharge").any() else 0
    if not (roles == "discharge").any():
        warnings.append(Message("WATER_NO_DISCHARGE", id=ids[0]))
    sw = rows[rows["medium"] == "surface_water"].set_index(["indicator", "position_id"])
    lines, lengths = [], []
    for code in dict.fromkeys(rows.loc[rows["medium"] == "surface_water", "indicator"]):
        status = [sw.loc[(code, i), "status"] if (code, i) in sw.index else "missing" for i in ids]
        if status[start] != "confirmed":
            continue
        end, open_end = None, False
        for j in range(start + 1, len(ids)):
            if status[j] in ("above", "not_above"):
                end = j
                break
        if end is None:
            end, open_end = len(ids) - 1, True
            warnings.append(Message("WATER_REACH_OPEN", indicator=code, id=ids[end]))
        w = float(np.nanmean(width[start : end + 1])) if np.isfinite(width[start : end + 1]).any() else float("nan")
        d = float(np.nanmean(depth[start : end + 1])) if np.isfinite(depth[start : end + 1]).any() else float("nan")
        if end == start:  # no section below the discharge: no length to measure (the message says so)
            lengths.append((code, 0.0, w, d))
            continue
        if line is not None:
            geom = substring(line, float(s[start]), float(s[end]))
        else:
            geom = shapely.linestrings(shapely.get_coordinates(geoms[start : end + 1]))
        length = float(shapely.length(geom))
        lines.append({"indicator": code, "from_id": ids[start], "to_id": ids[end], "length_m": length,
                      "open_end": open_end, "geometry": geom})
        lengths.append((code, length, w, d))
    basis = ("from the discharge section to the first downstream section meeting the baseline (damage not "
             "confirmed there), along the stream line" if line is not None else "along straight segments between sections")
    reach = gpd.GeoDataFrame(lines, columns=["indicator", "from_id", "to_id", "length_m", "open_end", "geometry"],
                             geometry="geometry", crs=crs) if lines else empty.drop(columns="basis")
    reach["basis"] = basis
    return reach, pd.DataFrame(lengths, columns=["indicator", "length_m", "width_m", "depth_m"])


def _summary(rows, plume_areas, reach_lengths, params, plume_basis) -> pd.DataFrame:
    rule = rule_text(params.threshold)
    levels = sorted(int(c) for c in params.confidence)
    out = []
    for (medium, code), sub in rows.groupby(["medium", "indicator"], sort=False):
        assessed = sub[sub["role"] != "control"]
        dec = assessed[assessed["status"].isin(["confirmed", "above", "not_above"])]
        meas = dec[(dec["k_bound"] == "") & np.isfinite(dec["k"].astype(float))]
        common = {
            "medium": medium, "indicator": code, "unit": sub["unit"].iloc[0], "baseline": sub["baseline"].iloc[0],
            "samples": len(dec), "exceedances": int(dec["confirmed"].sum()),
            "ratio": float(dec["confirmed"].mean()) if len(dec) else float("nan"),
            "standard_exceedances": int(assessed["standard_exceeded"].sum()),
            "k_max": float(meas["k"].max()) if len(meas) else float("nan"),
            "k_mean": float(meas["k"].mean()) if len(meas) else float("nan"), "rule": rule,
        }
        for level in levels:
            row = dict(common, confidence=level, area_m2=0.0, volume_m3=0.0, length_m=float("nan"))
            if medium == "groundwater":
                hit = plume_areas[(plume_areas["indicator"] == code) & (plume_areas["confidence"] == level)]
                if len(hit):
                    row.update(area_m2=float(hit["area_m2"].iloc[0]), volume_m3=float(hit["volume_m3"].iloc[0]),
                               basis=plume_basis)
                elif common["exceedances"]:
                    row.update(area_m2=float("nan"), volume_m3=float("nan"),
                               basis="no plume: too few wells to bound an area (see the messages)")
                else:
                    row["basis"] = "no well with confirmed damage"
            else:
                hit = reach_lengths[reach_lengths["indicator"] == code]
                if len(hit):
                    length, w, d = (float(hit[c].iloc[0]) for c in ("length_m", "width_m", "depth_m"))
                    row.update(length_m=length, area_m2=length * w, volume_m3=length * w * d,
                               basis="damaged reach measured at sections (not interpolated): the same at every level; "
                                     "area = length x mean width, volume = area x mean depth")
                else:
                    row.update(length_m=0.0, basis="no damaged reach: the discharge section is not confirmed")
            out.append(row)
    frame = pd.DataFrame(out)
    if not len(frame):
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    return frame[list(SUMMARY_COLUMNS)]


def _any_rows(summary: pd.DataFrame, plume, reach, params) -> pd.DataFrame:
    """``"ANY"`` rows: the union of the indicators' plumes (no double counting), the longest reach."""
    import shapely

    extra = []
    for level in sorted(int(c) for c in params.confidence):
        gw = summary[(summary["medium"] == "groundwater") & (summary["confidence"] == level)]
        if len(gw):
            sel = plume[plume["confidence"] == level] if len(plume) else plume
            area = float(shapely.area(shapely.union_all(np.asarray(sel.geometry.array)))) if len(sel) else 0.0
            ratio = gw["volume_m3"].sum() / gw["area_m2"].sum() if gw["area_m2"].sum() > 0 else float("nan")
            extra.append({"medium": "groundwater", "indicator": "ANY", "confidence": level, "area_m2": area,
                          "volume_m3": area * ratio if area > 0 else 0.0, "length_m": float("nan"), "unit": "",
                          "baseline": float("nan"), "samples": int(gw["samples"].max()),
                          "exceedances": int(gw["exceedances"].max()), "ratio": float("nan"),
                          "standard_exceedances": int(gw["standard_exceedances"].max()), "k_max": gw["k_max"].max(),
                          "k_mean": float("nan"), "basis": "union of the indicators' plumes (overlaps counted once)",
                          "rule": gw["rule"].iloc[0]})
        sw = summary[(summary["medium"] == "surface_water") & (summary["confidence"] == level)]
        if len(sw):
            i = int(np.nanargmax(sw["length_m"].fillna(0).to_numpy()))
            best = sw.iloc[i]
            extra.append({**best.to_dict(), "indicator": "ANY", "unit": "", "baseline": float("nan"),
                          "ratio": float("nan"), "k_mean": float("nan"),
                          "basis": f"the longest indicator reach ({best['indicator']})"})
    return pd.concat([summary, pd.DataFrame(extra, columns=summary.columns)], ignore_index=True) if extra else summary


def assess_water(
    samples,
    *,
    stream=None,
    case_area=None,
    baseline=None,
    indicators: Optional[Sequence[str]] = None,
    params: Optional[WaterParams] = None,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> WaterResult:
    """Groundwater and surface-water damage per well and section, plume and damaged reach.

    Parameters
    ----------
    samples : geopandas.GeoDataFrame
        Water positions (points, metres) joined to their lab results: ``position_id``,
        ``medium``, ``role`` and per indicator ``<code>`` and ``<code>_flag``; optional
        ``distance_m``, ``head_m`` (m), ``aquifer_thickness_m`` (m),
        ``effective_porosity`` (-), ``width_m``, ``depth_m`` (m).
    stream : geopandas.GeoDataFrame, optional
        The receiving stream (lines digitised downstream): the reach follows it.
    case_area : geopandas.GeoDataFrame, optional
        Case boundary or functional zones: the plume is clipped to its down-gradient side.
    baseline : pandas.DataFrame, optional
        ``indicator, baseline`` (optional ``medium, unit, source``) instead of the controls.
    indicators : sequence of str, optional
        Codes to assess (default: every catalogue water indicator in the table).
    params : WaterParams, optional

    Returns
    -------
    WaterResult
        A case with no confirmed damage gives empty layers and a message, not an error.

    Raises
    ------
    InputError
        Missing fields, an unknown medium, sections that cannot be ordered.
    """
    import geopandas as gpd

    params = params or WaterParams()
    progress = progress or no_progress
    if not 0 <= params.threshold < 10:
        raise InputError(f"the confirmation threshold must be a fraction such as 0.2, not {params.threshold!r}")
    if params.min_plume_wells < 3:
        raise InputError("a plume needs at least 3 wells (an area)", column="min_plume_wells")
    if not params.cell_size_m > 0:
        raise InputError("the plume cell size must be > 0 m", column="cell_size_m")
    for column in ("position_id", "medium", "role"):
        if column not in samples.columns:
            raise InputError(f"the water positions need a field {column!r}", layer="water positions", column=column)
    bad = sorted(set(samples["medium"].astype(str)) - set(MEDIA))
    if bad:
        raise InputError(f"unknown medium {bad[0]!r}: 'groundwater' or 'surface_water'", layer="water positions",
                         column="medium")
    crs = samples.crs.to_string() if getattr(samples, "crs", None) is not None else None
    if samples.crs is not None and not samples.crs.is_projected:
        raise InputError("the water positions must be in a projected CRS in metres (the zone CRS)",
                         layer="water positions")
    codes = _indicators_in(samples, indicators)
    unverified = [sid for sid in (GW_STANDARD, GB3838_STANDARD) if not standard_verified(sid)]
    warnings: list = [Message("WATER_STANDARDS_UNVERIFIED", note=VERIFICATION_NOTE)] if unverified else []
    base = water_baseline(samples, codes, baseline)
    for medium in MEDIA:
        if (samples["medium"] == medium).any() and not any(m == medium for m, _ in base):
            warnings.append(Message("WATER_NO_CONTROL", medium=medium))
    rows = _assess_rows(samples, codes, base, params)
    progress(0.3)
    plume, plume_areas, plume_info, plume_basis = _plume(rows, samples, case_area, params, crs, warnings, is_canceled)
    progress(0.8)
    reach, reach_lengths = _reach(rows, samples, stream, warnings)
    summary = _any_rows(_summary(rows, plume_areas, reach_lengths, params, plume_basis), plume, reach, params)
    geometry = gpd.points_from_xy(rows["_x"], rows["_y"]) if len(rows) else []
    out_rows = gpd.GeoDataFrame(rows.drop(columns=["_x", "_y"])[list(SAMPLE_COLUMNS)], geometry=geometry, crs=crs)
    if not out_rows["confirmed"].any():
        warnings.append(Message("WATER_NONE_CONFIRMED"))
    parameters = {
        "threshold": params.threshold,
        "rule": rule_text(params.threshold),
        "baseline": {f"{m}:{c}": v for (m, c), v in base.items()},
        "standards": {"groundwater": f"{GW_STANDARD} class {params.gw_class}",
                      "surface_water": f"{GB3838_STANDARD} class {params.sw_class} ({GB3838_TITLE})"},
        "plume": {"min_wells": params.min_plume_wells, "cell_size_m": params.cell_size_m,
                  "idw_power": params.idw_power, "confidence_pct": list(params.confidence), "rule": plume_basis,
                  **plume_info},
        "indicators": codes,
    }
    progress(1.0)
    return WaterResult(out_rows, plume, reach, summary, crs, warnings, parameters)
