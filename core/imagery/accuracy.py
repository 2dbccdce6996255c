"""Accuracy of a two-class map against labelled check points: the figures a court asks for.

Confusion matrix with the map's classes in rows and the reference (the technician's
labels) in columns, as SCP and Congalton & Green (2019) lay it out; overall accuracy,
Cohen's kappa, producer's accuracy (per reference class: 1 - omission error) and user's
accuracy (per mapped class: 1 - commission error).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..common.errors import InputError
from ..common.messages import Message

CLASSES = ("damaged", "intact")
"""Class names, in the order of the matrix's rows and columns."""

_LABEL_WORDS = {
    "damaged": ("damaged", "bare", "1", "true", "yes", "破坏", "损毁", "裸地"),
    "intact": ("intact", "vegetated", "vegetation", "0", "false", "no", "未破坏", "完好", "植被"),
}


def parse_labels(values, *, layer: str = "check points", column: str = "label") -> np.ndarray:
    """Labels as booleans (True = damaged); an error naming the first row it cannot read.

    Accepts ``damaged``/``intact`` (also ``bare``/``vegetated``, 1/0, true/false, yes/no,
    and 破坏/未破坏), in any case.

    Examples
    --------
    >>> parse_labels(["damaged", "Intact", 1, "0"]).tolist()
    [True, False, True, False]
    """
    out = np.empty(len(values), dtype=bool)
    for i, value in enumerate(values):
        word = str(value).strip().lower()
        if isinstance(value, (bool, np.bool_)):
            word = "true" if value else "false"
        elif isinstance(value, (int, float, np.integer, np.floating)) and float(value) in (0.0, 1.0):
            word = str(int(value))
        if word in _LABEL_WORDS["damaged"]:
            out[i] = True
        elif word in _LABEL_WORDS["intact"]:
            out[i] = False
        else:
            raise InputError(Message("VEG_BAD_LABEL", value=value), layer=layer, row=i + 1, column=column)
    return out


@dataclass
class Accuracy:
    """Accuracy of the damaged/intact map at the check points.

    Attributes
    ----------
    matrix : numpy.ndarray of int, shape (2, 2)
        Rows: mapped damaged, intact; columns: reference damaged, intact.
    overall : float
        Share of points mapped as labelled (0-1).
    kappa : float
        Cohen's kappa.
    producers : dict
        Class -> producer's accuracy (0-1; NaN with no reference point of the class).
    users : dict
        Class -> user's accuracy (0-1; NaN with no mapped point of the class).
    n : int
        Check points used.
    """

    matrix: np.ndarray
    overall: float
    kappa: float
    producers: dict
    users: dict
    n: int

    def table(self) -> pd.DataFrame:
        """The confusion matrix with totals and user's accuracy per row, then producer's
        accuracy, overall accuracy and kappa: the table that goes into the report."""
        rows = []
        for i, name in enumerate(CLASSES):
            rows.append({"mapped": name, "reference_damaged": int(self.matrix[i, 0]),
                         "reference_intact": int(self.matrix[i, 1]), "total": int(self.matrix[i].sum()),
                         "users_accuracy": self.users[name]})
        totals = self.matrix.sum(axis=0)
        rows.append({"mapped": "total", "reference_damaged": int(totals[0]), "reference_intact": int(totals[1]),
                     "total": int(self.n), "users_accuracy": np.nan})
        rows.append({"mapped": "producers_accuracy", "reference_damaged": self.producers["damaged"],
                     "reference_intact": self.producers["intact"], "total": np.nan, "users_accuracy": np.nan})
        rows.append({"mapped": "overall_accuracy", "reference_damaged": self.overall, "reference_intact": np.nan,
                     "total": np.nan, "users_accuracy": np.nan})
        rows.append({"mapped": "kappa", "reference_damaged": self.kappa, "reference_intact": np.nan,
                     "total": np.nan, "users_accuracy": np.nan})
        return pd.DataFrame(rows)


