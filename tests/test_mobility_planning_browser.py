"""The transport office's planning pages in a real headless Chromium at phone width, in both
languages: the scenarios with a refused edit list, one scenario's comparison, the fleet's blocks
and the frequency optimiser's answer fit a 390 px screen and pass axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

from datetime import date

import pytest

from mobility_feeds import feed_zip
from test_browser import PHONE, check_page, chromium, log_in_as, transport_member

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# what the English pages say and the Slovenian ones must not
ENGLISH = ("Timetable scenarios", "Against its base", "Buses needed", "Cost of a day",
           "Service date")


def test_the_planning_pages_fit_a_phone_and_pass_axe_in_both_languages(city, live_server):
    from django.core.cache import cache

    from zerocity.mobility.scenarios.services import create_scenario
    from zerocity.mobility.services import import_feed

    cache.clear()
    # given a member of the transport office, a timetable and a scenario on it
    member = transport_member(city)
    version = import_feed(city, feed_zip("kranj-mini"), filename="kranj-mini.zip",
                          name="Mini", by=member).value
    s = create_scenario(city, name="No night bus", base=version, today=date(2026, 12, 6),
                        edits=[{"type": "remove_trips", "trip_ids": ["1-night"]}]
                        ).value.scenario
    with chromium() as browser:
        page = log_in_as(browser, live_server.url, "transport.staff")
        page.set_viewport_size(PHONE)
        wrong: dict[str, list[str]] = {}
        for lang in ("sl", "en"):
            base = f"{live_server.url}/{lang}/testville/mobility"
            # when an edit list naming a line the feed lacks is sent on a phone
            page.goto(f"{base}/scenarios/")
            wrong[f"{lang} scenarios"] = check_page(page, lang, 200)
            page.locator('input[name="name"]').fill("Wrong")
            page.locator('textarea[name="edits"]').fill(
                '[{"type": "remove_trips", "route_id": "99"}]')
            page.locator("main form button[type=submit]").click()
            page.wait_for_load_state()
            # then the problem is listed and the page still fits the phone
            assert page.locator('table[data-table="problems"] tbody tr').count() == 1
            wrong[f"{lang} refused"] = check_page(page, lang, 200)
            pages = {"scenario": f"{base}/scenarios/{s.pk}/?battery_share=0.42",
                     "fleet": f"{base}/fleet/?date=2026-12-08",
                     "optimise": f"{base}/optimise/?date=2026-12-08"}
            for name, url in pages.items():
                page.goto(url)
                wrong[f"{lang} {name}"] = check_page(page, lang, 200)
                if lang == "sl":
                    text = page.locator("main").inner_text()
                    wrong[f"{lang} {name}"] += [e for e in ENGLISH if e in text]
            assert page.locator('table[data-table="headways"] tbody tr').count() == 1  # line 1
    assert {k: v for k, v in wrong.items() if v} == {}
