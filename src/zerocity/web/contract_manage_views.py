"""The contract's staff page (docs/contract.md "Staff pages"): a commitment's signatories
(with the signed document, whose SHA-256 is kept) and its new wordings, the funding sources
of the plan's actions and the decisions on NRP projects' outside money.

Each view parses (``posted``), authorises (``core.access.city_staff``; the services check
the city's staff again), calls ``contract.services`` and goes back to the page; a refusal is
a message on the page (``web.refusals``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zerocity.contract import entered, selectors, services
from zerocity.core.access import city_staff
from zerocity.core.models import City
from zerocity.plan.models import Commitment
from zerocity.plan.selectors import plan_for_city
from zerocity.web.contract_forms import DecisionForm, FundingForm, ReviseForm, SignForm
from zerocity.web.http import private
from zerocity.web.posted import posted


def _chosen(request: HttpRequest, commitments: list[dict[str, Any]]) -> dict[str, Any] | None:
    raw = request.GET.get("commitment", "")
    for c in commitments:
        if raw == str(c["id"]):
            return c
    return commitments[0] if commitments else None


@city_staff
@require_GET
def manage(request: HttpRequest, city: City) -> HttpResponse:
    """The commitments (one chosen with a GET form), their versions and signatories, and
    the forms; the funding rows and decisions entered by hand, newest first."""
    plan = plan_for_city(city.slug)
    data = selectors.commitments(city.slug)["commitments"]
    groups = dict(Commitment.Group.choices)
    for c in data:
        c["group_name"] = groups.get(c["group"], c["group"])
    return private(render(request, "web/contract/manage.html", {
        "city": city, "plan": plan, "commitments": data, "chosen": _chosen(request, data),
        "sign_form": SignForm(), "revise_form": ReviseForm(),
        "funding_form": FundingForm(actions=entered.action_choices(city)),
        "decision_form": DecisionForm(),
        "sources": entered.sources(city), "decisions": entered.decisions(city)}))


def _back(city: City, commitment: Commitment | None = None) -> HttpResponse:
    url = reverse("contract_manage", kwargs={"city": city.slug})
    return redirect(f"{url}?commitment={commitment.pk}" if commitment else url)


@city_staff
@require_POST
def sign(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    commitment = entered.city_commitment(city, pk)
    data = posted(request, SignForm)
    upload = data["document"]
    signatory = services.sign_commitment(
        commitment, organisation=data["organisation"], representative=data["representative"],
        role=data["role"], signed_on=data["signed_on"], document=upload.read(),
        document_name=(upload.name or "")[:255], by=request.user)
    messages.success(request, _("%(who)s signed version %(n)s; the document's SHA-256 is "
                                "%(sha)s.") % {"who": signatory.representative,
                                               "n": signatory.version.number,
                                               "sha": signatory.document_sha256})
    return _back(city, commitment)


@city_staff
@require_POST
def revise(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    commitment = entered.city_commitment(city, pk)
    data = posted(request, ReviseForm)
    version = services.revise_commitment(commitment, data["text"], note=data["note"],
                                         by=request.user)
    messages.success(request, _("The commitment's wording is version %(n)s.")
                     % {"n": version.number})
    return _back(city, commitment)


@city_staff
@require_POST
def funding_add(request: HttpRequest, city: City) -> HttpResponse:
    data = posted(request, FundingForm, actions=entered.action_choices(city))
    action = selectors.action(city.slug, data["action"])
    row = services.add_funding(action, year=data["year"], kind=data["kind"],
                               status=data["status"], name=data["name"], amount=data["amount"],
                               decision_reference=data["decision_reference"], by=request.user)
    messages.success(request, _("Funding recorded: %(name)s for %(action)s in %(year)s, "
                                "%(amount)s EUR.") % {"name": row.name, "action": action.code,
                                                      "year": row.year, "amount": row.amount})
    return _back(city)


@city_staff
@require_POST
def decision_add(request: HttpRequest, city: City) -> HttpResponse:
    data = posted(request, DecisionForm)
    row = services.record_decision(city, nrp_code=data["nrp_code"], kind=data["kind"],
                                   status=data["status"],
                                   decision_reference=data["decision_reference"],
                                   by=request.user)
    messages.success(request, _("Decision recorded for NRP project %(code)s.")
                     % {"code": row.nrp_code})
    return _back(city)
