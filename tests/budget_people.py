"""What the budget's tests share: the command line, and a city's people around its budget (two
in a department that proposes tags, two in the climate office that approves, a citizen)."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner


def cli(*args: str) -> tuple[int, str]:
    from zerocity.cli import main

    done = CliRunner().invoke(main, ["budget", *args])
    return done.exit_code, done.output


def budget_people(city: Any) -> dict[str, Any]:
    from zerocity.budget.services import set_budget_office
    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role

    roads = ensure_department(city, "roads", "Roads")
    office = ensure_department(city, "climate-office", "Climate office")
    set_budget_office(city, "climate-office", actor="test")
    return {
        "roads": grant_role(city, "roads-staff", Role.STAFF, department=roads).user,
        "roads2": grant_role(city, "roads-staff2", Role.STAFF, department=roads).user,
        "office": grant_role(city, "office-staff", Role.STAFF, department=office).user,
        "office2": grant_role(city, "office-staff2", Role.STAFF, department=office).user,
        "citizen": grant_role(city, "jana", Role.CITIZEN).user,
    }
