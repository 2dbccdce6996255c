"""Generate the embedded synthetic sample case: vectors, DEMs, orthomosaic, lab sheet, case file.

Everything written is SYNTHETIC and marked so (GeoPackage layer descriptions and
metadata, GeoTIFF tags, a note column and sheet in the lab results, README.txt). The
same ``scale`` and ``seed`` give the same bytes in every file; the provenance sidecar
holds the run time too, unless ``SOURCE_DATE_EPOCH`` is set.
"""

from __future__ import annotations

import contextlib
import math
from pathlib import Path

from ..core import __version__
from ..core.common.atomic import atomic_directory
from ..core.common.errors import InputError
from ..core.common.progress import Steps, check_canceled
from ..core.common.provenance import make_record, sha256_file, write_sidecar
from ..core.common.xlsx import write_workbook
from ..core.geo.crs import HEIGHT_DATUM_1985, gauss_kruger_zone, lonlat_arrays
from . import evidence as evidence_files
from . import lab as lab_sheet
from .features import build_site
from .layout import EPSG, MAX_SCALE, MIN_SCALE, make_layout
from .rasters import DEM_RESOLUTION_M, write_dems, write_ortho
from .valuation import valuation_section

PARTS = ("vectors", "dem", "ortho", "lab", "water", "evidence")
"""What ``include`` can name."""

FILES = {
    "vectors": "sample_case.gpkg",
    "dem_before": "dem_before_2m.tif",
    "dem_after": "dem_after_2m.tif",
    "ortho": "ortho_rgb.tif",
    "lab_csv": "lab_results.csv",
    "lab_xlsx": "lab_results.xlsx",
    "case_file": "case.toml",
    "readme": "README.txt",
    "water_vectors": "water.gpkg",
    "water_lab": "water_results.csv",
    **evidence_files.FILES,
}
"""Key returned by :func:`generate_sample_case` -> file name in the output folder."""

SURVEY_DATE = "2026-03-15"
"""Date stamped into the GeoPackage (OGR_CURRENT_DATE) and the metadata; fixed, so files repeat."""
CASE_ID = "DEMO-GN-2026-001"
SYNTHETIC_ZH = "合成数据，仅供演示和测试，非真实案件"
SYNTHETIC_EN = "SYNTHETIC data for demonstration and testing; not a real case"

LAYERS = {
    "case_boundary": ("案件范围", "case boundary (one feature; a polygon per hillside band)"),
    "prep_pools": ("浸矿剂配制池", "leaching-agent preparation pools"),
    "injection_holes": ("注液孔", "injection holes"),
    "collection_ditches": ("集液沟与集液管", "leachate collection ditches and pipes"),
    "settling_ponds": ("沉淀池", "settling ponds"),
    "control_area": ("对照区", "control (reference) area, same soil, upslope"),
    "stream": ("溪流", "stream at the foot of the slope"),
    "access_road": ("运输便道", "access road"),
    "sample_points": ("土壤采样点", "soil sample points (PREP, INJ, COLL, SETL)"),
    "control_points": ("对照点", "control sample points"),
    "soil_layers": ("土层与地下水位", "soil layers and water-table depth per area (table)"),
    "bare_ground_truth": (
        "植被破坏范围（合成真值）",
        "vegetation removed: synthetic truth for checking image analysis",
    ),
}
"""GeoPackage layer name -> (Chinese title, English description), in writing order."""


