"""Interpolation: IDW, ordinary kriging, variograms, neighbour search and the
`interpolate` step with cross-validation."""
