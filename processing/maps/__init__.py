"""Report maps: print layouts per theme from the templates under ``resources/layouts``."""
