"""The only write path of the bodies' records. Each service is one transaction with its audit
record; a meeting whose minutes are approved refuses every change (``_open``)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict
from zerocity.core.models import City, Department
from zerocity.governance.calculations import carried
from zerocity.governance.models import (
    AgendaItem,
    Attendance,
    Body,
    Decision,
    DecisionDone,
    Declaration,
    Kind,
    Meeting,
    Member,
    MemberRole,
    Paper,
    Quorum,
    Side,
    Vote,
)
from zerocity.governance.selectors import item_count, members_on
from zerocity.governance.storage import papers_dir
from zerocity.plan.models import Action, Commitment


def _who(by: Person | None, actor: str) -> str:
    return actor or audit.actor_label(by)


def _open(meeting: Meeting) -> Meeting:
    """The meeting, locked, while its minutes are not approved."""
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if locked.minutes_approved_at is not None:
        raise Conflict(_("The minutes of this meeting are approved; nothing of it can change."))
    return locked


@transaction.atomic
def add_body(city: City, slug: str, name: str, kind: str, *, sector: str = "",
             parent: Body | None = None, quorum: str = Quorum.MAJORITY,
             minutes_days: int = 15, description: str = "", illustrative: bool = False,
             by: Person | None = None, actor: str = "") -> Body:
    """A body of the city; one that exists already (by its slug) is returned unchanged."""
    if kind not in Kind.values or quorum not in Quorum.values:
        raise Conflict(_("Unknown kind of body or quorum rule."))
    if kind == Kind.WORKING_GROUP and not sector:
        raise Conflict(_("A working group needs a sector."))
    if minutes_days < 1:
        raise Conflict(_("Minutes are due at least one working day after a meeting."))
    found = Body.objects.filter(city=city, slug=slug).first()
    if found is not None:
        return found
    body = Body.objects.create(city=city, slug=slug, name=name, kind=kind, sector=sector,
                               parent=parent, quorum=quorum, minutes_days=minutes_days,
                               description=description, illustrative=illustrative)
    audit.record("governance.body_add", city=city, user=by, actor=actor, obj=body,
                 slug=slug, kind=kind)
    return body


@transaction.atomic
def add_member(body: Body, name: str, side: str, *, start: date, role: str = MemberRole.MEMBER,
               organisation: str = "", department: Department | None = None,
               user: Any = None, email: str = "", deputy_for: Member | None = None,
               votes: bool = True, end: date | None = None, by: Person | None = None,
               actor: str = "") -> Member:
    """A seat for a term. The same person, organisation and start again changes nothing."""
    if side not in Side.values or role not in MemberRole.values:
        raise Conflict(_("Unknown side or role."))
    if (role == MemberRole.DEPUTY) != (deputy_for is not None):
        raise Conflict(_("A deputy stands in for one member, and only a deputy does."))
    if deputy_for is not None and deputy_for.body_id != body.pk:
        raise Conflict(_("A deputy stands in for a member of the same body."))
    if end is not None and end < start:
        raise Conflict(_("A term ends after it starts."))
    found = Member.objects.filter(body=body, name=name, organisation=organisation,
                                  start=start).first()
    if found is not None:
        return found
    member = Member.objects.create(
        body=body, name=name, side=side, organisation=organisation, department=department,
        user=user, email=email, role=role, deputy_for=deputy_for,
        votes=votes and role != MemberRole.DEPUTY, start=start, end=end)
    audit.record("governance.member_add", city=body.city, user=by, actor=actor, obj=member,
                 body=body.slug, role=role)
    return member


@transaction.atomic
def end_term(member: Member, end: date, *, by: Person | None = None, actor: str = "") -> Member:
    """A member ceases: the seat is kept with its term's end."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if end < member.start:
        raise Conflict(_("A term ends after it starts."))
    member.end = end
    member.save(update_fields=["end"])
    audit.record("governance.member_end", city=member.body.city, user=by, actor=actor,
                 obj=member, end=end.isoformat())
    return member


@transaction.atomic
def add_meeting(body: Body, day: date, *, place: str = "", by: Person | None = None,
                actor: str = "") -> Meeting:
    """The body's next meeting, numbered on from its last."""
    Body.objects.select_for_update().get(pk=body.pk)
    last = body.meetings.aggregate(n=Max("number"))["n"] or 0
    meeting = Meeting.objects.create(body=body, number=last + 1, date=day, place=place)
    audit.record("governance.meeting_add", city=body.city, user=by, actor=actor, obj=meeting,
                 day=day.isoformat())
    return meeting


