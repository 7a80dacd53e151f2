"""Who may do what, decided in one place.

Roles per city: anonymous visitor (no account), citizen, city staff (in a department) and city
administrator. Django superusers are the platform operators and pass every city rule.
"""

from __future__ import annotations

from typing import Any

from zerocity.core.models import City, Membership, Role


def role_in(user: Any, city: City) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return Role.ADMIN
    cache = getattr(user, "_zerocity_roles", None)
    if cache is None:
        cache = dict(Membership.objects.filter(user=user).values_list("city_id", "role"))
        user._zerocity_roles = cache
    return cache.get(city.pk)


def is_city_staff(user: Any, city: City) -> bool:
    """Staff or administrator of this city."""
    return role_in(user, city) in (Role.STAFF, Role.ADMIN)


def is_city_admin(user: Any, city: City) -> bool:
    return role_in(user, city) == Role.ADMIN
