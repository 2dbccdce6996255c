"""import_lab_results: read a lab's result sheet (CSV or XLSX) and join it to the samples.

Sheets come as labs deliver them: one row per sample, one column per indicator, Chinese
or English headers, units in the header ("Cd (mg/kg)", "镉/(mg/kg)", "Cd mg·kg-1") or in
a units row under it ("单位"), title rows above the header, a detection-limit row
("检出限", "DL", "LOD") and a standard-values row the lab adds for reference.

What the import does:

* finds the header row (the first with a sample-id column: 样品编号, sample id, ...),
  the units row and the detection-limit row;
* recognises indicator columns from the catalogue (:mod:`ree_damage.core.standards.indicators`:
  code, Chinese and English name) plus the aliases of :data:`ALIASES` (铵态氮, NH4+-N,
  总铬, ...); columns named in ``columns`` are taken as given; metadata columns (序号,
  采样日期, 备注, depth ...) are left out with a note; unknown columns with a unit are
  kept under their own name (with a warning), without a unit they are left out;
* converts every indicator to the catalogue's unit for the medium (ug/g -> mg/kg is
  x1, % -> g/kg x10, mg/L -> ug/L x1000 ...) and says so per column;
* parses each cell with :func:`ree_damage.core.lab.censored.parse_cell`: censored values
  ("<0.05", "ND", "未检出", "0.05L") are kept as censored with their detection limit, as a
  value column ``<code>`` (the detection limit) plus a flag column ``<code>_flag``
  (``"<"``); nothing is substituted here;
* joins the rows to the sample points by sample id (ids compared after NFKC
  normalisation, trimming and upper-casing).

Bad input is never guessed around: text in a number column, negative values, missing or
conflicting units, duplicate sample ids, unknown sample ids (unless ``unknown_ids="warn"``)
and duplicate indicator columns are *all* collected and raised together as one
:class:`LabSheetError` (an :class:`~ree_damage.core.common.errors.InputError`) naming the
sheet row (as the spreadsheet shows it, 1-based, header rows counted) and the column.
The import writes nothing itself; the caller writes its outputs only after success.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from ..common.errors import InputError
from ..common.messages import Message, location_text
from .censored import FLAG_BELOW, FLAG_MEASURED, MissingMarker, NotANumber, parse_cell, parse_number

# --------------------------------------------------------------------------------------
# units
# --------------------------------------------------------------------------------------
#: unit (normalised spelling) -> (dimension, factor to the dimension's base unit)
UNITS = {
    # mass fraction, base mg/kg
    "mg/kg": ("mass fraction", 1.0),
    "μg/g": ("mass fraction", 1.0),
    "ppm": ("mass fraction", 1.0),
    "μg/kg": ("mass fraction", 1e-3),
    "ng/g": ("mass fraction", 1e-3),
    "ppb": ("mass fraction", 1e-3),
    "g/kg": ("mass fraction", 1e3),
    "mg/g": ("mass fraction", 1e3),
    "%": ("mass fraction", 1e4),
    "g/100g": ("mass fraction", 1e4),
    # mass concentration in water, base mg/L
    "mg/l": ("concentration", 1.0),
    "μg/l": ("concentration", 1e-3),
    "ng/l": ("concentration", 1e-6),
    "g/l": ("concentration", 1e3),
    "mg/dm3": ("concentration", 1.0),
    # cation exchange capacity, base cmol(+)/kg
    "cmol(+)/kg": ("exchange capacity", 1.0),
    "cmol/kg": ("exchange capacity", 1.0),
    "cmol+/kg": ("exchange capacity", 1.0),
    "meq/100g": ("exchange capacity", 1.0),
    "mmol(+)/kg": ("exchange capacity", 0.1),
    "mmol/kg": ("exchange capacity", 0.1),
    # density, base g/cm3
    "g/cm3": ("density", 1.0),
    "t/m3": ("density", 1.0),
    "mg/m3": ("density", 1.0),
    "kg/m3": ("density", 1e-3),
    # hydraulic conductivity, base cm/s
    "cm/s": ("velocity", 1.0),
    "m/s": ("velocity", 100.0),
    "mm/s": ("velocity", 0.1),
    "m/d": ("velocity", 100.0 / 86400.0),
    "cm/d": ("velocity", 1.0 / 86400.0),
    # others
    "dimensionless": ("dimensionless", 1.0),
    "mv": ("potential", 1.0),
    "°c": ("temperature", 1.0),
    "μs/cm": ("conductivity", 1.0),
    "ms/cm": ("conductivity", 1000.0),
    "ms/m": ("conductivity", 10.0),
}
_DIMENSIONLESS_WORDS = {
    "无量纲",
    "无",
    "-",
    "—",
    "dimensionless",
    "无量纲(dimensionless)",
    "phunits",
    "ph单位",
    "1",
}
_NEGATIVE_OK = {"potential", "temperature"}
_QUALIFIERS = re.compile(
    r"[(\[]\s*(干重|干基|dw|dry\s*weight|dryweight|湿重|以n计|以so4计|以so42-计|以caco3计)\s*[)\]]"
)


def normalise_unit(text) -> Optional[str]:
    """Canonical spelling of a unit string, or None if it is not a unit.

    Examples
    --------
    >>> normalise_unit("mg·kg-1"), normalise_unit("µg/g"), normalise_unit("ug/L")
    ('mg/kg', 'μg/g', 'μg/l')
    >>> normalise_unit("无量纲"), normalise_unit("Cd")
    ('dimensionless', None)
    """
    if text is None:
        return None
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    t = t.replace("µ", "μ")
    t = _QUALIFIERS.sub("", t)
    t = re.sub(r"(?<=[a-zμ])\s+(?=[a-zμ])", "·", t)  # "mg kg-1" -> "mg·kg-1"
    t = t.replace(" ", "").replace("（", "(").replace("）", ")")
    t = t.strip("()[]")
    if t in _DIMENSIONLESS_WORDS or t.startswith("无量纲") or t == "dimensionless":
        return "dimensionless"
    t = re.sub(r"^u(?=[gs])", "μ", t)
    t = re.sub(r"(?<=/)u(?=[gs])", "μ", t)
    # exponent forms: mg·kg-1, mg kg^-1, mg.kg-1 -> mg/kg
    m = re.match(r"^([a-zμ°()+%]+)[·.*]?([a-zμ]+\d?)(?:\^?-1|⁻¹)$", t)
    if m:
        t = f"{m.group(1)}/{m.group(2)}"
    t = t.replace("³", "3")
    if t in ("cmol(+)/kg", "cmol(+)kg-1"):
        return "cmol(+)/kg"
    return t if t in UNITS else None


def unit_factor(from_unit: str, to_unit: str) -> Optional[float]:
    """Factor converting values in ``from_unit`` to ``to_unit`` (None if incompatible)."""
    a, b = UNITS.get(from_unit), UNITS.get(to_unit)
    if a is None or b is None or a[0] != b[0]:
        return None
    return a[1] / b[1]


def display_unit(unit: Optional[str]) -> str:
    """Unit as written in outputs ("mg/L" not "mg/l")."""
    if unit is None:
        return ""
    return {"mg/l": "mg/L", "μg/l": "μg/L", "ng/l": "ng/L", "g/l": "g/L", "mv": "mV", "°c": "°C"}.get(
        unit, unit
    )


# --------------------------------------------------------------------------------------
# header recognition
# --------------------------------------------------------------------------------------
#: extra names of indicators, beyond the catalogue's code, Chinese and English names
ALIASES = {
    "pH": ["ph", "ph值", "酸碱度", "土壤ph"],
    "CEC": ["cec", "阳离子交换量", "阳离子交换容量", "cation exchange capacity"],
    "OM": ["om", "som", "有机质", "土壤有机质", "organic matter"],
    "PSD": ["机械组成", "颗粒组成", "颗粒级配", "粒径组成", "particle size", "particle size distribution"],
    "BD": ["容重", "土壤容重", "bulk density"],
    "MOIST": ["含水率", "含水量", "水分", "moisture", "water content"],
    "REE_EXCH": ["可交换态稀土", "交换态稀土", "离子相稀土", "离子交换相稀土", "exchangeable ree"],
    "NH4_N": [
        "氨氮",
        "铵态氮",
        "铵氮",
        "nh4-n",
        "nh4+-n",
        "nh4n",
        "nh3-n",
        "nh4",
        "nh4+",
        "ammonium",
        "ammonia nitrogen",
        "ammonium nitrogen",
        "ammonium-n",
    ],
    "NO3_N": [
        "硝酸盐氮",
        "硝态氮",
        "硝酸盐",
        "no3-n",
        "no3--n",
        "no3n",
        "no3",
        "no3-",
        "nitrate",
        "nitrate nitrogen",
        "nitrate-n",
    ],
    "SO4": ["硫酸盐", "硫酸根", "so4", "so42-", "so4 2-", "so4^2-", "sulfate", "sulphate", "硫酸根离子"],
    "KSAT": ["渗透系数", "饱和导水率", "饱和渗透系数", "ksat", "permeability", "hydraulic conductivity"],
    # indicators outside the catalogue that labs report and screening standards list
    "Cr6": ["六价铬", "铬(六价)", "cr6+", "cr(vi)", "cr6", "cr(6+)", "hexavalent chromium"],
    "NO2_N": ["亚硝酸盐氮", "亚硝酸盐", "no2-n", "no2--n", "nitrite", "nitrite nitrogen"],
    "Co": ["钴", "cobalt"],
    "V": ["钒", "vanadium"],
    "Sb": ["锑", "antimony"],
    "Be": ["铍", "beryllium"],
    "Tl": ["铊", "thallium"],
    "Fe": ["铁", "iron"],
    "Al": ["铝", "aluminium", "aluminum"],
    "F": ["氟化物", "fluoride"],
    "Cl": ["氯化物", "chloride"],
    "TDS": ["溶解性总固体", "total dissolved solids"],
    "TH": ["总硬度", "total hardness"],
    "CODMn": ["耗氧量", "高锰酸盐指数", "codmn"],
    "Na": ["钠", "sodium"],
    "EC": ["电导率", "electrical conductivity", "conductivity"],
    "Eh": ["氧化还原电位", "eh", "orp", "redox potential"],
    "REE_TOTAL": ["稀土总量", "稀土元素总量", "ree总量", "∑ree", "σree", "total ree"],
}

ID_HEADERS = (
    "样品编号",
    "样品编码",
    "样品号",
    "样号",
    "样品标识",
    "样品id",
    "送检样品编号",
    "客户样品编号",
    "委托方样品编号",
    "原样品编号",
    "采样编号",
    "sample id",
    "sample_id",
    "sampleid",
    "sample no",
    "sample no.",
    "sample number",
    "sample code",
    "sample name",
    "样品名称",
    "sample",
    "编号",
    "id",
)
"""Headers taken as the sample-id column, most specific first."""

METADATA_HEADERS = (
    "序号",
    "no",
    "no.",
    "#",
    "实验室编号",
    "实验室样品编号",
    "检测编号",
    "报告编号",
    "lab id",
    "lab no",
    "lab no.",
    "采样日期",
    "采样时间",
    "检测日期",
    "分析日期",
    "日期",
    "date",
    "sampling date",
    "采样深度",
    "深度",
    "depth",
    "采样深度(cm)",
    "采样深度(m)",
    "层位",
    "土层",
    "layer",
    "备注",
    "remark",
    "remarks",
    "note",
    "notes",
    "说明",
    "样品类型",
    "样品性状",
    "样品状态",
    "sample type",
    "点位",
    "点位名称",
    "采样点",
    "采样点位",
    "位置",
    "location",
    "经度",
    "纬度",
    "x",
    "y",
    "longitude",
    "latitude",
    "功能区",
    "zone",
    "检测项目",
    "质控",
    "qc",
)
"""Headers of columns that are not indicators (left out with a note)."""

_DL_ROWS = (
    "检出限",
    "方法检出限",
    "检出下限",
    "最低检出限",
    "detection limit",
    "dl",
    "lod",
    "mdl",
    "method detection limit",
)
_UNIT_ROWS = ("单位", "unit", "units", "计量单位")
_STANDARD_ROWS = (
    "标准值",
    "标准限值",
    "限值",
    "筛选值",
    "管制值",
    "评价标准",
    "标准",
    "standard",
    "limit",
    "guideline",
)


def _key(text) -> str:
    t = unicodedata.normalize("NFKC", str(text)).strip().lower()
    t = _QUALIFIERS.sub("", t)
    t = re.sub(r"[\s_]+", " ", t).strip()
    return t


def _compact(text) -> str:
    return _key(text).replace(" ", "")


def _alias_table() -> dict:
    """Normalised name -> indicator code, from the catalogue and :data:`ALIASES`."""
    table = {}
    try:
        from ..standards.indicators import INDICATORS

        for ind in INDICATORS:
            for name in (ind.code, ind.name_zh, ind.name_en):
                table.setdefault(_compact(name), ind.code)
    except ImportError:  # pragma: no cover - catalogue not there
        pass
    for code, names in ALIASES.items():
        table.setdefault(_compact(code), code)
        for name in names:
            table.setdefault(_compact(name), code)
    return table


def _catalogue_unit(code: str, medium: str) -> Optional[str]:
    try:
        from ..standards.indicators import INDICATORS_BY_CODE
    except ImportError:  # pragma: no cover
        return None
    ind = INDICATORS_BY_CODE.get(code)
    if ind is None:
        return None
    unit = ind.unit if medium in ("soil", "sediment") else ind.water_unit
    return normalise_unit(unit) if unit else None


def _names(code: str) -> tuple[str, str]:
    try:
        from ..standards.indicators import INDICATORS_BY_CODE

        ind = INDICATORS_BY_CODE.get(code)
        if ind is not None:
            return ind.name_zh, ind.name_en
    except ImportError:  # pragma: no cover
        pass
    return "", ""


def match_indicator(name: str, aliases: Optional[dict] = None) -> Optional[str]:
    """Indicator code of a header name, or None.

    The whole name is tried first, then its parts: "镉 Cd", "铅（Pb）" and "Cd 镉" match
    when every part that is a known name points to the same indicator.

    Examples
    --------
    >>> match_indicator("镉 Cd"), match_indicator("铅（Pb）"), match_indicator("总铬"), match_indicator("六价铬")
    ('Cd', 'Pb', 'Cr', 'Cr6')
    """
    table = aliases if aliases is not None else _alias_table()
    key = _compact(name)
    if key in table:
        return table[key]
    t = unicodedata.normalize("NFKC", str(name))
    parts = [p for p in re.split(r"[\s()\[\]/,;:]+", t) if p.strip()]
    codes = set()
    for p in parts:
        k = _compact(p)
        if k in table:
            codes.add(table[k])
        elif k.startswith("总") and k[1:] in table:  # 总铬, 总汞: total content
            codes.add(table[k[1:]])
    return codes.pop() if len(codes) == 1 else None


def split_header(text) -> tuple[str, Optional[str]]:
    """Split a header into (name, unit): "Cd (mg/kg)" -> ("Cd", "mg/kg").

    Examples
    --------
    >>> split_header("镉（mg/kg）")
    ('镉', 'mg/kg')
    >>> split_header("NH4+-N/(mg·kg-1)")
    ('NH4+-N', 'mg/kg')
    >>> split_header("氨氮(以N计) mg/L")
    ('氨氮(以N计)', 'mg/l')
    >>> split_header("pH")
    ('pH', None)
    """
    t = unicodedata.normalize("NFKC", str(text)).strip()
    m = re.match(r"^(.*?)[\s,;/]*[(\[]([^()\[\]]*)[)\]]\s*$", t)
    if m:
        unit = normalise_unit(m.group(2))
        if unit is not None and m.group(1).strip():
            return m.group(1).strip(" /,;"), unit
    m = re.match(r"^(.*)/([^/]+)$", t)
    if m and m.group(1).strip():
        unit = normalise_unit(m.group(2))
        if unit is not None:
            return m.group(1).strip(" /,;"), unit
    parts = t.rsplit(None, 1)
    if len(parts) == 2:
        unit = normalise_unit(parts[1])
        if unit is not None:
            return parts[0].strip(" /,;"), unit
    return t, None


# --------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------
def read_cells(path, sheet=None) -> list[list]:
    """All cells of a CSV or XLSX sheet, as a list of rows (row 1 first).

    CSV: UTF-8 (with or without BOM), else GB18030 (Excel's Chinese default); delimiter
    sniffed among comma, semicolon and tab; every cell is text. XLSX: the named sheet
    (or index) or the first one; numbers stay numbers.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError("lab sheet not found", layer=str(path))
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(p, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any parse failure is bad input
            raise InputError(f"cannot read the workbook: {exc}", layer=p.name) from None
        try:
            if sheet is None:
                ws = wb.worksheets[0]
            elif isinstance(sheet, int):
                ws = wb.worksheets[sheet]
            else:
                if sheet not in wb.sheetnames:
                    raise InputError(
                        f"sheet {sheet!r} not found; sheets: {', '.join(wb.sheetnames)}", layer=p.name
                    )
                ws = wb[sheet]
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
        return rows
    if suffix == ".xls":
        raise InputError("old .xls workbooks are not read: save the sheet as .xlsx or .csv", layer=p.name)
    raw = p.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError("the CSV is neither UTF-8 nor GB18030 text", layer=p.name)
    try:
        dialect = csv.Sniffer().sniff(text[:20000], delimiters=",;\t")
        delim = dialect.delimiter
    except csv.Error:
        delim = ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delim)]


