"""Compiled inner loops (numba), used when numba is installed; numpy paths otherwise.

numpy needs a dozen passes over (cells x candidates) arrays to pick each cell's k
nearest points and weigh them; for IDW with few points onto millions of cells that is
slower than gdal_grid's brute-force SIMD loop, and local kriging spends most of its
time in such passes too. A compiled loop does one pass per cell with everything in
registers. The kernels:

* :func:`idw_lattice`: k-nearest IDW on the cells of a lattice (:mod:`.idw`);
* :func:`ok_lattice`: k-nearest ordinary kriging on a lattice (:mod:`.kriging`);
* :func:`nearest_points`: the nearest point of each query (:mod:`.sampling`);
* :func:`dms_lines`: degrees-minutes-seconds text (:func:`.crs.dms_array`).

numba is optional: without it (or with ``REE_DAMAGE_NUMBA=0``) the numpy and scipy
implementations run, and the tests check both against the same oracles (scipy's
cKDTree, brute force, PyKrige). Cells a kernel cannot certify (near ties, too few
candidates, a matrix that is not positive definite) are left to those implementations.

Loading (nobody waits for a compiler, and no process compiles behind the user's back):

* Importing this module does not import numba (0.4 s). A step asks for the kernels it
  needs (:func:`usable`); only then is numba imported and those kernels loaded from
  numba's on-disk cache (``cache=True``; 0.1-0.3 s each), on the calling thread.
* ``make setup`` and ``scripts/install_plugin.py`` compile them once (:func:`warm_up`),
  so the cache is there before the first run.
* Without the cache (a plugin zip installed in QGIS, a new numba), compiling takes 20 s
  (0.1-13 s per kernel): the step runs the numpy path and a separate Python process
  (:func:`spawn_compiler`) fills the cache; later steps load the kernels once it has
  finished (a cache being written is never read). Nothing is compiled inside the
  calling process: LLVM compiling on a thread of a QGIS process that is shutting down
  aborted it (qgis_process on QGIS 3.40); where no Python interpreter is found, the numpy
  path serves until ``make install-plugin`` or :func:`warm_up` has filled the cache.
* ``REE_DAMAGE_NUMBA=always`` (the tests) waits for the kernels whatever it takes;
  ``0`` never uses them; ``auto`` (the default) as above, with a cost model choosing
  per run where both paths apply.

The two paths agree within float rounding (IDW to float32 precision, kriging to about
1e-6 relative; nearest points and DMS text exactly), not bit for bit: which path ran is
recorded per run (:func:`ran`, in the provenance of interpolation outputs), so a result
can be recomputed the same way (``REE_DAMAGE_NUMBA=0`` or ``always``).
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

#: numba installed (found without importing it; an import that fails later, e.g. a
#: numba built for another numpy, turns the kernels off: see :func:`usable`)
AVAILABLE = importlib.util.find_spec("numba") is not None

prange = range  # numba.prange once numba is loaded (read by numba when it compiles)

#: relative gap below which the k-th and (k+1)-th squared distances count as a tie
#: (the cell then gets an exact k-d tree query, so ties fall as scipy breaks them)
TIE_REL = 1e-9


#: cost model of :func:`lattice_tiling` (seconds, measured here with the IDW kernel):
#: per cell and candidate, per tile query (fixed, per candidate)
_PAIR_S = 3.7e-9
_QUERY_S = (1.2e-6, 0.09e-6)
#: the kriging kernel's pair cost for the tiling choice, lower than IDW's because picking
#: neighbours is a small part of a kriging cell: it picks 9-cell tiles and 128 candidates
#: for 5,000 points and k = 32 on 500 x 500 cells (measured here: 0.68-0.76 s, against
#: 0.80 s with the IDW kernel's choice of 6 and 96)
KRIGING_PAIR_S = 0.8e-9
#: kc is chosen so that the kc-th distance from a tile centre exceeds the k-th by this
#: many tile half-diagonals: wide enough that almost no cell needs the exact query
_MARGIN = 3.5


def lattice_tiling(
    n: int, k: int, kth_distance: float, step: float, cells: int, pair_s: float = _PAIR_S
) -> tuple[int, int, float]:
    """Tile side (cells), candidate count and modelled cost (s) for the compiled kernels.

    A compiled cell costs about the same per candidate whatever their number, so more
    candidates buy bigger tiles (fewer k-d tree queries) and a wide certification
    margin, unlike the numpy path, whose sort cost steps at 16, 32 and 64.

    Parameters
    ----------
    n, k : int
        Data points and neighbours wanted (k <= n).
    kth_distance : float
        Typical distance (m) of the k-th neighbour.
    step : float
        Cell size (m).
    cells : int
        Cells to compute.
    pair_s : float
        Cost (s) per cell and candidate; a kernel doing much more per cell than picking
        its neighbours (kriging) passes less, and gets bigger tiles.
    """
    best = None
    for kc in (16, 24, 32, 48, 64, 96, 128, 192, 256):
        kc = min(kc, n)
        if kc >= n:
            tile = 64
        elif kc < k + 2:
            continue
        else:
            half_diag = kth_distance * (math.sqrt(kc / k) - 1.0) / _MARGIN
            tile = int(max(1, min(64, half_diag * math.sqrt(2.0) / max(step, 1e-12))))
        cost = cells * kc * pair_s + cells / (tile * tile) * (_QUERY_S[0] + _QUERY_S[1] * kc)
        if best is None or cost < best[0]:
            best = (cost, tile, kc)
        if kc >= n:
            break
    return best[1], best[2], best[0]


_THREAD = threading.local()


def _setting() -> str:
    override = getattr(_THREAD, "setting", None)
    if override is not None:
        return override
    return os.environ.get("REE_DAMAGE_NUMBA", "auto").strip().lower()


@contextlib.contextmanager
def path(setting: str):
    """Use ``setting`` (``0``, ``auto``, ``always``) for ``REE_DAMAGE_NUMBA`` on this
    thread only, for the block (two algorithms on two threads may want two paths)."""
    before = getattr(_THREAD, "setting", None)
    _THREAD.setting = str(setting).strip().lower()
    try:
        yield
    finally:
        _THREAD.setting = before


def enabled() -> bool:
    """True when the compiled kernels may be used: numba installed (and not found
    broken) and ``REE_DAMAGE_NUMBA`` not ``0`` (``auto``, the default, lets a cost model
    choose per run; ``always`` uses them whenever they apply, as the tests do)."""
    return AVAILABLE and _LOAD["state"] != "failed" and _setting() not in ("0", "off", "no", "false")


def forced() -> bool:
    """True when ``REE_DAMAGE_NUMBA=always``: the kernels run wherever they apply."""
    return enabled() and _setting() == "always"


def set_threads(workers: int) -> None:
    """Threads of numba's parallel loops on this thread (thread-local in numba), at
    most what numba started with; called just before a kernel runs."""
    if enabled():
        import numba

        numba.set_num_threads(max(1, min(int(workers), numba.config.NUMBA_NUM_THREADS)))


def _tile_candidates(t, cand, px, py, cx, cy):
    """The tile's candidates relative to its centre (local arrays, kc each)."""
    kc = cand.shape[1]
    qx = np.empty(kc)
    qy = np.empty(kc)
    for q in range(kc):
        qx[q] = px[cand[t, q]] - cx
        qy[q] = py[cand[t, q]] - cy
    return qx, qy


