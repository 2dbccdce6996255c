"""Lab results: censored values, the lab-sheet importer and the baselines."""