@transaction.atomic
def add_item(meeting: Meeting, title: str, *, links: Sequence[tuple[str, str]] = (),
             files: Sequence[tuple[str, bytes]] = (), by: Person | None = None,
             actor: str = "") -> AgendaItem:
    """An item at the end of the agenda, with its papers: links (title, URL) and files
    (name, content), each file kept once by its SHA-256 after the transaction commits."""
    meeting = _open(meeting)
    title = title.strip()
    if not title:
        raise Conflict(_("An agenda item needs a title."))
    position = (meeting.items.aggregate(n=Max("position"))["n"] or 0) + 1
    item = AgendaItem.objects.create(meeting=meeting, position=position, title=title[:300])
    for name, url in links:
        if not url.startswith(("https://", "http://")):
            raise Conflict(_("A paper's link starts with https://."))
        Paper.objects.create(item=item, title=(name or url)[:300], url=url[:200])
    for name, content in files:
        digest = hashlib.sha256(content).hexdigest()
        Paper.objects.create(item=item, title=name[:300], sha256=digest, size=len(content))
        transaction.on_commit(partial(_keep, digest, content))
    audit.record("governance.item_add", city=meeting.body.city, user=by, actor=actor, obj=item,
                 meeting=meeting.pk, position=position)
    return item


def _keep(digest: str, content: bytes) -> None:
    path = papers_dir() / digest
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(content)
        tmp.replace(path)


@transaction.atomic
def record_attendance(meeting: Meeting, present: set[int], *, by: Person | None = None,
                      actor: str = "") -> list[Attendance]:
    """Who of the members (and deputies) on the meeting's day came; the others are absent."""
    meeting = _open(meeting)
    seats = members_on(meeting.body, meeting.date)
    unknown = present - {m.pk for m in seats}
    if unknown:
        raise Conflict(_("Not members of this body on the meeting's day: %(ids)s.")
                       % {"ids": ", ".join(str(i) for i in sorted(unknown))})
    rows = []
    for m in seats:
        row, _created = Attendance.objects.update_or_create(
            meeting=meeting, member=m, defaults={"present": m.pk in present})
        rows.append(row)
    audit.record("governance.attendance", city=meeting.body.city, user=by, actor=actor,
                 obj=meeting, present=sorted(present))
    return rows


@transaction.atomic
def declare_interest(item: AgendaItem, member: Member, interest: str, *,
                     by: Person | None = None, actor: str = "") -> Declaration:
    """A member's declaration of interest in an item: it recuses them from the item (its
    eligible members and majority are counted without them, check 21). Declaring again
    returns the first declaration."""
    meeting = _open(item.meeting)
    if member.pk not in {m.pk for m in members_on(meeting.body, meeting.date)}:
        raise Conflict(_("%(name)s is not a member of this body on the meeting's day.")
                       % {"name": member.name})
    interest = interest.strip()
    if not interest:
        raise Conflict(_("Say what the interest is."))
    if Vote.objects.filter(item=item).exists():
        raise Conflict(_("The item has been voted on; a declaration comes before the vote."))
    found = Declaration.objects.filter(item=item, member=member).first()
    if found is not None:
        return found
    declaration = Declaration.objects.create(item=item, member=member, interest=interest,
                                             recorded_by=_who(by, actor))
    audit.record("governance.declare", city=meeting.body.city, user=by, actor=actor,
                 obj=declaration, item=item.pk, member=member.pk)
    return declaration


@transaction.atomic
def record_vote(item: AgendaItem, votes_for: int, votes_against: int, abstentions: int, *,
                by: Person | None = None, actor: str = "") -> Vote:
    """The vote on an item: refused without a quorum of its eligible members present, or with
    more votes than eligible members present. Carried when more vote for than against."""
    _open(item.meeting)
    count = item_count(item)
    if min(votes_for, votes_against, abstentions) < 0:
        raise Conflict(_("Votes are counted from zero."))
    if not count.quorate:
        raise Conflict(_("No quorum on this item: %(present)s of %(eligible)s eligible members "
                         "present, %(majority)s needed.") % {
            "present": count.present, "eligible": count.eligible, "majority": count.majority})
    if votes_for + votes_against + abstentions > count.present:
        raise Conflict(_("More votes than eligible members present (%(present)s).")
                       % {"present": count.present})
    if Vote.objects.filter(item=item).exists():
        raise Conflict(_("This item has been voted on."))
    vote = Vote.objects.create(item=item, votes_for=votes_for, votes_against=votes_against,
                               abstentions=abstentions,
                               adopted=carried(votes_for, votes_against))
    audit.record("governance.vote", city=item.meeting.body.city, user=by, actor=actor,
                 obj=vote, votes_for=votes_for, votes_against=votes_against,
                 abstentions=abstentions)
    return vote


