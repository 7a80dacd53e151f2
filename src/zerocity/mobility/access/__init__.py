"""Accessibility: opportunities reachable by public transport and walking from each cell of a
grid, as percentiles over a departure window (docs/mobility-access.md)."""
