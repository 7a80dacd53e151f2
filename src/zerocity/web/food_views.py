"""Local food procurement on the site: the public pages (the DPS's documents, free to read
without an account (DPS-07), the procedures, and the outcome indicators), the supplier
portal, the institutions' deliveries and the buyers' back office.

Every action goes through the services of ``zerocity.food``, so the law's rules, the sealed
tenders and the audit trail are the same here as on the command line. Who sees what:

- an operator's people see only that operator's requests, tenders, messages and catalogue;
- an institution's buyers see only its contracts and deliveries;
- city staff run the procedures; nobody reads a tender before its deadline and the two
  openers' approval (INV-1), whatever their role.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.timezone import now
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zerocity.core import audit
from zerocity.core.access import city_staff, public, signed_in
from zerocity.core.errors import Conflict, PermissionDenied
from zerocity.core.models import City, Role
from zerocity.food import catalogue, deadlines, dps, ocds, outcomes, tendering
from zerocity.food.models import (
    Application,
    ApplicationStatus,
    CatalogueItem,
    Clarification,
    Contract,
    Dps,
    DpsStatus,
    FoodGroup,
    FreightFactor,
    Institution,
    LowPrice,
    Message,
    Operator,
    ProcurementStatus,
    SpecificProcurement,
    Tender,
    TenderStatus,
)
from zerocity.web.http import form_datetime, private

VISIBLE = (DpsStatus.PUBLISHED, DpsStatus.INITIAL_EVALUATION, DpsStatus.ACTIVE,
           DpsStatus.TERMINATED)


def _decimal(value: str, what: str) -> Decimal:
    try:
        number = Decimal(value.replace(",", ".").strip())
    except InvalidOperation:
        raise Conflict(_("%(what)s: enter a number.") % {"what": what}) from None
    if not number.is_finite():
        raise Conflict(_("%(what)s: enter a number.") % {"what": what})
    return number


# -- public --------------------------------------------------------------------------------------

def _year(request: HttpRequest, city: City) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    latest = (outcomes.Delivery.objects.filter(contract__institution__city=city)
              .order_by("-delivered_on").values_list("delivered_on", flat=True).first())
    return latest.year if latest else city.calendar.today().year


@public
@require_GET
def food_public(request: HttpRequest, city: str) -> HttpResponse:
    """The public page: the city's systems, their procedures, and the year's outcomes for the
    city and each institution (outcome measures, never award criteria)."""
    found = get_object_or_404(City, slug=city)
    year = _year(request, found)
    systems = Dps.objects.filter(city=found, status__in=VISIBLE).annotate(
        members=Count("categories__memberships", filter=Q(
            categories__memberships__status__in=("active", "redeclaration_pending")),
            distinct=True))
    procedures = (SpecificProcurement.objects.filter(dps__city=found)
                  .exclude(status=ProcurementStatus.DRAFT)
                  .select_related("category", "awarded_tender__operator")
                  .annotate(tenders_opened=Count("tenders", filter=Q(
                      tenders__status=TenderStatus.OPENED)))
                  .order_by("-invitation_sent_at")[:50])
    city_wide, per_institution = outcomes.by_institution(found, year)
    institutions = [(i, per_institution[i.pk].kpis())
                    for i in Institution.objects.filter(city=found) if i.pk in per_institution]
    years = sorted({d.year for d in outcomes.Delivery.objects.filter(
        contract__institution__city=found).dates("delivered_on", "year")}, reverse=True)
    return render(request, "web/food/public.html", {
        "city": found, "year": year, "years": years, "systems": systems,
        "procedures": procedures, "total": city_wide.kpis(),
        "institutions": [(i, k) for i, k in institutions if k["value"]],
        "region": found.nuts3, "factors": FreightFactor.objects.all(),
        "production_factors": outcomes.production_factors().values(),
        "groups": dict(FoodGroup.choices)})


@public
@require_GET
def food_dps(request: HttpRequest, city: str, reference: str) -> HttpResponse:
    """The DPS's procurement documents: free, direct and without an account for its whole
    validity (DPS-07)."""
    system = get_object_or_404(Dps, city__slug=city, reference=reference, status__in=VISIBLE)
    return render(request, "web/food/dps.html", {
        "city": system.city, "dps": system,
        "categories": system.categories.annotate(members=Count("memberships", filter=Q(
            memberships__status__in=("active", "redeclaration_pending")))),
        "open": dps.open_for_requests(system, now())})


@public
@require_GET
def food_ocds(request: HttpRequest, city: str) -> HttpResponse:
    """Every procedure as an OCDS 1.1 release package (open data)."""
    found = get_object_or_404(City, slug=city)
    package = ocds.release_package(found, request.build_absolute_uri())
    response = JsonResponse(package, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'inline; filename="{found.slug}-food-ocds.json"'
    return response


# -- the supplier portal -----------------------------------------------------------------------

def _operator(request: HttpRequest, city: City, pk: int) -> Operator:
    found = Operator.objects.filter(city=city, pk=pk, people=request.user).first()
    if found is None:
        raise Http404("not one of your operators")
    return found


def _mail(system: Dps | None, operator: Operator) -> list[Message]:
    """The procedural messages addressed to the operator, newest first."""
    me = dps.address(operator)
    found = Message.objects.filter(dps__city=operator.city).order_by("-sent_at", "-id")
    if system is not None:
        found = found.filter(dps=system)
    return [m for m in found[:500] if me in m.recipients]


@signed_in
@require_GET
def supplier_home(request: HttpRequest, city: City) -> HttpResponse:
    at = now()
    mine = []
    for op in Operator.objects.filter(city=city, people=request.user):
        mine.append({
            "operator": op,
            "applications": op.applications.select_related("dps").prefetch_related(
                "categories").order_by("-received_at"),
            "memberships": op.memberships.select_related("category__dps"),
            "invitations": op.invitations.select_related("category", "dps").order_by(
                "-invitation_sent_at"),
            "catalogue": op.catalogue.filter(active=True),
            "messages": _mail(None, op)[:20],
        })
    systems = [s for s in Dps.objects.filter(city=city, status__in=VISIBLE)
               if dps.open_for_requests(s, at)]
    return private(render(request, "web/food/supplier.html", {
        "city": city, "mine": mine, "systems": systems, "groups": FoodGroup.choices,
        "weekdays": [(1, _("Mon")), (2, _("Tue")), (3, _("Wed")), (4, _("Thu")),
                     (5, _("Fri")), (6, _("Sat")), (7, _("Sun"))]}))


@signed_in
@require_POST
def supplier_register(request: HttpRequest, city: City) -> HttpResponse:
    """Register an economic operator: free of charge (DPS-10), the signed-in person acts
    for it."""
    name = request.POST.get("name", "").strip()[:300]
    registration = request.POST.get("registration", "").strip()[:40]
    if not name or not registration:
        messages.error(request, _("Give the operator's name and its registration number."))
    elif Operator.objects.filter(city=city, registration=registration).exists():
        messages.error(request, _("An operator with this registration number is registered; "
                                  "ask its people to add you."))
    else:
        op = Operator.objects.create(city=city, name=name, registration=registration,
                                     email=request.POST.get("email", "").strip()[:254])
        op.people.add(request.user)
        audit.record("food.operator_registered", city=city, user=request.user, obj=op)
        messages.success(request, _("%(name)s is registered.") % {"name": op.name})
    return redirect("food_supplier", city=city.slug)


@signed_in
@require_POST
def supplier_apply(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    op = _operator(request, city, pk)
    system = Dps.objects.filter(city=city, pk=request.POST.get("dps") or 0).first()
    if system is None:
        raise Http404("no such DPS")
    chosen = list(system.categories.filter(pk__in=request.POST.getlist("categories")))
    try:
        application = dps.submit(system, op, chosen, at=now(), by=request.user)
    except Conflict as exc:
        messages.error(request, _("The request was not sent: %(reason)s") % {"reason": exc})
    else:
        messages.success(request, _("Your request is received. The decision is due by "
                                    "%(due)s.") % {"due": _local(city, application.decision_due)})
    return redirect("food_supplier", city=city.slug)


def _local(city: City, moment: datetime) -> str:
    return city.calendar.local(moment).strftime("%d. %m. %Y %H:%M")


@signed_in
@require_POST
def supplier_catalogue(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    op = _operator(request, city, pk)
    fields: dict[str, Any] = {k: request.POST.get(k, "") for k in (
        "product", "food_group", "unit", "price", "quality_scheme", "production_place",
        "production_region", "production_country", "intermediaries")}
    fields["organic"] = request.POST.get("organic") == "on"
    fields["delivery_days"] = request.POST.getlist("delivery_days")
    try:
        item = catalogue.save_item(op, fields, by=request.user)
    except Conflict as exc:
        messages.error(request, _("The product was not saved: %(reason)s") % {"reason": exc})
    else:
        messages.success(request, _("%(product)s is in your catalogue.") % {
            "product": item.product})
    return redirect("food_supplier", city=city.slug)


@signed_in
@require_POST
def supplier_catalogue_retire(request: HttpRequest, city: City, pk: int,
                              item: int) -> HttpResponse:
    op = _operator(request, city, pk)
    found = get_object_or_404(CatalogueItem, operator=op, pk=item)
    catalogue.retire(found, by=request.user)
    messages.success(request, _("%(product)s is off your catalogue.") % {
        "product": found.product})
    return redirect("food_supplier", city=city.slug)


def _invitation(request: HttpRequest, city: City, pk: int, sp: int
                ) -> tuple[Operator, SpecificProcurement]:
    op = _operator(request, city, pk)
    found = SpecificProcurement.objects.filter(dps__city=city, pk=sp, invitees=op).select_related(
        "dps", "category").first()
    if found is None:
        raise Http404("not invited")
    return op, found


@signed_in
@require_GET
def supplier_procurement(request: HttpRequest, city: City, pk: int, sp: int) -> HttpResponse:
    """An invitation: the procurement, its criteria, the answered questions, one's own tenders
    (their receipts) and, once decided, the result."""
    op, found = _invitation(request, city, pk, sp)
    at = now()
    mine = found.tenders.filter(operator=op).order_by("-received_at")
    result = None
    if found.status in (ProcurementStatus.AWARDED, ProcurementStatus.UNSUCCESSFUL):
        result = [r for r in found.scores if r.get("operator") == op.name]
    return private(render(request, "web/food/supplier_procurement.html", {
        "city": city, "operator": op, "sp": found, "tenders": mine,
        "open": found.status == ProcurementStatus.TENDERING and found.tender_deadline
        and at < found.tender_deadline,
        "answers": found.clarifications.exclude(answered_at=None),
        "result": result, "won": found.awarded_tender is not None
        and found.awarded_tender.operator_id == op.pk,
        "messages_for_me": _mail(found.dps, op)[:20]}))


@signed_in
@require_POST
def supplier_tender(request: HttpRequest, city: City, pk: int, sp: int) -> HttpResponse:
    """A tender: a figure for each of the procurement's criteria, encrypted on arrival."""
    op, found = _invitation(request, city, pk, sp)
    content: dict[str, Any] = {}
    try:
        for c in found.criteria:
            content[c["id"]] = str(_decimal(request.POST.get(f"c_{c['id']}", ""), c["name"]))
        note = request.POST.get("note", "").strip()[:2000]
        if note:
            content["note"] = note
        tender = tendering.submit(found, op, content, at=now(), by=request.user)
    except Conflict as exc:
        messages.error(request, _("The tender was not received: %(reason)s") % {"reason": exc})
    else:
        messages.success(request, _("Your tender is received and sealed. Receipt: %(sha)s") % {
            "sha": tender.sha256})
    return redirect("food_supplier_procurement", city=city.slug, pk=op.pk, sp=found.pk)


