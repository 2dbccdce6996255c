"""Ordinary kriging on a local neighbourhood (the k nearest points), batched.

For every target the k nearest data points (in the anisotropy-transformed plane) are
found, and the ordinary kriging system is solved in PyKrige's form::

    [ -Gamma  1 ] [lambda]   [ -gamma ]
    [  1^T    0 ] [ mu'  ] = [   1    ]

with Gamma the semivariances between the neighbours (0 on the diagonal) and gamma those
between the neighbours and the target (0 at zero distance, so the data are honoured).
Prediction ``z* = lambda . z``, kriging variance ``sigma^2 = -[lambda, mu'] . [-gamma, 1]``
(= lambda . gamma - mu'), exactly as ``pykrige.ok.OrdinaryKriging.execute`` with
``n_closest_points=k``. The Lagrange multiplier in the usual form
``Gamma lambda + m 1 = gamma`` is ``m = -mu'``.

Speed: targets that share the same neighbour set share the same matrix. Targets are
grouped by set (a sorted index tuple, hashed), each distinct matrix is inverted once,
and then each target costs O(k^2): ``z* = b . (A^-1 [z; 0])``, ``sigma^2 = -b . A^-1 b``
with b its right-hand side. Grid neighbour search uses
:class:`ree_damage.core.interp.neighbours.LatticeKNN`; memory is bounded by chunk sizes and
does not grow with points x cells.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from scipy.spatial import cKDTree

from ..common import kernels
from ..common.errors import InputError
from ..common.progress import CancelFn, ProgressFn, check_canceled
from .neighbours import LatticeKNN
from .variogram import MODELS as MODEL_KINDS
from .variogram import VariogramModel, anisotropy_matrix, apply_matrix

MIN_POINTS = 10
"""Ordinary kriging refuses fewer data points than this (use IDW)."""

_HASH = np.random.default_rng(20240601).integers(1, 2**63 - 1, size=512, dtype=np.uint64) | np.uint64(1)
_MAT_BYTES = 32e6  # bytes of stacked (k+1)^2 matrices alive at once


def check_kriging_points(n: int, what: str = "") -> None:
    """Refuse ordinary kriging with fewer than :data:`MIN_POINTS` points."""
    if n < MIN_POINTS:
        where = f" for {what}" if what else ""
        raise InputError(
            f"ordinary kriging needs at least {MIN_POINTS} data points{where}, found {n}: "
            f"a variogram cannot be estimated from so few; use IDW (method 'idw') instead"
        )


def _unique_sets(idx: np.ndarray):
    """Group rows of sorted neighbour indices: (representatives, inverse).

    Representatives come in order of first appearance, so that targets given in
    spatial order give sets in spatial order.
    """
    reps, first, inv = _unique_rows(idx)
    perm = np.argsort(first, kind="stable")
    rank = np.empty_like(perm)
    rank[perm] = np.arange(len(perm))
    return reps[perm], rank[inv]


def _unique_rows(idx: np.ndarray):
    k = idx.shape[1]
    if k > len(_HASH):
        _, first, inv = np.unique(idx, axis=0, return_index=True, return_inverse=True)
        return idx[first], first, inv.ravel()
    h = (idx.astype(np.uint64) * _HASH[:k]).sum(axis=1, dtype=np.uint64)
    _, first, inv = np.unique(h, return_index=True, return_inverse=True)
    reps = idx[first]
    if not np.array_equal(reps[inv], idx):  # hash collision: exact grouping instead
        _, first, inv = np.unique(idx, axis=0, return_index=True, return_inverse=True)
        reps, inv = idx[first], inv.ravel()
    return reps, first, inv


_LOCAL_DENSE_MAX = 2000  # points: above, set covariances are computed pair by pair


def _distances(targets: np.ndarray, xy: np.ndarray, nb: np.ndarray) -> np.ndarray:
    """Distances (m, k) from each target (m, 2) to its neighbours ``xy[nb]``."""
    dx = targets[:, 0, None] - xy[nb, 0]
    dy = targets[:, 1, None] - xy[nb, 1]
    dx *= dx
    dy *= dy
    dx += dy
    return np.sqrt(dx, out=dx)


def _pair_distances(xy: np.ndarray, sets: np.ndarray) -> np.ndarray:
    """Distances (U, k, k) between the points of each set."""
    px, py = xy[sets, 0], xy[sets, 1]
    dx = px[:, :, None] - px[:, None, :]
    dy = py[:, :, None] - py[:, None, :]
    dx *= dx
    dy *= dy
    dx += dy
    return np.sqrt(dx, out=dx)


class _SetColumns:
    """Columns of the covariance matrices of the points of each set, batch-last.

    Sets of a chunk are neighbours in space, so the few points they involve get a small
    dense covariance table, and columns are gathered from it as the factorisation needs
    them (only the lower triangle is ever read).
    """

    def __init__(self, xy: np.ndarray, sets: np.ndarray, model: VariogramModel):
        points, loc = np.unique(sets, return_inverse=True)
        self.m = m = len(points)
        self.loc = np.ascontiguousarray(loc.reshape(sets.shape).T)  # (k, U)
        self.full = None
        if m * m > sets.size * sets.shape[1] // 2:  # no reuse worth a table
            self.full = np.ascontiguousarray(model.covariance(_pair_distances(xy, sets)).transpose(1, 2, 0))
            return
        p = xy[points]
        dx = p[:, 0, None] - p[None, :, 0]
        dy = p[:, 1, None] - p[None, :, 1]
        self.table = model.covariance(np.sqrt(dx * dx + dy * dy)).ravel()

    def column(self, j: int) -> np.ndarray:
        """Rows j.. of column j of every matrix: (k - j, U)."""
        if self.full is not None:
            return self.full[j:, j]
        loc = self.loc
        return np.take(self.table, loc[j:] * self.m + loc[j], mode="clip")


def _cholesky_bl(columns: _SetColumns, k: int, u: int) -> np.ndarray:
    """Cholesky factors of a stack of SPD matrices, batch-last: L (k, k, U).

    Left-looking (column by column), vectorised over the stack; about as fast as
    LAPACK's potrf called matrix by matrix for k <= 32, with no transposed copies.
    Raises numpy.linalg.LinAlgError if a matrix is not numerically positive definite.
    """
    lower = np.zeros((k, k, u))
    for j in range(k):
        col = columns.column(j)
        if j:
            col = col - np.einsum("iju,ju->iu", lower[j:, :j], lower[j, :j])
        piv = col[0]
        if not np.all(piv > 0):
            raise np.linalg.LinAlgError("matrix not positive definite")
        d = np.sqrt(piv)
        lower[j, j] = d
        lower[j + 1 :, j] = col[1:] / d
    return lower


def _forward_bl(lt: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve L x = b, batch-last: lt (k, k, U) lower triangular, b (k, r, U)."""
    k = lt.shape[0]
    x = np.empty_like(b)
    x[0] = b[0] / lt[0, 0]
    for i in range(1, k):
        x[i] = (b[i] - np.einsum("ju,jru->ru", lt[i, :i], x[:i])) / lt[i, i]
    return x


