"""Mineral value (guideline 10.6; 自然资规〔2024〕5号).

Extracted product (采出矿产品价值), ``[valuation.mineral]``:

- ``product_quantity`` (``product_unit``, e.g. t REO) and ``product_source``: what was extracted.
- ``[[valuation.mineral.sales]]`` (``quantity``, ``unit``, ``amount`` in 元, ``date``,
  ``evidence``): proven sales. The sold part is valued at its proceeds; an unsold part at the
  average sale price of the sold part (Σ amount / Σ quantity).
- without sales, ``[[valuation.mineral.periods]]`` (``start``, ``end``, ``quantity``,
  ``unit``, ``price``): where the act spans distinct periods, each period's quantity at its
  own price; the quantities must add up to ``product_quantity``.
- otherwise ``price``: the price-determination institution's conclusion (价格认定结论书).

Every price date (sale dates, period prices, the institution's price) must lie within the
act's period (``act_start`` - ``act_end``): the law prices the product at the time of the act.

Destroyed resource (矿产资源破坏价值): what a proper method would have recovered in the
affected range, R x ρ, with R the resource of the range (``resource_reo_t``, from the
``mined_volume`` tables or ``[valuation.quantities]``) and ρ the recovery rate, the higher of
the mine design's (``recovery_design``, a price-like table with unit ``"1"``; absent: no
design) and the national minimum at the time of the act (``recovery_national_minimum``).
``destroyed_basis``: ``"recoverable_minus_extracted"`` (**[default]**: the extracted product
is valued above, so it is taken out of the recoverable quantity, not counted twice) or
``"recoverable"``. Priced at the average sale price when there are sales, else at ``price``.
"""

from __future__ import annotations

from decimal import Decimal

from ..common.errors import InputError
from .lines import LineItem, fmt
from .money import check_keys, check_money_unit, check_units_match, non_negative, quantity_unit
from .params import parse_date

METHOD = "mineral"
KEYS = ("product_quantity", "product_unit", "product_source", "sales", "periods", "price", "recovery_design",
        "recovery_national_minimum", "destroyed_basis", "note")
BASES = ("recoverable_minus_extracted", "recoverable")
WHERE = "valuation.mineral"


def _in_act(params, date, *, line, parameter) -> None:
    if params.act_start is None or params.act_end is None:
        raise InputError(f"{parameter}: the act's period is unknown (act_start/act_end in [case] or [valuation])",
                         feature=line, column=parameter)
    if not params.act_start <= date <= params.act_end:
        raise InputError(f"{parameter}: price date {date} outside the act's period {params.act_start} - "
                         f"{params.act_end}", feature=line, column=parameter)


def _rate(params, name, *, line):
    """A recovery rate (a price-like table with unit "1"): its value and label, None when not given."""
    raw = params.mineral.get(name)
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InputError(f"{WHERE}.{name}: name a [valuation.prices] entry (unit \"1\")", feature=line,
                         column=f"{WHERE}.{name}")
    price = params.price(raw, line=line, parameter=f"{WHERE}.{name}")
    if price.unit not in ("1", "fraction", "%"):
        raise InputError(f"unit mismatch: a recovery rate is a fraction (unit \"1\"), not {price.unit}",
                         feature=line, column=price.parameter + ".unit")
    value = price.value / 100 if price.unit == "%" else price.value
    if value > 1:
        raise InputError(f"recovery rate {value} above 1", feature=line, column=price.parameter + ".value")
    return value, price


