"""Reads of local food procurement, with who-sees-what applied here (``web.food_views`` and
``api.food`` only render what these return):

- anyone reads the published systems, their procedures (never a tender's content) and the
  outcome indicators;
- an operator's people read only that operator's requests, invitations, tenders, messages
  and catalogue; an invitation is seen only by the operators invited when it was sent (INV-2);
- an institution's buyers read only its contracts and deliveries;
- city staff read the back office; a tender's content is read only through
  ``tendering.read``, which audits every reading.

An object outside those rules is ``NotFound``, whether it exists or not.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from zerocity.core.actors import Person, signed_in
from zerocity.core.errors import NotFound
from zerocity.core.models import City, Role
from zerocity.food import deadlines, letters
from zerocity.food.factors import production_factors
from zerocity.food.models import (
    Application,
    ApplicationStatus,
    CatalogueItem,
    Category,
    Clarification,
    Contract,
    Delivery,
    Dps,
    DpsStatus,
    FreightFactor,
    Institution,
    Message,
    Operator,
    ProcurementStatus,
    SpecificProcurement,
    Tender,
    TenderStatus,
)
from zerocity.food.services import dps, outcomes, tendering

# the systems anyone sees: published, and until their end (a draft is the buyers' only)
VISIBLE = (DpsStatus.PUBLISHED, DpsStatus.INITIAL_EVALUATION, DpsStatus.ACTIVE,
           DpsStatus.TERMINATED)
# members that count on the public pages: admitted, or admitted and asked to renew
COUNTED_MEMBERS = ("active", "redeclaration_pending")
UNDECIDED = (ApplicationStatus.SEALED, ApplicationStatus.UNDER_EVALUATION)


def _pk(raw: str | int | None) -> int:
    """A primary key sent in a form; 0 (matching nothing) for anything but ASCII digits a
    database key can hold ("²" is a digit to ``isdigit`` and no number to ``int``)."""
    text = str(raw or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else 0


def local_time_data(city: City) -> str | None:
    """Published DPSs run on time limits counted in the city's days (``core.hooks``)."""
    published = Dps.objects.filter(city=city, notice_sent_at__isnull=False).count()
    noun = "system" if published == 1 else "systems"
    return f"{published} published dynamic purchasing {noun}" if published else None


# -- the outcomes -----------------------------------------------------------------------------

def outcome_years(city: City) -> list[int]:
    """The years with deliveries to the city's institutions, the newest first."""
    return sorted({d.year for d in Delivery.objects.filter(
        contract__institution__city=city).dates("delivered_on", "year")}, reverse=True)


def default_outcome_year(city: City) -> int:
    """The year the food pages open on: that of the latest delivery, or the city's current
    year before any."""
    latest = (Delivery.objects.filter(contract__institution__city=city)
              .order_by("-delivered_on").values_list("delivered_on", flat=True).first())
    return latest.year if latest else city.calendar.today().year


def public_outcomes(city: City, year: int | None = None) -> dict[str, Any]:
    """The year's outcome indicators (``outcomes.Outcomes.kpis``) for the whole city and for
    each institution that received food that year, as the public food page shows them; the
    page's year when none is given. Outcome measures only: never award criteria, prices of
    single deliveries or the people behind them."""
    year = default_outcome_year(city) if year is None else year
    city_wide, per_institution = outcomes.by_institution(city, year)
    institutions = []
    for institution in Institution.objects.filter(city=city, pk__in=list(per_institution)):
        kpis = per_institution[institution.pk].kpis()
        if kpis["value"]:
            institutions.append({"code": institution.code, "name": institution.name,
                                 "kind": institution.kind, **_plain(kpis)})
    return {"city": city.slug, "year": year, "years": outcome_years(city),
            "city_wide": _plain(city_wide.kpis()), "institutions": institutions}


def _plain(kpis: dict[str, Any]) -> dict[str, Any]:
    """The figures of ``kpis`` with the production emissions by food group as named pairs."""
    return {**kpis, "by_group": [{"food_group": group, "kg_co2e": kg}
                                 for group, kg in kpis["by_group"]]}


# -- the public pages ---------------------------------------------------------------------------

