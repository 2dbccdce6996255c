"""The ``[valuation]`` section of the case file: prices, unit costs and the choices of each method.

Every price and unit cost is a table with its value, unit, source and date, and whether
it is a **[default]** of DOMAIN.md::

    [valuation.prices.lime_passivation]
    value = 85.0
    unit = "元/m3"
    source = "2025 造价信息, 赣州市, item 3.2"
    date = "2025-06-30"
    default = false

A value of ``nan`` is a placeholder (the template writes one where no default exists): a
line that needs it stops with "no value given", naming the line and the parameter.
The tables of each method are described in their modules and in :func:`template_text`.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional

from ..common.errors import InputError
from .money import non_negative

SECTION = "valuation"
CREDITING = ("mid-year", "end-of-year")
INTERIM_IN_TOTAL = ("hea", "forest_services")
DAMAGE_METHODS = ("auto", "ok", "idw")

DEFAULTS = {
    "discount_rate": (0.03, "[default] 3 %: DOMAIN.md, habitat equivalency analysis (guideline 10.2)"),
    "sensitivity_rates": ([0.02, 0.05], "[default] 2 % and 5 %: DOMAIN.md, the 2-5 % sensitivity of the discount rate"),
    "crediting": ("mid-year", "[default] losses of a year counted at its middle (NOAA habitat equivalency practice)"),
    "damage_method": ("auto", "[default] the kriged (ok) rows of the damage summary when present, else idw"),
    "interim_in_total": ("hea", "[default] the interim loss counted once, by habitat equivalency (compensatory "
                                "restoration, guideline 10.2); the forest service value (10.4) is shown beside it"),
}
"""Top-level defaults of the ``[valuation]`` section: key -> (value, source)."""

_TOP_KEYS = ("assessment_date", "act_start", "act_end", "discount_rate", "sensitivity_rates", "crediting",
             "damage_method", "interim_in_total", "prices", "quantities", "actual_costs", "mineral", "restoration",
             "interim", "forest", "residual", "note")
_PRICE_KEYS = ("value", "unit", "source", "date", "default", "note")


@dataclass(frozen=True)
class Price:
    """One price or unit cost: ``value`` in ``unit`` (元 per quantity unit, or 1 for a rate)."""

    name: str
    value: Decimal
    unit: str
    source: str
    date: Optional[_dt.date]
    default: bool = False

    @property
    def parameter(self) -> str:
        return f"{SECTION}.prices.{self.name}"

    @property
    def label(self) -> str:
        """How a line names this price as its source."""
        flag = " [default]" if self.default else ""
        when = f", {self.date.isoformat()}" if self.date else ""
        return f"parameter {self.parameter} = {self.value} {self.unit}{flag} ({self.source}{when})"


@dataclass(frozen=True)
class ValuationParams:
    """The ``[valuation]`` section read and checked (prices parsed; method tables kept raw,
    each method checks its own)."""

    assessment_date: _dt.date
    act_start: Optional[_dt.date]
    act_end: Optional[_dt.date]
    discount_rate: Decimal
    sensitivity_rates: tuple
    crediting: str
    damage_method: str
    interim_in_total: str
    prices: dict = field(default_factory=dict)
    quantities: dict = field(default_factory=dict)
    actual_costs: list = field(default_factory=list)
    mineral: dict = field(default_factory=dict)
    restoration: list = field(default_factory=list)
    interim: dict = field(default_factory=dict)
    forest: dict = field(default_factory=dict)
    residual: list = field(default_factory=list)
    sources: dict = field(default_factory=dict)

    def price(self, name, *, line: str, parameter: str) -> Price:
        """The price ``name``; an error naming the line and the parameter when it is missing or has no value."""
        if not isinstance(name, str) or not name:
            raise InputError(f"{parameter}: name a price of [valuation.prices]", feature=line, column=parameter)
        found = self.prices.get(name)
        if found is None:
            raise InputError(f"{parameter}: missing price {name!r} (no [valuation.prices.{name}])",
                             feature=line, column=f"{SECTION}.prices.{name}")
        if found.value is None:
            raise InputError(f"price {name!r} has no value (placeholder)", feature=line,
                             column=f"{SECTION}.prices.{name}.value")
        return found

    @property
    def base_year(self) -> int:
        return self.assessment_date.year

    def record(self) -> dict:
        """The parameters as the provenance record holds them."""
        return {
            "assessment_date": self.assessment_date.isoformat(),
            "act_start": self.act_start.isoformat() if self.act_start else None,
            "act_end": self.act_end.isoformat() if self.act_end else None,
            "discount_rate": str(self.discount_rate),
            "sensitivity_rates": [str(r) for r in self.sensitivity_rates],
            "crediting": self.crediting,
            "damage_method": self.damage_method,
            "interim_in_total": self.interim_in_total,
            "prices": {name: {"value": None if p.value is None else str(p.value), "unit": p.unit,
                              "source": p.source, "date": p.date.isoformat() if p.date else None,
                              "default": p.default} for name, p in self.prices.items()},
        }


def parse_date(value, *, line: str, parameter: str) -> _dt.date:
    """An ISO date (TOML date or ``"YYYY-MM-DD"`` text)."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputError(f"{parameter}: {value!r} is not a date (YYYY-MM-DD)", feature=line, column=parameter)


