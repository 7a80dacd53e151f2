"""Reads of the action plan."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Sum

from zerocity.core.errors import NotFound
from zerocity.core.models import City
from zerocity.inventory.selectors import summary
from zerocity.plan.calculations import GapTable, emission_gap
from zerocity.plan.models import ActionReduction, Plan, PolicyReduction


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
    a13 = summary(plan.baseline)["ccc_a13"]
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
