"""The mined works as inputs: holes, pools, ditches, ponds and their depths.

Shared by the algorithms that read the mapped works (functional zones, sampling grid),
so both ask for them with the same ids, labels, help and depth fields.
"""

from __future__ import annotations

from qgis.core import (
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterString,
)

from ...compat import SOURCE_VECTOR_LINE, SOURCE_VECTOR_POINT, SOURCE_VECTOR_POLYGON


class MinedWorksInputs:
    """Mixin for a ReeAlgorithm: the parameters of the mapped works and how to read them."""

    HOLES = "HOLES"
    HOLE_DEPTH_FIELD = "HOLE_DEPTH_FIELD"
    POOLS = "POOLS"
    DITCHES = "DITCHES"
    PONDS = "PONDS"
    BOTTOM_DEPTH_FIELD = "BOTTOM_DEPTH_FIELD"

    def add_source(self, key, label, types, help_text, optional=True):
        """Add a feature-source parameter with its help."""
        parameter = QgsProcessingParameterFeatureSource(key, label, types, optional=optional)
        parameter.setHelp(help_text)
        self.addParameter(parameter)

    def add_works_parameters(self):
        """Holes (with the hole depth field), pools, ditches, ponds and their bottom depth field."""
        self.add_source(self.HOLES, self.tr("Injection holes"), [SOURCE_VECTOR_POINT],
                        self.tr("Points of the injection holes, with their depth in m."))
        field = QgsProcessingParameterField(
            self.HOLE_DEPTH_FIELD, self.tr("Hole depth field (m)"), "hole_depth_m", self.HOLES, optional=True
        )
        field.setHelp(self.tr("Depth of each hole below ground, m; INJ sampling goes more than 3 m below it."))
        self.addParameter(field)
        self.add_source(self.POOLS, self.tr("Preparation pools"), [SOURCE_VECTOR_POLYGON, SOURCE_VECTOR_POINT],
                        self.tr("Leaching-agent preparation pools, polygons (or points where only the position is known)."))
        self.add_source(self.DITCHES, self.tr("Collection ditches and pipes"), [SOURCE_VECTOR_LINE],
                        self.tr("Leachate collection ditches and pipes, lines."))
        self.add_source(self.PONDS, self.tr("Settling ponds"), [SOURCE_VECTOR_POLYGON],
                        self.tr("Leachate settling (precipitation) ponds, polygons."))
        bottom = QgsProcessingParameterString(
            self.BOTTOM_DEPTH_FIELD, self.tr("Bottom depth field of pools, ditches and ponds (m)"),
            defaultValue="bottom_depth_m", optional=True,
        )
        bottom.setHelp(self.tr("Field with the depth of the bottom below ground, m; defaults are used where it is missing."))
        self.addParameter(bottom)

    def read_works(self, parameters, context, feedback):
        """(holes, pools, ditches, ponds) as GeoDataFrames, None where not given."""
        return tuple(self.read_source(parameters, key, context, feedback)
                     for key in (self.HOLES, self.POOLS, self.DITCHES, self.PONDS))

    def works_depth_fields(self, parameters, context) -> dict:
        """The depth-field settings of :class:`ree_damage.core.survey.zones.ZoneParams`."""
        bottom = self.parameterAsString(parameters, self.BOTTOM_DEPTH_FIELD, context) or None
        return {
            "hole_depth_field": self.parameterAsString(parameters, self.HOLE_DEPTH_FIELD, context) or "hole_depth_m",
            "pool_depth_field": bottom,
            "ditch_depth_field": bottom,
            "pond_depth_field": bottom,
        }
