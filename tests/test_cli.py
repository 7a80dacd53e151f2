"""The `zerocity` command line, driven in-process on the test database."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from zerocity.cli import main
from zerocity.inventory.models import Inventory

pytestmark = pytest.mark.django_db
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
    assert "exists as Ljubljana (SI)" in clash.output


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
