"""Snapshots of sampling_grid outputs: a change of any value is shown, column by column.

A deterministic case of a few thousand units (several zones, a holed zone, injection
holes, flow cells, a pond, pools as point and polygon, ditches, a control area) is run
through :func:`sampling_grid` with three parameter sets. Each result is compared with a
stored snapshot, ``tests/core/snapshots/sampling_<case>.gpkg.zip``: a zipped GeoPackage
(QGIS and GDAL open it as it is, ``/vsizip/``) with the layers ``units``, ``points``,
``control_units``, ``control_points``, ``compliance`` and ``meta`` (the warnings and the
case area). The comparison goes column by column: column names and order and the row
count exactly; text, integers and booleans exactly; floats within ``FLOAT_RTOL`` /
``FLOAT_ATOL``; geometries by type, vertex count and coordinates within ``GEOM_TOL_M``.
A failure lists, per differing column, how many rows differ and the first few with their
id, the stored value and the new one.

Regenerating the snapshots, on purpose only (an intended change of the outputs; say why
in the commit message)::

    REE_UPDATE_SNAPSHOTS=1 make test-core
    # or only these tests:
    REE_UPDATE_SNAPSHOTS=1 REE_HIDE_QGIS=1 .venv/bin/python -m pytest -p no:pytest_qgis \\
        tests/core/test_sampling_snapshots.py

With ``REE_UPDATE_SNAPSHOTS=1`` a snapshot that differs (or is missing) is rewritten and
the test is skipped with the differences it replaced; a snapshot that matches is left
untouched, so regenerating does not churn the repository.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
import threading
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from ree_damage.core.survey.sampling import SamplingParams, sampling_grid

X0, Y0 = 500000.0, 2800000.0
CRS = 4547
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("REE_UPDATE_SNAPSHOTS") == "1"
FLOAT_RTOL = 1e-12
FLOAT_ATOL = 1e-9  # below every rounding the outputs apply (lon/lat: 1e-8 degrees)
GEOM_TOL_M = 1e-6
SHOW_ROWS = 5
FRAMES = ("units", "points", "control_units", "control_points")
ID_COLUMNS = ("point_id", "unit_id", "rule_id", "key")

CASES = {
    "default": {},
    "small_cells_control_count": {"cell_size_m": 25.0, "control_count": 7},
    "no_sources": {"with_sources": False},
}


# --------------------------------------------------------------------------- the case


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


def _run(with_sources=True, **params):
    zones, sources, control, boundary = _case()
    if not with_sources:
        sources = None
    return sampling_grid(
        zones, sources, boundary=boundary, control_area=control, params=SamplingParams(**params)
    )


def _tables(res) -> dict:
    """The layers of a snapshot: every output frame, the compliance table and ``meta``."""
    tables = {name: getattr(res, name) for name in FRAMES}
    tables["compliance"] = pd.DataFrame(res.compliance)
    meta = [("case_area_m2", json.dumps(res.case_area_m2))]
    meta += [(f"warning {i}", json.dumps(w, ensure_ascii=False)) for i, w in enumerate(res.warnings)]
    tables["meta"] = pd.DataFrame({"key": [k for k, _ in meta], "value": [v for _, v in meta]})
    return tables


# --------------------------------------------------------------------------- storage


def _path(case: str) -> Path:
    return SNAPSHOTS / f"sampling_{case}.gpkg.zip"


def write_snapshot(path: Path, tables: dict) -> None:
    """Write ``tables`` as the layers of one GeoPackage, zipped (deflate) to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        gpkg = Path(tmp) / "snapshot.gpkg"
        for name, frame in tables.items():
            if isinstance(frame, gpd.GeoDataFrame):
                # a generic geometry column keeps Polygon and MultiPolygon rows as they are
                pyogrio.write_dataframe(frame, gpkg, layer=name, geometry_type="Unknown", SPATIAL_INDEX="NO")
            else:
                pyogrio.write_dataframe(pd.DataFrame(frame), gpkg, layer=name)
        part = Path(tmp) / "snapshot.zip"
        with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            info = zipfile.ZipInfo("snapshot.gpkg", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, gpkg.read_bytes())
        os.replace(part, path)


def read_snapshot(path: Path) -> dict:
    """The layers of a snapshot written by :func:`write_snapshot`."""
    source = f"/vsizip/{path}/snapshot.gpkg"
    out = {}
    for name, geometry_type in pyogrio.list_layers(source):
        frame = pyogrio.read_dataframe(source, layer=name, fid_as_index=False)
        out[str(name)] = frame if geometry_type is not None else pd.DataFrame(frame)
    return out


# --------------------------------------------------------------------------- comparison


