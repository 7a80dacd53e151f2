"""Local food procurement on the site: the public pages (the DPS's documents, free to read
without an account (DPS-07), the procedures, and the outcome indicators), the supplier
portal, the institutions' deliveries and the buyers' back office.

Every action goes through the services of ``zerocity.food``, so the law's rules, the sealed
tenders and the audit trail are the same here as on the command line; every page reads
through ``food.selectors``, which applies who sees what:

- an operator's people see only that operator's requests, tenders, messages and catalogue;
- an institution's buyers see only its contracts and deliveries;
- city staff run the procedures; nobody reads a tender before its deadline and the two
  openers' approval (INV-1), whatever their role.

A service's refusal is shown by ``web.refusals`` as a message on the page the form was on
(each form names it in its ``next`` field).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format, get_format
from django.utils.timezone import now
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zerocity.core.access import city_staff, public, signed_in
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.core.selectors import get_city
from zerocity.food import ocds, selectors
from zerocity.food.errors import FormRejected
from zerocity.food.models import FoodGroup, Institution, LowPrice, SpecificProcurement
from zerocity.food.services import catalogue, dps, outcomes, tendering
from zerocity.food.text import parse_decimal
from zerocity.web.forms import (
    DeliveryForm,
    TenderForm,
    TransportEstimateForm,
    delivery_rows,
    form_problems,
)
from zerocity.web.http import form_datetime, private
from zerocity.web.page_cache import shared_page
from zerocity.web.posted import (
    ApplyForm,
    DecideForm,
    NewProcurementForm,
    posted,
)


def _decimal(value: str, what: str) -> Decimal:
    """A number typed in the page's language ("39.500,00" in Slovenian)."""
    number = parse_decimal(value)
    if number is None:
        raise FormRejected([(what, _("enter a number, such as %(example)s.") % {
            "example": "39.500,00" if get_format("DECIMAL_SEPARATOR") == "," else "39,500.00"})])
    return number


def _year(request: HttpRequest) -> int | None:
    """The year asked in the address (``?year=``); None for the page's own
    (``selectors.default_outcome_year``)."""
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else None


def _local(city: City, moment: datetime) -> str:
    return city.calendar.local(moment).strftime("%d. %m. %Y %H:%M")


# -- public --------------------------------------------------------------------------------------

@public
@shared_page
@require_GET
def food_public(request: HttpRequest, city: str) -> HttpResponse:
    """The public page: the city's systems, their procedures, and the year's outcomes for the
    city and each institution (outcome measures, never award criteria)."""
    found = get_city(city)
    return render(request, "web/food/public.html", {
        "city": found, "region": found.nuts3, "groups": dict(FoodGroup.choices),
        **selectors.public_page(found, _year(request))})


@public
@require_GET
def food_dps(request: HttpRequest, city: str, reference: str) -> HttpResponse:
    """The DPS's procurement documents: free, direct and without an account for its whole
    validity (DPS-07)."""
    found = get_city(city)
    return render(request, "web/food/dps.html", {
        "city": found, **selectors.public_dps(found, reference, now())})


