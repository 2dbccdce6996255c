"""The k nearest data points of every cell of a grid, fast and with bounded memory.

A k-d tree query per cell (``scipy.spatial.cKDTree.query``) costs 1.5-3 us, which
dominates IDW and local kriging on millions of cells. Cells of a grid are not random
points: neighbouring cells share almost all their neighbours. :class:`LatticeKNN` cuts
the grid into small square tiles, asks the k-d tree once per tile for the ``kc`` points
nearest the tile centre (``kc`` > k candidates), and selects every cell's k nearest among
those candidates with a vectorised float32 sort. A cell's selection is *certified*
exact when its k-th distance plus its offset from the tile centre is below the distance
of the tile's last candidate (every point nearer than that is a candidate); cells that
fail, and cells whose k-th and (k+1)-th distances tie within float32 precision, are
answered by an exact float64 query of the k-d tree instead. The result is therefore the
neighbour set of ``cKDTree.query(cells, k)`` (up to exact distance ties).

The grid is a lattice: the centre of cell (row i, col j) is ``origin + j*u + i*v``, so
anisotropy (a rotation and a stretch of the plane) keeps it a lattice.

Tiles are processed in bands of bounded size (``memory_mb``) that may run on several
threads (numpy and scipy release the GIL in the heavy parts); each band writes its own
tiles, so the result does not depend on the number of threads.

Used by :mod:`ree_damage.core.interp.idw` and :mod:`ree_damage.core.interp.kriging`.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
from scipy.spatial import cKDTree

from ..common.parallel import blas_single_thread, default_workers, map_ordered
from ..common.progress import CancelFn, ProgressFn, check_canceled

#: tie guard: k-th and (k+1)-th squared distances closer than this (relative; float32
#: rounding plus the candidate position stored in the low 7 mantissa bits of the sort
#: keys, 2**-16) send the cell to the exact float64 query.
TIE_TOLERANCE = 3e-5

#: cost model of the tile size choice (seconds): per cell and candidate, per tile query
_COST_PAIR = 3.5e-9
_COST_QUERY = (1.2e-6, 0.09e-6)
#: numpy (1.24, AVX-512) float32 row sort: ns per row of <= 16, <= 32, <= 64 values
_SORT_ROW_NS = (34.0, 54.0, 92.0)
#: certification margin: kc is chosen so that the kc-th distance from a tile centre
#: exceeds the k-th one by about this many tile half-diagonals
_MARGIN = 2.0


@dataclass
class Band:
    """Candidate neighbours of the cells of a run of tiles.

    Attributes
    ----------
    ti, tj : numpy.ndarray of int, shape (T,)
        Tile row and column of each tile.
    d2 : numpy.ndarray of float32, shape (T, s, s, kc)
        Squared distance from each cell (row i, col j inside the tile) to each candidate,
        never below a tiny positive number (so its reciprocal is finite).
    thr : numpy.ndarray of float32, shape (T, s, s)
        Squared distance of each cell's k-th nearest candidate.
    ok : numpy.ndarray of bool, shape (T, s, s)
        Selection certified exact: ``d2 <= thr`` picks exactly the k nearest points.
    cand : numpy.ndarray of int, shape (T, kc)
        Point index of each candidate.
    order : numpy.ndarray of uint32, shape (T, s, s, k), optional
        Sort keys of each cell's k nearest; ``order & low`` is the candidate position
        (kept when the search was made with ``keep_order``).
    low : numpy.uint32
        Mask of the position bits.
    """

    ti: np.ndarray
    tj: np.ndarray
    d2: np.ndarray
    thr: np.ndarray
    ok: np.ndarray
    cand: np.ndarray
    order: Optional[np.ndarray] = None
    low: Optional[np.uint32] = None


class LatticeKNN:
    """k-nearest-neighbour search from every cell centre of a lattice.

    Parameters
    ----------
    xy : array_like, shape (n, 2)
        Data point coordinates (m), in the same plane as the lattice.
    k : int
        Number of neighbours (capped at n).
    origin : array_like, shape (2,)
        Centre of cell (row 0, col 0).
    u, v : array_like, shape (2,)
        Step from one column to the next and from one row to the next.
    shape : tuple of int
        (rows, cols) of the grid.
    tree : scipy.spatial.cKDTree, optional
        A tree already built on ``xy``.
    memory_mb : float
        Budget for the largest temporary array of one band (MB); a few such arrays
        are alive per thread.
    tiny : float
        Floor of the squared distances in ``Band.d2`` (m2).
    keep_order : bool
        Keep each cell's sorted k nearest in ``Band.order`` (what :meth:`neighbours`
        reads; more memory per band).
    tiling : (int, int), optional
        Tile side (cells) and candidate count, instead of the cost model's choice (for a
        caller with other per-cell costs, e.g. :func:`ree_damage.core.common.kernels.lattice_tiling`).
    """

    def __init__(
        self,
        xy,
        k,
        origin,
        u,
        v,
        shape,
        *,
        tree=None,
        memory_mb: float = 4.0,
        tiny: float = 1e-30,
        keep_order=False,
        tiling: Optional[tuple[int, int]] = None,
    ):
        self.xy = np.ascontiguousarray(xy, dtype=np.float64)
        self.n = len(self.xy)
        if self.n == 0:
            raise ValueError("no data points")
        self.k = int(min(k, self.n))
        self.origin = np.asarray(origin, dtype=np.float64)
        self.u = np.asarray(u, dtype=np.float64)
        self.v = np.asarray(v, dtype=np.float64)
        self.shape = (int(shape[0]), int(shape[1]))
        self.tree = tree if tree is not None else cKDTree(self.xy)
        self.tiny = np.float32(tiny)
        self.keep_order = bool(keep_order)
        self._local = threading.local()
        self.axis_aligned = self.u[1] == 0.0 and self.v[0] == 0.0
        #: the cost model's estimate (s) of this search with its own numpy path
        self.model_cost = float("nan")
        if tiling is None:
            self.tile, self.kc, self.model_cost = self._choose_tiling()
        else:
            self.tile, self.kc = int(tiling[0]), int(min(tiling[1], self.n))
        per_tile = self.tile * self.tile * self.kc * 4
        self.tiles_per_band = max(1, int(memory_mb * 1e6 // per_tile))
        self.tile_rows = -(-self.shape[0] // self.tile)
        self.tile_cols = -(-self.shape[1] // self.tile)
        s = self.tile
        off = np.arange(s, dtype=np.float64) - (s - 1) / 2.0
        # offsets of the cells from their tile centre, (s, s, 2): [row i, col j]
        self._offsets = off[None, :, None] * self.u + off[:, None, None] * self.v
        self._r_off = np.sqrt((self._offsets**2).sum(-1))

    def _choose_tiling(self) -> tuple[int, int, float]:
        """Tile side (cells), candidate count and modelled cost (s), from a cost model
        measured on numpy 1.24.

        Candidates come in 16, 32, 64 or 128: numpy's vectorised sort of a row costs the
        same for any length up to those sizes. For each, the largest tile whose half
        diagonal keeps ``kc`` above the k needed with a margin of :data:`_MARGIN` half
        diagonals is tried, and the cheapest (sorts, candidate pairs, tile queries) wins.
        """
        n, k = self.n, self.k
        step = max(float(np.hypot(*self.u)), float(np.hypot(*self.v)), 1e-12)
        dk = typical_kth_distance(self.xy, k)
        ncells = self.shape[0] * self.shape[1]
        best = None
        sizes = [c for c in (16, 32, 64, 128) if c >= k + 2]
        if n <= 128:
            sizes.append(n)
        for kc in sorted(set(min(c, n) for c in sizes)):
            if kc >= n:
                s = int(min(64, max(self.shape)))
            else:
                half_diag = dk * (math.sqrt(kc / k) - 1.0) / _MARGIN
                s = int(max(1, min(64, half_diag * math.sqrt(2.0) / step)))
            sort_ns = (
                _SORT_ROW_NS[0] if kc <= 16 else _SORT_ROW_NS[1] if kc <= 32 else _SORT_ROW_NS[2] * kc / 64
            )
            cost = ncells * (sort_ns * 1e-9 + kc * _COST_PAIR)
            if kc < n:
                cost += ncells / (s * s) * (_COST_QUERY[0] + _COST_QUERY[1] * kc)
            if best is None or cost < best[0]:
                best = (cost, s, kc)
        return best[1], best[2], best[0]

    # -- geometry -------------------------------------------------------------------------
    def cell_xy(self, rows, cols) -> np.ndarray:
        """Centres (float64, shape (m, 2)) of cells given by row and column index arrays."""
        rows = np.asarray(rows, dtype=np.float64)[..., None]
        cols = np.asarray(cols, dtype=np.float64)[..., None]
        return self.origin + cols * self.u + rows * self.v

    def exact(self, rows, cols, k: Optional[int] = None):
        """Exact float64 query for the given cells: (distances, indices), each (m, k)."""
        k = self.k if k is None else k
        d, i = self.tree.query(self.cell_xy(rows, cols), k=k)
        if k == 1:
            d, i = d[:, None], i[:, None]
        return d, i

    def band_cells(self, band: Band, which: np.ndarray):
        """Grid (rows, cols) of the cells of ``band`` where ``which`` (T, s, s) is True."""
        t, i, j = np.nonzero(which)
        return band.ti[t] * self.tile + i, band.tj[t] * self.tile + j

    def new_tiled(self, fill=np.nan, dtype=np.float32) -> np.ndarray:
        """An output array in tile-major layout, shape (tile_rows, tile_cols, s, s)."""
        return np.full((self.tile_rows, self.tile_cols, self.tile, self.tile), fill, dtype=dtype)

    def untile(self, tiled: np.ndarray) -> np.ndarray:
        """Tile-major array -> grid array (rows, cols)."""
        s = self.tile
        full = tiled.transpose(0, 2, 1, 3).reshape(self.tile_rows * s, self.tile_cols * s)
        return np.ascontiguousarray(full[: self.shape[0], : self.shape[1]])

    # -- compiled kernels -----------------------------------------------------------------
    def kernel_lattice(self) -> tuple:
        """(origin, u, v, shape, tile, tile_cols) as the kernels of :mod:`.kernels` take them."""
        return (
            np.ascontiguousarray(self.origin, dtype=np.float64),
            np.ascontiguousarray(self.u, dtype=np.float64),
            np.ascontiguousarray(self.v, dtype=np.float64),
            (int(self.shape[0]), int(self.shape[1])),
            int(self.tile),
            int(self.tile_cols),
        )

    def tile_blocks(self, mask: Optional[np.ndarray] = None, block: int = 4096, workers: int = 1):
        """Blocks of the tiles holding wanted cells, with their candidates.

        Yields ``(done, tiles, cand, reach)``: the fraction of tiles done after this
        block, tile numbers (``row * tile_cols + col``, int64), the ``kc`` nearest points
        of each tile centre (int64, (T, kc), nearest first) and the distance of the last
        one (every point nearer than that to the centre is a candidate; inf when all
        points are).
        """
        s = self.tile
        chunks = self.chunks(mask)
        ti = np.concatenate([c[0] for c in chunks]) if chunks else np.empty(0, dtype=np.int64)
        tj = np.concatenate([c[1] for c in chunks]) if chunks else np.empty(0, dtype=np.int64)
        for a in range(0, ti.size, block):
            bi, bj = ti[a : a + block], tj[a : a + block]
            centre_c = (bj * s + (s - 1) / 2.0)[:, None]
            centre_r = (bi * s + (s - 1) / 2.0)[:, None]
            centres = self.origin + centre_c * self.u + centre_r * self.v
            cd, ci = self.tree.query(centres, k=self.kc, workers=workers)
            if self.kc == 1:
                cd, ci = cd[:, None], ci[:, None]
            reach = cd[:, -1] if self.kc < self.n else np.full(bi.size, np.inf)
            yield (
                (a + bi.size) / ti.size,
                (bi * self.tile_cols + bj).astype(np.int64),
                np.ascontiguousarray(ci, dtype=np.int64),
                np.ascontiguousarray(reach, dtype=np.float64),
            )

    # -- tiled search ---------------------------------------------------------------------
    def chunks(self, mask: Optional[np.ndarray] = None) -> list[tuple[np.ndarray, np.ndarray]]:
        """Tiles to process, as (tile rows, tile cols) runs of at most ``tiles_per_band``.

        Tiles without a True cell in ``mask`` (True = value wanted) are left out.
        """
        s = self.tile
        trs, tcs = self.tile_rows, self.tile_cols
        if mask is not None:
            pad = np.zeros((trs * s, tcs * s), dtype=bool)
            pad[: self.shape[0], : self.shape[1]] = mask
            active = pad.reshape(trs, s, tcs, s).any(axis=(1, 3))
        else:
            active = np.ones((trs, tcs), dtype=bool)
        ti, tj = np.nonzero(active)
        step = self.tiles_per_band
        return [(ti[a : a + step], tj[a : a + step]) for a in range(0, len(ti), step)]

    def band(self, ti: np.ndarray, tj: np.ndarray, kc: Optional[int] = None) -> Band:
        """Candidates, squared distances and certified k-th distances for some tiles.

        The arrays of the band are scratch buffers of this thread: the next ``band``
        call on the same thread overwrites them.
        """
        s, k = self.tile, self.k
        kc = self.kc if kc is None else int(min(kc, self.n))
        centre_r = ti * s + (s - 1) / 2.0
        centre_c = tj * s + (s - 1) / 2.0
        centres = self.origin + centre_c[:, None] * self.u + centre_r[:, None] * self.v
        cd, ci = self.tree.query(centres, k=kc)
        if kc == 1:
            cd, ci = cd[:, None], ci[:, None]
        reach = cd[:, -1] if kc < self.n else np.full(len(ti), np.inf)
        offsets = self._offsets
        if self.axis_aligned:
            relx = (centres[:, 0, None] - self.xy[ci, 0]).astype(np.float32)  # (T, kc)
            rely = (centres[:, 1, None] - self.xy[ci, 1]).astype(np.float32)
            dx = relx[:, None, :] + offsets[0, :, 0].astype(np.float32)[None, :, None]  # (T, s_j, kc)
            dy = rely[:, None, :] + offsets[:, 0, 1].astype(np.float32)[None, :, None]  # (T, s_i, kc)
            dx *= dx
            dy *= dy
            dx += self.tiny
            d2 = self.buffer("d2", (len(ti), s, s, kc), np.float32)
            np.add(dy[:, :, None, :], dx[:, None, :, :], out=d2)  # (T, s_i, s_j, kc)
        else:
            relx = (centres[:, 0, None] - self.xy[ci, 0]).astype(np.float32)
            rely = (centres[:, 1, None] - self.xy[ci, 1]).astype(np.float32)
            offf = offsets.astype(np.float32)
            d2 = relx[:, None, None, :] + offf[None, :, :, 0, None]
            ey = rely[:, None, None, :] + offf[None, :, :, 1, None]
            d2 *= d2
            ey *= ey
            d2 += ey
            d2 += self.tiny
            del ey
        limit = (reach[:, None, None] - self._r_off[None, :, :]).astype(np.float32)
        low = order = None
        if self.keep_order:
            # sort keys: the squared distance with its candidate position in the low
            # mantissa bits, so that the sorted row also says which are the k nearest
            bits = max(1, int(kc - 1).bit_length())
            low = np.uint32((1 << bits) - 1)
            keys = self.buffer("keys", d2.shape, np.uint32)
            np.copyto(keys, d2.view(np.uint32))
            keys &= ~low
            keys |= np.arange(kc, dtype=np.uint32)
            keys.sort(axis=-1)
            # every selected candidate is <= thr (the k-th key with its low bits set) ...
            thr = (keys[..., k - 1] | low).view(np.float32)
            # ... and every other one above the next key with its low bits cleared
            nxt = (keys[..., k] & ~low).view(np.float32) if kc > k else None
            order = keys[..., :k]
        else:
            srt = self.buffer("sorted", d2.shape, np.float32)
            np.copyto(srt, d2)
            srt.sort(axis=-1)
            thr = srt[..., k - 1].copy()
            nxt = srt[..., k].copy() if kc > k else None
            del srt
        # certified: every point nearer than reach - r_off is a candidate; no near tie
        ok = np.sqrt(thr) * np.float32(1.0 + 1e-5) < limit
        if nxt is not None:
            ok &= nxt > thr * np.float32(1.0 + TIE_TOLERANCE)
        return Band(ti=ti, tj=tj, d2=d2, thr=thr, ok=ok, cand=ci, order=order, low=low)

    def neighbours(self, band: Band, which: Optional[np.ndarray] = None):
        """Point indices of the k nearest for a band's certified cells.

        Parameters
        ----------
        band : Band
        which : numpy.ndarray of bool, shape (T, s, s), optional
            Subset of the certified cells (default: all certified cells).

        Returns
        -------
        where : tuple of numpy.ndarray
            Index of the cells into the band's (T, s, s) arrays.
        idx : numpy.ndarray of int, shape (m, k)
            Point indices, in candidate order.
        """
        which = band.ok if which is None else (which & band.ok)
        where = np.nonzero(which)
        if band.order is not None:
            pos = (band.order[where] & band.low).astype(np.intp)
        else:
            d2 = band.d2[where]
            sel = d2 <= band.thr[where][:, None]
            _, pos = np.nonzero(sel)
            pos = pos.reshape(len(d2), self.k)
        idx = band.cand[where[0][:, None], pos]
        return where, idx

    def run(
        self,
        work: Callable[[Band], object],
        mask: Optional[np.ndarray] = None,
        *,
        workers: Optional[int] = None,
        progress: Optional[ProgressFn] = None,
        is_canceled: Optional[CancelFn] = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Apply ``work(band)`` to every band, on ``workers`` threads.

        ``work`` writes the values of the band's certified cells (``band.ok``) and returns
        :meth:`band_cells` of the others (or None). Where such cells fill a quarter or
        more of their tiles, those tiles get a second pass with twice the candidates;
        cells still not certified are returned, for the caller to answer with
        :meth:`exact`. Cancellation is checked before each band.

        Returns
        -------
        (rows, cols) : numpy.ndarray
            Grid cells (inside the grid and the mask) left for an exact query.
        """
        workers = default_workers() if workers is None else max(1, int(workers))
        failed = self._pass(self.chunks(mask), self.kc, work, workers, progress, is_canceled, 0.95)
        rows, cols = self._inside(failed, mask)
        tiles = (
            np.unique(np.stack([rows // self.tile, cols // self.tile], axis=1), axis=0) if len(rows) else []
        )
        # a second pass pays off where failures crowd their tiles (sparse data, big tiles)
        if len(rows) and self.kc < self.n and len(rows) >= 0.25 * len(tiles) * self.tile**2:
            kc2 = int(min(self.n, 2 * self.kc))
            step = max(1, self.tiles_per_band * self.kc // kc2)
            chunks = [(tiles[a : a + step, 0], tiles[a : a + step, 1]) for a in range(0, len(tiles), step)]
            retry = np.zeros(self.shape, dtype=bool)
            retry[rows, cols] = True

            def again(band):  # only the cells that failed before
                band.ok &= retry[
                    np.minimum(self._rows(band), self.shape[0] - 1),
                    np.minimum(self._cols(band), self.shape[1] - 1),
                ]
                return work(band)

            failed = self._pass(chunks, kc2, again, workers, None, is_canceled, 1.0)
            rows2, cols2 = self._inside(failed, mask)
            keep = retry[rows2, cols2]
            rows, cols = rows2[keep], cols2[keep]
        if progress is not None:
            progress(1.0)
        return rows, cols

    def _rows(self, band: Band) -> np.ndarray:
        s = self.tile
        return band.ti[:, None, None] * s + np.arange(s)[None, :, None] + np.zeros((1, 1, s), dtype=np.int64)

    def _cols(self, band: Band) -> np.ndarray:
        s = self.tile
        return band.tj[:, None, None] * s + np.arange(s)[None, None, :] + np.zeros((1, s, 1), dtype=np.int64)

    def _inside(self, failed: list, mask) -> tuple[np.ndarray, np.ndarray]:
        if not failed:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        rows = np.concatenate([f[0] for f in failed])
        cols = np.concatenate([f[1] for f in failed])
        inside = (rows < self.shape[0]) & (cols < self.shape[1])
        rows, cols = rows[inside], cols[inside]
        if mask is not None:
            keep = mask[rows, cols]
            rows, cols = rows[keep], cols[keep]
        return rows, cols

    def _pass(self, chunks, kc, work, workers, progress, is_canceled, share) -> list:
        total = max(1, len(chunks))

        def task(chunk):
            check_canceled(is_canceled)
            return work(self.band(*chunk, kc=kc))

        def done_one(done):
            if progress is not None:
                progress(share * done / total)
            check_canceled(is_canceled)

        if workers == 1 or len(chunks) < 2:
            results = map_ordered(task, chunks, workers=1, on_result=done_one)
        else:
            with blas_single_thread():
                results = map_ordered(task, chunks, workers=workers, on_result=done_one)
        return [r for r in results if r is not None]

    def buffer(self, name: str, shape, dtype) -> np.ndarray:
        """A scratch array of this thread, reused from band to band (no fresh pages)."""
        store = self._local.__dict__.setdefault("buffers", {})
        size = int(np.prod(shape))
        buf = store.get((name, np.dtype(dtype)))
        if buf is None or buf.size < size:
            buf = np.empty(size, dtype=dtype)
            store[(name, np.dtype(dtype))] = buf
        return buf[:size].reshape(shape)


def typical_kth_distance(xy: np.ndarray, k: int) -> float:
    """k-th neighbour distance (m) expected for a uniform density over the data's extent."""
    n = len(xy)
    span = xy.max(axis=0) - xy.min(axis=0)
    area = float(span[0] * span[1])
    if not np.isfinite(area) or area <= 0:
        length = float(max(span.max(), 1e-9))
        area = length * length
    return math.sqrt(k * area / (math.pi * n))
