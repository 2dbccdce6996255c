"""core.kernels (numba): the nearest-point search against scipy's k-d tree, the tiling model."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from ree_damage.core.common import kernels

pytestmark = pytest.mark.skipif(not kernels.AVAILABLE, reason="numba is not installed")


def _check(points, queries):
    got = kernels.nearest_points(points[:, 0], points[:, 1], queries[:, 0], queries[:, 1], workers=2)
    d, ref = cKDTree(points).query(queries, k=1)
    answered = got >= 0
    np.testing.assert_array_equal(got[answered], ref[answered])
    # what is left for the tree: ties, or queries far from every point
    d2 = ((queries[:, None, :] - points[None, :, :]) ** 2).sum(-1)
    two = np.sort(d2, axis=1)[:, :2] if len(points) > 1 else np.c_[d2, np.full(len(d2), np.inf)]
    tie = two[:, 1] <= two[:, 0] * (1 + 1e-12)
    assert not (answered & tie).any()
    return got


def test_nearest_matches_the_kd_tree_and_leaves_ties():
    rng = np.random.default_rng(5)
    points = rng.uniform(0, 5000, (3000, 2))
    queries = rng.uniform(-200, 5200, (20000, 2))
    got = _check(points, queries)
    assert (got >= 0).mean() > 0.99
    # a lattice of points: a query at a cell centre is equally far from four of them
    grid = np.array([[x, y] for x in range(0, 50, 10) for y in range(0, 50, 10)], dtype=float)
    got = _check(grid, np.array([[5.0, 5.0], [1.0, 2.0], [25.0, 25.0]]))
    assert got[0] == -1 and got[1] >= 0
    # duplicates: two points at one place tie for every query
    dup = np.array([[0.0, 0.0], [0.0, 0.0], [100.0, 0.0]])
    assert _check(dup, np.array([[1.0, 0.0], [90.0, 0.0]])).tolist() == [-1, 2]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 200),
    m=st.integers(1, 200),
    spread=st.floats(1e-3, 1e5),
    clustered=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_nearest_property(n, m, spread, clustered, seed):
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, spread, (n, 2))
    if clustered:  # everything in one corner: far queries are left to the tree
        points = points * 1e-3
    queries = rng.uniform(-0.1 * spread, 1.1 * spread, (m, 2))
    _check(points, queries)


def test_lattice_tiling_grows_tiles_with_candidates():
    k, n = 12, 1000
    dk = math.sqrt(k * 1e6 / (math.pi * n))
    tile, kc, cost = kernels.lattice_tiling(n, k, dk, 0.5, 4_000_000)
    assert kc >= k + 2 and 1 <= tile <= 64 and cost > 0
    big_tile, big_kc, _ = kernels.lattice_tiling(n, k, dk, 0.5, 4_000_000, pair_s=kernels.KRIGING_PAIR_S)
    assert big_kc >= kc and big_tile >= tile  # cheaper pairs buy bigger tiles
    assert kernels.lattice_tiling(5, 3, 10.0, 1.0, 100)[1] == 5  # never more candidates than points


def test_warm_up_and_switch(monkeypatch):
    kernels.warm_up()
    monkeypatch.setenv("REE_DAMAGE_NUMBA", "0")
    assert not kernels.enabled() and not kernels.forced()
    monkeypatch.setenv("REE_DAMAGE_NUMBA", "always")
    assert kernels.enabled() and kernels.forced()
    monkeypatch.delenv("REE_DAMAGE_NUMBA")
    assert kernels.enabled() and not kernels.forced()


def test_kernels_from_several_threads_at_once(monkeypatch):
    """Algorithms on several QGIS threads: launches are serialised, results unchanged."""
    import threading

    from ree_damage.core.geo.raster_io import GridSpec
    from ree_damage.core.interp.idw import idw_grid

    monkeypatch.setenv("REE_DAMAGE_NUMBA", "always")
    rng = np.random.default_rng(3)
    xy, z = rng.uniform(0, 500, (300, 2)), rng.normal(size=300)
    grid = GridSpec.from_bounds((0, 0, 500, 500), 2.0, "EPSG:4547")
    ref = idw_grid(xy, z, grid, k=12)
    out = [None] * 4

    def run(i):
        out[i] = idw_grid(xy, z, grid, k=12)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(o is not None and np.array_equal(o, ref, equal_nan=True) for o in out)


# --------------------------------------------------------------------------- loading


def test_core_does_not_import_numba(tmp_path):
    """Loading core (and so the provider) leaves numba unimported (0.4 s): it comes with
    the first kernel a step asks for."""
    import subprocess
    import sys
    from pathlib import Path

    import ree_damage

    code = (
        "import sys\n"
        "import ree_damage.core.interp.interpolation, ree_damage.core.survey.sampling, "
        "ree_damage.core.geo.crs, ree_damage.core.common.provenance as p\n"
        "p.library_versions()\n"
        "print('numba' in sys.modules)\n"
    )
    env = {"PYTHONPATH": str(Path(ree_damage.__path__[0]).parent), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.stdout.strip() == "False", out.stderr[-2000:]


@pytest.fixture
def fresh_loader(monkeypatch):
    """The kernels' loader as in a new process whose numba cache is empty, with a fake
    compiler that hands out the real kernels and counts what this process compiles."""
    assert kernels.warm_up()  # the real kernels, to hand out
    real = dict(kernels._LOAD["kernels"])
    compiled = []

    def fake_compile(name):
        compiled.append(name)
        return real[name]

    monkeypatch.setattr(kernels, "_LOAD", {"state": "cold", "error": None, "kernels": {}, "spawned": False})
    monkeypatch.setattr(kernels, "_compile_one", fake_compile)
    monkeypatch.setattr(kernels, "cache_present", lambda *names: False)
    monkeypatch.setattr(kernels, "compiler_running", lambda: False)
    monkeypatch.setattr(kernels, "spawn_compiler", lambda: False)  # no Python interpreter found
    monkeypatch.delenv("REE_DAMAGE_NUMBA", raising=False)
    yield compiled


def test_without_cache_the_numpy_path_serves_and_nothing_compiles_here(fresh_loader, monkeypatch):
    """auto, no cache, no Python interpreter to compile in: the step does not wait, runs
    the numpy path and records no kernel; this process compiles nothing (LLVM compiling
    on a thread of a QGIS process aborted it); once the cache is there, steps load and
    run the kernel."""
    from ree_damage.core.geo.raster_io import GridSpec
    from ree_damage.core.interp.idw import idw_grid

    rng = np.random.default_rng(4)
    xy, z = rng.uniform(0, 500, (200, 2)), rng.normal(size=200)
    grid = GridSpec.from_bounds((0, 0, 500, 500), 1.0, "EPSG:4547")  # few points, many cells: compiled wins
    with kernels.recording() as first:
        a = idw_grid(xy, z, grid, k=12)
    assert first == set() and fresh_loader == [] and kernels._LOAD["state"] == "cold"
    monkeypatch.setattr(kernels, "cache_present", lambda *names: True)  # filled by a compiler process
    with kernels.recording() as second:
        b = idw_grid(xy, z, grid, k=12)
    assert second == {"idw_lattice"} and fresh_loader == ["idw_lattice"]  # only what the step needs
    np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-6)  # float32 surfaces, two paths


def test_a_cache_being_written_is_not_read(fresh_loader, monkeypatch):
    monkeypatch.setattr(kernels, "cache_present", lambda *names: True)
    monkeypatch.setattr(kernels, "compiler_running", lambda: True)
    assert not kernels.usable("idw_lattice") and fresh_loader == []
    monkeypatch.setattr(kernels, "compiler_running", lambda: False)  # the compiler has finished
    assert kernels.usable("idw_lattice") and fresh_loader == ["idw_lattice"]


def test_forced_loads_on_the_calling_thread(fresh_loader):
    with kernels.path("always"):
        assert kernels.usable("dms_lengths")  # compiled here, as asked
    assert fresh_loader == ["dms_lengths"]
    with kernels.path("0"):
        assert not kernels.usable()


def test_a_broken_numba_leaves_the_numpy_path(monkeypatch, fresh_loader):
    def broken(name):
        raise ImportError("numba built for another numpy")

    monkeypatch.setattr(kernels, "_compile_one", broken)
    assert not kernels.warm_up()
    assert not kernels.enabled() and not kernels.usable()
    assert "another numpy" in kernels.load_error()


def test_without_cache_a_separate_process_compiles(monkeypatch, fresh_loader):
    """auto, no cache: a compiler process is started once (it outlives a one-shot
    qgis_process run); this process compiles nothing and the numpy path serves until
    the cache is there, then the kernels load from it."""
    spawned = []
    monkeypatch.setattr(kernels, "spawn_compiler", lambda: spawned.append(1) or True)
    assert not kernels.usable("idw_lattice") and not kernels.usable("ok_lattice")
    assert spawned == [1] and kernels._LOAD["state"] == "cold" and fresh_loader == []
    monkeypatch.setattr(kernels, "cache_present", lambda *names: True)  # the compiler has finished
    assert kernels.usable("idw_lattice")


def test_the_compiler_process_fills_the_cache_and_removes_its_lock(tmp_path, monkeypatch):
    """The real detached compiler, on an empty numba cache (compiles: 10-25 s)."""
    import time

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    monkeypatch.setattr(kernels, "_compiler_lock", lambda: str(tmp_path / "compile.lock"))
    assert not kernels.cache_present()
    assert kernels.spawn_compiler()
    assert kernels.spawn_compiler()  # one compiler at a time: the lock says it runs
    deadline = time.monotonic() + 240
    while (tmp_path / "compile.lock").exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not (tmp_path / "compile.lock").exists()
    assert kernels.cache_present()