def _labels(frame: pd.DataFrame, rows: np.ndarray) -> list:
    """``row 12 (point_id INJ-013)``: the position and, where the frame has one, its id."""
    id_col = next((c for c in ID_COLUMNS if c in frame.columns), None)
    if id_col is None:
        return [f"row {r}" for r in rows.tolist()]
    ids = frame[id_col].to_numpy()
    return [f"row {r} ({id_col} {ids[r]})" for r in rows.tolist()]


def _show(value) -> str:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (shapely.Geometry,)):
        text = shapely.to_wkt(value, rounding_precision=6)
        return text if len(text) <= 80 else text[:77] + "..."
    return repr(value)


def _geometry_mismatch(expected: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """Rows whose geometries differ in type, vertex count or a coordinate (> GEOM_TOL_M)."""
    bad = shapely.get_type_id(expected) != shapely.get_type_id(actual)
    bad |= shapely.get_num_coordinates(expected) != shapely.get_num_coordinates(actual)
    same = np.flatnonzero(~bad)
    if same.size:
        ce, ie = shapely.get_coordinates(expected[same], return_index=True)
        ca = shapely.get_coordinates(actual[same])
        off = np.abs(ce - ca).max(axis=1) > GEOM_TOL_M if ce.size else np.zeros(0, bool)
        bad[same[np.unique(ie[off])]] = True
    return bad


def _column_mismatch(expected: pd.Series, actual: pd.Series) -> tuple:
    """(rows that differ, what the tolerance was) for one column."""
    if isinstance(expected.dtype, gpd.array.GeometryDtype) or expected.name == "geometry":
        e = np.asarray(expected.array, dtype=object)
        a = np.asarray(actual.array, dtype=object)
        return _geometry_mismatch(e, a), f"coordinates within {GEOM_TOL_M:g} m"
    if expected.dtype.kind == "f" and actual.dtype.kind in "fiu":
        e = expected.to_numpy(dtype=float)
        a = actual.to_numpy(dtype=float)
        ok = np.isclose(a, e, rtol=FLOAT_RTOL, atol=FLOAT_ATOL, equal_nan=True)
        return ~ok, f"rtol {FLOAT_RTOL:g}, atol {FLOAT_ATOL:g}"
    e = expected.to_numpy(dtype=object)
    a = actual.to_numpy(dtype=object)
    return np.array([not (x == y or (x != x and y != y)) for x, y in zip(e, a)], dtype=bool), "exact"


def frame_differences(name: str, expected: pd.DataFrame, actual: pd.DataFrame) -> list:
    """Readable differences between two tables: one line per differing column (how many
    rows, the first :data:`SHOW_ROWS` with their id, old and new value), plus column
    names, order, kinds and row count. An empty list when they match."""
    out = []
    if list(expected.columns) != list(actual.columns):
        gone = [c for c in expected.columns if c not in actual.columns]
        new = [c for c in actual.columns if c not in expected.columns]
        out.append(
            f"{name}: columns differ: missing {gone}, new {new}; "
            f"stored order {list(expected.columns)}, now {list(actual.columns)}"
        )
    if len(expected) != len(actual):
        out.append(f"{name}: {len(actual)} rows, the snapshot has {len(expected)}")
    n = min(len(expected), len(actual))
    for col in [c for c in expected.columns if c in actual.columns]:
        e = expected[col].iloc[:n].reset_index(drop=True)
        a = actual[col].iloc[:n].reset_index(drop=True)
        kinds = {e.dtype.kind, a.dtype.kind}
        if col != "geometry" and len(kinds) > 1 and not (kinds <= {"f", "i", "u"} and "f" in kinds) and n:
            if not kinds <= {"O", "U", "S"}:
                out.append(f"{name}.{col}: dtype {a.dtype}, the snapshot has {e.dtype}")
                continue
        bad, tolerance = _column_mismatch(e, a)
        rows = np.flatnonzero(bad)
        if rows.size:
            shown = rows[:SHOW_ROWS]
            lines = [
                f"    {label}: {_show(e.iloc[r])} -> {_show(a.iloc[r])}"
                for label, r in zip(_labels(expected, shown), shown.tolist())
            ]
            out.append(
                f"{name}.{col}: {rows.size} of {n} rows differ ({tolerance}); first {shown.size} "
                "(snapshot -> now):\n" + "\n".join(lines)
            )
    return out


def _meta_differences(expected: pd.DataFrame, actual: pd.DataFrame) -> list:
    """The warnings as a text diff (a reworded warning reads as one), the case area."""
    e = [f"{k}: {v}" for k, v in zip(expected["key"], expected["value"])]
    a = [f"{k}: {v}" for k, v in zip(actual["key"], actual["value"])]
    if e == a:
        return []
    diff = difflib.unified_diff(e, a, "snapshot", "now", lineterm="", n=0)
    return ["meta (case area, warnings) differs:\n" + "\n".join(f"    {line}" for line in diff)]


def snapshot_differences(stored: dict, tables: dict) -> list:
    out = []
    for name in tables:
        if name not in stored:
            out.append(f"{name}: no such layer in the snapshot")
        elif name == "meta":
            out += _meta_differences(stored[name], tables[name])
        else:
            out += frame_differences(name, stored[name], pd.DataFrame(tables[name]))
    return out


def check_against_snapshot(case: str, res) -> None:
    """Fail with the differences from the stored snapshot (or rewrite it, on purpose)."""
    path = _path(case)
    tables = _tables(res)
    if path.exists():
        differences = snapshot_differences(read_snapshot(path), tables)
    else:
        differences = [f"no snapshot {path.name}"]
    if UPDATE and differences:
        write_snapshot(path, tables)
        pytest.skip(f"snapshot {path.name} rewritten (REE_UPDATE_SNAPSHOTS=1):\n" + "\n".join(differences))
    assert not differences, (
        f"sampling_grid output differs from {path.name} (if intended: REE_UPDATE_SNAPSHOTS=1 "
        "make test-core, see this module's docstring):\n" + "\n".join(differences)
    )


# --------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("case", list(CASES))
def test_snapshot(case):
    res = _run(**CASES[case])
    if case == "default":
        assert len(res.units) > 1500
    check_against_snapshot(case, res)


def test_snapshot_serial(monkeypatch):
    """One thread (REE_DAMAGE_THREADS=1) gives the same output as several."""
    monkeypatch.setenv("REE_DAMAGE_THREADS", "1")
    check_against_snapshot("default", _run())


def test_snapshot_from_five_threads_at_once():
    """Five callers at once (QGIS may run algorithms on several threads): every result is
    the stored one."""
    results = [None] * 5
    errors = []

    def call(i):
        try:
            results[i] = _run(with_sources=i % 2 == 0)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a caller hung"
    assert not errors, errors
    for i, res in enumerate(results):
        check_against_snapshot("default" if i % 2 == 0 else "no_sources", res)


def test_the_snapshot_diff_names_column_rows_and_values(tmp_path):
    """The comparison itself: a stored snapshot, changed in a few known places, gives a
    message naming the column, the rows by id, and the old and new values; a float
    change within the tolerance and an identical copy give none."""
    stored = read_snapshot(_path("no_sources"))
    points = stored["points"].copy()
    assert frame_differences("points", stored["points"], points) == []
    points.loc[3, "dist_source_m"] = 1234.5
    points.loc[[4, 9], "reason_en"] = "moved"
    points.loc[7, "x"] = points.loc[7, "x"] + FLOAT_ATOL / 10  # within the tolerance
    points.loc[5, "geometry"] = shapely.Point(1.0, 2.0)
    got = "\n".join(frame_differences("points", stored["points"], points))
    pid = stored["points"]["point_id"]
    assert f"points.dist_source_m: 1 of {len(points)} rows differ" in got
    assert f"row 3 (point_id {pid[3]}): {stored['points']['dist_source_m'][3]!r} -> 1234.5" in got
    assert f"points.reason_en: 2 of {len(points)} rows differ (exact)" in got
    assert f"row 9 (point_id {pid[9]})" in got and "-> 'moved'" in got
    assert "points.x" not in got
    assert f"points.geometry: 1 of {len(points)} rows differ" in got and "-> POINT (1 2)" in got
    shorter = frame_differences("points", stored["points"], points.iloc[:-1].drop(columns=["lat"]))
    assert any("missing ['lat']" in d for d in shorter)
    assert any(f"{len(points) - 1} rows, the snapshot has {len(points)}" in d for d in shorter)
    # a round trip through the storage is lossless for the comparison
    write_snapshot(tmp_path / "x.gpkg.zip", {"points": stored["points"], "meta": stored["meta"]})
    again = read_snapshot(tmp_path / "x.gpkg.zip")
    assert frame_differences("points", stored["points"], again["points"]) == []
    assert _meta_differences(stored["meta"], again["meta"]) == []


def test_fast_text_builders_match_the_reference(text_path):
    from ree_damage.core.geo.crs import dms_array, to_dms
    from ree_damage.core.survey.sampling import _ids

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
    assert _ids(np.array(["COLL"] * 12, dtype=object)).tolist() == [f"COLL-{i:03d}" for i in range(1, 13)]
