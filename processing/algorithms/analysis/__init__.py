"""Analysis: lab results, baseline, interpolation (provider group ``analysis``)."""
