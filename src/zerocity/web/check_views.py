"""The climate check pages of new NRP projects and council items (docs/budget.md, research
green-budget-governance.md §3, checks 14-16). Staff: the year's proposals with their
relevance, state and what each lacks; registering one, recording its check, the climate
office's opinion, publishing (refused, naming what is missing, by ``budget.checks``), the
yearly statistics, the flags and the city's threshold. Public: the published items with the
climate header printed at their head, and the year's statistics."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zerocity.budget import checks
from zerocity.budget.access import is_budget_office
from zerocity.budget.models import EffectType, ProposalKind, Relevance
from zerocity.core.access import city_staff, public
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.web.check_forms import CheckForm, OpinionForm, RegisterForm, ThresholdForm
from zerocity.web.http import private
from zerocity.web.page_cache import shared_page
from zerocity.web.posted import posted


def _year(request: HttpRequest, city: City, known: list[int]) -> int:
    """The year asked for, else the latest with proposals, else the city's this year."""
    text = request.GET.get("year", "")
    if text.isascii() and text.isdigit() and len(text) == 4:
        return int(text)
    return known[0] if known else city.calendar.today().year


def _rating_rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": r, "name": str(Relevance(r).label), **figures["ratings"][r]}
            for r in Relevance.values]


def _office_only(request: HttpRequest, city: City, refusal: str) -> None:
    """The page says it rather than a 404: the person is staff, only not the climate office."""
    if not is_budget_office(request.user, city):
        raise Conflict(refusal)


@city_staff
@require_GET
def proposals(request: HttpRequest, city: City) -> HttpResponse:
    known = checks.years(city)
    year = _year(request, city, known)
    rows = [checks.describe(p) | {"pk": p.pk, "kind_name": p.get_kind_display(),
                                  "relevance_name": p.get_relevance_display()}
            for p in checks.year_proposals(city, year)]
    figures = checks.stats(city, year)
    return private(render(request, "web/budget/checks_list.html", {
        "city": city, "year": year, "years": sorted({year, *known}, reverse=True),
        "rows": rows, "stats": figures, "ratings": _rating_rows(figures),
        "threshold": checks.threshold(city), "is_office": is_budget_office(request.user, city),
        "kinds": ProposalKind.choices,
        "departments": checks.departments(city)}))


@city_staff
@require_POST
def register(request: HttpRequest, city: City) -> HttpResponse:
    data = posted(request, RegisterForm)
    done = checks.register_proposal(
        city, kind=data["kind"], reference=data["reference"], title=data["title"],
        year=data["year"], estimated_cost=data["estimated_cost"],
        department_slug=data["department"], nrp_code=data["nrp_code"], by=request.user)
    messages.success(request, _("Registered: %(ref)s.") % {"ref": done.proposal.reference})
    return redirect("budget_check", city=city.slug, pk=done.proposal.pk)


@city_staff
@require_POST
def threshold(request: HttpRequest, city: City) -> HttpResponse:
    _office_only(request, city, _("Only the climate office sets the threshold."))
    data = posted(request, ThresholdForm)
    setting = checks.set_threshold(city, data["threshold_t"], by=request.user)
    messages.success(request, _("The threshold is %(t)s t CO2e per year; checks already "
                                "done keep theirs.") % {"t": setting.threshold_t})
    return redirect("budget_checks", city=city.slug)


@city_staff
@require_GET
def item(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    proposal = checks.proposal_at(city, pk)
    return private(render(request, "web/budget/checks_item.html", {
        "city": city, "p": proposal, "d": checks.describe(proposal),
        "effect_types": EffectType.choices, "threshold": checks.threshold(city),
        "is_office": is_budget_office(request.user, city)}))


@city_staff
@require_POST
def record(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    data = posted(request, CheckForm)
    checks.record_check(checks.proposal_at(city, pk), data["estimate_t"],
                        effect_type=data["effect_type"], justification=data["justification"],
                        by=request.user)
    messages.success(request, _("The climate check is recorded."))
    return redirect("budget_check", city=city.slug, pk=pk)


@city_staff
@require_POST
def opinion(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    _office_only(request, city, _("Only the climate office gives the opinion."))
    data = posted(request, OpinionForm)
    checks.give_opinion(checks.proposal_at(city, pk), data["opinion"], by=request.user)
    messages.success(request, _("The climate office's opinion is recorded."))
    return redirect("budget_check", city=city.slug, pk=pk)


@city_staff
@require_POST
def publish(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    proposal = checks.publish_item(checks.proposal_at(city, pk), by=request.user)
    messages.success(request, _("Published: %(ref)s goes forward with its climate check.")
                     % {"ref": proposal.reference})
    return redirect("budget_check", city=city.slug, pk=pk)


@public
@shared_page
@require_GET
def published(request: HttpRequest, city: str) -> HttpResponse:
    city_obj = get_object_or_404(City, slug=city)
    known = checks.years(city_obj, published=True)
    year = _year(request, city_obj, known)
    figures = checks.public_stats(city_obj, year)
    return render(request, "web/budget/checks_public.html", {
        "city": city_obj, "year": year, "years": sorted({year, *known}, reverse=True),
        "items": [i | {"kind_name": ProposalKind(i["kind"]).label}
                  for i in checks.published_items(city_obj, year)], "stats": figures,
        "ratings": _rating_rows(figures)})
