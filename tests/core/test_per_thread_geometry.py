"""PerThreadGeometry: each thread queries its own prepared copy of a geometry.

GEOS's prepared geometries build their indexes lazily and keep scratch state in them, so two
threads querying one prepared geometry corrupt the heap (libgeos/geos#825). The vegetation
blocks query the case area from several threads; with one shared prepared area the QGIS test
suite crashed in CI (``contains_properly`` in ``centre_mask_by_tiles``, two worker threads)."""

import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import shapely

from ree_damage.core.common.parallel import PerThreadGeometry


def _ragged_ring(n=400, seed=0):
    rng = np.random.default_rng(seed)
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radius = 1000 + 200 * rng.random(n)
    return shapely.Polygon(np.column_stack([radius * np.cos(angles), radius * np.sin(angles)]))


def test_each_thread_gets_its_own_prepared_exact_copy():
    area = _ragged_ring()
    shared = PerThreadGeometry(area)
    copies = {}

    def take(name):
        copies[name] = (shared.get(), shared.get())

    threads = [threading.Thread(target=take, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    take("main")
    firsts = [first for first, _ in copies.values()]
    assert all(first is second for first, second in copies.values())  # one copy per thread, kept
    assert len({id(g) for g in firsts}) == 4 and all(g is not area for g in firsts)
    assert all(shapely.is_prepared(g) for g in firsts)
    assert not shapely.is_prepared(area)  # the caller's geometry is left as it was
    assert all(shapely.to_wkb(g) == shapely.to_wkb(area) for g in firsts)  # every coordinate


def test_pickles_as_its_geometry():
    area = _ragged_ring(50)
    back = pickle.loads(pickle.dumps(PerThreadGeometry(area)))
    assert isinstance(back, PerThreadGeometry)
    assert shapely.to_wkb(back.get()) == shapely.to_wkb(area)


_RACE = r"""
import threading
import numpy as np
import shapely
from affine import Affine
from ree_damage.core.common.parallel import PerThreadGeometry
from ree_damage.core.imagery import vegetation as veg

rng = np.random.default_rng(0)
angles = np.sort(rng.uniform(0, 2 * np.pi, 4000))
radius = 1000 + 200 * rng.random(4000)
area = shapely.Polygon(np.column_stack([radius * np.cos(angles), radius * np.sin(angles)]))
veg.MASK_TILE = 16
transform, shape = Affine(10.0, 0, -1300, 0, -10.0, 1300), (260, 260)
x, y = np.meshgrid(-1295 + 10.0 * np.arange(260), 1295 - 10.0 * np.arange(260))
expected = shapely.contains_xy(area, x, y)
for _ in range(ROUNDS):
    shared = PerThreadGeometry(area)  # new each round: GEOS builds its indexes on first queries
    barrier = threading.Barrier(2)
    masks = []

    def work():
        barrier.wait()
        masks.append(veg._area_mask_of_grid(shared, transform, shape))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(masks) == 2 and all(np.array_equal(m, expected) for m in masks)
print("ok")
"""


def test_two_threads_masking_one_area_at_once():
    """Two threads at once on a fresh area, round after round, in a child process (a crash
    fails the test instead of killing the run). With one shared prepared area instead of
    the copies, this loop aborted (heap corruption) 3 runs in 3 (shapely 2.1.1, GEOS 3.11.1)."""
    import ree_damage

    env = dict(os.environ, PYTHONPATH=str(Path(ree_damage.__path__[0]).parent))
    script = _RACE.replace("ROUNDS", "60")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", (proc.returncode, proc.stderr[-2000:])