def accuracy(mapped, reference) -> Accuracy:
    """Confusion matrix, overall accuracy, kappa, producer's and user's accuracy.

    Parameters
    ----------
    mapped, reference : array of bool
        True = damaged, per check point: the map's class and the label.

    Examples
    --------
    8 points: 3 damaged mapped damaged, 1 damaged mapped intact, 1 intact mapped damaged,
    3 intact mapped intact. p_o = 6/8; p_e = (4*4 + 4*4)/64 = 0.5; kappa = 0.25/0.5.

    >>> a = accuracy([1, 1, 1, 0, 1, 0, 0, 0], [1, 1, 1, 1, 0, 0, 0, 0])
    >>> a.matrix.tolist(), a.overall, a.kappa, a.producers["damaged"], a.users["intact"]
    ([[3, 1], [1, 3]], 0.75, 0.5, 0.75, 0.75)
    """
    mapped = np.asarray(mapped, dtype=bool)
    reference = np.asarray(reference, dtype=bool)
    n = mapped.size
    if n == 0:
        raise InputError(Message("VEG_NO_CHECK_POINTS"))
    matrix = np.array(
        [[np.sum(mapped & reference), np.sum(mapped & ~reference)],
         [np.sum(~mapped & reference), np.sum(~mapped & ~reference)]],
        dtype=np.int64,
    )
    observed = np.trace(matrix) / n
    expected = float(matrix.sum(axis=1) @ matrix.sum(axis=0)) / n**2
    kappa = (observed - expected) / (1 - expected) if expected < 1 else (1.0 if observed == 1 else 0.0)
    producers, users = {}, {}
    for i, name in enumerate(CLASSES):
        column, row = matrix[:, i].sum(), matrix[i, :].sum()
        producers[name] = float(matrix[i, i] / column) if column else float("nan")
        users[name] = float(matrix[i, i] / row) if row else float("nan")
    return Accuracy(matrix, float(observed), float(kappa), producers, users, int(n))


def check_points_from_truth(truth, area, *, per_class: int = 200, seed: int = 0, inset_m: float = 0.0):
    """Random check points labelled from a truth polygon layer (for a synthetic or mapped truth).

    Parameters
    ----------
    truth : geopandas.GeoDataFrame
        Polygons of the damaged (bare) ground.
    area : geopandas.GeoDataFrame
        The case area; points fall inside it.
    per_class : int
        Points drawn inside the truth (``damaged``) and as many outside it (``intact``).
    seed : int
        Random seed: the same seed gives the same points.
    inset_m : float
        Keep points this far (m, in the layers' projected CRS) from the truth's edge,
        where a label drawn on a ragged edge is uncertain.

    Returns
    -------
    geopandas.GeoDataFrame
        ``point_id``, ``label`` (``damaged``/``intact``), in ``area``'s CRS.
    """
    import geopandas as gpd
    import shapely

    crs = area.crs
    truth = truth.to_crs(crs) if truth.crs != crs else truth
    region = shapely.union_all(area.geometry.to_numpy())
    bare = shapely.union_all(truth.geometry.to_numpy())
    inside = shapely.intersection(region, shapely.buffer(bare, -inset_m) if inset_m else bare)
    outside = shapely.difference(region, shapely.buffer(bare, inset_m) if inset_m else bare)
    rng = np.random.default_rng(seed)
    points, labels = [], []
    for label, polygon in (("damaged", inside), ("intact", outside)):
        if polygon.is_empty:
            continue
        xmin, ymin, xmax, ymax = polygon.bounds
        chosen = []
        while len(chosen) < per_class:
            xy = rng.uniform((xmin, ymin), (xmax, ymax), size=(4 * per_class, 2))
            candidates = shapely.points(xy)
            chosen.extend(candidates[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])])
        points.extend(chosen[:per_class])
        labels.extend([label] * per_class)
    return gpd.GeoDataFrame(
        {"point_id": [f"CHK-{i + 1:04d}" for i in range(len(points))], "label": labels},
        geometry=points, crs=crs,
    )
