"""A sector working group's part of the plan: its sectors' emissions (the baseline and the
pathway model's projection), the margin under their ceilings in the climate budget
(``plan.budget.climate_budget``) and the status of the actions that reduce them
(``plan.selectors.action_overview``).

A group's sectors are the climate budget's rows it works on: energy the buildings' energy
use and the energy systems, transport, waste, green infrastructure the land (AFOLU), and
construction the buildings and industrial processes (materials)."""

from __future__ import annotations

from datetime import date
from typing import Any

from zerocity.core.errors import ZeroCityError
from zerocity.governance.models import Body
from zerocity.plan.budget import ENERGY_SYSTEMS

GROUP_SECTORS: dict[str, tuple[str, ...]] = {
    "energy": ("buildings", ENERGY_SYSTEMS),
    "transport": ("transport",),
    "waste": ("waste",),
    "green": ("afolu",),
    "construction": ("buildings", "ippu"),
}


def sector_panel(body: Body, today: date) -> dict[str, Any] | None:
    """The group's sectors in the climate budget this year (or its first year), with the
    actions reducing them and their status; None without a sector or a plan."""
    from zerocity.plan.budget import climate_budget
    from zerocity.plan.models import Plan
    from zerocity.plan.selectors import action_overview

    if not body.sector:
        return None
    plan = Plan.objects.filter(city=body.city).select_related("city").first()
    if plan is None:
        return None
    try:
        table = climate_budget(plan)
    except ZeroCityError:
        return None
    years = table["years"]
    year = min(max(today.year, years[0]), years[-1])
    at = years.index(year)
    rows, codes = [], []
    for key in GROUP_SECTORS[body.sector]:
        if key == ENERGY_SYSTEMS:
            carriers = table["energy_systems"]["carriers"]
        elif key in table["sectors"]:
            s = table["sectors"][key]
            carriers = s["carriers"]
            rows.append({"sector": key, "baseline": s["baseline"],
                         "ceiling": s["ceiling"][at], "projected": s["projected"][at],
                         "margin": s["margin"][at], "target": s["target"],
                         "shortfall": s["shortfall"],
                         "first_overshoot": s["first_overshoot"]})
        else:
            continue
        codes += [c["code"] for c in carriers if c["code"] not in codes]
    overview = {a["code"]: a for a in action_overview(plan, today=today)}
    actions = [overview[c] for c in codes if c in overview]
    return {"year": year, "target_year": table["target_year"],
            "base_year": table["base_year"], "sectors": rows, "actions": actions,
            "statuses": {s: sum(1 for a in actions if a["status"] == s)
                         for s in ("not_started", "on_time", "late", "completed")}}
