"""Time order: when the disturbance of each source area is first seen on dated DEMs.

The earliest DEM is the reference. On each later DEM a cell is disturbed where the height
changed by more than ``threshold_m``; a source area is seen disturbed on the first date
where at least ``min_fraction`` of its cells are. The dates come from the user (image or
survey dates); nothing is read from file times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..common.errors import InputError


def parse_date(text, what: str) -> dt.date:
    """An ISO date (``YYYY-MM-DD``) or a clear error naming ``what``."""
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip()[:10])
    except ValueError as exc:
        raise InputError(f"{what}: {text!r} is not a date (YYYY-MM-DD)") from exc


def first_seen(
    dated_heights: Sequence[tuple],
    labels: np.ndarray,
    *,
    threshold_m: float = 0.5,
    min_fraction: float = 0.05,
) -> pd.DataFrame:
    """Per source label, the first date its area is seen disturbed.

    Parameters
    ----------
    dated_heights : sequence of (datetime.date, str, numpy.ndarray)
        Date, name and heights (m) on one grid, in any order (sorted here); at least two.
    labels : numpy.ndarray of int64
        Source label per cell of the same grid (0 outside every source).
    threshold_m : float
        Height change (m, absolute) that counts as disturbance.
    min_fraction : float
        Share of the area's cells with valid heights on both DEMs that must be disturbed.

    Returns
    -------
    pandas.DataFrame
        ``source_label``, ``reference_date``, ``reference_name``, ``first_seen``
        (ISO date or ``""`` when never seen), ``first_seen_name``, ``disturbed_fraction``
        (on that date, or on the last DEM when never seen).
    """
    if len(dated_heights) < 2:
        raise InputError("time order needs at least two dated DEMs")
    ordered = sorted(dated_heights, key=lambda item: item[0])
    ref_date, ref_name, ref = ordered[0]
    for date, name, heights in ordered[1:]:
        if heights.shape != ref.shape:
            raise InputError(f"DEM {name!r} ({date}) is not on the grid of {ref_name!r}", layer=str(name))
    rows = []
    for label in np.unique(labels[labels > 0]):
        inside = labels == label
        seen, seen_name, fraction = "", "", float("nan")
        for date, name, heights in ordered[1:]:
            valid = inside & np.isfinite(heights) & np.isfinite(ref)
            if not valid.any():
                continue
            changed = np.abs(heights[valid] - ref[valid]) > threshold_m
            fraction = float(changed.mean())
            if fraction >= min_fraction:
                seen, seen_name = date.isoformat(), str(name)
                break
        rows.append(
            {
                "source_label": int(label),
                "reference_date": ref_date.isoformat(),
                "reference_name": str(ref_name),
                "first_seen": seen,
                "first_seen_name": seen_name,
                "disturbed_fraction": fraction,
            }
        )
    return pd.DataFrame(
        rows,
        columns=["source_label", "reference_date", "reference_name", "first_seen", "first_seen_name", "disturbed_fraction"],
    )


def order_text(first: str, act_start: str, act_end: str, sampled: str) -> str:
    """The time order of one damaged point as a fact: the dates side by side, compared.

    >>> order_text("2025-06-01", "2024-04-01", "2025-10-31", "2026-03-15")
    'disturbance first seen 2025-06-01; act 2024-04-01 to 2025-10-31; sampled 2026-03-15; seen before sampling: yes'
    """
    parts = [f"disturbance first seen {first or 'not seen'}"]
    if act_start or act_end:
        parts.append(f"act {act_start or '?'} to {act_end or '?'}")
    parts.append(f"sampled {sampled or 'date not given'}")
    if first and sampled:
        parts.append("seen before sampling: " + ("yes" if first <= sampled else "no"))
    return "; ".join(parts)


def dates_from(mapping: Mapping) -> list:
    """``{name: date}`` as sorted ``(date, name)`` pairs (dates parsed)."""
    return sorted((parse_date(value, f"date of {name}"), name) for name, value in mapping.items())


def dated_files(table_path, kind: str = "DEM") -> list:
    """The dated rasters of an image-date table: ``(date, name, path)`` for the rows of ``kind``.

    Parameters
    ----------
    table_path : path-like
        CSV (UTF-8) with columns ``file`` (relative to the table's folder, or absolute),
        ``date`` (YYYY-MM-DD) and ``kind`` (e.g. ``DEM``, ``mosaic``).
    kind : str
        The rows to take (case-insensitive).

    Returns
    -------
    list of (datetime.date, str, pathlib.Path)

    Raises
    ------
    InputError
        A missing column, a bad date or a missing file, naming the row.
    """
    from pathlib import Path

    path = Path(table_path)
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str).fillna("")
    except Exception as exc:  # pandas raises several parser errors
        raise InputError(f"cannot read the image-date table: {exc}", layer=path.name) from exc
    for column in ("file", "date", "kind"):
        if column not in frame.columns:
            raise InputError(f"column {column!r} missing (file, date, kind)", layer=path.name, column=column)
    out = []
    for i, row in enumerate(frame.to_dict("records")):
        if row["kind"].strip().lower() != kind.lower():
            continue
        file = Path(row["file"].strip())
        file = file if file.is_absolute() else path.parent / file
        if not file.is_file():
            raise InputError(f"file {row['file']!r} not found", layer=path.name, row=i + 2, column="file")
        try:
            date = parse_date(row["date"], "date")
        except InputError as exc:
            raise InputError(str(exc), layer=path.name, row=i + 2, column="date") from None
        out.append((date, file.name, file))
    return out
