"""The DOCX draft of the appraisal report, built from a case's outputs.

Sections: the case, methods with the parameters and their sources (from the provenance
records beside the outputs), the survey, the results, the valuation summary, the annex
tables of 自然资规〔2024〕5号 (附表 1-5), the figures, and the list of the source files
with their SHA-256. Every sentence comes from a template (:mod:`.templates`); every number
from an output file (:mod:`.sources`); nothing is recomputed here except totals of the
rows shown (sums) and percentages of ratios the outputs give.

Number formats (stated in the document): areas (m2), volumes (m3) and ore tonnages (t) to
2 decimals with thousands separators; grades (% REO) to 4 decimals; thickness (m) and
density (t/m3) to 2; REO resources (t) to 3; baselines to 3 significant decimals; ratios
in % to 1 decimal; lab values as the lab reported them (shortest exact form).

The DOCX is deterministic: the core properties carry the case's survey date (or
``SOURCE_DATE_EPOCH``) instead of the time of the run, and the zip entries have fixed dates.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .. import __version__
from ..common.errors import InputError
from ..common.progress import CancelFn, ProgressFn, check_canceled, no_progress
from .sources import CaseOutputs
from .templates import ReportTemplate, load_template

ALGORITHM = "ree_damage:report_document"

ZONE_ORDER = ("PREP", "INJ", "COLL", "SETL", "CTRL")

ANNEX_FORMATS = {
    "面积（m²）": (2, True),
    "平均品位 REO（%）": (4, False),
    "平均厚度（m）": (2, False),
    "样品数（个）": (0, False),
    "块段数（个）": (0, False),
    "矿石体积（m³）": (2, True),
    "干密度（t/m³）": (2, False),
    "矿石量（t）": (2, True),
    "REO 资源量（t）": (3, True),
}
"""Decimals and thousands separator per column header of the annex tables 3-5 (mined_volume's headers)."""

ROLE_ORDER = ("case_file", "zones", "sampling_points", "control_points", "compliance", "depth_schedule",
              "surveyed_points", "lab_results", "lab_indicators", "baseline", "damage_summary", "volumes",
              "annex3", "annex4", "annex5", "vegetation", "valuation")

LAB_CHUNK = 8
"""Indicators per part of annex table 2 (a page's width)."""

_FIXED_EPOCH = _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc)
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------- number formats
def fmt_number(value, decimals: int = 2, thousands: bool = True, missing: str = "—") -> str:
    """``value`` with ``decimals`` decimals (and a thousands separator); ``missing`` for None/NaN/blank.

    >>> fmt_number(18826.230262773795, 2)
    '18,826.23'
    >>> fmt_number(0.023763760952018518, 4, False)
    '0.0238'
    >>> fmt_number(float("nan"))
    '—'
    """
    number = _as_float(value)
    if number is None:
        return missing
    text = f"{number:,.{decimals}f}" if thousands else f"{number:.{decimals}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text.replace(",", "")) == 0 else text


def fmt_lab(value, flag: str = "", missing: str = "—") -> str:
    """A lab value as reported: the shortest exact decimal, ``"<0.05"`` when ``flag`` is ``"<"``.

    >>> fmt_lab(1312.0), fmt_lab(0.05, "<"), fmt_lab(4.56)
    ('1312', '<0.05', '4.56')
    """
    number = _as_float(value)
    if number is None:
        return missing
    text = str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
    return f"{flag}{text}" if flag else text


def _as_float(value) -> Optional[float]:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip().replace(",", "")
        if not value:
            return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _is_number(value) -> bool:
    return _as_float(value) is not None and not isinstance(value, str)


