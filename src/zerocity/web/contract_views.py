"""The Climate City Contract's public pages (docs/contract.md): its commitments with their
signatories, versions and status, and the investment plan's financing gap with the
NetZeroCities template's tables (T1, T2, T4, T9), each downloadable as CSV or xlsx.

Each view parses, authorises (``core.access``), calls the contract's selectors and renders."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from zerocity.contract import selectors, tables
from zerocity.contract.models import FundingKind, FundingStatus
from zerocity.core.access import public
from zerocity.plan.models import Commitment
from zerocity.plan.selectors import plan_for_city
from zerocity.web.page_cache import shared_page

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _status_names() -> dict[str, str]:
    return {"at_risk": _("At risk"), "on_track": _("On track"), "done": _("Done"),
            "no_actions": _("No actions linked")}


@public
@shared_page
@require_GET
def contract(request: HttpRequest, city: str) -> HttpResponse:
    plan = plan_for_city(city)
    data = selectors.commitments(city)
    names = _status_names()
    groups = dict(Commitment.Group.choices)
    for c in data["commitments"]:
        c["status_name"] = names[c["status"]]
        c["group_name"] = groups.get(c["group"], c["group"])
    counts = {key: sum(1 for c in data["commitments"] if c["status"] == key) for key in names}
    return render(request, "web/contract/commitments.html", {
        "city": plan.city, "plan": plan, "commitments": data["commitments"],
        "counts": [(key, names[key], n) for key, n in counts.items() if n]})


def _table_names() -> dict[str, str]:
    return {"T1": _("Municipal budget and budget for climate actions"),
            "T2": _("Climate allocation by field of action and year"),
            "T4": _("Capital sources"),
            "T9": _("Cost to the municipality, cost to others and share covered")}


@public
@shared_page
@require_GET
def financing(request: HttpRequest, city: str) -> HttpResponse:
    plan = plan_for_city(city)
    inv = selectors.investment_plan(city)
    kinds = dict(FundingKind.choices)
    statuses = dict(FundingStatus.choices)
    names = _table_names()
    return render(request, "web/contract/financing.html", {
        "city": plan.city, "plan": plan, "inv": inv,
        "kinds": [(k, kinds[k], v) for k, v in inv["sources_by_kind"].items()],
        "status_names": statuses, "kind_names": kinds,
        "t1": tables.table(city, "T1"),
        "downloads": [(t, names[t]) for t in tables.TABLES]})


@public
@require_GET
def table_download(request: HttpRequest, city: str, name: str, fmt: str) -> HttpResponse:
    if name not in tables.TABLES or fmt not in ("csv", "xlsx"):
        raise Http404(_("There is no such table."))
    rows = tables.table(city, name)
    filename = f"{city}-investment-plan-{name}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(tables.to_csv(name, rows), content_type="text/csv; "
                                "charset=utf-8")
    else:
        response = HttpResponse(tables.to_xlsx(name, rows), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