@signed_in
@require_POST
def supplier_ask(request: HttpRequest, city: City, pk: int, sp: int) -> HttpResponse:
    op, found = _invitation(request, city, pk, sp)
    try:
        tendering.ask(found, op, request.POST.get("question", "")[:4000], at=now(),
                      by=request.user)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your question is sent. The answer goes to every invited "
                                    "supplier, without your name."))
    return redirect("food_supplier_procurement", city=city.slug, pk=op.pk, sp=found.pk)


# -- the institutions' deliveries ------------------------------------------------------------

def _institutions(request: HttpRequest, city: City) -> list[Institution]:
    return list(Institution.objects.filter(city=city, buyers=request.user))


@signed_in
@require_GET
def institution_home(request: HttpRequest, city: City) -> HttpResponse:
    """An institution's contracts, deliveries and outcomes: its buyers' page."""
    own = _institutions(request, city)
    if not own:
        raise Http404("not a buyer of an institution")
    year = _year(request, city)
    rows = []
    for inst in own:
        rows.append({
            "institution": inst, "kpis": outcomes.outcomes(city, year, inst).kpis(),
            "contracts": inst.contracts.select_related("operator", "procurement__category"),
            "deliveries": outcomes.Delivery.objects.filter(contract__institution=inst)
            .select_related("contract__operator").prefetch_related("lines")
            .order_by("-delivered_on")[:30]})
    return private(render(request, "web/food/institution.html", {
        "city": city, "rows": rows, "year": year, "groups": FoodGroup.choices,
        "vehicles": sorted({(f.key, f.label) for f in FreightFactor.objects.all()})}))


