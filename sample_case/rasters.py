"""DEMs before and after mining and the drone orthomosaic, written block by block.

Each raster is computed and written in windows of at most :data:`BLOCK` x :data:`BLOCK`
cells, so memory stays bounded (about 150 MB) whatever the scale. Cell values depend
only on their coordinates, never on the block layout.
"""

from __future__ import annotations

import numpy as np
import shapely

from . import noise
from .features import BARE, DITCH, FOREST, FRINGE_FAR, FRINGE_NEAR, HOLE, PIPE, POND, POOL, ROAD, STREAM, Site
from .layout import EPSG

DEM_RESOLUTION_M = 2.0
"""DEM cell size, m."""
DEM_NODATA = -9999.0
"""DEM nodata value (the after-DEM is nodata outside the drone flight area)."""
ORTHO_RESOLUTION_M = 0.2
"""Orthomosaic cell size, m, unless the mosaic would exceed :data:`ORTHO_MAX_PIXELS`."""
ORTHO_MAX_PIXELS = 250_000_000
"""Above this many cells (about 0.75 GB of RGB) the orthomosaic is coarsened."""
ORTHO_RESOLUTION_LADDER_M = (0.2, 0.25, 0.4, 0.5, 1.0, 2.0)
"""Cell sizes tried in turn, m; all divide the 10 m site grid."""
BLOCK = 1024
"""Window size, cells."""
GDAL_CACHE_MB = 256
"""GDAL block cache while writing, MB (GDAL's default, 5 % of RAM, would hold gigabytes)."""

_DEM_PROFILE = {
    "driver": "GTiff",
    "dtype": "float32",
    "count": 1,
    "nodata": DEM_NODATA,
    "tiled": True,
    "blockxsize": 256,
    "blockysize": 256,
    "compress": "DEFLATE",
    "predictor": 3,
    "zlevel": 6,
    "BIGTIFF": "IF_SAFER",
}
_ORTHO_PROFILE = {
    "driver": "GTiff",
    "dtype": "uint8",
    "count": 3,
    "tiled": True,
    "blockxsize": 256,
    "blockysize": 256,
    "compress": "JPEG",
    "jpeg_quality": 90,
    "photometric": "YCBCR",
    "interleave": "pixel",
    "BIGTIFF": "IF_SAFER",
}
"""Like most drone mosaics: JPEG in YCbCr (lossy, about 1/6 of DEFLATE); GDAL reads it as RGB."""


def ortho_resolution(width_m: float, height_m: float) -> float:
    """Orthomosaic cell size (m) for a site extent: 0.2 m, coarsened to stay feasible.

    Examples
    --------
    >>> ortho_resolution(440, 450)
    0.2
    >>> ortho_resolution(12280, 12020)
    1.0
    """
    for res in ORTHO_RESOLUTION_LADDER_M:
        if (width_m / res) * (height_m / res) <= ORTHO_MAX_PIXELS:
            return res
    return ORTHO_RESOLUTION_LADDER_M[-1]


def _windows(height: int, width: int):
    from rasterio.windows import Window

    for row in range(0, height, BLOCK):
        for col in range(0, width, BLOCK):
            yield Window(col, row, min(BLOCK, width - col), min(BLOCK, height - row))


def _block_axes(window, x0: float, y_top: float, res: float):
    xs = x0 + (window.col_off + np.arange(window.width) + 0.5) * res
    ys = y_top - (window.row_off + np.arange(window.height) + 0.5) * res
    box = shapely.box(
        x0 + window.col_off * res,
        y_top - (window.row_off + window.height) * res,
        x0 + (window.col_off + window.width) * res,
        y_top - window.row_off * res,
    )
    return xs, ys, box


