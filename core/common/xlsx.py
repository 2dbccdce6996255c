"""Byte-reproducible Excel workbooks for field sheets, lab sheets and value tables.

openpyxl stamps the save time into ``docProps/core.xml`` and the current date into every
zip entry, so two saves of the same table differ. :func:`write_workbook` writes with
openpyxl's streaming writer, then rewrites the zip with fixed entry dates and fixed
document times, so the same tables give the same bytes (DESIGN.md, "Traceability").
The file is written atomically (:mod:`ree_damage.core.common.atomic`).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import io
import math
import os
import re
import unicodedata
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .atomic import atomic_path
from .errors import InputError

__all__ = ["FIXED_TIMESTAMP", "write_workbook", "display_width"]

FIXED_TIMESTAMP = _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc)
"""Document time written when neither ``timestamp`` nor ``SOURCE_DATE_EPOCH`` is given."""

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL_XML = re.compile(r"[\000-\010\013\014\016-\037]")
_AUTO_SAMPLE_ROWS = 500
_MAX_AUTO_WIDTH = 60.0
_HEADER_FILL = "FFD9D9D9"

SheetData = Any  # a pandas.DataFrame or a sequence of rows


def display_width(text: str) -> int:
    """Width of ``text`` in Excel character units: CJK (wide) characters count 2.

    Examples
    --------
    >>> display_width("La (mg/kg)"), display_width("样品编号 Sample ID")
    (10, 18)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _timestamp(timestamp: _dt.datetime | None) -> _dt.datetime:
    if timestamp is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch:
            return _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc)
        return FIXED_TIMESTAMP
    if timestamp.tzinfo is None:
        return timestamp.replace(tzinfo=_dt.timezone.utc)
    return timestamp.astimezone(_dt.timezone.utc)


def _per_sheet(option, name: str, default=None):
    """An option given once for all sheets, or as a mapping sheet name -> value."""
    if isinstance(option, Mapping):
        return option.get(name, default)
    return default if option is None else option


def _check_sheet_name(name: str, seen: set) -> None:
    if not isinstance(name, str) or not name or len(name) > 31 or _BAD_SHEET_CHARS.search(name):
        raise InputError("a sheet name must be 1-31 characters without [ ] : * ? / \\", layer=str(name))
    if name.lower() in seen:
        raise InputError("two sheets have the same name (Excel ignores case)", layer=name)
    seen.add(name.lower())


