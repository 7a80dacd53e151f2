"""Reads of the core app: cities and their calendars, people's accounts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.timezone import now

from zerocity.core import hooks
from zerocity.core.errors import NotFound
from zerocity.core.models import City


def get_city(slug: str) -> City:
    """The city of a slug, or NotFound naming the command that creates one."""
    try:
        return City.objects.get(slug=slug)
    except City.DoesNotExist:
        raise NotFound(f"no city {slug!r}; create it with `zerocity city create`") from None


def city_in_path(path: str) -> City | None:
    """The city a site address names (``/sl/kranj/...``: the segment after the language), or
    None: the refusal pages show that city's navigation when there is one."""
    from django.utils.translation import get_language_from_path

    parts = [p for p in path.split("/") if p]
    if parts and get_language_from_path(path):
        parts = parts[1:]
    if not parts or not SLUG.fullmatch(parts[0]):
        return None
    return City.objects.filter(slug=parts[0]).first()


def cities() -> QuerySet[City]:
    """Every city, by name (the model's order)."""
    return City.objects.all()


ZONE_CACHE_SECONDS = 60
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")


def _zone_key(slug: str) -> str:
    return f"zerocity:city-zone:{slug}"


def city_timezone(slug: str) -> str | None:
    """The zone of the city with this slug (None: no such city), cached for a minute: every
    page of a city asks for it (``core.middleware``), and a zone changes only while the city
    holds no data (``services.set_city_timezone``, which forgets the cached one)."""
    if not SLUG.fullmatch(slug):  # no city has it: nothing to look up or to cache
        return None
    key = _zone_key(slug)
    zone = cache.get(key)
    if zone is None:
        zone = City.objects.filter(slug=slug).values_list("timezone", flat=True).first() or ""
        cache.set(key, zone, ZONE_CACHE_SECONDS)
    return zone or None


def forget_city_timezone(slug: str) -> None:
    cache.delete(_zone_key(slug))


def personal_data(user: Any, city: City, *, apps: Iterable[str] | None = None) -> dict[str, Any]:
    """Everything the city holds about a person, one part per app (``hooks.personal_data``),
    as one JSON-able document (GDPR Art. 15 and 20); ``apps`` narrows it to some parts."""
    wanted = None if apps is None else set(apps)
    return {"city": city.slug, "exported_at": now().isoformat(), "user": user.get_username(),
            **{part.app: part.export(user, city) for part in hooks.personal_data_parts()
               if wanted is None or part.app in wanted}}


def username_taken(username: str) -> bool:
    """Whether an account has this user name already, in any case (``Ana`` and ``ana`` are
    one person to whoever reads them)."""
    return get_user_model().objects.filter(username__iexact=username).exists()


def address_owner(email: str) -> Any:
    """The account an e-mail address belongs to: the first active account that gave it. A
    later account that gives the same address (a sign-up, by anyone) does not get it: the
    password-reset links and confirmations of that address go to its owner only."""
    if not email.strip():
        return None
    return (get_user_model().objects.filter(email__iexact=email.strip(), is_active=True)
            .order_by("pk").first())
