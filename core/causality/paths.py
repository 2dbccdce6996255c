"""Migration paths: D8 downslope paths from the source areas to the damaged points, and
groundwater down-gradient from well heads.

The surface path is the D8 routing of :func:`ree_damage.core.geo.flow.fill_and_route`
(depressions filled, the same routing as the functional zones): every cell of a source
area (INJ, SETL) sends its leachate to its steepest lower neighbour, and so on to an
outlet. A point is **on** a path when its cell, or a cell within ``tolerance_m`` of it,
is passed by a path; **below** a path when it is not on one but a path cell within
``search_m`` lies higher than the point on the filled surface (leachate spreading
sideways or overflowing reaches it downhill); otherwise **off** the paths.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
import pandas as pd

from ..common.errors import InputError
from ..common.progress import check_canceled
from ..geo.raster_io import apply_affine

STATUS_ON = "on_path"
STATUS_BELOW = "below_path"
STATUS_OFF = "off_path"
STATUS_OUTSIDE = "outside_dem"


def path_distances(receivers: np.ndarray, labels: np.ndarray, cell_size: float, shape, is_canceled=None):
    """Length along the D8 path from the nearest upstream source cell, for every cell.

    Parameters
    ----------
    receivers : numpy.ndarray of int64
        Flat receiver index per cell, -1 at outlets (:func:`~ree_damage.core.geo.flow.fill_and_route`).
    labels : numpy.ndarray of int64
        Flat source label per cell (> 0 inside a source area, 0 elsewhere).
    cell_size : float
        m.
    shape : tuple
        ``(rows, cols)`` of the grid.

    Returns
    -------
    distance : numpy.ndarray
        m along the path (0 inside a source), inf where no path passes.
    source : numpy.ndarray of int64
        The label of the source whose path is shortest to the cell (0 where none).
    origin : numpy.ndarray of int64
        The flat index of the source cell that path starts from (-1 where none).

    Examples
    --------
    >>> rec = np.array([1, 2, -1])
    >>> d, s, o = path_distances(rec, np.array([1, 0, 0]), 2.0, (1, 3))
    >>> d.tolist(), s.tolist(), o.tolist()
    ([0.0, 2.0, 4.0], [1, 1, 1], [0, 0, 0])
    """
    rows, cols = shape
    n = receivers.size
    distance = np.full(n, np.inf)
    source = np.zeros(n, dtype=np.int64)
    origin = np.full(n, -1, dtype=np.int64)
    start = np.flatnonzero(labels > 0)
    distance[start] = 0.0
    source[start] = labels[start]
    origin[start] = start
    front = start
    steps = 0
    while front.size:
        nxt = receivers[front]
        keep = nxt >= 0
        frm, to = front[keep], nxt[keep]
        dr = np.abs(to // cols - frm // cols)
        dc = np.abs(to % cols - frm % cols)
        step = np.where((dr > 0) & (dc > 0), cell_size * math.sqrt(2.0), cell_size)
        candidate = distance[frm] + step
        # the shortest arrival per target cell, then only where it improves
        order = np.lexsort((candidate, to))
        to, candidate, frm = to[order], candidate[order], frm[order]
        first = np.ones(to.size, dtype=bool)
        first[1:] = to[1:] != to[:-1]
        to, candidate, frm = to[first], candidate[first], frm[first]
        better = candidate < distance[to] - 1e-9
        to, candidate, frm = to[better], candidate[better], frm[better]
        distance[to] = candidate
        source[to] = source[frm]
        origin[to] = origin[frm]
        front = to
        steps += 1
        if steps % 256 == 0:
            check_canceled(is_canceled)
        if steps > 4 * n:  # a receiver cycle would be a bug; never loop forever
            raise RuntimeError("path tracing did not terminate")
    return distance, source, origin


def trace_cells(receivers: np.ndarray, start: int, end: int) -> list:
    """The flat cells from ``start`` down its D8 path to ``end`` (inclusive); [] if not reached."""
    cells = [int(start)]
    current = int(start)
    limit = receivers.size
    while current != end:
        current = int(receivers[current])
        if current < 0 or len(cells) > limit:
            return []
        cells.append(current)
    return cells


def classify_points(
    rows: np.ndarray,
    cols: np.ndarray,
    distance: np.ndarray,
    source: np.ndarray,
    filled: np.ndarray,
    cell_size: float,
    *,
    tolerance_m: float,
    search_m: float,
) -> pd.DataFrame:
    """On, below or off the paths for points at grid cells ``rows, cols``.

    Parameters
    ----------
    rows, cols : numpy.ndarray of int
        The cell of each point (-1 or beyond the grid: outside the DEM).
    distance, source : numpy.ndarray
        From :func:`path_distances`, reshaped to the grid.
    filled : numpy.ndarray
        The depression-filled heights, m.
    cell_size : float
        m.
    tolerance_m : float
        A path cell within this distance of the point (m) counts as on the path (GPS
        error and the D8 path's one-cell width).
    search_m : float
        Path cells within this distance (m) higher than the point make it below a path.

    Returns
    -------
    pandas.DataFrame
        ``path_status``, ``source_label``, ``path_distance_m`` (m along the path from the
        source to the path cell nearest the point), ``offset_m`` (m from the point's cell
        to that path cell), ``path_row``, ``path_col``.
    """
    nrows, ncols = distance.shape
    count = len(rows)
    status = np.full(count, STATUS_OFF, dtype=object)
    label = np.zeros(count, dtype=np.int64)
    along = np.full(count, np.nan)
    offset = np.full(count, np.nan)
    prow = np.full(count, -1, dtype=np.int64)
    pcol = np.full(count, -1, dtype=np.int64)
    radius = int(math.ceil(search_m / cell_size))
    for i in range(count):
        r, c = int(rows[i]), int(cols[i])
        if not (0 <= r < nrows and 0 <= c < ncols) or not np.isfinite(filled[r, c]):
            status[i] = STATUS_OUTSIDE
            continue
        r0, r1 = max(r - radius, 0), min(r + radius + 1, nrows)
        c0, c1 = max(c - radius, 0), min(c + radius + 1, ncols)
        window = distance[r0:r1, c0:c1]
        rr, cc = np.nonzero(np.isfinite(window))
        if rr.size == 0:
            continue
        rr, cc = rr + r0, cc + c0
        gap = np.hypot(rr - r, cc - c) * cell_size
        near = gap <= tolerance_m + 1e-9
        if near.any():
            candidates = np.flatnonzero(near)
            best = candidates[np.lexsort((distance[rr[candidates], cc[candidates]], gap[candidates]))[0]]
            status[i] = STATUS_ON
        else:
            within = gap <= search_m + 1e-9
            higher = within & (filled[rr, cc] > filled[r, c])
            if not higher.any():
                continue
            candidates = np.flatnonzero(higher)
            best = candidates[np.argmin(gap[candidates])]
            status[i] = STATUS_BELOW
        prow[i], pcol[i] = rr[best], cc[best]
        label[i] = source[rr[best], cc[best]]
        along[i] = distance[rr[best], cc[best]]
        offset[i] = gap[best]
    return pd.DataFrame(
        {
            "path_status": status,
            "source_label": label,
            "path_distance_m": along,
            "offset_m": offset,
            "path_row": prow,
            "path_col": pcol,
        }
    )


def down_gradient(wells_xy: np.ndarray, heads_m: np.ndarray, sources_xy: np.ndarray) -> dict:
    """Groundwater flow direction from well heads (a plane fitted by least squares) and,
    per well and source, whether the well lies down-gradient of the source.

    Parameters
    ----------
    wells_xy : numpy.ndarray, shape (n, 2)
        Well coordinates, m (zone CRS).
    heads_m : numpy.ndarray, shape (n,)
        Groundwater heads, m (1985 height datum); at least 3 wells not on one line.
    sources_xy : numpy.ndarray, shape (k, 2)
        Source centroids, m.

    Returns
    -------
    dict
        ``gradient`` (dimensionless, m/m), ``azimuth_deg`` (flow direction, clockwise from
        grid north), ``head_at_source_m`` (k,), ``down`` (n, k) bool: the well lies on the
        downstream side of the line through the source across the flow, ``along_m`` (n, k)
        m along the flow direction from the source to the well.

    Examples
    --------
    >>> wells = np.array([[0., 0.], [100., 0.], [0., 100.]])
    >>> heads = np.array([10., 10., 9.])          # falls towards +y (north)
    >>> out = down_gradient(wells, heads, np.array([[0., 50.]]))
    >>> round(out["azimuth_deg"], 1), out["down"][:, 0].tolist()
    (0.0, [False, False, True])
    """
    wells_xy = np.asarray(wells_xy, dtype=float)
    heads_m = np.asarray(heads_m, dtype=float)
    ok = np.isfinite(heads_m) & np.isfinite(wells_xy).all(axis=1)
    if ok.sum() < 3:
        raise InputError("at least 3 wells with a head are needed for the groundwater gradient", layer="wells")
    x0, y0 = wells_xy[ok].mean(axis=0)
    design = np.column_stack([np.ones(ok.sum()), wells_xy[ok, 0] - x0, wells_xy[ok, 1] - y0])
    if np.linalg.matrix_rank(design) < 3:
        raise InputError("the wells with a head lie on one line: no gradient can be fitted", layer="wells")
    (a, b, c), *_ = np.linalg.lstsq(design, heads_m[ok], rcond=None)
    gradient = math.hypot(b, c)
    flow = np.array([-b, -c]) / gradient if gradient > 0 else np.array([0.0, 0.0])
    sources_xy = np.asarray(sources_xy, dtype=float).reshape(-1, 2)
    head_at_source = a + b * (sources_xy[:, 0] - x0) + c * (sources_xy[:, 1] - y0)
    along = (wells_xy[:, None, :] - sources_xy[None, :, :]) @ flow
    return {
        "gradient": gradient,
        "azimuth_deg": round(math.degrees(math.atan2(flow[0], flow[1])), 9) % 360.0,  # -1e-15 is north, not 360
        "head_at_source_m": head_at_source,
        "down": along > 0,
        "along_m": along,
    }


def cell_of(transform, x, y, shape) -> tuple:
    """Row and column of points ``x, y`` (m) on a north-up grid; -1 outside."""
    col, row = apply_affine(~transform, np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    row = np.floor(row).astype(np.int64)
    col = np.floor(col).astype(np.int64)
    outside = (row < 0) | (row >= shape[0]) | (col < 0) | (col >= shape[1])
    row[outside] = -1
    col[outside] = -1
    return row, col


def cell_centres(transform, rows, cols) -> tuple:
    """x, y (m) of cell centres."""
    x, y = apply_affine(transform, np.asarray(cols, dtype=float) + 0.5, np.asarray(rows, dtype=float) + 0.5)
    return np.asarray(x), np.asarray(y)


def optional_float(value) -> Optional[float]:
    """A float or None for NaN / missing."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


ZONE_CODES = ("PREP", "INJ", "COLL", "SETL", "CTRL")


def zones_of_points(points, zones=None, zone_field: str = "zone", id_field: str = "sample_id"):
    """The functional zone of each point: its own ``zone_field`` when it has one, else the
    zone polygon it lies in, else the zone code in its id (``INJ-003-50``, ``R-INJ-003-50``).

    Returns
    -------
    numpy.ndarray of str
        ``""`` where none of the three says.
    """
    import re

    import shapely

    count = len(points)
    out = np.full(count, "", dtype=object)
    if zone_field in points.columns:
        out[:] = points[zone_field].fillna("").astype(str).to_numpy()
    missing = out == ""
    if missing.any() and zones is not None and len(zones) and zone_field in zones.columns:
        geoms = zones.to_crs(points.crs).geometry.values if points.crs is not None and zones.crs is not None \
            else zones.geometry.values
        codes = zones[zone_field].astype(str).to_numpy()
        tree = shapely.STRtree(geoms)
        index = np.flatnonzero(missing)
        pairs = tree.query(points.geometry.values[index], predicate="intersects")
        for point_i, zone_i in zip(pairs[0][::-1], pairs[1][::-1]):  # the first zone listed wins
            out[index[point_i]] = codes[zone_i]
    pattern = re.compile(r"(?:^|-)(" + "|".join(ZONE_CODES) + r")(?:-|$)")
    if id_field in points.columns:
        for i in np.flatnonzero(out == ""):
            found = pattern.search(str(points[id_field].iat[i]))
            out[i] = found.group(1) if found else ""
    return out
