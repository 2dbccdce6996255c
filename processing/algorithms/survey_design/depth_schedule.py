"""Sample depths per point, the lab order, water positions and the field exports."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
)

from ....core.case.steps import plan_fieldwork
from ....core.survey.depth import DepthParams
from ...adapter import RasterFileParameter, raster_parameter_path
from ...base import ReeAlgorithm
from ...compat import (
    NUMBER_DOUBLE,
    SOURCE_VECTOR,
    SOURCE_VECTOR_LINE,
    SOURCE_VECTOR_POINT,
    SOURCE_VECTOR_POLYGON,
)
from ...messages import user_language
from ..stages import Stages


class DepthSchedule(ReeAlgorithm):
    """Soil sample depths following every depth rule, with the field workbook and GPS files."""

    POINTS = "POINTS"
    CONTROL_POINTS = "CONTROL_POINTS"
    SOIL_LAYERS = "SOIL_LAYERS"
    WATER_TABLE = "WATER_TABLE"
    ZONES = "ZONES"
    STREAM = "STREAM"
    DEM = "DEM"
    SAMPLES = "SAMPLES"
    WATER_POINTS = "WATER_POINTS"
    WORKBOOK = "WORKBOOK"
    GPX = "GPX"
    KML = "KML"

    ZH_NAME = "采样深度方案与外业表"

    def name(self):
        return "depth_schedule"

    def displayName(self):  # noqa: N802
        return self.tr("Depth schedule")

    def groupId(self):  # noqa: N802
        return "survey_design"

    def helpText(self):  # noqa: N802
        return self.tr(
            "Lists the soil samples of every point following each depth rule of the guideline: a 0-0.5 m "
            "surface sample; from 0.5 m to 6 m samples at most 2 m apart, below 6 m at most 3 m apart; at "
            "least one sample in each soil layer, one near the water table and one in the saturated zone; in "
            "INJ the deepest sample more than 3 m below the hole bottom (the deepest hole of the unit, on which Sampling grid places the point), elsewhere more than 3 m below the "
            "bottom of the pond or ditch the point serves. Soil layers and the water table come from a table "
            "(per point or per zone), the points' fields, or the water-table parameter. Each sample gets its "
            "id <point>-<top depth in cm>, its reasons and its analysis indicators (basic properties, rare "
            "earth elements, leaching-agent residues, heavy metals, migration parameters). With zones and a "
            "stream, it also places the groundwater wells (down-gradient of INJ and SETL, a control well "
            "up-gradient) and the surface-water and sediment sections (upstream control, discharge, "
            "downstream). Writes the field workbook (XLSX, Chinese and English headers: points, depths, "
            "indicators, rule compliance, water positions) and the points as GPX/KML for a handheld GPS."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        def source(key, label, types, help_text, optional=True):
            parameter = QgsProcessingParameterFeatureSource(key, label, types, optional=optional)
            parameter.setHelp(help_text)
            self.addParameter(parameter)

        source(self.POINTS, self.tr("Sampling points"), [SOURCE_VECTOR_POINT],
               self.tr("Points with point_id, zone and bottom_m (hole, pond or ditch bottom), e.g. from Sampling grid."),
               optional=False)
        source(self.CONTROL_POINTS, self.tr("Control points"), [SOURCE_VECTOR_POINT],
               self.tr("Control points get the same depth schedule, for a baseline at every depth."))
        source(self.SOIL_LAYERS, self.tr("Soil layers"), [SOURCE_VECTOR],
               self.tr("Table of soil layers per point (point_id) or per zone (zone): top and bottom depth in m, "
                       "layer name, optional water-table depth in m."))
        water = QgsProcessingParameterNumber(
            self.WATER_TABLE, self.tr("Water-table depth where no table or field gives it (m)"), NUMBER_DOUBLE,
            optional=True, minValue=0.0,
        )
        water.setHelp(self.tr("Depth of the water table below ground, m; a point's own field or the layer table wins."))
        self.addParameter(water)
        source(self.ZONES, self.tr("Functional zones (for water positions)"), [SOURCE_VECTOR_POLYGON],
               self.tr("Zones from Functional zones; needed for the groundwater wells and stream sections."))
        source(self.STREAM, self.tr("Receiving stream"), [SOURCE_VECTOR_LINE],
               self.tr("The stream the leachate reaches, lines (direction checked on the DEM)."))
        dem = RasterFileParameter(self.DEM, self.tr("DEM (groundwater flow direction)"), optional=True)
        dem.setHelp(self.tr("Gives the down-gradient direction for the wells and the stream's flow direction."))
        self.addParameter(dem)

        samples = QgsProcessingParameterFeatureSink(self.SAMPLES, self.tr("Soil samples"), SOURCE_VECTOR)
        samples.setHelp(self.tr("One row per sample: id, point, zone, top and bottom depth (m), reasons, indicators."))
        self.addParameter(samples)
        positions = QgsProcessingParameterFeatureSink(
            self.WATER_POINTS, self.tr("Water and sediment positions"), SOURCE_VECTOR_POINT, optional=True,
            createByDefault=True,
        )
        positions.setHelp(self.tr("Groundwater wells, surface-water and sediment sections (needs zones)."))
        self.addParameter(positions)
        for key, label, file_filter, help_text, optional in (
            (self.WORKBOOK, self.tr("Field workbook"), "XLSX (*.xlsx)",
             self.tr("Points, depth schedule, indicators, rule compliance, water positions."), False),
            (self.GPX, self.tr("Points for handheld GPS (GPX)"), "GPX (*.gpx)",
             self.tr("Waypoints in CGCS2000 longitude/latitude."), True),
            (self.KML, self.tr("Points for handheld GPS (KML)"), "KML (*.kml)",
             self.tr("The same points as KML."), True),
        ):
            parameter = QgsProcessingParameterFileDestination(key, label, file_filter, optional=optional)
            parameter.setHelp(help_text)
            self.addParameter(parameter)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        stages = Stages(feedback, [self.tr("Reading the points, soil layers, zones and stream"),
                                   self.tr("Scheduling the sample depths and placing the water positions"),
                                   self.tr("Writing the field workbook and GPS files"),
                                   self.tr("Writing the samples and water positions")])
        step = stages.next()
        read = lambda key, required=False: self.read_source(parameters, key, context, step, required)  # noqa: E731
        points, control = read(self.POINTS, required=True), read(self.CONTROL_POINTS)
        table, zones, stream = read(self.SOIL_LAYERS), read(self.ZONES), read(self.STREAM)
        water_table = (
            self.parameterAsDouble(parameters, self.WATER_TABLE, context)
            if parameters.get(self.WATER_TABLE) not in (None, "")
            else None
        )
        dem = raster_parameter_path(self, parameters, self.DEM, context)
        step = stages.next()
        progress, is_canceled = self.callbacks(step)
        with self.core_errors():
            plan = plan_fieldwork(
                points, control_points=control, soil_layers=table, zones=zones, stream=stream, dem=dem,
                params=DepthParams(water_table_m=water_table), progress=progress, is_canceled=is_canceled,
            )
        self.push_warnings(feedback, plan.warnings)
        compliance = plan.schedule.compliance
        zh = user_language() == "zh"
        for row in compliance[compliance["status"] == "FAIL"].itertuples():
            feedback.reportError(self.tr("{0} FAIL: {1} ({2})").format(
                row.rule_id, row.rule_zh if zh else row.rule_en, row.failed_ids), False)

        stages.next()
        inputs = self.input_paths(parameters, [self.POINTS, self.CONTROL_POINTS, self.SOIL_LAYERS, self.ZONES,
                                               self.STREAM, self.DEM], context)
        files = {
            "workbook": self.parameterAsFileOutput(parameters, self.WORKBOOK, context),
            "gpx": self.parameterAsFileOutput(parameters, self.GPX, context),
            "kml": self.parameterAsFileOutput(parameters, self.KML, context),
        }
        with self.core_errors():
            written = plan.write(files, inputs=inputs, host=self.host_info())
        step = stages.next()
        outputs = {
            self.SAMPLES: self.write_sink(parameters, self.SAMPLES, context, plan.schedule.samples, step),
            self.WATER_POINTS: self.write_sink(parameters, self.WATER_POINTS, context, plan.water, step),
            self.WORKBOOK: str(written["workbook"]),
            self.GPX: str(written["gpx"]) if "gpx" in written else None,
            self.KML: str(written["kml"]) if "kml" in written else None,
        }
        record = plan.provenance(inputs=inputs, host=self.host_info())
        self.write_provenance([outputs[self.SAMPLES], outputs[self.WATER_POINTS]], record)
        return {key: value for key, value in outputs.items() if value is not None}
