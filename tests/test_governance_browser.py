"""A member declares an interest and the quorum changes, in a real headless Chromium at phone
width, in both languages: the council's secretary adds a meeting from the body's page, puts an
item on the agenda, records who came, and records a member's declaration of interest; the
item's eligible members and majority are recounted on the page (check 21). Every page fits a
390 px screen, speaks the page's language and passes axe-core."""

from __future__ import annotations

import pytest

from governance_people import council
from test_browser import CRAWL_PASSWORD, PHONE, check_page, chromium, log_in_as

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# (before the declaration, after it): 6 members need 4; without the recused one, 5 need 3
COUNTS = {
    "en": ("6 eligible members, majority 4, 6 present",
           "5 eligible members, majority 3, 5 present"),
    "sl": ("članov z glasovalno pravico: 6, večina: 4, navzočih: 6",
           "članov z glasovalno pravico: 5, večina: 3, navzočih: 5"),
}
ENGLISH = ("Record the attendance", "Declaration of interest", "eligible members",
           "declared an interest", "Approve the minutes", "Voting members", "Keep the records")


def test_a_member_declares_an_interest_and_the_quorum_changes(city, live_server):
    # given a council of six with its secretary, who may sign in
    c = council(city, members=6)
    c["secretary"].set_password(CRAWL_PASSWORD)
    c["secretary"].save()
    with chromium() as browser:
        page = log_in_as(browser, live_server.url, "secretary")
        page.set_viewport_size(PHONE)
        wrong: dict[str, list[str]] = {}
        for lang, day in (("sl", "2026-03-02"), ("en", "2026-03-09")):
            body = f"{live_server.url}/{lang}/testville/governance/council/"
            response = page.goto(body)
            wrong[f"{lang} body"] = check_page(page, lang, response.status)
            # when the secretary adds a meeting on the phone
            page.locator("input[name=date]").fill(day)
            page.locator("form[action$='/meetings/add/'] button").click()
            page.wait_for_url("**/manage/")
            # puts the grid on the agenda and records that everyone came
            page.locator("input[name=title]").fill("Okrepitev omrežja")
            page.locator("form[action$='/items/'] button").click()
            page.wait_for_url("**/manage/")
            for box in page.locator("input[name=present]").all():
                box.check()
            page.locator("form[action$='/attendance/'] button").click()
            page.wait_for_url("**/manage/")
            before, after = COUNTS[lang]
            count = page.locator("[data-count='1']")
            assert before in count.inner_text(), (lang, count.inner_text())
            wrong[f"{lang} workspace"] = check_page(page, lang, 200)
            # and records the Elektro Gorenjska member's declaration of interest
            page.locator("form[action$='/declare/'] select[name=member]").select_option(
                str(c["grid"].pk))
            page.locator("input[name=interest]").fill("Zaposlena pri distributerju")
            page.locator("form[action$='/declare/'] button").click()
            page.wait_for_url("**/manage/")
            # then the item is counted without her, and the minutes say why
            assert after in page.locator("[data-count='1']").inner_text(), lang
            assert page.locator(f"[data-declaration='{c['grid'].pk}']").count() == 1
            wrong[f"{lang} declared"] = check_page(page, lang, 200)
            if lang == "sl":
                text = page.locator("main").inner_text()
                wrong["sl english"] = [e for e in ENGLISH if e in text]
    assert {k: v for k, v in wrong.items() if v} == {}