# --------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------
@dataclass
class Problem:
    """One finding about the sheet."""

    severity: str  # "error" or "warning"
    message: str  # a Message (translated at the edge) or plain text
    row: Optional[int] = None
    column: Optional[str] = None

    def location(self) -> dict:
        return {"sheet_row": self.row, "column": self.column}

    def text(self, language: str = "en") -> str:
        """The finding with its sheet row and column, in ``language`` (``"zh"`` or ``"en"``)."""
        if not isinstance(self.message, Message):
            language = "en"  # an uncoded message stays in one language, its location too
        body = self.message.text(language) if isinstance(self.message, Message) else str(self.message)
        where = location_text(self.location(), language)
        return f"{body} [{where}]" if where else body

    def as_message(self):
        """The finding as one :class:`Message` located at its row and column (plain text stays text)."""
        if isinstance(self.message, Message):
            return Message(self.message.code, at=self.location(), **self.message.params)
        return str(self)

    def __str__(self) -> str:
        return self.text("en")


class LabSheetError(InputError):
    """Every error found in a lab sheet; ``problems`` lists them all."""

    def __init__(self, problems: list, layer: str):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        first = errors[0]
        listed = "; ".join(str(p) for p in errors[:25])
        more = f"; and {len(errors) - 25} more" if len(errors) > 25 else ""
        super().__init__(
            f"{len(errors)} problem(s) in the lab sheet, nothing imported: {listed}{more}",
            layer=layer,
            row=first.row,
            column=first.column,
        )


