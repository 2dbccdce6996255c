"""Golden hash of sampling_grid outputs: speed work must not change a single value.

A deterministic case of a few thousand units (several zones, a holed zone, injection
holes, flow cells, a pond, pools as point and polygon, ditches, a control area) is run
through :func:`sampling_grid`; every column of the units and points (geometries as WKB
rounded to 1e-6 m), the control points and the compliance table are hashed.
"""

from __future__ import annotations

import hashlib

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ree_damage.core.survey.sampling import SamplingParams, sampling_grid

X0, Y0 = 500000.0, 2800000.0
CRS = 4547

# Recorded from commit 420cabcd3488b3916ecf2aa9e26ba85001f5c87f (HEAD, before the speed work on core/sampling.py).
GOLDEN_DEFAULT = "0e51f977216c8535887f60392c56ae77bd29a702b079c316bd9c7e753654bf8b"
GOLDEN_COUNT = "e5ac06f27ccc59ac27138a3415823f7fa991ccd79a58e6087e74988d69c9f409"
GOLDEN_NO_SOURCES = "62afc5c76889597c00d42cff881f28a004f5d3f1f35f8837922f1eafb44a1911"


def _lobed(cx, cy, radius, n=400, lobes=5, amp=0.15):
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = radius * (1 + amp * np.sin(lobes * t))
    return shapely.Polygon(np.c_[cx + r * np.cos(t), cy + r * np.sin(t)])


def _case():
    rng = np.random.default_rng(12345)
    inj = _lobed(X0, Y0, 900.0)
    prep = shapely.box(X0 + 1100, Y0 - 300, X0 + 1500, Y0 + 137.3)
    coll = shapely.difference(_lobed(X0 + 1300, Y0 + 900, 280.0, lobes=3, amp=0.3), inj)
    setl = shapely.difference(
        shapely.box(X0 - 1500, Y0 - 1217.7, X0 - 1000.5, Y0 - 700),
        _lobed(X0 - 1250, Y0 - 960, 90.0, lobes=4),
    )
    zones = gpd.GeoDataFrame(
        {"zone": ["INJ", "PREP", "COLL", "SETL"]}, geometry=[inj, prep, coll, setl], crs=CRS
    )
    minx, miny, maxx, maxy = inj.bounds
    xy = rng.uniform([minx, miny], [maxx, maxy], size=(900, 2))
    holes = shapely.points(xy)
    holes = holes[shapely.contains(inj, holes)][:400]
    cminx, cminy, cmaxx, cmaxy = coll.bounds
    fxy = rng.uniform([cminx, cminy], [cmaxx, cmaxy], size=(200, 2))
    flow = shapely.points(fxy)
    flow = flow[shapely.contains(coll, flow)][:60]
    geoms, types, ids, bottoms, weights = [], [], [], [], []
    for i, g in enumerate(holes):
        geoms.append(g), types.append("hole"), ids.append(f"H{i}"), bottoms.append(8.0 + i % 5)
        weights.append(1.0)
    for i, g in enumerate(flow):
        geoms.append(g), types.append("flow"), ids.append(f"F{i}"), bottoms.append(np.nan)
        weights.append(float(1 + i % 7))
    extra = [
        ("pool", shapely.box(X0 + 1200, Y0 - 100, X0 + 1231.5, Y0 - 77.2), 3.0),
        ("pool", shapely.Point(X0 + 1401.3, Y0 + 52.7), 2.5),
        ("pond", shapely.box(X0 - 1400, Y0 - 1100, X0 - 1330.3, Y0 - 1052.1), 4.0),
        ("pond", shapely.Point(X0 - 1050.2, Y0 - 760.9), 4.0),
        ("ditch", shapely.LineString([(X0 + 1100, Y0 + 800), (X0 + 1350, Y0 + 950), (X0 + 1500, Y0 + 900)]), 1.0),
        ("ditch", shapely.LineString([(X0 + 1150, Y0 + 1050), (X0 + 1200, Y0 + 1100)]), 1.2),
    ]
    for i, (t, g, b) in enumerate(extra):
        geoms.append(g), types.append(t), ids.append(f"X{i}"), bottoms.append(b), weights.append(1.0)
    sources = gpd.GeoDataFrame(
        {"source_type": types, "source_id": ids, "bottom_m": bottoms, "weight": weights},
        geometry=geoms,
        crs=CRS,
    )
    control = gpd.GeoDataFrame(geometry=[_lobed(X0 + 3000, Y0 + 2500, 160.0, n=60, lobes=3)], crs=CRS)
    boundary = gpd.GeoDataFrame(geometry=[shapely.box(X0 - 1600, Y0 - 1300, X0 + 1700, Y0 + 1300)], crs=CRS)
    return zones, sources, control, boundary


