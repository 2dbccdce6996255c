"""Vegetation indices of RGB and multispectral images, the band mapping, and Otsu's threshold.

The RGB indices use the chromatic coordinates r, g, b (each band divided by R + G + B),
so they do not depend on the radiometric scale (8 or 16 bit) or the brightness
(DOMAIN.md, "Drone imagery"):

- ExG = 2g - r - b, in [-1, 2]
- ExGR = ExG - ExR with ExR = 1.4r - g, in [-2.4, 3]; vegetation where > 0
- GLI (also VDVI) = (2G - R - B) / (2G + R + B), in [-1, 1]
- VARI = (G - R) / (G + R - B), unbounded: clipped to [-1, 1]
- NDVI = (NIR - R) / (NIR + R), in [-1, 1]; bare or damaged below about 0.2-0.3

Every index is high on green vegetation and low on bare soil, so a pixel is bare where
its index is below the threshold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..common.errors import InputError
from ..common.messages import Message


@dataclass(frozen=True)
class IndexSpec:
    """One vegetation index: the bands it needs and the range its histogram spans."""

    name: str
    bands: tuple
    low: float
    high: float


INDICES = {
    "exg": IndexSpec("exg", ("red", "green", "blue"), -1.0, 2.0),
    "exgr": IndexSpec("exgr", ("red", "green", "blue"), -2.4, 3.0),
    "gli": IndexSpec("gli", ("red", "green", "blue"), -1.0, 1.0),
    "vari": IndexSpec("vari", ("red", "green", "blue"), -1.0, 1.0),
    "ndvi": IndexSpec("ndvi", ("red", "nir"), -1.0, 1.0),
}
"""Index id -> :class:`IndexSpec`; ``vdvi`` is another name of ``gli``."""

ALIASES = {"vdvi": "gli"}
ROLES = ("red", "green", "blue", "nir", "alpha")
"""Band roles a band mapping may name."""

_INTERPRETATION = {"red": "red", "green": "green", "blue": "blue", "alpha": "alpha"}
_DESCRIPTION_WORDS = {
    "red": ("red", "r", "band_red"),
    "green": ("green", "g", "band_green"),
    "blue": ("blue", "b", "band_blue"),
    "nir": ("nir", "near-infrared", "near infrared", "nir1", "infrared", "ir"),
    "alpha": ("alpha", "a", "mask"),
}


def index_spec(name: str) -> IndexSpec:
    """The :class:`IndexSpec` of ``name`` (case-insensitive; ``vdvi`` gives ``gli``)."""
    key = ALIASES.get(str(name).lower(), str(name).lower())
    if key not in INDICES:
        raise InputError(Message("VEG_UNKNOWN_INDEX", index=name, known=", ".join([*INDICES, *ALIASES])),
                         column="index")
    return INDICES[key]


def band_mapping(
    count: int,
    color_interpretations=(),
    descriptions=(),
    given: Optional[Mapping] = None,
    *,
    layer: str = "mosaic",
) -> dict:
    """Band role -> 1-based band number, from what the file says, overridden by ``given``.

    Parameters
    ----------
    count : int
        Number of bands in the file.
    color_interpretations : sequence of str
        GDAL colour interpretation per band (``"red"``, ``"alpha"``, ``"gray"`` ...).
    descriptions : sequence of str or None
        Band descriptions per band (``"red"``, ``"NIR"`` ...).
    given : mapping, optional
        Role -> band number chosen by the user; wins over the file.
    layer : str
        Name of the image, for messages.

    Returns
    -------
    dict
        Role -> band number, for the roles found. With neither interpretation nor
        description, bands 1-3 of a 3- or 4-band image are red, green, blue (and band 4
        of a 4-band 8/16-bit drone image is left unnamed: give it as alpha or NIR).

    Examples
    --------
    >>> band_mapping(4, ("red", "green", "blue", "alpha"))
    {'red': 1, 'green': 2, 'blue': 3, 'alpha': 4}
    >>> band_mapping(4, ("gray",) * 4, ("blue", "green", "red", "NIR"))
    {'blue': 1, 'green': 2, 'red': 3, 'nir': 4}
    """
    found: dict = {}
    for number in range(1, count + 1):
        interp = str(color_interpretations[number - 1]).lower() if number <= len(color_interpretations) else ""
        desc = str(descriptions[number - 1] or "").strip().lower() if number <= len(descriptions) else ""
        role = _INTERPRETATION.get(interp)
        if role is None:
            role = next((r for r, words in _DESCRIPTION_WORDS.items() if desc in words), None)
        if role is not None and role not in found:
            found[role] = number
    if not found and count in (3, 4):
        found = {"red": 1, "green": 2, "blue": 3}
    for role, number in (given or {}).items():
        if role not in ROLES:
            raise InputError(Message("VEG_UNKNOWN_BAND_ROLE", role=role, known=", ".join(ROLES)), layer=layer)
        if number is None or int(number) <= 0:
            found.pop(role, None)
            continue
        if int(number) > count:
            raise InputError(Message("VEG_BAND_MISSING", role=role, band=int(number), count=count), layer=layer)
        found[role] = int(number)
    return found


def check_bands(mapping: Mapping, spec: IndexSpec, layer: str = "mosaic") -> None:
    """An error naming the missing role when ``mapping`` lacks a band the index needs."""
    missing = [role for role in spec.bands if role not in mapping]
    if missing:
        raise InputError(Message("VEG_INDEX_NEEDS_BANDS", index=spec.name, missing=", ".join(missing)), layer=layer)


def compute_index(name: str, bands: Mapping) -> np.ndarray:
    """The index ``name`` of float32 band arrays; NaN where it is undefined (a zero sum).

    Parameters
    ----------
    name : str
        An index id of :data:`INDICES`.
    bands : mapping of str -> numpy.ndarray
        Role -> band values (any scale; digital numbers or reflectance).

    Returns
    -------
    numpy.ndarray of float32
        Dimensionless index, clipped to the index's range.

    Examples
    --------
    >>> import numpy as np
    >>> px = {"red": np.array([60.0]), "green": np.array([120.0]), "blue": np.array([20.0])}
    >>> [round(float(compute_index(n, px)[0]), 4) for n in ("exg", "exgr", "gli", "vari")]
    [0.8, 0.98, 0.5, 0.375]
    """
    spec = index_spec(name)
    f32 = np.float32
    with np.errstate(divide="ignore", invalid="ignore"):
        if spec.name == "ndvi":
            nir = np.asarray(bands["nir"], dtype=f32)
            red = np.asarray(bands["red"], dtype=f32)
            out = (nir - red) / (nir + red)
        else:
            red = np.asarray(bands["red"], dtype=f32)
            green = np.asarray(bands["green"], dtype=f32)
            blue = np.asarray(bands["blue"], dtype=f32)
            if spec.name == "vari":
                out = (green - red) / (green + red - blue)
            else:
                total = red + green + blue
                excess = 2 * green - red - blue  # 2G - R - B
                if spec.name == "gli":
                    out = excess / (excess + 2 * (red + blue))  # 2G + R + B
                else:
                    out = excess / total  # ExG = 2g - r - b
                    if spec.name == "exgr":
                        out = out - (1.4 * red - green) / total
    out = np.asarray(out, dtype=f32)
    out[~np.isfinite(out)] = np.nan
    np.clip(out, spec.low, spec.high, out=out)
    return out


BINS = 1024
"""Histogram bins over an index's range (Otsu's threshold is exact to one bin width)."""


def histogram(values: np.ndarray, spec: IndexSpec, bins: int = BINS) -> np.ndarray:
    """Counts of the finite ``values`` in ``bins`` equal bins over the index's range (int64)."""
    finite = values[np.isfinite(values)]
    scaled = ((finite - spec.low) * (bins / (spec.high - spec.low))).astype(np.int64)
    np.clip(scaled, 0, bins - 1, out=scaled)
    return np.bincount(scaled, minlength=bins).astype(np.int64)


