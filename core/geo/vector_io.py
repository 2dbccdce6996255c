"""Vector layers: GeoPackage written atomically and reproducibly; layers read with curves made straight.

GeoPackage stores a "last change" timestamp per table; it is fixed (to
``SOURCE_DATE_EPOCH`` when set, else 2000-01-01) so that the same inputs give the same
bytes. The real run time lives in the provenance sidecar.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import threading
from pathlib import Path

from ..common.atomic import atomic_path
from ..common.parallel import SharedSwitch

_CURVES_SWITCH: list = []  # made on first use (osgeo imported then)
_CURVES_LOCK = threading.Lock()


def ogr_curves_kept() -> SharedSwitch:
    """OGR's process-wide "non-linear geometries enabled" flag, put back as found.

    pyogrio turns the flag off whenever it opens a data source (list_layers, read_info,
    read_dataframe) and leaves it off: QGIS's own OGR layers would then read arcs as
    straight segments (GDAL's 4 degree steps), silently, for the rest of the session.
    Every pyogrio call of ours runs inside ``with ogr_curves_kept():``; the last block to
    leave puts the flag back (shared by overlapping blocks on several threads).
    """
    with _CURVES_LOCK:
        if not _CURVES_SWITCH:
            from osgeo import ogr

            _CURVES_SWITCH.append(
                SharedSwitch(ogr.GetNonLinearGeometriesEnabledFlag, lambda: None, ogr.SetNonLinearGeometriesEnabledFlag)
            )
        return _CURVES_SWITCH[0]


def reproducible_timestamp() -> str:
    """The timestamp written into file formats that demand one (ISO 8601, UTC)."""
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "946684800"))
    return _dt.datetime.fromtimestamp(epoch, tz=_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_gpkg_layers(path, layers: dict, descriptions: dict | None = None) -> Path:
    """Write one or more GeoDataFrames into one GeoPackage, atomically.

    Parameters
    ----------
    path : path-like
        Target ``.gpkg`` file; replaced only when every layer was written.
    layers : dict of str -> geopandas.GeoDataFrame
        Layer name to data, written in the given order.
    descriptions : dict of str -> str, optional
        Layer description stored in the GeoPackage metadata (``gpkg_contents``).
    """
    import pyogrio

    target = Path(path)
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": reproducible_timestamp()})
    try:
        with ogr_curves_kept(), atomic_path(target) as tmp:
            for name, frame in layers.items():
                options = {}
                if descriptions and name in descriptions:
                    options["DESCRIPTION"] = descriptions[name]
                pyogrio.write_dataframe(
                    frame, tmp, layer=name, driver="GPKG", append=tmp.exists(), layer_options=options
                )
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
    return target


def write_frame(path, frame, layer: str | None = None) -> Path:
    """Write one table where the caller decided (no rename here): GeoPackage or CSV by suffix.

    ``.gpkg`` keeps the geometry (layer named ``layer`` or the file stem, reproducible
    timestamp); any other suffix writes CSV in UTF-8 with BOM (Excel reads the Chinese
    text), geometry dropped. Used inside an atomic transaction on its temporary path.

    Parameters
    ----------
    path : path-like
        Target file; its suffix picks the format.
    frame : pandas.DataFrame or geopandas.GeoDataFrame
    layer : str, optional
        GeoPackage layer name.
    """
    target = Path(path)
    if target.suffix.lower() == ".gpkg":
        write_gpkg_layers(target, {layer or target.stem: frame})
    else:
        frame.drop(columns="geometry", errors="ignore").to_csv(
            target, index=False, encoding="utf-8-sig", lineterminator="\n"
        )
    return target


# ------------------------------------------------------------------------- reading
CURVE_MAX_DEVIATION_M = 0.01
"""Curves (circular arcs) are read as straight segments lying at most this far from the
arc, m: 1 cm, below any survey's precision, so areas and distances are unchanged for
the evidence (GEOS, hence shapely, holds no curves)."""

def _circumradius(a, b, c) -> float:
    """Radius of the circle through three points (inf when they lie on a line), m."""
    ab = math.dist(a[:2], b[:2])
    bc = math.dist(b[:2], c[:2])
    ca = math.dist(c[:2], a[:2])
    if ca == 0.0:  # a full circle: the middle point is diametrically opposite
        return ab / 2.0
    twice_area = abs((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))
    return math.inf if twice_area == 0.0 else ab * bc * ca / (2.0 * twice_area)


def _arc_radii(geometry):
    """The radii of every circular arc in an OGR geometry, m (layer units)."""
    from osgeo import ogr

    if ogr.GT_Flatten(geometry.GetGeometryType()) == ogr.wkbCircularString:
        points = geometry.GetPoints() or []
        for i in range(0, len(points) - 2, 2):
            yield _circumradius(points[i], points[i + 1], points[i + 2])
        return
    for i in range(geometry.GetGeometryCount()):
        yield from _arc_radii(geometry.GetGeometryRef(i))


def arc_step_degrees(max_radius: float, max_deviation: float) -> float:
    """The largest angle an arc of radius ``max_radius`` may be cut into so that every
    chord stays within ``max_deviation`` of it (both in the same unit): a chord spanning
    the angle t lies at most r (1 - cos(t/2)) from its arc.

    >>> round(arc_step_degrees(100.0, 0.01), 3)
    1.621
    """
    if not math.isfinite(max_radius) or max_radius <= max_deviation:
        return 45.0 if not math.isfinite(max_radius) else 90.0
    return min(45.0, math.degrees(2.0 * math.acos(1.0 - max_deviation / max_radius)))


def read_layer(path, layer=None):
    """Read a vector layer (GeoPackage, shapefile, ...) into a GeoDataFrame, curves made straight.

    Curved geometries (CircularString, CompoundCurve, CurvePolygon, MultiCurve,
    MultiSurface) are replaced by straight segments at most
    :data:`CURVE_MAX_DEVIATION_M` (0.01 m, in a projected CRS; the same share of a degree,
    0.01 / 111 320, in a geographic one) from the arcs: each feature's arcs are cut at the
    angle :func:`arc_step_degrees` gives for its largest radius. The frame's index is the
    feature id; which features were curved, and the deviation, are in
    ``frame.attrs["curves_segmentized"]`` (:func:`~ree_damage.core.geo.layers.prepare_layer`
    turns it into a note of the run).

    Parameters
    ----------
    path : path-like
        The data source.
    layer : str or int, optional
        Layer name or index (the first layer by default).

    Returns
    -------
    geopandas.GeoDataFrame
    """
    import pyogrio
    import shapely
    from osgeo import ogr

    from .raster_io import gdal_exceptions

    with ogr_curves_kept():
        frame = pyogrio.read_dataframe(path, layer=layer, fid_as_index=True)
        frame.attrs.pop("curves_segmentized", None)
        crs = getattr(frame, "crs", None)  # a table without geometry is a plain DataFrame
        geographic = crs is not None and crs.is_geographic
        deviation = CURVE_MAX_DEVIATION_M / 111_320.0 if geographic else CURVE_MAX_DEVIATION_M
        curved = {}
        ogr.SetNonLinearGeometriesEnabledFlag(True)
        with gdal_exceptions():
            source = ogr.Open(str(path))
            ogr_layer = source.GetLayerByName(layer) if isinstance(layer, str) else source.GetLayer(layer or 0)
            declared = ogr.GT_Flatten(ogr_layer.GetGeomType())
            if ogr.GT_IsNonLinear(declared) or declared in (ogr.wkbUnknown, ogr.wkbGeometryCollection):
                for feature in ogr_layer:
                    geometry = feature.GetGeometryRef()
                    if geometry is None or not ogr.GT_IsNonLinear(geometry.GetGeometryType()):
                        continue
                    step = arc_step_degrees(max(_arc_radii(geometry), default=math.inf), deviation)
                    straight = geometry.GetLinearGeometry(step)
                    curved[feature.GetFID()] = shapely.from_wkb(bytes(straight.ExportToIsoWkb()))
            ogr_layer = source = None
    if curved:
        frame = frame.copy()
        index = list(curved)
        frame.loc[index, frame.geometry.name] = [curved[i] for i in index]
        frame.attrs["curves_segmentized"] = {
            "layer": str(layer) if layer is not None else Path(path).stem,
            "ids": index,
            "max_deviation_m": CURVE_MAX_DEVIATION_M,
        }
    return frame
