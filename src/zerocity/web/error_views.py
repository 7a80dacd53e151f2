"""The refusal pages (400, 403, 404) in the site's layout: with the city's navigation when the
address names a city, so a person who followed a wrong link can carry on from there."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zerocity.core.selectors import city_in_path


def _refusal(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return render(request, template, {"city": city_in_path(request.path)}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _refusal(request, "400.html", 400)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _refusal(request, "404.html", 404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _refusal(request, "403.html", 403)