def _paint(tree, geoms, values, box, shape, transform, fill, dtype, all_touched=False):
    """Rasterize the shapes that meet ``box`` in their original order (later wins)."""
    from rasterio.features import rasterize

    hits = np.sort(tree.query(box))
    if hits.size == 0:
        return None
    return rasterize(
        zip(geoms[hits], values[hits]),
        out_shape=shape,
        transform=transform,
        fill=fill,
        dtype=dtype,
        all_touched=all_touched,
    )


def _grid_info(site: Site, res: float):
    from rasterio.transform import from_origin

    minx, miny, maxx, maxy = site.layout.bounds
    width, height = int(round((maxx - minx) / res)), int(round((maxy - miny) / res))
    return width, height, from_origin(minx, maxy, res, res)


def write_dems(site: Site, before_path, after_path, tags: dict, step=None, check=None) -> None:
    """Write the 2 m DEMs before and after mining (float32, m, 1985 height datum).

    The after-DEM levels the preparation platforms, digs pools and ponds to their bottom
    heights, strips 0.3 m off the hole fields, cuts 0.4 m for the road and each ditch
    to its bottom depth, and is nodata outside the drone flight area.

    Parameters
    ----------
    site : Site
    before_path, after_path : path-like
        Output GeoTIFFs.
    tags : dict
        Metadata written into both files (SYNTHETIC marks, datum, seed).
    step : callable, optional
        Progress callback taking a fraction in [0, 1].
    check : callable, optional
        Called between blocks; raises to cancel.
    """
    import rasterio
    from rasterio.windows import transform as window_transform

    res = DEM_RESOLUTION_M
    width, height, transform = _grid_info(site, res)
    x0, y_top = transform.c, transform.f
    profile = dict(_DEM_PROFILE, width=width, height=height, crs=f"EPSG:{EPSG}", transform=transform)
    trees = {
        name: shapely.STRtree(shapes[0])
        for name, shapes in (
            ("level", site.dem_levels),
            ("pit", site.dem_pits),
            ("cut", site.dem_cuts_poly),
            ("line", site.dem_cuts_line),
        )
    }
    flight_tree = shapely.STRtree([site.flight_area])
    windows = list(_windows(height, width))
    with (
        rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB << 20),
        rasterio.open(before_path, "w", **profile) as before_ds,
        rasterio.open(after_path, "w", **profile) as after_ds,
    ):
        for i, window in enumerate(windows):
            if check:
                check()
            xs, ys, box = _block_axes(window, x0, y_top, res)
            shape = (window.height, window.width)
            wt = window_transform(window, transform)
            before = np.round(site.terrain.grid(xs, ys), 3)
            after = before.copy()
            level = _paint(trees["level"], *site.dem_levels, box, shape, wt, np.nan, "float64")
            if level is not None:
                after = np.where(np.isfinite(level), level, after)
            cut = np.zeros(shape)
            for name, shapes, touched in (
                ("cut", site.dem_cuts_poly, False),
                ("line", site.dem_cuts_line, True),
            ):
                painted = _paint(trees[name], *shapes, box, shape, wt, 0.0, "float64", all_touched=touched)
                if painted is not None:
                    cut = np.maximum(cut, painted)
            after = after - cut
            pit = _paint(trees["pit"], *site.dem_pits, box, shape, wt, np.inf, "float64")
            if pit is not None:
                after = np.minimum(after, pit)
            inside = _paint(
                flight_tree, np.array([site.flight_area]), np.array([1]), box, shape, wt, 0, "uint8"
            )
            after = (
                np.where(inside == 1, np.round(after, 3), DEM_NODATA)
                if inside is not None
                else np.full(shape, DEM_NODATA)
            )
            before_ds.write(before.astype(np.float32), 1, window=window)
            after_ds.write(after.astype(np.float32), 1, window=window)
            if step:
                step((i + 1) / len(windows))
        for ds, when in ((before_ds, "before"), (after_ds, "after")):
            ds.update_tags(
                **tags,
                DEM=f"ground surface {when} mining",
                NODATA_MEANING="outside the survey" if when == "after" else "none",
            )
            ds.set_band_description(1, f"elevation {when} mining (m, 1985 national height datum EPSG:5737)")
            ds.units = ("m",)


