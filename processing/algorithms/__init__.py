"""Every algorithm of the provider, in the order the toolbox lists them."""

from .sample_case import SampleCase
from .to_cgcs2000 import ToCgcs2000

ALGORITHMS = [
    SampleCase,
    ToCgcs2000,
]
