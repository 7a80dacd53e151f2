"""``zerocity mobility``: the city's public transport as data — its GTFS timetable feeds — and
the journey planner on it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from zerocity.core.cli import ACTOR, city_opt, handles_errors

SHOWN_WARNINGS = 50


def _warning(kept: dict[str, Any]) -> str:
    from zerocity.mobility.gtfs.notices import Notice

    return f"{kept['severity'].lower()}: {Notice.from_dict(kept)}"


@click.group()
def mobility() -> None:
    """Public transport: the city's GTFS timetable, versioned, and journeys planned on it."""


@mobility.group()
def feed() -> None:
    """GTFS Schedule feeds: import a version, list the versions."""


@feed.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@city_opt
@click.option("--name", default="", help="The version's name [default: feed_info's "
              "feed_version, else the file's name].")
@click.option("--licence", default="", help="The feed's licence, e.g. CC-BY-SA-4.0 (GTFS "
              "itself has no field for it).")
@click.option("--attribution", default="", help="Who must be named where the data is shown "
              "[default: the feed's publisher and agencies].")
@handles_errors
def feed_import(file: Path, city_slug: str, name: str, licence: str, attribution: str) -> None:
    """Check FILE (a GTFS zip) with the MobilityData validator's rules and import it as the
    city's newest version, in force from its start date.

    Every error is printed as `file.txt line N, column C: code: reason` and nothing is
    imported (exit code 1); warnings are kept with the version. Importing the same file again
    changes nothing.
    """
    from zerocity.core.selectors import get_city
    from zerocity.mobility.errors import FeedRefused
    from zerocity.mobility.services import import_feed

    city = get_city(city_slug)
    try:
        done = import_feed(city, file, name=name, filename=file.name, licence=licence,
                           attribution=attribution, actor=ACTOR)
    except FeedRefused as exc:
        for notice in exc.notices:
            click.echo(str(notice), err=True)
        click.echo(f"error: {file.name} refused: {len(exc.notices)} error(s); nothing was "
                   "imported", err=True)
        sys.exit(1)
    version = done.value
    if done.replayed:
        click.echo(f"{file.name} is identical to version #{version.pk} ({version.name}), "
                   f"imported {version.imported_at:%Y-%m-%d %H:%M} UTC: nothing changed")
        return
    warnings = version.warning_total
    click.echo(f"version #{version.pk} {version.name}: service dates {version.start_date} to "
               f"{version.end_date}, in force from {version.start_date}; "
               + ", ".join(f"{n} {f}" for f, n in sorted(version.counts.items()))
               + f"; {warnings} warning(s)")
    for w in version.warnings[:SHOWN_WARNINGS]:
        click.echo(_warning(w))
    if warnings > SHOWN_WARNINGS:
        click.echo(f"... and {warnings - SHOWN_WARNINGS} more (zerocity mobility feed show)")


@feed.command("list")
@city_opt
@handles_errors
def feed_list(city_slug: str) -> None:
    """The city's versions, newest first, with the service dates each is in force."""
    from zerocity.core.selectors import get_city
    from zerocity.mobility.selectors import periods

    for p in periods(get_city(city_slug)):
        v = p.version
        when = ("replaced" if p.start is None else
                f"in force {p.start} to {p.last}" if p.last else f"in force from {p.start}")
        click.echo(f"#{v.pk}\t{v.name}\t{v.start_date} to {v.end_date}\t{when}\t"
                   f"{v.warning_total} warning(s)\t{v.sha256[:12]}")


@feed.command("show")
@click.argument("version_id", type=int)
@city_opt
@handles_errors
def feed_show(version_id: int, city_slug: str) -> None:
    """One version: its dates, licence and attribution, rows per file and every warning
    kept."""
    from zerocity.core.selectors import get_city
    from zerocity.mobility.selectors import get_version

    v = get_version(get_city(city_slug), version_id)
    click.echo(f"#{v.pk} {v.name} ({v.filename}), sha256 {v.sha256}")
    click.echo(f"service dates {v.start_date} to {v.end_date}; imported "
               f"{v.imported_at:%Y-%m-%d %H:%M} UTC by {v.by_label}")
    click.echo(f"licence: {v.licence or 'not stated'}; attribution: {v.attribution or '-'}")
    click.echo(", ".join(f"{f}: {n}" for f, n in sorted(v.counts.items())))
    for w in v.warnings:
        click.echo(_warning(w))


@mobility.group()
def walk() -> None:
    """The city's walking network: an OpenStreetMap extract journeys walk on."""


@walk.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@city_opt
@click.option("--name", default="", help="The network's name [default: the file's name].")
@click.option("--licence", default="", help="[default: ODbL-1.0, OpenStreetMap's]")
@click.option("--attribution", default="", help="[default: © OpenStreetMap contributors]")
@handles_errors
def walk_import(file: Path, city_slug: str, name: str, licence: str, attribution: str) -> None:
    """Read FILE (.osm or .osm.pbf) for the ways a person may walk on and make it the city's
    walking network: journeys then walk its streets and paths instead of the straight line
    x 1.3. Importing the same file again changes nothing."""
    from zerocity.core.selectors import get_city
    from zerocity.mobility.walking import import_network

    done = import_network(get_city(city_slug), file, filename=file.name, name=name,
                          licence=licence, attribution=attribution, actor=ACTOR)
    n = done.value
    if done.replayed:
        click.echo(f"{file.name} is walking network #{n.pk} ({n.name}) already: nothing "
                   "changed")
        return
    click.echo(f"walking network #{n.pk} {n.name}: {n.nodes} nodes, {n.edges} edges; "
               f"{n.licence}, {n.attribution}")


