"""Who may tag the budget: staff of any department propose, the city's budget office (its
climate office department) and city administrators approve."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from zerocity.core import audit
from zerocity.core.actors import signed_in
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


def decision_refusal(change: Any, by: Any, actor: str = "") -> str | None:
    """Why ``by`` (or the command line's ``actor``) may not approve the tag proposal
    ``change``, four eyes (check 18): only the budget office decides, and never on a proposal
    of its own. None when they may. The service refuses with it; the page says it first."""
    if by is not None and not is_budget_office(by, change.version.city):
        return gettext("Only the climate office approves budget tags.")
    user = signed_in(by)
    same_user = user is not None and change.proposed_by_user_id == user.pk
    if same_user or (actor or audit.actor_label(by)) == change.proposed_by:
        return gettext("A proposal is approved by someone other than who made it.")
    return None


def own_departments(user: Any, city: City) -> list[int]:
    """The departments in which ``user`` is staff of ``city``."""
    if not is_city_staff(user, city):
        return []
    return list(Membership.objects.filter(user=user, city=city, role__in=[Role.STAFF, Role.ADMIN])
                .exclude(department=None).values_list("department_id", flat=True))


def may_tag_line(user: Any, line: Any) -> bool:
    """A department tags the lines it answers for (``BudgetResponsibility``); the climate
    office and administrators any line; where the city has named no department's lines, any
    of its staff."""
    from zerocity.budget.breakdown import owns, responsibilities
    from zerocity.budget.models import BudgetResponsibility

    city = line.version.city
    if not may_propose(user, city):
        return False
    if is_budget_office(user, city):
        return True
    if not BudgetResponsibility.objects.filter(city=city).exists():
        return True
    return owns(responsibilities(own_departments(user, city)), line)


def may_keep_rules(user: Any, city: City) -> bool:
    """The climate office writes the tag rules."""
    return is_budget_office(user, city)


def may_import(user: Any, city: City) -> bool:
    """The climate office and administrators import a budget."""
    return is_budget_office(user, city)


def taggable_lines(user: Any, version: Any) -> list[Any]:
    """The version's in-scope lines that ``user`` may tag: all of them for the climate office
    (and where the city has named no department's lines), else their departments' own."""
    from zerocity.budget.breakdown import department_lines
    from zerocity.budget.models import BudgetResponsibility

    city = version.city
    if not may_propose(user, city):
        return []
    if is_budget_office(user, city) or not BudgetResponsibility.objects.filter(
            city=city).exists():
        return list(version.lines.filter(in_scope=True))
    return department_lines(version, own_departments(user, city))
