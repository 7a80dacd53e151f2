"""What the governance tests share: the command line, and a city's council of 27 (the mayor
in the chair, a secretary from the city's climate office who does not vote, an Elektro
Gorenjska member, a staff member who is no keeper, a citizen)."""

from __future__ import annotations

from datetime import date
from typing import Any

from click.testing import CliRunner

START = date(2026, 1, 1)


def cli(*args: str) -> tuple[int, str]:
    from zerocity.cli import main

    done = CliRunner().invoke(main, ["governance", *args])
    return done.exit_code, done.output


def council(city: Any, members: int = 27) -> dict[str, Any]:
    """A strategic council of ``members`` voting members (the mayor chairs; member 2 is Elektro
    Gorenjska's), a secretary who does not vote, and the people around it."""
    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role
    from zerocity.governance import services

    office = ensure_department(city, "climate-office", "Climate office")
    roads = ensure_department(city, "roads", "Roads")
    people = {
        "secretary": grant_role(city, "secretary", Role.STAFF, department=office).user,
        "staff": grant_role(city, "other-staff", Role.STAFF, department=roads).user,
        "mayor": grant_role(city, "mayor", Role.STAFF, department=office).user,
        "admin": grant_role(city, "city-admin", Role.ADMIN).user,
        "citizen": grant_role(city, "jana", Role.CITIZEN).user,
        "office": office, "roads": roads,
    }
    body = services.add_body(city, "council", "Strategic Council", "council", actor="test")
    seats = [services.add_member(body, "Mayor", "city", role="chair", start=START,
                                 user=people["mayor"], department=office,
                                 email="mayor@example.org", actor="test"),
             services.add_member(body, "Eva Grid", "utility", organisation="Elektro Gorenjska",
                                 start=START, email="eva@example.org", actor="test")]
    seats += [services.add_member(body, f"Member {n}", "business", organisation=f"Firm {n}",
                                  start=START, actor="test") for n in range(3, members + 1)]
    secretary = services.add_member(body, "Sara Secretary", "city", role="secretary",
                                    votes=False, user=people["secretary"], department=office,
                                    start=START, actor="test")
    return {**people, "body": body, "seats": seats, "grid": seats[1],
            "secretary_seat": secretary}
