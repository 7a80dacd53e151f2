"""Writes of the core app: cities, departments, memberships."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from zerocity.core import audit, hooks
from zerocity.core.actors import Person
from zerocity.core.calendar import CalendarError, check_holidays, check_zone, default_zone
from zerocity.core.errors import Conflict
from zerocity.core.models import City, Department, Membership, Role
from zerocity.core.selectors import forget_city_timezone


def _calendar_fields(country: str, timezone: str | None, subdivision: str) -> str:
    """The zone a new city keeps: the one given, or its country's when that is unambiguous."""
    try:
        zone = default_zone(country) if timezone is None else check_zone(timezone).key
        check_holidays(country, subdivision)
    except CalendarError as exc:
        raise Conflict(str(exc)) from None
    return zone


@transaction.atomic
def create_city(
    slug: str,
    *,
    name: str,
    country: str,
    timezone: str | None = None,
    subdivision: str = "",
    population: int | None = None,
    language: str = "en",
    by: Person | None = None,
    actor: str = "",
    **extra: Any,
) -> City:
    """Create a city; creating one that exists with the same name, country (and zone, when
    one is given) changes nothing. The zone defaults to the country's main zone where that is
    unambiguous (``core.calendar.default_zone``); otherwise it must be named."""
    country = country.strip().upper()
    existing = City.objects.filter(slug=slug).first()
    if existing is not None:
        if existing.name != name or existing.country != country or (
                timezone is not None and existing.timezone != timezone):
            raise Conflict(f"city {slug!r} exists as {existing.name} ({existing.country}, "
                           f"{existing.timezone})")
        return existing
    if len(country) != 2 or not country.isalpha():
        raise Conflict(f"country: {country!r} is not an ISO 3166-1 alpha-2 code, e.g. SI")
    zone = _calendar_fields(country, timezone, subdivision)
    city = City(
        slug=slug, name=name, country=country, timezone=zone, subdivision=subdivision,
        population=population, language=language, **extra,
    )
    try:
        city.full_clean()
    except ValidationError as exc:
        raise Conflict("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) \
            from exc
    city.save()
    audit.record("city.create", city=city, user=by, actor=actor, obj=city, slug=slug,
                 timezone=zone)
    return city


@transaction.atomic
def set_city_timezone(city: City, timezone: str, *, subdivision: str | None = None,
                      by: Person | None = None, actor: str = "") -> City:
    """Move a city to another zone (or holiday subdivision). Refused once the city holds data
    whose local days were counted in the old one (taps under day caps, readings summed by
    month, procurement deadlines...): those would silently change meaning."""
    city = City.objects.select_for_update().get(pk=city.pk)
    subdivision = city.subdivision if subdivision is None else subdivision
    zone = _calendar_fields(city.country, timezone, subdivision)
    if (zone, subdivision) == (city.timezone, city.subdivision):
        return city
    found = hooks.data_on_local_time(city)
    if found:
        raise Conflict(f"{city.name} keeps its zone {city.timezone}: it already holds data "
                       f"counted in its local days ({'; '.join(found)})")
    old = city.timezone
    city.timezone, city.subdivision = zone, subdivision
    city.save(update_fields=["timezone", "subdivision"])
    transaction.on_commit(lambda: forget_city_timezone(city.slug))
    audit.record("city.timezone", city=city, user=by, actor=actor, obj=city, old=old,
                 new=zone, subdivision=subdivision)
    return city


@transaction.atomic
def ensure_department(city: City, slug: str, name: str) -> Department:
    dept, _ = Department.objects.get_or_create(city=city, slug=slug, defaults={"name": name})
    return dept


@transaction.atomic
def grant_role(
    city: City,
    username: str,
    role: Role | str,
    *,
    department: Department | None = None,
    email: str = "",
    password: str | None = None,
    by: Person | None = None,
    actor: str = "",
) -> Membership:
    """Give a user (created if new) a role in a city, replacing the role they had there."""
    role = Role(role)
    if role == Role.STAFF and department is None:
        raise Conflict("city staff must belong to a department")
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    if created or password is not None:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    membership, _ = Membership.objects.update_or_create(
        user=user, city=city, defaults={"role": role, "department": department}
    )
    audit.record(
        "membership.grant", city=city, user=by, actor=actor, obj=membership,
        username=username, role=str(role), department=department.slug if department else None,
    )
    return membership


@transaction.atomic
def delete_person(user: Any, city: City) -> None:
    """Delete a citizen's account (GDPR Art. 17): each app erases or anonymises its part
    (``hooks.personal_data``) and may refuse (a card with money on it); then the account is
    emptied rather than removed, because the audit trail refers to it: no name, no e-mail, no
    password, inactive, a random user name. Staff accounts are closed by the city's
    administrators."""
    if user.is_staff or user.is_superuser or user.memberships.exclude(
            role=Role.CITIZEN).exists():
        raise Conflict(gettext("Staff accounts are closed by the city's administrators."))
    audit.record("person.deleted", city=city, user=user)
    for part in hooks.personal_data_parts():
        if part.erase is not None:
            part.erase(user, city)
    user.username = f"deleted-{uuid.uuid4().hex[:20]}"
    user.email = user.first_name = user.last_name = ""
    user.set_unusable_password()
    user.is_active = False
    user.save()