def public_page(city: City, year: int | None = None) -> dict[str, Any]:
    """The public food page: the city's systems with their members, the procedures past their
    draft (the winner, and the number of tenders once opened), the year's outcomes for the
    city and each institution that received food (``default_outcome_year`` when no year is
    asked), and the factors with their sources."""
    year = default_outcome_year(city) if year is None else year
    systems = Dps.objects.filter(city=city, status__in=VISIBLE).annotate(
        members=Count("categories__memberships", filter=Q(
            categories__memberships__status__in=COUNTED_MEMBERS), distinct=True))
    procedures = (SpecificProcurement.objects.filter(dps__city=city)
                  .exclude(status=ProcurementStatus.DRAFT)
                  .select_related("category", "awarded_tender__operator")
                  .annotate(tenders_opened=Count("tenders", filter=Q(
                      tenders__status=TenderStatus.OPENED)))
                  .order_by("-invitation_sent_at")[:50])
    city_wide, per_institution = outcomes.by_institution(city, year)
    institutions = [(i, per_institution[i.pk].kpis())
                    for i in Institution.objects.filter(city=city) if i.pk in per_institution]
    return {"year": year, "years": outcome_years(city), "systems": systems,
            "procedures": procedures, "total": city_wide.kpis(),
            "institutions": [(i, k) for i, k in institutions if k["value"]],
            "factors": FreightFactor.objects.all(),
            "production_factors": production_factors().values()}


def public_dps(city: City, reference: str, at: datetime) -> dict[str, Any]:
    """A published system's procurement documents with its categories and their members, and
    whether it takes requests at ``at`` (DPS-07: free and without an account); NotFound for a
    draft."""
    system = Dps.objects.filter(city=city, reference=reference, status__in=VISIBLE).first()
    if system is None:
        raise NotFound(_("There is no published purchasing system %(ref)s.") % {"ref": reference})
    return {"dps": system,
            "categories": system.categories.annotate(members=Count("memberships", filter=Q(
                memberships__status__in=COUNTED_MEMBERS))),
            "open": dps.open_for_requests(system, at)}


# -- the supplier portal ------------------------------------------------------------------------

def operator_for_user(person: Person, city: City, pk: int) -> Operator:
    """The city's operator ``pk`` if the person acts for it; NotFound otherwise."""
    user = signed_in(person)
    found = (Operator.objects.filter(city=city, pk=pk, people=user).first()
             if user is not None else None)
    if found is None:
        raise NotFound(_("You do not act for this operator."))
    return found


def messages_for(operator: Operator, system: Dps | None = None) -> list[Message]:
    """The procedural messages addressed to the operator (of one system, or all), the newest
    first."""
    me = dps.address(operator)
    found = Message.objects.filter(dps__city=operator.city).order_by("-sent_at", "-id")
    if system is not None:
        found = found.filter(dps=system)
    return [m for m in found.select_related("dps__city")[:500] if me in m.recipients]


def letters_for(operator: Operator, system: Dps | None = None, n: int = 20
                ) -> list[letters.Letter]:
    """The operator's newest procedural messages, written for a person in the active language
    (``letters.render``)."""
    return [letters.render(m, operator.name) for m in messages_for(operator, system)[:n]]


def supplier_page(city: City, person: Person, at: datetime) -> dict[str, Any]:
    """The supplier portal: for each operator the person acts for, its requests, memberships,
    invitations, active catalogue and latest messages; and the systems taking requests at
    ``at``, with their categories."""
    user = signed_in(person)
    mine = []
    for op in Operator.objects.filter(city=city, people=user) if user is not None else []:
        mine.append({
            "operator": op,
            "applications": op.applications.select_related("dps").prefetch_related(
                "categories").order_by("-received_at"),
            "memberships": op.memberships.select_related("category__dps"),
            "invitations": op.invitations.select_related("category", "dps").order_by(
                "-invitation_sent_at"),
            "catalogue": op.catalogue.filter(active=True),
            "messages": letters_for(op),
        })
    systems = [s for s in Dps.objects.filter(city=city, status__in=VISIBLE)
               .prefetch_related("categories") if dps.open_for_requests(s, at)]
    return {"mine": mine, "systems": systems}


def dps_of(city: City, pk: str | int | None) -> Dps:
    """The city's system ``pk`` (as a form sends it), or NotFound."""
    found = Dps.objects.filter(city=city, pk=_pk(pk)).first()
    if found is None:
        raise NotFound(_("There is no such purchasing system."))
    return found


def dps_categories(system: Dps, pks: list[str] | list[int]) -> list[Category]:
    """The system's categories among ``pks`` (a request's choice; another system's are not)."""
    return list(system.categories.filter(pk__in=[_pk(p) for p in pks]))


def dps_category(system: Dps, pk: str | int | None) -> Category:
    """The system's category ``pk``, or NotFound."""
    found = system.categories.filter(pk=_pk(pk)).first()
    if found is None:
        raise NotFound(_("There is no such category in this purchasing system."))
    return found


def catalogue_item(operator: Operator, pk: int) -> CatalogueItem:
    """The operator's catalogue item ``pk``, or NotFound."""
    found = CatalogueItem.objects.filter(operator=operator, pk=pk).first()
    if found is None:
        raise NotFound(_("This product is not in your catalogue."))
    return found


