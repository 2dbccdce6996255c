"""Inverse distance weighting onto a grid or onto points.

``z(x) = sum_i w_i z_i / sum_i w_i`` with ``w_i = d_i ** -power`` over the chosen
neighbours of x: the k nearest (default 12), the k nearest within a radius, every point
within a radius, or all points (global IDW, what QGIS's ``qgis:idwinterpolation`` does;
its "distance coefficient" is ``power``). A cell centre that coincides with a data
point takes that point's value.

Grid search uses :class:`ree_damage.core.interp.neighbours.LatticeKNN` (certified exact k
nearest, a few float32 sorts per tile instead of a k-d tree query per cell); weights
of the tiled path are computed in float32 (error within ~1e-6 of the largest |z|, about
the precision of the float32 raster written). Memory is bounded by band size, not by cells x points.

Examples
--------
>>> import numpy as np
>>> xy = np.array([[0.0, 0.0], [10.0, 0.0]])
>>> float(idw_points(xy, [1.0, 3.0], [[5.0, 0.0]], k=None)[0])
2.0
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from scipy.spatial import cKDTree

from ..common import kernels
from ..common.errors import InputError
from ..common.progress import CancelFn, ProgressFn, check_canceled
from .neighbours import LatticeKNN, typical_kth_distance


def _check_params(power, k, radius, min_points):
    if not (np.isfinite(power) and power > 0):
        raise InputError(f"IDW power must be a positive number, not {power!r}", column="power")
    if k is not None and (int(k) != k or k < 1):
        raise InputError(f"IDW neighbour count k must be a positive integer, not {k!r}", column="k")
    if radius is not None and not (np.isfinite(radius) and radius > 0):
        raise InputError(
            f"IDW search radius must be a positive distance in m, not {radius!r}", column="radius"
        )
    if int(min_points) < 1:
        raise InputError("IDW min_points must be at least 1", column="min_points")


def _weights64(d, power):
    """float64 weights from distances (m); a zero distance gets an overwhelming weight."""
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.power(d, -float(power))
    return w


def _combine(w, zz, valid_count, min_points):
    """Weighted mean per row; exact hits (infinite weight) take the hit value."""
    out = np.full(w.shape[0], np.nan)
    hit = np.isinf(w)
    any_hit = hit.any(axis=1)
    if any_hit.any():
        h = hit[any_hit]
        out[any_hit] = (np.where(h, zz[any_hit], 0.0).sum(1)) / h.sum(1)
    rest = ~any_hit
    wr = np.where(np.isfinite(w[rest]), w[rest], 0.0)
    den = wr.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[rest] = (wr * np.nan_to_num(zz[rest])).sum(1) / den
    out[valid_count < min_points] = np.nan
    return out


def idw_points(
    xy,
    z,
    targets,
    *,
    power: float = 2.0,
    k: Optional[int] = 12,
    radius: Optional[float] = None,
    min_points: int = 1,
    leave_one_out: bool = False,
) -> np.ndarray:
    """IDW at arbitrary target points (float64).

    Parameters
    ----------
    xy : array_like, shape (n, 2)
        Data coordinates (m).
    z : array_like, shape (n,)
        Data values.
    targets : array_like, shape (m, 2)
        Where to estimate. With ``leave_one_out`` the targets must be ``xy`` itself and
        each point is estimated from the others (cross-validation).
    power : float
        Distance exponent (QGIS's "distance coefficient P").
    k : int or None
        Number of nearest points; None uses every point (within ``radius`` if given).
    radius : float, optional
        Search radius (m).
    min_points : int
        Fewer points than this within the search gives NaN.

    Returns
    -------
    numpy.ndarray of float64, shape (m,)
    """
    _check_params(power, k, radius, min_points)
    xy = np.asarray(xy, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    targets = np.atleast_2d(np.asarray(targets, dtype=np.float64))
    n = len(xy)
    extra = 1 if leave_one_out else 0
    if k is None and radius is None:
        out = np.empty(len(targets))
        step = max(1, int(4_000_000 // max(n, 1)))
        for s in range(0, len(targets), step):
            t = targets[s : s + step]
            d = np.sqrt(((t[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
            zz = np.broadcast_to(z, d.shape)
            if leave_one_out:
                d[np.arange(len(t)), np.arange(s, s + len(t))] = np.inf
            w = _weights64(d, power)
            w[np.isinf(d)] = 0.0
            count = np.isfinite(d).sum(1)
            out[s : s + step] = _combine(w, zz, count, min_points)
        return out
    tree = cKDTree(xy)
    if k is None:  # every point within the radius
        counts = tree.query_ball_point(targets, radius, return_length=True)
        kk = int(min(n, max(int(counts.max()), 1)))
    else:
        kk = int(min(n, k + extra))
    d, i = tree.query(targets, k=kk, distance_upper_bound=radius if radius is not None else np.inf)
    if kk == 1:
        d, i = d[:, None], i[:, None]
    if leave_one_out:
        own = i == np.arange(len(targets))[:, None]
        d = np.where(own, np.inf, d)
        if k is not None:
            # drop exactly one column per row: the point itself, else the farthest
            keep = np.ones_like(own)
            drop = np.where(own.any(1), own.argmax(1), kk - 1)
            keep[np.arange(len(targets)), drop] = False
            d = d[keep].reshape(len(targets), kk - 1)
            i = i[keep].reshape(len(targets), kk - 1)
    valid = np.isfinite(d)
    zz = np.where(valid, z[np.minimum(i, n - 1)], 0.0)
    w = _weights64(d, power)
    w[~valid] = 0.0
    return _combine(w, zz, valid.sum(1), min_points)


def idw_grid(
    xy,
    z,
    grid,
    *,
    power: float = 2.0,
    k: Optional[int] = 12,
    radius: Optional[float] = None,
    min_points: int = 1,
    mask: Optional[np.ndarray] = None,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
    workers: Optional[int] = None,
    memory_mb: float = 4.0,
) -> np.ndarray:
    """IDW at every cell centre of a grid.

    Parameters
    ----------
    xy, z, power, k, radius, min_points
        As in :func:`idw_points`.
    grid : ree_damage.core.geo.raster_io.GridSpec
        Target grid (cell centres).
    mask : numpy.ndarray of bool, optional
        True where values are wanted; other cells are NaN (and skipped).
    progress, is_canceled : callable, optional
        Progress fraction callback and cancel check (between bands).
    workers : int, optional
        Threads (default: CPUs available, at most 4); the result does not depend on it.
    memory_mb : float
        Size of the largest temporary array of a band (MB), per thread.

    Returns
    -------
    numpy.ndarray of float32, shape (rows, cols)
        NaN where masked or where fewer than ``min_points`` points were in reach.
    """
    _check_params(power, k, radius, min_points)
    xy = np.ascontiguousarray(xy, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    if len(xy) == 0:
        raise InputError("IDW needs at least one data point")
    if k is None:
        out = np.full(grid.shape, np.nan, dtype=np.float32)
        _idw_grid_dense(xy, z, grid, out, power, radius, min_points, mask, progress, is_canceled, memory_mb)
        return out
    origin, u, v = grid.lattice()
    # the smallest squared distance is floored so that its weight stays finite in float32
    # and still dominates any other weight (a cell on a data point takes its value)
    tiny = max(1e30 ** (-2.0 / power), 1e-37)
    search = LatticeKNN(xy, k, origin, u, v, grid.shape, memory_mb=memory_mb, tiny=tiny)
    compiled = False
    if kernels.usable("idw_lattice"):
        # the compiled pass costs about the same per candidate at any count: it wins
        # with few points (big tiles, wide margins), numpy's sorts with many
        step = max(float(np.hypot(*u)), float(np.hypot(*v)))
        tile, kc, cost = kernels.lattice_tiling(
            search.n, search.k, typical_kth_distance(xy, search.k), step, grid.shape[0] * grid.shape[1]
        )
        if cost < search.model_cost or kernels.forced():
            search = LatticeKNN(xy, k, origin, u, v, grid.shape, tree=search.tree, tiling=(tile, kc))
            compiled = True
    if compiled:
        out, rows, cols = _idw_grid_compiled(
            search, z, power, radius, min_points, mask, workers, progress, is_canceled
        )
        return _finish_grid(out, rows, cols, search, z, power, radius, min_points, mask)
    zc1 = np.stack([z.astype(np.float32), np.ones(len(z), dtype=np.float32)], axis=1)  # (n, 2)
    half = np.float32(-power / 2.0)
    r2 = np.float32(radius * radius) if radius is not None else None
    tiled = search.new_tiled()

    def work(band):
        d2 = band.d2
        sel = search.buffer("sel", d2.shape, bool)
        np.less_equal(d2, band.thr[..., None], out=sel)
        if r2 is not None:
            sel &= d2 <= r2
        w = search.buffer("w", d2.shape, np.float32)
        if power == 2.0:
            np.divide(sel, d2, out=w, dtype=np.float32)  # 1/d2 where selected, else 0
        else:
            np.power(d2, half, out=w)
            w *= sel
        t, s1, s2, kc = w.shape
        nd = np.matmul(w.reshape(t, s1 * s2, kc), zc1[band.cand])  # (T, s*s, 2): num, den
        with np.errstate(invalid="ignore", divide="ignore"):
            val = (nd[..., 0] / nd[..., 1]).reshape(t, s1, s2)
        if r2 is not None and min_points > 1:
            val[sel.sum(-1) < min_points] = np.nan
        cur = tiled[band.ti, band.tj]
        np.copyto(cur, val, where=band.ok)
        tiled[band.ti, band.tj] = cur
        return search.band_cells(band, ~band.ok) if not band.ok.all() else None

    rows, cols = search.run(work, mask, workers=workers, progress=progress, is_canceled=is_canceled)
    return _finish_grid(search.untile(tiled), rows, cols, search, z, power, radius, min_points, mask)


def _finish_grid(out, rows, cols, search, z, power, radius, min_points, mask):
    """Cells the tiled search could not certify get an exact k-d tree query."""
    if len(rows):
        d, i = search.exact(rows, cols, search.k)
        valid = np.ones(d.shape, dtype=bool) if radius is None else d <= radius
        w = _weights64(d, power)
        w[~valid] = 0.0
        out[rows, cols] = _combine(w, z[i], valid.sum(1), min_points)
    if mask is not None:
        out[~mask] = np.nan
    return out


def _idw_grid_compiled(search, z, power, radius, min_points, mask, workers, progress, is_canceled):
    """The tiled k-nearest IDW in one compiled pass per cell (see :mod:`.kernels`).

    Tile candidates come from the k-d tree (one query per tile, as in the numpy path);
    blocks of tiles are handed to the kernel in turn, for progress and cancellation.
    Returns the grid and the (rows, cols) of the cells left for an exact query.
    """
    from ..common.parallel import default_workers

    threads = default_workers() if workers is None else max(1, int(workers))
    kernels.set_threads(threads)
    out = np.full(search.shape, np.nan, dtype=np.float32)
    failed = np.zeros(search.shape, dtype=bool)
    wanted = np.ones(search.shape, dtype=bool) if mask is None else np.ascontiguousarray(mask, dtype=bool)
    px = np.ascontiguousarray(search.xy[:, 0])
    py = np.ascontiguousarray(search.xy[:, 1])
    zz = np.ascontiguousarray(z, dtype=np.float64)
    r2 = float(radius) ** 2 if radius is not None else np.inf
    lattice = search.kernel_lattice()
    for done, tiles, cand, reach in search.tile_blocks(mask, workers=threads):
        check_canceled(is_canceled)
        kernels.idw_lattice(
            *lattice, tiles, cand, reach, px, py, zz, search.k, float(power), r2, int(min_points), wanted, out,
            failed,
        )  # fmt: skip
        if progress is not None:
            progress(done)
    rows, cols = np.nonzero(failed)
    return out, rows, cols


def _idw_grid_dense(xy, z, grid, out, power, radius, min_points, mask, progress, is_canceled, memory_mb):
    """All points (optionally within a radius) for every cell, band by band of rows."""
    xs = grid.x_centres()
    ys = grid.y_centres()
    n = len(xy)
    rows_per_band = max(1, int(memory_mb * 1e6 // (8 * n * len(xs))))
    for r0 in range(0, len(ys), rows_per_band):
        check_canceled(is_canceled)
        yb = ys[r0 : r0 + rows_per_band]
        dx2 = (xs[:, None] - xy[None, :, 0]) ** 2  # (cols, n)
        dy2 = (yb[:, None] - xy[None, :, 1]) ** 2  # (rows, n)
        d2 = dy2[:, None, :] + dx2[None, :, :]  # (rows, cols, n)
        d = np.sqrt(d2).reshape(-1, n)
        valid = np.ones(d.shape, dtype=bool) if radius is None else d <= radius
        w = _weights64(d, power)
        w[~valid] = 0.0
        zz = np.broadcast_to(z, d.shape)
        vals = _combine(w, zz, valid.sum(1), min_points).reshape(len(yb), len(xs))
        out[r0 : r0 + len(yb)] = vals
        if progress is not None:
            progress(min(1.0, (r0 + len(yb)) / len(ys)))
    if mask is not None:
        out[~mask] = np.nan
