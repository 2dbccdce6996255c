"""Reproducible Excel workbooks (ree_damage.core.common.xlsx)."""

import datetime as dt
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from ree_damage.core.common.errors import InputError
from ree_damage.core.common.xlsx import FIXED_TIMESTAMP, display_width, write_workbook


def _sheets():
    results = pd.DataFrame(
        {
            "样品编号 Sample ID": ["INJ-001-50", "CTRL-001-50"],
            "pH": [4.62, 5.8],
            "Cd (mg/kg)": ["<0.05", 0.12],
            "n": np.array([3, 4], dtype=np.int64),
            "日期 Date": pd.to_datetime(["2026-03-15", "2026-03-16"]),
            "备注 Note": ["=SUM(A1:A2)", None],
        }
    )
    rows = [["项目 Item", "数值 Value"], ["面积 Area (m2)", 75208.6], ["缺失 Missing", np.nan]]
    return {"检测结果 Results": results, "说明 Notes": rows}


def test_same_tables_same_bytes_with_fixed_dates(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    a = write_workbook(tmp_path / "a.xlsx", _sheets())
    b = write_workbook(tmp_path / "b.xlsx", _sheets())
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert core.count("2000-01-01T00:00:00Z") == 2
    props = openpyxl.load_workbook(a).properties
    assert props.created == props.modified == FIXED_TIMESTAMP.replace(tzinfo=None)


def test_source_date_epoch_and_explicit_timestamp(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1773532800")  # 2026-03-15 00:00 UTC
    path = write_workbook(tmp_path / "a.xlsx", {"s": [["a"], [1]]})
    assert openpyxl.load_workbook(path).properties.modified == dt.datetime(2026, 3, 15)
    when = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    path = write_workbook(tmp_path / "b.xlsx", {"s": [["a"], [1]]}, timestamp=when)
    assert openpyxl.load_workbook(path).properties.created == dt.datetime(2024, 5, 5, 23, 8, 9)


def test_values_types_headers_and_panes(tmp_path):
    path = write_workbook(
        tmp_path / "t.xlsx",
        _sheets(),
        freeze_panes={"检测结果 Results": "B2"},
        autofilter={"检测结果 Results": True},
        number_formats={"检测结果 Results": {"pH": "0.00"}},
        properties={"title": "检测结果", "creator": "tester"},
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["检测结果 Results", "说明 Notes"]
    assert book.properties.title == "检测结果" and book.properties.creator == "tester"
    ws = book["检测结果 Results"]
    assert [c.value for c in ws[1]] == [
        "样品编号 Sample ID",
        "pH",
        "Cd (mg/kg)",
        "n",
        "日期 Date",
        "备注 Note",
    ]
    assert all(c.font.b for c in ws[1])
    assert [c.value for c in ws[2]] == [
        "INJ-001-50",
        4.62,
        "<0.05",
        3,
        dt.datetime(2026, 3, 15),
        "=SUM(A1:A2)",
    ]
    assert ws["F2"].data_type == "s"  # text, not a formula
    assert ws["F3"].value is None
    assert ws["B2"].number_format == "0.00"
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref == "A1:F3"
    notes = book["说明 Notes"]
    assert notes.freeze_panes == "A2"
    assert [c.value for c in notes[2]] == ["面积 Area (m2)", 75208.6]
    assert notes["B3"].value is None


def test_multi_row_headers(tmp_path):
    columns = pd.MultiIndex.from_tuples([("点位 Point", "编号 ID"), ("含量 Content", "La (mg/kg)")])
    frame = pd.DataFrame([["INJ-001", 120.5]], columns=columns)
    rows = [["区 Zone", "面积"], ["", "m2"], ["INJ", 1600]]
    path = write_workbook(tmp_path / "h.xlsx", {"a": frame, "b": rows}, header_rows={"b": 2})
    book = openpyxl.load_workbook(path)
    assert book["a"].freeze_panes == "A3" and book["b"].freeze_panes == "A3"
    assert [c.value for c in book["a"][2]] == ["编号 ID", "La (mg/kg)"]
    assert book["b"]["B3"].value == 1600 and book["b"]["B2"].font.b


def test_column_widths(tmp_path):
    rows = [["样品编号 Sample ID", "x", "y"], ["INJ-001-50", 1, 2]]
    path = write_workbook(
        tmp_path / "w.xlsx", {"a": rows, "b": rows}, column_widths={"a": {"x": 30, "C": 7.5}, "b": [None, 12]}
    )
    book = openpyxl.load_workbook(path)
    a, b = book["a"].column_dimensions, book["b"].column_dimensions
    assert a["B"].width == 30 and a["C"].width == 7.5
    assert a["A"].width == display_width("样品编号 Sample ID") + 2 == 20
    assert b["B"].width == 12
    same = write_workbook(tmp_path / "v.xlsx", {"a": rows}, column_widths=[5, 6, 7])
    assert [openpyxl.load_workbook(same)["a"].column_dimensions[c].width for c in "ABC"] == [5, 6, 7]


@pytest.mark.parametrize(
    ("sheets", "message"),
    [
        ({"a/b": [["x"]]}, "sheet name"),
        ({"x" * 32: [["x"]]}, "sheet name"),
        ({"Data": [["x"]], "data": [["y"]]}, "same name"),
        ({"s": [["x"], [float("inf")]]}, "infinite"),
        ({"s": [["x"], ["bad\x01text"]]}, "control character"),
        ({}, "at least one sheet"),
    ],
)
def test_bad_input_is_named_and_writes_nothing(tmp_path, sheets, message):
    target = tmp_path / "bad.xlsx"
    with pytest.raises(InputError, match=message) as info:
        write_workbook(target, sheets)
    if "infinite" in message:
        assert "row 2" in str(info.value) and "column 'A'" in str(info.value)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
