"""Small response helpers shared by the site's views."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.cache import patch_cache_control


def private(response: HttpResponse) -> HttpResponse:
    """A page about one person or for staff only: no shared cache may keep a copy."""
    patch_cache_control(response, private=True, no_store=True)
    return response
