"""The citizen platform's main journeys in a real headless Chromium, on the Kranj demo: sign up
and verify, answer a survey, support a proposal, vote in the participatory budget, report a
comment, switch language. Every page on the way is checked with axe-core (no serious or
critical violation), and the journeys' forms are filled in and sent with the keyboard alone
(Tab, typing, Space and Enter; no clicks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core import mail

from conftest import require_component
from test_browser import chromium
from zerocity.core.models import Role
from zerocity.core.services import grant_role
from zerocity.engage.models import Budget, Comment, Proposal, Survey
from zerocity.engage.services import verification

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]
AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "a-long-citizen-passphrase-2026"


def axe(page: Any) -> None:
    """No serious or critical accessibility violation on the page (WCAG 2.1 A and AA rules)."""
    require_component(AXE.exists(), "axe-core not installed (make test runs npm ci)")
    # evaluated through the DevTools protocol, which the page's Content-Security-Policy does
    # not govern (a <script> tag with the file's text would be an inline script and refused)
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate("""async () => (await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}))""")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{page.url}: {bad}"


def tab_to(page: Any, name: str, limit: int = 80) -> None:
    """Press Tab until the focused element's text or label is ``name`` (already focused, as
    by autofocus, counts)."""
    for n in range(limit):
        if n:
            page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const e = document.activeElement;
            const label = e.labels && e.labels.length ? e.labels[0].innerText : '';
            return (e.innerText || label || e.getAttribute('aria-label') || e.value || '')
                .trim(); }""")
        if focused.startswith(name):
            return
    raise AssertionError(f"{name!r} cannot be reached with the Tab key on {page.url}")


def fits_a_phone(page: Any) -> None:
    """At 390 px wide (a common phone) nothing of the page's content (``main``) reaches past
    the screen's edge. (The site's header is the phone layout's own work, in base.html.)"""
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    beyond = page.evaluate("""() => Array.from(document.querySelectorAll('main *'))
        .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > 390.5)
        .slice(0, 5).map(e => `${e.tagName}.${e.className} ${e.getBoundingClientRect().right}`)""")
    page.set_viewport_size(size)
    assert beyond == [], f"{page.url} at 390 px: {beyond}"


def type_into(page: Any, name: str, text: str) -> None:
    tab_to(page, name)
    page.keyboard.type(text)


def log_in(browser: Any, base: str, username: str, path: str) -> Any:
    page = browser.new_context(locale="en-GB").new_page()
    page.goto(f"{base}/en/accounts/login/?next=/en/kranj/{path}")
    axe(page)  # the login page
    type_into(page, "Username", username)
    type_into(page, "Password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/en/kranj/{path}")
    return page


def resident(city: Any, name: str, number: str) -> Any:
    user = grant_role(city, name, Role.CITIZEN, password=PASSWORD,
                      email=f"{name}@example.org").user
    verification.confirm_email(user, city, verification.email_token(user, city))
    verification.verify_resident(user, city, {"resident_number": number,
                                              "birth_date": "1980-01-01"})
    return user


def test_sign_up_confirm_the_email_and_verify_as_a_resident(kranj, live_server):
    from playwright.sync_api import expect

    with chromium() as browser:
        page = browser.new_context(locale="en-GB").new_page()
        page.goto(f"{live_server.url}/en/kranj/signup/")
        axe(page)
        type_into(page, "User name", "new-citizen")
        type_into(page, "E-mail address", "new@example.org")
        type_into(page, "Password", PASSWORD)
        tab_to(page, "Create my account")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{live_server.url}/en/kranj/me/")
        expect(page.locator('[data-figure="level"]')).to_have_text("Any account")
        axe(page)
        link = next(w for w in mail.outbox[-1].body.split() if "/me/confirm/" in w)
        page.goto(link)
        expect(page.locator('[data-figure="level"]')).to_have_text("E-mail confirmed")
        type_into(page, "Resident number", "KR-1033")
        tab_to(page, "Date of birth")
        page.keyboard.type("01011980")  # the date field takes the digits in the locale's order
        tab_to(page, "Verify that I live here")
        page.keyboard.press("Enter")
        expect(page.locator('[data-figure="level"]')).to_have_text("Verified resident")


