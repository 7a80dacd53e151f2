"""One story of the numbers: every headline figure on the home, inventory and plan pages is
read from ``plan.figures`` and labelled with what it is. Kranj's figures come from table A-2.1
of its Climate City Contract (research note ghg-standards.md §7.6): baseline 2018 238,832 t,
the 80 % target a reduction of 191,066 t, so 47,766 t allowed in 2030; national policies
77,802 t; the city's declared portfolio 113,264 t. Action 1.1 declares 14,342 t (§7.7)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from zerocity.plan.figures import city_figures
from zerocity.plan.selectors import indicator_overview

pytestmark = pytest.mark.django_db

FIGURE = re.compile(r'data-value="([^"]+)" data-figure="([^"]+)">([^<]*)<')


def _figures(html: str) -> dict[str, tuple[float, int]]:
    """Each labelled figure of a page: the exact value and the digits shown."""
    return {name: (float(value), int(re.sub(r"\D", "", shown)))
            for value, name, shown in FIGURE.findall(html)}


def test_kranj_target_is_the_allowed_level_and_the_declared_and_modelled_results_differ(kranj):
    # when Kranj's headline figures are read
    f = city_figures(kranj)
    assert f is not None
    # then the allowed level and the reduction it implies are the contract's
    assert round(f.baseline) == 238_832 and f.baseline_year == 2018
    assert round(f.allowed) == 47_766 and round(f.required_reduction) == 191_066
    assert f.allowed + f.required_reduction == pytest.approx(f.baseline)
    assert round(f.existing) == 77_802 and round(f.declared) == 113_264
    # the declared figures close the gap on paper; the pathway model stays above the target
    assert f.declared_meets and round(f.declared_result) == 47_766
    assert not f.modelled_meets
    assert f.modelled_shortfall == pytest.approx(f.modelled_result - f.allowed)
    assert f.difference > 0


def test_each_headline_figure_on_the_home_inventory_and_plan_pages_is_the_selectors(kranj):
    # given the selector's figures
    f = city_figures(kranj)
    assert f is not None
    expected = f.as_dict()
    client = Client()
    pages = {"/en/kranj/": {"allowed", "modelled_result", "declared"},
             "/en/kranj/inventory/": {"allowed", "modelled_result"},
             "/en/kranj/plan/": {"baseline", "allowed", "declared", "modelled_result"}}
    for page, names in pages.items():
        # when each page is rendered
        shown = _figures(client.get(page).content.decode())
        # then each figure it labels is the selector's, to the tonne as printed
        assert names <= set(shown), page
        for name in names:
            value, digits = shown[name]
            assert value == pytest.approx(expected[name], abs=0.05), (page, name)
            assert digits == round(expected[name]), (page, name)
    # and the home page answers "will the city reach its target?" with a chart
    home = client.get("/en/kranj/").content.decode()
    assert 'data-answer="no"' in home and 'data-chart="target"' in home
    assert 'data-basis="explained"' in home
    assert f"{round(f.modelled_shortfall):,} t more than the {round(f.allowed):,} t" in home


def test_an_actions_tonnes_name_their_basis_wherever_they_appear(kranj):
    client = Client()
    # when the plan, action 1.1 and the explorer are rendered
    overview = client.get("/en/kranj/plan/").content.decode()
    action = client.get("/en/kranj/plan/actions/1.1/").content.decode()
    explorer = client.get("/en/kranj/plan/explorer/").content.decode()
    # then 1.1's declared 14,342 t stands beside the modelled figure, each named
    assert re.search(r'data-declared="1.1">14,342<', overview)
    modelled = re.search(r'data-modelled="1.1">([\d,]+)<', overview)
    assert modelled and modelled.group(1) != "14,342"
    assert "Declared reduction by 2030" in action and "Modelled, with the other actions" in action
    assert f'data-figure="modelled">{modelled.group(1)}<' in action
    assert "Declared (table A-2.1)" in explorer and 'data-chart="explorer"' in explorer
    assert "one after another" in overview  # the waterfall's basis
    for html in (overview, action, explorer):
        assert 'data-basis="explained"' in html


def test_the_home_status_is_in_the_readers_language_whichever_was_rendered_first(kranj):
    # given an empty cache and the English home page rendered first
    cache.clear()
    english = Client().get("/en/kranj/").content.decode()
    assert "On time:" in english
    # when the Slovenian one is rendered within the minute the status is kept
    slovenian = Client().get("/sl/kranj/").content.decode()
    # then its action counts are named in Slovenian
    assert "On time:" not in slovenian and "V roku:" in slovenian


def test_the_headline_indicator_has_a_status_from_the_published_inventories(kranj):
    # given OI 0.1 (CO2e reduction against 2018: 20 % in 2025) with no observation entered
    [oi] = indicator_overview(kranj.plan, codes=["OI 0.1"])
    # then the published inventories give its observations, and it has a status
    assert oi["observations"], "no observation from the inventories"
    year = max(int(y) for y in oi["observations"])
    f = city_figures(kranj)
    assert f is not None
    assert oi["latest_year"] == year and oi["status"] not in ("no_data", "no_baseline")
    assert oi["expected"] is not None and 0 < oi["expected"] < 20


def test_every_indicator_with_a_baseline_a_target_and_an_observation_has_a_status(kranj):
    # given every indicator of Kranj's plan
    overview = indicator_overview(kranj.plan)
    measurable = [i for i in overview if i["baseline"] and i["targets"] and i["observations"]]
    # then OI 0.1 is among those that can be measured, and each of them has a status
    assert "OI 0.1" in {i["code"] for i in measurable}
    for i in measurable:
        assert i["status"] not in ("no_data", "no_baseline"), i["code"]
        assert i["expected"] is not None, i["code"]
