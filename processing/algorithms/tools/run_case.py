"""Run the whole case chain from one case file into a case package, with its QGIS project."""

from __future__ import annotations

import time
from pathlib import Path

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessingOutputFile,
    QgsProcessingOutputFolder,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)

from ....core.case import load_case
from ....core.case.package import GPKG_NAME, add_files, run_case
from ...base import ReeAlgorithm
from ...compat import ALGORITHM_NO_THREADING, advanced, flags_with
from ...maps.case_maps import add_case_layouts, maps_step
from ...maps.layout import release_legend_roots
from ..stages import Stages

PROJECT_NAME = "case.qgz"
"""The QGIS project in the package."""

STEP_LABELS = {
    "cgcs2000": "CGCS2000 坐标 / CGCS2000 points",
    "zones": "功能分区 / Functional zones",
    "sampling": "采样布点 / Sampling grid",
    "depth": "采样深度 / Depth schedule",
    "lab": "检测结果 / Lab results",
    "baseline": "基线 / Baseline",
    "interpolation": "空间插值 / Interpolation",
    "damage": "损害范围 / Damage extent",
    "mined_volume": "开采方量 / Mined volume",
    "vegetation_damage": "植被损害 / Vegetation damage",
    "water_damage": "水环境损害 / Water damage",
    "valuation": "损害价值量化 / Valuation",
    "maps": "报告图件 / Report maps",
    "report_document": "鉴定评估报告 / Report document",
}
"""Layer-tree group names of the steps (a step not listed is grouped under its id)."""


def apply_style(layer, step: str, name: str) -> None:
    """Apply the shared QML style (``processing/styles.py``) that fits the layer's name; a
    layer no style fits keeps QGIS's default style."""
    from ...styles import apply_style as apply_named_style
    from ...styles import style_for_name

    style = style_for_name(name)
    if style is None:
        return
    try:
        apply_named_style(layer, style)
    except ValueError:  # e.g. an empty layer of another geometry type (control units laid as points)
        return


def write_case_project(package, manifest: dict) -> Path:
    """Write ``case.qgz`` into a case package: every layer of the manifest, grouped by step,
    and the print layouts of the report maps (as the maps step made them), paths relative to
    the project; return its path and record it in the manifest.

    Raises
    ------
    RuntimeError
        When a layer of the package is not valid in QGIS, or the project cannot be written.
    """
    started = time.perf_counter()
    package = Path(package)
    aux_before = set(package.rglob("*.aux.xml"))
    project = QgsProject()
    project.setTitle(manifest["case"].get("name") or manifest["case"].get("id") or "case")
    project.writeEntryBool("Paths", "/Absolute", False)
    zone = (manifest["case"].get("crs") or {}).get("zone", "auto")
    root = project.layerTreeRoot()
    first_crs = None
    for step in manifest["step_order"]:
        entry = manifest["steps"][step]
        if entry.get("status") == "skipped" or not entry.get("files"):
            continue
        layers = []
        for relative in entry["files"]:
            if relative.startswith(GPKG_NAME + "#"):
                name = relative.split("#", 1)[1]
                layer = QgsVectorLayer(f"{package / GPKG_NAME}|layername={name}", name, "ogr")
            elif relative.endswith(".tif"):
                name = Path(relative).stem
                layer = QgsRasterLayer(str(package / relative), name, "gdal")
            else:
                continue
            if not layer.isValid():
                raise RuntimeError(f"layer {relative} of the package is not valid in QGIS")
            apply_style(layer, step, name)
            layers.append(layer)
        if not layers:
            continue
        group = root.addGroup(STEP_LABELS.get(step, step))
        for layer in layers:
            project.addMapLayer(layer, False)
            group.addLayer(layer)
            if first_crs is None and layer.crs().isValid():
                first_crs = layer.crs()
        group.setExpanded(False)
    crs = QgsCoordinateReferenceSystem(zone) if zone != "auto" else first_crs
    if crs is not None and crs.isValid():
        project.setCrs(crs)
    path = package / PROJECT_NAME
    try:
        add_case_layouts(project, package, manifest)
        if not project.write(str(path)):
            raise RuntimeError(f"the project could not be written to {path}: {project.error()}")
    finally:
        project.clear()  # closes the rasters: GDAL writes the statistics it computed (.aux.xml) now
        release_legend_roots()  # after the layouts that drew them
    for aux in set(package.rglob("*.aux.xml")) - aux_before:  # ... and they are not part of the package
        aux.unlink()
    add_files(package, {"project": path}, step="project", seconds=time.perf_counter() - started,
              note="QGIS project (.qgz): holds the save time and zip times, so it differs between runs")
    return path


