"""Reads of the action plan."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zerocity.core.errors import NotFound
from zerocity.core.models import City
from zerocity.core.selectors import get_city
from zerocity.inventory import calculations as calc
from zerocity.inventory.models import Inventory
from zerocity.inventory.selectors import calc_lines, city_inventory
from zerocity.plan.calculations import cost_per_tonne
from zerocity.plan.figures import baseline_by_sector as baseline_by_sector
from zerocity.plan.figures import gap_table as gap_table
from zerocity.plan.figures import plan_figures, target_path
from zerocity.plan.models import (
    Action,
    ActionCost,
    ActionProposal,
    ActionReduction,
    ActionStatus,
    FieldOfAction,
    Indicator,
    Plan,
    ProposalState,
    Snapshot,
)
from zerocity.plan.monitoring import (
    IndicatorStatus,
    MilestoneData,
    action_status,
    freshness,
    indicator_status,
    overdue,
)
from zerocity.plan.scenario import pathway_charts, plan_model, progress, scenario_result


def plan_for_city(city_slug: str) -> Plan:
    plan = Plan.objects.select_related("city", "baseline").filter(city__slug=city_slug).first()
    if plan is None:
        if not City.objects.filter(slug=city_slug).exists():
            raise NotFound(_("There is no city %(slug)s.") % {"slug": city_slug})
        raise NotFound(_("This city has no action plan yet."))
    return plan


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
    zone = ZoneInfo(plan.city.timezone)
    out = []
    for a in actions:
        milestones = [MilestoneData(m.name, m.due, m.done) for m in a.milestones.all()]
        latest = next(iter(a.overrides.all()), None)  # newest first (Meta.ordering)
        status = action_status(milestones, today=today, start_year=a.start_year,
                               override=latest.status if latest else None)
        days, fresh = freshness(_last_update(a.last_update_at, milestones, zone), now)
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


def _last_update(reported: datetime | None, milestones: list[MilestoneData],
                 zone: ZoneInfo) -> datetime | None:
    """When the action was last reported on: its last report or, if later, the day its
    latest milestone was done (a milestone marked done is progress reported, whether it came
    through the editor, the workbook or the demo)."""
    done = [m.done for m in milestones if m.done is not None]
    latest = datetime.combine(max(done), time(), tzinfo=zone) if done else None
    candidates = [t for t in (reported, latest) if t is not None]
    return max(candidates) if candidates else None


def overdue_by_department(plan: Plan, *, today: date) -> dict[str, list[dict[str, Any]]]:
    """For each department (its slug; undepartmented: '-'), its actions with milestones past
    due, each carrying the department's name for the page's heading."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in action_overview(plan, today=today):
        if a["overdue"]:
            out[a["department"] or "-"].append(
                {"code": a["code"], "name": a["name"], "overdue": a["overdue"],
                 "department_name": a["department_name"]})
    return dict(out)


# The Climate City Contract's headline indicator (B-3.1): the CO2e reduction against the
# baseline year, in %. Kranj's targets are 20 % (2025), 40 % (2027) and 80 % (2030)
# (research note ghg-standards.md §7.7). The city measures it with its inventories, so a year
# without an observation entered by hand takes the published inventory's.
HEADLINE_INDICATOR = "OI 0.1"


def inventory_reductions(plan: Plan) -> dict[int, float]:
    """The reduction (%) of each published inventory after the baseline year against the
    baseline total of table A-2.1: the headline indicator's observations."""
    from django.contrib.auth.models import AnonymousUser

    from zerocity.inventory.selectors import trend

    base = gap_table(plan).total.baseline
    if not base:
        return {}
    return {t["year"]: round((1 - t["mission"] / base) * 100, 2)
            for t in trend(plan.city, AnonymousUser()) if t["year"] > plan.baseline.year}


def _indicator_figures(ind: Indicator, derived: dict[int, float] | None = None
                       ) -> tuple[dict[int, float], dict[int, float],
                                  tuple[int, float] | None, IndicatorStatus]:
    """An indicator's targets and observations by year (those ``derived`` from the
    inventories for the years without one), its baseline, and its status (the latest
    observation against the straight path from the baseline to the targets)."""
    targets = {t.year: t.value for t in ind.targets.all()}
    observations = {**(derived or {}), **{o.year: o.value for o in ind.observations.all()}}
    baseline = ((ind.baseline_year, ind.baseline_value)
                if ind.baseline_year is not None and ind.baseline_value is not None
                else None)
    return targets, observations, baseline, indicator_status(baseline, targets, observations)


def _derived(plan: Plan, ind: Indicator) -> dict[int, float] | None:
    return inventory_reductions(plan) if ind.code == HEADLINE_INDICATOR else None


