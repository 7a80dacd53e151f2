"""The budget's staff pages for tagging (docs/budget.md "Tagging by the departments"): the
import of a budget file, and a department's page of its own in-scope lines, where it
confirms a tag rule's suggestion or proposes tags (whole or split) with a reason. Each
becomes a proposal that the climate office approves on the tags page (four eyes)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from zerocity.budget import tagging
from zerocity.budget.access import is_budget_office, may_import, taggable_lines
from zerocity.budget.breakdown import (
    city_line,
    draft_versions,
    suggestions,
    waiting_proposals,
)
from zerocity.budget.importing import ImportRejected
from zerocity.budget.models import BudgetVersion, Stage
from zerocity.budget.selectors import line_label
from zerocity.budget.services import import_budget
from zerocity.core.access import city_staff
from zerocity.core.errors import NotFound
from zerocity.core.models import City
from zerocity.web.budget_forms import BudgetImportForm, LineTagsForm, split
from zerocity.web.budget_views import _tags_text
from zerocity.web.http import private
from zerocity.web.posted import posted

SHOWN = 100  # lines on one page; the filters narrow a long budget down
FILTERS = ("all", "untagged", "suggested")


@city_staff
@require_http_methods(["GET", "POST"])
def budget_import_page(request: HttpRequest, city: City) -> HttpResponseBase:
    """The climate office sends a budget file; a refused file lists every mistake with its
    line, column and reason, and nothing is written. The same file again changes nothing."""
    if not may_import(request.user, city):
        raise NotFound(_("Only the climate office imports a budget."))
    form = BudgetImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data, upload = form.cleaned_data, form.cleaned_data["file"]
            totals = data["totals"]
            try:  # a refused file is listed on the form again, every mistake with its line
                result = import_budget(
                    city, data["year"], data["stage"], upload.read(), filename=upload.name,
                    totals=totals.read() if totals else None,
                    totals_filename=totals.name if totals else "", by=request.user)
            except ImportRejected as exc:  # (a published version: a message, web.refusals)
                errors, status = exc.errors, 400
            else:
                if result.unchanged:
                    messages.info(request, _("Nothing changed: this file was already "
                                             "imported."))
                else:
                    messages.success(request, _("Imported %(lines)s lines.")
                                     % {"lines": result.lines})
                return redirect(reverse("budget_lines", kwargs={"city": city.slug})
                                + f"?version={result.version.pk}")
        else:
            status = 400
    return private(render(request, "web/budget/import.html",
                          {"city": city, "form": form, "errors": errors}, status=status))


def _version(versions: list[BudgetVersion], pk: str | None) -> BudgetVersion | None:
    chosen = [v for v in versions if str(v.pk) == pk] or versions
    return chosen[0] if chosen else None


def _rows(request: HttpRequest, version: BudgetVersion, show: str) -> list[dict[str, Any]]:
    lines = taggable_lines(request.user, version)
    found = suggestions(version, lines)
    waiting = waiting_proposals(version)
    rows = []
    for line in lines:
        tagged = bool(line.mitigation and line.adaptation)
        hint = found.get(line.pk)
        if (show == "untagged" and tagged) or (show == "suggested" and hint is None):
            continue
        change = waiting.get(line.pk)
        rows.append({
            "pk": line.pk, "label": line_label(line), "name": line.pp_name, "ppr": line.ppr,
            "pu": line.pu_name or line.pu_code, "tagged": tagged,
            "mitigation": _tags_text(line.mitigation), "adaptation": _tags_text(line.adaptation),
            "suggestion": None if hint is None else {
                "pair": hint.rule.pair, "question": hint.question,
                "rationale": hint.rule.rationale,
                "mitigation": _tags_text(hint.rule.mitigation),
                "adaptation": _tags_text(hint.rule.adaptation)},
            "form": LineTagsForm(auto_id=f"line{line.pk}-%s"),
            "waiting": None if change is None else {
                "by": change.proposed_by, "mitigation": _tags_text(change.new["mitigation"]),
                "adaptation": _tags_text(change.new["adaptation"])}})
    return rows


@city_staff
@require_http_methods(["GET"])
def lines(request: HttpRequest, city: City) -> HttpResponse:
    """A department's in-scope lines of a budget still being tagged (the climate office sees
    every line), filtered to the untagged ones or those a rule has a suggestion for."""
    versions = draft_versions(city.pk)
    version = _version(versions, request.GET.get("version"))
    show = request.GET.get("show", "all")
    show = show if show in FILTERS else "all"
    rows = _rows(request, version, show) if version is not None else []
    return private(render(request, "web/budget/lines.html", {
        "city": city, "version": version, "show": show, "rows": rows[:SHOWN],
        "more": max(len(rows) - SHOWN, 0),
        "versions": [(v.pk, f"{v.year} · {Stage(v.stage).label}") for v in versions],
        "filters": [("all", _("All lines")), ("untagged", _("Untagged")),
                    ("suggested", _("With a rule's suggestion"))],
        "may_import": may_import(request.user, city),
        "is_office": is_budget_office(request.user, city)}))


def _back(request: HttpRequest, city: City) -> HttpResponse:
    url = request.POST.get("next", "")
    if not url.startswith("/"):
        url = reverse("budget_lines", kwargs={"city": city.slug})
    return redirect(url)


@city_staff
@require_POST
def line_confirm(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """Confirm the rule's suggestion: a proposal by this member for the climate office."""
    line = city_line(city.pk, pk)
    tagging.confirm_suggestion(line, by=request.user)
    messages.success(request, _("Confirmed: the climate office approves the tags next."))
    return _back(request, city)


@city_staff
@require_POST
def line_propose(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    """Propose the line's tags, whole or split, with the reason."""
    line = city_line(city.pk, pk)
    data = posted(request, LineTagsForm)
    tagging.propose_own_line(line, by=request.user, mitigation=split(data, "mitigation"),
                             adaptation=split(data, "adaptation"), reason=data["reason"])
    messages.success(request, _("Proposed: the climate office approves the tags next."))
    return _back(request, city)
