"""The one place that owns threads and process-wide switches.

* :func:`default_workers`: how many threads a step may use (``REE_DAMAGE_THREADS``).
* :func:`map_ordered`: independent tasks on one persistent pool shared by every caller,
  results in task order (the banded k-nearest searches of IDW and kriging).
* :func:`blas_single_thread`: OpenBLAS on one thread while our own threads run numpy.
* :func:`collector_paused`: Python's cyclic garbage collector paused while a step makes
  10^5 geometries.
* :class:`PerThreadGeometry`: a geometry that each thread queries through its own prepared
  copy (GEOS's prepared geometries are not thread-safe).

The last two change process-wide state (the BLAS library and the collector belong to the
whole process: QGIS and every plugin). Both go through :class:`SharedSwitch`, a
reference-counted guard: the first caller to enter saves the state and sets it, the last
to leave restores what the first saved. Two algorithms running at once on two threads
therefore never leave the switch changed, whichever finishes first
(``tests/core/test_concurrency.py`` runs two at once and checks). numba's own threads
are set per calling thread (``numba.set_num_threads`` is thread-local), see
:mod:`.kernels`.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional

_POOL: list = []
_POOL_LOCK = threading.Lock()
_PREFIX = "ree_damage_pool"
POOL_THREADS = 4


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
    return max(1, min(POOL_THREADS, n))


def _pool() -> ThreadPoolExecutor:
    with _POOL_LOCK:
        if not _POOL:
            _POOL.append(ThreadPoolExecutor(max_workers=POOL_THREADS, thread_name_prefix=_PREFIX))
        return _POOL[0]


def _in_pool() -> bool:
    return threading.current_thread().name.startswith(_PREFIX)


def map_ordered(
    func: Callable[[object], object],
    items: Iterable,
    *,
    workers: Optional[int] = None,
    on_result: Optional[Callable[[int], None]] = None,
) -> list:
    """``[func(item) for item in items]``, on up to ``workers`` threads of the shared pool.

    At most ``2 * workers`` items are in flight (bounded memory: each may allocate a
    band of scratch arrays). Results come back in item order, whoever computed them;
    ``on_result(done)`` is called on the calling thread after each, in order (progress,
    cancellation: an exception there cancels the items not started). With ``workers``
    1, or called from a pool thread (a task never waits for other tasks, so any number
    of concurrent callers cannot exhaust the pool and deadlock), everything runs here.
    """
    items = list(items)
    workers = default_workers() if workers is None else max(1, int(workers))
    results: list = []
    if workers == 1 or len(items) < 2 or _in_pool():
        for done, item in enumerate(items, 1):
            results.append(func(item))
            if on_result is not None:
                on_result(done)
        return results
    pool = _pool()
    ahead = 2 * min(workers, POOL_THREADS)
    futures = [pool.submit(func, item) for item in items[:ahead]]
    nxt = len(futures)
    try:
        for done in range(len(items)):
            results.append(futures[done].result())
            futures[done] = None
            if nxt < len(items):
                futures.append(pool.submit(func, items[nxt]))
                nxt += 1
            if on_result is not None:
                on_result(done + 1)
    finally:
        for f in futures:
            if f is not None:
                f.cancel()
        for f in futures:  # nothing of ours runs on after we return
            if f is not None and not f.cancelled():
                try:
                    f.result()
                except BaseException:  # noqa: BLE001,S110 - the first error is already raised
                    pass
    return results


class PerThreadGeometry:
    """A shapely geometry that each thread queries through a prepared copy of its own.

    GEOS builds a prepared geometry's indexes lazily, on the first queries, and keeps
    scratch state in them between queries: two threads querying one prepared geometry
    corrupt the heap (libgeos/geos#825; ``tests/core/test_per_thread_geometry.py`` crashes
    without the copies). :meth:`get` returns the calling thread's copy, made from WKB
    (every coordinate exact) and prepared on first use; the copies go with their threads.
    Pickles as the geometry alone.

    Parameters
    ----------
    geometry : shapely geometry
        Not prepared here (the copies are); the coordinates are those of the caller's CRS.
    """

    def __init__(self, geometry):
        import shapely

        self.geometry = geometry
        self._wkb = shapely.to_wkb(geometry)
        self._local = threading.local()

    def get(self):
        """The calling thread's prepared copy of the geometry."""
        own = getattr(self._local, "geometry", None)
        if own is None:
            import shapely

            own = shapely.from_wkb(self._wkb)
            shapely.prepare(own)
            self._local.geometry = own
        return own

    def __reduce__(self):
        return (PerThreadGeometry, (self.geometry,))

    def __repr__(self) -> str:
        return f"PerThreadGeometry({self.geometry.geom_type})"


