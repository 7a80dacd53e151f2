"""The open-data pages with the bus datasets in a real headless Chromium at phone width, in both
languages: the catalogue and the two datasets' pages (one with rows, one still empty) fit a
390 px screen and pass axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

import pytest

from test_browser import PHONE, check_page, chromium
from test_mobility_open_data import around_today
from zerocity.mobility import services

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_bus_datasets_pages_fit_a_phone_and_pass_axe_in_both_languages(
        city, live_server, settings, tmp_path):
    # given a timetable in force and no accessibility computed yet
    settings.DATA_DIR = tmp_path
    services.import_feed(city, around_today(city), filename="stats.zip", actor="test")
    wrong: dict[str, list[str]] = {}
    with chromium() as browser:
        page = browser.new_page(viewport=PHONE)
        for lang in ("sl", "en"):
            for path in ("data/", "data/datasets/bus-service/",
                         "data/datasets/bus-accessibility/"):
                # when anyone opens the page on a phone
                response = page.goto(f"{live_server.url}/{lang}/testville/{path}")
                # then it fits, speaks the language and passes axe
                wrong[f"{lang} {path}"] = check_page(page, lang, response.status)
        page.goto(f"{live_server.url}/sl/testville/data/datasets/bus-service/")
        assert page.locator('table[data-table="preview"] tbody tr').count() == 2
    assert {k: v for k, v in wrong.items() if v} == {}
