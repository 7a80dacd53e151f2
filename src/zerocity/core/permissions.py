"""Who may do what, decided in one place.

Roles per city: anonymous visitor (no account), citizen, city staff (in a department) and city
administrator. Django superusers are the platform operators and pass every city rule.
"""

from __future__ import annotations

from zerocity.core.actors import Person, signed_in
from zerocity.core.models import City, Membership, Role


def role_in(person: Person | None, city: City) -> str | None:
    user = signed_in(person)
    if user is None:
        return None
    if user.is_superuser:
        return Role.ADMIN
    # The user's roles, read once per request (the user object lives as long as the request).
    cache: dict[int, str] | None = getattr(user, "_zerocity_roles", None)
    if cache is None:
        cache = dict(Membership.objects.filter(user=user).values_list("city_id", "role"))
        setattr(user, "_zerocity_roles", cache)  # noqa: B010  # not a field of the model
    return cache.get(city.pk)


def is_city_staff(user: Person | None, city: City) -> bool:
    """Staff or administrator of this city."""
    return role_in(user, city) in (Role.STAFF, Role.ADMIN)


def is_city_admin(user: Person | None, city: City) -> bool:
    return role_in(user, city) == Role.ADMIN
