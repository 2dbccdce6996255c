"""The ``[valuation]`` template: every **[default]** of DOMAIN.md flagged, every other value a
``nan`` placeholder that stops the run ("no value given") until the case fills it in."""

from __future__ import annotations

from pathlib import Path

from ..common.atomic import atomic_path
from .forest import SERVICES_GB_T_38582
from .params import DEFAULTS

_HEADER = """\
# [valuation] section of a ree_damage case file (append it to case.toml).
# Every price and unit cost: value, unit (元 per quantity unit; 万元 is refused, never
# converted), source, date (YYYY-MM-DD) and default = true where the value is a [default]
# of the guideline notes (DOMAIN.md). value = nan is a placeholder: a line that needs it stops
# with "no value given", naming the line and the parameter.
# Quantities a line may name: soil_damaged_volume_m3, soil_damaged_area_m2, soil_damaged_area_hm2
# (damage_summary.csv), vegetation_damaged_area_m2/_hm2 (vegetation summary), resource_reo_t
# (mined_volume annex table 5), groundwater_volume_m3, groundwater_area_m2, surface_water_volume_m3,
# surface_water_area_m2 (water damage table); or give them in [valuation.quantities.<name>].
"""


def _price(name: str, unit: str, source: str, note: str = "") -> str:
    comment = f"  # {note}" if note else ""
    return (f"\n[valuation.prices.{name}]{comment}\nvalue = nan\nunit = \"{unit}\"\nsource = \"{source}\"\n"
            f"date = \"\"\ndefault = false\n")


def template_text() -> str:
    """The template's TOML text (it parses; with its placeholders left, a run stops naming the first)."""
    out = [_HEADER, "\n[valuation]\n",
           "assessment_date = \"\"  # the date values are expressed at; empty: [case] survey_date\n",
           "act_start = \"\"  # empty: [case] act_start (mineral prices must be dated within the act)\n",
           "act_end = \"\"\n"]
    for key, (value, source) in DEFAULTS.items():
        literal = ("[" + ", ".join(str(v) for v in value) + "]") if isinstance(value, list) else (
            f"\"{value}\"" if isinstance(value, str) else str(value))
        out.append(f"{key} = {literal}  # {source}\n")
    out.append("\n# ---- 10.1 actual costs incurred, one table per receipt\n"
               "[[valuation.actual_costs]]\nitem = \"\"\ndate = \"\"\namount = nan\nunit = \"元\"\nevidence = \"\"\n")
    out.append("\n# ---- 10.6 mineral value (自然资规〔2024〕5号)\n[valuation.mineral]\n"
               "product_quantity = nan  # extracted product, t REO (ledgers, seizures, survey)\n"
               "product_unit = \"t\"\nproduct_source = \"\"\n"
               "price = \"reo_price\"  # the price-determination institution's price (when no sales are proven)\n"
               "recovery_national_minimum = \"recovery_national_minimum\"\n"
               "# recovery_design = \"recovery_design\"  # the mine design's rate, when there is one\n"
               "destroyed_basis = \"recoverable_minus_extracted\"  # [default] the extracted product is not counted twice\n"
               "# [[valuation.mineral.sales]]  quantity, unit, amount (元), date, evidence\n"
               "# [[valuation.mineral.periods]]  start, end, quantity, unit, price\n")
    out.append("\n# ---- 10.2 restoration: primary and compensatory measures\n")
    for item, quantity, price in (
        ("石灰钝化 lime passivation", "soil_damaged_volume_m3", "lime_passivation"),
        ("生物炭钝化 biochar passivation", "soil_damaged_volume_m3", "biochar_passivation"),
        ("客土回填 soil replacement", "soil_damaged_volume_m3", "soil_replacement"),
        ("植被恢复 revegetation", "vegetation_damaged_area_hm2", "revegetation"),
        ("地下水处理 groundwater treatment", "groundwater_volume_m3", "groundwater_treatment"),
    ):
        out.append(f"\n[[valuation.restoration]]\nitem = \"{item}\"\nkind = \"primary\"\nquantity = \"{quantity}\"\n"
                   f"factor = 1.0\nprice = \"{price}\"\n")
    out.append("\n[[valuation.restoration]]\nitem = \"监测 monitoring\"\nkind = \"primary\"\nquantity = 1\n"
               "quantity_unit = \"item\"\nprice = \"monitoring\"\n")
    out.append("\n# ---- interim loss by habitat equivalency (compensatory restoration, 10.2)\n[valuation.interim]\n"
               "area = \"vegetation_damaged_area_hm2\"\nloss_start_year = 0  # the year the loss began\n"
               "recovery_year = 0  # the year service is back to baseline\ninitial_loss = 1.0\n"
               "method = \"compensatory_project\"\ncompensatory_gain = nan\ncompensatory_start_year = 0\n"
               "compensatory_years = 0\nprice = \"compensatory_restoration\"\n")
    out.append("\n# ---- 10.4 forest ecosystem services (GB/T 38582 / LY/T 1721 items)\n[valuation.forest]\n"
               "area = \"vegetation_damaged_area_hm2\"\nyears_of_loss = nan\n"
               "price_index_source = \"\"  # e.g. the provincial consumer price index\n"
               "price_index = {}  # year -> index, e.g. {\"2020\" = 100.0, \"2026\" = 108.1}\n")
    for suffix, label in SERVICES_GB_T_38582:
        out.append(f"\n[[valuation.forest.services]]\nservice = \"{label}\"\nprice = \"forest_{suffix}\"\n"
                   "price_year = 0\n")
    out.append("\n# ---- 10.5 damage not restorable to baseline\n[[valuation.residual]]\n"
               "item = \"\"\nquantity = \"soil_damaged_area_hm2\"\nmethod = \"unit_value\"  # or \"perpetuity\"\n"
               "price = \"residual_unit_value\"\n")
    out.append("\n# ---- prices and unit costs\n")
    for name, unit, source in (
        ("reo_price", "元/t", "价格认定结论书 (price-determination institution), dated within the act"),
        ("lime_passivation", "元/m3", ""), ("biochar_passivation", "元/m3", ""), ("soil_replacement", "元/m3", ""),
        ("revegetation", "元/hm2", ""), ("groundwater_treatment", "元/m3", ""), ("monitoring", "元/item", ""),
        ("compensatory_restoration", "元/hm2", ""), ("residual_unit_value", "元/hm2", ""),
    ):
        out.append(_price(name, unit, source))
    out.append(_price("recovery_national_minimum", "1", "national minimum mining recovery rate for ion-adsorption "
                      "rare earth in force at the time of the act (三率 minimum indicators)",
                      "a fraction 0-1; the higher of this and the design's is used"))
    out.append(_price("recovery_design", "1", "the mine (initial) design or mining plan", "only when there is one"))
    for suffix, label in SERVICES_GB_T_38582:
        out.append(_price(f"forest_{suffix}", "元/(hm2·a)", f"unit value of {label} (GB/T 38582 / LY/T 1721 method)"))
    return "".join(out)


def write_template(path) -> Path:
    """Write :func:`template_text` to ``path`` atomically; return the path."""
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(template_text(), encoding="utf-8")
    return target