def _select(x, y, qx, qy, k, reach, dd, bd, bp):
    """The k nearest of a tile's candidates to (x, y) (relative to the tile centre).

    Fills ``bd``/``bp`` (k + 1 long) with the squared distances and candidate positions
    of the nearest, sorted, and returns the number picked (min(k, kc)), or 0 when the
    pick is not certified exact: the k-th distance plus the cell's offset from the tile
    centre must stay below ``reach`` (every point nearer than that to the centre is a
    candidate), and the k-th and (k+1)-th must not tie.
    """
    kc = qx.shape[0]
    for q in range(kc):  # a loop LLVM vectorises
        dx = x - qx[q]
        dy = y - qy[q]
        dd[q] = dx * dx + dy * dy
    m = 0
    for q in range(kc):
        d = dd[q]
        if m <= k:
            pos = m
            m += 1
        elif d < bd[k]:
            pos = k
        else:
            continue
        while pos > 0 and bd[pos - 1] > d:
            bd[pos] = bd[pos - 1]
            bp[pos] = bp[pos - 1]
            pos -= 1
        bd[pos] = d
        bp[pos] = q
    kk = min(k, m)
    dk = bd[kk - 1]
    if not (math.sqrt(dk) * (1.0 + 1e-9) < reach - math.sqrt(x * x + y * y)):
        return 0
    if m > kk and not (bd[kk] > dk * (1.0 + TIE_REL)):
        return 0
    return kk


