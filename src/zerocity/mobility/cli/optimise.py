"""``zerocity mobility optimise``: each line's headway per period chosen by the frequency MILP
(docs/mobility-frequency.md), re-checked independently, with the scenario edits it amounts to."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from zerocity.core.cli import city_opt, handles_errors
from zerocity.mobility.periods import DEFAULT_PERIODS_TEXT


def _headways(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise click.BadParameter(f"{text!r}: write minutes separated by commas, e.g. "
                                 "7.5,10,15,20,30,60", param_hint="--headways") from None
    if not values or min(values) <= 0:
        raise click.BadParameter("give one or more headways above 0 minutes",
                                 param_hint="--headways")
    return values


def _euros(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount of euros") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{text!r} is not an amount of 0 euros or more")
    return value


@click.command("optimise")
@city_opt
@click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="The service date whose timetable is optimised (YYYY-MM-DD).")
@click.option("--loads", required=True, type=click.Path(exists=True, dir_okay=False,
                                                         path_type=Path),
              help="CSV of peak loads, route_id,period,peak_load (riders/h at the maximum "
              "load point).")
@click.option("--fleet", type=click.IntRange(0), default=None, help="Buses available in "
              "every period [default: as many as today's timetable uses at its peak].")
@click.option("--max-headway", type=click.FloatRange(0, min_open=True), default=None,
              metavar="MIN", help="The policy's longest headway [default: the longest "
              "allowed].")
@click.option("--headways", default="7.5,10,15,20,30,60", show_default=True, metavar="MIN,...",
              help="The headways (minutes) the city allows.")
@click.option("--periods", default=None, metavar="HH-HH[*],...",
              help="The periods of the day, each with its own headway (07-09, 07:00-09:00 or "
              f"NAME=07:00-09:00; the loads' period names) [default: the city's parameter; "
              f"without one {DEFAULT_PERIODS_TEXT}].")
@click.option("--capacity", type=click.IntRange(1), default=None,
              help="Riders per bus [default: the city's parameter; without one 80, the MAN "
              "Lion's City E 12 m: 35 seats + 45 standing].")
@click.option("--margin", type=click.FloatRange(0, 1, min_open=True), default=0.9,
              show_default=True, help="The share of the capacity planned to be used.")
@click.option("--layover", type=click.IntRange(0, 120), default=5, show_default=True,
              metavar="MIN", help="Layover at each end of a line, part of its cycle.")
@click.option("--eur-per-bus-hour", type=_euros, default=None,
              help="[default: the city's parameter; without one 45.00]")
@click.option("--eur-per-bus-km", type=_euros, default=None,
              help="[default: the city's parameter; without one 0.90]")
@click.option("--value-of-time", type=_euros, default=None,
              help="EUR per hour of riders' waiting [default: the city's parameter; without "
              "one 8].")
@click.option("--save-scenario", "save_as", default=None, metavar="NAME",
              help="Save the plan's changes as a timetable scenario of this name (refused "
              "when the check fails or nothing changes).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@handles_errors
def optimise(city_slug: str, day: datetime, loads: Path, fleet: int | None,
             max_headway: float | None, headways: str, periods: str | None,
             capacity: int | None, margin: float, layover: int,
             eur_per_bus_hour: Decimal | None, eur_per_bus_km: Decimal | None,
             value_of_time: Decimal | None, save_as: str | None, fmt: str) -> None:
    """Choose each line's headway per period from the allowed ones: within the fleet, carrying
    the peak loads with the capacity margin, no longer than the policy's maximum, at the least
    operating cost plus value of riders' waiting time. The answer is re-checked by an
    independent checker; its changes are listed as scenario edits (adjust_headway). An
    instance without a solution is refused naming the rule, line and period (exit code 1)."""
    import json

    from zerocity.core.selectors import get_city
    from zerocity.mobility import optimise as opt
    from zerocity.mobility.frequency import Costs
    from zerocity.mobility.frequency_feed import read_loads
    from zerocity.mobility.parameters import city_parameters
    from zerocity.mobility.periods import parse_periods

    city = get_city(city_slug)
    own = city_parameters(city).costs
    costs = Costs(own.eur_per_bus_hour if eur_per_bus_hour is None else eur_per_bus_hour,
                  own.eur_per_bus_km if eur_per_bus_km is None else eur_per_bus_km,
                  own.value_of_time_eur_per_hour if value_of_time is None else value_of_time)
    done = opt.optimise_frequencies(
        city, day.date(), read_loads(loads),
        fleet=fleet, max_headway=max_headway, headways=_headways(headways),
        periods=None if periods is None else parse_periods(periods), capacity=capacity,
        margin=margin, costs=costs, layover_s=layover * 60)
    out = opt.to_json(done)
    saved = None
    if save_as is not None:
        saved = opt.save_as_scenario(done, name=save_as, actor="cli")
        out["scenario"] = opt.saved_json(saved)
    if fmt == "json":
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for line in opt.to_text(done):
        click.echo(line)
    if saved is not None:
        v = saved.value
        click.echo(f"scenario #{v.scenario.pk} {v.scenario.name!r} version {v.number}"
                   + (" (saved before: nothing changed)" if saved.replayed else " saved"))