LINES_PER_FORM = 5


@signed_in
@require_POST
def institution_delivery(request: HttpRequest, city: City) -> HttpResponse:
    pk = request.POST.get("contract", "")
    contract = Contract.objects.filter(pk=int(pk) if pk.isdigit() else 0,
                                       institution__city=city,
                                       institution__buyers=request.user).first()
    if contract is None:
        raise Http404("not your institution's contract")
    lines = []
    for n in range(LINES_PER_FORM):
        product = request.POST.get(f"product_{n}", "").strip()
        if not product:
            continue
        lines.append({"product": product, "food_group": request.POST.get(f"group_{n}", ""),
                      "quantity_kg": request.POST.get(f"kg_{n}", "").replace(",", "."),
                      "value": request.POST.get(f"value_{n}", "").replace(",", "."),
                      "organic": request.POST.get(f"organic_{n}") == "on",
                      "quality_scheme": request.POST.get(f"scheme_{n}", ""),
                      "production_region": request.POST.get(f"region_{n}", "").upper(),
                      "production_country": request.POST.get(f"country_{n}", ""),
                      "intermediaries": request.POST.get(f"intermediaries_{n}") or 0})
    try:
        delivery = outcomes.record_delivery(
            contract, delivered_on=request.POST.get("delivered_on", ""),
            vehicle=request.POST.get("vehicle", ""),
            distance_km=request.POST.get("distance_km", "").replace(",", "."),
            dedicated=request.POST.get("dedicated") == "on", lines=lines, by=request.user)
    except (Conflict, ValueError) as exc:
        messages.error(request, _("The delivery was not recorded: %(reason)s") % {
            "reason": exc})
    else:
        messages.success(request, _("The delivery of %(day)s is recorded.") % {
            "day": delivery.delivered_on})
    return redirect("food_institution", city=city.slug)


