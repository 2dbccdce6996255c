"""pyproj in QGIS's task threads: the PROJ context of a reused pool thread stays valid across runs
(processing/threads.py). The crash it prevents is reproduced in a child process, so that it can
be seen to happen where the installed pyproj is affected (3.7.x: Debian trixie, QGIS 3.40)."""

from __future__ import annotations

import os
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
