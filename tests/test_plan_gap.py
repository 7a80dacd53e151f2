"""The emission-gap table A-2.1 of the Climate City Contract, reproduced from Kranj's published
plan (research note ghg-standards.md §7.6), and the plan data behind it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from zerocity.core.errors import Conflict
from zerocity.plan.calculations import cost_per_tonne, emission_gap

# Kranj, tCO2e: baseline, target, existing plans, gap, CCC portfolio, residual
KRANJ_A21 = {
    "buildings": (65_831, 52_665, 34_825, 17_840, 7_980, 13_166),
    "transport": (68_068, 54_454, 10_210, 44_244, 35_899, 13_614),
    "waste": (26_754, 21_403, 10_889, 10_514, 14_823, 5_351),
    "ippu": (27_256, 21_805, 7_386, 14_418, 0, 5_451),
    "afolu": (50_923, 40_738, 14_492, 26_246, 8_300, 10_185),
    "energy_systems": (0, 0, 0, 0, 46_263, 0),
}
KRANJ_TOTAL = (238_832, 191_066, 77_802, 113_263, 113_265, 47_766)
COLUMNS = ("baseline", "target", "existing", "gap", "portfolio", "residual")


def assert_row(row, expected):
    for col, value in zip(COLUMNS, expected, strict=True):
        # the published table is rounded per cell (e.g. gap 113,263 for 113,263.6)
        assert getattr(row, col) == pytest.approx(value, abs=1), col


def test_kranj_gap_table_from_the_published_inputs():
    table = emission_gap(
        {k: v[0] for k, v in KRANJ_A21.items() if v[0]},
        {k: v[2] for k, v in KRANJ_A21.items() if v[2]},
        {k: v[4] for k, v in KRANJ_A21.items() if v[4]},
    )
    for sector, expected in KRANJ_A21.items():
        assert_row(table.sectors[sector], expected)
    assert_row(table.total, KRANJ_TOTAL)
    assert table.total.target == pytest.approx(0.8 * 238_832)  # 191,065.6
    assert table.total.gap == pytest.approx(191_065.6 - 77_802)  # 113,263.6, printed 113,263
    assert not table.residual_too_high and table.portfolio_closes_gap


def test_a_residual_above_20_percent_is_flagged():
    table = emission_gap({"buildings": 1000}, {}, {"buildings": 750}, reduction_share=0.75)
    assert table.residual_share == pytest.approx(0.25)
    assert table.residual_too_high
    assert not emission_gap({"buildings": 1000}, {}, {}).residual_too_high


def test_a_portfolio_short_of_the_gap_leaves_a_shortfall():
    table = emission_gap({"transport": 1000}, {"transport": 300}, {"transport": 400})
    assert table.total.gap == pytest.approx(500)
    assert table.total.shortfall == pytest.approx(100)
    assert not table.portfolio_closes_gap


def test_unknown_rows_and_targets_are_refused():
    with pytest.raises(ValueError, match="unknown sector rows: shipping"):
        emission_gap({"shipping": 1}, {}, {})
    with pytest.raises(ValueError, match="between 0 and 1"):
        emission_gap({"waste": 1}, {}, {}, reduction_share=1.2)


def test_cost_per_tonne_of_kranj_action_1_1():
    # EUR 21,827,000 / 14,342 t = 1,521.89 -> 1,522 EUR/t (research note §9.6)
    assert cost_per_tonne(Decimal("21827000"), 14_342) == Decimal("1522")
    assert cost_per_tonne(Decimal("1000"), 0) is None


@pytest.mark.django_db
def test_the_kranj_demo_plan_reproduces_a21(kranj):
    from zerocity.plan.selectors import gap_table, plan_for_city

    table = gap_table(plan_for_city("kranj"))
    for sector, expected in KRANJ_A21.items():
        assert_row(table.sectors[sector], expected)
    assert_row(table.total, KRANJ_TOTAL)


@pytest.mark.django_db
def test_plan_gap_command_prints_the_table_as_json(kranj):
    from zerocity.cli import main

    out = CliRunner().invoke(main, ["plan", "gap", "--city", "kranj", "--format", "json"])
    data = json.loads(out.output)
    assert set(data["total"]) == set(COLUMNS)
    assert set(data["sectors"]) == set(KRANJ_A21)
    assert data["total"]["residual"] == pytest.approx(47_766, abs=1)
    assert data["residual_too_high"] is False
    missing = CliRunner().invoke(main, ["plan", "gap", "--city", "nowhere"])
    # the command line speaks the site's default language, Slovenian
    assert (missing.exit_code, missing.output) == (1, "error: Mesta nowhere ni.\n")


@pytest.mark.django_db
def test_loading_the_same_plan_twice_changes_nothing_and_bad_sectors_are_refused(kranj):
    from zerocity.core.models import AuditLog
    from zerocity.demo.kranj import _data
    from zerocity.inventory.models import Inventory
    from zerocity.plan.models import Action
    from zerocity.plan.services import load_plan

    data = json.loads(_data("kranj_plan.json"))
    baseline = Inventory.objects.get(city=kranj, year=2018)
    before = AuditLog.objects.count()
    load_plan(kranj, baseline, data)
    assert AuditLog.objects.count() == before
    data["actions"][0]["reductions"] = {"shipping": 5}
    with pytest.raises(Conflict, match="action 1.1: unknown sector shipping"):
        load_plan(kranj, baseline, data)
    assert Action.objects.get(code="1.1").reductions.get().tco2e == 14_342


@pytest.mark.django_db
def test_a_plan_file_with_unreadable_effects_or_drivers_is_refused_whole(kranj):
    from zerocity.plan.services import load_plan

    data = json.loads((Path(__file__).resolve().parent.parent / "src" / "zerocity" / "demo"
                       / "data" / "kranj_plan.json").read_text())
    before = kranj.plan.loaded_sha256
    data["actions"][0]["effects"] = [{"type": "change_factor", "carrier": "district_heat"}]
    with pytest.raises(Conflict, match=r"action 1.1: effects\[0\]: .*exactly one of"):
        load_plan(kranj, kranj.plan.baseline, data)
    data["actions"][0].pop("effects")
    data["drivers"] = {"population_growth": 0.01, "weather": "sunny"}
    with pytest.raises(Conflict, match="weather"):
        load_plan(kranj, kranj.plan.baseline, data)
    kranj.plan.refresh_from_db()
    assert kranj.plan.loaded_sha256 == before
