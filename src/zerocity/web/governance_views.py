"""The Green Transition Group's pages (docs/governance.md). Public: the city's bodies, each
body's members (organisation and role), its meetings with approved minutes and decisions,
and for a sector working group its sectors' emissions, ceiling margin and actions' status.
Keepers (city staff who are the body's secretary, chair or co-chair, and city
administrators): a meeting's workspace, to set the agenda, attendance, declarations of
interest, votes and decisions, and to approve the minutes; the services refuse what the
procedure does not allow, and a refusal is a message on the page."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zerocity.core.access import city_staff, public
from zerocity.core.errors import Conflict, NotFound
from zerocity.core.models import City
from zerocity.governance import selectors, services
from zerocity.governance.access import may_keep
from zerocity.governance.models import Body, Meeting
from zerocity.governance.sectors import sector_panel
from zerocity.web.http import private
from zerocity.web.page_cache import shared_page


def _number(text: str | None, what: str) -> int:
    """A count or an id typed in a form: ASCII digits only, nine at most."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise Conflict(_("%(what)s: enter a whole number.") % {"what": what})
    return int(text)


def _day(text: str | None) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise Conflict(_("Enter the date as YYYY-MM-DD.")) from None


def _kept(request: HttpRequest, city: City, body: str) -> Body:
    """The body, when the person keeps its records; 404 for anyone else."""
    found = selectors.body(city, body)
    if not may_keep(request.user, found):
        raise NotFound(_("There is no such body."))
    return found


def _kept_meeting(request: HttpRequest, city: City, body: str, pk: int) -> Meeting:
    return selectors.meeting(_kept(request, city, body), pk)


@public
@shared_page
@require_GET
def bodies(request: HttpRequest, city: str) -> HttpResponse:
    city_obj = get_object_or_404(City, slug=city)
    return render(request, "web/governance/index.html", {
        "city": city_obj, "bodies": selectors.bodies(city_obj)})


@public
@shared_page
@require_GET
def body(request: HttpRequest, city: str, body: str) -> HttpResponse:
    city_obj = get_object_or_404(City, slug=city)
    found = selectors.body(city_obj, body)
    today = city_obj.calendar.today()
    return render(request, "web/governance/body.html", {
        "city": city_obj, "page": selectors.body_page(found, today),
        "panel": sector_panel(found, today), "keeper": may_keep(request.user, found),
        "drafts": selectors.draft_meetings(found) if may_keep(request.user, found) else [],
        "open_decisions": (selectors.open_decisions(found) if may_keep(request.user, found)
                           else []),
        "today": today.isoformat()})


@public
@shared_page
@require_GET
def meeting(request: HttpRequest, city: str, body: str, pk: int) -> HttpResponse:
    city_obj = get_object_or_404(City, slug=city)
    found = selectors.meeting(selectors.body(city_obj, body), pk)
    if found.minutes_approved_at is None:
        raise NotFound(_("There is no such meeting."))
    return render(request, "web/governance/meeting.html", {
        "city": city_obj, "body": found.body, "minutes": selectors.minutes(found)})


@city_staff
@require_GET
def meeting_manage(request: HttpRequest, city: City, body: str, pk: int) -> HttpResponse:
    found = _kept_meeting(request, city, body, pk)
    return private(render(request, "web/governance/manage.html", {
        "city": city, "body": found.body, "meeting": found, **selectors.workspace(found)}))


def _back(m: Meeting) -> HttpResponse:
    return redirect("governance_meeting_manage", city=m.body.city.slug, body=m.body.slug,
                    pk=m.pk)


@city_staff
@require_POST
def meeting_add(request: HttpRequest, city: City, body: str) -> HttpResponse:
    found = services.add_meeting(_kept(request, city, body), _day(request.POST.get("date")),
                                 place=request.POST.get("place", "")[:200], by=request.user)
    messages.success(request, _("Meeting %(n)s added.") % {"n": found.number})
    return _back(found)


@city_staff
@require_POST
def item_add(request: HttpRequest, city: City, body: str, pk: int) -> HttpResponse:
    found = _kept_meeting(request, city, body, pk)
    link = request.POST.get("paper_url", "").strip()
    files = [(f.name or "paper", f.read()) for f in request.FILES.getlist("paper_file")]
    services.add_item(found, request.POST.get("title", ""),
                      links=[(request.POST.get("paper_title", ""), link)] if link else [],
                      files=files, by=request.user)
    messages.success(request, _("Agenda item added."))
    return _back(found)


@city_staff
@require_POST
def attendance(request: HttpRequest, city: City, body: str, pk: int) -> HttpResponse:
    found = _kept_meeting(request, city, body, pk)
    present = {_number(v, _("Member")) for v in request.POST.getlist("present")}
    services.record_attendance(found, present, by=request.user)
    messages.success(request, _("Attendance recorded."))
    return _back(found)