def _flag(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


# --------------------------------------------------------------------------- the result
@dataclass
class ReportResult:
    """The DOCX bytes and what they were made from."""

    document: bytes
    language: str
    sources: list
    parameters: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    tables: dict = field(default_factory=dict)

    def provenance(self, *, host=None) -> dict:
        """The provenance record: every source file (SHA-256), the language, the figures."""
        from ..common.provenance import result_record

        inputs = {source.label: str(source.path) for source in self.sources}
        return result_record(ALGORITHM, self, inputs=inputs, host=host,
                             outputs={"tables": list(self.tables)})

    def write(self, path, *, host=None) -> Path:
        """Write the DOCX atomically with ``<path>.provenance.json`` beside it; return the path."""
        from ..common.provenance import recorded_outputs

        target = Path(path)
        if target.suffix.lower() != ".docx":
            raise InputError("the report is a .docx file", layer=str(path))
        with recorded_outputs([target], self.provenance(host=host)) as (tmp,):
            tmp.write_bytes(self.document)
        return target


# --------------------------------------------------------------------------- the builder
FIGURE_WIDTH_CM = 15.0
"""Printed width of a figure in the document (cm): the A4 page's text width."""
FIGURE_DPI = 300
"""Resolution a figure is embedded at, at its printed width (dots per inch): print quality."""


def print_copy(path, width_cm: float = FIGURE_WIDTH_CM, dpi: int = FIGURE_DPI):
    """The figure as the document embeds it: about ``dpi`` dots per inch at ``width_cm``.

    The maps are exported for A4 landscape at 300 dpi (3507 px wide); printed 15 cm wide
    in the report they would carry 594 dpi, four times the pixels a printer uses (the two
    orthophoto maps alone made 12 MB of a 16 MB draft). An image at least twice as wide
    as ``width_cm`` at ``dpi`` is reduced by the largest whole factor that keeps it at
    least ``dpi`` / 1.05 (each pixel the mean of a block: no resampling blur; 3507 px
    become 1754 px, 297 dpi at 15 cm) and stored as PNG, lossless, so lines and text
    keep their edges. The map files themselves are not touched. Any other image, or one
    Pillow cannot read, is embedded as it is.

    Parameters
    ----------
    path : path-like
        The figure (PNG, JPEG, ...).
    width_cm : float
        Printed width, cm.
    dpi : int
        Resolution wanted at that width, dots per inch.

    Returns
    -------
    str or io.BytesIO
        The file's path, or the reduced PNG in memory.
    """
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - matplotlib's dependency, always there
        return str(path)
    target_px = width_cm / 2.54 * dpi
    try:
        with Image.open(path) as image:
            factor = int(image.width * 1.05 // target_px)
            if factor < 2:
                return str(path)
            small = image.reduce(factor)
    except OSError:
        return str(path)
    data = io.BytesIO()
    printed_dpi = small.width / (width_cm / 2.54)
    # zlib level 1: a few per cent larger than the default level, three times faster
    small.save(data, format="PNG", dpi=(printed_dpi, printed_dpi), compress_level=1)
    data.seek(0)
    return data


class _Builder:
    """Adds headings, sentences and tables to a python-docx Document, numbering the tables."""

    def __init__(self, template: ReportTemplate):
        import docx
        from docx.oxml.ns import qn
        from docx.shared import Cm, Pt

        self.t = template
        self.doc = docx.Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4, the report's paper
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(2.5))
        self.usable_cm = 21.0 - 5.0
        self.number = 0
        self.tables: dict = {}
        normal = self.doc.styles["Normal"]
        normal.font.name = "Times New Roman"
        normal.font.size = Pt(10.5)
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "SimSun")
        for name in ("Title", "Heading 1", "Heading 2"):
            style = self.doc.styles[name]
            style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "SimHei")

    def text(self, key: str, **values) -> str:
        return self.t.text(key, **values)

    def heading(self, text: str, level: int = 1) -> None:
        self.doc.add_heading(text, level=level)

    def para(self, text: str, *, italic: bool = False, small: bool = False) -> None:
        from docx.shared import Pt

        run = self.doc.add_paragraph().add_run(text)
        run.italic = italic
        if small:
            run.font.size = Pt(9)

    def landscape(self) -> None:
        """Start a new section on A4 landscape (the wide annex tables), 2 cm margins."""
        from docx.enum.section import WD_ORIENT, WD_SECTION
        from docx.shared import Cm

        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(2.0))
        self.usable_cm = 29.7 - 4.0

    def next_number(self) -> int:
        self.number += 1
        return self.number

    def table(self, title: str, header: list, rows: list, *, numeric: Optional[set] = None) -> None:
        """A captioned table: header row repeated on each page, numbers right-aligned."""
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Pt

        caption = self.doc.add_paragraph()
        caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
        caption.add_run(title).bold = True
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        head = table.rows[0]
        head_pr = head._tr.get_or_add_trPr()  # noqa: SLF001 - python-docx has no API for a repeated header
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        head_pr.append(repeat)
        numeric = numeric if numeric is not None else set()
        for cell, text in zip(head.cells, header):
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(str(text))
            run.bold = True
            run.font.size = Pt(9)
        for values in rows:
            cells = table.add_row().cells
            for k, (cell, text) in enumerate(zip(cells, values)):
                paragraph = cell.paragraphs[0]
                if k in numeric:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                paragraph.add_run(str(text)).font.size = Pt(9)
        _column_widths(table, header, rows, self.usable_cm)
        self.tables[title] = (list(header), [list(map(str, r)) for r in rows])
        self.doc.add_paragraph()

    def picture(self, path: Path, caption: str) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Cm

        self.doc.add_picture(print_copy(path, FIGURE_WIDTH_CM), width=Cm(FIGURE_WIDTH_CM))
        self.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph = self.doc.add_paragraph(caption)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _column_widths(table, header, rows, usable_cm: float) -> None:
    """Column widths in proportion to the longest text of each column (CJK counted double)."""
    from docx.shared import Cm

    def width(text) -> float:
        return sum(2.0 if ord(ch) > 0x2E80 else 1.0 for ch in str(text))

    weights = []
    for k, head in enumerate(header):
        longest = max([width(r[k]) for r in rows if k < len(r)] or [0.0])
        head_words = max((width(w) for w in str(head).replace("（", " （").split()), default=0.0)
        weights.append(min(max(longest, head_words, 8.0), 48.0))
    total = sum(weights)
    widths = [Cm(usable_cm * w / total) for w in weights]
    table.autofit = False
    for column, value in zip(table.columns, widths):
        column.width = value
    for row in table.rows:
        for cell, value in zip(row.cells, widths):
            cell.width = value