class SharedSwitch:
    """A process-wide setting changed for the duration of overlapping ``with`` blocks.

    ``save()`` returns the current state, ``apply()`` sets ours, ``restore(saved)`` puts
    the saved state back. The first thread to enter saves and applies; the last to
    leave restores; in between, the count of holders is all that changes.
    """

    def __init__(self, save: Callable[[], object], apply: Callable[[], None], restore: Callable[[object], None]):
        self._save, self._apply, self._restore = save, apply, restore
        self._lock = threading.Lock()
        self._holders = 0
        self._saved = None

    def __enter__(self):
        with self._lock:
            if self._holders == 0:
                self._saved = self._save()
                self._apply()
            self._holders += 1
        return self

    def __exit__(self, *exc):
        with self._lock:
            self._holders -= 1
            if self._holders == 0:
                saved, self._saved = self._saved, None
                self._restore(saved)
        return False

    @property
    def holders(self) -> int:
        """Blocks inside the switch now (0: the process is in its own state)."""
        return self._holders


def _gc_save():
    return gc.isenabled()


def _gc_restore(was_enabled) -> None:
    if was_enabled:
        gc.enable()


_COLLECTOR = SharedSwitch(_gc_save, gc.disable, _gc_restore)


def collector_paused() -> SharedSwitch:
    """Pause the cyclic garbage collector for the block (``with collector_paused(): ...``).

    A step that makes 10^5 geometries (shapely objects are tracked by the collector)
    triggers full collections that rescan every object of the process: measured on the
    200 km2 sampling grid (125,000 units, serial), 2-3 full collections took 0.22-0.36 s
    of a 0.75 s run (``gc.callbacks``); none of those objects is in a reference cycle.
    The pause is process-wide, so it lasts only while a step runs and is shared by
    overlapping callers: the collector is back as the first caller found it when the
    last one leaves.
    """
    return _COLLECTOR


def _blas_controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - pinned in requirements.txt
        return None
    return ThreadpoolController()


def _blas_save():
    """The BLAS libraries loaded now, with their thread counts (None without threadpoolctl)."""
    controller = _blas_controller()
    if controller is None:
        return None
    libs = controller.select(user_api="blas").lib_controllers
    return [(lib, lib.num_threads) for lib in libs]


def _blas_set(saved, threads: Optional[int]) -> None:
    for lib, before in saved or ():
        lib.set_num_threads(before if threads is None else threads)


class _BlasSwitch(SharedSwitch):
    def __init__(self):
        super().__init__(self._save_state, lambda: _blas_set(self._state, 1), lambda saved: _blas_set(saved, None))
        self._state = None

    def _save_state(self):
        self._state = _blas_save()
        return self._state


_BLAS = _BlasSwitch()


def blas_single_thread() -> SharedSwitch:
    """OpenBLAS (or another BLAS threadpoolctl knows) on one thread for the block.

    Our threads run numpy on separate bands; a BLAS pool woken by a matrix product on
    each of them would start its own threads on the same cores. Set through
    threadpoolctl, shared by overlapping callers (:class:`SharedSwitch`): the limit the
    first caller found is back when the last one leaves.
    """
    return _BLAS


def blas_threads() -> list:
    """``(library, threads)`` of every BLAS loaded in the process (for tests and logs)."""
    controller = _blas_controller()
    if controller is None:
        return []
    return [(lib.filepath, lib.num_threads) for lib in controller.select(user_api="blas").lib_controllers]
