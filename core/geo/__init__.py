"""Geometry and rasters: CGCS2000 zones, reprojection, raster and vector I/O, layer checks,
DEMs and flow routing. Imports only core.common."""
