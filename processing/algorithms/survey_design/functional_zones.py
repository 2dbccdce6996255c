"""Zone the case area into the four functional areas of the guideline."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingParameterDistance,
    QgsProcessingParameterFeatureSink,
)

from ....core.survey.zones import ZoneParams, functional_zones
from ...adapter import RasterFileParameter, raster_parameter_path
from ...base import ReeAlgorithm
from ...compat import (
    SOURCE_VECTOR_ANY,
    SOURCE_VECTOR_POLYGON,
    advanced,
)
from ...messages import message_text
from ..stages import Stages
from .works import MinedWorksInputs


class FunctionalZones(MinedWorksInputs, ReeAlgorithm):
    """PREP, INJ, COLL (with the flow-through path) and SETL from the mapped works."""

    BOUNDARY = "BOUNDARY"
    DEM = "DEM"
    HOLE_BUFFER = "HOLE_BUFFER"
    HOLE_GAP = "HOLE_GAP"
    BAND = "BAND"
    OUTPUT = "OUTPUT"
    FLOW_CELLS = "FLOW_CELLS"

    ZH_NAME = "功能分区"

    def name(self):
        return "functional_zones"

    def displayName(self):  # noqa: N802
        return self.tr("Functional zones")

    def groupId(self):  # noqa: N802
        return "survey_design"

    def helpText(self):  # noqa: N802
        return self.tr(
            "Divides the case area into the four functional areas of the guideline: leaching-agent "
            "preparation area (PREP), injection hole area (INJ), leachate collection area including "
            "the area the leachate flowed through (COLL) and leachate precipitation area (SETL). "
            "INJ follows the hole field (buffered union of the holes, gaps under 20 m closed), never "
            "a bounding box; pools, ditches and ponds get a 2 m band, so that their sampling points "
            "can stand within 2 m of them as the guideline requires. With a DEM, the flow-through part "
            "of COLL is the downslope path of the leachate from INJ to the ditches and ponds, by D8 "
            "flow routing on the depression-filled DEM. Where zones would overlap the priority "
            "SETL > PREP > INJ > COLL decides; all zones are clipped to the case boundary. Invalid "
            "geometries are repaired and reported; layers in a geographic CRS are reprojected into "
            "the CGCS2000 Gauss-Kruger zone of the case. Each zone records its area in m2 and the "
            "features that made it."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_source(self.BOUNDARY, self.tr("Case boundary"), [SOURCE_VECTOR_POLYGON],
                        self.tr("Polygon(s) of the case area; every zone is clipped to it."), optional=False)
        self.add_works_parameters()
        dem = RasterFileParameter(self.DEM, self.tr("DEM (for the leachate flow path)"), optional=True)
        dem.setHelp(self.tr("Elevation model, m (1985 height datum); the flow-through path is traced on it by D8."))
        self.addParameter(dem)

        for key, label, default, help_text in (
            (self.HOLE_BUFFER, self.tr("Buffer around each hole"), 5.0,
             self.tr("5 m: wetting radius of a hole (1-2 m) plus the error of a handheld GPS (3-5 m).")),
            (self.HOLE_GAP, self.tr("Largest gap inside one hole field"), 20.0,
             self.tr("Holes closer than this belong to one field (hole spacing in the field is 2-3 m).")),
            (self.BAND, self.tr("Band around pools, ditches and ponds"), 2.0,
             self.tr("2 m: the guideline places pond and ditch points within 2 m of them.")),
        ):
            parameter = QgsProcessingParameterDistance(key, label, default, self.BOUNDARY, minValue=0.0)
            parameter.setHelp(help_text)
            self.addParameter(advanced(parameter))

        out = QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Functional zones"))
        out.setHelp(self.tr("One polygon per zone with code, Chinese and English name, area (m2) and sources."))
        self.addParameter(out)
        cells = QgsProcessingParameterFeatureSink(
            self.FLOW_CELLS, self.tr("Leachate flow cells"), SOURCE_VECTOR_ANY, optional=True, createByDefault=True
        )
        cells.setHelp(self.tr("DEM cells on the leachate path with the number of INJ cells draining through; "
                              "feed them to the sampling grid so flow-through points stand on the path."))
        self.addParameter(cells)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        stages = Stages(feedback, [self.tr("Reading the case boundary and the works"),
                                   self.tr("Zoning (and tracing the leachate path on the DEM)"),
                                   self.tr("Writing the zones and flow cells")])
        step = stages.next()
        self.require_one_of(parameters, [self.HOLES, self.POOLS, self.DITCHES, self.PONDS],
                            self.tr("The zones are drawn around the mining works."))
        boundary = self.read_source(parameters, self.BOUNDARY, context, step, required=True)
        works = self.read_works(parameters, context, step)
        dem = raster_parameter_path(self, parameters, self.DEM, context)
        band = self.parameterAsDouble(parameters, self.BAND, context)
        params = ZoneParams(
            **self.works_depth_fields(parameters, context),
            hole_buffer_m=self.parameterAsDouble(parameters, self.HOLE_BUFFER, context),
            hole_gap_m=self.parameterAsDouble(parameters, self.HOLE_GAP, context),
            pool_buffer_m=band,
            ditch_buffer_m=band,
            pond_buffer_m=band,
        )
        step = stages.next()
        progress, is_canceled = self.callbacks(step)
        with self.core_errors():
            result = functional_zones(boundary, *works, dem, params=params, progress=progress, is_canceled=is_canceled)
        self.push_warnings(feedback, result.warnings)
        if result.flow is not None:
            feedback.pushInfo(message_text(result.flow.method))
        step = stages.next()
        outputs = {
            self.OUTPUT: self.write_sink(parameters, self.OUTPUT, context, result.zones, step),
            self.FLOW_CELLS: self.write_sink(parameters, self.FLOW_CELLS, context, result.flow_cells, step),
        }
        record = result.provenance(
            inputs=self.input_paths(parameters, [self.BOUNDARY, self.HOLES, self.POOLS, self.DITCHES, self.PONDS,
                                                 self.DEM], context),
            host=self.host_info(),
        )
        self.write_provenance(outputs.values(), record)
        return {key: value for key, value in outputs.items() if value is not None}
