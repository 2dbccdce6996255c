"""Valuation of the damage (guideline 10.1-10.6; 自然资规〔2024〕5号): every line item
with its quantity, unit, unit price, formula and the source of each input; money in
:class:`decimal.Decimal` (yuan, rounded only for display)."""
