"""Interim loss by habitat equivalency (DOMAIN.md **[default]**; guideline 10.2).

Debit (discounted service-hectare-years lost)::

    D = Σ_t A x L_t x (1 + r)^(C - τ_t)

with A the damaged area (hm2), L_t the service loss in year t (0-1), r the discount rate
(3 % **[default]**, 2 % and 5 % sensitivity), C the base year (the assessment year; values are
expressed at 1 January of C) and τ_t when year t's loss is counted: t + 0.5 under the
**mid-year** crediting convention (**[default]**), t + 1 under **end-of-year**. Past losses
are compounded to C, future ones discounted.

``[valuation.interim]``: ``area`` (a quantity name in hm2, e.g.
``"vegetation_damaged_area_hm2"``, or a number with ``area_unit = "hm2"``);
``loss_start_year``, ``recovery_year`` and ``initial_loss`` for a **linear** path
(L_t = L0 x (T_rec - t) / (T_rec - T_0) for T_0 <= t < T_rec: full loss the first year,
falling by equal steps to none in the recovery year), or ``path = [[year, loss], ...]``;
``method``:

- ``"compensatory_project"``: a project gaining ``compensatory_gain`` (0-1) of service per
  hm2 per year from ``compensatory_start_year`` for ``compensatory_years`` years gives a
  credit K = Σ_s g x (1 + r)^(C - τ_s) per hm2; the area to restore is D / K (hm2), its cost
  D / K x ``price`` (元/hm2).
- ``"unit_value"``: D x ``price`` (元/(hm2·a), the value of a hectare-year of service).
"""

from __future__ import annotations

from decimal import Decimal

from ..common.errors import InputError
from .inputs import quantity_of
from .lines import LineItem, fmt
from .money import check_keys, check_units_match, non_negative, power

METHOD = "interim"
KEYS = ("area", "area_unit", "loss_start_year", "recovery_year", "initial_loss", "path", "method",
        "compensatory_gain", "compensatory_start_year", "compensatory_years", "price", "note")
METHODS = ("compensatory_project", "unit_value")
WHERE = "valuation.interim"
_HALF = Decimal("0.5")


def _year(value, *, line, parameter) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2200:
        raise InputError(f"{parameter}: {value!r} is not a year", feature=line, column=parameter)
    return value


def _fraction(value, *, line, parameter) -> Decimal:
    number = non_negative(value, line=line, parameter=parameter)
    if number > 1:
        raise InputError(f"{parameter}: {number} is a share of the service (0-1)", feature=line, column=parameter)
    return number


def loss_path(spec: dict, line: str) -> list:
    """``[(year, L_t), ...]`` from the linear parameters or the ``path`` table."""
    if spec.get("path") is not None:
        rows = spec["path"]
        if not isinstance(rows, list) or not rows:
            raise InputError(f"{WHERE}.path: an array of [year, loss]", feature=line, column=f"{WHERE}.path")
        path = []
        for n, row in enumerate(rows, start=1):
            if not isinstance(row, list) or len(row) != 2:
                raise InputError(f"{WHERE}.path[{n}]: [year, loss]", feature=line, column=f"{WHERE}.path")
            path.append((_year(row[0], line=line, parameter=f"{WHERE}.path[{n}]"),
                         _fraction(row[1], line=line, parameter=f"{WHERE}.path[{n}]")))
        years = [y for y, _ in path]
        if years != sorted(set(years)):
            raise InputError(f"{WHERE}.path: years must increase without repeats", feature=line,
                             column=f"{WHERE}.path")
        return path
    for key in ("loss_start_year", "recovery_year"):
        if key not in spec:
            raise InputError(f"{WHERE}.{key}: missing (or give path)", feature=line, column=f"{WHERE}.{key}")
    start = _year(spec["loss_start_year"], line=line, parameter=f"{WHERE}.loss_start_year")
    end = _year(spec["recovery_year"], line=line, parameter=f"{WHERE}.recovery_year")
    if end <= start:
        raise InputError(f"{WHERE}.recovery_year: {end} not after the loss start {start}", feature=line,
                         column=f"{WHERE}.recovery_year")
    l0 = _fraction(spec.get("initial_loss", 1), line=line, parameter=f"{WHERE}.initial_loss")
    span = Decimal(end - start)
    return [(t, l0 * Decimal(end - t) / span) for t in range(start, end)]


def credit_time(year: int, crediting: str) -> Decimal:
    """τ_t: when year ``year``'s service is counted (mid-year t + 0.5, end-of-year t + 1)."""
    return Decimal(year) + (_HALF if crediting == "mid-year" else Decimal(1))


