"""The workbook's sheets and columns, shared by the export and the import."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from zerocity.plan.calculations import FIELD_ROWS, SECTORS

REDUCTION_SECTORS = (*SECTORS, *FIELD_ROWS)
_SECTOR_LABELS = {"ippu": "IPPU", "afolu": "AFOLU", "energy_systems": "energy systems"}
MAX_MONEY = Decimal("1e12")  # DecimalField(max_digits=14, decimal_places=2)
CENT = Decimal("0.01")
YEARS = (1900, 2100)


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    # id: short text, trimmed; text: free text as written; year; number: >= 0; signed;
    # money: EUR >= 0; share: 0.01-1; date; effects: JSON list; codes: comma-separated
    kind: str = "text"
    required: bool = False
    max_length: int = 0
    width: int = 16


def _reduction_column(sector: str) -> Column:
    label = _SECTOR_LABELS.get(sector, sector)
    return Column(f"reduction:{sector}", f"Reduction {label} (tCO2e)", "number", width=14)


PLAN_COLUMNS = (
    Column("city", "City", "id", width=12),
    Column("title", "Title", "text", required=True, max_length=300, width=60),
    Column("baseline_year", "Baseline year", "year", width=14),
    Column("target_year", "Target year", "year", required=True, width=12),
    Column("reduction_target", "Reduction target", "share", required=True, width=16),
)
ACTION_COLUMNS = (
    Column("code", "Code", "id", required=True, max_length=20, width=9),
    Column("name", "Name", "text", required=True, max_length=300, width=45),
    Column("action_type", "Type", "text", max_length=200),
    Column("description", "Description", "text", width=60),
    Column("field", "Field of action", "id", required=True, width=24),
    Column("lever", "Lever", "id", width=24),
    Column("outcome", "Outcome", "text", width=30),
    Column("department", "Department", "id", width=16),
    Column("responsible_body", "Responsible body", "text", max_length=300, width=24),
    Column("responsible_person", "Responsible person", "text", max_length=200, width=20),
    Column("stakeholders", "Stakeholders", "text", width=24),
    Column("scale", "Scale", "text", max_length=300),
    Column("start_year", "Start year", "year", width=10),
    Column("end_year", "End year", "year", width=10),
    Column("energy_generated_mwh", "Energy generated (MWh)", "number", width=14),
    Column("energy_substituted", "Energy substituted", "text", width=30),
    Column("sinks_tco2e", "Sinks (tCO2e)", "number", width=12),
    Column("total_cost_eur", "Total cost (EUR)", "money", width=16),
    *(_reduction_column(s) for s in REDUCTION_SECTORS),
    Column("effects", "Effects (JSON)", "effects", width=50),
)
COST_COLUMNS = (
    Column("action", "Action code", "id", required=True, width=12),
    Column("year", "Year", "year", required=True, width=8),
    Column("capex_eur", "Capex (EUR)", "money", width=16),
    Column("opex_eur", "Opex (EUR)", "money", width=16),
    Column("funding_source", "Funding source", "text", max_length=200, width=36),
)
MILESTONE_COLUMNS = (
    Column("action", "Action code", "id", required=True, width=12),
    Column("name", "Name", "text", required=True, max_length=300, width=50),
    Column("due", "Due", "date", required=True, width=12),
    Column("done", "Done", "date", width=12),
)
INDICATOR_COLUMNS = (
    Column("code", "Code", "id", required=True, max_length=20, width=10),
    Column("name", "Name", "text", required=True, max_length=300, width=45),
    Column("unit", "Unit", "text", required=True, max_length=50, width=10),
    Column("definition", "Definition", "text", width=40),
    Column("calculation", "Calculation", "text", width=30),
    Column("data_source", "Data source", "text", max_length=300, width=24),
    Column("interval", "Interval", "text", max_length=100, width=20),
    Column("baseline_year", "Baseline year", "year", width=12),
    Column("baseline_value", "Baseline value", "signed", width=12),
    # then one "Target YYYY" column per year (``target_column``)
    Column("actions", "Actions", "codes", width=20),
)
OBSERVATION_COLUMNS = (
    Column("indicator", "Indicator code", "id", required=True, width=14),
    Column("year", "Year", "year", required=True, width=8),
    Column("value", "Value", "signed", required=True, width=12),
    Column("source", "Source", "text", max_length=300, width=36),
)
SHEETS = ("Plan", "Actions", "Costs", "Milestones", "Indicators", "Observations")
VOCABULARY_SHEETS = ("Fields", "Levers", "Departments")
_TARGET = re.compile(r"target (\d{4})")


def target_column(header: str) -> Column | None:
    match = _TARGET.fullmatch(header.casefold())
    if match is None or not YEARS[0] <= int(match.group(1)) <= YEARS[1]:
        return None
    return Column(f"target:{match.group(1)}", f"Target {match.group(1)}", "signed", width=11)


def clean(text: str) -> str:
    """Text as a cell keeps it: line ends become \\n and control characters are dropped."""
    return str(ILLEGAL_CHARACTERS_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n")))


def by_parent(rows: Any, parent: str) -> defaultdict[int, list[Any]]:
    """Child rows grouped by their parent's id, in the model's order: one query per table."""
    out: defaultdict[int, list[Any]] = defaultdict(list)
    for row in rows:
        out[getattr(row, f"{parent}_id")].append(row)
    return out
