"""Screening values of the Chinese soil and groundwater standards, as baseline alternatives.

DOMAIN.md ("Baseline and damage") names three standards to compare against:

* GB 15618-2018 土壤环境质量 农用地土壤污染风险管控标准（试行）: risk screening values
  (table 1) and risk intervention values (table 3) of agricultural land, by soil pH band
  and land use (paddy 水田 / orchard 果园 / other 其他), total content, mg/kg;
* GB 36600-2018 土壤环境质量 建设用地土壤污染风险管控标准（试行）: screening and
  intervention values of construction land, class 1 (第一类用地: housing, schools,
  hospitals...) and class 2 (第二类用地: industry, roads...), mg/kg; inorganic items of
  tables 1 and 2;
* GB/T 14848-2017 地下水质量标准: upper limits of quality classes I-IV (table 1,
  conventional indicators, and Ni from table 2; class V is anything worse), mg/L.

The values are transcribed from the published standards into the tables below; they
are data, shipped as editable defaults with their source in every row. They have NOT yet
been checked against the official texts by a second person (the seed documents do not
contain them): :data:`VERIFICATION_NOTE` goes into every baseline that uses them. Organic items
(BTEX, PAHs, pesticides) are left out: they are not pollutants of rare-earth leaching.
Codes follow :mod:`ree_damage.core.standards.indicators` where the indicator is in the catalogue
(``Cd``, ``NH4_N``, ``SO4`` ...); ``Cr6`` is hexavalent chromium (GB 36600 and GB/T
14848 list Cr(VI), GB 15618 total Cr).

Examples
--------
>>> t = screening_values("GB15618-2018", land_use="paddy", ph=5.0)
>>> float(t.set_index("indicator").loc["Cd", "value"])
0.3
>>> ph_band(6.5)
'5.5<pH<=6.5'
"""

from __future__ import annotations

import math
from typing import Optional

import pandas as pd

from ..common.errors import InputError

VERIFICATION_NOTE = (
    "screening values transcribed into ree_damage and not yet verified against the official "
    "standard text: check each value used against the published standard before the report"
)
"""Warning attached to every use of the tables (until a second person has checked them)."""

PH_BANDS = ("pH<=5.5", "5.5<pH<=6.5", "6.5<pH<=7.5", "pH>7.5")
"""GB 15618-2018 soil pH bands (upper bound included)."""

STANDARDS = {
    "GB15618-2018": {
        "title_zh": "土壤环境质量 农用地土壤污染风险管控标准（试行）",
        "title_en": "Soil environmental quality - Risk control standard for soil contamination of agricultural land",
        "medium": "soil",
        "unit": "mg/kg",
        "levels": ("screening", "intervention"),
        "land_uses": ("paddy", "orchard", "other"),
    },
    "GB36600-2018": {
        "title_zh": "土壤环境质量 建设用地土壤污染风险管控标准（试行）",
        "title_en": "Soil environmental quality - Risk control standard for soil contamination of development land",
        "medium": "soil",
        "unit": "mg/kg",
        "levels": ("screening", "intervention"),
        "land_uses": ("class1", "class2"),
    },
    "GB/T14848-2017": {
        "title_zh": "地下水质量标准",
        "title_en": "Standard for groundwater quality",
        "medium": "groundwater",
        "unit": "mg/L",
        "levels": ("I", "II", "III", "IV"),
        "land_uses": (),
        "verified": False,
    },
}
"""Standards known, with their titles, medium and unit."""

_ALIASES = {
    "gb15618": "GB15618-2018",
    "gb15618-2018": "GB15618-2018",
    "gb36600": "GB36600-2018",
    "gb36600-2018": "GB36600-2018",
    "gb/t14848": "GB/T14848-2017",
    "gb/t14848-2017": "GB/T14848-2017",
    "gbt14848": "GB/T14848-2017",
    "gb14848": "GB/T14848-2017",
    "gbt14848-2017": "GB/T14848-2017",
    "gb14848-2017": "GB/T14848-2017",
}
_LAND_USE_ALIASES = {
    "paddy": "paddy",
    "水田": "paddy",
    "orchard": "orchard",
    "果园": "orchard",
    "other": "other",
    "其他": "other",
    "dryland": "other",
    "旱地": "other",
    "class1": "class1",
    "第一类用地": "class1",
    "1": "class1",
    "class2": "class2",
    "第二类用地": "class2",
    "2": "class2",
}

