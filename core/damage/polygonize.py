"""Raster patches to polygons: connected cells of equal value, holes kept, areas exact.

A *patch* is a 4-connected group of cells of one non-zero value (cells touching only at
a corner are separate patches, as in GDAL's polygonize by default), so every polygon is
valid: no ring touches itself. Its polygon follows the cell edges; only corner vertices
are kept; holes are kept; exteriors are counter-clockwise, holes clockwise (map
coordinates). Its area is its cell count x the cell area (m2), exactly.

Two implementations give the same patches:

* the compiled one (numba, when :func:`ree_damage.core.common.kernels.enabled`): the
  patches come from the runs of equal values of each row joined by union-find (no label
  raster), each ring is traced once along the cell edges from its first top edge in
  scan order, turning right first (4-connectivity), and knows its patch from the run
  holding its first cell, so holes need no point-in-polygon search; memory: the value
  raster, one byte per cell edge column for the visited marks, the runs and the rings;
* the fallback: :func:`rasterio.features.shapes` (GDAL's polygonize) and
  :func:`scipy.ndimage.label` for the minimum mapping unit.

Examples
--------
>>> from affine import Affine
>>> v = np.array([[1, 1, 0], [1, 0, 0], [0, 0, 2]], dtype=np.uint8)
>>> p = polygonize(v, Affine(2.0, 0, 100.0, 0, -2.0, 50.0))
>>> p.values.tolist(), p.cells.tolist(), p.area_m2.tolist()
([1, 2], [3, 1], [12.0, 4.0])
>>> p.geometry[0].wkt
'POLYGON ((100 50, 100 46, 102 46, 102 48, 104 48, 104 50, 100 50))'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..common import kernels


@dataclass
class Patches:
    """Polygons of the patches of a raster.

    Attributes
    ----------
    values : numpy.ndarray
        Cell value of each patch.
    cells : numpy.ndarray of int64
        Number of cells of each patch.
    area_m2 : numpy.ndarray of float64
        Area of each patch (m2): cells x cell area.
    geometry : numpy.ndarray of shapely.Polygon
        One polygon per patch, in the raster's coordinates; holes kept.
    """

    values: np.ndarray
    cells: np.ndarray
    area_m2: np.ndarray
    geometry: np.ndarray

    def __len__(self) -> int:
        return len(self.values)


def cell_area(transform) -> float:
    """Area of one cell (m2) of a north-up transform."""
    return abs(float(transform.a) * float(transform.e))


def min_cells_for(min_area_m2: float, transform) -> int:
    """Smallest cell count whose area reaches ``min_area_m2`` (0 or less: 1 cell)."""
    if not min_area_m2 or min_area_m2 <= 0:
        return 1
    return max(1, int(np.ceil(min_area_m2 / cell_area(transform) - 1e-9)))


# ----------------------------------------------------------------------------- kernels
def _count_runs(v):
    h, w = v.shape
    n = 0
    for i in range(h):
        prev = 0
        for j in range(w):
            x = v[i, j]
            if x != 0 and x != prev:
                n += 1
            prev = x
    return n


def _find(parent, a):
    root = a
    while parent[root] != root:
        root = parent[root]
    while parent[a] != root:
        nxt = parent[a]
        parent[a] = root
        a = nxt
    return root


def _runs(v):
    """Runs of equal non-zero values per row joined into 4-connected patches.

    Returns (row_first, start, end, root, comp_of_root, n_comps, comp_cells, comp_value_run).
    """
    h, w = v.shape
    n = _count_runs(v)
    start = np.empty(n, np.int32)
    end = np.empty(n, np.int32)
    row_first = np.empty(h + 1, np.int64)
    parent = np.arange(n).astype(np.int64)
    k = 0
    for i in range(h):
        row_first[i] = k
        j = 0
        while j < w:
            x = v[i, j]
            if x == 0:
                j += 1
                continue
            s = j
            while j < w and v[i, j] == x:
                j += 1
            start[k] = s
            end[k] = j
            k += 1
        if i > 0:
            # join with the runs of the row above that overlap and have the same value
            a = row_first[i - 1]
            a_end = row_first[i]
            for b in range(row_first[i], k):
                while a < a_end and end[a] <= start[b]:
                    a += 1
                c = a
                while c < a_end and start[c] < end[b]:
                    if v[i - 1, start[c]] == v[i, start[b]]:
                        ra = _find(parent, c)
                        rb = _find(parent, b)
                        if ra != rb:
                            if ra < rb:
                                parent[rb] = ra
                            else:
                                parent[ra] = rb
                    c += 1
    row_first[h] = k
    comp = np.full(n, -1, np.int64)
    n_comps = 0
    root = np.empty(n, np.int64)
    for r in range(n):
        rr = _find(parent, r)
        root[r] = rr
        if comp[rr] < 0:
            comp[rr] = n_comps
            n_comps += 1
    cells = np.zeros(n_comps, np.int64)
    first_run = np.empty(n_comps, np.int64)
    for r in range(n):
        c = comp[root[r]]
        if cells[c] == 0:
            first_run[c] = r
        cells[c] += end[r] - start[r]
    run_comp = np.empty(n, np.int64)
    for r in range(n):
        run_comp[r] = comp[root[r]]
    row_of = np.empty(n, np.int64)
    for i in range(h):
        for r in range(row_first[i], row_first[i + 1]):
            row_of[r] = i
    return row_first, start, end, run_comp, cells, first_run, row_of


def _sieve(v, row_first, start, end, run_comp, keep, row_of):
    """Zero the runs of the patches not kept (in place)."""
    for r in range(len(start)):
        if not keep[run_comp[r]]:
            i = row_of[r]
            for j in range(start[r], end[r]):
                v[i, j] = 0


def _cell(v, i, j):
    h, w = v.shape
    if i < 0 or j < 0 or i >= h or j >= w:
        return 0
    return v[i, j]


def _edge(v, i, j, d, region):
    """Is there a boundary edge of ``region`` leaving vertex (i, j) in direction d?

    d: 0 east, 1 south, 2 west, 3 north (row index grows southwards); the region lies on
    the right of the edge (screen orientation).
    """
    if d == 0:
        right, left = _cell(v, i, j), _cell(v, i - 1, j)
    elif d == 1:
        right, left = _cell(v, i, j - 1), _cell(v, i, j)
    elif d == 2:
        right, left = _cell(v, i - 1, j - 1), _cell(v, i, j - 1)
    else:
        right, left = _cell(v, i - 1, j), _cell(v, i - 1, j - 1)
    return right == region and left != region


def _right_cell(i, j, d):
    """The cell on the right of the edge leaving vertex (i, j) in direction d."""
    if d == 0:
        return i, j
    if d == 1:
        return i, j - 1
    if d == 2:
        return i - 1, j - 1
    return i - 1, j


def _comp_of(row_first, start, run_comp, i, j):
    """The patch of a non-zero cell: the run of row i holding column j."""
    lo = row_first[i]
    hi = row_first[i + 1] - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if start[mid] <= j:
            lo = mid
        else:
            hi = mid - 1
    return run_comp[lo]


def _trace(v, row_first, start, end, run_comp):
    """Every ring once: int vertex coordinates (col, row), closed; ring offsets, patch, hole."""
    h, w = v.shape
    visited = np.zeros((h + 1, w), np.uint8)
    cap = 1024
    xs = np.empty(cap, np.int32)
    ys = np.empty(cap, np.int32)
    nv = 0
    rcap = 64
    ring_start = np.empty(rcap + 1, np.int64)
    ring_comp = np.empty(rcap, np.int64)
    ring_hole = np.empty(rcap, np.bool_)
    nr = 0
    di = (0, 1, 0, -1)
    dj = (1, 0, -1, 0)
    for i0 in range(h):
        for j0 in range(w):
            region = v[i0, j0]
            if region == 0 or visited[i0, j0]:
                continue
            if i0 > 0 and v[i0 - 1, j0] == region:
                continue
            # a new ring starts at vertex (i0, j0), going east along the top of cell (i0, j0)
            if nr == rcap:
                rcap *= 2
                ring_start = _grow_i64(ring_start, rcap + 1)
                ring_comp = _grow_i64(ring_comp, rcap)
                ring_hole = _grow_b(ring_hole, rcap)
            ring_start[nr] = nv
            ring_comp[nr] = _comp_of(row_first, start, run_comp, i0, j0)
            area2 = 0
            i, j, d = i0, j0, 0
            px, py = j0, i0
            if nv + 2 > cap:
                cap *= 2
                xs = _grow_i32(xs, cap)
                ys = _grow_i32(ys, cap)
            xs[nv] = j0
            ys[nv] = i0
            nv += 1
            while True:
                if d == 0:
                    visited[i, j] = 1
                i += di[d]
                j += dj[d]
                if _edge(v, i, j, (d + 1) % 4, region):
                    nd = (d + 1) % 4
                    if _edge(v, i, j, (d + 3) % 4, region):
                        # a saddle: the two cells of the region touch at this corner only.
                        # Turning right keeps patches that touch at a corner apart; within
                        # one patch, turning left splits the boundary into simple rings (a
                        # hole touching the shell at a point) instead of one ring touching
                        # itself, which is not a valid polygon
                        ai, aj = _right_cell(i, j, (d + 1) % 4)
                        bi, bj = _right_cell(i, j, (d + 3) % 4)
                        if _comp_of(row_first, start, run_comp, ai, aj) == _comp_of(
                            row_first, start, run_comp, bi, bj
                        ):
                            nd = (d + 3) % 4
                elif _edge(v, i, j, d, region):
                    nd = d
                else:
                    nd = (d + 3) % 4
                if i == i0 and j == j0 and nd == 0:
                    break
                if nd != d:
                    if nv + 2 > cap:
                        cap *= 2
                        xs = _grow_i32(xs, cap)
                        ys = _grow_i32(ys, cap)
                    xs[nv] = j
                    ys[nv] = i
                    nv += 1
                    area2 += px * i - j * py
                    px, py = j, i
                    d = nd
            # close the ring
            xs[nv] = j0
            ys[nv] = i0
            nv += 1
            area2 += px * i0 - j0 * py
            # shells run clockwise on screen (positive in (col, row)), holes the other way
            ring_hole[nr] = area2 < 0
            nr += 1
    ring_start[nr] = nv
    return xs[:nv], ys[:nv], ring_start[: nr + 1], ring_comp[:nr], ring_hole[:nr]


def _grow_i32(a, n):
    b = np.empty(n, np.int32)
    b[: len(a)] = a
    return b


def _grow_i64(a, n):
    b = np.empty(n, np.int64)
    b[: len(a)] = a
    return b


def _grow_b(a, n):
    b = np.empty(n, np.bool_)
    b[: len(a)] = a
    return b


def _assemble(xs, ys, ring_start, order, keep_ring, c, a, f, e, reverse):
    """Map coordinates of the rings in ``order`` (kept ones), each reversed if asked."""
    total = 0
    for k in order:
        if keep_ring[k]:
            total += ring_start[k + 1] - ring_start[k]
    out = np.empty((total, 2), np.float64)
    offsets = np.empty(len(order) + 1, np.int64)
    offsets[0] = 0
    n = 0
    m = 0
    for k in order:
        if not keep_ring[k]:
            continue
        s, t = ring_start[k], ring_start[k + 1]
        for q in range(t - s):
            src = t - 1 - q if reverse else s + q
            out[n, 0] = c + a * xs[src]
            out[n, 1] = f + e * ys[src]
            n += 1
        m += 1
        offsets[m] = n
    return out, offsets[: m + 1]


_compiled = {}


def _kernels():
    """The compiled kernels (compiled on first use, cached on disk)."""
    if not _compiled:
        from numba import njit

        jit = njit(cache=True, nogil=True)
        g = globals()
        for name in ("_count_runs", "_find", "_cell", "_edge", "_right_cell", "_comp_of", "_grow_i32", "_grow_i64", "_grow_b"):
            g[name] = jit(g[name])
        for name in ("_runs", "_sieve", "_trace", "_assemble"):
            _compiled[name] = jit(g[name])
    return _compiled


def compiled_available() -> bool:
    """True when the compiled polygoniser can run (numba present and not switched off)."""
    return kernels.enabled()


def warm_up() -> None:
    """Load (or compile) the compiled polygoniser now, not on the first real call."""
    if compiled_available():
        polygonize(np.ones((2, 2), np.uint8), _unit_transform())


def _unit_transform():
    from affine import Affine

    return Affine(1.0, 0.0, 0.0, 0.0, -1.0, 0.0)


# ----------------------------------------------------------------------------- public
def _check_values(values) -> np.ndarray:
    v = np.asarray(values)
    if v.ndim != 2:
        raise ValueError(f"a 2-D raster is needed, not shape {v.shape}")
    if v.dtype == np.bool_:
        v = v.view(np.uint8)
    if not np.issubdtype(v.dtype, np.integer):
        raise ValueError(f"patch values must be integers (0 = no patch), not {v.dtype}")
    return v


def sieve(values, transform, min_area_m2: float, *, compiled: Optional[bool] = None) -> np.ndarray:
    """Zero the patches smaller than a minimum mapping unit, in place; returns ``values``.

    Parameters
    ----------
    values : numpy.ndarray of int or bool (rows, cols)
        0 = no patch; modified in place.
    transform : affine.Affine
        The raster's north-up transform (cell size in m).
    min_area_m2 : float
        Minimum mapping unit (m2): a patch of fewer cells than this area is dropped.
    compiled : bool, optional
        Force (True) or forbid (False) the compiled kernels; default: when available.
    """
    v = _check_values(values)
    min_cells = min_cells_for(min_area_m2, transform)
    if min_cells <= 1 or v.size == 0:
        return values
    if compiled is None:
        compiled = compiled_available()
    if compiled:
        k = _kernels()
        row_first, start, end, run_comp, cells, _first, row_of = k["_runs"](v)
        k["_sieve"](v, row_first, start, end, run_comp, cells >= min_cells, row_of)
        return values
    from scipy import ndimage

    for value in np.unique(v[v != 0]):
        labels, n = ndimage.label(v == value)
        counts = np.bincount(labels.ravel(), minlength=n + 1)
        small = counts < min_cells
        small[0] = False
        v[small[labels]] = 0
    return values


def polygonize(
    values,
    transform,
    *,
    min_area_m2: float = 0.0,
    compiled: Optional[bool] = None,
) -> Patches:
    """Polygons of the 4-connected patches of equal non-zero value, holes kept.

    Parameters
    ----------
    values : numpy.ndarray of int or bool (rows, cols)
        Patch values; 0 = no patch. Not modified.
    transform : affine.Affine
        North-up transform of the raster (cell size in m).
    min_area_m2 : float
        Minimum mapping unit (m2): smaller patches are left out.
    compiled : bool, optional
        Force (True) or forbid (False) the compiled kernels; default: when available.

    Returns
    -------
    Patches
        In scan order of each patch's first cell (top row first, then left to right).
    """
    import shapely

    v = _check_values(values)
    if compiled is None:
        compiled = compiled_available()
    area = cell_area(transform)
    min_cells = min_cells_for(min_area_m2, transform)
    if not compiled:
        return _polygonize_gdal(v, transform, min_cells, area)
    k = _kernels()
    v = np.ascontiguousarray(v)
    row_first, start, end, run_comp, cells, first_run, row_of = k["_runs"](v)
    xs, ys, ring_start, ring_comp, ring_hole = k["_trace"](v, row_first, start, end, run_comp)
    keep = cells >= min_cells
    # rings grouped by patch, its shell first (the patch order is the scan order)
    order = np.lexsort((ring_hole, ring_comp))
    keep_ring = keep[ring_comp]
    t = transform
    # shells are traced clockwise as the map is drawn (north up): reversed to run
    # counter-clockwise, holes clockwise
    coords, ring_offsets = k["_assemble"](
        xs, ys, ring_start, order, keep_ring, float(t.c), float(t.a), float(t.f), float(t.e), bool(t.e < 0)
    )
    kept_comp = ring_comp[order][keep_ring[order]]
    n_poly = int(keep.sum())
    rings_per = np.bincount(kept_comp, minlength=len(cells))[keep]
    poly_offsets = np.zeros(n_poly + 1, np.int64)
    np.cumsum(rings_per, out=poly_offsets[1:])
    if n_poly:
        geometry = shapely.from_ragged_array(
            shapely.GeometryType.POLYGON, coords, (ring_offsets, poly_offsets)
        )
    else:
        geometry = np.empty(0, dtype=object)
    comp_rows = row_of[first_run[keep]]
    comp_cols = start[first_run[keep]]
    patch_values = v[comp_rows, comp_cols] if n_poly else np.empty(0, v.dtype)
    kept_cells = cells[keep]
    return Patches(patch_values, kept_cells, kept_cells * area, np.asarray(geometry, dtype=object))


def _polygonize_gdal(v, transform, min_cells, area) -> Patches:
    """The fallback: GDAL's polygonize (rasterio) on the sieved raster."""
    import shapely
    from rasterio.features import shapes

    if min_cells > 1:
        v = sieve(v.copy(), transform, min_cells * area - 1e-9 * area, compiled=False)
    if v.dtype not in (np.uint8, np.int16, np.uint16, np.int32) and (
        v.size and (int(v.max()) > np.iinfo(np.int32).max or int(v.min()) < np.iinfo(np.int32).min)
    ):
        # GDAL's polygonize reads 32-bit integers at most: polygonize patch ids instead
        codes, inverse = np.unique(v, return_inverse=True)
        ids = inverse.reshape(v.shape).astype(np.int32)
        zero = np.flatnonzero(codes == 0)
        ids_mask = ids != (zero[0] if len(zero) else -1)
        pairs = [(g, codes[int(x)]) for g, x in shapes(ids, mask=ids_mask, connectivity=4, transform=transform)]
    else:
        src = v if v.dtype in (np.uint8, np.int16, np.uint16, np.int32) else v.astype(np.int32)
        pairs = list(shapes(src, mask=src != 0, connectivity=4, transform=transform))
    if not pairs:
        return Patches(np.empty(0, v.dtype), np.empty(0, np.int64), np.empty(0), np.empty(0, dtype=object))
    geoms = np.array([shapely.geometry.shape(g) for g, _ in pairs], dtype=object)
    geoms = shapely.orient_polygons(geoms) if hasattr(shapely, "orient_polygons") else geoms
    vals = np.array([x for _, x in pairs]).astype(v.dtype)
    cells = np.rint(shapely.area(geoms) / area).astype(np.int64)
    # scan order of each patch's first cell: top edge first, then west
    b = shapely.bounds(geoms)
    first_row = np.rint((b[:, 3] - transform.f) / transform.e)
    top_left_x = np.array([_first_cell_x(g, y) for g, y in zip(geoms, b[:, 3])])
    order = np.lexsort((top_left_x, first_row))
    return Patches(vals[order], cells[order], cells[order] * area, geoms[order])


def _first_cell_x(polygon, top_y) -> float:
    """x of the westernmost vertex on the polygon's top edge."""
    xy = np.asarray(polygon.exterior.coords)
    return float(xy[np.abs(xy[:, 1] - top_y) < 1e-6, 0].min())
