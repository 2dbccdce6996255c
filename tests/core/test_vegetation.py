"""vegetation_damage: indices, Otsu against a hand-computed histogram, accuracy figures worked
by hand, block-wise runs on synthetic mosaics of known bare area (RGB/RGBA, 8/16 bit, tiled or
striped, other CRSs, nodata, change mode), Dask's threaded scheduler, and the sample case."""

from __future__ import annotations

import json
import os

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from rasterio.windows import Window

from ree_damage.core.common.errors import Canceled, InputError
from ree_damage.core.common.parallel import PerThreadGeometry
from ree_damage.core.imagery import vegetation as veg
from ree_damage.core.imagery.accuracy import accuracy, check_points_from_truth, parse_labels
from ree_damage.core.imagery.indices import (
    BINS,
    band_mapping,
    bin_edges,
    compute_index,
    histogram,
    index_spec,
    masked_histogram,
    otsu_threshold,
)
from ree_damage.core.imagery.vegetation import VegetationParams, vegetation_damage

EPSG = 4547
X0, Y0, CELL = 500_000.0, 2_800_000.0, 0.5
WIDTH, HEIGHT = 600, 500
# bare rectangle: rows 200-279, cols 250-349 -> 100 x 80 cells of 0.25 m2 = 2000 m2
BARE = (slice(200, 280), slice(250, 350))
BARE_M2 = 100 * 80 * CELL * CELL
FOREST, SOIL = (60, 120, 40), (178, 112, 72)


def _x(col):
    return X0 + col * CELL


def _y(row):
    return Y0 - row * CELL


def _paint(scale=1, seed=0):
    """RGB of forest with texture and the bare rectangle (soil), 0-255 x ``scale``."""
    rng = np.random.default_rng(seed)
    rgb = np.empty((3, HEIGHT, WIDTH), dtype=np.float64)
    for band in range(3):
        rgb[band] = FOREST[band] + rng.normal(0, 6, (HEIGHT, WIDTH))
        rgb[band][BARE] = SOIL[band] + rng.normal(0, 6, (80, 100))
    return np.clip(rgb, 1, 254) * scale


def make_mosaic(path, *, dtype="uint8", tiled=True, alpha=False, nodata=None, crs=EPSG, overviews=False,
                descriptions=True, rgb=None):
    scale = 257 if dtype == "uint16" else 1
    data = (_paint(scale) if rgb is None else rgb).astype(dtype)
    bands = [data[0], data[1], data[2]]
    profile = {"driver": "GTiff", "dtype": dtype, "count": 4 if alpha else 3, "width": WIDTH, "height": HEIGHT,
               "crs": f"EPSG:{crs}", "transform": Affine(CELL, 0, X0, 0, -CELL, Y0)}
    if tiled:
        profile.update(tiled=True, blockxsize=128, blockysize=128)
    else:
        profile.update(tiled=False, blockysize=1)
    if nodata is not None:
        profile["nodata"] = nodata
        for b in bands:
            b[:40] = nodata  # top 40 rows empty
    if alpha:
        transparent = np.zeros((HEIGHT, WIDTH), dtype=dtype)
        transparent[40:] = 255 * scale
        bands.append(transparent)
        profile["photometric"] = "RGB"
        profile["alpha"] = "YES"
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(np.stack(bands))
        if descriptions:
            for i, name in enumerate(("red", "green", "blue"), start=1):
                ds.set_band_description(i, name)
        if overviews:
            ds.build_overviews([2, 4])
    return path


def _area(crs=EPSG, box=(0, 0, WIDTH, HEIGHT)):
    c0, r0, c1, r1 = box
    geom = shapely.box(_x(c0), _y(r1), _x(c1), _y(r0))
    return gpd.GeoDataFrame({"name": ["case"]}, geometry=[geom], crs=f"EPSG:{EPSG}").to_crs(f"EPSG:{crs}")


def _zones():
    """INJ left of column 300 (the bare rectangle's middle), COLL right of it."""
    return gpd.GeoDataFrame(
        {"zone": ["INJ", "COLL"]},
        geometry=[shapely.box(_x(0), _y(HEIGHT), _x(300), _y(0)), shapely.box(_x(300), _y(HEIGHT), _x(WIDTH), _y(0))],
        crs=f"EPSG:{EPSG}",
    )


