"""Participatory processes, proposals and their supports, the city's answers, and threaded
comments with their moderation.

- A process goes through its phases in order (inform, collect, deliberate, decide, follow up):
  proposals are made while it collects, supported while it collects or deliberates.
- Each action needs the level the process sets (``verification.require``); a blocked person
  does nothing.
- A proposal that reaches the process's support threshold goes to evaluation, and staff
  answer it: accepted (optionally linked to a plan action, so the idea can be followed to its
  result) or rejected with a reason. Every change is told to the proposal's followers.
- Comments have replies up to three levels and an alignment (for, neutral, against); a
  comment reported by ``ZEROCITY_REPORTS_TO_HIDE`` people (3 by default) is hidden until a
  moderator looks at it. Rate limits and a honeypot field keep spam out.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.timezone import now
from django.utils.translation import gettext as _

from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict, PermissionDenied
from zerocity.core.formats import number
from zerocity.core.models import City
from zerocity.core.translations import per_language
from zerocity.engage.models import (
    Alignment,
    Block,
    Comment,
    District,
    Phase,
    Process,
    Proposal,
    ProposalState,
    Report,
    ReportReason,
    Support,
)
from zerocity.engage.services import notify
from zerocity.engage.services.verification import require

PHASES = list(Phase.values)
PROPOSALS_PER_DAY = 3
COMMENTS_PER_10_MINUTES = 5


def reports_to_hide() -> int:
    return int(getattr(settings, "ZEROCITY_REPORTS_TO_HIDE", 3))


@transaction.atomic
def create_process(city: City, slug: str, title: str, *, summary: str = "",
                   title_sl: str = "", summary_sl: str = "", support_threshold: int = 50,
                   by: Person | None = None, actor: str = "", **levels: int) -> Process:
    """A process: ``title`` and ``summary`` in English, the ``*_sl`` ones in Slovenian."""
    process = Process.objects.create(
        city=city, slug=slug, **per_language("title", {"en": title, "sl": title_sl}),
        **per_language("summary", {"en": summary, "sl": summary_sl}),
        support_threshold=support_threshold, **levels)
    audit.record("engage.process_created", city=city, user=by, actor=actor, obj=process)
    return process


@transaction.atomic
def next_phase(process: Process, *, by: Person | None = None, actor: str = "") -> Process:
    process = Process.objects.select_for_update().get(pk=process.pk)
    i = PHASES.index(process.phase)
    if i == len(PHASES) - 1:
        raise Conflict(_("The process is already in its last phase."))
    process.phase = PHASES[i + 1]
    process.save(update_fields=["phase"])
    audit.record("engage.phase", city=process.city, user=by, actor=actor, obj=process,
                 phase=process.phase)
    notify.notify(process.city, [f"process:{process.pk}"],
                  f"{process.title}: {Phase(process.phase).label}",
                  url=f"/{process.city.slug}/participate/{process.slug}/", actor=by)
    return process


def _honeypot(value: str) -> None:
    if value:  # a field people do not see: only robots fill it in
        raise PermissionDenied(_("The form could not be accepted; reload the page and send it "
                                 "again."), code="honeypot")


@transaction.atomic
def submit_proposal(process: Process, user: Any, title: str, body: str, *,
                    district: District | None = None, honeypot: str = "",
                    at: datetime | None = None) -> Proposal:
    at = at or now()
    _honeypot(honeypot)
    require(user, process.city, process.propose_level, "propose")
    if process.phase != Phase.COLLECT:
        raise Conflict(_("Proposals can be made only while the process collects them."))
    title, body = title.strip(), body.strip()
    if not 10 <= len(title) <= 200 or len(body) < 30:
        raise Conflict(_("Give the proposal a title of %(low)s to %(high)s characters and a "
                         "description of at least %(body)s characters.")
                       % {"low": number(10), "high": number(200), "body": number(30)})
    if district is not None and district.city_id != process.city_id:
        raise Conflict(_("Choose a district of this city."))
    recent = Proposal.objects.filter(author=user, created_at__gte=at - timedelta(days=1))
    if recent.count() >= PROPOSALS_PER_DAY:
        raise Conflict(_("You can make at most %(n)s proposals a day; try again tomorrow.")
                       % {"n": number(PROPOSALS_PER_DAY)}, code="proposals-per-day")
    proposal = Proposal.objects.create(process=process, author=user, title=title, body=body,
                                       district=district, created_at=at)
    notify.follow(user, process.city, f"proposal:{proposal.pk}")
    audit.record("engage.proposal", city=process.city, user=user, obj=proposal)
    targets = [f"process:{process.pk}"] + ([f"district:{district.code}"] if district else [])
    notify.notify(process.city, targets, f"New proposal: {title}",
                  url=f"/{process.city.slug}/participate/proposals/{proposal.pk}/", actor=user,
                  at=at)
    return proposal


def support(proposal: Proposal, user: Any) -> Proposal:
    """Support a proposal once; at the process's threshold it goes to evaluation."""
    process = proposal.process
    require(user, process.city, process.support_level, "support")
    if process.phase not in (Phase.COLLECT, Phase.DELIBERATE):
        raise Conflict(_("Proposals can be supported only while the process collects or "
                         "deliberates them."))
    if proposal.state != ProposalState.PUBLISHED:
        raise Conflict(_("This proposal no longer collects support."))
    try:
        with transaction.atomic():
            Support.objects.create(proposal=proposal, user=user)
            Proposal.objects.filter(pk=proposal.pk).update(supports=F("supports") + 1)
            proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
            if proposal.supports >= process.support_threshold:
                proposal.state = ProposalState.EVALUATING
                proposal.save(update_fields=["state"])
                notify.notify(process.city, [f"proposal:{proposal.pk}"],
                              f"{proposal.title}: enough support, the city evaluates it",
                              url=_url(proposal))
    except IntegrityError:
        raise Conflict(_("You already support this proposal.")) from None
    notify.follow(user, process.city, f"proposal:{proposal.pk}")
    return proposal