def _backward_bl(lt: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Solve L^T x = y, batch-last: lt (k, k, U) lower triangular, y (k, r, U)."""
    k = lt.shape[0]
    x = np.empty_like(y)
    x[k - 1] = y[k - 1] / lt[k - 1, k - 1]
    for i in range(k - 2, -1, -1):
        x[i] = (y[i] - np.einsum("ju,jru->ru", lt[i + 1 :, i], x[i + 1 :])) / lt[i, i]
    return x


def _quadratic_bl(lt: np.ndarray, c0t: np.ndarray, loc: np.ndarray) -> np.ndarray:
    """|L^-1 c0|^2 per target: forward substitution with each target's set."""
    k, m = c0t.shape
    q = np.empty((k, m))
    q[0] = c0t[0] / np.take(lt[0, 0], loc)
    for i in range(1, k):
        rows = np.take(lt[i, : i + 1], loc, axis=1)
        q[i] = (c0t[i] - np.einsum("jm,jm->m", rows[:i], q[:i])) / rows[i]
    return np.einsum("km,km->m", q, q)


def _solve_chunk_cholesky(columns, zsets, c0, loc, sill):
    """OK in covariance form by Cholesky (see :func:`solve_neighbourhoods`).

    columns: covariance columns of the U sets, zsets (U, k), c0 (m, k) target
    covariances, loc (m,) set of each target. Raises numpy.linalg.LinAlgError when a
    matrix is not numerically positive definite.
    """
    u, k = zsets.shape
    lt = _cholesky_bl(columns, k, u)  # (k, k, U)
    rhs = np.empty((k, 2, u))
    rhs[:, 0] = 1.0
    rhs[:, 1] = zsets.T
    sol = _backward_bl(lt, _forward_bl(lt, rhs))  # C^-1 [1, z]
    e, wz = sol[:, 0], sol[:, 1]
    s_e = e.sum(0)
    s_z = wz.sum(0)
    c0t = np.ascontiguousarray(c0.T)  # (k, m)
    ce = np.einsum("km,km->m", c0t, np.take(e, loc, axis=1))
    cz = np.einsum("km,km->m", c0t, np.take(wz, loc, axis=1))
    se = s_e[loc]
    mu = (ce - 1.0) / se
    pred = cz - mu * s_z[loc]
    # the variance needs |L^-1 c0|^2, O(k^2) per target
    var = sill - _quadratic_bl(lt, c0t, loc) + (ce - 1.0) ** 2 / se
    return pred, np.maximum(var, 0.0), mu


def _solve_chunk_lu(xy, reps, zsets, targets_d, inv, model):
    """OK in PyKrige's bordered form by pseudo-inverse (fallback for ill-conditioned sets)."""
    u, k = reps.shape
    a = np.empty((u, k + 1, k + 1))
    a[:, :k, :k] = -model.gamma(_pair_distances(xy, reps))
    idx = np.arange(k)
    a[:, idx, idx] = 0.0
    a[:, k, :] = 1.0
    a[:, :, k] = 1.0
    a[:, k, k] = 0.0
    ainv = np.linalg.pinv(a)
    b = np.empty((len(inv), k + 1))
    b[:, :k] = -model.gamma(targets_d)
    b[:, k] = 1.0
    x = np.einsum("cij,cj->ci", ainv[inv], b)
    pred = np.einsum("ck,ck->c", x[:, :k], zsets[inv])
    var = -np.einsum("ci,ci->c", x, b)
    return pred, var, x[:, k]


def solve_neighbourhoods(
    xy: np.ndarray,
    z: np.ndarray,
    targets: np.ndarray,
    idx: np.ndarray,
    model: VariogramModel,
    *,
    want_mu: bool = False,
):
    """Ordinary kriging at ``targets`` (m, 2) from neighbour index rows ``idx`` (m, k).

    Coordinates must already be in the isotropic (transformed) plane. The system is
    solved in covariance form, C = sill - gamma, which gives the same weights as the
    bordered variogram form (ordinary kriging weights do not change when a constant is
    added to gamma) but is symmetric positive definite, so a batched Cholesky
    factorisation (LAPACK potrf) serves every distinct neighbour set::

        L L^T = C,  e = C^-1 1,  w = C^-1 z          (once per set)
        mu' = (c0.e - 1) / sum(e)                    (per target, O(k))
        z*  = c0.w - mu' sum(w)
        sigma^2 = sill - |L^-1 c0|^2 + (c0.e - 1)^2 / sum(e)   (O(k^2))

    with c0 the covariances between the target and its neighbours. Sets whose matrix is
    not numerically positive definite (a Gaussian model without nugget, say) fall back
    to the bordered form solved by pseudo-inverse.

    Returns
    -------
    pred, var : numpy.ndarray of float64, shape (m,)
    mu : numpy.ndarray or None
        PyKrige's Lagrange multiplier mu' (= -m of ``Gamma lambda + m 1 = gamma``),
        when ``want_mu``.
    """
    m, k = idx.shape
    pred = np.empty(m)
    var = np.empty(m)
    mu = np.empty(m) if want_mu else None
    if m == 0:
        return pred, var, mu
    idx = np.sort(idx.astype(np.int32 if len(xy) < 2**31 else np.int64), axis=1)
    reps, inv = _unique_sets(idx)
    per_chunk = max(1, int(_MAT_BYTES // (8 * (k + 1) ** 2)))
    if len(reps) > per_chunk:
        order = np.argsort(inv, kind="stable")
        inv_sorted = inv[order]
    for u0 in range(0, len(reps), per_chunk):
        u1 = min(u0 + per_chunk, len(reps))
        if len(reps) > per_chunk:
            c0, c1 = np.searchsorted(inv_sorted, [u0, u1])
            cells = order[c0:c1]
        else:
            cells = np.arange(m)
        loc = inv[cells] - u0
        sets = reps[u0:u1]
        dist = _distances(targets[cells], xy, idx[cells])
        zsets = z[sets]
        try:
            p_, v_, mu_ = _solve_chunk_cholesky(
                _SetColumns(xy, sets, model), zsets, model.covariance(dist), loc, model.sill
            )
        except np.linalg.LinAlgError:
            p_, v_, mu_ = _solve_chunk_lu(xy, sets, zsets, dist, loc, model)
        pred[cells] = p_
        var[cells] = v_
        if want_mu:
            mu[cells] = mu_
    return pred, var, mu


class LocalKriging:
    """Ordinary kriging with a k-nearest neighbourhood, ready to predict anywhere.

    Parameters
    ----------
    xy : array_like, shape (n, 2)
        Data coordinates (m); duplicates must have been merged.
    z : array_like, shape (n,)
        Data values (transformed / detrended already if the run asks for it).
    model : VariogramModel
        Variogram (with its anisotropy).
    k : int
        Neighbours per target (capped at n).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> xy = rng.uniform(0, 100, (30, 2)); z = rng.normal(size=30)
    >>> ok = LocalKriging(xy, z, VariogramModel("exponential", 1.0, 50.0, 0.1), k=8)
    >>> pred, var = ok.predict(xy[:3])
    >>> np.allclose(pred, z[:3]), np.allclose(var, 0)
    (True, True)
    """

    def __init__(self, xy, z, model: VariogramModel, k: int = 16):
        xy = np.asarray(xy, dtype=np.float64)
        self.z = np.asarray(z, dtype=np.float64)
        if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) != len(self.z):
            raise InputError("coordinates must be (n, 2) with one value per point")
        if len(xy) < 2:
            raise InputError("kriging needs at least two points")
        if int(k) != k or k < 2:
            raise InputError(f"kriging neighbour count k must be an integer >= 2, not {k!r}", column="k")
        self.model = model
        self.k = int(min(k, len(xy)))
        self.center = 0.5 * (xy.max(axis=0) + xy.min(axis=0))
        self.matrix = anisotropy_matrix(model.anisotropy_scaling, model.anisotropy_angle)
        self.xy = self._adjust(xy)
        self.tree = cKDTree(self.xy)

    def _adjust(self, pts) -> np.ndarray:
        return apply_matrix(self.matrix, np.asarray(pts, dtype=np.float64) - self.center)

    def predict(self, targets, *, want_mu: bool = False):
        """Prediction and kriging variance at points (m, 2); with ``want_mu`` also mu'."""
        t = self._adjust(np.atleast_2d(targets))
        _, idx = self.tree.query(t, k=self.k)
        if self.k == 1:
            idx = idx[:, None]
        pred, var, mu = solve_neighbourhoods(self.xy, self.z, t, idx, self.model, want_mu=want_mu)
        return (pred, var, mu) if want_mu else (pred, var)

    def leave_one_out(self, *, want_mu: bool = False):
        """Each data point predicted from its k nearest *other* points (same variogram)."""
        n = len(self.xy)
        kk = min(self.k + 1, n)
        _, idx = self.tree.query(self.xy, k=kk)
        own = idx == np.arange(n)[:, None]
        drop = np.where(own.any(1), own.argmax(1), kk - 1)
        keep = np.ones(idx.shape, dtype=bool)
        keep[np.arange(n), drop] = False
        idx = idx[keep].reshape(n, kk - 1)
        pred, var, mu = solve_neighbourhoods(self.xy, self.z, self.xy, idx, self.model, want_mu=want_mu)
        return (pred, var, mu) if want_mu else (pred, var)

    def predict_grid(
        self,
        grid,
        *,
        mask: Optional[np.ndarray] = None,
        want_mu: bool = False,
        progress: Optional[ProgressFn] = None,
        is_canceled: Optional[CancelFn] = None,
        workers: Optional[int] = None,
        memory_mb: float = 4.0,
    ):
        """Prediction and variance (float32, NaN outside ``mask``) at every cell centre.

        Returns
        -------
        pred, var : numpy.ndarray of float32, shape (rows, cols)
        mu : numpy.ndarray of float32 or None
            mu' per cell when ``want_mu`` (for the lognormal back-transform).
        """
        origin, u, v = grid.lattice()
        origin = self._adjust(origin[None])[0]
        u = apply_matrix(self.matrix, u)
        v = apply_matrix(self.matrix, v)
        if kernels.usable("ok_lattice"):
            search, (pred, var, mu), rows, cols = self._predict_grid_compiled(
                origin, u, v, grid.shape, mask, workers, progress, is_canceled
            )
            results = [pred, var, mu] if want_mu else [pred, var]
            return self._finish_grid(search, results, rows, cols, mask, want_mu)
        search = LatticeKNN(
            self.xy, self.k, origin, u, v, grid.shape, tree=self.tree, memory_mb=memory_mb, keep_order=True
        )
        outs = [search.new_tiled() for _ in range(3 if want_mu else 2)]

        def work(band):
            which = band.ok
            where, idx = search.neighbours(band, which)
            rows = band.ti[where[0]] * search.tile + where[1]
            cols = band.tj[where[0]] * search.tile + where[2]
            targets = search.cell_xy(rows, cols)
            pred, var, mu = solve_neighbourhoods(self.xy, self.z, targets, idx, self.model, want_mu=want_mu)
            ti, tj = band.ti[where[0]], band.tj[where[0]]
            for arr, vals in zip(outs, (pred, var, mu)):
                arr[ti, tj, where[1], where[2]] = vals
            bad = ~band.ok
            return search.band_cells(band, bad) if bad.any() else None

        rows, cols = search.run(work, mask, workers=workers, progress=progress, is_canceled=is_canceled)
        return self._finish_grid(search, [search.untile(a) for a in outs], rows, cols, mask, want_mu)

    def _finish_grid(self, search, results, rows, cols, mask, want_mu):
        """Cells the tiled search left (not certified, or no Cholesky) by exact queries."""
        if len(rows):
            _, idx = search.exact(rows, cols)
            targets = search.cell_xy(rows, cols)
            vals = solve_neighbourhoods(self.xy, self.z, targets, idx, self.model, want_mu=want_mu)
            for arr, v_ in zip(results, vals):
                arr[rows, cols] = v_
        if mask is not None:
            for arr in results:
                arr[~mask] = np.nan
        return tuple(results) if want_mu else (results[0], results[1])

    def _predict_grid_compiled(self, origin, u, v, shape, mask, workers, progress, is_canceled):
        """The tiled kriging in one compiled pass per cell (see :mod:`.kernels`).

        Returns the search, (pred, var, mu) float32 grids and the (rows, cols) of the
        cells left for the numpy path.
        """
        from ..common.parallel import default_workers
        from .neighbours import typical_kth_distance

        threads = default_workers() if workers is None else max(1, int(workers))
        kernels.set_threads(threads)
        step = max(float(np.hypot(*u)), float(np.hypot(*v)))
        # picking the neighbours is a small part of a kriging cell: bigger tiles pay
        tile, kc, _ = kernels.lattice_tiling(
            len(self.xy),
            self.k,
            typical_kth_distance(self.xy, self.k),
            step,
            shape[0] * shape[1],
            pair_s=kernels.KRIGING_PAIR_S,
        )
        search = LatticeKNN(self.xy, self.k, origin, u, v, shape, tree=self.tree, tiling=(tile, kc))
        pred = np.full(shape, np.nan, dtype=np.float32)
        var = np.full(shape, np.nan, dtype=np.float32)
        mu = np.full(shape, np.nan, dtype=np.float32)
        failed = np.zeros(shape, dtype=bool)
        wanted = np.ones(shape, dtype=bool) if mask is None else np.ascontiguousarray(mask, dtype=bool)
        px = np.ascontiguousarray(self.xy[:, 0])
        py = np.ascontiguousarray(self.xy[:, 1])
        z = np.ascontiguousarray(self.z, dtype=np.float64)
        kind = MODEL_KINDS.index(self.model.model)
        m = self.model
        lattice = search.kernel_lattice()
        for done, tiles, cand, reach in search.tile_blocks(mask, block=2048, workers=threads):
            check_canceled(is_canceled)
            kernels.ok_lattice(
                *lattice,
                tiles,
                cand,
                reach,
                px,
                py,
                z,
                self.k,
                kind,
                float(m.psill),
                float(m.range),
                float(m.sill),
                wanted,
                pred,
                var,
                mu,
                failed,
            )
            if progress is not None:
                progress(done)
        rows, cols = np.nonzero(failed)
        return search, (pred, var, mu), rows, cols
