"""Reporting rounds, Oslo-style (research §1.3, acceptance check 20; docs/reminders.md).

A plan has cut-off days in each year (Oslo's: 30 April, 31 August, 31 December; each city its
own). The climate office opens the round of a cut-off; each unit responsible for actions (a
department named on one or more of the plan's actions) reports a status for every one of its
actions; the round closes only when every unit has reported, and a refusal names the units
still missing. The reminder digest tells each missing unit's members before the cut-off and
after it (``plan.reminders``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict, NotFound
from zerocity.core.models import Department
from zerocity.plan.models import Action, ActionStatus, Plan, ReportingRound, UnitReport

CUTOFF = re.compile(r"^(\d\d)-(\d\d)$")


def cutoffs(plan: Plan, year: int) -> list[date]:
    """The plan's cut-off days in ``year``, in order."""
    found = []
    for text in plan.reporting_cutoffs or []:
        match = CUTOFF.match(str(text))
        if match:
            found.append(date(year, int(match[1]), int(match[2])))
    return sorted(found)


def _parse_cutoffs(days: list[str]) -> list[str]:
    parsed = []
    for text in days:
        match = CUTOFF.match(text.strip())
        try:
            day = date(2001, int(match[1]), int(match[2])) if match else None
        except ValueError:
            day = None
        if day is None:
            raise Conflict(_("%(day)s is not a day of the year as MM-DD (e.g. 04-30).")
                           % {"day": text})
        parsed.append(day.strftime("%m-%d"))
    if not parsed:
        raise Conflict(_("Name at least one cut-off day."))
    return sorted(set(parsed))


@transaction.atomic
def set_cutoffs(plan: Plan, days: list[str], *, by: Person | None = None,
                actor: str = "") -> Plan:
    """The city's own cut-off days (MM-DD), e.g. ["04-30", "08-31", "12-31"]."""
    plan.reporting_cutoffs = _parse_cutoffs(days)
    plan.save(update_fields=["reporting_cutoffs"])
    audit.record("plan.reporting_cutoffs", city=plan.city, user=by, actor=actor, obj=plan,
                 cutoffs=plan.reporting_cutoffs)
    return plan


def next_cutoff(plan: Plan, today: date) -> date:
    """The first cut-off day on or after ``today``."""
    for year in (today.year, today.year + 1):
        for day in cutoffs(plan, year):
            if day >= today:
                return day
    raise Conflict(_("The plan has no reporting cut-off days."))


def units(plan: Plan) -> list[Department]:
    """The units responsible for actions of the plan, by name."""
    return list(Department.objects.filter(actions__plan=plan).distinct().order_by("name"))


def unit_named(plan: Plan, slug: str) -> Department | None:
    """The city's department of that slug, if any."""
    return Department.objects.filter(city_id=plan.city_id, slug=slug[:50]).first()


def open_round(plan: Plan, today: date, cutoff: date | None = None, *,
               by: Person | None = None, actor: str = "") -> ReportingRound:
    """Open the round of ``cutoff`` (default: the next cut-off day). Opening the round that
    is open again changes nothing; another open round is refused."""
    cutoff = cutoff or next_cutoff(plan, today)
    if cutoff not in cutoffs(plan, cutoff.year):
        raise Conflict(_("%(day)s is not one of the plan's cut-off days (%(days)s).") % {
            "day": cutoff.isoformat(), "days": ", ".join(plan.reporting_cutoffs)})
    with transaction.atomic():
        Plan.objects.select_for_update().filter(pk=plan.pk).first()
        found = ReportingRound.objects.filter(plan=plan, cutoff=cutoff).first()
        if found is not None:
            if found.closed_at is not None:
                raise Conflict(_("The round of %(day)s is closed already.")
                               % {"day": cutoff.isoformat()})
            return found
        other = plan.rounds.filter(closed_at__isnull=True).first()
        if other is not None:
            raise Conflict(_("The round of %(day)s is still open: close it first.")
                           % {"day": other.cutoff.isoformat()})
        created = ReportingRound.objects.create(plan=plan, cutoff=cutoff,
                                                opened_by=actor or audit.actor_label(by))
        audit.record("plan.round_opened", city=plan.city, user=by, actor=actor, obj=created,
                     cutoff=cutoff.isoformat())
        return created


def current_round(plan: Plan) -> ReportingRound | None:
    """The open round, else the latest; None before the first."""
    return (plan.rounds.filter(closed_at__isnull=True).first() or plan.rounds.first())


