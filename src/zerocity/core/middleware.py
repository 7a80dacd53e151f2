"""A city's pages and API answers show times in the city's own zone.

Django renders aware datetimes in the active time zone (``USE_TZ``); the project's default is
UTC, and every request for a city (a ``city`` or ``slug`` URL argument) activates that city's
zone for as long as the request lasts. Services never rely on it: they ask the city's
``CityCalendar``. This only decides how templates and forms show and read wall-clock times.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from zerocity.core.selectors import city_timezone


class CityTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:  # a server thread serves other cities next
            timezone.deactivate()

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: Any,
                     kwargs: dict[str, Any]) -> None:
        slug = kwargs.get("city", kwargs.get("slug"))
        zone = city_timezone(slug) if isinstance(slug, str) else None
        if zone:
            timezone.activate(zone)
        else:
            timezone.deactivate()


class QueryLanguageMiddleware:
    """``?lang=sl`` chooses the language of an answer outside the language-prefixed pages (the
    API, feeds), ahead of the browser's Accept-Language that LocaleMiddleware already read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = request.GET.get("lang", "")
        if code and code in {c for c, _name in settings.LANGUAGES} \
                and translation.get_language_from_path(request.path_info) is None:
            translation.activate(code)
            request.LANGUAGE_CODE = code
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", code)
            return response
        return self.get_response(request)


# Where the API answers (and the site's pages do not): the API's own limits and errors apply
API_PATHS = ("/api/", "/ngsi-ld/")


class NulCharacter(SuspiciousOperation):
    """A page's address or form held a NUL character (logged as django.security.NulCharacter)."""


class RefuseNulCharacters:
    """A NUL character (U+0000) in a page's query or form is refused with the 400 page before
    any view reads it: nobody types one, SQLite would keep it in a text and PostgreSQL refuses
    to (a 500 otherwise). Forms would refuse it field by field, but not every value a view
    reads comes through a form. The API checks its own input (``api.common.NO_NUL``) and
    answers in Problem Details, so it is left to that."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PATHS):
            for data in (request.GET, request.POST):  # POST: only what a form posted
                if any("\x00" in key or any("\x00" in v for v in values)
                       for key, values in data.lists()):
                    raise NulCharacter("a NUL character in the request's query or form")
        return self.get_response(request)
