"""What the bodies' people owe on a day, for the reminder digest (``core.hooks.reminders``):
minutes not yet approved (to the body's secretary: due soon until their last day, late from
the next working day on, check 22), and decisions not yet done (to their owner: due soon in
the last 30 days, late after the deadline). A member without an account, or a department
without staff, gets no reminder; the secretary sees their decisions on the body's page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from zerocity.core.hooks import Due
from zerocity.core.models import City, Membership, Role
from zerocity.governance.models import Decision, DecisionDone, Meeting, MemberRole
from zerocity.governance.selectors import due_on

SOON = timedelta(days=30)


def _url(name: str, **kwargs: object) -> str:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:  # the site is not mounted (a command line without it)
        return ""


def _secretaries(meeting: Meeting) -> list[int]:
    return sorted({uid for uid in meeting.body.members.filter(
        role=MemberRole.SECRETARY, end=None).exclude(user=None).values_list("user_id",
                                                                            flat=True)})


def _minutes(city: City, today: date) -> Iterator[Due]:
    for meeting in (Meeting.objects.filter(body__city=city, minutes_approved_at=None,
                                           date__lte=today).select_related("body__city")):
        due = due_on(meeting)
        kind = "late" if today > due else "due_soon"
        text = (_("Minutes of %(body)s, meeting %(n)s of %(day)s, were due on %(due)s.")
                if kind == "late" else
                _("Minutes of %(body)s, meeting %(n)s of %(day)s, are due on %(due)s.")) % {
            "body": meeting.body.name, "n": meeting.number, "day": meeting.date.isoformat(),
            "due": due.isoformat()}
        url = _url("governance_meeting_manage", city=city.slug, body=meeting.body.slug,
                   pk=meeting.pk)
        for uid in _secretaries(meeting):
            yield Due(key=f"governance.minutes:{meeting.pk}", recipient=uid, kind=kind,
                      due=due, text=text, url=url)


def _owners(d: Decision) -> list[int]:
    if d.owner_member is not None:
        return [d.owner_member.user_id] if d.owner_member.user_id else []
    return sorted(Membership.objects.filter(
        city_id=d.meeting.body.city_id, role=Role.STAFF,
        department=d.owner_department).values_list("user_id", flat=True))


def _decisions(city: City, today: date) -> Iterator[Decision]:
    done = DecisionDone.objects.values("decision_id")
    yield from (Decision.objects.filter(meeting__body__city=city, deadline__lte=today + SOON)
                .exclude(pk__in=done)
                .select_related("meeting__body", "owner_member", "owner_department"))


def due_items(city: City, today: date) -> Iterator[Due]:
    yield from _minutes(city, today)
    for d in _decisions(city, today):
        kind = "late" if today > d.deadline else "due_soon"
        text = _("Decision of %(body)s (meeting %(n)s): %(text)s. Deadline %(due)s.") % {
            "body": d.meeting.body.name, "n": d.meeting.number, "text": d.text[:120],
            "due": d.deadline.isoformat()}
        url = _url("governance_body", city=city.slug, body=d.meeting.body.slug)
        for uid in _owners(d):
            yield Due(key=f"governance.decision:{d.pk}", recipient=uid, kind=kind,
                      due=d.deadline, text=text, url=url)
