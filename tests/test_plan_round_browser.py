"""The reporting round's staff page (check 20) in a real headless Chromium at phone width, in
both languages: the units and their status, and the refusal to close that names the missing
unit, fit a 390 px screen, speak the page's language and pass axe-core."""

from __future__ import annotations

from datetime import date

import pytest

from reminder_people import small_plan
from test_browser import CRAWL_PASSWORD, PHONE, check_page, chromium, log_in_as

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_round_page_fits_a_phone_and_passes_axe_in_both_languages(city, live_server):
    from zerocity.plan.rounds import open_round, report

    # given the round of 30 April open, roads reported and energy not, and the climate office
    s = small_plan(city)
    s["office"].set_password(CRAWL_PASSWORD)
    s["office"].save()
    rnd = open_round(s["plan"], date(2025, 4, 1), actor="test")
    report(rnd, s["roads"], {"1.1": "on_time", "1.2": "late"}, "Pasovi čakajo", by=s["contact"])
    with chromium() as browser:
        page = log_in_as(browser, live_server.url, "office-staff")
        page.set_viewport_size(PHONE)
        wrong: dict[str, list[str]] = {}
        for lang in ("sl", "en"):
            # when the page is opened on the phone
            response = page.goto(f"{live_server.url}/{lang}/testville/plan/manage/rounds/")
            # then it shows both units and the form to close
            assert page.locator("tr[data-unit]").count() == 2, lang
            assert page.locator('tr[data-reported="no"]').count() == 1, lang
            wrong[f"{lang} open"] = check_page(page, lang, response.status)
            # and closing it is refused with the unit named, on the same page
            assert page.locator("form[data-report-form]").count() == 2, lang
            page.locator('form[action$="/close/"] button[type=submit]').click()
            page.wait_for_load_state()
            assert "Energy" in page.locator(".messages, [role=alert], main").first.inner_text()
            wrong[f"{lang} refused"] = check_page(page, lang, 200)
    assert {k: v for k, v in wrong.items() if v} == {}
