"""The action plan in a real headless Chromium: the scenario explorer recomputes the target
year as a visitor switches actions off and on, and the action editor carries a department's
change to the climate office, who publishes it to the public page."""

from __future__ import annotations

import pytest

from test_browser import chromium
from zerocity.core.models import Department, Role
from zerocity.core.services import grant_role

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_explorer_recomputes_as_actions_are_switched(kranj, live_server):
    from playwright.sync_api import expect

    with chromium() as browser:
        page = browser.new_page(locale="en-GB")
        assert page.goto(f"{live_server.url}/en/kranj/plan/explorer/").status == 200
        result = page.locator('[data-result="scenario"]')
        with_all = int(result.get_attribute("data-value"))
        pv = page.locator('input[name="a"][value="1.3"]')
        expect(pv).to_be_checked()
        expect(page.locator('[data-impact="1.3"]')).to_have_count(1)

        pv.uncheck()  # no submit: the script asks explorer.json and updates in place
        expect(result).not_to_have_attribute("data-value", str(with_all))
        without_pv = int(result.get_attribute("data-value"))
        assert without_pv > with_all  # less solar electricity leaves more emissions
        expect(page.locator('[data-impact="1.3"]')).to_have_count(0)
        assert "a=1.1" in page.url and "a=1.3" not in page.url  # the choice can be shared

        pv.check()
        expect(result).to_have_attribute("data-value", str(with_all))
        # the server renders the same answer for the shared address, without the script
        plain = browser.new_page(locale="en-GB", java_script_enabled=False)
        plain.goto(page.url)
        assert int(plain.locator('[data-result="scenario"]').get_attribute(
            "data-value")) == with_all
        plain.goto(f"{live_server.url}/en/kranj/plan/explorer/?none=1")
        assert plain.locator('input[name="a"]:checked').count() == 0
        assert plain.locator('[data-result="status"]').get_attribute("data-met") == "false"


def test_a_department_edit_is_published_by_the_climate_office(kranj, live_server):
    from playwright.sync_api import expect

    dept = {d.slug: d for d in Department.objects.filter(city=kranj)}
    grant_role(kranj, "b-energy", Role.STAFF, department=dept["energy"], password="energy-pw-1!")
    grant_role(kranj, "b-office", Role.STAFF, department=dept["climate-office"],
               password="office-pw-1!")
    with chromium() as browser:
        def login(username: str, password: str):  # type: ignore[no-untyped-def]
            context = browser.new_context(locale="en-GB")
            page = context.new_page()
            page.goto(f"{live_server.url}/en/accounts/login/"
                      "?next=/en/kranj/plan/manage/actions/1.3/")
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Log in").click()
            return page

        energy = login("b-energy", "energy-pw-1!")
        expect(energy.get_by_role("heading", level=1)).to_contain_text("1.3 Solar electricity")
        expect(energy.get_by_role("button", name="Publish now")).to_have_count(0)
        energy.get_by_label("Responsible person").fill("Solar programme lead")
        energy.get_by_role("button", name="Propose the change").click()
        expect(energy.get_by_role("status")).to_contain_text("the climate office will review")

        public = browser.new_page(locale="en-GB")
        public.goto(f"{live_server.url}/en/kranj/plan/actions/1.3/")
        expect(public.locator("body")).not_to_contain_text("Solar programme lead")

        office = login("b-office", "office-pw-1!")
        office.goto(f"{live_server.url}/en/kranj/plan/manage/proposals/")
        card = office.locator("article.proposal").filter(has_text="1.3 Solar electricity")
        expect(card).to_contain_text("Solar programme lead")
        card.get_by_role("button", name="Publish").click()
        expect(office.get_by_role("status")).to_contain_text("Published")

        public.reload()
        expect(public.locator("body")).to_contain_text("Solar programme lead")


def test_the_plan_charts_fit_a_phone_and_pass_axe(kranj, live_server):
    from playwright.sync_api import expect

    from test_engage_browser import axe

    grant_role(kranj, "b-admin", Role.ADMIN, password="admin-pw-1!")
    with chromium() as browser:
        # given a visitor on a 390 px phone, then the climate office on the same width
        page = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}
                                   ).new_page()
        page.goto(f"{live_server.url}/en/accounts/login/?next=/en/kranj/plan/manage/budget/")
        page.get_by_label("Username").fill("b-admin")
        page.get_by_label("Password").fill("admin-pw-1!")
        page.get_by_role("button", name="Log in").click()
        for path, chart in (("/en/kranj/plan/indicators/",
                             "OI 1.2 Green electricity production: observed values"),
                            ("/en/kranj/plan/investment/", "Marginal abatement cost curve"),
                            ("/en/kranj/plan/manage/budget/",
                             "Transport: emission ceiling and projected emissions")):
            # when each page with charts is opened
            assert page.goto(f"{live_server.url}{path}").status == 200
            # then its chart is drawn and named for a screen reader, nothing in the page's
            # content reaches past the screen's edge (the site header is not these pages'
            # own), and axe finds no serious or critical violation
            img = page.get_by_role("img", name=chart).first
            expect(img).to_be_visible()
            box = img.bounding_box()
            assert box is not None and box["height"] > 100
            axe(page)
            assert page.evaluate("""() => {
                document.querySelector('.site-header').style.display = 'none';
                return document.documentElement.scrollWidth; }""") <= 390, path
        # the small multiples fit the phone's width without their own scroll bar
        cell = page.locator('[data-chart="transport"] svg').bounding_box()
        assert cell is not None and cell["x"] >= 0 and cell["x"] + cell["width"] <= 390
