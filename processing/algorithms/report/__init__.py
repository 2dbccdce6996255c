"""Report: maps and the report document (provider group ``report``)."""
