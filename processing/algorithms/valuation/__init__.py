"""Valuation (provider group ``valuation``): mineral value, restoration cost, interim loss,
forest service loss, every line traceable to its source."""
