"""Writes of the contract: commitment versions, signatures, funding rows and decisions, and
the budget figures entered by hand. Each is one transaction with its audit record; staff
only (a person must be the city's staff; the command line and the demo act as ``actor``)."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext

from zerocity.contract.models import (
    BudgetFigure,
    CommitmentVersion,
    FundingDecision,
    FundingKind,
    FundingSource,
    FundingStatus,
    Signatory,
)
from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict, PermissionDenied
from zerocity.core.models import City
from zerocity.core.permissions import is_city_staff
from zerocity.plan.models import Action, Commitment, Plan

M = TypeVar("M", bound=models.Model)


def _staff(by: Person | None, city: City) -> None:
    if by is not None and not is_city_staff(by, city):
        raise PermissionDenied(gettext("Only the city's staff change the climate contract."))


def _label(by: Person | None, actor: str) -> str:
    return actor or audit.actor_label(by)


def sha256(document: bytes) -> str:
    return hashlib.sha256(document).hexdigest()


def current_version(commitment: Commitment, *, by: Person | None = None,
                    actor: str = "") -> CommitmentVersion:
    """The commitment's latest version; the first is its text in the plan."""
    latest = commitment.versions.order_by("-number").first()
    if latest is not None:
        return latest
    return CommitmentVersion.objects.create(commitment=commitment, number=1,
                                            text=commitment.text, created_by=_label(by, actor))


@transaction.atomic
def add_commitment(plan: Plan, *, organisation: str, group: str, text: str,
                   partner: bool = False, actions: list[str] | None = None,
                   by: Person | None = None, actor: str = "") -> Commitment:
    """A commitment of an organisation of the transition group, with its first version.
    Adding it again changes nothing (a new wording is ``revise_commitment``)."""
    _staff(by, plan.city)
    if group not in Commitment.Group.values:
        raise Conflict(gettext("Unknown group %(g)s.") % {"g": group})
    if not (organisation.strip() and text.strip()):
        raise Conflict(gettext("A commitment needs its organisation and its text."))
    found = Action.objects.filter(plan=plan, code__in=actions or [])
    missing = sorted(set(actions or []) - {a.code for a in found})
    if missing:
        raise Conflict(gettext("The plan has no action %(codes)s.")
                       % {"codes": ", ".join(missing)})
    row, created = Commitment.objects.get_or_create(
        plan=plan, organisation=organisation.strip(), group=group,
        defaults={"text": text.strip(), "partner": partner})
    if created:
        row.actions.set(list(found))
        current_version(row, by=by, actor=actor)
        audit.record("contract.commit", city=plan.city, user=by, actor=actor, obj=row,
                     organisation=row.organisation)
    return row


@transaction.atomic
def revise_commitment(commitment: Commitment, text: str, *, note: str = "",
                      by: Person | None = None, actor: str = "") -> CommitmentVersion:
    """A new version of the commitment's wording; the old one stays readable. The same
    wording again changes nothing."""
    city = commitment.plan.city
    _staff(by, city)
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    latest = current_version(commitment, by=by, actor=actor)
    if latest.text == text.strip():
        return latest
    if not text.strip():
        raise Conflict(gettext("A commitment needs its text."))
    version = CommitmentVersion.objects.create(
        commitment=commitment, number=latest.number + 1, text=text.strip(), note=note,
        created_by=_label(by, actor))
    audit.record("contract.revise", city=city, user=by, actor=actor, obj=version,
                 commitment=commitment.pk, number=version.number)
    return version


@transaction.atomic
def sign_commitment(commitment: Commitment, *, organisation: str, representative: str,
                    role: str, signed_on: date, document: bytes, document_name: str = "",
                    by: Person | None = None, actor: str = "") -> Signatory:
    """A signature of the commitment's current version, with the signed document's SHA-256.
    The version is immutable from then on. Signing again with the same document changes
    nothing; another document for the same signature is refused."""
    city = commitment.plan.city
    _staff(by, city)
    if not (organisation.strip() and representative.strip() and role.strip()):
        raise Conflict(gettext("A signatory needs an organisation, a representative and a "
                               "role."))
    if not document:
        raise Conflict(gettext("The signed document is empty."))
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    version = current_version(commitment, by=by, actor=actor)
    digest = sha256(document)
    existing = Signatory.objects.filter(version=version, organisation=organisation.strip(),
                                        representative=representative.strip()).first()
    if existing is not None:
        if existing.document_sha256 != digest:
            raise Conflict(gettext("%(who)s has already signed this version with another "
                                   "document.") % {"who": representative})
        return existing
    signatory = Signatory.objects.create(
        version=version, organisation=organisation.strip(),
        representative=representative.strip(), role=role.strip(), signed_on=signed_on,
        document_sha256=digest, document_name=document_name, recorded_by=_label(by, actor))
    audit.record("contract.sign", city=city, user=by, actor=actor, obj=signatory,
                 version=version.number, sha256=digest)
    return signatory