def _idw_lattice_py(
    origin,
    u,
    v,
    shape,
    tile,
    tile_cols,
    tiles,
    cand,
    reach,
    px,
    py,
    z,
    k,
    power,
    radius2,
    min_points,
    mask,
    out,
    failed,
):
    """IDW at the cells of the given tiles of a lattice from each tile's candidates.

    Cell (r, c) is centred on ``origin + c*u + r*v``. For each cell, the k nearest of its
    tile's candidates are picked by insertion; the pick is the true k nearest when the
    k-th distance plus the cell's offset from the tile centre stays below ``reach`` (every
    point nearer than ``reach`` to the tile centre is a candidate) and the k-th and
    (k+1)-th distances do not tie. Other cells are flagged in ``failed`` for an exact
    query. Weights ``d ** -power``; a cell on a data point takes the mean of the points
    it sits on; within ``radius2`` (squared, inf for none) at least ``min_points`` points
    or NaN.
    """
    rows, cols = shape
    kc = cand.shape[1]
    half = (tile - 1) / 2.0
    ox, oy = origin[0], origin[1]
    ux, uy = u[0], u[1]
    vx, vy = v[0], v[1]
    expo = -0.5 * power
    for t in prange(tiles.shape[0]):
        ti = tiles[t] // tile_cols
        tj = tiles[t] % tile_cols
        cx = ox + (tj * tile + half) * ux + (ti * tile + half) * vx
        cy = oy + (tj * tile + half) * uy + (ti * tile + half) * vy
        qx, qy = _tile_candidates(t, cand, px, py, cx, cy)
        dd = np.empty(kc)
        bd = np.empty(k + 1)
        bp = np.empty(k + 1, dtype=np.int64)
        for i in range(tile):
            r = ti * tile + i
            if r >= rows:
                break
            for j in range(tile):
                c = tj * tile + j
                if c >= cols:
                    break
                if not mask[r, c]:
                    continue
                x = ox + c * ux + r * vx - cx
                y = oy + c * uy + r * vy - cy
                kk = _select(x, y, qx, qy, k, reach[t], dd, bd, bp)
                if kk == 0:
                    failed[r, c] = True
                    continue
                hits = 0
                hit_sum = 0.0
                count = 0
                num = 0.0
                den = 0.0
                for a in range(kk):
                    d = bd[a]
                    if d > radius2:
                        break
                    count += 1
                    if d == 0.0:
                        hits += 1
                        hit_sum += z[cand[t, bp[a]]]
                    elif hits == 0:
                        w = 1.0 / d if power == 2.0 else d**expo
                        num += w * z[cand[t, bp[a]]]
                        den += w
                if count == 0 or count < min_points:
                    out[r, c] = np.nan
                elif hits:
                    out[r, c] = hit_sum / hits
                else:
                    out[r, c] = num / den


def _cov(kind, psill, range_, sill, h):
    """Covariance sill - gamma(h) of :class:`ree_damage.core.interp.variogram.VariogramModel`."""
    if h <= 1e-10:  # variogram.ZERO_DISTANCE
        return sill
    if kind == 0:  # spherical
        r = min(h / range_, 1.0)
        f = r * (1.5 - 0.5 * r * r)
    elif kind == 1:  # exponential (practical range)
        f = 1.0 - math.exp(-h / (range_ / 3.0))
    else:  # gaussian (practical range)
        a = range_ * 4.0 / 7.0
        f = 1.0 - math.exp(-(h * h) / (a * a))
    return psill * (1.0 - f)


