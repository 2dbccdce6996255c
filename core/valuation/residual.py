"""Damage that cannot be restored to baseline (guideline 10.5): the residual loss.

``[[valuation.residual]]`` rows: ``item``; ``quantity`` (a quantity name or a number with
``quantity_unit``); ``method``, which the row names:

- ``"unit_value"``: quantity x ``price`` (元 per the quantity's unit), e.g. the value of the
  environmental resource lost per hm2 (environmental resource value method);
- ``"perpetuity"``: quantity x ``price`` (元 per unit per year) / r, the value today of a
  service lost for good, capitalised at the discount rate r (sensitivity at 2 % and 5 %).
"""

from __future__ import annotations

from ..common.errors import InputError
from .inputs import quantity_of
from .lines import LineItem, fmt
from .money import check_keys, check_units_match, unit_key

METHOD = "residual"
KEYS = ("item", "quantity", "quantity_unit", "method", "price", "note")
METHODS = ("unit_value", "perpetuity")


def residual_lines(params, quantities, rate=None) -> list:
    """One line per residual item (元), valued by the method it names."""
    rate = params.discount_rate if rate is None else rate
    lines = []
    for n, row in enumerate(params.residual, start=1):
        where = f"valuation.residual[{n}]"
        item = str(row.get("item") or "")
        line = f"{where} {item}".strip()
        check_keys(row, known=KEYS, required=("item", "quantity", "method", "price"), where=where, line=line)
        method = row["method"]
        if method not in METHODS:
            raise InputError(f"{where}.method: {method!r}, one of {', '.join(METHODS)}", feature=line,
                             column=f"{where}.method")
        quantity = quantity_of(row["quantity"], quantities, line=line, parameter=f"{where}.quantity",
                               unit=row.get("quantity_unit"))
        price = params.price(row["price"], line=line, parameter=f"{where}.price")
        if method == "unit_value":
            check_units_match(quantity.unit, price.unit, line=line, parameter=price.parameter + ".unit")
            result = quantity.value * price.value
            formula = f"{fmt(quantity.value)} {quantity.unit} x {fmt(price.value)} {price.unit}"
        else:
            check_units_match(f"{quantity.unit}.a", price.unit, line=line, parameter=price.parameter + ".unit")
            if rate == 0:
                raise InputError(f"{where}.method: a perpetuity needs a discount rate above 0", feature=line,
                                 column="valuation.discount_rate")
            result = quantity.value * price.value / rate
            formula = f"{fmt(quantity.value)} {quantity.unit} x {fmt(price.value)} {unit_key(price.unit)} / {fmt(rate)}"
        lines.append(LineItem(METHOD, item, quantity.value, quantity.unit, price.value, price.unit, formula, result,
                              [quantity.source, price.label], note=f"method {method}. {row.get('note', '')}".strip()))
    return lines
