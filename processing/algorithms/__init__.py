"""Every algorithm of the provider, in the order the toolbox lists them."""

from .baseline import Baseline
from .depth_schedule import DepthSchedule
from .functional_zones import FunctionalZones
from .import_lab_results import ImportLabResults
from .interpolate import Interpolate
from .sample_case import SampleCase
from .sampling_grid import SamplingGrid
from .to_cgcs2000 import ToCgcs2000

ALGORITHMS = [
    SampleCase,
    ToCgcs2000,
    FunctionalZones,
    SamplingGrid,
    DepthSchedule,
    ImportLabResults,
    Baseline,
    Interpolate,
]
