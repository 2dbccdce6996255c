"""Forest ecosystem service value (guideline 10.4; GB/T 38582 / LY/T 1721 items).

``[valuation.forest]``: ``area`` (a quantity name in hm2, e.g. ``"vegetation_damaged_area_hm2"``,
or a number with ``area_unit = "hm2"``), ``years_of_loss`` (a, from the act to recovery),
``price_index`` (a table year -> index, e.g. the consumer price index, with
``price_index_source``), and ``[[valuation.forest.services]]`` rows: ``service`` and ``price``
(a ``[valuation.prices]`` entry in 元/(hm2·a)) with ``price_year`` (the year the unit value
was stated in). Per service::

    value = A x P x (I_C / I_price_year) x years

with C the assessment year. The items of GB/T 38582 (涵养水源, 保育土壤, 固碳释氧, 林木养分固持,
净化大气环境, 森林防护, 生物多样性保护, 森林康养) are the template's rows; their unit values are
the case's to give (no default). Counted in the total only when
``interim_in_total = "forest_services"`` (the same lost services are otherwise valued by
habitat equivalency: counting both would count them twice).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..common.errors import InputError
from .inputs import quantity_of
from .lines import LineItem, fmt
from .money import check_keys, check_units_match, non_negative

METHOD = "forest"
KEYS = ("area", "area_unit", "years_of_loss", "price_index", "price_index_source", "services", "note")
SERVICE_KEYS = ("service", "price", "price_year", "note")
WHERE = "valuation.forest"
SERVICES_GB_T_38582 = (
    ("water_conservation", "涵养水源 water conservation"),
    ("soil_conservation", "保育土壤 soil conservation"),
    ("carbon_oxygen", "固碳释氧 carbon fixation and oxygen release"),
    ("nutrient_retention", "林木养分固持 nutrient retention"),
    ("air_purification", "净化大气环境 air purification"),
    ("forest_protection", "森林防护 forest protection"),
    ("biodiversity", "生物多样性保护 biodiversity conservation"),
    ("recreation", "森林康养 forest recreation"),
)
"""Service items of GB/T 38582-2020: price-name suffix -> label."""


def forest_lines(params, quantities, rate=None) -> list:
    """One line per service (元); ``counted`` only when the forest services carry the interim loss."""
    spec = params.forest
    if not spec:
        return []
    line = WHERE
    check_keys(spec, known=KEYS, required=("area", "years_of_loss", "price_index", "services"), where=WHERE,
               line=line)
    area = quantity_of(spec["area"], quantities, line=line, parameter=f"{WHERE}.area", unit=spec.get("area_unit"))
    if area.unit != "hm2":
        raise InputError(f"{WHERE}.area: unit mismatch, the area is in {area.unit}, unit values are per hm2",
                         feature=line, column=f"{WHERE}.area")
    years = non_negative(spec["years_of_loss"], line=line, parameter=f"{WHERE}.years_of_loss")
    index = spec["price_index"]
    if not isinstance(index, Mapping):
        raise InputError(f"{WHERE}.price_index: a table year -> index", feature=line, column=f"{WHERE}.price_index")
    index_source = spec.get("price_index_source") or ""
    if not index_source:
        raise InputError(f"{WHERE}.price_index_source: name the index (e.g. the provincial CPI, its publication)",
                         feature=line, column=f"{WHERE}.price_index_source")
    base = params.base_year

    def index_of(year, where):
        value = index.get(str(year))
        if value is None:
            raise InputError(f"{WHERE}.price_index: no index for {year}", feature=where,
                             column=f"{WHERE}.price_index.{year}")
        number = non_negative(value, line=where, parameter=f"{WHERE}.price_index.{year}")
        if number == 0:
            raise InputError(f"{WHERE}.price_index.{year}: an index of 0", feature=where,
                             column=f"{WHERE}.price_index.{year}")
        return number

    counted = params.interim_in_total == "forest_services"
    lines = []
    for n, row in enumerate(spec["services"], start=1):
        where = f"{WHERE}.services[{n}]"
        item = str(row.get("service") or "")
        sline = f"{where} {item}".strip()
        check_keys(row, known=SERVICE_KEYS, required=("service", "price", "price_year"), where=where, line=sline)
        price = params.price(row["price"], line=sline, parameter=f"{where}.price")
        check_units_match("hm2.a", price.unit, line=sline, parameter=price.parameter + ".unit")
        price_year = row["price_year"]
        if isinstance(price_year, bool) or not isinstance(price_year, int):
            raise InputError(f"{where}.price_year: a year", feature=sline, column=f"{where}.price_year")
        ratio_text = f"{fmt(index_of(base, sline))}/{fmt(index_of(price_year, sline))}"
        adjusted = price.value * index_of(base, sline) / index_of(price_year, sline)
        lines.append(LineItem(
            METHOD, item, area.value * years, "hm2.a", adjusted, price.unit,
            f"{fmt(area.value)} hm2 x {fmt(price.value)} {price.unit} x ({ratio_text}) x {fmt(years)} a",
            area.value * price.value * index_of(base, sline) / index_of(price_year, sline) * years,
            [area.source, price.label, f"parameter {WHERE}.price_index {price_year} -> {base} ({index_source})",
             f"parameter {WHERE}.years_of_loss"],
            counted=counted,
            note=("counted in the total" if counted else
                  "shown, not counted: the interim loss is counted by habitat equivalency (interim_in_total)"),
        ))
    return lines


