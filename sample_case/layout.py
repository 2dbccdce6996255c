"""Where the synthetic site lies and how it grows with ``scale``; its terrain surface.

The site is made of *works units*: one unit is what a technician maps for a typical
illegal in-situ leaching site on one south-facing hillside (about 7.5 ha at scale 1):
preparation pools on a platform by the road near the top, the injection hole field on the
upper slope, collection ditches and pipes below it, settling ponds at the foot and a
stream in the valley. ``scale`` multiplies the area: ``n = round(scale)`` units, each
stretched by ``sqrt(scale / n)`` so that the case area is ``scale`` times that of scale 1.
Units stand side by side along the contour in *bands* (one hillside each); bands repeat
up the mountain, each with its own valley stream, road, control area and ridge.

Coordinates are metres in CGCS2000 / 3-degree Gauss-Kruger CM 114E (EPSG:4547); heights
are metres in the 1985 national height datum (EPSG:5737).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import noise

EPSG = 4547
"""CGCS2000 / 3-degree Gauss-Kruger CM 114E, the zone of 115.0 E."""

CENTRE_X, CENTRE_Y = 600950.0, 2766430.0
"""Site centre in EPSG:4547 metres: about 115.0 E, 25.0 N (southern Jiangxi)."""

UNIT_WIDTH_M = 320.0
"""Width (along the contour) of one works unit's case boundary at scale 1, m."""
UNIT_HEIGHT_M = 235.0
"""Height (up the slope) of one works unit's case boundary at scale 1, m (7.52 ha)."""
BELOW_M = 50.0
"""Band margin below the case boundary (valley; the stream runs 25 m below it), m."""
ABOVE_M = 160.0
"""Band margin above the case boundary (road, control area, ridge, back slope), m."""
MARGIN_X_M = 60.0
"""Margin left and right of the units of a band, m."""
MIN_SCALE, MAX_SCALE = 0.5, 1000.0
"""Accepted range of ``scale`` (area factor)."""

VALLEY_Z_M = 240.0
"""Valley floor of the lowest band at the west edge, m (1985 height datum)."""
BAND_RISE_M = 35.0
"""Each band's valley lies this much higher than the one below (the range rises north), m."""
SLOPE_GRADIENT = 0.24
"""Mean gradient from valley to ridge (about 13.5 degrees; 20 degrees mid-slope)."""
VALLEY_FALL = 0.004
"""Down-valley gradient of every valley floor, falling to the east."""


def _round_half_up(value: float) -> int:
    return int(math.floor(value + 0.5))


@dataclass(frozen=True)
class Layout:
    """Size and arrangement of the site for one ``scale``.

    Attributes
    ----------
    scale : float
        Area factor (1 = one works unit of about 7.5 ha).
    n_units : int
        Number of works units.
    band_units : tuple of int
        Units per band, bands from south (bottom) to north.
    unit_width, unit_height : float
        Size of one unit's part of the case boundary, m.
    x0, y0 : float
        Lower-left corner of the site extent (the raster extent), m.
    width, height : float
        Site extent, m (multiples of 10 m).
    """

    scale: float
    n_units: int
    band_units: tuple
    unit_width: float
    unit_height: float
    x0: float
    y0: float
    width: float
    height: float

    @property
    def n_bands(self) -> int:
        """Number of hillside bands."""
        return len(self.band_units)

    @property
    def period(self) -> float:
        """Height of one band (valley to valley), m."""
        return BELOW_M + self.unit_height + ABOVE_M

    @property
    def bounds(self) -> tuple:
        """(minx, miny, maxx, maxy) of the site extent, m."""
        return (self.x0, self.y0, self.x0 + self.width, self.y0 + self.height)

    def unit_origins(self) -> tuple:
        """Lower-left corner of each unit's boundary rectangle and its band index.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray, numpy.ndarray)
            x (m), y (m) and band index of each unit, units numbered band by band from
            the south-west.
        """
        band = np.repeat(np.arange(self.n_bands), self.band_units)
        column = np.concatenate([np.arange(n) for n in self.band_units])
        x = self.x0 + MARGIN_X_M + column * self.unit_width
        y = self.y0 + band * self.period + BELOW_M
        return x, y, band

    def band_boxes(self) -> np.ndarray:
        """Boundary rectangle of each band's units as rows (minx, miny, maxx, maxy), m."""
        k = np.arange(self.n_bands)
        minx = np.full(self.n_bands, self.x0 + MARGIN_X_M)
        maxx = minx + np.asarray(self.band_units) * self.unit_width
        miny = self.y0 + k * self.period + BELOW_M
        return np.column_stack([minx, miny, maxx, miny + self.unit_height])


