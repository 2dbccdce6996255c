"""Groundwater and surface-water damage: exceedance per well and section, plume, damaged reach."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
)

from ....core.case.steps import water_damage_for
from ....core.damage.water import GB3838_CLASSES, GW_CLASSES, WaterParams
from ...base import ReeAlgorithm
from ...compat import (
    FILE_BEHAVIOR_FILE,
    NUMBER_DOUBLE,
    NUMBER_INTEGER,
    SOURCE_VECTOR,
    SOURCE_VECTOR_LINE,
    SOURCE_VECTOR_POINT,
    SOURCE_VECTOR_POLYGON,
    advanced,
)
from ..stages import Stages


class WaterDamage(ReeAlgorithm):
    """Water exceedance per well and section against the control and the water-quality standard."""

    POSITIONS = "POSITIONS"
    LAB_SHEET = "LAB_SHEET"
    STREAM = "STREAM"
    CASE_AREA = "CASE_AREA"
    BASELINE = "BASELINE"
    THRESHOLD = "THRESHOLD"
    GW_CLASS = "GW_CLASS"
    SW_CLASS = "SW_CLASS"
    MIN_WELLS = "MIN_WELLS"
    GW_AZIMUTH = "GW_AZIMUTH"
    CELL_SIZE = "CELL_SIZE"
    THICKNESS = "THICKNESS"
    POROSITY = "POROSITY"
    OUTPUT = "OUTPUT"
    PLUME = "PLUME"
    REACH = "REACH"
    SUMMARY = "SUMMARY"

    ZH_NAME = "地下水与地表水损害"

    def name(self):
        return "water_damage"

    def displayName(self):  # noqa: N802
        return self.tr("Water damage")

    def groupId(self):  # noqa: N802
        return "damage"

    def helpText(self):  # noqa: N802
        return self.tr(
            "Reads the water lab results (mg/L, metals in ug/L; units checked) and joins them to the wells and "
            "stream sections by position id. Per well and section and indicator: the baseline (mean of the control "
            "well or section, or a given table), K = (C - B) / B (pH on the hydrogen-ion activity), damage confirmed "
            "where K exceeds the threshold (C more than 20 % above B by default), the comparison with GB/T 14848 "
            "class III (groundwater) or GB 3838 class III (surface water) and the quality class of the sample. A "
            "value below its detection limit never counts as an exceedance; where the limit exceeds the baseline "
            "the sample is undecidable. With at least 4 wells the plume is drawn by indicator IDW (P = weighted "
            "share of wells with confirmed damage) inside the wells' hull, clipped to the case's down-gradient side "
            "(flow fitted to the heads), at P >= 50, 80 and 95 %; with fewer a message says why no plume is drawn. "
            "The damaged reach runs from the discharge section to the first downstream section that meets the "
            "baseline. The summary (medium, indicator, confidence, area m2, volume m3, length m) is what "
            "valuation reads. Every output carries provenance; the rules are written into the rows."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        positions = QgsProcessingParameterFeatureSource(self.POSITIONS, self.tr("Wells and stream sections"),
                                                        [SOURCE_VECTOR_POINT])
        positions.setHelp(self.tr("Fields position_id, medium (groundwater / surface_water), role (control, discharge, "
                                  "downstream, down_gradient); head_m for wells, distance_m, width_m, depth_m for "
                                  "sections, as the depth schedule's water positions."))
        self.addParameter(positions)
        sheet = QgsProcessingParameterFile(self.LAB_SHEET, self.tr("Water lab results (CSV or XLSX)"),
                                           behavior=FILE_BEHAVIOR_FILE)
        sheet.setHelp(self.tr("One row per position id, units in the header or a units row."))
        self.addParameter(sheet)
        stream = QgsProcessingParameterFeatureSource(self.STREAM, self.tr("Receiving stream"), [SOURCE_VECTOR_LINE],
                                                     optional=True)
        stream.setHelp(self.tr("Lines digitised downstream; the damaged reach follows it."))
        self.addParameter(stream)
        area = QgsProcessingParameterFeatureSource(self.CASE_AREA, self.tr("Case area"), [SOURCE_VECTOR_POLYGON],
                                                   optional=True)
        area.setHelp(self.tr("Case boundary or functional zones: the plume is kept on its down-gradient side."))
        self.addParameter(area)
        baseline = QgsProcessingParameterFeatureSource(self.BASELINE, self.tr("Water baseline table"), [SOURCE_VECTOR],
                                                       optional=True)
        baseline.setHelp(self.tr("indicator, baseline (optional medium, unit, source); empty: the control positions."))
        self.addParameter(baseline)
        defaults = WaterParams()
        threshold = QgsProcessingParameterNumber(self.THRESHOLD, self.tr("Confirmation threshold (K)"), NUMBER_DOUBLE,
                                                 defaults.threshold, minValue=0.0, maxValue=10.0)
        threshold.setHelp(self.tr("Damage is confirmed where K exceeds it; 0.2 means C more than 20 % above the baseline."))
        self.addParameter(threshold)
        gw = QgsProcessingParameterEnum(self.GW_CLASS, self.tr("GB/T 14848 class compared with"), list(GW_CLASSES),
                                        defaultValue=GW_CLASSES.index(defaults.gw_class))
        gw.setHelp(self.tr("GB/T 14848-2017 quality class whose upper limit is the second comparison (III: drinking-water "
                           "source)."))
        self.addParameter(advanced(gw))
        sw = QgsProcessingParameterEnum(self.SW_CLASS, self.tr("GB 3838 class compared with"), list(GB3838_CLASSES),
                                        defaultValue=GB3838_CLASSES.index(defaults.sw_class))
        sw.setHelp(self.tr("GB 3838-2002 class whose limit is the second comparison for surface water."))
        self.addParameter(advanced(sw))
        wells = QgsProcessingParameterNumber(self.MIN_WELLS, self.tr("Wells needed for a plume"), NUMBER_INTEGER,
                                             defaults.min_plume_wells, minValue=3)
        wells.setHelp(self.tr("Wells with a decidable result needed to draw a plume; with fewer a message says why "
                              "none is drawn."))
        self.addParameter(advanced(wells))
        azimuth = QgsProcessingParameterNumber(self.GW_AZIMUTH, self.tr("Groundwater flow direction (degrees from north)"),
                                               NUMBER_DOUBLE, optional=True, minValue=0.0, maxValue=360.0)
        azimuth.setHelp(self.tr("Empty: fitted to the wells' heads (field head_m); the plume is kept down-gradient of "
                                "the case area."))
        self.addParameter(advanced(azimuth))
        cell = QgsProcessingParameterNumber(self.CELL_SIZE, self.tr("Plume cell size (m)"), NUMBER_DOUBLE,
                                            defaults.cell_size_m, minValue=0.1)
        cell.setHelp(self.tr("Cell of the interpolated plume; areas are cells x cell area."))
        self.addParameter(advanced(cell))
        thickness = QgsProcessingParameterNumber(self.THICKNESS, self.tr("Saturated aquifer thickness (m)"),
                                                 NUMBER_DOUBLE, optional=True, minValue=0.0)
        thickness.setHelp(self.tr("Empty: the wells' field aquifer_thickness_m; volume = area x thickness x porosity."))
        self.addParameter(advanced(thickness))
        porosity = QgsProcessingParameterNumber(self.POROSITY, self.tr("Effective porosity"), NUMBER_DOUBLE,
                                                optional=True, minValue=0.0, maxValue=1.0)
        porosity.setHelp(self.tr("Empty: the wells' field effective_porosity."))
        self.addParameter(advanced(porosity))
        out = QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Water samples assessed"), SOURCE_VECTOR_POINT)
        out.setHelp(self.tr("One point per position and indicator: value, baseline, K, status, standard, class, rule."))
        self.addParameter(out)
        plume = QgsProcessingParameterFeatureSink(self.PLUME, self.tr("Groundwater plume"), SOURCE_VECTOR_POLYGON,
                                                  optional=True)
        plume.setHelp(self.tr("Per indicator and confidence level (50, 80, 95 %): area m2, volume m3."))
        self.addParameter(plume)
        reach = QgsProcessingParameterFeatureSink(self.REACH, self.tr("Damaged reach"), SOURCE_VECTOR_LINE,
                                                  optional=True)
        reach.setHelp(self.tr("Per indicator: from the discharge section to the first section meeting the baseline."))
        self.addParameter(reach)
        summary = QgsProcessingParameterFeatureSink(self.SUMMARY, self.tr("Water damage summary"), SOURCE_VECTOR,
                                                    optional=True)
        summary.setHelp(self.tr("medium, indicator, confidence, area_m2, volume_m3, length_m ...: read by valuation."))
        self.addParameter(summary)

    def _optional_number(self, parameters, key, context):
        if parameters.get(key) in (None, ""):
            return None
        return self.parameterAsDouble(parameters, key, context)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        stages = Stages(feedback, [self.tr("Reading the wells, sections and lab results"),
                                   self.tr("Assessing the water damage"),
                                   self.tr("Writing the layers and table")])
        step = stages.next()
        positions = self.read_source(parameters, self.POSITIONS, context, step, required=True)
        stream = self.read_source(parameters, self.STREAM, context, step)
        case_area = self.read_source(parameters, self.CASE_AREA, context, step)
        baseline = self.read_source(parameters, self.BASELINE, context, step)
        if baseline is not None:
            baseline = baseline.drop(columns=["fid", "geometry"], errors="ignore")
        sheet = self.parameterAsFile(parameters, self.LAB_SHEET, context)
        params = WaterParams(
            threshold=self.parameterAsDouble(parameters, self.THRESHOLD, context),
            gw_class=GW_CLASSES[self.parameterAsEnum(parameters, self.GW_CLASS, context)],
            sw_class=GB3838_CLASSES[self.parameterAsEnum(parameters, self.SW_CLASS, context)],
            min_plume_wells=self.parameterAsInt(parameters, self.MIN_WELLS, context),
            cell_size_m=self.parameterAsDouble(parameters, self.CELL_SIZE, context),
            gw_azimuth_deg=self._optional_number(parameters, self.GW_AZIMUTH, context),
            aquifer_thickness_m=self._optional_number(parameters, self.THICKNESS, context),
            effective_porosity=self._optional_number(parameters, self.POROSITY, context),
        )
        step = stages.next()
        progress, is_canceled = self.callbacks(step)
        with self.core_errors():
            result = water_damage_for(positions, sheet, stream=stream, case_area=case_area, baseline=baseline,
                                      params=params, progress=progress, is_canceled=is_canceled)
        self.push_warnings(feedback, result.warnings)
        step = stages.next()
        outputs = {
            self.OUTPUT: self.write_sink(parameters, self.OUTPUT, context, result.samples, step),
            self.PLUME: self.write_sink(parameters, self.PLUME, context, result.plume, step),
            self.REACH: self.write_sink(parameters, self.REACH, context, result.reach, step),
            self.SUMMARY: self.write_sink(parameters, self.SUMMARY, context, result.summary, step),
        }
        inputs = self.input_paths(parameters, [self.POSITIONS, self.STREAM, self.CASE_AREA, self.BASELINE], context)
        inputs["lab_sheet"] = sheet
        self.write_provenance([v for v in outputs.values() if v], result.provenance(inputs=inputs,
                                                                                     host=self.host_info()))
        return outputs
