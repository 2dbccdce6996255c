"""The mapped features of the synthetic case, built for all works units at once.

Everything is vectorised over units (shapely 2 array functions); the only Python loops
run over hillside bands (at most a few dozen). Coordinates are rounded to 1 mm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import noise
from .layout import EPSG, Layout, Terrain

ZONES = ("PREP", "INJ", "COLL", "SETL")
"""Functional area codes (DESIGN.md, "Data model"), in survey order."""

CONTROL_ZONE = "CTRL"
"""Code of the control (reference) area."""

HOLE_SPACING_M = 3.0
"""Spacing of injection holes along a row and between rows (rows staggered), m."""
GRID_M = 40.0
"""Soil sampling grid cell, m (<= 1600 m2 per unit, seed survey rule)."""
CONTROL_BOTTOM_M = 14.0
"""Control points are sampled as deep as if a 14 m hole were there (the deepest usual holes),
so every INJ depth has control samples to compare with, m."""
DEPTH_LADDER_CM = np.array([50, 200, 400, 600, 900, 1200, 1500, 1800, 2100, 2400, 2700])
"""Sample depths, cm: 0-0.5 m, then <= 2 m apart to 6 m and <= 3 m apart below (seed rule)."""

# Soil profile per area: (layer name zh, layer name en, bottom depth m, description), water table m
_LAYER_TEXT = {
    "表土层": ("topsoil", "灰黄色砂质黏土，含植物根系 / grey-yellow sandy clay with roots"),
    "全风化层": (
        "completely weathered granite",
        "红褐色至黄褐色砂质黏土，离子吸附型稀土主要赋存层 / red-brown sandy clay, the ionic REE ore layer",
    ),
    "半风化层": (
        "semi-weathered granite",
        "灰白色半风化花岗岩，保留原岩结构 / grey-white semi-weathered granite, rock fabric kept",
    ),
    "微风化花岗岩": ("slightly weathered granite", "基岩，致密坚硬 / bedrock, dense and hard"),
}
SOIL_PROFILES = {
    "PREP": ((0.4, 14.0, 24.0, 40.0), 12.0),
    "INJ": ((0.5, 12.0, 22.0, 40.0), 9.0),
    "COLL": ((0.5, 7.0, 15.0, 40.0), 4.5),
    "SETL": ((0.6, 4.0, 10.0, 40.0), 2.5),
    "CTRL": ((0.5, 13.0, 23.0, 40.0), 11.0),
}
"""Per area: bottom depths (m) of topsoil, completely and semi-weathered granite, bedrock;
and the water-table depth (m). Thicker crust and deeper water upslope."""

ZONE_NAMES = {
    "PREP": "浸矿剂配制区",
    "INJ": "注孔区",
    "COLL": "浸出液收集区（含浸出液流经区）",
    "SETL": "浸出液沉淀区",
    "CTRL": "对照区",
}


def _r(values):
    return np.round(np.asarray(values, dtype=np.float64), 3)


def _rings(x, y) -> np.ndarray:
    """Close rings given vertex arrays of shape (n, m): returns (n, m + 1, 2)."""
    coords = np.stack([_r(x), _r(y)], axis=-1)
    return np.concatenate([coords, coords[:, :1]], axis=1)


def _rectangles(cx, cy, w, h, angle=None) -> np.ndarray:
    """Polygons of rectangles (centre, width, height in m, rotation in radians)."""
    cx, cy, w, h = (np.asarray(v, dtype=np.float64).ravel() for v in (cx, cy, w, h))
    angle = np.zeros_like(cx) if angle is None else np.asarray(angle, dtype=np.float64).ravel()
    dx = np.array([-0.5, 0.5, 0.5, -0.5])[None, :] * w[:, None]
    dy = np.array([-0.5, -0.5, 0.5, 0.5])[None, :] * h[:, None]
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    return shapely.polygons(_rings(cx[:, None] + dx * cos - dy * sin, cy[:, None] + dx * sin + dy * cos))


def _blobs(cx, cy, ra, rb, rng, power=5.0, vertices=48, wobble=0.025) -> np.ndarray:
    """Squarish irregular polygons (superellipses with a few random harmonics)."""
    n = len(cx)
    theta = np.linspace(0.0, 2 * np.pi, vertices, endpoint=False)
    c, s = np.cos(theta), np.sin(theta)
    ux = np.sign(c) * np.abs(c) ** (2.0 / power)
    uy = np.sign(s) * np.abs(s) ** (2.0 / power)
    amp = rng.uniform(0.3, 1.0, (n, 3))
    phase = rng.uniform(0.0, 2 * np.pi, (n, 3))
    r = 1.0 + wobble * sum(
        amp[:, i, None] * np.sin(k * theta[None, :] + phase[:, i, None]) for i, k in enumerate((2, 3, 5))
    )
    return shapely.polygons(_rings(cx[:, None] + ra[:, None] * ux * r, cy[:, None] + rb[:, None] * uy * r))


def _wiggle_lines(x_start, x_end, y_base, amp, wavelength, phase, vertices) -> np.ndarray:
    """Lines along x, one per row of the inputs, with a sine wiggle in y (all in m)."""
    t = np.linspace(0.0, 1.0, vertices)[None, :]
    x = x_start[:, None] + (x_end - x_start)[:, None] * t
    y = _wiggle(x, y_base[:, None], amp, wavelength, phase[:, None])
    return shapely.linestrings(np.stack([_r(x), _r(y)], axis=-1))


def _wiggle(x, y_base, amp, wavelength, phase):
    """The y of a wiggling line at x (see :func:`_wiggle_lines`)."""
    return y_base + amp * np.sin(2 * np.pi * x / wavelength + phase)


def _labels(prefix: str, count: int, width: int = 3) -> np.ndarray:
    """``prefix`` + zero-padded 1-based numbers, e.g. ``INJ-001``; wider when needed."""
    width = max(width, len(str(count)))
    numbers = np.char.zfill(np.arange(1, count + 1).astype(str), width)
    return np.char.add(prefix, numbers).astype(object)


@dataclass
class Site:
    """The synthetic site: layers to write and the shapes the rasters are drawn from.

    Attributes
    ----------
    layout : Layout
    terrain : Terrain
    layers : dict
        Layer name to GeoDataFrame (``soil_layers`` is a plain DataFrame).
    samples : pandas.DataFrame
        One row per soil sample (point id, zone, depth cm, model inputs) for the lab sheet.
    dem_levels, dem_pits : tuple of (geometries, values)
        Platforms levelled to a height (m) and pits dug to a bottom height (m).
    dem_cuts_poly, dem_cuts_line : tuple of (geometries, values)
        Areas and ditch lines lowered by a depth (m).
    ortho_shapes : tuple of (geometries, class codes)
        Ground-cover classes painted in order (later wins).
    ortho_lines : numpy.ndarray
        Pipes, drawn one pixel wide.
    hole_xy : numpy.ndarray
        Injection hole coordinates, shape (n, 2), m.
    flight_area : shapely.Polygon
        Extent of the drone survey (after-DEM and orthomosaic).
    """

    layout: Layout
    terrain: Terrain
    layers: dict = field(default_factory=dict)
    samples: pd.DataFrame = None
    dem_levels: tuple = ()
    dem_pits: tuple = ()
    dem_cuts_poly: tuple = ()
    dem_cuts_line: tuple = ()
    ortho_shapes: tuple = ()
    ortho_lines: np.ndarray = None
    hole_xy: np.ndarray = None
    flight_area: object = None


# ortho ground-cover classes
FOREST, BARE, ROAD, POOL, POND, DITCH, HOLE, STREAM, PIPE, FRINGE_NEAR, FRINGE_FAR = range(11)


def _boundary(layout: Layout, rng) -> np.ndarray:
    """One irregular polygon per band around its units (edges wobble by up to 4 m)."""
    polygons = []
    for minx, miny, maxx, maxy in layout.band_boxes():
        corners = np.array([[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]])
        parts = []
        for a, b in zip(corners[:-1], corners[1:]):
            length = float(np.hypot(*(b - a)))
            count = max(4, int(np.ceil(length / 8.0)))
            s = np.linspace(0.0, length, count, endpoint=False)
            direction = (b - a) / length
            normal = np.array([direction[1], -direction[0]])  # outward for a CCW ring
            ph = rng.uniform(0, 2 * np.pi, 2)
            d = (
                4.0
                * np.sin(np.pi * s / length)
                * (0.6 * np.sin(2 * np.pi * s / 140.0 + ph[0]) + 0.4 * np.sin(2 * np.pi * s / 53.0 + ph[1]))
            )
            parts.append(a[None, :] + s[:, None] * direction[None, :] + d[:, None] * normal[None, :])
        ring = np.concatenate(parts)
        polygons.append(shapely.polygons(_rings(ring[None, :, 0], ring[None, :, 1]))[0])
    return np.asarray(polygons, dtype=object)


def build_site(layout: Layout, seed: int) -> Site:
    """Draw every feature of the case for ``layout`` (deterministic for ``seed``).

    Parameters
    ----------
    layout : Layout
        From :func:`~.layout.make_layout`.
    seed : int
        Random seed; the same seed gives the same features.

    Returns
    -------
    Site
    """
    terrain = Terrain(layout, seed)
    rng = np.random.default_rng([seed, 1])
    W, H = layout.unit_width, layout.unit_height
    ux, uy, band = layout.unit_origins()
    n = layout.n_units
    unit_ids = _labels("U", n)
    boxes = layout.band_boxes()
    site = Site(layout=layout, terrain=terrain)

    # --- case boundary: one feature, a polygon per band ---------------------------------
    band_polys = _boundary(layout, rng)
    boundary = shapely.multipolygons(band_polys) if len(band_polys) > 1 else band_polys[0]
    area = float(shapely.area(boundary))
    site.layers["case_boundary"] = gpd.GeoDataFrame(
        {
            "case_id": ["DEMO-GN-2026-001"],
            "name": ["赣南某地非法开采离子型稀土案（合成示例） / synthetic sample case"],
            "area_m2": [round(area, 1)],
            "area_ha": [round(area / 1e4, 4)],
        },
        geometry=[boundary],
        crs=EPSG,
    )

    # --- preparation platform and pools near the top, by the road -----------------------
    plat_cx = ux + W * (0.5 + rng.uniform(-0.15, 0.15, n))
    plat_cy = uy + H - 24.0
    plat_w, plat_h = rng.uniform(28.0, 32.0, n), rng.uniform(12.0, 14.0, n)
    platforms = _rectangles(plat_cx, plat_cy, plat_w, plat_h)
    plat_level = np.round(terrain.at(plat_cx, plat_cy), 2)
    pool_cx = np.column_stack([plat_cx - 7.5, plat_cx + 7.5])
    pool_cy = np.column_stack([plat_cy, plat_cy])
    pool_w = np.column_stack([rng.uniform(8.0, 9.5, n), rng.uniform(7.0, 8.5, n)])
    pool_h = rng.uniform(5.5, 6.5, (n, 2))
    pools = _rectangles(pool_cx, pool_cy, pool_w, pool_h)
    pool_depth = np.round(rng.uniform(1.5, 2.5, 2 * n), 1)
    pool_unit = np.repeat(np.arange(n), 2)
    pool_ids = _labels("PL-", 2 * n)
    site.layers["prep_pools"] = gpd.GeoDataFrame(
        {
            "pool_id": pool_ids,
            "unit_id": unit_ids[pool_unit],
            "bottom_depth_m": pool_depth,
            "agent": "ammonium_sulfate",
            "lined": "plastic_film",
        },
        geometry=pools,
        crs=EPSG,
    )

    # --- injection hole field and holes on the upper slope ------------------------------
    f_cb = 0.5 * (0.45 * H + H - 40.0)
    f_rb = 0.5 * (H - 40.0 - 0.45 * H)
    f_ra = 0.32 * W * rng.uniform(0.94, 1.04, n)
    f_cx = ux + W * (0.5 + rng.uniform(-0.03, 0.03, n))
    f_cy = uy + f_cb
    fields = _blobs(f_cx, f_cy, f_ra, np.full(n, f_rb), rng)
    shapely.prepare(fields)
    rows = np.arange(int((H - 36.0 - 0.40 * H) / HOLE_SPACING_M) + 1)
    cols = np.arange(int(0.8 * W / HOLE_SPACING_M) + 1)
    row_grid, col_grid = np.meshgrid(rows, cols, indexing="ij")
    la = (0.1 * W + 1.5 + HOLE_SPACING_M * col_grid + 1.5 * (row_grid % 2)).ravel()
    lb = (H - 36.0 - 1.5 - HOLE_SPACING_M * row_grid).ravel()
    cand_unit = np.repeat(np.arange(n), la.size)
    jitter = np.clip(rng.normal(0.0, 0.15, (cand_unit.size, 2)), -0.4, 0.4)
    hx = _r(np.tile(la, n) + ux[cand_unit] + jitter[:, 0])
    hy = _r(np.tile(lb, n) + uy[cand_unit] + jitter[:, 1])
    hrow = np.tile(row_grid.ravel(), n)
    inside = shapely.contains_xy(fields[cand_unit], hx, hy)
    hx, hy, hunit, hrow = hx[inside], hy[inside], cand_unit[inside], hrow[inside]
    upslope = (hy - (f_cy[hunit] - f_rb)) / (2 * f_rb)
    depth_noise = noise.points(hx - layout.x0, hy - layout.y0, 25.0, noise.salt(seed, 11))
    hole_depth = 5.0 + 9.0 * upslope + 3.0 * (depth_noise - 0.5) + rng.normal(0.0, 0.6, hx.size)
    hole_depth = np.round(np.clip(hole_depth, 2.0, 20.0), 1)
    site.hole_xy = np.column_stack([hx, hy])
    site.layers["injection_holes"] = gpd.GeoDataFrame(
        {
            "hole_id": _labels("H", hx.size, 5),
            "unit_id": unit_ids[hunit],
            "row_no": (hrow - hrow.min() + 1).astype(np.int32),
            "hole_depth_m": hole_depth,
            "diameter_m": np.round(rng.uniform(0.25, 0.35, hx.size), 2),
        },
        geometry=shapely.points(hx, hy),
        crs=EPSG,
    )

    # --- settling ponds at the foot of the slope ----------------------------------------
    pond_cx = ux[:, None] + W * (np.array([0.3, 0.5, 0.7])[None, :] + rng.uniform(-0.03, 0.03, (n, 3)))
    pond_cy = uy[:, None] + 0.11 * H + rng.uniform(-2.0, 2.0, (n, 3))
    pond_w, pond_h = rng.uniform(14.0, 18.0, (n, 3)), rng.uniform(9.0, 11.0, (n, 3))
    pond_angle = np.radians(rng.uniform(-8.0, 8.0, (n, 3)))
    ponds = _rectangles(pond_cx, pond_cy, pond_w, pond_h, pond_angle)
    pond_depth = np.round(rng.uniform(1.8, 3.2, 3 * n), 1)
    pond_level = np.round(terrain.at(pond_cx.ravel(), pond_cy.ravel()), 2)
    pond_unit = np.repeat(np.arange(n), 3)
    site.layers["settling_ponds"] = gpd.GeoDataFrame(
        {
            "pond_id": _labels("SP-", 3 * n),
            "unit_id": unit_ids[pond_unit],
            "bottom_depth_m": pond_depth,
            "area_m2": np.round(shapely.area(ponds), 1),
        },
        geometry=ponds,
        crs=EPSG,
    )

    # --- collection ditches along the contour and pipes down to the ponds ---------------
    ph1, ph2 = rng.uniform(0, 2 * np.pi, n), rng.uniform(0, 2 * np.pi, n)
    d1_base = uy + 0.45 * H - 8.0
    d1 = _wiggle_lines(f_cx - 0.95 * f_ra, f_cx + 0.95 * f_ra, d1_base, 0.8, 55.0, ph1, 25)
    d2_base = uy + 0.30 * H
    d2 = _wiggle_lines(ux + 0.15 * W, ux + 0.85 * W, d2_base, 0.8, 55.0, ph2, 25)

    def on_d1(x):
        return _wiggle(x, d1_base, 0.8, 55.0, ph1)

    def on_d2(x):
        return _wiggle(x, d2_base, 0.8, 55.0, ph2)

    a1 = f_cx + f_ra * rng.uniform(-0.2, 0.2, n)
    a1_end = a1 + rng.uniform(-4.0, 4.0, n)
    p1_mid_y = 0.5 * (on_d1(a1) + on_d2(a1_end))
    p1 = shapely.linestrings(
        np.stack(
            [
                _r(np.column_stack([a1, 0.5 * (a1 + a1_end) + 1.5, a1_end])),
                _r(np.column_stack([on_d1(a1), p1_mid_y, on_d2(a1_end)])),
            ],
            axis=-1,
        )
    )
    # pipe 2: from ditch 2 to the middle of the upper edge of the middle pond
    top_x = pond_cx[:, 1] - 0.5 * pond_h[:, 1] * np.sin(pond_angle[:, 1])
    top_y = pond_cy[:, 1] + 0.5 * pond_h[:, 1] * np.cos(pond_angle[:, 1])
    a2 = top_x + rng.uniform(-6.0, 6.0, n)
    p2 = shapely.linestrings(
        np.stack(
            [
                _r(np.column_stack([a2, 0.5 * (a2 + top_x), top_x])),
                _r(np.column_stack([on_d2(a2), 0.5 * (on_d2(a2) + top_y), top_y])),
            ],
            axis=-1,
        )
    )
    lines = np.column_stack([d1, d2, p1, p2]).ravel()
    line_kind = np.tile(np.array(["ditch", "ditch", "pipe", "pipe"], dtype=object), n)
    is_ditch = line_kind == "ditch"
    line_depth = np.where(is_ditch, rng.uniform(0.8, 1.5, 4 * n), rng.uniform(0.3, 0.6, 4 * n))
    line_width = np.where(is_ditch, rng.uniform(0.6, 1.0, 4 * n), 0.11)
    line_unit = np.repeat(np.arange(n), 4)
    site.layers["collection_ditches"] = gpd.GeoDataFrame(
        {
            "ditch_id": _labels("D-", 4 * n),
            "unit_id": unit_ids[line_unit],
            "kind": line_kind,
            "bottom_depth_m": np.round(line_depth, 1),
            "width_m": np.round(line_width, 2),
            "length_m": np.round(shapely.length(lines), 1),
        },
        geometry=lines,
        crs=EPSG,
    )

    # --- per band: road near the top, stream in the valley, control area upslope --------
    nb = layout.n_bands
    xs0, xs1 = np.full(nb, layout.x0 + 5.0), np.full(nb, layout.x0 + layout.width - 5.0)
    road_vertices = int(np.ceil((layout.width - 10.0) / 10.0)) + 1
    roads = _wiggle_lines(
        xs0, xs1, boxes[:, 3] - 8.0, 1.5, 90.0, rng.uniform(0, 2 * np.pi, nb), road_vertices
    )
    site.layers["access_road"] = gpd.GeoDataFrame(
        {"road_id": _labels("R-", nb), "width_m": 4.0, "surface": "earth"}, geometry=roads, crs=EPSG
    )
    stream_vertices = int(np.ceil((layout.width - 10.0) / 5.0)) + 1
    t = np.linspace(0.0, 1.0, stream_vertices)[None, :]
    sx = xs0[:, None] + (xs1 - xs0)[:, None] * t
    sph = rng.uniform(0, 2 * np.pi, (nb, 2))
    sy = (
        boxes[:, 1, None]
        - 25.0
        + 3.0 * np.sin(2 * np.pi * sx / 120.0 + sph[:, :1])
        + 1.5 * np.sin(2 * np.pi * sx / 47.0 + sph[:, 1:])
    )
    streams = shapely.linestrings(np.stack([_r(sx), _r(sy)], axis=-1))
    site.layers["stream"] = gpd.GeoDataFrame(
        {
            "stream_id": _labels("S-", nb),
            "name": "山溪（合成） / synthetic creek",
            "flow": "digitised downstream (west to east)",
            "width_m": 3.0,
        },
        geometry=streams,
        crs=EPSG,
    )
    c_cx = 0.5 * (boxes[:, 0] + boxes[:, 2]) + rng.uniform(-20.0, 20.0, nb)
    c_cy = boxes[:, 3] + 42.0
    controls = _blobs(
        c_cx, c_cy, np.full(nb, 40.0), np.full(nb, 20.0), rng, power=6.0, vertices=32, wobble=0.03
    )
    site.layers["control_area"] = gpd.GeoDataFrame(
        {
            "control_id": _labels("CA-", nb),
            "land_use": "forest",
            "soil": "same granite weathering crust as the case area",
            "area_m2": np.round(shapely.area(controls), 1),
        },
        geometry=controls,
        crs=EPSG,
    )

    # --- soil layers and water table per area (attribute table) -------------------------
    rows_out = []
    for zone, (bottoms, water) in SOIL_PROFILES.items():
        top = 0.0
        for i, (name_zh, bottom) in enumerate(zip(_LAYER_TEXT, bottoms), start=1):
            name_en, text = _LAYER_TEXT[name_zh]
            rows_out.append((zone, i, name_zh, name_en, top, bottom, text, water))
            top = bottom
    site.layers["soil_layers"] = pd.DataFrame(
        rows_out,
        columns=[
            "zone",
            "layer_no",
            "layer_name",
            "layer_name_en",
            "top_depth_m",
            "bottom_depth_m",
            "description",
            "water_table_depth_m",
        ],
    )

    # --- bare ground (vegetation removed): the truth the orthomosaic is painted from -----
    ditch_lines, pipe_lines = lines[is_ditch], lines[~is_ditch]
    pieces = np.concatenate(
        [
            shapely.buffer(fields, 3.0, quad_segs=4),
            shapely.buffer(platforms, 2.0, quad_segs=4),
            shapely.buffer(ditch_lines, line_width[is_ditch] / 2 + 1.0, quad_segs=4),
            shapely.buffer(pipe_lines, 0.6, quad_segs=4),
            shapely.buffer(ponds, 4.0, quad_segs=4),
            shapely.buffer(roads, 3.0, quad_segs=4),
        ]
    )
    piece_band = np.concatenate(
        [band, band, band[line_unit[is_ditch]], band[line_unit[~is_ditch]], band[pond_unit], np.arange(nb)]
    )
    truth = [shapely.union_all(pieces[piece_band == k]) for k in range(nb)]
    truth = shapely.set_precision(np.asarray(truth, dtype=object), 0.001)
    site.layers["bare_ground_truth"] = gpd.GeoDataFrame(
        {
            "band_id": np.arange(1, nb + 1, dtype=np.int32),
            "area_m2": np.round(shapely.area(truth), 1),
            "fringe_m": 4.0,
            "note": "vegetation removed (synthetic truth); the orthomosaic adds a ragged fringe up to 4 m",
        },
        geometry=truth,
        crs=EPSG,
    )

    # --- shapes for the rasters ---------------------------------------------------------
    ditch_depth = np.round(line_depth[is_ditch], 1)
    site.dem_levels = (platforms, plat_level)
    site.dem_pits = (
        np.concatenate([pools, ponds]),
        np.concatenate([np.repeat(plat_level, 2) - pool_depth, pond_level - pond_depth]),
    )
    road_strips = shapely.buffer(roads, 2.0, quad_segs=4)
    site.dem_cuts_poly = (
        np.concatenate([fields, road_strips]),
        np.concatenate([np.full(n, 0.3), np.full(nb, 0.4)]),
    )
    site.dem_cuts_line = (ditch_lines, ditch_depth)
    near = shapely.buffer(pieces, 1.2, quad_segs=4)
    far = shapely.buffer(pieces, 4.0, quad_segs=4)
    water = shapely.buffer(streams, 1.5, quad_segs=4)
    ditch_beds = shapely.buffer(ditch_lines, line_width[is_ditch] / 2, quad_segs=4)
    groups = [
        (far, FRINGE_FAR),
        (near, FRINGE_NEAR),
        (pieces, BARE),
        (road_strips, ROAD),
        (water, STREAM),
        (ponds, POND),
        (pools, POOL),
        (ditch_beds, DITCH),
    ]
    site.ortho_shapes = (
        np.concatenate([g for g, _ in groups]),
        np.concatenate([np.full(len(g), code, dtype=np.uint8) for g, code in groups]),
    )
    site.ortho_lines = pipe_lines
    minx, miny, maxx, maxy = layout.bounds
    site.flight_area = shapely.Polygon(
        [
            (minx + 70, miny + 10),
            (maxx - 70, miny + 10),
            (maxx - 10, miny + 70),
            (maxx - 10, maxy - 70),
            (maxx - 70, maxy - 10),
            (minx + 70, maxy - 10),
            (minx + 10, maxy - 70),
            (minx + 10, miny + 70),
        ]
    )

    # --- sample points ------------------------------------------------------------------
    _sample_points(
        site,
        rng,
        seed,
        unit_ids,
        dict(
            ux=ux,
            uy=uy,
            fields=fields,
            pools=(pool_cx.ravel(), pool_cy.ravel(), pool_h.ravel(), pool_unit, pool_depth),
            platforms=(plat_cx, plat_cy, plat_h),
            ponds=(
                pond_cx.ravel(),
                pond_cy.ravel(),
                pond_h.ravel(),
                pond_angle.ravel(),
                pond_unit,
                pond_depth,
            ),
            lines=(lines, line_kind, line_unit, np.round(line_depth, 1)),
            hole_depth=hole_depth,
            controls=(c_cx, c_cy),
            sources=np.concatenate([fields, pools, ponds, lines]),
        ),
    )
    return site


def _sample_points(site: Site, rng, seed: int, unit_ids, g: dict) -> None:
    """Sample points per zone, the control points, and one row per planned soil sample."""
    lay = site.layout
    W, H = lay.unit_width, lay.unit_height
    n = lay.n_units
    xs, ys, zones, units, src_depth = [], [], [], [], []

    def add(x, y, zone, unit, depth):
        xs.append(np.asarray(x, dtype=np.float64).ravel())
        ys.append(np.asarray(y, dtype=np.float64).ravel())
        zones.append(np.full(xs[-1].size, zone, dtype=object))
        units.append(np.asarray(unit).ravel())
        src_depth.append(np.asarray(depth, dtype=np.float64).ravel())

    # PREP: beside each pool (downslope, 1.2 m) and below the platform edge
    pcx, pcy, ph, punit, pdepth = g["pools"]
    add(pcx, pcy - ph / 2 - 1.2, "PREP", punit, pdepth)
    plat_cx, plat_cy, plat_h = g["platforms"]
    add(plat_cx, plat_cy - plat_h / 2 - 1.0, "PREP", np.arange(n), pdepth.reshape(n, 2).max(axis=1))

    # INJ: a 40 m grid over the hole field, each point moved beside its nearest hole
    ga = np.arange(GRID_M / 2, W, GRID_M)
    gb = np.arange(GRID_M / 2, H, GRID_M)
    gaa, gbb = (v.ravel() for v in np.meshgrid(ga, gb))
    cell_unit = np.repeat(np.arange(n), gaa.size)
    cx = np.tile(gaa, n) + g["ux"][cell_unit]
    cy = np.tile(gbb, n) + g["uy"][cell_unit]
    keep = shapely.contains_xy(g["fields"][cell_unit], cx, cy)
    cx, cy, cell_unit = cx[keep], cy[keep], cell_unit[keep]
    holes = site.layers["injection_holes"]
    tree = shapely.STRtree(holes.geometry.values)
    nearest = tree.query_nearest(shapely.points(cx, cy), all_matches=False)[1]
    add(
        site.hole_xy[nearest, 0] + 0.5,
        site.hole_xy[nearest, 1] - 0.5,
        "INJ",
        cell_unit,
        g["hole_depth"][nearest],
    )

    # COLL: along ditches and pipes every 40 m, within 1.2 m ...
    lines, kind, lunit, ldepth = g["lines"]
    length = shapely.length(lines)
    count = np.maximum(1, np.floor(length / GRID_M)).astype(np.int64)
    which = np.repeat(np.arange(lines.size), count)
    first = np.repeat(np.cumsum(count) - count, count)
    along = (np.arange(which.size) - first + 0.5) * length[which] / count[which]
    on = shapely.line_interpolate_point(lines[which], along)
    is_pipe = kind[which] == "pipe"
    add(
        shapely.get_x(on) + np.where(is_pipe, 1.2, 0.0),
        shapely.get_y(on) - np.where(is_pipe, 0.0, 1.2),
        "COLL",
        lunit[which],
        ldepth[which],
    )
    # ... and over the flow-through slope between the hole field and the ponds (40 m grid)
    fa = np.arange(0.15 * W + GRID_M / 2, 0.85 * W, GRID_M)
    fb = np.arange(0.16 * H + GRID_M / 2, 0.45 * H - 10.0, GRID_M)
    faa, fbb = (v.ravel() for v in np.meshgrid(fa, fb))
    fu = np.repeat(np.arange(n), faa.size)
    fx = np.tile(faa, n) + g["ux"][fu]
    fy = np.tile(fbb, n) + g["uy"][fu]
    line_tree = shapely.STRtree(np.concatenate([lines, site.layers["settling_ponds"].geometry.values]))
    idx, dist = line_tree.query_nearest(shapely.points(fx, fy), all_matches=False, return_distance=True)
    far_enough = dist >= 6.0
    depth_of = np.concatenate([ldepth, g["ponds"][5]])
    add(fx[far_enough], fy[far_enough], "COLL", fu[far_enough], depth_of[idx[1][far_enough]])
    # ... and where the leachate flowed on below the ponds towards the stream
    add(g["ux"] + 0.5 * W, g["uy"] + 0.03 * H, "COLL", np.arange(n), g["ponds"][5].reshape(n, 3).max(axis=1))

    # SETL: 1.5 m below the lower edge of each pond
    qx, qy, qh, qa, qunit, qdepth = g["ponds"]
    add(qx + (qh / 2 + 1.5) * np.sin(qa), qy - (qh / 2 + 1.5) * np.cos(qa), "SETL", qunit, qdepth)

    x, y = _r(np.concatenate(xs)), _r(np.concatenate(ys))
    zone = np.concatenate(zones)
    unit = np.concatenate(units).astype(np.int64)
    source_bottom = np.concatenate(src_depth)
    zone_rank = pd.Series(zone).map({z: i for i, z in enumerate(ZONES)}).to_numpy()
    order = np.lexsort((x, -y, unit, zone_rank))
    x, y, zone, unit, source_bottom = x[order], y[order], zone[order], unit[order], source_bottom[order]
    point_id = np.empty(x.size, dtype=object)
    for z in ZONES:  # four zones, not features
        mask = zone == z
        point_id[mask] = _labels(f"{z}-", int(mask.sum()))

    # control points: 3 x 2 per control area, jittered
    c_cx, c_cy = g["controls"]
    ox = np.tile(np.array([-24.0, 0.0, 24.0, -24.0, 0.0, 24.0]), c_cx.size)
    oy = np.tile(np.array([6.0, 6.0, 6.0, -6.0, -6.0, -6.0]), c_cx.size)
    cband = np.repeat(np.arange(c_cx.size), 6)
    kx = _r(c_cx[cband] + ox + rng.uniform(-2.0, 2.0, ox.size))
    ky = _r(c_cy[cband] + oy + rng.uniform(-2.0, 2.0, oy.size))
    control_id = _labels("CTRL-", kx.size)

    # nearest mapped source of pollution (hole fields, pools, ponds, ditches, pipes)
    src_tree = shapely.STRtree(g["sources"])
    all_points = shapely.points(np.concatenate([x, kx]), np.concatenate([y, ky]))
    _, src_dist = src_tree.query_nearest(all_points, all_matches=False, return_distance=True)
    ground = np.round(site.terrain.at(np.concatenate([x, kx]), np.concatenate([y, ky])), 2)

    all_zone = np.concatenate([zone, np.full(kx.size, CONTROL_ZONE, dtype=object)])
    water = pd.Series(all_zone).map({z: table for z, (_, table) in SOIL_PROFILES.items()}).to_numpy()
    bottom = np.concatenate([source_bottom, np.full(kx.size, CONTROL_BOTTOM_M)])
    target_cm = np.maximum(bottom + 3.5, water + 1.0) * 100.0
    n_depths = np.minimum(np.searchsorted(DEPTH_LADDER_CM, target_cm) + 1, DEPTH_LADDER_CM.size)
    depth_text = np.array(
        [";".join(str(d) for d in DEPTH_LADDER_CM[:k]) for k in range(DEPTH_LADDER_CM.size + 1)], dtype=object
    )
    ids = np.concatenate([point_id, control_id])
    common = {
        "source_distance_m": np.round(src_dist, 2),
        "ground_z_m": ground,
        "depths_cm": depth_text[n_depths],
        "max_depth_m": DEPTH_LADDER_CM[n_depths - 1] / 100.0,
    }
    m = x.size
    site.layers["sample_points"] = gpd.GeoDataFrame(
        {
            "point_id": ids[:m],
            "zone": zone,
            "unit_id": unit_ids[unit],
            **{k: v[:m] for k, v in common.items()},
        },
        geometry=shapely.points(x, y),
        crs=EPSG,
    )
    band_of_control = _labels("CA-", c_cx.size)[cband]
    site.layers["control_points"] = gpd.GeoDataFrame(
        {
            "point_id": ids[m:],
            "zone": CONTROL_ZONE,
            "control_id": band_of_control,
            **{k: v[m:] for k, v in common.items()},
        },
        geometry=shapely.points(kx, ky),
        crs=EPSG,
    )

    # one row per soil sample
    rep = np.repeat(np.arange(ids.size), n_depths)
    depth_cm = DEPTH_LADDER_CM[np.arange(rep.size) - np.repeat(np.cumsum(n_depths) - n_depths, n_depths)]
    site.samples = pd.DataFrame(
        {
            "point_id": ids[rep],
            "zone": all_zone[rep],
            "depth_cm": depth_cm,
            "source_distance_m": src_dist[rep],
            "source_bottom_m": bottom[rep],
            "x": np.concatenate([x, kx])[rep],
            "y": np.concatenate([y, ky])[rep],
        }
    )
