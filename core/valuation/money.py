"""Money and units of the valuation: decimal arithmetic, the rounding rule, unit checks.

Every amount is a :class:`decimal.Decimal` in yuan (元). Numbers read from TOML or CSV
(binary floats) enter through :func:`to_decimal`, which takes the shortest decimal text
that reads back as the same float (``repr``), so ``0.1`` is ``Decimal("0.1")``, not
``0.1000000000000000055...``. Products and sums are exact up to 34 significant digits
(:data:`CONTEXT`); non-integer powers (discounting) are correctly rounded to 34 digits.
Nothing is rounded before the total: see :data:`ROUNDING_RULE`.

Units are compared as text after spelling is normalised (``m³`` = ``m3``,
``元/hm2/a`` = ``元/(hm2·a)``). A price unit is ``元/<quantity unit>``; a price given in
万元 (or any other money unit) is refused rather than converted, so that a figure in the
workbook is always the figure of the source document.
"""

from __future__ import annotations

import decimal
import math
from decimal import Decimal

from ..common.errors import InputError

CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN)
"""Arithmetic context of every valuation computation (IEEE 754 decimal128 precision)."""

CENT = Decimal("0.01")
ROUNDING_RULE = (
    "Amounts are computed in decimal arithmetic (34 significant digits) and are not rounded "
    "before the total; every line, subtotal and total is rounded half up to 0.01 元 only for "
    "display, so a displayed total may differ from the sum of the displayed lines by at most "
    "0.005 元 per line."
)
ROUNDING_RULE_ZH = "金额以十进制精确计算（34位有效数字），合计前不取舍；各行、小计与合计仅在显示时四舍五入至0.01元，因此显示的合计与各行显示值之和每行至多相差0.005元。"

MONEY_UNIT = "元"
QUANTITY_UNITS = ("m3", "m2", "hm2", "t", "a", "hm2.a", "m2.a", "m3.a", "t.a", "item")
"""Quantity units a line may carry (``hm2.a``: hectare-years of service)."""

_SPELLINGS = {"³": "3", "²": "2", "（": "(", "）": ")", "·": ".", "*": ".", "×": ".", " ": "", "/year": "/a",
              "/yr": "/a", "ha": "hm2", "hm22": "hm2", "公顷": "hm2", "吨": "t", "年": "a", "项": "item"}


def check_keys(table, *, known, required=(), where: str, line: str) -> None:
    """Refuse a parameter table with a key not in ``known`` or without a ``required`` one,
    naming the parameter (``where.key``) and the line; nothing is written then."""
    for key in table:
        if key not in known:
            raise InputError(f"{where}.{key}: unknown key; known: {', '.join(known)}", feature=line,
                             column=f"{where}.{key}")
    for key in required:
        if table.get(key) in (None, "", [], {}):
            raise InputError(f"{where}.{key}: missing", feature=line, column=f"{where}.{key}")


def to_decimal(value, *, line: str, parameter: str) -> Decimal:
    """``value`` (int, float, str or Decimal) as a Decimal; an error naming line and parameter otherwise.

    Examples
    --------
    >>> to_decimal(0.1, line="x", parameter="p")
    Decimal('0.1')
    """
    if isinstance(value, bool) or value is None:
        raise InputError(f"{parameter}: expected a number, got {value!r}", feature=line, column=parameter)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"{parameter}: no value given (placeholder {value!r})", feature=line, column=parameter)
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except decimal.InvalidOperation as error:
            raise InputError(f"{parameter}: {value!r} is not a number", feature=line, column=parameter) from error
    else:
        raise InputError(f"{parameter}: expected a number, got {value!r}", feature=line, column=parameter)
    if not number.is_finite():
        raise InputError(f"{parameter}: no value given ({value!r})", feature=line, column=parameter)
    return number


