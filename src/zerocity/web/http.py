"""Small response helpers shared by the site's views."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from django.forms import Form
from django.http import HttpResponse, HttpResponseBase, JsonResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from zerocity.core.errors import Conflict

AnyResponse = TypeVar("AnyResponse", bound=HttpResponseBase)


def private(response: AnyResponse) -> AnyResponse:
    """A page about one person or for staff only: no shared cache may keep a copy."""
    patch_cache_control(response, private=True, no_store=True)
    return response


def personal_download(data: dict[str, Any], filename: str) -> HttpResponse:
    """A person's data as a JSON file to keep (GDPR Art. 20), never cached on the way."""
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return private(response)


def form_errors(form: Form) -> str:
    """A form's mistakes in one line for a message: ``field: reason; field: reason``."""
    return "; ".join(f"{name}: {' '.join(str(e) for e in errors)}"
                     for name, errors in form.errors.items())


def form_datetime(value: str) -> datetime:
    """A date and time typed in a form (``datetime-local``), in the site's time zone."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Conflict(_("Enter the date and time as YYYY-MM-DD HH:MM.")) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
