"""Damage: confirmation per sample, damaged areas and soil volumes (issue 11)."""
