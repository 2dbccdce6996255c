"""Tools: the sample case and the CGCS2000 reprojection (provider group ``tools``)."""
