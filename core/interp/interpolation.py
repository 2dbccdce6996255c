"""interpolate: IDW and ordinary kriging of lab results onto the case grid.

One call handles several indicators (fields) and depth layers; for each it

* prepares the points: censored values replaced by the rule asked for (default DL/2,
  recorded), missing values dropped (named), duplicate locations merged by their mean
  (named), optional natural-log transform (values must be > 0) and trend removal;
* runs every method asked for: IDW (power, k nearest or radius, or global) and/or
  ordinary kriging with an automatically fitted variogram on a local neighbourhood
  (:mod:`ree_damage.core.interp.kriging`, :mod:`ree_damage.core.interp.variogram`);
* checks that kriging has spatial structure to work with
  (:mod:`ree_damage.core.interp.structure`): the pure-nugget candidate of the automatic
  fit, a permutation test on the short lags, the leave-one-out error of kriging against
  the mean of the other samples, and the fit's parameters on a bound of its search or a
  range shorter than the smallest lag. When one fails, the kriging surface is replaced by
  the declared fallback (:attr:`KrigingParams.fallback`: the mean with its uncertainty by
  default, or IDW), said so in the warnings and in the method table. Fewer than 30
  samples, and a range longer than the samples' extent, are warned about;
* cross-validates every run by leave-one-out (each point predicted from the others with
  the same parameters and, for kriging, the same fitted variogram): RMSE, mean error,
  mean absolute error and, for kriging, the mean standardised squared error (MSSE,
  ideally 1);
* computes, for kriging with a threshold (the baseline), the probability that the true
  value exceeds it.

Conventions (documented defaults)
---------------------------------
* Log-normal kriging back-transform (Journel 1980; Cressie 1993, eq. 3.2.40):
  ``C* = exp(Y* + sigma^2/2 - m)`` with Y* and sigma^2 the ordinary kriging estimate and
  variance of ``Y = ln C`` and m the Lagrange multiplier of ``Gamma lambda + m 1 = gamma``.
  The variance raster of a log run is the kriging variance of ln C, and Y* is an output
  too (``<stem>_ln_prediction.tif``): the exceedance probability is computed from them.
* Trend removal: a polynomial in the coordinates (``"linear"`` or ``"quadratic"``) fitted
  by least squares; its residuals are kriged and the trend is added back. The trend is
  treated as known (its estimation error is not in the kriging variance).
* Exceedance probability: Gaussian kriging error on the kriged scale (log scale for a
  log run): ``P(C > t) = 1 - Phi((g(t) - Y*) / sigma)``, g = ln for a log run, identity
  otherwise, Y* including the trend. Where sigma = 0 the probability is 0 or 1.
* Cross-validation errors are ``error = predicted - observed`` (a mean error > 0 means
  over-estimation), in the indicator's units (back-transformed for a log run); the
  standardised errors of the MSSE are on the kriged scale.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pandas as pd

from ..common import kernels
from ..common.errors import InputError
from ..common.messages import Message, Template
from ..common.progress import CancelFn, ProgressFn, Steps, check_canceled
from ..geo.raster_io import GridSpec, polygon_mask
from ..lab.censored import DEFAULT_RULE, FLAG_MEASURED, check_rule, substitute
from .idw import idw_grid, idw_points
from .kriging import LocalKriging, check_kriging_points
from .variogram import VariogramFit, VariogramModel, fit_variogram

METHODS = ("idw", "ok")
"""Method names: inverse distance weighting, ordinary kriging."""

DUPLICATE_TOLERANCE = 1e-3
"""Points closer than this (m, per coordinate, after rounding) are one location."""

EXCEEDANCE_ASSUMPTION = (
    "Gaussian kriging error on the kriged scale: P(C > t) = 1 - Phi((g(t) - Y*) / sigma), "
    "g = ln for a log-transformed run, identity otherwise"
)
LOGNORMAL_BACKTRANSFORM = "C* = exp(Y* + sigma^2/2 - m), m the OK Lagrange multiplier (Journel 1980)"

FALLBACKS = ("mean", "idw", "none")
"""What replaces kriging where the data show no defensible spatial structure: the sample
mean with its prediction variance (ordinary kriging with a pure-nugget variogram and
every point), IDW with the run's IDW settings, or nothing (krige anyway, with the
warning)."""

MIN_VARIOGRAM_SAMPLES = 30
"""Fewer samples per surface are warned about (the usual minimum for a variogram; VSP,
Visual Sample Plan, recommends 30-50)."""

SPURIOUS_BOUNDS = ("range=min", "psill=0", "nugget=max")
"""Variogram parameters on these bounds (:func:`ree_damage.core.interp.variogram.bounds_hit`)
mean the fit found no structure the lags resolve: kriging falls back. A range or partial
sill on its upper bound (the semivariance still rising at the largest lag) is warned only."""

MEAN_PREDICTOR = "sample mean, prediction variance s^2 (1 + 1/n) (ordinary kriging with a pure-nugget variogram)"


@dataclass
class IDWParams:
    """IDW parameters (see :func:`ree_damage.core.interp.idw.idw_grid`).

    ``k=None`` with ``radius=None`` is global IDW (every point, as QGIS's IDW).
    """

    power: float = 2.0
    k: Optional[int] = 12
    radius: Optional[float] = None
    min_points: int = 1

    def describe(self) -> str:
        """The neighbourhood and power in words, e.g. ``"power 2, 12 nearest points"``."""
        if self.radius is not None:
            where = f"points within {self.radius:g} m" + (f" (at most {self.k})" if self.k else "")
        elif self.k:
            where = f"{self.k} nearest points"
        else:
            where = "all points"
        default = " [default]" if (self.power, self.k, self.radius) == (2.0, 12, None) else ""
        return f"power {self.power:g}, {where}{default}"


@dataclass
class KrigingParams:
    """Ordinary kriging parameters.

    Attributes
    ----------
    model : str
        ``"auto"`` (spherical, exponential and gaussian are fitted; the lowest weighted
        residual cost wins) or one of them.
    k : int or None
        Neighbours per cell (local neighbourhood, the k nearest); None: every point.
    nugget : bool
        Fit a nugget.
    weights : str
        Least-squares weights of the variogram fit (default Cressie's N_j/gamma^2).
    n_lags, max_lag, min_pairs
        Experimental variogram bins (default 12 bins up to half the data diagonal; bins
        with fewer than 30 pairs are not fitted).
    max_lag_fraction : float
        ``max_lag`` when not given, as a fraction of the data's diagonal (0.5).
    preset : str
        Name of the lag and weight settings, recorded in the outputs: ``"default"``,
        ``"as gstat"`` (:meth:`from_preset`) or ``"custom"``.
    fixed_nugget, fixed_psill, fixed_range : float, optional
        Variogram parameters held fixed (units squared, units squared, m; the range in
        this plugin's convention, see :mod:`ree_damage.core.interp.variogram`); the
        others are fitted. With all three and a named model, nothing is fitted: another
        tool's variogram reproduced.
    anisotropy_scaling, anisotropy_angle : float
        Geometric anisotropy: major/minor range ratio and major-axis direction (degrees
        counter-clockwise from east).
    log_transform : bool
        Krige ln C and back-transform (lognormal kriging).
    trend : str or None
        ``None``, ``"linear"`` or ``"quadratic"`` trend removal.
    variogram : VariogramModel, optional
        Use this model instead of fitting one (no experimental variogram either).
    fallback : str
        One of :data:`FALLBACKS`: what replaces kriging when the data show no defensible
        spatial structure (default the mean with its uncertainty).
    structure_alpha, n_permutations, permutation_seed
        The permutation test (:func:`ree_damage.core.interp.structure.permutation_test`):
        significance level 0.05, 499 shuffles, seed 0.
    truncate_negative : bool
        Set predicted concentrations below 0 to 0 (stated in the warning and the
        parameters). Ordinary kriging is not bounded by the data: with close or merged
        points its weights go negative and a concentration surface can dip below zero.
        Either way the share of negative cells is reported; ``log_transform`` avoids them.
    """

    model: str = "auto"
    k: int = 16
    nugget: bool = True
    weights: str = "cressie"
    n_lags: int = 12
    max_lag: Optional[float] = None
    min_pairs: int = 30
    anisotropy_scaling: float = 1.0
    anisotropy_angle: float = 0.0
    log_transform: bool = False
    trend: Optional[str] = None
    variogram: Optional[VariogramModel] = None
    truncate_negative: bool = False
    max_lag_fraction: float = 0.5
    preset: str = "default"
    fixed_nugget: Optional[float] = None
    fixed_psill: Optional[float] = None
    fixed_range: Optional[float] = None
    fallback: str = "mean"
    structure_alpha: float = 0.05
    n_permutations: int = 499
    permutation_seed: int = 0

    @classmethod
    def from_preset(cls, name: str, **overrides) -> KrigingParams:
        """Parameters with the lags and weights of a named preset (:data:`ree_damage.core.interp.variogram.PRESETS`).

        ``"as gstat"``: 15 lags to a third of the diagonal, N_j/h_j^2 weights, every
        non-empty lag fitted (R gstat's ``variogram`` and ``fit.variogram`` defaults).

        Examples
        --------
        >>> p = KrigingParams.from_preset("as gstat")
        >>> p.n_lags, round(p.max_lag_fraction, 4), p.weights, p.min_pairs, p.preset
        (15, 0.3333, 'npairs_h2', 1, 'as gstat')
        """
        from .variogram import PRESETS

        if name not in PRESETS:
            raise InputError(f"unknown variogram preset {name!r}; choose one of {', '.join(PRESETS)}")
        return cls(**{**PRESETS[name], "preset": name, **overrides})

    def fixed(self) -> dict:
        """The fixed variogram parameters (``psill``, ``range``, ``nugget``) given."""
        values = {"psill": self.fixed_psill, "range": self.fixed_range, "nugget": self.fixed_nugget}
        return {k: float(v) for k, v in values.items() if v is not None}


@dataclass
class CrossValidation:
    """Leave-one-out cross-validation of one run.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per point: ``sample_id, x, y, observed, predicted, error, variance,
        std_error`` (error = predicted - observed; variance and std_error for kriging).
    """

    table: pd.DataFrame

    @property
    def n(self) -> int:
        return int(np.isfinite(self.table["error"]).sum())

    @property
    def rmse(self) -> float:
        e = self.table["error"].to_numpy(float)
        return float(np.sqrt(np.nanmean(e * e))) if self.n else float("nan")

    @property
    def me(self) -> float:
        return float(np.nanmean(self.table["error"])) if self.n else float("nan")

    @property
    def mae(self) -> float:
        return float(np.nanmean(np.abs(self.table["error"]))) if self.n else float("nan")

    @property
    def msse(self) -> float:
        s = self.table["std_error"].to_numpy(float)
        return float(np.nanmean(s * s)) if np.isfinite(s).any() else float("nan")

    def summary(self) -> dict:
        return {"n": self.n, "rmse": self.rmse, "me": self.me, "mae": self.mae, "msse": self.msse}


@dataclass
class Surface:
    """One interpolated indicator (and depth layer) by one method.

    Attributes
    ----------
    field, layer, method : str / object
        Indicator field, depth layer (None for all points) and ``"idw"`` or ``"ok"``.
    prediction : numpy.ndarray of float32 (rows, cols)
        In the indicator's units; NaN outside the case area.
    variance : numpy.ndarray or None
        Kriging variance (of ln C for a log run).
    exceedance : numpy.ndarray or None
        Probability of exceeding ``threshold`` (kriging with a threshold only).
    variogram : VariogramFit or None
    cross_validation : CrossValidation
    n_points : int
        Points after merging duplicates.
    parameters : dict
        Everything that defines the run (for provenance).
    warnings : list of str
    log_prediction : numpy.ndarray or None
        Kriged ln C, Y* (trend included) of a log run: with ``variance`` what the
        exceedance probability uses.
    method_used : str
        What made the surface: the method, or for kriging without defensible structure
        the fallback (``"mean"`` or ``"idw"``).
    checks : dict
        The spatial-structure checks of a kriging run (permutation test, leave-one-out
        RMSE of kriging and of the mean, pure nugget, bounds) and the warning codes.
    """

    field: str
    layer: Any
    method: str
    unit: str
    prediction: np.ndarray
    variance: Optional[np.ndarray]
    exceedance: Optional[np.ndarray]
    threshold: Optional[float]
    variogram: Optional[VariogramFit]
    cross_validation: CrossValidation
    n_points: int
    parameters: dict
    warnings: list = field(default_factory=list)
    log_prediction: Optional[np.ndarray] = None
    method_used: str = ""
    checks: dict = field(default_factory=dict)

    @property
    def warning_codes(self) -> str:
        """The codes of the surface's warnings, ``;``-separated (for the tables)."""
        return ";".join(dict.fromkeys(getattr(w, "code", "") for w in self.warnings if getattr(w, "code", "")))

    @property
    def name(self) -> str:
        """File-name stem, e.g. ``Cd_L0-50_ok``."""
        parts = [_safe(self.field)]
        if self.layer is not None:
            parts.append(_safe(f"L{self.layer}"))
        parts.append(self.method)
        return "_".join(parts)


@dataclass
class InterpolationResult:
    """Everything one ``interpolate`` run produced.

    Attributes
    ----------
    grid : GridSpec
    mask : numpy.ndarray of bool or None
        Case-area cells (True inside).
    surfaces : list of Surface
    comparison : pandas.DataFrame
        One row per (field, layer, method): n, rmse, me, mae, msse, variogram model,
        ``best`` (lowest RMSE of its field and layer).
    warnings : list of str
    parameters : dict
    """

    grid: GridSpec
    mask: Optional[np.ndarray]
    surfaces: list
    comparison: pd.DataFrame
    warnings: list
    parameters: dict

    def surface(self, field: str, method: str, layer=None) -> Surface:
        for s in self.surfaces:
            if s.field == field and s.method == method and s.layer == layer:
                return s
        raise KeyError((field, method, layer))

    def cross_validation_table(self) -> pd.DataFrame:
        """All cross-validation rows, with field, layer and method columns."""
        frames = []
        for s in self.surfaces:
            t = s.cross_validation.table.copy()
            t.insert(0, "method", s.method)
            t.insert(0, "layer", s.layer)
            t.insert(0, "field", s.field)
            t["method_used"] = s.method_used or s.method
            t["warnings"] = s.warning_codes  # each warning of the surface, by code
            frames.append(t)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def variogram_table(self) -> pd.DataFrame:
        """Fitted variograms: one row per kriging surface and candidate model.

        ``range`` is in this plugin's (PyKrige's) convention, stated per row in
        ``range_convention`` with the conversion from gstat's and ArcGIS's parameters.
        """
        from .variogram import RANGE_CONVENTION

        rows = []
        for s in self.surfaces:
            if s.variogram is None:
                continue
            for c in s.variogram.candidates:
                rows.append(
                    {
                        "field": s.field,
                        "layer": s.layer,
                        **c,
                        "range_convention": RANGE_CONVENTION[c["model"]],
                        "chosen": c["model"] == s.variogram.chosen,
                        "used_for_surface": s.method_used == "ok" and c["model"] == s.variogram.model.model,
                        "preset": s.variogram.preset,
                        "n_lags": len(s.variogram.experimental.edges) - 1,
                        "max_lag_m": s.variogram.experimental.max_lag,
                        "min_pairs": s.variogram.min_pairs,
                        "smallest_lag_m": s.variogram.smallest_lag,
                        "structure_p_value": s.checks.get("p_value"),
                        "weights": s.variogram.weights,
                        "anisotropy_scaling": s.variogram.model.anisotropy_scaling,
                        "anisotropy_angle": s.variogram.model.anisotropy_angle,
                        "log_transform": s.parameters.get("log_transform"),
                        "back_transform": s.parameters.get("back_transform"),
                        "trend": s.parameters.get("trend"),
                        "warnings": s.warning_codes,
                    }
                )
        return pd.DataFrame(rows)

    def write(
        self, out_dir, *, prefix: str = "", inputs: Optional[Mapping] = None, host: Optional[Mapping] = None
    ):
        """Write every raster, variogram plot and table as one transaction, with provenance.

        Files (``<stem>`` = ``<prefix><field>[_L<layer>]_<method>``): ``<stem>_prediction.tif``,
        ``<stem>_variance.tif`` and ``<stem>_exceedance.tif`` (kriging), ``<stem>_ln_prediction.tif`` (log run),
        ``<stem>_variogram.png``, and ``<prefix>cross_validation.csv``,
        ``<prefix>method_comparison.csv``, ``<prefix>variograms.csv``. Each gets a
        ``.provenance.json`` sidecar.

        Returns
        -------
        dict
            Output name -> pathlib.Path.
        """
        return _write_result(self, Path(out_dir), prefix, inputs or {}, host)

    def provenance(self, *, inputs: Optional[Mapping] = None, host: Optional[Mapping] = None) -> dict:
        """The provenance record of the run's tables (each raster's record adds its surface's figures)."""
        from ..common.provenance import result_record

        return result_record("ree_damage:interpolate", self, crs=self.grid.crs, inputs=inputs, host=host)


# --------------------------------------------------------------------------------------
# points
# --------------------------------------------------------------------------------------
@dataclass
class PointSet:
    """Prepared points of one field (and layer)."""

    xy: np.ndarray
    z: np.ndarray
    ids: list
    warnings: list
    n_censored: int
    n_input: int


def _safe(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.+\-\u4e00-\u9fff]+", "_", str(text)).strip("_") or "x"


def _coordinates(points, x_field, y_field, layer_name):
    if hasattr(points, "geometry") and x_field is None:
        geom = points.geometry
        if len(geom) and not all(g is not None and g.geom_type == "Point" for g in geom):
            bad = [i for i, g in enumerate(geom) if g is None or g.geom_type != "Point"]
            raise InputError("sample layer must hold single points", layer=layer_name, feature=bad[0])
        return np.column_stack([geom.x.to_numpy(float), geom.y.to_numpy(float)])
    if x_field is None or y_field is None:
        raise InputError("give a GeoDataFrame of points or the x_field and y_field columns", layer=layer_name)
    for f in (x_field, y_field):
        if f not in points.columns:
            raise InputError(f"coordinate column {f!r} not found", layer=layer_name, column=f)
    return np.column_stack([points[x_field].to_numpy(float), points[y_field].to_numpy(float)])


def prepare_points(
    points,
    field: str,
    *,
    id_field: Optional[str] = None,
    censored_rule: str = DEFAULT_RULE,
    log_transform: bool = False,
    x_field: Optional[str] = None,
    y_field: Optional[str] = None,
    layer_name: str = "samples",
) -> PointSet:
    """Values of one field ready to interpolate (see the module notes).

    Parameters
    ----------
    points : geopandas.GeoDataFrame or pandas.DataFrame
        Samples with the field (and ``<field>_flag`` if censored values are flagged, as
        :mod:`ree_damage.core.lab.importer` writes them).
    field : str
        Indicator column.
    id_field : str, optional
        Sample id column used in messages (else the row number).
    censored_rule : str
        Substitution for values flagged "<" (see :func:`ree_damage.core.lab.censored.substitute`).
    log_transform : bool
        Values must then be > 0.
    """
    if field not in points.columns:
        raise InputError(f"field {field!r} not found", layer=layer_name, column=field)
    xy = _coordinates(points, x_field, y_field, layer_name)
    ids = (
        list(points[id_field].astype(str))
        if id_field and id_field in points.columns
        else [f"row {i + 1}" for i in range(len(points))]
    )
    try:
        raw = pd.to_numeric(points[field], errors="raise").to_numpy(float)
    except (ValueError, TypeError):
        bad = pd.to_numeric(points[field], errors="coerce").isna() & points[field].notna()
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"text in the number field {field!r}: {points[field].iloc[first]!r}",
            layer=layer_name,
            row=first + 1,
            column=field,
        ) from None
    warnings = []
    flag_col = f"{field}_flag"
    n_cens = 0
    if flag_col in points.columns:
        flags = points[flag_col].fillna(FLAG_MEASURED).astype(str).str.strip().to_numpy()
        n_cens = int((flags == "<").sum())
        z = substitute(raw, flags, censored_rule)
        if n_cens:
            warnings.append(Message("INTERP_CENSORED_SUBSTITUTED", field=field, n=n_cens, rule=censored_rule))
    else:
        check_rule(censored_rule)
        z = raw
    bad_xy = ~np.isfinite(xy).all(axis=1)
    if bad_xy.any():
        i = int(np.flatnonzero(bad_xy)[0])
        raise InputError("sample point has no valid coordinates", layer=layer_name, feature=ids[i])
    keep = np.isfinite(z)
    if not keep.all():
        gone = [ids[i] for i in np.flatnonzero(~keep)]
        warnings.append(Message("INTERP_SAMPLES_WITHOUT_VALUE", field=field, n=len(gone), ids=", ".join(gone[:20])))
    xy, z, ids_k = xy[keep], z[keep], [ids[i] for i in np.flatnonzero(keep)]
    if log_transform:
        nonpos = np.flatnonzero(z <= 0)
        if len(nonpos):
            raise InputError(
                f"log transform needs values > 0; {field} = {z[nonpos[0]]} at sample {ids_k[nonpos[0]]} "
                f"(choose a censored rule other than 'zero', or no log transform)",
                layer=layer_name,
                feature=ids_k[nonpos[0]],
                column=field,
            )
    xy, z, ids_k, merged = merge_duplicates(xy, z, ids_k)
    for group in merged:
        warnings.append(Message("INTERP_DUPLICATES_MERGED", field=field, ids=", ".join(group)))
    return PointSet(xy, z, ids_k, warnings, n_cens, int(keep.sum()))


def merge_duplicates(
    xy: np.ndarray, z: np.ndarray, ids: Sequence[str], tolerance: float = DUPLICATE_TOLERANCE
):
    """Merge points at the same location (rounded to ``tolerance`` m) by the mean value.

    Returns
    -------
    xy, z, ids, merged
        ``merged`` lists the id groups that were merged (the first id names the point).
    """
    if len(z) == 0:
        return xy, z, list(ids), []
    key = np.round(xy / tolerance).astype(np.int64)
    _, first, inv, counts = np.unique(key, axis=0, return_index=True, return_inverse=True, return_counts=True)
    inv = inv.ravel()
    if counts.max() == 1:
        return xy, z, list(ids), []
    order = np.argsort(first)  # keep input order of first occurrences
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    g = rank[inv]
    n = len(first)
    zsum = np.bincount(g, weights=z, minlength=n)
    cnt = np.bincount(g, minlength=n)
    new_xy = xy[first[order]]
    new_ids = [ids[i] for i in first[order]]
    merged = []
    for grp in np.flatnonzero(cnt > 1):
        merged.append([ids[i] for i in np.flatnonzero(g == grp)])
    return new_xy, zsum / cnt, new_ids, merged


# --------------------------------------------------------------------------------------
# trend
# --------------------------------------------------------------------------------------
class _Trend:
    """Polynomial trend in centred, scaled coordinates, fitted by least squares."""

    def __init__(self, kind: Optional[str], xy: np.ndarray, z: np.ndarray):
        if kind not in (None, "none", "linear", "quadratic"):
            raise InputError(f"unknown trend {kind!r}; choose none, linear or quadratic", column="trend")
        self.kind = None if kind in (None, "none") else kind
        self.center = xy.mean(axis=0)
        self.scale = float(max(np.abs(xy - self.center).max(), 1.0))
        self.coef = None
        if self.kind:
            a = self._design(xy)
            if len(z) <= a.shape[1]:
                raise InputError(f"a {self.kind} trend needs more than {a.shape[1]} points")
            self.coef = np.linalg.lstsq(a, z, rcond=None)[0]

    def _design(self, xy: np.ndarray) -> np.ndarray:
        u = (xy - self.center) / self.scale
        cols = [np.ones(len(u)), u[:, 0], u[:, 1]]
        if self.kind == "quadratic":
            cols += [u[:, 0] ** 2, u[:, 0] * u[:, 1], u[:, 1] ** 2]
        return np.column_stack(cols)

    def __call__(self, xy: np.ndarray) -> np.ndarray:
        if self.coef is None:
            return np.zeros(len(xy))
        return (self._design(xy) * self.coef).sum(axis=1)

    def grid(self, grid: GridSpec) -> np.ndarray:
        if self.coef is None:
            return np.zeros(grid.shape, dtype=np.float32)
        out = np.empty(grid.shape, dtype=np.float32)
        xs = grid.x_centres()
        for r, y in enumerate(grid.y_centres()):
            out[r] = self(np.column_stack([xs, np.full(len(xs), y)]))
        return out


# --------------------------------------------------------------------------------------
# runs
# --------------------------------------------------------------------------------------
def _normal_sf(x: np.ndarray) -> np.ndarray:
    from scipy.special import ndtr

    return ndtr(-x)


def exceedance_probability(estimate, variance, threshold_transformed) -> np.ndarray:
    """P(true > threshold) under a Gaussian error (see the module notes); float32."""
    est = np.asarray(estimate, dtype=np.float64)
    sd = np.sqrt(np.maximum(np.asarray(variance, dtype=np.float64), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = _normal_sf((threshold_transformed - est) / sd)
    flat = sd == 0
    p = np.where(flat, (est > threshold_transformed).astype(float), p)
    p[~np.isfinite(est)] = np.nan
    return p.astype(np.float32)


def _cv_table(ids, xy, observed, predicted, variance=None, std_error=None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sample_id": list(ids),
            "x": xy[:, 0],
            "y": xy[:, 1],
            "observed": observed,
            "predicted": predicted,
            "error": predicted - observed,
            "variance": variance if variance is not None else np.full(len(ids), np.nan),
            "std_error": std_error if std_error is not None else np.full(len(ids), np.nan),
        }
    )


def _run_idw(ps: PointSet, grid, mask, params: IDWParams, workers, progress, is_canceled):
    pred = idw_grid(
        ps.xy,
        ps.z,
        grid,
        power=params.power,
        k=params.k,
        radius=params.radius,
        min_points=params.min_points,
        mask=mask,
        progress=progress,
        is_canceled=is_canceled,
        workers=workers,
    )
    if len(ps.z) > 1:
        loo = idw_points(
            ps.xy,
            ps.z,
            ps.xy,
            power=params.power,
            k=params.k,
            radius=params.radius,
            min_points=params.min_points,
            leave_one_out=True,
        )
    else:
        loo = np.full(1, np.nan)
    return pred, CrossValidation(_cv_table(ps.ids, ps.xy, ps.z, loo))


@dataclass
class _OkRun:
    """What :func:`_run_ok` returns (the surface's arrays, its variogram and its checks)."""

    pred: np.ndarray
    var: Optional[np.ndarray]
    exceed: Optional[np.ndarray]
    fit: Optional[VariogramFit]
    model: Optional[VariogramModel]
    cv: CrossValidation
    notes: list
    log_pred: Optional[np.ndarray] = None
    method_used: str = "ok"
    checks: dict = field(default_factory=dict)


def _fit(ps: PointSet, resid: np.ndarray, params: KrigingParams) -> VariogramFit:
    fixed = params.fixed()
    return fit_variogram(
        ps.xy,
        resid,
        params.model,
        nugget=params.nugget,
        weights=params.weights,
        n_lags=params.n_lags,
        max_lag=params.max_lag,
        min_pairs=params.min_pairs,
        anisotropy_scaling=params.anisotropy_scaling,
        anisotropy_angle=params.anisotropy_angle,
        max_lag_fraction=params.max_lag_fraction,
        fixed=fixed,
        preset=params.preset,
    )


def _structure_checks(ps, resid, fit, model, ok, params, what):
    """The warnings on the variogram and the reasons (a subset) to fall back; see the module notes.

    Returns (warnings, reasons, checks): Message lists and the figures behind them.
    """
    from .structure import mean_leave_one_out, permutation_test

    warnings, reasons = [], []
    n = len(resid)
    checks = {"n": n}
    if n < MIN_VARIOGRAM_SAMPLES:
        warnings.append(Message("INTERP_FEW_SAMPLES", what=what, n=n, minimum=MIN_VARIOGRAM_SAMPLES))
    adj = model.transform(ps.xy, ps.xy.mean(axis=0))
    span = adj.max(axis=0) - adj.min(axis=0)
    extent = float(np.hypot(*span))
    max_lag = fit.experimental.max_lag if fit is not None else (
        params.max_lag if params.max_lag else params.max_lag_fraction * extent
    )
    test = permutation_test(
        adj, resid, max_lag=max_lag, min_pairs=params.min_pairs, n_permutations=params.n_permutations,
        seed=params.permutation_seed,
    )
    checks.update(
        ratio=test.ratio, p_value=test.p_value, short_lag_m=test.short_lag_m, short_pairs=test.n_pairs,
        n_permutations=test.n_permutations, permutation_seed=test.seed, alpha=params.structure_alpha,
        extent_m=extent,
    )
    if fit is not None:
        checks.update(pure_nugget=fit.pure_nugget, at_bounds=";".join(fit.at_bounds),
                      smallest_lag_m=fit.smallest_lag)
        if fit.pure_nugget:
            by_name = {c["model"]: c for c in fit.candidates}
            reasons.append(Message("INTERP_PURE_NUGGET", what=what, model=model.model,
                                   aic_nugget=by_name["nugget"]["aic"], aic_model=by_name[model.model]["aic"]))
        if fit.at_bounds and not fit.pure_nugget:
            # a range at its lower bound, no partial sill or a nugget as large as every
            # semivariance: the structure is below what the lags resolve (a reason to fall
            # back); a range or sill at its upper bound: the semivariance still rises at
            # the largest lag, structure at the scale of the site (a trend): warned only
            on_bound = Message("INTERP_FIT_ON_BOUND", what=what, model=model.model, bounds=", ".join(fit.at_bounds))
            spurious = set(fit.at_bounds) & set(SPURIOUS_BOUNDS)
            (reasons if spurious else warnings).append(on_bound)
        if model.psill > 0 and model.range < fit.smallest_lag:
            short = Message("INTERP_RANGE_BELOW_LAG", what=what, model=model.model, range=model.range,
                            lag=fit.smallest_lag)
            (warnings if fit.pure_nugget else reasons).append(short)
    if model.psill > 0 and model.range >= extent * (1.0 - 1e-9):  # (range=max of the default lags is the extent)
        warnings.append(Message("INTERP_RANGE_BEYOND_EXTENT", what=what, model=model.model, range=model.range,
                                extent=extent))
    if not test.structure_found(params.structure_alpha):
        reasons.append(Message("INTERP_NO_STRUCTURE_PERMUTATION", what=what, lag=test.short_lag_m, ratio=test.ratio,
                               p=test.p_value, n_permutations=test.n_permutations, seed=test.seed))
    lp, lv, lmu = ok.leave_one_out(want_mu=True)
    mp, _, _ = mean_leave_one_out(resid)
    rmse_ok = float(np.sqrt(np.mean((lp - resid) ** 2)))
    rmse_mean = float(np.sqrt(np.mean((mp - resid) ** 2)))
    checks.update(loo_rmse_kriging=rmse_ok, loo_rmse_mean=rmse_mean)
    if not rmse_ok < rmse_mean:
        reasons.append(Message("INTERP_KRIGING_NOT_BETTER_THAN_MEAN", what=what, rmse_ok=rmse_ok,
                               rmse_mean=rmse_mean))
    checks["structure"] = "absent" if reasons else "found"
    return warnings, reasons, checks, (lp, lv, lmu)


def _run_ok(ps: PointSet, grid, mask, params: KrigingParams, threshold, workers, progress, is_canceled, what,
            idw: Optional[IDWParams] = None) -> _OkRun:
    check_kriging_points(len(ps.z), what)
    if params.fallback not in FALLBACKS:
        raise InputError(f"unknown fallback {params.fallback!r}; choose one of {', '.join(FALLBACKS)}",
                         column="fallback")
    notes = []
    y = np.log(ps.z) if params.log_transform else ps.z.copy()
    trend = _Trend(params.trend, ps.xy, y)
    resid = y - trend(ps.xy)
    if np.ptp(resid) <= 1e-12 * max(1.0, float(np.abs(resid).max())):
        return _flat_ok(ps, grid, mask, params, threshold, trend, float(resid.mean()))
    if params.variogram is not None:
        model = params.variogram
        fit = None
    else:
        fit = _fit(ps, resid, params)
        model = fit.model
        notes.extend(fit.notes)
    ok = LocalKriging(ps.xy, resid, model, k=params.k if params.k else len(resid))
    warned, reasons, checks, loo = _structure_checks(ps, resid, fit, model, ok, params, what)
    notes.extend(warned + reasons)
    if reasons and params.fallback == "mean":
        run = _mean_ok(ps, grid, mask, params, threshold, trend, resid, what)
        if progress is not None:
            progress(1.0)
    elif reasons and params.fallback == "idw":
        idw = idw or IDWParams()
        pred, cv = _run_idw(ps, grid, mask, idw, workers, progress, is_canceled)
        run = _OkRun(pred, None, None, fit, model, cv,
                     [Message("INTERP_FALLBACK_IDW", what=what, settings=idw.describe())], method_used="idw")
    else:
        if reasons:
            notes.append(Message("INTERP_FALLBACK_NONE", what=what, model=model.model))
        run = _krige(ps, grid, mask, params, threshold, trend, y, ok, loo, what, workers, progress, is_canceled)
    run.fit, run.model = fit, model
    run.notes = notes + run.notes
    run.checks = {**checks, "method_used": run.method_used, "fallback": params.fallback,
                  "reasons": ";".join(r.code for r in reasons)}
    return run


def _krige(ps, grid, mask, params, threshold, trend, y, ok, loo, what, workers, progress, is_canceled) -> _OkRun:
    """The kriged surface, its variance, exceedance and leave-one-out (the run has structure)."""
    notes = []
    steps = Steps(progress, [9, 1])
    r_pred, var, mu = ok.predict_grid(
        grid, mask=mask, want_mu=True, progress=steps.stage(0), is_canceled=is_canceled, workers=workers
    )
    check_canceled(is_canceled)
    y_pred = r_pred + trend.grid(grid) if trend.kind else r_pred
    if params.log_transform:
        # m = -mu' (PyKrige sign): C* = exp(Y* + var/2 + mu')
        pred = np.exp(y_pred.astype(np.float64) + var / 2.0 + mu).astype(np.float32)
    else:
        pred = y_pred.astype(np.float32)
        notes.extend(_negative_cells(pred, mask, what, params.truncate_negative))
    exceed = _exceedance(y_pred, var, threshold, params.log_transform, mask)
    # leave-one-out with the same variogram
    lp, lv, lmu = loo
    ly = lp + trend(ps.xy)
    if params.log_transform:
        back = np.exp(ly + lv / 2.0 + lmu)
    else:
        back = ly
    with np.errstate(divide="ignore", invalid="ignore"):
        std = (ly - y) / np.sqrt(lv)
    cv = CrossValidation(_cv_table(ps.ids, ps.xy, ps.z, back, lv, std))
    steps.stage(1)(1.0)
    log_pred = y_pred.astype(np.float32) if params.log_transform else None
    return _OkRun(pred, var.astype(np.float32), exceed, None, None, cv, notes, log_pred)


def _exceedance(y_pred, var, threshold, log_transform: bool, mask):
    if threshold is None or not np.isfinite(threshold):
        return None
    if log_transform:
        t = math.log(threshold) if threshold > 0 else -np.inf
    else:
        t = threshold
    exceed = exceedance_probability(y_pred, var, t)
    if mask is not None:
        exceed[~mask] = np.nan
    return exceed


_LN_SCALE = Template(" of ln C (the mean shown is back-transformed)", "（ln C 尺度；所示均值已回变换）")
_LINEAR_SCALE = Template("", "")


def _mean_ok(ps, grid, mask, params, threshold, trend, resid, what) -> _OkRun:
    """The declared fallback 'mean': the mean with its uncertainty (see :mod:`.structure`)."""
    from .structure import mean_leave_one_out, mean_prediction

    level, variance, lagrange = mean_prediction(resid)
    y_pred = trend.grid(grid).astype(np.float64) + level
    var = np.full(grid.shape, variance, dtype=np.float64)
    if params.log_transform:
        pred = np.exp(y_pred + variance / 2.0 - lagrange)
    else:
        pred = y_pred.copy()
    pred = pred.astype(np.float32)
    if mask is not None:
        for arr in (pred, var, y_pred):
            arr[~mask] = np.nan
    exceed = _exceedance(y_pred, var, threshold, params.log_transform, mask)
    lp, lv, lm = mean_leave_one_out(resid)
    ly = lp + trend(ps.xy)
    y = resid + trend(ps.xy)
    back = np.exp(ly + lv / 2.0 - lm) if params.log_transform else ly
    with np.errstate(divide="ignore", invalid="ignore"):
        std = (ly - y) / np.sqrt(lv)
    cv = CrossValidation(_cv_table(ps.ids, ps.xy, ps.z, back, lv, std))
    shown = math.exp(level + variance / 2.0 - lagrange) if params.log_transform and not trend.kind else level
    notes = [Message("INTERP_FALLBACK_MEAN", what=what, mean=shown, variance=variance,
                     scale=_LN_SCALE if params.log_transform else _LINEAR_SCALE)]
    log_pred = y_pred.astype(np.float32) if params.log_transform else None
    return _OkRun(pred, var.astype(np.float32), exceed, None, None, cv, notes, log_pred, method_used="mean")


_NEGATIVE_KEPT = Template(
    "kept as predicted; krige with log_transform (lognormal, never below 0) or truncate_negative (set to 0)",
    "按预测值保留；可改用对数变换克里金（log_transform，不会小于0）或截断（truncate_negative，置为0）",
)
_NEGATIVE_TRUNCATED = Template("truncated to 0 (truncate_negative)", "已截断为0（truncate_negative）")


def _negative_cells(pred: np.ndarray, mask, what: str, truncate: bool) -> list:
    """A note when a concentration surface goes below zero: the share of negative cells
    (of the cells inside the mask, %) and the lowest value; truncated to 0 in place if asked."""
    inside = np.isfinite(pred) if mask is None else (mask & np.isfinite(pred))
    n_inside = int(inside.sum())
    negative = inside & (pred < 0)
    n_neg = int(negative.sum())
    if n_neg == 0 or n_inside == 0:
        return []
    lowest = float(pred[negative].min())
    if truncate:
        pred[negative] = 0.0
    return [
        Message(
            "INTERP_NEGATIVE_PREDICTION",
            what=what,
            share=n_neg / n_inside,
            n=n_neg,
            lowest=lowest,
            action=_NEGATIVE_TRUNCATED if truncate else _NEGATIVE_KEPT,
        )
    ]


def _flat_ok(ps, grid, mask, params, threshold, trend, level):
    """All residuals equal: the surface is the trend plus that level, variance 0."""
    notes = ["all values are equal after transform and trend removal: a flat surface, kriging variance 0"]
    y_pred = trend.grid(grid).astype(np.float64) + level
    pred = (np.exp(y_pred) if params.log_transform else y_pred).astype(np.float32)
    var = np.zeros(grid.shape, dtype=np.float32)
    if mask is not None:
        pred[~mask] = np.nan
        var[~mask] = np.nan
    exceed = None
    if threshold is not None and np.isfinite(threshold):
        exceed = (pred > threshold).astype(np.float32)
        if mask is not None:
            exceed[~mask] = np.nan
    cv = CrossValidation(
        _cv_table(ps.ids, ps.xy, ps.z, ps.z.copy(), np.zeros(len(ps.z)), np.full(len(ps.z), np.nan))
    )
    log_pred = y_pred.astype(np.float32) if params.log_transform else None
    if log_pred is not None and mask is not None:
        log_pred[~mask] = np.nan
    return _OkRun(pred, var, exceed, None, None, cv, notes, log_pred, method_used="flat")


def _thresholds(thresholds) -> dict:
    if thresholds is None:
        return {}
    if isinstance(thresholds, pd.DataFrame):
        cols = {c.lower(): c for c in thresholds.columns}
        if "indicator" not in cols or "baseline" not in cols:
            raise InputError(
                "a baseline table needs the columns 'indicator' and 'baseline'", layer="baseline"
            )
        out = {}
        for _, row in thresholds.iterrows():
            out[str(row[cols["indicator"]])] = float(row[cols["baseline"]])
        return out
    return {str(k): float(v) for k, v in dict(thresholds).items()}


@dataclass
class Target:
    """Where :func:`interpolate` predicts: a grid, or one made from a cell size.

    Attributes
    ----------
    grid : GridSpec, optional
        The target grid; else made from ``case_area`` (or the points' extent, padded by
        half a cell) and ``cell_size``.
    cell_size : float, optional
        Cell size, m, when no grid is given.
    case_area : shapely geometry, GeoSeries or GeoDataFrame, optional
        Cells whose centre lies outside are nodata (and not computed).

    Examples
    --------
    >>> Target(cell_size=2.0).cell_size
    2.0
    """

    grid: Optional[GridSpec] = None
    cell_size: Optional[float] = None
    case_area: Any = None


@dataclass
class SampleTable:
    """How :func:`interpolate` reads the sample table.

    Attributes
    ----------
    id_field : str, optional
        Sample id column, used in messages and the cross-validation table.
    layer_field : str, optional
        Column of the depth layer: each layer is interpolated separately.
    x_field, y_field : str, optional
        Coordinate columns (m) of a plain DataFrame.
    crs : str, optional
        CRS of the points (taken from the GeoDataFrame or the grid otherwise).
    censored_rule : str
        Substitution of values flagged "<" (default DL/2); recorded.
    units : mapping
        Unit per field, for raster metadata (e.g. ``{"Cd": "mg/kg"}``).
    """

    id_field: Optional[str] = None
    layer_field: Optional[str] = None
    x_field: Optional[str] = None
    y_field: Optional[str] = None
    crs: Optional[str] = None
    censored_rule: str = DEFAULT_RULE
    units: Mapping = field(default_factory=dict)


def _check_methods(methods: Sequence[str], fields: Sequence[str]) -> list:
    methods = [m.lower() for m in methods]
    for m in methods:
        if m not in METHODS:
            raise InputError(f"unknown interpolation method {m!r}; choose idw or ok", column="methods")
    if not methods:
        raise InputError("choose at least one interpolation method (idw or ok)")
    if not fields:
        raise InputError("choose at least one field to interpolate")
    return methods


def _target_grid(points, target: Target, samples: SampleTable, crs: Optional[str]) -> GridSpec:
    """The grid to predict on, in ``crs``."""
    grid = target.grid
    if grid is not None:
        return GridSpec(grid.transform, grid.width, grid.height, crs) if grid.crs is None and crs is not None else grid
    cell_size = target.cell_size
    if cell_size is None:
        raise InputError("give a grid or a cell size (m)", column="cell_size")
    if target.case_area is not None:
        return GridSpec.from_geometry(target.case_area, cell_size, crs)
    xy = _coordinates(points, samples.x_field, samples.y_field, "samples")
    xy = xy[np.isfinite(xy).all(1)]
    if len(xy) == 0:
        raise InputError("the sample layer has no valid points", layer="samples")
    lo, hi = xy.min(0), xy.max(0)
    pad = cell_size / 2.0
    return GridSpec.from_bounds((lo[0] - pad, lo[1] - pad, hi[0] + pad, hi[1] + pad), cell_size, crs)


def _depth_layers(points, layer_field: Optional[str]) -> list:
    """The depth layers to interpolate apart ([None]: all samples together)."""
    if layer_field is None:
        return [None]
    if layer_field not in points.columns:
        raise InputError(f"depth layer field {layer_field!r} not found", layer="samples", column=layer_field)
    return sorted(points[layer_field].dropna().unique().tolist(), key=str)


def _surface(method: str, ps: PointSet, job: dict, grid, mask, idw: IDWParams, kriging: KrigingParams,
             workers, progress, is_canceled):
    """One surface by one method; the kriging notes (empty for IDW) and the variogram model name."""
    fld, what, threshold = job["field"], job["what"], job["threshold"]
    common = {
        "field": fld,
        "layer": job["layer"],
        "method": method,
        "censored_rule": job["censored_rule"],
        "n_censored": ps.n_censored,
        "n_input": ps.n_input,
        "n_points": len(ps.z),
    }
    if method == "idw":
        with kernels.recording() as ran:  # which path ran decides the last bits
            pred, cv = _run_idw(ps, grid, mask, idw, workers, progress, is_canceled)
        params = {**common, **asdict(idw), "neighbourhood": idw.describe(), "compiled_kernels": sorted(ran)}
        surf = Surface(fld, job["layer"], method, job["unit"], pred, None, None, threshold, None, cv,
                       len(ps.z), params, list(ps.warnings), method_used="idw")
        return surf, [], ""
    with kernels.recording() as ran:
        run = _run_ok(ps, grid, mask, kriging, threshold, workers, progress, is_canceled, what, idw)
    model = run.model
    kp = asdict(kriging)
    kp["variogram"] = model.as_dict() if model is not None else None
    params = {
        **common,
        **kp,
        "back_transform": LOGNORMAL_BACKTRANSFORM if kriging.log_transform else None,
        "exceedance_assumption": EXCEEDANCE_ASSUMPTION if run.exceed is not None else None,
        "threshold": threshold,
        "variance_scale": "ln" if kriging.log_transform else "linear",
        "compiled_kernels": sorted(ran),
        "method_used": run.method_used,
        "structure_checks": run.checks,
    }
    if run.method_used == "mean":
        params["mean_predictor"] = MEAN_PREDICTOR
    if run.method_used == "idw":
        params["idw_fallback"] = {**asdict(idw or IDWParams()), "neighbourhood": (idw or IDWParams()).describe()}
    surf = Surface(fld, job["layer"], method, job["unit"], run.pred, run.var, run.exceed, threshold, run.fit,
                   run.cv, len(ps.z), params, list(ps.warnings) + run.notes, run.log_pred, run.method_used,
                   run.checks)
    if run.fit is not None:
        vmodel = run.fit.chosen
    else:
        vmodel = model.model if model is not None else "flat"
    return surf, run.notes, vmodel


COLLINEAR_TOLERANCE = 1e-6
"""Samples whose spread across their best-fitting line is below this fraction of their
spread along it (or below 1 mm) are taken as lying on one line."""


def spatial_information_notes(ps: PointSet, what: str) -> list:
    """Warnings for samples that give a surface no spatial information.

    A constant value gives a flat surface whatever the method: it says nothing about
    where the contamination is. Samples on one line (a transect, a ditch) give a surface
    that is only known along that line and extrapolated everywhere off it.

    Parameters
    ----------
    ps : PointSet
        The prepared samples (coordinates in m).
    what : str
        The field (and depth layer) for the messages.

    Returns
    -------
    list of Message
        ``INTERP_CONSTANT_VALUE`` and/or ``INTERP_SAMPLES_ON_A_LINE`` (none for usable samples).

    Examples
    --------
    >>> ps = PointSet(np.array([[0.0, 0.0], [10.0, 10.0], [20.0, 20.0]]), np.array([1.0, 1.0, 1.0]),
    ...               ["a", "b", "c"], [], 0, 3)
    >>> [m.code for m in spatial_information_notes(ps, "Cd")]
    ['INTERP_CONSTANT_VALUE', 'INTERP_SAMPLES_ON_A_LINE']
    """
    notes = []
    z = np.asarray(ps.z, dtype=float)
    if len(z) and float(np.ptp(z)) <= 1e-12 * max(1.0, float(np.abs(z).max())):
        notes.append(Message("INTERP_CONSTANT_VALUE", what=what, n=len(z), value=float(z[0])))
    xy = np.asarray(ps.xy, dtype=float)
    if len(xy) >= 2:
        centred = xy - xy.mean(axis=0)
        _, singular, axes = np.linalg.svd(centred, full_matrices=False)
        # spread (root mean square distance) along and across the best-fitting line, m
        along_m, across_m = singular[0] / np.sqrt(len(xy)), singular[-1] / np.sqrt(len(xy))
        if along_m > 0 and (across_m <= COLLINEAR_TOLERANCE * along_m or across_m < 1e-3):
            length = float(np.ptp(centred @ axes[0]))
            notes.append(Message("INTERP_SAMPLES_ON_A_LINE", what=what, n=len(xy), length=length))
    return notes


def _method_columns(surf: Surface, idw: IDWParams, kriging: KrigingParams) -> dict:
    """The method table's statement of what made a surface, with which settings and checks."""
    checks = surf.checks
    if surf.method == "idw":
        settings = idw.describe()
    else:
        where = f"{kriging.k} nearest points" if kriging.k else "all points"
        settings = (
            f"ordinary kriging, {where}; variogram {kriging.model}, preset {kriging.preset!r} "
            f"({kriging.n_lags} lags, weights {kriging.weights}, min {kriging.min_pairs} pairs); "
            f"fallback {kriging.fallback}"
        )
        if surf.method_used == "mean":
            settings += f"; used: {MEAN_PREDICTOR}"
        elif surf.method_used == "idw":
            settings += f"; used: IDW, {idw.describe()}"
    return {
        "method_used": surf.method_used or surf.method,
        "settings": settings,
        "structure": checks.get("structure", ""),
        "structure_p_value": checks.get("p_value", float("nan")),
        "loo_rmse_kriging_scale": checks.get("loo_rmse_kriging", float("nan")),
        "loo_rmse_mean_kriging_scale": checks.get("loo_rmse_mean", float("nan")),
        "fallback_reasons": checks.get("reasons", ""),
        "back_transform": surf.parameters.get("back_transform") or "",
        "warnings": surf.warning_codes,
    }


def _comparison(rows: list) -> pd.DataFrame:
    """The cross-validation summary per field, layer and method, with the best (lowest RMSE) marked."""
    comparison = pd.DataFrame(rows)
    if len(comparison):
        key = comparison["layer"].astype(str)
        best = comparison.groupby([comparison["field"], key])["rmse"].transform("min")
        comparison["best"] = comparison["rmse"] == best
    return comparison


def interpolate(
    points,
    fields: Sequence[str],
    target: Target,
    *,
    methods: Sequence[str] = ("ok",),
    idw: Optional[IDWParams] = None,
    kriging: Optional[KrigingParams] = None,
    samples: Optional[SampleTable] = None,
    thresholds=None,
    workers: Optional[int] = None,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> InterpolationResult:
    """Interpolate several indicators (and depth layers) by IDW and/or ordinary kriging.

    The steps: settle the grid and the mask, then per field and depth layer prepare the
    points (censored values substituted, duplicates merged) and run each method with its
    cross-validation; last, rank the methods.

    Parameters
    ----------
    points : geopandas.GeoDataFrame or pandas.DataFrame
        Sample points with the indicator fields, in a projected CRS (m), e.g. the table
        of :func:`ree_damage.core.lab.importer.import_lab_results`.
    fields : sequence of str
        Indicator fields to interpolate.
    target : Target
        The grid, or the cell size (m) and case area to make one.
    methods : sequence of {"idw", "ok"}
        Methods to run; with several, ``comparison`` ranks them by cross-validated RMSE.
    idw, kriging : IDWParams, KrigingParams, optional
        Method parameters (defaults documented on the classes).
    samples : SampleTable, optional
        Id, depth layer and coordinate columns, CRS, censored rule and units of the
        sample table (defaults documented on the class).
    thresholds : mapping or DataFrame, optional
        Baseline per indicator (``{field: value}`` or the baseline table with columns
        ``indicator`` and ``baseline``) for the kriging exceedance probability.
    workers : int, optional
        Threads for the grid computations.
    progress, is_canceled : callable, optional
        Progress over the whole run (each field and layer a stage) and cancel check.

    Returns
    -------
    InterpolationResult
    """
    methods = _check_methods(methods, fields)
    idw = idw or IDWParams()
    kriging = kriging or KrigingParams()
    samples = samples or SampleTable()
    check_rule(samples.censored_rule)
    crs = samples.crs or (target.grid.crs if target.grid is not None else None) or _crs_of(points)
    _check_projected(crs)
    grid = _target_grid(points, target, samples, crs)
    crs_note = _crs_note(grid.crs)
    mask = polygon_mask(grid, target.case_area) if target.case_area is not None else None
    if mask is not None and not mask.any():
        raise InputError("no cell centre of the grid lies inside the case area", layer="case area")
    thr = _thresholds(thresholds)
    units = dict(samples.units or {})
    layer_field = samples.layer_field
    jobs = [(f, lay) for f in fields for lay in _depth_layers(points, layer_field)]
    steps = Steps(progress, [len(methods)] * len(jobs))
    surfaces, rows, warnings = [], [], ([crs_note] if crs_note else [])
    for j, (fld, lay) in enumerate(jobs):
        check_canceled(is_canceled)
        sub = points if lay is None else points[points[layer_field] == lay]
        what = fld if lay is None else f"{fld}, layer {lay}"
        ps = prepare_points(
            sub,
            fld,
            id_field=samples.id_field,
            censored_rule=samples.censored_rule,
            log_transform=kriging.log_transform and "ok" in methods,
            x_field=samples.x_field,
            y_field=samples.y_field,
        )
        if len(ps.z) == 0:
            raise InputError(f"no sample has a value of {what}", layer="samples", column=fld)
        warnings.extend(ps.warnings)
        degenerate = spatial_information_notes(ps, what)
        warnings.extend(degenerate)
        stage = Steps(steps.stage(j), [1] * len(methods))
        job = {"field": fld, "layer": lay, "what": what, "threshold": thr.get(fld), "unit": units.get(fld, ""),
               "censored_rule": samples.censored_rule}
        for mi, method in enumerate(methods):
            surf, notes, vmodel = _surface(method, ps, job, grid, mask, idw, kriging, workers, stage.stage(mi),
                                           is_canceled)
            # coded messages name the field themselves and keep their code for the log's language
            warnings.extend(n if isinstance(n, Message) else f"{what}: {n}" for n in notes)
            surfaces.append(surf)
            rows.append({"field": fld, "layer": lay, "method": method, **surf.cross_validation.summary(),
                         "variogram": vmodel, "note": "; ".join(str(n) for n in degenerate),
                         **_method_columns(surf, idw, kriging)})
    parameters = {
        "fields": list(fields),
        "methods": methods,
        "idw": asdict(idw),
        "kriging": {k: v for k, v in asdict(kriging).items() if k != "variogram"},
        "given_variogram": kriging.variogram.as_dict() if kriging.variogram else None,
        "censored_rule": samples.censored_rule,
        "layer_field": layer_field,
        "grid": {
            "transform": list(grid.transform)[:6],
            "width": grid.width,
            "height": grid.height,
            "crs": grid.crs,
        },
        "case_area_mask": mask is not None,
        "thresholds": thr,
        "exceedance_assumption": EXCEEDANCE_ASSUMPTION,
        "lognormal_back_transform": LOGNORMAL_BACKTRANSFORM,
        "duplicate_tolerance_m": DUPLICATE_TOLERANCE,
    }
    return InterpolationResult(grid, mask, surfaces, _comparison(rows), warnings, parameters)


def _crs_of(points) -> Optional[str]:
    crs = getattr(points, "crs", None)
    if crs is None:
        return None
    epsg = crs.to_epsg() if hasattr(crs, "to_epsg") else None
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


def _crs_note(crs) -> Optional[str]:
    """A warning when the grid is not in a CGCS2000 Gauss-Kruger zone (DESIGN.md, "CRS")."""
    from ..geo.crs import zone_from_epsg

    if crs is None:
        return "the grid has no CRS: the rasters will carry none (give points in the case's CGCS2000 zone)"
    from pyproj import CRS

    epsg = CRS.from_user_input(crs).to_epsg()
    try:
        zone_from_epsg(epsg if epsg else -1)
    except InputError:
        return f"{crs} is not a CGCS2000 Gauss-Kruger zone; reproject the samples with ree_damage.core.geo.crs.to_zone"
    return None


def _check_projected(crs) -> None:
    if crs is None:
        return
    from pyproj import CRS

    c = CRS.from_user_input(crs)
    if c.is_geographic:
        raise InputError(
            f"the points are in a geographic CRS ({crs}); distances need metres: reproject to the "
            f"CGCS2000 Gauss-Kruger zone of the case first (ree_damage.core.geo.crs.to_zone)",
            layer="samples",
        )


# --------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------
def _write_result(result: InterpolationResult, out_dir: Path, prefix: str, inputs: Mapping, host) -> dict:
    from ..common.atomic import atomic_outputs
    from ..common.provenance import make_record, write_sidecar
    from ..geo.raster_io import RasterOutput, write_geotiffs
    from .variogram import plot_variogram

    out_dir.mkdir(parents=True, exist_ok=True)
    rasters, paths = [], {}
    base_params = result.parameters
    for s in result.surfaces:
        stem = f"{prefix}{s.name}"
        unit = s.unit
        label = s.field if s.layer is None else f"{s.field} (layer {s.layer})"
        record = make_record(
            "ree_damage:interpolate",
            inputs=inputs,
            parameters={
                **base_params,
                "surface": s.parameters,
                "cross_validation": s.cross_validation.summary(),
            },
            crs=result.grid.crs,
            notes=s.warnings,
            host=host,
        )
        tags = {"REE_FIELD": s.field, "REE_METHOD": s.method, "REE_LAYER": "" if s.layer is None else s.layer}
        p = out_dir / f"{stem}_prediction.tif"
        rasters.append(RasterOutput(p, s.prediction, f"{label} {s.method} prediction", unit, tags, record))
        paths[f"{stem}_prediction"] = p
        if s.log_prediction is not None:
            p = out_dir / f"{stem}_ln_prediction.tif"
            desc = f"ln({s.field}) kriged, Y* (back-transform: {LOGNORMAL_BACKTRANSFORM})"
            rasters.append(RasterOutput(p, s.log_prediction, desc, f"ln({unit})" if unit else "ln", tags, record))
            paths[f"{stem}_ln_prediction"] = p
        if s.variance is not None:
            p = out_dir / f"{stem}_variance.tif"
            what = (
                f"kriging variance of ln({s.field})"
                if s.parameters.get("log_transform")
                else f"{label} kriging variance"
            )
            vunit = "" if s.parameters.get("log_transform") else (f"({unit})^2" if unit else "")
            rasters.append(RasterOutput(p, s.variance, what, vunit, tags, record))
            paths[f"{stem}_variance"] = p
        if s.exceedance is not None:
            p = out_dir / f"{stem}_exceedance.tif"
            desc = f"P({s.field} > {s.threshold:g}) [{EXCEEDANCE_ASSUMPTION}]"
            rasters.append(RasterOutput(p, s.exceedance, desc, "probability", tags, record))
            paths[f"{stem}_exceedance"] = p
    tables = {
        f"{prefix}cross_validation.csv": result.cross_validation_table(),
        f"{prefix}method_comparison.csv": result.comparison,
        f"{prefix}variograms.csv": result.variogram_table(),
    }
    plots = [
        (out_dir / f"{prefix}{s.name}_variogram.png", s) for s in result.surfaces if s.variogram is not None
    ]
    table_record = result.provenance(inputs=inputs, host=host)
    finals = [out_dir / name for name in tables] + [p for p, _ in plots]
    with atomic_outputs(finals) as temps:
        for table, tmp in zip(tables.values(), temps):
            table.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
        for (_, s), tmp in zip(plots, temps[len(tables) :]):
            title = f"{s.field}" + (f", layer {s.layer}" if s.layer is not None else "")
            if s.parameters.get("log_transform"):
                title += " (ln)"
            plot_variogram(
                s.variogram, tmp, title=title, unit="" if s.parameters.get("log_transform") else s.unit
            )
        # rasters last, in the same transaction: a failure removes the tables too
        written = write_geotiffs(rasters, result.grid, mask=result.mask)
    for name, final in zip(tables, finals[: len(tables)]):
        write_sidecar(final, table_record)
        paths[Path(name).stem] = final
    for final, _ in plots:
        write_sidecar(final, table_record)
        paths[final.stem] = final
    del written
    return paths