@public
@require_GET
def food_ocds(request: HttpRequest, city: str) -> HttpResponse:
    """Every procedure as an OCDS 1.1 release package (open data)."""
    found = get_city(city)
    package = ocds.release_package(found, request.build_absolute_uri())
    response = JsonResponse(package, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'inline; filename="{found.slug}-food-ocds.json"'
    return response


# -- the supplier portal -----------------------------------------------------------------------

@signed_in
@require_GET
def supplier_home(request: HttpRequest, city: City) -> HttpResponse:
    return private(render(request, "web/food/supplier.html", {
        "city": city, "groups": FoodGroup.choices,
        "weekdays": [(1, _("Mon")), (2, _("Tue")), (3, _("Wed")), (4, _("Thu")),
                     (5, _("Fri")), (6, _("Sat")), (7, _("Sun"))],
        **selectors.supplier_page(city, request.user, now())}))


@signed_in
@require_POST
def supplier_register(request: HttpRequest, city: City) -> HttpResponse:
    """Register an economic operator: free of charge (DPS-10), the signed-in person acts
    for it."""
    op = dps.register_operator(city, request.POST.get("name", ""),
                               request.POST.get("registration", ""),
                               email=request.POST.get("email", ""), by=request.user)
    messages.success(request, _("%(name)s is registered.") % {"name": op.name})
    return redirect("food_supplier", city=city.slug)


@signed_in
@require_POST
def supplier_apply(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    op = selectors.operator_for_user(request.user, city, pk)
    form = posted(request, ApplyForm)
    system = selectors.dps_of(city, form["dps"])
    application = dps.submit(system, op, selectors.dps_categories(
        system, form["categories"]), at=now(), by=request.user)
    messages.success(request, _("Your request is received. The decision is due by "
                                "%(due)s.") % {"due": _local(city, application.decision_due)})
    return redirect("food_supplier", city=city.slug)


@signed_in
@require_POST
def supplier_catalogue(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    op = selectors.operator_for_user(request.user, city, pk)
    fields: dict[str, Any] = {k: request.POST.get(k, "") for k in (
        "product", "food_group", "unit", "price", "quality_scheme", "production_place",
        "production_region", "production_country", "intermediaries")}
    fields["organic"] = request.POST.get("organic") == "on"
    fields["delivery_days"] = request.POST.getlist("delivery_days")
    item = catalogue.save_item(op, fields, by=request.user)
    messages.success(request, _("%(product)s is in your catalogue.") % {
        "product": item.product})
    return redirect("food_supplier", city=city.slug)


@signed_in
@require_POST
def supplier_catalogue_retire(request: HttpRequest, city: City, pk: int,
                              item: int) -> HttpResponse:
    op = selectors.operator_for_user(request.user, city, pk)
    found = catalogue.retire(selectors.catalogue_item(op, item), by=request.user)
    messages.success(request, _("%(product)s is off your catalogue.") % {
        "product": found.product})
    return redirect("food_supplier", city=city.slug)


def _invitation(request: HttpRequest, city: City, pk: int, sp: int,
                form: TenderForm | None = None) -> HttpResponse:
    op, found = selectors.invitation_for_user(request.user, city, pk, sp)
    vehicles = selectors.vehicles()
    helper = TransportEstimateForm(vehicles, request.GET if "vehicle" in request.GET else None)
    estimate = helper.cleaned_data if helper.is_bound and helper.is_valid() else None
    page = selectors.invitation_page(op, found, now(), estimate=estimate)
    if form is None:
        initial = {}
        transport = page["transport"]
        if transport is not None:
            initial = {f"c_{c['id']}": round(transport.kg_co2e, 1) for c in found.criteria
                       if c["type"] == "transport_emissions"}
        form = TenderForm(found.criteria, initial=initial)
    return private(render(request, "web/food/supplier_procurement.html", {
        "city": city, "operator": op, "sp": found, "form": form, "helper": helper,
        "problems": form_problems(form) if form.is_bound else [],
        "helper_problems": form_problems(helper) if helper.is_bound else [],
        "price_ids": [c["id"] for c in found.criteria if c["type"] == "price"], **page}))


@signed_in
@require_GET
def supplier_procurement(request: HttpRequest, city: City, pk: int, sp: int) -> HttpResponse:
    """An invitation: the procurement, what it buys, its criteria, the answered questions,
    one's own tenders (their receipts) and, once decided, the result; with the transport
    emissions helper (``?vehicle=&distance_km=&kg=``) filling in that criterion."""
    return _invitation(request, city, pk, sp)


@signed_in
@require_POST
def supplier_tender(request: HttpRequest, city: City, pk: int, sp: int) -> HttpResponse:
    """A tender: a figure for each of the procurement's criteria, typed in the page's
    language, encrypted on arrival. Every mistake is shown at once, on the form."""
    op, found = selectors.invitation_for_user(request.user, city, pk, sp)
    form = TenderForm(found.criteria, request.POST)
    if not form.is_valid():
        return _invitation(request, city, pk, sp, form)
    tender = tendering.submit(found, op, form.content(), at=now(), by=request.user)
    messages.success(request, _("Your tender is received and sealed. Receipt: %(sha)s") % {
        "sha": tender.sha256})
    return redirect("food_supplier_procurement", city=city.slug, pk=op.pk, sp=found.pk)


@signed_in
@require_POST
def supplier_ask(request: HttpRequest, city: City, pk: int, sp: int) -> HttpResponse:
    op, found = selectors.invitation_for_user(request.user, city, pk, sp)
    tendering.ask(found, op, request.POST.get("question", "")[:4000], at=now(),
                  by=request.user)
    messages.success(request, _("Your question is sent. The answer goes to every invited "
                                "supplier, without your name."))
    return redirect("food_supplier_procurement", city=city.slug, pk=op.pk, sp=found.pk)


# -- the institutions' deliveries ------------------------------------------------------------

def _institution(request: HttpRequest, city: City,
                 form: DeliveryForm | None = None) -> HttpResponse:
    page = selectors.institution_page(city, request.user, _year(request))
    for row in page["rows"]:  # each contract's grid; the refused one as it was sent
        row["grids"] = [(c, delivery_rows(items, form if form and form.contract == c else None),
                         form if form and form.contract == c else None)
                        for c, items in row["grids"]]
    return private(render(request, "web/food/institution.html", {
        "city": city, "groups": FoodGroup.choices, **page}))


@signed_in
@require_GET
def institution_home(request: HttpRequest, city: City) -> HttpResponse:
    """An institution's contracts, deliveries and outcomes: its buyers' page."""
    return _institution(request, city)


@signed_in
@require_POST
def institution_delivery(request: HttpRequest, city: City) -> HttpResponse:
    """A delivery note from the grid: one row per contracted item (and blank rows for
    others); a row without kilograms was not delivered. Numbers in the page's language.
    Every mistake is shown at once, beside its field and listed above the grid."""
    contract = selectors.contract_for_buyer(request.user, city, request.POST.get("contract"))
    form = DeliveryForm(contract, request.POST)
    if not form.is_valid():
        return _institution(request, city, form)
    delivery = outcomes.record_delivery(contract, **form.note(), by=request.user)
    messages.success(request, _("The delivery of %(day)s is recorded.") % {
        "day": date_format(delivery.delivered_on, "SHORT_DATE_FORMAT")})
    return redirect("food_institution", city=city.slug)


# -- the buyers' back office -------------------------------------------------------------------

@city_staff
@require_GET
def manage_home(request: HttpRequest, city: City) -> HttpResponse:
    return private(render(request, "web/food/manage.html", {
        "city": city, "now": now(), "checks": list(dps.CHECK_LABELS.items()),
        "item_rows": range(ITEM_ROWS),
        **selectors.back_office(city)}))


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
    application = selectors.application(city, pk)
    form = posted(request, DecideForm)
    dps.decide(application,
               admitted=selectors.application_categories(application, form["admitted"]),
               checks={c: request.POST.get(c) == "on" for c in dps.EXCLUSION_CHECKS},
               at=now(), reasons=form["reasons"], by=request.user)
    messages.success(request, _("The request of %(name)s is decided and the operator "
                                "is told.") % {"name": application.operator.name})
    return redirect("food_manage", city=city.slug)


ITEM_ROWS = 8  # item rows of the new-procurement form


@city_staff
@require_POST
def manage_procurement_new(request: HttpRequest, city: City) -> HttpResponse:
    form = posted(request, NewProcurementForm)
    system = selectors.dps_of(city, form["dps"])
    sp = tendering.create_procurement(
        system, selectors.dps_category(system, form["category"]),
        request.POST.get("reference", "").strip()[:60],
        request.POST.get("title", "").strip()[:300],
        criteria=[c["id"] for c in system.award_criteria],
        estimated_value=_decimal(request.POST.get("estimated_value", ""),
                                 _("Estimated value")),
        lots=request.POST.get("lots", "").splitlines(),
        items=[{"product": request.POST.get(f"item_product_{n}", ""),
                "quantity": request.POST.get(f"item_quantity_{n}", ""),
                "unit": request.POST.get(f"item_unit_{n}", ""),
                "specification": request.POST.get(f"item_spec_{n}", ""),
                "lot": request.POST.get(f"item_lot_{n}", "")}
               for n in range(ITEM_ROWS)],
        no_lots_reason=request.POST.get("no_lots_reason", "")[:2000], by=request.user)
    return redirect("food_manage_procurement", city=city.slug, pk=sp.pk)


@city_staff
@require_GET
def manage_procurement(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """A procurement for its buyers. Before the opening only the number of tenders shows:
    not who sent them, nor what they offer. After it every reading goes through
    ``tendering.read_opened``, so each is in the audit trail."""
    sp = selectors.procurement(city, pk)
    at = now()
    return private(render(request, "web/food/manage_procurement.html", {
        "city": city, "sp": sp, "now": at, "low_asked": LowPrice.ASKED,
        "min_passphrase": tendering.MIN_PASSPHRASE,
        "opened": tendering.read_opened(sp, user=request.user, at=at),
        **selectors.procurement_page(sp, request.user, at)}))


def _back(city: City, sp: SpecificProcurement) -> HttpResponse:
    return redirect("food_manage_procurement", city=city.slug, pk=sp.pk)


@city_staff
@require_POST
def manage_invite(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """Send the invitation. Both openers type their own passphrase here; neither is kept."""
    sp = selectors.procurement(city, pk)
    second = selectors.staff_member(city, request.POST.get("second_opener", ""))
    if second is None:
        raise Conflict(_("Name the second opener: a member of the city's staff."))
    tendering.invite(sp, at=now(), tender_deadline=form_datetime(
                         request.POST.get("deadline", "")),
                     openers={request.user: request.POST.get("passphrase", ""),
                              second: request.POST.get("second_passphrase", "")},
                     by=request.user)
    messages.success(request, _("The invitation is sent to every member of the category."))
    return _back(city, sp)


@city_staff
@require_POST
def manage_open(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    sp = tendering.approve_opening(selectors.procurement(city, pk), request.user,
                                   request.POST.get("passphrase", ""), at=now())
    messages.success(request, _("The tenders are open.") if sp.opened_at else
                     _("Your approval is recorded; the second opener's is needed."))
    return _back(city, sp)


@city_staff
@require_POST
def manage_low_price(request: HttpRequest, city: City, pk: int, tender: int) -> HttpResponse:
    sp = selectors.procurement(city, pk)
    tendering.decide_low_price(selectors.tender(sp, tender),
                               accepted=request.POST.get("decision") == "accept",
                               reason=request.POST.get("reason", "")[:2000], at=now(),
                               by=request.user)
    return _back(city, sp)


@city_staff
@require_POST
def manage_award(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    sp = tendering.award(selectors.procurement(city, pk), at=now(), by=request.user,
                         evidence_verified=request.POST.get("evidence_verified") == "on")
    messages.success(request, _("Decided; every tenderer is told the result."))
    return _back(city, sp)


@city_staff
@require_POST
def manage_contracts(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    sp = selectors.procurement(city, pk)
    values: dict[Institution, Decimal | str] = {}
    for inst in selectors.institutions(city):
        raw = request.POST.get(f"value_{inst.pk}", "").strip()
        if raw:
            values[inst] = _decimal(raw, inst.name)
    outcomes.sign_contracts(sp, values, at=now(), by=request.user)
    messages.success(request, _("The contracts are recorded."))
    return _back(city, sp)


@city_staff
@require_POST
def manage_notice(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    sp = selectors.procurement(city, pk)
    tendering.send_award_notice(sp, at=now(), by=request.user)
    messages.success(request, _("The contract award notice is sent."))
    return _back(city, sp)


@city_staff
@require_POST
def manage_answer(request: HttpRequest, city: City, pk: int, question: int) -> HttpResponse:
    sp = selectors.procurement(city, pk)
    extend = request.POST.get("extend_to", "").strip()
    tendering.answer(selectors.clarification(sp, question),
                     request.POST.get("answer", "")[:4000], at=now(),
                     extend_to=form_datetime(extend) if extend else None, by=request.user)
    messages.success(request, _("The answer is sent to every invited supplier."))
    return _back(city, sp)


@city_staff
@require_GET
def manage_catalogue(request: HttpRequest, city: City) -> HttpResponse:
    """The whole catalogue of the admitted suppliers, as CSV."""
    response = HttpResponse(catalogue.to_csv(catalogue.offered(city)),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{city.slug}-katalog-zivil.csv"'
    return private(response)
