"""The GCoM Common Reporting Framework workbook ("eCRF"), written and read with openpyxl.

Layout (research note ghg-standards.md §3.4). Every sheet has a title in row 1, group labels
in row 2 and its column headers in row ``HEADER_ROW`` (3); data starts on row 4. The importer
finds eCRF_3 columns by the header text in row 3, so columns may be reordered or added.

* ``eCRF_1`` inventory and city information: item label in column A, value in column B.
* ``eCRF_2`` tCO2e by CRF sector row x Direct / Indirect / Outside the city boundary, each with
  a notation-key column, then an explanation and the GPC refs of the row. A sub-category goes
  in the column of its GPC *scope* (``gpc.scope_of``), never of the last digit of its ref:
  - III.x.2 (scope 3, waste generated in the city and treated outside) goes in **Outside**;
  - III.x.3 (scope 1, waste brought in and treated here; territorial only) goes in **Direct**,
    is named in the explanation as territorial-only and stays out of the row
    "Total emissions (excluding generation of grid-supplied energy)";
  - I.4.4 goes in the "Generation of grid-supplied energy" rows (split by keywords of the
    activity: CHP, local renewable, heat/cold, else electricity-only), also out of that total.
  The total row is ``calculations.totals`` scope 1 / 2 / 3. Energy-industry auxiliary use
  (I.4.1-3), non-specified sources (I.6) and other scope 3 (VI.1) have no template row; they get
  rows of their own so that no emission is dropped. A cell with no line at all reads ``NE``;
  a cell whose lines all carry notation keys carries one (C before NE before IE before NO).
* ``eCRF_3`` one row per inventory line: the template columns, then the columns a lossless
  re-import needs (explanation, IE target, gases given directly, ETS, CCC sector, CH4 origin,
  factor key). A library factor is written ``source:key`` so a re-import cannot silently pick
  another library's factor of the same name.

``read_ecrf3`` turns eCRF_3 back into the activity-data CSV, so the normal importer and its
rules apply, with the mistakes of its header row; the importer refuses the workbook with those
and its rows' own in one answer. Row N of eCRF_3 becomes line N of the CSV (blank lines pad the
gaps), so the importer's ``line N`` points at the workbook row (unless a text cell above holds
line breaks).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from zerocity.inventory import calculations as calc
from zerocity.inventory import gpc
from zerocity.inventory.models import Inventory, InventoryLine
from zerocity.inventory.parsing import COLUMNS, ImportRejected
from zerocity.inventory.selectors import inventory_lines

HEADER_ROW = 3
T = "#,##0.00"  # tCO2e / MWh cells
SCOPE_LABEL = {1: "Direct", 2: "Indirect", 3: "Outside city boundary"}
KEY_PRECEDENCE = ("C", "NE", "IE", "NO")
QUALITY = {"H": "High", "M": "Medium", "L": "Low"}

# -- eCRF_2 row mapping ------------------------------------------------------------------------

SE, TR, WA = "Stationary energy", "Transportation", "Waste"
IPPU, AFOLU, OTHER = "IPPU", "AFOLU", "Other scope 3"
GEN = "Generation of grid-supplied energy"
TOTAL_LABEL = "Total emissions (excluding generation of grid-supplied energy)"
# I.4.4 lines are split into the template's four generation rows by the words of their activity
# (a word starting with one listed); the first match wins, so "CHP district heating" is CHP.
GENERATION_KINDS = (
    ("CHP generation", ("chp", "cogen", "combined")),
    ("Local renewable generation", ("renewable", "solar", "photovolt", "pv", "hydro", "wind",
                                    "geotherm", "biogas")),
    ("Heat/cold generation", ("heat", "cold", "cool", "steam")),
    ("Electricity-only generation", ()),
)


@dataclass(frozen=True)
class CrfRow:
    sector: str
    subsector: str
    refs: tuple[str, ...]
    fixed_key: str = ""  # a row the GPC has no sub-category for (institutional buildings)
    note: str = ""

    @property
    def label(self) -> str:
        return f"{self.sector} > {self.subsector}"


def _sub(subsector: str) -> tuple[str, ...]:
    return tuple(r for r, c in gpc.taxonomy().items() if c.subsector == subsector)


def crf_rows() -> tuple[CrfRow, ...]:
    return (
        CrfRow(SE, "Residential buildings", _sub("I.1")),
        CrfRow(SE, "Commercial buildings & facilities", _sub("I.2")),
        CrfRow(SE, "Institutional buildings & facilities", (), "IE",
               "IE: GPC v1.1 reports institutional buildings with commercial ones (I.2)"),
        CrfRow(SE, "Industrial buildings & facilities", _sub("I.3")),
        CrfRow(SE, "Agriculture", _sub("I.5")),
        CrfRow(SE, "Fugitive emissions", ("I.7.1", "I.8.1")),
        CrfRow(SE, "Energy industries, auxiliary operations (no CRF row)",
               ("I.4.1", "I.4.2", "I.4.3")),
        CrfRow(SE, "Non-specified sources (no CRF row)", _sub("I.6")),
        CrfRow(TR, "On-road", _sub("II.1")),
        CrfRow(TR, "Rail", _sub("II.2")),
        CrfRow(TR, "Waterborne navigation", _sub("II.3")),
        CrfRow(TR, "Aviation", _sub("II.4")),
        CrfRow(TR, "Off-road", _sub("II.5")),
        CrfRow(WA, "Solid waste disposal", _sub("III.1")),
        CrfRow(WA, "Biological treatment", _sub("III.2")),
        CrfRow(WA, "Incineration and open burning", _sub("III.3")),
        CrfRow(WA, "Wastewater", _sub("III.4")),
        CrfRow(IPPU, "Industrial processes", ("IV.1",)),
        CrfRow(IPPU, "Product use", ("IV.2",)),
        CrfRow(AFOLU, "Livestock", ("V.1",)),
        CrfRow(AFOLU, "Land use", ("V.2",)),
        CrfRow(AFOLU, "Other AFOLU", ("V.3",)),
        CrfRow(OTHER, "Other scope 3 (GPC VI.1)", ("VI.1",)),
        *(CrfRow(GEN, kind, ("I.4.4",)) for kind, _ in GENERATION_KINDS),
    )


def generation_kind(line: InventoryLine) -> str:
    words = re.findall(r"[a-z0-9]+", f"{line.activity} {line.fuel}".lower())
    for kind, starts in GENERATION_KINDS:
        if not starts or any(w.startswith(starts) for w in words):
            return kind
    raise AssertionError("the last generation kind matches everything")


def crf_row_of(line: InventoryLine, rows: tuple[CrfRow, ...]) -> CrfRow:
    if line.gpc_id == "I.4.4":
        kind = generation_kind(line)
        return next(r for r in rows if r.sector == GEN and r.subsector == kind)
    return next(r for r in rows if line.gpc_id in r.refs)


# -- writing -----------------------------------------------------------------------------------

def _title(inventory: Inventory, what: str) -> str:
    flag = "  ILLUSTRATIVE FIGURES (demo data)" if inventory.illustrative else ""
    return (f"{what} - {inventory.city.name}, {inventory.year}, GWP {inventory.gwp} "
            f"(100-year){flag}")


def _head(ws: Worksheet, title: str, groups: dict[int, str], headers: list[str],
          widths: dict[int, int]) -> None:
    ws.cell(1, 1, title).font = Font(bold=True, size=12)
    for col, text in groups.items():
        ws.cell(2, col, text).font = Font(italic=True)
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(HEADER_ROW, col, text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"


def export_workbook(inventory: Inventory) -> bytes:
    lines = inventory_lines(inventory)
    wb = Workbook()
    first = wb.active
    assert isinstance(first, Worksheet)
    _sheet1(first, inventory, lines)
    _sheet2(wb.create_sheet("eCRF_2"), inventory, lines)
    _sheet3(wb.create_sheet("eCRF_3"), inventory, lines)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# eCRF_1 items in template order (§3.4); those the models do not know stay empty.
ECRF1_ITEMS = (
    "Type", "Name of city", "Country", "Region", "City ID (GeoNames)", "City coordinate",
    "Inventory year", "Geographic boundary", "HDD", "CDD", "Land area (km²)",
    "Resident population", "GDP (US$)", "Type of economy", "Climate", "Other information",
    "Inventory tool used", "GPC reporting level", "Greenhouse gases included",
    "Global Warming Potential", "GWP choice explanation (if not AR4/AR5)",
    "Description of methodology and tools", "Relevant regulations",
    "Comments on change since last inventory", "Audited/verified by third party?", "Auditor",
    "Year of audit", "Planned improvements", "Compiler name", "Department", "Date", "Version",
    "Email", "Webpage",
)
GWP_NOTE = {"AR6": "IPCC AR6 WG1 Table 7.SM.7", "AR6-CH4split":
            "IPCC AR6 WG1 Tables 7.SM.7 and 7.15 (fossil and non-fossil CH4 told apart)"}
GAS_NAMES = {"co2": "CO2", "ch4": "CH4", "n2o": "N2O", "hfcs": "HFCs", "pfcs": "PFCs",
             "sf6": "SF6", "nf3": "NF3"}


def _sheet1(ws: Worksheet, inventory: Inventory, lines: list[InventoryLine]) -> None:
    ws.title = "eCRF_1"
    city = inventory.city
    reported = [ln for ln in lines if not ln.notation_key]
    plus = any(gpc.category(ln.gpc_id).level is gpc.Level.BASIC_PLUS for ln in reported)
    gases = [name for attr, name in GAS_NAMES.items() if any(getattr(ln, attr) for ln in reported)]
    try:
        tool = f"ZeroCity {metadata.version('zerocity')}"
    except metadata.PackageNotFoundError:
        tool = "ZeroCity"
    other = [f"UN/LOCODE {city.locode}" if city.locode else "", inventory.notes,
             "ILLUSTRATIVE FIGURES made up for a demonstration" if inventory.illustrative else ""]
    known: dict[str, Any] = {
        "Name of city": city.name, "Country": city.country, "Region": city.region,
        "Inventory year": inventory.year, "Geographic boundary": inventory.boundary,
        "Land area (km²)": float(city.area_km2) if city.area_km2 is not None else None,
        "Resident population": inventory.population or city.population,
        "Other information": "; ".join(t for t in other if t),
        "Inventory tool used": tool, "GPC reporting level": "BASIC+" if plus else "BASIC",
        "Greenhouse gases included": ", ".join(gases),
        "Global Warming Potential": f"IPCC {inventory.gwp} (100-year)",
        "GWP choice explanation (if not AR4/AR5)": GWP_NOTE.get(inventory.gwp),
        "Description of methodology and tools": "GPC v1.1: activity data x emission factors "
        f"per sub-category; sources: {inventory.source or 'see eCRF_3'}",
        "Date": (inventory.published_at or inventory.updated_at).date(),
        "Version": f"{inventory.status}, updated {inventory.updated_at:%Y-%m-%d %H:%M}",
    }
    _head(ws, _title(inventory, "eCRF_1 Inventory and city information"), {},
          ["Item", "Value"], {1: 42, 2: 70})
    for row, label in enumerate(ECRF1_ITEMS, start=HEADER_ROW + 1):
        ws.cell(row, 1, label)
        ws.cell(row, 2, known.get(label) or None)


@dataclass
class _Cell:
    value: float | None
    key: str


def _cell(entries: list[tuple[InventoryLine, float]]) -> _Cell:
    if not entries:
        return _Cell(None, "NE")
    values = [v for ln, v in entries if not ln.notation_key]
    if values:
        return _Cell(math.fsum(values), "")
    keys = {ln.notation_key for ln, _ in entries}
    return _Cell(None, next(k for k in KEY_PRECEDENCE if k in keys))


def _flags(entries: list[tuple[InventoryLine, float]]) -> list[str]:
    """Figures in a cell that a reader must not take at face value: territorial-only waste
    (kept out of the total row) and EU ETS installations."""
    flags = []
    imported = [v for ln, v in entries if gpc.category(ln.gpc_id).level is gpc.Level.TERRITORIAL
                and ln.gpc_id != "I.4.4" and not ln.notation_key]
    if imported:
        flags.append(f"Direct includes {math.fsum(imported):,.2f} tCO2e from waste generated "
                     "outside the city (III.x.3): territorial only, not in the total emissions")
    ets = [v for ln, v in entries if ln.ets and not ln.notation_key]
    if ets:
        flags.append(f"includes {math.fsum(ets):,.2f} tCO2e from EU ETS installations")
    return flags


def _line_notes(entries: list[tuple[InventoryLine, float]]) -> list[str]:
    notes = []
    for ln, _ in entries:
        if ln.notation_key:
            target = f" (in {ln.ie_ref})" if ln.ie_ref else ""
            notes.append(f"{ln.gpc_id} {ln.notation_key}{target}: {ln.explanation}")
        elif ln.explanation:
            notes.append(f"{ln.gpc_id}: {ln.explanation}")
    return list(dict.fromkeys(notes))


def _sheet2(ws: Worksheet, inventory: Inventory, lines: list[InventoryLine]) -> None:
    gwp = inventory.gwp_set
    rows = crf_rows()
    by_row: dict[CrfRow, list[tuple[InventoryLine, float]]] = {r: [] for r in rows}
    for ln in lines:
        by_row[crf_row_of(ln, rows)].append((ln, calc.line_co2e(ln.as_calc(), gwp)))
    _head(ws, _title(inventory, "eCRF_2 Emissions by sector and scope (tCO2e)"),
          {2: "Direct emissions (scope 1)",
           4: "Indirect emissions from grid-supplied energy (scope 2)",
           6: "Emissions outside the city boundary from in-city activities (scope 3)"},
          ["Sector > Sub-sector", "Direct (tCO2e)", "Direct notation key", "Indirect (tCO2e)",
           "Indirect notation key", "Outside (tCO2e)", "Outside notation key",
           "Explanation of exclusions, ETS coverage and comments", "GPC reference numbers"],
          {1: 58, 2: 14, 3: 9, 4: 14, 5: 9, 6: 14, 7: 9, 8: 80, 9: 26})
    at = HEADER_ROW + 1

    def put(label: str, entries: list[tuple[InventoryLine, float]], notes: list[str],
            refs: str, fixed_key: str = "", bold: bool = False) -> None:
        nonlocal at
        ws.cell(at, 1, label).font = Font(bold=bold)
        for scope in (1, 2, 3):
            cell = _cell([e for e in entries if gpc.scope_of(e[0].gpc_id) == scope])
            if fixed_key:
                cell = _Cell(None, fixed_key)
            col = 2 * scope
            ws.cell(at, col, cell.value).number_format = T
            ws.cell(at, col + 1, cell.key or None)
        ws.cell(at, 8, " | ".join(notes) or None)
        ws.cell(at, 9, refs or None)
        at += 1

    for sector in dict.fromkeys(r.sector for r in rows):
        members = [r for r in rows if r.sector == sector]
        for r in members:
            notes = ([r.note] if r.note else []) + _flags(by_row[r]) + _line_notes(by_row[r])
            put(r.label, by_row[r], notes, " ".join(r.refs), r.fixed_key)
        everything = [e for r in members for e in by_row[r]]
        notes = _flags(everything)
        if sector == GEN:
            notes.insert(0, "I.4.4 is territorial only: not in the total emissions")
        put(f"{sector}: total", everything, notes, "", bold=True)
    totals = calc.totals([ln.as_calc() for ln in lines], gwp)
    ws.cell(at, 1, TOTAL_LABEL).font = Font(bold=True)
    for scope in (1, 2, 3):
        ws.cell(at, 2 * scope, totals[f"scope{scope}"]).number_format = T
    ws.cell(at, 8, "GPC scope totals without the territorial-only I.4.4 and III.x.3")


# -- eCRF_3 ------------------------------------------------------------------------------------

# Round-trip columns of gases given directly: eCRF_3 header -> activity-CSV column.
GIVEN = {
    "Given CO2 (t)": "co2", "Given CH4 (t)": "ch4", "Given N2O (t)": "n2o",
    "Given SF6 (t)": "sf6", "Given NF3 (t)": "nf3", "Given HFCs (tCO2e)": "hfcs",
    "Given PFCs (tCO2e)": "pfcs", "Given biogenic CO2 (t)": "co2_biogenic",
    "Given CO2e (tCO2e)": "co2e",
}
# eCRF_3 header -> activity-CSV column, read whatever kind the line is.
PLAIN = {
    "GPC ref. no.": "gpc_ref", "Fuel type or activity": "activity",
    "Notation key": "notation_key", "Activity amount": "amount", "Activity unit": "unit",
    "Activity data source": "source", "Activity data quality": "data_quality",
    "Explanation": "explanation", "IE target (GPC ref)": "ie_ref",
    "EU ETS installation": "ets", "CCC sector (override)": "ccc_sector",
    "CH4 origin": "ch4_origin", "Factor key (fuel)": "fuel",
}
# Read only when the line names no library factor: an emission factor given with the data.
INLINE = {"EF CO2": "ef_co2", "EF CH4": "ef_ch4", "EF N2O": "ef_n2o"}
REQUIRED = ("GPC ref. no.", "Fuel type or activity")
# The template's columns first (§3.4), then the round-trip ones from "Explanation" on.
ECRF3_HEADERS = (
    "Inventory year", "GPC ref. no.", "CRF sector", "CRF sub-sector", "Scope",
    "Fuel type or activity", "Notation key", "Activity amount", "Activity unit",
    "Activity description & methodology", "Activity data source", "Activity data quality",
    "EF unit", "EF CO2", "EF CH4", "EF N2O", "EF total CO2e", "EF biogenic CO2",
    "GHG CO2 (tCO2e)", "GHG CH4 (tCO2e)", "GHG N2O (tCO2e)", "GHG total (tCO2e)",
    "GHG biogenic CO2 (t)", "Explanation", "IE target (GPC ref)", *GIVEN,
    "EU ETS installation", "CCC sector (override)", "CH4 origin", "Factor key (fuel)",
)
ECRF3_GROUPS = {"Activity amount": "Activity data",
                "EF unit": "Emission factor (t of gas per unit of activity)",
                "GHG CO2 (tCO2e)": "GHG emissions",
                "Explanation": "Round-trip data (ZeroCity): read back by the importer"}
TONNES = {h for h in ECRF3_HEADERS if h.startswith(("GHG", "Given"))}


def _given(ln: InventoryLine) -> dict[str, float]:
    """Gas amounts of a line without a factor, written so the importer stores the same: zero
    gases stay empty, and CO2e is written when it is set or nothing else is (a reported 0)."""
    if ln.notation_key or ln.fuel or ln.ef_unit:
        return {}
    out = {col: getattr(ln, col) for col in GIVEN.values() if col != "co2e" and getattr(ln, col)}
    if ln.co2e_direct or not out:
        out["co2e"] = ln.co2e_direct
    return out


def _ecrf3_row(ln: InventoryLine, inventory: Inventory, rows: tuple[CrfRow, ...]) -> list[Any]:
    gwp, f, crf, given = inventory.gwp_set, ln.factor, crf_row_of(ln, rows), _given(ln)
    reported = not ln.notation_key

    def tco2e(**gases: Any) -> float | None:
        return calc.co2e(calc.Gases(ch4_fossil=ln.ch4_fossil, **gases), gwp) if reported \
            else None

    if not reported:
        method = None
    elif f is not None:
        method = f"amount x library factor {f.source}:{f.key} ({f.year}, v{f.version})"
    else:
        method = "amount x emission factor given with the data" if ln.ef_unit \
            else "gas amounts given directly"
    efs = (ln.ef_co2, ln.ef_ch4, ln.ef_n2o) if ln.ef_unit else (None, None, None)
    return [
        inventory.year, ln.gpc_id, crf.sector, crf.subsector, SCOPE_LABEL[gpc.scope_of(ln.gpc_id)],
        ln.activity, ln.notation_key or None, ln.amount, ln.unit or None, method,
        ln.source or None, QUALITY.get(ln.data_quality),
        f"t/{ln.ef_unit}" if ln.ef_unit else None, *efs,
        tco2e(co2=ln.ef_co2 or 0.0, ch4=ln.ef_ch4 or 0.0, n2o=ln.ef_n2o or 0.0)
        if ln.ef_unit else None,
        f.co2_biogenic if f is not None else None,
        tco2e(co2=ln.co2), tco2e(ch4=ln.ch4), tco2e(n2o=ln.n2o),
        calc.line_co2e(ln.as_calc(), gwp) if reported else None,
        ln.co2_biogenic if reported else None,
        ln.explanation or None, ln.ie_ref or None, *(given.get(c) for c in GIVEN.values()),
        "yes" if ln.ets else None, ln.ccc_sector or None,
        ("fossil" if ln.ch4_fossil else "non-fossil") if ln.ch4 else None,
        # The factor's source goes with its key: a re-import cannot pick a namesake.
        f"{f.source}:{f.key}" if f is not None and ":" not in ln.fuel else ln.fuel or None,
    ]


def _sheet3(ws: Worksheet, inventory: Inventory, lines: list[InventoryLine]) -> None:
    col = {h: i for i, h in enumerate(ECRF3_HEADERS, start=1)}
    widths = {i: 14 for i in col.values()}
    widths.update({col[h]: 40 for h in ("Fuel type or activity", "Explanation",
                                        "Activity description & methodology",
                                        "Activity data source")})
    _head(ws, _title(inventory, "eCRF_3 Activity data and emission factors"),
          {col[h]: text for h, text in ECRF3_GROUPS.items()}, list(ECRF3_HEADERS), widths)
    rows = crf_rows()
    for r, ln in enumerate(lines, start=HEADER_ROW + 1):
        for header, value in zip(ECRF3_HEADERS, _ecrf3_row(ln, inventory, rows), strict=True):
            cell = ws.cell(r, col[header], value)
            if header in TONNES:
                cell.number_format = T


# -- reading -----------------------------------------------------------------------------------

def is_ecrf_workbook(data: bytes) -> bool:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True)
    except Exception:  # openpyxl raises many types for files that are not workbooks
        return False
    try:
        return {"eCRF_2", "eCRF_3"} <= set(wb.sheetnames)
    finally:
        wb.close()


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return repr(value)  # shortest text that reads back as the same float
    return str(value).strip()


# What the activity-file checks say of a row only because the sheet lacks a required column:
# the header's message says it once. Without GPC refs a negative figure (right on AFOLU lines
# only) and an IE line's target (looked for among the other lines' refs) cannot be judged.
_ECHOES = {
    "gpc_ref": re.compile(r"line \d+, column (gpc_ref: required|co2e: .* is negative; only "
                          r"AFOLU removals .*|ie_ref: IE points to .*, which has no line "
                          r"carrying emissions in this inventory)"),
    "activity": re.compile(r"line \d+, column activity: required"),
}


@dataclass(frozen=True)
class Ecrf3:
    """eCRF_3 as the activity-data CSV, with what is wrong with its header. A header with a
    column named twice (the first is read) or a required one missing refuses the workbook, but
    its rows are still read and checked, so that one answer names all of its mistakes."""

    csv: bytes
    errors: list[str]  # the header's, on line HEADER_ROW
    absent: frozenset[str]  # activity-file columns whose required header the sheet lacks

    def with_rows(self, errors: list[str]) -> list[str]:
        """The header's mistakes and the rows' ``errors``, less the rows' messages that only
        repeat what the header's say."""
        echoes = [_ECHOES[c] for c in self.absent]
        return [*self.errors,
                *(e for e in errors if not any(echo.fullmatch(e) for echo in echoes))]