# colours (R, G, B) of the small classes; forest and bare soil are textured below
_FLAT_COLOURS = {
    ROAD: (196, 160, 122),
    POOL: (62, 118, 152),
    POND: (142, 182, 170),
    DITCH: (78, 58, 46),
    HOLE: (22, 17, 15),
    STREAM: (62, 80, 64),
    PIPE: (36, 36, 40),
}


def _hillshade(site: Site, xs, ys, res_dem: float):
    """Shading factor (about 0.6-1.15) from the terrain, computed on a 2 m grid and resampled."""
    gx = np.arange(xs[0] - res_dem, xs[-1] + 2 * res_dem, res_dem)
    gy = np.arange(ys[0] + res_dem, ys[-1] - 2 * res_dem, -res_dem)
    z = site.terrain.grid(gx, gy)
    dz_row, dz_col = np.gradient(z, res_dem)
    dzdx, dzdy = dz_col, -dz_row
    norm = np.sqrt(dzdx**2 + dzdy**2 + 1.0)
    sun = np.array(
        [-np.sin(np.pi / 4) * np.cos(np.pi / 4), np.cos(np.pi / 4) * np.cos(np.pi / 4), np.sin(np.pi / 4)]
    )
    shade = np.clip((-dzdx * sun[0] - dzdy * sun[1] + sun[2]) / norm, 0.0, 1.0)
    return noise.interpolate_grid(0.6 + 0.55 * shade, gx[0], gy[0], res_dem, xs, ys)


