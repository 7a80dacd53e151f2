"""The investment plan: what the actions cost, year by year, per field of action and per
funding source (CCC C-3.1 and the Investment Plan's capital planning), and what each tonne
of reduction costs. Money stays Decimal; it is written as strings in the returned data."""

from __future__ import annotations

import math
from collections import defaultdict
from decimal import Decimal
from typing import Any, TypedDict

from zerocity.plan.calculations import cost_per_tonne
from zerocity.plan.models import Action, ActionCost, ActionReduction, Plan

ZERO = Decimal(0)


class ActionCosts(TypedDict):
    """One action's costs (EUR, two decimals; None where the action has no yearly costs)."""

    code: str
    name: str
    field: str
    department: str
    capex_eur: str | None
    opex_eur: str | None
    total_eur: str | None
    reduction_tco2e: float
    cost_per_tonne_eur: str | None


class MacStep(ActionCosts):
    """A step of the marginal abatement cost curve: the action and the tonnes up to it."""

    cumulative_tco2e: float


class YearCosts(TypedDict):
    capex: str | None
    opex: str | None
    total: str | None


class FieldCosts(TypedDict):
    name: str
    years: dict[str, YearCosts]
    capex: str | None
    opex: str | None
    unscheduled: str | None
    total: str | None


class Totals(TypedDict):
    capex: str | None
    opex: str | None
    unscheduled: str | None
    total: str | None


class InvestmentPlan(TypedDict):
    """The investment plan as docs/plan.md shows it."""

    years: list[str]
    fields: dict[str, FieldCosts]
    year_totals: dict[str, str | None]
    sources: dict[str, str | None]
    actions: list[ActionCosts]
    mac: list[MacStep]
    unscheduled: list[str]
    total: Totals


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.01")))


def investment_plan(plan: Plan) -> InvestmentPlan:
    """Costs per field of action and year (capital, operating, total), per funding source,
    per action with its cost per tonne, and the grand totals.

    An action without yearly costs counts with its total cost (C-3.1) under ``years: {}`` and
    is listed in ``unscheduled`` so the gap in the schedule is visible; one with neither
    counts nothing and has no cost per tonne (none is invented). The shape is in
    docs/plan.md; money is a string with two decimals (EUR)."""
    actions = list(Action.objects.filter(plan=plan).select_related("field", "department")
                   .order_by("code"))
    reductions: dict[int, list[float]] = defaultdict(list)
    for action_id, tco2e in (ActionReduction.objects.filter(action__plan=plan)
                             .values_list("action_id", "tco2e")):
        reductions[action_id].append(tco2e)
    costs: dict[int, list[ActionCost]] = defaultdict(list)
    for c in ActionCost.objects.filter(action__plan=plan).order_by("year", "funding_source"):
        costs[c.action_id].append(c)

    years: set[int] = set()
    by_field: dict[str, dict[str, Any]] = {}
    by_source: dict[str, Decimal] = defaultdict(Decimal)
    per_action: list[ActionCosts] = []
    unscheduled: list[str] = []
    grand = {"capex": ZERO, "opex": ZERO}
    for a in actions:
        rows = costs.get(a.pk, [])
        capex = sum((c.capex_eur for c in rows), ZERO)
        opex = sum((c.opex_eur for c in rows), ZERO)
        if rows:
            total: Decimal | None = capex + opex
        else:
            total = a.total_cost_eur
            if total is not None:
                unscheduled.append(a.code)
        field = by_field.setdefault(a.field.slug, {
            "name": a.field.name, "years": defaultdict(lambda: {"capex": ZERO, "opex": ZERO}),
            "capex": ZERO, "opex": ZERO, "unscheduled": ZERO})
        for c in rows:
            years.add(c.year)
            y = field["years"][c.year]
            y["capex"] += c.capex_eur
            y["opex"] += c.opex_eur
            by_source[c.funding_source or "-"] += c.capex_eur + c.opex_eur
        field["capex"] += capex
        field["opex"] += opex
        if not rows and total is not None:
            field["unscheduled"] += total
            by_source["-"] += total
        grand["capex"] += capex
        grand["opex"] += opex
        tonnes = math.fsum(reductions.get(a.pk, []))
        per_action.append({
            "code": a.code, "name": a.name, "field": a.field.slug,
            "department": a.department.name if a.department else "",
            "capex_eur": _money(capex) if rows else None,
            "opex_eur": _money(opex) if rows else None,
            "total_eur": _money(total), "reduction_tco2e": tonnes,
            "cost_per_tonne_eur": (str(cost_per_tonne(total, tonnes))
                                   if total is not None and tonnes > 0 else None),
        })

    # the marginal abatement cost curve as a table: cheapest tonne first, cumulative tonnes
    priced = [(Decimal(e["cost_per_tonne_eur"]), e) for e in per_action
              if e["cost_per_tonne_eur"] is not None]
    mac: list[MacStep] = []
    running = 0.0
    for _price, entry in sorted(priced, key=lambda pe: (pe[0], pe[1]["code"])):
        running += entry["reduction_tco2e"]
        mac.append(MacStep(**entry, cumulative_tco2e=running))

    ordered = sorted(years)
    fields_out: dict[str, FieldCosts] = {}
    for slug, f in by_field.items():
        fields_out[slug] = {
            "name": f["name"],
            "years": {str(y): {"capex": _money(f["years"][y]["capex"]),
                               "opex": _money(f["years"][y]["opex"]),
                               "total": _money(f["years"][y]["capex"] + f["years"][y]["opex"])}
                      for y in ordered if y in f["years"]},
            "capex": _money(f["capex"]), "opex": _money(f["opex"]),
            "unscheduled": _money(f["unscheduled"]),
            "total": _money(f["capex"] + f["opex"] + f["unscheduled"]),
        }
    year_totals = {str(y): _money(sum(
        (f["years"][y]["capex"] + f["years"][y]["opex"] for f in by_field.values()
         if y in f["years"]), ZERO)) for y in ordered}
    unscheduled_total = sum((f["unscheduled"] for f in by_field.values()), ZERO)
    return {
        "years": [str(y) for y in ordered],
        "fields": fields_out,
        "year_totals": year_totals,
        "sources": {k: _money(v) for k, v in sorted(by_source.items(), key=lambda kv: -kv[1])},
        "actions": per_action,
        "mac": mac,
        "unscheduled": unscheduled,
        "total": {"capex": _money(grand["capex"]), "opex": _money(grand["opex"]),
                  "unscheduled": _money(unscheduled_total),
                  "total": _money(grand["capex"] + grand["opex"] + unscheduled_total)},
    }
