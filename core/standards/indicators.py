"""The analysis indicator catalogue (DOMAIN.md, "Survey rules"; GB 26451 groups).

A plain data module, shared by the depth schedule (the lab order) and by the lab-result
import (matching a sheet's columns to indicators). Every indicator has a stable ``code``
(ASCII, used as a field name and in lab sheets), a Chinese and an English name, the unit
it is reported in for soil and sediment (``unit``) and in water (``water_unit``, ``None``
when it is not analysed in water), its ``group`` and the media it is analysed in.

The list is the **[default]** list of DOMAIN.md: basic physical-chemical properties; the
15 lanthanides La-Lu plus Y (Sc optional) and exchangeable REE; leaching-agent residues
(NH4+-N, NO3--N, sulfate); heavy metals; permeability (pollutant migration parameter).
The seed requires the four groups (基础理化性质指标、特征污染物、土壤结构与侵蚀参数、
污染迁移特性参数); the individual members are editable defaults. Promethium is left out of
the lanthanides: it has no stable isotope, no lab reports it, and DOMAIN.md's oxide factors
omit it, so "15 REE" here means La-Lu without Pm, plus Y (the usual 15种稀土元素).

Examples
--------
>>> INDICATORS_BY_CODE["NH4_N"].name_zh
'氨氮'
>>> len(indicators_for("soil")), len(indicators_for("soil", include_optional=True))
(35, 36)
>>> [i.code for i in indicators_for("groundwater", groups=["leaching_agent"])]
['NH4_N', 'NO3_N', 'SO4']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Optional

MEDIA = ("soil", "sediment", "groundwater", "surface_water")
"""Media an indicator can be analysed in."""

GROUPS = {
    "basic": ("基础理化性质指标", "basic physical-chemical properties"),
    "ree": ("稀土元素", "rare earth elements"),
    "leaching_agent": ("浸矿剂残留（特征污染物）", "leaching-agent residues"),
    "heavy_metal": ("重金属", "heavy metals"),
    "migration": ("污染迁移特性参数", "pollutant migration parameters"),
}
"""Indicator groups: code -> (Chinese name, English name)."""

_SOLID = ("soil", "sediment")
_ALL = MEDIA
_WATER = ("groundwater", "surface_water")


@dataclass(frozen=True)
class Indicator:
    """One analysis indicator.

    Attributes
    ----------
    code : str
        Stable ASCII code, e.g. ``"La"``, ``"NH4_N"``.
    name_zh, name_en : str
        Chinese and English names.
    unit : str
        Reporting unit in soil and sediment (dry weight).
    group : str
        Key of :data:`GROUPS`.
    media : tuple of str
        Media the indicator is analysed in (subset of :data:`MEDIA`).
    water_unit : str or None
        Reporting unit in water, ``None`` if not analysed in water.
    optional : bool
        Not ordered unless asked for (Sc).
    """

    code: str
    name_zh: str
    name_en: str
    unit: str
    group: str
    media: tuple = _SOLID
    water_unit: Optional[str] = None
    optional: bool = False


def _ree(code: str, zh: str, en: str, optional: bool = False) -> Indicator:
    return Indicator(code, zh, en, "mg/kg", "ree", _ALL, "μg/L", optional)


def _metal(code: str, zh: str, en: str) -> Indicator:
    return Indicator(code, zh, en, "mg/kg", "heavy_metal", _ALL, "μg/L")


INDICATORS: tuple = (
    # basic physical-chemical properties (soil structure and erosion parameters included)
    Indicator("pH", "pH值", "pH", "无量纲 (dimensionless)", "basic", _ALL, "无量纲 (dimensionless)"),
    Indicator("CEC", "阳离子交换量", "cation exchange capacity", "cmol(+)/kg", "basic"),
    Indicator("OM", "有机质", "organic matter", "g/kg", "basic"),
    Indicator("PSD", "机械组成（颗粒级配）", "particle size distribution", "%", "basic"),
    Indicator("BD", "容重", "bulk density", "g/cm3", "basic", ("soil",)),
    Indicator("MOIST", "含水率", "moisture content", "%", "basic"),
    # rare earth elements: La-Lu (no Pm), Y, Sc (optional), exchangeable REE
    _ree("La", "镧", "lanthanum"),
    _ree("Ce", "铈", "cerium"),
    _ree("Pr", "镨", "praseodymium"),
    _ree("Nd", "钕", "neodymium"),
    _ree("Sm", "钐", "samarium"),
    _ree("Eu", "铕", "europium"),
    _ree("Gd", "钆", "gadolinium"),
    _ree("Tb", "铽", "terbium"),
    _ree("Dy", "镝", "dysprosium"),
    _ree("Ho", "钬", "holmium"),
    _ree("Er", "铒", "erbium"),
    _ree("Tm", "铥", "thulium"),
    _ree("Yb", "镱", "ytterbium"),
    _ree("Lu", "镥", "lutetium"),
    _ree("Y", "钇", "yttrium"),
    _ree("Sc", "钪", "scandium", optional=True),
    Indicator("REE_EXCH", "可交换态稀土", "exchangeable rare earth elements", "mg/kg", "ree", _SOLID),
    # leaching-agent residues (characteristic pollutants)
    Indicator("NH4_N", "氨氮", "ammonium nitrogen (NH4+-N)", "mg/kg", "leaching_agent", _ALL, "mg/L"),
    Indicator("NO3_N", "硝酸盐氮", "nitrate nitrogen (NO3--N)", "mg/kg", "leaching_agent", _ALL, "mg/L"),
    Indicator("SO4", "硫酸盐", "sulfate (SO4 2-)", "mg/kg", "leaching_agent", _ALL, "mg/L"),
    # heavy metals (mobilised by acidification)
    _metal("Pb", "铅", "lead"),
    _metal("Cd", "镉", "cadmium"),
    _metal("Zn", "锌", "zinc"),
    _metal("Cu", "铜", "copper"),
    _metal("Mn", "锰", "manganese"),
    _metal("Cr", "铬", "chromium"),
    _metal("Ni", "镍", "nickel"),
    _metal("As", "砷", "arsenic"),
    _metal("Hg", "汞", "mercury"),
    # pollutant migration parameters
    Indicator(
        "KSAT", "渗透系数", "permeability (saturated hydraulic conductivity)", "cm/s", "migration", ("soil",)
    ),
)
"""The catalogue, in the order of DOMAIN.md (and of the lab order)."""

INDICATORS_BY_CODE = {ind.code: ind for ind in INDICATORS}
"""Code -> :class:`Indicator`."""


def indicators_for(
    medium: str = "soil",
    groups: Optional[Iterable[str]] = None,
    include_optional: bool = False,
) -> list:
    """Indicators analysed in one medium, in catalogue order.

    Parameters
    ----------
    medium : str
        One of :data:`MEDIA`.
    groups : iterable of str, optional
        Restrict to these group keys (default: all groups).
    include_optional : bool
        Include optional indicators (Sc).

    Returns
    -------
    list of Indicator
    """
    if medium not in MEDIA:
        raise ValueError(f"unknown medium {medium!r}; expected one of {', '.join(MEDIA)}")
    wanted = set(GROUPS) if groups is None else set(groups)
    unknown = wanted - set(GROUPS)
    if unknown:
        raise ValueError(f"unknown indicator group(s): {', '.join(sorted(unknown))}")
    return [
        ind
        for ind in INDICATORS
        if medium in ind.media and ind.group in wanted and (include_optional or not ind.optional)
    ]


def catalogue_rows(indicators: Optional[Iterable[Indicator]] = None) -> list:
    """The catalogue as plain rows (dicts), e.g. for a table or a workbook sheet.

    Keys: ``code, name_zh, name_en, unit, water_unit, group, group_zh, group_en, media, optional``.
    """
    rows = []
    for ind in INDICATORS if indicators is None else indicators:
        group_zh, group_en = GROUPS[ind.group]
        rows.append(
            {
                "code": ind.code,
                "name_zh": ind.name_zh,
                "name_en": ind.name_en,
                "unit": ind.unit,
                "water_unit": ind.water_unit or "",
                "group": ind.group,
                "group_zh": group_zh,
                "group_en": group_en,
                "media": ",".join(ind.media),
                "optional": ind.optional,
            }
        )
    return rows
