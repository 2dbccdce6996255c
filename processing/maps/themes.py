"""The report map themes: which layers each shows, in which order, from which template."""

from __future__ import annotations

from dataclasses import dataclass

#: layer role -> Chinese name shown in the legend ({field} filled from the raster when known)
ROLE_NAMES = {
    "ortho": "正射影像",
    "boundary": "案件范围",
    "zones": "功能分区",
    "units": "采样网格单元",
    "points": "土壤采样点",
    "control_points": "对照采样点",
    "concentration": "{field}含量（mg/kg）",
    "degree": "{field}损害程度 K =（C−B）/B",
    "damage_areas": "土壤损害范围",
    "vegetation": "植被破坏范围",
    "cut_fill": "挖填方高差（m）",
    "contours": "高程变化等值线（m）",
    "blocks": "资源量估算块段",
    "water_points": "水样采样位置",
    "plume": "地下水污染羽范围",
}

#: layer role -> style (resources/styles) when the role decides it
ROLE_STYLES = {
    "boundary": "case_boundary",
    "zones": "functional_zones",
    "units": "sampling_units",
    "points": "sampling_points",
    "control_points": "control_points",
    "concentration": "interpolated",
    "degree": "damage_degree",
    "damage_areas": "damaged_areas",
    "vegetation": "vegetation_damage",
    "cut_fill": "cut_fill",
    "contours": "dz_contours",
    "blocks": "resource_blocks",
    "water_points": "water_positions",
    "plume": "damaged_union",
}


@dataclass(frozen=True)
class Theme:
    """One report map.

    Attributes
    ----------
    id : str
        File stem of the exports and name of the layout.
    title_zh, title_en : str
        The map's name, after the case name in the title.
    roles : tuple of str
        Layer roles drawn, top first.
    required : tuple of str
        Roles without which the theme is skipped (with a line saying which is missing).
    template : str
        Template file under ``resources/layouts``.
    """

    id: str
    title_zh: str
    title_en: str
    roles: tuple
    required: tuple
    template: str = "theme_a4.qpt"


THEMES = (
    Theme("site_overview", "现场概况图", "site overview", ("boundary", "zones", "ortho"), ("boundary",)),
    Theme("functional_zones", "功能分区图", "functional zones", ("boundary", "zones"), ("zones",)),
    Theme("sampling_plan", "采样布点图", "sampling plan", ("control_points", "points", "units", "boundary", "zones"),
          ("points",), "theme_a4_table.qpt"),
    Theme("contaminant", "污染物含量分布图", "contaminant distribution", ("points", "boundary", "concentration"),
          ("concentration",)),
    Theme("damage_extent", "土壤损害范围图", "damage extent", ("boundary", "damage_areas", "degree"),
          ("damage_areas",)),
    Theme("vegetation_damage", "植被破坏范围图", "vegetation damage", ("boundary", "vegetation", "ortho"),
          ("vegetation",)),
    Theme("mined_volume", "开采挖填方分布图", "mined volume (cut/fill)", ("boundary", "blocks", "contours", "cut_fill"),
          ("cut_fill",)),
    Theme("water_monitoring", "水环境监测布点图", "water monitoring", ("water_points", "plume", "boundary", "zones"),
          ("water_points",)),
)

THEME_IDS = tuple(theme.id for theme in THEMES)


def theme_by_id(theme_id: str) -> Theme:
    for theme in THEMES:
        if theme.id == theme_id:
            return theme
    raise KeyError(f"no map theme {theme_id!r}; one of {', '.join(THEME_IDS)}")