@dataclass
class LabResults:
    """What :func:`import_lab_results` returns.

    Attributes
    ----------
    table : pandas.DataFrame or geopandas.GeoDataFrame
        The samples (all their columns, in their order) with, per indicator, a value
        column ``<code>`` (float, in ``unit``; a censored value holds its detection
        limit) and a flag column ``<code>_flag`` (``""`` measured, ``"<"`` below the
        detection limit, ``">"`` above a reporting limit). Samples without a lab row
        have NaN and ``""``.
    long : pandas.DataFrame
        One row per sample and indicator: ``sample_id, indicator, value, flag,
        detection_limit, unit, sheet_row, sheet_column, raw``.
    indicators : pandas.DataFrame
        One row per indicator column: ``code, name_zh, name_en, column, unit,
        unit_in_sheet, factor, recognised, n_values, n_censored, n_missing``.
    unmatched : pandas.DataFrame
        Sheet rows whose sample id is not among the samples (``sheet_row, sample_id``).
    missing_samples : list of str
        Sample ids with no lab row.
    warnings : list of str
        Each naming its sheet row and column.
    parameters : dict
        The import settings, for provenance.
    """

    table: pd.DataFrame
    long: pd.DataFrame
    indicators: pd.DataFrame
    unmatched: pd.DataFrame
    missing_samples: list
    warnings: list
    parameters: dict = field(default_factory=dict)

    @property
    def codes(self) -> list:
        return list(self.indicators["code"])

    def provenance(self, *, inputs: Optional[Mapping] = None, host: Optional[Mapping] = None) -> dict:
        """The provenance record of this import (settings, warnings, the table's CRS)."""
        from ..common.provenance import result_record

        crs = str(self.table.crs) if getattr(self.table, "crs", None) is not None else None
        return result_record("ree_damage:import_lab_results", self, crs=crs, inputs=inputs, host=host)

    def write(
        self, path, *, indicators_path=None, inputs: Optional[Mapping] = None, host: Optional[Mapping] = None
    ) -> dict:
        """Write the joined table and the indicator table as one transaction, with provenance.

        ``.gpkg`` (a GeoDataFrame's geometry kept) or ``.csv`` (UTF-8 with BOM, for Excel).
        The indicator table goes to ``indicators_path``, by default beside the table as
        ``<name>.indicators.csv``.

        Returns
        -------
        dict
            ``"lab_results"`` and ``"indicators"`` -> pathlib.Path written.
        """
        from ..common.provenance import recorded_outputs
        from ..geo.vector_io import write_frame

        final = Path(path)
        side = Path(indicators_path) if indicators_path else final.with_name(final.stem + ".indicators.csv")
        if final.suffix.lower() == ".gpkg" and not hasattr(self.table, "geometry"):
            raise InputError("a GeoPackage needs sample points: give the sample layer", layer=str(final))
        with recorded_outputs([final, side], self.provenance(inputs=inputs, host=host)) as (tmp, tmp_side):
            if final.suffix.lower() == ".gpkg":
                self.table.to_file(tmp, driver="GPKG", layer=final.stem)
            else:
                write_frame(tmp, self.table)
            write_frame(tmp_side, self.indicators, layer=side.stem)
        return {"lab_results": final, "indicators": side}


