"""Public and staff pages. Each view parses, authorises (a rule from ``core.access`` plus the
inventory access functions), calls one selector or service and renders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST, require_safe

from zerocity.core import hooks
from zerocity.core.access import city_admin, city_staff, public
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.core.permissions import is_city_admin, is_city_staff
from zerocity.core.selectors import get_city
from zerocity.inventory import exports, selectors, services
from zerocity.inventory.gwp import GwpSet
from zerocity.inventory.gwp import parse as parse_gwp
from zerocity.inventory.models import Inventory
from zerocity.inventory.parsing import ImportRejected
from zerocity.web.forms import InventoryImportForm
from zerocity.web.http import private
from zerocity.web.page_cache import shared_page

DOWNLOAD_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "ecrf": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ccc": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@public
@require_safe
def livez(request: HttpRequest) -> HttpResponse:
    """For a liveness probe: the process answers requests. No database, no store, no template
    (``/healthz`` checks those); also the bare reference of ``bench/engage_bench.py``."""
    response = HttpResponse("ok\n", content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response


@public
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """For the proxy's and the monitoring's probes: 200 when the database and the readings
    store work, 503 otherwise, with each check's state and nothing else (no versions, paths or
    errors' texts: anyone may ask)."""
    checks = hooks.health()
    healthy = all(state == "ok" for state in checks.values())
    response = JsonResponse({"status": "ok" if healthy else "failing", "checks": checks},
                            status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response


@public
@csrf_exempt
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language switch every page carries. It asks for no CSRF token, so that a page is
    the same for every anonymous visitor and can be cached (web.page_cache); a forged request
    could at worst switch someone's language."""
    return i18n.set_language(request)


@public
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"cities": selectors.home_cities(request.user)})


@public
@shared_page
@require_GET
def inventory_latest(request: HttpRequest, city: str) -> HttpResponse:
    """The newest inventory this user may see (drafts only for the city's staff)."""
    obj = get_city(city)
    inventory = selectors.latest_inventory(request.user, obj)
    if inventory is None:
        return render(request, "web/inventory_empty.html", {"city": obj})
    return _inventory_page(request, inventory, latest=True)


@public
@shared_page
@require_GET
def inventory_year(request: HttpRequest, city: str, year: int) -> HttpResponse:
    inventory = selectors.access_inventory_for_user(request.user, city, year)
    return _inventory_page(request, inventory, latest=False)


@public
@shared_page  # a city of 100,000 lines: its eCRF workbook takes a minute to write
@require_GET
def inventory_download(request: HttpRequest, city: str, year: int, fmt: str) -> HttpResponse:
    if fmt not in DOWNLOAD_TYPES:
        raise Http404("unknown format")
    inventory = selectors.access_inventory_for_user(request.user, city, year)
    body = exports.export_inventory(inventory, fmt)
    response = HttpResponse(body, content_type=DOWNLOAD_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(inventory, fmt)}"'
    return _private_if_draft(response, inventory)


@city_admin
@require_POST
def inventory_publish(request: HttpRequest, city: City, year: int) -> HttpResponse:
    """Publish a draft; a refusal (``web.refusals``) is its reason, back on the inventory."""
    inventory = selectors.access_inventory_for_user(request.user, city.slug, year)
    was_public = inventory.is_published
    services.publish_inventory(inventory, by=request.user)
    if was_public:
        messages.info(request, _("The %(year)s inventory was already public.") % {"year": year})
    else:
        messages.success(request, _("The %(year)s inventory of %(city)s is now public.")
                         % {"year": year, "city": city.name})
    return redirect("inventory_year", city=city.slug, year=year)


@city_staff
def inventory_import(request: HttpRequest, city: City) -> HttpResponse:
    """Staff send an activity-data file; a refused file lists every error and is kept in
    quarantine, shown below the form."""
    form = InventoryImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            year, upload = form.cleaned_data["year"], form.cleaned_data["file"]
            try:  # a refused file is listed on the form again, every error with its line
                result = services.import_activity_file(
                    city, year, upload.read(), upload.name, mode=form.cleaned_data["mode"],
                    gwp=form.cleaned_data["gwp"] or None, by=request.user,
                )
            except ImportRejected as exc:
                errors, status = exc.errors, 400
            except Conflict as exc:
                errors, status = [str(exc)], 409
            else:
                if result.unchanged:
                    messages.info(request, _("Nothing changed: the inventory already holds "
                                             "these figures."))
                else:
                    messages.success(request, _(
                        "Imported %(rows)s lines: %(created)s new, %(updated)s changed, "
                        "%(deleted)s removed.") % {"rows": result.rows,
                                                  "created": result.created,
                                                  "updated": result.updated,
                                                  "deleted": result.deleted})
                return redirect("inventory_year", city=city.slug, year=year)
        else:
            status = 400
    return render(request, "web/inventory_import.html",
                  {"city": city, "form": form, "errors": errors,
                   "rejected": selectors.recent_rejected_imports(city)},
                  status=status)


@city_staff
@require_GET
def rejected_download(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    kept = selectors.rejected_import(city, pk)
    response = HttpResponse(bytes(kept.content), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="refused-{kept.pk}-{kept.filename}"'
    return private(response)


def _inventory_page(request: HttpRequest, inventory: Inventory, *, latest: bool) -> HttpResponse:
    try:
        gwp = parse_gwp(request.GET.get("gwp") or inventory.gwp)
        number = int(request.GET.get("page") or 1)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    city = inventory.city
    context = {
        "city": city,
        "inventory": inventory,
        **selectors.inventory_page(inventory, request.user, gwp, number),
        "gwp_choices": [g.value for g in GwpSet],
        "gwp_is_default": gwp.value == inventory.gwp,
        "can_publish": not inventory.is_published and is_city_admin(request.user, city),
        "can_import": is_city_staff(request.user, city),
        "latest": latest,
        "transport_memo": _transport_memo(city, inventory.year),
        "target": _target(city),
    }
    return _private_if_draft(render(request, "web/inventory.html", context), inventory)


def _target(city: City) -> dict[str, Any] | None:
    """The plan's headline figures (``plan.figures``), the same the home and plan pages show;
    None for a city without a plan."""
    from zerocity.plan.figures import city_figures

    figures = city_figures(city)
    return None if figures is None else figures.as_dict()


def _transport_memo(city: City, year: int) -> dict[str, Any]:
    """The city card's published ridership for the year, shown beside the transport lines
    as a memo (Kranj counts transport by fuel sales, which include the buses)."""
    from zerocity.card.ridership import SOURCE_KEY
    from zerocity.data.outputs import source_year

    return source_year(city, SOURCE_KEY, year)


def _private_if_draft(response: HttpResponse, inventory: Inventory) -> HttpResponse:
    if not inventory.is_published:
        private(response)  # drafts are for the city's staff
    return response
