"""The public journey planner in a real headless Chromium at a phone's width (390 px), in
Slovenian and English: the page fits the screen and passes axe-core (no serious or critical
violation) empty, with its journeys and with an error; a journey is asked with the keyboard
alone; choosing stops on the map fills the form in place (with the script) or through the
stops' links (without it), and a click elsewhere on the map fills that point."""

from __future__ import annotations

import re
from typing import Any

import pytest

from mobility_feeds import planner_zip
from test_browser import DESK, PHONE, check_page, chromium
from test_engage_browser import tab_to, type_into
from zerocity.card import accounts
from zerocity.card.demo import kranj_fares
from zerocity.mobility import network
from zerocity.mobility.services import import_feed

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]
DAY = "date=2026-03-02&time=06:55"  # a Monday of the fixture feed (tests/mobility_feeds.py)
WORDS = {
    "sl": {"from": "Od", "to": "Do", "find": "Poišči poti", "start": "Začetek: ",
           "the start": "začetek"},
    "en": {"from": "From", "to": "To", "find": "Find journeys", "start": "Start: ",
           "the start": "the start"},
}


@pytest.fixture
def geometry(city):  # type: ignore[no-untyped-def]
    """The planner's city with its fares and feed; the map's projection, read before the
    browser starts (see test_browser.chromium)."""
    accounts.set_rules(city, kranj_fares(), actor="test")
    version = import_feed(city, planner_zip()).value
    found = network.network(city, version.start_date, version.start_date)
    assert found is not None
    return found.geometry


def shown_journeys(page: Any) -> list[str]:
    """Each itinerary's heading as a person sees it (the hidden "Option 1:" left out)."""
    return [" ".join(re.sub(r"^(Option|Možnost) \d+:", "", page.locator(".itinerary").nth(i)
                            .locator("h3").inner_text()).split())
            for i in range(page.locator(".itinerary").count())]


def test_the_planner_on_a_phone_in_both_languages(geometry, live_server):
    wrong: dict[str, list[str]] = {}
    with chromium() as browser:
        for lang in ("sl", "en"):
            w = WORDS[lang]
            page = browser.new_context(viewport=PHONE, locale=f"{lang}-SI").new_page()
            url = f"{live_server.url}/{lang}/testville/mobility/?{DAY}"
            # the empty form fits the phone and passes axe
            response = page.goto(url)
            assert response is not None
            wrong[f"{lang} form"] = check_page(page, lang, response.status)

            # a journey asked with the keyboard alone: type both ends, Tab to the button, Enter
            type_into(page, w["from"], "Kranj kolodvor")
            page.keyboard.press("Escape")  # the suggestions of the list close
            type_into(page, w["to"], "Planina")
            page.keyboard.press("Escape")
            tab_to(page, w["find"])
            page.keyboard.press("Enter")
            page.wait_for_url("**go=1**")
            assert shown_journeys(page) == {
                "sl": ["06:57–07:12 15 min najhitrejša", "06:59–07:20 21 min najmanj prestopov"],
                "en": ["06:57–07:12 15 min fastest", "06:59–07:20 21 min fewest changes"]}[lang]
            wrong[f"{lang} journeys"] = check_page(page, lang, 200)
            page.set_viewport_size(DESK)
            if page.evaluate("document.documentElement.scrollWidth > innerWidth"):
                wrong[f"{lang} journeys"].append("wider than a 1280 px screen")
            page.set_viewport_size(PHONE)

            # a stop that is no stop: the form again with the error, still fitting and clean
            response = page.goto(f"{url}&from=xyz&to=Planina&go=1&modes=bus")
            assert response is not None and response.status == 400
            assert page.get_by_role("alert").count() == 1
            wrong[f"{lang} error"] = check_page(page, lang, 200)
            page.context.close()
    assert {k: v for k, v in wrong.items() if v} == {}


def test_choosing_on_the_map_fills_the_form_with_the_script_and_without_it(geometry,
                                                                           live_server):
    # where a click 60 % across and 90 % down the map lies (the ground, no stop near)
    vx, vy = geometry.width * 0.6, geometry.height * 0.9
    lat, lon = geometry.unproject(vx, vy)
    assert all(abs(p.x - vx) + abs(p.y - vy) > 80 for p in geometry.places)
    base = f"{live_server.url}/en/testville/mobility/?{DAY}"
    with chromium() as browser:
        page = browser.new_context(viewport=PHONE, locale="en-GB").new_page()
        page.goto(base)
        svg = page.locator("svg.network-map")
        svg.scroll_into_view_if_needed()
        # a tap on a stop fills the start, in place, and says so; the next fills the end
        page.locator('svg.network-map a[data-place="Glavni trg"]').click()
        assert page.input_value("#id_from") == "Glavni trg"
        assert page.url == base
        assert page.locator("#map-said").inner_text() == "Start: Glavni trg"
        assert page.locator('[data-end="from"] text').text_content() == "Glavni trg"
        # the keyboard does the same: Tab to a stop, Enter
        tab_to(page, "Planina")
        page.keyboard.press("Enter")
        assert page.input_value("#id_to") == "Planina"
        assert page.url == base
        # a tap elsewhere, with the start chosen to be filled, fills that point
        page.get_by_role("link", name="the start").click()
        box = svg.bounding_box()
        assert box is not None
        scale = box["width"] / geometry.width
        svg.click(position={"x": vx * scale, "y": vy * scale})
        typed = page.input_value("#id_from")
        got_lat, got_lon = (float(v) for v in typed.split(", "))
        # within a pixel of where the server's projection puts that spot
        assert abs(got_lat - lat) * geometry.scale <= 1 / scale + 1e-6
        assert abs(got_lon - lon) * geometry.scale * geometry.cos_lat <= 1 / scale + 1e-6
        # the stops chosen are planned: Glavni trg again as the start, then the button
        page.locator('svg.network-map a[data-place="Glavni trg"]').click()
        assert page.input_value("#id_from") == "Glavni trg"
        page.get_by_role("button", name="Find journeys").click()
        page.wait_for_url("**go=1**")
        assert shown_journeys(page)[0].startswith("07:07–07:20")
        page.context.close()

        # without the script, each stop is a link: the first fills the start, the second the
        # end, and the page then shows the journeys
        plain = browser.new_context(viewport=PHONE, locale="en-GB",
                                    java_script_enabled=False).new_page()
        plain.goto(base)
        plain.locator('svg.network-map a[data-place="Planina"]').click()
        plain.wait_for_url("**from=Planina**")
        assert plain.input_value("#id_from") == "Planina"
        plain.locator('svg.network-map a[data-place="Glavni trg"]').click()
        plain.wait_for_url("**to=Glavni+trg**")
        assert plain.input_value("#id_to") == "Glavni trg"
        assert shown_journeys(plain)[0].startswith("07:30–07:44")
        plain.context.close()
