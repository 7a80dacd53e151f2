"""Reads of the action plan."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from zerocity.core.errors import NotFound
from zerocity.core.models import City
from zerocity.inventory import calculations as calc
from zerocity.inventory.selectors import calc_lines
from zerocity.plan.calculations import GapTable, cost_per_tonne, emission_gap
from zerocity.plan.models import Action, ActionReduction, Plan, PolicyReduction
from zerocity.plan.monitoring import (
    MilestoneData,
    action_status,
    freshness,
    indicator_status,
    overdue,
)


def plan_for_city(city_slug: str) -> Plan:
    plan = Plan.objects.select_related("city", "baseline").filter(city__slug=city_slug).first()
    if plan is None:
        if not City.objects.filter(slug=city_slug).exists():
            raise NotFound(f"no city {city_slug!r}")
        raise NotFound(f"{city_slug} has no action plan yet")
    return plan


def baseline_by_sector(plan: Plan) -> dict[str, float]:
    """Baseline emissions per source sector from the baseline inventory's table A-1.3 (AFOLU
    net of its sinks, as in table A-2.1)."""
    a13 = calc.ccc_emissions_table(calc_lines(plan.baseline), plan.baseline.gwp_set)
    out = {s: a13[s]["total"] for s in ("buildings", "transport", "waste", "ippu")}
    out["afolu"] = a13["afolu_sources"]["total"] + a13["afolu_sinks"]["total"]
    return out


def gap_table(plan: Plan) -> GapTable:
    existing: dict[str, float] = defaultdict(float)
    for row in (PolicyReduction.objects.filter(policy__plan=plan).values("sector")
                .annotate(t=Sum("tco2e"))):
        existing[row["sector"]] += row["t"]
    portfolio: dict[str, float] = defaultdict(float)
    for row in (ActionReduction.objects.filter(action__plan=plan).values("sector")
                .annotate(t=Sum("tco2e"))):
        portfolio[row["sector"]] += row["t"]
    return emission_gap(baseline_by_sector(plan), existing, portfolio,
                        reduction_share=float(plan.reduction_target))


# -- monitoring --------------------------------------------------------------------------------

def action_overview(plan: Plan, *, today: date, now: datetime | None = None,
                    code: str | None = None) -> list[dict[str, Any]]:
    """Every action (or the one with ``code``) with its computed (or overridden) status,
    freshness and overdue milestones."""
    now = now or timezone.now()
    actions = (plan.actions.select_related("field", "department")
               .prefetch_related("milestones", "overrides", "reductions"))
    if code is not None:
        actions = actions.filter(code=code)
    out = []
    for a in actions:
        milestones = [MilestoneData(m.name, m.due, m.done) for m in a.milestones.all()]
        latest = next(iter(a.overrides.all()), None)  # newest first (Meta.ordering)
        status = action_status(milestones, today=today, start_year=a.start_year,
                               override=latest.status if latest else None)
        days, fresh = freshness(a.last_update_at, now)
        out.append({
            "code": a.code, "name": a.name, "field": a.field.name,
            "field_slug": a.field.slug,
            "department": a.department.slug if a.department else None,
            "department_name": a.department.name if a.department else "",
            "start_year": a.start_year, "end_year": a.end_year,
            "status": status,
            "status_overridden": bool(latest and latest.status),
            "override_reason": latest.reason if latest and latest.status else "",
            "days_since_update": days, "freshness": fresh,
            "overdue": [{"name": m.name, "due": m.due.isoformat()}
                        for m in overdue(milestones, today)],
            "reduction_tco2e": sum(r.tco2e for r in a.reductions.all()),
            "total_cost_eur": str(a.total_cost_eur) if a.total_cost_eur is not None else None,
        })
    return out


def overdue_by_department(plan: Plan, *, today: date) -> dict[str, list[dict[str, Any]]]:
    """For each department, its actions with milestones past due (undepartmented: '-')."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in action_overview(plan, today=today):
        if a["overdue"]:
            out[a["department"] or "-"].append(
                {"code": a["code"], "name": a["name"], "overdue": a["overdue"]})
    return dict(out)


def indicator_overview(plan: Plan, *, codes: list[str] | None = None
                       ) -> list[dict[str, Any]]:
    indicators = plan.indicators.prefetch_related("targets", "observations")
    if codes is not None:
        indicators = indicators.filter(code__in=codes)
    out = []
    for ind in indicators:
        targets = {t.year: t.value for t in ind.targets.all()}
        observations = {o.year: o.value for o in ind.observations.all()}
        baseline = ((ind.baseline_year, ind.baseline_value)
                    if ind.baseline_year is not None and ind.baseline_value is not None
                    else None)
        st = indicator_status(baseline, targets, observations)
        out.append({
            "code": ind.code, "name": ind.name, "unit": ind.unit,
            "baseline": list(baseline) if baseline else None,
            "targets": {str(y): v for y, v in sorted(targets.items())},
            "observations": {str(y): v for y, v in sorted(observations.items())},
            "status": st.status, "latest_year": st.year, "latest_value": st.value,
            "expected": st.expected, "progress": st.progress,
        })
    return out


def plan_report(plan: Plan, *, today: date) -> dict[str, Any]:
    """Everything a yearly progress report shows, as plain data (what a snapshot freezes)."""
    baseline = plan.baseline
    totals = calc.totals(calc_lines(baseline), baseline.gwp_set)
    return {
        "city": plan.city.slug,
        "plan": plan.title,
        "as_of": today.isoformat(),
        "baseline": {"year": baseline.year, "gwp": baseline.gwp, "totals": totals},
        "target_year": plan.target_year,
        "reduction_target": str(plan.reduction_target),
        "gap": gap_table(plan).as_dict(),
        "actions": action_overview(plan, today=today),
        "indicators": indicator_overview(plan),
    }


def action_detail(action: Action) -> dict[str, Any]:
    """What an action's page shows beyond its own fields: reductions per sector, yearly costs
    with funding sources, cost per tonne, milestones, linked indicators and commitments."""
    reductions = {r.sector: r.tco2e for r in action.reductions.all()}
    total_t = math.fsum(reductions.values())
    costs = list(action.costs.all())
    capex = sum((c.capex_eur for c in costs), Decimal(0))
    opex = sum((c.opex_eur for c in costs), Decimal(0))
    scheduled = capex + opex if costs else None
    # the stated total (C-3.1) is the action's cost; the yearly schedule may lag behind it
    total_cost = action.total_cost_eur if action.total_cost_eur is not None else scheduled
    years: dict[int, dict[str, Decimal]] = {}
    for c in costs:
        y = years.setdefault(c.year, {"capex": Decimal(0), "opex": Decimal(0)})
        y["capex"] += c.capex_eur
        y["opex"] += c.opex_eur
    funding: dict[str, Decimal] = defaultdict(Decimal)
    for c in costs:
        funding[c.funding_source or "-"] += c.capex_eur + c.opex_eur
    return {
        "reductions": reductions,
        "reduction_tco2e": total_t,
        "total_cost_eur": total_cost,
        "scheduled_eur": scheduled,
        "schedule_differs": scheduled is not None and scheduled != total_cost,
        "cost_per_tonne": (cost_per_tonne(total_cost, total_t)
                           if total_cost is not None else None),
        "costs_by_year": sorted(years.items()),
        "funding": sorted(funding.items(), key=lambda kv: -kv[1]),
        "milestones": list(action.milestones.all()),
        "indicators": indicator_overview(action.plan,
                                         codes=[i.code for i in action.indicators.all()]),
        "commitments": list(action.commitments.all()),
        "override": next(iter(action.overrides.all()), None),
    }