def _ok_lattice_py(
    origin,
    u,
    v,
    shape,
    tile,
    tile_cols,
    tiles,
    cand,
    reach,
    px,
    py,
    z,
    k,
    kind,
    psill,
    range_,
    sill,
    mask,
    pred,
    var,
    mu,
    failed,
):
    """Ordinary kriging (k nearest) at the cells of the given tiles of a lattice.

    The same system and formulas as :func:`ree_damage.core.interp.kriging.solve_neighbourhoods`
    (covariance form, Cholesky): per distinct neighbour set L L^T = C, e = C^-1 1,
    w = C^-1 z; per cell with target covariances c0: mu' = (c0.e - 1) / sum(e),
    z* = c0.w - mu' sum(w), sigma^2 = sill - |L^-1 c0|^2 + (c0.e - 1)^2 / sum(e).
    Consecutive cells of a tile that share their set reuse its factor. Cells whose
    selection is not certified (as in the IDW kernel) or whose matrix is not numerically
    positive definite are flagged in ``failed`` for the numpy path.
    """
    rows, cols = shape
    kc = cand.shape[1]
    half = (tile - 1) / 2.0
    ox, oy = origin[0], origin[1]
    ux, uy = u[0], u[1]
    vx, vy = v[0], v[1]
    for t in prange(tiles.shape[0]):
        ti = tiles[t] // tile_cols
        tj = tiles[t] % tile_cols
        cx = ox + (tj * tile + half) * ux + (ti * tile + half) * vx
        cy = oy + (tj * tile + half) * uy + (ti * tile + half) * vy
        qx, qy = _tile_candidates(t, cand, px, py, cx, cy)
        dd = np.empty(kc)
        # covariances between the tile's candidates, made once when the tile's sets
        # (about one per two cells at worst) would evaluate more pairs than this
        table = tile * tile * k * k > 2 * kc * kc
        ct = np.empty((kc, kc)) if table else np.empty((1, 1))
        if table:
            for a in range(kc):
                for b in range(a + 1):
                    hx = qx[a] - qx[b]
                    hy = qy[a] - qy[b]
                    ct[a, b] = _cov(kind, psill, range_, sill, math.sqrt(hx * hx + hy * hy))
                    ct[b, a] = ct[a, b]
        bd = np.empty(k + 1)
        bp = np.empty(k + 1, dtype=np.int64)
        members = np.empty(k, dtype=np.int64)
        previous = np.full(k, -1, dtype=np.int64)
        low = np.zeros((k, k))
        e = np.empty(k)
        w = np.empty(k)
        c0 = np.empty(k)
        y = np.empty(k)
        s_e = 0.0
        s_z = 0.0
        usable = False
        for i in range(tile):
            r = ti * tile + i
            if r >= rows:
                break
            for j in range(tile):
                c = tj * tile + j
                if c >= cols:
                    break
                if not mask[r, c]:
                    continue
                x = ox + c * ux + r * vx - cx
                yy = oy + c * uy + r * vy - cy
                if _select(x, yy, qx, qy, k, reach[t], dd, bd, bp) == 0:
                    failed[r, c] = True
                    continue
                # the set, in candidate order (canonical, to compare with the last one)
                for a in range(k):
                    members[a] = bp[a]
                for a in range(1, k):
                    key = members[a]
                    b = a - 1
                    while b >= 0 and members[b] > key:
                        members[b + 1] = members[b]
                        b -= 1
                    members[b + 1] = key
                same = True
                for a in range(k):
                    if members[a] != previous[a]:
                        same = False
                        break
                if not same:
                    for a in range(k):
                        previous[a] = members[a]
                    # Cholesky of the set's covariance matrix (lower triangle)
                    usable = True
                    for a in range(k):
                        pa = members[a]
                        for b in range(a + 1):
                            pb = members[b]
                            if table:
                                acc = ct[pa, pb]
                            else:
                                hx = qx[pa] - qx[pb]
                                hy = qy[pa] - qy[pb]
                                acc = _cov(kind, psill, range_, sill, math.sqrt(hx * hx + hy * hy))
                            for g in range(b):
                                acc -= low[a, g] * low[b, g]
                            if a == b:
                                if not acc > 0.0:
                                    usable = False
                                    break
                                low[a, a] = math.sqrt(acc)
                            else:
                                low[a, b] = acc / low[b, b]
                        if not usable:
                            break
                    if usable:
                        # e = C^-1 1 and w = C^-1 z: forward, then backward substitution
                        for a in range(k):
                            acc_e = 1.0
                            acc_w = z[cand[t, members[a]]]
                            for g in range(a):
                                acc_e -= low[a, g] * e[g]
                                acc_w -= low[a, g] * w[g]
                            e[a] = acc_e / low[a, a]
                            w[a] = acc_w / low[a, a]
                        for a in range(k - 1, -1, -1):
                            acc_e = e[a]
                            acc_w = w[a]
                            for g in range(a + 1, k):
                                acc_e -= low[g, a] * e[g]
                                acc_w -= low[g, a] * w[g]
                            e[a] = acc_e / low[a, a]
                            w[a] = acc_w / low[a, a]
                        s_e = 0.0
                        s_z = 0.0
                        for a in range(k):
                            s_e += e[a]
                            s_z += w[a]
                if not usable:
                    failed[r, c] = True
                    continue
                ce = 0.0
                cz = 0.0
                for a in range(k):
                    hx = x - qx[members[a]]
                    hy = yy - qy[members[a]]
                    c0[a] = _cov(kind, psill, range_, sill, math.sqrt(hx * hx + hy * hy))
                    ce += c0[a] * e[a]
                    cz += c0[a] * w[a]
                q2 = 0.0
                for a in range(k):
                    acc = c0[a]
                    for g in range(a):
                        acc -= low[a, g] * y[g]
                    y[a] = acc / low[a, a]
                    q2 += y[a] * y[a]
                m_ = (ce - 1.0) / s_e
                pred[r, c] = cz - m_ * s_z
                var[r, c] = max(sill - q2 + (ce - 1.0) ** 2 / s_e, 0.0)
                mu[r, c] = m_


