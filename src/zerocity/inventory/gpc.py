"""The GPC v1.1 reference table: every sector, sub-sector and sub-category with its scope and
reporting level.

Scope is always looked up here. It is never parsed from the reference number: III.1.2 (waste
treated outside the city) is scope 3 and III.1.3 (waste brought in) is scope 1.
Source: GPC v1.1 as seeded by CityCatalyst (research note ghg-standards.md §1.2).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources


class Level(StrEnum):
    BASIC = "basic"
    BASIC_PLUS = "basic+"
    TERRITORIAL = "territorial"  # reported in scope 1 only: I.4.4 and III.x.3
    OTHER = "other"  # VI.1, outside BASIC and BASIC+


SECTOR_NAMES = {
    "I": "Stationary energy",
    "II": "Transportation",
    "III": "Waste",
    "IV": "Industrial processes and product use (IPPU)",
    "V": "Agriculture, forestry and other land use (AFOLU)",
    "VI": "Other scope 3",
}
SECTORS = tuple(SECTOR_NAMES)


@dataclass(frozen=True, slots=True)
class Category:
    ref: str
    sector: str
    subsector: str
    subsector_name: str
    scope: int
    level: Level
    name: str

    @property
    def sector_name(self) -> str:
        return SECTOR_NAMES[self.sector]


@cache
def taxonomy() -> dict[str, Category]:
    text = resources.files("zerocity.inventory").joinpath("data/gpc_v1_1.csv").read_text("utf-8")
    table: dict[str, Category] = {}
    for row in csv.DictReader(text.splitlines()):
        table[row["ref"]] = Category(
            ref=row["ref"],
            sector=row["sector"],
            subsector=row["subsector"],
            subsector_name=row["subsector_name"],
            scope=int(row["scope"]),
            level=Level(row["level"]),
            name=row["name"],
        )
    return table


def category(ref: str) -> Category:
    try:
        return taxonomy()[ref]
    except KeyError:
        raise KeyError(f"{ref!r} is not a GPC v1.1 reference number") from None


def scope_of(ref: str) -> int:
    return category(ref).scope


def sort_key(ref: str) -> tuple[int, ...]:
    roman = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}
    head, *rest = ref.split(".")
    return (roman.get(head, 99), *(int(p) for p in rest if p.isdigit()))
