"""Reads of the bodies' records: members on a day, each item's count (eligible members and
majority once declarations recuse, check 21), the minutes as plain data and the pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from zerocity.core.errors import Conflict, NotFound
from zerocity.core.models import City
from zerocity.governance import calculations
from zerocity.governance.calculations import ItemCount, minutes_due
from zerocity.governance.models import (
    AgendaItem,
    Body,
    Decision,
    DecisionDone,
    Kind,
    Meeting,
    Member,
    MemberRole,
    Paper,
    Quorum,
    Side,
)
from zerocity.governance.storage import papers_dir
from zerocity.plan.models import Action, Commitment

Row = TypeVar("Row", bound=Model)


def _first(rows: QuerySet[Row], missing: str) -> Row:
    """The first of ``rows``, or NotFound saying ``missing``."""
    found = rows.first()
    if found is None:
        raise NotFound(missing)
    return found


def members_on(body: Body, day: date) -> list[Member]:
    """Every seat (members, deputies, secretaries) whose term covers ``day``."""
    return list(body.members.filter(Q(end__isnull=True) | Q(end__gte=day), start__lte=day)
                .select_related("deputy_for", "department"))


def _present(meeting: Meeting, seats: list[Member]) -> set[int]:
    """The voting members present: each present, or stood in for by a present deputy."""
    here = set(meeting.attendance.filter(present=True).values_list("member_id", flat=True))
    out = {m.pk for m in seats if m.votes and m.pk in here}
    out |= {m.deputy_for_id for m in seats if m.role == MemberRole.DEPUTY and m.pk in here
            and m.deputy_for_id is not None}
    return out


def item_count(item: AgendaItem) -> ItemCount:
    meeting = item.meeting
    seats = members_on(meeting.body, meeting.date)
    voting = {m.pk for m in seats if m.votes}
    recused = set(item.declarations.values_list("member_id", flat=True))
    return calculations.item_count(voting, _present(meeting, seats), recused,
                                   meeting.body.quorum)


def due_on(meeting: Meeting) -> date:
    calendar = meeting.body.city.calendar
    return minutes_due(meeting.date, meeting.body.minutes_days, calendar.working_days_after)


def decision_data(d: Decision) -> dict[str, Any]:
    owner = (d.owner_member.name if d.owner_member else
             d.owner_department.name if d.owner_department else "")
    done = DecisionDone.objects.filter(decision=d).first()
    return {"id": d.pk, "text": d.text, "item": d.item.position if d.item else None,
            "owner": owner,
            "owner_organisation": (d.owner_member.organisation if d.owner_member else
                                   d.meeting.body.city.name),
            "deadline": d.deadline.isoformat(),
            "done": done.on.isoformat() if done else None,
            "proposal": ({"id": d.proposal.pk, "action": d.proposal.action.code,
                          "state": d.proposal.state} if d.proposal else None),
            "commitment": ({"id": d.commitment.pk, "organisation": d.commitment.organisation,
                            "group": d.commitment.group} if d.commitment else None)}


def minutes(meeting: Meeting) -> dict[str, Any]:
    """The minutes as plain data: attendance, and per item its papers, declarations (each
    with its recusal), the count (eligible, majority, present), the vote and the decisions."""
    body = meeting.body
    seats = members_on(body, meeting.date)
    present = set(meeting.attendance.filter(present=True).values_list("member_id", flat=True))
    recorded = meeting.attendance.exists()
    items = []
    for item in meeting.items.prefetch_related("papers", "declarations__member"):
        count = item_count(item)
        vote = getattr(item, "vote", None) if _has_vote(item) else None
        items.append({
            "position": item.position, "title": item.title, "id": item.pk,
            "papers": [{"id": p.pk, "title": p.title, "url": p.url, "sha256": p.sha256,
                        "size": p.size}
                       for p in item.papers.all()],
            "declarations": [{"member": d.member.name, "organisation": d.member.organisation,
                              "member_id": d.member_id, "interest": d.interest,
                              "recused": True} for d in item.declarations.all()],
            "members": count.members, "recused": count.recused, "eligible": count.eligible,
            "majority": count.majority, "present": count.present, "quorate": count.quorate,
            "vote": ({"for": vote.votes_for, "against": vote.votes_against,
                      "abstain": vote.abstentions, "adopted": vote.adopted}
                     if vote else None),
        })
    decisions = (meeting.decisions.select_related(
        "owner_member", "owner_department", "item", "proposal__action", "commitment",
        "meeting__body__city"))
    return {
        "body": body.slug, "body_name": body.name, "meeting": meeting.number,
        "id": meeting.pk, "date": meeting.date.isoformat(), "place": meeting.place,
        "quorum_rule": body.quorum, "minutes_due": due_on(meeting).isoformat(),
        "approved": meeting.minutes_approved_at is not None,
        "approved_at": (meeting.minutes_approved_at.isoformat()
                        if meeting.minutes_approved_at else None),
        "attendance": {
            "recorded": recorded,
            "present": [_seat(m) for m in seats if m.pk in present],
            "absent": [_seat(m) for m in seats if recorded and m.pk not in present
                       and m.role != MemberRole.DEPUTY],
        },
        "items": items,
        "decisions": [decision_data(d) for d in decisions],
    }


def _has_vote(item: AgendaItem) -> bool:
    try:
        item.vote  # noqa: B018 - the reverse one-to-one raises when there is none
    except AgendaItem.vote.RelatedObjectDoesNotExist:
        return False
    return True


def _seat(m: Member) -> dict[str, Any]:
    return {"id": m.pk, "name": m.name, "organisation": m.organisation, "role": m.role,
            "role_name": str(MemberRole(m.role).label), "side": m.side,
            "deputy_for": m.deputy_for.name if m.deputy_for else ""}


def body(city: City | str, slug: str) -> Body:
    return _first(Body.objects.select_related("city", "parent").filter(
        city__slug=city if isinstance(city, str) else city.slug, slug=slug),
        _("There is no such body."))


def meeting(body_obj: Body, pk: int) -> Meeting:
    return _first(Meeting.objects.select_related("body__city").filter(body=body_obj, pk=pk),
                  _("There is no such meeting."))


def bodies(city: City) -> list[Body]:
    order = {k: i for i, k in enumerate(Kind.values)}
    return sorted(Body.objects.filter(city=city), key=lambda b: (order[b.kind], b.name))


def public_member(m: Member) -> dict[str, Any]:
    """A seat as the public sees it: no e-mail, no account."""
    return {"name": m.name, "organisation": m.organisation or m.body.city.name,
            "side": m.side, "side_name": str(Side(m.side).label), "role": m.role,
            "role_name": str(MemberRole(m.role).label),
            "deputy_for": m.deputy_for.name if m.deputy_for else "",
            "start": m.start.isoformat(), "end": m.end.isoformat() if m.end else None}


def body_page(b: Body, today: date) -> dict[str, Any]:
    """A body's public page: current members, ceased members, meetings with approved minutes
    (their decisions), and the body's count (members, quorum) today."""
    seats = list(b.members.select_related("deputy_for", "body__city"))
    current = [m for m in seats if m.start <= today and (m.end is None or m.end >= today)]
    ceased = [m for m in seats if m.end is not None and m.end < today]
    voting = [m for m in current if m.votes]
    approved = list(b.meetings.exclude(minutes_approved_at=None))
    return {
        "body": b, "kind_name": str(Kind(b.kind).label),
        "quorum_name": str(Quorum(b.quorum).label),
        "members": [public_member(m) for m in current],
        "ceased": [public_member(m) for m in ceased],
        "voting": len(voting), "quorum": calculations.needed(len(voting), b.quorum),
        "meetings": [minutes(m) for m in approved],
        "groups": list(b.groups.all()),
    }