@transaction.atomic
def add_decision(meeting: Meeting, text: str, *, deadline: date | None,
                 owner_member: Member | None = None,
                 owner_department: Department | None = None, item: AgendaItem | None = None,
                 action: Action | None = None, changes: dict[str, Any] | None = None,
                 commitment: dict[str, str] | None = None, by: Person | None = None,
                 actor: str = "") -> Decision:
    """A decision with its owner (a member of the body or a department of the city) and its
    deadline, both required (check 22). It may open a change proposal on a plan action
    (``action`` and ``changes``) or a commitment of the plan (``organisation``, ``group``,
    ``text``), which the plan's own procedure then takes up."""
    meeting = _open(meeting)
    text = text.strip()
    if not text:
        raise Conflict(_("A decision needs its text."))
    if owner_member is None and owner_department is None:
        raise Conflict(_("Every decision has an owner: a member or a department."))
    if deadline is None:
        raise Conflict(_("Every decision has a deadline."))
    if deadline < meeting.date:
        raise Conflict(_("A decision's deadline comes after the meeting."))
    if owner_member is not None and owner_member.body_id != meeting.body_id:
        raise Conflict(_("The owner is a member of this body."))
    if owner_department is not None and owner_department.city_id != meeting.body.city_id:
        raise Conflict(_("The owner is a department of this city."))
    if item is not None and item.meeting_id != meeting.pk:
        raise Conflict(_("The item is on another meeting's agenda."))
    proposal = opened = None
    if action is not None:
        from zerocity.plan.services import propose_change

        if action.plan.city_id != meeting.body.city_id:
            raise Conflict(_("The action is in another city's plan."))
        proposal = propose_change(action, changes or {}, note=text, by=by,
                                  actor=actor or meeting.body.name)
        if proposal is None:
            raise Conflict(_("The proposal changes nothing of the action."))
    if commitment is not None:
        opened = _open_commitment(meeting.body, commitment)
    decision = Decision.objects.create(
        meeting=meeting, item=item, text=text, owner_member=owner_member,
        owner_department=owner_department, deadline=deadline, proposal=proposal,
        commitment=opened)
    audit.record("governance.decision", city=meeting.body.city, user=by, actor=actor,
                 obj=decision, deadline=deadline.isoformat(),
                 proposal=proposal.pk if proposal else None,
                 commitment=opened.pk if opened else None)
    return decision


def _open_commitment(body: Body, data: dict[str, str]) -> Commitment:
    from zerocity.plan.models import Plan

    plan = Plan.objects.filter(city=body.city).first()
    if plan is None:
        raise Conflict(_("The city has no action plan for a commitment."))
    group = data.get("group") or body.sector
    if group not in Commitment.Group.values:
        raise Conflict(_("A commitment belongs to a sector's group."))
    organisation, text = data.get("organisation", "").strip(), data.get("text", "").strip()
    if not organisation or not text:
        raise Conflict(_("A commitment names its organisation and what it commits to."))
    found, _created = Commitment.objects.get_or_create(
        plan=plan, organisation=organisation, group=group,
        defaults={"text": text, "partner": data.get("partner", "1") == "1"})
    return found


@transaction.atomic
def approve_minutes(meeting: Meeting, *, by: Person | None = None, actor: str = "") -> Meeting:
    """Approve the minutes: attendance recorded, every item voted or not; from now on nothing
    of the meeting changes."""
    meeting = _open(meeting)
    if not meeting.attendance.exists():
        raise Conflict(_("Record the attendance before approving the minutes."))
    meeting.minutes_approved_at = timezone.now()
    meeting.minutes_approved_by = _who(by, actor)
    meeting.save(update_fields=["minutes_approved_at", "minutes_approved_by"])
    audit.record("governance.minutes_approve", city=meeting.body.city, user=by, actor=actor,
                 obj=meeting)
    return meeting


@transaction.atomic
def mark_done(decision: Decision, on: date, *, by: Person | None = None,
              actor: str = "") -> DecisionDone:
    found = DecisionDone.objects.filter(decision=decision).first()
    if found is not None:
        return found
    done = DecisionDone.objects.create(decision=decision, on=on, by=_who(by, actor))
    audit.record("governance.decision_done", city=decision.meeting.body.city, user=by,
                 actor=actor, obj=decision, on=on.isoformat())
    return done
