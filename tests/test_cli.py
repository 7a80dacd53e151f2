"""The `zerocity` command line, driven in-process on the test database."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from zerocity.cli import main
from zerocity.inventory.models import Inventory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
run = CliRunner().invoke


def all_commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name)
        if isinstance(cmd, click.Group):
            yield from all_commands(cmd, (*prefix, name))


# `manage` hands --help on to Django's own commands
@pytest.mark.parametrize("path", [p for p in all_commands(main) if p != ("manage",)],
                         ids=" ".join)
def test_every_command_has_help(path):
    result = run(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: main {' '.join(path)}")


def test_the_installed_entry_point_runs():
    exe = Path(sys.executable).parent / "zerocity"
    if not exe.exists():
        exe = Path(shutil.which("zerocity") or "zerocity")
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True)
    for command in ("demo", "serve", "migrate", "city", "inventory"):
        assert f"  {command}" in out.stdout


def test_city_create_then_again_is_idempotent_and_a_clash_is_an_error():
    args = ["city", "create", "ljubljana", "--name", "Ljubljana", "--country", "si",
            "--population", "295000"]
    assert run(main, args).output == "city ljubljana: Ljubljana (SI)\n"
    assert run(main, args).exit_code == 0
    clash = run(main, ["city", "create", "ljubljana", "--name", "Laibach", "--country", "SI"])
    assert clash.exit_code == 1
    assert "exists as Ljubljana (SI, Europe/Ljubljana)" in clash.output


def test_import_show_and_reimport(tmp_path, city):
    f = tmp_path / "a.csv"
    # line 3 gives an amount but no factor: no emissions
    f.write_text("gpc_ref,activity,amount,unit,fuel\nI.1.1,Gas,1000,MWh,natural_gas\n"
                 "II.1.2,Trams,500,MWh,\n")
    bad = run(main, ["inventory", "import", str(f), "--city", "testville", "--year", "2022"])
    assert bad.exit_code == 1
    assert "line 3, column amount: required with" not in bad.output
    assert "line 3, column amount: no emissions given" in bad.output
    assert not Inventory.objects.exists()

    f.write_text("gpc_ref,activity,amount,unit,fuel,co2e\nI.1.1,Gas,1000,MWh,natural_gas,\n"
                 "III.1.2,Waste exported,,,,20\n")
    args = ["inventory", "import", str(f), "--city", "testville", "--year", "2022", "--gwp",
            "AR6"]
    ok = run(main, args)
    assert ok.exit_code == 0 and ok.output == "testville 2022: 2 lines (2 new, 0 changed, 0 removed)\n"
    assert run(main, args).output == "testville 2022: 2 lines, unchanged\n"

    shown = run(main, ["inventory", "show", "--city", "testville", "--year", "2022",
                       "--format", "json"])
    data = json.loads(shown.output)
    assert (data["city"], data["year"], data["gwp"]) == ("testville", 2022, "AR6")
    assert set(data["totals"]) == {"scope1", "scope2", "scope3", "basic", "basic_plus",
                                   "territorial", "mission"}
    gas = 1000 * (0.20196 + 1.8e-5 * 27.9 + 3.6e-7 * 273)
    assert data["totals"]["scope1"] == pytest.approx(gas)
    assert data["totals"]["scope3"] == 20
    assert data["sectors"]["III"] == {"scope1": 0, "scope2": 0, "scope3": 20, "total": 20}
    assert [r["gpc_ref"] for r in data["rows"]] == ["I.1.1", "III.1.2"]

    table = run(main, ["inventory", "show", "--city", "testville", "--year", "2022"])
    assert "EU Mission inventory" in table.output and "Waste exported" in table.output


def test_unknown_city_and_bad_gwp_are_clear_errors(tmp_path, city):
    f = tmp_path / "a.csv"
    f.write_text("gpc_ref,activity,co2\nI.1.1,Gas,1\n")
    r = run(main, ["inventory", "import", str(f), "--city", "atlantis", "--year", "2022"])
    assert (r.exit_code, r.output) == (1, "error: no city 'atlantis'; create it with "
                                          "`zerocity city create`\n")
    r = run(main, ["inventory", "import", str(f), "--city", "testville", "--year", "2022",
                   "--gwp", "AR9"])
    assert r.exit_code == 2 and "unknown GWP set 'AR9'" in r.output


def test_publish_export_and_unpublish(tmp_path, city):
    f = tmp_path / "a.csv"
    f.write_text("gpc_ref,activity,co2\nI.1.1,Gas,1\n")
    run(main, ["inventory", "import", str(f), "--city", "testville", "--year", "2022"])
    assert run(main, ["inventory", "publish", "--city", "testville", "--year", "2022"]) \
        .exit_code == 0
    out = tmp_path / "out" / "inv.csv"
    r = run(main, ["inventory", "export", "--city", "testville", "--year", "2022", "--format",
                   "csv", "-o", str(out)])
    assert r.exit_code == 0 and out.read_text().startswith("gpc_ref,activity,")
    refused = run(main, ["inventory", "import", str(f), "--city", "testville", "--year",
                         "2022"])
    assert refused.exit_code == 1 and "is published" in refused.output
    r = run(main, ["inventory", "unpublish", "--city", "testville", "--year", "2022",
                   "--reason", "Correction of gas figures"])
    assert r.exit_code == 0
    assert Inventory.objects.get().status == "draft"


def test_factor_commands(city):
    r = run(main, ["factor", "local-electricity", "--city", "testville", "--year", "2022",
                   "--consumption", "100000", "--local-production", "10000",
                   "--green-purchases", "5000", "--national-factor", "0.358"])
    assert r.output == "com-local:electricity 2022 v1 = 0.3043 t CO2/MWh\n", r.exception
    listed = run(main, ["factor", "list", "--city", "testville"]).output
    assert "com-local:electricity\t2022\t1\tMWh\t0.3043" in listed
    assert "si-ijs-ceu:electricity\t2018\t1\tMWh\t0.358" in listed


def test_rejected_files_are_listed_and_can_be_fetched_back(tmp_path, city):
    f = tmp_path / "bad.csv"
    f.write_text("gpc_ref,activity,co2\nI.1.1,Oil,much\n")
    assert run(main, ["inventory", "import", str(f), "--city", "testville", "--year",
                      "2022"]).exit_code == 1
    listing = run(main, ["inventory", "rejected", "--city", "testville"]).output
    rid = listing.split("\t")[0]
    assert "\t2022\tbad.csv\t1 errors\t" in listing
    back = tmp_path / "back.csv"
    shown = run(main, ["inventory", "rejected", "--city", "testville", "--id", rid, "-o",
                       str(back)])
    assert shown.output.startswith("line 2, column co2: 'much' is not a number\n")
    assert back.read_bytes() == f.read_bytes()


# -- each city's own clock ---------------------------------------------------------------------

def test_city_create_takes_a_named_zone_or_the_countrys_only_one():
    # given a Finnish city created with its zone named, and another without
    named = run(main, ["city", "create", "helsinki", "--name", "Helsinki", "--country", "FI",
                       "--timezone", "Europe/Helsinki", "--population", "674500"])
    unnamed = run(main, ["city", "create", "espoo", "--name", "Espoo", "--country", "FI"])
    # then both print their usual line and both keep Finland's one zone
    assert (named.exit_code, named.output) == (0, "city helsinki: Helsinki (FI)\n")
    assert (unnamed.exit_code, unnamed.output) == (0, "city espoo: Espoo (FI)\n")
    listed = run(main, ["city", "list"]).output.splitlines()
    assert listed == ["espoo\tEspoo\tFI\t\tEurope/Helsinki",
                      "helsinki\tHelsinki\tFI\t674500\tEurope/Helsinki"]


def test_city_create_in_a_country_of_several_clocks_must_name_its_zone():
    # when a Spanish city is created without a zone
    r = run(main, ["city", "create", "valencia", "--name", "Valencia", "--country", "ES"])
    # then it is refused, naming the zones to choose from, and nothing is created
    assert r.exit_code == 1
    assert r.output.startswith("error: ES has more than one time zone (")
    assert "Europe/Madrid" in r.output and "Atlantic/Canary" in r.output
    assert "--timezone" in r.output
    assert run(main, ["city", "list"]).output == ""
    ok = run(main, ["city", "create", "valencia", "--name", "Valencia", "--country", "ES",
                    "--timezone", "Europe/Madrid"])
    assert (ok.exit_code, ok.output) == (0, "city valencia: Valencia (ES)\n")


def test_city_set_timezone_moves_an_empty_city_and_city_list_shows_it(city):
    # given testville (SI), which holds no data yet
    assert run(main, ["city", "list"]).output == "testville\tTestville\tSI\t10000\tEurope/Ljubljana\n"
    # when it moves to another zone
    r = run(main, ["city", "set-timezone", "testville", "Europe/Helsinki"])
    # then the move is reported and listed
    assert (r.exit_code, r.output) == (0, "city testville: time zone Europe/Helsinki\n")
    assert run(main, ["city", "list"]).output == "testville\tTestville\tSI\t10000\tEurope/Helsinki\n"
    unknown = run(main, ["city", "set-timezone", "testville", "Europe/Kranj"])
    assert unknown.exit_code == 1 and "Europe/Kranj" in unknown.output
    missing = run(main, ["city", "set-timezone", "atlantis", "Europe/Helsinki"])
    assert (missing.exit_code, missing.output) == (
        1, "error: no city 'atlantis'; create it with `zerocity city create`\n")


def test_city_set_timezone_is_refused_once_the_city_holds_local_day_data(city, monkeypatch):
    from zerocity.core import hooks

    # given an app that reports data counted in testville's local days
    monkeypatch.setitem(hooks._local_time_checks, "test",
                        lambda c: "3 card taps" if c.slug == "testville" else None)
    # when its zone is changed
    r = run(main, ["city", "set-timezone", "testville", "Europe/Helsinki"])
    # then it is refused with the reason, and the zone stays
    assert r.exit_code == 1
    assert "keeps its zone Europe/Ljubljana" in r.output and "3 card taps" in r.output
    assert run(main, ["city", "list"]).output.endswith("\tEurope/Ljubljana\n")


def test_data_source_add_reads_local_times_in_the_citys_zone_unless_told(city):
    from zerocity.data.models import DataSource

    run(main, ["city", "set-timezone", "testville", "Europe/Helsinki"])
    args = ["--city", "testville", "--kind", "electricity_meters", "--name", "Meters",
            "--quantity", "active_energy:kWh:0:100000"]
    assert run(main, ["data", "source", "add", "meters", *args]).exit_code == 0
    assert run(main, ["data", "source", "add", "utc-meters", *args, "--timezone", "UTC"]) \
        .exit_code == 0
    zones = dict(DataSource.objects.values_list("key", "timezone"))
    assert zones == {"meters": "Europe/Helsinki", "utc-meters": "UTC"}


def test_data_generate_runs_from_the_zerocity_group_in_the_citys_zone(tmp_path):
    from zerocity.data.generate import estimate_readings

    # given no city kranj in the database: the zone must be named
    args = ["data", "generate", "--meters", "14", "--days", "2", "--out", str(tmp_path)]
    r = run(main, args)
    assert r.exit_code == 1 and "give --timezone" in r.output
    r = run(main, [*args, "--timezone", "Europe/Ljubljana"])
    assert r.exit_code == 0, r.output
    assert f"wrote {estimate_readings(14, 2, tz='Europe/Ljubljana'):,} readings of 14 meters" \
        in r.output
    # and with Kranj created, its zone is the default
    run(main, ["city", "create", "kranj", "--name", "Kranj", "--country", "SI"])
    assert run(main, args).exit_code == 0
    bad = run(main, [*args[:3], "5", *args[4:]])
    assert bad.exit_code == 2 and "at least 14 meters" in bad.output


# -- one group, commands in their apps ---------------------------------------------------------

SRC = Path(__file__).resolve().parents[1] / "src" / "zerocity"


def test_every_click_command_defined_in_an_app_is_reachable_from_main():
    # given every module under src/zerocity that uses click
    modules = sorted(".".join(("zerocity", *p.relative_to(SRC).with_suffix("").parts))
                     .removesuffix(".__init__")
                     for p in SRC.rglob("*.py")
                     if re.search(r"^(import|from) click\b", p.read_text(encoding="utf-8"), re.M))
    reachable = {id(main)}

    def walk(group):
        for cmd in group.commands.values():
            reachable.add(id(cmd))
            if isinstance(cmd, click.Group):
                walk(cmd)

    walk(main)
    # then each group and command they define hangs somewhere under `zerocity`
    defined, stray = 0, []
    for name in modules:
        module = importlib.import_module(name)
        for attr, obj in vars(module).items():
            if isinstance(obj, click.Command) and obj.callback is not None \
                    and obj.callback.__module__ == name:
                defined += 1
                if id(obj) not in reachable:
                    stray.append(f"{name}.{attr}")
    assert defined > 50 and stray == []
    # and each app keeps its commands in its own cli module (or, grown large, a cli package
    # with one module per topic: zerocity.mobility.cli.fleet)
    assert [m for m in modules if not (m.endswith(".cli") or ".cli." in m)] == []
    assert {"zerocity.core.cli", "zerocity.data.cli", "zerocity.inventory.cli"} <= set(modules)


def test_the_top_level_cli_module_stays_small():
    assert len((SRC / "cli.py").read_text(encoding="utf-8").splitlines()) < 150