def non_negative(value, *, line: str, parameter: str) -> Decimal:
    """:func:`to_decimal`, refusing a negative number (a quantity, an amount, a price)."""
    number = to_decimal(value, line=line, parameter=parameter)
    if number < 0:
        raise InputError(f"{parameter}: negative value {number} is not allowed", feature=line, column=parameter)
    return number


def display(amount: Decimal) -> Decimal:
    """``amount`` rounded half up to 0.01 元, as the workbook shows it.

    Examples
    --------
    >>> display(Decimal("2.675")), display(Decimal("-0.005"))
    (Decimal('2.68'), Decimal('-0.01'))
    """
    return amount.quantize(CENT, rounding=decimal.ROUND_HALF_UP)


def unit_key(unit: str) -> str:
    """A unit's normalised spelling, e.g. ``"元/(hm²·a)"`` -> ``"元/hm2.a"``.

    Examples
    --------
    >>> unit_key("元/m³"), unit_key("元/hm2/a"), unit_key("元/(公顷·年)")
    ('元/m3', '元/hm2.a', '元/hm2.a')
    """
    text = str(unit).strip()
    for old, new in _SPELLINGS.items():
        text = text.replace(old, new)
    money, slash, rest = text.partition("/")
    rest = rest.replace("(", "").replace(")", "").replace("/", ".")
    return f"{money}{slash}{rest}" if slash else money


def split_price_unit(unit: str, *, line: str, parameter: str) -> str:
    """The quantity unit a price is per (``"元/t"`` -> ``"t"``); refuses any money unit but 元.

    Raises
    ------
    InputError
        ``万元/t`` (or another money unit), a unit without ``/``, or an unknown quantity unit,
        naming the line and the parameter.
    """
    key = unit_key(unit)
    money, slash, per = key.partition("/")
    if not slash:
        raise InputError(f"{parameter}: unit {unit!r} is not a price unit (元/<unit>)", feature=line, column=parameter)
    if money != MONEY_UNIT:
        raise InputError(
            f"{parameter}: unit {unit!r} is in {money}, prices are given in 元 (write the value in 元/{per}; "
            "nothing is converted)", feature=line, column=parameter)
    if per not in QUANTITY_UNITS:
        raise InputError(f"{parameter}: unknown quantity unit {per!r} in {unit!r}; one of {', '.join(QUANTITY_UNITS)}",
                         feature=line, column=parameter)
    return per


def check_money_unit(unit: str, *, line: str, parameter: str) -> None:
    """An amount's unit must be 元 (万元 refused, never converted)."""
    if unit_key(unit) != MONEY_UNIT:
        raise InputError(f"{parameter}: amount unit {unit!r}, amounts are given in 元 (nothing is converted)",
                         feature=line, column=parameter)


def quantity_unit(unit: str, *, line: str, parameter: str) -> str:
    """A quantity unit's normalised spelling; unknown units refused."""
    key = unit_key(unit)
    if key not in QUANTITY_UNITS:
        raise InputError(f"{parameter}: unknown quantity unit {unit!r}; one of {', '.join(QUANTITY_UNITS)}",
                         feature=line, column=parameter)
    return key


def check_units_match(quantity_unit_: str, price_unit: str, *, line: str, parameter: str) -> None:
    """A quantity in ``quantity_unit_`` may be priced in ``price_unit`` only if the units agree (m3 vs t refused)."""
    per = split_price_unit(price_unit, line=line, parameter=parameter)
    if per != unit_key(quantity_unit_):
        raise InputError(
            f"{parameter}: unit mismatch, the quantity is in {quantity_unit_} but the price is in {price_unit}",
            feature=line, column=parameter)


def power(base: Decimal, exponent: Decimal) -> Decimal:
    """``base ** exponent`` in :data:`CONTEXT` (exact for integer exponents up to 34 digits)."""
    return CONTEXT.power(base, exponent)


def text(amount) -> str:
    """A Decimal as plain text (no exponent), for JSON and formulas."""
    if amount is None:
        return ""
    return format(amount, "f")