def _url(proposal: Proposal) -> str:
    return f"/{proposal.process.city.slug}/participate/proposals/{proposal.pk}/"


@transaction.atomic
def answer(proposal: Proposal, state: str, text: str, *, action: Any = None,
           by: Person | None = None,
           actor: str = "") -> Proposal:
    """The city's answer: evaluating, accepted (optionally with the plan action that carries
    it out) or rejected (with the reason)."""
    proposal = Proposal.objects.select_for_update().select_related("process__city").get(
        pk=proposal.pk)
    if state not in (ProposalState.EVALUATING, ProposalState.ACCEPTED, ProposalState.REJECTED):
        raise Conflict(_("Answer with evaluating, accepted or rejected."))
    if proposal.state == ProposalState.WITHDRAWN:
        raise Conflict(_("The proposal was withdrawn; it cannot be answered."))
    if state == ProposalState.REJECTED and len(text.strip()) < 10:
        raise Conflict(_("Give the reason for the rejection, in at least %(n)s characters.")
                       % {"n": number(10)})
    if action is not None:
        if state != ProposalState.ACCEPTED:
            raise Conflict(_("Only an accepted proposal can be linked to a plan action; accept it "
                             "or leave the action empty."))
        if action.plan.city_id != proposal.process.city_id:
            raise Conflict(_("Choose an action of this city's plan."))
    proposal.state, proposal.answer, proposal.answered_at = state, text.strip(), now()
    proposal.action = action
    proposal.save()
    audit.record("engage.proposal_answered", city=proposal.process.city, user=by, actor=actor,
                 obj=proposal, state=state, plan_action=getattr(action, "code", None))
    notify.notify(proposal.process.city, [f"proposal:{proposal.pk}"],
                  f"{proposal.title}: {ProposalState(state).label}", body=proposal.answer,
                  url=_url(proposal), actor=by)
    return proposal


@transaction.atomic
def withdraw(proposal: Proposal, user: Any) -> Proposal:
    if proposal.author_id != getattr(user, "pk", None):
        raise PermissionDenied(_("Only the author of a proposal can withdraw it."))
    if proposal.state != ProposalState.PUBLISHED:
        raise Conflict(_("Only a proposal that still collects support can be withdrawn."))
    proposal.state = ProposalState.WITHDRAWN
    proposal.save(update_fields=["state"])
    return proposal


# -- comments and moderation ----------------------------------------------------------------------