# GB 15618-2018 table 1: risk screening values, mg/kg; per pH band (see PH_BANDS)
_GB15618_SCREENING = {
    ("Cd", "paddy"): (0.3, 0.4, 0.6, 0.8),
    ("Cd", "other"): (0.3, 0.3, 0.3, 0.6),
    ("Hg", "paddy"): (0.5, 0.5, 0.6, 1.0),
    ("Hg", "other"): (1.3, 1.8, 2.4, 3.4),
    ("As", "paddy"): (30.0, 30.0, 25.0, 20.0),
    ("As", "other"): (40.0, 40.0, 30.0, 25.0),
    ("Pb", "paddy"): (80.0, 100.0, 140.0, 240.0),
    ("Pb", "other"): (70.0, 90.0, 120.0, 170.0),
    ("Cr", "paddy"): (250.0, 250.0, 300.0, 350.0),
    ("Cr", "other"): (150.0, 150.0, 200.0, 250.0),
    ("Cu", "orchard"): (150.0, 150.0, 200.0, 200.0),
    ("Cu", "other"): (50.0, 50.0, 100.0, 100.0),
    ("Ni", None): (60.0, 70.0, 100.0, 190.0),
    ("Zn", None): (200.0, 200.0, 250.0, 300.0),
}
# GB 15618-2018 table 3: risk intervention values, mg/kg (all land uses)
_GB15618_INTERVENTION = {
    "Cd": (1.5, 2.0, 3.0, 4.0),
    "Hg": (2.0, 2.5, 4.0, 6.0),
    "As": (200.0, 150.0, 120.0, 100.0),
    "Pb": (400.0, 500.0, 700.0, 1000.0),
    "Cr": (800.0, 850.0, 1000.0, 1300.0),
}
# GB 36600-2018 tables 1 (basic) and 2 (other), inorganic items, mg/kg:
# code: (screening class1, screening class2, intervention class1, intervention class2, table)
_GB36600 = {
    "As": (20.0, 60.0, 120.0, 140.0, "table 1"),
    "Cd": (20.0, 65.0, 47.0, 172.0, "table 1"),
    "Cr6": (3.0, 5.7, 30.0, 78.0, "table 1"),
    "Cu": (2000.0, 18000.0, 8000.0, 36000.0, "table 1"),
    "Pb": (400.0, 800.0, 800.0, 2500.0, "table 1"),
    "Hg": (8.0, 38.0, 33.0, 82.0, "table 1"),
    "Ni": (150.0, 900.0, 600.0, 2000.0, "table 1"),
    "Sb": (20.0, 180.0, 40.0, 360.0, "table 2"),
    "Be": (15.0, 29.0, 98.0, 290.0, "table 2"),
    "Co": (20.0, 70.0, 190.0, 350.0, "table 2"),
    "MeHg": (5.0, 45.0, 10.0, 120.0, "table 2"),
    "V": (165.0, 752.0, 330.0, 1500.0, "table 2"),
    "CN": (22.0, 135.0, 44.0, 270.0, "table 2"),
}
# GB/T 14848-2017 table 1: upper limits of classes I, II, III, IV, mg/L
_GB14848 = {
    "TH": (150.0, 300.0, 450.0, 650.0, "总硬度（以CaCO3计）"),
    "TDS": (300.0, 500.0, 1000.0, 2000.0, "溶解性总固体"),
    "SO4": (50.0, 150.0, 250.0, 350.0, "硫酸盐"),
    "Cl": (50.0, 150.0, 250.0, 350.0, "氯化物"),
    "Fe": (0.1, 0.2, 0.3, 2.0, "铁"),
    "Mn": (0.05, 0.05, 0.10, 1.50, "锰"),
    "Cu": (0.01, 0.05, 1.00, 1.50, "铜"),
    "Zn": (0.05, 0.5, 1.00, 5.00, "锌"),
    "Al": (0.01, 0.05, 0.20, 0.50, "铝"),
    "Na": (100.0, 150.0, 200.0, 400.0, "钠"),
    "CODMn": (1.0, 2.0, 3.0, 10.0, "耗氧量（CODMn法，以O2计）"),
    "NH4_N": (0.02, 0.10, 0.50, 1.50, "氨氮（以N计）"),
    "NO2_N": (0.01, 0.10, 1.00, 4.80, "亚硝酸盐（以N计）"),
    "NO3_N": (2.0, 5.0, 20.0, 30.0, "硝酸盐（以N计）"),
    "F": (1.0, 1.0, 1.0, 2.0, "氟化物"),
    "Hg": (0.0001, 0.0001, 0.001, 0.002, "汞"),
    "As": (0.001, 0.001, 0.01, 0.05, "砷"),
    "Cd": (0.0001, 0.001, 0.005, 0.01, "镉"),
    "Cr6": (0.005, 0.01, 0.05, 0.10, "铬（六价）"),
    "Pb": (0.005, 0.005, 0.01, 0.10, "铅"),
    "Ni": (0.002, 0.002, 0.02, 0.10, "镍"),
}
# pH of groundwater, class limits as (low, high): I-III 6.5-8.5, IV 5.5-9.0
_GB14848_PH = {"I": (6.5, 8.5), "II": (6.5, 8.5), "III": (6.5, 8.5), "IV": (5.5, 9.0)}
_CLASSES = ("I", "II", "III", "IV")

