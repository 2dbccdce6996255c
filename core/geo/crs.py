"""CGCS2000 coordinate reference systems: zone selection, reprojection, lon/lat fields.

All metric work happens in a CGCS2000 Gauss-Kruger zone; a geographic CRS is never used
for areas or distances. Zone rules (DOMAIN.md, "Maps"):

* 3-degree zones: ``n = floor((lon + 1.5) / 3)``, central meridian ``3 n``;
  EPSG ``4534 + (n - 25)`` without zone prefix, ``4513 + (n - 25)`` with it.
* 6-degree zones: ``n = floor(lon / 6) + 1``, central meridian ``6 n - 3``;
  EPSG ``4502 + (n - 13)`` without prefix, ``4491 + (n - 13)`` with it.

A longitude exactly on a zone edge belongs to the eastern zone. China spans zones 25-45
(3-degree) and 13-23 (6-degree); longitudes outside are clamped to the nearest defined
zone, because EPSG defines CGCS2000 Gauss-Kruger zones only there.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from ..common.errors import InputError
from ..common.messages import Message

CGCS2000_GEOGRAPHIC = 4490
"""EPSG code of geographic CGCS2000 (longitude/latitude)."""

HEIGHT_DATUM_1985 = 5737
"""EPSG code of the 1985 national height datum (Yellow Sea 1985 height)."""

ZONES_LON_MIN = 73.5
"""[seed] west end (degrees E) of the CGCS2000 Gauss-Kruger zones: China's western border
(73.5-75 E is held by zone 25, the first EPSG defines)."""
ZONES_LON_MAX = 135.0
"""[seed] east end (degrees E) of the zones (3-degree zone 45, central meridian 135 E)."""

_THREE_DEGREE = {"first_zone": 25, "last_zone": 45, "plain": 4534, "prefixed": 4513}
_SIX_DEGREE = {"first_zone": 13, "last_zone": 23, "plain": 4502, "prefixed": 4491}


@dataclass(frozen=True)
class GaussKrugerZone:
    """One CGCS2000 Gauss-Kruger zone.

    Attributes
    ----------
    width : int
        Zone width in degrees (3 or 6).
    number : int
        Zone number.
    central_meridian : int
        Central meridian, degrees east.
    epsg : int
        EPSG code of the projected CRS.
    prefixed : bool
        True if false eastings carry the zone number as a prefix.
    """

    width: int
    number: int
    central_meridian: int
    epsg: int
    prefixed: bool

    @property
    def authid(self) -> str:
        """``"EPSG:<code>"``, as QGIS and pyproj write it."""
        return f"EPSG:{self.epsg}"

    def datum_note(self, lang: str = "zh") -> str:
        """The map note naming the datum, projection, zone and height datum."""
        if lang == "zh":
            return (
                f"2000国家大地坐标系，高斯-克吕格投影，{self.width}°带，"
                f"中央经线{self.central_meridian}°；1985国家高程基准"
            )
        return (
            f"CGCS2000, Gauss-Kruger projection, {self.width}-degree zone, central meridian "
            f"{self.central_meridian}E; 1985 National Height Datum"
        )


def gauss_kruger_zone(lon: float, width: int = 3, prefixed: bool = False) -> GaussKrugerZone:
    """The CGCS2000 Gauss-Kruger zone that holds a longitude.

    Parameters
    ----------
    lon : float
        Longitude in decimal degrees east (CGCS2000 or WGS 84).
    width : {3, 6}
        Zone width in degrees.
    prefixed : bool
        Return the CRS whose eastings carry the zone number as a prefix.

    Returns
    -------
    GaussKrugerZone

    Examples
    --------
    >>> gauss_kruger_zone(115.0).epsg
    4547
    >>> gauss_kruger_zone(115.0, width=6).central_meridian
    117
    """
    if not math.isfinite(lon):
        raise InputError(f"longitude {lon!r} is not a number")
    if not ZONES_LON_MIN <= lon <= ZONES_LON_MAX:
        # a site abroad would land in the nearest zone with eastings of -2e6 m and areas
        # several percent too large: refused, unless the layer comes in a CRS named by the user
        raise InputError(Message("CRS_OUTSIDE_ZONES", lon=float(lon), lo=ZONES_LON_MIN, hi=ZONES_LON_MAX))
    if width == 3:
        table = _THREE_DEGREE
        number = math.floor((lon + 1.5) / 3)
    elif width == 6:
        table = _SIX_DEGREE
        number = math.floor(lon / 6) + 1
    else:
        raise InputError(f"zone width must be 3 or 6 degrees, not {width}")
    number = min(max(number, table["first_zone"]), table["last_zone"])
    central = 3 * number if width == 3 else 6 * number - 3
    base = table["prefixed" if prefixed else "plain"]
    return GaussKrugerZone(width, number, central, base + number - table["first_zone"], prefixed)


def zone_from_epsg(epsg: int) -> GaussKrugerZone:
    """The zone of a CGCS2000 Gauss-Kruger EPSG code (inverse of :func:`gauss_kruger_zone`)."""
    for width, table in ((3, _THREE_DEGREE), (6, _SIX_DEGREE)):
        count = table["last_zone"] - table["first_zone"] + 1
        for prefixed in (False, True):
            base = table["prefixed" if prefixed else "plain"]
            if base <= epsg < base + count:
                number = table["first_zone"] + epsg - base
                central = 3 * number if width == 3 else 6 * number - 3
                return GaussKrugerZone(width, number, central, epsg, prefixed)
    raise InputError(f"EPSG:{epsg} is not a CGCS2000 Gauss-Kruger zone")


def _crs(crs_like):
    from pyproj import CRS

    return CRS.from_user_input(crs_like)


@functools.lru_cache(maxsize=32)
def epsg_crs(epsg: int):
    """The :class:`pyproj.CRS` of an EPSG code, parsed once (a parse costs about 1 ms)."""
    from pyproj import CRS

    return CRS.from_epsg(epsg)


def centroid_lonlat(bounds, crs_like) -> tuple[float, float]:
    """Longitude and latitude (CGCS2000) of the centre of a bounding box.

    Parameters
    ----------
    bounds : tuple of float
        (minx, miny, maxx, maxy) in ``crs_like`` units.
    crs_like : object
        Anything pyproj understands (EPSG code, WKT, ``"EPSG:4547"``).
    """
    from pyproj import Transformer

    minx, miny, maxx, maxy = bounds
    if not all(math.isfinite(v) for v in bounds):
        raise InputError("the extent is empty or not finite; is the layer empty?")
    cx, cy = (minx + maxx) / 2.0, (miny + maxy) / 2.0
    transformer = Transformer.from_crs(_crs(crs_like), CGCS2000_GEOGRAPHIC, always_xy=True)
    lon, lat = transformer.transform(cx, cy)
    return float(lon), float(lat)


def zone_for_extent(bounds, crs_like, width: int = 3, prefixed: bool = False) -> GaussKrugerZone:
    """The Gauss-Kruger zone picked from the centre of an extent (DESIGN.md, "CRS")."""
    lon, _ = centroid_lonlat(bounds, crs_like)
    return gauss_kruger_zone(lon, width=width, prefixed=prefixed)


def to_zone(gdf, zone: GaussKrugerZone | None = None, layer: str = "layer"):
    """Reproject a GeoDataFrame into a CGCS2000 Gauss-Kruger zone.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Input in any CRS; a missing CRS is refused (it cannot be guessed safely).
    zone : GaussKrugerZone, optional
        Target zone; picked from the layer's extent when omitted.
    layer : str
        Layer name for error messages.

    Returns
    -------
    (geopandas.GeoDataFrame, GaussKrugerZone)
    """
    if len(gdf) == 0:  # first: an empty layer read from QGIS may come without a CRS
        raise InputError("the layer has no features", layer=layer)
    if gdf.crs is None:
        raise InputError("the layer has no coordinate reference system", layer=layer)
    if zone is None:
        zone = zone_for_extent(tuple(gdf.total_bounds), gdf.crs)
    if gdf.crs.to_epsg() == zone.epsg:
        return gdf, zone
    return gdf.to_crs(zone.epsg), zone


@functools.lru_cache(maxsize=32)
def _to_lonlat_of_epsg(epsg: int):
    """The transformer from an EPSG code to CGCS2000 lon/lat, made once (1-2 ms a time).

    pyproj >= 3.1 transformers may be shared by threads: each thread gets its own PROJ
    object on first use.
    """
    from pyproj import Transformer

    return Transformer.from_crs(epsg_crs(epsg), CGCS2000_GEOGRAPHIC, always_xy=True)


def lonlat_arrays(x, y, crs_like) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinate arrays to CGCS2000 longitude and latitude (decimal degrees)."""
    from pyproj import Transformer

    if isinstance(crs_like, (int, np.integer)) and not isinstance(crs_like, bool):
        transformer = _to_lonlat_of_epsg(int(crs_like))
    else:
        transformer = Transformer.from_crs(_crs(crs_like), CGCS2000_GEOGRAPHIC, always_xy=True)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim and x.size == 1:
        # pyproj (< 3.8) tries its scalar path first and float()s a 1-element array, which
        # numpy >= 1.25 deprecates: give it the scalars
        lon, lat = transformer.transform(float(x.flat[0]), float(y.flat[0]))
        return np.full(x.shape, lon, dtype=float), np.full(y.shape, lat, dtype=float)
    lon, lat = transformer.transform(x, y)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def to_dms(value: float, positive: str = "E", negative: str = "W", decimals: int = 2) -> str:
    """Format decimal degrees as degrees-minutes-seconds, e.g. ``115°00'12.34"E``.

    Seconds are rounded to ``decimals`` places with carry into minutes and degrees,
    so 59.999" never prints as 60".

    Examples
    --------
    >>> to_dms(115.0034278)
    '115°00\\'12.34"E'
    >>> to_dms(-0.5, "N", "S")
    '0°30\\'00.00"S'
    """
    hemisphere = positive if value >= 0 else negative
    scale = 10**decimals
    total = round(abs(value) * 3600 * scale)
    degrees, rest = divmod(total, 3600 * scale)
    minutes, seconds = divmod(rest, 60 * scale)
    width = 3 + decimals if decimals else 2
    sec = f"{seconds / scale:0{width}.{decimals}f}"
    return f"{degrees}°{minutes:02d}'{sec}\"{hemisphere}"


