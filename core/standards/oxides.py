"""Element-to-oxide conversion factors of the rare earth elements, and REO from element results.

The one table of the plugin (DOMAIN.md, "Valuation", **[default]**): the mass of oxide
per unit mass of element, from the atomic and molecular weights, for the oxide in which
each rare earth is conventionally reported (Ce as CeO2, Pr as Pr6O11, Tb as Tb4O7, the
others as R2O3). Promethium has no factor (it is never reported).

REO (total rare earth oxides) of a sample is the sum over the elements of
``c_i x f_i``; with ``c_i`` in mg/kg the sum is REO in mg/kg, and REO in % = mg/kg / 10^4.

Examples
--------
>>> OXIDE_FACTORS["La"].oxide, OXIDE_FACTORS["La"].factor
('La2O3', 1.1728)
>>> round(reo_mg_per_kg({"La": 100.0, "Y": 50.0}), 3)
180.775
>>> round(reo_percent({"La": 1000.0, "Ce": 1000.0}), 4)
0.2401
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

SOURCE = "DOMAIN.md [default]: element-to-oxide factors from atomic and molecular weights (La2O3 1.1728 ... Sc2O3 1.5338)"
"""Where :data:`OXIDE_FACTORS` come from, for provenance records."""

MG_PER_KG_PER_PERCENT = 1.0e4
"""1 % by mass is 10,000 mg/kg."""


@dataclass(frozen=True)
class Oxide:
    """The oxide an element is reported as, and its conversion factor.

    Attributes
    ----------
    element : str
        Element symbol (the lab-sheet code), e.g. ``"La"``.
    oxide : str
        Oxide formula, e.g. ``"La2O3"``.
    factor : float
        Mass of oxide per mass of element (dimensionless).
    optional : bool
        True for Sc, which the catalogue lists as optional.
    """

    element: str
    oxide: str
    factor: float
    optional: bool = False


OXIDE_FACTORS = {
    o.element: o
    for o in (
        Oxide("La", "La2O3", 1.1728),
        Oxide("Ce", "CeO2", 1.2284),
        Oxide("Pr", "Pr6O11", 1.2082),
        Oxide("Nd", "Nd2O3", 1.1664),
        Oxide("Sm", "Sm2O3", 1.1596),
        Oxide("Eu", "Eu2O3", 1.1579),
        Oxide("Gd", "Gd2O3", 1.1526),
        Oxide("Tb", "Tb4O7", 1.1762),
        Oxide("Dy", "Dy2O3", 1.1477),
        Oxide("Ho", "Ho2O3", 1.1455),
        Oxide("Er", "Er2O3", 1.1435),
        Oxide("Tm", "Tm2O3", 1.1421),
        Oxide("Yb", "Yb2O3", 1.1387),
        Oxide("Lu", "Lu2O3", 1.1372),
        Oxide("Y", "Y2O3", 1.2699),
        Oxide("Sc", "Sc2O3", 1.5338, optional=True),
    )
}
"""Element symbol -> :class:`Oxide`, La-Lu (without Pm), Y and Sc."""


def reo_mg_per_kg(concentrations: Mapping, *, factors: Mapping | None = None):
    """REO from element concentrations: the sum of ``c_i x f_i``.

    Parameters
    ----------
    concentrations : mapping of str to float or array-like
        Element symbol -> concentration (mg/kg, scalars or arrays of one length). Keys
        that are not rare earth elements are ignored; NaN counts as absent (0).
    factors : mapping of str to float, optional
        Element -> factor overriding :data:`OXIDE_FACTORS` (an edited table).

    Returns
    -------
    float or numpy.ndarray
        REO in mg/kg.
    """
    table = {k: o.factor for k, o in OXIDE_FACTORS.items()}
    table.update(dict(factors or {}))
    total = 0.0
    for element, factor in table.items():
        if element in concentrations:
            values = np.asarray(concentrations[element], dtype=float)
            total = total + np.where(np.isfinite(values), values, 0.0) * float(factor)
    return float(total) if np.ndim(total) == 0 else total


def reo_percent(concentrations: Mapping, *, factors: Mapping | None = None):
    """REO in % by mass from element concentrations in mg/kg (:func:`reo_mg_per_kg` / 10^4)."""
    return reo_mg_per_kg(concentrations, factors=factors) / MG_PER_KG_PER_PERCENT
