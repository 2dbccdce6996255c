"""Damage: confirmed damage per sample, damaged areas and soil volumes (provider group ``damage``)."""
