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
(Debian trixie's QGIS 3.40 among them).

The workaround: at the start of each run in a thread other than the main one, the owner of the
thread's context is kept here, so the context outlives the run's thread state and the pointer
stays valid for the thread's next run. One context per pool thread is kept (a pool has a few
threads; those of threads that ended are let go on Linux, where ``/proc`` lists the live ones).

The project in a task thread: QGIS frees the project's expression scope from the task thread.
The second crash of background runs (QGIS 3.40, ``tests/qgis/test_panel_map_tools.py``): a
segmentation fault in the main thread, in ``QgsProject::createExpressionContextScope`` called by
the map canvas's refresh (cloning the project's cached scope, or adding variables to it), while a
task thread opened a source. Found with a hardware watchpoint on the cache
(``QgsProject::mProjectScope``): the task thread writes it in ``QgsProject::layerStore()``, the
non-const accessor, which resets (deletes) the cached scope on every call; it is called by
``QgsProcessingUtils::mapLayerFromString`` ("prefer project layers") for every layer parameter
(``parameterAsSource``, ``parameterAsRasterLayer``...) when the run's context has a project. So a
task thread deletes the scope the main thread is copying at that moment: a use after free,
whenever a canvas refresh meets a layer parameter being read. The same code is in QGIS 3.22,
3.40 and 3.44 (``layerStore()`` disassembled in each); it is QGIS's race, for every algorithm run
in a task with the project in its context.

The workaround: a background run whose layer parameters name no layer of the project runs with no
project in its context (:func:`project_detached`, decided on the main thread by
:func:`names_project_layers`), so QGIS never reaches the project from the task thread; the layers
it asks to load at the end still name the project (:func:`output_project`). A run given a layer
of the project itself (by id or name, from the Processing dialog) keeps the project, as QGIS's own
algorithms do. The case panel passes files only and runs with no project at all.
"""

from __future__ import annotations

import contextlib
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


# ------------------------------------------------------------------ the project and task threads
def on_main_thread() -> bool:
    """Whether the caller runs on QGIS's main (GUI) thread."""
    from qgis.PyQt.QtCore import QCoreApplication, QThread

    app = QCoreApplication.instance()
    return app is None or QThread.currentThread() == app.thread()


def _layer_strings(value):
    """The strings a layer parameter's value may name a layer by; None when it cannot be told
    without evaluating (an expression)."""
    from qgis.core import QgsMapLayer, QgsProcessingFeatureSourceDefinition, QgsProperty

    if value is None or isinstance(value, (QgsMapLayer, bool, int, float)):
        return []  # a layer object is used as it is, never looked up in the project
    if isinstance(value, str):
        return [value]
    if isinstance(value, QgsProcessingFeatureSourceDefinition):
        value = value.source
    if isinstance(value, QgsProperty):
        from qgis.core import Qgis

        types = getattr(Qgis, "PropertyType", None)  # QGIS >= 3.36; QgsProperty.Type before
        static = types.Static if types is not None else QgsProperty.Type.StaticProperty
        return [value.staticValue()] if value.propertyType() == static else None
    if isinstance(value, (list, tuple)):
        found = []
        for item in value:
            strings = _layer_strings(item)
            if strings is None:
                return None
            found += strings
        return found
    return [str(value)]


def names_project_layers(algorithm, parameters: dict, context) -> bool:
    """Whether an input parameter names a layer of the context's project (by id, name or
    source), as QGIS would find it; call on the main thread (prepareAlgorithm)."""
    from qgis.core import QgsProcessingContext, QgsProcessingUtils

    project = context.project() if context is not None else None
    if project is None:
        return False
    probe = QgsProcessingContext()  # the project only: what mapLayerFromString looks in first
    probe.setProject(project)
    for definition in algorithm.parameterDefinitions():
        if definition.isDestination() or definition.name() not in parameters:
            continue
        strings = _layer_strings(parameters[definition.name()])
        if strings is None:
            return True  # an expression: it may name any layer
        for text in strings:
            if text and QgsProcessingUtils.mapLayerFromString(str(text), probe, False) is not None:
                return True
    return False


@contextlib.contextmanager
def project_detached(context, detach: bool):
    """Run with no project in ``context`` when ``detach`` and the caller is a task thread (see
    the module docstring); the project is put back afterwards."""
    project = context.project() if context is not None else None
    if not detach or project is None or on_main_thread():
        yield
        return
    context.setProject(None)
    try:
        yield
    finally:
        context.setProject(project)


def output_project(algorithm, context):
    """The project the layers a run loads at the end go into (its context's, even while the run
    has it detached)."""
    kept = getattr(algorithm, "_run_project", None)
    return kept if kept is not None else (context.project() if context is not None else None)