def mineral_lines(params, quantities, rate=None) -> list:
    """Lines of the extracted product's value and of the destroyed resource's value (元)."""
    m = params.mineral
    if not m:
        return []
    check_keys(m, known=KEYS, where=WHERE, line=WHERE)
    line = f"{WHERE} extracted product"
    if "product_quantity" not in m:
        raise InputError(f"{WHERE}.product_quantity: missing", feature=line, column=f"{WHERE}.product_quantity")
    unit = quantity_unit(m.get("product_unit", "t"), line=line, parameter=f"{WHERE}.product_unit")
    extracted = non_negative(m["product_quantity"], line=line, parameter=f"{WHERE}.product_quantity")
    product_source = f"parameter {WHERE}.product_quantity ({m.get('product_source', 'source not given')})"
    lines, sold_q, sold_amount = [], Decimal(0), Decimal(0)
    sales = m.get("sales", [])
    for n, sale in enumerate(sales, start=1):
        where = f"{WHERE}.sales[{n}]"
        sline = f"{where} sale"
        for key in ("quantity", "amount", "date", "evidence"):
            if sale.get(key) in (None, ""):
                raise InputError(f"{where}.{key}: missing", feature=sline, column=f"{where}.{key}")
        q = non_negative(sale["quantity"], line=sline, parameter=f"{where}.quantity")
        if quantity_unit(sale.get("unit", unit), line=sline, parameter=f"{where}.unit") != unit:
            raise InputError(f"{where}.unit: unit mismatch, {sale.get('unit')} against the product's {unit}",
                             feature=sline, column=f"{where}.unit")
        check_money_unit(sale.get("amount_unit", "元"), line=sline, parameter=f"{where}.amount_unit")
        amount = non_negative(sale["amount"], line=sline, parameter=f"{where}.amount")
        date = parse_date(sale["date"], line=sline, parameter=f"{where}.date")
        _in_act(params, date, line=sline, parameter=f"{where}.date")
        sold_q += q
        sold_amount += amount
        lines.append(LineItem(METHOD, f"已销售矿产品 sold product ({date.isoformat()})", q, unit, None, "",
                              f"sale proceeds = {fmt(amount)} 元", amount,
                              [f"parameter {where} (evidence: {sale['evidence']})"],
                              note="proven sale proceeds (销赃数额)"))
    average = None
    if sales:
        if sold_q > extracted:
            raise InputError(f"{WHERE}.sales: sold {sold_q} {unit} exceeds the extracted {extracted} {unit}",
                             feature=line, column=f"{WHERE}.product_quantity")
        if sold_q == 0:
            raise InputError(f"{WHERE}.sales: the sold quantity is 0, no average price", feature=line,
                             column=f"{WHERE}.sales")
        average = sold_amount / sold_q
        unsold = extracted - sold_q
        if unsold > 0:
            lines.append(LineItem(
                METHOD, "未销售矿产品 unsold product", unsold, unit, average, f"元/{unit}",
                f"({fmt(extracted)} - {fmt(sold_q)}) {unit} x ({fmt(sold_amount)} 元 / {fmt(sold_q)} {unit}) "
                "= unsold x average sale price of the sold part",
                unsold * average, [product_source, f"parameter {WHERE}.sales (average sale price)"],
                note="unsold part at the average sale price of the sold part (自然资规〔2024〕5号)"))
    elif m.get("periods"):
        total_q = Decimal(0)
        for n, period in enumerate(m["periods"], start=1):
            where = f"{WHERE}.periods[{n}]"
            pline = f"{where} period"
            for key in ("start", "end", "quantity", "price"):
                if period.get(key) in (None, ""):
                    raise InputError(f"{where}.{key}: missing", feature=pline, column=f"{where}.{key}")
            start = parse_date(period["start"], line=pline, parameter=f"{where}.start")
            end = parse_date(period["end"], line=pline, parameter=f"{where}.end")
            q = non_negative(period["quantity"], line=pline, parameter=f"{where}.quantity")
            qu = quantity_unit(period.get("unit", unit), line=pline, parameter=f"{where}.unit")
            price = params.price(period["price"], line=pline, parameter=f"{where}.price")
            check_units_match(qu, price.unit, line=pline, parameter=price.parameter + ".unit")
            if not start <= price.date <= end:
                raise InputError(f"price date {price.date} outside the period {start} - {end}", feature=pline,
                                 column=price.parameter + ".date")
            _in_act(params, price.date, line=pline, parameter=price.parameter + ".date")
            total_q += q
            lines.append(LineItem(METHOD, f"时段 period {start.isoformat()} - {end.isoformat()}", q, qu, price.value,
                                  price.unit, f"{fmt(q)} {qu} x {fmt(price.value)} {price.unit}", q * price.value,
                                  [f"parameter {where}.quantity", price.label],
                                  note="each period at its own price (自然资规〔2024〕5号)"))
        if total_q != extracted:
            raise InputError(f"{WHERE}.periods: the periods' quantities add up to {total_q} {unit}, the product is "
                             f"{extracted} {unit}", feature=line, column=f"{WHERE}.periods")
    elif extracted > 0:
        price = params.price(m.get("price"), line=line, parameter=f"{WHERE}.price")
        check_units_match(unit, price.unit, line=line, parameter=price.parameter + ".unit")
        _in_act(params, price.date, line=line, parameter=price.parameter + ".date")
        lines.append(LineItem(METHOD, "采出矿产品 extracted product", extracted, unit, price.value, price.unit,
                              f"{fmt(extracted)} {unit} x {fmt(price.value)} {price.unit}", extracted * price.value,
                              [product_source, price.label],
                              note="no proven sales: the price-determination institution's price"))
    lines += _destroyed_lines(params, quantities, extracted, unit, average, product_source)
    return lines