_MAX_RING = 6  # rings of buckets searched before a query is left to the k-d tree


def _nearest_py(gx0, gy0, size, nbx, nby, start, order, px, py, qx, qy, out, tie):
    """Index of the point nearest each query, by rings of buckets (exact, float64).

    Points are bucketed on a ``size`` grid from (gx0, gy0): bucket (i, j) holds
    ``order[start[i * nbx + j] : start[i * nbx + j + 1]]``. Rings around the query's
    bucket are searched until the next ring cannot hold a nearer point. Queries whose
    nearest and runner-up are equally far (relative 1e-12) are flagged in ``tie``: the
    caller asks a k-d tree, so that ties fall as scipy breaks them.
    """
    for q in prange(qx.shape[0]):
        x = qx[q]
        y = qy[q]
        bi = min(max(int((y - gy0) / size), 0), nby - 1)
        bj = min(max(int((x - gx0) / size), 0), nbx - 1)
        best = np.inf
        second = np.inf
        arg = -1
        ring = 0
        while True:
            i0 = bi - ring
            i1 = bi + ring
            j0 = bj - ring
            j1 = bj + ring
            for i in range(max(i0, 0), min(i1, nby - 1) + 1):
                if i == i0 or i == i1:  # a whole row of the ring
                    lo, hi, stride = max(j0, 0), min(j1, nbx - 1), 1
                else:  # only the ring's two end columns (those inside the grid)
                    lo = j0 if j0 >= 0 else j1
                    hi = j1 if j1 <= nbx - 1 else lo
                    stride = max(hi - lo, 1)
                    if lo > nbx - 1:
                        continue
                for j in range(lo, hi + 1, stride):
                    b = i * nbx + j
                    for a in range(start[b], start[b + 1]):
                        p = order[a]
                        dx = x - px[p]
                        dy = y - py[p]
                        d = dx * dx + dy * dy
                        if d < best:
                            second = best
                            best = d
                            arg = p
                        elif d < second:
                            second = d
            # every bucket beyond this ring is farther than ring * size from the query
            reach = ring * size
            if arg >= 0 and second < np.inf and reach * reach > second:
                break
            if i0 <= 0 and j0 <= 0 and i1 >= nby - 1 and j1 >= nbx - 1:
                break
            if ring == _MAX_RING:  # far from every point: the k-d tree answers it
                arg = -1
                break
            ring += 1
        out[q] = arg
        tie[q] = arg < 0 or second <= best * (1.0 + 1e-12)


def nearest_points(px, py, qx, qy, workers: int = 1):
    """Index (int64) of the point (px, py) nearest each query (qx, qy), exact, or -1.

    -1 marks the queries to ask a k-d tree: their two nearest points are equally far, or
    they lie far from every point (more than a few buckets of about one point each).
    """
    px = np.ascontiguousarray(px, dtype=np.float64)
    py = np.ascontiguousarray(py, dtype=np.float64)
    qx = np.ascontiguousarray(qx, dtype=np.float64)
    qy = np.ascontiguousarray(qy, dtype=np.float64)
    n = px.size
    gx0, gy0 = float(px.min()), float(py.min())
    span = max(float(px.max()) - gx0, float(py.max()) - gy0, 1e-9)
    size = max(span / max(math.sqrt(n), 1.0), 1e-9)  # about one point per bucket
    nbx = int((float(px.max()) - gx0) / size) + 1
    nby = int((float(py.max()) - gy0) / size) + 1
    bucket = np.minimum((py - gy0) / size, nby - 1).astype(np.int64) * nbx + np.minimum(
        (px - gx0) / size, nbx - 1
    ).astype(np.int64)
    order = np.argsort(bucket, kind="stable")
    start = np.searchsorted(bucket[order], np.arange(nbx * nby + 1)).astype(np.int64)
    out = np.empty(qx.size, dtype=np.int64)
    tie = np.zeros(qx.size, dtype=np.bool_)
    set_threads(workers)
    nearest(gx0, gy0, size, nbx, nby, start, order.astype(np.int64), px, py, qx, qy, out, tie)
    out[tie] = -1
    return out


def _dms_lengths_py(total, unit, tail, lengths):
    """Bytes of each DMS line: the digits of ``total // unit`` (degrees) plus ``tail``."""
    for i in range(total.shape[0]):
        d = total[i] // unit
        digits = 1
        while d >= 10:
            d //= 10
            digits += 1
        lengths[i] = digits + tail


