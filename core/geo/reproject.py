"""Reproject layers into one CGCS2000 Gauss-Kruger zone and add lon/lat fields."""

from __future__ import annotations

import math

import numpy as np

from ..common.errors import InputError
from .crs import CGCS2000_GEOGRAPHIC, GaussKrugerZone, dms_array, gauss_kruger_zone, lonlat_arrays

LONLAT_FIELDS = ("lon_cgcs2000", "lat_cgcs2000", "lon_dms", "lat_dms")
"""Fields added to point layers: decimal degrees and degrees-minutes-seconds (CGCS2000)."""


def common_zone(frames: dict, width: int = 3, prefixed: bool = False) -> GaussKrugerZone:
    """The zone picked from the centre of the combined extent of several layers.

    Parameters
    ----------
    frames : dict of str -> geopandas.GeoDataFrame
        Layer name to data, each in its own CRS.
    width, prefixed
        See :func:`ree_damage.core.geo.crs.gauss_kruger_zone`.
    """
    from pyproj import CRS
    from pyproj.transformer import Transformer

    west, south, east, north = math.inf, math.inf, -math.inf, -math.inf
    for name, frame in frames.items():
        if frame.crs is None:
            raise InputError("the layer has no coordinate reference system", layer=name)
        if len(frame) == 0 or frame.geometry.is_empty.all():
            continue
        transformer = Transformer.from_crs(CRS.from_user_input(frame.crs), CGCS2000_GEOGRAPHIC, always_xy=True)
        w, s, e, n = transformer.transform_bounds(*frame.total_bounds)
        west, south, east, north = min(west, w), min(south, s), max(east, e), max(north, n)
    if not math.isfinite(west):
        raise InputError("no layer has any geometry to choose a zone from", layer=", ".join(frames))
    return gauss_kruger_zone((west + east) / 2.0, width=width, prefixed=prefixed)


def add_lonlat_fields(gdf, decimals: int = 8):
    """Add CGCS2000 longitude/latitude fields to a point GeoDataFrame.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Points (single points; multipoints use their centroid) in any projected or
        geographic CRS.
    decimals : int
        Decimal places of the decimal-degree fields (8 places ~ 1 mm).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with the fields of :data:`LONLAT_FIELDS`.
    """
    out = gdf.copy()
    centroids = out.geometry.centroid if (out.geom_type != "Point").any() else out.geometry
    lon, lat = lonlat_arrays(centroids.x.to_numpy(), centroids.y.to_numpy(), out.crs)
    out[LONLAT_FIELDS[0]] = np.round(lon, decimals)
    out[LONLAT_FIELDS[1]] = np.round(lat, decimals)
    finite = np.isfinite(lon) & np.isfinite(lat)
    out[LONLAT_FIELDS[2]] = np.where(finite, dms_array(np.where(finite, lon, 0.0), "E", "W"), None)
    out[LONLAT_FIELDS[3]] = np.where(finite, dms_array(np.where(finite, lat, 0.0), "N", "S"), None)
    return out


def reproject_layers(frames: dict, zone: GaussKrugerZone | None = None, width: int = 3, prefixed: bool = False):
    """Reproject layers into one CGCS2000 Gauss-Kruger zone; points get lon/lat fields.

    Parameters
    ----------
    frames : dict of str -> geopandas.GeoDataFrame
        Layer name to data in any CRS (a missing CRS is refused, never guessed).
    zone : GaussKrugerZone, optional
        Target zone; by default picked from the centre of all layers' combined extent,
        so that every layer lands in the same zone.
    width, prefixed
        Zone width (3 or 6 degrees) and false-easting prefix, when ``zone`` is None.

    Returns
    -------
    (dict of str -> geopandas.GeoDataFrame, GaussKrugerZone)
    """
    if not frames:
        raise InputError("no layer given")
    for name, frame in frames.items():
        if frame.crs is None:
            raise InputError("the layer has no coordinate reference system", layer=name)
    if zone is None:
        zone = common_zone(frames, width=width, prefixed=prefixed)
    out = {}
    for name, frame in frames.items():
        projected = frame.to_crs(zone.epsg)
        if len(projected) and set(projected.geom_type.dropna().unique()) <= {"Point", "MultiPoint"}:
            projected = add_lonlat_fields(projected)
        out[name] = projected
    return out, zone