def indicator_overview(plan: Plan, *, codes: list[str] | None = None
                       ) -> list[dict[str, Any]]:
    indicators = plan.indicators.prefetch_related("targets", "observations")
    if codes is not None:
        indicators = indicators.filter(code__in=codes)
    out = []
    for ind in indicators:
        targets, observations, baseline, st = _indicator_figures(ind, _derived(plan, ind))
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


CostRow = tuple[int, Decimal, Decimal, str]  # year, capex, opex, funding source


def _cost_figures(stated: Decimal | None, tonnes: float, rows: Iterable[CostRow]
                  ) -> dict[str, Any]:
    """An action's costs as its page shows them: the stated total (C-3.1), or the yearly
    schedule's sum where none is stated; capital and operating costs per year; the cost per
    source of funding ("-" where none is named), largest first; the cost per tonne."""
    costs = list(rows)
    scheduled = (sum((capex + opex for _, capex, opex, _ in costs), Decimal(0))
                 if costs else None)
    # the stated total (C-3.1) is the action's cost; the yearly schedule may lag behind it
    total_cost = stated if stated is not None else scheduled
    years: dict[int, dict[str, Decimal]] = {}
    funding: dict[str, Decimal] = defaultdict(Decimal)
    for year, capex, opex, source in costs:
        y = years.setdefault(year, {"capex": Decimal(0), "opex": Decimal(0)})
        y["capex"] += capex
        y["opex"] += opex
        funding[source or "-"] += capex + opex
    return {
        "total_cost_eur": total_cost,
        "scheduled_eur": scheduled,
        "schedule_differs": scheduled is not None and scheduled != total_cost,
        "cost_per_tonne": (cost_per_tonne(total_cost, tonnes)
                           if total_cost is not None else None),
        "costs_by_year": sorted(years.items()),
        "funding": sorted(funding.items(), key=lambda kv: -kv[1]),
    }


def action_detail(action: Action) -> dict[str, Any]:
    """What an action's page shows beyond its own fields: reductions per sector, yearly costs
    with funding sources, cost per tonne, milestones, linked indicators and commitments."""
    reductions = {r.sector: r.tco2e for r in action.reductions.all()}
    total_t = math.fsum(reductions.values())
    costs = [(c.year, c.capex_eur, c.opex_eur, c.funding_source) for c in action.costs.all()]
    return {
        "reductions": reductions,
        "reduction_tco2e": total_t,
        **_cost_figures(action.total_cost_eur, total_t, costs),
        "milestones": list(action.milestones.all()),
        "indicators": indicator_overview(action.plan,
                                         codes=[i.code for i in action.indicators.all()]),
        "commitments": list(action.commitments.all()),
        "override": next(iter(action.overrides.all()), None),
    }


def baseline_inventory(city_slug: str, year: int) -> Inventory:
    """The city's inventory of YEAR that its plan starts from, drafts included."""
    return city_inventory(get_city(city_slug), year)


# -- what a city publishes (the read API) ------------------------------------------------------
# The plan's public pages show every action, indicator and figure of the plan as it stands:
# what departments propose (``ActionProposal``) changes nothing here until the climate office
# publishes it, and who entered what (``by_label``) is never shown.

def _published_plan(city: City) -> Plan:
    plan = Plan.objects.select_related("city", "baseline").filter(city=city).first()
    if plan is None:
        raise NotFound(_("%(city)s has no action plan yet.") % {"city": city.name})
    return plan


def plan_summary(city: City) -> dict[str, Any]:
    """The plan at a glance, as its public overview shows it: the target, the baseline (the
    A-2.1 table's total), the fields of action with their number of actions, and how many
    actions are in each status today (the city's today)."""
    plan = _published_plan(city)
    actions = action_overview(plan, today=city.calendar.today())
    gap = gap_table(plan)
    statuses = Counter(a["status"] for a in actions)
    per_field = Counter(a["field_slug"] for a in actions)
    return {
        "city": city.slug, "title": plan.title, "source": plan.source,
        "target_year": plan.target_year, "reduction_target": plan.reduction_target,
        "baseline": {"year": plan.baseline.year, "gwp": plan.baseline.gwp,
                     "tco2e": gap.total.baseline},
        "residual_tco2e": gap.total.residual,
        "fields_of_action": [{"slug": f.slug, "name": f.name, "actions": per_field[f.slug]}
                             for f in FieldOfAction.objects.filter(city=city).order_by("pk")],
        "actions": len(actions),
        "status_counts": {status: statuses[status] for status in ActionStatus.values},
    }