def write_ortho(site: Site, path, tags: dict, seed: int, step=None, check=None) -> float:
    """Write the RGB orthomosaic (uint8, 3 bands); return its cell size in m.

    Forest canopy (crowns of 1-3 m, stands of about 20 m) everywhere except bare
    reddish-yellow laterite where vegetation was stripped (with a ragged fringe up to
    4 m), the road, pools (lined, bluish), ponds (milky turquoise leachate), ditches,
    pipes, holes (dark dots) and the stream. Shaded by the terrain (sun from the NW).

    Parameters
    ----------
    site : Site
    path : path-like
        Output GeoTIFF.
    tags : dict
        Metadata written into the file.
    seed : int
        Texture seed.
    step, check : callable, optional
        Progress callback and cancel check, as for :func:`write_dems`.
    """
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.features import rasterize
    from rasterio.windows import transform as window_transform

    lay = site.layout
    res = ortho_resolution(lay.width, lay.height)
    width, height, transform = _grid_info(site, res)
    x0, y_top = transform.c, transform.f
    profile = dict(_ORTHO_PROFILE, width=width, height=height, crs=f"EPSG:{EPSG}", transform=transform)
    geoms, codes = site.ortho_shapes
    tree = shapely.STRtree(geoms)
    pipe_tree = shapely.STRtree(site.ortho_lines)
    # holes binned by block (pixel indices), cheaper than a tree of a million points
    hole_col = np.floor((site.hole_xy[:, 0] - x0) / res).astype(np.int64)
    hole_row = np.floor((y_top - site.hole_xy[:, 1]) / res).astype(np.int64)
    blocks_across = -(-width // BLOCK)
    hole_block = (hole_row // BLOCK) * blocks_across + hole_col // BLOCK
    hole_order = np.argsort(hole_block, kind="stable")
    hole_block = hole_block[hole_order]
    salts = [noise.salt(seed, 200 + i) for i in range(7)]
    windows = list(_windows(height, width))
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB << 20), rasterio.open(path, "w", **profile) as ds:
        for i, window in enumerate(windows):
            if check:
                check()
            xs, ys, box = _block_axes(window, x0, y_top, res)
            shape = (window.height, window.width)
            wt = window_transform(window, transform)
            cls = _paint(tree, geoms, codes, box, shape, wt, FOREST, "uint8")
            cls = np.full(shape, FOREST, dtype=np.uint8) if cls is None else cls
            hits = np.sort(pipe_tree.query(box))
            if hits.size:
                pipe = rasterize(
                    site.ortho_lines[hits],
                    out_shape=shape,
                    transform=wt,
                    fill=0,
                    default_value=1,
                    dtype="uint8",
                    all_touched=True,
                )
                cls[(pipe == 1) & ~np.isin(cls, (POND, POOL, STREAM))] = PIPE
            block = (window.row_off // BLOCK) * blocks_across + window.col_off // BLOCK
            lo, hi = np.searchsorted(hole_block, [block, block + 1])
            row = hole_row[hole_order[lo:hi]] - window.row_off
            col = hole_col[hole_order[lo:hi]] - window.col_off
            for dr, dc in ((0, 0), (0, 1), (1, 0), (1, 1)):  # 2 x 2 cells, about 0.4 m
                r, c = row + dr, col + dc
                ok = (r < shape[0]) & (c < shape[1])
                cls[r[ok], c[ok]] = HOLE

            rx, ry = xs - lay.x0, ys - lay.y0
            f32 = np.float32
            crowns = (
                0.65 * noise.grid(rx, ry, 2.5, salts[0]) + 0.35 * noise.grid(rx, ry, 1.0, salts[1])
            ).astype(f32)
            stands = noise.grid(rx, ry, 18.0, salts[2]).astype(f32)
            grain = (noise.cells(rx, ry, res, salts[3]) - 0.5).astype(f32)
            soil = noise.grid(rx, ry, 4.0, salts[4]).astype(f32)
            light = crowns * np.sqrt(crowns)  # bright crowns, dark gaps
            light[crowns < 0.28] *= 0.7
            rgb = np.empty((3, *shape), dtype=f32)
            rgb[0] = 28 + 55 * light + 20 * stands + 12 * grain
            rgb[1] = 67 + 80 * light - 15 * stands + 12 * grain
            rgb[2] = 25 + 35 * light + 12 * grain
            edge = noise.grid(rx, ry, 1.5, salts[5])
            bare = (
                (cls == BARE) | ((cls == FRINGE_NEAR) & (edge > 0.35)) | ((cls == FRINGE_FAR) & (edge > 0.75))
            )
            paints = [(bare, (178, 112, 72), (35, 26, 18), 14)]
            paints += [(cls == code, colour, (8, 8, 8), 10) for code, colour in _FLAT_COLOURS.items()]
            for mask, colour, soil_gain, grain_gain in paints:
                if mask.any():
                    s_m, g_m = soil[mask], grain[mask]
                    for band in range(3):
                        rgb[band][mask] = colour[band] + soil_gain[band] * s_m + grain_gain * g_m
            rgb *= _hillshade(site, xs, ys, DEM_RESOLUTION_M).astype(f32)[None]
            np.clip(rgb, 1, 255, out=rgb)
            np.rint(rgb, out=rgb)
            ds.write(rgb.astype(np.uint8), window=window)
            if step:
                step(0.9 * (i + 1) / len(windows))
        ds.update_tags(**tags, RESOLUTION_M=f"{res:g}", SENSOR="synthetic RGB drone camera (no real imagery)")
        for band, name in enumerate(("red", "green", "blue"), start=1):
            ds.set_band_description(band, name)
    factors = []
    while max(width, height) / 2 ** (len(factors) + 1) >= 256:
        factors.append(2 ** (len(factors) + 1))
    if factors:
        # reopened, so overviews always come from the stored (JPEG) tiles, never from
        # whatever the block cache still holds: the bytes do not depend on the cache size
        with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB << 20), rasterio.open(path, "r+") as ds:
            ds.build_overviews(factors, Resampling.average)
            ds.update_tags(ns="rio_overview", resampling="average")
    if step:
        step(1.0)
    return res
