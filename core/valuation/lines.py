"""Line items and quantities: what every sheet of the workbook lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from .money import display, text

METHODS = {
    "actual_costs": ("实际费用 Actual costs (10.1)", "10.1"),
    "mineral": ("矿产资源价值 Mineral value (10.6)", "10.6"),
    "restoration": ("修复费用 Restoration cost (10.2)", "10.2"),
    "interim": ("期间损害 Interim loss HEA (10.2)", "10.2"),
    "forest": ("森林生态服务 Forest services (10.4)", "10.4"),
    "residual": ("不可修复损害 Residual loss (10.5)", "10.5"),
}
"""Method id -> (sheet title, guideline section), in workbook order."""

LEVELS = (50, 80, 95)
"""Confidence levels of the damage range, % (P(exceed) >= level)."""


@dataclass(frozen=True)
class Quantity:
    """A quantity read from an input table or a parameter, with where it came from.

    ``value`` is the central value in ``unit``; ``levels`` the same quantity at P(exceed) >=
    50/80/95 % where the input gives them (empty otherwise).
    """

    key: str
    value: Decimal
    unit: str
    source: str
    levels: dict = field(default_factory=dict)


@dataclass
class LineItem:
    """One line of a method's sheet.

    ``result`` is in 元 for a money line (``money`` True); an intermediate line (an HEA
    year, a recovery-rate choice) carries its quantity and no money. ``counted``: the
    line enters the total (False for the method shown beside the counted one).
    """

    method: str
    item: str
    quantity: Optional[Decimal]
    unit: str
    unit_price: Optional[Decimal]
    price_unit: str
    formula: str
    result: Optional[Decimal]
    sources: list
    money: bool = True
    counted: bool = True
    note: str = ""

    def as_dict(self) -> dict:
        return {
            "method": self.method,
            "item": self.item,
            "quantity": text(self.quantity) if self.quantity is not None else None,
            "unit": self.unit,
            "unit_price": text(self.unit_price) if self.unit_price is not None else None,
            "price_unit": self.price_unit,
            "formula": self.formula,
            "result": text(self.result) if self.result is not None else None,
            "result_display": text(display(self.result)) if (self.result is not None and self.money) else None,
            "money": self.money,
            "counted": self.counted,
            "sources": list(self.sources),
            "note": self.note,
        }


def fmt(number) -> str:
    """A Decimal in a formula text, without trailing zeros of its exact value.

    Examples
    --------
    >>> fmt(Decimal("1.500")), fmt(Decimal("2E+3"))
    ('1.5', '2000')
    """
    if number is None:
        return ""
    value = number.normalize() if number != number.to_integral_value() else number.to_integral_value()
    return format(value, "f")