# -- the buyers' back office -------------------------------------------------------------------

@city_staff
@require_GET
def manage_home(request: HttpRequest, city: City) -> HttpResponse:
    at = now()
    systems = Dps.objects.filter(city=city).prefetch_related("categories")
    applications = (Application.objects.filter(dps__city=city)
                    .select_related("operator", "dps").prefetch_related("categories")
                    .order_by("status", "decision_due"))
    procedures = (SpecificProcurement.objects.filter(dps__city=city)
                  .select_related("category", "dps").order_by("-created_at"))
    return private(render(request, "web/food/manage.html", {
        "city": city, "systems": systems, "now": at,
        "to_decide": [a for a in applications if a.status in (
            ApplicationStatus.SEALED, ApplicationStatus.UNDER_EVALUATION)],
        "decided": [a for a in applications if a.status not in (
            ApplicationStatus.SEALED, ApplicationStatus.UNDER_EVALUATION)][:50],
        "procedures": procedures, "checks": dps.EXCLUSION_CHECKS,
        "notices_due": procedures.filter(status=ProcurementStatus.AWARDED,
                                         award_notice_sent_at=None)}))


@city_staff
@require_POST
def manage_tick(request: HttpRequest, city: City) -> HttpResponse:
    """Apply the time limits now (the timer does it every few minutes)."""
    moved = dps.tick(city, now())
    messages.success(request, _("Time limits applied: %(unsealed)s requests unsealed, "
                                "%(closed)s procurements closed for tenders.") % {
        "unsealed": moved.unsealed, "closed": len(moved.closed_for_tenders)})
    return redirect("food_manage", city=city.slug)