def _convert(value, sheet: str, row: int, col: int):
    """One Python value as openpyxl wants it; ``row`` and ``col`` are 1-based, for errors."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        if _ILLEGAL_XML.search(value):
            raise InputError(
                "text holds a control character Excel refuses", layer=sheet, row=row, column=_letter(col)
            )
        return value
    if isinstance(value, (np.datetime64, np.timedelta64, pd.Timestamp, pd.Timedelta)) or value is pd.NaT:
        value = pd.Timestamp(value) if isinstance(value, np.datetime64) else value
        if pd.isna(value):
            return None
        value = value.to_pydatetime() if isinstance(value, pd.Timestamp) else str(value)
    elif isinstance(value, np.generic):
        value = value.item()
    elif isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            raise InputError(
                "Excel cannot hold an infinite number", layer=sheet, row=row, column=_letter(col)
            )
        return value
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return value
    if isinstance(value, (bool, int, str, _dt.date, _dt.time)):
        return value
    if value is pd.NA:
        return None
    return str(value)


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def _table(data, header_rows: int, sheet: str):
    """(header rows, body rows) of a DataFrame or of a sequence of rows."""
    if isinstance(data, pd.DataFrame):
        columns = data.columns
        if isinstance(columns, pd.MultiIndex):
            header = [[str(v) for v in level] for level in zip(*columns.tolist())]
        else:
            header = [[str(c) for c in columns]]
        body_columns = [data.iloc[:, i].tolist() for i in range(data.shape[1])]
        body = list(zip(*body_columns)) if body_columns else [() for _ in range(len(data))]
        return header, body
    rows = [list(r) for r in data]
    if header_rows < 0 or header_rows > len(rows):
        raise InputError(f"{header_rows} header rows asked but the sheet has {len(rows)} rows", layer=sheet)
    return [[("" if v is None else str(v)) for v in r] for r in rows[:header_rows]], rows[header_rows:]


def _column_keys(header: list[list[str]], ncols: int) -> list[list]:
    """Names a column answers to in options, in order of precedence: its letter, its
    header texts (last header row first), its 0-based index."""
    keys = []
    for i in range(ncols):
        texts = [row[i] for row in reversed(header) if i < len(row) and row[i]]
        keys.append([_letter(i + 1), *texts, i])
    return keys


def _lookup(option, keys: list):
    for key in keys:
        if key in option:
            return option[key]
    return None


def _widths(spec, header, body, keys) -> list[float | None]:
    ncols = len(keys)
    auto = []
    for i in range(ncols):
        texts = [r[i] for r in header if i < len(r)]
        texts += ["" if r[i] is None else str(r[i]) for r in body[:_AUTO_SAMPLE_ROWS] if i < len(r)]
        width = max((display_width(t) for t in texts), default=0) + 2
        auto.append(min(max(width, 6.0), _MAX_AUTO_WIDTH))
    if spec is None:
        return auto
    if isinstance(spec, Mapping):
        chosen = [_lookup(spec, keys[i]) for i in range(ncols)]
    else:
        chosen = list(spec) + [None] * (ncols - len(spec))
    return [auto[i] if chosen[i] is None else float(chosen[i]) for i in range(ncols)]


def _normalise_zip(raw: bytes, moment: _dt.datetime) -> bytes:
    """Rewrite an xlsx zip with fixed entry dates, attributes and document times."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)", rf"\g<1>{stamp}\g<3>", text
                )
                data = text.encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.create_system = 0
            fixed.external_attr = 0
            dst.writestr(fixed, data, compresslevel=6)
    return out.getvalue()


