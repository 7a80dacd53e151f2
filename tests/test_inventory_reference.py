"""Reference tests of the research note ghg-standards.md §9, on the pure calculation layer
(no database). Figures and their sources are cited per test."""

from __future__ import annotations

import pytest

from zerocity.core.units import UnitError, convert
from zerocity.inventory import calculations as calc
from zerocity.inventory import gpc
from zerocity.inventory.gwp import GwpSet

Line, Gases = calc.Line, calc.Gases


# §9.1 — EF[t/MWh] = EF[kg/TJ] x 0.0036 / 1000; 1 MWh = 3.6 GJ = 0.0036 TJ
@pytest.mark.parametrize(
    ("kg_per_tj", "t_per_mwh"),
    [(56_100, 0.20196), (74_100, 0.26676), (69_300, 0.24948), (63_100, 0.22716),
     (112_000, 0.4032)],
)
def test_ipcc_default_factor_converts_from_kg_per_tj_to_t_per_mwh(kg_per_tj, t_per_mwh):
    # kg/TJ -> t/TJ, then per MWh: the factor per MWh is the factor per TJ times TJ per MWh
    tj_per_mwh = convert(1, "MWh", "TJ")
    assert kg_per_tj / 1000 * tj_per_mwh == pytest.approx(t_per_mwh, rel=1e-9)


def test_energy_units_convert_with_pint():
    assert convert(1, "MWh", "GJ") == pytest.approx(3.6, rel=1e-12)
    assert convert(1, "MWh", "TJ") == pytest.approx(0.0036, rel=1e-12)
    assert convert(1000, "kWh", "MWh") == pytest.approx(1.0, rel=1e-12)
    assert convert(1, "t", "kg") == pytest.approx(1000, rel=1e-12)
    assert convert(1, "m3", "l") == pytest.approx(1000, rel=1e-12)


def test_a_unit_that_does_not_fit_the_factor_is_refused():
    factor = calc.FactorValues(unit="MWh", co2=0.2)
    with pytest.raises(UnitError, match="cannot be converted"):
        calc.emissions_from_activity(10, "l", factor)


def test_amount_in_gj_gives_the_same_gases_as_in_mwh():
    factor = calc.FactorValues(unit="MWh", co2=0.20196, ch4=1.8e-5, n2o=3.6e-7)
    in_mwh = calc.emissions_from_activity(1000, "MWh", factor)
    in_gj = calc.emissions_from_activity(3600, "GJ", factor)
    assert in_gj.co2 == pytest.approx(in_mwh.co2, rel=1e-12)
    assert in_gj.ch4 == pytest.approx(in_mwh.ch4, rel=1e-12)


# §9.2-9.3 — Kranj 2018 sector arithmetic with the factors (§7.4, §7.5)
def _energy(rows):
    return sum(mwh * ef for mwh, ef in rows)


def test_kranj_buildings_scope1_and_scope2_from_a11_and_a12():
    scope1 = _energy([(42_178, 0.26), (70_851, 0.205), (49_341, 0.320), (43_158, 0)])
    assert scope1 == pytest.approx(41_280, abs=1)
    assert _energy([(68_579, 0.358)]) == pytest.approx(24_551, abs=1)


def test_kranj_transport_waste_and_ippu_from_a11_and_a12():
    assert _energy([(200_496, 0.267), (55_477, 0.249)]) == pytest.approx(67_346, abs=1)
    assert _energy([(2_016, 0.358)]) == pytest.approx(722, abs=1)
    assert _energy([(1_085, 0.358)]) == pytest.approx(388, abs=1)
    assert _energy([(31_752, 0.26), (79_655, 0.205), (8_347, 0.320)]) == pytest.approx(
        27_256, abs=1)


# §9.7 — GWP switch
@pytest.mark.parametrize(
    ("gwp", "fossil", "expected"),
    [(GwpSet.AR5, False, 28.0), (GwpSet.AR6, False, 27.9), (GwpSet.AR6_CH4_SPLIT, False, 27.0),
     (GwpSet.AR6_CH4_SPLIT, True, 29.8), (GwpSet.AR4, False, 25.0)],
)
def test_one_tonne_of_methane_in_each_gwp_set(gwp, fossil, expected):
    assert calc.co2e(Gases(ch4=1, ch4_fossil=fossil), gwp) == pytest.approx(expected)


@pytest.mark.parametrize(("gwp", "expected"), [(GwpSet.AR5, 265), (GwpSet.AR6, 273)])
def test_one_tonne_of_nitrous_oxide(gwp, expected):
    assert calc.co2e(Gases(n2o=1), gwp) == expected


def test_hfc_blends_and_direct_co2e_are_not_reweighted_by_the_gwp_set():
    gases = Gases(hfcs=10, pfcs=5, co2e_direct=-3)
    assert calc.co2e(gases, GwpSet.AR4) == calc.co2e(gases, GwpSet.AR6) == 12


# §9.9 — totals logic on the synthetic example
SYNTHETIC = {"I.1.1": 100, "I.1.2": 50, "I.1.3": 5, "I.4.4": 1000, "II.1.1": 200,
             "II.1.3": 30, "III.1.1": 40, "III.1.2": 20, "III.1.3": 70, "IV.1": 60, "V.1": 80}


def synthetic_lines():
    return [Line(ref, Gases(co2=value)) for ref, value in SYNTHETIC.items()]


def test_totals_of_the_synthetic_example():
    assert calc.totals(synthetic_lines(), GwpSet.AR5) == {
        "basic": 410, "basic_plus": 585, "territorial": 1550, "scope1": 480, "scope2": 50,
        "scope3": 55, "mission": 550,
    }


