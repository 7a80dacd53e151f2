"""The plan's reporting round for staff (docs/reminders.md, check 20): each unit responsible
for actions, whether it has reported and the status it gave each action; the climate office
closes the round, which is refused (a message naming the units) while a unit is missing."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zerocity.core.access import city_staff
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.plan import rounds, selectors
from zerocity.plan.access import is_climate_office, may_report_for
from zerocity.plan.models import ActionStatus
from zerocity.web.http import private


@city_staff
@require_GET
def reporting_round(request: HttpRequest, city: City) -> HttpResponse:
    plan = selectors.plan_for_city(city.slug)
    rnd = rounds.current_round(plan)
    rows = rounds.unit_rows(rnd) if rnd else []
    return private(render(request, "web/plan/manage/round.html", {
        "city": city, "plan": plan, "round": rnd, "rows": rows,
        "missing": [r.department.name for r in rows if r.report is None],
        "cutoffs": rounds.cutoffs(plan, city.calendar.today().year),
        "is_office": is_climate_office(request.user, plan),
        "mine": [r for r in rows if rnd and rnd.closed_at is None
                 and may_report_for(request.user, plan, r.department.pk)],
        "statuses": ActionStatus.choices,
        "pending": selectors.pending_proposals(plan)}))


@city_staff
@require_POST
def reporting_round_close(request: HttpRequest, city: City) -> HttpResponse:
    plan = selectors.plan_for_city(city.slug)
    if not is_climate_office(request.user, plan):
        raise Conflict(_("Only the climate office closes a reporting round."))
    closed = rounds.close_round(rounds.get_round(plan), by=request.user)
    messages.success(request, _("The reporting round of %(day)s is closed.")
                     % {"day": closed.cutoff.isoformat()})
    return redirect("plan_round", city=city.slug)


@city_staff
@require_POST
def reporting_round_report(request: HttpRequest, city: City) -> HttpResponse:
    """A unit's report: a status for each of its actions (``status-<code>``) and a note."""
    plan = selectors.plan_for_city(city.slug)
    unit = rounds.unit_named(plan, request.POST.get("unit", ""))
    if unit is None or not may_report_for(request.user, plan, unit.pk):
        raise Conflict(_("Only the unit's staff and the climate office report its status."))
    statuses = {key.removeprefix("status-"): str(request.POST.get(key, ""))
                for key in request.POST if key.startswith("status-")}
    statuses = {code: value for code, value in statuses.items() if value}
    rounds.report(rounds.get_round(plan), unit, statuses, request.POST.get("note", ""),
                  by=request.user)
    messages.success(request, _("%(unit)s has reported.") % {"unit": unit.name})
    return redirect("plan_round", city=city.slug)
