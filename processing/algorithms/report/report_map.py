"""The report maps: a print layout per theme in the CGCS2000 Gauss-Kruger zone, PDF and PNG."""

from __future__ import annotations

import datetime
from pathlib import Path

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessingException,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProject,
)

from ....core.common.atomic import atomic_directory, atomic_path
from ....core.common.errors import ReeDamageError
from ....core.common.provenance import make_record
from ...base import ReeAlgorithm
from ...compat import (
    ALGORITHM_NO_THREADING,
    FILE_BEHAVIOR_FILE,
    NUMBER_INTEGER,
    SOURCE_VECTOR,
    SOURCE_VECTOR_LINE,
    SOURCE_VECTOR_POINT,
    SOURCE_VECTOR_POLYGON,
    advanced,
    flags_with,
)
from ...maps.build import (
    DEPTH_HEADINGS,
    depth_table_layer,
    match_damage_to_degree,
    style_role_layer,
    theme_layout,
    write_depth_table,
)
from ...maps.layout import (
    MapTexts,
    export_atlas,
    export_layout,
    fill_layout,
    load_template,
    make_atlas,
    release_legend_roots,
    zone_crs_of,
)
from ...maps.themes import THEMES, theme_by_id
from ...styles import apply_style
from ..stages import Stages

__all__ = ["DEPTH_HEADINGS", "ReportMap"]