def to_activity_csv(data: bytes) -> bytes:
    """eCRF_3 as the activity-data CSV of ``parsing.COLUMNS``; ``ImportRejected`` when its
    header is wrong (``read_ecrf3`` for the rows too)."""
    sheet = read_ecrf3(data)
    if sheet.errors:
        raise ImportRejected(sheet.errors)
    return sheet.csv


def read_ecrf3(data: bytes) -> Ecrf3:
    """eCRF_3 as the activity-data CSV of ``parsing.COLUMNS``, with its header's mistakes.

    Library-factor lines come back as amount + unit + fuel, inline-factor lines as ef_*, lines
    without a factor as their given gases. ``ImportRejected`` when the workbook cannot be read,
    has no sheet eCRF_3 or no header row (none of the headers read here is in row
    ``HEADER_ROW``); everything else is checked by the importer.
    """
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ImportRejected([f"line 1, column -: not a readable .xlsx workbook ({exc})"]) \
            from exc
    try:
        if "eCRF_3" not in wb.sheetnames:
            raise ImportRejected(["line 1, column -: the workbook has no sheet eCRF_3"])
        rows = [list(r) for r in wb["eCRF_3"].iter_rows(values_only=True)]
    finally:
        wb.close()
    header = rows[HEADER_ROW - 1] if len(rows) >= HEADER_ROW else []
    index: dict[str, int] = {}
    errors: list[str] = []
    known = {*PLAIN, *INLINE, *GIVEN, "EF unit"}
    for i, text in enumerate(header):
        name = _csv_text(text)
        if name in known and name in index:
            errors.append(f"line {HEADER_ROW}, column {get_column_letter(i + 1)}: header "
                          f"{name!r} appears twice")
        index.setdefault(name, i)
    for name in REQUIRED:
        if name not in index:
            errors.append(f"line {HEADER_ROW}, column {name}: required header is missing "
                          f"(sheet eCRF_3 has its headers in row {HEADER_ROW})")
    # Without one known header, row 3 is no header (deleted, or another sheet's layout): the
    # rows would be read as empty lines, each refused for what the header's message says.
    if known.isdisjoint(index):
        raise ImportRejected(errors)

    def cell(cells: list[Any], name: str) -> str:
        i = index.get(name)
        return _csv_text(cells[i]) if i is not None and i < len(cells) else ""

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    out.write("\n" * (HEADER_ROW - 1))  # line N of the CSV is row N of eCRF_3
    for cells in rows[HEADER_ROW:]:
        if not any(_csv_text(c) for c in cells):
            out.write("\n")
            continue
        rec = dict.fromkeys(COLUMNS, "")
        rec.update({col: cell(cells, h) for h, col in PLAIN.items()})
        inline = {col: cell(cells, h) for h, col in INLINE.items()}
        if not rec["fuel"] and any(inline.values()):
            rec.update(inline, ef_unit=cell(cells, "EF unit").removeprefix("t/"))
        rec.update({col: cell(cells, h) for h, col in GIVEN.items()})
        writer.writerow([rec[c] for c in COLUMNS])
    absent = frozenset(PLAIN[name] for name in REQUIRED if name not in index)
    return Ecrf3(out.getvalue().encode("utf-8"), errors, absent)
