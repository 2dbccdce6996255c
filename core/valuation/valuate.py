"""The valuation run: every method's lines, the summary with its range, the workbook and JSON.

The total counts each money line whose ``counted`` flag is set; its range is the spread of
the totals recomputed with the damage quantities at P(exceed) >= 50, 80 and 95 % (where the
inputs give them) and with each sensitivity discount rate, the central total included, so
the range always brackets it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Optional

from ..common.errors import InputError
from ..common.progress import CancelFn, ProgressFn, check_canceled, no_progress
from .actual import actual_cost_lines
from .forest import forest_lines
from .inputs import at_level, collect_quantities
from .interim import interim_lines
from .lines import LEVELS, METHODS, LineItem, fmt
from .mineral import mineral_lines
from .money import CONTEXT, ROUNDING_RULE, ROUNDING_RULE_ZH, display, text
from .params import ValuationParams, read_case_file, read_params
from .residual import residual_lines
from .restoration import restoration_lines

ALGORITHM = "ree_damage:valuation"
OUTPUTS = ("workbook", "json")
METHOD_FUNCTIONS = {
    "actual_costs": actual_cost_lines,
    "mineral": mineral_lines,
    "restoration": restoration_lines,
    "interim": interim_lines,
    "forest": forest_lines,
    "residual": residual_lines,
}
SUMMARY_SHEET = "汇总 Summary"
PARAMETER_SHEET = "参数 Parameters"
LINE_HEADER = ["序号 No.", "项目 Item", "数量 Quantity", "单位 Unit", "单价 Unit price", "单价单位 Price unit",
               "计算式 Formula", "金额 Amount (元)", "中间量 Intermediate", "计入合计 Counted", "来源 Sources",
               "说明 Note"]


def compute_lines(params: ValuationParams, quantities: Mapping, rate: Optional[Decimal] = None) -> list:
    """Every method's lines, in workbook order, at discount rate ``rate`` (default the central one)."""
    lines = []
    with localcontext(CONTEXT):
        for function in METHOD_FUNCTIONS.values():
            lines += function(params, quantities, rate)
    return lines


def total_of(lines) -> Decimal:
    """The sum of the counted money lines (exact)."""
    with localcontext(CONTEXT):
        return sum((line.result for line in lines if line.money and line.counted and line.result is not None),
                   Decimal(0))


@dataclass
class Scenario:
    """One recomputation of the total for the range."""

    name: str
    total: Decimal

    def as_dict(self) -> dict:
        return {"scenario": self.name, "total": text(self.total), "total_display": text(display(self.total))}


