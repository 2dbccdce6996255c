"""Curved geometries from a GeoPackage (issue 20): read as straight segments at most 1 cm
from the arcs, noted with the deviation; OGR's process-wide curve flag left as found."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from ree_damage.core.geo.crs import zone_from_epsg
from ree_damage.core.geo.layers import POLY_TYPES, prepare_layer
from ree_damage.core.geo.vector_io import arc_step_degrees, read_layer

X0, Y0 = 500_000.0, 2_766_000.0  # EPSG:4547


def _geopackage(path, layers, epsg=4547):
    from osgeo import ogr, osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    data = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    for name, (kind, wkts) in layers.items():
        layer = data.CreateLayer(name, srs, kind)
        for wkt in wkts:
            feature = ogr.Feature(layer.GetLayerDefn())
            feature.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
            layer.CreateFeature(feature)
            feature = None
        layer = None
    data = None
    return path


@pytest.fixture
def curves(tmp_path):
    from osgeo import ogr

    return _geopackage(tmp_path / "curves.gpkg", {
        # a circle of radius 100 m centred on (X0 + 100, Y0 + 100)
        "circle": (ogr.wkbCurvePolygon,
                   [f"CURVEPOLYGON(CIRCULARSTRING({X0} {Y0 + 100},{X0 + 200} {Y0 + 100},{X0} {Y0 + 100}))"]),
        # a half circle of radius 50 m, then a straight 40 m end
        "ditch": (ogr.wkbCompoundCurve,
                  [f"COMPOUNDCURVE(CIRCULARSTRING({X0 + 50} {Y0 + 100},{X0 + 100} {Y0 + 150},{X0 + 150} {Y0 + 100}),"
                   f"({X0 + 150} {Y0 + 100},{X0 + 150} {Y0 + 60}))"]),
        # a circular-arc ditch: a half circle of radius 50 m
        "arc": (ogr.wkbCircularString,
                [f"CIRCULARSTRING({X0 + 50} {Y0 + 100},{X0 + 100} {Y0 + 150},{X0 + 150} {Y0 + 100})"]),
        # two parts: a straight square and a quarter-circle-edged one
        "surfaces": (ogr.wkbMultiSurface,
                     [f"MULTISURFACE((({X0} {Y0},{X0 + 10} {Y0},{X0 + 10} {Y0 + 10},{X0} {Y0})),"
                      f"CURVEPOLYGON(COMPOUNDCURVE(CIRCULARSTRING({X0 + 300} {Y0},{X0 + 329.2893} {Y0 + 70.7107},"
                      f"{X0 + 400} {Y0 + 100}),({X0 + 400} {Y0 + 100},{X0 + 400} {Y0},{X0 + 300} {Y0}))))"]),
        "straight": (ogr.wkbPolygon, [f"POLYGON(({X0} {Y0},{X0 + 10} {Y0},{X0 + 10} {Y0 + 10},{X0} {Y0}))"]),
    })


def test_arc_step_is_the_angle_whose_chord_stays_within_the_deviation():
    # r (1 - cos(t / 2)) = d  ->  t = 2 acos(1 - d / r); r = 100 m, d = 0.01 m: t = 2 acos(0.9999)
    # = 2 x 0.0141423 rad = 1.6206 degrees
    assert arc_step_degrees(100.0, 0.01) == pytest.approx(2 * math.degrees(math.acos(1 - 0.0001)))
    assert arc_step_degrees(100.0, 0.01) == pytest.approx(1.6206, abs=1e-4)


def test_circle_read_within_one_centimetre(curves):
    frame = read_layer(curves, "circle")
    assert frame.attrs["curves_segmentized"] == {"layer": "circle", "ids": [1], "max_deviation_m": 0.01}
    ring = np.asarray(frame.geometry.iloc[0].exterior.coords)
    centre = np.array([X0 + 100, Y0 + 100])
    assert np.allclose(np.hypot(*(ring - centre).T), 100.0, atol=1e-6)
    middles = np.hypot(*((ring[1:] + ring[:-1]) / 2 - centre).T)
    assert 100.0 - middles.min() <= 0.01
    # pi 100^2 = 31415.93 m2; within 1 cm of the circle the polygon loses at most 2 pi 100 0.01 = 6.28 m2
    assert 31415.93 - 6.28 <= frame.geometry.iloc[0].area < 31415.93


def test_circular_string_compound_curve_and_multisurface_are_read(curves):
    ditch = read_layer(curves, "ditch").geometry.iloc[0]
    assert ditch.geom_type == "LineString"
    # half circle (50 pi = 157.08 m) + straight end (40 m); chords of t = 2.292 degrees (r = 50 m) are
    # shorter than their arcs by t^2 / 24 = 6.7e-5 of the length: 0.011 m on the half circle
    assert math.pi * 50 + 40 - 0.02 < ditch.length < math.pi * 50 + 40
    arc = read_layer(curves, "arc").geometry.iloc[0]
    assert math.pi * 50 - 0.02 < arc.length < math.pi * 50
    surfaces = read_layer(curves, "surfaces")
    assert surfaces.geometry.iloc[0].geom_type == "MultiPolygon"
    assert len(shapely.get_parts(surfaces.geometry.iloc[0])) == 2


def test_a_straight_layer_has_no_note(curves):
    assert "curves_segmentized" not in read_layer(curves, "straight").attrs


def test_prepare_layer_notes_the_deviation(curves):
    frame = read_layer(curves, "circle")
    prepared = prepare_layer(frame, "boundary", (POLY_TYPES,), zone_from_epsg(4547))
    assert [str(w) for w in prepared.warnings] == [
        "boundary: 1 curved feature(s) (circular arcs) turned into straight segments at most 0.01 m from the "
        "arcs: feature(s) 1"
    ]
    assert "与圆弧的偏差不超过 0.01 米" in prepared.warnings[0].text("zh")


def test_the_curve_flag_of_ogr_is_left_as_found(curves):
    from osgeo import ogr

    ogr.SetNonLinearGeometriesEnabledFlag(True)
    read_layer(curves, "circle")
    assert ogr.GetNonLinearGeometriesEnabledFlag()


def test_the_case_runner_reads_curves_as_the_algorithms_do(curves, tmp_path):
    """run_case's layers go through the same reader: the circle straightened within 1 cm and
    noted, the frame indexed 0..n-1 as before (issue 10: one reader for every input)."""
    from ree_damage.core.case.model import Case, Inputs
    from ree_damage.core.case.run import read_layer as case_layer

    case = Case(folder=tmp_path, inputs=Inputs(vectors=curves, layers={"case_boundary": "circle"}))
    frame = case_layer(case, "case_boundary")
    assert list(frame.index) == [0]
    assert frame.attrs["curves_segmentized"]["ids"] == [1]
    assert frame.geometry.iloc[0].geom_type == "Polygon"
    assert 31415.93 - 6.28 <= frame.geometry.iloc[0].area < 31415.93


def test_a_table_without_geometry_is_read(tmp_path):
    from osgeo import ogr

    path = tmp_path / "table.gpkg"
    data = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = data.CreateLayer("depths", None, ogr.wkbNone)
    layer.CreateField(ogr.FieldDefn("top_m", ogr.OFTReal))
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetField("top_m", 0.5)
    layer.CreateFeature(feature)
    feature = layer = data = None
    frame = read_layer(path, "depths")
    assert list(frame["top_m"]) == [0.5]
    assert "curves_segmentized" not in frame.attrs
