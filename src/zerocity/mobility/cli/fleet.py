"""``zerocity mobility fleet``: vehicle blocks for a service date with the fewest vehicles
(docs/mobility-fleet.md)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import click

from zerocity.core.cli import city_opt, handles_errors


@click.command("fleet")
@city_opt
@click.option("--date", "day", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="The service date (YYYY-MM-DD).")
@click.option("--min-layover", "min_layover", type=click.FloatRange(0, 240), default=5.0,
              show_default=True, help="Minutes a vehicle waits at least between two trips.")
@click.option("--no-deadhead", is_flag=True, help="A vehicle continues only from the stop "
              "(or station) where its last trip ended.")
@click.option("--deadhead-speed", type=click.FloatRange(1, 120), default=20.0,
              show_default=True, help="km/h of empty running, on the straight line x "
              "--detour.")
@click.option("--detour", type=click.FloatRange(1, 3), default=1.3, show_default=True,
              help="Road km per straight-line km of empty running.")
@click.option("--vehicle-cost", type=click.FloatRange(0), default=None,
              help="EUR per vehicle and day: minimise vehicles x this + deadhead km x "
              "--deadhead-cost instead of the fleet alone.")
@click.option("--deadhead-cost", type=click.FloatRange(0), default=1.0, show_default=True,
              help="EUR per deadhead km (with --vehicle-cost or --least-deadhead).")
@click.option("--least-deadhead", is_flag=True, help="The minimum fleet, then the least "
              "deadhead km (minimum-cost assignment): the default up to 3 million compatible "
              "pairs of trips; with this flag, refused above.")
@click.option("--battery-kwh", type=click.FloatRange(0, min_open=True), default=None,
              help="Battery buses: usable kWh between overnight charges.")
@click.option("--range-km", type=click.FloatRange(0, min_open=True), default=None,
              help="Battery buses: range in km (instead of --battery-kwh).")
@click.option("--kwh-per-km", type=click.FloatRange(0, min_open=True), default=1.3,
              show_default=True, help="Battery buses: consumption.")
@click.option("--charger-kw", type=click.FloatRange(0), default=180.0, show_default=True,
              help="Battery buses: charger power.")
@click.option("--charger-stop", "charger_stops", multiple=True,
              help="A stop_id with a charger (repeat for several).")
@click.option("--min-charge", type=click.FloatRange(0), default=10.0, show_default=True,
              help="Battery buses: minutes of layover at a charger that charge.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@handles_errors
def fleet(city_slug: str, day: Any, min_layover: float, no_deadhead: bool,
          deadhead_speed: float, detour: float, vehicle_cost: float | None,
          deadhead_cost: float, least_deadhead: bool, battery_kwh: float | None,
          range_km: float | None, kwh_per_km: float, charger_kw: float,
          charger_stops: tuple[str, ...], min_charge: float, fmt: str) -> None:
    """Blocks of the city's trips on --date with the fewest vehicles (one depot): the minimum
    fleet, the lower bound (the most trips under way at once), each vehicle's trips in order,
    and per route the trips, bus-km and service hours."""
    from zerocity.core.selectors import get_city
    from zerocity.mobility.fleet_feed import city_fleet, parameters

    params = parameters(min_layover_min=min_layover, no_deadhead=no_deadhead,
                        deadhead_speed_kmh=deadhead_speed, detour=detour,
                        vehicle_cost=vehicle_cost, deadhead_cost_per_km=deadhead_cost,
                        least_deadhead=least_deadhead, battery_kwh=battery_kwh,
                        range_km=range_km, kwh_per_km=kwh_per_km, charger_kw=charger_kw,
                        min_charge_min=min_charge)
    out = city_fleet(get_city(city_slug), date(day.year, day.month, day.day), params,
                     charger_stops)
    if fmt == "json":
        click.echo(json.dumps(out, indent=1, ensure_ascii=False))
        return
    click.echo(text(out))


def text(out: dict[str, Any]) -> str:
    lines = [f"{out['city']} {out['service_date']}: {out['vehicles']} vehicle(s) for "
             f"{out['trips']} trip(s); lower bound {out['lower_bound']} (most trips under way "
             f"at once); deadhead {out['deadhead_km']:.1f} km; {out['parameters']['objective']}"]
    if out["parameters"]["battery"] is not None:
        lines.append(f"battery: {out['battery_splits']} block(s) split; trips no full battery "
                     f"runs: {', '.join(out['battery_infeasible_trips']) or 'none'}")
    for b in out["blocks"]:
        trips = ", ".join(f"{t['trip_id']} {t['start'][:5]}-{t['end'][:5]}" for t in b["trips"])
        lines.append(f"vehicle {b['vehicle']:>3}: {b['start'][:5]}-{b['end'][:5]}, "
                     f"{len(b['trips'])} trip(s), {b['deadhead_km']:.1f} deadhead km: {trips}")
    lines.append(f"routes (bus-km from {out['distance_source']}):")
    for r in out["routes"]:
        lines.append(f"  {r['route_id']:<12}{r['trips']:>5} trips {r['bus_km']:>10.1f} bus-km "
                     f"{r['service_hours']:>8.2f} service hours")
    return "\n".join(lines)
