"""The city's food procurement as open contracting data: an OCDS 1.1 release package with
the Techniques extension (research note §6).

- The DPS is one contracting process (``ocid`` = prefix + city + DPS reference): a ``tender``
  release when the notice is sent (selective procedure, ``tender.techniques`` with
  ``hasDynamicPurchasingSystem`` and its status, categories as ``lots``), then one ``award``
  release per admission decision (an award per operator and category).
- Each specific procurement is its own process, linked to the DPS by ``relatedProcesses``
  (``framework``, scheme ``ocid``): a ``tender`` release at the invitation
  (``competitive: true``), an ``award`` release when awarded, and a ``contract`` release with
  one contract per institution, its deliveries as the implementation's transactions.
- Nothing about tenders is published before the award, and never their content: only how many
  there were. Operators appear by name and registration number only.
"""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.utils.timezone import now

from zerocity.core.calendar import CityCalendar
from zerocity.core.models import City
from zerocity.food import law
from zerocity.food.models import (
    ApplicationStatus,
    Delivery,
    Dps,
    DpsStatus,
    ProcurementStatus,
    SpecificProcurement,
    TenderStatus,
)

TECHNIQUES = ("https://raw.githubusercontent.com/open-contracting-extensions/"
              "ocds_techniques_extension/master/extension.json")
# OCDS status codes by the model's status (keyed by str: a model field holds the plain value)
DPS_STATUS: dict[str, str] = {
    DpsStatus.PUBLISHED: "pending", DpsStatus.INITIAL_EVALUATION: "pending",
    DpsStatus.ACTIVE: "active", DpsStatus.CANCELLED: "cancelled",
    DpsStatus.TERMINATED: "terminated"}
TENDER_STATUS: dict[str, str] = {
    ProcurementStatus.TENDERING: "active", ProcurementStatus.OPENING: "active",
    ProcurementStatus.EVALUATION: "active", ProcurementStatus.AWARDED: "complete",
    ProcurementStatus.UNSUCCESSFUL: "unsuccessful", ProcurementStatus.CANCELLED: "cancelled"}


def prefix() -> str:
    """The publisher's registered ocid prefix (``ZEROCITY_OCID_PREFIX``); register one with
    the Open Contracting Partnership before publishing."""
    return str(getattr(settings, "ZEROCITY_OCID_PREFIX", "ocds-zc0000"))


def _iso(moment: datetime, cal: CityCalendar) -> str:
    """An instant as the city's clocks showed it, with their offset."""
    return cal.local(moment).isoformat()


def _money(amount: Decimal) -> dict[str, Any]:
    return {"amount": float(amount), "currency": "EUR"}


def dps_ocid(dps: Dps) -> str:
    return f"{prefix()}-{dps.city.slug}-dps-{dps.reference}"


def _city_party(city: City) -> dict[str, Any]:
    return {"id": f"city-{city.slug}", "name": city.name, "roles": ["buyer", "procuringEntity"]}


def _operator(op: Any) -> dict[str, Any]:
    return {"id": f"operator-{op.pk}", "name": op.name,
            "identifier": {"id": op.registration, "legalName": op.name}}


