"""Public and staff pages. Each view parses, authorises (a rule from ``core.access`` plus the
inventory access functions), calls one selector or service and renders."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zerocity.core.access import city_admin, public
from zerocity.core.errors import Conflict, NotFound
from zerocity.core.models import City
from zerocity.core.permissions import is_city_admin
from zerocity.inventory import exports, gpc, selectors, services
from zerocity.inventory.gwp import GwpSet
from zerocity.inventory.gwp import parse as parse_gwp
from zerocity.inventory.models import Inventory

DOWNLOAD_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "ecrf": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ccc": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@public
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@public
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    cities = [
        (city, selectors.visible_inventories(request.user, city).first())
        for city in City.objects.all()
    ]
    return render(request, "web/home.html", {"cities": cities})


@public
@require_GET
def inventory_latest(request: HttpRequest, city: str) -> HttpResponse:
    """The newest inventory this user may see (drafts only for the city's staff)."""
    obj = get_object_or_404(City, slug=city)
    inventory = selectors.visible_inventories(request.user, obj).first()
    if inventory is None:
        return render(request, "web/inventory_empty.html", {"city": obj})
    return _inventory_page(request, inventory, latest=True)


@public
@require_GET
def inventory_year(request: HttpRequest, city: str, year: int) -> HttpResponse:
    return _inventory_page(request, _access(request, city, year), latest=False)


@public
@require_GET
def inventory_download(request: HttpRequest, city: str, year: int, fmt: str) -> HttpResponse:
    if fmt not in DOWNLOAD_TYPES:
        raise Http404("unknown format")
    inventory = _access(request, city, year)
    body = exports.export_inventory(inventory, fmt)
    response = HttpResponse(body, content_type=DOWNLOAD_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(inventory, fmt)}"'
    return _private_if_draft(response, inventory)


@city_admin
@require_POST
def inventory_publish(request: HttpRequest, city: City, year: int) -> HttpResponse:
    inventory = _access(request, city.slug, year)
    was_public = inventory.is_published
    try:
        services.publish_inventory(inventory, by=request.user)
    except Conflict as exc:
        messages.error(request, _("The inventory could not be published: %(reason)s")
                       % {"reason": exc})
    else:
        if was_public:
            messages.info(request, _("The %(year)s inventory was already public.")
                          % {"year": year})
        else:
            messages.success(request, _("The %(year)s inventory of %(city)s is now public.")
                             % {"year": year, "city": city.name})
    return redirect("inventory_year", city=city.slug, year=year)


def _access(request: HttpRequest, city: str, year: int) -> Inventory:
    try:
        return selectors.access_inventory_for_user(request.user, city, year)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _inventory_page(request: HttpRequest, inventory: Inventory, *, latest: bool) -> HttpResponse:
    try:
        gwp = parse_gwp(request.GET.get("gwp") or inventory.gwp)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    city = inventory.city
    summary = selectors.summary(inventory, gwp=gwp)
    context = {
        "city": city,
        "inventory": inventory,
        "s": summary,
        # GPC order, the city's own order within a sub-category (sorted() is stable)
        "rows": sorted(summary["rows"], key=lambda r: gpc.sort_key(r["gpc_ref"])),
        "trend": selectors.trend(city, request.user, gwp=gwp.value),
        "years": selectors.visible_inventories(request.user, city),
        "gwp_choices": [g.value for g in GwpSet],
        "gwp_is_default": gwp.value == inventory.gwp,
        "can_publish": not inventory.is_published and is_city_admin(request.user, city),
        "latest": latest,
    }
    return _private_if_draft(render(request, "web/inventory.html", context), inventory)


def _private_if_draft(response: HttpResponse, inventory: Inventory) -> HttpResponse:
    if not inventory.is_published:
        # Drafts are for the city's staff: no shared cache may keep a copy.
        patch_cache_control(response, private=True, no_store=True)
    return response
