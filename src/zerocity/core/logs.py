"""Structured logs with request ids.

Every request gets an id: the proxy's ``X-Request-ID`` when it sends a well-formed one (nginx's
``$request_id``, so the proxy's access log and ours name the same request), else a new one. It
is sent back in the ``X-Request-ID`` response header, added to every log record written while
the request is served (``RequestIdFilter``) and to the one line the ``zerocity.request`` logger
writes per request. ``JsonFormatter`` writes each record as one JSON object a line (production's
default, settings.LOG_FORMAT), which journald, Loki or any log shipper reads without parsing
rules. Only the standard library: nothing here needs more.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponseBase

HEADER = "X-Request-ID"
# what a proxy's id may look like: no spaces, quotes or control characters that could forge a
# log line, and short
WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,128}")
NO_REQUEST = "-"

request_id: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)
access_log = logging.getLogger("zerocity.request")

# attributes every LogRecord has; anything else was passed in ``extra=`` and is logged as is
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class RequestIdMiddleware:
    """First in MIDDLEWARE: the id covers everything after it, the HTTPS redirect included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        sent = request.headers.get(HEADER, "")
        rid = sent if WELL_FORMED.fullmatch(sent) else uuid.uuid4().hex
        token = request_id.set(rid)
        start = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = rid
            user = getattr(request, "user", None)
            access_log.info(
                "%s %s %s", request.method, request.path, response.status_code,
                extra={"method": request.method, "path": request.path,
                       "status": response.status_code,
                       "duration_ms": round((time.perf_counter() - start) * 1000, 1),
                       "user_id": user.pk if user is not None and user.is_authenticated
                       else None,
                       "remote_addr": request.META.get("REMOTE_ADDR", "")})
            return response
        finally:
            request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (``-`` outside a request: commands, the worker)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request_id, the
    record's ``extra`` fields, and the traceback as ``exc`` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id.get()),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
