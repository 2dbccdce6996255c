"""Adaptive second round: sampling points proposed where the first round leaves the answer uncertain.

Rule (issue 11; VSP and SADA offer the same idea): a cell is *uncertain* where the kriging
probability of exceeding the baseline lies between ``p_low`` and ``p_high`` (**[default]**
20 % and 80 %, editable) and no sample of the first round lies within ``spacing_m`` (the
sampling grid's cell, **[default]** 40 m: the seed's 40 m x 40 m units). Candidates are
ranked by their uncertainty ``u = 1 - |2 P - 1|`` (1 at P = 0.5, 0 at P = 0 or 1; over
several indicators and layers a cell takes its largest ``u``) and taken greedily, best
first, keeping proposals at least ``spacing_m`` apart, up to ``max_points``.

Each proposal gets the id scheme of the sampling grid, ``<zone>-<nnn>`` numbered on from
the highest id of its zone among the first-round points (``R2-<nnn>`` outside every zone),
and its zone, so :func:`ree_damage.core.survey.depth.depth_schedule` applies the same depth
rules to it; the depth layers whose rasters made it uncertain are listed (``layers``). The
fields those rules read (:data:`DEPTH_FIELDS`: hole / pond bottom, water table, source type)
are taken from the nearest first-round point of the same zone (of any zone where the zone
has none), named in ``depth_from``; where the first round has no such field they stay empty
and ``depth_schedule`` asks for them by point (an INJ point needs its hole depth).

Memory: the probability rasters are read by blocks of about 8 M cells and only every
``stride``-th cell of every ``stride``-th row (stride = the cells in half a spacing) is a
candidate, so an 8000 x 8000 raster of 2 m cells gives at most 640,000 candidates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

from ..common.errors import InputError
from ..common.progress import CancelFn, ProgressFn, check_canceled, no_progress

OUTSIDE_PREFIX = "R2"
"""Id prefix of a proposal outside every functional zone."""

DEPTH_FIELDS = ("bottom_m", "water_table_m", "source_type")
"""Fields the depth rules read (:func:`ree_damage.core.survey.depth.depth_schedule`), carried
to a proposal from the nearest first-round point of its zone (``depth_from``)."""

COLUMNS = ("point_id", "zone", "rank", "uncertainty", "p_exceed", "indicators", "layers", "method",
           "nearest_sample_m", "x", "y", "round", "rule") + DEPTH_FIELDS + ("depth_from",)
"""Columns of the proposed points (plus ``geometry``)."""


@dataclass(frozen=True)
class AdaptiveParams:
    """Parameters of :func:`propose_second_round` (**[default]** values).

    Attributes
    ----------
    p_low, p_high : float
        The uncertain band of P(exceed) (0.2-0.8).
    spacing_m : float
        No first-round sample within this distance (m), and proposals this far apart (40 m).
    max_points : int
        At most this many proposals (50).
    """

    p_low: float = 0.2
    p_high: float = 0.8
    spacing_m: float = 40.0
    max_points: int = 50

    def rule(self) -> str:
        """The rule in words, written into every proposal."""
        return (f"P(exceed) between {self.p_low:g} and {self.p_high:g}, no first-round sample within "
                f"{self.spacing_m:g} m; ranked by uncertainty 1 - |2P - 1|; proposals at least {self.spacing_m:g} m apart")


DEFAULT_ADAPTIVE = AdaptiveParams()
"""The **[default]** second-round rule."""


def _candidates(path, p_low, p_high, spacing_m, is_canceled):
    """(x, y, p) of the uncertain cells on a lattice of half a spacing, read by blocks of rows."""
    import rasterio
    from rasterio.windows import Window

    xs, ys, ps = [], [], []
    with rasterio.open(path) as src:
        t = src.transform
        stride = max(1, int(spacing_m / 2.0 // abs(t.a)))
        cols = np.arange(0, src.width, stride)
        # about 8 M cells (64 MB of float64) per read, a whole number of strides
        height = max(1, (2**23 // max(1, src.width)) // stride) * stride
        for r0 in range(0, src.height, height):
            check_canceled(is_canceled)
            h = min(height, src.height - r0)
            rows = np.arange(r0, r0 + h, stride)
            block = src.read(1, window=Window(0, r0, src.width, h), masked=True).astype(np.float64).filled(np.nan)
            p = block[rows - r0][:, cols]
            ok = np.isfinite(p) & (p >= p_low) & (p <= p_high)
            rr, cc = np.nonzero(ok)
            xs.append(t.c + (cols[cc] + 0.5) * t.a)
            ys.append(t.f + (rows[rr] + 0.5) * t.e)
            ps.append(p[rr, cc])
    if not xs:
        return np.empty(0), np.empty(0), np.empty(0)
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ps)


def _carried_depth_fields(xy, zone_of, samples, zone_field, point_ids) -> dict:
    """:data:`DEPTH_FIELDS` and ``depth_from`` of each proposal, from the nearest first-round
    point of its zone (else of any zone); empty where the first round lacks the field."""
    import shapely

    n = len(xy)
    out = {"bottom_m": np.full(n, np.nan), "water_table_m": np.full(n, np.nan),
           "source_type": np.full(n, "", dtype=object), "depth_from": np.full(n, "", dtype=object)}
    if not n or not len(samples) or not any(f in samples.columns for f in DEPTH_FIELDS):
        return out
    sxy = shapely.get_coordinates(np.asarray(samples.geometry.array))
    szone = samples[zone_field].astype(str).to_numpy() if zone_field in samples.columns else np.full(len(samples), "")
    ids = np.asarray(point_ids, dtype=object) if len(point_ids) == len(samples) else np.full(len(samples), "")
    for i in range(n):
        same = np.flatnonzero(szone == zone_of[i])
        pool = same if len(same) else np.arange(len(samples))
        j = int(pool[np.argmin(np.hypot(sxy[pool, 0] - xy[i, 0], sxy[pool, 1] - xy[i, 1]))])
        out["depth_from"][i] = str(ids[j])
        for name in DEPTH_FIELDS:
            if name not in samples.columns:
                continue
            value = samples[name].iloc[j]
            if name == "source_type":
                out[name][i] = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
            else:
                out[name][i] = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return out


def _next_numbers(point_ids) -> dict:
    """zone prefix -> highest number used (``INJ-012`` -> 12)."""
    top: dict = {}
    for pid in point_ids:
        found = re.match(r"^([A-Za-z0-9]+)-(\d+)$", str(pid))
        if found:
            top[found.group(1)] = max(top.get(found.group(1), 0), int(found.group(2)))
    return top


def propose_second_round(
    surfaces: Sequence,
    samples,
    zones=None,
    *,
    params: Optional[AdaptiveParams] = None,
    zone_field: str = "zone",
    point_ids: Optional[Sequence[str]] = None,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
):
    """Propose second-round sampling points where P(exceed) is uncertain and no sample is near.

    Parameters
    ----------
    surfaces : sequence of SurfaceInput
        Surfaces with a probability raster (``exceedance``); others are skipped.
    samples : geopandas.GeoDataFrame
        First-round sample points (any depth; the control samples may be included), metres.
    zones : geopandas.GeoDataFrame, optional
        Functional zones (``zone_field``): the proposal's zone and id prefix.
    params : AdaptiveParams, optional
    point_ids : sequence of str, optional
        First-round point ids (default: ``point_id`` of ``samples``, else the sample ids
        without their ``-<depth>``), so the numbering goes on.

    Returns
    -------
    (geopandas.GeoDataFrame, dict)
        Proposals ranked best first (:data:`COLUMNS`), in the samples' CRS; and the
        parameters used (for provenance).
    """
    import geopandas as gpd
    import shapely
    from scipy.spatial import cKDTree

    params = params or AdaptiveParams()
    progress = progress or no_progress
    if not 0.0 <= params.p_low < params.p_high <= 1.0:
        raise InputError(f"the uncertain band {params.p_low:g}-{params.p_high:g} must satisfy 0 <= low < high <= 1")
    if not params.spacing_m > 0 or params.max_points < 1:
        raise InputError("the spacing must be > 0 m and at least one point proposed")
    crs = getattr(samples, "crs", None)
    record = {"rule": params.rule(), "p_low": params.p_low, "p_high": params.p_high, "spacing_m": params.spacing_m,
              "max_points": params.max_points}
    with_p = [s for s in surfaces if s.exceedance is not None]
    empty = gpd.GeoDataFrame({c: [] for c in COLUMNS}, geometry=[], crs=crs)
    if not with_p:
        record["note"] = "no probability raster (kriging): nothing to rank"
        return empty, record
    sample_xy = shapely.get_coordinates(np.asarray(samples.geometry.array)) if len(samples) else np.empty((0, 2))
    tree = cKDTree(sample_xy) if len(sample_xy) else None
    cand: dict = {}
    for i, s in enumerate(with_p):
        x, y, p = _candidates(s.exceedance, params.p_low, params.p_high, params.spacing_m, is_canceled)
        if len(x) and tree is not None:
            d, _ = tree.query(np.column_stack([x, y]))
            keep = d > params.spacing_m
            x, y, p, d = x[keep], y[keep], p[keep], d[keep]
        else:
            d = np.full(len(x), np.inf)
        u = 1.0 - np.abs(2.0 * p - 1.0)
        for xi, yi, pi, ui, di in zip(np.round(x, 3), np.round(y, 3), p, u, d):
            key = (xi, yi)
            best = cand.get(key)
            if best is None or ui > best[1]:
                cand[key] = [pi, ui, di, {s.indicator}, {s.layer.name}, {s.method}]
            elif best is not None:
                best[3].add(s.indicator)
                best[4].add(s.layer.name)
                best[5].add(s.method)
        progress(0.8 * (i + 1) / len(with_p))
    if not cand:
        return empty, record
    keys = np.array(list(cand.keys()))
    vals = list(cand.values())
    u = np.array([v[1] for v in vals])
    # best first; ties by north then west, so the ranking repeats
    order = np.lexsort((keys[:, 0], -keys[:, 1], -u))
    chosen: list = []
    for j in order:
        if len(chosen) >= params.max_points:
            break
        if chosen:
            picked = keys[chosen]
            if (np.hypot(picked[:, 0] - keys[j, 0], picked[:, 1] - keys[j, 1]) < params.spacing_m).any():
                continue
        chosen.append(int(j))
    xy = keys[chosen]
    points = shapely.points(xy)
    zone_of = np.full(len(points), "", dtype=object)
    if zones is not None and len(zones):
        if zone_field not in zones.columns:
            raise InputError(f"zone field {zone_field!r} not found", layer="zones", column=zone_field)
        for geom, code in zip(zones.geometry, zones[zone_field].astype(str)):
            inside = shapely.contains_xy(geom, xy[:, 0], xy[:, 1]) & (zone_of == "")
            zone_of[inside] = code
    if point_ids is None:
        if "point_id" in samples.columns:
            point_ids = samples["point_id"].astype(str)
        elif "sample_id" in samples.columns:
            point_ids = samples["sample_id"].astype(str).str.rsplit("-", n=1).str[0]
        else:
            point_ids = []
    top = _next_numbers(point_ids)
    ids = []
    for z in zone_of:
        prefix = z or OUTSIDE_PREFIX
        top[prefix] = top.get(prefix, 0) + 1
        ids.append(f"{prefix}-{top[prefix]:03d}")
    rows = [vals[j] for j in chosen]
    carried = _carried_depth_fields(xy, zone_of, samples, zone_field, point_ids)
    frame = pd.DataFrame({
        "point_id": ids,
        "zone": zone_of,
        "rank": np.arange(1, len(chosen) + 1),
        "uncertainty": [r[1] for r in rows],
        "p_exceed": [r[0] for r in rows],
        "indicators": [";".join(sorted(r[3])) for r in rows],
        "layers": [";".join(sorted(r[4])) for r in rows],
        "method": [";".join(sorted(r[5])) for r in rows],
        "nearest_sample_m": [r[2] for r in rows],
        "x": xy[:, 0],
        "y": xy[:, 1],
        "round": 2,
        "rule": params.rule(),
        **carried,
    })
    progress(1.0)
    return gpd.GeoDataFrame(frame, geometry=points, crs=crs), record
