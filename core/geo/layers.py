"""Input layer checks shared by every step that reads vector layers.

:func:`prepare_layer` brings a layer into the zone CRS and refuses what cannot be used
(no features, no CRS, wrong or missing geometry, unrepairable geometry, features wholly
outside the case), naming the feature ids; the shapely type-id groups and the id list
formatting are shared by the messages of the survey steps.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import shapely

from ..common.errors import InputError
from ..common.messages import Message, Template
from .crs import GaussKrugerZone, epsg_crs

POINT_TYPES = (0, 4)  # Point, MultiPoint
LINE_TYPES = (1, 5)  # LineString, MultiLineString
POLY_TYPES = (3, 6)  # Polygon, MultiPolygon
TYPE_WORDS = {POINT_TYPES: "points", LINE_TYPES: "lines", POLY_TYPES: "polygons"}
_TYPE_WORDS_ZH = {POINT_TYPES: "点", LINE_TYPES: "线", POLY_TYPES: "面"}
_TYPE_NAMES = {
    0: Template("point", "点"),
    1: Template("line", "线"),
    2: Template("ring", "环"),
    3: Template("polygon", "面"),
    4: Template("multipoint", "多点"),
    5: Template("multiline", "多线"),
    6: Template("multipolygon", "多面"),
    7: Template("collection", "几何集合"),
}


def ids_text(ids, limit: int = 10) -> str:
    """The first ``limit`` ids, comma-separated, and how many more there are."""
    ids = list(ids)
    text = ", ".join(str(i) for i in ids[:limit])
    return text + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def compact_ids(ids) -> str:
    """Write feature ids compactly: runs of consecutive integers become ranges.

    Examples
    --------
    >>> compact_ids([1, 2, 3, 5, 7, 8])
    '1-3,5,7-8'
    >>> compact_ids(["a", "b"])
    'a,b'
    """
    values = list(ids)
    try:
        ints = sorted({int(v) for v in values})
        if [str(i) for i in ints] != sorted({str(v) for v in values}, key=int):
            raise ValueError
    except (TypeError, ValueError):
        return ",".join(sorted({str(v) for v in values}))
    parts = []
    start = prev = None
    for i in ints:
        if start is None:
            start = prev = i
        elif i == prev + 1:
            prev = i
        else:
            parts.append(f"{start}-{prev}" if prev > start else f"{start}")
            start = prev = i
    if start is not None:
        parts.append(f"{start}-{prev}" if prev > start else f"{start}")
    return ",".join(parts)


def polygonal_part(geom):
    """Keep only the polygonal parts of a geometry (after overlay or make_valid)."""
    if geom is None or shapely.is_empty(geom):
        return shapely.MultiPolygon()
    parts = shapely.get_parts(geom)
    keep = [p for p in parts if shapely.get_type_id(p) in POLY_TYPES]
    flat = []
    for p in keep:
        flat.extend(shapely.get_parts(p))
    return shapely.MultiPolygon(flat) if flat else shapely.MultiPolygon()


def keep_dimension(geom, allowed):
    """Keep the parts of a repaired geometry that have the allowed type."""
    parts = shapely.get_parts(geom)
    keep = [p for p in parts if shapely.get_type_id(p) in allowed]
    if not keep:
        return None
    return keep[0] if len(keep) == 1 else shapely.union_all(keep)


_DEGREE_MARGIN = 1.0  # degrees around a CRS's area of use still taken as inside it


def _range_text(low: float, high: float) -> str:
    return f"{low:.6g}" if low == high else f"{low:.6g} to {high:.6g}"


def check_crs_and_coordinates(gdf, layer: str, require_crs: bool = True, check_area: bool = True) -> None:
    """Refuse a layer whose CRS is missing or does not fit its coordinates, before any
    geometry work (a reprojection of impossible coordinates gives infinities that only
    show up later as "invalid geometry").

    Checked in this order: features present, a CRS (when ``require_crs``), for a
    geographic CRS longitudes within ±180° and latitudes within ±90° (swapped longitude
    and latitude named as such), then the extent against the CRS's area of use (with a
    margin of 1 degree; a CRS without an area of use is not checked there).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The layer, in its own CRS.
    layer : str
        Layer name for messages.
    require_crs : bool
        False: a layer without CRS passes (the caller checks it, or needs none).
    check_area : bool
        False: the area of use is not checked (only the geographic ranges).

    Raises
    ------
    InputError
        No features, no CRS (with how to set one in QGIS), coordinates out of range or
        outside where the declared CRS is used (degrees in the message).
    """
    if len(gdf) == 0:
        raise InputError(Message("LAYER_EMPTY"), layer=layer)
    if gdf.crs is None:
        if require_crs:
            raise InputError(Message("LAYER_NO_CRS_SET_ONE"), layer=layer)
        return
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any():
        return  # "no geometry" is named, with the feature ids, by prepare_layer
    minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(geoms[present]))
    if not all(np.isfinite([minx, miny, maxx, maxy])):
        return
    crs = gdf.crs
    name = crs.to_string()
    x, y = _range_text(minx, maxx), _range_text(miny, maxy)
    if crs.is_geographic:
        if max(abs(miny), abs(maxy)) > 90 or max(abs(minx), abs(maxx)) > 180:
            swapped = max(abs(minx), abs(maxx)) <= 90 and max(abs(miny), abs(maxy)) <= 180
            code = "LAYER_LATLON_SWAPPED" if swapped else "LAYER_COORDINATES_OUT_OF_RANGE"
            raise InputError(Message(code, crs=name, x=x, y=y), layer=layer)
    area = crs.area_of_use if check_area else None
    if area is None:
        return
    from pyproj import Transformer

    def lonlat(px, py):
        transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        with np.errstate(all="ignore"):
            lon, lat = transformer.transform(np.asarray(px, dtype=float), np.asarray(py, dtype=float))
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)

    def inside(lon, lat):
        m = _DEGREE_MARGIN
        return bool(
            np.isfinite(lon).all()
            and np.isfinite(lat).all()
            and (lon >= area.west - m).all()
            and (lon <= area.east + m).all()
            and (lat >= area.south - m).all()
            and (lat <= area.north + m).all()
        )

    if area.west > area.east:  # an area across the antimeridian: not worth a special case here
        return
    corners_x, corners_y = [minx, maxx, minx, maxx], [miny, miny, maxy, maxy]
    lon, lat = lonlat(corners_x, corners_y)
    if inside(lon, lat):
        return
    hint = Message("LAYER_HINT_SWAPPED") if inside(*lonlat(corners_y, corners_x)) else ""
    centre_lon, centre_lat = lonlat([(minx + maxx) / 2], [(miny + maxy) / 2])
    raise InputError(
        Message(
            "LAYER_OUTSIDE_CRS_AREA",
            x=x,
            y=y,
            lon=float(centre_lon[0]),
            lat=float(centre_lat[0]),
            crs=name,
            area=area.name,
            west=area.west,
            east=area.east,
            south=area.south,
            north=area.north,
            hint=hint,
        ),
        layer=layer,
    )


class PreparedLayer(NamedTuple):
    """What :func:`prepare_layer` returns: the checked layer and what was done to it."""

    frame: Any
    """geopandas.GeoDataFrame or None: 2-D, valid geometries in the zone CRS, index unchanged."""
    warnings: list
    """Messages: reprojection, repairs, clipping."""


def prepare_layer(gdf, layer: str, allowed, zone: GaussKrugerZone, boundary=None) -> PreparedLayer:
    """Check one input layer and bring it into the zone CRS.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame or None
        The layer; its index holds the feature ids named in messages.
    layer : str
        Layer name for messages.
    allowed : tuple of tuple of int
        Allowed shapely type-id groups, e.g. ``(POLY_TYPES,)``.
    zone : GaussKrugerZone
        Target CRS.
    boundary : shapely geometry, optional
        Features wholly outside it are refused; partly outside ones are reported.

    Returns
    -------
    PreparedLayer
        ``(frame, warnings)``: the layer (None when ``gdf`` is None) with 2-D, valid
        geometries in the zone CRS, index unchanged, and the reprojection, repair and
        clipping notes (:class:`~ree_damage.core.common.messages.Message`).

    Raises
    ------
    InputError
        Empty layer, no CRS, coordinates that do not fit the CRS (see
        :func:`check_crs_and_coordinates`, checked first), missing or wrong geometry,
        unrepairable geometry, or features wholly outside the boundary; the message
        names the feature ids. A repaired polygon whose area changed is reported with
        its area before and after (m2). Curves made straight where the layer was read
        (``gdf.attrs["curves_segmentized"]``) are noted with the deviation used.
    """
    warnings: list = []
    if gdf is None:
        return PreparedLayer(None, warnings)
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(Message("LAYER_NOT_A_LAYER"), layer=layer)
    check_crs_and_coordinates(gdf, layer)
    curves = gdf.attrs.get("curves_segmentized")
    if curves:  # made straight where the layer was read (vector_io.read_layer, the QGIS adapter)
        warnings.append(
            Message(
                "LAYER_CURVES_SEGMENTIZED",
                layer=layer,
                n=len(curves["ids"]),
                deviation_m=curves["max_deviation_m"],
                ids=ids_text(curves["ids"]),
            )
        )
    if gdf.crs.is_geographic:
        warnings.append(Message("LAYER_REPROJECTED", layer=layer, crs=gdf.crs.to_string(), zone=zone.authid))
    if gdf.crs.to_epsg() != zone.epsg:
        gdf = gdf.to_crs(zone.epsg)
    gdf = gdf.copy()
    ids = gdf.index.to_numpy()
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        bad = ids[missing]
        raise InputError(
            Message("LAYER_NO_GEOMETRY", n=int(missing.sum()), ids=ids_text(bad)), layer=layer, feature=bad[0]
        )
    extra = shapely.has_z(geoms)
    if shapely.geos_version >= (3, 12, 0) and hasattr(shapely, "has_m"):  # M exists from GEOS 3.12
        extra |= shapely.has_m(geoms)
    if extra.any():  # 2-D layers (the rule) keep their geometries: no 10^4 copies
        geoms = shapely.force_2d(geoms)
    types = shapely.get_type_id(geoms)
    allowed_ids = [t for group in allowed for t in group]
    wrong = ~np.isin(types, allowed_ids)
    if wrong.any():
        bad = ids[wrong]
        expected = Template(
            " or ".join(TYPE_WORDS[g] for g in allowed), "或".join(_TYPE_WORDS_ZH[g] for g in allowed)
        )
        found = int(shapely.get_type_id(geoms[wrong][0]))
        raise InputError(
            Message("LAYER_WRONG_TYPE", found=_TYPE_NAMES.get(found, found), expected=expected, ids=ids_text(bad)),
            layer=layer,
            feature=bad[0],
        )
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        repaired_ids, area_notes = [], []
        for pos in np.flatnonzero(invalid):
            fixed = shapely.make_valid(geoms[pos])
            fixed = keep_dimension(fixed, allowed_ids)
            if fixed is None or shapely.is_empty(fixed):
                raise InputError(
                    Message("LAYER_UNREPAIRABLE"),
                    layer=layer,
                    feature=ids[pos],
                )
            before, after = float(shapely.area(geoms[pos])), float(shapely.area(fixed))
            if shapely.get_type_id(fixed) in POLY_TYPES and abs(after - before) > 1e-6 * max(before, after, 1.0):
                # a self-intersecting ring's signed parts cancel: the user must see what was kept
                area_notes.append(Message("LAYER_REPAIR_AREA", layer=layer, feature=ids[pos], before=before, after=after))
            geoms[pos] = fixed
            repaired_ids.append(ids[pos])
        code = "LAYER_GEOMETRY_REPAIRED" if len(repaired_ids) == 1 else "LAYER_GEOMETRIES_REPAIRED"
        warnings.append(Message(code, layer=layer, n=len(repaired_ids), ids=ids_text(repaired_ids)))
        warnings.extend(area_notes)
    if boundary is not None:
        shapely.prepare(boundary)
        outside = ~shapely.intersects(boundary, geoms)
        if outside.any():
            bad = ids[outside]
            raise InputError(
                Message("LAYER_OUTSIDE_CASE", n=int(outside.sum()), ids=ids_text(bad)),
                layer=layer,
                feature=bad[0],
            )
        partial = ~shapely.covered_by(geoms, boundary)
        if partial.any():
            warnings.append(Message("LAYER_CLIPPED", layer=layer, n=int(partial.sum()), ids=ids_text(ids[partial])))
    gdf = gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=epsg_crs(zone.epsg)))
    return PreparedLayer(gdf, warnings)