def _damaged(result, zone="CASE_AREA"):
    summary = result.summary.set_index("zone")
    return float(summary.loc[zone, "damaged_area_m2"])


# --------------------------------------------------------------------------- indices and Otsu
def test_indices_of_one_pixel_worked_by_hand():
    # R 60, G 120, B 20: r = 0.3, g = 0.6, b = 0.1
    px = {"red": np.array([60.0]), "green": np.array([120.0]), "blue": np.array([20.0]), "nir": np.array([0.0])}
    assert compute_index("exg", px)[0] == pytest.approx(2 * 0.6 - 0.3 - 0.1)  # 0.8
    assert compute_index("exgr", px)[0] == pytest.approx(0.8 - (1.4 * 0.3 - 0.6))  # 0.98
    assert compute_index("gli", px)[0] == pytest.approx((240 - 60 - 20) / (240 + 60 + 20))  # 0.5
    assert compute_index("vdvi", px)[0] == compute_index("gli", px)[0]
    assert compute_index("vari", px)[0] == pytest.approx((120 - 60) / (120 + 60 - 20))  # 0.375
    nir = {"red": np.array([0.1]), "nir": np.array([0.5])}
    assert compute_index("ndvi", nir)[0] == pytest.approx(0.4 / 0.6, rel=1e-6)
    # a black pixel has no chromatic coordinates
    assert np.isnan(compute_index("exg", {"red": [0.0], "green": [0.0], "blue": [0.0]})[0])
    # the scale does not matter: 16-bit digital numbers give the 8-bit index
    px16 = {k: v * 257 for k, v in px.items()}
    assert compute_index("exg", px16)[0] == pytest.approx(compute_index("exg", px)[0])
    with pytest.raises(InputError, match="unknown vegetation index"):
        compute_index("ndwi", px)


def test_otsu_against_a_histogram_computed_by_hand():
    # bins [0,1), [1,2), [2,3), [3,4) with counts 3, 2, 1, 3 (centres 0.5 ... 3.5), N = 9.
    # between-class variance w0 * w1 * (m0 - m1)^2 for the split after bin k:
    #   k=0: 3 * 6 * (0.5 - 16/6)^2     = 84.5
    #   k=1: 5 * 4 * (0.9 - 3.25)^2     = 110.45   <- largest
    #   k=2: 6 * 3 * (7/6 - 3.5)^2      = 98.0
    # so the threshold is the upper edge of bin 1: 2.0
    assert otsu_threshold([3, 2, 1, 3], [0, 1, 2, 3, 4]) == 2.0
    # an empty bin between two classes ties two splits: the middle of the gap
    assert otsu_threshold([3, 1, 0, 2], [0, 1, 2, 3, 4]) == 2.5
    with pytest.raises(InputError):
        otsu_threshold([0, 0], [0, 1, 2])


def test_histogram_streamed_over_blocks_equals_the_whole_array():
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(-0.1, 0.05, 5000), rng.normal(0.5, 0.1, 7000)]).astype(np.float32)
    spec = index_spec("exg")
    whole = histogram(values, spec)
    streamed = sum(histogram(part, spec) for part in np.array_split(values, 7))
    np.testing.assert_array_equal(whole, streamed)
    assert whole.sum() == values.size and whole.size == BINS
    t = otsu_threshold(whole, bin_edges(spec))
    assert 0.05 < t < 0.35  # between the two modes


def test_band_mapping_from_the_file_and_from_the_user():
    assert band_mapping(4, ("red", "green", "blue", "alpha")) == {"red": 1, "green": 2, "blue": 3, "alpha": 4}
    assert band_mapping(5, ("gray",) * 5, ("blue", "green", "red", "rededge", "NIR")) == {
        "blue": 1, "green": 2, "red": 3, "nir": 5}
    assert band_mapping(3, ("undefined",) * 3) == {"red": 1, "green": 2, "blue": 3}
    assert band_mapping(4, ("gray",) * 4, (), {"nir": 4}) == {"red": 1, "green": 2, "blue": 3, "nir": 4}
    with pytest.raises(InputError, match="band 6 given as nir, but the image has 4"):
        band_mapping(4, (), (), {"nir": 6}, layer="drone")