COLUMNS = (
    "indicator",
    "value",
    "unit",
    "direction",
    "standard",
    "clause",
    "land_use",
    "ph_band",
    "level",
    "value_in_standard",
    "unit_in_standard",
    "note",
)
"""Columns of :func:`screening_values`."""

_UNIT_FACTORS = {("mg/L", "μg/L"): 1000.0, ("mg/L", "mg/L"): 1.0, ("mg/kg", "mg/kg"): 1.0}


def is_verified(standard: str) -> bool:
    """Whether the transcribed values of ``standard`` have been checked against its official
    text (``STANDARDS[...]["verified"]``, absent: not verified; every table here: not yet, see
    :data:`VERIFICATION_NOTE`).

    Examples
    --------
    >>> is_verified("GB/T 14848")
    False
    """
    return bool(STANDARDS[standard_id(standard)].get("verified", False))


def standard_id(name: str) -> str:
    """Canonical id of a standard name ("GB 15618", "gb36600-2018", "GB/T 14848")."""
    key = str(name).lower().replace(" ", "").replace("_", "")
    if key in _ALIASES:
        return _ALIASES[key]
    raise InputError(f"unknown standard {name!r}; choose one of {', '.join(STANDARDS)}", column="standard")


def ph_band(ph: float) -> str:
    """The GB 15618-2018 pH band of a soil pH (upper bounds included)."""
    if ph is None or not math.isfinite(float(ph)):
        raise InputError("GB 15618-2018 values depend on soil pH: give the pH", column="ph")
    ph = float(ph)
    if not 0.0 <= ph <= 14.0:
        raise InputError(f"soil pH {ph} is outside 0-14", column="ph")
    if ph <= 5.5:
        return PH_BANDS[0]
    if ph <= 6.5:
        return PH_BANDS[1]
    if ph <= 7.5:
        return PH_BANDS[2]
    return PH_BANDS[3]


def _land_use(value, allowed, default):
    if value is None:
        return default
    key = str(value).strip().lower()
    lu = _LAND_USE_ALIASES.get(key)
    if lu not in allowed:
        raise InputError(f"land use {value!r} is not one of {', '.join(allowed)}", column="land_use")
    return lu


def _catalogue_unit(code: str, medium: str, standard_unit: str) -> str:
    """Unit the lab import reports this indicator in (catalogue), else the standard's."""
    try:
        from .indicators import INDICATORS_BY_CODE
    except ImportError:  # pragma: no cover - catalogue missing
        return standard_unit
    ind = INDICATORS_BY_CODE.get(code)
    if ind is None:
        return standard_unit
    unit = ind.unit if medium in ("soil", "sediment") else ind.water_unit
    if unit is None or (standard_unit, unit) not in _UNIT_FACTORS:
        return standard_unit
    return unit