def masked_histogram(values: np.ndarray, valid: np.ndarray, spec: IndexSpec, bins: int = BINS) -> np.ndarray:
    """:func:`histogram` of ``values[valid]`` (``valid`` only where ``values`` is finite), without
    gathering them first: the same float32 scaling, the cells left out counted in a spare bin.

    Clipping to the bins before truncating to an integer gives the same bin as truncating
    first: both leave a value in [0, bins - 1] where it falls and send the rest to the end.
    """
    scaled = np.subtract(values, np.float32(spec.low), dtype=np.float32)
    scaled *= np.float32(bins / (spec.high - spec.low))
    np.clip(scaled, 0, bins - 1, out=scaled)
    scaled[~valid] = bins
    return np.bincount(scaled.astype(np.intp).ravel(), minlength=bins + 1)[:bins].astype(np.int64)


def bin_edges(spec: IndexSpec, bins: int = BINS) -> np.ndarray:
    """The ``bins + 1`` edges of :func:`histogram`."""
    return np.linspace(spec.low, spec.high, bins + 1)


def otsu_threshold(counts, edges) -> float:
    """Otsu's threshold of a histogram: the edge that maximises the between-class variance.

    Parameters
    ----------
    counts : array of int
        Counts per bin.
    edges : array of float
        ``len(counts) + 1`` bin edges (index units).

    Returns
    -------
    float
        The upper edge of the last bin of the lower class (index units); values below
        it are one class (bare), values at or above it the other. Where several
        splits tie (empty bins between the classes), the middle of the empty run.

    Examples
    --------
    Two classes of 4 and 2 values at bin centres 0.5, 1.5, 2.5, 3.5 with counts
    3, 1, 0, 2 (written out in ``tests/core/test_vegetation.py``):

    >>> otsu_threshold([3, 1, 0, 2], [0, 1, 2, 3, 4])
    2.5
    """
    counts = np.asarray(counts, dtype=np.float64)
    edges = np.asarray(edges, dtype=np.float64)
    total = counts.sum()
    if total <= 0:
        raise InputError(Message("VEG_NO_VALID_PIXELS"))
    centres = (edges[:-1] + edges[1:]) / 2
    weight_low = np.cumsum(counts)[:-1]
    weight_high = total - weight_low
    sum_low = np.cumsum(counts * centres)[:-1]
    mean_low = np.divide(sum_low, weight_low, out=np.zeros_like(sum_low), where=weight_low > 0)
    mean_high = np.divide(
        (counts * centres).sum() - sum_low, weight_high, out=np.zeros_like(sum_low), where=weight_high > 0
    )
    between = weight_low * weight_high * (mean_low - mean_high) ** 2
    between[(weight_low == 0) | (weight_high == 0)] = -1.0
    # a plateau of equal variances (empty bins between the classes): its middle
    best = np.flatnonzero(between == between.max())
    last = best[0]
    while last + 1 in best:
        last += 1
    return float((edges[best[0] + 1] + edges[last + 1]) / 2)
