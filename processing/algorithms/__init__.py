"""Every algorithm of the provider, in the order the toolbox lists them.

One subpackage per provider group (``groupId()``): tools, survey_design, analysis; the
algorithms of damage, valuation, report and case go into their own subpackages.
"""

from .analysis.baseline import Baseline
from .analysis.import_lab_results import ImportLabResults
from .analysis.interpolate import Interpolate
from .causality.causality_evidence import CausalityEvidence
from .causality.restoration_effect import RestorationEffect
from .damage.damage_extent import DamageExtent
from .damage.mined_volume import MinedVolume
from .damage.vegetation_damage import VegetationDamage
from .damage.water_damage import WaterDamage
from .survey_design.depth_schedule import DepthSchedule
from .survey_design.functional_zones import FunctionalZones
from .survey_design.sampling_grid import SamplingGrid
from .tools.run_case import RunCase
from .tools.sample_case import SampleCase
from .tools.to_cgcs2000 import ToCgcs2000
from .valuation.valuation import Valuation

ALGORITHMS = [
    SampleCase,
    ToCgcs2000,
    FunctionalZones,
    SamplingGrid,
    DepthSchedule,
    ImportLabResults,
    Baseline,
    Interpolate,
    DamageExtent,
    MinedVolume,
    VegetationDamage,
    WaterDamage,
    Valuation,
    RunCase,
    CausalityEvidence,
    RestorationEffect,
]

from .report.report_document import ReportDocument  # noqa: E402 - appended registration

ALGORITHMS.append(ReportDocument)

from .report.report_map import ReportMap  # noqa: E402 - appended registration

ALGORITHMS.append(ReportMap)