@mobility.command("plan")
@city_opt
@click.option("--from", "origin", required=True, metavar="LAT,LON",
              help="Where the journey starts, in decimal degrees.")
@click.option("--to", "destination", required=True, metavar="LAT,LON",
              help="Where it ends, in decimal degrees.")
@click.option("--depart", metavar="ISO8601", help="When to leave, e.g. 2026-10-20T07:30 (the "
              "city's time) or with a UTC offset [default: now].")
@click.option("--arrive-by", is_flag=True, help="--depart is the latest arrival.")
@click.option("--max-walk-m", type=click.FloatRange(0, 10000), default=1000, show_default=True,
              metavar="M", help="Walking at either end and between stops; 0: none, except the "
              "transfers the feed defines in transfers.txt.")
@click.option("--transfer-slack", type=click.IntRange(0, 3600), default=60, show_default=True,
              metavar="SECONDS", help="Added to every change; 0: as tight as the timetable "
              "allows.")
@click.option("--wheelchair", is_flag=True, help="Leave out stops and trips marked not "
              "wheelchair accessible (the answer says which).")
@click.option("--modes", metavar="bus,bike", help="Comma-separated modes: bus, tram, rail, "
              "..., bike (shared bikes), walk [default: all].")
@click.option("--within", type=click.IntRange(1, 1440), default=180, show_default=True,
              metavar="MINUTES", help="How long the journey may take.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--language", type=click.Choice(["sl", "en"]), help="The language of the "
              "answer [default: the site's, Slovenian].")
@click.option("--scenario", "scenario_id", type=int, default=None, metavar="ID",
              help="Plan on this timetable scenario's latest version instead of the city's "
              "timetable (zerocity mobility scenario list).")
@handles_errors
def plan(city_slug: str, origin: str, destination: str, depart: str | None, arrive_by: bool,
         max_walk_m: float, transfer_slack: int, wheelchair: bool, modes: str | None,
         within: int, fmt: str, language: str | None, scenario_id: int | None) -> None:
    """Journeys from one point to another on the city's timetable in force, with the fare
    the city card charges for them and their CO2e against the same trip by car; sorted by
    arrival. The JSON is the API's (GET /api/v1/cities/SLUG/mobility/plan)."""
    import json

    from django.conf import settings
    from django.utils import translation
    from django.utils.timezone import now

    from zerocity.core.selectors import get_city
    from zerocity.mobility import journeys
    from zerocity.mobility.planner import Query

    # the site's language unless asked (never what an earlier command left active)
    with translation.override(language or settings.LANGUAGE_CODE):
        city = get_city(city_slug)

        def parsed(option: str, parse: Any, *args: Any) -> Any:
            try:
                return parse(*args)
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint=option) from None

        query = Query(
            parsed("--from", journeys.parse_point, origin),
            parsed("--to", journeys.parse_point, destination),
            parsed("--depart", journeys.parse_moment, depart, city.timezone) if depart
            else now(),
            arrive_by=arrive_by, max_walk_m=max_walk_m, transfer_slack_s=transfer_slack,
            wheelchair=wheelchair,
            modes=parsed("--modes", journeys.parse_modes, modes) if modes is not None else None,
            max_duration_s=within * 60)
        on = None
        if scenario_id is not None:
            from zerocity.mobility.scenarios.selectors import get_scenario, scenario_version

            on = scenario_version(get_scenario(city, scenario_id))
        answer = journeys.plan_journey(city, query, scenario=on)
        if fmt == "json":
            click.echo(json.dumps(journeys.to_json(answer), ensure_ascii=False, indent=2))
        else:
            for line in journeys.to_text(answer):
                click.echo(line)


# -- real time --------------------------------------------------------------------------------


# each topic keeps its commands in its own module of this package
from zerocity.mobility.cli.access import access, opportunities  # noqa: E402
from zerocity.mobility.cli.fleet import fleet  # noqa: E402
from zerocity.mobility.cli.live import bikes, realtime  # noqa: E402
from zerocity.mobility.cli.loads import loads  # noqa: E402
from zerocity.mobility.cli.optimise import optimise  # noqa: E402
from zerocity.mobility.cli.parameters import parameters  # noqa: E402
from zerocity.mobility.cli.scenario import scenario  # noqa: E402
from zerocity.mobility.cli.stats import stats  # noqa: E402
from zerocity.mobility.cli.worth import scenario_attach, scenario_compare  # noqa: E402

for command in (realtime, bikes, stats, loads, access, opportunities, scenario, optimise,
                fleet, parameters):
    mobility.add_command(command)
scenario.add_command(scenario_compare)
scenario.add_command(scenario_attach)
