"""Kranj's published 2018 figures, the oracle of the reference tests: 2030 Climate Neutrality
Action Plan (Climate City Contract, 2024) as transcribed in the research note
ghg-standards.md §7.5 (table A-1.3) and §7.6 (table A-2.1)."""

# tCO2e/yr by source sector: scope 1, scope 2, scope 3, total
A_1_3 = {
    "buildings": (41_280, 24_551, 0, 65_831),
    "transport": (67_346, 722, 0, 68_068),
    "waste": (20_655, 388, 5_711, 26_754),
    "ippu": (27_256, 0, 0, 27_256),
    "afolu_sources": (55_568, 0, 0, 55_568),
    "afolu_sinks": (-4_645, 0, 0, -4_645),
    "total": (207_460, 25_661, 5_711, 238_832),
}