def dps_releases(dps: Dps) -> list[dict[str, Any]]:
    ocid, city = dps_ocid(dps), dps.city
    cal = city.calendar
    assert dps.notice_sent_at is not None and dps.valid_to is not None
    criteria = "; ".join(f"{c['name']} {c['weight']} %" for c in dps.award_criteria)
    national = law.profile(city)
    tender = {
        "id": dps.reference, "title": dps.title, "description": dps.purchases,
        "status": "active" if dps.status in (DpsStatus.PUBLISHED, DpsStatus.INITIAL_EVALUATION,
                                             DpsStatus.ACTIVE) else "complete",
        "procurementMethod": "selective",
        "procurementMethodDetails": "Dynamic purchasing system (Directive 2014/24/EU Art. 34"
                                    + (f"; {national.dps_article})" if national else ")"),
        "mainProcurementCategory": "goods",
        "value": _money(dps.estimated_value or Decimal(0)),
        "awardCriteria": "ratedCriteria", "awardCriteriaDetails": criteria,
        "tenderPeriod": {"startDate": _iso(dps.notice_sent_at, cal),
                         "endDate": _iso(cal.day_end(dps.valid_to), cal)},
        "techniques": {"hasDynamicPurchasingSystem": True,
                       "dynamicPurchasingSystem": {"type": "closed",
                                                   "status": DPS_STATUS[dps.status]}},
        "lots": [{"id": c.code, "title": c.name, "description": c.definition,
                  "value": _money(c.max_contract_value)} for c in dps.categories.all()],
    }
    releases = [{"ocid": ocid, "id": f"{ocid}-tender", "date": _iso(dps.notice_sent_at, cal),
                 "tag": ["tender"], "initiationType": "tender", "language": "en",
                 "parties": [_city_party(city)],
                 "buyer": {"id": f"city-{city.slug}", "name": city.name}, "tender": tender}]
    for app in (dps.applications.filter(status=ApplicationStatus.ADMITTED)
                .select_related("operator").prefetch_related("memberships__category")
                .order_by("decided_at", "id")):
        assert app.decided_at is not None
        supplier = _operator(app.operator)
        releases.append({
            "ocid": ocid, "id": f"{ocid}-admission-{app.pk}", "date": _iso(app.decided_at, cal),
            "tag": ["award"], "initiationType": "tender", "language": "en",
            "parties": [{**supplier, "roles": ["supplier", "tenderer"]}],
            "awards": [{"id": f"adm-{m.category.code}-{app.operator.pk}", "status": "active",
                        "date": _iso(app.decided_at, cal),
                        "title": f"Admission to {m.category.name}",
                        "suppliers": [{"id": supplier["id"], "name": supplier["name"]}],
                        "relatedLots": [m.category.code]}
                       for m in app.memberships.all()]})
    return releases


def procurement_releases(sp: SpecificProcurement) -> list[dict[str, Any]]:
    parent = dps_ocid(sp.dps)
    ocid = f"{parent}-sp-{sp.reference}"
    city = sp.dps.city
    cal = city.calendar
    assert sp.invitation_sent_at is not None and sp.tender_deadline is not None
    common = {"ocid": ocid, "initiationType": "tender", "language": "en",
              "relatedProcesses": [{"id": "1", "relationship": ["framework"], "scheme": "ocid",
                                    "identifier": parent, "title": sp.dps.title}]}
    tender: dict[str, Any] = {
        "id": sp.reference, "title": sp.title, "status": TENDER_STATUS[sp.status],
        "procurementMethod": "selective", "competitive": True,
        "mainProcurementCategory": "goods", "value": _money(sp.estimated_value),
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": "; ".join(f"{c['name']} {c['weight']} %" for c in sp.criteria),
        "tenderPeriod": {"startDate": _iso(sp.invitation_sent_at, cal),
                         "endDate": _iso(sp.tender_deadline, cal)},
        "lots": [{"id": f"lot-{i}", "title": t} for i, t in enumerate(sp.lots, start=1)],
    }
    if sp.opened_at is not None:
        tender["numberOfTenderers"] = sp.tenders.filter(status=TenderStatus.OPENED).values(
            "operator").distinct().count()
    releases = [{**common, "id": f"{ocid}-tender", "date": _iso(sp.invitation_sent_at, cal),
                 "tag": ["tender"], "parties": [_city_party(city)],
                 "buyer": {"id": f"city-{city.slug}", "name": city.name}, "tender": tender}]
    if sp.status == ProcurementStatus.AWARDED and sp.awarded_tender is not None:
        assert sp.awarded_at is not None
        winner = _operator(sp.awarded_tender.operator)
        award: dict[str, Any] = {"id": f"{sp.reference}-award", "status": "active",
                 "date": _iso(sp.awarded_at, cal),
                 "suppliers": [{"id": winner["id"], "name": winner["name"]}]}
        releases.append({**common, "id": f"{ocid}-award", "date": _iso(sp.awarded_at, cal),
                         "tag": ["award"],
                         "parties": [{**winner, "roles": ["supplier", "tenderer"]}],
                         "awards": [award]})
        contracts = list(sp.contracts.select_related("institution").order_by("signed_at", "id"))
        if contracts:
            delivered = _deliveries(contracts, cal)
            tag = ["contract", "implementation"] if any(delivered.values()) else ["contract"]
            releases.append({
                **common, "id": f"{ocid}-contracts", "tag": tag,
                "date": _iso(max([contracts[-1].signed_at]
                                 + [d["date"] for ds in delivered.values() for d in ds]), cal),
                "parties": [{"id": f"institution-{c.institution.code}",
                             "name": c.institution.name, "roles": ["buyer", "payer"]}
                            for c in contracts] + [{**winner, "roles": ["supplier", "payee"]}],
                "contracts": [_contract(sp, c, award["id"], winner, delivered[c.pk], cal)
                              for c in contracts]})
    return releases


