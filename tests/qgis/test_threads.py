"""Our algorithms in QGIS's task threads (processing/threads.py), the two crashes they once met,
each reproduced in a child process so that it can be seen to happen:

- pyproj 3.7's PROJ context of a reused pool thread freed between runs (Debian trixie, QGIS 3.40);
  kept valid across runs;
- QGIS's race on the project's cached expression scope: ``QgsProject::layerStore()``, called from
  the task thread for each layer parameter when the context has a project, deletes the scope the
  map canvas copies in the main thread (every QGIS version we run); a task run given files runs
  with no project in its context."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from ree_damage.processing.threads import pyproj_context_per_thread_state

from .conftest import PKG_PARENT

# three jobs, one after the other, on one pool thread that is kept and reused, as QGIS's
# task manager reuses its threads; each makes a CRS (what geopandas does reading a layer)
REPRODUCER = textwrap.dedent("""
    import sys, threading
    from qgis.PyQt.QtCore import QCoreApplication, QRunnable, QThreadPool
    app = QCoreApplication([])
    import pyproj
    from ree_damage.processing.threads import keep_thread_context, kept_threads
    keep = sys.argv[1] == "keep"
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    pool.setExpiryTimeout(-1)
    done = threading.Event()
    threads = []

    class Job(QRunnable):
        def run(self):
            if keep:
                keep_thread_context()
            threads.append(threading.get_native_id())
            print(pyproj.CRS.from_epsg(4547).name, flush=True)
            done.set()

    jobs = [Job() for _ in range(3)]
    for job in jobs:
        job.setAutoDelete(False)
        done.clear()
        pool.start(job)
        assert done.wait(60)
    print("threads", len(set(threads)), "kept", len(kept_threads()), flush=True)
""")


def _run(mode: str):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(PKG_PARENT))
    return subprocess.run([sys.executable, "-c", REPRODUCER, mode], env=env, capture_output=True, text=True,
                          timeout=300)


def test_a_reused_task_thread_keeps_its_proj_context():
    kept = _run("keep")
    assert kept.returncode == 0, kept.stderr[-2000:]
    lines = kept.stdout.splitlines()
    assert lines[:3] == ["CGCS2000 / 3-degree Gauss-Kruger CM 114E"] * 3
    affected = pyproj_context_per_thread_state()
    # one pool thread served the three jobs; its context is kept where pyproj needs it
    assert lines[3] == f"threads 1 kept {1 if affected else 0}"


def test_without_keeping_an_affected_pyproj_crashes():
    plain = _run("plain")
    if pyproj_context_per_thread_state():
        # pyproj 3.7: the second job hands the context freed after the first to PROJ
        assert plain.returncode != 0 and plain.stdout.splitlines()[:1] == ["CGCS2000 / 3-degree Gauss-Kruger CM 114E"]
    else:
        pytest.skip(f"this pyproj makes a PROJ context per object or per thread state: {plain.returncode}")


# ------------------------------------------------------------------ the project from a task thread
# QGIS's race (processing/threads.py): QgsProject::layerStore(), which QgsProcessingUtils::mapLayerFromString
# calls for each layer parameter when the context has a project, deletes the project's cached
# expression scope; a second thread calling it while the map canvas copies that scope (main thread)
SCOPE_RACE = textwrap.dedent("""
    import sys, threading, time
    from qgis.core import QgsApplication, QgsCoordinateReferenceSystem, QgsProject, QgsRectangle, QgsVectorLayer
    from qgis.gui import QgsMapCanvas
    app = QgsApplication([], True)
    app.initQgis()
    project = QgsProject.instance()
    for i in range(20):
        project.addMapLayer(QgsVectorLayer("Point?crs=EPSG:4547", f"layer {i}", "memory"))
    canvas = QgsMapCanvas()
    canvas.resize(300, 300)
    canvas.show()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4547"))
    canvas.setExtent(QgsRectangle(500000, 2800000, 501000, 2801000))
    canvas.setLayers(list(project.mapLayers().values()))
    stop = threading.Event()

    def worker():
        while not stop.is_set():
            if sys.argv[1] == "layerStore":
                project.layerStore()  # the non-const accessor: resets the scope
            else:
                project.mapLayers()  # const: reads the same store, leaves the scope alone

    thread = threading.Thread(target=worker)
    thread.start()
    end = time.monotonic() + 10
    while time.monotonic() < end:
        canvas.refresh()  # the canvas's refresh builds its expression context with the project's scope
        app.processEvents()
    stop.set()
    thread.join()
    print("survived", flush=True)
