"""Writes of the core app: cities, departments, memberships."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from zerocity.core import audit
from zerocity.core.errors import Conflict
from zerocity.core.models import City, Department, Membership, Role


@transaction.atomic
def create_city(
    slug: str,
    *,
    name: str,
    country: str,
    population: int | None = None,
    language: str = "en",
    by: Any = None,
    actor: str = "",
    **extra: Any,
) -> City:
    """Create a city; creating one that exists with the same name and country changes nothing."""
    existing = City.objects.filter(slug=slug).first()
    if existing is not None:
        if existing.name != name or existing.country != country.upper():
            raise Conflict(f"city {slug!r} exists as {existing.name} ({existing.country})")
        return existing
    city = City(
        slug=slug, name=name, country=country.upper(), population=population, language=language,
        **extra,
    )
    try:
        city.full_clean()
    except ValidationError as exc:
        raise Conflict("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) \
            from exc
    city.save()
    audit.record("city.create", city=city, user=by, actor=actor, obj=city, slug=slug)
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
    by: Any = None,
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