# --------------------------------------------------------------------------- accuracy
def test_accuracy_figures_worked_by_hand():
    # 10 points; mapped damaged: 4 of 5 damaged, 2 of 5 intact.
    # matrix [[4, 2], [1, 3]]; p_o = 7/10; row totals 6, 4; column totals 5, 5
    # p_e = (6*5 + 4*5) / 100 = 0.5; kappa = (0.7 - 0.5) / 0.5 = 0.4
    mapped = [1, 1, 1, 1, 0, 1, 1, 0, 0, 0]
    reference = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    a = accuracy(mapped, reference)
    assert a.matrix.tolist() == [[4, 2], [1, 3]]
    assert a.overall == pytest.approx(0.7)
    assert a.kappa == pytest.approx(0.4)
    assert a.producers == pytest.approx({"damaged": 4 / 5, "intact": 3 / 5})
    assert a.users == pytest.approx({"damaged": 4 / 6, "intact": 3 / 4})
    table = a.table().set_index("mapped")
    assert table.loc["damaged", "reference_intact"] == 2 and table.loc["total", "total"] == 10
    assert table.loc["kappa", "reference_damaged"] == pytest.approx(0.4)
    assert parse_labels(["bare", "Vegetated", "破坏", "未破坏", True]).tolist() == [True, False, True, False, True]
    with pytest.raises(InputError, match="row 2, column 'label'"):
        parse_labels(["damaged", "maybe"])


def test_check_points_from_truth_are_labelled_by_the_truth():
    area = _area()
    truth = gpd.GeoDataFrame(geometry=[shapely.box(_x(250), _y(280), _x(350), _y(200))], crs=f"EPSG:{EPSG}")
    points = check_points_from_truth(truth, area, per_class=50, seed=4)
    inside = shapely.contains(truth.geometry.iloc[0], points.geometry.to_numpy())
    assert (points["label"] == np.where(inside, "damaged", "intact")).all()
    assert (points["label"] == "damaged").sum() == 50 and len(points) == 100
    again = check_points_from_truth(truth, area, per_class=50, seed=4)
    assert again.geometry.equals(points.geometry)


# --------------------------------------------------------------------------- block-wise runs
def test_known_bare_rectangle_by_zone_with_outputs_and_provenance(tmp_path):
    mosaic = make_mosaic(tmp_path / "m.tif", overviews=True)
    truth = gpd.GeoDataFrame(geometry=[shapely.box(_x(250), _y(280), _x(350), _y(200))], crs=f"EPSG:{EPSG}")
    points = check_points_from_truth(truth, _area(), per_class=40, seed=1)
    result = vegetation_damage(mosaic, _area(), _zones(), check_points=points, work_dir=tmp_path)
    # Otsu falls between the soil (ExG (224 - 178 - 72) / 362 = -0.07) and the forest ((240 - 100) / 220 = 0.64)
    assert -0.07 < result.threshold < 0.64
    assert _damaged(result) == pytest.approx(BARE_M2)
    assert _damaged(result, "INJ") == pytest.approx(BARE_M2 / 2)  # columns 250-299
    assert _damaged(result, "COLL") == pytest.approx(BARE_M2 / 2)
    assert result.forest_area_lost_m2 == pytest.approx(BARE_M2)
    assert sorted(result.polygons["zone"]) == ["COLL", "INJ"]
    assert result.accuracy.kappa == 1.0 and result.accuracy.n == 80
    written = result.write(
        {"polygons": tmp_path / "out" / "damage.gpkg", "summary": tmp_path / "out" / "by_zone.csv",
         "accuracy": tmp_path / "out" / "accuracy.csv", "index": tmp_path / "out" / "index.tif"},
        inputs={"mosaic": str(mosaic)},
    )
    for path in written.values():
        record = json.loads((path.parent / (path.name + ".provenance.json")).read_text())
        assert record["algorithm"] == "ree_damage:vegetation_damage"
        assert record["inputs"]["mosaic"]["sha256"]
        assert record["outputs"]["kappa"] == 1.0
    with rasterio.open(written["index"]) as ds:
        assert ds.profile["tiled"] and ds.compression.name == "deflate"
        assert ds.overviews(1) == [2] and ds.nodata == veg.INDEX_NODATA and ds.descriptions == ("exg",)
        index = ds.read(1)
    assert index[240, 300] < result.threshold < index[100, 100]
    assert gpd.read_file(written["polygons"])["area_m2"].sum() == pytest.approx(BARE_M2)
    assert os.path.samefile(written["index"], result.index_raster)  # linked, not copied: one file system
    # the intermediate rasters go with the result; the index raster written stays whole
    result.close()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("ree_vegetation_")) == []
    with rasterio.open(written["index"]) as ds:
        np.testing.assert_array_equal(ds.read(1), index)