@city_staff
@require_POST
def declare(request: HttpRequest, city: City, body: str, pk: int) -> HttpResponse:
    found = _kept_meeting(request, city, body, pk)
    item = selectors.meeting_item(found, _number(request.POST.get("item"), _("Item")))
    member = selectors.seat(found.body, _number(request.POST.get("member"), _("Member")))
    services.declare_interest(item, member, request.POST.get("interest", ""), by=request.user)
    count = selectors.item_count(item)
    messages.success(request, _("%(name)s declared an interest and is recused from item "
                                "%(item)s: %(eligible)s eligible, majority %(majority)s.") % {
        "name": member.name, "item": item.position, "eligible": count.eligible,
        "majority": count.majority})
    return _back(found)


@city_staff
@require_POST
def vote(request: HttpRequest, city: City, body: str, pk: int) -> HttpResponse:
    found = _kept_meeting(request, city, body, pk)
    item = selectors.meeting_item(found, _number(request.POST.get("item"), _("Item")))
    services.record_vote(item, _number(request.POST.get("for"), _("For")),
                         _number(request.POST.get("against"), _("Against")),
                         _number(request.POST.get("abstain"), _("Abstained")), by=request.user)
    messages.success(request, _("Vote recorded."))
    return _back(found)


def _owner(request: HttpRequest, m: Meeting) -> dict[str, Any]:
    owner = request.POST.get("owner", "")
    kind, _sep, pk = owner.partition(":")
    if kind == "m":
        return {"owner_member": selectors.seat(m.body, _number(pk, _("Owner")))}
    if kind == "d":
        return {"owner_department": selectors.department(m.body.city, _number(pk, _("Owner")))}
    return {}


# what a decision may propose to change in a plan action, from the meeting's page
PROPOSABLE = ("start_year", "end_year", "total_cost_eur")


def _opens(request: HttpRequest, m: Meeting) -> dict[str, Any]:
    """A change proposal on a plan action, or a commitment, that the decision opens."""
    code = request.POST.get("action", "").strip()
    field = request.POST.get("field", "")
    organisation = request.POST.get("organisation", "").strip()
    if code:
        if field not in PROPOSABLE:
            raise Conflict(_("Choose what the proposal changes."))
        return {"action": selectors.plan_action(m.body.city, code[:20]),
                "changes": {field: request.POST.get("value", "").strip()}}
    if organisation:
        return {"commitment": {"organisation": organisation[:200],
                               "text": request.POST.get("commitment", ""),
                               "group": m.body.sector or request.POST.get("group", "")}}
    return {}


@city_staff
@require_POST
def decision_add(request: HttpRequest, city: City, body: str, pk: int) -> HttpResponse:
    found = _kept_meeting(request, city, body, pk)
    item_pk = request.POST.get("item", "")
    item = selectors.meeting_item(found, _number(item_pk, _("Item"))) if item_pk else None
    deadline = request.POST.get("deadline", "")
    services.add_decision(found, request.POST.get("text", ""),
                          deadline=_day(deadline) if deadline else None, item=item,
                          by=request.user, **_owner(request, found), **_opens(request, found))
    messages.success(request, _("Decision recorded."))
    return _back(found)


@city_staff
@require_POST
def minutes_approve(request: HttpRequest, city: City, body: str, pk: int) -> HttpResponse:
    found = services.approve_minutes(_kept_meeting(request, city, body, pk), by=request.user)
    messages.success(request, _("Minutes approved: they are published and no longer change."))
    return redirect("governance_meeting", city=city.slug, body=found.body.slug, pk=found.pk)


@city_staff
@require_POST
def decision_done(request: HttpRequest, city: City, body: str, pk: int) -> HttpResponse:
    """A keeper marks a decision carried out, on a day (today when none is given); the
    minutes stay as approved and the decision's reminders stop."""
    found = _kept(request, city, body)
    decision = selectors.body_decision(found, pk)
    day = request.POST.get("on", "")
    services.mark_done(decision, _day(day) if day else city.calendar.today(), by=request.user)
    messages.success(request, _("Decision marked done."))
    return redirect("governance_body", city=city.slug, body=found.slug)


@public
@require_GET
def paper(request: HttpRequest, city: str, body: str, pk: int) -> FileResponse:
    """An uploaded paper: public once its meeting's minutes are approved, before that for the
    body's keepers only."""
    city_obj = get_object_or_404(City, slug=city)
    found, meeting = selectors.paper(selectors.body(city_obj, body), pk)
    if meeting.minutes_approved_at is None and not may_keep(request.user, meeting.body):
        raise NotFound(_("There is no such paper."))
    path = selectors.paper_path(found)
    if not path.exists():
        raise NotFound(_("There is no such paper."))
    response = FileResponse(path.open("rb"), as_attachment=True, filename=found.title)
    return response if meeting.minutes_approved_at else private(response)
