"""Every error of the HTTP API, answered in one place.

An error is an RFC 9457 Problem Details object (``application/problem+json``): ``type``,
``title``, ``status``, ``detail`` (a sentence a person can act on) and, for bad input,
``errors``: each field's location (``["body", "tap", "seq"]``) and what is wrong with it. The
NGSI-LD endpoints keep the ETSI error types their clients know (``.../errors/BadRequestData``).

Handlers never catch domain errors themselves: a service raises ``NotFound``, ``Conflict``,
``PermissionDenied`` or ``Unreadable`` (``core.errors``) and it becomes a 404, 422, 403 or 400
here; malformed input is a 400 with the field named, and nothing a client sends becomes a 5xx.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from zerocity.card.payments import PaymentDeclined
from zerocity.core.errors import Conflict, NotFound, PermissionDenied, Unreadable, ZeroCityError
from zerocity.data.ngsi import ERROR_BASE, NgsiError

NGSI_PATHS = "/ngsi-ld/"
PROBLEM = "application/problem+json"
STATUS = {NotFound: 404, PermissionDenied: 403, Conflict: 422, PaymentDeclined: 402,
          Unreadable: 400}
NGSI_KIND = {400: "BadRequestData", 401: "NotAuthorized", 403: "NotAuthorized",
             404: "ResourceNotFound", 405: "OperationNotSupported", 409: "AlreadyExists",
             413: "RequestTooLarge", 415: "InvalidRequest", 422: "BadRequestData"}


class FieldError(Schema):
    loc: list[str | int]
    msg: str


class Problem(Schema):
    """RFC 9457 Problem Details, as every error of the API is answered."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] = []


class BadInput(ZeroCityError):
    """Input the handler refuses before any service runs, with the field it is about."""

    def __init__(self, loc: Sequence[str | int], msg: str) -> None:
        super().__init__(f"{where(loc)}: {msg}")
        self.loc, self.msg = list(loc), msg


class BodyError(ValueError):
    """A body that is not a JSON document (the parser's own words, with the position)."""


# an escaped surrogate in the raw body: only then is the parsed document searched for a lone one
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def parse_json(body: bytes) -> Any:
    """A JSON document, or a BodyError that says why not. Lone UTF-16 surrogates (``"\\ud800"``
    without its pair) are refused: no text can be stored or shown with one."""
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise BodyError(f"the body is not valid JSON: {exc.msg} at character "
                        f"{exc.pos + 1}") from None
    except UnicodeDecodeError:
        raise BodyError("the body is not valid JSON: it is not UTF-8") from None
    except RecursionError:
        raise BodyError("the body is not valid JSON a server can take: it nests too "
                        "deeply") from None
    if SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(data):
        raise BodyError("the body is not valid text: it holds a lone UTF-16 surrogate (an "
                        "escaped \\ud800 to \\udfff without its pair)")
    return data


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class JsonParser(Parser):
    """JSON bodies, with a precise reason when one cannot be read."""

    def parse_body(self, request: HttpRequest) -> Any:
        return parse_json(request.body)


def where(loc: Sequence[str | int]) -> str:
    """``["body", "batch", "taps", 3, "seq"]`` as a person reads it: ``batch.taps[3].seq``."""
    out = ""
    for part in loc:
        if part in ("body", "query", "path", "header") and not out:
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def problem(request: HttpRequest, status: int, detail: str, *,
            errors: Sequence[dict[str, Any]] = (), kind: str | None = None) -> HttpResponse:
    """The error response of the request's family: ETSI types on NGSI-LD paths, plain Problem
    Details elsewhere."""
    body: dict[str, Any]
    if request.path.startswith(NGSI_PATHS):
        kind = kind or NGSI_KIND.get(status, "BadRequestData")
        body = {"type": ERROR_BASE + kind, "title": kind, "status": status, "detail": detail}
    else:
        body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status,
                "detail": detail}
    if errors:
        body["errors"] = list(errors)
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status,
                            content_type=PROBLEM)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="zerocity"'
    return response


def _message(error: dict[str, Any]) -> str:
    msg = str(error.get("msg", "invalid"))
    return msg.removeprefix("Value error, ")  # a validator's own sentence, as it wrote it


def install(api: NinjaAPI) -> None:
    """Answer every error of ``api`` as a Problem."""

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": _message(e)} for e in exc.errors]
        detail = "; ".join(f"{where(e['loc'])}: {e['msg']}" for e in errors[:20])
        return problem(request, 400, detail or "the request is not valid", errors=errors)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(request, 401, "a valid token is required (Authorization: Bearer "
                       "<token>), or for the card holder's own accounts a signed-in session")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        cause = exc.__cause__
        detail = str(cause) if isinstance(cause, BodyError) else str(exc)
        kind = "InvalidRequest" if isinstance(cause, BodyError) else None
        return problem(request, exc.status_code, detail, kind=kind)

    @api.exception_handler(NgsiError)
    def ngsi_error(request: HttpRequest, exc: NgsiError) -> HttpResponse:
        return problem(request, exc.status, exc.detail, kind=exc.kind)

    @api.exception_handler(BadInput)
    def bad_input(request: HttpRequest, exc: BadInput) -> HttpResponse:
        return problem(request, 400, str(exc), errors=[{"loc": exc.loc, "msg": exc.msg}])

    @api.exception_handler(ZeroCityError)
    def refused(request: HttpRequest, exc: ZeroCityError) -> HttpResponse:
        status = next((s for kind, s in STATUS.items() if isinstance(exc, kind)), 422)
        return problem(request, status, str(exc))