def dms_array(values, positive: str = "E", negative: str = "W", decimals: int = 2) -> np.ndarray:
    """:func:`to_dms` for an array: the same text, without a Python loop per value.

    The characters are assembled as a Latin-1 byte matrix (``°`` is U+00B0), one row per
    value ended by a newline, and turned into strings by one decode and one split.

    Parameters
    ----------
    values : array-like of float
        Decimal degrees.
    positive, negative : str
        Hemisphere letters (one Latin-1 character each).
    decimals : int
        Decimal places of the seconds.

    Returns
    -------
    numpy.ndarray of object (str)

    Examples
    --------
    >>> dms_array([115.0034278, -0.5], "N", "S").tolist()
    ['115°00\\'12.34"N', '0°30\\'00.00"S']
    """
    v = np.asarray(values, dtype=float).ravel()
    for letter in (positive, negative):
        if len(letter) != 1 or ord(letter) > 255 or letter == "\n":
            raise InputError(f"hemisphere letter {letter!r} must be one Latin-1 character")
    out = np.empty(v.size, dtype=object)
    if v.size == 0:
        return out
    scale = 10**decimals
    from ..common import kernels

    if (kernels.forced() or v.size >= 10_000) and np.isfinite(v).all() and kernels.usable(*kernels.DMS):
        # the compiled loop writes the same lines (a tenth of the numpy passes' time); for
        # a few values numpy is as quick, and spares a first compilation of the loop
        total = np.round(np.abs(v) * 3600 * scale).astype(np.int64)
        hemi = np.where(v >= 0, ord(positive), ord(negative)).astype(np.uint8)
        out[:] = kernels.dms_lines(total, hemi, scale, decimals).tobytes().decode("latin-1").split("\n")[:-1]
        return out
    # int32 arithmetic where it fits (faster divisions); digits are written into the
    # rows of a (characters, values) buffer, contiguous, then transposed once
    small = bool(np.abs(v).max() * 3600 * scale < 2**31 - 1) if v.size else True
    itype = np.int32 if small else np.int64
    total = np.round(np.abs(v) * 3600 * scale).astype(itype)
    deg, rest = np.divmod(total, itype(3600 * scale))
    minutes, sec = np.divmod(rest, itype(60 * scale))
    whole, frac = np.divmod(sec, itype(scale))
    ndeg = np.maximum(1, np.floor(np.log10(np.maximum(deg, 1))).astype(np.int64) + 1)
    tail = 1 + 2 + 1 + 2 + (1 + decimals if decimals else 0) + 2  # ° mm ' ss[.ff] " H
    zero = np.uint8(ord("0"))
    hemi = np.where(v >= 0, ord(positive), ord(negative)).astype(np.uint8)
    widths = np.flatnonzero(np.bincount(ndeg)).tolist()  # no sort of 10^5 values
    for nd in widths:
        rows = slice(None) if len(widths) == 1 else np.flatnonzero(ndeg == nd)
        d, mi, wh = deg[rows], minutes[rows], whole[rows]
        cols = np.empty((nd + tail + 1, d.size), dtype=np.uint8)
        for k in range(nd):
            np.add(zero, (d // 10**k) % 10, out=cols[nd - 1 - k], casting="unsafe")
        j = nd
        cols[j] = 0xB0  # °
        np.add(zero, mi // 10, out=cols[j + 1], casting="unsafe")
        np.add(zero, mi % 10, out=cols[j + 2], casting="unsafe")
        cols[j + 3] = ord("'")
        np.add(zero, wh // 10, out=cols[j + 4], casting="unsafe")
        np.add(zero, wh % 10, out=cols[j + 5], casting="unsafe")
        j += 6
        if decimals:
            cols[j] = ord(".")
            f = frac[rows]
            for k in range(decimals):
                np.add(zero, (f // 10**k) % 10, out=cols[j + decimals - k], casting="unsafe")
            j += 1 + decimals
        cols[j] = ord('"')
        cols[j + 1] = hemi[rows]
        cols[j + 2] = ord("\n")
        # one decode and one split: far faster than a numpy string array per element
        out[rows] = np.ascontiguousarray(cols.T).tobytes().decode("latin-1").split("\n")[:-1]
    return out