@pytest.mark.parametrize(
    "options",
    [
        {"dtype": "uint16"},
        {"tiled": False},
        {"alpha": True},
        {"nodata": 0},
        {"descriptions": False},
    ],
    ids=["16bit", "striped", "rgba", "nodata", "no-descriptions"],
)
def test_formats_give_the_same_area(tmp_path, options):
    mosaic = make_mosaic(tmp_path / "m.tif", **options)
    result = vegetation_damage(mosaic, _area(), _zones(), params=VegetationParams(min_area_m2=0))
    assert _damaged(result) == pytest.approx(BARE_M2)
    if options.get("alpha") or options.get("nodata") is not None:
        with rasterio.open(result.index_raster) as ds:
            index = ds.read(1)
        assert (index[:40] == veg.INDEX_NODATA).all() and (index[40:] != veg.INDEX_NODATA).all()


def test_a_mosaic_in_another_crs_and_in_degrees(tmp_path):
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    source = make_mosaic(tmp_path / "m.tif")
    for epsg, name in ((32649, "utm.tif"), (4490, "lonlat.tif")):
        with rasterio.open(source) as src:
            transform, width, height = calculate_default_transform(src.crs, f"EPSG:{epsg}", src.width,
                                                                   src.height, *src.bounds)
            profile = dict(src.profile, crs=f"EPSG:{epsg}", transform=transform, width=width, height=height,
                           nodata=0)
            with rasterio.open(tmp_path / name, "w", **profile) as dst:
                for band in (1, 2, 3):
                    reproject(rasterio.band(src, band), rasterio.band(dst, band), resampling=Resampling.nearest)
        result = vegetation_damage(tmp_path / name, _area(), _zones(), params=VegetationParams(min_area_m2=0))
        # areas in the case area's Gauss-Kruger CRS: the resampled edge moves by under a cell
        assert _damaged(result) == pytest.approx(BARE_M2, rel=0.03), name


def test_a_mosaic_that_misses_the_case_area_is_refused(tmp_path):
    mosaic = make_mosaic(tmp_path / "m.tif")
    far = _area().translate(xoff=5000)
    with pytest.raises(InputError, match="does not overlap the case area") as error:
        vegetation_damage(mosaic, far, layer_names={"mosaic": "drone_2025.tif"})
    assert error.value.message.code == "VEG_NO_OVERLAP" and error.value.layer == "drone_2025.tif"


