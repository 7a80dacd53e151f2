"""The departments' tagging journey in a real headless Chromium at phone width: a member of
roads confirms a tag rule's suggestion for one line and tags another by hand, split; they
cannot approve their own proposals; a climate officer approves both; the lines then show
their tags. Every page on the way, in Slovenian and English, fits the phone, speaks the
page's language and passes axe-core (check 18: four eyes)."""

from __future__ import annotations

import pytest

from test_browser import CRAWL_PASSWORD, PHONE, check_page, chromium, log_in_as

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_department_tags_its_lines_and_the_climate_office_approves_them(city, live_server):
    from test_budget_rules import draft, line, seed
    from zerocity.budget.models import ChangeState, TagChange
    from zerocity.budget.selectors import line_at
    from zerocity.budget.services import set_budget_office
    from zerocity.budget.tagging import assign_lines
    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role

    # given roads answering for programme 13, its rules, and a budget still being tagged
    office = ensure_department(city, "climate-office", "Climate office")
    set_budget_office(city, "climate-office", actor="test")
    roads = ensure_department(city, "roads", "Roads")
    for name, department in (("roads.member", roads), ("climate.officer", office)):
        user = grant_role(city, name, Role.STAFF, department=department).user
        user.set_password(CRAWL_PASSWORD)
        user.save()
    seed(city)
    assign_lines(city, "roads", ppr="13", actor="test")
    version = draft(city, line("13029002", "130201", "4205", "1000000"),
                    line("13029003", "130206", "4201", "2000000"))
    resurfacing, buses = line_at(version, 2).pk, line_at(version, 3).pk
    wrong: dict[str, list[str]] = {}
    with chromium() as browser:
        member = log_in_as(browser, live_server.url, "roads.member")
        member.set_viewport_size(PHONE)
        lines = f"{live_server.url}/sl/testville/budget/lines/"
        response = member.goto(lines)
        wrong["sl lines"] = check_page(member, "sl", response.status)
        # when the member confirms the rule's suggestion for the resurfacing
        card = member.locator(f'[data-line-id="{resurfacing}"]')
        card.get_by_role("button", name="Potrdi predlog").click()
        # and tags the buses by hand: 60 % very favourable, 40 % neutral
        card = member.locator(f'[data-line-id="{buses}"]')
        card.locator("summary").click()
        card.locator('[name="mitigation"]').select_option("very_favourable")
        card.locator('[name="mitigation_pct"]').fill("60")
        card.locator('[name="mitigation2"]').select_option("neutral")
        card.locator('[name="mitigation2_pct"]').fill("40")
        card.locator('[name="adaptation"]').select_option("neutral")
        card.locator('[name="reason"]').fill("Polovica avtobusov je električnih")
        card.get_by_role("button", name="Oddaj predlog oznak").click()
        response = member.goto(lines)
        wrong["sl lines waiting"] = check_page(member, "sl", response.status)
        assert member.locator('[data-field="waiting"]').count() == 2
        # then the member cannot approve their own proposals: the page has no button for it
        response = member.goto(f"{live_server.url}/en/testville/budget/tags/")
        wrong["en tags, member"] = check_page(member, "en", response.status)
        assert member.locator("[data-proposal-id]").count() == 2
        assert member.get_by_role("button", name="Approve").count() == 0
        # when the climate officer approves both
        officer = log_in_as(browser, live_server.url, "climate.officer")
        officer.set_viewport_size(PHONE)
        for lang in ("en", "sl"):
            response = officer.goto(f"{live_server.url}/{lang}/testville/budget/import/")
            wrong[f"{lang} import"] = check_page(officer, lang, response.status)
        response = officer.goto(f"{live_server.url}/sl/testville/budget/tags/")
        wrong["sl tags, officer"] = check_page(officer, "sl", response.status)
        for _ in range(2):
            officer.locator("[data-proposal-id]").first.get_by_role(
                "button", name="Odobri").click()
        assert officer.locator('[data-empty="proposals"]').count() == 1
        # then the member's page shows the lines tagged
        response = member.goto(f"{live_server.url}/en/testville/budget/lines/")
        wrong["en lines tagged"] = check_page(member, "en", response.status)
        assert member.locator(f'[data-line-id="{resurfacing}"] [data-field="mitigation"]'
                              ).inner_text() == "Unfavourable 100 %"
        assert member.locator(f'[data-line-id="{buses}"] [data-field="mitigation"]'
                              ).inner_text() == "Very favourable 60 %, Neutral 40 %"
    assert {k: v for k, v in wrong.items() if v} == {}
    assert [(c.proposed_by, c.decided_by, c.state) for c in TagChange.objects.filter(
        proposed_by="roads.member")] == [("roads.member", "climate.officer",
                                          ChangeState.APPROVED)] * 2
