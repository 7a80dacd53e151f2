"""The city budget's pages (docs/budget.md). Public: the published budget's climate report,
the shares by tag of the in-scope base for mitigation and for adaptation (two charts, never
added), the green share beside the investment share, its trend and each plan action's
funding. Staff: the tag proposals waiting for the climate office, approved or rejected
through ``budget.services`` (four eyes: a refusal is a message and nothing changes)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zerocity.budget import selectors, services
from zerocity.budget.access import is_budget_office
from zerocity.budget.breakdown import POLICY_AREAS
from zerocity.budget.calculations import TAGS, in_tag_order
from zerocity.budget.models import AXES, Stage, Tag, TagChange
from zerocity.core.access import city_staff, public
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.web.budget_charts import tag_bar
from zerocity.web.http import private
from zerocity.web.page_cache import shared_page
from zerocity.web.templatetags.zc import num


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) == 4 else None


def _axis_rows(report: dict[str, Any], axis: str) -> list[dict[str, Any]]:
    rows = [{"key": t, "name": str(Tag(t).label), **report[axis][t]} for t in TAGS]
    untagged = report["untagged"][axis]
    if Decimal(untagged["amount"]):
        rows.append({"key": "untagged", "name": _("Untagged"), **untagged})
    return rows


def _charts(report: dict[str, Any]) -> list[dict[str, Any]]:
    names = {"mitigation": _("Mitigation"), "adaptation": _("Adaptation")}
    out = []
    for axis in AXES:
        rows = _axis_rows(report, axis)
        out.append({"axis": axis, "name": names[axis], "rows": rows, "chart": tag_bar(
            [(r["name"], float(r["share"])) for r in rows],
            label=_("%(axis)s: share of the in-scope budget by tag") % {"axis": names[axis]},
            fmt=lambda v: num(v, 1))})
    return out


@public
@shared_page
@require_GET
def budget(request: HttpRequest, city: str) -> HttpResponse:
    city_obj = get_object_or_404(City, slug=city)
    stage = request.GET.get("stage")
    page = selectors.published_page(city, _int(request.GET.get("year")),
                                     stage if stage in Stage.values else None)
    if page is None:
        return render(request, "web/budget/report.html", {"city": city_obj, "page": None})
    report = page["report"]
    trend = report["trend"]
    return render(request, "web/budget/report.html", {
        "city": city_obj, "page": page, "report": report, "axes": _charts(report),
        "areas": [{**a, "name": POLICY_AREAS.get(a["code"], a["code"])}
                  for a in report["by_policy_area"]["ppp"]],
        "participatory": [{**p, "mitigation_text": _tags_text(p["mitigation"]),
                           "adaptation_text": _tags_text(p["adaptation"])}
                          for p in report["participatory"]],
        "illustrative": page["version"].illustrative, "version": page["version"],
        "stage_name": Stage(page["version"].stage).label,
        "stages": [(s, Stage(s).label) for s in page["stages"]],
        "change_pp": None if trend is None else (
            ("+" if Decimal(trend["change_pp"]) > 0 else "") + num(trend["change_pp"], 1))})


def _tags_text(split: dict[str, str]) -> str:
    """``Very favourable 60 %, Neutral 40 %``; a dash for no tag."""
    return ", ".join(f"{Tag(t).label} {num(p)} %" for t, p in in_tag_order(split)) or "—"


def _proposal_rows(city: City) -> list[dict[str, Any]]:
    return [{"pk": c.pk, "line": selectors.line_label(c.line) if c.line else c.line_key,
             "name": c.line.pp_name if c.line else "",
             "year": c.version.year, "stage": Stage(c.version.stage).label,
             "axes": [(_("Mitigation"), _tags_text(c.old.get("mitigation") or {}),
                       _tags_text(c.new.get("mitigation") or {})),
                      (_("Adaptation"), _tags_text(c.old.get("adaptation") or {}),
                       _tags_text(c.new.get("adaptation") or {}))],
             "proposed_by": c.proposed_by, "proposed_at": c.proposed_at, "reason": c.reason,
             "scope_override": c.scope_override}
            for c in selectors.pending_proposals(city.slug)]


@city_staff
@require_GET
def tags(request: HttpRequest, city: City) -> HttpResponse:
    return private(render(request, "web/budget/tags.html", {
        "city": city, "proposals": _proposal_rows(city),
        "is_office": is_budget_office(request.user, city)}))


def _decidable(request: HttpRequest, city: City, pk: int) -> TagChange:
    """The proposal, when the person may decide on it; a refusal (not the climate office, or
    their own proposal) goes back to the page as a message and nothing changes."""
    change = selectors.pending_proposal(city.slug, pk)
    refusal = selectors.decision_refusal(change, request.user)
    if refusal is not None:
        raise Conflict(refusal)
    return change


@city_staff
@require_POST
def tag_approve(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    services.approve_tags(_decidable(request, city, pk), by=request.user)
    messages.success(request, _("Approved: the line's tags are changed."))
    return redirect("budget_tags", city=city.slug)


@city_staff
@require_POST
def tag_reject(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    services.reject_tags(_decidable(request, city, pk), reason=request.POST.get("reason", ""),
                         by=request.user)
    messages.success(request, _("Rejected; the line keeps its tags."))
    return redirect("budget_tags", city=city.slug)
