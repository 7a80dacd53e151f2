"""The transport office's pages of the city's timetable: its GTFS versions with the dates each
is in force, one version's rows, licence and warnings, and the upload of a new version. For the
city's staff only.

A refused feed is the one refusal shown on its own page instead of as a message: the form
comes back with every error in a table (file, line, column, code, reason)."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from zerocity.core import formats
from zerocity.core.access import city_staff
from zerocity.core.models import City
from zerocity.mobility import selectors, services
from zerocity.mobility.errors import FeedRefused
from zerocity.web.forms import FeedUploadForm
from zerocity.web.http import private

SHOWN_ERRORS = 500


@city_staff
def feeds(request: HttpRequest, city: City) -> HttpResponse:
    form = FeedUploadForm(request.POST or None, request.FILES or None)
    refused: FeedRefused | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        on_disk = getattr(upload, "temporary_file_path", None)  # a large upload: read there
        try:  # the form is shown again with every error of the feed
            done = services.import_feed(
                city, Path(on_disk()) if on_disk else upload.read(), filename=upload.name,
                name=form.cleaned_data["name"], licence=form.cleaned_data["licence"],
                attribution=form.cleaned_data["attribution"], by=request.user)
        except FeedRefused as exc:
            refused = exc
        else:
            v = done.value
            if done.replayed:
                messages.info(request, _("This file is version #%(id)s (%(name)s), imported "
                                         "before: nothing changed.") % {"id": v.pk,
                                                                         "name": v.name})
            else:
                messages.success(request, _("Version #%(id)s (%(name)s) is imported and in "
                                            "force from %(start)s.")
                                 % {"id": v.pk, "name": v.name,
                                    "start": formats.day(v.start_date)})
            return redirect("mobility_feed", city=city.slug, pk=v.pk)
    return private(render(request, "web/mobility/feeds.html", {
        "city": city, "form": form, "refused": refused,
        "errors": refused.notices[:SHOWN_ERRORS] if refused else [],
        **selectors.feeds_page(request.user, city)},
        status=400 if form.errors or refused else 200))


@city_staff
@require_GET
def feed(request: HttpRequest, city: City, pk: int) -> HttpResponse:
    version = selectors.access_version_for_user(request.user, city, pk)
    return private(render(request, "web/mobility/feed.html", {
        "city": city, **selectors.version_page(version)}))