def _dms_write_py(total, hemi, scale, decimals, offsets, buf):
    """Write line i, ``D°MM'SS[.ff]"H`` and a newline, at ``buf[offsets[i]:]``.

    ``total`` is the rounded value in units of 1/``scale`` arc-seconds (>= 0); the
    digits are those :func:`ree_damage.core.geo.crs.dms_array` writes with numpy.
    """
    zero = 48
    for i in range(total.shape[0]):
        t = total[i]
        deg = t // (3600 * scale)
        rest = t - deg * (3600 * scale)
        minutes = rest // (60 * scale)
        sec = rest - minutes * (60 * scale)
        whole = sec // scale
        frac = sec - whole * scale
        j = offsets[i]
        end = offsets[i + 1]
        # the tail first, from the end of the line backwards
        buf[end - 1] = 10  # newline
        buf[end - 2] = hemi[i]
        buf[end - 3] = 34  # "
        k = end - 4
        if decimals > 0:
            f = frac
            for _ in range(decimals):
                buf[k] = zero + f % 10
                f //= 10
                k -= 1
            buf[k] = 46  # .
            k -= 1
        buf[k] = zero + whole % 10
        buf[k - 1] = zero + whole // 10
        buf[k - 2] = 39  # '
        buf[k - 3] = zero + minutes % 10
        buf[k - 4] = zero + minutes // 10
        buf[k - 5] = 0xB0  # degree sign (Latin-1)
        k -= 6
        d = deg
        while k >= j:
            buf[k] = zero + d % 10
            d //= 10
            k -= 1


