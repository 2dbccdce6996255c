"""Deterministic coherent noise from integer hashing, identical whatever the block layout.

Every value is a pure function of (global lattice index, salt), so a raster computed in
windows gives the same cells as one computed whole, on any machine (integer arithmetic;
only the final interpolation is floating point).
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser on a uint64 array (wrapping arithmetic)."""
    h = h ^ (h >> _S30)
    h = h * _MIX1
    h = h ^ (h >> _S27)
    h = h * _MIX2
    return h ^ (h >> _S31)


def salt(seed: int, channel: int) -> np.uint64:
    """A 64-bit salt for one noise channel of one seed."""
    value = _mix(np.array([(int(seed) & 0xFFFFFFFF) * 1_000_003 + int(channel)], dtype=np.uint64))
    return value[0]


def hash01(ix, iy, salt_value: np.uint64) -> np.ndarray:
    """Uniform pseudo-random numbers in [0, 1) for integer lattice indices.

    Parameters
    ----------
    ix, iy : array_like of int
        Lattice indices (broadcast together; negative values allowed).
    salt_value : numpy.uint64
        From :func:`salt`.
    """
    ux = np.asarray(ix, dtype=np.int64).astype(np.uint64)
    uy = np.asarray(iy, dtype=np.int64).astype(np.uint64)
    h = _mix(_mix(ux * _GOLDEN + salt_value) ^ (uy * _MIX1))
    return (h >> _S11).astype(np.float64) * (1.0 / 9007199254740992.0)


def _axis(coords: np.ndarray, cell: float):
    g = np.asarray(coords, dtype=np.float64) / cell
    i = np.floor(g).astype(np.int64)
    f = g - i
    return i, f * f * (3.0 - 2.0 * f)


def grid(xs, ys, cell: float, salt_value: np.uint64) -> np.ndarray:
    """Value noise in [0, 1] on the grid ``ys`` (rows) x ``xs`` (columns).

    Parameters
    ----------
    xs, ys : 1-D array_like
        Cell-centre coordinates in metres relative to the site origin.
    cell : float
        Lattice spacing in metres (the size of the features the noise draws).
    salt_value : numpy.uint64
        Noise channel.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(ys), len(xs))``, float64.
    """
    ix, sx = _axis(xs, cell)
    iy, sy = _axis(ys, cell)
    x0, y0 = ix.min(), iy.min()
    lattice = hash01(np.arange(x0, ix.max() + 2)[None, :], np.arange(y0, iy.max() + 2)[:, None], salt_value)
    cx = ix - x0
    along = lattice[:, cx] * (1.0 - sx) + lattice[:, cx + 1] * sx
    cy = iy - y0
    return along[cy, :] * (1.0 - sy)[:, None] + along[cy + 1, :] * sy[:, None]


def points(x, y, cell: float, salt_value: np.uint64) -> np.ndarray:
    """Value noise in [0, 1] at scattered points (same field as :func:`grid`)."""
    ix, sx = _axis(x, cell)
    iy, sy = _axis(y, cell)
    l00 = hash01(ix, iy, salt_value)
    l01 = hash01(ix + 1, iy, salt_value)
    l10 = hash01(ix, iy + 1, salt_value)
    l11 = hash01(ix + 1, iy + 1, salt_value)
    low = l00 * (1.0 - sx) + l01 * sx
    high = l10 * (1.0 - sx) + l11 * sx
    return low * (1.0 - sy) + high * sy


def cells(xs, ys, cell: float, salt_value: np.uint64) -> np.ndarray:
    """White noise in [0, 1): one independent value per ``cell`` square (no interpolation)."""
    ix = np.floor(np.asarray(xs, dtype=np.float64) / cell).astype(np.int64)
    iy = np.floor(np.asarray(ys, dtype=np.float64) / cell).astype(np.int64)
    return hash01(ix[None, :], iy[:, None], salt_value)


def interpolate_grid(values: np.ndarray, gx0: float, gy0: float, step: float, xs, ys) -> np.ndarray:
    """Bilinear resampling of a regular grid onto the grid ``ys`` x ``xs``, separably.

    Parameters
    ----------
    values : numpy.ndarray
        Shape (rows, cols); row 0 at ``gy0``, rows going down (``y`` decreasing).
    gx0, gy0 : float
        Coordinates of the centre of ``values[0, 0]``.
    step : float
        Grid spacing in metres.
    xs, ys : 1-D array_like
        Target cell centres; must lie inside the grid.
    """
    fx = (np.asarray(xs, dtype=np.float64) - gx0) / step
    fy = (gy0 - np.asarray(ys, dtype=np.float64)) / step
    ix = np.clip(np.floor(fx).astype(np.int64), 0, values.shape[1] - 2)
    iy = np.clip(np.floor(fy).astype(np.int64), 0, values.shape[0] - 2)
    wx = np.clip(fx - ix, 0.0, 1.0)
    wy = np.clip(fy - iy, 0.0, 1.0)
    along = values[:, ix] * (1.0 - wx) + values[:, ix + 1] * wx
    return along[iy, :] * (1.0 - wy)[:, None] + along[iy + 1, :] * wy[:, None]
