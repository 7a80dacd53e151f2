"""``zerocity card``: the city card's ledger check, ridership, stops and retention."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from zerocity.core.cli import city_opt, handles_errors


@click.group()
def card() -> None:
    """The city card: ledger, ridership, stops and retention."""


@card.command("reconcile")
@city_opt
@handles_errors
def card_reconcile(city_slug: str) -> None:
    """Prove every cached balance equals the sum of its entries and every transaction is
    balanced; exits 1 and lists the differences otherwise."""
    from zerocity.card.services import reconcile
    from zerocity.core.selectors import get_city

    result = reconcile(get_city(city_slug))
    for problem in result.problems:
        click.echo(problem)
    click.echo(f"{result.accounts} accounts, {result.transactions} transactions: "
               + ("reconciled" if result.clean else f"{len(result.problems)} differences"))
    if not result.clean:
        raise SystemExit(1)


@card.command("ridership")
@city_opt
@click.option("--month", required=True, help="YYYY-MM")
@click.option("--publish", is_flag=True, help="hand the month's totals to the data platform")
@handles_errors
def card_ridership(city_slug: str, month: str, publish: bool) -> None:
    """A month's boardings, transfers, passenger-km and avoided car emissions."""
    from zerocity.card import ridership
    from zerocity.core.selectors import get_city

    city = get_city(city_slug)
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise click.BadParameter(f"{month!r} is not YYYY-MM", param_hint="--month") from None
    r = ridership.analyse(city, first)
    click.echo(f"{month}: {r.legs} boardings (bus {r.legs_by_mode['bus']}, bike "
               f"{r.legs_by_mode['bike']}), {r.riders} riders, {r.transfers} transfers")
    click.echo(f"passenger-km: bus {r.passenger_km['bus']:,.1f}, bike "
               f"{r.passenger_km['bike']:,.1f}; car emissions avoided {r.avoided_t:,.2f} t CO2e")
    if publish:
        batch = ridership.publish(city, first, actor="cli")
        click.echo(f"published: batch {batch.pk}, {batch.status}")


@card.command("stops")
@city_opt
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@handles_errors
def card_stops(city_slug: str, path: str) -> None:
    """Load the stops of a GTFS stops.txt (for boardings per stop and trip distances)."""
    from zerocity.card import ridership
    from zerocity.core.selectors import get_city

    try:
        n = ridership.load_stops(get_city(city_slug), Path(path).read_text(encoding="utf-8"),
                                 actor="cli")
    except ridership.StopsError as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    click.echo(f"{n} stops loaded")


@card.command("retention")
@city_opt
@handles_errors
def card_retention(city_slug: str) -> None:
    """Erase where and with which card old trips were made, and destroy old pseudonym keys
    (run it daily; ZEROCITY_CARD_TRIP_RETENTION_DAYS sets the window)."""
    from zerocity.card import ridership
    from zerocity.core.selectors import get_city

    erased = ridership.apply_retention(get_city(city_slug))
    click.echo(f"{erased.taps} taps erased, {erased.keys} pseudonym keys destroyed")