def test_ets_lines_leave_only_the_mission_total():
    lines = [*synthetic_lines(), Line("I.3.1", Gases(co2=500), ets=True)]
    t = calc.totals(lines, GwpSet.AR5)
    assert t["mission"] == 550
    assert t["scope1"] == 980
    assert t["basic"] == 910


def test_other_scope3_is_outside_basic_and_basic_plus_and_the_mission():
    t = calc.totals([Line("VI.1", Gases(co2=7))], GwpSet.AR5)
    assert (t["scope3"], t["basic"], t["basic_plus"], t["mission"]) == (7, 0, 0, 0)


# §9.10 — notation keys contribute nothing but are not a reported zero
def test_a_notation_key_contributes_zero_even_if_gases_were_set():
    line = Line("I.1.1", Gases(co2=99), notation_key="NE")
    assert calc.line_co2e(line, GwpSet.AR5) == 0
    assert calc.totals([line], GwpSet.AR5)["scope1"] == 0


# §9.8 — landfill methane commitment
def test_landfill_methane_commitment_of_1000_t_food_waste():
    ch4 = calc.landfill_methane_commitment(1000, {"food": 1.0}, site="managed")
    assert ch4 == pytest.approx(54.0, rel=1e-9)
    assert calc.co2e(Gases(ch4=ch4), GwpSet.AR5) == pytest.approx(1512.0, rel=1e-9)


def test_methane_commitment_without_oxidation_on_an_unmanaged_site():
    ch4 = calc.landfill_methane_commitment(1000, {"food": 0.5, "paper": 0.5},
                                           site="unmanaged_deep")
    # L0 = 0.8 x (0.5x0.15 + 0.5x0.40) x 0.6 x 0.5 x 16/12; OX = 0
    assert ch4 == pytest.approx(1000 * 0.8 * 0.275 * 0.6 * 0.5 * 16 / 12, rel=1e-12)


# §9.11 — Covenant of Mayors local electricity factor
def test_local_electricity_factor_of_the_worked_example():
    efe = calc.local_electricity_factor(total_consumption=100_000, local_production=10_000,
                                        green_purchases=5_000, national_factor=0.358)
    assert efe == pytest.approx(0.3043, rel=1e-12)


def test_local_electricity_factor_of_a_net_exporter():
    efe = calc.local_electricity_factor(
        total_consumption=10_000, local_production=12_000, green_purchases=1_000,
        national_factor=0.358, local_production_emissions=260, green_purchase_emissions=0)
    assert efe == pytest.approx(260 / 13_000, rel=1e-12)


# §9.12 — biomass: CO2 biogenic and apart, CH4 and N2O counted
def test_one_mwh_of_residential_wood():
    wood = calc.FactorValues(unit="MWh", co2=0, ch4=1.08e-3, n2o=1.44e-5, co2_biogenic=0.4032,
                             fossil=False)
    gases = calc.emissions_from_activity(1, "MWh", wood)
    assert gases.co2_biogenic == pytest.approx(0.4032)
    assert calc.co2e(gases, GwpSet.AR5) == pytest.approx(0.0341, abs=5e-5)
    assert calc.co2e(gases, GwpSet.AR5) == pytest.approx(1.08e-3 * 28 + 1.44e-5 * 265,
                                                         rel=1e-12)
    assert calc.co2e(gases, GwpSet.AR6_CH4_SPLIT) == pytest.approx(0.0331, abs=5e-5)


# §9.13 — district heat in scope 1 (Kranj's table) or scope 2 (GPC) leaves the mission total
def test_district_heat_scoping_moves_tonnes_between_scopes_only():
    dh = Gases(co2=57_688 * 0.320)
    other = [Line("I.1.1", Gases(co2=1000)), Line("I.1.2", Gases(co2=500))]
    as_scope1 = calc.totals([*other, Line("I.1.1", dh)], GwpSet.AR5)
    as_scope2 = calc.totals([*other, Line("I.1.2", dh)], GwpSet.AR5)
    assert as_scope1["mission"] == pytest.approx(as_scope2["mission"], rel=1e-12)
    moved = as_scope1["scope1"] - as_scope2["scope1"]
    assert moved == pytest.approx(18_460.16, abs=0.01)
    assert as_scope2["scope2"] - as_scope1["scope2"] == pytest.approx(moved, rel=1e-12)


# §9.15 — scope comes from the table, never from the last digit
def test_scope_lookup_from_the_reference_table():
    assert gpc.scope_of("III.1.2") == 3
    assert gpc.scope_of("III.1.3") == 1
    assert gpc.scope_of("III.4.2") == 3
    assert gpc.scope_of("I.4.4") == 1
    assert gpc.scope_of("IV.1") == 1
    assert gpc.scope_of("VI.1") == 3
    assert gpc.category("I.4.4").level is gpc.Level.TERRITORIAL
    assert gpc.category("III.2.3").level is gpc.Level.TERRITORIAL


def test_the_taxonomy_has_every_gpc_sub_category():
    table = gpc.taxonomy()
    assert len(table) == 53
    assert {c.sector for c in table.values()} == set(gpc.SECTORS)
    # off-road has no scope-3 sub-category; fugitive rows are scope 1 only
    assert "II.5.3" not in table and "I.7.2" not in table
    assert sum(1 for c in table.values() if c.level is gpc.Level.TERRITORIAL) == 5


def test_chp_allocation_with_reference_efficiencies():
    share = calc.chp_heat_share(10_000, 5_000)
    assert 5000 * share == pytest.approx(2_353, abs=0.5)
    assert 5000 * (1 - share) == pytest.approx(2_647, abs=0.5)
