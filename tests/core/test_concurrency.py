"""core.concurrency: results in order, the same as serial, errors raised, collector restored."""

import gc
import threading

import numpy as np
import pytest
import shapely

from ree_damage.core.concurrency import default_workers, gc_paused, run_together, split_map


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


def test_run_together_raises_after_all_finished():
    done = []

    def slow():
        done.append("slow")
        return 1

    def bad():
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        run_together(bad, slow, workers=2)
    assert done == ["slow"]


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