def invitation_for_user(person: Person, city: City, operator: int, procurement: int
                        ) -> tuple[Operator, SpecificProcurement]:
    """The operator the person acts for and a procurement it was invited to (INV-2: the
    members when the invitation went out, nobody admitted later); NotFound otherwise."""
    op = operator_for_user(person, city, operator)
    found = (SpecificProcurement.objects.filter(dps__city=city, pk=procurement, invitees=op)
             .select_related("dps", "category").first())
    if found is None:
        raise NotFound(_("Your operator is not invited to this procurement."))
    return op, found


def _explained(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ranking rows with ``reason``: why a tender was not admissible, in the reader's
    language."""
    return [{**r, "reason": letters.not_admissible(r)} if not r.get("admissible") else r
            for r in rows]


def invitation_page(operator: Operator, sp: SpecificProcurement, at: datetime,
                    estimate: dict[str, Any] | None = None) -> dict[str, Any]:
    """An invitation as its operator sees it: its own tenders (their receipts), whether it
    takes tenders at ``at``, the answered questions (not who asked), its own result once
    decided, and its messages about the procurement's system."""
    result = None
    transport = None
    if estimate:  # vehicle, distance_km, kg, dedicated: the transport emissions helper
        transport = outcomes.estimate_transport(
            estimate["vehicle"], estimate["distance_km"], estimate["kg"],
            dedicated=bool(estimate.get("dedicated")))
    if sp.status in (ProcurementStatus.AWARDED, ProcurementStatus.UNSUCCESSFUL):
        result = _explained([r for r in sp.scores if r.get("operator") == operator.name])
    return {"tenders": sp.tenders.filter(operator=operator).order_by("-received_at"),
            "open": sp.status == ProcurementStatus.TENDERING and sp.tender_deadline is not None
            and at < sp.tender_deadline,
            "answers": sp.clarifications.exclude(answered_at=None), "result": result,
            "won": sp.awarded_tender is not None
            and sp.awarded_tender.operator_id == operator.pk,
            "messages_for_me": letters_for(operator, sp.dps), "transport": transport,
            "items_by_lot": items_by_lot(sp),
            "vehicles": outcomes.vehicles()}


def vehicles() -> list[tuple[str, str]]:
    """The vehicles a delivery or a transport estimate can name."""
    return outcomes.vehicles()


def items_by_lot(sp: SpecificProcurement) -> list[tuple[str, list[dict[str, Any]]]]:
    """What the procurement buys, grouped by lot in the lots' order ("" when undivided)."""
    lots = list(sp.lots) or [""]
    return [(lot, [i for i in sp.items if (i.get("lot") or "") == lot]) for lot in lots
            if any((i.get("lot") or "") == lot for i in sp.items)]


# -- the institutions -------------------------------------------------------------------------

def buys_for_an_institution(person: Person | None, city: City) -> bool:
    """Whether the person buys food for one of the city's institutions (the buyers' page is
    theirs: the site links it for them only)."""
    user = signed_in(person)
    return user is not None and Institution.objects.filter(city=city, buyers=user).exists()


def institution_page(city: City, person: Person, year: int | None = None) -> dict[str, Any]:
    """The buyers' page: for each of the city's institutions the person buys for, the year's
    outcomes (``default_outcome_year`` when no year is asked), its contracts and its latest
    deliveries; NotFound for someone who buys for none. With the food groups and vehicles of
    the delivery form."""
    user = signed_in(person)
    own = list(Institution.objects.filter(city=city, buyers=user)) if user is not None else []
    if not own:
        raise NotFound(_("You are not a buyer of any institution."))
    year = default_outcome_year(city) if year is None else year
    rows = [{"institution": inst, "kpis": outcomes.outcomes(city, year, inst).kpis(),
             "contracts": inst.contracts.select_related("operator", "procurement__category"),
             "grids": [(c, outcomes.contract_items(c)) for c in inst.contracts.select_related(
                 "operator", "procurement")],
             "deliveries": Delivery.objects.filter(contract__institution=inst)
             .select_related("contract__operator").prefetch_related("lines")
             .order_by("-delivered_on")[:30]}
            for inst in own]
    return {"rows": rows, "year": year,
            "vehicles": outcomes.vehicles()}


def contract_for_buyer(person: Person, city: City, pk: str | int | None) -> Contract:
    """A contract of an institution the person buys for, or NotFound."""
    user = signed_in(person)
    found = (Contract.objects.filter(pk=_pk(pk), institution__city=city,
                                     institution__buyers=user).first()
             if user is not None else None)
    if found is None:
        raise NotFound(_("This is not a contract of your institution."))
    return found


def institutions(city: City) -> list[Institution]:
    """The city's institutions taking part (the contracts are signed with each)."""
    return list(Institution.objects.filter(city=city))


# -- the back office ------------------------------------------------------------------------

def back_office(city: City) -> dict[str, Any]:
    """The buyers' back office: the systems with their categories, the requests to decide
    (the earliest due first) and the last fifty decided, the procedures (the newest first)
    and the award notices still to send."""
    applications = (Application.objects.filter(dps__city=city)
                    .select_related("operator", "dps").prefetch_related("categories")
                    .order_by("status", "decision_due"))
    procedures = (SpecificProcurement.objects.filter(dps__city=city)
                  .select_related("category", "dps").order_by("-created_at"))
    return {"systems": Dps.objects.filter(city=city).prefetch_related("categories"),
            "to_decide": [a for a in applications if a.status in UNDECIDED],
            "decided": [a for a in applications if a.status not in UNDECIDED][:50],
            "procedures": procedures,
            "notices_due": procedures.filter(status=ProcurementStatus.AWARDED,
                                             award_notice_sent_at=None)}


def application(city: City, pk: int) -> Application:
    """A request to participate in one of the city's systems, or NotFound."""
    found = (Application.objects.select_related("operator", "dps")
             .filter(dps__city=city, pk=pk).first())
    if found is None:
        raise NotFound(_("There is no request %(pk)s.") % {"pk": pk})
    return found


def application_categories(request: Application, pks: list[str] | list[int]) -> list[Category]:
    """The request's categories among ``pks`` (those admitted; no other category is)."""
    return list(request.categories.filter(pk__in=[_pk(p) for p in pks]))


def procurement(city: City, pk: int) -> SpecificProcurement:
    """A specific procurement of one of the city's systems, or NotFound."""
    found = (SpecificProcurement.objects.select_related("dps", "category",
                                                        "awarded_tender__operator")
             .filter(dps__city=city, pk=pk).first())
    if found is None:
        raise NotFound(_("There is no procurement %(pk)s.") % {"pk": pk})
    return found


def city_staff(city: City) -> QuerySet[Any]:
    """The city's staff and administrators, by user name: the openers are chosen among them."""
    return get_user_model().objects.filter(
        memberships__city=city, memberships__role__in=(Role.STAFF, Role.ADMIN)).order_by(
        "username")


def staff_member(city: City, username: str) -> Any:
    """The member of the city's staff with this user name; None for anybody else."""
    return city_staff(city).filter(username=username).first() if username else None


def procurement_page(sp: SpecificProcurement, person: Person, at: datetime
                     ) -> dict[str, Any]:
    """A procurement for its buyers, without any tender's content (``tendering.read_opened``
    gives that, audited): before the opening only how many tenders are sealed; the openers
    and whether the person is one who may approve now (after the deadline, not yet
    approved); the questions, the ranking, the earliest deadline an invitation may set, the
    staff to name as second opener, the institutions and the contracts."""
    user = signed_in(person)
    tenders = list(sp.tenders.select_related("operator").order_by("received_at"))
    due = sp.tender_deadline is not None and at >= sp.tender_deadline
    city = sp.dps.city
    return {
        "sealed": sum(t.status == TenderStatus.SEALED for t in tenders),
        "items_by_lot": items_by_lot(sp),
        "tenderers": len({t.operator_id for t in tenders if t.status != TenderStatus.WITHDRAWN}),
        "invitees": sp.invitees.order_by("name"), "openers": sp.openers.select_related("user"),
        "i_open": due and user is not None and sp.openers.filter(
            user=user, approved_at=None).exists(),
        "questions": sp.clarifications.select_related("operator"),
        "ranking": _explained(tendering.score(sp) if sp.status == ProcurementStatus.EVALUATION
                              else sp.scores),
        "earliest": deadlines.in_days(city.calendar, at, tendering.TENDER_DAYS),
        "staff": city_staff(city).exclude(pk=user.pk) if user is not None else city_staff(city),
        "institutions": institutions(city),
        "contracts": sp.contracts.select_related("institution"),
    }


def tender(sp: SpecificProcurement, pk: int) -> Tender:
    """A tender of this procurement, or NotFound."""
    found = Tender.objects.filter(procurement=sp, pk=pk).first()
    if found is None:
        raise NotFound(_("There is no tender %(pk)s in this procurement.") % {"pk": pk})
    return found


def clarification(sp: SpecificProcurement, pk: int) -> Clarification:
    """A question asked in this procurement, or NotFound."""
    found = Clarification.objects.filter(procurement=sp, pk=pk).first()
    if found is None:
        raise NotFound(_("There is no question %(pk)s in this procurement.") % {"pk": pk})
    return found
