"""Causal-chain evidence (section 8 of the guideline): REE fingerprint homology, migration
path and time order per damaged point."""

from .chondrite import FORMULAS, normalise, normalising_table, ree_indices
from .evidence import CausalityParams, CausalityResult, causality_evidence, damaged_sample_ids

__all__ = [
    "FORMULAS",
    "CausalityParams",
    "CausalityResult",
    "causality_evidence",
    "damaged_sample_ids",
    "normalise",
    "normalising_table",
    "ree_indices",
]