def _reductions_out(plan: Plan, by_sector: dict[str, float]) -> dict[str, Any]:
    return {"tco2e_per_year": math.fsum(by_sector.values()), "year": plan.target_year,
            "by_sector": by_sector}


def _costs_out(figures: dict[str, Any]) -> dict[str, Any]:
    return {"total_eur": figures["total_cost_eur"], "scheduled_eur": figures["scheduled_eur"],
            "cost_per_tonne_eur": figures["cost_per_tonne"],
            "by_year": [{"year": y, "capex_eur": c["capex"], "opex_eur": c["opex"]}
                        for y, c in figures["costs_by_year"]],
            "by_funding_source": [{"source": s, "eur": eur} for s, eur in figures["funding"]]}


def _action_out(plan: Plan, row: dict[str, Any], reductions: dict[str, float],
                costs: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": row["code"], "title": row["name"],
        "field": {"slug": row["field_slug"], "name": row["field"]},
        "status": row["status"],
        "department": ({"slug": row["department"], "name": row["department_name"]}
                       if row["department"] else None),
        "start_year": row["start_year"], "end_year": row["end_year"],
        "reductions": _reductions_out(plan, reductions),
        "costs": _costs_out(costs),
    }


def published_actions(city: City, *, status: str | None = None, field: str | None = None,
                      department: str | None = None) -> list[dict[str, Any]]:
    """The plan's actions in code order, each with its status as the public pages compute it
    (``action_overview``), its department, reductions and costs; narrowed to one status,
    field of action (slug) or department (slug) when given. A fixed number of queries,
    whatever the number of actions."""
    plan = _published_plan(city)
    rows = [a for a in action_overview(plan, today=city.calendar.today())
            if (status is None or a["status"] == status)
            and (field is None or a["field_slug"] == field)
            and (department is None or a["department"] == department)]
    codes = [a["code"] for a in rows]
    reductions: dict[str, dict[str, float]] = {code: {} for code in codes}
    for code, sector, tco2e in (ActionReduction.objects
                                .filter(action__plan=plan, action__code__in=codes)
                                .order_by("action__code", "pk")
                                .values_list("action__code", "sector", "tco2e")):
        reductions[code][sector] = tco2e
    costs: dict[str, list[CostRow]] = {code: [] for code in codes}
    for code, year, capex, opex, source in (
            ActionCost.objects.filter(action__plan=plan, action__code__in=codes)
            .order_by("action__code", "year", "pk")
            .values_list("action__code", "year", "capex_eur", "opex_eur", "funding_source")):
        costs[code].append((year, capex, opex, source))
    stated = dict(Action.objects.filter(plan=plan, code__in=codes)
                  .values_list("code", "total_cost_eur"))
    return [_action_out(plan, a, reductions[a["code"]],
                        _cost_figures(stated[a["code"]],
                                      math.fsum(reductions[a["code"]].values()),
                                      costs[a["code"]]))
            for a in rows]


def published_action(city: City, code: str) -> dict[str, Any]:
    """One action in full, as its public page shows it (the responsible person's name, who
    reported what, and proposed changes not yet published are left out)."""
    plan = _published_plan(city)
    action = (Action.objects.select_related("plan", "field", "lever", "department")
              .prefetch_related("reductions", "costs", "milestones", "indicators",
                                "commitments", "overrides")
              .filter(plan=plan, code=code).first())
    if action is None:
        raise NotFound(_("The plan of %(city)s has no action %(code)s.")
                       % {"city": city.name, "code": code})
    [row] = action_overview(plan, today=city.calendar.today(), code=code)
    detail = action_detail(action)
    return {
        **_action_out(plan, row, detail["reductions"], detail),
        "action_type": action.action_type, "description": action.description,
        "lever": ({"slug": action.lever.slug, "name": action.lever.name}
                  if action.lever else None),
        "outcome": action.outcome, "responsible_body": action.responsible_body,
        "stakeholders": action.stakeholders, "scale": action.scale,
        "energy_generated_mwh": action.energy_generated_mwh,
        "energy_substituted": action.energy_substituted, "sinks_tco2e": action.sinks_tco2e,
        "source": action.source,
        "status_overridden": row["status_overridden"],
        "override_reason": row["override_reason"],
        "milestones": [{"name": m.name, "due": m.due, "done": m.done}
                       for m in detail["milestones"]],
        "overdue": row["overdue"],
        "indicators": [{"code": i["code"], "name": i["name"], "unit": i["unit"],
                        "status": i["status"], "latest_year": i["latest_year"],
                        "latest_value": i["latest_value"]} for i in detail["indicators"]],
        "commitments": [{"organisation": c.organisation, "partner": c.partner, "text": c.text}
                        for c in detail["commitments"]],
    }