def factor(rate: Decimal, base_year: int, year: int, crediting: str) -> Decimal:
    """(1 + r)^(C - τ_t)."""
    return power(Decimal(1) + rate, Decimal(base_year) - credit_time(year, crediting))


def interim_lines(params, quantities, rate=None) -> list:
    """The yearly debit lines (no money), the credit lines of a compensatory project, and the cost line (元)."""
    spec = params.interim
    if not spec:
        return []
    rate = params.discount_rate if rate is None else rate
    line = WHERE
    check_keys(spec, known=KEYS, required=("area",), where=WHERE, line=line)
    area = quantity_of(spec["area"], quantities, line=line, parameter=f"{WHERE}.area", unit=spec.get("area_unit"))
    if area.unit != "hm2":
        raise InputError(f"{WHERE}.area: unit mismatch, the area is in {area.unit}, HEA works in hm2 (use a *_hm2 "
                         "quantity)", feature=line, column=f"{WHERE}.area")
    base, crediting = params.base_year, params.crediting
    tau = "t + 0.5" if crediting == "mid-year" else "t + 1"
    convention = (f"crediting {crediting} (τ = {tau}); base year C = {base} (values at 1 January {base}); "
                  f"r = {fmt(rate)}")
    lines, debit = [], Decimal(0)
    for year, loss in loss_path(spec, line):
        f = factor(rate, base, year, crediting)
        value = area.value * loss * f
        debit += value
        lines.append(LineItem(
            METHOD, f"损失 debit {year}", area.value * loss, "hm2.a", None, "",
            f"{fmt(area.value)} hm2 x L={fmt(loss)} x (1+{fmt(rate)})^({base}-{fmt(credit_time(year, crediting))})",
            value, [area.source, f"parameter {WHERE} (loss path)"], money=False,
            note="discounted service-hectare-years (hm2.a)"))
    method = spec.get("method", "compensatory_project")
    if method not in METHODS:
        raise InputError(f"{WHERE}.method: {method!r}, one of {', '.join(METHODS)}", feature=line,
                         column=f"{WHERE}.method")
    price = params.price(spec.get("price"), line=line, parameter=f"{WHERE}.price")
    if method == "unit_value":
        check_units_match("hm2.a", price.unit, line=line, parameter=price.parameter + ".unit")
        lines.append(LineItem(
            METHOD, "期间损害 interim loss (unit value)", debit, "hm2.a", price.value, price.unit,
            f"D = {fmt(debit)} hm2.a x {fmt(price.value)} {price.unit}", debit * price.value,
            [f"sum of the debit lines ({convention})", price.label], note=convention))
        return lines
    check_units_match("hm2", price.unit, line=line, parameter=price.parameter + ".unit")
    gain = (_fraction(spec["compensatory_gain"], line=line, parameter=f"{WHERE}.compensatory_gain")
            if "compensatory_gain" in spec else Decimal(0))
    if gain == 0:
        raise InputError(f"{WHERE}.compensatory_gain: missing or 0 (service gained per hm2 of the project, 0-1)",
                         feature=line, column=f"{WHERE}.compensatory_gain")
    for key in ("compensatory_start_year", "compensatory_years"):
        if key not in spec:
            raise InputError(f"{WHERE}.{key}: missing", feature=line, column=f"{WHERE}.{key}")
    first = _year(spec["compensatory_start_year"], line=line, parameter=f"{WHERE}.compensatory_start_year")
    years = spec["compensatory_years"]
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise InputError(f"{WHERE}.compensatory_years: a whole number of years >= 1", feature=line,
                         column=f"{WHERE}.compensatory_years")
    credit = Decimal(0)
    for year in range(first, first + years):
        credit += gain * factor(rate, base, year, crediting)
    lines.append(LineItem(
        METHOD, "补偿项目单位收益 credit per hm2", gain * years, "hm2.a", None, "",
        f"Σ_{{t={first}..{first + years - 1}}} {fmt(gain)} x (1+{fmt(rate)})^({base}-({tau}))", credit,
        [f"parameter {WHERE}.compensatory_gain/start_year/years"], money=False,
        note="discounted service-years gained per hm2 of compensatory restoration"))
    area_needed = debit / credit
    lines.append(LineItem(
        METHOD, "补偿性恢复 compensatory restoration (HEA)", area_needed, "hm2", price.value, price.unit,
        f"D / K = {fmt(debit)} / {fmt(credit)} hm2 x {fmt(price.value)} {price.unit}", area_needed * price.value,
        [f"sum of the debit lines ({convention})", "the credit line", price.label], note=convention))
    return lines