@transaction.atomic
def comment(proposal: Proposal, user: Any, body: str, *, alignment: int = Alignment.NEUTRAL,
            parent: Comment | None = None, honeypot: str = "",
            at: datetime | None = None) -> Comment:
    at = at or now()
    _honeypot(honeypot)
    process = proposal.process
    require(user, process.city, process.comment_level, "comment")
    body = body.strip()
    if not 2 <= len(body) <= 5000:
        raise Conflict(_("Write a comment of %(low)s to %(high)s characters.")
                       % {"low": number(2), "high": number(5000)})
    if alignment not in Alignment.values:
        raise Conflict(_("Say whether you are for, neutral or against."))
    depth = 1
    if parent is not None:
        if parent.proposal_id != proposal.pk:
            raise Conflict(_("You can reply only to a comment on this proposal."))
        depth = parent.depth + 1
        if depth > 3:
            raise Conflict(_("Replies go at most three levels deep; reply to an earlier "
                             "comment instead."))
    recent = Comment.objects.filter(author=user, created_at__gte=at - timedelta(minutes=10))
    if recent.count() >= COMMENTS_PER_10_MINUTES:
        raise Conflict(_("You can write at most %(n)s comments in %(minutes)s minutes; wait a "
                         "little and try again.")
                       % {"n": number(COMMENTS_PER_10_MINUTES), "minutes": number(10)},
                       code="comments-per-10-minutes")
    made = Comment.objects.create(proposal=proposal, parent=parent, depth=depth, author=user,
                                  body=body, alignment=alignment, created_at=at)
    notify.notify(process.city, [f"proposal:{proposal.pk}"], f"{proposal.title}: new comment",
                  url=_url(proposal), actor=user, at=at)
    return made


def report(target: Comment, user: Any, reason: str, details: str = "") -> Comment:
    """Report a comment; at the threshold it is hidden until a moderator decides."""
    require(user, target.proposal.process.city, 0, "report")
    if reason not in ReportReason.values:
        raise Conflict(_("Choose a reason for the report: %(reasons)s.")
                       % {"reasons": ", ".join(str(label) for label in ReportReason.labels)})
    try:
        with transaction.atomic():
            Report.objects.create(comment=target, user=user, reason=reason,
                                  details=details.strip()[:500])
            target = Comment.objects.select_for_update().get(pk=target.pk)
            if (target.hidden_at is None and target.reviewed_at is None
                    and target.reports.count() >= reports_to_hide()):
                target.hidden_at = now()
                target.hidden_reason = f"hidden after {reports_to_hide()} reports"
                target.save(update_fields=["hidden_at", "hidden_reason"])
    except IntegrityError:
        raise Conflict(_("You have already reported this comment.")) from None
    return target


def moderation_queue(city: City) -> list[Comment]:
    """Reported comments not yet reviewed, the hidden first."""
    found = (Comment.objects.filter(proposal__process__city=city, reports__isnull=False,
                                    reviewed_at__isnull=True)
             .select_related("proposal", "author").distinct())
    return sorted(found, key=lambda c: (c.hidden_at is None, c.created_at))


@transaction.atomic
def moderate(target: Comment, *, keep: bool, reason: str = "", block_author: bool = False,
             by: Person | None = None, actor: str = "") -> Comment:
    """A moderator's decision on a reported comment: keep it (shown again) or hide it with the
    reason; with ``block_author`` its author is blocked in the city too, for the same reason.
    Both or neither: a block refused (no reason given) leaves the comment undecided."""
    target = Comment.objects.select_for_update().select_related("proposal__process__city").get(
        pk=target.pk)
    target.reviewed_at = now()
    if keep:
        target.hidden_at, target.hidden_reason = None, ""
    else:
        if not reason.strip():
            raise Conflict(_("Say why the comment is hidden."))
        target.hidden_at, target.hidden_reason = now(), reason.strip()[:300]
    target.save()
    audit.record("engage.moderated", city=target.proposal.process.city, user=by, actor=actor,
                 obj=target, keep=keep, reason=reason)
    if block_author and target.author is not None:
        block(target.proposal.process.city, target.author, reason, by=by, actor=actor)
    return target


@transaction.atomic
def block(city: City, user: Any, reason: str, *, by: Person | None = None,
          actor: str = "") -> Block:
    if not reason.strip():
        raise Conflict(_("Say why the person is blocked."))
    made, _created = Block.objects.update_or_create(
        city=city, user=user, defaults={"reason": reason.strip()[:500],
                                        "by": actor or audit.actor_label(by)})
    audit.record("engage.blocked", city=city, user=by, actor=actor, obj=made,
                 blocked=user.pk)
    return made


def thread(proposal: Proposal, viewer: Any = None) -> list[Comment]:
    """The comments in reading order (each followed by its replies); a hidden comment shows
    as hidden to everyone but its author."""
    comments = list(proposal.comments.select_related("author").order_by("created_at", "id"))
    children: dict[int | None, list[Comment]] = {}
    for c in comments:
        children.setdefault(c.parent_id, []).append(c)
    out: list[Comment] = []

    def walk(parent: int | None) -> None:
        for c in children.get(parent, []):
            c.visible = c.hidden_at is None or (  # type: ignore[attr-defined]
                viewer is not None and c.author_id == getattr(viewer, "pk", None))
            out.append(c)
            walk(c.pk)

    walk(None)
    return out
