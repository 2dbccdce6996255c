"""pyproj's PROJ context in QGIS's task threads: kept alive for pyproj 3.7.

Why: pyproj 3.7 keeps one PROJ context per thread, the pointer in the OS thread's storage
(``PyThread_tss``) and its owner, which destroys the context, in a ``threading.local``: in the
*Python thread state*. QGIS runs a background algorithm (a QgsTask) in a pool thread that Python
did not create: each run gets a new Python thread state, deleted when the run returns, and with
it the owner, which destroys the context; the pointer stays in the OS thread's storage, and the
next run on that pool thread hands the freed context to PROJ: a segmentation fault in
``pyproj.CRS()``. Upstream: pyproj issue #1509 (Qt thread pools); pyproj 3.8 keeps the context
only in the ``threading.local`` (pull request #1626).

Measured in the matrix roots (``tests/qgis/test_threads.py``): two QRunnables on one reused
QThreadPool thread, each making a CRS, crash on the second with pyproj 3.7.1
(Debian trixie, QGIS 3.40.6) and do not with pyproj 3.8.0 (Debian sid) nor with a plain Python
thread (its thread state lives as long as the thread). pyproj 3.4 (Debian 12, QGIS 3.22) makes
a context per object and is not affected.

Where it matters: every QGIS that runs our algorithms in task threads with pyproj 3.7 installed
(QGIS < 3.40; on QGIS >= 3.40 they still run in the main thread for a second crash not yet
understood, see ``ReeAlgorithm.flags``).

The workaround: at the start of each run in a thread other than the main one, the owner of the
thread's context is kept here, so the context outlives the run's thread state and the pointer
stays valid for the thread's next run. One context per pool thread is kept (a pool has a few
threads; those of threads that ended are let go on Linux, where ``/proc`` lists the live ones).
"""

from __future__ import annotations

import os
import threading

_KEPT: dict = {}
"""OS thread id -> pyproj's owner of that thread's PROJ context."""
_LOCK = threading.Lock()


def pyproj_context_per_thread_state() -> bool:
    """Whether this pyproj ties its per-thread PROJ context to the Python thread state (3.7.x)."""
    try:
        import pyproj
        from pyproj import _context  # noqa: PLC2701 - the context owner is what must be kept
    except ImportError:
        return False
    return pyproj.__version__.startswith("3.7.") and hasattr(_context, "get_context_manager")


def _live(thread_id: int) -> bool:
    tasks = "/proc/self/task"
    return not os.path.isdir(tasks) or os.path.exists(f"{tasks}/{thread_id}")


def keep_thread_context() -> bool:
    """Keep the PROJ context of the current (non-main) thread alive after its Python thread state
    ends (see the module docstring); True when a context was kept now."""
    if threading.current_thread() is threading.main_thread() or not pyproj_context_per_thread_state():
        return False
    from pyproj import CRS, _context  # noqa: PLC2701

    thread_id = threading.get_native_id()
    with _LOCK:
        for ended in [t for t in _KEPT if t != thread_id and not _live(t)]:
            del _KEPT[ended]
        # makes the thread's context if it has none: then (and only then) this thread state owns it
        CRS.from_epsg(4326)
        owner = _context.get_context_manager()
        if owner is None:  # the context kept at an earlier run on this thread serves
            return False
        _KEPT[thread_id] = owner  # a new thread (or one whose id was reused): its context is kept
        return True


def kept_threads() -> list:
    """The OS thread ids whose PROJ context is kept (for tests)."""
    with _LOCK:
        return sorted(_KEPT)