def test_change_mode_counts_only_what_was_vegetated_before(tmp_path):
    after = make_mosaic(tmp_path / "after.tif")
    # before: the western 20 columns of the rectangle (cols 250-269) were already bare
    rgb = _paint(seed=9)
    rgb[:, 80:400, :] = np.array(FOREST, dtype=float)[:, None, None]
    rgb[:, 200:280, 250:270] = np.array(SOIL, dtype=float)[:, None, None]
    before = make_mosaic(tmp_path / "before.tif", rgb=rgb)
    result = vegetation_damage(after, _area(), _zones(), before=before, params=VegetationParams(min_area_m2=0))
    assert _damaged(result) == pytest.approx(BARE_M2 * 80 / 100)
    assert "change" in result.forest_basis and result.before_threshold is not None
    # an earlier vegetation mask (1 = vegetated) on a coarser grid (1 m), the same answer
    mask = np.ones((HEIGHT // 2, WIDTH // 2), dtype=np.uint8)
    mask[100:140, 125:135] = 0
    with rasterio.open(tmp_path / "mask.tif", "w", driver="GTiff", dtype="uint8", count=1, width=WIDTH // 2,
                       height=HEIGHT // 2, crs=f"EPSG:{EPSG}", transform=Affine(1.0, 0, X0, 0, -1.0, Y0)) as ds:
        ds.write(mask, 1)
    masked = vegetation_damage(after, _area(), before=tmp_path / "mask.tif", before_kind="mask",
                               params=VegetationParams(min_area_m2=0))
    assert _damaged(masked) == pytest.approx(BARE_M2 * 80 / 100)


def test_minimum_mapping_unit_and_given_threshold(tmp_path):
    rgb = _paint()
    rgb[:, 50:54, 50:54] = np.array(SOIL, dtype=float)[:, None, None]  # 16 cells = 4 m2 speck
    mosaic = make_mosaic(tmp_path / "m.tif", rgb=rgb)
    kept = vegetation_damage(mosaic, _area(), params=VegetationParams(min_area_m2=0, threshold_method="given",
                                                                      threshold=0.2))
    assert kept.threshold == 0.2 and _damaged(kept) == pytest.approx(BARE_M2 + 4.0)
    sieved = vegetation_damage(mosaic, _area(), params=VegetationParams(min_area_m2=5.0))
    assert _damaged(sieved) == pytest.approx(BARE_M2)
    assert sieved.parameters["min_area_cells"] == 20  # 5 m2 / 0.25 m2


def test_cancel_stops_between_blocks_and_leaves_nothing(tmp_path):
    mosaic = make_mosaic(tmp_path / "m.tif")
    work = tmp_path / "work"
    work.mkdir()
    calls = []

    def is_canceled():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Canceled):
        vegetation_damage(mosaic, _area(), work_dir=work, is_canceled=is_canceled,
                          params=VegetationParams(workers=1))
    assert list(work.iterdir()) == []


def test_windows_are_whole_blocks_of_the_file(tmp_path):
    mosaic = make_mosaic(tmp_path / "m.tif")
    with rasterio.open(mosaic) as ds:
        roi = veg.roi_window((X0 + 70, Y0 - 200, X0 + 250, Y0 - 10), ds.transform, (ds.height, ds.width),
                             ds.block_shapes[0])
        windows = veg.processing_windows(ds.block_shapes[0], roi, target=256 * 256)
    assert roi.col_off % 128 == 0 and roi.row_off % 128 == 0
    assert all(w.col_off % 128 == 0 and w.row_off % 128 == 0 for w in windows)
    covered = np.zeros((HEIGHT, WIDTH), dtype=int)
    for w in windows:
        covered[w.row_off:w.row_off + w.height, w.col_off:w.col_off + w.width] += 1
    assert covered.max() == 1 and covered.sum() == roi.width * roi.height


def test_dask_threaded_scheduler_gives_the_serial_result(tmp_path):
    dask = pytest.importorskip("dask")
    mosaic = make_mosaic(tmp_path / "m.tif")
    result = vegetation_damage(mosaic, _area(), params=VegetationParams(threshold_method="given", threshold=0.05))
    with rasterio.open(mosaic) as ds:
        image = veg._source_for(ds, mosaic, {}, layer="m")
        spec = veg.BlockSpec(image, "exg", shapely.box(*ds.bounds), ds.transform, (ds.height, ds.width),
                             threshold=0.05, cleanup_px=1)
        windows = veg.processing_windows(ds.block_shapes[0], Window(0, 0, ds.width, ds.height), target=128 * 256)
    assert len(windows) > 4
    serial = [veg.classify_block(spec, w) for w in windows]
    tasks = [dask.delayed(veg.classify_block)(spec, w) for w in windows]
    parallel = dask.compute(*tasks, scheduler="threads", num_workers=2)
    index = np.zeros((HEIGHT, WIDTH), dtype=np.float32)
    classes = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)
    for w, (s_index, s_class), (p_index, p_class) in zip(windows, serial, parallel):
        np.testing.assert_array_equal(s_index, p_index)
        np.testing.assert_array_equal(s_class, p_class)
        index[w.row_off:w.row_off + w.height, w.col_off:w.col_off + w.width] = p_index
        classes[w.row_off:w.row_off + w.height, w.col_off:w.col_off + w.width] = p_class
    with rasterio.open(result.index_raster) as ds:
        np.testing.assert_array_equal(ds.read(1), index)  # the run's own raster, block for block
    # the halo makes the clean-up independent of the blocks: one window over everything agrees
    whole_index, whole_class = veg.classify_block(spec, Window(0, 0, WIDTH, HEIGHT))
    np.testing.assert_array_equal(whole_class, classes)


# --------------------------------------------------------------------------- the sample case
@pytest.fixture(scope="module")
def sample_case(tmp_path_factory):
    from ree_damage.core.case import load_case
    from ree_damage.sample_case import generate_sample_case

    paths = generate_sample_case(tmp_path_factory.mktemp("case"), include=("vectors", "ortho"))
    return load_case(paths["case_file"])


def test_sample_case_accuracy_against_the_bare_ground_truth(sample_case):
    from ree_damage.core.case import run

    zones = run.zones(sample_case)
    result = run.vegetation(sample_case, zones)
    # measured on this data (ExG, Otsu, 400 points): kappa 0.955, OA 0.978 with the case's seed
    # 20260315; with check-point seeds 1-5 kappa 0.945, 0.96, 0.92, 0.915, 0.945 (OA 0.958-0.98)
    assert result.accuracy.n == 400
    assert result.accuracy.kappa >= 0.90
    assert result.accuracy.overall >= 0.95
    summary = result.summary.set_index("zone")
    parts = summary.drop(index="CASE_AREA")["damaged_area_m2"].sum()
    assert parts == pytest.approx(summary.loc["CASE_AREA", "damaged_area_m2"], rel=1e-6)
    truth = run.read_layer(sample_case, "bare_ground_truth")
    area = run.read_layer(sample_case, "case_boundary")
    true_m2 = shapely.area(shapely.intersection(truth.union_all(), area.union_all()))
    # the map also counts the pools, ponds, road and ditches (bare, but not in the truth)
    assert true_m2 < result.forest_area_lost_m2 < 1.2 * true_m2


@pytest.mark.parametrize("exceptions", [True, False], ids=["gdal-exceptions", "gdal-return-codes"])
def test_cancel_inside_gdal_sieve_is_a_cancel_either_way(tmp_path, exceptions):
    from osgeo import gdal, ogr

    mosaic = make_mosaic(tmp_path / "m.tif")
    work = tmp_path / "work"
    work.mkdir()
    calls = []

    def is_canceled():  # the blocks ask twice (histogram, classes); then GDAL's sieve asks per line
        calls.append(1)
        return len(calls) > 5

    # osgeo keeps a stack of who turned exceptions on (gdal, then ogr): undone in reverse order
    before = (gdal.GetUseExceptions(), ogr.GetUseExceptions())
    if ogr.GetUseExceptions():
        ogr.DontUseExceptions()
    (gdal.UseExceptions if exceptions else gdal.DontUseExceptions)()
    try:
        with pytest.raises(Canceled):
            vegetation_damage(mosaic, _area(), work_dir=work, is_canceled=is_canceled,
                              params=VegetationParams(workers=1))
    finally:
        (gdal.UseExceptions if before[0] else gdal.DontUseExceptions)()
        if before[1]:
            ogr.UseExceptions()
    assert len(calls) > 5 and list(work.iterdir()) == []


# --------------------------------------------------------------------------- audit of issue 12 (added)
def _otsu_by_brute_force(values: np.ndarray) -> float:
    """Otsu (1979) straight from its definition on the raw values, no histogram: for every split
    between two consecutive distinct values, the within-class variance w0 var0 + w1 var1 (which
    Otsu minimises); the best split's midpoint. An oracle independent of the cumulative sums of
    :func:`otsu_threshold`."""
    ordered = np.sort(values.astype(np.float64))
    distinct = np.unique(ordered)
    best, best_split = np.inf, None
    for low, high in zip(distinct[:-1], distinct[1:]):
        below, above = ordered[ordered <= low], ordered[ordered > low]
        within = below.size * below.var() + above.size * above.var()
        if within < best - 1e-9:
            best, best_split = within, (low + high) / 2
    return best_split


def _two_classes_on_bin_centres():
    """ExG values on the centres of a 64-bin histogram over its range (700 around bin 12, 1300
    around bin 40): the histogram loses nothing, so oracles must agree to the bin edge."""
    spec = index_spec("exg")
    edges = bin_edges(spec, 64)
    centres = (edges[:-1] + edges[1:]) / 2
    rng = np.random.default_rng(11)
    picks = np.concatenate([rng.normal(12, 3, 700), rng.normal(40, 5, 1300)]).round().astype(int).clip(0, 63)
    return spec, edges, centres, centres[picks]


def test_otsu_against_an_independent_oracle():
    # values on the bin centres of a 64-bin histogram over ExG's range, so the histogram loses
    # nothing and the two must agree to the bin edge between the classes
    spec, edges, centres, values = _two_classes_on_bin_centres()
    oracle = _otsu_by_brute_force(values)
    ours = otsu_threshold(histogram(values, spec, 64), edges)
    # the oracle splits midway between the last value below and the first above; ours at the
    # edge of the last bin below (or the middle of an empty run): the same gap between classes
    below = values[values < ours].max()
    above = values[values >= ours].min()
    assert below < oracle < above
    assert (values < ours).sum() == (values < oracle).sum()


def test_otsu_against_skimage_when_installed():
    skimage_filters = pytest.importorskip("skimage.filters")
    spec, edges, centres, values = _two_classes_on_bin_centres()
    counts = histogram(values, spec, 64)
    ours = otsu_threshold(counts, edges)
    theirs = skimage_filters.threshold_otsu(hist=(counts, centres))
    assert (values < ours).sum() == (values <= theirs).sum()


def test_multispectral_16bit_ndvi_from_band_descriptions(tmp_path):
    """A 5-band 16-bit multispectral mosaic (blue, green, red, red edge, NIR, described as such,
    colour interpretation gray): the bands are found from the descriptions and NDVI maps the
    bare rectangle; reflectance x 10000: forest red 0.04 NIR 0.45 (NDVI 0.84), soil red 0.20
    NIR 0.26 (NDVI 0.13)."""
    rng = np.random.default_rng(5)
    red = np.full((HEIGHT, WIDTH), 400.0) + rng.normal(0, 20, (HEIGHT, WIDTH))
    nir = np.full((HEIGHT, WIDTH), 4500.0) + rng.normal(0, 150, (HEIGHT, WIDTH))
    red[BARE], nir[BARE] = 2000.0, 2600.0
    other = np.full((HEIGHT, WIDTH), 800.0)
    profile = {"driver": "GTiff", "dtype": "uint16", "count": 5, "width": WIDTH, "height": HEIGHT,
               "crs": f"EPSG:{EPSG}", "transform": Affine(CELL, 0, X0, 0, -CELL, Y0), "tiled": True,
               "blockxsize": 256, "blockysize": 256, "photometric": "MINISBLACK"}
    path = tmp_path / "ms.tif"
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(np.stack([other, other, red, other, nir]).clip(1, 65535).astype("uint16"))
        for i, name in enumerate(("Blue", "Green", "Red", "RedEdge", "NIR"), start=1):
            ds.set_band_description(i, name)
    result = vegetation_damage(path, _area(), _zones(), params=VegetationParams(index="ndvi", min_area_m2=0))
    assert result.parameters["band_mapping"] == {"blue": 1, "green": 2, "red": 3, "nir": 5}
    assert 0.13 < result.threshold < 0.84
    assert _damaged(result) == pytest.approx(BARE_M2)
    # the same mosaic without a NIR band named: NDVI is refused, naming the missing band
    with pytest.raises(InputError, match="nir"):
        vegetation_damage(path, _area(), params=VegetationParams(index="ndvi", bands={"nir": 0}))


def test_progress_is_reported_block_by_block(tmp_path, monkeypatch):
    mosaic = make_mosaic(tmp_path / "m.tif")  # 600 x 500 in 128 x 128 tiles
    monkeypatch.setattr(veg, "TARGET_PIXELS", 128 * 256)  # windows of two tiles, one across and two down: 5 x 2 = 10
    reported = []
    result = vegetation_damage(mosaic, _area(), params=VegetationParams(workers=1), progress=reported.append)
    with rasterio.open(mosaic) as ds:
        windows = veg.processing_windows(ds.block_shapes[0], Window(0, 0, ds.width, ds.height), 128 * 256)
    assert len(windows) == 10
    # the histogram pass and the classification pass report once per window each, then GDAL's steps
    assert len(reported) >= 2 * len(windows)
    assert reported == sorted(reported) and reported[-1] == pytest.approx(1.0)
    assert result.parameters["otsu_histogram"].endswith(f"(streamed over {len(windows)} blocks)")


@pytest.mark.parametrize("overviews", [True, False], ids=["with-overviews", "decimated"])
def test_otsu_on_an_overview_is_stated_and_finds_the_same_bare_ground(tmp_path, monkeypatch, overviews):
    mosaic = make_mosaic(tmp_path / "m.tif", overviews=overviews)  # overviews 1:2 and 1:4
    # 600 x 500 = 300,000 cells brought to about 20,000: 1:4 (150 x 125 cells read)
    monkeypatch.setattr(veg, "OVERVIEW_CELLS", 20_000)
    full = vegetation_damage(mosaic, _area(), params=VegetationParams(min_area_m2=0))
    reduced = vegetation_damage(mosaic, _area(), params=VegetationParams(min_area_m2=0, otsu_source="overview"))
    assert reduced.parameters["otsu_histogram"].endswith(
        "the valid cells inside the case area of the mosaic read at 1:4 (about 18750 cells; the file's overview "
        "where one fits, else every 4th cell, nearest)")
    # both thresholds fall in the gap between soil (about -0.07) and forest (0.64) ...
    assert -0.07 < reduced.threshold < 0.64 and reduced.threshold != full.threshold
    # ... so the same cells are bare
    assert _damaged(reduced) == pytest.approx(_damaged(full)) == pytest.approx(BARE_M2)
    with rasterio.open(mosaic) as ds:
        image = veg._source_for(ds, mosaic, {}, layer="m")
    spec = veg.BlockSpec(image, "exg", shapely.box(_x(0), _y(HEIGHT), _x(WIDTH), _y(0)),
                         Affine(CELL, 0, X0, 0, -CELL, Y0), (HEIGHT, WIDTH))
    counts, read = veg.overview_histogram(spec, Window(0, 0, WIDTH, HEIGHT), 4)
    # every 4th cell: 20 x 25 of the 80 x 100 bare cells fall below the threshold
    assert read == 150 * 125 and counts.sum() == read
    assert counts[: int((reduced.threshold - index_spec("exg").low) / 3.0 * BINS)].sum() == 20 * 25
    with pytest.raises(InputError, match="otsu_source"):
        vegetation_damage(mosaic, _area(), params=VegetationParams(otsu_source="sample"))


def test_masked_histogram_counts_what_histogram_counts_of_the_valid_cells():
    # values on the bin edges, at both ends of the range, NaN (never valid), and invalid cells
    spec = index_spec("exg")
    edges = bin_edges(spec).astype(np.float32)
    rng = np.random.default_rng(11)
    values = np.concatenate([edges, rng.uniform(spec.low, spec.high, 5006).astype(np.float32),
                             np.array([spec.low, spec.high, np.nan, np.nan], dtype=np.float32)]).reshape(-1, 5)
    valid = np.isfinite(values) & (rng.random(values.shape) > 0.2)
    counts = masked_histogram(values, valid, spec)
    assert counts.dtype == np.int64 and counts.sum() == valid.sum()
    np.testing.assert_array_equal(counts, histogram(values[valid], spec))
    # worked by hand: -1 (low) and the first edge fall in bin 0, 2.0 (high) in the last bin
    ends = masked_histogram(np.array([-1.0, 2.0, 0.5], dtype=np.float32), np.array([True, True, False]), spec)
    assert ends[0] == 1 and ends[BINS - 1] == 1 and ends.sum() == 2


@pytest.mark.parametrize("shape", [(37, 53), (64, 64), (130, 70)])
def test_case_area_mask_by_tiles_is_the_centre_test_of_every_cell(monkeypatch, shape):
    # an area with a hole and slanted edges, on a grid whose cells it cuts in every way: the
    # tiles (8 cells here) decided as inside, outside or crossed give what testing every centre gives
    monkeypatch.setattr(veg, "MASK_TILE", 8)
    transform = Affine(0.5, 0, X0, 0, -0.5, Y0)
    rows, cols = shape
    outer = shapely.Polygon([(X0 + 3.3, Y0 - 2.1), (X0 + cols * 0.5 - 4.7, Y0 - 5.2),
                             (X0 + cols * 0.4, Y0 - rows * 0.5 + 1.3), (X0 + 1.1, Y0 - rows * 0.3)])
    area = outer.difference(shapely.Point(X0 + cols * 0.22, Y0 - rows * 0.2).buffer(3.0))
    shapely.prepare(area)
    x, y = np.meshgrid(X0 + 0.5 * (np.arange(cols) + 0.5), Y0 - 0.5 * (np.arange(rows) + 0.5))
    expected = shapely.contains_xy(area, x, y)
    assert 0 < expected.sum() < expected.size
    np.testing.assert_array_equal(veg._area_mask_of_grid(PerThreadGeometry(area), transform, shape), expected)
