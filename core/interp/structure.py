"""Is there spatial structure to krige? A permutation test and the mean predictor.

Kriging with a fitted variogram always produces a map, even from values placed at
random: the fit finds a short range or stops on a bound, and the kriged surface shows
bull's-eyes around the samples. Two checks say whether the data support a map:

* :func:`permutation_test`: the mean semivariance of the pairs at short lags, as a
  fraction of the sample variance (about 1 without structure, below 1 with it), against
  the same statistic after the values are shuffled among the locations (a fixed seed, so
  the p-value repeats). The short lags are the pairs closer than a quarter of the largest
  lag of the variogram, widened if needed to hold at least ``min_pairs`` pairs.
* :func:`mean_leave_one_out`: the leave-one-out prediction by the mean of the other
  samples, the rule kriging must beat to be worth its variogram.

The mean with its uncertainty (:func:`mean_prediction`) is also what ordinary kriging
gives with a pure-nugget variogram (gamma = c for h > 0) and every point in the
neighbourhood: weights 1/n, variance ``c (1 + 1/n)``, Lagrange multiplier ``m = c / n``
(of ``Gamma lambda + m 1 = gamma``), with c estimated by the sample variance.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> xy = rng.uniform(0, 100, (60, 2))
>>> noise = permutation_test(xy, rng.normal(size=60), max_lag=70.0)
>>> trend = permutation_test(xy, xy[:, 0] / 10 + rng.normal(0, 0.3, 60), max_lag=70.0)
>>> bool(noise.p_value > 0.05), bool(trend.p_value < 0.01), bool(trend.ratio < 0.5)
(True, True, True)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..common.errors import InputError

ALPHA = 0.05
"""Significance level of the permutation test: above it, no structure is taken as shown."""

N_PERMUTATIONS = 499
"""Shuffles of the permutation test (the smallest p-value is 1/500 = 0.002)."""

SHORT_LAG_FRACTION = 0.25
"""Short lags: pairs closer than this fraction of the variogram's largest lag."""

MIN_SHORT_PAIRS = 30
"""The short lags are widened until they hold at least this many pairs."""


@dataclass(frozen=True)
class StructureTest:
    """Result of :func:`permutation_test`.

    Attributes
    ----------
    ratio : float
        Mean semivariance of the short-lag pairs / sample variance (ddof 1); about 1
        without spatial structure.
    p_value : float
        ``(1 + #{shuffled ratio <= observed}) / (1 + n_permutations)``; nan if no pair is
        short enough.
    short_lag_m : float
        Pairs up to this distance (m) are the short lags.
    n_pairs : int
        Pairs at short lags.
    n_permutations, seed : int
        The shuffles and their seed.
    n_points : int
        Points used (a seeded subset above ``max_points``).
    """

    ratio: float
    p_value: float
    short_lag_m: float
    n_pairs: int
    n_permutations: int
    seed: int
    n_points: int

    def structure_found(self, alpha: float = ALPHA) -> bool:
        """The shuffled values rarely give short-lag semivariances as low as the data's."""
        return bool(np.isfinite(self.p_value) and self.p_value <= alpha)

    def as_dict(self) -> dict:
        return asdict(self)


