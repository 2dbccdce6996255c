"""Run the whole case chain from one case file into a case package, with its QGIS project."""

from __future__ import annotations

import re
import time
import uuid
import zipfile
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
    QgsSingleSymbolRenderer,
    QgsSymbol,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QColor

from ....core.case import load_case
from ....core.case.package import GPKG_NAME, add_files, run_case
from ...base import ReeAlgorithm
from ...compat import ALGORITHM_NO_THREADING, advanced, flags_with
from ...maps.case_maps import add_case_layouts, maps_step
from ...maps.layout import release_legend_roots
from ...styles import fixed_profile_symbols
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
    try:
        if style is not None:
            apply_named_style(layer, style)
            return
    except ValueError:  # e.g. an empty layer of another geometry type (control units laid as points)
        pass
    if isinstance(layer, QgsVectorLayer) and layer.isSpatial():
        # QGIS would give the layer a random colour: a fixed one, so the project repeats
        symbol = QgsSymbol.defaultSymbol(layer.geometryType())
        if symbol is not None:
            symbol.setColor(QColor(UNSTYLED_COLOUR))
            layer.setRenderer(QgsSingleSymbolRenderer(symbol))


#: the save and creation time written into case.qgz (the run's times live in the manifest)
PROJECT_DATE = "2000-01-01"
#: the colour of a vector layer no shared style fits
UNSTYLED_COLOUR = "#5a6e82"
_LAYER_ID_UUID = re.compile(r"_[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}$")
_BRACED_UUID = re.compile(r"\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}")
_ATTACHMENT = re.compile(r"^[A-Za-z0-9]{6}_")
_SNAPPING = re.compile(r"(<individual-layer-settings>\n)(.*?)(\n[ \t]*</individual-layer-settings>)", re.S)


def repeatable_project_text(text: str, layer_ids: dict, date: str) -> str:
    """The project XML with what QGIS makes up on every save made repeatable: each layer id's
    random part replaced by one made from its place in the package (``layer_ids``: id -> key),
    the other random UUIDs (layout items, symbol layers) by ones in order of appearance, the save
    and creation times by ``date`` (YYYY-MM-DD), and the per-layer snapping settings (written in
    the order of a hash of pointers) sorted; on QGIS >= 3.26 also the metadata's creation date."""
    text = _sorted_attributes(text)  # first: the UUIDs below are numbered in order of appearance
    for old in sorted(layer_ids, key=len, reverse=True):
        match = _LAYER_ID_UUID.search(old)
        if match:
            stable = "_" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"ree_damage:layer:{layer_ids[old]}")).replace("-", "_")
            text = text.replace(old, old[: match.start()] + stable)
    seen: dict = {}

    def braced(found):
        key = found.group(0).lower()
        if key not in seen:
            seen[key] = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"ree_damage:case.qgz:{len(seen)}")) + "}"
        return seen[key]

    text = _BRACED_UUID.sub(braced, text)
    text = re.sub(r'saveDateTime="[^"]*"', f'saveDateTime="{date}T00:00:00"', text)
    text = re.sub(r"<creation>[^<]*</creation>", f"<creation>{date}T00:00:00</creation>", text)
    text = re.sub(r'<date (?:value="[^"]*" type="Created"|type="Created" value="[^"]*")/>',
                  f'<date type="Created" value="{date}T00:00:00"/>', text)
    return _SNAPPING.sub(lambda m: m.group(1) + "\n".join(sorted(m.group(2).split("\n"))) + m.group(3), text)


def _sorted_attributes(text: str) -> str:
    """The XML with every element's attributes in name order: Qt 5 writes them in the order of a
    hash seeded anew in each process, so two processes write the same project differently."""
    try:
        from lxml import etree  # python-docx's dependency (python3-lxml)
    except ImportError:  # pragma: no cover - required with python-docx
        return text
    def canonical(root):
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            items = []
            for name, value in sorted(element.attrib.items()):
                if value.startswith("<") and value.endswith(">"):  # a symbol kept as XML in a string
                    try:
                        value = etree.tostring(canonical(etree.fromstring(value.encode("utf-8"))), encoding="unicode")
                    except etree.XMLSyntaxError:
                        pass
                items.append((name, value))
            element.attrib.clear()
            for name, value in items:
                element.set(name, value)
        return root

    root = canonical(etree.fromstring(text.encode("utf-8"), etree.XMLParser(huge_tree=True)))
    tree = root.getroottree()
    return etree.tostring(tree, encoding="unicode", doctype=tree.docinfo.doctype)


def _rewrite_qgz(path: Path, change) -> None:
    """Apply ``change`` to the .qgs inside ``path`` and zip it again with fixed times; the
    attachments QGIS >= 3.26 stores under a random prefix (``Ab3dEf_styles.db``) get a fixed one."""
    with zipfile.ZipFile(path) as archive:
        members = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    renamed = {name: _ATTACHMENT.sub("project_", name) for name, _ in members if not name.endswith(".qgs")}
    temporary = path.with_name(path.name + ".part")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            if name.endswith(".qgs"):
                text = change(data.decode("utf-8"))
                for old, new in renamed.items():
                    text = text.replace(f"attachment:///{old}", f"attachment:///{new}")
                # QGIS >= 3.40 names a colour profile it did not store (a temporary file name)
                text = re.sub(r'iccProfileId="attachment:///([^"]*)"',
                              lambda m: m.group(0) if m.group(1) in renamed.values() else 'iccProfileId=""', text)
                data = text.encode("utf-8")
            name = renamed.get(name, name)
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    temporary.replace(path)


def _repeatable_project(path: Path, layer_ids: dict, date: str) -> None:
    """Make ``case.qgz`` the same bytes for the same package: normalise the ids, read the
    project back so QGIS writes its id-ordered sections in the new ids' order, normalise again."""
    _rewrite_qgz(path, lambda text: repeatable_project_text(text, layer_ids, date))
    again = QgsProject()
    try:
        if not again.read(str(path)) or not again.write(str(path)):
            raise RuntimeError(f"the project {path} could not be read back and written: {again.error()}")
    finally:
        again.clear()
        release_legend_roots()
    _rewrite_qgz(path, lambda text: repeatable_project_text(text, {}, date))


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
    layer_keys = {}
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
            layer_keys[layer.id()] = f"{step}/{relative}"
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
        # the layers the layouts added, keyed by their place in the layer tree and their source
        for index, node in enumerate(root.findLayers()):
            if node.layer() is not None and node.layer().id() not in layer_keys:
                layer_keys[node.layer().id()] = f"tree/{index}/{node.layer().source()}"
        if hasattr(project, "mainAnnotationLayer"):  # QGIS >= 3.16: one per project, id made up too
            layer_keys[project.mainAnnotationLayer().id()] = "annotations"
        for layer in project.mapLayers().values():  # QGIS >= 3.26 draws profiles in a random colour
            fixed_profile_symbols(layer)
        if not project.write(str(path)):
            raise RuntimeError(f"the project could not be written to {path}: {project.error()}")
    finally:
        project.clear()  # closes the rasters: GDAL writes the statistics it computed (.aux.xml) now
        release_legend_roots()  # after the layouts that drew them
    _repeatable_project(path, layer_keys, PROJECT_DATE)
    for aux in set(package.rglob("*.aux.xml")) - aux_before:  # ... and they are not part of the package
        aux.unlink()
    add_files(package, {"project": path}, step="project", seconds=time.perf_counter() - started,
              note=f"QGIS project (.qgz): ids, save time and zip times fixed ({PROJECT_DATE}), the same "
                   f"bytes for the same package")
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