def _destroyed_lines(params, quantities, extracted, unit, average, product_source) -> list:
    m = params.mineral
    line = f"{WHERE} destroyed resource"
    resource = quantities.get("resource_reo_t")
    if resource is None:
        return []
    if unit != resource.unit:
        raise InputError(f"{WHERE}.product_unit: unit mismatch, the product is in {unit}, the resource in "
                         f"{resource.unit}", feature=line, column=f"{WHERE}.product_unit")
    design = _rate(params, "recovery_design", line=line)
    national = _rate(params, "recovery_national_minimum", line=line)
    if national is None:
        raise InputError(f"{WHERE}.recovery_national_minimum: missing (the national minimum recovery rate at the "
                         "time of the act)", feature=line, column=f"{WHERE}.recovery_national_minimum")
    if design is not None and design[0] > national[0]:
        rho, chosen, reason = design[0], design[1], (f"design {fmt(design[0])} > national minimum {fmt(national[0])}: "
                                                     "the higher, the design's, is used")
    elif design is not None:
        rho, chosen, reason = national[0], national[1], (f"national minimum {fmt(national[0])} >= design "
                                                         f"{fmt(design[0])}: the higher, the national minimum, is used")
    else:
        rho, chosen, reason = national[0], national[1], "no mine design: the national minimum at the time of the act"
    basis = m.get("destroyed_basis", "recoverable_minus_extracted")
    if basis not in BASES:
        raise InputError(f"{WHERE}.destroyed_basis: {basis!r}, one of {', '.join(BASES)}", feature=line,
                         column=f"{WHERE}.destroyed_basis")
    recoverable = resource.value * rho
    lines = [LineItem(METHOD, "可采资源量 recoverable resource R x ρ", recoverable, unit, None, "",
                      f"{fmt(resource.value)} {unit} x {fmt(rho)}", None,
                      [resource.source, chosen.label], money=False, note=f"recovery rate: {reason}")]
    destroyed = recoverable - extracted if basis == "recoverable_minus_extracted" else recoverable
    formula = (f"{fmt(resource.value)} x {fmt(rho)} - {fmt(extracted)}" if basis == "recoverable_minus_extracted"
               else f"{fmt(resource.value)} x {fmt(rho)}")
    if destroyed < 0:
        raise InputError(f"negative quantity: destroyed resource {formula} = {destroyed} {unit} (the extracted "
                         "product exceeds the recoverable resource)", feature=line, column=f"{WHERE}.product_quantity")
    sources = [resource.source, chosen.label] + ([product_source] if basis == "recoverable_minus_extracted" else [])
    if average is not None:
        price_value, price_unit = average, f"元/{unit}"
        sources.append(f"parameter {WHERE}.sales (average sale price)")
        why = "the average sale price of the extracted product"
    else:
        price = params.price(m.get("price"), line=line, parameter=f"{WHERE}.price")
        check_units_match(unit, price.unit, line=line, parameter=price.parameter + ".unit")
        _in_act(params, price.date, line=line, parameter=price.parameter + ".date")
        price_value, price_unit = price.value, price.unit
        sources.append(price.label)
        why = "the price-determination institution's price (no sales)"
    lines.append(LineItem(METHOD, "破坏矿产资源 destroyed resource", destroyed, unit, price_value, price_unit,
                          f"({formula}) {unit} x {fmt(price_value)} {price_unit}", destroyed * price_value, sources,
                          note=f"basis {basis}; priced at {why}"))
    return lines
