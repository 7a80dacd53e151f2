"""What the plan asks of people on a day, for the reminder digest (``core.hooks.reminders``;
the digest decides when to mail, docs/reminders.md):

- a milestone not done: due soon, then late (``plan.milestone:<id>``);
- an action nobody reported on for more than 90 days (``monitoring.FRESH_DAYS``): not updated
  (``plan.action:<id>``);
- an indicator without last year's value after 30 June: late, and due soon before
  (``plan.indicator:<id>:<year>``);
- a unit that has not reported in an open reporting round: due soon before the cut-off and
  late after it (``plan.round:<id>:<department id>``).

Who is reminded of an action: its responsible person when that names a member of the city
(their username, e-mail or full name), else the staff of its department, else the climate
office's staff. An indicator goes to the people of its actions, else to the climate office.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from zerocity.core.hooks import Due
from zerocity.core.models import City, Membership, Role
from zerocity.plan import monitoring, rounds
from zerocity.plan.models import Action, Plan

INDICATOR_DUE = (6, 30)  # last year's value is due by 30 June


class People:
    """The city's staff and administrators, read once per call."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        rows = (Membership.objects.filter(city=plan.city, role__in=[Role.STAFF, Role.ADMIN])
                .select_related("user"))
        self.by_department: dict[int, list[int]] = {}
        self.by_name: dict[str, int] = {}
        for m in rows:
            if m.department_id is not None and m.role == Role.STAFF:
                self.by_department.setdefault(m.department_id, []).append(m.user_id)
            u = m.user
            for name in (u.username, u.email, u.get_full_name()):
                if name:
                    self.by_name.setdefault(name.strip().casefold(), u.pk)

    def office(self) -> list[int]:
        return sorted(self.by_department.get(self.plan.office_id or 0, []))

    def unit(self, department_id: int | None) -> list[int]:
        return sorted(self.by_department.get(department_id or 0, []))

    def of_action(self, action: Action) -> list[int]:
        named = self.by_name.get(action.responsible_person.strip().casefold())
        if action.responsible_person.strip() and named is not None:
            return [named]
        return self.unit(action.department_id) or self.office()


def _day(day: date) -> str:
    return date_format(day, "DATE_FORMAT")


def _milestones(plan: Plan, people: People, today: date) -> Iterator[Due]:
    for action in plan.actions.prefetch_related("milestones"):
        to = people.of_action(action)
        url = f"/{plan.city.slug}/plan/manage/actions/{action.code}/"
        for m in action.milestones.all():
            if m.done is not None:
                continue
            kind = "late" if m.due < today else "due_soon"
            text = (_("Action %(code)s: the milestone “%(name)s” was due on %(day)s.")
                    if kind == "late" else
                    _("Action %(code)s: the milestone “%(name)s” is due on %(day)s.")) % {
                "code": action.code, "name": m.name, "day": _day(m.due)}
            for user in to:
                yield Due(f"plan.milestone:{m.pk}", user, kind, m.due, text, url)


def _not_updated(plan: Plan, people: People, today: date) -> Iterator[Due]:
    now = datetime.combine(today, time(12), tzinfo=UTC)
    since = plan.created_at
    for action in plan.actions.all():
        last = action.last_update_at
        _days, fresh = monitoring.freshness(last, now)
        if fresh == "fresh" or (last is None and (now - since).days <= monitoring.FRESH_DAYS):
            continue
        day = plan.city.calendar.local_date(last or since)
        text = (_("Action %(code)s: no report on its progress since %(day)s.") % {
            "code": action.code, "day": _day(day)} if last is not None else
            _("Action %(code)s: nobody has reported on its progress yet.")
            % {"code": action.code})
        for user in people.of_action(action):
            yield Due(f"plan.action:{action.pk}", user, "not_updated", day, text,
                      f"/{plan.city.slug}/plan/manage/actions/{action.code}/")


def _indicators(plan: Plan, people: People, today: date) -> Iterator[Due]:
    due = date(today.year, *INDICATOR_DUE)
    if (due - today).days > 30:
        return
    year = today.year - 1
    for ind in plan.indicators.prefetch_related("actions", "observations"):
        if any(o.year >= year for o in ind.observations.all()):
            continue
        to = sorted({u for a in ind.actions.all() for u in people.of_action(a)}) or \
            people.office()
        kind = "late" if due < today else "due_soon"
        text = _("Indicator %(code)s “%(name)s”: the value of %(year)s is due by %(day)s.") % {
            "code": ind.code, "name": ind.name, "year": year, "day": _day(due)}
        for user in to:
            yield Due(f"plan.indicator:{ind.pk}:{year}", user, kind, due, text,
                      f"/{plan.city.slug}/plan/manage/indicators/")


def _rounds(plan: Plan, people: People, today: date) -> Iterator[Due]:
    for rnd in plan.rounds.filter(closed_at__isnull=True):
        kind = "late" if rnd.cutoff < today else "due_soon"
        for unit in rounds.missing_units(rnd):
            text = _("Reporting round of %(day)s: %(unit)s has not reported its actions' "
                     "status yet.") % {"day": _day(rnd.cutoff), "unit": unit.name}
            for user in people.unit(unit.pk):
                yield Due(f"plan.round:{rnd.pk}:{unit.pk}", user, kind, rnd.cutoff, text,
                          f"/{plan.city.slug}/plan/manage/rounds/")


def due(city: City, today: date) -> list[Due]:
    """What the city's plan asks of its people on ``today``."""
    plan = Plan.objects.filter(city=city).select_related("city").first()
    if plan is None:
        return []
    people = People(plan)
    return [*_milestones(plan, people, today), *_not_updated(plan, people, today),
            *_indicators(plan, people, today), *_rounds(plan, people, today)]
