"""``zerocity mobility loads``: demand against capacity from the city card's taps
(docs/mobility-loads.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from zerocity.core.cli import city_opt, handles_errors
from zerocity.mobility.periods import DEFAULT_PERIODS_TEXT

SHOWN_TRIPS = 20


@click.command("loads")
@city_opt
@click.option("--date", "first", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="Service date (YYYY-MM-DD): its taps, chained within the day.")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last date of a range (at most 31 days) [default: --date only].")
@click.option("--route", default=None, help="Only this GTFS route_id's runs and taps.")
@click.option("--capacity", type=float, default=None,
              help="Passengers a vehicle carries [default: 80, Kranj's 12 m e-buses].")
@click.option("--scale", type=float, default=1.0, show_default=True,
              help="Factor for riders who do not tap, applied to every boarding.")
@click.option("--scale-source", default="", help="Where the scale factor comes from "
              "(required with a --scale other than 1).")
@click.option("--periods", default=DEFAULT_PERIODS_TEXT, show_default=True,
              metavar="HH-HH[*],...", help="The periods peak loads are given for (the "
              "optimiser's); a run belongs to the period of its first departure.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@handles_errors
def loads(city_slug: str, first: Any, last: Any, route: str | None, capacity: float | None,
          scale: float, scale_source: str, periods: str, fmt: str) -> None:
    """Loads of the bus runs of a date from the card's taps: each tap matched to a
    timetabled run (route, stop, within 2 minutes), alightings by trip chaining, the load
    leaving every stop, the maximum load point against capacity, the match rate and the
    unmatched taps by reason. Aggregates only: nothing per card."""
    import json

    from zerocity.core.selectors import get_city
    from zerocity.mobility import load_reports
    from zerocity.mobility.loads import CAPACITY, CAPACITY_SOURCE, NO_SCALE_SOURCE, LoadParams
    from zerocity.mobility.periods import PeriodError, parse_periods

    try:
        chosen = parse_periods(periods)
    except PeriodError as exc:
        raise click.BadParameter(str(exc), param_hint="--periods") from None
    params = LoadParams(
        capacity=CAPACITY if capacity is None else capacity,
        capacity_source=CAPACITY_SOURCE if capacity is None else "given on the command line",
        scale=scale, scale_source=scale_source or NO_SCALE_SOURCE, periods=chosen)
    day: date = first.date()
    result = load_reports.city_loads(get_city(city_slug), day,
                                     None if last is None else last.date(), params=params,
                                     route=route)
    data = load_reports.to_json(result)
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    _text(data)


def _text(d: dict[str, Any]) -> None:
    span = d["first"] if d["first"] == d["last"] else f"{d['first']} to {d['last']}"
    rate = "n/a" if d["match_rate"] is None else f"{d['match_rate']:.1%}"
    click.echo(f"{d['city']} {span}{' route ' + d['route'] if d['route'] else ''}: "
               f"{d['taps']} bus taps, {d['matched']} matched ({rate}); capacity "
               f"{d['capacity']:g} ({d['capacity_source']}); scale {d['scale']:g} "
               f"({d['scale_source']}); times: {d['times_note']}")
    for why, n in d["unmatched"].items():
        click.echo(f"  unmatched, {why}: {n}")
    for why, n in d["unchained"].items():
        click.echo(f"  boardings not chained, {why}: {n} (spread over the run's later stops)")
    if d["days_without_feed"]:
        click.echo(f"  no timetable on: {', '.join(d['days_without_feed'])}")
    click.echo("route  runs  tapped  boardings  max load  over capacity  peak by period")
    for r in d["routes"]:
        peaks = ", ".join(f"{p} {v:g}" for p, v in r["peak_by_period"].items())
        click.echo(f"{r['route_id']:<6}{r['runs']:>5}{r['trips_with_taps']:>8}"
                   f"{r['boardings']:>11g}{r['max_load']:>10g}{r['over_capacity']:>15}  {peaks}")
    busiest = sorted(d["trips"], key=lambda t: (-t["max_load"], t["run"]))[:SHOWN_TRIPS]
    if busiest:
        click.echo(f"busiest runs (of {len(d['trips'])}):")
    for t in busiest:
        flag = "  OVER CAPACITY" if t["over_capacity"] else ""
        click.echo(f"  {t['run']:<32} route {t['route_id']:<4} {t['start'][11:16]}  max "
                   f"{t['max_load']:g} leaving {t['max_load_stop']}{flag}")
