"""Time order: when the disturbance of each source area is first seen on dated DEMs or images.

The earliest DEM (image) is the reference. On each later DEM a cell is disturbed where the
height changed by more than ``threshold_m``; on each later image where a cell vegetated on
the reference image is bare (the vegetation index against each image's Otsu threshold). A
source area is seen disturbed on the first date where at least ``min_fraction`` of its cells
are. The dates come from the user (image or survey dates); nothing is read from file times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

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


TIMING_COLUMNS = ("source_label", "reference_date", "reference_name", "first_seen", "first_seen_name",
                  "disturbed_fraction", "basis")
"""Columns of :func:`first_seen` and :func:`first_seen_vegetation_lost`."""


def first_seen(
    dated_heights: Sequence[tuple],
    labels: np.ndarray,
    *,
    threshold_m: float = 0.5,
    min_fraction: float = 0.05,
) -> pd.DataFrame:
    """Per source label, the first date its area is seen disturbed on dated DEMs.

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
        :data:`TIMING_COLUMNS`: ``source_label``, ``reference_date``, ``reference_name``,
        ``first_seen`` (ISO date or ``""`` when never seen), ``first_seen_name``,
        ``disturbed_fraction`` (on that date, or on the last DEM when never seen) and
        ``basis`` (what counted as disturbance).
    """
    if len(dated_heights) < 2:
        raise InputError("time order needs at least two dated DEMs")
    ordered = _on_one_grid(dated_heights, "DEM")
    ref = ordered[0][2]
    changes = [(date, name, np.isfinite(heights) & np.isfinite(ref), np.abs(heights - ref) > threshold_m)
               for date, name, heights in ordered[1:]]
    basis = f"DEM height change > {threshold_m:g} m against the earliest DEM"
    return _first_seen_rows(ordered[0], changes, labels, min_fraction, basis)


def first_seen_vegetation_lost(
    dated_index: Sequence[tuple],
    labels: np.ndarray,
    *,
    index: str,
    thresholds: Mapping,
    min_fraction: float = 0.05,
) -> pd.DataFrame:
    """Per source label, the first date its area is seen stripped of vegetation on dated images.

    A cell is disturbed on a later image where it was vegetated on the earliest image (index
    at or above that image's threshold) and is bare on the later one (index below its own
    threshold): vegetation lost, as ``vegetation_damage`` maps it in change mode.

    Parameters
    ----------
    dated_index : sequence of (datetime.date, str, numpy.ndarray)
        Date, name and the vegetation index (dimensionless, NaN for no data) on one grid, in
        any order (sorted here); at least two.
    labels : numpy.ndarray of int64
        Source label per cell of the same grid (0 outside every source).
    index : str
        The index's name, for the ``basis`` text.
    thresholds : mapping of str -> float
        Image name -> its vegetated/bare threshold (dimensionless).
    min_fraction : float
        Share of the area's cells with data on both images that must be disturbed.

    Returns
    -------
    pandas.DataFrame
        :data:`TIMING_COLUMNS`, as :func:`first_seen`.
    """
    if len(dated_index) < 2:
        raise InputError("time order needs at least two dated images")
    ordered = _on_one_grid(dated_index, "image")
    _, ref_name, ref = ordered[0]
    vegetated = ref >= thresholds[ref_name]
    changes = [(date, name, np.isfinite(values) & np.isfinite(ref), vegetated & (values < thresholds[name]))
               for date, name, values in ordered[1:]]
    threshold_text = ", ".join(f"{name} {thresholds[name]:.4g}" for _, name, _ in ordered)
    basis = (f"vegetation lost: {index} at or above the threshold on the earliest image, below it later "
             f"(Otsu threshold of each image: {threshold_text})")
    return _first_seen_rows(ordered[0], changes, labels, min_fraction, basis)


def _on_one_grid(dated: Sequence[tuple], kind: str) -> list:
    ordered = sorted(dated, key=lambda item: item[0])
    ref_date, ref_name, ref = ordered[0]
    for date, name, values in ordered[1:]:
        if values.shape != ref.shape:
            raise InputError(f"{kind} {name!r} ({date}) is not on the grid of {ref_name!r}", layer=str(name))
    return ordered


def _first_seen_rows(reference: tuple, changes: list, labels: np.ndarray, min_fraction: float,
                     basis: str) -> pd.DataFrame:
    """Rows of :data:`TIMING_COLUMNS` from (date, name, valid, disturbed) masks, sorted by date."""
    ref_date, ref_name, _ = reference
    rows = []
    for label in np.unique(labels[labels > 0]):
        inside = labels == label
        seen, seen_name, fraction = "", "", float("nan")
        for date, name, valid, disturbed in changes:
            valid_inside = inside & valid
            if not valid_inside.any():
                continue
            fraction = float(disturbed[valid_inside].mean())
            if fraction >= min_fraction:
                seen, seen_name = date.isoformat(), str(name)
                break
        rows.append({"source_label": int(label), "reference_date": ref_date.isoformat(),
                     "reference_name": str(ref_name), "first_seen": seen, "first_seen_name": seen_name,
                     "disturbed_fraction": fraction, "basis": basis})
    return pd.DataFrame(rows, columns=list(TIMING_COLUMNS))


def index_on_grid(path, transform, shape: tuple, epsg: int, *, index: str = "exg", bands=None):
    """A vegetation index of an image, resampled onto a grid (average of the image's pixels).

    Parameters
    ----------
    path : path-like
        An RGB(A) or multispectral GeoTIFF, any CRS; band roles from the file
        (:func:`~ree_damage.core.imagery.indices.band_mapping`) or ``bands``.
    transform : affine.Affine
        North-up transform of the grid, in ``epsg``.
    shape : tuple of int
        ``(rows, cols)`` of the grid.
    epsg : int
        The grid's CRS.
    index : str
        ``exg``, ``exgr``, ``gli``/``vdvi``, ``vari`` or ``ndvi``.
    bands : mapping of str -> int, optional
        Band roles chosen by the user (1-based), over the file's.

    Returns
    -------
    tuple of (numpy.ndarray, float)
        The index (float32, dimensionless, NaN where the image has no data, alpha 0 or no
        coverage) and its Otsu threshold (dimensionless), computed on the grid's values.
    """
    import rasterio
    from rasterio.warp import Resampling, reproject

    from ..imagery.indices import (
        band_mapping,
        bin_edges,
        check_bands,
        compute_index,
        histogram,
        index_spec,
        otsu_threshold,
    )

    name = Path(path).name
    spec = index_spec(index)
    try:
        opened = rasterio.open(path)
    except Exception as exc:  # rasterio raises RasterioIOError and friends
        raise InputError(f"cannot open the image: {exc}", layer=name) from exc
    with opened:
        if opened.crs is None:
            raise InputError("the image has no coordinate reference system", layer=name)
        mapping = band_mapping(opened.count, [c.name for c in opened.colorinterp], opened.descriptions,
                                    bands, layer=name)
        check_bands(mapping, spec, layer=name)
        valid = np.zeros(shape, dtype="float32")
        # share of each grid cell covered by valid pixels: the dataset mask (nodata, alpha) averaged
        reproject(source=opened.dataset_mask().astype("float32") / 255.0, destination=valid,
                  src_transform=opened.transform, src_crs=opened.crs, dst_transform=transform,
                  dst_crs=f"EPSG:{epsg}", dst_nodata=0.0, resampling=Resampling.average)
        values = {}
        for role in spec.bands:
            band = np.full(shape, np.nan, dtype="float32")
            reproject(source=rasterio.band(opened, mapping[role]), destination=band, src_transform=opened.transform,
                      src_crs=opened.crs, src_nodata=opened.nodata, dst_transform=transform, dst_crs=f"EPSG:{epsg}",
                      dst_nodata=np.nan, resampling=Resampling.average)
            values[role] = band
    result = compute_index(spec.name, values)
    result[valid < 0.5] = np.nan  # mostly outside the image or masked
    if not np.isfinite(result).any():
        raise InputError("the image does not cover the source areas", layer=name)
    threshold = otsu_threshold(histogram(result, spec), bin_edges(spec))
    return result, float(threshold)


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
