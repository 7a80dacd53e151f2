"""``zerocity food``: the Dynamic Purchasing System's clock, delivery outcomes and OCDS."""

from __future__ import annotations

import json

import click

from zerocity.core.cli import city_opt, handles_errors


@click.group()
def food() -> None:
    """Local food procurement through the city's Dynamic Purchasing System."""


@food.command("tick")
@city_opt
@handles_errors
def food_tick(city_slug: str) -> None:
    """Move every DPS on to where its time limits put it (run it every few minutes): unseal
    initial requests at the initial deadline, activate, terminate at the end of validity,
    exclude members whose renewed self-declaration is late, close specific procurements for
    tenders at their deadline; list overdue decisions and contract award notices."""
    from django.utils.timezone import now

    from zerocity.core.selectors import get_city
    from zerocity.food.services import dps

    moved = dps.tick(get_city(city_slug), now())
    click.echo(f"unsealed {moved.unsealed}, activated {len(moved.activated)}, terminated "
               f"{len(moved.terminated)}, excluded {moved.excluded}; decisions overdue: "
               f"{len(moved.overdue)}")
    if moved.overdue:
        click.echo("overdue requests: " + ", ".join(str(pk) for pk in moved.overdue))
    if moved.closed_for_tenders:
        click.echo("closed for tenders, to be opened: " + ", ".join(moved.closed_for_tenders))
    if moved.notices_overdue:
        click.echo("contract award notices overdue (DPS-62): "
                   + ", ".join(moved.notices_overdue))


@food.command("publish")
@city_opt
@click.option("--year", type=int, required=True)
@handles_errors
def food_publish(city_slug: str, year: int) -> None:
    """Hand the year's delivery outcomes per institution and month to the data platform (the
    open dataset food-deliveries, which feeds the plan's indicators)."""
    from zerocity.core.selectors import get_city
    from zerocity.food.factors import ensure
    from zerocity.food.services.outcomes import publish

    ensure()
    batch = publish(get_city(city_slug), year, actor="cli")
    click.echo(f"batch {batch.pk}: {batch.accepted} readings accepted, "
               f"{batch.rejected} rejected")


@food.command("export-ocds")
@city_opt
@click.option("--uri", default=None, help="where the package is published")
@handles_errors
def food_export_ocds(city_slug: str, uri: str | None) -> None:
    """Print an OCDS 1.1 release package (Techniques extension) of every procedure."""
    from zerocity.core.selectors import get_city
    from zerocity.food.ocds import release_package

    click.echo(json.dumps(release_package(get_city(city_slug), uri), ensure_ascii=False,
                          indent=2))
