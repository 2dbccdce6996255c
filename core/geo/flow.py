"""Flow routing on a DEM: depression filling, D8 receivers and downslope tracing."""

from __future__ import annotations

import math

import numpy as np

from ..common.errors import InputError
from ..common.progress import check_canceled


def fill_and_route(z: np.ndarray, cell_size: float):
    """D8 receivers on a depression-filled DEM.

    Parameters
    ----------
    z : numpy.ndarray
        Heights (m), NaN for no-data (treated as outlets: flow leaves the DEM there).
    cell_size : float
        Cell size, m (square cells).

    Returns
    -------
    receivers : numpy.ndarray of int64
        Flat index of each cell's downslope receiver, -1 where flow leaves the grid.
    filled : numpy.ndarray
        Heights with depressions filled to their spill level, m.

    Notes
    -----
    The filled height of a cell is the lowest possible maximum height along any path to
    the grid edge (or a no-data cell). It is read from the minimum spanning tree of the
    8-connected cell graph with edge weight ``max(z_a, z_b)`` plus an outlet node tied to
    every edge cell: the tree path is a minimax path (pointer doubling gives each cell the
    maximum along it in log2(n) vectorised steps). A cell with a strictly lower neighbour
    on the filled surface drains to the steepest one (D8, distance-weighted drop); a cell
    on a flat or in a filled depression drains to its parent in the tree, toward the
    spill point. Heights never rise along a path and the tree has no cycle, so every
    path ends at an outlet.

    Examples
    --------
    >>> z = np.array([[3., 3., 3.], [3., 1., 2.], [3., 3., 3.]])
    >>> rec, filled = fill_and_route(z, 1.0)
    >>> float(filled[1, 1])   # the pit fills to its spill level, the east edge cell
    2.0
    >>> int(rec[4]) == 5      # and drains over that spill cell
    True
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import breadth_first_order, minimum_spanning_tree

    rows, cols = z.shape
    n = rows * cols
    valid = np.isfinite(z)
    if not valid.any():
        raise InputError("the DEM holds no valid heights over the case area", layer="dem")
    zmin = float(np.nanmin(z))
    zz = np.where(valid, z, zmin - 1.0).ravel()
    idx = np.arange(n, dtype=np.int64).reshape(rows, cols)
    pairs = [
        (idx[:, :-1], idx[:, 1:]),
        (idx[:-1, :], idx[1:, :]),
        (idx[:-1, :-1], idx[1:, 1:]),
        (idx[:-1, 1:], idx[1:, :-1]),
    ]
    a = np.concatenate([p[0].ravel() for p in pairs])
    b = np.concatenate([p[1].ravel() for p in pairs])
    base = zmin - 2.0  # weights must be > 0: csgraph drops zero entries
    w = np.maximum(zz[a], zz[b]) - base
    edge = np.zeros((rows, cols), dtype=bool)
    edge[0, :] = edge[-1, :] = edge[:, 0] = edge[:, -1] = True
    edge |= ~valid
    outs = idx[edge]
    outlet = n
    a = np.concatenate([a, outs])
    b = np.concatenate([b, np.full(outs.size, outlet, dtype=np.int64)])
    w = np.concatenate([w, zz[outs] - base])
    graph = coo_matrix((w, (a, b)), shape=(n + 1, n + 1)).tocsr()
    del a, b, w
    tree = minimum_spanning_tree(graph)
    del graph
    _, pred = breadth_first_order(tree, outlet, directed=False, return_predecessors=True)
    del tree
    parent = pred.astype(np.int64)
    parent[outlet] = outlet
    if (parent[:n] < 0).any():  # cannot happen on a connected grid; guard anyway
        parent[:n][parent[:n] < 0] = outlet
    zext = np.concatenate([zz, [-np.inf]])
    m = np.maximum(zext, zext[parent])
    m[outlet] = -np.inf
    p = parent.copy()
    for _ in range(int(math.ceil(math.log2(n + 1))) + 1):
        m = np.maximum(m, m[p])
        p = p[p]
    filled = m[:n].reshape(rows, cols)
    # D8 on the filled surface
    pad = np.pad(filled, 1, constant_values=np.inf)
    best = np.zeros((rows, cols))
    best_k = np.full((rows, cols), -1, dtype=np.int64)
    offsets = ((-1, 0), (0, 1), (1, 0), (0, -1), (-1, 1), (1, 1), (1, -1), (-1, -1))
    for k, (dr, dc) in enumerate(offsets):
        nb = pad[1 + dr : 1 + dr + rows, 1 + dc : 1 + dc + cols]
        drop = (filled - nb) / (cell_size * (math.sqrt(2.0) if dr and dc else 1.0))
        better = drop > best
        best[better] = drop[better]
        best_k[better] = k
    dr = np.array([o[0] for o in offsets] + [0])[best_k]
    dc = np.array([o[1] for o in offsets] + [0])[best_k]
    receivers = (idx + dr * cols + dc).ravel()
    flat = best_k.ravel() < 0
    tree_parent = parent[:n]
    receivers[flat] = np.where(tree_parent[flat] == outlet, -1, tree_parent[flat])
    receivers[~valid.ravel()] = -1
    return receivers, filled


def trace_downslope(receivers: np.ndarray, start: np.ndarray, stop: np.ndarray, is_canceled=None):
    """Follow D8 receivers from start cells; count how many start cells pass each cell.

    Parameters
    ----------
    receivers : numpy.ndarray of int64
        From :func:`fill_and_route` (flat indices, -1 = outlet).
    start : numpy.ndarray of bool
        Flat mask of cells the leachate starts from (INJ).
    stop : numpy.ndarray of bool
        Flat mask of cells where a path ends after entering (ditch/pond bands, outside
        the case boundary).

    Returns
    -------
    counts : numpy.ndarray of int64
        Per cell, number of start cells whose path passes it (start cells count themselves).
    ended_at_stop, ended_at_outlet : int
        Number of distinct path ends in stop cells and at outlets.

    Examples
    --------
    >>> rec = np.array([1, 2, -1])
    >>> trace_downslope(rec, np.array([True, False, False]), np.zeros(3, bool))[0].tolist()
    [1, 1, 1]
    """
    n = receivers.size
    counts = np.zeros(n, dtype=np.int64)
    front = np.flatnonzero(start)
    weight = np.ones(front.size, dtype=np.int64)
    at_stop = set()
    at_outlet = 0
    steps = 0
    while front.size:
        counts[front] += weight  # front holds unique cells
        halt = stop[front] & ~start[front]
        if halt.any():
            at_stop.update(front[halt].tolist())
        nxt = receivers[front]
        out = nxt < 0
        at_outlet += int(np.count_nonzero(out & ~halt))
        keep = ~halt & ~out
        front, inverse = np.unique(nxt[keep], return_inverse=True)
        weight = np.bincount(inverse, weights=weight[keep]).astype(np.int64) if front.size else weight[:0]
        steps += 1
        if steps % 256 == 0:
            check_canceled(is_canceled)
        if steps > n:  # a receiver cycle would be a bug; never loop forever
            raise RuntimeError("flow routing did not terminate")
    return counts, len(at_stop), at_outlet
