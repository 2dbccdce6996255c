"""Damage (provider group ``damage``): confirmed damage per sample, damaged areas and soil
volumes, mined volume and the block-method resource estimate, vegetation damage from imagery."""