def permutation_test(
    xy,
    z,
    *,
    max_lag: float,
    min_pairs: int = MIN_SHORT_PAIRS,
    n_permutations: int = N_PERMUTATIONS,
    seed: int = 0,
    max_points: int = 2000,
) -> StructureTest:
    """Permutation test of spatial structure on the short lags of the variogram.

    Parameters
    ----------
    xy : array_like, shape (n, 2)
        Coordinates (m), in the plane of the variogram (anisotropy applied).
    z : array_like, shape (n,)
        Values (transformed and detrended as the kriging uses them).
    max_lag : float
        Largest lag of the experimental variogram (m); the short lags end at a quarter
        of it (:data:`SHORT_LAG_FRACTION`).
    min_pairs : int
        The short lags are widened to hold at least ``max(min_pairs, 30)`` pairs.
    n_permutations : int
        Shuffles of the values among the locations.
    seed : int
        Seed of the shuffles (and of the subset above ``max_points``).
    max_points : int
        Above this many points a seeded random subset is used (as the variogram does).

    Returns
    -------
    StructureTest
    """
    from scipy.spatial.distance import pdist

    xy = np.asarray(xy, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    n = len(z)
    if n < 3:
        raise InputError("a test of spatial structure needs at least three points")
    rng = np.random.default_rng(seed)
    if n > max_points:
        pick = np.sort(rng.choice(n, size=max_points, replace=False))
        xy, z, n = xy[pick], z[pick], max_points
    variance = float(np.var(z, ddof=1))
    d = pdist(xy)
    wanted = min(max(int(min_pairs), MIN_SHORT_PAIRS), len(d))
    short = SHORT_LAG_FRACTION * float(max_lag)
    nth = float(np.partition(d, wanted - 1)[wanted - 1])
    short = max(short, nth)
    keep = (d > 0) & (d <= short)
    if variance <= 0 or not keep.any():
        return StructureTest(float("nan"), float("nan"), short, int(keep.sum()), 0, seed, n)
    i, j = np.triu_indices(n, 1)
    i, j = i[keep], j[keep]
    centred = z - z.mean()  # differences are unchanged; the sums below lose no digits to the mean
    observed = 0.5 * float(np.mean((centred[i] - centred[j]) ** 2)) / variance
    # sum over the short pairs of (z_i - z_j)^2 = sum_i deg_i z_i^2 - z^T W z (W the symmetric
    # 0/1 matrix of the pairs): one sparse product for all the shuffles at once
    from scipy import sparse

    upper = sparse.coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n)).tocsr()
    pairs = (upper + upper.T).tocsr()
    degree = np.asarray(pairs.sum(axis=1)).ravel()
    shuffled = rng.permuted(np.broadcast_to(centred, (int(n_permutations), n)), axis=1).T.copy()  # (n, P)
    squares = degree @ (shuffled * shuffled) - (shuffled * (pairs @ shuffled)).sum(axis=0)
    ratios = 0.5 * squares / len(i) / variance
    at_most = int((ratios <= observed + 1e-9 * abs(observed)).sum())
    p_value = (1 + at_most) / (1 + n_permutations)
    return StructureTest(observed, float(p_value), short, len(i), int(n_permutations), seed, n)


def mean_prediction(z) -> tuple[float, float, float]:
    """The mean predictor of a new value and its uncertainty.

    Returns
    -------
    (mean, variance, lagrange)
        ``mean`` of z, prediction variance ``s^2 (1 + 1/n)`` (s^2 the sample variance,
        ddof 1; units of z squared) and the Lagrange multiplier ``m = s^2 / n`` of
        ordinary kriging with a pure-nugget variogram of sill s^2 (for the lognormal
        back-transform ``exp(Y* + sigma^2/2 - m)``).

    Examples
    --------
    >>> mean_prediction([1.0, 2.0, 3.0])
    (2.0, 1.3333333333333333, 0.3333333333333333)
    """
    z = np.asarray(z, dtype=np.float64)
    n = len(z)
    if n < 2:
        raise InputError("the mean predictor's uncertainty needs at least two points")
    s2 = float(np.var(z, ddof=1))
    return float(z.mean()), s2 * (1.0 + 1.0 / n), s2 / n


def mean_leave_one_out(z) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each value predicted by the mean of the others, with :func:`mean_prediction`'s variance.

    Returns
    -------
    pred, variance, lagrange : numpy.ndarray, shape (n,)
        Needs at least three points (two others for a variance). For [1, 2, 3, 6] the
        first point: the others [2, 3, 6] have mean 11/3 and s^2 = 13/3, so variance
        13/3 * 4/3 = 5.7778 and m = 13/9 = 1.4444.

    Examples
    --------
    >>> p, v, m = mean_leave_one_out([1.0, 2.0, 3.0, 6.0])
    >>> p.tolist(), round(float(v[0]), 6), round(float(m[0]), 6)
    ([3.6666666666666665, 3.3333333333333335, 3.0, 2.0], 5.777778, 1.444444)
    """
    z = np.asarray(z, dtype=np.float64)
    n = len(z)
    if n < 3:
        raise InputError("leave-one-out by the mean needs at least three points")
    total, total2 = z.sum(), (z * z).sum()
    mean = (total - z) / (n - 1)
    s2 = ((total2 - z * z) - (n - 1) * mean * mean) / (n - 2)
    s2 = np.maximum(s2, 0.0)
    return mean, s2 * (1.0 + 1.0 / (n - 1)), s2 / (n - 1)
