"""Semivariograms: models, the experimental variogram and its weighted least-squares fit.

Models follow PyKrige's parameterisation exactly (``pykrige.variogram_models``), so a
model fitted here can be handed to PyKrige (``variogram_parameters={"psill": .., "range":
.., "nugget": ..}``; note PyKrige's *list* form is ``[sill, range, nugget]`` with the full
sill) and gives the same kriging weights:

* spherical: ``nugget + psill * (1.5 h/a - 0.5 (h/a)**3)`` for h <= a, ``nugget + psill`` beyond;
* exponential: ``nugget + psill * (1 - exp(-h / (a/3)))`` (a is the *practical* range, 95 %);
* gaussian: ``nugget + psill * (1 - exp(-h**2 / (4a/7)**2))`` (a is the practical range).

with a the range (m), psill the partial sill and the sill = nugget + psill. As in PyKrige
and gstat, gamma(0) = 0 exactly: the nugget is a jump at the origin, so kriging honours
the data at their own locations.

Range conventions (the number in the variogram table, the plot and the provenance is
``range`` as above). To enter another tool's variogram, convert its parameters:

* spherical: the same range everywhere (gstat ``Sph``, ArcGIS, PyKrige);
* exponential: ``range`` is the practical range (95 % of the sill). gstat's ``Exp``
  parameter a is a third of it (``range = 3 a``); ArcGIS's range is already the
  practical range (``1 - exp(-3h/a)``): ``range = a``;
* gaussian: ``range`` is PyKrige's practical range, ``7/4`` of the scale: gstat's ``Gau``
  parameter a (``1 - exp(-(h/a)**2)``) gives ``range = 7 a / 4``; ArcGIS's range a
  (``1 - exp(-3 (h/a)**2)``) gives ``range = 7 a / (4 sqrt 3) = 1.0104 a``;
* partial sill and nugget mean the same in all three (gstat's ``psill`` of the model and of
  ``Nug``).

Anisotropy (PyKrige's convention): coordinates are rotated clockwise by ``angle``
(degrees counter-clockwise from east of the major axis) and the rotated y is multiplied
by ``scaling`` (ratio of the major to the minor range, >= 1); an isotropic model is then
used in the transformed plane. gstat's ``anis = c(p, s)`` (p degrees clockwise from north,
s = minor/major) and ArcGIS's direction (clockwise from north) convert as
``angle = 90 - p``, ``scaling = 1 / s``.

Examples
--------
>>> m = VariogramModel("spherical", psill=2.0, range=100.0, nugget=0.5)
>>> m.gamma([0.0, 50.0, 100.0, 150.0]).round(4).tolist()
[0.0, 1.875, 2.5, 2.5]
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from ..common.errors import InputError

MODELS = ("spherical", "exponential", "gaussian")
"""Variogram model names accepted (PyKrige's names)."""

WEIGHTS = ("cressie", "npairs", "npairs_h2", "equal")
"""Weighting of the least-squares fit: Cressie (1985) N_j / gamma(h_j)^2 (default),
N_j, N_j / h_j^2 (gstat's default, fit.method 7), or none."""

RANGE_CONVENTION = {
    "spherical": "range a: same in gstat (Sph) and ArcGIS",
    "exponential": "practical range (95 % of sill) = 3 x gstat Exp range = ArcGIS range",
    "gaussian": "practical range = 7/4 x gstat Gau range = 1.0104 x ArcGIS range",
    "nugget": "pure nugget: no range (no spatial correlation at any observed lag)",
}
"""How the ``range`` of each model relates to gstat's and ArcGIS's (stated in the variogram table)."""

PRESETS = {
    "default": {"n_lags": 12, "max_lag_fraction": 0.5, "weights": "cressie", "min_pairs": 30},
    "as gstat": {"n_lags": 15, "max_lag_fraction": 1.0 / 3.0, "weights": "npairs_h2", "min_pairs": 1},
}
"""Lag and weight settings by name. ``"as gstat"`` is R gstat's default (``variogram``: 15
lags to a third of the bounding-box diagonal; ``fit.variogram`` method 7, N_j/h_j^2
weights, every non-empty lag fitted); ``"default"`` is this plugin's (12 lags to half the
diagonal, Cressie's weights, lags with fewer than 30 pairs left out)."""

ZERO_DISTANCE = 1e-10
"""Distances (m) at or below this are treated as zero (PyKrige's ``eps``)."""


def _shape(model: str, h: np.ndarray, range_: float) -> np.ndarray:
    """Unit-sill model shape f(h) in [0, 1]."""
    if model == "spherical":
        # r (1.5 - 0.5 r^2) in place: no pow, two temporaries (this runs per target)
        r = np.multiply(h, 1.0 / range_)
        np.minimum(r, 1.0, out=r)
        f = np.multiply(r, r)
        f *= -0.5
        f += 1.5
        f *= r
        return f
    if model == "exponential":
        return 1.0 - np.exp(-h / (range_ / 3.0))
    if model == "gaussian":
        return 1.0 - np.exp(-(h**2) / (range_ * 4.0 / 7.0) ** 2)
    raise InputError(f"unknown variogram model {model!r}; choose one of {', '.join(MODELS)}", column="model")


@dataclass(frozen=True)
class VariogramModel:
    """A fitted (or given) variogram model.

    Attributes
    ----------
    model : str
        ``"spherical"``, ``"exponential"`` or ``"gaussian"``.
    psill : float
        Partial sill (units of the variable squared).
    range : float
        Range (m); the practical range for exponential and gaussian (PyKrige's ``range``).
    nugget : float
        Nugget (units squared).
    anisotropy_scaling : float
        Major / minor range ratio (1 = isotropic).
    anisotropy_angle : float
        Direction of the major axis, degrees counter-clockwise from east.
    """

    model: str
    psill: float
    range: float
    nugget: float = 0.0
    anisotropy_scaling: float = 1.0
    anisotropy_angle: float = 0.0

    def __post_init__(self):
        if self.model not in MODELS:
            raise InputError(f"unknown variogram model {self.model!r}; choose one of {', '.join(MODELS)}")
        if not (self.range > 0 and self.psill >= 0 and self.nugget >= 0):
            raise InputError(
                f"variogram parameters must satisfy range > 0, psill >= 0, nugget >= 0 "
                f"(got range={self.range}, psill={self.psill}, nugget={self.nugget})"
            )
        if not self.anisotropy_scaling > 0:
            raise InputError("anisotropy scaling must be positive")

    @property
    def sill(self) -> float:
        """Total sill = nugget + partial sill."""
        return self.nugget + self.psill

    def gamma(self, h) -> np.ndarray:
        """Semivariance at distances ``h`` (m, in the anisotropy-transformed plane); 0 at h = 0."""
        h = np.asarray(h, dtype=np.float64)
        g = self.nugget + self.psill * _shape(self.model, h, self.range)
        return np.where(h <= ZERO_DISTANCE, 0.0, g)

    def covariance(self, h) -> np.ndarray:
        """Covariance sill - gamma(h) at distances ``h`` (m); the sill at h = 0."""
        h = np.asarray(h, dtype=np.float64)
        c = self.psill * (1.0 - _shape(self.model, h, self.range))
        zero = h <= ZERO_DISTANCE
        if zero.any():
            c = np.where(zero, self.sill, c)
        return c

    def pykrige_parameters(self) -> dict:
        """PyKrige's ``variogram_parameters`` as a dict (psill, range, nugget)."""
        return {"psill": float(self.psill), "range": float(self.range), "nugget": float(self.nugget)}

    def transform(self, xy, center=(0.0, 0.0)) -> np.ndarray:
        """Coordinates in the plane where the model is isotropic (PyKrige's adjustment)."""
        return anisotropy_transform(xy, center, self.anisotropy_scaling, self.anisotropy_angle)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["sill"] = self.sill
        return d


def anisotropy_matrix(scaling: float = 1.0, angle: float = 0.0) -> np.ndarray:
    """2 x 2 matrix M: adjusted = M @ (xy - center), PyKrige's rotation then stretch."""
    a = math.radians(angle)
    rot = np.array([[math.cos(-a), -math.sin(-a)], [math.sin(-a), math.cos(-a)]])
    stretch = np.array([[1.0, 0.0], [0.0, float(scaling)]])
    return stretch @ rot


def anisotropy_transform(xy, center=(0.0, 0.0), scaling: float = 1.0, angle: float = 0.0) -> np.ndarray:
    """Apply :func:`anisotropy_matrix` to points (n, 2) about ``center``."""
    xy = np.asarray(xy, dtype=np.float64) - np.asarray(center, dtype=np.float64)
    if scaling == 1.0 and angle == 0.0:
        return xy
    return apply_matrix(anisotropy_matrix(scaling, angle), xy)


def apply_matrix(m: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """``xy @ m.T`` for a 2 x 2 matrix, elementwise (no BLAS call: see
    :func:`ree_damage.core.common.parallel.blas_single_thread`)."""
    out = np.empty_like(xy)
    out[..., 0] = m[0, 0] * xy[..., 0] + m[0, 1] * xy[..., 1]
    out[..., 1] = m[1, 0] * xy[..., 0] + m[1, 1] * xy[..., 1]
    return out


@dataclass
class ExperimentalVariogram:
    """Binned semivariances.

    Attributes
    ----------
    lags : numpy.ndarray
        Mean pair distance of each bin (m).
    gamma : numpy.ndarray
        Mean semivariance 0.5 (z_i - z_j)^2 of each bin.
    counts : numpy.ndarray of int
        Number of pairs in each bin.
    edges : numpy.ndarray
        Bin edges (m), length n_bins + 1.
    n_points : int
        Points used; ``n_total`` points were given (a seeded random subset is used above
        ``max_points``).
    """

    lags: np.ndarray
    gamma: np.ndarray
    counts: np.ndarray
    edges: np.ndarray
    n_points: int
    n_total: int
    max_lag: float


def experimental_variogram(
    xy,
    z,
    *,
    n_lags: int = 12,
    max_lag: Optional[float] = None,
    max_points: int = 2000,
    seed: int = 0,
    max_lag_fraction: float = 0.5,
) -> ExperimentalVariogram:
    """Isotropic experimental semivariogram with equal-width lag bins.

    Parameters
    ----------
    xy : array_like, shape (n, 2)
        Coordinates (m), already transformed for anisotropy if any.
    z : array_like, shape (n,)
        Values.
    n_lags : int
        Number of bins between 0 and ``max_lag``.
    max_lag : float, optional
        Largest lag (m); default ``max_lag_fraction`` of the diagonal of the data's
        bounding box.
    max_points : int
        Above this many points a seeded random subset of this size is used (pairs grow
        with the square of the points).
    seed : int
        Seed of that subset, so runs are reproducible.
    max_lag_fraction : float
        Default largest lag as a fraction of the diagonal (0.5; gstat's is 1/3).
    """
    from scipy.spatial.distance import pdist

    xy = np.asarray(xy, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    n_total = len(z)
    if n_total < 2:
        raise InputError("a variogram needs at least two points")
    if n_total > max_points:
        pick = np.sort(np.random.default_rng(seed).choice(n_total, size=max_points, replace=False))
        xy, z = xy[pick], z[pick]
    span = xy.max(axis=0) - xy.min(axis=0)
    if max_lag is None:
        max_lag = float(max_lag_fraction) * float(np.hypot(*span))
    if not max_lag > 0:
        raise InputError("all points are at the same place: no variogram can be estimated")
    d = pdist(xy)
    g = 0.5 * pdist(z[:, None], "sqeuclidean")
    edges = np.linspace(0.0, max_lag, n_lags + 1)
    keep = (d > 0) & (d <= max_lag)
    d, g = d[keep], g[keep]
    b = np.minimum((d / max_lag * n_lags).astype(np.int64), n_lags - 1)
    counts = np.bincount(b, minlength=n_lags)
    sum_d = np.bincount(b, weights=d, minlength=n_lags)
    sum_g = np.bincount(b, weights=g, minlength=n_lags)
    nz = counts > 0
    return ExperimentalVariogram(
        lags=sum_d[nz] / counts[nz],
        gamma=sum_g[nz] / counts[nz],
        counts=counts[nz],
        edges=edges,
        n_points=len(z),
        n_total=n_total,
        max_lag=float(max_lag),
    )


@dataclass
class VariogramFit:
    """Result of :func:`fit_variogram`.

    Attributes
    ----------
    model : VariogramModel
        The best model with spatial structure (lowest weighted residual cost among the
        candidates tried); used for kriging unless :attr:`pure_nugget` wins.
    experimental : ExperimentalVariogram
        The bins it was fitted to.
    cost : float
        Weighted sum of squared residuals of that model (on the normalised scale).
    candidates : list of dict
        Every model tried with its parameters, cost, AIC and the bounds it stopped on;
        the pure-nugget candidate is ``{"model": "nugget", "psill": 0, "range": nan, ...}``.
    weights : str
        Weighting used.
    min_pairs : int
        Bins with fewer pairs were left out of the fit.
    notes : list of str
    pure_nugget : bool
        The pure-nugget candidate has the lowest AIC: the experimental variogram shows no
        spatial structure at the lags observed.
    nugget_only : float
        Fitted level of the pure-nugget candidate (units squared; nan if not tried).
    at_bounds : list of str
        Parameters of :attr:`model` that stopped on a bound of the search box
        (``"range=min"``, ``"range=max"``, ``"psill=0"``, ``"psill=max"``, ``"nugget=max"``).
    preset : str
        Name of the lag and weight settings (a key of :data:`PRESETS`, or ``"custom"``).
    """

    model: VariogramModel
    experimental: ExperimentalVariogram
    cost: float
    candidates: list = field(default_factory=list)
    weights: str = "cressie"
    min_pairs: int = 30
    notes: list = field(default_factory=list)
    pure_nugget: bool = False
    nugget_only: float = float("nan")
    at_bounds: list = field(default_factory=list)
    preset: str = "default"

    @property
    def chosen(self) -> str:
        """Name of the chosen candidate: ``"nugget"`` or the model's."""
        return "nugget" if self.pure_nugget else self.model.model

    @property
    def smallest_lag(self) -> float:
        """Mean distance (m) of the first lag bin that was fitted (bins with fewer than
        ``min_pairs`` pairs are not, unless fewer than 3 bins would be left)."""
        e = self.experimental
        use = e.counts >= self.min_pairs
        if use.sum() < 3:
            use = e.counts > 0
        return float(e.lags[use][0])

    def as_dict(self) -> dict:
        return {
            **self.model.as_dict(),
            "cost": self.cost,
            "weights": self.weights,
            "min_pairs": self.min_pairs,
            "n_points": self.experimental.n_points,
            "n_total": self.experimental.n_total,
            "max_lag": self.experimental.max_lag,
            "candidates": self.candidates,
            "lags": self.experimental.lags.tolist(),
            "gamma": self.experimental.gamma.tolist(),
            "counts": self.experimental.counts.tolist(),
            "pure_nugget": self.pure_nugget,
            "nugget_only": self.nugget_only,
            "at_bounds": list(self.at_bounds),
            "preset": self.preset,
        }


PARAMETER_NAMES = ("psill", "range", "nugget")
"""Parameters of a model that :func:`fit_model` can hold fixed (``fixed={"nugget": 0.1}``)."""

# search box of the fit, on the normalised scale (h / max_lag, gamma / max gamma)
_LOWER = {"psill": 0.0, "range": 0.01, "nugget": 0.0}
_UPPER = {"psill": 10.0, "range": 2.0, "nugget": 1.0}
_BOUND_TOLERANCE = 1e-6


def _residuals(params, model, h, g, n, weights, nugget_free):
    psill, range_ = params[0], params[1]
    nugget = params[2] if nugget_free else 0.0
    m = nugget + psill * _shape(model, h, range_)
    return _weighted(m, h, g, n, weights)


def _weighted(m, h, g, n, weights):
    if weights == "cressie":
        return np.sqrt(n) * (g / np.maximum(m, 1e-9) - 1.0)
    if weights == "npairs":
        return np.sqrt(n) * (m - g)
    if weights == "npairs_h2":
        return np.sqrt(n) / h * (m - g)
    return m - g


def _fit_bins(experimental: ExperimentalVariogram, min_pairs: int):
    """Normalised bins of the fit: (h/hs, gamma/gs, counts, hs, gs)."""
    use = experimental.counts >= min_pairs
    if use.sum() < 3:
        use = experimental.counts > 0
    h = experimental.lags[use]
    g = experimental.gamma[use]
    n = experimental.counts[use].astype(float)
    hs = experimental.max_lag
    gs = float(g.max()) if g.max() > 0 else 1.0
    return h / hs, g / gs, n, hs, gs


def _check_weights(weights: str) -> None:
    if weights not in WEIGHTS:
        raise InputError(f"unknown variogram weighting {weights!r}; choose one of {', '.join(WEIGHTS)}")


def fit_model(
    experimental: ExperimentalVariogram,
    model: str,
    *,
    nugget: bool = True,
    weights: str = "cressie",
    min_pairs: int = 30,
    fixed: Optional[dict] = None,
) -> tuple[VariogramModel, float]:
    """Weighted least-squares fit of one model to an experimental variogram.

    The fit runs on normalised lags (h / max_lag) and semivariances (gamma / max gamma)
    from several starting points (scipy.optimize.least_squares, trust-region
    reflective, bounds: 0 <= psill <= 10 max gamma, range between 1 % and 200 % of
    max_lag, 0 <= nugget <= max gamma); the lowest cost wins.

    Parameters
    ----------
    fixed : dict, optional
        Parameters held at a given value (``psill``, ``range`` in m, ``nugget``, units
        squared), e.g. to reproduce another tool's nugget; the others are fitted.

    Returns
    -------
    (VariogramModel, cost)
    """
    from scipy.optimize import least_squares

    _check_weights(weights)
    fixed = dict(fixed or {})
    for key in fixed:
        if key not in PARAMETER_NAMES:
            raise InputError(f"unknown variogram parameter {key!r}; choose among {', '.join(PARAMETER_NAMES)}")
    if not nugget and "nugget" not in fixed:
        fixed["nugget"] = 0.0
    hn, gn, n, hs, gs = _fit_bins(experimental, min_pairs)
    scale = {"psill": gs, "range": hs, "nugget": gs}
    fixed_n = {k: float(v) / scale[k] for k, v in fixed.items()}
    free = [k for k in PARAMETER_NAMES if k not in fixed_n]
    if not free:
        vm = VariogramModel(model, float(fixed["psill"]), float(fixed["range"]), float(fixed["nugget"]))
        full = [fixed_n["psill"], fixed_n["range"], fixed_n["nugget"]]
        r = _residuals(full, model, hn, gn, n, weights, True)
        return vm, float(0.5 * r @ r)

    def residuals(p):
        values = dict(fixed_n)
        values.update(zip(free, p))
        return _residuals([values["psill"], values["range"], values["nugget"]], model, hn, gn, n, weights, True)

    lower = [_LOWER[k] for k in free]
    upper = [max(_UPPER[k], 1.01 * fixed_n.get(k, 0.0)) for k in free]
    best = None
    nugget_starts = (0.0, float(gn.min()) * 0.5) if "nugget" in free else (fixed_n.get("nugget", 0.0),)
    for r0 in (0.2, 0.5, 1.0) if "range" in free else (fixed_n.get("range"),):
        for nug0 in nugget_starts:
            start = {"psill": max(float(gn.max()) - nug0, 1e-3), "range": r0, "nugget": nug0}
            p0 = [min(max(start[k], lo), hi) for k, lo, hi in zip(free, lower, upper)]
            res = least_squares(residuals, p0, bounds=(lower, upper), method="trf", x_scale="jac")
            if best is None or res.cost < best.cost - 1e-15:
                best = res
    values = dict(fixed_n)
    values.update(zip(free, best.x))
    vm = VariogramModel(
        model, float(values["psill"] * gs), float(values["range"] * hs), float(values["nugget"] * gs)
    )
    return vm, float(best.cost)


def fit_pure_nugget(
    experimental: ExperimentalVariogram, *, weights: str = "cressie", min_pairs: int = 30
) -> tuple[float, float]:
    """Weighted least-squares fit of a constant semivariance (the pure-nugget model).

    Closed form: the N_j-weighted mean of the bins' semivariances (weights ``npairs``,
    ``npairs_h2`` and ``equal`` with their own weights), or ``sum N g^2 / sum N g`` for
    Cressie's weights (the minimiser of ``sum N (g/c - 1)^2``).

    Returns
    -------
    (nugget, cost)
        The level (units squared) and the weighted residual cost on the same
        normalised scale as :func:`fit_model`, so the two are comparable.
    """
    _check_weights(weights)
    hn, gn, n, _, gs = _fit_bins(experimental, min_pairs)
    if weights == "cressie":
        level = float((n * gn * gn).sum() / max((n * gn).sum(), 1e-300))
    else:
        w = {"npairs": n, "npairs_h2": n / (hn * hn), "equal": np.ones_like(n)}[weights]
        level = float((w * gn).sum() / w.sum())
    r = _weighted(np.full_like(gn, level), hn, gn, n, weights)
    return level * gs, float(0.5 * r @ r)


def aic(cost: float, n_bins: int, n_parameters: int) -> float:
    """Akaike's criterion of a weighted least-squares fit: ``m ln(2 cost / m) + 2 p``.

    ``cost`` is half the weighted sum of squared residuals over ``m = n_bins`` bins and
    ``p`` the number of fitted parameters. A pure nugget (p = 1) is nested in every
    model (psill = 0), so its residual cost is never lower; the penalty of 2 per
    parameter decides whether the extra parameters of a model with structure earn their
    place.

    Examples
    --------
    >>> round(aic(0.5, 10, 3) - aic(0.5, 10, 1), 6)
    4.0
    """
    m = max(int(n_bins), 1)
    return float(m * math.log(max(2.0 * cost, 1e-300) / m) + 2 * n_parameters)


def bounds_hit(model: VariogramModel, experimental: ExperimentalVariogram, min_pairs: int = 30,
               fixed: Optional[dict] = None) -> list:
    """Fitted parameters of ``model`` that sit on an edge of :func:`fit_model`'s search box.

    A parameter on an edge means the fit found no interior optimum (a range at 1 % or
    200 % of the largest lag, a partial sill at 0 or at 10 times the largest
    semivariance, a nugget at the largest semivariance). A nugget of 0 is a natural
    bound (no measurement error) and is not listed. Fixed parameters are not listed.

    Returns
    -------
    list of str
        ``"range=min"``, ``"range=max"``, ``"psill=0"``, ``"psill=max"``, ``"nugget=max"``.
    """
    fixed = fixed or {}
    _, _, _, hs, gs = _fit_bins(experimental, min_pairs)
    values = {"psill": model.psill / gs, "range": model.range / hs, "nugget": model.nugget / gs}
    hit = []
    for key, label_lo, label_hi in (("range", "range=min", "range=max"), ("psill", "psill=0", "psill=max"),
                                    ("nugget", None, "nugget=max")):
        if key in fixed:
            continue
        v, lo, hi = values[key], _LOWER[key], _UPPER[key]
        if label_lo and v <= lo + _BOUND_TOLERANCE * max(1.0, abs(lo)):
            hit.append(label_lo)
        elif v >= hi - _BOUND_TOLERANCE * hi:
            hit.append(label_hi)
    return hit


def fit_variogram(
    xy,
    z,
    model: str = "auto",
    *,
    nugget: bool = True,
    weights: str = "cressie",
    n_lags: int = 12,
    max_lag: Optional[float] = None,
    min_pairs: int = 30,
    anisotropy_scaling: float = 1.0,
    anisotropy_angle: float = 0.0,
    max_points: int = 2000,
    seed: int = 0,
    max_lag_fraction: float = 0.5,
    fixed: Optional[dict] = None,
    pure_nugget: bool = True,
    preset: str = "default",
) -> VariogramFit:
    """Fit a variogram model to data.

    Parameters
    ----------
    xy : array_like, shape (n, 2)
        Coordinates (m), as given (the anisotropy transform is applied here).
    z : array_like, shape (n,)
        Values (already log-transformed or detrended if the run asks for it).
    model : str
        ``"spherical"``, ``"exponential"``, ``"gaussian"`` or ``"auto"`` (all three are
        fitted, the one with the lowest weighted residual cost is chosen).
    nugget : bool
        Fit a nugget (else it is fixed at 0).
    weights : str
        One of :data:`WEIGHTS`; default Cressie's N_j / gamma_model(h_j)^2.
    n_lags, max_lag, max_points, seed, max_lag_fraction
        See :func:`experimental_variogram`.
    min_pairs : int
        Bins with fewer pairs are not fitted (Journel and Huijbregts' rule of thumb: 30).
    anisotropy_scaling, anisotropy_angle : float
        Geometric anisotropy (see the module notes).
    fixed : dict, optional
        Parameters held fixed (see :func:`fit_model`).
    pure_nugget : bool
        Also fit the pure-nugget model (:func:`fit_pure_nugget`) and prefer it when its
        AIC (:func:`aic`) is not above the best model's (:attr:`VariogramFit.pure_nugget`).
        Not tried when a partial sill or a range is fixed.
    preset : str
        Name recorded for the lag and weight settings (:data:`PRESETS`, or ``"custom"``).

    Returns
    -------
    VariogramFit
    """
    names = MODELS if model == "auto" else (model,)
    for name in names:
        if name not in MODELS:
            raise InputError(f"unknown variogram model {name!r}; choose auto or one of {', '.join(MODELS)}")
    _check_weights(weights)
    fixed = {k: float(v) for k, v in (fixed or {}).items() if v is not None}
    adj = anisotropy_transform(
        xy, np.mean(np.asarray(xy, float), axis=0), anisotropy_scaling, anisotropy_angle
    )
    exp = experimental_variogram(
        adj, z, n_lags=n_lags, max_lag=max_lag, max_points=max_points, seed=seed, max_lag_fraction=max_lag_fraction
    )
    notes = []
    if exp.n_points < exp.n_total:
        notes.append(
            f"variogram estimated from a random subset of {exp.n_points} of {exp.n_total} points (seed {seed})"
        )
    if np.all(exp.gamma <= 0):
        raise InputError("all values are equal: there is no spatial variation to fit a variogram to")
    n_bins = len(_fit_bins(exp, min_pairs)[0])
    n_free = sum(1 for k in PARAMETER_NAMES if k not in fixed and (nugget or k != "nugget"))
    candidates = []
    best = None
    for name in names:
        vm, cost = fit_model(exp, name, nugget=nugget, weights=weights, min_pairs=min_pairs, fixed=fixed)
        vm = VariogramModel(
            vm.model, vm.psill, vm.range, vm.nugget, float(anisotropy_scaling), float(anisotropy_angle)
        )
        candidates.append(
            {"model": name, "psill": vm.psill, "range": vm.range, "nugget": vm.nugget, "cost": cost,
             "aic": aic(cost, n_bins, n_free),
             "at_bounds": ";".join(bounds_hit(vm, exp, min_pairs, fixed))}
        )
        if best is None or cost < best[1]:
            best = (vm, cost)
    chosen_nugget, level = False, float("nan")
    if pure_nugget and "psill" not in fixed and "range" not in fixed:
        level, cost0 = fit_pure_nugget(exp, weights=weights, min_pairs=min_pairs)
        if "nugget" in fixed:  # the level is the user's nugget
            level = fixed["nugget"]
            hn, gn, n, _, gs = _fit_bins(exp, min_pairs)
            r = _weighted(np.full_like(gn, level / gs), hn, gn, n, weights)
            cost0 = float(0.5 * r @ r)
        aic0 = aic(cost0, n_bins, 0 if "nugget" in fixed else 1)
        candidates.append(
            {"model": "nugget", "psill": 0.0, "range": float("nan"), "nugget": level, "cost": cost0,
             "aic": aic0, "at_bounds": ""}
        )
        best_aic = min(c["aic"] for c in candidates[:-1])
        chosen_nugget = aic0 <= best_aic
    if (exp.counts >= min_pairs).sum() < 3:
        notes.append(f"fewer than 3 lag bins have {min_pairs} pairs; the fit used every non-empty bin")
    return VariogramFit(
        best[0], exp, best[1], candidates, weights, min_pairs, notes,
        pure_nugget=chosen_nugget, nugget_only=level, at_bounds=bounds_hit(best[0], exp, min_pairs, fixed),
        preset=preset,
    )


def plot_variogram(fit: VariogramFit, path, title: str = "", unit: str = "", dpi: int = 120) -> Path:
    """Save the experimental variogram and the fitted model as a PNG (atomically).

    Uses matplotlib's object API with the Agg canvas (no pyplot state), so it is safe
    inside QGIS.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from ..common.atomic import atomic_path

    exp = fit.experimental
    m = fit.model
    fig = Figure(figsize=(6.0, 4.0), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(111)
    sizes = 10 + 60 * exp.counts / max(exp.counts.max(), 1)
    ax.scatter(exp.lags, exp.gamma, s=sizes, color="#1f77b4", label="experimental (size ~ pairs)", zorder=3)
    h = np.linspace(0.0, exp.max_lag, 200)
    hh = h.copy()
    hh[0] = ZERO_DISTANCE * 2  # show the nugget jump at the origin
    ax.plot(
        h,
        m.gamma(hh),
        color="#d62728",
        label=f"{m.model}: nugget {m.nugget:.4g}, sill {m.sill:.4g}, range {m.range:.4g} m"
        + (" (not chosen)" if fit.pure_nugget else ""),
    )
    if np.isfinite(fit.nugget_only):
        ax.axhline(
            fit.nugget_only,
            color="#2ca02c",
            linestyle="--",
            label=f"pure nugget {fit.nugget_only:.4g}" + (" (chosen: no structure)" if fit.pure_nugget else ""),
        )
    ax.set_xlim(0, exp.max_lag)
    ax.set_ylim(0, max(float(exp.gamma.max()), m.sill) * 1.1)
    ax.set_xlabel("lag distance h (m)")
    ax.set_ylabel(f"semivariance ({unit})²" if unit else "semivariance")
    aniso = ""
    if m.anisotropy_scaling != 1.0:
        aniso = f"; anisotropy ratio {m.anisotropy_scaling:g} at {m.anisotropy_angle:g}°"
    ax.set_title((title + "\n" if title else "") + f"lags: {fit.preset}, weights: {fit.weights}{aniso}", fontsize=9)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    final = Path(path)
    with atomic_path(final) as tmp:
        fig.savefig(tmp, format="png", metadata={"Software": None})
    return final
