"""What the site does when a service refuses, decided once for every page.

Views call a service and render its result; they do not catch the domain's errors. When a
service raises one (``core.errors``):

- ``NotFound`` and ``PermissionDenied`` are a 404 page: outsiders learn nothing about what
  exists behind a rule (as ``core.access`` answers for the city rules);
- ``Conflict`` (and any other refusal a person can act on) after a form was sent is a message
  on the page the form was on: the form's ``next`` field when it names a page of this site,
  else the page that sent the form (the ``Referer``, same site only), else the URL itself;
- the same refusal on a page that was only read is a 400 page with the reason.

The API answers its own errors (``api.errors``); this middleware leaves its paths alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from zerocity.core.errors import NotFound, PermissionDenied, ZeroCityError
from zerocity.core.middleware import API_PATHS


def back(request: HttpRequest) -> str:
    """Where a refused form sends the person back to: a page of this site."""
    hosts = {request.get_host()}
    for candidate in (request.POST.get("next", ""), request.headers.get("Referer", "")):
        if candidate and url_has_allowed_host_and_scheme(candidate, hosts,
                                                         require_https=request.is_secure()):
            return candidate
    return request.get_full_path()


class RefusalMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, ZeroCityError) or request.path.startswith(API_PATHS):
            return None
        if isinstance(exc, NotFound | PermissionDenied):
            return response_for_exception(request, Http404(str(exc)))
        if request.method == "POST":
            messages.error(request, str(exc))
            return HttpResponseRedirect(back(request))
        return response_for_exception(request, BadRequest(str(exc)))
