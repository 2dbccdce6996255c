"""Actual costs incurred (guideline 10.1): costs with receipts, as paid.

``[[valuation.actual_costs]]`` rows: ``item``, ``date`` (YYYY-MM-DD, not after the assessment
date), ``amount`` (元, >= 0), ``unit`` (``"元"``; 万元 refused), ``evidence`` (receipt or
invoice reference). Each row is one line: result = amount.
"""

from __future__ import annotations

from ..common.errors import InputError
from .lines import LineItem, fmt
from .money import check_keys, check_money_unit, non_negative
from .params import parse_date

METHOD = "actual_costs"
KEYS = ("item", "date", "amount", "unit", "evidence", "note")


def actual_cost_lines(params, quantities=None, rate=None) -> list:
    """One line per cost with its receipt; the amount as paid (元)."""
    lines = []
    for n, row in enumerate(params.actual_costs, start=1):
        where = f"valuation.actual_costs[{n}]"
        item = str(row.get("item") or "")
        line = f"{where} {item}".strip()
        check_keys(row, known=KEYS, required=("item", "date", "amount", "evidence"), where=where, line=line)
        check_money_unit(row.get("unit", "元"), line=line, parameter=f"{where}.unit")
        amount = non_negative(row["amount"], line=line, parameter=f"{where}.amount")
        date = parse_date(row["date"], line=line, parameter=f"{where}.date")
        if date > params.assessment_date:
            raise InputError(f"{where}.date: {date} is after the assessment date {params.assessment_date}",
                             feature=line, column=f"{where}.date")
        lines.append(LineItem(
            METHOD, item, None, "", None, "", f"amount as paid = {fmt(amount)} 元", amount,
            [f"parameter {where}.amount, evidence: {row['evidence']} ({date.isoformat()})"],
            note=str(row.get("note", "")),
        ))
    return lines