def _money(text: str | Decimal) -> Decimal:
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        raise Conflict(gettext("%(text)s is not an amount.") % {"text": text}) from None
    if not value.is_finite() or value <= 0:
        raise Conflict(gettext("An amount must be more than zero."))
    return value.quantize(Decimal("0.01"))


def _unchanged(rows: QuerySet[M], values: dict[str, Any]) -> M | None:
    """The row when it already holds these values: entering the same again changes
    nothing, and leaves no audit record."""
    row = rows.select_for_update().first()
    if row is not None and all(getattr(row, k) == v for k, v in values.items()):
        return row
    return None


def _status(status: str, reference: str) -> str:
    if status not in FundingStatus.values:
        raise Conflict(gettext("Unknown funding status %(s)s.") % {"s": status})
    if status == FundingStatus.SECURED and not reference.strip():
        raise Conflict(gettext("Funding is secured only with the decision that grants it: "
                               "give its reference."))
    return status


@transaction.atomic
def add_funding(action: Action, *, year: int, kind: str, status: str, name: str,
                amount: str | Decimal, decision_reference: str = "", illustrative: bool = False,
                by: Person | None = None, actor: str = "") -> FundingSource:
    """Money for an action in a year (a grant, a loan, a partner's share). Entering the same
    source again replaces its amount, status and decision."""
    city = action.plan.city
    _staff(by, city)
    if kind not in FundingKind.values:
        raise Conflict(gettext("Unknown funding kind %(k)s.") % {"k": kind})
    _status(status, decision_reference)
    if not name.strip():
        raise Conflict(gettext("A funding source needs a name."))
    values = {"city": city, "status": status, "amount": _money(amount),
              "decision_reference": decision_reference.strip(), "illustrative": illustrative}
    same = _unchanged(FundingSource.objects.filter(action=action, year=year, kind=kind,
                                                   name=name.strip()), values)
    if same is not None:
        return same
    row, _created = FundingSource.objects.update_or_create(
        action=action, year=year, kind=kind, name=name.strip(),
        defaults={**values, "recorded_by": _label(by, actor)})
    audit.record("contract.funding", city=city, user=by, actor=actor, obj=row,
                 action_code=action.code, year=year, kind=kind, status=status,
                 amount=f"{row.amount}")
    return row


@transaction.atomic
def record_decision(city: City, *, nrp_code: str, kind: str, status: str,
                    decision_reference: str = "", by: Person | None = None,
                    actor: str = "") -> FundingDecision:
    """The decision on an NRP project's outside money: its budget lines of that kind become
    secured (with the reference) or applied for (check 13)."""
    _staff(by, city)
    if kind not in FundingKind.values or kind == FundingKind.OWN:
        raise Conflict(gettext("A decision is recorded for outside money (EU, national, "
                               "loan, private)."))
    _status(status, decision_reference)
    if status == FundingStatus.PLANNED:
        raise Conflict(gettext("Without a decision or an application the money is planned: "
                               "there is nothing to record."))
    values = {"status": status, "decision_reference": decision_reference.strip()}
    same = _unchanged(FundingDecision.objects.filter(city=city, nrp_code=nrp_code.strip(),
                                                     kind=kind), values)
    if same is not None:
        return same
    row, _created = FundingDecision.objects.update_or_create(
        city=city, nrp_code=nrp_code.strip(), kind=kind,
        defaults={**values, "recorded_by": _label(by, actor)})
    audit.record("contract.decision", city=city, user=by, actor=actor, obj=row,
                 nrp_code=row.nrp_code, kind=kind, status=status)
    return row


@transaction.atomic
def enter_budget_figure(city: City, *, year: int, basis: str, municipal_budget: str | Decimal,
                        climate_budget: str | Decimal, criterion: str, source: str = "",
                        by: Person | None = None, actor: str = "") -> BudgetFigure:
    """A year's municipal and climate budget for table 1 where no tagged budget exists."""
    _staff(by, city)
    if basis not in BudgetFigure.Basis.values:
        raise Conflict(gettext("The basis is approved or actual."))
    if not criterion.strip():
        raise Conflict(gettext("Say which criterion makes spending climate spending."))
    municipal, climate = _money(municipal_budget), Decimal(str(climate_budget))
    if climate < 0 or climate > municipal:
        raise Conflict(gettext("The climate budget lies between zero and the municipal "
                               "budget."))
    values = {"basis": basis, "municipal_budget": municipal,
              "climate_budget": climate.quantize(Decimal("0.01")),
              "criterion": criterion.strip(), "source": source}
    same = _unchanged(BudgetFigure.objects.filter(city=city, year=year), values)
    if same is not None:
        return same
    row, _created = BudgetFigure.objects.update_or_create(
        city=city, year=year, defaults={**values, "recorded_by": _label(by, actor)})
    audit.record("contract.budget_figure", city=city, user=by, actor=actor, obj=row, year=year)
    return row
