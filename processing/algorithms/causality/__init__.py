"""Algorithms of the causal chain (group damage) and the restoration effect (group valuation)."""
