"""The 40 m soil sampling grid: units of at most 1600 m2 and one point per unit."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingParameterDistance,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterNumber,
)

from ....core.case.steps import sampling_grid_for_zones
from ....core.survey.sampling import SamplingParams
from ....core.survey.zones import ZONE_CODES, ZoneParams
from ...base import ReeAlgorithm
from ...compat import (
    NUMBER_DOUBLE,
    NUMBER_INTEGER,
    SOURCE_VECTOR,
    SOURCE_VECTOR_POINT,
    SOURCE_VECTOR_POLYGON,
    advanced,
)
from ...messages import user_language
from ..stages import Stages
from .works import MinedWorksInputs


class SamplingGrid(MinedWorksInputs, ReeAlgorithm):
    """Sampling units and points per functional zone, placed toward the likely sources."""

    ZONES = "ZONES"
    FLOW_CELLS = "FLOW_CELLS"
    BOUNDARY = "BOUNDARY"
    CONTROL_AREA = "CONTROL_AREA"
    CELL_SIZE = "CELL_SIZE"
    CONTROL_COUNT = "CONTROL_COUNT"
    MERGE_BELOW = "MERGE_BELOW"
    EDGE_OFFSET = "EDGE_OFFSET"
    UNITS = "UNITS"
    POINTS = "POINTS"
    CONTROL_UNITS = "CONTROL_UNITS"
    CONTROL_POINTS = "CONTROL_POINTS"
    COMPLIANCE = "COMPLIANCE"

    ZH_NAME = "土壤采样网格布点"

    def name(self):
        return "sampling_grid"

    def displayName(self):  # noqa: N802
        return self.tr("Sampling grid")

    def groupId(self):  # noqa: N802
        return "survey_design"

    def helpText(self):  # noqa: N802
        return self.tr(
            "Lays out the soil sampling units of each functional zone on a grid of at most 40 m x 40 m (1600 "
            "m2, the guideline's limit; a larger cell is refused) and one point per unit. A partial cell at "
            "a zone edge smaller than half a cell joins the neighbouring unit it shares the longest border "
            "with when the union stays within 1600 m2; otherwise it stays a unit of its own (slivers under "
            "16 m2 or thinner than 1 m are dropped and reported). A unit merges once at most (no chains of "
            "slivers) and a cell the zone crosses twice gives one unit per part: every unit is one "
            "contiguous part within two cells. Each point stands as close to the likely source inside its "
            "unit as the unit allows: 1 m outside the edge of a pond, pool or ditch (within the 2 m rule; "
            "never in water nor inside another pond; units wholly under water are left out), on the deepest "
            "injection hole of the unit (the one that governs the depth) or on the leachate flow path, or "
            "toward the nearest hole; it records why and its distance to the source. A case under 5000 m2 "
            "gets at least 3 points. Point ids are <zone>-<nnn>, numbered from the north-west, stable for "
            "the same inputs; points carry x/y in the zone CRS and CGCS2000 longitude/latitude in decimal "
            "degrees and DMS. Control points for the baseline are laid in the control area by the same rule "
            "or by count. The compliance table checks every rule on the result."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_source(self.ZONES, self.tr("Functional zones"), [SOURCE_VECTOR_POLYGON],
                        self.tr("Zone polygons with a 'zone' field (PREP, INJ, COLL, SETL), e.g. from Functional zones."),
                        optional=False)
        self.add_works_parameters()
        self.add_source(self.FLOW_CELLS, self.tr("Leachate flow cells"), [SOURCE_VECTOR_POINT],
               self.tr("The 'Leachate flow cells' output of Functional zones: flow-through points stand on the path."))
        self.add_source(self.BOUNDARY, self.tr("Case boundary"), [SOURCE_VECTOR_POLYGON],
               self.tr("The case area; its size decides the rule of at least 3 points under 5000 m2."))
        self.add_source(self.CONTROL_AREA, self.tr("Control area"), [SOURCE_VECTOR_POLYGON],
               self.tr("Reference area of the same soil for the baseline samples."))

        cell = QgsProcessingParameterDistance(self.CELL_SIZE, self.tr("Grid cell size"), 40.0, self.ZONES, minValue=1.0)
        cell.setHelp(self.tr("At most 40 m (a 1600 m2 sampling unit, the guideline's rule); smaller is allowed."))
        self.addParameter(cell)
        count = QgsProcessingParameterNumber(
            self.CONTROL_COUNT, self.tr("Number of control points (0: by the grid rule)"), NUMBER_INTEGER, 0, minValue=0
        )
        count.setHelp(self.tr("0 lays control points on the same grid as the case; fewer than 5 gives a warning."))
        self.addParameter(count)
        merge = QgsProcessingParameterNumber(
            self.MERGE_BELOW, self.tr("Merge edge cells smaller than (fraction of a cell)"), NUMBER_DOUBLE, 0.5,
            minValue=0.0, maxValue=1.0,
        )
        merge.setHelp(self.tr("Partial cells below this fraction join a neighbour when the union stays within 1600 m2."))
        self.addParameter(advanced(merge))
        offset = QgsProcessingParameterDistance(self.EDGE_OFFSET, self.tr("Distance of bank points from the edge"), 1.0,
                                                self.ZONES, minValue=0.0, maxValue=2.0)
        offset.setHelp(self.tr("Points serving a pond, pool or ditch stand this far outside its edge (at most 2 m)."))
        self.addParameter(advanced(offset))

        for key, label, types, help_text in (
            (self.UNITS, self.tr("Sampling units"), SOURCE_VECTOR_POLYGON, self.tr("Units of at most 1600 m2 per zone.")),
            (self.POINTS, self.tr("Sampling points"), SOURCE_VECTOR_POINT,
             self.tr("One point per unit with id, zone, source, reason, distance, x/y and lon/lat.")),
            (self.CONTROL_UNITS, self.tr("Control units"), SOURCE_VECTOR_POLYGON, self.tr("Units of the control area.")),
            (self.CONTROL_POINTS, self.tr("Control points"), SOURCE_VECTOR_POINT, self.tr("Control points (CTRL-nnn).")),
            (self.COMPLIANCE, self.tr("Rule compliance"), SOURCE_VECTOR, self.tr("Each rule, the points it applies to, pass/fail.")),
        ):
            sink = QgsProcessingParameterFeatureSink(key, label, types, optional=key != self.POINTS, createByDefault=True)
            sink.setHelp(help_text)
            self.addParameter(sink)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        stages = Stages(feedback, [self.tr("Reading the zones, works and areas"),
                                   self.tr("Laying the grid and placing the points"),
                                   self.tr("Checking the sampling rules"),
                                   self.tr("Writing the units, points and compliance table")])
        step = stages.next()
        read = lambda key, required=False: self.read_source(parameters, key, context, step, required)  # noqa: E731
        zones = read(self.ZONES, required=True)
        boundary, control_area, flow_cells = read(self.BOUNDARY), read(self.CONTROL_AREA), read(self.FLOW_CELLS)
        works = self.read_works(parameters, context, step)
        if (all(w is None for w in works) and flow_cells is None and "zone" in zones.columns
                and self.unknown_parameters(parameters)):  # no works is allowed; a misspelt name is not
            bound = sorted(set(zones["zone"].dropna().astype(str)) & set(ZONE_CODES))
            if bound:  # the rules place their points at the works: without any, every point would be a centre
                self.require_one_of(
                    parameters, [self.HOLES, self.POOLS, self.DITCHES, self.PONDS, self.FLOW_CELLS],
                    self.tr("The zones {0} place their points at the mining works.").format(", ".join(bound)),
                )
        zone_params = ZoneParams(**self.works_depth_fields(parameters, context))
        control_count = self.parameterAsInt(parameters, self.CONTROL_COUNT, context)
        params = SamplingParams(
            cell_size_m=self.parameterAsDouble(parameters, self.CELL_SIZE, context),
            merge_below_fraction=self.parameterAsDouble(parameters, self.MERGE_BELOW, context),
            edge_offset_m=self.parameterAsDouble(parameters, self.EDGE_OFFSET, context),
            control_count=control_count or None,
        )
        step = stages.next()
        progress, is_canceled = self.callbacks(step)
        with self.core_errors():
            result = sampling_grid_for_zones(
                zones, works, flow_cells=flow_cells, boundary=boundary, control_area=control_area,
                zone_params=zone_params, params=params, progress=progress, is_canceled=is_canceled,
            )
        self.push_warnings(feedback, result.warnings)
        stages.next()
        compliance = result.compliance
        zh = user_language() == "zh"
        for row in compliance.itertuples():
            feedback.pushInfo(self.tr("{0} {1}: {2}").format(row.rule_id, row.status, row.rule_zh if zh else row.rule_en))
        step = stages.next()
        outputs = {
            self.UNITS: self.write_sink(parameters, self.UNITS, context, result.units, step),
            self.POINTS: self.write_sink(parameters, self.POINTS, context, result.points, step),
            self.CONTROL_UNITS: self.write_sink(parameters, self.CONTROL_UNITS, context, result.control_units, step),
            self.CONTROL_POINTS: self.write_sink(parameters, self.CONTROL_POINTS, context, result.control_points, step),
            self.COMPLIANCE: self.write_sink(parameters, self.COMPLIANCE, context, compliance, step),
        }
        record = result.provenance(
            inputs=self.input_paths(parameters, [self.ZONES, self.HOLES, self.POOLS, self.DITCHES, self.PONDS,
                                                 self.FLOW_CELLS, self.BOUNDARY, self.CONTROL_AREA], context),
            host=self.host_info(),
        )
        self.write_provenance(outputs.values(), record)
        return {key: value for key, value in outputs.items() if value is not None}
