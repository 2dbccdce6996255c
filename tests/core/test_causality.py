"""Causality evidence: chondrite normalisation and anomalies, homology, paths, time order."""

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from affine import Affine

from ree_damage.core.causality import chondrite
from ree_damage.core.causality.evidence import CausalityParams, causality_evidence, damaged_sample_ids
from ree_damage.core.causality.paths import down_gradient, path_distances
from ree_damage.core.causality.timing import first_seen, order_text
from ree_damage.core.common.errors import InputError
from ree_damage.core.geo.dem import Dem

EPSG = 4547  # CGCS2000 / 3-degree Gauss-Kruger CM 114E


def test_shipped_table_is_sun_mcdonough_1989():
    table = chondrite.normalising_table()
    assert list(table.index) == list(chondrite.REE_ORDER)
    assert table.loc["La", "value_ppm"] == 0.237
    assert table.loc["Eu", "value_ppm"] == 0.058
    assert table.loc["Gd", "value_ppm"] == 0.2055
    assert table.loc["Y", "value_ppm"] == 1.57
    assert "Sun" in table.loc["La", "source"] and "1989" in table.loc["La", "source"]


def test_normalisation_and_anomalies_by_hand():
    # hand-worked: La 23.7 / 0.237 = 100; Ce 30.6 / 0.612 = 50; Pr 4.75 / 0.095 = 50;
    # Sm 7.65 / 0.153 = 50; Eu 0.58 / 0.058 = 10; Gd 10.275 / 0.2055 = 50; Yb 1.7 / 0.17 = 10
    sample = pd.DataFrame({"La": [23.7], "Ce": [30.6], "Pr": [4.75], "Sm": [7.65], "Eu": [0.58],
                           "Gd": [10.275], "Yb": [1.7]})
    table = chondrite.normalising_table()
    n = chondrite.normalise(sample, table)
    np.testing.assert_allclose(n.iloc[0].to_numpy(), [100, 50, 50, 50, 10, 50, 10])
    idx = chondrite.ree_indices(sample, table)
    # (La/Yb)N = 100 / 10 = 10
    assert idx["la_yb_n"].iloc[0] == pytest.approx(10.0)
    # Eu/Eu* = 10 / sqrt(50 x 50) = 0.2
    assert idx["eu_anomaly"].iloc[0] == pytest.approx(0.2)
    # Ce/Ce* = 50 / sqrt(100 x 50) = 50 / 70.7107 = 0.707107
    assert idx["ce_anomaly"].iloc[0] == pytest.approx(0.707107, rel=1e-6)
    # LREE (present: La Ce Pr Sm Eu) = 23.7 + 30.6 + 4.75 + 7.65 + 0.58 = 67.28
    # HREE (present: Gd Yb) = 10.275 + 1.7 = 11.975; ratio 67.28 / 11.975 = 5.618372
    assert idx["lree"].iloc[0] == pytest.approx(67.28)
    assert idx["hree"].iloc[0] == pytest.approx(11.975)
    assert idx["lree_hree"].iloc[0] == pytest.approx(5.618372, rel=1e-6)
    assert idx["sum_ree"].iloc[0] == pytest.approx(79.255)
    # another grouping: Eu counted heavy -> LREE 66.70, HREE 12.555
    other = chondrite.ree_indices(sample, table, lree=("La", "Ce", "Pr", "Sm"), hree=("Eu", "Gd", "Yb"))
    assert other["lree_hree"].iloc[0] == pytest.approx(66.70 / 12.555)


def test_censored_value_is_left_out_of_the_pattern():
    sample = pd.DataFrame({"La": [0.05, 23.7], "La_flag": ["<", ""], "Yb": [1.7, 1.7], "Yb_flag": ["", ""]})
    n = chondrite.normalise(sample, chondrite.normalising_table())
    assert np.isnan(n["La"].iloc[0]) and n["La"].iloc[1] == pytest.approx(100.0)
    with pytest.raises(InputError, match="both light and heavy"):
        chondrite.ree_indices(sample, chondrite.normalising_table(), lree=("La",), hree=("La", "Yb"))