def numbers(page: Any) -> list[str]:
    """The numbers the survey's questions show, in their order ("" for one not shown)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('fieldset[data-question]'))
        .map(f => f.hidden ? '' : f.querySelector('[data-number]').textContent.trim())""")


def test_answer_the_survey(kranj, live_server):
    """Question 2 is asked of car drivers only: the numbers run 1, 2, 3... without a gap
    before it appears, while it is there and after it goes; the ranking is put in order with
    the keyboard (the up and down buttons), and that order is what is stored."""
    from playwright.sync_api import expect

    resident(kranj, "b-survey", "KR-1034")
    survey = Survey.objects.get(process__city=kranj)
    with chromium() as browser:
        page = log_in(browser, live_server.url, "b-survey",
                      f"participate/surveys/{survey.pk}/")
        axe(page)
        conditional = page.locator('[data-question="2"]')  # asked only of car drivers
        expect(conditional).to_be_hidden()
        assert numbers(page) == ["1.", "", "2.", "3.", "4.", "5."]
        tab_to(page, "car")  # the radio group of question 1: Tab enters, arrows choose
        page.keyboard.press("Space")
        expect(conditional).to_be_visible()
        assert numbers(page) == ["1.", "2.", "3.", "4.", "5.", "6."]
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")  # car -> bus -> bike
        expect(conditional).to_be_hidden()
        assert numbers(page) == ["1.", "", "2.", "3.", "4.", "5."]
        tab_to(page, "safe cycle lanes")
        page.keyboard.press("Space")
        # the ranking: park and ride up twice, to the first place, by the keyboard alone
        ranking = page.locator('ol[data-ranking="4"] > li')
        expect(ranking).to_have_count(3)
        axe(page)  # with the buttons in place
        fits_a_phone(page)
        tab_to(page, "Move park and ride up")
        page.keyboard.press("Enter")
        expect(page.locator("[data-ranking-status]")).to_have_text(
            "park and ride: place 2 of 3")
        page.keyboard.press("Enter")  # the focus stayed on the button
        expect(page.locator("[data-ranking-status]")).to_have_text(
            "park and ride: place 1 of 3")
        assert [li.get_attribute("data-option") for li in ranking.all()] == [
            "park and ride", "cycle lanes", "bus lines"]
        for row in ("buses", "cycle lanes", "footpaths"):
            tab_to(page, f"{row}: low")
            page.keyboard.press("Space")
        tab_to(page, "Send my answers")
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("your answers are recorded")
        expect(page.locator('[data-section="results"]')).to_be_visible()
        axe(page)
    assert survey.responses.count() == 1
    assert survey.responses.get().answers["4"] == ["park and ride", "cycle lanes", "bus lines"]


def test_support_a_proposal(kranj, live_server):
    from playwright.sync_api import expect

    resident(kranj, "b-support", "KR-1035")
    proposal = Proposal.objects.get(process__city=kranj, title="Community gardens in Planina")
    before = proposal.supports
    with chromium() as browser:
        page = log_in(browser, live_server.url, "b-support", "participate/zeleni-kranj-2030/")
        axe(page)
        tab_to(page, "Community gardens in Planina")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/participate/proposals/{proposal.pk}/")
        axe(page)
        tab_to(page, "Support this proposal")
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("Thank you for your support")
        expect(page.locator('[data-figure="supports"]')).to_have_text(str(before + 1))
        expect(page.get_by_text("You support this proposal.")).to_be_visible()


