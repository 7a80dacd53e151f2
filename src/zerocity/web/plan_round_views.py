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
from zerocity.plan.access import is_climate_office
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