def normalise_id(value) -> str:
    """Sample id as compared: NFKC, trimmed, upper case; 12.0 -> "12"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip().upper()


@dataclass
class _Column:
    index: int
    header: str
    code: str
    recognised: bool
    unit_sheet: Optional[str]
    unit: Optional[str]
    factor: float


def _find_header(rows, id_column) -> tuple[int, int]:
    wanted = [_compact(id_column)] if id_column else [_compact(h) for h in ID_HEADERS]
    for r, row in enumerate(rows[:40]):
        keys = [_compact(c) if c is not None else "" for c in row]
        for w in wanted:
            if w in keys:
                return r, keys.index(w)
        if id_column is None:  # "样品编号（送检）" and the like
            for j, k in enumerate(keys):
                if k.startswith("样品编号") or k.startswith("sampleid") or k.startswith("sampleno"):
                    return r, j
    return -1, -1


def _is_empty(cell) -> bool:
    return (
        cell is None
        or (isinstance(cell, str) and not cell.strip())
        or (isinstance(cell, float) and math.isnan(cell))
    )


def _cell_with_unit(cell):
    """Split "0.5 mg/kg" into ("0.5", "mg/kg"); other cells unchanged with None."""
    if not isinstance(cell, str):
        return cell, None
    t = unicodedata.normalize("NFKC", cell).strip()
    m = re.match(r"^(.*?[\d.])\s*([a-zA-Zμµ%][a-zA-Zμµ/·\-0-9()+]*)$", t)
    if m and not re.match(r"^[\d.]+\s*[lL]$", t):
        unit = normalise_unit(m.group(2))
        if unit is not None and unit != "dimensionless":
            return m.group(1), unit
    return cell, None


def _error(message, row=None, column=None) -> Problem:
    return Problem("error", message, row, column)


def _warning(message_code: str, /, row=None, column=None, **params) -> Problem:
    return Problem("warning", Message(message_code, **params), row, column)


@dataclass
class _Layout:
    """Where things are in the sheet: the header row, the id column, the special rows
    (units, detection limits) and the body rows (1-based sheet row numbers)."""

    header_index: int  # 0-based row of the header
    id_col: int
    header: list
    width: int
    unit_row: Optional[tuple]  # (sheet row, cells)
    dl_row: Optional[tuple]
    body: list  # [(sheet row, cells)]
    notes: list

    @property
    def header_row(self) -> int:
        """The header's sheet row number (1-based)."""
        return self.header_index + 1

    @property
    def id_header(self) -> str:
        return str(self.header[self.id_col])