def test_user_table_replaces_the_default(tmp_path):
    path = tmp_path / "boynton.csv"
    path.write_text("element,value_ppm,source\nLa,0.31,my table\nYb,0.209,my table\n", encoding="utf-8")
    table = chondrite.normalising_table(path)
    assert table.loc["La", "source"] == "my table"
    idx = chondrite.ree_indices(pd.DataFrame({"La": [31.0], "Yb": [2.09]}), table)
    assert idx["la_yb_n"].iloc[0] == pytest.approx(10.0)  # 100 / 10
    bad = tmp_path / "bad.csv"
    bad.write_text("element,value_ppm,source\nLa,0.31,x\nCe,-1,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="positive") as info:
        chondrite.normalising_table(bad)
    assert info.value.row == 3


ELEMENTS = list(chondrite.REE_ORDER)
CHONDRITE = np.array([chondrite.SUN_MCDONOUGH_1989[e] for e in ELEMENTS])
# end member A: steep light-REE enrichment; B: flat with a negative Ce anomaly and high Y
PATTERN_A = CHONDRITE * np.geomspace(300, 5, len(ELEMENTS))
PATTERN_B = CHONDRITE * np.array([30, 6, 30, 30, 32, 20, 35, 38, 40, 42, 44, 46, 48, 50, 60.0])


def _frame(rows, ids):
    return pd.DataFrame(np.array(rows), columns=ELEMENTS).assign(sample_id=ids)


def test_a_mixture_scores_between_its_end_members():
    table = chondrite.normalising_table()
    mix = 0.5 * PATTERN_A + 0.5 * PATTERN_B
    frame = _frame([PATTERN_A * 2.0, PATTERN_B, mix], ["A", "B", "MIX"])
    logs = chondrite.log_pattern(chondrite.normalise(frame, table))
    r = chondrite.pattern_correlation(logs, np.log10(PATTERN_A / CHONDRITE))
    assert r.iloc[0] == pytest.approx(1.0)  # same shape, twice the level
    assert r.iloc[1] < r.iloc[2] < r.iloc[0]
    # and seen from B the order turns round
    r_b = chondrite.pattern_correlation(logs, np.log10(PATTERN_B / CHONDRITE))
    assert r_b.iloc[0] < r_b.iloc[2] < r_b.iloc[1]


def _plane_dem(rows=60, cols=40, cell=2.0, x0=500000.0, y0=2800120.0):
    r = np.arange(rows)[:, None]
    c = np.arange(cols)[None, :]
    z = 200.0 - 0.2 * r + 0.01 * c + 0 * c  # falls to the south, a little to the west
    return Dem(z.astype("float64"), Affine(cell, 0, x0, 0, -cell, y0), f"EPSG:{EPSG}")


def test_path_distances_on_a_line():
    rec = np.array([1, 2, 3, -1])
    d, s, o = path_distances(rec, np.array([0, 2, 0, 0]), 5.0, (1, 4))
    assert np.isinf(d[0]) and d[1:].tolist() == [0.0, 5.0, 10.0]
    assert s.tolist() == [0, 2, 2, 2] and o.tolist() == [-1, 1, 1, 1]


def _site():
    x0, y_top = 500000.0, 2800120.0
    source = shapely.box(x0 + 36, y_top - 40, x0 + 44, y_top - 32)  # an 8 m square INJ area
    zones = gpd.GeoDataFrame({"zone": ["INJ", "COLL"]},
                             geometry=[source, shapely.box(x0, y_top - 120, x0 + 80, y_top - 41)], crs=EPSG)
    pts = {
        "INJ-001-50": (x0 + 41, y_top - 81),   # straight downhill: on the path
        "COLL-001-50": (x0 + 41, y_top - 11),  # uphill of the source: off the path
        "COLL-002-50": (x0 + 53, y_top - 61),  # 12 m beside the path, lower than it: below
        "CTRL-001-50": (x0 + 75, y_top - 5),
    }
    rows = []
    for i, sid in enumerate(pts):
        rows.append(PATTERN_B * (1.0 + 0.1 * i) if sid.startswith("CTRL") else 0.5 * PATTERN_A + 0.5 * PATTERN_B)
    samples = gpd.GeoDataFrame(_frame(rows, list(pts)).assign(zone=[s.split("-")[0] for s in pts]),
                               geometry=[shapely.Point(*xy) for xy in pts.values()], crs=EPSG)
    sources = _frame([PATTERN_A, PATTERN_A * 1.3], ["SRC-001", "SRC-002"]).assign(kind="pond_sediment")
    return zones, samples, sources


def test_path_on_below_and_off_on_a_known_dem():
    zones, samples, sources = _site()
    dem = _plane_dem()
    result = causality_evidence(samples, sources, zones=zones, dem=dem,
                                params=CausalityParams(min_cell_m=2.0, tolerance_m=2.0))
    ev = result.evidence.set_index("sample_id")
    assert ev.loc["INJ-001-50", "path_status"] == "on_path"
    assert ev.loc["INJ-001-50", "source"] == "INJ-1"
    # the path leaves the source's southern cell row (centre y_top - 39) and runs due south
    # to the point's cell (centre y_top - 81): 21 cells of 2 m = 42 m
    assert ev.loc["INJ-001-50", "path_distance_m"] == pytest.approx(42.0)
    assert ev.loc["COLL-001-50", "path_status"] == "off_path"  # uphill of the source
    assert ev.loc["COLL-002-50", "path_status"] == "below_path"
    assert 10.0 <= ev.loc["COLL-002-50", "offset_m"] <= 20.0
    assert "CTRL-001-50" not in ev.index  # controls are not assessed
    # the mixed samples score between the control (pattern B) and the sources (pattern A)
    idx = result.indices.set_index("sample_id")
    assert idx.loc["CTRL-001-50", "homology_r"] < idx.loc["INJ-001-50", "homology_r"] < 1.0
    assert idx.loc["SRC-001", "homology_r"] == pytest.approx(1.0)
    assert len(result.paths) == 2  # on and below
    assert set(result.summary["zone"]) == {"INJ", "COLL", "ALL"}
    assert "on a D8 downslope path" in result.facts


def test_time_order_from_dated_dems(tmp_path):
    zones, samples, sources = _site()
    before = _plane_dem()
    dug = before.array.copy()
    dug[30:34, 15:25] -= 2.0  # the INJ area (rows 16-19 counted from y_top - 32) is not dug yet
    mid = Dem(dug, before.transform, before.crs)
    after_arr = dug.copy()
    after_arr[16:20, 18:22] -= 1.5  # the INJ area is dug
    after = Dem(after_arr, before.transform, before.crs)
    result = causality_evidence(
        samples, sources, zones=zones, dem=before,
        dated_dems=[("2025-08-01", "dem_mid", mid), ("2023-11-20", "dem_before", before), ("2026-03-10", "dem_after", after)],
        act_start="2024-04-01", act_end="2025-10-31", sampled_on="2026-03-15",
        params=CausalityParams(min_cell_m=2.0, tolerance_m=2.0),
    )
    timing = result.timing.set_index("source")
    assert timing.loc["INJ-1", "reference_date"] == "2023-11-20"
    assert timing.loc["INJ-1", "first_seen"] == "2026-03-10"
    ev = result.evidence.set_index("sample_id")
    assert ev.loc["INJ-001-50", "source_first_seen"] == "2026-03-10"
    assert ev.loc["INJ-001-50", "time_order"].endswith("seen before sampling: yes")
    written = result.write({"evidence": tmp_path / "e.gpkg", "facts": tmp_path / "f.txt",
                            "timing": tmp_path / "t.csv", "plots": tmp_path / "plots"})
    assert (tmp_path / "f.txt.provenance.json").is_file()
    assert "first seen disturbed on 2026-03-10" in (tmp_path / "f.txt").read_text(encoding="utf-8")
    pngs = [p for k, p in written.items() if k.startswith("plot:")]
    assert pngs and all(p.read_bytes()[:4] == b"\x89PNG" for p in pngs)


def test_first_seen_threshold():
    ref = np.zeros((4, 4))
    later = ref.copy()
    later[0, 0] = 0.4  # below the 0.5 m threshold
    labels = np.zeros((4, 4), dtype=np.int64)
    labels[:2, :2] = 1
    seen = first_seen([(dt.date(2024, 1, 1), "a", ref), (dt.date(2025, 1, 1), "b", later)], labels)
    assert seen["first_seen"].iloc[0] == ""
    later[0, 0] = 0.6  # 1 of 4 cells = 25 % >= 5 %
    seen = first_seen([(dt.date(2024, 1, 1), "a", ref), (dt.date(2025, 1, 1), "b", later)], labels)
    assert seen["first_seen"].iloc[0] == "2025-01-01" and seen["disturbed_fraction"].iloc[0] == 0.25
    assert order_text("", "", "", "2026-01-01") == "disturbance first seen not seen; sampled 2026-01-01"


def test_groundwater_down_gradient():
    wells = np.array([[0.0, 0.0], [100.0, 0.0], [0.0, 100.0], [100.0, 100.0]])
    heads = 50.0 - 0.02 * wells[:, 0]  # falls 0.02 m/m to the east
    out = down_gradient(wells, heads, np.array([[50.0, 50.0]]))
    assert out["gradient"] == pytest.approx(0.02)
    assert out["azimuth_deg"] == pytest.approx(90.0)
    assert out["down"][:, 0].tolist() == [False, True, False, True]
    with pytest.raises(InputError, match="one line"):
        down_gradient(wells[[0, 1]].repeat(2, axis=0) * [1, 0], heads, np.array([[0.0, 0.0]]))


def test_damaged_ids_from_the_damage_layer():
    layer = pd.DataFrame({"sample_id": ["A", "A", "B"], "status": ["confirmed", "not_above", "above"]})
    assert damaged_sample_ids(layer) == {"A"}
    with pytest.raises(InputError, match="sample_id and status"):
        damaged_sample_ids(pd.DataFrame({"sample_id": ["A"]}))


def test_image_date_table(tmp_path):
    from ree_damage.core.causality.timing import dated_files

    (tmp_path / "a.tif").write_bytes(b"")
    (tmp_path / "b.tif").write_bytes(b"")
    table = tmp_path / "dates.csv"
    table.write_text("file,date,kind\na.tif,2023-11-20,DEM\nb.tif,2026-03-10,dem\nc.tif,2026-03-15,mosaic\n",
                     encoding="utf-8")
    assert [(d.isoformat(), n) for d, n, _ in dated_files(table)] == [("2023-11-20", "a.tif"), ("2026-03-10", "b.tif")]
    table.write_text("file,date,kind\na.tif,20/11/2023,DEM\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a date") as info:
        dated_files(table)
    assert info.value.row == 2
    table.write_text("file,date,kind\nmissing.tif,2023-11-20,DEM\n", encoding="utf-8")
    with pytest.raises(InputError, match="not found"):
        dated_files(table)


def test_zone_of_each_point_from_field_polygon_or_id():
    from ree_damage.core.causality.paths import zones_of_points

    zones = gpd.GeoDataFrame({"zone": ["INJ"]}, geometry=[shapely.box(0, 0, 10, 10)], crs=EPSG)
    points = gpd.GeoDataFrame({"sample_id": ["X-1-50", "R-SETL-002-50", "Q-9"]},
                              geometry=[shapely.Point(5, 5), shapely.Point(50, 50), shapely.Point(60, 60)], crs=EPSG)
    assert zones_of_points(points, zones).tolist() == ["INJ", "SETL", ""]
    points["zone"] = ["COLL", "", ""]
    assert zones_of_points(points, zones).tolist() == ["COLL", "SETL", ""]


def test_too_few_rare_earth_columns_is_named():
    zones, samples, sources = _site()
    with pytest.raises(InputError, match="rare earth element column"):
        causality_evidence(samples[["sample_id", "zone", "La", "Ce", "geometry"]], sources[["sample_id", "La", "Ce"]])


def test_each_sample_may_carry_its_own_date():
    zones, samples, sources = _site()
    samples["taken"] = ["2026-03-14", "", "2026-03-16", "2026-03-16"]
    result = causality_evidence(samples, sources, zones=zones, dem=_plane_dem(), sampled_on="2026-03-15",
                                date_field="taken", params=CausalityParams(min_cell_m=2.0, tolerance_m=2.0))
    ev = result.evidence.set_index("sample_id")
    assert ev.loc["INJ-001-50", "sampled_on"] == "2026-03-14"
    assert ev.loc["COLL-001-50", "sampled_on"] == "2026-03-15"  # empty: the one date given
    assert "between 2026-03-14 and 2026-03-16" in result.facts
    samples["taken"] = ["14.03.2026", "", "", ""]
    with pytest.raises(InputError, match="not a date") as info:
        causality_evidence(samples, sources, date_field="taken")
    assert info.value.column == "taken" and info.value.row == 1


def _rgb_image(path, bare_boxes, *, x0=500000.0, y_top=2800120.0, cell=0.5, epsg=EPSG):
    """An 80 m x 120 m RGB GeoTIFF: green vegetation (60, 120, 40), bare soil (150, 130, 110)
    in ``bare_boxes`` (minx, miny, maxx, maxy in m) and on a 6 m road along the west edge."""
    import rasterio

    rows, cols = int(120 / cell), int(80 / cell)
    xs = x0 + (np.arange(cols) + 0.5) * cell
    ys = y_top - (np.arange(rows) + 0.5) * cell
    bare = np.zeros((rows, cols), dtype=bool)
    bare[:, xs < x0 + 6] = True
    for minx, miny, maxx, maxy in bare_boxes:
        bare |= (xs[None, :] > minx) & (xs[None, :] < maxx) & (ys[:, None] > miny) & (ys[:, None] < maxy)
    rgb = np.where(bare, np.array([150, 130, 110])[:, None, None], np.array([60, 120, 40])[:, None, None])
    with rasterio.open(path, "w", driver="GTiff", width=cols, height=rows, count=3, dtype="uint8",
                       crs=f"EPSG:{epsg}", transform=Affine(cell, 0, x0, 0, -cell, y_top), photometric="RGB") as out:
        out.write(rgb.astype("uint8"))
    return path


def test_time_order_from_dated_images(tmp_path):
    """Three dated mosaics: in 2025 a patch of the COLL zone is cleared, in 2026 the INJ area
    (an 8 m square) is stripped. The INJ area is first seen disturbed on the 2026 image; the
    DEMs, which show the digging only in 2026 too, agree; the earliest date of either is kept."""
    x0, y_top = 500000.0, 2800120.0
    zones, samples, sources = _site()
    inj = (x0 + 36, y_top - 40, x0 + 44, y_top - 32)
    images = [
        ("2023-11-20", "ortho_2023.tif", _rgb_image(tmp_path / "ortho_2023.tif", [])),
        ("2025-08-01", "ortho_2025.tif", _rgb_image(tmp_path / "ortho_2025.tif", [(x0 + 50, y_top - 100, x0 + 70, y_top - 80)])),
        ("2026-03-10", "ortho_2026.tif", _rgb_image(tmp_path / "ortho_2026.tif", [(x0 + 50, y_top - 100, x0 + 70, y_top - 80), inj])),
    ]
    result = causality_evidence(samples, sources, zones=zones, dated_images=images, sampled_on="2026-03-15",
                                params=CausalityParams(min_cell_m=2.0, tolerance_m=2.0))
    timing = result.timing.set_index("source")
    assert timing.loc["INJ-1", "reference_name"] == "ortho_2023.tif"
    assert timing.loc["INJ-1", "first_seen"] == "2026-03-10"
    assert timing.loc["INJ-1", "disturbed_fraction"] > 0.5  # the whole square, less its edge cells
    assert timing.loc["INJ-1", "basis"].startswith("vegetation lost: exg")
    assert "lost their vegetation" in result.facts
    assert result.evidence.set_index("sample_id").loc["INJ-001-50", "source_first_seen"] == "2026-03-10"
    # DEMs dug in 2025 plus images stripped in 2026: the earlier date of the two is the source's
    before = _plane_dem()
    dug = before.array.copy()
    dug[16:20, 18:22] -= 1.5
    both = causality_evidence(
        samples, sources, zones=zones, dem=before, dated_images=images,
        dated_dems=[("2023-11-20", "dem_before", before), ("2025-08-01", "dem_mid", Dem(dug, before.transform, before.crs))],
        params=CausalityParams(min_cell_m=2.0, tolerance_m=2.0))
    assert sorted(both.timing["first_seen"]) == ["2025-08-01", "2026-03-10"]
    assert both.evidence.set_index("sample_id").loc["INJ-001-50", "source_first_seen"] == "2025-08-01"


def test_an_image_off_the_site_is_named(tmp_path):
    zones, samples, sources = _site()
    far = _rgb_image(tmp_path / "far.tif", [], x0=600000.0)
    near = _rgb_image(tmp_path / "near.tif", [])
    with pytest.raises(InputError, match="does not cover") as error:
        causality_evidence(samples, sources, zones=zones,
                           dated_images=[("2023-01-01", "near.tif", near), ("2024-01-01", "far.tif", far)])
    assert "far.tif" in str(error.value)
    with pytest.raises(InputError, match="at least two dated images"):
        causality_evidence(samples, sources, zones=zones, dated_images=[("2023-01-01", "near.tif", near)])
