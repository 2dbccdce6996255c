"""Inputs of the causality and restoration-effect steps for the synthetic case.

Written beside the other files, from the same site but with their OWN random stream
(``default_rng([seed, 16])``), so every other file stays byte-identical:

- ``sample_case_evidence.gpkg``: ``source_points`` (pond and ditch sediment, the REE sources),
  ``post_restoration_points`` (one surface point beside every soil sample point) and
  ``wells`` (groundwater heads);
- ``source_lab.csv`` and ``post_restoration_lab.csv``: lab sheets in the form of the main sheet;
- ``restoration_targets.csv``: zone, indicator, target, unit, source, direction;
- ``image_dates.csv``: the dates of the DEMs and mosaics (file, date, kind);
- ``ortho_after_restoration_1m.tif``: an RGB mosaic two years after restoration (1 m);
- ``ortho_before_act_1m.tif``: an RGB mosaic from before the act (1 m): forest but for the road
  (own stream ``default_rng([seed, 18])``).

All values are SYNTHETIC. The source pattern is that of an ion-exchange leachate
precipitate: heavy REE and Y enriched and Ce depleted against the weathering crust (Ce
stays behind as CeO2).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .lab import ANALYTES, DEPTH_COLUMN, ID_COLUMN, NOTE_COLUMN, POINT_COLUMN, REE, SYNTHETIC_NOTE
from .layout import EPSG

FILES = {
    "evidence_vectors": "sample_case_evidence.gpkg",
    "source_lab": "source_lab.csv",
    "post_restoration_lab": "post_restoration_lab.csv",
    "restoration_targets": "restoration_targets.csv",
    "image_dates": "image_dates.csv",
    "ortho_after_restoration": "ortho_after_restoration_1m.tif",
    "ortho_before_act": "ortho_before_act_1m.tif",
}
"""Key -> file name in the sample case folder."""

DATES = {
    "dem_before_2m.tif": ("2023-11-20", "DEM", "survey before the act (synthetic)"),
    "ortho_before_act_1m.tif": ("2023-11-20", "mosaic", "aerial image before the act (synthetic)"),
    "dem_after_2m.tif": ("2026-03-10", "DEM", "drone survey after the act (synthetic)"),
    "ortho_rgb.tif": ("2026-03-15", "mosaic", "drone survey after the act (synthetic)"),
    "ortho_after_restoration_1m.tif": ("2028-06-20", "mosaic", "two years after restoration (synthetic)"),
}
RESTORATION_END = "2026-06-30"
POST_SAMPLING_DATE = "2028-06-20"

# shares of total REE in the leachate precipitate (sum 1): Ce depleted, HREE and Y enriched
_SOURCE_SHARE = np.array(
    [0.18, 0.035, 0.04, 0.15, 0.032, 0.007, 0.036, 0.007, 0.042, 0.009, 0.026, 0.0035, 0.022, 0.0035, 0.407]
)
_SOURCE_TOTAL = {"pond_sediment": 6000.0, "ditch_sediment": 1800.0}  # mg/kg
_UNRESTORED_SHARE = 0.15
TARGETS = [
    ("ALL", "NH4_N", 100.0, "mg/kg", "恢复方案（合成）/ restoration plan, synthetic: NH4+-N back to 100 mg/kg", "max"),
    ("ALL", "pH", 5.0, "", "恢复方案（合成）/ restoration plan, synthetic: pH at least 5.0", "min"),
    ("ALL", "vegetation_cover", 0.85, "fraction", "恢复方案（合成）/ restoration plan, synthetic: 85 % cover", "min"),
]


def _lab_frame(ids, points, depths, values: dict) -> pd.DataFrame:
    headers = {h for h, *_ in ANALYTES}
    frame = {ID_COLUMN: ids, POINT_COLUMN: points, DEPTH_COLUMN: np.asarray(depths).astype(str).astype(object)}
    for header, column in values.items():
        assert header in headers, header
        if header == "pH":
            frame[header] = np.char.mod("%.2f", np.round(column, 2)).astype(object)
        else:
            frame[header] = np.char.mod("%.3g", column).astype(object)
    frame[NOTE_COLUMN] = np.full(len(ids), SYNTHETIC_NOTE, dtype=object)
    return pd.DataFrame(frame)


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")


def build(site, seed: int) -> dict:
    """The layers and tables, deterministic for ``seed`` (own stream ``[seed, 16]``)."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng([seed, 16])
    ponds = site.layers["settling_ponds"]
    ditches = site.layers["collection_ditches"]
    pond_xy = shapely.get_coordinates(shapely.point_on_surface(ponds.geometry.values))
    ditch_xy = shapely.get_coordinates(shapely.line_interpolate_point(ditches.geometry.values, 0.5, normalized=True))
    kinds = np.array(["pond_sediment"] * len(pond_xy) + ["ditch_sediment"] * len(ditch_xy), dtype=object)
    xy = np.vstack([pond_xy, ditch_xy])
    n_src = len(xy)
    src_points = np.array([f"SRC-{i + 1:03d}" for i in range(n_src)], dtype=object)
    source = gpd.GeoDataFrame(
        {
            "point_id": src_points,
            "sample_id": src_points + "-20",
            "kind": kinds,
            "zone": np.where(kinds == "pond_sediment", "SETL", "COLL").astype(object),
            "depth_cm": np.full(n_src, 20, dtype=np.int64),
        },
        geometry=shapely.points(np.round(xy, 3)),
        crs=EPSG,
    )
    total = np.array([_SOURCE_TOTAL[k] for k in kinds]) * np.exp(rng.normal(0.0, 0.25, n_src))
    scatter = np.exp(rng.normal(0.0, 0.08, (n_src, len(REE))))
    ree = total[:, None] * _SOURCE_SHARE[None, :] * scatter
    values = {f"{e} (mg/kg)": ree[:, i] for i, e in enumerate(REE)}
    values["NH4+-N (mg/kg)"] = 2500.0 * np.exp(rng.normal(0.0, 0.3, n_src))
    values["SO4 2- (mg/kg)"] = 9000.0 * np.exp(rng.normal(0.0, 0.3, n_src))
    source_lab = _lab_frame(source["sample_id"].to_numpy(), src_points, source["depth_cm"].to_numpy(), values)

    points = site.layers["sample_points"]
    m = len(points)
    post_ids = ("R-" + points["point_id"].astype(str)).to_numpy()
    post_xy = shapely.get_coordinates(points.geometry.values) + np.array([1.5, 0.0])
    post = gpd.GeoDataFrame(
        {
            "point_id": post_ids,
            "sample_id": post_ids + "-50",
            "zone": points["zone"].to_numpy(),
            "depth_cm": np.full(m, 50, dtype=np.int64),
        },
        geometry=shapely.points(np.round(post_xy, 3)),
        crs=EPSG,
    )
    # a share of the INJ and SETL points (at least two) not yet restored
    candidates = np.flatnonzero(np.isin(points["zone"].to_numpy(), ["INJ", "SETL"]))
    unrestored = np.zeros(m, dtype=bool)
    count = min(len(candidates), max(2, int(round(_UNRESTORED_SHARE * len(candidates)))))
    unrestored[rng.choice(candidates, size=count, replace=False)] = True
    post_values = {
        "pH": np.clip(rng.normal(5.45, 0.2, m) - 0.7 * unrestored, 3.8, 7.0),
        "NH4+-N (mg/kg)": 30.0 * np.exp(rng.normal(0.0, 0.45, m)) * np.where(unrestored, 8.0, 1.0),
        "SO4 2- (mg/kg)": 150.0 * np.exp(rng.normal(0.0, 0.35, m)) * np.where(unrestored, 5.0, 1.0),
    }
    post_lab = _lab_frame(post["sample_id"].to_numpy(), post_ids, post["depth_cm"].to_numpy(), post_values)

    # wells: three along the foot of the slope (above the stream), one upslope in the control area
    stream = shapely.union_all(site.layers["stream"].geometry.values)
    control = shapely.union_all(site.layers["control_area"].geometry.values)
    x0, y0, x1, y1 = site.layout.bounds
    foot = []
    for fraction in (0.3, 0.5, 0.7):
        x = x0 + fraction * (x1 - x0)
        line = shapely.LineString([(x, y0), (x, y1)])
        cross = shapely.get_coordinates(shapely.intersection(line, stream))
        y = float(cross[:, 1].min()) + 12.0 if len(cross) else y0 + 0.1 * (y1 - y0)
        foot.append((x, y))
    up = shapely.get_coordinates(shapely.point_on_surface(control))[0]
    well_xy = np.round(np.array([*foot, up]), 3)
    ground = np.round(site.terrain.at(well_xy[:, 0], well_xy[:, 1]), 2)
    depth_to_water = np.array([2.5, 2.5, 2.5, 11.0]) + rng.uniform(-0.3, 0.3, 4)
    wells = gpd.GeoDataFrame(
        {
            "well_id": np.array(["GW-001", "GW-002", "GW-003", "GW-CTRL-001"], dtype=object),
            "ground_z_m": ground,
            "water_depth_m": np.round(depth_to_water, 2),
            "head_m": np.round(ground - depth_to_water, 2),
            "role": np.array(["down-gradient", "down-gradient", "down-gradient", "control (up-gradient)"], dtype=object),
        },
        geometry=shapely.points(well_xy),
        crs=EPSG,
    )
    targets = pd.DataFrame(TARGETS, columns=["zone", "indicator", "target", "unit", "source", "direction"])
    dates = pd.DataFrame(
        [(name, date, kind, note) for name, (date, kind, note) in DATES.items()],
        columns=["file", "date", "kind", "note"],
    )
    return {"source": source, "post": post, "wells": wells, "source_lab": source_lab, "post_lab": post_lab,
            "targets": targets, "dates": dates}