def test_vote_in_the_participatory_budget(kranj, live_server):
    """The meter says what the choice costs as projects are ticked; after voting, and on
    every later visit, the page shows the ballot and its receipt instead of an empty one."""
    from playwright.sync_api import expect

    from zerocity.engage import selectors

    voter = resident(kranj, "b-voter", "KR-1040")  # 1040: the Center district
    budget = Budget.objects.get(process__city=kranj, district__code="center")
    before = budget.ballots.count()
    with chromium() as browser:
        page = log_in(browser, live_server.url, "b-voter", f"participate/budgets/{budget.pk}/")
        axe(page)
        meter = page.locator('[data-figure="meter"]')
        expect(meter).to_have_text("Spent 0 of 150,000 EUR; 150,000 EUR left.")
        tab_to(page, "Trees on Maistrov trg")  # 45,000 EUR
        page.keyboard.press("Space")
        expect(meter).to_have_text("Spent 45,000 of 150,000 EUR; 105,000 EUR left.")
        tab_to(page, "LED lights in the park")  # 70,000 EUR
        page.keyboard.press("Space")
        tab_to(page, "Bike parking at the station")  # 60,000 EUR: over
        page.keyboard.press("Space")
        expect(meter).to_have_text("Spent 175,000 of 150,000 EUR: 25,000 EUR over the "
                                   "budget. Leave out a project to vote.")
        expect(page.locator("meter")).to_have_attribute("max", "150000.00")
        page.keyboard.press("Space")  # not the bike parking after all
        tab_to(page, "Drinking fountains")  # 25,000 EUR
        page.keyboard.press("Space")
        expect(meter).to_have_text("Spent 140,000 of 150,000 EUR; 10,000 EUR left.")
        axe(page)
        fits_a_phone(page)
        tab_to(page, "Cast my ballot")
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("Your vote is counted")
        mine = selectors.my_ballot(budget, voter)
        assert mine is not None
        for visit in range(2):  # after voting, and coming back later
            if visit:
                page.goto(f"{live_server.url}/en/kranj/participate/budgets/{budget.pk}/")
            expect(page.locator('[data-figure="receipt"]')).to_have_text(mine["receipt"])
            expect(page.locator('[data-figure="my-projects"] li')).to_have_count(3)
            expect(page.locator('[data-figure="my-spent"]')).to_have_text(
                "Spent 140,000 of 150,000 EUR.")
            expect(page.locator('form[data-form="ballot"]')).to_have_count(0)
        axe(page)
    assert budget.ballots.count() == before + 1


def test_report_a_comment(kranj, live_server):
    from playwright.sync_api import expect

    resident(kranj, "b-reporter", "KR-1036")
    proposal = Proposal.objects.get(process__city=kranj,
                                    title="A protected cycle lane on Bleiweisova cesta")
    target = Comment.objects.get(proposal=proposal, body__startswith="Bleiweisova is too")
    with chromium() as browser:
        page = log_in(browser, live_server.url, "b-reporter",
                      f"participate/proposals/{proposal.pk}/")
        comment = page.locator(f'[data-comment="{target.pk}"]')
        comment.locator("summary").focus()
        page.keyboard.press("Enter")  # opens "Reply or report"
        axe(page)
        comment.get_by_label("Reason for reporting").focus()
        page.keyboard.press("ArrowDown")  # Spam -> Offensive or hateful
        comment.get_by_label("Reason for reporting").press("Tab")
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("the moderators will look")
    assert target.reports.filter(user__username="b-reporter").exists()


def test_switch_language(kranj, live_server):
    from playwright.sync_api import expect

    with chromium() as browser:
        page = browser.new_context(locale="en-GB").new_page()
        page.goto(f"{live_server.url}/en/kranj/")
        axe(page)
        expect(page.locator("h1")).to_have_text("Kranj on its way to climate neutrality")
        tab_to(page, "Slovenščina")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{live_server.url}/sl/kranj/")
        expect(page.locator("html")).to_have_attribute("lang", "sl")
        expect(page.locator("h1")).to_have_text("Kranj na poti do podnebne nevtralnosti")
        axe(page)
        for path in ("pledges/", "footprint/?diet=vegan&car_km=2000", "accessibility/"):
            page.goto(f"{live_server.url}/sl/kranj/{path}")
            axe(page)
