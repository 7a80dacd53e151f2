"""Property tests: totals never depend on the order of lines or on the unit an amount is
given in."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerocity.core.units import convert
from zerocity.inventory import calculations as calc
from zerocity.inventory import gpc
from zerocity.inventory.gwp import GwpSet, factors

REFS = sorted(gpc.taxonomy())
amount = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)

gases = st.builds(
    calc.Gases,
    co2=amount, ch4=st.floats(0, 1e4), n2o=st.floats(0, 1e3), sf6=st.floats(0, 1),
    hfcs=st.floats(0, 1e4), ch4_fossil=st.booleans(),
)
lines = st.lists(
    st.builds(calc.Line, ref=st.sampled_from(REFS), gases=gases,
              notation_key=st.sampled_from(["", "", "", "NE", "NO"]), ets=st.booleans()),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(lines=lines, gwp=st.sampled_from(list(GwpSet)), data=st.data())
def test_totals_do_not_depend_on_line_order(lines, gwp, data):
    shuffled = data.draw(st.permutations(lines))
    assert calc.totals(shuffled, gwp) == calc.totals(lines, gwp)
    assert calc.sector_totals(shuffled, gwp) == calc.sector_totals(lines, gwp)
    assert calc.ccc_emissions_table(shuffled, gwp) == calc.ccc_emissions_table(lines, gwp)


ENERGY_UNITS = ["MWh", "GJ", "TJ", "kWh", "GWh"]


@settings(max_examples=200, deadline=None)
@given(
    mwh=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=30),
    units=st.lists(st.sampled_from(ENERGY_UNITS), min_size=30, max_size=30),
    ref=st.sampled_from(["I.1.1", "I.3.1", "II.1.1", "I.4.4"]),
)
def test_totals_do_not_depend_on_the_unit_an_amount_is_given_in(mwh, units, ref):
    factor = calc.FactorValues(unit="MWh", co2=0.20196, ch4=1.8e-5, n2o=3.6e-7)
    in_mwh = [calc.Line(ref, calc.emissions_from_activity(a, "MWh", factor)) for a in mwh]
    in_other = [
        calc.Line(ref, calc.emissions_from_activity(convert(a, "MWh", u), u, factor))
        for a, u in zip(mwh, units, strict=False)
    ]
    a, b = calc.totals(in_mwh, GwpSet.AR5), calc.totals(in_other, GwpSet.AR5)
    for key in calc.TOTAL_KEYS:
        assert b[key] == pytest.approx(a[key], rel=1e-9, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(lines=lines)
def test_mission_total_is_scope1_plus_scope2_plus_waste_scope3_less_ets(lines):
    t = calc.totals(lines, GwpSet.AR5)
    assert t["territorial"] == pytest.approx(
        t["scope1"] + sum(calc.line_co2e(ln, GwpSet.AR5) for ln in lines
                          if ln.category.level is gpc.Level.TERRITORIAL), rel=1e-9, abs=1e-6)
    expected = sum(
        calc.line_co2e(ln, GwpSet.AR5) for ln in lines
        if not ln.ets and ln.category.level is not gpc.Level.TERRITORIAL
        and (ln.scope in (1, 2) or (ln.scope == 3 and ln.category.sector == "III"))
    )
    assert t["mission"] == pytest.approx(expected, rel=1e-9, abs=1e-6)


@settings(max_examples=300, deadline=None)
@given(lines=lines, gwp=st.sampled_from(list(GwpSet)),
       ccc=st.lists(st.sampled_from(["", "", "transport", "afolu", "other"]), min_size=60,
                    max_size=60))
def test_the_grouped_tables_equal_the_line_by_line_ones_to_the_bit(lines, gwp, ccc):
    from dataclasses import replace

    from zerocity.inventory import tables

    lines = [replace(ln, ccc_sector=c) for ln, c in zip(lines, ccc, strict=False)]
    groups = tables.group(
        (ln.ref, calc.line_co2e(ln, gwp), ln.ets, tables.ccc_of(ln.ref, ln.ccc_sector))
        for ln in lines
    )
    assert tables.totals(groups) == calc.totals(lines, gwp)
    assert tables.sector_totals(groups) == calc.sector_totals(lines, gwp)
    assert tables.ccc_emissions_table(groups) == calc.ccc_emissions_table(lines, gwp)
    for ln in lines:
        g = ln.gases
        assert calc.co2e_of(g.co2, g.ch4, g.n2o, g.sf6, g.nf3, g.hfcs, g.pfcs, g.co2e_direct,
                            g.ch4_fossil, factors(gwp)) == calc.co2e(g, gwp)
