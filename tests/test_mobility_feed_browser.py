"""The timetable's staff pages in a real headless Chromium at phone width, in both languages: a
refused feed's list of errors, the versions and one version's page fit a 390 px screen and
pass axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

import pytest

from mobility_feeds import feed_zip
from test_browser import DESK, PHONE, check_page, chromium, log_in_as, transport_member

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_timetable_pages_fit_a_phone_and_pass_axe_in_both_languages(city, live_server,
                                                                          tmp_path):
    # given a member of the transport office and the feeds as files
    transport_member(city)
    for folder in ("broken", "kranj-mini"):
        (tmp_path / f"{folder}.zip").write_bytes(feed_zip(folder))
    with chromium() as browser:
        page = log_in_as(browser, live_server.url, "transport.staff")
        wrong: dict[str, list[str]] = {}
        for lang in ("sl", "en"):
            feeds = f"{live_server.url}/{lang}/testville/mobility/feeds/"
            # when the broken feed is sent through the form on a phone
            page.set_viewport_size(PHONE)
            page.goto(feeds)
            wrong[f"{lang} empty"] = check_page(page, lang, 200)
            page.locator('input[type="file"]').set_input_files(tmp_path / "broken.zip")
            page.locator("main form button[type=submit]").click()
            page.wait_for_load_state()
            # then every error is listed, and the page still fits the phone
            assert page.locator('table[data-table="errors"] tbody tr').count() == 40
            wrong[f"{lang} refused"] = check_page(page, lang, 200)
            # and the good feed leads to its version's page (the second time: the same one)
            page.locator('input[type="file"]').set_input_files(tmp_path / "kranj-mini.zip")
            page.locator("main form button[type=submit]").click()
            page.wait_for_url("**/mobility/feeds/*/")
            wrong[f"{lang} version"] = check_page(page, lang, 200)
            page.goto(feeds)
            wrong[f"{lang} versions"] = check_page(page, lang, 200)
            page.set_viewport_size(DESK)
            assert not page.evaluate("document.documentElement.scrollWidth > innerWidth")
    assert {k: v for k, v in wrong.items() if v} == {}
