"""The report-map layouts from layers by role: shared by the report_map algorithm, the ``maps``
step of run_case and the case project (case.qgz).

A *role* is what a layer stands for on the maps (``boundary``, ``zones``, ``concentration`` ...,
:data:`~ree_damage.processing.maps.themes.ROLE_NAMES`). :func:`role_layer` makes a styled layer
with its Chinese legend name; :func:`theme_layout` makes a theme's print layout in a project.
"""

from __future__ import annotations

import csv
from pathlib import Path

from qgis.core import QgsRasterLayer, QgsVectorLayer

from ...core.common.atomic import atomic_path
from ...core.geo.raster_io import gdal_exceptions
from ..styles import apply_style
from .layout import combined_extent, drop_table_page, fill_layout, fill_table, load_template
from .themes import ROLE_NAMES, ROLE_STYLES

#: roles drawn from a raster
RASTER_ROLES = frozenset({"ortho", "concentration", "degree", "cut_fill"})

#: depth-schedule summary columns -> Chinese headings of the sampling-plan table
DEPTH_HEADINGS = {"point_id": "点位编号", "zone": "功能区", "n_samples": "样品数", "depths_cm": "采样深度（cm）",
                  "deepest_m": "最大采样深度（m）"}
DEPTH_TABLE_NAME = "采样深度方案"


def raster_tags(layer: QgsRasterLayer) -> dict:
    """The GDAL metadata of a raster file (REE_FIELD, REE_METHOD, REE_BASELINE for ours)."""
    source = layer.source().split("|")[0]
    try:
        from osgeo import gdal

        with gdal_exceptions():
            data = gdal.Open(source)
            return dict(data.GetMetadata() or {}) if data is not None else {}
    except RuntimeError:
        return {}


def raster_field(layer: QgsRasterLayer) -> str:
    """The indicator of a ree_damage raster (its REE_FIELD tag, else the first part of its name)."""
    field = raster_tags(layer).get("REE_FIELD")
    if field:
        return field
    stem = Path(layer.source().split("|")[0]).stem
    return stem.split("_")[0] if "_" in stem else ""


def style_role_layer(layer, role: str, baselines: dict) -> None:
    """Give ``layer`` the Chinese legend name and the shared style of ``role``."""
    field = raster_field(layer) if role in RASTER_ROLES else ""
    layer.setName(ROLE_NAMES[role].format(field=field).strip())
    if role in ROLE_STYLES:
        apply_style(layer, ROLE_STYLES[role], baseline=baselines.get(field))


def role_layer(role: str, source: str):
    """A layer of ``role`` read from ``source`` (a file, or ``file|layername=x``); raises
    ValueError when QGIS cannot open it."""
    layer = (QgsRasterLayer(source, role, "gdal") if role in RASTER_ROLES
             else QgsVectorLayer(source, role, "ogr"))
    if not layer.isValid():
        raise ValueError(f"the {role} layer {source} does not open in QGIS")
    return layer


def match_damage_to_degree(layers: dict) -> None:
    """Damaged areas of every indicator and method overlap: show those of the degree raster's."""
    areas, degree = layers.get("damage_areas"), layers.get("degree")
    if areas is None or degree is None:
        return
    tags = raster_tags(degree)
    names = areas.fields().names()
    clauses = [f"\"{name}\" = '{tags[tag]}'" for name, tag in (("indicator", "REE_FIELD"), ("method", "REE_METHOD"))
               if name in names and tags.get(tag)]
    if clauses:
        areas.setSubsetString(" AND ".join(clauses))
        label = "，".join(tags[tag] for tag in ("REE_FIELD", "REE_METHOD") if tags.get(tag))
        areas.setName(f"{ROLE_NAMES['damage_areas']}（{label}）")


def baselines_from_csv(path) -> dict:
    """Indicator -> baseline value of a baseline table (``indicator``, ``baseline`` columns)."""
    found = {}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            try:
                found[str(row["indicator"])] = float(row["baseline"])
            except (KeyError, TypeError, ValueError):
                continue
    return found


def write_depth_table(rows, path: Path) -> Path:
    """The depth schedule summarised per point, as a CSV with the columns of :data:`DEPTH_HEADINGS`.

    ``rows`` are mappings with ``point_id``, ``depth_cm`` and optionally ``zone`` and ``bottom_m``.
    """
    points = {}
    for feature in rows:
        point = str(feature["point_id"])
        row = points.setdefault(point, {"point_id": point, "zone": "", "depths": [], "deepest": 0.0})
        if feature.get("zone") not in (None, ""):
            row["zone"] = str(feature["zone"])
        row["depths"].append(int(float(feature["depth_cm"])))
        if feature.get("bottom_m") not in (None, ""):
            row["deepest"] = max(row["deepest"], float(feature["bottom_m"]))
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(DEPTH_HEADINGS))
        for point in sorted(points):
            row = points[point]
            depths = sorted(set(row["depths"]))
            writer.writerow([point, row["zone"], len(row["depths"]), " ".join(str(d) for d in depths),
                             f"{row['deepest']:.1f}"])
    return path


def depth_table_layer(path: Path):
    """The per-point depth table written by :func:`write_depth_table`, as a QGIS table layer."""
    layer = QgsVectorLayer(str(path), DEPTH_TABLE_NAME, "ogr")
    if not layer.isValid():
        raise ValueError(f"the depth table {path} does not open")
    return layer


def theme_layout(project, theme, layers: dict, crs, texts, graticule: bool, depth_table, note=None):
    """The print layout of ``theme`` in ``project`` (which owns it), filled from ``layers`` (role ->
    layer). ``note(line)`` hears of a table page left out."""
    shown = [layers[role] for role in theme.roles if role in layers]
    # the case area, except where the theme's points lie beyond it (water sections downstream)
    extent_layers = [layers["boundary"]] if "boundary" in layers and theme.id != "water_monitoring" else shown
    layout = load_template(project, theme.template, theme.title_zh)
    project.layoutManager().addLayout(layout)  # the project owns it from here, also on an error
    fill_layout(layout, theme, shown, crs, texts, graticule,
                extent=combined_extent(extent_layers, crs, project.transformContext()))
    if theme.template.endswith("_table.qpt"):
        if depth_table is not None:
            fill_table(layout, depth_table, texts.title + "采样点位与采样深度一览表", DEPTH_HEADINGS)
        else:
            drop_table_page(layout)
            if note is not None:
                note(f"{theme.title_zh}: no depth schedule given: the table page is left out.")
    return layout
