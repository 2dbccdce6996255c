"""Terrain damage: mined volume from DEMs before and after, and the block-method resource
estimate of in-situ leaching. Imports core.common, geo, standards, survey, lab, interp."""
