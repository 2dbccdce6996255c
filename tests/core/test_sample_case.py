"""The embedded synthetic sample case (ree_damage.sample_case)."""

import contextlib
import hashlib
import re
import sqlite3

import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
import tomllib

from ree_damage.core.common.errors import Canceled, InputError
from ree_damage.sample_case import FILES, LAYERS, generate_sample_case, ortho_resolution

EPOCH = "1773532800"  # 2026-03-15 00:00 UTC
ZONE_ID = re.compile(r"^(PREP|INJ|COLL|SETL)-\d{3,}$")
CONTROL_ID = re.compile(r"^CTRL-\d{3,}$")


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    """Scale 1, every part, with SOURCE_DATE_EPOCH set (so the provenance repeats too)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        out = tmp_path_factory.mktemp("case1")
        seen = []
        paths = generate_sample_case(out, progress=seen.append)
    return paths, out, seen


@pytest.fixture(scope="module")
def case10(tmp_path_factory):
    out = tmp_path_factory.mktemp("case10")
    return generate_sample_case(out, scale=10, include=("vectors", "dem", "lab")), out


def _layer(paths, name):
    return pyogrio.read_dataframe(paths["vectors"], layer=name)


def test_two_runs_give_identical_bytes_in_every_file(case, tmp_path, monkeypatch):
    paths, first, seen = case
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    generate_sample_case(tmp_path)
    a, b = _digests(first), _digests(tmp_path)
    assert a == b
    assert set(a) == {*FILES.values(), "case.toml.provenance.json"}  # nothing left over
    assert seen[-1] == pytest.approx(1.0) and seen == sorted(seen)


def test_returned_paths(case):
    paths, out, _ = case
    assert set(paths) == {*FILES, "provenance"}
    assert all(p.parent == out and p.is_file() for p in paths.values())


def test_layers_present_valid_in_cgcs2000(case):
    paths, _, _ = case
    listed = dict(pyogrio.list_layers(paths["vectors"]))
    assert set(listed) == set(LAYERS)
    for name in LAYERS:
        info = pyogrio.read_info(paths["vectors"], layer=name)
        assert info["features"] > 0, name
        assert info["layer_metadata"]["SYNTHETIC"] == "YES"
        if name == "soil_layers":
            assert listed[name] is None  # a table without geometry
            continue
        frame = _layer(paths, name)
        assert frame.crs.to_epsg() == 4547, name
        assert shapely.is_valid(frame.geometry.values).all(), name
        assert not frame.geometry.is_empty.any(), name
    with contextlib.closing(sqlite3.connect(paths["vectors"])) as db:
        rows = db.execute("SELECT description, last_change FROM gpkg_contents").fetchall()
    assert all("SYNTHETIC" in d and "合成数据" in d for d, _ in rows)
    assert {t for _, t in rows} == {"2026-03-15T00:00:00.000Z"}


def test_case_geometry(case):
    paths, _, _ = case
    boundary = _layer(paths, "case_boundary").geometry.iloc[0]
    assert 5e4 <= boundary.area <= 1e5  # 5-10 ha
    holes = _layer(paths, "injection_holes")
    assert shapely.contains(boundary, holes.geometry.values).all()
    assert holes["hole_id"].is_unique and len(holes) > 500
    assert holes["hole_depth_m"].between(2, 20).all()
    lines = _layer(paths, "collection_ditches")
    assert set(lines["kind"]) == {"ditch", "pipe"}
    for name in ("prep_pools", "settling_ponds", "collection_ditches"):
        frame = _layer(paths, name)
        assert frame["bottom_depth_m"].between(0.2, 5).all()
        assert shapely.contains(boundary, frame.geometry.values).all(), name
    # the control area lies upslope of the works and outside the case
    control = _layer(paths, "control_area").geometry.iloc[0]
    assert not control.intersects(boundary)
    assert control.centroid.y > holes.geometry.y.max()
    soil = _layer(paths, "soil_layers")
    assert set(soil["zone"]) == {"PREP", "INJ", "COLL", "SETL", "CTRL"}
    assert (soil["bottom_depth_m"] > soil["top_depth_m"]).all()
    assert {"表土层", "全风化层", "半风化层"} <= set(soil["layer_name"])


def test_sample_points(case):
    paths, _, _ = case
    points = _layer(paths, "sample_points")
    controls = _layer(paths, "control_points")
    assert points["point_id"].str.match(ZONE_ID).all() and points["point_id"].is_unique
    assert controls["point_id"].str.match(CONTROL_ID).all() and len(controls) >= 5
    assert set(points["zone"]) == {"PREP", "INJ", "COLL", "SETL"}
    assert (points["point_id"].str.split("-").str[0] == points["zone"]).all()
    ponds = np.asarray(_layer(paths, "settling_ponds").geometry)
    setl = np.asarray(points[points["zone"] == "SETL"].geometry)
    assert (shapely.distance(setl[:, None], ponds[None, :]).min(axis=1) <= 2.0).all()
    control = _layer(paths, "control_area").geometry.iloc[0]
    assert shapely.contains(control, controls.geometry.values).all()


def test_rasters(case):
    paths, _, _ = case
    with rasterio.open(paths["dem_before"]) as before, rasterio.open(paths["dem_after"]) as after:
        for ds in (before, after):
            assert ds.crs.to_epsg() == 4547
            assert ds.res == (2.0, 2.0) and ds.dtypes == ("float32",)
            assert ds.nodata == -9999.0 and ds.compression is not None and ds.profile["tiled"]
            assert ds.tags()["SYNTHETIC"] == "YES" and "EPSG:5737" in ds.tags()["HEIGHT_DATUM"]
        assert before.transform == after.transform
        assert (before.transform.c, before.transform.f) == (600730.0, 2766650.0)
        z0, z1 = before.read(1), after.read(1, masked=True)
        assert 200 < z0.min() < z0.max() < 400
        assert z1.mask.any() and not z1.mask.all()  # nodata outside the flight area
        ponds = _layer(paths, "settling_ponds")
        rows, cols = rasterio.transform.rowcol(before.transform, ponds.centroid.x, ponds.centroid.y)
        dug = z0[rows, cols] - z1[rows, cols]
        assert (dug > 1.0).all()
    with rasterio.open(paths["ortho"]) as ortho:
        assert ortho.crs.to_epsg() == 4547 and ortho.count == 3 and ortho.dtypes == ("uint8",) * 3
        assert ortho.res == (0.2, 0.2) and ortho.tags()["SYNTHETIC"] == "YES"
        assert ortho.bounds == before.bounds

        def colour(geom):
            row, col = ortho.index(geom.centroid.x, geom.centroid.y)
            return ortho.read(window=((row - 5, row + 5), (col - 5, col + 5))).reshape(3, -1).mean(axis=1)

        red, green, _ = colour(_layer(paths, "bare_ground_truth").geometry.iloc[0].buffer(-30))
        assert red > green + 30  # laterite where the hole field was stripped
        red, green, _ = colour(_layer(paths, "control_area").geometry.iloc[0])
        assert green > red + 15  # forest


def test_lab_sheets(case):
    paths, _, _ = case
    raw = paths["lab_csv"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    table = pd.read_csv(paths["lab_csv"], encoding="utf-8-sig", dtype=str, keep_default_na=False)
    ids = table["样品编号 Sample ID"]
    assert ids.is_unique
    assert (ids == table["点位编号 Point ID"] + "-" + table["采样深度 Depth (cm)"]).all()
    points = set(_layer(paths, "sample_points")["point_id"]) | set(
        _layer(paths, "control_points")["point_id"]
    )
    assert set(table["点位编号 Point ID"]) == points
    for header in (
        "pH",
        "NH4+-N (mg/kg)",
        "SO4 2- (mg/kg)",
        "La (mg/kg)",
        "Lu (mg/kg)",
        "Y (mg/kg)",
        "Cd (mg/kg)",
        "Cu (mg/kg)",
    ):
        assert header in table.columns
    cells = pd.Series(table.iloc[:, 3:-1].to_numpy().ravel())
    assert cells.str.match(r"^<\d").any() and cells.str.match(r"^< \d").any()
    assert (cells == "ND").any() and (cells == "未检出").any()
    assert table["备注 Note"].str.contains("SYNTHETIC").all()
    # damaged soil is more acid and richer in ammonium than the control area
    numbers = table.set_index("点位编号 Point ID")[["pH", "NH4+-N (mg/kg)"]].astype(float)
    zone = numbers.index.str.split("-").str[0]
    medians = numbers.groupby(zone).median()
    assert medians.loc["CTRL", "pH"] > medians.loc["INJ", "pH"] + 0.5
    assert medians.loc["INJ", "NH4+-N (mg/kg)"] > 10 * medians.loc["CTRL", "NH4+-N (mg/kg)"]

    from openpyxl import load_workbook

    book = load_workbook(paths["lab_xlsx"], read_only=True)
    assert book.sheetnames == ["检测结果 Results", "检出限 Limits", "说明 Notes"]
    rows = list(book["检测结果 Results"].values)
    assert list(rows[0]) == list(table.columns)
    assert [r[0] for r in rows[1:]] == list(ids)
    assert any(isinstance(v, float) for v in rows[1][3:-1])


def test_case_file_names_the_outputs(case):
    paths, out, _ = case
    doc = tomllib.loads(paths["case_file"].read_text(encoding="utf-8"))
    assert doc["case"]["synthetic"] is True and doc["crs"]["zone"] == "EPSG:4547"
    for key, name in doc["inputs"].items():
        if key != "layers":
            assert (out / name).is_file()
    assert set(doc["inputs"]["layers"]) == set(LAYERS)
    assert "SYNTHETIC" in paths["readme"].read_text(encoding="utf-8-sig")
    record = paths["provenance"].read_text(encoding="utf-8")
    assert '"time_utc": "2026-03-15T00:00:00+00:00"' in record


def test_scale_ten_is_ten_times_the_area(case, case10):
    paths1, _, _ = case
    paths10, out = case10
    assert "ortho" not in paths10 and not (out / FILES["ortho"]).exists()
    a1 = _layer(paths1, "case_boundary").area.iloc[0]
    a10 = _layer(paths10, "case_boundary").area.iloc[0]
    assert a10 / a1 == pytest.approx(10, rel=0.03)
    n1 = pyogrio.read_info(paths1["vectors"], layer="injection_holes")["features"]
    n10 = pyogrio.read_info(paths10["vectors"], layer="injection_holes")["features"]
    assert n10 / n1 == pytest.approx(10, rel=0.1)
    holes = _layer(paths10, "injection_holes")
    boundary = _layer(paths10, "case_boundary").geometry.iloc[0]
    assert shapely.contains(boundary, holes.geometry.values).all()
    with rasterio.open(paths10["dem_after"]) as ds:
        assert ds.crs.to_epsg() == 4547 and ds.width * ds.height > 5 * 220 * 225
    assert "ortho" not in tomllib.loads(paths10["case_file"].read_text(encoding="utf-8"))["inputs"]


def test_ortho_is_coarsened_for_large_sites():
    assert ortho_resolution(440, 450) == 0.2
    big = ortho_resolution(12280, 12020)
    assert big > 0.2 and (12280 / big) * (12020 / big) <= 2.5e8


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scale": 0.1}, "scale"),
        ({"scale": float("nan")}, "scale"),
        ({"include": ("vectors", "map")}, "unknown"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(InputError, match=message):
        generate_sample_case(tmp_path, **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_cancel_leaves_nothing(tmp_path):
    calls = []

    def is_canceled():
        calls.append(1)
        return len(calls) > 2

    (tmp_path / "keep.txt").write_text("not ours")
    with pytest.raises(Canceled):
        generate_sample_case(tmp_path, include=("vectors", "dem", "lab"), is_canceled=is_canceled)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_same_seed_same_features_other_seed_differs(case, tmp_path):
    paths, _, _ = case
    other = generate_sample_case(tmp_path, seed=7, include=("vectors",))
    a = _layer(paths, "injection_holes").geometry.values
    b = _layer(other, "injection_holes").geometry.values
    assert len(a) != len(b) or not np.array_equal(shapely.get_coordinates(a), shapely.get_coordinates(b))