def make_layout(scale: float) -> Layout:
    """Arrange the works units for an area factor ``scale`` (0.5 to 1000).

    The number of bands is chosen so that the site is roughly square.

    Examples
    --------
    >>> lay = make_layout(10)
    >>> lay.n_units, lay.band_units
    (10, (4, 4, 2))
    """
    n_units = max(1, _round_half_up(scale))
    stretch = math.sqrt(scale / n_units)
    unit_w, unit_h = UNIT_WIDTH_M * stretch, UNIT_HEIGHT_M * stretch
    period = BELOW_M + unit_h + ABOVE_M
    n_bands = max(1, min(n_units, _round_half_up(math.sqrt(n_units * unit_w / period))))
    per_band = math.ceil(n_units / n_bands)
    band_units = [per_band] * (n_units // per_band)
    if n_units % per_band:
        band_units.append(n_units % per_band)
    width = math.ceil((2 * MARGIN_X_M + per_band * unit_w) / 10.0) * 10.0
    height = math.ceil(len(band_units) * period / 10.0) * 10.0
    x0 = math.floor((CENTRE_X - width / 2) / 10.0) * 10.0
    y0 = math.floor((CENTRE_Y - height / 2) / 10.0) * 10.0
    return Layout(float(scale), n_units, tuple(band_units), unit_w, unit_h, x0, y0, width, height)


class Terrain:
    """The ground surface before mining: a function of (x, y) evaluated block by block.

    Each band is a valley-to-ridge profile (cosine eased), with spurs and gullies
    running down the slope, a down-valley fall to the east and three octaves of value
    noise (60 m, 20 m, 6 m; amplitudes 3, 0.8, 0.15 m).

    Parameters
    ----------
    layout : Layout
    seed : int
    """

    _OCTAVES = ((60.0, 3.0), (20.0, 0.8), (6.0, 0.15))

    def __init__(self, layout: Layout, seed: int):
        self.layout = layout
        self._salts = [noise.salt(seed, 100 + i) for i in range(len(self._OCTAVES))]
        rng = np.random.default_rng([seed, 7])
        self._gully_phase = float(rng.uniform(0, 2 * np.pi))
        period = layout.period
        ridge_offset = BELOW_M + layout.unit_height + 75.0
        valley_offset = 25.0
        relief = SLOPE_GRADIENT * (ridge_offset - valley_offset)
        knots_y, knots_z = [layout.y0 + valley_offset - 250.0], [VALLEY_Z_M + 40.0]
        for k in range(layout.n_bands + 1):
            base = layout.y0 + k * period
            knots_y.append(base + valley_offset)
            knots_z.append(VALLEY_Z_M + BAND_RISE_M * k)
            if k < layout.n_bands:
                knots_y.append(base + ridge_offset)
                knots_z.append(VALLEY_Z_M + BAND_RISE_M * k + relief)
        knots_y.append(knots_y[-1] + 250.0)
        knots_z.append(knots_z[-1] + 40.0)
        self._ky = np.asarray(knots_y)
        self._kz = np.asarray(knots_z)
        self.relief = relief

    def _profile(self, y):
        """Height of the valley-ridge profile (m) and the slope position weight (0-1)."""
        y = np.clip(np.asarray(y, dtype=np.float64), self._ky[0], self._ky[-1])
        i = np.clip(np.searchsorted(self._ky, y, side="right") - 1, 0, len(self._ky) - 2)
        t = (y - self._ky[i]) / (self._ky[i + 1] - self._ky[i])
        ease = 0.5 - 0.5 * np.cos(np.pi * t)
        return self._kz[i] + (self._kz[i + 1] - self._kz[i]) * ease, np.sin(np.pi * t)

    def _analytic(self, x, y):
        prof, mid = self._profile(y)
        dx = x - self.layout.x0
        gully = 0.05 * self.relief * np.sin(2 * np.pi * dx / 170.0 + self._gully_phase) * mid
        return prof + gully - VALLEY_FALL * dx

    def grid(self, xs, ys) -> np.ndarray:
        """Heights (m) on the grid of cell centres ``ys`` (rows) x ``xs`` (columns)."""
        xs = np.asarray(xs, dtype=np.float64)
        ys = np.asarray(ys, dtype=np.float64)
        z = self._analytic(xs[None, :], ys[:, None])
        rx, ry = xs - self.layout.x0, ys - self.layout.y0
        for (cell, amp), s in zip(self._OCTAVES, self._salts):
            z = z + amp * (2.0 * noise.grid(rx, ry, cell, s) - 1.0)
        return z

    def at(self, x, y) -> np.ndarray:
        """Heights (m) at scattered points."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        z = self._analytic(x, y)
        rx, ry = x - self.layout.x0, y - self.layout.y0
        for (cell, amp), s in zip(self._OCTAVES, self._salts):
            z = z + amp * (2.0 * noise.points(rx, ry, cell, s) - 1.0)
        return z