def screening_values(
    standard: str,
    *,
    land_use: Optional[str] = None,
    ph: Optional[float] = None,
    level: Optional[str] = None,
    indicators=None,
) -> pd.DataFrame:
    """Screening (or intervention / class) values of one standard, one row per indicator.

    Parameters
    ----------
    standard : str
        ``"GB15618-2018"``, ``"GB36600-2018"`` or ``"GB/T14848-2017"`` (loose spellings
        accepted).
    land_use : str, optional
        GB 15618: ``"paddy"`` (水田), ``"orchard"`` (果园) or ``"other"`` (其他, default);
        GB 36600: ``"class1"`` (第一类用地, default) or ``"class2"`` (第二类用地).
    ph : float
        Soil pH (GB 15618 only; picks the pH band).
    level : str, optional
        GB 15618 and GB 36600: ``"screening"`` (default) or ``"intervention"``;
        GB/T 14848: the quality class ``"I"``-``"IV"`` whose upper limit is returned
        (default ``"III"``, the drinking-water source class).
    indicators : iterable of str, optional
        Keep only these codes.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`. ``value`` is in ``unit``, the unit the lab import
        reports the indicator in (μg/L for metals in water), converted from
        ``value_in_standard`` in ``unit_in_standard``. ``direction`` is ``"above"``
        (exceeding the value is the concern) except groundwater pH (``"below"``:
        acidification below the lower limit of the class).
    """
    sid = standard_id(standard)
    meta = STANDARDS[sid]
    rows = []
    if sid == "GB15618-2018":
        lu = _land_use(land_use, meta["land_uses"], "other")
        band = ph_band(ph)
        b = PH_BANDS.index(band)
        lev = (level or "screening").lower()
        if lev not in meta["levels"]:
            raise InputError(f"level {level!r} is not one of {', '.join(meta['levels'])}", column="level")
        if lev == "screening":
            for (code, use), vals in _GB15618_SCREENING.items():
                if use is None or use == lu or (use == "other" and (code, lu) not in _GB15618_SCREENING):
                    rows.append((code, vals[b], "table 1", lu, band, lev, "total content"))
        else:
            for code, vals in _GB15618_INTERVENTION.items():
                rows.append((code, vals[b], "table 3", lu, band, lev, "total content"))
    elif sid == "GB36600-2018":
        lu = _land_use(land_use, meta["land_uses"], "class1")
        lev = (level or "screening").lower()
        if lev not in meta["levels"]:
            raise InputError(f"level {level!r} is not one of {', '.join(meta['levels'])}", column="level")
        col = (0 if lu == "class1" else 1) + (0 if lev == "screening" else 2)
        for code, vals in _GB36600.items():
            note = "background values may apply where natural background exceeds it" if code == "As" else ""
            rows.append((code, vals[col], vals[4], lu, "", lev, note))
    else:
        cls = (level or "III").upper()
        if cls not in _CLASSES:
            raise InputError(f"groundwater class {level!r} must be one of I, II, III, IV", column="level")
        i = _CLASSES.index(cls)
        for code, vals in _GB14848.items():
            clause = "table 2" if code == "Ni" else "table 1"
            rows.append((code, vals[i], clause, "", "", cls, vals[4]))
    out = []
    for code, value, clause, lu, band, lev, note in rows:
        unit = _catalogue_unit(code, meta["medium"], meta["unit"])
        factor = _UNIT_FACTORS.get((meta["unit"], unit), 1.0)
        out.append(
            {
                "indicator": code,
                "value": value * factor,
                "unit": unit,
                "direction": "above",
                "standard": sid,
                "clause": clause,
                "land_use": lu,
                "ph_band": band,
                "level": lev,
                "value_in_standard": value,
                "unit_in_standard": meta["unit"],
                "note": note,
            }
        )
    if sid == "GB/T14848-2017":
        low, high = _GB14848_PH[(level or "III").upper()]
        out.append(
            {
                "indicator": "pH",
                "value": low,
                "unit": "无量纲 (dimensionless)",
                "direction": "below",
                "standard": sid,
                "clause": "table 1",
                "land_use": "",
                "ph_band": "",
                "level": (level or "III").upper(),
                "value_in_standard": low,
                "unit_in_standard": "",
                "note": f"class range {low}-{high}; acidification below {low}",
            }
        )
    table = pd.DataFrame(out, columns=list(COLUMNS))
    if indicators is not None:
        wanted = list(indicators)
        table = table[table["indicator"].isin(wanted)].reset_index(drop=True)
    return table