def _one_metre_grid(site):
    """Width, height and transform of a 1 m grid over the site (EPSG of the layout)."""
    from affine import Affine

    x0, y0, x1, y1 = site.layout.bounds
    return int(round(x1 - x0)), int(round(y1 - y0)), Affine(1.0, 0.0, x0, 0.0, -1.0, y1)


def _write_mosaic(path: Path, bare, texture, bare_rgb, vegetation_rgb, transform, tags: dict, date: str) -> None:
    """An RGB GeoTIFF: ``bare_rgb`` where ``bare`` is 1, ``vegetation_rgb`` elsewhere, each
    channel varied by ``texture`` (standard normal) as soil and canopy vary."""
    import rasterio

    channels = [np.where(bare == 1, soil + soil_k * texture, leaf + leaf_k * texture)
                for soil, leaf, soil_k, leaf_k in zip(bare_rgb, vegetation_rgb, (8, 8, 6), (10, 14, 8))]
    bands = np.clip(np.stack(channels), 0, 255).astype("uint8")
    height, width = bare.shape
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 3, "dtype": "uint8",
               "crs": f"EPSG:{EPSG}", "transform": transform, "compress": "deflate", "photometric": "RGB",
               "tiled": True, "blockxsize": 256, "blockysize": 256}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(bands)
        dst.update_tags(**{**tags, "IMAGE_DATE": date})


