"""The data platform's staff pages: sources with their tokens, batches with their status, and
each batch's quarantine with the reasons (downloadable as CSV). Quarantine can hold what a
utility sent about a customer's meter, so all of it is for the city's staff only."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zerocity.core.access import city_admin, city_staff
from zerocity.core.errors import Conflict, NotFound
from zerocity.core.models import City
from zerocity.core.permissions import is_city_admin
from zerocity.data import opendata, selectors, services
from zerocity.data import outputs as feeds
from zerocity.data.models import Batch, InventoryFeed
from zerocity.plan.models import Observation
from zerocity.web.forms import DataUploadForm
from zerocity.web.http import private

COVERAGE_MONTHS = 24



@city_staff
@require_GET
def sources(request: HttpRequest, city: City) -> HttpResponse:
    items = selectors.sources_for_user(request.user, city).order_by("key")
    latest = {}
    for b in Batch.objects.filter(source__city=city).order_by("source_id", "-created_at"):
        latest.setdefault(b.source_id, b)
    rows = [{"source": s, "latest": latest.get(s.pk), "tokens": selectors.tokens(s)}
            for s in items]
    return private(render(request, "web/data/sources.html", {
        "city": city, "rows": rows, "is_admin": is_city_admin(request.user, city),
        "secret": request.session.pop("zc_new_token", None)}))


@city_admin
@require_POST
def token_issue(request: HttpRequest, city: City, key: str) -> HttpResponse:
    """A new token for a source; its secret is shown once, on the next page only."""
    try:
        source = selectors.access_source_for_user(request.user, city, key)
        token, secret = services.issue_token(source, request.POST.get("name", ""),
                                             by=request.user)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        request.session["zc_new_token"] = {"source": key, "name": token.name, "secret": secret}
    return redirect("data_sources", city=city.slug)


@city_admin
@require_POST
def token_revoke(request: HttpRequest, city: City, key: str, pk: int) -> HttpResponse:
    try:
        source = selectors.access_source_for_user(request.user, city, key)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    token = source.tokens.filter(pk=pk).first()
    if token is None:
        raise Http404("no such token")
    services.revoke_token(token, by=request.user)
    messages.success(request, _("Token %(prefix)s… is revoked.") % {"prefix": token.prefix})
    return redirect("data_sources", city=city.slug)


@city_staff
def upload(request: HttpRequest, city: City) -> HttpResponse:
    """Staff send a file of readings for one source (CSV, Parquet or .xlsx); the batch page
    then shows what was accepted, already known or refused."""
    form = DataUploadForm(request.POST or None, request.FILES or None,
                          sources=selectors.sources_for_user(request.user, city).order_by("key"))
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # a large upload is already on disk: read it there, as a stream (and a typed Parquet
        # file through the fast path), instead of into memory
        on_disk = getattr(upload, "temporary_file_path", None)
        try:
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
    items = selectors.batches_for_user(request.user, city).order_by("-created_at")
    key = request.GET.get("source", "")
    if key:
        items = items.filter(source__key=key)
    status = request.GET.get("status", "")
    if status:
        items = items.filter(status=status)
    return private(render(request, "web/data/batches.html", {
        "city": city, "batches": items[:200], "chosen": {"source": key, "status": status},
        "sources": selectors.sources_for_user(request.user, city).order_by("key")}))


@city_staff
@require_GET
def batch_detail(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    try:
        batch = selectors.access_batch_for_user(request.user, city, pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    return private(render(request, "web/data/batch.html", {
        "city": city, "batch": batch, "rows": selectors.quarantine(batch)[:500]}))


@city_staff
@require_GET
def quarantine_download(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    try:
        batch = selectors.access_batch_for_user(request.user, city, pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    response = StreamingHttpResponse(selectors.quarantine_csv(batch),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{city.slug}-batch-{batch.pk}-quarantine.csv"')
    return private(response)


# -- coverage, and what the platform hands to the inventory and the plan ----------------------

def _grade(value: float | None) -> str:
    if value is None:
        return "unknown"
    return "good" if value >= 0.98 else "partial" if value >= 0.8 else "poor"


@city_staff
@require_GET
def coverage(request: HttpRequest, city: City) -> HttpResponse:
    """Per source and month: the share of the readings owed that arrived."""
    df = opendata.coverage(city)
    months = sorted({(int(y), int(m)) for y, m in zip(df["year"], df["month"], strict=True)})
    months = months[-COVERAGE_MONTHS:]
    cells = {(r.source, int(r.year), int(r.month)): r for r in df.itertuples()}
    rows = []
    for source in selectors.sources_for_user(request.user, city).order_by("key"):
        row = []
        for y, m in months:
            r = cells.get((source.key, y, m))
            share = None if r is None or pd.isna(r.coverage) else float(r.coverage)
            row.append({"share": share, "readings": int(r.readings) if r is not None else 0,
                        "meters": int(r.meters) if r is not None else 0,
                        "grade": "missing" if r is None else _grade(share)})
        rows.append({"source": source, "cells": row})
    return private(render(request, "web/data/coverage.html", {
        "city": city, "months": [f"{m:02d}/{y}" for y, m in months], "rows": rows}))


def _years(city: City) -> list[int]:
    df = opendata.coverage(city)
    return sorted({int(y) for y in df["year"]}, reverse=True)


@city_staff
@require_GET
def outputs(request: HttpRequest, city: City) -> HttpResponse:
    """The measured lines the platform offers an inventory year, with the estimates they would
    supersede, and the plan indicators it computes."""
    years = _years(city)
    try:
        year = int(request.GET.get("year", "")) if request.GET.get("year") else None
    except ValueError:
        year = None
    if year not in years:
        year = years[1] if len(years) > 1 else (years[0] if years else None)
    plan = feeds.plan_feed(city, year) if year is not None else None
    lines = []
    for m in plan.lines if plan else []:
        current = plan.current.get(m) if plan else None
        lines.append({"line": m, "superseded": plan.superseded[m] if plan else [],
                      "current": current,
                      "state": "new" if current is None else
                      "same" if current.amount == m.mwh else "changed"})
    values = feeds.indicator_values(city)
    observed = {(o.indicator_id, o.year): o for o in Observation.objects.filter(
        indicator__data_feed__source__city=city)}
    indicators = [{"value": v, "observed": observed.get((v.feed.indicator_id, v.year))}
                  for v in values]
    return private(render(request, "web/data/outputs.html", {
        "city": city, "years": years, "year": year, "plan": plan, "lines": lines,
        "indicators": indicators,
        "feeds": InventoryFeed.objects.filter(inventory__city=city)
        .select_related("inventory")[:10]}))


@city_staff
@require_POST
def outputs_feed_inventory(request: HttpRequest, city: City) -> HttpResponse:
    try:
        year = int(request.POST.get("year", ""))
    except ValueError as exc:
        raise Http404("no year") from exc
    try:
        result = feeds.feed_inventory(city, year, by=request.user)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
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
