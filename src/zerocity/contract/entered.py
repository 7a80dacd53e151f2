"""Reads for the contract's staff page (docs/contract.md "Staff pages"): the plan's actions
to choose from, a commitment of the city, and the funding rows and decisions staff entered
by hand, with their kinds and statuses named."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from zerocity.contract.models import FundingDecision, FundingKind, FundingSource, FundingStatus
from zerocity.core.errors import NotFound
from zerocity.core.models import City
from zerocity.plan.models import Action, Commitment

SHOWN = 50  # the newest funding rows on the page


def action_choices(city: City) -> list[tuple[str, str]]:
    return [(a.code, f"{a.code} {a.name}") for a in
            Action.objects.filter(plan__city=city).order_by("code")]


def city_commitment(city: City, pk: int) -> Commitment:
    found = Commitment.objects.select_related("plan__city").filter(plan__city=city,
                                                                   pk=pk).first()
    if found is None:
        raise NotFound(gettext("There is no such commitment."))
    return found


def sources(city: City) -> list[dict[str, Any]]:
    """The funding rows entered for the city's actions, newest first."""
    kinds, statuses = dict(FundingKind.choices), dict(FundingStatus.choices)
    rows = (FundingSource.objects.filter(city=city).select_related("action")
            .order_by("-recorded_at", "-pk")[:SHOWN])
    return [{"action": f.action.code, "year": f.year, "kind": str(kinds[f.kind]),
             "status": str(statuses[f.status]), "name": f.name, "amount": f.amount,
             "decision_reference": f.decision_reference} for f in rows]


def decisions(city: City) -> list[dict[str, Any]]:
    """The decisions on NRP projects' outside money, by project and kind."""
    kinds, statuses = dict(FundingKind.choices), dict(FundingStatus.choices)
    return [{"nrp_code": d.nrp_code, "kind": str(kinds[d.kind]),
             "status": str(statuses[d.status]), "decision_reference": d.decision_reference}
            for d in FundingDecision.objects.filter(city=city).order_by("nrp_code", "kind")]
