"""Groundwater wells and stream sections of the synthetic case, with their lab results.

Written beside the soil data, from its OWN random stream (``[seed, 70]``), so every
existing layer and sheet of the sample case stays byte-identical.

* Positions (one layer ``water_positions`` in ``water.gpkg``, fields as
  :func:`ree_damage.core.survey.depth.water_positions` writes them plus the field data):
  a control well up-gradient of the lowest band, eight wells down-gradient of its settling
  ponds and injection field (measured hydraulic head ``head_m``, 1985 height datum, =
  ground height minus a depth to water of about 3 m; ``aquifer_thickness_m`` and
  ``effective_porosity`` of the weathered-granite aquifer), and five sections of the
  stream: a control section upstream, the section where the leachate reaches the stream
  (``discharge``) and sections 30, 60, 100 and 150 m downstream (those the stream holds),
  each with ``width_m`` and ``depth_m`` of the water.
* Lab results (``water_results.csv``): one row per position, ids = position ids,
  pH (dimensionless), NH4+-N, NO3--N and sulfate in mg/L, Mn, Cd and Pb in μg/L; values
  below the detection limit written ``<DL``.

Source model (all SYNTHETIC): background with log-normal scatter plus a contribution
``I * exp(-d / 20 m)`` from the settling ponds (groundwater, ``d`` the distance to the
nearest pond) or ``I * exp(-s / 18 m)`` downstream of the discharge (surface water, ``s``
along the stream, background scatter 5 %), so the damaged reach ends before the last
section. Two lateral wells 160 m either side bound the plume.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

POSITIONS_LAYER = "water_positions"
"""Layer name of the wells and sections in the water GeoPackage."""

ID_COLUMN = "样品编号 Sample ID"
NOTE_COLUMN = "备注 Note"
SYNTHETIC_NOTE = "合成数据，非真实检测结果 / SYNTHETIC, not a real measurement"

ANALYTES = (
    # header, catalogue code, detection limit (sheet unit), background gw, background sw,
    # source intensity gw, source intensity sw, log sd
    ("pH", "pH", None, 6.6, 6.9, -1.8, -1.2, 0.0),
    ("NH4+-N (mg/L)", "NH4_N", 0.025, 0.08, 0.20, 30.0, 6.0, 0.25),
    ("NO3--N (mg/L)", "NO3_N", 0.02, 1.2, 0.8, 9.0, 2.0, 0.2),
    ("SO4 2- (mg/L)", "SO4", 5.0, 12.0, 9.0, 650.0, 120.0, 0.2),
    ("Mn (μg/L)", "Mn", 0.5, 40.0, 25.0, 900.0, 200.0, 0.3),
    ("Cd (μg/L)", "Cd", 0.1, 0.05, 0.04, 3.0, 0.8, 0.4),
    ("Pb (μg/L)", "Pb", 0.2, 1.0, 0.8, 1.5, 0.5, 0.3),
)
"""Sheet columns: header, code, detection limit, background (ground / surface water), source
intensity (ground / surface water; pH: the drop in pH units), log-normal sd."""

DOWNSTREAM_M = (30.0, 60.0, 100.0, 150.0)
"""Distances of the downstream sections below the discharge point, m."""
UPSTREAM_M = 120.0
"""Distance of the control section above the discharge point, m."""
GW_DECAY_M = 20.0
SW_DECAY_M = 18.0
SW_SCATTER = 0.05
"""Log sd of the surface-water background (a stream is well mixed)."""


def _band0(site):
    """Settling ponds, hole coordinates and the stream of the lowest band."""
    import shapely

    boxes = site.layout.band_boxes()
    minx, miny, maxx, maxy = boxes[0]
    ponds = site.layers["settling_ponds"]
    centroids = shapely.centroid(ponds.geometry.to_numpy())
    in_band = (shapely.get_y(centroids) >= miny - 30.0) & (shapely.get_y(centroids) <= maxy)
    pond_geoms = ponds.geometry.to_numpy()[in_band]
    holes = site.hole_xy[(site.hole_xy[:, 1] >= miny) & (site.hole_xy[:, 1] <= maxy)]
    stream = site.layers["stream"].geometry.iloc[0]
    return boxes[0], pond_geoms, holes, stream


def water_positions(site, seed: int):
    """The wells and stream sections (GeoDataFrame in the case CRS) for ``site``."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng([seed, 70])
    (minx, miny, maxx, maxy), ponds, holes, stream = _band0(site)
    ponds_union = shapely.union_all(ponds)
    pc = shapely.centroid(ponds_union)
    # wells: control above the band; down-gradient below the ponds, toward the stream
    stream_y = float(shapely.get_y(shapely.line_interpolate_point(stream, shapely.line_locate_point(stream, pc))))
    pond_low = float(shapely.bounds(ponds_union)[1])
    mid = 0.5 * (pond_low + stream_y)
    hx = float(holes[:, 0].mean()) if len(holes) else pc.x
    hy = float(holes[:, 1].min()) if len(holes) else pc.y + 60.0
    wells = [
        ("control", pc.x, maxy + 40.0),
        ("down_gradient", hx, hy - 15.0),
        ("down_gradient", pc.x - 50.0, pond_low - 5.0),
        ("down_gradient", pc.x, pond_low - 5.0),
        ("down_gradient", pc.x + 50.0, pond_low - 5.0),
        ("down_gradient", pc.x - 25.0, mid),
        ("down_gradient", pc.x + 25.0, mid),
        ("down_gradient", pc.x - 160.0, mid),
        ("down_gradient", pc.x + 160.0, mid),
    ]
    wx = np.array([w[1] for w in wells]) + rng.uniform(-3.0, 3.0, len(wells))
    wy = np.array([w[2] for w in wells]) + rng.uniform(-2.0, 2.0, len(wells))
    ground = site.terrain.at(wx, wy)
    depth_to_water = 3.0 + rng.uniform(-0.6, 0.6, len(wells))
    heads = np.round(ground - depth_to_water, 2)
    # sections along the stream (digitised downstream)
    s0 = float(shapely.line_locate_point(stream, shapely.get_point(shapely.shortest_line(stream, ponds_union), 0)))
    length = float(shapely.length(stream))
    stations = [("control", -UPSTREAM_M), ("discharge", 0.0)] + [("downstream", d) for d in DOWNSTREAM_M]
    stations = [(r, d) for r, d in stations if 0.0 <= s0 + d <= length]
    sec_pts = shapely.line_interpolate_point(stream, [s0 + d for _, d in stations])
    n_w, n_s = len(wells), len(stations)
    frame = pd.DataFrame(
        {
            "position_id": [f"GW-{k:02d}" for k in range(1, n_w + 1)] + [f"SW-{k:02d}" for k in range(1, n_s + 1)],
            "medium": ["groundwater"] * n_w + ["surface_water"] * n_s,
            "role": [w[0] for w in wells] + [r for r, _ in stations],
            "distance_m": [np.nan] * n_w + [float(d) for _, d in stations],
            "head_m": list(heads) + [np.nan] * n_s,
            "depth_to_water_m": list(np.round(depth_to_water, 2)) + [np.nan] * n_s,
            "aquifer_thickness_m": [8.0] * n_w + [np.nan] * n_s,
            "effective_porosity": [0.15] * n_w + [np.nan] * n_s,
            "width_m": [np.nan] * n_w + [3.0] * n_s,
            "depth_m": [np.nan] * n_w + [0.4] * n_s,
            "note": ["合成 SYNTHETIC"] * (n_w + n_s),
        }
    )
    x = np.concatenate([wx, shapely.get_x(sec_pts)])
    y = np.concatenate([wy, shapely.get_y(sec_pts)])
    geometry = shapely.points(np.round(x, 3), np.round(y, 3))
    # distance to the source, for the lab model: ponds for wells, along the stream for sections
    source_d = np.concatenate([shapely.distance(geometry[:n_w], ponds_union), [d for _, d in stations]])
    return gpd.GeoDataFrame(frame.assign(_source_m=source_d), geometry=geometry, crs=site.layers["stream"].crs)


