"""``zerocity mobility stats``: what the city's timetable runs on a service date."""

from __future__ import annotations

from datetime import date, datetime

import click

from zerocity.core.cli import city_opt, handles_errors
from zerocity.mobility.periods import DEFAULT_PERIODS_TEXT


@click.command("stats")
@city_opt
@click.option("--date", "day", required=True, metavar="YYYY-MM-DD",
              type=click.DateTime(formats=["%Y-%m-%d"]), help="The service date.")
@click.option("--route", "route_id", metavar="ROUTE_ID", help="Only this route (GTFS "
              "route_id); the network is then that route's.")
@click.option("--stops", is_flag=True, help="Per stop as well: departures, routes, "
              "headways.")
@click.option("--periods", default=DEFAULT_PERIODS_TEXT, show_default=True,
              metavar="HH-HH[*],...", help="The periods headways are given for (07-09, "
              "07:00-09:00 or NAME=07:00-09:00, * after a peak); 07-19 is gtfs-kit's "
              "headway window.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@handles_errors
def stats(city_slug: str, day: datetime, route_id: str | None, stops: bool,
          periods: str, fmt: str) -> None:
    """Per route on the service date: trips, first and last departure, headways (min, mean,
    max minutes) per period, peak vehicles in service, service hours, bus-km and speed; the
    same for the network, and per stop with --stops. Computed on DuckDB from the timetable
    version in force (calendar exceptions and frequencies.txt applied, trips past 24:00 on
    their service date). The JSON is the API's (GET /api/v1/cities/SLUG/mobility/stats)."""
    import json

    from django.utils import translation

    from zerocity.core.selectors import get_city
    from zerocity.mobility import service_stats
    from zerocity.mobility import stats as reads
    from zerocity.mobility.periods import PeriodError, parse_periods

    try:
        chosen = parse_periods(periods)
    except PeriodError as exc:
        raise click.BadParameter(str(exc), param_hint="--periods") from None
    with translation.override("en"):  # the command line speaks English
        city = get_city(city_slug)
        service_date: date = day.date()
        version, result = reads.compute(city, service_date, route_id=route_id, stops=stops,
                                        periods=chosen)
    if fmt == "json":
        click.echo(json.dumps(reads.as_json(city, version, result), ensure_ascii=False,
                              indent=2))
        return
    click.echo(f"{city.name}: timetable version #{version.pk} {version.name}")
    for line in service_stats.to_text(result):
        click.echo(line)
