"""core.concurrency: results in order, the same as serial, errors raised, collector restored."""

import gc
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import shapely

from ree_damage.core.common.parallel import SharedWork, default_workers, gc_paused, run_together, split_map


def test_run_together_keeps_order_and_uses_another_thread():
    names = run_together(
        lambda: threading.current_thread().name,
        lambda: threading.current_thread().name,
        lambda: 3,
        workers=2,
    )
    assert names[0] == threading.current_thread().name
    assert names[1].startswith("ree_damage")
    assert names[2] == 3


def test_run_together_serial_with_one_worker():
    here = threading.current_thread().name
    assert run_together(lambda: threading.current_thread().name, lambda: threading.current_thread().name, workers=1) == [
        here,
        here,
    ]


def test_run_together_raises_the_first_error_in_argument_order_after_all_finished():
    done = []

    def slow():
        time.sleep(0.05)
        done.append("slow")
        raise KeyError("second")

    def bad():
        raise ValueError("first")

    # "bad" fails at once on the pool; the local call fails later: still "bad" is raised
    with pytest.raises(ValueError, match="first"):
        run_together(bad, slow, here=1, workers=2)
    assert done == ["slow"]
    done.clear()
    with pytest.raises(ValueError, match="first"):
        run_together(bad, slow, here=0, workers=2)
    assert done == ["slow"]  # waited for the pool call before raising


def test_here_chooses_the_call_made_on_the_calling_thread():
    me = threading.current_thread().name
    names = run_together(
        lambda: threading.current_thread().name, lambda: threading.current_thread().name, here=1, workers=2
    )
    assert names[1] == me and names[0] != me


_NESTED = """
from concurrent.futures import ThreadPoolExecutor
from ree_damage.core.common.parallel import run_together

def inner():
    return run_together(lambda: 1, lambda: 2, lambda: 3, workers=4)

def outer():
    return run_together(inner, inner, inner, inner, workers=4)

with ThreadPoolExecutor(max_workers=8) as callers:
    results = list(callers.map(lambda _: outer(), range(8)))
assert results == [[[1, 2, 3]] * 4] * 8, results
print("ok")
"""


def test_nested_calls_from_pool_threads_cannot_deadlock():
    """Many concurrent callers whose pool tasks call run_together again: the inner
    calls run serially on the pool thread, so the run finishes (in a child process,
    so that a deadlock fails the test instead of hanging it)."""
    import ree_damage

    env = dict(os.environ, PYTHONPATH=str(Path(ree_damage.__path__[0]).parent))
    proc = subprocess.run([sys.executable, "-c", _NESTED], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


def test_split_map_equals_serial_for_geometries_and_numbers():
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 1000, 50_001), rng.uniform(0, 1000, 50_001)
    serial = shapely.box(x, y, x + 40, y + 40)
    parallel = split_map(lambda a, b: shapely.box(a, b, a + 40, b + 40), x, y, min_size=1000, workers=3)
    assert parallel.dtype == object and parallel.size == serial.size
    assert shapely.equals_exact(parallel, serial, tolerance=0).all()
    pairs = split_map(lambda a, b: np.column_stack([a, b]), x, y, min_size=1000, workers=2)
    np.testing.assert_array_equal(pairs, np.column_stack([x, y]))


def test_default_workers_from_environment(monkeypatch):
    monkeypatch.setenv("REE_DAMAGE_THREADS", "1")
    assert default_workers() == 1
    monkeypatch.setenv("REE_DAMAGE_THREADS", "junk")
    assert 1 <= default_workers() <= 4


def test_gc_paused_restores_the_collector():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # it was off before: left off
    finally:
        gc.enable()


def test_shared_work_runs_each_task_once_on_both_threads_with_results_in_order():
    shared = SharedWork()
    ran = []  # (task, thread) pairs
    lock = threading.Lock()

    def task(i):
        def run():
            time.sleep(0.002)  # long enough for the other thread to take tasks too
            with lock:
                ran.append((i, threading.current_thread().name))
            return i * i

        return run

    def adder():
        try:
            for i in range(40):
                shared.add(task(i))
        finally:
            shared.close()
        shared.work()
        return "adder"

    def helper():
        shared.work()  # may start before any task is added: it waits for them
        return "helper"

    assert run_together(adder, helper, workers=2) == ["adder", "helper"]
    assert shared.results() == [i * i for i in range(40)]
    assert sorted(i for i, _ in ran) == list(range(40))  # every task once
    assert len({name for _, name in ran}) == 2  # both threads worked
    with pytest.raises(RuntimeError):
        shared.add(lambda: 0)


def test_shared_work_raises_the_first_error_in_task_order_and_never_hangs():
    shared = SharedWork()

    def boom(msg):
        def run():
            raise ValueError(msg)

        return run

    def adder():
        try:
            shared.add(lambda: 1)
            shared.add(boom("second"))
            shared.add(boom("third"))
            raise KeyError("the adder fails after adding")
        finally:
            shared.close()

    def helper():
        shared.work()
        return "helper"

    with pytest.raises(KeyError):
        run_together(adder, helper, workers=2)
    with pytest.raises(ValueError, match="second"):
        shared.results()
    # serial: the same, one thread does everything in argument order
    serial = SharedWork()
    out = run_together(lambda: [serial.add(lambda: 7), serial.close(), serial.work()], serial.work, workers=1)
    assert out[1] is None and serial.results() == [7]