def water_lab_table(positions, seed: int) -> pd.DataFrame:
    """The water lab sheet: one row per position, every cell text as a lab writes it."""
    rng = np.random.default_rng([seed, 71])
    gw = (positions["medium"] == "groundwater").to_numpy()
    control = (positions["role"] == "control").to_numpy()
    d = positions["_source_m"].to_numpy(float)
    exposure = np.where(gw, np.exp(-np.abs(d) / GW_DECAY_M), np.where(d >= 0, np.exp(-np.maximum(d, 0) / SW_DECAY_M), 0.0))
    exposure[control] = 0.0
    table = {ID_COLUMN: positions["position_id"].to_numpy()}
    for header, _code, limit, bg_gw, bg_sw, i_gw, i_sw, sd in ANALYTES:
        background = np.where(gw, bg_gw, bg_sw)
        added = np.where(gw, i_gw, i_sw) * exposure
        if header == "pH":
            values = background + added + rng.normal(0.0, 0.05, len(d))
            text = np.char.mod("%.2f", np.round(values, 2)).astype(object)
        else:
            values = background * np.exp(rng.normal(0.0, 1.0, len(d)) * np.where(gw, sd, SW_SCATTER)) + added * np.exp(rng.normal(0.0, 0.05, len(d)))
            decimals = np.clip(2 - np.floor(np.log10(np.maximum(values, 1e-12))).astype(int), 0, 4)
            text = np.array([f"{v:.{k}f}" for v, k in zip(values, decimals)], dtype=object)
            text[values < limit] = f"<{limit:g}"
        table[header] = text
    table[NOTE_COLUMN] = SYNTHETIC_NOTE
    return pd.DataFrame(table)


def write_water(site, seed: int, vectors_path, lab_path, metadata: dict) -> None:
    """Write the positions GeoPackage and the lab CSV (UTF-8 with BOM, CRLF).

    ``metadata`` (the case's SYNTHETIC marks, seed, date) goes into the layer's metadata;
    the caller fixes GDAL's timestamp so the bytes repeat.
    """
    import pyogrio

    positions = water_positions(site, seed)
    table = water_lab_table(positions, seed)
    pyogrio.write_dataframe(
        positions.drop(columns="_source_m"),
        vectors_path,
        layer=POSITIONS_LAYER,
        driver="GPKG",
        layer_metadata=metadata,
        dataset_metadata=metadata,
        layer_options={
            "DESCRIPTION": "地下水井与地表水断面（合成） / groundwater wells and stream sections (SYNTHETIC)",
            "IDENTIFIER": POSITIONS_LAYER,
        },
    )
    table.to_csv(lab_path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
