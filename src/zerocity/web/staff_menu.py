"""The staff area's menu of the city budget, the climate checks, the reporting round, the
contract and the Green Transition Group (docs/budget.md "Staff menu"): every staff page is
reachable from a menu, and a link is shown only to who may use its page (city staff; the
budget's import to the climate office and administrators; a body's meetings to its
keepers)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from zerocity.budget.access import may_import
from zerocity.core.models import City
from zerocity.core.permissions import is_city_staff
from zerocity.governance.access import may_keep
from zerocity.governance.selectors import bodies


def staff_links(user: Any, city: City) -> list[dict[str, str]]:
    """The links of the menu this person may follow, each with its key, label and URL."""
    if not is_city_staff(user, city):
        return []
    slug = {"city": city.slug}
    links = [("budget_lines", _("Budget lines to tag"), reverse("budget_lines", kwargs=slug)),
             ("budget_tags", _("Budget tags to approve"), reverse("budget_tags", kwargs=slug))]
    if may_import(user, city):
        links.append(("budget_import", _("Import a budget"),
                      reverse("budget_import", kwargs=slug)))
    links += [("budget_checks", _("Climate checks"), reverse("budget_checks", kwargs=slug)),
              ("plan_round", _("Reporting round"), reverse("plan_round", kwargs=slug)),
              ("contract_manage", _("Contract and funding"),
               reverse("contract_manage", kwargs=slug))]
    for body in bodies(city):
        if may_keep(user, body):
            links.append((f"governance_body:{body.slug}", _("Meetings: %(body)s")
                          % {"body": body.name},
                          reverse("governance_body", kwargs={**slug, "body": body.slug})))
    return [{"key": k, "label": label, "url": url} for k, label, url in links]
