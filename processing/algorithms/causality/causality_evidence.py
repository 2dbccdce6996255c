"""Causal-chain evidence per damaged point: REE fingerprint homology, migration path, time order."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputMultipleLayers,
    QgsProcessingOutputString,
    QgsProcessingParameterDistance,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProject,
    QgsReadWriteContext,
)

from ....core.causality.chondrite import HREE_DEFAULT, LREE_DEFAULT, normalising_table
from ....core.causality.evidence import CausalityParams, causality_evidence, damaged_sample_ids
from ....core.causality.timing import dated_files
from ....core.common.provenance import make_record
from ...adapter import raster_path
from ...base import ReeAlgorithm
from ...compat import (
    ALGORITHM_NO_THREADING,
    SOURCE_VECTOR,
    SOURCE_VECTOR_POINT,
    SOURCE_VECTOR_POLYGON,
    advanced,
    flags_with,
    parameter_as_field_names,
)
from ...maps.layout import export_layout, figure_layout
from ..stages import Stages
from .lab_input import add_sheet_parameters, lab_table
from .styles import PATH_SOURCE_COLOURS, PATH_STATUS_COLOURS, styled

IMAGE_INDICES = ("exg", "exgr", "gli", "vari", "ndvi")

PATTERN_LAYOUT = "稀土元素配分模式图 REE patterns"
PATTERN_TITLE = "稀土元素球粒陨石标准化配分模式图（REE patterns, chondrite-normalised）"
PLOT_CAPTIONS = {
    "source": "源样品（浸出液沉淀、沟渠底泥）source samples",
    "damaged": "损害样品 damaged samples",
    "control": "对照样品 control samples",
    "water": "水样 water samples",
}
#: the creation date of the figure PDF when no sampling date is given (the same evidence, the same bytes)
FIGURE_DATE_UNKNOWN = "2000-01-01"

OUTPUT_FILES = {
    "evidence": "causality_evidence.gpkg",
    "paths": "migration_paths.gpkg",
    "indices": "ree_indices.csv",
    "summary": "causality_summary.csv",
    "timing": "time_order.csv",
    "reference": "normalising_values.csv",
    "facts": "causality_facts.txt",
}


class CausalityEvidence(ReeAlgorithm):
    """Homology, migration path and time order for every damaged point (section 8 of the guideline)."""

    SAMPLES = "SAMPLES"
    SOURCE_SAMPLES = "SOURCE_SAMPLES"
    SOURCE_SHEET = "SOURCE_SHEET"
    SOURCE_POINTS = "SOURCE_POINTS"
    CONTROL_PATTERN = "CONTROL_PATTERN"
    DAMAGE = "DAMAGE"
    ZONES = "ZONES"
    DEM = "DEM"
    IMAGE_DATES = "IMAGE_DATES"
    WELLS = "WELLS"
    HEAD_FIELD = "HEAD_FIELD"
    WELL_ID_FIELD = "WELL_ID_FIELD"
    CASE_FILE = "CASE_FILE"
    ACT_START = "ACT_START"
    ACT_END = "ACT_END"
    SAMPLED_ON = "SAMPLED_ON"
    DATE_FIELD = "DATE_FIELD"
    NORMALISING = "NORMALISING"
    LREE = "LREE"
    HREE = "HREE"
    TOLERANCE = "TOLERANCE"
    SEARCH = "SEARCH"
    IMAGE_INDEX = "IMAGE_INDEX"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    OUTPUT_LAYERS = "OUTPUT_LAYERS"
    EVIDENCE = "EVIDENCE"
    FACTS = "FACTS"
    PATTERN_FIGURE = "PATTERN_FIGURE"

    ZH_NAME = "因果关系证据"

    def name(self):
        return "causality_evidence"

    def displayName(self):  # noqa: N802
        return self.tr("Causality evidence")

    def groupId(self):  # noqa: N802
        return "damage"

    def flags(self):
        # the pattern figure is a print layout: layouts and fonts are GUI-thread objects
        return flags_with(super().flags(), ALGORITHM_NO_THREADING)

    def helpText(self):  # noqa: N802
        return self.tr(
            "The evidence of the causal chain (section 8 of the guideline) for every damaged point, as facts "
            "with the rule that produced them, never as a verdict. Homology: the rare earth patterns of the "
            "source samples (leachate, pond or ditch sediment), the damaged samples and the controls, normalised "
            "to CI chondrite (Sun & McDonough 1989, written beside the results; give your own table element, "
            "value_ppm, source to replace it), with the sum of REE, LREE/HREE, (La/Yb)N, Eu/Eu* = EuN / "
            "sqrt(SmN x GdN) and Ce/Ce* = CeN / sqrt(LaN x PrN), and the correlation r of each sample's log10 "
            "pattern with the mean source pattern; a pattern plot (PNG) per group. Migration path: the D8 "
            "downslope path on the depression-filled DEM from every INJ and SETL area; a point is on a path "
            "within the tolerance, below a path when a higher path cell lies within the search distance; the "
            "distance along the path in m. Groundwater: with well heads, a plane fitted to them and whether each "
            "well lies down-gradient of a source. Time order: from the DEMs and the orthomosaics dated in the "
            "image-date table (file, date, kind), the first date each source area is seen disturbed (height "
            "change above 0.5 m, or vegetation lost: vegetated on the earliest image and bare later, each image "
            "cut at its Otsu threshold, on at least 5 % of its cells), the earliest of the two kept, beside the "
            "act dates of the case file and the sampling date. Outputs: "
            "the evidence table per point, the paths, the REE indices of every sample, a summary per zone, the "
            "time order, the normalising values and a paragraph of facts for the report; each with provenance."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        samples = QgsProcessingParameterFeatureSource(self.SAMPLES, self.tr("Soil lab results"), [SOURCE_VECTOR_POINT])
        samples.setHelp(self.tr("Output of Import lab results for the soil samples (REE columns La ... Lu, Y in mg/kg), "
                                "controls included."))
        self.addParameter(samples)
        sources = QgsProcessingParameterFeatureSource(self.SOURCE_SAMPLES, self.tr("Source lab results"),
                                                      [SOURCE_VECTOR], optional=True)
        sources.setHelp(self.tr("Import lab results of the leachate, pond-sediment or ditch-sediment samples: "
                                "the REE source pattern (or give their sheet and points below)."))
        self.addParameter(sources)
        add_sheet_parameters(self, self.SOURCE_SHEET, self.SOURCE_POINTS, self.tr("Sources"))
        pattern = QgsProcessingParameterString(self.CONTROL_PATTERN, self.tr("Control sample ids (regular expression)"),
                                               defaultValue="^CTRL-")
        pattern.setHelp(self.tr("Samples whose id matches are controls: plotted and compared, not assessed."))
        self.addParameter(pattern)
        damage = QgsProcessingParameterFeatureSource(self.DAMAGE, self.tr("Damaged samples (Damage extent)"),
                                                     [SOURCE_VECTOR], optional=True)
        damage.setHelp(self.tr("The damaged-sample layer of Damage extent: samples with a confirmed indicator are the "
                               "damaged points; without it every sample not a control is treated as one."))
        self.addParameter(damage)
        zones = QgsProcessingParameterFeatureSource(self.ZONES, self.tr("Functional zones"), [SOURCE_VECTOR_POLYGON],
                                                    optional=True)
        zones.setHelp(self.tr("Output of Functional zones (field zone): the INJ and SETL areas are the sources of "
                              "the paths and of the time order."))
        self.addParameter(zones)
        dem = QgsProcessingParameterRasterLayer(self.DEM, self.tr("DEM"), optional=True)
        dem.setHelp(self.tr("Heights in m for the downslope paths (the DEM before mining is the natural surface)."))
        self.addParameter(dem)
        dates = QgsProcessingParameterFile(self.IMAGE_DATES, self.tr("Image-date table (CSV)"), extension="csv",
                                           optional=True)
        dates.setHelp(self.tr("Columns file, date (YYYY-MM-DD) and kind; the rows of kind DEM, and those of kind "
                              "mosaic (orthomosaics), two or more of a kind, paths relative to the table, give the "
                              "time order."))
        self.addParameter(dates)
        wells = QgsProcessingParameterFeatureSource(self.WELLS, self.tr("Groundwater wells"), [SOURCE_VECTOR_POINT],
                                                    optional=True)
        wells.setHelp(self.tr("Wells: traced like the soil points; with a head field, tested down-gradient."))
        self.addParameter(wells)
        head = QgsProcessingParameterField(self.HEAD_FIELD, self.tr("Groundwater head field (m)"),
                                           parentLayerParameterName=self.WELLS, optional=True)
        head.setHelp(self.tr("Head of each well, m above the 1985 datum; at least 3 wells not on a line."))
        self.addParameter(head)
        well_id = QgsProcessingParameterField(self.WELL_ID_FIELD, self.tr("Well id field"),
                                              parentLayerParameterName=self.WELLS, optional=True)
        well_id.setHelp(self.tr("Names the wells in the tables (default WELL-001 ...)."))
        self.addParameter(well_id)
        case = QgsProcessingParameterFile(self.CASE_FILE, self.tr("Case file (case.toml)"), extension="toml",
                                          optional=True)
        case.setHelp(self.tr("Gives the act dates (act_start, act_end) and the survey date when they are not typed "
                             "below."))
        self.addParameter(case)
        for key, label, text in (
            (self.ACT_START, self.tr("Act start date"), self.tr("First day of the illegal mining, YYYY-MM-DD.")),
            (self.ACT_END, self.tr("Act end date"), self.tr("Last day of the illegal mining, YYYY-MM-DD.")),
            (self.SAMPLED_ON, self.tr("Sampling date"), self.tr("Day the soil samples were taken, YYYY-MM-DD.")),
        ):
            parameter = QgsProcessingParameterString(key, label, defaultValue="", optional=True)
            parameter.setHelp(text)
            self.addParameter(parameter)
        date_field = QgsProcessingParameterField(self.DATE_FIELD, self.tr("Sampling date field"),
                                                 parentLayerParameterName=self.SAMPLES, optional=True)
        date_field.setHelp(self.tr("A field with each sample's sampling date (YYYY-MM-DD), in place of the one date "
                                   "above."))
        self.addParameter(date_field)
        table = QgsProcessingParameterFile(self.NORMALISING, self.tr("Normalising values (CSV)"), extension="csv",
                                           optional=True)
        table.setHelp(self.tr("Columns element, value_ppm, source; empty: CI chondrite of Sun & McDonough (1989)."))
        self.addParameter(advanced(table))
        lree = QgsProcessingParameterString(self.LREE, self.tr("Light REE group"), defaultValue=",".join(LREE_DEFAULT))
        lree.setHelp(self.tr("Elements summed as LREE, comma separated."))
        self.addParameter(advanced(lree))
        hree = QgsProcessingParameterString(self.HREE, self.tr("Heavy REE group"), defaultValue=",".join(HREE_DEFAULT))
        hree.setHelp(self.tr("Elements summed as HREE, comma separated (Y counted heavy by default)."))
        self.addParameter(advanced(hree))
        defaults = CausalityParams()
        tolerance = QgsProcessingParameterDistance(self.TOLERANCE, self.tr("On-path tolerance (m)"),
                                                   defaults.tolerance_m, minValue=0.0)
        tolerance.setHelp(self.tr("A path cell this close to the point puts it on the path (GPS error, path width)."))
        self.addParameter(advanced(tolerance))
        search = QgsProcessingParameterDistance(self.SEARCH, self.tr("Below-path search distance (m)"),
                                                defaults.search_m, minValue=0.0)
        search.setHelp(self.tr("A higher path cell this close puts the point below the path."))
        self.addParameter(advanced(search))
        image_index = QgsProcessingParameterEnum(self.IMAGE_INDEX, self.tr("Vegetation index of the dated mosaics"),
                                                 options=["ExG", "ExGR", "GLI / VDVI", "VARI", "NDVI"],
                                                 defaultValue=0)
        image_index.setHelp(self.tr("The index that tells vegetated from bare on the dated mosaics (as in "
                                    "Vegetation damage); NDVI needs a near-infrared band."))
        self.addParameter(advanced(image_index))
        out = QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, self.tr("Output folder"))
        out.setHelp(self.tr("Evidence table, paths, REE indices, summary, time order, normalising values, facts and "
                            "the pattern plots, each with provenance."))
        self.addParameter(out)
        self.addOutput(QgsProcessingOutputMultipleLayers(self.OUTPUT_LAYERS, self.tr("Evidence layers")))
        self.addOutput(QgsProcessingOutputString(self.EVIDENCE, self.tr("Evidence table")))
        self.addOutput(QgsProcessingOutputString(self.FACTS, self.tr("Paragraph of facts")))
        self.addOutput(QgsProcessingOutputString(self.PATTERN_FIGURE,
                                                 self.tr("Pattern figure (PDF; its layout as a .qpt template)")))

    def _group(self, parameters, key, context):
        text = self.parameterAsString(parameters, key, context)
        return tuple(e.strip() for e in text.split(",") if e.strip())

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        stages = Stages(feedback, [self.tr("Reading the samples, zones and rasters"),
                                   self.tr("Patterns, paths and time order"),
                                   self.tr("Writing the tables, layers and plots")])
        step = stages.next()
        samples = self.read_source(parameters, self.SAMPLES, context, step, required=True)
        sources = lab_table(self, parameters, context, step, self.SOURCE_SAMPLES, self.SOURCE_SHEET,
                            self.SOURCE_POINTS)
        damage = self.read_source(parameters, self.DAMAGE, context, step)
        zones = self.read_source(parameters, self.ZONES, context, step)
        wells = self.read_source(parameters, self.WELLS, context, step)
        dem_layer = self.parameterAsRasterLayer(parameters, self.DEM, context)
        dem = raster_path(dem_layer, context) if dem_layer is not None else None
        head = (parameter_as_field_names(self, parameters, self.HEAD_FIELD, context) or [None])[0]
        well_id = (parameter_as_field_names(self, parameters, self.WELL_ID_FIELD, context) or [None])[0]
        date_field = (parameter_as_field_names(self, parameters, self.DATE_FIELD, context) or [None])[0]
        dates_file = self.parameterAsFile(parameters, self.IMAGE_DATES, context) or None
        case_file = self.parameterAsFile(parameters, self.CASE_FILE, context) or None
        dates = {key: self.parameterAsString(parameters, key, context).strip()
                 for key in (self.ACT_START, self.ACT_END, self.SAMPLED_ON)}
        normalising = self.parameterAsFile(parameters, self.NORMALISING, context) or None
        params = CausalityParams(
            lree=self._group(parameters, self.LREE, context),
            hree=self._group(parameters, self.HREE, context),
            tolerance_m=self.parameterAsDouble(parameters, self.TOLERANCE, context),
            search_m=self.parameterAsDouble(parameters, self.SEARCH, context),
            image_index=IMAGE_INDICES[self.parameterAsEnum(parameters, self.IMAGE_INDEX, context)],
        )
        folder = Path(self.parameterAsString(parameters, self.OUTPUT_FOLDER, context))
        with self.core_errors():
            if case_file:
                from ....core.case.model import load_case

                info = load_case(case_file, check_inputs=False).info
                dates[self.ACT_START] = dates[self.ACT_START] or info.act_start
                dates[self.ACT_END] = dates[self.ACT_END] or info.act_end
                dates[self.SAMPLED_ON] = dates[self.SAMPLED_ON] or info.survey_date
            dated = dated_files(dates_file, kind="DEM") if dates_file else None
            images = dated_files(dates_file, kind="mosaic") if dates_file else None
            reference = normalising_table(normalising)
            damaged = damaged_sample_ids(damage) if damage is not None else None
        if head and wells is None:
            raise QgsProcessingException(self.tr("A head field needs the wells layer."))
        step = stages.next()
        progress, is_canceled = self.callbacks(step)
        with self.core_errors():
            result = causality_evidence(
                samples, sources, control_pattern=self.parameterAsString(parameters, self.CONTROL_PATTERN, context),
                damaged_ids=damaged, zones=zones, dem=dem, dated_dems=dated, dated_images=images, wells=wells, head_field=head,
                well_id_field=well_id, act_start=dates[self.ACT_START], act_end=dates[self.ACT_END],
                sampled_on=dates[self.SAMPLED_ON], date_field=date_field, reference=reference, params=params, progress=progress,
                is_canceled=is_canceled,
            )
        stages.next()
        folder.mkdir(parents=True, exist_ok=True)
        inputs = self.input_paths(parameters, [self.SAMPLES, self.SOURCE_SAMPLES, self.SOURCE_POINTS, self.DAMAGE,
                                               self.ZONES, self.WELLS], context)
        source_sheet = self.parameterAsFile(parameters, self.SOURCE_SHEET, context) or None
        inputs.update({key: value for key, value in (("dem", dem), ("image_dates", dates_file),
                                                     ("source_sheet", source_sheet),
                                                     ("case_file", case_file), ("normalising", normalising)) if value})
        for _, _, path in [*(dated or []), *(images or [])]:
            inputs[f"dated:{Path(path).name}"] = str(path)
        with self.core_errors():
            written = result.write({**{name: folder / file for name, file in OUTPUT_FILES.items()},
                                    "plots": folder / "plots"}, inputs=inputs, host=self.host_info())
        for path in written.values():
            self.track_output(path)
        self.push_warnings(feedback, result.warnings)
        layers = [str(written[name]) for name in ("evidence", "paths") if name in written]
        for path in layers:
            details = context.LayerDetails(Path(path).stem, context.project(), self.OUTPUT_LAYERS)
            styled(details, "path_status", PATH_STATUS_COLOURS if path == str(written["evidence"])
                   else PATH_SOURCE_COLOURS)
            context.addLayerToLoadOnCompletion(path, details)
        plots = [(key.split(":", 1)[1], path) for key, path in written.items() if key.startswith("plot:")]
        figure = self._pattern_figure(plots, folder, result, inputs, dates[self.SAMPLED_ON]) if plots else ""
        return {self.OUTPUT_FOLDER: str(folder), self.OUTPUT_LAYERS: layers,
                self.EVIDENCE: str(written["evidence"]), self.FACTS: str(written["facts"]),
                self.PATTERN_FIGURE: figure}

    def _pattern_figure(self, plots, folder: Path, result, inputs, sampled_on: str) -> str:
        """The pattern plots on one A4 page for the report: a print layout exported as a vector
        PDF and saved as a layout template (.qpt) that any project's layout manager loads."""
        order = {group: rank for rank, group in enumerate(PLOT_CAPTIONS)}
        plots = sorted(plots, key=lambda item: (order.get(item[0], len(order)), item[0]))
        pictures = [(path, PLOT_CAPTIONS.get(group, group)) for group, path in plots]
        source = str(result.reference["source"].iloc[0]) if len(result.reference) else ""
        note = ("标准化值 normalising values: " + source + "。同源性：各样品 log10 标准化配分模式与源样品平均模式的"
                "相关系数 r（Pearson）/ homology: Pearson r of each sample's log10 pattern with the mean source pattern.")
        project = QgsProject()
        layout = figure_layout(project, PATTERN_LAYOUT, PATTERN_TITLE, pictures, note)
        project.layoutManager().addLayout(layout)
        stem = "rare_earth_patterns"
        # the date written into the PDF: the sampling date, so the same evidence gives the same bytes
        written = export_layout(layout, folder, stem, dpi=300, formats=("pdf",),
                                pdf_date=sampled_on or FIGURE_DATE_UNKNOWN)
        template = folder / f"{stem}.qpt"
        if not layout.saveAsTemplate(str(template), QgsReadWriteContext()):
            raise QgsProcessingException(self.tr("The layout template {0} could not be written.").format(template))
        files = [*written, template]
        for path in files:
            self.track_output(path)
        record = make_record(
            "ree_damage:causality_evidence",
            inputs={**inputs, **{f"plot:{group}": str(path) for group, path in plots}},
            parameters={"layout": PATTERN_LAYOUT, "dpi": 300, "pdf_date": sampled_on or FIGURE_DATE_UNKNOWN},
            outputs={"files": [str(path) for path in files]},
            host=self.host_info(),
        )
        self.write_provenance(files, record)
        project.clear()
        return str(written[0])