class ReportMap(ReeAlgorithm):
    """Report maps of the case, one print layout per theme."""

    CASE_FILE = "CASE_FILE"
    BOUNDARY = "BOUNDARY"
    ZONES = "ZONES"
    ORTHO = "ORTHO"
    UNITS = "UNITS"
    POINTS = "POINTS"
    CONTROL_POINTS = "CONTROL_POINTS"
    DEPTH_SCHEDULE = "DEPTH_SCHEDULE"
    CONCENTRATION = "CONCENTRATION"
    BASELINE = "BASELINE"
    DEGREE = "DEGREE"
    DAMAGE_AREAS = "DAMAGE_AREAS"
    VEGETATION = "VEGETATION"
    CUT_FILL = "CUT_FILL"
    CONTOURS = "CONTOURS"
    BLOCKS = "BLOCKS"
    WATER_POINTS = "WATER_POINTS"
    PLUME = "PLUME"
    THEMES = "THEMES"
    TARGET_CRS = "TARGET_CRS"
    GRATICULE = "GRATICULE"
    TITLE = "TITLE"
    UNIT = "UNIT"
    AUTHOR = "AUTHOR"
    DATE = "DATE"
    SOURCES = "SOURCES"
    IMAGERY_DATE = "IMAGERY_DATE"
    DPI = "DPI"
    ATLAS = "ATLAS"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    PROJECT = "PROJECT"
    MADE = "THEMES_MADE"
    SKIPPED = "THEMES_SKIPPED"

    ZH_NAME = "鉴定报告图件"

    #: parameter -> (layer role, raster?)
    LAYER_PARAMETERS = {
        BOUNDARY: ("boundary", False), ZONES: ("zones", False), ORTHO: ("ortho", True), UNITS: ("units", False),
        POINTS: ("points", False), CONTROL_POINTS: ("control_points", False),
        CONCENTRATION: ("concentration", True), DEGREE: ("degree", True), DAMAGE_AREAS: ("damage_areas", False),
        VEGETATION: ("vegetation", False), CUT_FILL: ("cut_fill", True), CONTOURS: ("contours", False),
        BLOCKS: ("blocks", False), WATER_POINTS: ("water_points", False), PLUME: ("plume", False),
    }

    def name(self):
        return "report_map"

    def displayName(self):  # noqa: N802
        return self.tr("Report maps")

    def groupId(self):  # noqa: N802
        return "report"

    def flags(self):
        # layouts, fonts and the project are GUI-thread objects: run in the main thread
        return flags_with(super().flags(), ALGORITHM_NO_THREADING)

    def helpText(self):  # noqa: N802
        return self.tr(
            "Print layouts for the appraisal report, one per theme: site overview, functional zones, sampling "
            "plan (with the depth schedule as a table), contaminant distribution (classes with a break at the "
            "baseline), damage extent, vegetation damage, mined volume (cut/fill) and, where water layers are "
            "given, water monitoring. A theme whose layers are not given is skipped with a line saying which. "
            "Each map is in the CGCS2000 3-degree Gauss-Kruger zone of the case (or the CRS chosen), with a "
            "labelled grid of eastings and northings (a geographic graticule on request), scale bar and numeric "
            "scale, north arrow, a legend with Chinese labels, the title from the case file, the datum note "
            "(CGCS2000, Gauss-Kruger, zone and central meridian, 1985 national height datum), data sources and "
            "imagery date, compiling unit, author and date. Exports a vector PDF and a PNG (300 dpi by default) "
            "per theme into the output folder; with a project file, the layouts are saved in it for editing. "
            "Layouts come from the templates in resources/layouts (.qpt)."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        case = QgsProcessingParameterFile(self.CASE_FILE, self.tr("Case file (title, unit, sources)"),
                                          FILE_BEHAVIOR_FILE, extension="toml", optional=True)
        case.setHelp(self.tr("The case's TOML file: the title is the case name, the compiling unit its "
                             "institution, the imagery date its survey date, the map CRS its zone."))
        self.addParameter(case)
        vector = {SOURCE_VECTOR_POLYGON: (self.BOUNDARY, self.ZONES, self.UNITS, self.DAMAGE_AREAS, self.VEGETATION,
                                          self.BLOCKS, self.PLUME),
                  SOURCE_VECTOR_POINT: (self.POINTS, self.CONTROL_POINTS, self.WATER_POINTS),
                  SOURCE_VECTOR_LINE: (self.CONTOURS,)}
        labels = {
            self.BOUNDARY: self.tr("Case boundary"), self.ZONES: self.tr("Functional zones"),
            self.ORTHO: self.tr("Orthomosaic"), self.UNITS: self.tr("Sampling grid cells"),
            self.POINTS: self.tr("Sampling points"), self.CONTROL_POINTS: self.tr("Control points"),
            self.CONCENTRATION: self.tr("Interpolated concentration raster"),
            self.DEGREE: self.tr("Damage-degree raster"), self.DAMAGE_AREAS: self.tr("Damaged areas"),
            self.VEGETATION: self.tr("Damaged vegetation"), self.CUT_FILL: self.tr("Cut/fill raster"),
            self.CONTOURS: self.tr("Contours of the height change"), self.BLOCKS: self.tr("Resource blocks"),
            self.WATER_POINTS: self.tr("Water sampling positions"), self.PLUME: self.tr("Groundwater plume"),
        }
        for key, (_role, raster) in self.LAYER_PARAMETERS.items():
            if raster:
                parameter = QgsProcessingParameterRasterLayer(key, labels[key], optional=True)
            else:
                kind = next(k for k, keys in vector.items() if key in keys)
                parameter = QgsProcessingParameterFeatureSource(key, labels[key], [kind], optional=True)
            parameter.setHelp(self.tr("Optional: the themes that show it are skipped without it."))
            self.addParameter(parameter)
        for key, label, help_text in (
            (self.DEPTH_SCHEDULE, self.tr("Depth schedule (table)"),
             self.tr("The samples of depth_schedule: summarised per point in the sampling-plan table.")),
            (self.BASELINE, self.tr("Baseline table"),
             self.tr("The baseline table: the concentration classes break at the indicator's baseline.")),
        ):
            parameter = QgsProcessingParameterFeatureSource(key, label, [SOURCE_VECTOR], optional=True)
            parameter.setHelp(help_text)
            self.addParameter(parameter)
        themes = QgsProcessingParameterEnum(self.THEMES, self.tr("Themes"),
                                            options=[f"{t.title_zh} {t.title_en}" for t in THEMES],
                                            allowMultiple=True, optional=True)
        themes.setHelp(self.tr("Maps to make; all by default (those whose layers are given)."))
        self.addParameter(themes)
        crs = QgsProcessingParameterCrs(self.TARGET_CRS, self.tr("Map CRS"), optional=True)
        crs.setHelp(self.tr("Default: the case file's zone, else the CGCS2000 3-degree Gauss-Kruger zone of "
                            "the layers' centre (EPSG 4534-4554)."))
        self.addParameter(crs)
        graticule = QgsProcessingParameterBoolean(self.GRATICULE, self.tr("Add a geographic graticule (CGCS2000)"),
                                                  False)
        graticule.setHelp(self.tr("Longitude/latitude crosses labelled in degrees, minutes, seconds."))
        self.addParameter(advanced(graticule))
        for key, label, help_text in (
            (self.TITLE, self.tr("Title (before the theme name)"), self.tr("Default: the case name.")),
            (self.UNIT, self.tr("Compiling unit"), self.tr("Default: the case's institution.")),
            (self.AUTHOR, self.tr("Author"), self.tr("Left blank for a signature when not given.")),
            (self.DATE, self.tr("Date"), self.tr("Default: today (YYYY-MM-DD).")),
            (self.SOURCES, self.tr("Data sources"), self.tr("Default: the case file's [sources].")),
            (self.IMAGERY_DATE, self.tr("Imagery date"), self.tr("Default: the case's survey date.")),
        ):
            parameter = QgsProcessingParameterString(key, label, optional=True)
            parameter.setHelp(help_text)
            self.addParameter(parameter)
        dpi = QgsProcessingParameterNumber(self.DPI, self.tr("PNG resolution (dpi)"), NUMBER_INTEGER, 300,
                                           minValue=72, maxValue=1200)
        dpi.setHelp(self.tr("300 dpi: print quality for a report."))
        self.addParameter(dpi)
        atlas = QgsProcessingParameterBoolean(self.ATLAS, self.tr("Atlas over the functional zones"), False)
        atlas.setHelp(self.tr("One more PDF with a page per zone (damage extent if given, else the zones), and "
                              "a PNG per zone."))
        self.addParameter(atlas)
        folder = QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, self.tr("Map folder"))
        folder.setHelp(self.tr("<theme>.pdf and <theme>.png per theme (more pages: <theme>_2.png ...), with "
                               "their provenance; files of other themes already there are left alone."))
        self.addParameter(folder)
        project = QgsProcessingParameterFileDestination(self.PROJECT, self.tr("QGIS project with the layouts"),
                                                        self.tr("QGIS project (*.qgz)"), optional=True,
                                                        createByDefault=False)
        project.setHelp(self.tr("Saves the styled layers and the layouts for editing in QGIS."))
        self.addParameter(project)
        self.addOutput(QgsProcessingOutputString(self.MADE, self.tr("Themes made")))
        self.addOutput(QgsProcessingOutputString(self.SKIPPED, self.tr("Themes skipped, with why")))

    # ------------------------------------------------------------------ run
    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        stages = Stages(feedback, [self.tr("Reading the case and the layers"), self.tr("Building and exporting "
                                                                                     "the maps"),
                                   self.tr("Saving the project")])
        stages.next()
        case = self._case(parameters, context)
        project = QgsProject()
        try:
            return self._run(parameters, context, feedback, stages, case, project)
        finally:  # the layouts go before the legend trees they draw, and before QGIS shuts down
            project.clear()
            release_legend_roots()

    def _run(self, parameters, context, feedback, stages, case, project):
        layers = self._layers(parameters, context, project)
        if not layers:
            raise QgsProcessingException(self.missing_inputs_error(parameters, list(self.LAYER_PARAMETERS),
                                                                   self.tr("A map needs at least one layer.")))
        crs = self._crs(parameters, context, case, layers)
        project.setCrs(crs)
        texts = self._texts(parameters, context, case)
        out = Path(self.parameterAsString(parameters, self.OUTPUT_FOLDER, context))
        dpi = self.parameterAsInt(parameters, self.DPI, context)
        graticule = self.parameterAsBool(parameters, self.GRATICULE, context)
        chosen = self.parameterAsEnums(parameters, self.THEMES, context) if parameters.get(self.THEMES) not in (
            None, "", []) else list(range(len(THEMES)))
        themes = [THEMES[index] for index in chosen]

        depth_table = None
        if any(t.id == "sampling_plan" for t in themes):
            depth_table = self._depth_table(parameters, context, out / "sampling_plan_depths.csv", project)

        step = stages.next()
        made, skipped, files = [], [], []
        with atomic_directory(out) as staging:
            for index, theme in enumerate(themes):
                self.check_canceled(feedback)
                missing = [role for role in theme.required if role not in layers]
                if missing:
                    keys = [key for key, (role, _r) in self.LAYER_PARAMETERS.items() if role in missing]
                    line = self.tr("{0} ({1}) skipped: no {2} given.").format(theme.title_zh, theme.id,
                                                                             ", ".join(keys))
                    feedback.pushInfo(line)
                    skipped.append(line)
                    continue
                layout = self._theme_layout(project, theme, layers, crs, texts, graticule, depth_table, feedback)
                files += export_layout(layout, staging, theme.id, dpi, pdf_date=_date_or_none(texts.date))
                made.append(theme.id)
                feedback.pushInfo(self.tr("{0} ({1}): map at 1:{2}").format(
                    theme.title_zh, theme.id, round(layout.itemById("map").scale())))
                step.setProgress(100.0 * (index + 1) / max(len(themes), 1))
            if self.parameterAsBool(parameters, self.ATLAS, context):
                files += self._atlas(project, layers, crs, texts, graticule, staging, dpi, feedback)
            self.check_canceled(feedback)
        files = [out / Path(path).relative_to(staging) for path in files]
        for path in files:
            self.track_output(path)
        if not made:
            raise QgsProcessingException(self.tr("No map was made: {0}").format(" ".join(skipped)))

        step = stages.next()
        project_path = self.parameterAsFileOutput(parameters, self.PROJECT, context)
        if project_path:
            self._save_project(project, Path(project_path))
        record = make_record(
            "ree_damage:report_map",
            inputs=self.input_paths(parameters, [*self.LAYER_PARAMETERS, self.DEPTH_SCHEDULE, self.BASELINE],
                                    context) | ({"case_file": str(case.file)} if case is not None and case.file
                                                else {}),
            parameters={"crs": crs.authid(), "dpi": dpi, "graticule": graticule, "themes": made,
                        "title": texts.title, "unit": texts.unit, "author": texts.author, "date": texts.date,
                        "sources": texts.sources, "imagery_date": texts.imagery_date},
            crs=crs.authid(),
            outputs={"files": [str(p) for p in files], "project": project_path or None,
                     "depth_table": str(out / "sampling_plan_depths.csv") if depth_table is not None else None},
            notes=skipped,
            host=self.host_info(),
        )
        depth_path = out / "sampling_plan_depths.csv"
        tables = [depth_path] if depth_table is not None and depth_path.is_file() else []
        self.write_provenance([*files, *tables, *([project_path] if project_path else [])], record)
        results = {self.OUTPUT_FOLDER: str(out), self.MADE: ",".join(made), self.SKIPPED: " ".join(skipped)}
        if project_path:
            results[self.PROJECT] = project_path
        return results

    # ------------------------------------------------------------------ inputs
    def _case(self, parameters, context):
        path = self.parameterAsFile(parameters, self.CASE_FILE, context)
        if not path:
            return None
        from ....core.case.model import load_case

        with self.core_errors():
            try:
                return load_case(path, check_inputs=False)
            except ReeDamageError:
                raise
            except (OSError, ValueError) as exc:
                raise QgsProcessingException(self.tr("Case file {0}: {1}").format(path, exc)) from exc

    def _layers(self, parameters, context, project) -> dict:
        """Role -> a styled copy of each given layer, added to ``project``."""
        layers = {}
        baseline = self._baselines(parameters, context)
        for key, (role, raster) in self.LAYER_PARAMETERS.items():
            if parameters.get(key) in (None, ""):
                continue
            given = (self.parameterAsRasterLayer if raster else self.parameterAsVectorLayer)(parameters, key, context)
            if given is None or not given.isValid():
                error = self.invalidRasterError if raster else self.invalidSourceError
                raise QgsProcessingException(error(parameters, key))
            layer = given.clone()
            style_role_layer(layer, role, baseline)
            project.addMapLayer(layer, False)  # shown in the layer tree under each map's group
            layers[role] = layer
        match_damage_to_degree(layers)
        return layers

    def _baselines(self, parameters, context) -> dict:
        """Indicator -> baseline value from the baseline table (empty without one)."""
        source = self.parameterAsSource(parameters, self.BASELINE, context)
        if source is None:
            return {}
        names = source.fields().names()
        if "indicator" not in names or "baseline" not in names:
            raise QgsProcessingException(self.tr("Baseline table: columns 'indicator' and 'baseline' expected, "
                                                 "found {0}.").format(", ".join(names)))
        found = {}
        for feature in source.getFeatures():
            try:
                found[str(feature["indicator"])] = float(feature["baseline"])
            except (TypeError, ValueError):
                continue
        return found

    def _crs(self, parameters, context, case, layers) -> QgsCoordinateReferenceSystem:
        chosen = self.parameterAsCrs(parameters, self.TARGET_CRS, context)
        if chosen.isValid():
            return chosen
        if case is not None and str(case.crs.zone).upper().startswith("EPSG:"):
            return QgsCoordinateReferenceSystem(str(case.crs.zone).upper())
        width = case.crs.zone_width_deg if case is not None else 3
        with self.core_errors():
            return zone_crs_of(layers.values(), width=width)

    def _texts(self, parameters, context, case) -> MapTexts:
        def given(key):
            return self.parameterAsString(parameters, key, context).strip()

        info = case.info if case is not None else None
        sources = "；".join(str(v) for v in case.sources.values()) if case is not None else ""
        return MapTexts(
            title=given(self.TITLE) or (info.name if info and info.name else "稀土开采生态环境损害鉴定评估"),
            unit=given(self.UNIT) or (info.institution if info else ""),
            author=given(self.AUTHOR),
            date=given(self.DATE) or datetime.date.today().isoformat(),
            sources=given(self.SOURCES) or sources,
            imagery_date=given(self.IMAGERY_DATE) or (info.survey_date if info else ""),
        )

    def _depth_table(self, parameters, context, path: Path, project):
        """The depth schedule summarised per point, written as CSV beside the maps and loaded."""
        source = self.parameterAsSource(parameters, self.DEPTH_SCHEDULE, context)
        if source is None:
            return None
        names = source.fields().names()
        needed = {"point_id", "depth_cm"}
        if not needed <= set(names):
            raise QgsProcessingException(self.tr("Depth schedule: columns {0} expected, found {1}.").format(
                ", ".join(sorted(needed)), ", ".join(names)))
        write_depth_table(({name: feature[name] for name in names} for feature in source.getFeatures()), path)
        self.track_output(path)
        try:
            layer = depth_table_layer(path)
        except ValueError as exc:
            raise QgsProcessingException(self.tr("The depth table {0} does not open.").format(path)) from exc
        project.addMapLayer(layer)
        return layer

    # ------------------------------------------------------------------ maps
    def _theme_layout(self, project, theme, layers, crs, texts, graticule, depth_table, feedback):
        def note(_line):
            feedback.pushInfo(self.tr("{0}: no depth schedule given: the table page is left out.").format(
                theme.title_zh))

        return theme_layout(project, theme, layers, crs, texts, graticule, depth_table, note)

    def _atlas(self, project, layers, crs, texts, graticule, folder, dpi, feedback) -> list:
        if "zones" not in layers:
            line = self.tr("Atlas skipped: no functional zones given.")
            feedback.pushInfo(line)
            return []
        theme = theme_by_id("damage_extent" if "damage_areas" in layers else "functional_zones")
        outline = layers["zones"].clone()  # the zones as outlines above the theme's layers
        apply_style(outline, "zone_outlines")
        outline.setName("功能分区界线")
        project.addMapLayer(outline, False)
        shown = [outline, *(layers[role] for role in theme.roles if role in layers and role != "zones")]
        layout = load_template(project, theme.template, f"atlas_{theme.id}")
        project.layoutManager().addLayout(layout)
        map_item = fill_layout(layout, theme, shown, crs, texts, graticule)
        make_atlas(layout, map_item, layers["zones"], "zone", "name_zh"
                   if "name_zh" in layers["zones"].fields().names() else "zone")
        return export_atlas(layout, folder, dpi)

    def _save_project(self, project, path: Path) -> None:
        if path.suffix.lower() not in (".qgz", ".qgs"):
            path = path.with_suffix(".qgz")
        with atomic_path(path) as tmp:
            if not project.write(str(tmp)):
                raise QgsProcessingException(self.tr("The project {0} was not written: {1}").format(
                    path, project.error()))
        self.track_output(path)


def _date_or_none(text: str):
    """``text`` when it is a date YYYY-MM-DD (the PDFs then carry it, not the export time)."""
    import re

    return text[:10] if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text[:10]) else None
