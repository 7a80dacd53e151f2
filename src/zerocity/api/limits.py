"""The API's own limit on a request's body, answered as the API answers every error.

Django refuses a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` when it is first read, with an HTML
400: right for the site's forms, wrong for a device that was promised a 413 Problem for a
body over ``API_MAX_BODY`` (docs/limits.md). This middleware reads the API's bodies itself,
up to ``API_MAX_BODY`` and not a byte more, before any view or other middleware touches them:
a larger body is a 413 (``RequestTooLarge`` on NGSI-LD paths) after reading at most the limit,
whatever the request claims its length is.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from zerocity.api.errors import problem
from zerocity.core.middleware import API_PATHS


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    return problem(request, 413, f"the body is over {limit // 2**20} MB, the most this API "
                   "takes in one request; send the data in several requests")


class ApiBodyLimit:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PATHS) and request.method not in ("GET", "HEAD",
                                                                          "OPTIONS"):
            limit: int = settings.API_MAX_BODY
            try:
                claimed = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                claimed = 0
            if claimed > limit:
                return too_large(request, limit)
            body = request.read(limit + 1)
            if len(body) > limit:
                return too_large(request, limit)
            # what HttpRequest.body keeps once read: later reads see the same bytes
            request._body = body
            request._stream = io.BytesIO(body)
        return self.get_response(request)