def bodies_data(city: City, today: date) -> list[dict[str, Any]]:
    """Every body of a city with its current members, public parts only (the API)."""
    out = []
    for b in bodies(city):
        page = body_page(b, today)
        out.append({"slug": b.slug, "name": b.name, "kind": b.kind, "sector": b.sector,
                    "parent": b.parent.slug if b.parent else None, "quorum_rule": b.quorum,
                    "minutes_days": b.minutes_days, "illustrative": b.illustrative,
                    "voting_members": page["voting"], "quorum": page["quorum"],
                    "members": page["members"],
                    "meetings": [{"number": m["meeting"], "date": m["date"],
                                  "decisions": m["decisions"]} for m in page["meetings"]]})
    return out


def seat(b: Body, pk: int) -> Member:
    return _first(Member.objects.filter(body=b, pk=pk),
                  _("There is no such member of this body."))


def city_meeting(city_slug: str, pk: int) -> Meeting:
    return _first(Meeting.objects.select_related("body__city").filter(
        body__city__slug=city_slug, pk=pk), _("There is no such meeting."))


def agenda_item(m: Meeting, position: int) -> AgendaItem:
    return _first(m.items.filter(position=position),
                  _("There is no such agenda item."))


def workspace(m: Meeting) -> dict[str, Any]:
    """What the keeper's page of a meeting shows: the minutes so far, each seat with whether
    it is marked present, and the city's departments (decision owners)."""
    present = set(m.attendance.filter(present=True).values_list("member_id", flat=True))
    return {"minutes": minutes(m),
            "seats": [{**_seat(s), "present": s.pk in present, "votes": s.votes}
                      for s in members_on(m.body, m.date)],
            "departments": list(m.body.city.departments.order_by("name")),
            "actions": list(Action.objects.filter(plan__city=m.body.city)
                            .order_by("code").values_list("code", "name")),
            "groups": [(k, str(label)) for k, label in Commitment.Group.choices]}


