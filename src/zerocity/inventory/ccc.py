"""Climate City Contract Action Plan tables A-1.1 to A-1.3 as one .xlsx (research note
ghg-standards.md §5.3).

* ``A-1.1`` final energy use (MWh/yr) by CCC source sector and energy carrier, Scope 1/2/3/Total.
  A carrier is the line's library factor label, else its ``fuel`` key, else its activity; only
  lines whose unit converts to energy count.
* ``A-1.2`` the emission factors applied (one row per distinct factor) and the GWP set.
* ``A-1.3`` tCO2e/yr by source sector and scope: ``calculations.ccc_emissions_table``.

All three tables cover the same lines as A-1.3: the mission inventory, i.e. without the
territorial-only I.4.4 and III.x.3, EU ETS installations and other scope 3 (VI.1). Sectors come
from ``InventoryLine.as_calc().ccc``, so a city's own sector choice (Kranj reports industrial
fuel use as IPPU) shows the same in every table. Row 1 of each sheet names the city, year and
GWP set; column headers are in row 3.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from zerocity.core.units import UnitError, convert
from zerocity.inventory import calculations as calc
from zerocity.inventory import gpc
from zerocity.inventory.gwp import factors as gwp_factors
from zerocity.inventory.models import Inventory, InventoryLine
from zerocity.inventory.selectors import calc_lines, inventory_lines

HEADER_ROW = 3
WHOLE = "#,##0"
FACTOR = "#,##0.000######"  # factors are small: keep their significant digits visible
SECTORS = {
    calc.CccSector.BUILDINGS: "Buildings",
    calc.CccSector.TRANSPORT: "Transport",
    calc.CccSector.WASTE: "Waste",
    calc.CccSector.IPPU: "IPPU",
    calc.CccSector.AFOLU: "AFOLU",
}
A13_ROWS = {
    "buildings": "Buildings", "transport": "Transport", "waste": "Waste", "ippu": "IPPU",
    "afolu_sources": "AFOLU sources", "afolu_sinks": "AFOLU sinks", "total": "Total",
}
SCOPES = ("Scope 1", "Scope 2", "Scope 3", "Total")
# one font for every bold cell: openpyxl hashes a new Font each time a cell gets one, a third of
# the workbook's time for a city of 100,000 meter lines; other cells keep the workbook's own
BOLD = Font(bold=True)


def counts_in_ccc(line: InventoryLine) -> bool:
    """The lines ``calculations.ccc_emissions_table`` adds up (notation keys add nothing)."""
    cl = line.as_calc()
    return not (
        line.notation_key
        or line.ets
        or cl.category.level is gpc.Level.TERRITORIAL
        or cl.ccc is calc.CccSector.OTHER
    )


def carrier(line: InventoryLine) -> str:
    if line.factor is not None:
        return str(line.factor.label)
    return str(line.fuel or line.activity)


def _mwh(line: InventoryLine) -> float | None:
    if line.amount is None or not line.unit:
        return None
    try:
        return convert(line.amount, line.unit, "MWh")
    except UnitError:  # not an energy unit (tonnes of waste, head of cattle ...)
        return None


def export_workbook(inventory: Inventory) -> bytes:
    lines = [ln for ln in inventory_lines(inventory) if counts_in_ccc(ln)]
    wb = Workbook()
    first = wb.active
    assert isinstance(first, Worksheet)
    first.title = "A-1.1"
    _energy(first, inventory, lines)
    _factors(wb.create_sheet("A-1.2"), inventory, lines)
    _emissions(wb.create_sheet("A-1.3"), inventory)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _head(ws: Worksheet, inventory: Inventory, what: str, headers: Iterable[str],
          widths: Iterable[int]) -> None:
    flag = "  ILLUSTRATIVE FIGURES (demo data)" if inventory.illustrative else ""
    ws.cell(1, 1, f"{what} - {inventory.city.name}, {inventory.year}, GWP {inventory.gwp} "
                  f"(100-year){flag}").font = Font(bold=True, size=12)
    for col, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        ws.cell(HEADER_ROW, col, text).font = BOLD
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"


def _put(ws: Worksheet, row: int, values: Iterable[Any], fmt: str, bold: bool = False) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row, col, value)
        if bold:
            cell.font = BOLD
        if isinstance(value, float | int):
            cell.number_format = fmt


def _scope_cells(parts: dict[int, list[float]]) -> list[float | None]:
    """Scope 1, 2, 3 and the total; a scope nothing was reported in stays blank, as in the
    published tables."""
    cells: list[float | None] = [math.fsum(parts[s]) if parts[s] else None for s in (1, 2, 3)]
    cells.append(math.fsum(v for s in (1, 2, 3) for v in parts[s]))
    return cells


def _energy(ws: Worksheet, inventory: Inventory, lines: list[InventoryLine]) -> None:
    _head(ws, inventory, "Table A-1.1 Final energy use by source sector (MWh/yr)",
          ("Source sector", "Energy carrier", *SCOPES), (16, 40, 14, 14, 14, 14))
    # sector -> carrier (in order of first appearance) -> scope -> MWh
    table: dict[calc.CccSector, dict[str, dict[int, list[float]]]] = {s: {} for s in SECTORS}
    for ln in lines:
        mwh = _mwh(ln)
        if mwh is None:
            continue
        by_scope = table[ln.as_calc().ccc].setdefault(carrier(ln), {1: [], 2: [], 3: []})
        by_scope[gpc.scope_of(ln.gpc_id)].append(mwh)
    row = HEADER_ROW + 1
    everything: dict[int, list[float]] = {1: [], 2: [], 3: []}
    for sector, label in SECTORS.items():
        carriers = table[sector]
        sector_parts = {s: [v for c in carriers.values() for v in c[s]] for s in (1, 2, 3)}
        _put(ws, row, [label, "All carriers", *_scope_cells(sector_parts)], WHOLE, bold=True)
        row += 1
        for name, parts in carriers.items():
            _put(ws, row, [label, name, *_scope_cells(parts)], WHOLE)
            row += 1
        for s in (1, 2, 3):
            everything[s].extend(sector_parts[s])
    _put(ws, row, ["Total", "All carriers", *_scope_cells(everything)], WHOLE, bold=True)


def _factors(ws: Worksheet, inventory: Inventory, lines: list[InventoryLine]) -> None:
    _head(ws, inventory, "Table A-1.2 Emission factors applied (t of gas per unit)",
          ("Energy carrier / activity", "Unit", "CO2", "CH4", "N2O", "F-gases (HFC/PFC)",
           "SF6", "NF3", "Method used / source"), (40, 12, 12, 12, 12, 16, 10, 10, 80))
    # One row per library factor (by id) or per distinct inline factor (by its values).
    seen: dict[object, list[Any]] = {}
    for ln in lines:
        if not ln.ef_unit:
            continue
        values = (ln.ef_co2 or 0.0, ln.ef_ch4 or 0.0, ln.ef_n2o or 0.0)
        if ln.factor is not None:
            f = ln.factor
            key: object = f.pk
            method = "; ".join(t for t in (
                f.method, f"{f.source_name} ({f.source}:{f.key}, {f.year}, v{f.version})",
                f.reference) if t)
        else:
            key = (ln.ef_unit, *values)
            method = "Emission factor given with the activity data"
        if key in seen:
            continue
        seen[key] = [carrier(ln), f"t/{ln.ef_unit}", *values, None, None, None, method]
    row = HEADER_ROW + 1
    for cells in seen.values():
        _put(ws, row, cells, FACTOR)
        row += 1
    g = gwp_factors(inventory.gwp_set)
    ch4_note = (f"; fossil CH4 {g['ch4_fossil']:g}" if g["ch4_fossil"] != g["ch4"] else "")
    _put(ws, row + 1, [f"GWP100 ({inventory.gwp})", "tCO2e/t", g["co2"], g["ch4"], g["n2o"],
                       "as reported (tCO2e)", g["sf6"], g["nf3"],
                       f"Global warming potentials applied to every gas{ch4_note}"],
         "#,##0.###", bold=True)


def _emissions(ws: Worksheet, inventory: Inventory) -> None:
    _head(ws, inventory, "Table A-1.3 GHG emissions by source sector (tCO2e/yr)",
          ("Source sector", *SCOPES), (22, 14, 14, 14, 14))
    table = calc.ccc_emissions_table(calc_lines(inventory), inventory.gwp_set)
    for row, (key, label) in enumerate(A13_ROWS.items(), start=HEADER_ROW + 1):
        r = table[key]
        _put(ws, row, [label, r["scope1"], r["scope2"], r["scope3"], r["total"]], WHOLE,
             bold=key == "total")
