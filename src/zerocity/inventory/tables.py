"""The GPC totals, the sector totals and the Climate City Contract table in one pass over each
line's CO2e, computed once per line.

``calculations.totals``, ``sector_totals`` and ``ccc_emissions_table`` take ``Line`` objects
and compute each line's CO2e and category again for each table; for an inventory of 100,000
lines that was most of a summary's time. Here the lines' CO2e values are grouped by what the
tables ask of a line (its GPC reference, ETS flag, CCC row and sign), and each figure is the
``math.fsum`` of its groups' values. ``fsum`` is exactly rounded, so a figure does not depend
on how its values are grouped or ordered: the figures are those of the three functions, to the
bit (tests compare them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from itertools import chain

from zerocity.inventory import gpc
from zerocity.inventory.calculations import (
    _DEFAULT_CCC,
    CCC_ROWS,
    TOTAL_KEYS,
    CccSector,
    with_ccc_total,
)

# (gpc_ref, ETS, CCC row as the line says it or its sector's default, CO2e below zero)
_Group = tuple[str, bool, str, bool]


def ccc_of(ref: str, ccc_sector: str) -> str:
    """A line's CCC sector: its own, or its GPC sector's (``calculations.Line.ccc``)."""
    return CccSector(ccc_sector).value if ccc_sector else _DEFAULT_CCC[gpc.category(ref).sector]


def group(lines: Iterable[tuple[str, float, bool, str]]) -> dict[_Group, list[float]]:
    """Each line's CO2e by group, from (gpc_ref, CO2e, ETS, CCC sector as ``ccc_of`` gives)."""
    groups: dict[_Group, list[float]] = {}
    for ref, value, ets, ccc in lines:
        add(groups, ref, value, ets, ccc)
    return groups


def add(groups: dict[_Group, list[float]], ref: str, value: float, ets: bool, ccc: str) -> None:
    """One line's CO2e into its group (``group`` of one line, for a reader that goes line by
    line)."""
    key = (ref, ets, ccc, value < 0)
    found = groups.get(key)
    if found is None:
        groups[key] = [value]
    else:
        found.append(value)


def _sum(groups: dict[_Group, list[float]], keep: Callable[[_Group, gpc.Category], bool]
         ) -> float:
    return math.fsum(chain.from_iterable(
        values for key, values in groups.items() if keep(key, gpc.category(key[0]))
    ))


def totals(groups: dict[_Group, list[float]]) -> dict[str, float]:
    """``calculations.totals`` of the grouped lines."""
    territorial = gpc.Level.TERRITORIAL
    rules: dict[str, Callable[[_Group, gpc.Category], bool]] = {
        "scope1": lambda k, c: c.scope == 1 and c.level is not territorial,
        "scope2": lambda k, c: c.scope == 2,
        "scope3": lambda k, c: c.scope == 3,
        "basic": lambda k, c: c.level is gpc.Level.BASIC,
        "basic_plus": lambda k, c: c.level in (gpc.Level.BASIC, gpc.Level.BASIC_PLUS),
        "territorial": lambda k, c: c.scope == 1,
        "mission": lambda k, c: not k[1] and (
            (c.scope == 1 and c.level is not territorial) or c.scope == 2
            or (c.scope == 3 and c.sector == "III")),
    }
    return {key: _sum(groups, rules[key]) for key in TOTAL_KEYS}


def sector_totals(groups: dict[_Group, list[float]]) -> dict[str, dict[str, float]]:
    """``calculations.sector_totals`` of the grouped lines."""
    present = {gpc.category(key[0]).sector for key in groups}
    out: dict[str, dict[str, float]] = {}
    for sector in gpc.SECTORS:
        if sector not in present:
            continue
        s = {f"scope{scope}": _sum(groups, _in_sector(sector, scope)) for scope in (1, 2, 3)}
        s["total"] = math.fsum(s.values())
        out[sector] = s
    return out


def _in_sector(sector: str, scope: int) -> Callable[[_Group, gpc.Category], bool]:
    return lambda key, cat: cat.sector == sector and cat.scope == scope


def _in_row(row: str, scope: int, counted: Callable[[_Group, gpc.Category], bool],
            row_of: Callable[[_Group], str]) -> Callable[[_Group, gpc.Category], bool]:
    return lambda key, cat: counted(key, cat) and row_of(key) == row and cat.scope == scope


def ccc_emissions_table(groups: dict[_Group, list[float]]) -> dict[str, dict[str, float]]:
    """``calculations.ccc_emissions_table`` of the grouped lines."""
    def row_of(key: _Group) -> str:
        if key[2] == CccSector.AFOLU.value:
            return "afolu_sinks" if key[3] else "afolu_sources"
        return key[2]

    def counted(key: _Group, cat: gpc.Category) -> bool:
        return not (cat.level is gpc.Level.TERRITORIAL or key[1]
                    or key[2] == CccSector.OTHER.value)

    table: dict[str, dict[str, float]] = {}
    for row in CCC_ROWS:
        r = {f"scope{scope}": _sum(groups, _in_row(row, scope, counted, row_of))
             for scope in (1, 2, 3)}
        r["total"] = math.fsum(r.values())
        table[row] = r
    return with_ccc_total(table)
