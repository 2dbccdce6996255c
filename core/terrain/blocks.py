"""Block-method resource estimate of an in-situ leaching site, and the report's annex tables.

Per block (DOMAIN.md, "Valuation", **[default]**): area A (m2), mean grade g (% REO, the
ion-phase grade from the element results with the oxide factors of
:mod:`ree_damage.core.standards.oxides`), mean ore thickness h (m), dry density d (t/m3):

- ore volume V = A x h (m3), ore tonnage Q = V x d (t),
- REO tonnage P = Q x g / 100 (t).

Totals: A, V, Q and P add up; the mean thickness is weighted by area (V / A), the mean
density by volume (Q / V) and the mean grade by ore tonnage (100 x P / Q), as reports
write them.

Blocks are the user's polygons, or the INJ zone split on a square grid (pieces without a
sample merged into the neighbour they share the longest border with). A block's grade is
the mean REO of the samples inside it (those no deeper than its ore thickness when the
samples carry ``depth_cm``), or the mean of a kriged grade raster over the block.

The three annex tables of the reports of 自然资规〔2024〕5号 (附表 3-5: area, mean grade
and mean thickness per block; resource per block; resource summary) are written as XLSX
sheets with Chinese headers, units and a totals row, and as CSV.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from ..common.errors import InputError
from ..common.messages import Message
from ..common.progress import CancelFn, ProgressFn, check_canceled, no_progress
from ..standards.oxides import MG_PER_KG_PER_PERCENT, OXIDE_FACTORS, reo_percent
from ..standards.oxides import SOURCE as OXIDE_SOURCE

ALGORITHM = "ree_damage:mined_volume"
MINERAL = "离子吸附型稀土矿"
DENSITY_RANGE = (1.0, 3.0)
"""Plausible dry density of ore, t/m3; a value outside is refused."""

PARAM_SOURCES = {
    "block_size_m": "[default] 100 m squares over the INJ zone: two or more points of the 40 m sampling grid each",
    "thickness_m": "[default] 8 m ore thickness (fully weathered layer of southern Jiangxi ion-adsorption ore, "
                   "5-10 m); replace by the drilling logs per block",
    "density_t_m3": "[default] 1.6 t/m3 dry density of the weathered granite crust (1.4-1.8); replace by measurements",
    "oxide_factors": OXIDE_SOURCE,
    "grade": "mean REO (%) of the samples inside the block, or mean of a kriged grade raster over it; "
             "values below the detection limit count as 0 (a lower bound)",
    "category": "[default] 推断资源量 (inferred) unless the block layer says otherwise",
}


@dataclass(frozen=True)
class BlockParams:
    """Settings of :func:`block_resources` (lengths in m, density in t/m3).

    The ``*_field`` names are read from the block polygons when present; a block
    without a value takes the default.
    """

    block_size_m: float = 100.0
    thickness_m: float = 8.0
    density_t_m3: float = 1.6
    id_field: str = "block_id"
    thickness_field: str = "thickness_m"
    density_field: str = "density_t_m3"
    category_field: str = "category"
    category: str = "推断资源量"
    zone_code: str = "INJ"
    grade_raster_unit: str = "mg/kg"


@dataclass
class ResourceResult:
    """Blocks with their resource, and the annex tables built from them."""

    blocks: object  # geopandas.GeoDataFrame
    crs: Optional[str] = None
    warnings: list = field(default_factory=list)
    parameters: dict = field(default_factory=dict)

    @property
    def totals(self) -> dict:
        """Sums and weighted means over all blocks (m2, m3, t, %, m, t/m3)."""
        return _totals(self.blocks)

    def annex_tables(self) -> dict:
        """Sheet name -> (title, header, rows incl. the totals row) of 附表 3, 4 and 5."""
        return annex_tables(self.blocks)

    def provenance(self, *, inputs=None, host=None) -> dict:
        from ..common.provenance import result_record

        return result_record(ALGORITHM, self, crs=self.crs, sources=PARAM_SOURCES, inputs=inputs, host=host,
                             outputs={k: v for k, v in self.totals.items()})

    def write(self, paths, *, inputs=None, host=None) -> dict:
        """Write the annex workbook, its CSVs and the blocks, as one transaction with provenance.

        Parameters
        ----------
        paths : mapping
            ``"workbook"`` (.xlsx, one sheet per annex table), ``"table3"``, ``"table4"``,
            ``"table5"`` (.csv, UTF-8 with BOM), ``"blocks"`` (.gpkg or .csv). Any may be
            left out.
        """
        from ..common.provenance import recorded_outputs
        from ..common.xlsx import write_workbook
        from ..geo.vector_io import write_frame

        wanted = {k: Path(v) for k, v in paths.items() if v is not None}
        unknown = set(wanted) - {"workbook", "table3", "table4", "table5", "blocks"}
        if unknown:
            raise KeyError(f"unknown outputs {sorted(unknown)}")
        tables = self.annex_tables()
        names = list(wanted)
        with recorded_outputs([wanted[n] for n in names], self.provenance(inputs=inputs, host=host)) as temps:
            tmp = dict(zip(names, temps))
            if "workbook" in tmp:
                sheets = {name: [[title], header, *rows] for name, (title, header, rows, _) in tables.items()}
                formats = {name: fmt for name, (_, _, _, fmt) in tables.items()}
                write_workbook(tmp["workbook"], sheets, header_rows=2, number_formats=formats,
                               properties={"title": "资源量估算附表 / resource estimate annex tables"})
            for key, name in zip(("table3", "table4", "table5"), tables):
                if key in tmp:
                    _, header, rows, _ = tables[name]
                    pd.DataFrame(rows, columns=header).to_csv(tmp[key], index=False, encoding="utf-8-sig")
            if "blocks" in tmp:
                write_frame(tmp["blocks"], self.blocks, layer=wanted["blocks"].stem)
        return wanted


# --------------------------------------------------------------------------- blocks
def grid_blocks(zones, *, zone_code: str = "INJ", size_m: float = 100.0, samples=None):
    """The zone ``zone_code`` split on a square grid of ``size_m`` (m), as blocks ``B01``, ``B02``...

    Squares are numbered from the north-west, row by row. With ``samples`` given, a piece
    holding no sample is merged into the neighbouring block it shares the longest
    border with (a block needs samples for its grade).
    """
    import geopandas as gpd
    import shapely

    if not (size_m > 0 and math.isfinite(size_m)):
        raise InputError(f"the block size must be a positive number of metres, not {size_m!r}")
    if zones is None or "zone" not in getattr(zones, "columns", ()):
        raise InputError(Message("TERRAIN_NO_BLOCKS", zone=zone_code), layer="zones")
    chosen = zones[zones["zone"] == zone_code]
    if chosen.empty:
        raise InputError(Message("TERRAIN_NO_BLOCKS", zone=zone_code), layer="zones")
    area = shapely.union_all(np.asarray(chosen.geometry.to_numpy(), dtype=object))
    minx, miny, maxx, maxy = area.bounds
    x0, y1 = math.floor(minx / size_m) * size_m, math.ceil(maxy / size_m) * size_m
    nx, ny = math.ceil((maxx - x0) / size_m), math.ceil((y1 - miny) / size_m)
    squares = [shapely.box(x0 + i * size_m, y1 - (j + 1) * size_m, x0 + (i + 1) * size_m, y1 - j * size_m)
               for j in range(ny) for i in range(nx)]
    pieces = shapely.intersection(np.asarray(squares, dtype=object), area)
    pieces = [p for p in pieces if not p.is_empty and p.area > 0]
    if samples is not None and len(samples):
        points = samples.to_crs(chosen.crs).geometry.to_numpy()
        pieces = _merge_empty(pieces, points)
    ids = [f"B{k + 1:02d}" for k in range(len(pieces))]
    return gpd.GeoDataFrame({"block_id": ids}, geometry=list(pieces), crs=chosen.crs)


def _merge_empty(pieces: list, points) -> list:
    import shapely

    pieces = list(pieces)
    while True:
        counts = [int(shapely.contains(p, points).sum()) + int(shapely.touches(p, points).sum()) for p in pieces]
        empty = [k for k, n in enumerate(counts) if n == 0]
        if not empty or len(pieces) == 1:
            return pieces
        k = min(empty, key=lambda i: pieces[i].area)  # the smallest first
        borders = [(shapely.intersection(pieces[k].boundary, q.boundary).length if j != k else -1.0, j)
                   for j, q in enumerate(pieces)]
        length, j = max(borders)
        if length <= 0:  # an island without samples: kept, and refused later with its name
            return pieces
        pieces[j] = shapely.union(pieces[j], pieces[k])
        del pieces[k]


def _block_values(blocks, column: str, default: float) -> np.ndarray:
    if column and column in blocks.columns:
        values = pd.to_numeric(blocks[column], errors="coerce").to_numpy(dtype=float)
        return np.where(np.isnan(values), default, values)
    return np.full(len(blocks), float(default))


def _sample_reo(samples, factors) -> np.ndarray:
    """REO (%) of each sample from its element columns; censored values count as 0."""
    present = [e for e in OXIDE_FACTORS if e in samples.columns]
    if not present:
        raise InputError(Message("TERRAIN_NO_ELEMENTS"), layer="samples")
    columns = {}
    for element in present:
        values = pd.to_numeric(samples[element], errors="coerce").to_numpy(dtype=float)
        flag = f"{element}_flag"
        if flag in samples.columns:
            censored = samples[flag].fillna("").astype(str).str.strip().to_numpy() != ""
            values = np.where(censored, 0.0, values)
        columns[element] = values
    return np.asarray(reo_percent(columns, factors=factors), dtype=float)


def block_resources(
    blocks=None,
    *,
    zones=None,
    samples=None,
    grade_raster=None,
    dem_bounds=None,
    dem_crs=None,
    params: Optional[BlockParams] = None,
    factors=None,
    progress: Optional[ProgressFn] = None,
    is_canceled: Optional[CancelFn] = None,
) -> ResourceResult:
    """Resource per block by the block method, with the checks a court expects.

    Parameters
    ----------
    blocks : geopandas.GeoDataFrame, optional
        Block polygons (any CRS) with ``params.id_field`` and optional thickness (m),
        density (t/m3) and category fields. None: the INJ zone of ``zones`` split on a grid.
    zones : geopandas.GeoDataFrame, optional
        Functional zones (``zone`` field), used when ``blocks`` is None.
    samples : geopandas.GeoDataFrame, optional
        Lab results at the sample points: element columns ``La`` ... ``Y`` in mg/kg
        (``<code>_flag`` non-empty = below detection limit), optional ``depth_cm``.
    grade_raster : path-like, optional
        A kriged grade raster (``params.grade_raster_unit``: REO mg/kg or %); its mean over
        a block is the block's grade. Used instead of the samples when given.
    dem_bounds : tuple of float, optional
        (minx, miny, maxx, maxy) of the DEM in ``dem_crs``: a block reaching outside is refused.
    dem_crs : str, optional
        CRS of the DEM, and of the blocks' areas (a projected CRS in m).
    params : BlockParams, optional
    factors : mapping, optional
        Element -> oxide factor overriding :data:`ree_damage.core.standards.oxides.OXIDE_FACTORS`.

    Returns
    -------
    ResourceResult
        ``blocks`` with ``area_m2``, ``grade_pct``, ``n_samples``, ``grade_source``,
        ``thickness_m``, ``density_t_m3``, ``volume_m3``, ``ore_t``, ``reo_t``, ``category``.

    Raises
    ------
    InputError
        Naming the block: thickness zero or negative, grade above 100 % or negative,
        density outside 1-3 t/m3, a block outside the DEM, a block without a grade.
    """
    import geopandas as gpd
    import shapely

    params = params or BlockParams()
    progress = progress or no_progress
    warnings: list = []
    if blocks is None:
        blocks = grid_blocks(zones, zone_code=params.zone_code, size_m=params.block_size_m,
                             samples=samples if grade_raster is None else None)
        source = f"{params.zone_code} zone split on a {params.block_size_m:g} m grid"
    else:
        if getattr(blocks, "crs", None) is None:
            raise InputError(Message("LAYER_NO_CRS"), layer="blocks")
        source = "user polygons"
    crs = dem_crs or blocks.crs
    frame = blocks.to_crs(crs).reset_index(drop=True)
    if frame.crs is not None and frame.crs.is_geographic:
        raise InputError(Message("TERRAIN_DEM_GEOGRAPHIC", crs=str(frame.crs)), layer="blocks")
    if params.id_field in frame.columns:
        ids = frame[params.id_field].astype(str).to_numpy()
    else:
        ids = np.array([f"B{k + 1:02d}" for k in range(len(frame))])
    if len(set(ids)) != len(ids):
        seen = pd.Series(ids)
        raise InputError(Message("TERRAIN_BLOCK_ID_TWICE", ids=", ".join(sorted(set(seen[seen.duplicated()])))),
                         layer="blocks", column=params.id_field)
    geometries = frame.geometry.to_numpy()
    for k, geom in enumerate(geometries):
        if geom is None or geom.is_empty or geom.area <= 0:
            raise InputError(Message("TERRAIN_BLOCK_EMPTY"), layer="blocks", feature=ids[k])
    if dem_bounds is not None:
        outside = ~shapely.within(geometries, shapely.box(*dem_bounds))
        for k in np.flatnonzero(outside):
            raise InputError(Message("TERRAIN_BLOCK_OUTSIDE_DEM"), layer="blocks", feature=ids[k])

    thickness = _block_values(frame, params.thickness_field, params.thickness_m)
    density = _block_values(frame, params.density_field, params.density_t_m3)
    for k in range(len(frame)):
        if not (thickness[k] > 0):
            raise InputError(Message("TERRAIN_BLOCK_THICKNESS", value=float(thickness[k])), layer="blocks",
                             feature=ids[k], column=params.thickness_field)
        if not (DENSITY_RANGE[0] <= density[k] <= DENSITY_RANGE[1]):
            raise InputError(Message("TERRAIN_BLOCK_DENSITY", value=float(density[k]), low=DENSITY_RANGE[0],
                                     high=DENSITY_RANGE[1]), layer="blocks", feature=ids[k],
                             column=params.density_field)
    check_canceled(is_canceled)

    if grade_raster is not None:
        grade, counts = _raster_grades(grade_raster, geometries, crs, ids, params.grade_raster_unit)
        grade_source = np.full(len(frame), "kriged raster")
    elif samples is not None:
        grade, counts = _sample_grades(samples.to_crs(crs), geometries, thickness, ids, factors)
        grade_source = np.full(len(frame), "samples")
    else:
        raise InputError(Message("TERRAIN_NO_GRADE_SOURCE"), layer="samples")
    progress(0.8)
    for k in range(len(frame)):
        if not (0.0 <= grade[k] <= 100.0):
            raise InputError(Message("TERRAIN_BLOCK_GRADE", value=float(grade[k])), layer="blocks", feature=ids[k])

    area = shapely.area(geometries)
    volume = area * thickness
    ore = volume * density
    reo = ore * grade / 100.0
    if params.category_field in frame.columns:
        category = frame[params.category_field].fillna("").astype(str).replace("", params.category).to_numpy()
    else:
        category = np.full(len(frame), params.category)
    out = gpd.GeoDataFrame(
        {"block_id": ids, "category": category, "area_m2": area, "grade_pct": grade, "n_samples": counts,
         "grade_source": grade_source, "thickness_m": thickness, "density_t_m3": density,
         "volume_m3": volume, "ore_t": ore, "reo_t": reo},
        geometry=list(geometries), crs=crs,
    )
    progress(1.0)
    parameters = {**asdict(params), "blocks_from": source, "blocks": len(out),
                  "oxide_factors": {e: o.factor for e, o in OXIDE_FACTORS.items()} | dict(factors or {})}
    return ResourceResult(out, crs=str(crs) if crs is not None else None, warnings=warnings, parameters=parameters)


def _sample_grades(samples, geometries, thickness, ids, factors):
    import shapely

    reo = _sample_reo(samples, factors)
    points = samples.geometry.to_numpy()
    depth = (pd.to_numeric(samples["depth_cm"], errors="coerce").to_numpy(dtype=float)
             if "depth_cm" in samples.columns else np.zeros(len(samples)))
    grade = np.zeros(len(geometries))
    counts = np.zeros(len(geometries), dtype=np.int64)
    for k, geom in enumerate(geometries):
        inside = shapely.intersects(geom, points) & np.isfinite(reo)
        inside &= ~(depth > thickness[k] * 100.0)  # deeper than the ore body: not ore
        if not inside.any():
            raise InputError(Message("TERRAIN_BLOCK_NO_SAMPLE"), layer="blocks", feature=ids[k])
        grade[k] = float(reo[inside].mean())
        counts[k] = int(inside.sum())
    return grade, counts


def _raster_grades(path, geometries, crs, ids, unit: str):
    import rasterio
    from rasterio.features import geometry_mask
    from rasterio.windows import transform as window_transform

    from .volume import covering_window

    if unit not in ("mg/kg", "%"):
        raise InputError(f"the grade raster unit must be 'mg/kg' or '%', not {unit!r}")
    scale = 1.0 / MG_PER_KG_PER_PERCENT if unit == "mg/kg" else 1.0
    grade = np.zeros(len(geometries))
    counts = np.zeros(len(geometries), dtype=np.int64)
    with rasterio.open(path) as src:
        if src.crs is not None and crs is not None and src.crs != rasterio.crs.CRS.from_user_input(crs):
            raise InputError(Message("TERRAIN_GRADE_RASTER_CRS", crs=src.crs.to_string()), layer=str(path))
        for k, geom in enumerate(geometries):
            window = covering_window(geom.bounds, src.transform)
            data = src.read(1, window=window, masked=True, boundless=True).astype(float)
            inside = geometry_mask([geom], out_shape=data.shape, transform=window_transform(window, src.transform),
                                   invert=True) & ~np.ma.getmaskarray(data)
            if not inside.any():
                raise InputError(Message("TERRAIN_BLOCK_NO_SAMPLE"), layer="blocks", feature=ids[k])
            grade[k] = float(data.data[inside].mean()) * scale
            counts[k] = int(inside.sum())
    return grade, counts


# --------------------------------------------------------------------------- the annex tables
def _totals(blocks) -> dict:
    area = float(blocks["area_m2"].sum())
    volume = float(blocks["volume_m3"].sum())
    ore = float(blocks["ore_t"].sum())
    reo = float(blocks["reo_t"].sum())
    return {"blocks": int(len(blocks)), "area_m2": area, "volume_m3": volume, "ore_t": ore, "reo_t": reo,
            "thickness_m": volume / area if area else float("nan"),
            "density_t_m3": ore / volume if volume else float("nan"),
            "grade_pct": 100.0 * reo / ore if ore else float("nan"),
            "n_samples": int(blocks["n_samples"].sum())}


TABLE3 = "附表3 块段面积品位厚度"
TABLE4 = "附表4 块段资源量估算"
TABLE5 = "附表5 资源量汇总"


def annex_tables(blocks) -> dict:
    """The three annex tables: sheet name -> (title, header, rows, number formats).

    Rows are plain values (m2, %, m, t/m3, m3, t); the last row of each is ``合计``.
    """
    t = _totals(blocks)
    rows3 = [[r.block_id, r.area_m2, r.grade_pct, r.thickness_m, int(r.n_samples), r.grade_source]
             for r in blocks.itertuples()]
    rows3.append(["合计", t["area_m2"], t["grade_pct"], t["thickness_m"], t["n_samples"], "加权平均"])
    header3 = ["块段编号", "面积（m²）", "平均品位 REO（%）", "平均厚度（m）", "样品数（个）", "品位依据"]
    rows4 = [[r.block_id, r.category, r.area_m2, r.thickness_m, r.volume_m3, r.density_t_m3, r.ore_t,
              r.grade_pct, r.reo_t] for r in blocks.itertuples()]
    rows4.append(["合计", "", t["area_m2"], t["thickness_m"], t["volume_m3"], t["density_t_m3"], t["ore_t"],
                  t["grade_pct"], t["reo_t"]])
    header4 = ["块段编号", "资源量类型", "面积（m²）", "平均厚度（m）", "矿石体积（m³）", "干密度（t/m³）",
               "矿石量（t）", "平均品位 REO（%）", "REO 资源量（t）"]
    rows5 = []
    for category, group in blocks.groupby("category", sort=True):
        g = _totals(group)
        rows5.append([MINERAL, category, g["blocks"], g["area_m2"], g["ore_t"], g["grade_pct"], g["reo_t"]])
    rows5.append(["合计", "", t["blocks"], t["area_m2"], t["ore_t"], t["grade_pct"], t["reo_t"]])
    header5 = ["矿种", "资源量类型", "块段数（个）", "面积（m²）", "矿石量（t）", "平均品位 REO（%）", "REO 资源量（t）"]
    return {
        TABLE3: ("附表3 块段面积、平均品位及平均厚度表", header3, rows3,
                 {"B": "#,##0.00", "C": "0.0000", "D": "0.00", "E": "0"}),
        TABLE4: ("附表4 块段资源量估算表", header4, rows4,
                 {"C": "#,##0.00", "D": "0.00", "E": "#,##0.00", "F": "0.00", "G": "#,##0.00", "H": "0.0000",
                  "I": "#,##0.000"}),
        TABLE5: ("附表5 资源量汇总表", header5, rows5,
                 {"C": "0", "D": "#,##0.00", "E": "#,##0.00", "F": "0.0000", "G": "#,##0.000"}),
    }
