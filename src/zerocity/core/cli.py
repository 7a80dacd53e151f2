"""What every app's commands share (the actor, error handling, the ``--city``/``--year``
options, atomic file writes) and the core commands: ``city`` and ``user``.

Each app keeps its commands in ``<app>/cli.py`` and imports only this module and its own app;
``zerocity.cli`` registers them all on the one ``zerocity`` group. Django models and services
are imported inside the commands because ``django.setup()`` runs in that group's callback,
after this module is imported.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

P = ParamSpec("P")
R = TypeVar("R")
# The audit log names who changed what; on the command line that is the shell's user.
ACTOR = "cli:" + os.environ.get("USER", "unknown")

city_opt = click.option("--city", "city_slug", required=True, help="City slug.")
year_opt = click.option("--year", type=click.IntRange(1990, 2100), required=True)


def handles_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn the errors a person can act on into a message and exit code 1."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from zerocity.core.errors import ZeroCityError

        try:
            return fn(*args, **kwargs)
        except ZeroCityError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper


def write_atomically(output: Path, data: bytes | Iterable[str]) -> None:
    """Write OUTPUT whole or not at all: bytes, or text parts streamed in order. Another
    program reading the file never sees half of it, and a failed run keeps the old one."""
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    try:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            with tmp.open("w", encoding="utf-8", newline="") as f:
                for part in data:
                    f.write(part)
        tmp.replace(output)
    except BaseException:
        tmp.unlink(missing_ok=True)  # no half-written file left beside the output
        raise


# -- cities and people -------------------------------------------------------------------------

@click.group()
def city() -> None:
    """Cities (tenants)."""


@city.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The city's name, e.g. Kranj.")
@click.option("--country", required=True, help="ISO 3166-1 alpha-2 code, e.g. SI.")
@click.option("--timezone", help="IANA time zone, e.g. Europe/Ljubljana [default: the "
              "country's, where all its zones keep one clock].")
@click.option("--subdivision", default="",
              help="ISO 3166-2 subdivision whose public holidays apply, e.g. BY in DE.")
@click.option("--population", type=click.IntRange(min=0), help="Resident population.")
@click.option("--language", default="en", show_default=True, help="Default language.")
@handles_errors
def city_create(slug: str, name: str, country: str, timezone: str | None, subdivision: str,
                population: int | None, language: str) -> None:
    """Create a city. Creating it again with the same name and country changes nothing."""
    from zerocity.core.services import create_city

    c = create_city(slug, name=name, country=country, timezone=timezone,
                    subdivision=subdivision, population=population, language=language,
                    actor=ACTOR)
    click.echo(f"city {c.slug}: {c.name} ({c.country})")


@city.command("set-timezone")
@click.argument("slug")
@click.argument("zone")
@click.option("--subdivision", default=None,
              help="ISO 3166-2 subdivision whose public holidays apply [default: unchanged].")
@handles_errors
def city_set_timezone(slug: str, zone: str, subdivision: str | None) -> None:
    """Move a city to time zone ZONE. Refused once the city holds data counted in its local
    days (card taps, readings, deadlines)."""
    from zerocity.core.selectors import get_city
    from zerocity.core.services import set_city_timezone

    c = set_city_timezone(get_city(slug), zone, subdivision=subdivision, actor=ACTOR)
    click.echo(f"city {c.slug}: time zone {c.timezone}"
               + (f", holidays of {c.country}-{c.subdivision}" if c.subdivision else ""))


@city.command("second-factor")
@click.argument("slug")
@click.option("--role", "roles", multiple=True,
              help="staff, admin or staff:<department>; repeat for several. None: nobody.")
@handles_errors
def city_second_factor(slug: str, roles: tuple[str, ...]) -> None:
    """Require a second factor at log-in of the holders of these roles in city SLUG
    (docs/accounts.md); without --role, of nobody."""
    from zerocity.core.second_factor import require_for
    from zerocity.core.selectors import get_city

    c = require_for(get_city(slug), roles, actor=ACTOR)
    click.echo(f"city {c.slug}: second factor required of "
               + (", ".join(c.second_factor_roles) or "nobody"))


@city.command("list")
def city_list() -> None:
    """List the cities."""
    from zerocity.core.selectors import cities

    for c in cities():
        click.echo(f"{c.slug}\t{c.name}\t{c.country}\t{c.population or ''}\t{c.timezone}")


@click.group()
def user() -> None:
    """People and their roles."""


@user.command("grant")
@click.argument("username")
@click.option("--city", "city_slug", required=True)
@click.option("--role", type=click.Choice(["citizen", "staff", "admin"]), required=True)
@click.option("--department", help="Department slug (required for staff); created if new.")
@click.option("--email", default="")
@click.option("--password-stdin", is_flag=True, help="Read a new password from standard input.")
@handles_errors
def user_grant(username: str, city_slug: str, role: str, department: str | None, email: str,
               password_stdin: bool) -> None:
    """Give USERNAME (created if new) a role in a city."""
    from zerocity.core.selectors import get_city
    from zerocity.core.services import ensure_department, grant_role

    c = get_city(city_slug)
    dept = ensure_department(c, department, department.replace("-", " ").title()) \
        if department else None
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    m = grant_role(c, username, role, department=dept, email=email, password=password,
                   actor=ACTOR)
    click.echo(f"{username} is {m.role} in {c.slug}")


@user.command("reset-second-factor")
@click.argument("username")
@handles_errors
def user_reset_second_factor(username: str) -> None:
    """Remove USERNAME's authenticator and recovery codes (a lost phone): they add a new one
    at their next log-in when their role requires it. Check who is asking first."""
    from django.contrib.auth import get_user_model

    from zerocity.core.errors import NotFound
    from zerocity.core.second_factor import remove

    found = get_user_model().objects.filter(username=username).first()
    if found is None:
        raise NotFound(f"no user {username!r}")
    remove(found, actor=ACTOR)
    click.echo(f"{username}: second factor removed")


# -- the reminder digest -----------------------------------------------------------------------

@click.group()
def reminders() -> None:
    """The reminder digest: what people owe the transition work, mailed on working days."""


@reminders.command("send")
@city_opt
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The day to run as, YYYY-MM-DD [default: the city's today].")
@click.option("--dry-run", is_flag=True, help="Say what would go; send and record nothing.")
@handles_errors
def reminders_send(city_slug: str, today: datetime | None, dry_run: bool) -> None:
    """Mail today's reminders of the city, one digest per person (JSON summary). Running it
    again the same day sends nothing new (docs/reminders.md)."""
    import json

    from zerocity.core.reminders import send
    from zerocity.core.selectors import get_city

    run = send(get_city(city_slug), today.date() if today else None, dry_run=dry_run,
               actor=ACTOR)
    click.echo(json.dumps(run.as_dict(), indent=2, ensure_ascii=False))