""")


def _race(mode: str):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(PKG_PARENT))
    return subprocess.run([sys.executable, "-c", SCOPE_RACE, mode], env=env, capture_output=True, text=True,
                          timeout=300)


def test_the_project_store_from_a_second_thread_crashes_the_canvas():
    # the const read of the project's layers from a second thread is survived for 10 s of refreshes
    reading = _race("mapLayers")
    assert reading.returncode == 0 and reading.stdout.split() == ["survived"], reading.stderr[-2000:]
    # the non-const accessor QGIS's Processing calls is not: a segmentation fault in the main thread
    resetting = _race("layerStore")
    assert resetting.returncode == -signal.SIGSEGV and "survived" not in resetting.stdout


def _probe_class():
    from qgis.core import QgsProcessingParameterFeatureSource

    from ree_damage.processing.base import ReeAlgorithm

    class ThreadProbe(ReeAlgorithm):
        """Records, in processAlgorithm, its thread and the project its context has."""

        seen = []

        def name(self):
            return "thread_probe"

        def displayName(self):  # noqa: N802 - QGIS API
            return "Thread probe"

        def groupId(self):  # noqa: N802 - QGIS API
            return "tools"

        def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
            self.addParameter(QgsProcessingParameterFeatureSource("INPUT", "Input"))

        def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
            import threading

            source = self.parameterAsSource(parameters, "INPUT", context)
            ThreadProbe.seen.append({
                "main": threading.current_thread() is threading.main_thread(),
                "project": context.project(),
                "features": source.featureCount(),
                "output_project": self.output_project(context),
            })
            return {}

    return ThreadProbe


def _in_task(algorithm, parameters, context):
    import time

    from qgis.core import QgsApplication, QgsProcessingAlgRunnerTask, QgsProcessingFeedback
    from qgis.PyQt.QtCore import QCoreApplication

    feedback = QgsProcessingFeedback()
    task = QgsProcessingAlgRunnerTask(algorithm, parameters, context, feedback)
    done = []
    task.executed.connect(lambda ok, results: done.append(ok))
    QgsApplication.taskManager().addTask(task)
    deadline = time.monotonic() + 120
    while not done:
        QCoreApplication.processEvents()
        time.sleep(0.01)
        assert time.monotonic() < deadline, "the task never finished"
    return done[0]


def test_a_task_run_reaches_the_project_only_for_a_project_layer(qgis_app, tmp_path):
    from qgis.core import (
        QgsProcessingContext,
        QgsProcessingFeatureSourceDefinition,
        QgsProject,
        QgsVectorLayer,
    )

    points = tmp_path / "points.geojson"
    points.write_text('{"type": "FeatureCollection", "features": ['
                      '{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [1, 2]}},'
                      '{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [3, 4]}}]}',
                      encoding="utf-8")
    probe = _probe_class()
    project = QgsProject.instance()
    project.clear()
    context = QgsProcessingContext()
    context.setProject(project)
    try:
        # a file: the task thread runs with no project (QGIS never reaches it), layers to load still name it
        assert _in_task(probe(), {"INPUT": str(points)}, context)
        (seen,) = probe.seen
        assert not seen["main"] and seen["project"] is None and seen["features"] == 2
        assert seen["output_project"] is project
        # a layer of the project, by id (as the Processing dialog passes it): the project is kept
        layer = QgsVectorLayer(str(points), "points in the project", "ogr")
        assert layer.isValid()
        project.addMapLayer(layer)
        probe.seen.clear()
        assert _in_task(probe(), {"INPUT": layer.id()}, context)
        (seen,) = probe.seen
        assert not seen["main"] and seen["project"] is project and seen["features"] == 2
        # ... also its selected features only (the layer itself is needed for its selection)
        probe.seen.clear()
        assert _in_task(probe(), {"INPUT": QgsProcessingFeatureSourceDefinition(layer.id(), False)}, context)
        assert probe.seen[0]["project"] is project
        # on the main thread nothing is detached
        probe.seen.clear()
        results, ok = probe().run({"INPUT": str(points)}, context, None)
        assert ok and probe.seen[0]["main"] and probe.seen[0]["project"] is project
        assert context.project() is project
    finally:
        project.clear()
