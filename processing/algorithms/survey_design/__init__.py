"""Survey design: functional zones, sampling grid, depth schedule (provider group ``survey_design``)."""
