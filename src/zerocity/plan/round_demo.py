"""The Kranj demo's reporting round (docs/reminders.md): the round of the next cut-off day
open, the first responsible unit's report in (each action's status as the plan computes it),
the others still owed, so the staff page and the reminder digest have something to show.
Illustrative: no department of Kranj reported this."""

from __future__ import annotations

from zerocity.core.models import City
from zerocity.plan import monitoring, rounds
from zerocity.plan.models import Plan


def load(city: City, *, actor: str) -> str:
    plan = Plan.objects.filter(city=city).first()
    if plan is None:
        return "reporting round: no plan"
    today = city.calendar.today()
    rnd = (plan.rounds.filter(closed_at__isnull=True).first()
           or rounds.open_round(plan, today, actor=actor))
    units = rounds.units(plan)
    if units and not rnd.reports.exists():
        first = units[0]
        statuses = {a.code: monitoring.action_status(
            [monitoring.MilestoneData(m.name, m.due, m.done) for m in a.milestones.all()],
            today=today, start_year=a.start_year)
            for a in plan.actions.filter(department=first).prefetch_related("milestones")}
        rounds.report(rnd, first, statuses, "Illustrative report of the demo.", actor=actor)
    missing = len(rounds.missing_units(rnd))
    return (f"reporting round of {rnd.cutoff.isoformat()}: {len(units) - missing} of "
            f"{len(units)} units reported (illustrative)")