def _table(value, where: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise InputError(f"{where}: expected a table", feature=where, column=where)
    return value


def _no_unknown(table: Mapping, known, where: str) -> None:
    for key in table:
        if key not in known:
            raise InputError(f"{where}.{key}: unknown key; known: {', '.join(known)}", feature=where,
                             column=f"{where}.{key}")


def _price(name: str, raw) -> Price:
    where = f"{SECTION}.prices.{name}"
    raw = _table(raw, where)
    _no_unknown(raw, _PRICE_KEYS, where)
    for key in ("value", "unit", "source"):
        if key not in raw:
            raise InputError(f"{where}.{key}: missing (every price has value, unit, source and date)",
                             feature=where, column=f"{where}.{key}")
    value = raw["value"]
    placeholder = isinstance(value, float) and math.isnan(value)
    number = None if placeholder else non_negative(value, line=where, parameter=f"{where}.value")
    unit = raw["unit"]
    if not isinstance(unit, str) or not unit.strip():
        raise InputError(f"{where}.unit: give the unit as text, e.g. '元/m3'", feature=where, column=f"{where}.unit")
    source = raw["source"]
    if not isinstance(source, str) or (not source.strip() and not placeholder):
        raise InputError(f"{where}.source: name where the price comes from", feature=where, column=f"{where}.source")
    date = raw.get("date")
    parsed = parse_date(date, line=where, parameter=f"{where}.date") if date not in (None, "") else None
    if parsed is None and not placeholder:
        raise InputError(f"{where}.date: give the date of the price (YYYY-MM-DD)", feature=where,
                         column=f"{where}.date")
    default = raw.get("default", False)
    if not isinstance(default, bool):
        raise InputError(f"{where}.default: true or false", feature=where, column=f"{where}.default")
    return Price(name, number, unit.strip(), source.strip(), parsed, default)


def read_params(section: Mapping, *, case_info: Optional[Mapping] = None) -> ValuationParams:
    """Check the ``[valuation]`` table of a case file.

    Parameters
    ----------
    section : mapping
        The parsed ``[valuation]`` table.
    case_info : mapping, optional
        The ``[case]`` table: ``act_start``, ``act_end`` and ``survey_date`` fill in what the
        section leaves out (the assessment date defaults to the survey date).

    Raises
    ------
    InputError
        An unknown key, a price without value/unit/source/date, a negative price, a bad
        date or choice, named by line (``feature``) and parameter (``column``).
    """
    section = _table(section, SECTION)
    _no_unknown(section, _TOP_KEYS, SECTION)
    info = dict(case_info or {})

    def date_of(key, fallback=None, required=False):
        value = section.get(key) or info.get(key) or (info.get(fallback) if fallback else None)
        if value in (None, ""):
            if required:
                raise InputError(f"{SECTION}.{key}: missing (the date the values are expressed at)",
                                 feature=SECTION, column=f"{SECTION}.{key}")
            return None
        return parse_date(value, line=SECTION, parameter=f"{SECTION}.{key}")

    assessment = date_of("assessment_date", "survey_date", required=True)
    act_start, act_end = date_of("act_start"), date_of("act_end")
    if act_start and act_end and act_end < act_start:
        raise InputError(f"{SECTION}.act_end: the act ends ({act_end}) before it starts ({act_start})",
                         feature=SECTION, column=f"{SECTION}.act_end")
    sources = {}

    def choice(key):
        default, source = DEFAULTS[key]
        value = section.get(key, default)
        sources[key] = source if key not in section else f"parameter {SECTION}.{key}"
        return value

    rate = non_negative(choice("discount_rate"), line=SECTION, parameter=f"{SECTION}.discount_rate")
    if rate >= 1:
        raise InputError(f"{SECTION}.discount_rate: {rate} is a fraction (0.03 = 3 %)", feature=SECTION,
                         column=f"{SECTION}.discount_rate")
    rates = choice("sensitivity_rates")
    if not isinstance(rates, list):
        raise InputError(f"{SECTION}.sensitivity_rates: an array of fractions", feature=SECTION,
                         column=f"{SECTION}.sensitivity_rates")
    sensitivity = tuple(non_negative(r, line=SECTION, parameter=f"{SECTION}.sensitivity_rates") for r in rates)
    if any(r >= 1 for r in sensitivity):
        raise InputError(f"{SECTION}.sensitivity_rates: fractions below 1 (0.02 = 2 %)", feature=SECTION,
                         column=f"{SECTION}.sensitivity_rates")
    crediting = choice("crediting")
    if crediting not in CREDITING:
        raise InputError(f"{SECTION}.crediting: {crediting!r}, one of {', '.join(CREDITING)}", feature=SECTION,
                         column=f"{SECTION}.crediting")
    method = choice("damage_method")
    if method not in DAMAGE_METHODS:
        raise InputError(f"{SECTION}.damage_method: {method!r}, one of {', '.join(DAMAGE_METHODS)}", feature=SECTION,
                         column=f"{SECTION}.damage_method")
    in_total = choice("interim_in_total")
    if in_total not in INTERIM_IN_TOTAL:
        raise InputError(f"{SECTION}.interim_in_total: {in_total!r}, one of {', '.join(INTERIM_IN_TOTAL)}",
                         feature=SECTION, column=f"{SECTION}.interim_in_total")
    prices = {str(name): _price(str(name), raw) for name, raw in _table(section.get("prices", {}),
                                                                      f"{SECTION}.prices").items()}

    def rows(key):
        value = section.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
            raise InputError(f"{SECTION}.{key}: an array of tables ([[{SECTION}.{key}]])", feature=SECTION,
                             column=f"{SECTION}.{key}")
        return [dict(v) for v in value]

    return ValuationParams(
        assessment_date=assessment, act_start=act_start, act_end=act_end, discount_rate=rate,
        sensitivity_rates=sensitivity, crediting=crediting, damage_method=method, interim_in_total=in_total,
        prices=prices, quantities=dict(_table(section.get("quantities", {}), f"{SECTION}.quantities")),
        actual_costs=rows("actual_costs"), mineral=dict(_table(section.get("mineral", {}), f"{SECTION}.mineral")),
        restoration=rows("restoration"), interim=dict(_table(section.get("interim", {}), f"{SECTION}.interim")),
        forest=dict(_table(section.get("forest", {}), f"{SECTION}.forest")), residual=rows("residual"),
        sources=sources,
    )


def read_case_file(path) -> tuple:
    """``(valuation section, case table)`` of a TOML case file; an error naming the file without ``[valuation]``."""
    import sys
    from pathlib import Path

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    file = Path(path)
    try:
        doc = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputError(f"cannot read the case file: {error}", layer=str(file)) from error
    if SECTION not in doc:
        raise InputError("the case file has no [valuation] section (write the template and fill it in)",
                         layer=str(file), column=SECTION)
    return doc[SECTION], doc.get("case", {})
