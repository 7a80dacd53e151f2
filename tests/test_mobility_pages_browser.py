"""The transport pages in a real headless Chromium at phone width, in both languages: the bus
service of a date with one route's charts, the loads (as the city's staff) and the
accessibility map fit a 390 px screen, speak the page's language and pass axe-core."""

from __future__ import annotations

from datetime import time

import pytest

from test_browser import PHONE, check_page, chromium, log_in_as, transport_member
from test_mobility_loads import (
    DAY,
    tapped,  # noqa: F401  (a fixture)
)
from test_mobility_pages import PLACES

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_transport_pages_fit_a_phone_and_pass_axe_in_both_languages(
        tapped, live_server):  # noqa: F811
    from zerocity.mobility.access import compute
    from zerocity.mobility.access import services as access

    # given line L with the commuters' taps, a small accessibility result and a staff member
    access.import_opportunities(tapped, PLACES.encode(), filename="places.csv", actor="test")
    access.compute_accessibility(tapped, DAY, compute.Settings(
        start=time(7, 0), end=time(7, 30), cell_m=500.0), actor="test")
    transport_member(tapped)
    with chromium() as browser:
        page = log_in_as(browser, live_server.url, "transport.staff")
        page.set_viewport_size(PHONE)
        wrong: dict[str, list[str]] = {}
        for lang in ("sl", "en"):
            base = f"{live_server.url}/{lang}/testville/mobility"
            for name, path, charts in (
                    ("service", f"/service/?date={DAY}&route=L", 2),
                    ("loads", f"/loads/?date={DAY}", 1),
                    ("accessibility", "/accessibility/?kind=residents&limit=45", 1)):
                # when each page is opened on the phone
                response = page.goto(base + path)
                # then it has its charts, fits and passes
                assert page.locator("svg.chart").count() == charts, (lang, name)
                wrong[f"{lang} {name}"] = check_page(page, lang, response.status)
    assert {k: v for k, v in wrong.items() if v} == {}
