"""The data platform's staff pages: sources with their tokens, batches with their status, and
each batch's quarantine with the reasons (downloadable as CSV). Quarantine can hold what a
utility sent about a customer's meter, so all of it is for the city's staff only.

A refused action (a ``Conflict`` from the platform's services) is answered by
``web.refusals``: its reason as a message, back on the page of the form (its ``next``)."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zerocity.core.access import city_admin, city_staff
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.core.permissions import is_city_admin
from zerocity.data import outputs as feeds
from zerocity.data import selectors, services
from zerocity.web.forms import DataUploadForm
from zerocity.web.http import private


@city_staff
@require_GET
def sources(request: HttpRequest, city: City) -> HttpResponse:
    return private(render(request, "web/data/sources.html", {
        "city": city, "rows": selectors.sources_page(request.user, city),
        "is_admin": is_city_admin(request.user, city),
        "secret": request.session.pop("zc_new_token", None)}))


@city_admin
@require_POST
def token_issue(request: HttpRequest, city: City, key: str) -> HttpResponse:
    """A new token for a source; its secret is shown once, on the next page only."""
    source = selectors.access_source_for_user(request.user, city, key)
    token, secret = services.issue_token(source, request.POST.get("name", ""), by=request.user)
    request.session["zc_new_token"] = {"source": key, "name": token.name, "secret": secret}
    return redirect("data_sources", city=city.slug)


@city_admin
@require_POST
def token_revoke(request: HttpRequest, city: City, key: str, pk: int) -> HttpResponse:
    token = selectors.access_token_for_user(request.user, city, key, pk)
    services.revoke_token(token, by=request.user)
    messages.success(request, _("Token %(prefix)s… is revoked.") % {"prefix": token.prefix})
    return redirect("data_sources", city=city.slug)


@city_staff
def upload(request: HttpRequest, city: City) -> HttpResponse:
    """Staff send a file of readings for one source (CSV, Parquet or .xlsx); the batch page
    then shows what was accepted, already known or refused. A refused file is shown again
    with its reason beside the file field."""
    form = DataUploadForm(request.POST or None, request.FILES or None,
                          sources=selectors.sources_by_key(request.user, city))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # a large upload is already on disk: read it there, as a stream (and a typed Parquet
        # file through the fast path), instead of into memory
        on_disk = getattr(upload, "temporary_file_path", None)
        try:  # the form is shown again with the reason beside the file
            batch = services.ingest_file(form.cleaned_data["source"],
                                         Path(on_disk()) if on_disk else upload.read(),
                                         filename=upload.name, by=request.user).value
        except Conflict as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, _(
                "Batch #%(id)s: %(accepted)s readings accepted, %(duplicates)s already known, "
                "%(rejected)s refused.") % {"id": batch.pk, "accepted": batch.accepted,
                                            "duplicates": batch.duplicates,
                                            "rejected": batch.rejected})
            return redirect("data_batch", city=city.slug, pk=batch.pk)
    return private(render(request, "web/data/upload.html", {"city": city, "form": form},
                           status=400 if form.errors else 200))


@city_staff
@require_GET
def batches(request: HttpRequest, city: City) -> HttpResponse:
    chosen = {"source": request.GET.get("source", ""), "status": request.GET.get("status", "")}
    return private(render(request, "web/data/batches.html", {
        "city": city, "batches": selectors.batch_list(request.user, city,
                                                      source=chosen["source"],
                                                      status=chosen["status"]),
        "chosen": chosen,
        "sources": selectors.sources_by_key(request.user, city)}))


@city_staff
@require_GET
def batch_detail(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    batch = selectors.access_batch_for_user(request.user, city, pk)
    return private(render(request, "web/data/batch.html", {
        "city": city, "batch": batch, "rows": selectors.quarantine(batch)[:500]}))


@city_staff
@require_GET
def quarantine_download(request: HttpRequest, city: City, pk: int) -> StreamingHttpResponse:
    batch = selectors.access_batch_for_user(request.user, city, pk)
    response = StreamingHttpResponse(selectors.quarantine_csv(batch),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{city.slug}-batch-{batch.pk}-quarantine.csv"')
    return private(response)


# -- coverage, and what the platform hands to the inventory and the plan ----------------------

@city_staff
@require_GET
def coverage(request: HttpRequest, city: City) -> HttpResponse:
    """Per source and month: the share of the readings owed that arrived."""
    table = selectors.coverage_table(request.user, city)
    return private(render(request, "web/data/coverage.html", {
        "city": city, "months": [f"{m:02d}/{y}" for y, m in table["months"]],
        "rows": table["rows"], "skipped": table["skipped"], "damaged": table["damaged"]}))


@city_staff
@require_GET
def outputs(request: HttpRequest, city: City) -> HttpResponse:
    """The measured lines the platform offers an inventory year, with the estimates they would
    supersede, and the plan indicators it computes."""
    year = request.GET.get("year", "")
    return private(render(request, "web/data/outputs.html", {
        "city": city, **selectors.outputs_page(
            city, int(year) if year.isascii() and year.isdigit() and len(year) <= 4 else None)}))


@city_staff
@require_POST
def outputs_feed_inventory(request: HttpRequest, city: City) -> HttpResponse:
    try:
        year = int(request.POST.get("year", ""))
    except ValueError as exc:
        raise Http404("no year") from exc
    result = feeds.feed_inventory(city, year, by=request.user)
    if result.unchanged:
        messages.info(request, _("The %(year)s inventory already holds these measured "
                                 "figures; nothing changed.") % {"year": year})
    else:
        messages.success(request, _(
            "%(lines)s measured lines are in the %(year)s inventory (a draft); "
            "%(superseded)s estimates were superseded and are kept in the feed's record."
        ) % {"lines": len(result.plan.lines), "year": year,
             "superseded": len(result.feed.superseded) if result.feed else 0})
    return redirect(f"{reverse('data_outputs', kwargs={'city': city.slug})}?year={year}")


@city_staff
@require_POST
def outputs_feed_indicators(request: HttpRequest, city: City) -> HttpResponse:
    observations = feeds.feed_indicators(city, by=request.user)
    messages.success(request, _("%(n)s yearly observations recorded or confirmed.")
                     % {"n": len(observations)})
    return redirect("data_outputs", city=city.slug)
