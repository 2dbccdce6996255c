"""Survey design: functional zones, the sampling grid, depth schedules and the field workbook."""