def indicator_kind(code: str) -> str:
    """The kind of an indicator as its code names it: the letters before the number ("OI"
    in "OI 1.2"); the model keeps no kind of its own."""
    found = re.match(r"[A-Za-z]+", code.strip())
    return found.group(0).upper() if found else ""


def published_indicators(city: City, *, action: str | None = None,
                         kind: str | None = None) -> list[dict[str, Any]]:
    """The plan's indicators in code order with their baseline, targets, observations (with
    their source, not who entered them) and status; narrowed to those of one action (code)
    or one kind (``indicator_kind``) when given."""
    plan = _published_plan(city)
    indicators = (Indicator.objects.filter(plan=plan)
                  .prefetch_related("targets", "observations", "actions"))
    if action is not None:
        indicators = indicators.filter(actions__code=action)
    out = []
    for ind in indicators:
        if kind is not None and indicator_kind(ind.code) != kind.strip().upper():
            continue
        derived = _derived(plan, ind) or {}
        targets, _observed, baseline, st = _indicator_figures(ind, derived)
        entered = {o.year: o for o in ind.observations.all()}
        out.append({
            "code": ind.code, "name": ind.name, "kind": indicator_kind(ind.code),
            "unit": ind.unit, "definition": ind.definition, "calculation": ind.calculation,
            "data_source": ind.data_source, "interval": ind.interval,
            "baseline": ({"year": baseline[0], "value": baseline[1]} if baseline else None),
            "targets": [{"year": y, "value": v} for y, v in sorted(targets.items())],
            "observations": [
                {"year": y, "value": entered[y].value, "source": entered[y].source}
                if y in entered else {"year": y, "value": derived[y],
                                      "source": str(_("the published inventory"))}
                for y in sorted({*entered, *derived})],
            "actions": sorted(a.code for a in ind.actions.all()),
            "status": st.status, "latest_year": st.year, "latest_value": st.value,
            "expected": st.expected, "progress": st.progress,
        })
    return out


def published_gap(city: City) -> dict[str, Any]:
    """The emission-gap table A-2.1 of the city's plan: the figures ``zerocity plan gap
    --format json`` prints, with the plan's target and baseline years."""
    plan = _published_plan(city)
    return {"city": city.slug, "baseline_year": plan.baseline.year,
            "target_year": plan.target_year, **gap_table(plan).as_dict()}


def published_scenarios(city: City, actions: list[str] | None = None) -> dict[str, Any]:
    """The scenarios of the public scenario explorer (``explorer.json``): the baseline, the
    existing measures and the plan with ``actions`` switched on (all when None), year by
    year. NotFound names any code that is not an action of the plan."""
    plan = _published_plan(city)
    if actions is not None:
        unknown = sorted(set(actions) - set(plan_model(plan).plan_ids))
        if unknown:
            raise NotFound(ngettext("The plan of %(city)s has no action %(codes)s.",
                                    "The plan of %(city)s has no actions %(codes)s.",
                                    len(unknown))
                           % {"city": city.name, "codes": ", ".join(unknown)})
    return {"city": city.slug, **scenario_result(plan, actions)}


# -- the site's pages ---------------------------------------------------------------------------

def overview_page(plan: Plan, *, today: date) -> dict[str, Any]:
    """The plan at a glance, as its public page shows it: every action (``actions``, and by
    field of action), the A-2.1 gap table, the headline indicator (OI 0.1), the pathway charts
    and the progress so far."""
    actions = action_overview(plan, today=today)
    modelled = scenario_result(plan, None)["impacts"]
    by_field: dict[str, list[dict[str, Any]]] = {}
    for a in actions:
        a["modelled_tco2e"] = modelled.get(a["code"])
        by_field.setdefault(a["field"], []).append(a)
    figures = plan_figures(plan)
    return {"actions": actions, "by_field": by_field, "gap": gap_table(plan),
            "figures": figures.as_dict(), "path": target_path(plan.city, figures),
            "headline": next((i for i in indicator_overview(plan, codes=[HEADLINE_INDICATOR])),
                             None),
            "charts": pathway_charts(plan), "progress": progress(plan)}


def plan_action(plan: Plan, code: str) -> Action:
    """An action of the plan by its code, with its field, lever and department."""
    action = (Action.objects.select_related("plan__city", "field", "lever", "department")
              .filter(plan=plan, code=code).first())
    if action is None:
        raise NotFound(_("The plan has no action %(code)s.") % {"code": code})
    return action


