"""Restoration-effect assessment (section 12 of the guideline): targets met by sample and by
area, vegetation recovery and the remaining damage a supplementary plan needs."""

from .effect import RestorationParams, RestorationResult, read_targets, restoration_effect

__all__ = ["RestorationParams", "RestorationResult", "read_targets", "restoration_effect"]