def dms_lines(total, hemi, scale: int, decimals: int) -> np.ndarray:
    """Latin-1 bytes of the DMS lines of ``total`` (see :func:`_dms_write_py`), each
    ended by a newline, as one uint8 buffer."""
    total = np.ascontiguousarray(total, dtype=np.int64)
    hemi = np.ascontiguousarray(hemi, dtype=np.uint8)
    tail = 1 + 2 + 1 + 2 + (1 + decimals if decimals else 0) + 2 + 1  # ° mm ' ss[.ff] " H newline
    lengths = np.empty(total.size, dtype=np.int64)
    dms_lengths(total, np.int64(3600 * scale), np.int64(tail), lengths)
    offsets = np.zeros(total.size + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    buf = np.empty(int(offsets[-1]), dtype=np.uint8)
    dms_write(total, hemi, np.int64(scale), np.int64(decimals), offsets, buf)
    return buf


# --------------------------------------------------------------------------- loading

_LAUNCH = threading.Lock()
_LOADING = threading.Lock()
#: state: cold (nothing loaded), partial (some kernels loaded), done (every kernel loaded),
#: failed (numba unusable: the numpy path serves)
_LOAD: dict = {"state": "cold", "error": None, "kernels": {}, "spawned": False}
#: the Python functions numba compiles, cheapest to compile first (measured here, empty
#: cache: 0.1, 0.3, 2.3, 4.3 and 12.9 s), so that a short process that ends while the
#: compiler runs still leaves some in the cache: name -> (function, njit options)
_SOURCES = {
    # serial loops (no parallel region, so no launch lock): text for 10^5 points in ~1 ms
    "dms_lengths": ("_dms_lengths_py", {}),
    "dms_write": ("_dms_write_py", {}),
    "nearest": ("_nearest_py", {"parallel": True}),
    "idw_lattice": ("_idw_lattice_py", {"parallel": True, "fastmath": {"reassoc", "contract"}}),
    "ok_lattice": ("_ok_lattice_py", {"parallel": True, "fastmath": {"reassoc", "contract"}}),
}
_INLINED = ("_cov", "_tile_candidates", "_select")
#: the kernels each step asks for together
DMS = ("dms_lengths", "dms_write")


def _prepare_numba():
    """Import numba and make the kernels' helpers compilable (once)."""
    import numba

    module = sys.modules[__name__]
    if module.prange is not numba.prange:
        module.prange = numba.prange
        for name in _INLINED:  # the helpers the kernels call, inlined into them
            setattr(module, name, numba.njit(cache=True, inline="always")(getattr(module, name)))
    return numba


def _compile_one(name: str):
    """jit one kernel and call it on tiny inputs: loads it from numba's disk cache, or
    compiles it and writes the cache."""
    numba = _prepare_numba()
    source, options = _SOURCES[name]
    kernel = numba.njit(cache=True, nogil=True, **options)(globals()[source])
    _tiny_call(name, kernel)
    return kernel


def _load_now(names) -> bool:
    """Load ``names`` from numba's cache, or compile them, on the calling thread (one
    loader at a time); False, with the reason kept, when numba is unusable."""
    with _LOADING:
        if _LOAD["state"] == "failed":
            return False
        try:
            for name in names:
                if name not in _LOAD["kernels"]:
                    _LOAD["kernels"][name] = _compile_one(name)
        except Exception as exc:  # noqa: BLE001 - any failure means "not available": numpy serves
            _LOAD.update(state="failed", error=f"{type(exc).__name__}: {exc}")
            return False
        _LOAD["state"] = "done" if len(_LOAD["kernels"]) == len(_SOURCES) else "partial"
        return True


def compiler_running() -> bool:
    """True while a compiler process (:func:`spawn_compiler`, this or another process)
    writes numba's cache: a cache being written is not read."""
    try:
        return time.time() - os.path.getmtime(_compiler_lock()) < COMPILER_STALE_S
    except OSError:
        return False


def cache_present(*names: str) -> bool:
    """True when numba's disk cache holds the kernels ``names`` (default: all) for this
    source and Python (index files newer than this module; numba checks the rest when
    it loads them)."""
    source = os.path.abspath(__file__)
    try:
        stamp = os.path.getmtime(source)
    except OSError:
        return False
    module = __name__.rsplit(".", 1)[-1]
    tag = f"py{sys.version_info[0]}{sys.version_info[1]}"
    here = globals()
    roots = [os.path.join(os.path.dirname(source), "__pycache__")]
    if os.environ.get("NUMBA_CACHE_DIR"):
        roots = [os.environ["NUMBA_CACHE_DIR"]]
    else:
        roots.append(os.path.join(os.path.expanduser("~"), ".cache", "numba"))
    for name in names or tuple(_SOURCES):
        fn = _SOURCES[name][0]
        index = f"{module}.{fn}-{here[fn].__code__.co_firstlineno}.{tag}.nbi"
        found = [
            f
            for root in roots
            for f in glob.glob(os.path.join(glob.escape(root), "**", index), recursive=True)
        ]
        if not any(os.path.getmtime(f) >= stamp for f in found):
            return False
    return True


def usable(*names: str) -> bool:
    """Whether a step starting now may run the kernels ``names``; loads them if so.

    ``always``: loads them on this thread (compiling if it must). ``auto``: loads them
    only if numba's disk cache has them and no compiler is writing it (under a second);
    else the numpy path serves and a separate compiler process (:func:`spawn_compiler`,
    started once per process) fills the cache for the steps that come later. False when
    numba is off or broken.
    """
    if not enabled():
        return False
    names = names or tuple(_SOURCES)
    if all(n in _LOAD["kernels"] for n in names):
        return True
    if forced():
        return _load_now(names)
    if cache_present(*names) and not compiler_running():
        return _load_now(names)
    with _LOADING:
        first = not _LOAD["spawned"]
        _LOAD["spawned"] = True
    if first:
        spawn_compiler()
    return False


def _python_executable():
    """A Python interpreter of this version: ``sys.executable`` where it is one (inside
    QGIS it is the QGIS program), else ``pythonX.Y`` on the PATH, else None."""
    exe = sys.executable or ""
    if os.path.basename(exe).lower().startswith("python"):
        return exe
    return shutil.which(f"python{sys.version_info[0]}.{sys.version_info[1]}")


def _compiler_lock() -> str:
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return os.path.join(tempfile.gettempdir(), f"ree_damage_numba_compile_{user}.lock")


#: a compiler process older than this (s) is taken for dead
COMPILER_STALE_S = 600.0
_CHILD = """import importlib, os, sys
try:
    importlib.import_module(sys.argv[1]).warm_up()
finally:
    try:
        os.remove(sys.argv[2])
    except OSError:
        pass
"""
#: the launcher starts the compiler in a new session and exits at once: the compiler is
#: nobody's child here (no zombie, nothing to reap when the caller ends first)
_LAUNCHER = """import subprocess, sys
subprocess.Popen([sys.executable, "-c", sys.argv[1], *sys.argv[2:]], stdin=subprocess.DEVNULL,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True, start_new_session=True)
"""


def spawn_compiler() -> bool:
    """Start a detached Python process that compiles the kernels into numba's disk cache
    (the same source, the same ``sys.path``) and exits; True if one runs (started now,
    or by another process less than :data:`COMPILER_STALE_S` ago)."""
    exe = _python_executable()
    if exe is None:
        return False
    lock = _compiler_lock()
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        try:
            if time.time() - os.path.getmtime(lock) < COMPILER_STALE_S:
                return True
            os.remove(lock)
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except OSError:
            return False
    except OSError:
        return False
    os.close(fd)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    try:
        subprocess.run(  # noqa: S603 - our own interpreter and module
            [exe, "-c", _LAUNCHER, _CHILD, __name__, lock],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            check=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        with contextlib.suppress(OSError):
            os.remove(lock)
        return False
    return True


def load_error() -> str | None:
    """Why the kernels could not be loaded (None if they could or were not tried)."""
    return _LOAD["error"]


def _kernel(name: str):
    kernel = _LOAD["kernels"].get(name)
    if kernel is None:
        if not _load_now((name,)):
            raise RuntimeError(f"compiled kernel {name} unavailable: {_LOAD['error']}")
        kernel = _LOAD["kernels"][name]
    _log_use(name)
    return kernel


def _log_use(name: str) -> None:
    used = getattr(_THREAD, "used", None)
    if used is not None:
        used.add(name)


@contextlib.contextmanager
def recording():
    """Record which compiled kernels run on this thread inside the block: yields the set
    of their names (empty: the numpy path ran throughout)."""
    before = getattr(_THREAD, "used", None)
    used: set = set()
    _THREAD.used = used
    try:
        yield used
    finally:
        _THREAD.used = before
        if before is not None:
            before |= used


def _launch(name: str, *args):
    """A kernel with a parallel region, behind a process-wide lock: numba's "workqueue"
    threading layer (the fallback where neither OpenMP nor TBB is available) must not
    run two parallel regions at once, and QGIS may run two algorithms on two threads."""
    kernel = _kernel(name)
    with _LAUNCH:
        return kernel(*args)


def idw_lattice(*args):
    """The compiled :func:`_idw_lattice_py`."""
    return _launch("idw_lattice", *args)


def ok_lattice(*args):
    """The compiled :func:`_ok_lattice_py`."""
    return _launch("ok_lattice", *args)


def nearest(*args):
    """The compiled :func:`_nearest_py`."""
    return _launch("nearest", *args)


def dms_lengths(*args):
    """The compiled :func:`_dms_lengths_py` (serial: no lock)."""
    return _kernel("dms_lengths")(*args)


def dms_write(*args):
    """The compiled :func:`_dms_write_py` (serial: no lock)."""
    return _kernel("dms_write")(*args)


def _tiny_call(name: str, kernel) -> None:
    """The kernel once on tiny inputs of the real argument types (compiles or loads)."""
    # a 2 x 2 lattice, one tile, three points
    lattice = (np.zeros(2), np.array([1.0, 0.0]), np.array([0.0, 1.0]), (2, 2), 2, 1)
    tile = (np.zeros(1, dtype=np.int64), np.array([[0, 1, 2]], dtype=np.int64), np.array([np.inf]))
    points = (np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0]), np.ones(3), 2)
    mask = np.ones((2, 2), dtype=bool)
    grids = [np.full((2, 2), np.nan, dtype=np.float32) for _ in range(3)]
    failed = np.zeros((2, 2), dtype=bool)
    total = np.array([123456789], dtype=np.int64)
    if name == "idw_lattice":
        kernel(*lattice, *tile, *points, 2.0, np.inf, 1, mask, grids[0], failed)
    elif name == "ok_lattice":
        kernel(*lattice, *tile, *points, 0, 1.0, 10.0, 1.0, mask, *grids, failed)
    elif name == "dms_lengths":
        kernel(total, np.int64(360000), np.int64(12), np.empty(1, dtype=np.int64))
    elif name == "dms_write":
        offsets = np.array([0, 15], dtype=np.int64)
        kernel(total, np.array([69], dtype=np.uint8), np.int64(100), np.int64(2), offsets, np.empty(15, np.uint8))
    else:  # nearest: one bucket of three points
        xy, out, tie = np.array([0.0, 1.0, 0.0]), np.empty(3, dtype=np.int64), np.zeros(3, dtype=np.bool_)
        start, order = np.array([0, 3], dtype=np.int64), np.arange(3, dtype=np.int64)
        kernel(0.0, 0.0, 10.0, 1, 1, start, order, xy, points[1], xy, points[1], out, tie)


def warm_up() -> bool:
    """Load (or compile) the kernels now and wait for them: ``make setup`` and the
    plugin installer call it so that the first run finds numba's disk cache filled.

    Returns True when the kernels are ready (False: numba off, missing or broken; see
    :func:`load_error`).
    """
    if not enabled():
        return False
    return _load_now(tuple(_SOURCES))