@city_staff
@require_POST
def manage_decide(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    application = get_object_or_404(Application, dps__city=city, pk=pk)
    admitted = list(application.categories.filter(pk__in=request.POST.getlist("admitted")))
    checks = {c: request.POST.get(c) == "on" for c in dps.EXCLUSION_CHECKS}
    try:
        dps.decide(application, admitted=admitted, checks=checks, at=now(),
                   reasons=request.POST.get("reasons", "")[:4000], by=request.user)
    except Conflict as exc:
        messages.error(request, _("Not decided: %(reason)s") % {"reason": exc})
    else:
        messages.success(request, _("The request of %(name)s is decided and the operator "
                                    "is told.") % {"name": application.operator.name})
    return redirect("food_manage", city=city.slug)


@city_staff
@require_POST
def manage_procurement_new(request: HttpRequest, city: City) -> HttpResponse:
    system = get_object_or_404(Dps, city=city, pk=request.POST.get("dps") or 0)
    category = get_object_or_404(system.categories, pk=request.POST.get("category") or 0)
    try:
        sp = tendering.create(
            system, category, request.POST.get("reference", "").strip()[:60],
            request.POST.get("title", "").strip()[:300],
            criteria=[c["id"] for c in system.award_criteria],
            estimated_value=_decimal(request.POST.get("estimated_value", ""),
                                     _("Estimated value")),
            lots=request.POST.get("lots", "").splitlines(),
            no_lots_reason=request.POST.get("no_lots_reason", "")[:2000], by=request.user)
    except Conflict as exc:
        messages.error(request, _("Not created: %(reason)s") % {"reason": exc})
        return redirect("food_manage", city=city.slug)
    return redirect("food_manage_procurement", city=city.slug, pk=sp.pk)


def _procurement(city: City, pk: int) -> SpecificProcurement:
    return get_object_or_404(SpecificProcurement.objects.select_related(
        "dps", "category", "awarded_tender__operator"), dps__city=city, pk=pk)


@city_staff
@require_GET
def manage_procurement(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """A procurement for its buyers. Before the opening only the number of tenders shows:
    not who sent them, nor what they offer. After it every reading goes through
    ``tendering.read``, so each is in the audit trail."""
    sp = _procurement(city, pk)
    at = now()
    tenders = list(sp.tenders.select_related("operator").order_by("received_at"))
    opened = []
    if sp.opened_at is not None:
        for t in tenders:
            if t.status == TenderStatus.OPENED:
                opened.append((t, tendering.read(t, user=request.user, at=at)))
    staff = _staff(city).exclude(pk=request.user.pk)
    return private(render(request, "web/food/manage_procurement.html", {
        "city": city, "sp": sp, "now": at, "opened": opened,
        "sealed": sum(t.status == TenderStatus.SEALED for t in tenders),
        "invitees": sp.invitees.order_by("name"), "openers": sp.openers.select_related("user"),
        "i_open": sp.openers.filter(user=request.user, approved_at=None).exists(),
        "questions": sp.clarifications.select_related("operator"),
        "ranking": tendering.score(sp) if sp.status == ProcurementStatus.EVALUATION
        else sp.scores, "low_asked": LowPrice.ASKED,
        "earliest": deadlines.in_days(city.calendar, at, tendering.TENDER_DAYS),
        "staff": staff, "institutions": Institution.objects.filter(city=city),
        "contracts": sp.contracts.select_related("institution"),
        "min_passphrase": tendering.MIN_PASSPHRASE}))


def _staff(city: City) -> Any:
    return get_user_model().objects.filter(
        memberships__city=city, memberships__role__in=(Role.STAFF, Role.ADMIN)).order_by(
        "username")


def _back(sp: SpecificProcurement) -> HttpResponse:
    return redirect("food_manage_procurement", city=sp.dps.city.slug, pk=sp.pk)


@city_staff
@require_POST
def manage_invite(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """Send the invitation. Both openers type their own passphrase here; neither is kept."""
    sp = _procurement(city, pk)
    second = _staff(city).filter(username=request.POST.get("second_opener", "")).first()
    try:
        if second is None:
            raise Conflict(_("Name the second opener: a member of the city's staff."))
        deadline = form_datetime(request.POST.get("deadline", ""))
        tendering.invite(sp, at=now(), tender_deadline=deadline,
                         openers={request.user: request.POST.get("passphrase", ""),
                                  second: request.POST.get("second_passphrase", "")},
                         by=request.user)
    except Conflict as exc:
        messages.error(request, _("Not sent: %(reason)s") % {"reason": exc})
    else:
        messages.success(request, _("The invitation is sent to every member of the category."))
    return _back(sp)


@city_staff
@require_POST
def manage_open(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    sp = _procurement(city, pk)
    try:
        sp = tendering.approve_opening(sp, request.user, request.POST.get("passphrase", ""),
                                       at=now())
    except (Conflict, PermissionDenied) as exc:
        messages.error(request, _("Not opened: %(reason)s") % {"reason": exc})
    else:
        messages.success(request, _("The tenders are open.") if sp.opened_at else
                         _("Your approval is recorded; the second opener's is needed."))
    return _back(sp)


@city_staff
@require_POST
def manage_low_price(request: HttpRequest, city: City, pk: int, tender: int) -> HttpResponse:
    sp = _procurement(city, pk)
    found = get_object_or_404(Tender, procurement=sp, pk=tender)
    try:
        tendering.decide_low_price(found, accepted=request.POST.get("decision") == "accept",
                                   reason=request.POST.get("reason", "")[:2000], at=now(),
                                   by=request.user)
    except Conflict as exc:
        messages.error(request, str(exc))
    return _back(sp)


@city_staff
@require_POST
def manage_award(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    sp = _procurement(city, pk)
    try:
        sp = tendering.award(sp, at=now(), by=request.user,
                             evidence_verified=request.POST.get("evidence_verified") == "on")
    except Conflict as exc:
        messages.error(request, _("Not awarded: %(reason)s") % {"reason": exc})
    else:
        messages.success(request, _("Decided; every tenderer is told the result."))
    return _back(sp)


@city_staff
@require_POST
def manage_contracts(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    sp = _procurement(city, pk)
    values = {}
    try:
        for inst in Institution.objects.filter(city=city):
            raw = request.POST.get(f"value_{inst.pk}", "").strip()
            if raw:
                values[inst] = _decimal(raw, inst.name)
        outcomes.sign_contracts(sp, values, at=now(), by=request.user)
    except Conflict as exc:
        messages.error(request, _("Not signed: %(reason)s") % {"reason": exc})
    else:
        messages.success(request, _("The contracts are recorded."))
    return _back(sp)


@city_staff
@require_POST
def manage_notice(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    sp = _procurement(city, pk)
    try:
        tendering.send_award_notice(sp, at=now(), by=request.user)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The contract award notice is sent."))
    return _back(sp)


@city_staff
@require_POST
def manage_answer(request: HttpRequest, city: City, pk: int, question: int) -> HttpResponse:
    sp = _procurement(city, pk)
    found = get_object_or_404(Clarification, procurement=sp, pk=question)
    try:
        extend = request.POST.get("extend_to", "").strip()
        tendering.answer(found, request.POST.get("answer", "")[:4000], at=now(),
                         extend_to=form_datetime(extend) if extend else None, by=request.user)
    except Conflict as exc:
        messages.error(request, _("Not answered: %(reason)s") % {"reason": exc})
    else:
        messages.success(request, _("The answer is sent to every invited supplier."))
    return _back(sp)


@city_staff
@require_GET
def manage_catalogue(request: HttpRequest, city: City) -> HttpResponse:
    """The whole catalogue of the admitted suppliers, as CSV."""
    response = HttpResponse(catalogue.to_csv(catalogue.offered(city)),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{city.slug}-katalog-zivil.csv"'
    return private(response)
