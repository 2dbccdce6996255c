"""core.common.parallel: results in order, errors raised, no deadlock, and no process-wide
switch (garbage collector, BLAS threads) left changed, even by overlapping callers."""

import gc
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import threadpoolctl

from ree_damage.core.common.parallel import (
    SharedSwitch,
    blas_single_thread,
    blas_threads,
    collector_paused,
    default_workers,
    map_ordered,
)


def test_map_ordered_keeps_order_and_uses_the_pool():
    def slow_name(i):
        time.sleep(0.02 * (5 - i))  # the first items finish last
        return i, threading.current_thread().name

    out = map_ordered(slow_name, range(5), workers=2)
    assert [i for i, _ in out] == [0, 1, 2, 3, 4]
    assert all(name.startswith("ree_damage_pool") for _, name in out)


def test_map_ordered_serial_with_one_worker_and_progress_in_order():
    me = threading.current_thread().name
    done = []
    out = map_ordered(lambda i: (i * i, threading.current_thread().name), range(4), workers=1, on_result=done.append)
    assert out == [(0, me), (1, me), (4, me), (9, me)]
    assert done == [1, 2, 3, 4]


def test_map_ordered_raises_the_first_error_in_item_order():
    def work(i):
        if i == 1:
            time.sleep(0.1)  # fails later in time than item 3
            raise ValueError("item 1")
        if i == 3:
            raise KeyError("item 3")
        return i

    with pytest.raises(ValueError, match="item 1"):
        map_ordered(work, range(6), workers=2)


def test_map_ordered_stops_when_on_result_raises():
    started = []

    def work(i):
        started.append(i)
        time.sleep(0.01)
        return i

    def cancel(done):
        if done == 2:
            raise RuntimeError("canceled")

    with pytest.raises(RuntimeError, match="canceled"):
        map_ordered(work, range(40), workers=2, on_result=cancel)
    assert len(started) < 40  # at most 2 x workers ahead of the last result


_NESTED = """
from concurrent.futures import ThreadPoolExecutor
from ree_damage.core.common.parallel import map_ordered

def inner(_):
    return map_ordered(lambda i: i + 1, range(3), workers=4)

def outer():
    return map_ordered(inner, range(4), workers=4)

with ThreadPoolExecutor(max_workers=8) as callers:
    results = list(callers.map(lambda _: outer(), range(8)))
assert results == [[[1, 2, 3]] * 4] * 8, results
print("ok")
"""