def action_page(plan: Plan, code: str, *, today: date) -> dict[str, Any]:
    """An action as its public page shows it: the action, its overview row (status...) and its
    details (``action_detail``, as ``d``)."""
    action = plan_action(plan, code)
    [row] = action_overview(plan, today=today, code=code)
    steps = {s["action"]: -s["value"] for s in pathway_charts(plan)["waterfall"]
             if s["action"]}
    return {"action": action, "row": row, "d": action_detail(action),
            "modelled": {"with_others": scenario_result(plan, None)["impacts"].get(code),
                         "in_sequence": steps.get(code)}}


def indicator_years(plan: Plan) -> list[dict[str, Any]]:
    """``indicator_overview`` with, for each indicator, its targets and observations side by
    side, year by year (``years``: (year, {"target", "observed"}) in year order)."""
    rows = indicator_overview(plan)
    for i in rows:
        years = sorted({*i["targets"], *i["observations"]})
        i["years"] = [(y, {"target": i["targets"].get(y), "observed": i["observations"].get(y)})
                      for y in years]
    return rows


def explorer_page(plan: Plan, chosen: list[str] | None) -> dict[str, Any]:
    """The scenario explorer with the actions ``chosen`` switched on (all when None): the
    result (``r``), the codes switched on and every action with its field and reductions.
    Raises ValueError for a code the plan does not have."""
    result = scenario_result(plan, chosen)
    figures = plan_figures(plan)
    actions = list(plan.actions.select_related("field").prefetch_related("reductions"))
    return {"r": result, "on": set(result["actions"]), "actions": actions,
            "declared": {a.code: math.fsum(r.tco2e for r in a.reductions.all())
                         for a in actions},
            "figures": figures.as_dict(),
            "path": target_path(plan.city, figures, (result["years"], result["scenario"]))}


def pending_proposals(plan: Plan) -> int:
    """How many proposed changes wait for the climate office."""
    return ActionProposal.objects.filter(action__plan=plan,
                                         state=ProposalState.PROPOSED).count()


def dashboard_page(plan: Plan, *, today: date) -> dict[str, Any]:
    """The staff's dashboard: every action (``actions``), the gap table, the overdue
    milestones by department, the actions by freshness, the indicators off track or
    deviating, and the closed reporting periods."""
    actions = action_overview(plan, today=today)
    return {"actions": actions, "gap": gap_table(plan),
            "overdue": overdue_by_department(plan, today=today),
            "freshness": Counter(a["freshness"] for a in actions),
            "off_track": [i for i in indicator_overview(plan)
                          if i["status"] in ("off_track", "deviating")],
            "snapshots": list(plan.snapshots.all())}


def action_edit_page(plan: Plan, action: Action, *, today: date) -> dict[str, Any]:
    """What the action editor shows beside the form: the milestones, the last 10 status
    overrides, the last 20 proposals and the action's overview row."""
    return {"milestones": list(action.milestones.all()),
            "overrides": list(action.overrides.all()[:10]),
            "proposals": list(action.proposals.all()[:20]),
            "row": action_overview(plan, today=today, code=action.code)[0]}


def proposals_page(plan: Plan) -> dict[str, Any]:
    """The proposals waiting for the climate office (``open``) and the last 50 decided."""
    items = (ActionProposal.objects.filter(action__plan=plan)
             .select_related("action", "action__department"))
    return {"open": list(items.filter(state=ProposalState.PROPOSED)),
            "decided": list(items.exclude(state=ProposalState.PROPOSED)[:50])}


def plan_proposal(plan: Plan, pk: int) -> ActionProposal:
    proposal = ActionProposal.objects.filter(pk=pk, action__plan=plan).first()
    if proposal is None:
        raise NotFound(_("The plan has no proposal %(pk)s.") % {"pk": pk})
    return proposal


def indicator_entry_page(plan: Plan) -> dict[str, Any]:
    """Indicator data entry: every indicator's overview and its id by code (for the forms)."""
    return {"indicators": indicator_overview(plan),
            "ids": dict(plan.indicators.values_list("code", "pk"))}


def plan_indicator(plan: Plan, pk: int) -> Indicator:
    indicator = Indicator.objects.filter(pk=pk, plan=plan).first()
    if indicator is None:
        raise NotFound(_("The plan has no indicator %(pk)s.") % {"pk": pk})
    return indicator


def plan_snapshot(plan: Plan, period: str) -> Snapshot:
    """The frozen report of a closed reporting period."""
    snapshot = Snapshot.objects.filter(plan=plan, period=period).first()
    if snapshot is None:
        raise NotFound(_("There is no report for the period %(period)s; a report is made when "
                         "its period is closed.") % {"period": period})
    return snapshot