@contextlib.contextmanager
def _gpkg_options(date_iso: str):
    """Fix the timestamp GDAL writes into GeoPackages (OGR_CURRENT_DATE), skip SQLite syncs."""
    import pyogrio

    # SQLite need not sync: the file is renamed into place only when complete
    options = {"OGR_CURRENT_DATE": date_iso, "OGR_SQLITE_SYNCHRONOUS": "OFF"}
    previous = {key: pyogrio.get_gdal_config_option(key) for key in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(previous)


def _write_vectors(site, path: Path, common: dict) -> None:
    import pyogrio

    dataset_metadata = {"SYNTHETIC": "YES", "DESCRIPTION": f"{SYNTHETIC_ZH} / {SYNTHETIC_EN}", **common}
    with _gpkg_options(f"{SURVEY_DATE}T00:00:00.000Z"):
        for i, (name, (title_zh, title_en)) in enumerate(LAYERS.items()):
            frame = site.layers[name]
            description = f"{title_zh} / {title_en}. {SYNTHETIC_ZH} / {SYNTHETIC_EN}."
            pyogrio.write_dataframe(
                frame,
                path,
                layer=name,
                driver="GPKG",
                append=False,
                layer_metadata={"SYNTHETIC": "YES", "TITLE_ZH": title_zh, "TITLE_EN": title_en, **common},
                dataset_metadata=dataset_metadata if i == 0 else None,
                layer_options={"DESCRIPTION": description, "IDENTIFIER": name},
            )


def _case_toml(written: set, scale: float, seed: int, ortho_res) -> str:
    """The case file (the model of :mod:`ree_damage.core.case.model`): inputs, parameters, sources."""
    import tomli_w

    zone = gauss_kruger_zone(115.0)
    layer_names = {name: name for name in LAYERS if "vectors" in written}
    case_inputs = {"lab_xlsx": "lab_sheet"}  # generator key -> case-file key
    inputs = {
        case_inputs.get(key, key): FILES[key]
        for key in FILES
        if key in written and key not in ("case_file", "readme")
    }
    doc = {
        "case": {
            "id": CASE_ID,
            "name": "赣南某地非法开采离子型稀土案生态环境损害鉴定评估（合成示例）",
            "name_en": "Illegal in-situ leaching of ionic rare earth, southern Jiangxi (synthetic sample)",
            "province": "江西省（合成示例）",
            "county": "赣州市某县（合成示例）",
            "site": "合成示例山坡矿区 / synthetic hillside leaching site, southern Jiangxi",
            "entrusting_unit": "（合成示例）委托单位 / synthetic entrusting unit",
            "institution": "（合成示例）鉴定机构 / synthetic appraisal institution",
            "act_start": "2024-04-01",
            "act_end": "2025-10-31",
            "survey_date": SURVEY_DATE,
            "synthetic": True,
            "note": f"{SYNTHETIC_ZH} / {SYNTHETIC_EN}",
            "generator": f"ree_damage.sample_case {__version__}",
            "scale": scale,
            "seed": seed,
        },
        "crs": {
            "zone": zone.authid,
            "zone_width_deg": 3,
            "geographic": "EPSG:4490",
            "height_datum": f"EPSG:{HEIGHT_DATUM_1985}",
            "datum_note": zone.datum_note("zh"),
        },
        "inputs": {**inputs, "layers": layer_names} if layer_names else inputs,
        "parameters": {
            # the sample case's depth fields; every other value is the guideline default
            "zones": {
                "hole_depth_field": "hole_depth_m",
                "pool_depth_field": "bottom_depth_m",
                "ditch_depth_field": "bottom_depth_m",
                "pond_depth_field": "bottom_depth_m",
            },
            # six control points, as sampled (the 80 m x 40 m control area holds only two 40 m
            # grid units, and a baseline from fewer than 5 control samples is weak)
            "sampling": {"cell_size_m": 40.0, "control_count": 6},
            "depth": {"below_bottom_m": 3.0},
            "baseline": {
                "statistic": "mean_2sd",
                "screening": "GB15618-2018",
                "land_use": "other",
                "ph": 5.0,
            },
            "interpolation": {
                "fields": ["La", "Cd", "NH4_N", "SO4"],
                "methods": ["idw", "ok"],
                "cell_size_m": 2.0,
                "depth_cm": 50,
            },
            "damage": {"threshold": 0.2},
            "valuation": {"discount_rate": 0.03},
        },
        "sources": {
            "lab_values": "synthetic model in ree_damage.sample_case.lab",
            "lab_sheet": (
                f"sheet '检测结果 Results', ids in '{lab_sheet.ID_COLUMN}', mg/kg dry weight in each header, "
                f"pH dimensionless; values below the detection limit as labs write them"
            ),
            "rasters": f"DEM cell {DEM_RESOLUTION_M} m; orthomosaic cell {ortho_res or 'not written'} m",
        },
        "valuation": valuation_section(),
    }
    header = (
        f"# {SYNTHETIC_ZH}\n# {SYNTHETIC_EN}.\n"
        f"# Case file of the ree_damage sample case (scale {scale:g}, seed {seed}); paths are relative to this file.\n\n"
    )
    return header + tomli_w.dumps(doc)


def _readme(written: set, layout, scale: float, seed: int, ortho_res, site) -> str:
    lon, lat = lonlat_arrays([layout.x0 + layout.width / 2], [layout.y0 + layout.height / 2], EPSG)
    area = float(site.layers["case_boundary"]["area_m2"].iloc[0])
    lines = [
        "ree_damage 合成示例案件 / synthetic sample case",
        "=" * 48,
        f"{SYNTHETIC_ZH}。",
        f"{SYNTHETIC_EN}. No value in these files was measured.",
        "",
        f"Site: about {lon[0]:.3f} E, {lat[0]:.3f} N (southern Jiangxi); case area {area / 1e4:.2f} ha;",
        f"scale {scale:g} (area factor), seed {seed}; {layout.n_units} works unit(s) in {layout.n_bands} hillside band(s).",
        "CRS: CGCS2000 / 3-degree Gauss-Kruger CM 114E (EPSG:4547); heights: 1985 national height datum (EPSG:5737).",
        "",
        "Files:",
    ]
    descriptions = {
        "vectors": "GeoPackage: " + ", ".join(LAYERS),
        "dem_before": f"DEM before mining, {DEM_RESOLUTION_M:g} m, float32, m",
        "dem_after": f"DEM after mining, {DEM_RESOLUTION_M:g} m (pits, platforms, ditches; nodata outside the flight area)",
        "ortho": f"drone RGB orthomosaic, {ortho_res or 0:g} m, uint8, 3 bands",
        "lab_csv": "lab results, CSV UTF-8 with BOM, CRLF, one header row with units",
        "lab_xlsx": "lab results, Excel: results, detection limits, notes",
        "case_file": "case file naming the inputs and parameters",
        "readme": "this file",
        "water_vectors": "GeoPackage: water_positions (groundwater wells with heads, stream sections)",
        "water_lab": "water lab results, CSV UTF-8 with BOM, mg/L and μg/L in the header",
        "evidence_vectors": "GeoPackage: REE source points (pond/ditch sediment), post-restoration points, wells",
        "source_lab": "lab results of the REE source samples (same form as the main sheet)",
        "post_restoration_lab": "lab results of the post-restoration samples",
        "restoration_targets": "restoration targets: zone, indicator, target, unit, source, direction",
        "image_dates": "dates of the DEMs and mosaics (time order)",
        "ortho_after_restoration": "RGB mosaic after restoration, 1 m, uint8, 3 bands",
        "ortho_before_act": "RGB mosaic before the act, 1 m, uint8, 3 bands (time order)",
    }
    lines += [f"  {FILES[k]:<22} {descriptions[k]}" for k in FILES if k in written]
    lines += [
        f"  {FILES['case_file']}.provenance.json  provenance record (SHA-256 of every file)",
        "",
        "Lab sheet: sample id = <point id>-<depth cm>, e.g. INJ-003-50; values in mg/kg;",
        "below detection limit written as '<0.05', '< 0.05', 'ND' or '未检出'.",
        "What grows with scale: units (holes, ditches, ponds, pools), bands (roads, streams, control",
        "areas), sample points and raster sizes; the orthomosaic is coarsened above 2.5e8 cells.",
        "",
    ]
    return "\r\n".join(lines)


def generate_sample_case(
    out_dir,
    scale: float = 1.0,
    seed: int = 20260315,
    *,
    include=PARTS,
    progress=None,
    is_canceled=None,
) -> dict:
    """Write a synthetic illegal in-situ leaching case into ``out_dir``.

    Parameters
    ----------
    out_dir : path-like
        Output folder (created if missing). Files it already holds that this run does
        not write are left alone; the run's files appear only when all are written.
    scale : float
        Area factor from 0.5 to 1000: 1 gives one works unit with a case boundary of
        about 7.5 ha; ``scale`` multiplies the area, the number of holes, ditches,
        ponds, pools and sample points, and the raster sizes. The orthomosaic (0.2 m)
        is coarsened (0.25-2 m) when it would exceed 2.5e8 cells (from scale ~100).
    seed : int
        Random seed; the same scale and seed give byte-identical files.
    include : iterable of str
        Parts to write among ``"vectors"``, ``"dem"``, ``"ortho"``, ``"lab"``, ``"water"``
        (wells and stream sections with their lab results, :mod:`.water`). The case
        file, README and provenance are always written.
    progress : callable, optional
        Called with the fraction done in [0, 1].
    is_canceled : callable, optional
        Returns True to stop; the run then raises
        :class:`~ree_damage.core.common.errors.Canceled` and leaves nothing behind.

    Returns
    -------
    dict of str to pathlib.Path
        Keys (present when written): ``"vectors"`` (GeoPackage), ``"dem_before"``,
        ``"dem_after"``, ``"ortho"``, ``"lab_csv"``, ``"lab_xlsx"``, ``"case_file"``,
        ``"readme"``, ``"provenance"``.

    Raises
    ------
    InputError
        ``scale`` outside 0.5-1000 or an unknown part in ``include``.
    """
    given = scale
    try:
        scale = float(scale)
    except (TypeError, ValueError):
        scale = math.nan
    if not (math.isfinite(scale) and MIN_SCALE <= scale <= MAX_SCALE):
        raise InputError(f"scale must be a number from {MIN_SCALE:g} to {MAX_SCALE:g}, not {given!r}")
    include = tuple(include)
    unknown = sorted(set(include) - set(PARTS))
    if unknown:
        raise InputError(f"unknown part(s) {unknown}; choose among {list(PARTS)}")
    seed = int(seed)
    steps = Steps(progress, [1, 3, 10 if "ortho" in include else 0.01, 1, 0.5])

    layout = make_layout(scale)
    site = build_site(layout, seed)
    check_canceled(is_canceled)
    steps.stage(0)(1.0)

    def check():
        check_canceled(is_canceled)

    common = {
        "CRS": f"EPSG:{EPSG}",
        "HEIGHT_DATUM": f"EPSG:{HEIGHT_DATUM_1985} 1985国家高程基准 / 1985 national height datum",
        "GENERATOR": f"ree_damage.sample_case {__version__}",
        "SEED": str(seed),
        "SCALE": f"{scale:g}",
        "DATE": SURVEY_DATE,
        "CASE_ID": CASE_ID,
    }
    tags = {"SYNTHETIC": "YES", "DESCRIPTION": f"{SYNTHETIC_ZH} / {SYNTHETIC_EN}", **common}
    written: set = set()
    ortho_res = None
    with atomic_directory(out_dir) as stage:
        if "vectors" in include:
            _write_vectors(site, stage / FILES["vectors"], common)
            written.add("vectors")
        if "dem" in include:
            write_dems(
                site, stage / FILES["dem_before"], stage / FILES["dem_after"], tags, steps.stage(1), check
            )
            written.update(("dem_before", "dem_after"))
        steps.stage(1)(1.0)
        if "ortho" in include:
            ortho_res = write_ortho(site, stage / FILES["ortho"], tags, seed, steps.stage(2), check)
            written.add("ortho")
        steps.stage(2)(1.0)
        if "lab" in include:
            table = lab_sheet.lab_table(site.samples, seed)
            table.to_csv(stage / FILES["lab_csv"], index=False, encoding="utf-8-sig", lineterminator="\r\n")
            notes = [
                ["项目 Item", "内容 Content"],
                ["性质 Nature", f"{SYNTHETIC_ZH} / {SYNTHETIC_EN}"],
                ["案件 Case", CASE_ID],
                ["实验室 Laboratory", "虚构检测机构 / fictitious laboratory"],
                ["单位 Units", "mg/kg（干重 dry weight）; pH 无量纲 dimensionless"],
                ["样品编号 Sample id", "<点位编号 point id>-<采样深度 depth cm>, e.g. INJ-003-50"],
                [
                    "未检出 Below detection",
                    "写作 written as '<DL', '< DL', 'ND' or '未检出'; see the limits sheet",
                ],
                ["生成 Generator", f"{common['GENERATOR']}, seed {seed}, scale {scale:g}"],
            ]
            write_workbook(
                stage / FILES["lab_xlsx"],
                {
                    "检测结果 Results": lab_sheet.numeric_for_excel(table),
                    "检出限 Limits": lab_sheet.limits_table(),
                    "说明 Notes": notes,
                },
                freeze_panes={"检测结果 Results": "D2"},
                number_formats={"检测结果 Results": {"pH": "0.00"}},
                properties={
                    "title": f"{CASE_ID} 土壤检测结果 soil results (SYNTHETIC)",
                    "creator": "ree_damage sample case",
                },
            )
            written.update(("lab_csv", "lab_xlsx"))
        if "water" in include:
            from .water import write_water

            with _gpkg_options(f"{SURVEY_DATE}T00:00:00.000Z"):
                write_water(site, seed, stage / FILES["water_vectors"], stage / FILES["water_lab"],
                            {"SYNTHETIC": "YES", **common})
            written.update(("water_vectors", "water_lab"))
        if "evidence" in include:
            written.update(
                evidence_files.write_evidence(site, stage, seed, tags, f"{SURVEY_DATE}T00:00:00.000Z")
            )
        check()
        steps.stage(3)(1.0)
        written.update(("case_file", "readme"))
        (stage / FILES["case_file"]).write_text(_case_toml(written, scale, seed, ortho_res), encoding="utf-8")
        (stage / FILES["readme"]).write_bytes(
            _readme(written, layout, scale, seed, ortho_res, site).encode("utf-8-sig")
        )
        outputs = {
            key: {"file": FILES[key], "sha256": sha256_file(stage / FILES[key])}
            for key in FILES
            if key in written
        }
        record = make_record(
            "ree_damage:sample_case",
            parameters={"scale": scale, "seed": seed, "include": list(include), "survey_date": SURVEY_DATE},
            crs=f"EPSG:{EPSG}",
            outputs=outputs,
            sources={"everything": SYNTHETIC_EN},
            notes=[
                f"{SYNTHETIC_ZH} / {SYNTHETIC_EN}",
                f"orthomosaic cell size {ortho_res or 'not written'} m",
            ],
        )
        sidecar = write_sidecar(stage / FILES["case_file"], record)
        steps.stage(4)(1.0)
    out = Path(out_dir)
    result = {key: out / FILES[key] for key in FILES if key in written}
    result["provenance"] = out / sidecar.name
    return result


__all__ = ["FILES", "LAYERS", "PARTS", "generate_sample_case"]