@dataclass
class ValuationResult:
    """Lines, subtotals, total and range of one valuation, and the files it was read from."""

    params: ValuationParams
    lines: list
    scenarios: list
    inputs: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    case_id: str = ""
    inputs_paths: dict = field(default_factory=dict)

    @property
    def warnings(self) -> list:
        return list(self.notes)

    @property
    def parameters(self) -> dict:
        return self.params.record()

    def subtotal(self, method: str) -> Decimal:
        return total_of([line for line in self.lines if line.method == method])

    def shown(self, method: str) -> Decimal:
        """The sum of every money line of ``method``, counted or not (exact)."""
        with localcontext(CONTEXT):
            return sum((line.result for line in self.lines if line.method == method and line.money), Decimal(0))

    @property
    def total(self) -> Decimal:
        return total_of(self.lines)

    @property
    def low(self) -> Decimal:
        return min([self.total, *(s.total for s in self.scenarios)])

    @property
    def high(self) -> Decimal:
        return max([self.total, *(s.total for s in self.scenarios)])

    # ------------------------------------------------------------------ JSON
    def as_json(self) -> dict:
        """The numbers of the workbook: exact decimals as text, display values rounded half up to 0.01 元.

        ``summary`` (``total_yuan``, ``low_yuan``, ``high_yuan``) and ``lines`` (the counted money
        lines: ``item``, ``quantity``, ``unit``, ``unit_price_yuan``, ``formula``, ``result_yuan``)
        are the shape ``report_document`` reads; ``methods`` holds every line of every sheet with
        its exact result, sources and notes.
        """
        methods = {}
        for method, (title, section) in METHODS.items():
            own = [line for line in self.lines if line.method == method]
            subtotal = self.subtotal(method)
            methods[method] = {"title": title, "guideline_section": section, "subtotal": text(subtotal),
                               "subtotal_display": text(display(subtotal)), "lines_sum": text(self.shown(method)),
                               "lines": [line.as_dict() for line in own]}
        counted = [line for line in self.lines if line.money and line.counted]
        return {
            "algorithm": ALGORITHM,
            "case": self.case_id,
            # read by report_document (core/report/document.py): the total, its range and the counted lines
            "summary": {"total_yuan": text(display(self.total)), "low_yuan": text(display(self.low)),
                        "high_yuan": text(display(self.high))},
            "lines": [{"method": line.method, "item": line.item,
                       "quantity": text(line.quantity) if line.quantity is not None else "", "unit": line.unit,
                       "unit_price_yuan": text(line.unit_price) if line.unit_price is not None else "",
                       "formula": line.formula, "result_yuan": text(display(line.result))} for line in counted],
            "currency": "元",
            "rounding_rule": ROUNDING_RULE,
            "rounding_rule_zh": ROUNDING_RULE_ZH,
            "methods": methods,
            "total": text(self.total),
            "total_display": text(display(self.total)),
            "range": {"low": text(self.low), "high": text(self.high), "low_display": text(display(self.low)),
                      "high_display": text(display(self.high))},
            "scenarios": [s.as_dict() for s in self.scenarios],
            "parameters": self.parameters,
            "parameter_sources": dict(self.params.sources),
            "inputs": dict(self.inputs),
            "notes": list(self.notes),
        }

    # ------------------------------------------------------------------ workbook
    def sheets(self) -> dict:
        """Sheet name -> rows (header first) of the workbook: summary, one sheet per method, parameters."""
        summary = [["项目 Item", "金额 Amount (元)", "说明 Note"]]
        for method, (title, section) in METHODS.items():
            own = [line for line in self.lines if line.method == method]
            if not own:
                summary.append([title, None, "no lines (the case file gives no table for this method)"])
                continue
            counted = any(line.counted for line in own if line.money)
            shown = f"; shown, not counted in the total: its lines sum to {text(display(self.shown(method)))} 元"
            summary.append([title, float(display(self.subtotal(method))),
                            f"guideline {section}" + ("" if counted else shown)])
        summary.append(["合计 Total", float(display(self.total)), "sum of the counted lines (exact), then rounded"])
        summary.append(["范围下限 Range low", float(display(self.low)), "lowest total of the scenarios below"])
        summary.append(["范围上限 Range high", float(display(self.high)), "highest total of the scenarios below"])
        for scenario in self.scenarios:
            summary.append([f"情景 Scenario: {scenario.name}", float(display(scenario.total)), ""])
        summary.append(["取舍规则 Rounding rule", None, f"{ROUNDING_RULE_ZH} {ROUNDING_RULE}"])
        for name, described in self.inputs.items():
            summary.append([f"输入 Input: {name}", None, _input_text(described)])
        for note in self.notes:
            summary.append(["说明 Note", None, note])
        sheets = {SUMMARY_SHEET: summary}
        for method, (title, _section) in METHODS.items():
            rows = [list(LINE_HEADER)]
            own = [line for line in self.lines if line.method == method]
            for n, line in enumerate(own, start=1):
                rows.append(_line_row(n, line))
            rows.append(["小计 Subtotal", None, None, None, None, None, "sum of the counted amounts above",
                         float(display(self.subtotal(method))), None, None, None, None])
            sheets[title] = rows
        parameters = [["参数 Parameter", "数值 Value", "单位 Unit", "来源 Source", "日期 Date", "默认值 [default]"]]
        record = self.parameters
        for key in ("assessment_date", "act_start", "act_end", "discount_rate", "sensitivity_rates", "crediting",
                    "damage_method", "interim_in_total"):
            value = record[key]
            parameters.append([f"valuation.{key}", ", ".join(value) if isinstance(value, list) else value, "",
                               self.params.sources.get(key, "case file"), "",
                               "yes" if str(self.params.sources.get(key, "")).startswith("[default]") else ""])
        for name, price in self.params.prices.items():
            parameters.append([f"valuation.prices.{name}", None if price.value is None else float(price.value),
                               price.unit, price.source, price.date.isoformat() if price.date else "",
                               "yes" if price.default else ""])
        sheets[PARAMETER_SHEET] = parameters
        return sheets

    def write_workbook(self, path) -> Path:
        """The workbook alone (values only, no formulas; the formula of each line as text), atomically."""
        from ..common.xlsx import write_workbook

        sheets = self.sheets()
        money = "#,##0.00"
        formats = {SUMMARY_SHEET: {"B": money}}
        for title, _ in METHODS.values():
            formats[title] = {"H": money}
        widths = {name: {"G": 60, "K": 80, "L": 40} for name in sheets if name not in (SUMMARY_SHEET, PARAMETER_SHEET)}
        widths[SUMMARY_SHEET] = {"A": 44, "B": 20, "C": 100}
        widths[PARAMETER_SHEET] = {"A": 44, "D": 80}
        return write_workbook(path, sheets, number_formats=formats, column_widths=widths,
                              properties={"title": f"{self.case_id} 损害价值量化 valuation", "creator": "ree_damage"})

    def provenance(self, *, inputs=None, host=None) -> dict:
        from ..common.provenance import make_record

        return make_record(ALGORITHM, inputs={**self.inputs_paths, **dict(inputs or {})}, parameters=self.parameters,
                           sources=self.params.sources, outputs={"total": text(self.total),
                                                                 "low": text(self.low), "high": text(self.high)},
                           notes=[ROUNDING_RULE, *self.notes], host=host)

    def write(self, paths: Mapping, *, inputs=None, host=None) -> dict:
        """Write ``workbook`` (.xlsx) and ``json`` as one transaction, each with its provenance sidecar."""
        from ..common.provenance import chosen_outputs, recorded_outputs

        finals = chosen_outputs(paths, OUTPUTS, "valuation")
        document = json.dumps(self.as_json(), ensure_ascii=False, indent=2) + "\n"
        with recorded_outputs(finals.values(), self.provenance(inputs=inputs, host=host)) as temps:
            for (name, _final), tmp in zip(finals.items(), temps):
                if name == "workbook":
                    self.write_workbook(tmp)
                else:
                    tmp.write_text(document, encoding="utf-8")
        return finals


