"""Run independent pieces of vectorised work on a few threads, with results in order.

shapely 2, numpy, pyproj and rasterio release the GIL inside their vectorised calls, so
two calls on disjoint halves of an array, or two independent calls, run side by side.
Every helper here returns exactly what the serial code returns (same values, same
order), so outputs do not depend on the number of threads; ``workers=1`` (or the
environment variable ``REE_DAMAGE_THREADS=1``) runs everything serially.

Also :func:`gc_paused`: building 10^5 geometries allocates 10^5 Python objects, and
the cyclic garbage collector, triggered every 700 allocations, rescans them again and
again (up to half the time of ``shapely.box`` on 10^5 boxes); none of them forms a
reference cycle, so collection is paused for the duration of such a step.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional

import numpy as np

_POOL: list = []
_POOL_LOCK = threading.Lock()


def default_workers() -> int:
    """Threads used by default: ``REE_DAMAGE_THREADS`` if set, else the CPUs available
    to this process, at most 4."""
    env = os.environ.get("REE_DAMAGE_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    return max(1, min(4, n))


def _pool() -> ThreadPoolExecutor:
    with _POOL_LOCK:
        if not _POOL:
            _POOL.append(ThreadPoolExecutor(max_workers=4, thread_name_prefix="ree_damage"))
        return _POOL[0]


def run_together(*calls: Callable[[], object], workers: Optional[int] = None) -> list:
    """Call each zero-argument callable, up to ``workers`` at a time; results in order.

    The first call runs on the calling thread, the others on a shared pool. An
    exception in any call is raised after all have finished.
    """
    workers = default_workers() if workers is None else max(1, int(workers))
    if workers == 1 or len(calls) < 2:
        return [c() for c in calls]
    pool = _pool()
    futures = [pool.submit(c) for c in calls[1:]]
    try:
        first = calls[0]()
    finally:
        rest = []
        error = None
        for f in futures:
            try:
                rest.append(f.result())
            except BaseException as exc:  # noqa: BLE001 - re-raised below, after all finish
                error = error or exc
                rest.append(None)
    if error is not None:
        raise error
    return [first, *rest]


def split_map(
    func: Callable[..., np.ndarray],
    *arrays: Sequence,
    min_size: int = 20_000,
    workers: Optional[int] = None,
) -> np.ndarray:
    """``func(*arrays)`` for an elementwise ``func``, computed on contiguous slices in parallel.

    ``arrays`` are 1-d (or their first axis is the element axis) and of equal length;
    scalars and other non-array arguments cannot be passed (bind them in ``func``).
    Below ``min_size`` elements, or with one worker, ``func`` is called once.
    """
    n = len(arrays[0])
    workers = default_workers() if workers is None else max(1, int(workers))
    parts = min(workers, n // max(1, min_size))
    if parts < 2:
        return func(*arrays)
    edges = np.linspace(0, n, parts + 1).astype(int)
    calls = [(lambda a=a, b=b: func(*(x[a:b] for x in arrays))) for a, b in zip(edges[:-1], edges[1:])]
    return np.concatenate(run_together(*calls, workers=workers))


@contextlib.contextmanager
def gc_paused():
    """Pause the cyclic garbage collector for the block (restored afterwards)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
