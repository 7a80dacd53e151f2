"""Who may change which part of the plan: staff propose changes to the actions of their own
department and report their progress; the climate office (the plan's office department) and
city administrators publish proposals and may edit every action."""

from __future__ import annotations

from typing import Any

from zerocity.core.errors import NotFound, PermissionDenied
from zerocity.core.models import Membership, Role
from zerocity.core.permissions import is_city_admin, is_city_staff
from zerocity.plan.models import Action, Plan


def is_climate_office(user: Any, plan: Plan) -> bool:
    """City administrators, and staff of the plan's climate office department."""
    city = plan.city
    if is_city_admin(user, city):
        return True
    if plan.office_id is None or not is_city_staff(user, city):
        return False
    return Membership.objects.filter(user=user, city=city, role=Role.STAFF,
                                     department_id=plan.office_id).exists()


def can_edit_action(user: Any, action: Action) -> bool:
    city = action.plan.city
    if is_climate_office(user, action.plan):
        return True
    if not is_city_staff(user, city) or action.department_id is None:
        return False
    return Membership.objects.filter(user=user, city=city, role=Role.STAFF,
                                     department_id=action.department_id).exists()


def access_action_for_edit(user: Any, city_slug: str, code: str) -> Action:
    action = (Action.objects.select_related("plan__city", "department")
              .filter(plan__city__slug=city_slug, code=code).first())
    if action is None or not is_city_staff(user, action.plan.city):
        raise NotFound(f"no action {code!r} in {city_slug}")
    if not can_edit_action(user, action):
        raise PermissionDenied(f"action {code} belongs to another department")
    return action


def may_report_for(user: Any, plan: Plan, department_id: int) -> bool:
    """Who reports a unit's status in a reporting round: its staff, and the climate office."""
    if is_climate_office(user, plan):
        return True
    return is_city_staff(user, plan.city) and Membership.objects.filter(
        user=user, city=plan.city, role=Role.STAFF, department_id=department_id).exists()