def get_round(plan: Plan, cutoff: date | None = None) -> ReportingRound:
    """The round of ``cutoff``; without one, the open round, else the latest."""
    found = (plan.rounds.filter(cutoff=cutoff).first() if cutoff else current_round(plan))
    if found is None:
        raise NotFound(_("No reporting round is open.") if cutoff is None else
                       _("No reporting round has the cut-off %(day)s.")
                       % {"day": cutoff.isoformat()})
    return found


def _unit_actions(plan: Plan, department: Department) -> list[Action]:
    return list(plan.actions.filter(department=department).order_by("code"))


@transaction.atomic
def report(rnd: ReportingRound, department: Department, statuses: dict[str, str],
           note: str = "", *, by: Person | None = None, actor: str = "") -> UnitReport:
    """A unit's report: a status for each of its actions (sending it again replaces it)."""
    rnd = ReportingRound.objects.select_for_update().select_related("plan__city").get(
        pk=rnd.pk)
    if rnd.closed_at is not None:
        raise Conflict(_("The round of %(day)s is closed.") % {"day": rnd.cutoff.isoformat()})
    actions = {a.code for a in _unit_actions(rnd.plan, department)}
    if not actions:
        raise Conflict(_("%(unit)s is responsible for no action of the plan.")
                       % {"unit": department.name})
    if other := sorted(set(statuses) - actions):
        raise Conflict(_("%(unit)s is not responsible for %(codes)s.") % {
            "unit": department.name, "codes": ", ".join(other)})
    if missing := sorted(actions - set(statuses)):
        raise Conflict(_("Give a status for each action of %(unit)s; missing: %(codes)s.") % {
            "unit": department.name, "codes": ", ".join(missing)})
    if wrong := sorted(c for c, s in statuses.items() if s not in ActionStatus.values):
        raise Conflict(_("Unknown status for %(codes)s (one of %(values)s).") % {
            "codes": ", ".join(wrong), "values": ", ".join(ActionStatus.values)})
    done, _created = UnitReport.objects.update_or_create(
        round=rnd, department=department,
        defaults={"statuses": dict(sorted(statuses.items())), "note": note,
                  "by_label": actor or audit.actor_label(by)})
    audit.record("plan.round_report", city=rnd.plan.city, user=by, actor=actor, obj=done,
                 cutoff=rnd.cutoff.isoformat(), unit=department.slug, statuses=done.statuses)
    return done


def missing_units(rnd: ReportingRound) -> list[Department]:
    reported = set(rnd.reports.values_list("department_id", flat=True))
    return [u for u in units(rnd.plan) if u.pk not in reported]


@transaction.atomic
def close_round(rnd: ReportingRound, *, by: Person | None = None,
                actor: str = "") -> ReportingRound:
    """Close the round; refused while a unit's status is missing, naming every such unit."""
    rnd = ReportingRound.objects.select_for_update().get(pk=rnd.pk)
    if rnd.closed_at is not None:
        return rnd
    if missing := missing_units(rnd):
        raise Conflict(_("The round cannot close: no status yet from %(units)s.")
                       % {"units": ", ".join(u.name for u in missing)})
    rnd.closed_at = timezone.now()
    rnd.closed_by = actor or audit.actor_label(by)
    rnd.save(update_fields=["closed_at", "closed_by"])
    audit.record("plan.round_closed", city=rnd.plan.city, user=by, actor=actor, obj=rnd,
                 cutoff=rnd.cutoff.isoformat())
    return rnd


@dataclass(frozen=True)
class UnitRow:
    department: Department
    report: UnitReport | None
    actions: list[tuple[Action, str]]  # each action and its reported status ("" missing)


def unit_rows(rnd: ReportingRound) -> list[UnitRow]:
    """Each responsible unit with its report (None while missing)."""
    reports = {r.department_id: r for r in rnd.reports.all()}
    rows = []
    for unit in units(rnd.plan):
        found = reports.get(unit.pk)
        statuses: dict[str, Any] = found.statuses if found else {}
        rows.append(UnitRow(unit, found, [(a, statuses.get(a.code, ""))
                                          for a in _unit_actions(rnd.plan, unit)]))
    return rows


def summary(rnd: ReportingRound) -> dict[str, Any]:
    """The round as the command line prints it."""
    return {"cutoff": rnd.cutoff.isoformat(), "open": rnd.closed_at is None,
            "units": [{"unit": row.department.slug, "name": row.department.name,
                       "reported": row.report is not None,
                       "by": row.report.by_label if row.report else "",
                       "statuses": {a.code: s for a, s in row.actions}}
                      for row in unit_rows(rnd)],
            "missing": [u.slug for u in missing_units(rnd)]}