def build_report(
    outputs: CaseOutputs,
    *,
    language: str = "zh",
    figures=(),
    template_folder=None,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> ReportResult:
    """The DOCX draft report of a case from its outputs.

    Parameters
    ----------
    outputs : CaseOutputs
        From :func:`~ree_damage.core.report.sources.collect_outputs`. Roles absent are
        said to be absent in the document (a sentence each), never invented.
    language : {"zh", "en"}
        The template's language; table headers stay Chinese first in both.
    figures : sequence of (path, caption)
        PNG figures (the report maps), from
        :func:`~ree_damage.core.report.sources.collect_figures`.
    template_folder : path-like, optional
        Folder of ``report_<language>.toml`` (default ``resources/report``).

    Returns
    -------
    ReportResult
        The DOCX bytes, the source files (path, SHA-256), the tables as text.

    Raises
    ------
    InputError
        An output that cannot be read or lacks a column the report needs (naming the
        file and the column), a template key missing.
    """
    progress = progress or no_progress
    template = load_template(language, template_folder)
    b = _Builder(template)
    warnings = list(outputs.warnings)
    case = _case(outputs)
    steps = (_title_and_summary, _methods, _survey, _results, _valuation, _annex)
    for k, step in enumerate(steps):
        check_canceled(is_canceled)
        step(b, outputs, case)
        progress((k + 1) / (len(steps) + 2))
    _figures(b, outputs, list(figures))
    _sources(b, outputs)
    progress(0.95)
    check_canceled(is_canceled)
    _fix_core_properties(b.doc, case)
    document = _deterministic_docx(b.doc)
    progress(1.0)
    parameters = {"language": language, "figures": [str(p) for p, _ in figures],
                  "outputs_folder": str(outputs.root) if outputs.root else None,
                  "roles": {role: outputs.label(path) for role, path in sorted(outputs.paths.items())},
                  "number_formats": "areas, volumes, ore t: 2 decimals; grade %: 4; thickness, density: 2; "
                                    "REO t: 3; baselines: 3; ratios %: 1; lab values as reported"}
    return ReportResult(document, language, list(outputs.used), parameters=parameters, warnings=warnings,
                        tables=b.tables)


# --------------------------------------------------------------------------- sections
def _case(outputs: CaseOutputs):
    path = outputs.path("case_file")
    if path is None:
        return None
    from ..case.model import load_case

    case = load_case(path, check_inputs=False)
    outputs.note_used(path)
    return case


def _title_and_summary(b: _Builder, outputs: CaseOutputs, case) -> None:
    info = case.info if case is not None else None
    values = {
        "case_id": info.id if info else "",
        "case_name": info.name if info else "",
        "case_name_en": (info.name_en or info.name) if info else "",
        "version": __version__,
    }
    b.doc.add_heading(b.text("title.document", **values), level=0)
    b.para(b.text("title.subtitle", **values))
    b.para(b.text("title.draft_note", **values), italic=True)
    if info is not None and info.synthetic and info.note:
        b.para(b.text("title.synthetic_note", note=info.note), italic=True)
    b.heading(b.text("headings.summary"))
    if case is None:
        b.para(b.text("summary.no_case"))
        return
    location = "".join(part for part in (info.province, info.county) if part)
    if info.site:
        location = f"{location}{info.site}" if location else info.site
    missing = b.t.raw("meta.missing")
    fields = {
        **values,
        "location": location or missing,
        "entrusting_unit": info.entrusting_unit or missing,
        "institution": info.institution or missing,
        "act_start": info.act_start or missing,
        "act_end": info.act_end or missing,
        "act_period": f"{info.act_start or missing} — {info.act_end or missing}",
        "survey_date": info.survey_date or missing,
        "datum_note": case.crs.datum_note or f"{case.crs.zone}; {case.crs.height_datum}",
    }
    b.para(b.text("summary.intro", **fields))
    b.para(b.text("summary.datum", **fields))
    rows = [[label, fields[key] or missing] for label, key in b.t.list("summary.rows")]
    b.next_number()
    b.table(b.text("summary.table_title"), b.t.list("summary.headers"), rows)


def _flatten(value, prefix: str = "") -> list:
    """``[(dotted key, text)]`` of a parameters mapping; lists of scalars joined by "; "."""
    import json

    if isinstance(value, dict):
        items = []
        for key in sorted(value, key=str):
            items += _flatten(value[key], f"{prefix}.{key}" if prefix else str(key))
        return items
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return [(prefix, "; ".join("" if v is None else str(v) for v in value))]
        return [(prefix, json.dumps(value, ensure_ascii=False, sort_keys=True))]
    return [(prefix, "" if value is None else str(value))]


def _source_of(sources: dict, key: str) -> Optional[str]:
    parts = key.split(".")
    for candidate in (key, parts[-1], parts[0], ".".join(parts[1:])):
        if candidate in sources:
            return str(sources[candidate])
    return None


def _methods(b: _Builder, outputs: CaseOutputs, case) -> None:
    b.heading(b.text("headings.methods"))
    records = {}
    for role in ROLE_ORDER:
        found = outputs.provenance(role)
        if found is None:
            continue
        sidecar, record = found
        algorithm = str(record.get("algorithm", "?"))
        records.setdefault(algorithm, (sidecar, record))
    if not records:
        b.para(b.text("methods.no_record"))
        return
    b.para(b.text("methods.intro", n_records=len(records)))
    no_source = b.t.raw("methods.no_source")
    for algorithm, (sidecar, record) in records.items():
        software = record.get("software") or {}
        b.para(b.text("methods.step", algorithm=algorithm, version=software.get("version", "?"),
                      crs=record.get("crs") or b.t.raw("meta.missing"), record_file=outputs.label(sidecar)))
        sources = record.get("sources") or {}
        rows = [[key, value, _source_of(sources, key) or no_source]
                for key, value in _flatten(record.get("parameters") or {})]
        if rows:
            b.table(b.text("methods.table_title", number=b.next_number(), algorithm=algorithm),
                    b.t.list("methods.headers"), rows)


def _require(frame, columns, outputs: CaseOutputs, role: str) -> None:
    for column in columns:
        if column not in frame.columns:
            raise InputError(f"the column {column!r} is missing", layer=str(outputs.path(role)), column=column)


def _zone_sort(codes) -> list:
    codes = [str(c) for c in codes]
    return sorted(codes, key=lambda c: (ZONE_ORDER.index(c) if c in ZONE_ORDER else len(ZONE_ORDER), c))


def _survey(b: _Builder, outputs: CaseOutputs, case) -> None:
    b.heading(b.text("headings.survey"))
    zones = outputs.attributes("zones")
    if zones is None:
        b.para(b.text("survey.missing", what="zones.gpkg"))
    else:
        _require(zones, ("zone", "area_m2"), outputs, "zones")
        rows = []
        for code in _zone_sort(zones["zone"]):
            row = zones[zones["zone"].astype(str) == code].iloc[0]
            rows.append([code, b.t.zone(code), fmt_number(row["area_m2"], 2)])
        total = float(zones["area_m2"].astype(float).sum())
        rows.append([b.t.raw("words.total"), "", fmt_number(total, 2)])
        b.para(b.text("survey.zones_intro", n_zones=len(zones), total_area=fmt_number(total, 2)))
        b.table(b.text("survey.zones_title", number=b.next_number()), b.t.list("survey.zones_headers"), rows,
                numeric={2})

    points = outputs.attributes("sampling_points")
    control = outputs.attributes("control_points")
    schedule = outputs.table("depth_schedule")
    if points is None:
        b.para(b.text("survey.missing", what="sampling_points.gpkg"))
    else:
        _require(points, ("zone",), outputs, "sampling_points")
        n_control = len(control) if control is not None else 0
        per_zone = {code: [int((points["zone"].astype(str) == code).sum()), None, None]
                    for code in _zone_sort(points["zone"].unique())}
        if n_control:
            per_zone["CTRL"] = [n_control, None, None]
        n_samples = max_depth = None
        if schedule is not None:
            _require(schedule, ("zone", "bottom_m"), outputs, "depth_schedule")
            for code, group in schedule.groupby(schedule["zone"].astype(str)):
                entry = per_zone.setdefault(code, [0, None, None])
                entry[1] = len(group)
                entry[2] = float(group["bottom_m"].max())
            n_samples = len(schedule)
            max_depth = float(schedule["bottom_m"].max())
        missing = b.t.raw("meta.missing")
        b.para(b.text("survey.points_intro", n_points=len(points), n_control=n_control,
                      n_samples=n_samples if n_samples is not None else missing,
                      max_depth=fmt_number(max_depth, 1)))
        rows = [[b.t.zone(code), n, n_s if n_s is not None else missing, fmt_number(depth, 1)]
                for code, (n, n_s, depth) in ((c, per_zone[c]) for c in _zone_sort(per_zone))]
        rows.append([b.t.raw("words.total"), sum(v[0] for v in per_zone.values()),
                     n_samples if n_samples is not None else missing, fmt_number(max_depth, 1)])
        b.table(b.text("survey.points_title", number=b.next_number()), b.t.list("survey.points_headers"), rows,
                numeric={1, 2, 3})

    if schedule is not None:
        _depth_rules(b, schedule)

    compliance = outputs.table("compliance")
    if compliance is None:
        b.para(b.text("survey.missing", what="grid_compliance.csv"))
        return
    _require(compliance, ("rule_id", "status", "passed", "failed", "applies_to"), outputs, "compliance")
    status = compliance["status"].astype(str)
    b.para(b.text("survey.compliance_intro", n_pass=int((status == "PASS").sum()),
                  n_fail=int((status == "FAIL").sum()), n_na=int((status == "N/A").sum())))
    text_column = "rule_zh" if b.t.language == "zh" or "rule_en" not in compliance.columns else "rule_en"
    rows = [[r["rule_id"], r.get(text_column, ""), r.get("source", ""), fmt_number(r["applies_to"], 0),
             fmt_number(r["passed"], 0), fmt_number(r["failed"], 0), r["status"]]
            for _, r in compliance.iterrows()]
    b.table(b.text("survey.compliance_title", number=b.next_number()), b.t.list("survey.compliance_headers"),
            rows, numeric={3, 4, 5})


def _depth_rules(b: _Builder, schedule) -> None:
    """Samples and points per reason of the depth schedule (``reasons``: ``surface;layer:表土层``...)."""
    if "reasons" not in schedule.columns or "point_id" not in schedule.columns:
        return
    labels = "reasons_zh" if b.t.language == "zh" and "reasons_zh" in schedule.columns else "reasons"
    counts: dict = {}
    for point, reasons, texts in zip(schedule["point_id"].astype(str), schedule["reasons"].fillna("").astype(str),
                                     schedule[labels].fillna("").astype(str)):
        tokens = [t for t in reasons.split(";") if t]
        names = [t for t in texts.split(";") if t]
        for k, token in enumerate(tokens):
            rule = token.split(":")[0]
            name = names[k] if len(names) == len(tokens) else token
            label = name.split("（")[0] if rule == "layer" else name.split(":")[0]
            entry = counts.setdefault(rule, [label, 0, set()])
            entry[1] += 1
            entry[2].add(point)
    if not counts:
        return
    n_points = schedule["point_id"].nunique()
    b.para(b.text("survey.depth_intro"))
    order = ("surface", "layer", "water_table", "saturated", "below_source")
    rules = sorted(counts, key=lambda r: (order.index(r) if r in order else len(order), r))
    rows = [[counts[r][0], counts[r][1], len(counts[r][2]), n_points] for r in rules]
    b.table(b.text("survey.depth_title", number=b.next_number()), b.t.list("survey.depth_headers"), rows,
            numeric={1, 2, 3})


def _indicator_names(outputs: CaseOutputs, language: str) -> dict:
    """Indicator code -> (label, unit) from lab_indicators.csv (the code and "" without it)."""
    table = outputs.table("lab_indicators")
    names = {}
    if table is None:
        return names
    _require(table, ("code", "unit"), outputs, "lab_indicators")
    for _, row in table.iterrows():
        code = str(row["code"])
        name = row.get("name_zh") if language == "zh" else row.get("name_en")
        label = f"{name}（{code}）" if isinstance(name, str) and name and name != code else code
        unit = str(row["unit"]) if isinstance(row["unit"], str) else ""
        names[code] = (label, "无量纲" if unit == "dimensionless" and language == "zh" else unit)
    return names


def _results(b: _Builder, outputs: CaseOutputs, case) -> None:
    b.heading(b.text("headings.results"))
    names = _indicator_names(outputs, b.t.language)
    baseline = outputs.table("baseline")
    if baseline is None:
        b.para(b.text("results.missing", what="baseline.csv"))
    else:
        _require(baseline, ("indicator", "baseline", "unit"), outputs, "baseline")
        b.para(b.text("results.baseline_intro", n_indicators=len(baseline)))
        rows = [[names.get(str(r["indicator"]), (str(r["indicator"]), ""))[0], fmt_number(r["baseline"], 3, False),
                 r["unit"] if isinstance(r["unit"], str) else "", r.get("method", ""), fmt_number(r.get("n"), 0),
                 r.get("distribution", "") if isinstance(r.get("distribution", ""), str) else ""]
                for _, r in baseline.iterrows()]
        b.table(b.text("results.baseline_title", number=b.next_number()), b.t.list("results.baseline_headers"),
                rows, numeric={1, 4})

    summary = outputs.table("damage_summary")
    if summary is None:
        b.para(b.text("results.missing", what="damage_summary.csv"))
    else:
        _damage_tables(b, outputs, summary, names)

    volumes = outputs.table("volumes")
    if volumes is not None and len(volumes.columns) > 1:
        b.para(b.text("results.volume_intro"))
        rows = [[r.iloc[0], *(fmt_number(v, 2) for v in r.iloc[1:])] for _, r in volumes.iterrows()]
        b.table(b.text("results.volume_title", number=b.next_number()), list(volumes.columns), rows,
                numeric=set(range(1, len(volumes.columns))))

    vegetation = outputs.table("vegetation")
    if vegetation is not None:
        _require(vegetation, ("zone", "zone_area_m2", "damaged_area_m2", "damaged_share"), outputs, "vegetation")
        total = vegetation[vegetation["zone"].astype(str) == "CASE_AREA"]
        lost = total["damaged_area_m2"].iloc[0] if len(total) else vegetation["damaged_area_m2"].astype(float).sum()
        b.para(b.text("results.vegetation_intro", area=fmt_number(lost, 2)))
        rows = [[b.t.zone(r["zone"]), fmt_number(r["zone_area_m2"], 2), fmt_number(r["damaged_area_m2"], 2),
                 fmt_number(100.0 * float(r["damaged_share"]), 1)] for _, r in vegetation.iterrows()]
        b.table(b.text("results.vegetation_title", number=b.next_number()), b.t.list("results.vegetation_headers"),
                rows, numeric={1, 2, 3})


def _damage_tables(b: _Builder, outputs: CaseOutputs, summary, names: dict) -> None:
    _require(summary, ("zone", "depth_layer", "indicator", "method", "baseline", "samples", "exceedances",
                       "ratio", "confirmed", "k_max", "area_m2", "volume_m3"), outputs, "damage_summary")
    summary = summary.copy()
    summary["zone"] = summary["zone"].astype(str)
    summary["indicator"] = summary["indicator"].astype(str)
    summary["depth_layer"] = summary["depth_layer"].astype(str)
    summary["method"] = summary["method"].fillna("").astype(str)
    for layer in sorted(summary["depth_layer"].unique()):
        rows_layer = summary[summary["depth_layer"] == layer]
        every = rows_layer[(rows_layer["zone"] == "ALL") & (rows_layer["indicator"] != "ANY")]
        every = every.drop_duplicates("indicator")
        if len(every):
            b.para(b.text("results.exceed_intro"))
            rows = [[names.get(r["indicator"], (r["indicator"], ""))[0], r["unit"] if isinstance(r["unit"], str) else "",
                     fmt_number(r["baseline"], 3, False), fmt_number(r["samples"], 0), fmt_number(r["exceedances"], 0),
                     fmt_number(100.0 * float(r["ratio"]) if _as_float(r["ratio"]) is not None else None, 1),
                     fmt_number(r["confirmed"], 0), fmt_number(r["k_max"], 2, False)]
                    for _, r in every.iterrows()]
            b.table(b.text("results.exceed_title", number=b.next_number(), depth_layer=layer),
                    b.t.list("results.exceed_headers"), rows, numeric={2, 3, 4, 5, 6, 7})
        union = rows_layer[(rows_layer["indicator"] == "ANY") & rows_layer["area_m2"].notna()]
        if len(union):
            methods = sorted(union["method"].unique())
            headline_method = "ok" if "ok" in methods else methods[0]
            head = union[(union["zone"] == "ALL") & (union["method"] == headline_method)]
            if len(head):
                r = head.iloc[0]
                b.para(b.text("results.area_intro", method=b.t.method(headline_method), area=fmt_number(r["area_m2"], 2),
                              volume=fmt_number(r["volume_m3"], 2), depth_layer=layer,
                              thickness=fmt_number(r.get("thickness_m"), 2, False)))
            rows = []
            for method in methods:
                part = union[union["method"] == method]
                for code in _zone_sort(part["zone"].unique()):
                    if code == "ALL":
                        continue
                    r = part[part["zone"] == code].iloc[0]
                    rows.append([b.t.zone(code), b.t.method(method), fmt_number(r["area_m2"], 2), fmt_number(r["volume_m3"], 2)])
                total = part[part["zone"] == "ALL"]
                if len(total):
                    r = total.iloc[0]
                    rows.append([b.t.zone("ALL"), b.t.method(method), fmt_number(r["area_m2"], 2), fmt_number(r["volume_m3"], 2)])
            b.table(b.text("results.area_title", number=b.next_number()), b.t.list("results.area_headers"), rows,
                    numeric={2, 3})
        ranged = rows_layer[(rows_layer["zone"] == "ALL") & (rows_layer["indicator"] != "ANY")]
        if "area_p50_m2" in ranged.columns:
            ranged = ranged[ranged["area_p50_m2"].notna()]
            if len(ranged):
                b.para(b.text("results.range_intro"))
                columns = ("area_p50_m2", "volume_p50_m3", "area_p80_m2", "volume_p80_m3", "area_p95_m2",
                           "volume_p95_m3")
                rows = [[names.get(r["indicator"], (r["indicator"], ""))[0],
                         *(fmt_number(r.get(c), 2) for c in columns)] for _, r in ranged.iterrows()]
                b.table(b.text("results.range_title", number=b.next_number()), b.t.list("results.range_headers"),
                        rows, numeric=set(range(1, 7)))


def _valuation(b: _Builder, outputs: CaseOutputs, case) -> None:
    """The valuation summary from ``valuation.json``; "not assessed" without it.

    The schema read (anything else in the file is ignored)::

        {"summary": {"total_yuan": "123456.78", "low_yuan": "...", "high_yuan": "..."},
         "lines": [{"item": "...", "quantity": "...", "unit": "...", "unit_price_yuan": "...",
                    "formula": "...", "result_yuan": "..."}]}

    Amounts may be numbers or decimal strings (yuan). A line's amount may also be named
    ``amount_yuan``, ``result``, ``amount`` or ``value_yuan``; its unit price ``unit_price``.
    """
    b.heading(b.text("headings.valuation"))
    doc = outputs.json("valuation")
    if doc is None:
        b.para(b.text("valuation.not_assessed"))
        return
    where = str(outputs.path("valuation"))
    if not isinstance(doc, dict) or not isinstance(doc.get("summary", {}), dict):
        raise InputError('a valuation result is {"summary": {"total_yuan": ...}, "lines": [...]}', layer=where)
    summary = doc.get("summary") or {}
    total = _as_float(summary.get("total_yuan"))
    if total is None:
        raise InputError("the valuation summary has no total_yuan", layer=where, column="summary.total_yuan")
    low, high = _as_float(summary.get("low_yuan")), _as_float(summary.get("high_yuan"))
    if low is not None and high is not None:
        b.para(b.text("valuation.total", total=fmt_number(total, 2), low=fmt_number(low, 2),
                      high=fmt_number(high, 2)))
    else:
        b.para(b.text("valuation.total_no_range", total=fmt_number(total, 2)))
    lines = doc.get("lines") or []
    if not isinstance(lines, list):
        raise InputError("the valuation lines are a list", layer=where, column="lines")
    rows = []
    for k, line in enumerate(lines):
        if not isinstance(line, dict):
            raise InputError("a valuation line is an object", layer=where, row=k + 1)
        amount = next((line[key] for key in ("result_yuan", "amount_yuan", "result", "amount", "value_yuan")
                       if key in line), None)
        rows.append([line.get("item") or line.get("name") or "", fmt_lab(line.get("quantity"), missing=""),
                     line.get("unit", ""), fmt_number(line.get("unit_price_yuan", line.get("unit_price")), 2,
                                                      missing=""),
                     line.get("formula", ""), fmt_number(amount, 2)])
    if rows:
        rows.append([b.t.raw("valuation.total_row"), "", "", "", "", fmt_number(total, 2)])
        b.table(b.text("valuation.title", number=b.next_number()), b.t.list("valuation.headers"), rows,
                numeric={1, 3, 5})


def _annex(b: _Builder, outputs: CaseOutputs, case) -> None:
    b.landscape()
    b.heading(b.text("headings.annex"))
    b.para(b.text("annex.intro"))
    b.para(b.text("annex.formats"), small=True)
    _annex1(b, outputs, case)
    _annex2(b, outputs)
    for role, key, name in (("annex3", "annex.table3_title", "annex3_block_area_grade_thickness.csv"),
                            ("annex4", "annex.table4_title", "annex4_block_resources.csv"),
                            ("annex5", "annex.table5_title", "annex5_resource_summary.csv")):
        table = outputs.table(role)
        if table is None:
            b.para(b.text(key) + "：" + b.text("annex.missing", what=name))
            continue
        header = [str(c) for c in table.columns]
        rows, numeric = [], set()
        for _, r in table.iterrows():
            row = []
            for k, column in enumerate(header):
                value = r[column]
                if _is_number(value):
                    decimals, thousands = ANNEX_FORMATS.get(column, (2, True))
                    row.append(fmt_number(value, decimals, thousands, missing=""))
                    numeric.add(k)
                else:
                    row.append("" if _as_float(value) is None and not isinstance(value, str) else str(value))
            rows.append(row)
        b.table(b.text(key), header, rows, numeric=numeric)


def _annex1(b: _Builder, outputs: CaseOutputs, case) -> None:
    title = b.text("annex.table1_title")
    path = outputs.path("surveyed_points")
    rows = []
    crs = None
    if path is not None:
        import pyogrio

        frame = pyogrio.read_dataframe(str(path))
        outputs.note_used(path)
        _require(frame, ("point_id",), outputs, "surveyed_points")
        crs = frame.crs.to_string() if frame.crs is not None else None
        for _, r in frame.sort_values("point_id", kind="stable").iterrows():
            geom = r.geometry
            rows.append([r["point_id"], b.t.zone(r.get("zone", "")),
                         fmt_number(geom.x if geom is not None else None, 3, False),
                         fmt_number(geom.y if geom is not None else None, 3, False),
                         fmt_number(r.get("ground_z_m"), 2, False), fmt_number(r.get("lon_cgcs2000"), 6, False),
                         fmt_number(r.get("lat_cgcs2000"), 6, False)])
    else:
        for role in ("sampling_points", "control_points"):
            frame = outputs.attributes(role)
            if frame is None:
                continue
            _require(frame, ("point_id", "x", "y"), outputs, role)
            crs = crs or outputs.layer_crs(role)
            for _, r in frame.iterrows():
                rows.append([r["point_id"], b.t.zone(r.get("zone", "")), fmt_number(r["x"], 3, False),
                             fmt_number(r["y"], 3, False), fmt_number(r.get("ground_z_m"), 2, False),
                             fmt_number(r.get("lon"), 6, False), fmt_number(r.get("lat"), 6, False)])
    if not rows:
        b.para(title + "：" + b.text("annex.missing", what="sample_points_cgcs2000.gpkg / sampling_points.gpkg"))
        return
    if crs is None and case is not None:
        crs = case.crs.zone
    b.para(b.text("annex.table1_note", crs=crs or b.t.raw("meta.missing")), small=True)
    b.table(title, b.t.list("annex.table1_headers"), rows, numeric={2, 3, 4, 5, 6})


def _annex2(b: _Builder, outputs: CaseOutputs) -> None:
    import pandas as pd

    title = b.text("annex.table2_title")
    lab = outputs.attributes("lab_results")
    if lab is None:
        b.para(title + "：" + b.text("annex.missing", what="lab_results.gpkg"))
        return
    _require(lab, ("sample_id",), outputs, "lab_results")
    names = _indicator_names(outputs, b.t.language)
    codes = [c for c in names if c in lab.columns] or [c[: -len("_flag")] for c in lab.columns
                                                        if c.endswith("_flag") and c[: -len("_flag")] in lab.columns]
    if "depth_cm" in lab.columns and "point_id" in lab.columns:  # by point, then down the profile
        lab = (lab.assign(_depth=pd.to_numeric(lab["depth_cm"], errors="coerce"))
               .sort_values(["point_id", "_depth", "sample_id"], kind="stable"))
    else:
        lab = lab.sort_values("sample_id", kind="stable")
    b.para(b.text("annex.table2_note"), small=True)
    fixed = b.t.list("annex.table2_fixed_headers")
    chunks = [codes[k:k + LAB_CHUNK] for k in range(0, len(codes), LAB_CHUNK)] or [[]]
    for part, chunk in enumerate(chunks):
        header = list(fixed)
        for code in chunk:
            label, unit = names.get(code, (code, ""))
            header.append(f"{label}（{unit}）" if unit else label)
        rows = []
        for _, r in lab.iterrows():
            row = [r["sample_id"], r.get("point_id", "") or "", fmt_lab(r.get("depth_cm"), missing="")]
            for code in chunk:
                row.append(fmt_lab(r[code], _flag(r.get(f"{code}_flag"))))
            rows.append(row)
        caption = title if part == 0 else b.text("annex.table2_continued", part=part)
        b.table(caption, header, rows, numeric=set(range(2, len(header))))


def _figures(b: _Builder, outputs: CaseOutputs, figures: list) -> None:
    b.heading(b.text("headings.figures"))
    if not figures:
        b.para(b.text("figures.none"))
        return
    b.para(b.text("figures.intro", n=len(figures)))
    for k, (path, caption) in enumerate(figures):
        b.picture(Path(path), b.text("figures.caption", number=k + 1, caption=caption))
        outputs.note_used(path)


def _sources(b: _Builder, outputs: CaseOutputs) -> None:
    b.heading(b.text("headings.sources"))
    b.para(b.text("sources.intro"))
    rows = [[k + 1, source.label, source.sha256] for k, source in enumerate(outputs.used)]
    b.table(b.t.raw("headings.sources"), b.t.list("sources.headers"), rows, numeric={0})


# --------------------------------------------------------------------------- a deterministic file
def _document_time(case) -> _dt.datetime:
    """The time written into the core properties: SOURCE_DATE_EPOCH, else the survey date, else 2000-01-01."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc).replace(tzinfo=None)
    if case is not None and case.info.survey_date:
        try:
            return _dt.datetime.fromisoformat(case.info.survey_date[:10])
        except ValueError:
            pass
    return _FIXED_EPOCH.replace(tzinfo=None)


def _fix_core_properties(doc, case) -> None:
    moment = _document_time(case)
    properties = doc.core_properties
    properties.created = moment
    properties.modified = moment
    properties.last_printed = moment
    properties.revision = 1
    properties.author = (case.info.institution if case is not None else "") or "ree_damage"
    properties.last_modified_by = f"ree_damage {__version__}"
    properties.title = case.info.name if case is not None else ""
    properties.comments = "draft generated by ree_damage from the case outputs"


def _deterministic_docx(doc) -> bytes:
    """The DOCX bytes with fixed zip entry dates and attributes (same inputs, same bytes)."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=_ZIP_DATE)
            # images are compressed already: deflating the report maps again took seconds for nothing
            stored = entry.filename.lower().endswith((".png", ".jpg", ".jpeg"))
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()
