"""Infrastructure every other package uses: errors, progress and cancel, atomic writes,
provenance, parallelism, compiled kernels, the XLSX writer. Imports nothing else of core."""
