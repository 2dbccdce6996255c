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
_PREFIX = "ree_damage_pool"


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
            _POOL.append(ThreadPoolExecutor(max_workers=4, thread_name_prefix=_PREFIX))
        return _POOL[0]


def _in_pool() -> bool:
    return threading.current_thread().name.startswith(_PREFIX)


def run_together(*calls: Callable[[], object], here: int = 0, workers: Optional[int] = None) -> list:
    """Call each zero-argument callable; results in call order.

    ``calls[here]`` runs on the calling thread, the others on a shared pool of 4
    threads; with ``workers`` 1 (default :func:`default_workers`) all run one after
    another on the calling thread. When every call has finished, the exception of the
    first call (in argument order) that raised is raised, so which error is reported
    does not depend on timing.

    Called from a pool thread, the calls run one after the other on that thread: pool
    tasks never wait for other pool tasks, so any number of concurrent callers cannot
    exhaust the pool and deadlock.
    """
    workers = default_workers() if workers is None else max(1, int(workers))
    if workers == 1 or len(calls) < 2 or _in_pool():
        return [c() for c in calls]
    pool = _pool()
    futures = {i: pool.submit(c) for i, c in enumerate(calls) if i != here}
    results: list = [None] * len(calls)
    errors: list = [None] * len(calls)
    try:
        results[here] = calls[here]()
    except BaseException as exc:  # noqa: BLE001 - raised below, in argument order
        errors[here] = exc
    for i, f in futures.items():
        try:
            results[i] = f.result()
        except BaseException as exc:  # noqa: BLE001 - raised below, in argument order
            errors[i] = exc
    for exc in errors:
        if exc is not None:
            raise exc
    return results


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


class SharedWork:
    """Tasks that whichever thread is free runs: one thread adds them, any number work.

    A thread that has finished its own part calls :meth:`work` and takes tasks until the
    adder has called :meth:`close` and every task has finished, waiting for the ones in
    progress on other threads. Results come back in the order the tasks were added
    (:meth:`results`), whoever ran them, so they do not depend on timing. Tasks must not
    wait for other tasks (they never do here: each is a plain computation), so threads
    waiting in :meth:`work` cannot deadlock. The adder must call :meth:`close` even when
    it fails (``try``/``finally``), or the workers wait for ever.
    """

    def __init__(self):
        self._cond = threading.Condition()
        self._tasks: list = []
        self._results: list = []
        self._errors: list = []
        self._taken = 0
        self._running = 0
        self._closed = False

    def add(self, task: Callable[[], object]) -> None:
        with self._cond:
            if self._closed:
                raise RuntimeError("SharedWork is closed")
            self._tasks.append(task)
            self._results.append(None)
            self._errors.append(None)
            self._cond.notify_all()

    def close(self) -> None:
        """No more tasks will be added."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def work(self) -> None:
        """Run tasks until the work is closed and done (see the class doc)."""
        while True:
            with self._cond:
                while self._taken >= len(self._tasks) and not self._closed:
                    self._cond.wait()
                if self._taken >= len(self._tasks):
                    while self._running:
                        self._cond.wait()
                    return
                i = self._taken
                self._taken += 1
                self._running += 1
            try:
                result, error = self._tasks[i](), None
            except BaseException as exc:  # noqa: BLE001 - raised by results(), in task order
                result, error = None, exc
            with self._cond:
                self._results[i], self._errors[i] = result, error
                self._running -= 1
                self._cond.notify_all()

    def results(self) -> list:
        """Results in the order added; the first error (in that order) is raised."""
        self.work()
        for exc in self._errors:
            if exc is not None:
                raise exc
        return list(self._results)


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
