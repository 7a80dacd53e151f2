"""Frequency setting for a city: its timetable in force on a service date, the peak loads given,
solved (``frequency``) and re-checked independently (``frequency_check``). A read: nothing is
written; the plan's ``edits()`` are what a scenario stores (docs/mobility-frequency.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from zerocity.core.actors import Person
from zerocity.core.errors import Conflict, NotFound
from zerocity.core.models import City
from zerocity.core.results import Done
from zerocity.mobility import frequency_check, store
from zerocity.mobility.frequency import (
    DEFAULT_HEADWAYS,
    Costs,
    FrequencyPlan,
    make_instance,
    optimise,
)
from zerocity.mobility.frequency_check import Verdict
from zerocity.mobility.frequency_feed import LAYOVER_S, lines_from_tables
from zerocity.mobility.models import FeedVersion, ScenarioVersion
from zerocity.mobility.periods import DEFAULT_PERIODS, Period
from zerocity.mobility.selectors import version_in_force


@dataclass(frozen=True)
class Optimised:
    city: City
    day: date
    version: FeedVersion
    plan: FrequencyPlan
    check: Verdict


def optimise_frequencies(city: City, day: date, loads: Mapping[str, Mapping[str, object]], *,
                         fleet: int | None = None, max_headway: float | None = None,
                         headways: Sequence[float] = DEFAULT_HEADWAYS,
                         periods: Sequence[Period] = DEFAULT_PERIODS,
                         capacity: int = 80, margin: float = 0.9, costs: Costs | None = None,
                         layover_s: int = LAYOVER_S) -> Optimised:
    """The cheapest headways for the lines of the city's timetable on ``day`` (see
    ``frequency.optimise``); ``fleet`` None: the buses today's timetable uses at its peak."""
    version = version_in_force(city, day)
    if version is None or not version.start_date <= day <= version.end_date:
        raise NotFound(f"{city.slug} has no timetable for {day.isoformat()}")
    lines = lines_from_tables(store.read_tables(version.path), day, periods,
                              layover_s=layover_s)
    if not lines:
        raise NotFound(f"{city.slug}'s timetable has no trips on {day.isoformat()}")
    instance = make_instance(lines, loads, periods=periods, fleet=fleet, headways=headways,
                             max_headway=max_headway, capacity=capacity, margin=margin,
                             costs=costs)
    plan = optimise(instance)
    return Optimised(city, day, version, plan, frequency_check.check_plan(plan))


def save_as_scenario(done: Optimised, *, name: str, by: Person | None = None,
                     actor: str = "") -> Done[ScenarioVersion]:
    """The plan's changes saved in one step as a scenario on the timetable it was computed
    from (its ``adjust_headway`` edits), to compare, publish or attach to a plan action like
    any other. A plan the independent check refused, or one that changes nothing, is not
    saved; the same plan saved again under the same name is the version saved before."""
    from zerocity.mobility.scenarios.services import create_scenario

    if not done.check.ok:
        raise Conflict(_("The optimiser's answer failed its independent check (%(problems)s): "
                         "it is not saved as a scenario.")
                       % {"problems": "; ".join(done.check.problems)})
    edits = done.plan.edits()
    if not edits:
        raise Conflict(_("The optimiser keeps today's headways on %(day)s: there is no change "
                         "to save as a scenario.") % {"day": done.day.isoformat()})
    costs = done.plan.instance.costs
    note = (f"Frequency MILP for {done.day.isoformat()} on feed #{done.version.pk}: "
            f"EUR {done.plan.current.total_eur} -> {done.plan.split.total_eur} a day "
            f"(EUR {costs.eur_per_bus_hour}/bus-h, {costs.eur_per_bus_km}/bus-km, "
            f"{costs.value_of_time_eur_per_hour}/h waiting)")
    return create_scenario(done.city, name=name, edits=edits, base=done.version,
                           description=note, by=by, actor=actor)


def saved_json(saved: Done[ScenarioVersion]) -> dict[str, Any]:
    v = saved.value
    return {"id": v.scenario.pk, "name": v.scenario.name, "version": v.number,
            "replayed": saved.replayed}


def to_json(done: Optimised) -> dict[str, Any]:
    v = done.version
    return {"city": done.city.slug, "date": done.day.isoformat(),
            "feed": {"version": v.pk, "name": v.name, "sha256": v.sha256},
            **done.plan.to_json(), "check": done.check.to_json()}


def _min(x: float | None) -> str:
    return "-" if x is None else f"{x:g}" if x == int(x) else f"{x:.1f}"


def to_text(done: Optimised) -> list[str]:
    plan, v = done.plan, done.version
    out = [f"{done.city.name}, {done.day.isoformat()}, feed #{v.pk} {v.name}: headways in "
           "minutes, today -> plan (buses, peak load riders/h)"]
    periods = [p.name for p in plan.instance.periods]
    out.append("line\t" + "\t".join(periods))
    by_line: dict[str, dict[str, str]] = {}
    for c in plan.choices:
        by_line.setdefault(c.line_name, {})[c.period.name] = (
            f"{_min(c.current_min)}->{_min(c.headway_min)} ({c.vehicles}, {c.load:g})")
    for line, cells in by_line.items():
        out.append(f"{line}\t" + "\t".join(cells.get(p, "") for p in periods))
    fleet = plan.instance.fleet
    out.append("buses\t" + "\t".join(f"{plan.fleet.get(p, 0)}/{fleet.get(p, 0)}"
                                     for p in periods))
    for label, split in (("plan", plan.split), ("today", plan.current)):
        out.append(f"{label}: {split.bus_hours} bus-h x EUR {plan.instance.costs.eur_per_bus_hour}"
                   f" + {split.bus_km} bus-km x EUR {plan.instance.costs.eur_per_bus_km}"
                   f" + {split.waiting_hours} h waiting x EUR "
                   f"{plan.instance.costs.value_of_time_eur_per_hour} = "
                   f"EUR {split.operating_hours_eur} + {split.operating_km_eur} + "
                   f"{split.waiting_eur} = EUR {split.total_eur}")
    verdict = done.check
    out.append("independent check: " + ("passed" if verdict.ok
                                        else "FAILED: " + "; ".join(verdict.problems)))
    out.append(f"{len(plan.changes())} change(s) as scenario edits")
    return out