class RunCase(ReeAlgorithm):
    """The whole chain from one case file: the case package and its QGIS project."""

    CASE_FILE = "CASE_FILE"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    RERUN_ALL = "RERUN_ALL"
    PROJECT = "PROJECT"
    MANIFEST = "MANIFEST"
    PACKAGE = "PACKAGE"

    ZH_NAME = "运行整个案例"

    def name(self):
        return "run_case"

    def displayName(self):  # noqa: N802
        return self.tr("Run the whole case")

    def groupId(self):  # noqa: N802
        return "tools"

    def flags(self):
        # the report maps' layouts, fonts and projects are GUI-thread objects: run in the main thread
        return flags_with(super().flags(), ALGORITHM_NO_THREADING)

    def helpText(self):  # noqa: N802
        return self.tr(
            "Runs the whole chain from one case file (case.toml): functional zones, sampling grid, "
            "depth schedule; with lab results, baseline, interpolation and damage extent; vegetation "
            "damage where an orthomosaic is given and mined volume where two DEMs are; valuation; the report "
            "maps (PDF and PNG per theme whose layers exist, [parameters.maps] dpi, 300 by default); the draft "
            "report (DOCX) with the maps as figures. A step whose "
            "inputs the case file does not give is skipped with a line saying why. Writes a case "
            "package: case.gpkg with every vector layer, each step's rasters, tables and workbooks, "
            "manifest.json (every file with its SHA-256, the parameters, versions and step times) "
            "and case.qgz, a QGIS project with every layer grouped by step and the maps' print layouts. "
            "The same inputs give "
            "the same files; a second run reruns only the steps whose inputs or parameters changed. "
            "The same as: python -m ree_damage run case.toml --output <folder>."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        case = QgsProcessingParameterFile(self.CASE_FILE, self.tr("Case file"), extension="toml")
        case.setHelp(self.tr("The case.toml naming the inputs (paths relative to it) and the parameters."))
        self.addParameter(case)

        folder = QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, self.tr("Case package folder"))
        folder.setHelp(self.tr("A new or empty folder, or the package of an earlier run (reused where unchanged)."))
        self.addParameter(folder)

        rerun = QgsProcessingParameterBoolean(self.RERUN_ALL, self.tr("Rerun every step"), defaultValue=False)
        rerun.setHelp(self.tr("Rerun the steps whose inputs did not change too."))
        advanced(rerun)
        self.addParameter(rerun)

        self.addOutput(QgsProcessingOutputFolder(self.PACKAGE, self.tr("Case package")))
        self.addOutput(QgsProcessingOutputFile(self.PROJECT, self.tr("QGIS project")))
        self.addOutput(QgsProcessingOutputFile(self.MANIFEST, self.tr("Manifest")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        case_file = self.parameterAsFile(parameters, self.CASE_FILE, context)
        folder = Path(self.parameterAsString(parameters, self.OUTPUT_FOLDER, context))
        rerun = self.parameterAsBoolean(parameters, self.RERUN_ALL, context)
        stages = Stages(feedback, [self.tr("Running the case chain into the package"),
                                   self.tr("Writing the QGIS project")])
        progress, is_canceled = self.callbacks(stages.next())
        with self.core_errors():
            case = load_case(case_file)
            result = run_case(case, folder, extra_steps=(maps_step(),), reuse=not rerun, host=self.host_info(),
                              log=feedback.pushInfo, progress=progress, is_canceled=is_canceled)
        for outcome in result.steps:
            self.push_warnings(feedback, outcome.warnings if outcome.status == "ran" else [])
        stages.next()
        project = write_case_project(result.package, result.manifest)
        feedback.pushInfo(f"project: {project}")
        return {
            self.PACKAGE: str(result.package),
            self.PROJECT: str(project),
            self.MANIFEST: str(result.package / "manifest.json"),
        }
