"""The embedded synthetic sample case (南方离子型稀土原地浸矿 illegal in-situ leaching site).

>>> from ree_damage.sample_case import generate_sample_case  # doctest: +SKIP
>>> paths = generate_sample_case("demo_output/sample_case")  # doctest: +SKIP

See :func:`generate_sample_case` for what is written and how it grows with ``scale``.
"""

from .generator import FILES, LAYERS, PARTS, generate_sample_case
from .rasters import ortho_resolution

__all__ = ["FILES", "LAYERS", "PARTS", "generate_sample_case", "ortho_resolution"]