def write_ortho_after(site, path: Path, tags: dict, seed: int) -> None:
    """A 1 m RGB mosaic after restoration: vegetation everywhere except the settling ponds
    (kept open) and a few bare patches left in the injection area."""
    import shapely
    from rasterio.features import rasterize

    rng = np.random.default_rng([seed, 17])
    width, height, transform = _one_metre_grid(site)
    holes = site.hole_xy
    pick = holes[rng.choice(len(holes), size=min(3, len(holes)), replace=False)] if len(holes) else np.zeros((0, 2))
    patches = list(shapely.buffer(shapely.points(pick), 6.0)) + list(
        shapely.buffer(site.layers["settling_ponds"].geometry.values, 1.0)
    )
    bare = rasterize([(g, 1) for g in patches], out_shape=(height, width), transform=transform, dtype="uint8")
    texture = rng.normal(0.0, 1.0, (height, width))
    _write_mosaic(path, bare, texture, (178, 132, 92), (62, 118, 52), transform, tags,
                  DATES[FILES["ortho_after_restoration"]][0])


def write_ortho_before(site, path: Path, tags: dict, seed: int) -> None:
    """A 1 m RGB mosaic from before the act: forest canopy everywhere but the access road."""
    from rasterio.features import rasterize

    from .features import ROAD

    rng = np.random.default_rng([seed, 18])
    width, height, transform = _one_metre_grid(site)
    geoms, codes = site.ortho_shapes
    road = [g for g, code in zip(geoms, codes) if code == ROAD]
    bare = (rasterize([(g, 1) for g in road], out_shape=(height, width), transform=transform, dtype="uint8")
            if road else np.zeros((height, width), dtype="uint8"))
    texture = rng.normal(0.0, 1.0, (height, width))
    _write_mosaic(path, bare, texture, (196, 160, 122), (58, 112, 50), transform, tags,
                  DATES[FILES["ortho_before_act"]][0])


def write_evidence(site, stage: Path, seed: int, tags: dict, date_iso: str) -> set:
    """Write the files of :data:`FILES` into ``stage``; returns their keys."""
    import pyogrio

    parts = build(site, seed)
    options = {"OGR_CURRENT_DATE": date_iso, "OGR_SQLITE_SYNCHRONOUS": "OFF"}
    previous = {key: pyogrio.get_gdal_config_option(key) for key in options}
    pyogrio.set_gdal_config_options(options)
    try:
        layers = (
            ("source_points", parts["source"], "REE source samples: pond and ditch sediment (SYNTHETIC)"),
            ("post_restoration_points", parts["post"], "post-restoration soil points (SYNTHETIC)"),
            ("wells", parts["wells"], "groundwater wells with heads, m, 1985 datum (SYNTHETIC)"),
        )
        for name, frame, description in layers:
            pyogrio.write_dataframe(
                frame, stage / FILES["evidence_vectors"], layer=name, driver="GPKG", append=False,
                layer_metadata={"SYNTHETIC": "YES", **tags},
                layer_options={"DESCRIPTION": description, "IDENTIFIER": name},
            )
    finally:
        pyogrio.set_gdal_config_options(previous)
    _csv(parts["source_lab"], stage / FILES["source_lab"])
    _csv(parts["post_lab"], stage / FILES["post_restoration_lab"])
    _csv(parts["targets"], stage / FILES["restoration_targets"])
    _csv(parts["dates"], stage / FILES["image_dates"])
    write_ortho_after(site, stage / FILES["ortho_after_restoration"], tags, seed)
    write_ortho_before(site, stage / FILES["ortho_before_act"], tags, seed)
    return set(FILES)


__all__ = ["DATES", "FILES", "POST_SAMPLING_DATE", "RESTORATION_END", "build", "write_evidence"]
