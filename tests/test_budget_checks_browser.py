"""The journey of a council item blocked until its climate check (issue 21; research
green-budget-governance.md §3, check 14 of §6), in a real headless Chromium at phone width, in
Slovenian and in English: a department registers a council item of +250 t CO2e a year (the
threshold 100) and tries to publish it: refused, the page names the missing opinion; the
climate officer gives the opinion; publishing then succeeds and the public page prints the
header. Each page fits the phone, speaks its language and passes axe-core."""

from __future__ import annotations

import pytest
from django.utils import translation

from budget_people import budget_people
from test_browser import CRAWL_PASSWORD, PHONE, check_page, chromium, log_in_as

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _submit(page, action: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(f'main form[action$="{action}"] button[type=submit]').click()
    page.wait_for_load_state()


def test_check_14_a_council_item_is_blocked_until_its_climate_check(city, live_server):
    from zerocity.budget.checks import header
    from zerocity.budget.models import Proposal

    # given a department's member and the climate officer, the city's threshold 100 t/yr
    people = budget_people(city)
    for who in ("roads", "office"):
        people[who].set_password(CRAWL_PASSWORD)
        people[who].save()
    wrong: dict[str, list[str]] = {}
    with chromium() as browser:
        dept = log_in_as(browser, live_server.url, "roads-staff")
        office = log_in_as(browser, live_server.url, "office-staff")
        visitor = browser.new_context(viewport=PHONE).new_page()
        for n, lang in enumerate(("sl", "en")):
            base = f"{live_server.url}/{lang}/testville/budget/checks/"
            ref = f"S-{12 + n}/2025"
            # when the department registers the council item on a phone
            dept.set_viewport_size(PHONE)
            wrong[f"{lang} list"] = check_page(dept, lang, dept.goto(base).status)
            form = dept.locator('main form[action$="/register/"]')
            form.locator("[name=kind]").select_option("council_item")
            form.locator("[name=reference]").fill(ref)
            form.locator("[name=title]").fill("Parkirna hiša Planina")
            form.locator("[name=year]").fill("2025")
            form.locator("[name=estimated_cost]").fill("1200000")
            form.locator("[name=department]").select_option("roads")
            _submit(dept, "/register/")
            dept.wait_for_url("**/budget/checks/*/")
            item_url = dept.url
            # and records its check: +250 t CO2e a year
            dept.locator("main form [name=estimate_t]").fill("250")
            dept.locator("main form [name=effect_type]").select_option("change_activity")
            _submit(dept, "/check/")
            wrong[f"{lang} checked"] = check_page(dept, lang, 200)
            # and tries to publish: refused, the page names the missing opinion
            _submit(dept, "/publish/")
            with translation.override(lang):
                from django.utils.translation import gettext

                refusal = gettext("%(ref)s cannot be published without: %(missing)s.") % {
                    "ref": ref, "missing": gettext("the climate office's opinion")}
            assert refusal in dept.locator("main").inner_text(), lang
            wrong[f"{lang} refused"] = check_page(dept, lang, 200)
            assert Proposal.objects.get(reference=ref).published_at is None
            # then the climate officer gives the opinion
            office.set_viewport_size(PHONE)
            office.goto(item_url)
            wrong[f"{lang} office"] = check_page(office, lang, 200)
            office.locator("main form [name=opinion]").fill(
                "Manj parkirnih mest in kolesarnica bi učinek prepolovili.")
            _submit(office, "/opinion/")
            # and publishing succeeds, the header printed with the opinion
            dept.goto(item_url)
            _submit(dept, "/publish/")
            item = Proposal.objects.get(reference=ref)
            assert item.published_at is not None
            with translation.override(lang):
                printed = header(item)
            assert dept.locator('[data-figure="header"]').inner_text() == printed
            wrong[f"{lang} published"] = check_page(dept, lang, 200)
            # and the public page prints it too
            response = visitor.goto(f"{base}published/?year=2025")
            assert visitor.locator(f'[data-header="{ref}"]').inner_text() == printed, lang
            wrong[f"{lang} public"] = check_page(visitor, lang, response.status)
    assert {k: v for k, v in wrong.items() if v} == {}