def meeting_item(m: Meeting, pk: int) -> AgendaItem:
    return _first(m.items.filter(pk=pk),
                  _("There is no such agenda item."))


def department(city: City, pk: int) -> Any:
    return _first(city.departments.filter(pk=pk),
                  _("There is no such department."))


def draft_meetings(b: Body) -> list[Meeting]:
    return list(b.meetings.filter(minutes_approved_at=None))


def plan_action(city: City, code: str) -> Action:
    """The action a decision names (a refusal a person can correct, not a missing page)."""
    found = Action.objects.filter(plan__city=city, code=code).select_related("plan").first()
    if found is None:
        raise Conflict(_("The plan has no action %(code)s.") % {"code": code})
    return found


def paper(b: Body, pk: int) -> tuple[Paper, Meeting]:
    """An uploaded paper of one of the body's meetings, with its meeting."""
    found = (Paper.objects.select_related("item__meeting__body__city")
             .filter(item__meeting__body=b, pk=pk).exclude(sha256="").first())
    if found is None:
        raise NotFound(_("There is no such paper."))
    return found, found.item.meeting


def paper_path(p: Paper) -> Path:
    """Where the paper's file is kept: once, by its SHA-256."""
    return papers_dir() / p.sha256


def open_decisions(b: Body) -> list[dict[str, Any]]:
    """The body's decisions not yet done, earliest deadline first (its keepers mark them
    done)."""
    rows = (Decision.objects.filter(meeting__body=b, done__isnull=True)
            .select_related("owner_member", "owner_department", "item", "meeting__body__city",
                            "proposal__action", "commitment")
            .order_by("deadline", "pk"))
    return [decision_data(d) for d in rows]


def body_decision(b: Body, pk: int) -> Decision:
    return _first(Decision.objects.filter(meeting__body=b, pk=pk),
                  _("There is no such decision."))


def city_decision(city_slug: str, pk: int) -> Decision:
    return _first(Decision.objects.select_related("meeting__body__city").filter(
        meeting__body__city__slug=city_slug, pk=pk), _("There is no such decision."))


def department_named(city: City, slug: str) -> Any:
    return _first(city.departments.filter(slug=slug),
                  _("There is no department %(slug)s.") % {"slug": slug})
