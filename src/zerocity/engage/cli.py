"""``zerocity engage``: the citizen platform's digest, announcements and census file."""

from __future__ import annotations

from pathlib import Path

import click

from zerocity.core.cli import city_opt, handles_errors


@click.group()
def engage() -> None:
    """The citizen platform: the weekly digest and the census file of the resident check."""


@engage.command("digest")
@city_opt
@handles_errors
def engage_digest(city_slug: str) -> None:
    """Send the weekly digest (run it once a week): one mail per person with what their inbox
    got in the last 7 days and was not mailed yet."""
    from zerocity.core.selectors import get_city
    from zerocity.engage.services.notify import digest

    click.echo(f"{digest(get_city(city_slug))} digest mails sent")


@engage.command("tick")
@city_opt
@handles_errors
def engage_tick(city_slug: str) -> None:
    """Announce the articles that have appeared to their topic's followers (run it every few
    minutes)."""
    from zerocity.core.selectors import get_city
    from zerocity.engage.services.news import announce

    click.echo(f"{announce(get_city(city_slug))} articles announced")


@engage.command("census")
@city_opt
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@handles_errors
def engage_census(city_slug: str, path: str) -> None:
    """Load the census file of the resident check (CSV: resident_number, birth_date,
    district); only keyed hashes are stored. It replaces the one loaded before."""
    from zerocity.core.selectors import get_city
    from zerocity.engage.services.verification import load_census

    count = load_census(get_city(city_slug), Path(path).read_text(encoding="utf-8"),
                        actor="cli")
    click.echo(f"{count} residents loaded")