def _round_wkb(geoms) -> list:
    geoms = np.asarray(geoms, dtype=object)
    rounded = shapely.transform(geoms, lambda c: np.round(c, 6))
    return shapely.to_wkb(rounded, hex=True).tolist()


def _hash_frame(h, frame) -> None:
    h.update(repr(list(frame.columns)).encode())
    h.update(repr(len(frame)).encode())
    for col in frame.columns:
        values = frame[col]
        h.update(col.encode())
        h.update(str(values.dtype).encode())
        if col == "geometry":
            h.update("\n".join(_round_wkb(values.array)).encode())
        elif values.dtype.kind in "fiub":
            h.update(np.ascontiguousarray(values.to_numpy()).tobytes())
        else:
            h.update("\x1f".join(repr(v) for v in values.tolist()).encode())


def _digest(res) -> str:
    h = hashlib.sha256()
    for frame in (res.units, res.points, res.control_units, res.control_points):
        _hash_frame(h, pd.DataFrame(frame))
    _hash_frame(h, res.compliance)
    h.update(repr(res.warnings).encode())
    h.update(repr(res.case_area_m2).encode())
    return h.hexdigest()


def _run(with_sources=True, **params):
    zones, sources, control, boundary = _case()
    if not with_sources:
        sources = None
    return sampling_grid(
        zones, sources, boundary=boundary, control_area=control, params=SamplingParams(**params)
    )


def test_golden_default():
    res = _run()
    assert len(res.units) > 1500
    assert _digest(res) == GOLDEN_DEFAULT


def test_golden_default_serial(monkeypatch):
    """One thread (REE_DAMAGE_THREADS=1) gives the same output as several."""
    monkeypatch.setenv("REE_DAMAGE_THREADS", "1")
    assert _digest(_run()) == GOLDEN_DEFAULT


def test_golden_from_five_threads_at_once():
    """Five callers at once (QGIS may run algorithms on several threads): more than the
    pool's four threads are busy with interior work, and every result is the golden one."""
    import threading

    digests = [None] * 5
    errors = []

    def call(i):
        try:
            digests[i] = _digest(_run(with_sources=i % 2 == 0))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a caller hung"
    assert not errors, errors
    assert digests == [GOLDEN_DEFAULT, GOLDEN_NO_SOURCES, GOLDEN_DEFAULT, GOLDEN_NO_SOURCES, GOLDEN_DEFAULT]


def test_golden_control_count_and_small_cell():
    res = _run(cell_size_m=25.0, control_count=7)
    assert _digest(res) == GOLDEN_COUNT


def test_golden_no_sources():
    res = _run(with_sources=False)
    assert _digest(res) == GOLDEN_NO_SOURCES


def test_fast_text_builders_match_the_reference(text_path):
    from ree_damage.core.geo.crs import dms_array, to_dms
    from ree_damage.core.survey.sampling import _ids, _numbered

    rng = np.random.default_rng(7)
    values = np.r_[
        rng.uniform(-180, 180, 2000),
        [0.0, -0.0, -0.5, 9.99999999, 99.99999999, 179.99999999, 1e-9, -1e-9, 59.9999999 / 3600],
        [1234.5678, -98765.4321, 1e6 + 1 / 7],  # four to seven digits of degrees
    ]
    for pos, neg in (("E", "W"), ("N", "S")):
        for decimals in (0, 1, 2, 3, 5):
            fast = dms_array(values, pos, neg, decimals)
            assert fast.dtype == object
            assert fast.tolist() == [to_dms(v, pos, neg, decimals) for v in values]
    assert dms_array(np.empty(0), "E", "W").size == 0
    zones = np.array(["INJ"] * 1005 + ["PREP"] * 3 + ["INJ"] * 2, dtype=object)
    ids = _ids(zones)
    assert ids[0] == "INJ-0001" and ids[-1] == "INJ-1007" and ids[1005] == "PREP-001"
    assert _numbered("COLL", 12, 3).tolist() == [f"COLL-{i:03d}" for i in range(1, 13)]