def test_nested_calls_from_pool_threads_cannot_deadlock():
    """Many concurrent callers whose pool tasks call map_ordered again: the inner calls
    run serially on the pool thread, so the run finishes (in a child process, so that a
    deadlock fails the test instead of hanging it)."""
    import ree_damage

    env = dict(os.environ, PYTHONPATH=str(Path(ree_damage.__path__[0]).parent))
    proc = subprocess.run([sys.executable, "-c", _NESTED], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


def test_default_workers_from_environment(monkeypatch):
    monkeypatch.setenv("REE_DAMAGE_THREADS", "1")
    assert default_workers() == 1
    monkeypatch.delenv("REE_DAMAGE_THREADS")
    assert 1 <= default_workers() <= 4


def test_shared_switch_is_restored_by_the_last_leaver_whatever_the_order():
    """Hand-worked: state 'user'; A enters (saves 'user', sets 'ours'); B enters (no
    change); A leaves first: still 'ours' (B runs on); B leaves: back to 'user'."""
    state = ["user"]
    log = []

    def save():
        log.append("save")
        return state[0]

    def apply():
        state[0] = "ours"

    def restore(saved):
        log.append(f"restore {saved}")
        state[0] = saved

    switch = SharedSwitch(save, apply, restore)
    a, b = switch.__enter__(), switch.__enter__()
    assert state == ["ours"] and switch.holders == 2
    a.__exit__(None, None, None)
    assert state == ["ours"] and switch.holders == 1
    b.__exit__(None, None, None)
    assert state == ["user"] and switch.holders == 0
    assert log == ["save", "restore user"]
    with pytest.raises(KeyError):
        with switch:
            raise KeyError("x")
    assert state == ["user"] and switch.holders == 0


def test_collector_paused_keeps_a_disabled_collector_disabled():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # the caller's choice stays
    finally:
        gc.enable()


def test_blas_single_thread_sets_and_restores():
    before = blas_threads()
    if not before:
        pytest.skip("no BLAS library known to threadpoolctl is loaded")
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        with blas_single_thread():
            assert all(n == 1 for _, n in blas_threads())
            with blas_single_thread():
                pass
            assert all(n == 1 for _, n in blas_threads())
        assert all(n == 2 for _, n in blas_threads())
    assert blas_threads() == before


def _process_state():
    import numba

    return {
        "gc": gc.isenabled(),
        "gc_threshold": gc.get_threshold(),
        "thread_pools": {i["filepath"]: i["num_threads"] for i in threadpoolctl.threadpool_info()},
        "numba_threads": numba.get_num_threads(),
        "switch_holders": (collector_paused().holders, blas_single_thread().holders),
    }


@pytest.mark.parametrize("collector", ["enabled", "disabled"])
def test_two_algorithms_at_once_leave_the_process_as_it_was(monkeypatch, collector):
    """An IDW (numpy path: banded search on the pool under the BLAS switch), a second
    IDW (compiled kernel, numba threads) and a sampling grid (collector paused), started
    together on three threads, overlapping in every order; the collector (enabled, or
    disabled by the user), the BLAS and numba thread counts are what they were."""
    pytest.importorskip("numba")
    import geopandas as gpd
    import shapely

    from ree_damage.core.common import kernels
    from ree_damage.core.geo.raster_io import GridSpec
    from ree_damage.core.interp.idw import idw_grid
    from ree_damage.core.survey.sampling import sampling_grid

    rng = np.random.default_rng(5)
    xy, z = rng.uniform(0, 2000, (3000, 2)), rng.normal(size=3000)
    grid = GridSpec.from_bounds((0, 0, 2000, 2000), 2.0, "EPSG:4547")
    zones = gpd.GeoDataFrame(
        {"zone": ["INJ"]}, geometry=[shapely.Point(500000, 2800000).buffer(2500)], crs=4547
    )
    if collector == "disabled":
        gc.disable()
    try:
        before = _process_state()
        results, errors = {}, []

        def run(name, call):
            try:
                results[name] = call()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append((name, exc))

        def idw(setting):
            with kernels.path(setting):
                return idw_grid(xy, z, grid, k=12, workers=2)

        calls = {
            "idw numpy": lambda: idw("0"),
            "idw compiled": lambda: idw("always"),
            "sampling": lambda: sampling_grid(zones),
        }
        threads = [threading.Thread(target=run, args=item) for item in calls.items()]
        for t in threads:
            t.start()
        for t in threads:
            t.join(240)
        assert not errors, errors
        assert set(results) == set(calls)
        assert np.allclose(results["idw numpy"], results["idw compiled"], rtol=1e-5, atol=1e-6, equal_nan=True)
        after = _process_state()
        # a library loaded on the way (numba's OpenMP layer) is new, not changed
        after["thread_pools"] = {k: v for k, v in after["thread_pools"].items() if k in before["thread_pools"]}
        assert after == before
    finally:
        gc.enable()


def test_gdal_exceptions_are_restored_after_our_blocks():
    """GDAL's exception setting is process-wide (QGIS shares it): a block of ours turns it
    on and leaves it as it found it, also when blocks overlap and when it was already on."""
    from osgeo import gdal, ogr

    from ree_damage.core.geo.raster_io import gdal_exceptions

    before = (gdal.GetUseExceptions(), ogr.GetUseExceptions())
    for start in (False, True):
        _set_gdal_exceptions(gdal, ogr, start, start)
        with gdal_exceptions():
            with gdal_exceptions():
                assert gdal.GetUseExceptions() and ogr.GetUseExceptions()
            assert gdal.GetUseExceptions()  # the outer block still holds it
        assert (bool(gdal.GetUseExceptions()), bool(ogr.GetUseExceptions())) == (start, start)
    _set_gdal_exceptions(gdal, ogr, *before)


def _set_gdal_exceptions(gdal, ogr, with_gdal, with_ogr):
    """Set both flags (the bindings' handler stack: ogr is undone before gdal)."""
    if not with_ogr and ogr.GetUseExceptions():
        ogr.DontUseExceptions()
    if not with_gdal and gdal.GetUseExceptions():
        gdal.DontUseExceptions()
    if with_gdal and not gdal.GetUseExceptions():
        gdal.UseExceptions()
    if with_ogr and not ogr.GetUseExceptions():
        ogr.UseExceptions()


def test_contours_leave_gdal_as_they_found_it(tmp_path):
    import numpy as np
    import rasterio
    from affine import Affine
    from osgeo import gdal

    from ree_damage.core.terrain.volume import write_contours

    path = tmp_path / "dz.tif"
    z = np.add.outer(np.arange(20.0), np.arange(20.0)) - 20.0
    with rasterio.open(path, "w", driver="GTiff", width=20, height=20, count=1, dtype="float64",
                       crs="EPSG:4547", transform=Affine(2.0, 0, 500000.0, 0, -2.0, 2800000.0)) as ds:
        ds.write(z, 1)
    from osgeo import ogr

    before = (gdal.GetUseExceptions(), ogr.GetUseExceptions())
    _set_gdal_exceptions(gdal, ogr, False, False)
    try:
        write_contours(path, tmp_path / "contours.gpkg", 5.0)
        assert not gdal.GetUseExceptions() and not ogr.GetUseExceptions()
    finally:
        _set_gdal_exceptions(gdal, ogr, *before)
    assert (tmp_path / "contours.gpkg").exists()
