"""Global warming potentials (100-year) by IPCC assessment report.

AR4 and AR5 from the GHG Protocol GWP table, AR6 from IPCC AR6 WG1 Table 7.SM.7; the AR6 split
of methane into fossil (29.8) and non-fossil (27.0) from AR6 WG1 Table 7.15
(research note ghg-standards.md §2). AR5 is the default: Slovenia's national inventory and
Kranj's 2018 baseline use it.
"""

from __future__ import annotations

from enum import StrEnum


class GwpSet(StrEnum):
    AR4 = "AR4"
    AR5 = "AR5"
    AR6 = "AR6"
    # AR6 with fossil and non-fossil methane told apart (Table 7.15)
    AR6_CH4_SPLIT = "AR6-CH4split"


DEFAULT = GwpSet.AR5

# Gases stored per line in tonnes of gas. HFCs and PFCs are blends reported in tCO2e as supplied
# (the GPC reporting table does the same), so they carry no GWP of their own here.
GASES = ("co2", "ch4", "n2o", "sf6", "nf3")

_TABLE: dict[GwpSet, dict[str, float]] = {
    GwpSet.AR4: {"co2": 1, "ch4": 25, "ch4_fossil": 25, "n2o": 298, "sf6": 22800, "nf3": 17200},
    GwpSet.AR5: {"co2": 1, "ch4": 28, "ch4_fossil": 28, "n2o": 265, "sf6": 23500, "nf3": 16100},
    GwpSet.AR6: {"co2": 1, "ch4": 27.9, "ch4_fossil": 27.9, "n2o": 273, "sf6": 25200, "nf3": 17400},
    GwpSet.AR6_CH4_SPLIT: {
        "co2": 1, "ch4": 27.0, "ch4_fossil": 29.8, "n2o": 273, "sf6": 25200, "nf3": 17400,
    },
}


def parse(value: str | GwpSet | None) -> GwpSet:
    if value is None or value == "":
        return DEFAULT
    if isinstance(value, GwpSet):
        return value
    for member in GwpSet:
        if member.value.lower() == str(value).strip().lower():
            return member
    choices = ", ".join(m.value for m in GwpSet)
    raise ValueError(f"unknown GWP set {value!r}; choose one of {choices}")


def factors(gwp: GwpSet) -> dict[str, float]:
    return _TABLE[gwp]