def write_workbook(
    path,
    sheets: Mapping[str, SheetData],
    *,
    header_rows: int | Mapping[str, int] = 1,
    column_widths=None,
    freeze_panes: bool | str | Mapping[str, bool | str] = True,
    autofilter: bool | Mapping[str, bool] = False,
    number_formats: Mapping[str, Mapping[Any, str]] | None = None,
    properties: Mapping[str, str] | None = None,
    timestamp: _dt.datetime | None = None,
) -> Path:
    """Write tables to an .xlsx file that is byte-identical for the same input.

    Parameters
    ----------
    path : path-like
        Output file (``.xlsx``); written atomically, an existing file is replaced.
    sheets : mapping of str to pandas.DataFrame or sequence of rows
        Sheet name (1-31 characters, Chinese allowed) to its content, in workbook
        order. A DataFrame writes its column labels as header (one header row per
        level of a MultiIndex) and no index (``reset_index()`` first to keep it). A
        sequence of rows (lists or tuples) writes them as given; its first
        ``header_rows`` rows are styled as header. Cells: None and NaN stay empty;
        numpy scalars, dates and times keep their type; text starting with ``=`` is
        written as text, never as a formula.
    header_rows : int or mapping of str to int
        Header rows of row-sequence sheets (ignored for DataFrames). Header cells are
        bold on grey with wrapped text.
    column_widths : sequence, mapping, or mapping of sheet name to either, optional
        Column widths in Excel character units. A sequence gives them in column order
        (None = automatic); a mapping keys them by column letter (``"A"``), 0-based
        index or header text. A mapping whose keys are sheet names applies per sheet.
        Automatic widths fit the header and the first 500 rows (CJK counted double),
        capped at 60.
    freeze_panes : bool, str or mapping of str to either
        True freezes the header rows, a cell reference such as ``"B2"`` freezes above
        and left of it, False freezes nothing.
    autofilter : bool or mapping of str to bool
        Put Excel's filter buttons on the last header row.
    number_formats : mapping of str to mapping, optional
        Sheet name to {column key: Excel number format, e.g. ``"0.00"``}; column keys
        as for ``column_widths``.
    properties : mapping of str to str, optional
        Document properties: ``title``, ``subject``, ``creator``, ``description``,
        ``keywords``, ``category``.
    timestamp : datetime.datetime, optional
        Creation and modification time stored in the file; defaults to
        ``SOURCE_DATE_EPOCH`` when set, else :data:`FIXED_TIMESTAMP`.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    InputError
        A bad sheet name, a bad header row count, or a cell Excel cannot hold (named by
        sheet, row and column).

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> table = pd.DataFrame({"样品编号 Sample ID": ["INJ-001-50"], "pH": [4.62]})
    >>> a = write_workbook(folder / "a.xlsx", {"结果 Results": table})
    >>> b = write_workbook(folder / "b.xlsx", {"结果 Results": table})
    >>> a.read_bytes() == b.read_bytes()
    True
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.writer.excel import ExcelWriter

    if not sheets:
        raise InputError("a workbook needs at least one sheet", layer=str(path))
    moment = _timestamp(timestamp)
    naive = moment.replace(tzinfo=None)
    workbook = Workbook(write_only=True)
    props = workbook.properties
    for key, value in (properties or {}).items():
        if key not in ("title", "subject", "creator", "description", "keywords", "category"):
            raise InputError(f"unknown document property {key!r}")
        setattr(props, key, value)
    props.creator = (properties or {}).get("creator", "ree_damage")
    props.created = naive
    props.modified = naive
    props.lastModifiedBy = props.creator

    bold = Font(bold=True)
    fill = PatternFill("solid", start_color=_HEADER_FILL, end_color=_HEADER_FILL)
    wrap = Alignment(wrap_text=True, vertical="center")
    # convert and check every cell first, so that bad input stops before openpyxl starts
    prepared, seen = [], set()
    for name, data in sheets.items():
        _check_sheet_name(name, seen)
        header, body = _table(data, int(_per_sheet(header_rows, name, 1)), name)
        header = [
            [_convert(v, name, r, c) for c, v in enumerate(values, start=1)]
            for r, values in enumerate(header, start=1)
        ]
        first = len(header) + 1
        body = [
            [_convert(v, name, r, c) for c, v in enumerate(values, start=1)]
            for r, values in enumerate(body, start=first)
        ]
        prepared.append((name, header, body))

    for name, header, body in prepared:
        ncols = max([len(r) for r in header] + [len(r) for r in body] + [0])
        keys = _column_keys(header, ncols)
        ws = workbook.create_sheet(title=name)
        widths = column_widths
        if isinstance(column_widths, Mapping) and set(column_widths) & set(sheets):
            widths = column_widths.get(name)
        for i, width in enumerate(_widths(widths, header, body, keys)):
            ws.column_dimensions[_letter(i + 1)].width = round(width, 2)
        freeze = _per_sheet(freeze_panes, name, True)
        if freeze is True and header:
            ws.freeze_panes = f"A{len(header) + 1}"
        elif isinstance(freeze, str):
            ws.freeze_panes = freeze
        if _per_sheet(autofilter, name, False) and header and ncols:
            ws.auto_filter.ref = f"A{len(header)}:{_letter(ncols)}{len(header) + len(body)}"
        sheet_formats = (number_formats or {}).get(name) or {}
        formats = {i: fmt for i in range(ncols) if (fmt := _lookup(sheet_formats, keys[i])) is not None}

        for values in header:
            cells = []
            for value in values:
                cell = WriteOnlyCell(ws, value=value)
                cell.font, cell.fill, cell.alignment = bold, fill, wrap
                cell.data_type = "s"
                cells.append(cell)
            ws.append(cells)
        for row in body:
            for c, value in enumerate(row):
                if c in formats or (isinstance(value, str) and value.startswith("=")):
                    cell = WriteOnlyCell(ws, value=value)
                    if isinstance(value, str):
                        cell.data_type = "s"
                    if c in formats:
                        cell.number_format = formats[c]
                    row[c] = cell
            ws.append(row)

    buffer = io.BytesIO()
    # openpyxl's own save deflates every part; store them and deflate once, below
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).write_data()
    data = _normalise_zip(buffer.getvalue(), moment)
    final = Path(path)
    with atomic_path(final) as tmp:
        tmp.write_bytes(data)
    return final
