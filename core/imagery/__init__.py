"""Damage read from imagery: vegetation indices of drone orthomosaics, thresholds, accuracy."""
