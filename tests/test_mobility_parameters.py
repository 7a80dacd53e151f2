"""A city's parameters of its bus service (docs/mobility-scenarios.md, "City parameters"):
stored per city, checked all together, and taken by the scenario comparison and the frequency
optimiser wherever they are not given others."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import zerocity
from zerocity.cli import main
from zerocity.mobility.parameters import DEFAULT_SOURCE, Parameters, city_parameters

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

LOADS = Path(zerocity.__file__).parent / "demo" / "data" / "kranj_peak_loads.csv"
DAY = date(2026, 12, 8)  # a school day of the Kranj demo's timetable


def run(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(main, ["mobility", *args])
    return done.exit_code, done.output


def test_a_city_sets_its_parameters_checked_together_and_audited(city):
    from zerocity.core.models import AuditLog

    # given a city that has set none: the defaults, said to be unsourced
    assert city_parameters(city) == Parameters()
    code, out = run("parameters", "--city", "testville", "--format", "json")
    assert code == 0 and json.loads(out)["source"] == DEFAULT_SOURCE
    # when two wrong values are sent with a good one
    code, out = run("parameters", "--city", "testville", "--battery-share", "1.5",
                    "--periods", "09-07", "--eur-per-bus-hour", "52")
    # then both are named and nothing is written
    assert code == 1
    assert "battery_share: 1.5 is not a share from 0 to 1" in out and "periods:" in out
    assert city_parameters(city) == Parameters()
    # when the operator's figures are sent
    args = ["parameters", "--city", "testville", "--eur-per-bus-hour", "52.5",
            "--battery-share", "0.25", "--capacity", "60", "--periods", "06-09*,09-20",
            "--source", "operator's contract 2026"]
    code, out = run(*args, "--format", "json")
    assert code == 0, out
    # then they are the city's, the others kept
    assert json.loads(out) == {
        "city": "testville", "eur_per_bus_hour": "52.50", "eur_per_bus_km": "0.90",
        "value_of_time_eur_per_hour": "8.00", "battery_share": "0.2500", "capacity": 60,
        "periods": "06-09*,09-20", "source": "operator's contract 2026"}
    assert [p.name for p in city_parameters(city).day_periods] == ["06-09", "09-20"]
    assert AuditLog.objects.filter(city=city, action="mobility.parameters").count() == 1
    # and sending them again changes nothing
    code, out = run(*args)
    assert code == 0 and out.splitlines()[-1] == "nothing changed"
    assert AuditLog.objects.filter(city=city, action="mobility.parameters").count() == 1


def test_the_comparison_and_the_optimiser_take_the_citys_parameters(kranj):
    from zerocity.mobility import optimise as opt
    from zerocity.mobility.frequency_feed import read_loads
    from zerocity.mobility.parameters import set_parameters
    from zerocity.mobility.scenarios.services import create_scenario
    from zerocity.mobility.scenarios.worth import compare_scenario
    from zerocity.mobility.selectors import version_in_force

    set_parameters(kranj, {"eur_per_bus_hour": Decimal("50"), "eur_per_bus_km": Decimal("1.2"),
                           "battery_share": Decimal("0.42"), "capacity": 70})
    s = create_scenario(kranj, name="Line 1 twice as often", base=version_in_force(kranj, DAY),
                        edits=[{"type": "adjust_frequency", "route_id": "1",
                                "start": "00:00:00", "end": "30:00:00", "factor": 2}],
                        today=date(2026, 12, 6)).value.scenario
    # when the scenario is compared without a battery share
    _v, c = compare_scenario(s)
    # then the city's share and unit costs price it
    assert c.assumptions.battery_share == Decimal("0.4200")
    assert (c.assumptions.rates.per_bus_hour, c.assumptions.rates.per_bus_km) == (
        Decimal("50.00"), Decimal("1.20"))
    assert c.base_cost.total.amount == (
        c.base.bus_hours * Decimal("50.00") + c.base.bus_km * Decimal("1.20")).quantize(
        Decimal("0.01"))
    # and a share given for the comparison wins
    assert compare_scenario(s, battery_share=Decimal(0))[1].assumptions.battery_share == 0
    # when the optimiser is asked without costs or capacity
    done = opt.optimise_frequencies(kranj, DAY, read_loads(LOADS), fleet=25)
    # then it plans with the city's
    params = opt.to_json(done)["parameters"]
    assert (params["capacity"], params["eur_per_bus_hour"], params["eur_per_bus_km"]) == (
        70, "50.00", "1.20")
