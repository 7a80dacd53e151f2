"""Who may call an operation, declared once per operation and shown in the OpenAPI document.

Three ways in, each an OpenAPI security scheme:

- ``SourceToken``: a data source's token (``Authorization: Bearer zc_...``), or the same in
  ``X-Auth-Token`` as FIWARE PEP proxies pass it on (``SourceTokenHeader``); a token writes to
  its own source only.
- ``ValidatorToken``: a registered card validator's or partner till's token
  (``Authorization: Bearer zcv_...``).
- ``django_auth``: the signed-in session of the site or the card holder's app, with its CSRF
  token (the ``csrftoken`` cookie echoed in ``X-CSRFToken``).

Every operation also names its permission rule (``x-permission`` in the document), which the
permission-matrix test checks against what the operation really lets through.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from zerocity.card.models import Validator
from zerocity.card.taps import authenticate_validator
from zerocity.data.models import DataSource
from zerocity.data.services import authenticate_token

PUBLIC = "public"
PUBLIC_DRAFTS_FOR_STAFF = "public; drafts for city staff"
SOURCE_TOKEN = "source_token"
VALIDATOR_TOKEN = "validator_token"
HOLDER_SESSION = "signed_in; own records only"
STAFF_SESSION = "signed_in; the city's staff only"


def rule(name: str, **extra: Any) -> dict[str, Any]:
    """The ``openapi_extra`` of an operation: its permission rule, and anything else."""
    return {"x-permission": name, **extra}


class SourceToken(HttpBearer):
    """A data source's token: the request reads ``request.auth`` as the DataSource."""

    def authenticate(self, request: HttpRequest, token: str) -> DataSource | None:
        return authenticate_token(token.strip()) if token.strip() else None


class SourceTokenHeader(APIKeyHeader):
    """The same token in ``X-Auth-Token``, as FIWARE PEP proxies (Wilma) forward it."""

    param_name = "X-Auth-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> DataSource | None:
        return authenticate_token(key.strip()) if key and key.strip() else None


class ValidatorToken(HttpBearer):
    """A validator's or till's token: ``request.auth`` is the Validator (with its city)."""

    def authenticate(self, request: HttpRequest, token: str) -> Validator | None:
        return authenticate_validator(token.strip()) if token.strip() else None


SOURCE = [SourceToken(), SourceTokenHeader()]
VALIDATOR = ValidatorToken()
SESSION = django_auth
