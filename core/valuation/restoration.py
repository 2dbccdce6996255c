"""Restoration cost (guideline 10.2): per measure, quantity from the damage tables x unit cost.

``[[valuation.restoration]]`` rows: ``item``; ``kind`` (``"primary"``: back to baseline, or
``"compensatory"``: for the interim loss); ``quantity`` (a quantity name such as
``"soil_damaged_volume_m3"``, or a number with ``quantity_unit``); optional ``factor``
(dimensionless, e.g. the share of the volume treated, default 1); ``price`` (a
``[valuation.prices]`` entry in 元 per the quantity's unit: a quantity in m3 priced in 元/t
is refused). Result = quantity x factor x unit cost.

Typical measures: lime or biochar passivation per m3 of damaged soil, soil replacement per
m3, revegetation per hm2 of lost forest, groundwater treatment per m3, monitoring per item.
"""

from __future__ import annotations

from decimal import Decimal

from ..common.errors import InputError
from .inputs import quantity_of
from .lines import LineItem, fmt
from .money import check_keys, check_units_match, non_negative

METHOD = "restoration"
KEYS = ("item", "kind", "quantity", "quantity_unit", "factor", "price", "note")
KINDS = {"primary": "基本恢复 primary", "compensatory": "补偿性恢复 compensatory"}


def restoration_lines(params, quantities, rate=None) -> list:
    """One line per restoration measure (元)."""
    lines = []
    for n, row in enumerate(params.restoration, start=1):
        where = f"valuation.restoration[{n}]"
        item = str(row.get("item") or "")
        line = f"{where} {item}".strip()
        check_keys(row, known=KEYS, required=("item", "quantity", "price"), where=where, line=line)
        kind = row.get("kind", "primary")
        if kind not in KINDS:
            raise InputError(f"{where}.kind: {kind!r}, one of {', '.join(KINDS)}", feature=line, column=f"{where}.kind")
        quantity = quantity_of(row["quantity"], quantities, line=line, parameter=f"{where}.quantity",
                               unit=row.get("quantity_unit"))
        factor = non_negative(row.get("factor", 1), line=line, parameter=f"{where}.factor")
        price = params.price(row["price"], line=line, parameter=f"{where}.price")
        check_units_match(quantity.unit, price.unit, line=line, parameter=price.parameter + ".unit")
        factor_text = "" if factor == Decimal(1) else f" x {fmt(factor)}"
        lines.append(LineItem(
            METHOD, f"{KINDS[kind]}: {item}", quantity.value * factor, quantity.unit, price.value, price.unit,
            f"{fmt(quantity.value)} {quantity.unit}{factor_text} x {fmt(price.value)} {price.unit}",
            quantity.value * factor * price.value,
            [quantity.source, *([f"parameter {where}.factor"] if factor != 1 else []), price.label],
            note=str(row.get("note", "")),
        ))
    return lines
