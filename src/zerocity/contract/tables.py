"""The NetZeroCities Investment Plan's tables as ZeroCity fills them (research §4, the
Differdange IP's layout), and their exports as CSV and xlsx that read back to the same cells.

- T1 (IP-A1): the municipal budget against the budget for climate actions, five years, in
  euros and percent, with the criterion: from the tagged, published budget (its total and its
  mitigation-favourable part) where there is one, else from figures entered (check 12).
- T2 (IP-A1): the climate allocation by field of action, action and year: the published
  budget lines that name a plan action.
- T4 (IP-A2): the capital sources: kind, public or private, status, decision, amount and
  the actions they fund (check 13).
- T9 (IP-B2): per action and year the cost, the cost to the municipality, the cost to
  others, the share covered and the financing gap (check 11).
"""

from __future__ import annotations

import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

from zerocity.budget.calculations import share
from zerocity.budget.selectors import report
from zerocity.contract.models import BudgetFigure, FundingKind
from zerocity.contract.selectors import CRITERION, ZERO, budget_versions, financing
from zerocity.plan.selectors import plan_for_city

TABLES = ("T1", "T2", "T4", "T9")
TITLES = {
    "T1": "IP-A1 T1 Municipal budget and budget for climate actions",
    "T2": "IP-A1 T2 Climate allocation by field of action and year",
    "T4": "IP-A2 T4 Capital sources",
    "T9": "IP-B2 T9 Capital planning: cost to the municipality, cost to others, % covered",
}
COLUMNS = {
    "T1": ("year", "basis", "municipal_budget_eur", "climate_budget_eur", "climate_share_pct",
           "criterion", "source"),
    "T2": ("field", "action", "year", "amount_eur"),
    "T4": ("source", "kind", "public_private", "status", "decision_reference", "amount_eur",
           "actions"),
    "T9": ("action", "field", "year", "cost_eur", "cost_to_municipality_eur",
           "cost_to_others_eur", "secured_eur", "covered_pct", "gap_eur"),
}
YEARS_IN_T1 = 5


def _m(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def t1(city_slug: str) -> list[dict[str, str]]:
    """Five years (the latest with figures): a tagged, published budget where the city has
    one, the entered figure otherwise. The share is of the whole municipal budget, to two
    decimals (Differdange 2025: 17,926,000 of 243,725,621 = 7.35 %)."""
    plan = plan_for_city(city_slug)
    rows: dict[int, dict[str, str]] = {}
    for f in BudgetFigure.objects.filter(city=plan.city_id):
        rows[f.year] = {"year": str(f.year), "basis": f.basis,
                        "municipal_budget_eur": _m(f.municipal_budget),
                        "climate_budget_eur": _m(f.climate_budget),
                        "climate_share_pct": f"{share(f.climate_budget, f.municipal_budget, 2)}",
                        "criterion": f.criterion, "source": f.source or "entered"}
    for year, version in budget_versions(plan.city_id).items():
        figures = report(version)
        total = Decimal(figures["total"])
        mitigation = figures["mitigation"]
        climate = (Decimal(mitigation["very_favourable"]["amount"])
                   + Decimal(mitigation["favourable"]["amount"]))
        rows[year] = {"year": str(year), "basis": "actual" if version.stage == "final"
                      else "approved", "municipal_budget_eur": _m(total),
                      "climate_budget_eur": _m(climate),
                      "climate_share_pct": f"{share(climate, total, 2)}"
                      if total else "", "criterion": CRITERION,
                      "source": f"budget {year} {version.stage}"
                      + (" (illustrative)" if version.illustrative else "")}
    return [rows[y] for y in sorted(rows)[-YEARS_IN_T1:]]


def t2(city_slug: str) -> list[dict[str, str]]:
    from zerocity.plan.models import Action

    data = financing(city_slug)
    fields = {a.code: a.field.slug for a in Action.objects.filter(plan=data["plan"])
              .select_related("field")}
    sums: dict[tuple[str, str, int], Decimal] = defaultdict(Decimal)
    for s in data["sources"]:
        if s["origin"] == "budget":
            sums[(fields[s["action"]], s["action"], s["year"])] += s["amount"]
    return [{"field": f, "action": a, "year": str(y), "amount_eur": _m(v)}
            for (f, a, y), v in sorted(sums.items())]


def t4(city_slug: str) -> list[dict[str, str]]:
    data = financing(city_slug)
    grouped: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for s in data["sources"]:
        key = (s["name"], s["kind"], s["status"], s["decision_reference"])
        g = grouped.setdefault(key, {"amount": ZERO, "actions": set()})
        g["amount"] += s["amount"]
        g["actions"].add(s["action"])
    return [{"source": name, "kind": kind,
             "public_private": "private" if kind == FundingKind.PRIVATE else "public",
             "status": status, "decision_reference": ref, "amount_eur": _m(g["amount"]),
             "actions": " ".join(sorted(g["actions"]))}
            for (name, kind, status, ref), g in sorted(grouped.items())]


def t9(city_slug: str) -> list[dict[str, str]]:
    return [{"action": r["action"], "field": r["field"], "year": str(r["year"]),
             "cost_eur": _m(r["need"]), "cost_to_municipality_eur": _m(r["cost_to_municipality"]),
             "cost_to_others_eur": _m(r["cost_to_others"]), "secured_eur": _m(r["secured"]),
             "covered_pct": f"{share(min(r['secured'], r['need']), r['need'], 1)}"
             if r["need"] else "", "gap_eur": _m(r["gap"])}
            for r in financing(city_slug)["rows"]]


BUILDERS = {"T1": t1, "T2": t2, "T4": t4, "T9": t9}


def table(city_slug: str, name: str) -> list[dict[str, str]]:
    return BUILDERS[name](city_slug)


def to_csv(name: str, rows: list[dict[str, str]]) -> str:
    from zerocity.core.spreadsheet import writer

    out = io.StringIO()
    w = writer(out, lineterminator="\n")
    w.writerow(COLUMNS[name])
    for r in rows:
        w.writerow([r[c] for c in COLUMNS[name]])
    return out.getvalue()


def to_xlsx(name: str, rows: list[dict[str, str]]) -> bytes:
    """One sheet named after the table; amounts and percents are numbers, the rest text."""
    from openpyxl import Workbook

    from zerocity.core.spreadsheet import safe_cell

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = name
    sheet.append(list(COLUMNS[name]))
    for r in rows:
        sheet.append([float(r[c]) if _numeric(c) and r[c] != "" else safe_cell(r[c])
                      for c in COLUMNS[name]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _numeric(column: str) -> bool:
    return column.endswith(("_eur", "_pct"))


def read(name: str, data: bytes, fmt: str) -> list[dict[str, str]]:
    """An exported table read back into the rows it was written from."""
    if fmt == "csv":
        import csv

        reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
        return [{c: r[c] for c in COLUMNS[name]} for r in reader]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True)[name]
    values = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in values[0]]
    out = []
    for row in values[1:]:
        cells = dict(zip(header, row, strict=True))
        out.append({c: _cell(c, cells[c]) for c in COLUMNS[name]})
    return out


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if _numeric(column):
        places = Decimal("0.1") if column == "covered_pct" else Decimal("0.01")
        return f"{Decimal(repr(value)).quantize(places)}"
    return str(value)
