"""Reads of the citizen platform, with the visibility rules of its public pages applied here,
so that the site and the API show an anonymous visitor the same things:

- every process of the city (a process has no draft state; the list page shows them all);
- a process's proposals except the withdrawn ones, which the site shows to their author only;
- a proposal's title, description, state, supports and district; the city's answer and the
  plan action that carries it out only once the city has answered (``answered_at``);
- never who proposed, supported or commented.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, F, QuerySet, When

from zerocity.core.errors import NotFound
from zerocity.core.models import City
from zerocity.engage.models import Process, Proposal, ProposalState

PUBLIC_STATES = tuple(s for s in ProposalState.values if s != ProposalState.WITHDRAWN)
PROCESS_FIELDS = ("slug", "title", "summary", "phase", "support_threshold")


def _answered(value: Any) -> Case:
    """``value`` once the city has answered the proposal, None before."""
    return Case(When(answered_at__isnull=False, then=value), default=None)


def public_processes(city: City) -> QuerySet[Process, dict[str, Any]]:
    """The city's participatory processes, the newest first, with their public fields only."""
    return (Process.objects.filter(city=city).order_by("-created_at", "-pk")
            .values(*PROCESS_FIELDS))


def public_process(city: City, slug: str) -> Process:
    """The city's process with this slug, or NotFound."""
    found = Process.objects.filter(city=city, slug=slug).first()
    if found is None:
        raise NotFound(f"no participatory process {slug!r} in {city.slug}")
    return found


def public_proposals(city: City, process_slug: str, *, state: str | None = None
                     ) -> QuerySet[Proposal, dict[str, Any]]:
    """The proposals of one of the city's processes that anyone may read, the newest first
    (NotFound for an unknown process), narrowed to one state when given: their public
    fields only, the city's answer and its plan action once given. A withdrawn proposal is
    never among them, even when asked for by its state."""
    process = public_process(city, process_slug)
    proposals = Proposal.objects.filter(process=process, state__in=PUBLIC_STATES)
    if state is not None:
        proposals = proposals.filter(state=state)
    return proposals.order_by("-created_at", "-pk").values(
        "id", "title", "body", "state", "supports",
        district_code=F("district__code"), district_name=F("district__name"),
        city_answer=_answered(F("answer")), action_code=_answered(F("action__code")),
        action_name=_answered(F("action__name")))