def _sheet_layout(rows: list, id_column: Optional[str], name: str) -> _Layout:
    """Find the header and the id column, and sort the rows below into units, detection
    limits, reference values (left out, noted) and body."""
    if not any(not _is_empty(cell) for row in rows for cell in row):
        raise InputError("the lab sheet is empty (no cell holds anything): nothing to import", layer=name)
    h, id_col = _find_header(rows, id_column)
    if h < 0:
        if id_column:
            raise InputError(f"no column {id_column!r} found in the first 40 rows", layer=name)
        raise InputError(
            "no sample id column found in the first 40 rows: head the column of sample ids "
            "'样品编号' or 'sample id' in the sheet",
            layer=name,
        )
    width = max(len(r) for r in rows)
    header = list(rows[h]) + [None] * (width - len(rows[h]))
    data_rows = [(i + 1, list(r) + [None] * (width - len(r))) for i, r in enumerate(rows) if i > h]
    unit_row, dl_row = None, None
    body, notes = [], []
    for number, row in data_rows:
        key = _compact(row[id_col]) if not _is_empty(row[id_col]) else ""
        if key in [_compact(w) for w in _UNIT_ROWS]:
            unit_row = (number, row)
        elif key in [_compact(w) for w in _DL_ROWS]:
            dl_row = (number, row)
        elif key in [_compact(w) for w in _STANDARD_ROWS]:
            notes.append(Message("LAB_REFERENCE_ROW", row=number, label=row[id_col]))
        else:
            body.append((number, row))
    if unit_row is None and body:  # an unlabelled units row right below the header
        number, row = body[0]
        cells = [row[j] for j in range(width) if j != id_col and not _is_empty(row[j])]
        as_units = [normalise_unit(c) is not None for c in cells if isinstance(c, str)]
        if cells and sum(as_units) >= max(1, len(cells) // 2) and all(isinstance(c, str) for c in cells):
            if _is_empty(row[id_col]):
                unit_row = (number, row)
                body = body[1:]
    return _Layout(h, id_col, header, width, unit_row, dl_row, body, notes)


def _indicator_columns(layout: _Layout, medium: str, columns, units):
    """The indicator columns: code, unit in the sheet and the factor to the catalogue's
    unit; and the problems found (and notes on columns left out)."""
    h, header, body, unit_row = layout.header_index, layout.header, layout.body, layout.unit_row
    aliases = _alias_table()
    given = {_compact(k): v for k, v in (columns or {}).items()}
    unit_over = {_compact(k): v for k, v in (units or {}).items()}
    cols: list = []
    problems: list = []
    notes: list = []
    seen_codes: dict = {}
    for j in range(layout.width):
        if j == layout.id_col:
            continue
        head = header[j]
        has_data = any(not _is_empty(row[j]) for _, row in body)
        if _is_empty(head):
            if has_data:
                problems.append(_error("column has values but no header", row=h + 1, column=f"#{j + 1}"))
            continue
        head_text = str(head).strip()
        nm, head_unit = split_header(head_text)
        ckey = _compact(head_text)
        nkey = _compact(nm)
        if ckey in given or nkey in given:
            code, recognised = given.get(ckey, given.get(nkey)), True
        elif match_indicator(nm, aliases) is not None:
            code, recognised = match_indicator(nm, aliases), True
        elif nkey in [_compact(m) for m in METADATA_HEADERS] or ckey in [
            _compact(m) for m in METADATA_HEADERS
        ]:
            notes.append(Message("LAB_METADATA_COLUMN", header=head_text))
            continue
        else:
            code, recognised = (
                re.sub(r"[^0-9A-Za-z_]+", "_", unicodedata.normalize("NFKC", nm)).strip("_"),
                False,
            )
            if not code:
                code = f"col{j + 1}"
        row_unit = None
        if unit_row is not None and not _is_empty(unit_row[1][j]):
            row_unit = normalise_unit(unit_row[1][j])
            if row_unit is None:
                problems.append(
                    _error(f"unit {unit_row[1][j]!r} is not understood", row=unit_row[0], column=head_text)
                )
                continue
        override = unit_over.get(_compact(code)) or unit_over.get(ckey) or unit_over.get(nkey)
        if override is not None and normalise_unit(override) is None:
            problems.append(_error(f"unit {override!r} given for {code} is not understood", column=head_text))
            continue
        sheet_unit = head_unit or row_unit or (normalise_unit(override) if override else None)
        if head_unit and row_unit and head_unit != row_unit:
            if unit_factor(row_unit, head_unit) == 1.0:
                problems.append(
                    _warning(
                        "LAB_UNITS_SAME_QUANTITY",
                        row=unit_row[0],
                        column=head_text,
                        head_unit=display_unit(head_unit),
                        row_unit=display_unit(row_unit),
                    )
                )
            else:
                problems.append(
                    _error(
                        f"conflicting units: header says {display_unit(head_unit)}, units row says "
                        f"{display_unit(row_unit)}",
                        row=unit_row[0],
                        column=head_text,
                    )
                )
                continue
        if not recognised:
            if sheet_unit is None:
                if has_data:
                    problems.append(_warning("LAB_COLUMN_LEFT_OUT", row=h + 1, column=head_text, header=head_text))
                continue
            problems.append(
                _warning(
                    "LAB_COLUMN_NOT_IN_CATALOGUE",
                    row=h + 1,
                    column=head_text,
                    header=head_text,
                    code=code,
                    unit=display_unit(sheet_unit),
                )
            )
        target = _catalogue_unit(code, medium) if recognised else None
        if code == "pH":
            sheet_unit = sheet_unit or "dimensionless"
        if sheet_unit is None:
            if target == "dimensionless":
                sheet_unit = target
            else:
                problems.append(
                    _error(
                        f"no unit for {code}: give it in the header (e.g. '{nm} (mg/kg)'), a units row "
                        f"or the units parameter",
                        row=h + 1,
                        column=head_text,
                    )
                )
                continue
        factor = 1.0
        unit = sheet_unit
        if target is not None and target != sheet_unit:
            f = unit_factor(sheet_unit, target)
            if f is None:
                problems.append(
                    _error(
                        f"unit {display_unit(sheet_unit)} does not fit {code} in {medium} "
                        f"(expected {display_unit(target)})",
                        row=h + 1,
                        column=head_text,
                    )
                )
                continue
            factor, unit = f, target
            problems.append(
                _warning(
                    "LAB_UNITS_CONVERTED",
                    row=h + 1,
                    column=head_text,
                    code=code,
                    unit=display_unit(sheet_unit),
                    target=display_unit(target),
                    factor=f,
                )
            )
        if code in seen_codes:
            problems.append(
                _error(
                    f"indicator {code} appears twice (also column '{seen_codes[code]}')",
                    row=h + 1,
                    column=head_text,
                )
            )
            continue
        seen_codes[code] = head_text
        cols.append(_Column(j, head_text, code, recognised, sheet_unit, unit, factor))
    if not cols and not any(p.severity == "error" for p in problems):
        problems.append(
            _error(
                "no indicator column recognised beside the sample ids: head each result column with the "
                "indicator and its unit, e.g. 'Cd (mg/kg)' or '镉(mg/kg)'",
                row=h + 1,
            )
        )
    sheet_units = {c.unit_sheet for c in cols if c.unit_sheet not in (None, "dimensionless")}
    fractions = {u for u in sheet_units if UNITS[u][0] == "mass fraction"}
    if len(fractions) > 1:
        problems.append(
            _warning("LAB_MIXED_SHEET_UNITS", units=", ".join(sorted(display_unit(u) for u in fractions)))
        )
    return cols, problems, notes


def _detection_limits(layout: _Layout, cols: list, detection_limits):
    """Detection limit per indicator code (in the sheet's unit, None when unknown), from
    the detection-limit row or the parameter; and the problems found."""
    dl_row = layout.dl_row
    dls, problems = {}, []
    for c in cols:
        dl = None
        if dl_row is not None and not _is_empty(dl_row[1][c.index]):
            try:
                cell, cell_unit = _cell_with_unit(dl_row[1][c.index])
                dl = parse_number(cell) if isinstance(cell, str) else float(cell)
                if cell_unit is not None and cell_unit != c.unit_sheet:
                    f = unit_factor(cell_unit, c.unit_sheet)
                    if f is None:
                        problems.append(
                            _error(
                                f"detection limit in {display_unit(cell_unit)} does not fit the column's "
                                f"{display_unit(c.unit_sheet)}",
                                row=dl_row[0],
                                column=c.header,
                            )
                        )
                        continue
                    dl *= f
            except (NotANumber, ValueError):
                problems.append(
                    _error(f"detection limit {dl_row[1][c.index]!r} is not a number", row=dl_row[0], column=c.header)
                )
                continue
        if dl is None and detection_limits:
            v = detection_limits.get(c.code, detection_limits.get(c.header))
            dl = float(v) if v is not None else None
        dls[c.code] = dl
    return dls, problems


def _sample_rows(layout: _Layout, cols: list):
    """The body rows with a sample id, as ``(sheet row, normalised id, id as written,
    cells)``; and the problems (results without an id, an id twice)."""
    id_rows, records, problems = {}, [], []
    id_col, column = layout.id_col, layout.id_header
    for number, row in layout.body:
        values_present = any(not _is_empty(row[c.index]) for c in cols)
        rid = normalise_id(row[id_col])
        if not rid:
            if values_present:
                problems.append(_error("row has results but no sample id", row=number, column=column))
            continue
        if rid in id_rows:
            problems.append(
                _error(
                    f"sample id {row[id_col]!r} appears twice (also sheet row {id_rows[rid]})",
                    row=number,
                    column=column,
                )
            )
            continue
        id_rows[rid] = number
        cell = row[id_col]
        raw_id = str(int(cell)) if isinstance(cell, float) and cell.is_integer() else str(cell).strip()
        records.append((number, rid, raw_id, row))
    if not records and not problems:
        problems.append(
            _error(
                f"no sample row below the header (sheet row {layout.header_row}): the sheet holds no results",
                row=layout.header_row,
            )
        )
    return records, problems


def _cell_values(records: list, cols: list, dls: dict, missing_markers: str = "error"):
    """One long row per sample and indicator: the value in the catalogue's unit, its
    flag and detection limit; and the problems found in the cells. A missing-value
    marker ("n/a", "-", "—") is an error, or with ``missing_markers="missing"`` a missing
    value reported for its cell."""
    long_rows, problems = [], []
    accept = missing_markers == "missing"
    for number, rid, raw_id, row in records:
        for c in cols:
            cell = row[c.index]
            text, cell_unit = _cell_with_unit(cell)
            try:
                parsed = parse_cell(text, dls.get(c.code), accept_missing_markers=accept)
            except MissingMarker:
                problems.append(Problem("error", Message("LAB_MISSING_MARKER", cell=repr(cell)), number, c.header))
                continue
            except NotANumber:
                problems.append(
                    _error(
                        f"{cell!r} is not a number, a censored value (<DL, ND, 未检出) or empty",
                        row=number,
                        column=c.header,
                    )
                )
                continue
            factor = c.factor
            if cell_unit is not None and cell_unit != c.unit_sheet:
                f = unit_factor(cell_unit, c.unit_sheet)
                if f is None:
                    problems.append(
                        _error(
                            f"mixed units: the cell says {display_unit(cell_unit)}, the column "
                            f"{display_unit(c.unit_sheet)}",
                            row=number,
                            column=c.header,
                        )
                    )
                    continue
                problems.append(
                    _warning(
                        "LAB_CELL_UNIT_CONVERTED",
                        row=number,
                        column=c.header,
                        cell_unit=display_unit(cell_unit),
                        column_unit=display_unit(c.unit_sheet),
                    )
                )
                factor = c.factor * f
            value = parsed.value * factor
            dl = parsed.detection_limit * factor
            if parsed.flag == FLAG_MEASURED and np.isfinite(value) and value < 0:
                dim = UNITS.get(c.unit_sheet, ("", 1))[0]
                if dim not in _NEGATIVE_OK:
                    problems.append(_error(f"negative value {cell!r}", row=number, column=c.header))
                    continue
            if accept and parsed.missing and not _is_empty(text):
                problems.append(_warning("LAB_MISSING_MARKER_READ", row=number, column=c.header, cell=repr(cell)))
            if parsed.flag == FLAG_BELOW and not np.isfinite(dl):
                problems.append(_warning("LAB_CENSORED_WITHOUT_DL", row=number, column=c.header, cell=repr(cell)))
            if c.code == "pH" and parsed.flag == FLAG_MEASURED and np.isfinite(value) and not 0 <= value <= 14:
                problems.append(_error(f"pH {value:g} is outside 0-14", row=number, column=c.header))
                continue
            long_rows.append(
                {
                    "sample_id": raw_id,
                    "_key": rid,
                    "indicator": c.code,
                    "value": value,
                    "flag": parsed.flag,
                    "detection_limit": dl,
                    "unit": display_unit(c.unit),
                    "sheet_row": number,
                    "sheet_column": c.header,
                    "raw": "" if cell is None else str(cell),
                }
            )
    return long_rows, problems


@dataclass
class _Match:
    """The sheet's samples against the sample layer."""

    sample_keys: Optional[list]  # normalised id per sample feature (None: no sample layer)
    unmatched: pd.DataFrame  # sheet rows whose id is not a sample
    missing: list  # sample ids without a lab row


def _match_samples(samples, sample_id_field: str, records: list, layout: _Layout, unknown_ids: str):
    """Match the sheet's ids to the sample layer; and the problems (ids missing or twice
    in the layer, sheet ids not in it: errors, or warnings with ``unknown_ids="warn"``)."""
    unmatched = pd.DataFrame(columns=["sheet_row", "sample_id"])
    if samples is None:
        return _Match(None, unmatched, []), []
    if sample_id_field not in samples.columns:
        raise InputError(f"sample id field {sample_id_field!r} not found", layer="samples", column=sample_id_field)
    problems = []
    sample_keys = [normalise_id(v) for v in samples[sample_id_field]]
    first_seen: dict = {}
    for i, k in enumerate(sample_keys):
        if not k:
            problems.append(_error(f"sample without an id (layer 'samples', feature {i + 1})", column=sample_id_field))
        elif k in first_seen:
            problems.append(
                _error(
                    f"sample id {samples[sample_id_field].iloc[i]!r} appears twice in the sample layer "
                    f"(features {first_seen[k] + 1} and {i + 1})",
                    column=sample_id_field,
                )
            )
        else:
            first_seen[k] = i
    known = set(sample_keys)
    bad = [(number, raw_id) for number, rid, raw_id, _ in records if rid not in known]
    if bad:
        unmatched = pd.DataFrame(bad, columns=["sheet_row", "sample_id"])
        for number, raw_id in bad:
            if unknown_ids == "error":
                problems.append(
                    _error(f"sample id {raw_id!r} is not in the sample layer", row=number, column=layout.id_header)
                )
            else:
                problems.append(
                    _warning("LAB_UNKNOWN_SAMPLE_LEFT_OUT", row=number, column=layout.id_header, sample_id=repr(raw_id))
                )
    lab_keys = {rid for _, rid, _, _ in records}
    missing = [str(samples[sample_id_field].iloc[i]) for i, k in enumerate(sample_keys) if k and k not in lab_keys]
    return _Match(sample_keys, unmatched, missing), problems


_LONG_COLUMNS = [
    "sample_id",
    "_key",
    "indicator",
    "value",
    "flag",
    "detection_limit",
    "unit",
    "sheet_row",
    "sheet_column",
    "raw",
]


def _wide_table(long: pd.DataFrame, codes: list, samples, sample_id_field: str, match: _Match, records: list):
    """One row per sample (the sample layer's, or the sheet's in order), ``<code>`` and
    ``<code>_flag`` per indicator."""
    wide_val = long.pivot(index="_key", columns="indicator", values="value") if len(long) else pd.DataFrame()
    wide_flag = long.pivot(index="_key", columns="indicator", values="flag") if len(long) else pd.DataFrame()
    if samples is not None:
        table = samples.copy()
        keys = pd.Index(match.sample_keys)
        for code in codes:
            if code in table.columns or f"{code}_flag" in table.columns:
                raise InputError(
                    f"the sample layer already has a field {code!r}; rename it first",
                    layer="samples",
                    column=code,
                )
            v = wide_val[code].reindex(keys).to_numpy(float) if code in wide_val else np.full(len(keys), np.nan)
            f = (
                wide_flag[code].reindex(keys).fillna(FLAG_MEASURED).to_numpy(object)
                if code in wide_flag
                else np.full(len(keys), FLAG_MEASURED, dtype=object)
            )
            table[code] = v
            table[f"{code}_flag"] = f
        return table
    order = [rid for _, rid, _, _ in records]
    raw_ids = {rid: raw for _, rid, raw, _ in records}
    table = pd.DataFrame({sample_id_field: [raw_ids[r] for r in order]})
    # where each sample stands in the sheet, for messages of later steps (locate_samples)
    table.attrs["sheet_row"] = {raw: number for number, _, raw, _ in records}
    for code in codes:
        table[code] = wide_val[code].reindex(order).to_numpy(float) if code in wide_val else np.nan
        table[f"{code}_flag"] = (
            wide_flag[code].reindex(order).fillna(FLAG_MEASURED).to_numpy(object)
            if code in wide_flag
            else FLAG_MEASURED
        )
    return table


_INDICATOR_COLUMNS = [
    "code",
    "name_zh",
    "name_en",
    "column",
    "unit",
    "unit_in_sheet",
    "factor",
    "recognised",
    "n_values",
    "n_censored",
    "n_missing",
]


def _indicator_table(long: pd.DataFrame, cols: list) -> pd.DataFrame:
    """One row per indicator column: names, units, factor and the value counts."""
    rows = []
    for c in cols:
        sub = long[long["indicator"] == c.code]
        zh, en = _names(c.code)
        rows.append(
            {
                "code": c.code,
                "name_zh": zh,
                "name_en": en,
                "column": c.header,
                "unit": display_unit(c.unit),
                "unit_in_sheet": display_unit(c.unit_sheet),
                "factor": c.factor,
                "recognised": c.recognised,
                "n_values": int(((sub["flag"] == FLAG_MEASURED) & sub["value"].notna()).sum()),
                "n_censored": int((sub["flag"] != FLAG_MEASURED).sum()),
                "n_missing": int(((sub["flag"] == FLAG_MEASURED) & sub["value"].isna()).sum()),
            }
        )
    return pd.DataFrame(rows, columns=_INDICATOR_COLUMNS)


def import_lab_results(
    sheet_path,
    samples=None,
    *,
    sample_id_field: str = "sample_id",
    sheet=None,
    id_column: Optional[str] = None,
    medium: str = "soil",
    columns: Optional[Mapping[str, str]] = None,
    units: Optional[Mapping[str, str]] = None,
    detection_limits: Optional[Mapping[str, float]] = None,
    unknown_ids: str = "error",
    missing_markers: str = "error",
) -> LabResults:
    """Read a lab sheet and join it to the sample points by sample id.

    The steps: find the header, the id column and the special rows; recognise the
    indicator columns and their units; read the detection limits, the sample rows and
    every cell; match the ids to the sample layer. Every problem of the sheet is
    collected before anything is refused, so one run lists them all.

    Parameters
    ----------
    sheet_path : path-like
        ``.csv`` or ``.xlsx`` file as the lab delivered it.
    samples : geopandas.GeoDataFrame or pandas.DataFrame, optional
        Sample layer (one row per sample, e.g. from the depth schedule). Without it
        the table holds only the sheet's samples.
    sample_id_field : str
        Sample id field of ``samples``.
    sheet : str or int, optional
        Worksheet of an XLSX (default: the first).
    id_column : str, optional
        Header of the sheet's sample id column (default: recognised from
        :data:`ID_HEADERS`).
    medium : {"soil", "sediment", "groundwater", "surface_water"}
        Decides the target unit of each indicator (the catalogue's soil or water unit).
    columns : mapping, optional
        Sheet header -> indicator code, for headers the recognition misses.
    units : mapping, optional
        Indicator code (or header) -> unit, for sheets that give no unit.
    detection_limits : mapping, optional
        Indicator code -> detection limit (in the sheet's unit) for "ND" cells when the
        sheet has no detection-limit row.
    unknown_ids : {"error", "warn"}
        Sheet rows whose id is not a sample: an error (default), or a warning with the
        rows listed in ``unmatched`` and left out.
    missing_markers : {"error", "missing"}
        Cells holding "n/a", "-", "—", "未测" or another
        :data:`~ree_damage.core.lab.censored.MISSING_MARKERS`: an error naming the sheet
        row and column (default), or a missing value with a warning per cell. A blank
        cell is always a missing value.

    Returns
    -------
    LabResults

    Raises
    ------
    LabSheetError
        With every problem found (each naming sheet row and column).
    """
    if medium not in ("soil", "sediment", "groundwater", "surface_water"):
        raise InputError(f"unknown medium {medium!r}", column="medium")
    if unknown_ids not in ("error", "warn"):
        raise InputError("unknown_ids must be 'error' or 'warn'", column="unknown_ids")
    if missing_markers not in ("error", "missing"):
        raise InputError("missing_markers must be 'error' or 'missing'", column="missing_markers")
    name = Path(sheet_path).name
    layout = _sheet_layout(read_cells(sheet_path, sheet), id_column, name)
    cols, problems, column_notes = _indicator_columns(layout, medium, columns, units)
    dls, found = _detection_limits(layout, cols, detection_limits)
    problems += found
    records, found = _sample_rows(layout, cols)
    problems += found
    long_rows, found = _cell_values(records, cols, dls, missing_markers)
    problems += found
    match, found = _match_samples(samples, sample_id_field, records, layout, unknown_ids)
    problems += found
    if any(p.severity == "error" for p in problems):
        raise LabSheetError(problems, name)

    long = pd.DataFrame(long_rows, columns=_LONG_COLUMNS)
    if samples is not None and len(match.unmatched):
        long = long[long["_key"].isin(set(match.sample_keys))]
    table = _wide_table(long, [c.code for c in cols], samples, sample_id_field, match, records)
    warnings = [p.as_message() for p in problems if p.severity == "warning"] + layout.notes + column_notes
    if match.missing:
        ids = ", ".join(match.missing[:30]) + (" ..." if len(match.missing) > 30 else "")
        warnings.append(Message("LAB_SAMPLES_WITHOUT_RESULT", n=len(match.missing), ids=ids))
    parameters = {
        "sheet": sheet,
        "header_row": layout.header_row,
        "units_row": layout.unit_row[0] if layout.unit_row else None,
        "detection_limit_row": layout.dl_row[0] if layout.dl_row else None,
        "id_column": layout.id_header,
        "medium": medium,
        "columns": dict(columns or {}),
        "units": dict(units or {}),
        "detection_limits": dict(detection_limits or {}),
        "unknown_ids": unknown_ids,
        "missing_markers": missing_markers,
        "sample_id_field": sample_id_field,
        "censored_values": "kept as censored: value = detection limit, flag '<'; no substitution at import",
    }
    return LabResults(
        table,
        long.drop(columns="_key").reset_index(drop=True),
        _indicator_table(long, cols),
        match.unmatched,
        match.missing,
        warnings,
        parameters,
    )


def locate_samples(table, points, *, point_id_field: str = "point_id", layer: str = "points"):
    """Give each lab sample the position of its sampling point.

    Sample ids are ``<point>-<depth in cm>`` (DESIGN.md), so the point id and the depth
    come from the id itself.

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`LabResults.table` (a ``sample_id`` column).
    points : geopandas.GeoDataFrame
        Sampling points (sample and control points) with ``point_id_field``.
    point_id_field : str
        Point id field of ``points``.
    layer : str
        Name of the point layer, for error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        ``table`` with ``point_id`` and ``depth_cm`` (top of the sample, cm) and the
        point geometry, in the points' CRS.

    Raises
    ------
    InputError
        A sample id not of the form ``<point>-<depth cm>``, or whose point is not in
        ``points`` (the first few are named).
    """
    import geopandas as gpd

    if point_id_field not in points.columns:
        raise InputError(f"the point layer has no field '{point_id_field}'", layer=layer, column=point_id_field)
    ids = table["sample_id"].astype(str)
    sheet_rows = table.attrs.get("sheet_row", {})

    def named(sample_ids) -> str:
        # each sample by its id and, where the table came from a sheet, its sheet row
        shown = [
            f"'{i}' (sheet row {sheet_rows[i]})" if i in sheet_rows else f"'{i}'" for i in list(sample_ids)[:10]
        ]
        return ", ".join(shown) + (f" and {len(sample_ids) - 10} more" if len(sample_ids) > 10 else "")

    parts = ids.str.rsplit("-", n=1, expand=True)
    depth = pd.to_numeric(parts[1], errors="coerce") if parts.shape[1] > 1 else pd.Series(np.nan, index=ids.index)
    bad = ids[depth.isna()].tolist()
    if bad:
        raise InputError(
            f"{len(bad)} sample id(s) not of the form <point>-<depth in cm>: {named(bad)}",
            layer="lab sheet",
            row=sheet_rows.get(bad[0]),
        )
    keyed = points.assign(_key=points[point_id_field].astype(str))
    positions = keyed.drop_duplicates(subset="_key").set_index("_key")
    point_ids = parts[0]
    known = set(positions.index.astype(str))
    unknown = [sid for sid, pid in zip(ids.tolist(), point_ids.tolist()) if pid not in known]
    if unknown:
        points_named = sorted({pid for pid in point_ids.tolist() if pid not in known})
        raise InputError(
            f"{len(unknown)} sample(s) of the lab sheet stand at a point that is not in the point layer "
            f"(point id(s) {', '.join(points_named[:10])}{' ...' if len(points_named) > 10 else ''}): {named(unknown)}",
            layer=layer,
        )
    geometry = positions.geometry.reindex(point_ids.to_numpy()).to_numpy()
    located = table.assign(point_id=point_ids.to_numpy(), depth_cm=depth.astype(int).to_numpy())
    return gpd.GeoDataFrame(located, geometry=geometry, crs=points.crs)


_LIMIT_SHEET_WORDS = ("检出限", "limit", "lod", "mdl")


def detection_limits_from_workbook(path) -> dict:
    """Detection limits from a separate worksheet of a lab workbook, by indicator code.

    Many labs list the method detection limits on their own sheet (e.g. ``检出限 Limits``:
    analyte, unit, detection limit, method) instead of a row of the results sheet. This
    reads the first sheet whose name contains 检出限 / limit / LOD / MDL.

    Parameters
    ----------
    path : path-like
        The ``.xlsx`` / ``.xlsm`` workbook (any other file gives an empty mapping).

    Returns
    -------
    dict of str -> float
        Indicator code -> detection limit, in the unit of that sheet's row.

    Raises
    ------
    InputError
        The file is missing or is not a workbook (naming the file).
    """
    if Path(path).suffix.lower() not in (".xlsx", ".xlsm"):
        return {}
    import openpyxl

    if not Path(path).is_file():
        raise InputError("lab sheet not found", layer=str(path))
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - a file named .xlsx that is no workbook is bad input
        raise InputError(f"cannot read the workbook: {exc}", layer=Path(path).name) from None
    try:
        name = next((n for n in workbook.sheetnames if any(w in n.lower() for w in _LIMIT_SHEET_WORDS)), None)
        if name is None:
            return {}
        rows = [list(r) for r in workbook[name].iter_rows(values_only=True)]
    finally:
        workbook.close()
    if not rows:
        return {}
    header = [str(c or "") for c in rows[0]]
    limit_col = next((i for i, h in enumerate(header) if any(w in _compact(h) for w in ("检出限", "detectionlimit", "lod", "mdl"))), None)
    if limit_col is None:
        return {}
    limits = {}
    for row in rows[1:]:
        if not row or row[0] in (None, "") or limit_col >= len(row):
            continue
        value = pd.to_numeric(row[limit_col], errors="coerce")
        code = match_indicator(split_header(row[0])[0])
        if code is not None and pd.notna(value) and value > 0:
            limits[code] = float(value)
    return limits


def parse_limits(text: str) -> dict:
    """Detection limits typed by a user: ``"Cd=0.05; Pb=0.1"`` -> ``{"Cd": 0.05, "Pb": 0.1}``.

    Indicator names are recognised like sheet headers (``NH4+-N`` -> ``NH4_N``).

    Examples
    --------
    >>> parse_limits("Cd=0.05; NH4+-N = 0.1")
    {'Cd': 0.05, 'NH4_N': 0.1}
    """
    limits = {}
    for index, item in enumerate(p for p in re.split(r"[;；\n]", text or "") if p.strip()):
        name, _, value = item.partition("=")
        code = match_indicator(name.strip())
        number = pd.to_numeric(value.strip(), errors="coerce")
        if code is None or pd.isna(number) or number <= 0:
            raise InputError(f"cannot read detection limit '{item.strip()}' (write e.g. Cd=0.05)", column="detection limits", row=index + 1)
        limits[code] = float(number)
    return limits
