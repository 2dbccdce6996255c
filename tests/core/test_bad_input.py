"""The bad-input table: mistakes technicians make, each refused (or warned about) by its
real cause, and nothing written. One row: (case, the call, the expected message fragment)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from ree_damage.core.common.errors import InputError
from ree_damage.core.geo.vector_io import read_layer
from ree_damage.core.interp.interpolation import Target, interpolate
from ree_damage.core.lab.importer import LabSheetError, import_lab_results, locate_samples
from ree_damage.core.survey.zones import functional_zones

X0, Y0 = 500_000.0, 2_766_000.0  # EPSG:4547 (CGCS2000 3-degree zone 38), about 114 E 25 N
SQUARE = shapely.box(X0, Y0, X0 + 200, Y0 + 200)
BOWTIE = shapely.Polygon([(X0, Y0), (X0 + 200, Y0 + 200), (X0 + 200, Y0), (X0, Y0 + 200)])
SAMPLES = pd.DataFrame({"sample_id": ["INJ-001-50", "INJ-002-50"]})


def _layer(geoms, crs="EPSG:4547", **columns):
    return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(list(geoms), crs=crs), crs=crs)


def _holes(points=((X0 + 20, Y0 + 100), (X0 + 25, Y0 + 105))):
    return _layer([shapely.Point(p) for p in points], hole_depth_m=[8.0] * len(points))


def _zones(boundary, holes=None):
    return lambda tmp: functional_zones(boundary, _holes() if holes is None else holes)


def _lab(text, **options):
    def run(tmp):
        path = tmp / "sheet" / "lab.csv"
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
        return import_lab_results(path, SAMPLES, **options)

    return run


def _lab_file(data: bytes, name: str):
    def run(tmp):
        path = tmp / "sheet" / name
        path.parent.mkdir()
        path.write_bytes(data)
        return import_lab_results(path, SAMPLES)

    return run


LAB_HEAD = "样品编号,Cd(mg/kg)\n"


def _located(text):
    def run(tmp):
        path = tmp / "sheet" / "lab.csv"
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
        table = import_lab_results(path, None).table
        points = _layer([shapely.Point(X0 + 5, Y0 + 5)], point_id=["INJ-001"])
        return locate_samples(table, points)

    return run


def _curved_zones(tmp):
    """A CurvePolygon boundary (a circle of radius 100 m) from a GeoPackage through the core
    reader; a hole in the corner of its bounding square lies outside the arc."""
    from osgeo import ogr, osr

    path = tmp / "sheet" / "curves.gpkg"
    path.parent.mkdir()
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4547)
    data = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = data.CreateLayer("boundary", srs, ogr.wkbCurvePolygon)
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetGeometry(ogr.CreateGeometryFromWkt(
        f"CURVEPOLYGON(CIRCULARSTRING({X0} {Y0 + 100},{X0 + 200} {Y0 + 100},{X0} {Y0 + 100}))"))
    layer.CreateFeature(feature)
    feature = layer = data = None
    boundary = read_layer(path, "boundary")
    return functional_zones(boundary, _holes(((X0 + 5, Y0 + 5),)))
# lon/lat of the square in CGCS2000 geographic, and the same with x and y swapped
LONLAT = shapely.box(114.0, 25.0, 114.002, 25.002)
LATLON = shapely.box(25.0, 114.0, 25.002, 114.002)

REFUSED = [
    ("lab cell n/a", _lab(LAB_HEAD + "INJ-001-50,n/a\nINJ-002-50,0.2\n"), "'n/a' is a missing-value marker"),
    ("lab cell em dash", _lab(LAB_HEAD + "INJ-001-50,—\nINJ-002-50,0.2\n"), "sheet row 2, column 'Cd(mg/kg)'"),
    ("lab cell single dash", _lab(LAB_HEAD + "INJ-001-50,-\nINJ-002-50,0.2\n"), "'-' is a missing-value marker"),
    ("lab cell text", _lab(LAB_HEAD + "INJ-001-50,high\nINJ-002-50,0.2\n"), "'high' is not a number"),
    ("lab duplicate sample id", _lab(LAB_HEAD + "INJ-001-50,0.1\nINJ-001-50,0.2\n"), "appears twice (also sheet row 2)"),
    ("lab negative value", _lab(LAB_HEAD + "INJ-001-50,-0.1\nINJ-002-50,0.2\n"), "negative value"),
    ("lab pH out of range", _lab("样品编号,pH\nINJ-001-50,15\nINJ-002-50,5\n"), "pH 15 is outside 0-14"),
    ("lab bad missing_markers option", _lab(LAB_HEAD + "INJ-001-50,1\n", missing_markers="drop"),
     "missing_markers must be"),
    ("boundary without CRS", _zones(_layer([SQUARE], crs=None)), "Set Layer CRS"),
    ("boundary lat/lon swapped", _zones(_layer([LATLON], crs="EPSG:4490")), "longitude and latitude look swapped"),
    ("boundary metres declared as degrees", _zones(_layer([SQUARE], crs="EPSG:4490")),
     "are they projected metres with a geographic CRS declared"),
    ("boundary degrees declared as metres", _zones(_layer([LONLAT], crs="EPSG:4547")),
     "outside where the declared CRS EPSG:4547 is used"),
    ("boundary northing/easting swapped", _zones(_layer([shapely.box(Y0, X0, Y0 + 200, X0 + 200)])),
     "with x and y swapped they would lie inside it"),
    ("boundary empty", _zones(_layer([], crs="EPSG:4547")), "the layer has no features"),
    ("boundary empty and without CRS", _zones(_layer([], crs=None)), "the layer has no features"),
    ("boundary self-intersecting, holes in the lost part", _zones(_layer([BOWTIE]), _holes(((X0 + 100, Y0 + 20),))),
     "changed its area from 0.0 m2 to 20000.0 m2"),
    ("boundary of points", _zones(_layer([shapely.Point(X0, Y0)])), "wrong geometry type (point); expected polygons"),
    ("holes as lines", _zones(_layer([SQUARE]), _layer([shapely.LineString([(X0, Y0), (X0 + 9, Y0 + 9)])])),
     "wrong geometry type (line); expected points"),
    ("holes outside the case", _zones(_layer([SQUARE]), _holes(((X0 + 5000, Y0),))), "wholly outside the case boundary"),
    ("hole without geometry", _zones(_layer([SQUARE]), _layer([None, shapely.Point(X0 + 9, Y0 + 9)])),
     "1 feature(s) have no geometry: 0"),
    ("lab sheet that is not a sheet", _lab_file(b"\x00\x01PK not a workbook", "lab.xlsx"), "lab.xlsx"),
    ("lab sheet empty", _lab(""), "the lab sheet is empty (no cell holds anything)"),
    ("lab sheet header only", _lab(LAB_HEAD), "no sample row below the header (sheet row 1)"),
    ("lab sheet without indicator columns", _lab("样品编号\nINJ-001-50\n"),
     "head each result column with the indicator and its unit, e.g. 'Cd (mg/kg)'"),
    ("lab sample at an unknown point", _located(LAB_HEAD + "INJ-001-50,0.1\nX-50,0.2\n"),
     "point id(s) X): 'X-50' (sheet row 3)"),
    ("holes with every kind of bad depth", _zones(_layer([SQUARE]), _layer(
        [shapely.Point(X0 + 10 * i, Y0 + 10 * i) for i in range(1, 5)], depth_m=[8.0, np.nan, -1.0, "deep"])),
     "depth is not a number: feature(s) 3; depth must be above 0 and at most 100 m: feature(s) 2 (-1 m); "
     "depth is missing: feature(s) 1"),
    ("curved boundary read, holes outside the arc", _curved_zones,
     "1 feature(s) lie wholly outside the case boundary"),
]


@pytest.mark.parametrize("case, run, fragment", REFUSED, ids=[r[0] for r in REFUSED])
def test_bad_input_is_refused_by_its_cause_and_nothing_is_written(tmp_path, case, run, fragment):
    with pytest.raises(InputError) as error:
        run(tmp_path)
    text = str(error.value) + " ".join(str(p) for p in getattr(error.value, "problems", []))
    assert fragment in text
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.parent.name != "sheet"]
    assert written == []
    if isinstance(error.value, LabSheetError):
        assert "nothing imported" in str(error.value)


def _points(xy, values):
    xy = np.asarray(xy, dtype=float)
    return _layer([shapely.Point(p) for p in xy], sample_id=[f"S{i}" for i in range(len(xy))], Cd=values)


WARNED = [
    ("constant variable", _points([(X0, Y0), (X0 + 90, Y0 + 10), (X0 + 40, Y0 + 80), (X0 + 10, Y0 + 60)], [0.3] * 4),
     "a constant surface carries no spatial information"),
    ("samples on one line", _points([(X0 + 10 * i, Y0 + 5 * i) for i in range(6)], [0.1, 0.4, 0.2, 0.5, 0.3, 0.6]),
     "is extrapolated everywhere off it"),
]


@pytest.mark.parametrize("case, points, fragment", WARNED, ids=[r[0] for r in WARNED])
def test_interpolation_without_spatial_information_is_said(case, points, fragment):
    result = interpolate(points, ["Cd"], Target(cell_size=10.0), methods=("idw",))
    assert any(fragment in w for w in result.warnings)
    assert fragment in result.comparison["note"].iloc[0]


def test_usable_samples_carry_no_such_warning():
    points = _points([(X0, Y0), (X0 + 90, Y0 + 10), (X0 + 40, Y0 + 80), (X0 + 10, Y0 + 60)], [0.1, 0.4, 0.2, 0.5])
    result = interpolate(points, ["Cd"], Target(cell_size=10.0), methods=("idw",))
    assert result.comparison["note"].iloc[0] == ""


def test_table_size():
    """The count the README states (bad-input rows of this file and tests/qgis/test_bad_input.py)."""
    assert len(REFUSED) + len(WARNED) == 29
