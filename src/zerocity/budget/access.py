"""Who may tag the budget: staff of any department propose, the city's budget office (its
climate office department) and city administrators approve."""

from __future__ import annotations

from typing import Any

from zerocity.core.models import City, Membership, Role
from zerocity.core.permissions import is_city_admin, is_city_staff


def is_budget_office(user: Any, city: City) -> bool:
    if is_city_admin(user, city):
        return True
    if not is_city_staff(user, city):
        return False
    office = getattr(city, "budget_office", None)
    return office is not None and Membership.objects.filter(
        user=user, city=city, role=Role.STAFF, department_id=office.department_id).exists()


def may_propose(user: Any, city: City) -> bool:
    return is_city_staff(user, city)