def _input_text(described) -> str:
    if isinstance(described, Mapping):
        return f"{described.get('path', '')} (sha256 {described.get('sha256', '')})"
    return str(described)


def _number(value) -> Optional[float]:
    return None if value is None else float(value)


def _line_row(n: int, line: LineItem) -> list:
    return [
        n, line.item, _number(line.quantity), line.unit, _number(line.unit_price), line.price_unit, line.formula,
        float(display(line.result)) if (line.money and line.result is not None) else None,
        _number(line.result) if not line.money else None,
        ("yes" if line.counted else "no") if line.money else "",
        "; ".join(line.sources), line.note,
    ]


def valuate(
    params: ValuationParams,
    *,
    damage=None,
    vegetation=None,
    mined=None,
    water=None,
    case_id: str = "",
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> ValuationResult:
    """Value the damage of a case.

    Parameters
    ----------
    params : ValuationParams
        The ``[valuation]`` section (:func:`~ree_damage.core.valuation.params.read_params`).
    damage, vegetation, mined, water : path-like, optional
        ``damage_summary.csv`` (damage_extent), the vegetation summary table
        (vegetation_damage), the resource table (mined_volume: annex table 5 or 4, CSV) and
        the water damage table (see :mod:`ree_damage.core.valuation.inputs`).
    case_id : str
        Named in the workbook's title.

    Returns
    -------
    ValuationResult
        Amounts in 元 (Decimal); nothing written.

    Raises
    ------
    InputError
        Bad input, naming the line (``feature``) and the parameter (``column``), or the
        file, row and column of a table.
    """
    progress = progress or no_progress
    quantities, notes, files = collect_quantities(params, damage=damage, vegetation=vegetation, mined=mined,
                                                  water=water)
    progress(0.2)
    check_canceled(is_canceled)
    lines = compute_lines(params, quantities)
    if not any(line.money for line in lines):
        raise InputError("the [valuation] section values nothing: give at least one method's table",
                         column="valuation")
    progress(0.5)
    scenarios = []
    levels = sorted({level for q in quantities.values() for level in q.levels})
    for level in levels:
        check_canceled(is_canceled)
        at = {key: at_level(q, level) for key, q in quantities.items()}
        scenarios.append(Scenario(f"damage P(exceed) >= {level} %", total_of(compute_lines(params, at))))
    for rate in params.sensitivity_rates:
        check_canceled(is_canceled)
        scenarios.append(Scenario(f"discount rate {fmt(rate * 100)} %",
                                  total_of(compute_lines(params, quantities, rate))))
    if not levels:
        notes.append("no damage range: no input gives the quantities at P(exceed) >= 50/80/95 %")
    if params.interim and params.forest:
        notes.append(f"interim loss counted once, by {params.interim_in_total} (interim_in_total); the other method "
                     "is shown, not counted")
    progress(1.0)
    from ..common.provenance import describe_input

    described = {name: describe_input(path) for name, path in files.items()}
    return ValuationResult(params, lines, scenarios, inputs=described, notes=notes, case_id=case_id,
                           inputs_paths=dict(files))


def valuate_case_file(case_file, *, damage=None, vegetation=None, mined=None, water=None, progress=None,
                      is_canceled=None) -> ValuationResult:
    """:func:`valuate` with the ``[valuation]`` section (and ``[case]`` act period) of a TOML case file."""
    section, info = read_case_file(case_file)
    params = read_params(section, case_info=info)
    result = valuate(params, damage=damage, vegetation=vegetation, mined=mined, water=water,
                     case_id=str(info.get("id", "")), progress=progress, is_canceled=is_canceled)
    result.inputs["case_file"] = _describe(case_file)
    result.inputs_paths["case_file"] = str(case_file)
    return result


def _describe(path) -> dict:
    from ..common.provenance import describe_input

    return describe_input(path)


__all__ = ["valuate", "valuate_case_file", "ValuationResult", "LEVELS"]
