"""What the reminder tests share: a small plan of a city, its people (the climate office, a
department with two staff, one of them an action's named contact, a citizen), a simulated
clock that runs the digest day by day, and the command line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from click.testing import CliRunner


def cli(*args: str) -> tuple[int, str]:
    from zerocity.cli import main

    done = CliRunner().invoke(main, list(args))
    return done.exit_code, done.output


def small_plan(city: Any) -> dict[str, Any]:
    """A plan with two actions of the roads department (the first names its contact), one of
    the energy department; every action reported on recently."""
    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role
    from zerocity.inventory.services import create_inventory
    from zerocity.plan.models import Action, FieldOfAction, Plan

    office = ensure_department(city, "climate-office", "Climate office")
    roads = ensure_department(city, "roads", "Roads")
    energy = ensure_department(city, "energy", "Energy")
    plan = Plan.objects.create(city=city, baseline=create_inventory(city, 2018), office=office,
                               title="Climate neutrality action plan", target_year=2030)
    field = FieldOfAction.objects.create(city=city, slug="mobility", name="Mobility")
    recent = datetime(2100, 1, 1, tzinfo=UTC)  # never "not updated" unless a test says so
    people = {
        "office": grant_role(city, "office-staff", Role.STAFF, department=office,
                             email="office@example.org").user,
        "contact": grant_role(city, "maja", Role.STAFF, department=roads,
                              email="maja@example.org").user,
        "roads2": grant_role(city, "roads-staff2", Role.STAFF, department=roads,
                             email="roads2@example.org").user,
        "energy_staff": grant_role(city, "energy-staff", Role.STAFF, department=energy,
                             email="energy@example.org").user,
        "citizen": grant_role(city, "jana", Role.CITIZEN, email="jana@example.org").user,
    }
    actions = {
        "1.1": Action.objects.create(plan=plan, code="1.1", name="Cycling network",
                                     field=field, department=roads,
                                     responsible_person="maja", last_update_at=recent),
        "1.2": Action.objects.create(plan=plan, code="1.2", name="Bus lanes", field=field,
                                     department=roads, last_update_at=recent),
        "2.1": Action.objects.create(plan=plan, code="2.1", name="Solar roofs", field=field,
                                     department=energy, last_update_at=recent),
    }
    return {"plan": plan, "office": office, "roads": roads, "energy": energy,
            "actions": actions, **people}


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def run_clock(city: Any, first: date, last: date) -> dict[date, list[Any]]:
    """Run the digest on every day from ``first`` to ``last`` (weekends and holidays too, as a
    daily job would); the mails each day sent."""
    from django.core import mail

    from zerocity.core.reminders import send

    sent: dict[date, list[Any]] = {}
    for day in days(first, last):
        before = len(mail.outbox)
        send(city, day)
        if len(mail.outbox) > before:
            sent[day] = mail.outbox[before:]
    return sent


def mailed_to(sent: dict[date, list[Any]], address: str) -> list[date]:
    return [day for day, mails in sent.items() if any(address in m.to for m in mails)]