def _deliveries(contracts: list[Any], cal: CityCalendar) -> dict[int, list[dict[str, Any]]]:
    """contract -> its deliveries: date and value (the lines' total, net of VAT)."""
    out: dict[int, list[dict[str, Any]]] = {c.pk: [] for c in contracts}
    rows = (Delivery.objects.filter(contract__in=contracts).annotate(value=Sum("lines__value"))
            .order_by("delivered_on", "id").values("id", "contract_id", "delivered_on", "value"))
    for row in rows:
        moment = cal.at(row["delivered_on"], time(12))
        out[row["contract_id"]].append({"id": row["id"], "date": moment,
                                        "value": row["value"] or Decimal(0)})
    return out


def _contract(sp: SpecificProcurement, c: Any, award_id: str, winner: dict[str, Any],
              delivered: list[dict[str, Any]], cal: CityCalendar) -> dict[str, Any]:
    """A contract with its implementation: each delivery a transaction from the institution
    to the supplier. The deliveries' sustainability figures (organic, local, food-miles,
    CO2e) are in the open dataset ``food-deliveries``, per institution and month."""
    payer = {"id": f"institution-{c.institution.code}", "name": c.institution.name}
    contract: dict[str, Any] = {
        "id": f"{sp.reference}-{c.institution.code}", "awardID": award_id,
        "title": f"{sp.title}: {c.institution.name}", "status": "active",
        "value": _money(c.value), "dateSigned": _iso(c.signed_at, cal)}
    if delivered:
        contract["implementation"] = {"transactions": [
            {"id": f"delivery-{d['id']}", "source": "delivery note", "date": _iso(d["date"], cal),
             "value": _money(d["value"]), "payer": payer,
             "payee": {"id": winner["id"], "name": winner["name"]}} for d in delivered]}
    return contract


def release_package(city: City, uri: str | None = None) -> dict[str, Any]:
    """Every process of the city's food procurement; ``uri`` is where the package is published
    (a URN naming it when none is given)."""
    releases: list[dict[str, Any]] = []
    cal = city.calendar
    for dps in Dps.objects.filter(city=city).exclude(status=DpsStatus.DRAFT).order_by("id"):
        releases += dps_releases(dps)
        for sp in dps.procurements.exclude(status=ProcurementStatus.DRAFT).order_by("id"):
            releases += procurement_releases(sp)
    return {"uri": uri or f"urn:zerocity:{city.slug}:food-ocds",
            "version": "1.1", "extensions": [TECHNIQUES], "publishedDate": _iso(now(), cal),
            "publisher": {"name": city.name}, "releases": releases}
