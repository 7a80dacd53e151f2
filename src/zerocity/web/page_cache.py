"""Whole pages for anonymous visitors, cached per path (query included), language, the city's
local day and the data versions of every app (zerocity.core.data_versions): a write anywhere
in the database makes the pages compute again, so a publish shows at once, and a hit costs one
small query. Only what is the same for every anonymous visitor is kept: a request with a
session or a pending message, and a response that sets a cookie, writes the session, uses the
CSRF token or is not a 200, pass through uncached. Signed-in people never see a cached page
(staff see drafts).

A view opts in with ``@shared_page`` under its permission rule; it must read only the database
(not the readings store), and show nothing that depends on the clock finer than the day
(entries expire after ``PAGE_CACHE_SECONDS`` in any case: an article scheduled for a time
appears within that, while anything published by a write appears at once). A page that shows
the time to the minute (the journey planner's form starts at "now") opts in with
``@shared_page_this_minute``: it is computed again each minute, and at once after a write.
A response over ``PAGE_CACHE_MAX_BYTES`` is not kept (the cache is each process's memory): a
published inventory's downloads are kept, but not a city's 95 MB JSON of 100,000 lines.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.translation import get_language

from zerocity.core import data_versions
from zerocity.demo import stages

AnyView = TypeVar("AnyView", bound=Callable[..., HttpResponseBase])
KEPT_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition")
HIT = "X-ZeroCity-Cache"


def _visitor_request(request: HttpRequest) -> bool:
    """A request every anonymous visitor would get the same answer to."""
    return (request.method in ("GET", "HEAD") and not request.user.is_authenticated
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES)


def _shareable(request: HttpRequest, response: HttpResponse) -> bool:
    # reading the (empty) session is harmless: the messages framework does on every page
    session = getattr(request, "session", None)
    return (response.status_code == 200 and not response.streaming and not response.cookies
            and len(response.content) <= settings.PAGE_CACHE_MAX_BYTES
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not (session is not None and session.modified))


def key(request: HttpRequest, clock: str = "") -> str:
    """The page's key; ``clock``: the time it shows, finer than the day, if any."""
    parts = "\n".join((get_language() or "", request.get_full_path(),
                       timezone.localdate().isoformat(), clock,
                       data_versions.tokens(connection),
                       stages.cache_token()))  # the demo's loading notice (base.html)
    return "page:" + hashlib.sha256(parts.encode()).hexdigest()


def _this_minute() -> str:
    return timezone.now().strftime("%Y-%m-%dT%H:%M")  # every time zone's minutes begin at once


def shared_page(view: AnyView) -> AnyView:
    """The view's page kept for anonymous visitors until a write or the next day."""
    return _kept(view, by_minute=False)


def shared_page_this_minute(view: AnyView) -> AnyView:
    """The view's page kept for anonymous visitors until a write or the next minute."""
    return _kept(view, by_minute=True)


def _kept(view: AnyView, *, by_minute: bool) -> AnyView:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not _visitor_request(request):
            return view(request, *args, **kwargs)
        cache = caches[settings.PAGE_CACHE]
        # the versions are read before the data: never older
        found_key = key(request, _this_minute() if by_minute else "")
        kept = cache.get(found_key)
        if kept is not None:
            content, headers = kept
            hit = HttpResponse(content)
            for name, value in headers:
                hit[name] = value
            hit[HIT] = "hit"
            return hit
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponse) and _shareable(request, response):
            headers = [(h, response[h]) for h in KEPT_HEADERS if h in response]
            cache.set(found_key, (response.content, headers), settings.PAGE_CACHE_SECONDS)
            response[HIT] = "miss"
        return response

    return wrapper  # type: ignore[return-value]  # same signature as the view
