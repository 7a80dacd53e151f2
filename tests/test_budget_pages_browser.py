"""The budget's pages in a real headless Chromium at phone width, in both languages: the
public climate report with its two charts, and the climate office's tag proposals with their
forms, fit a 390 px screen, speak the page's language and pass axe-core."""

from __future__ import annotations

import pytest

from test_browser import CRAWL_PASSWORD, PHONE, check_page, chromium, log_in_as
from test_budget import WORKED, csv, row

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_budget_pages_fit_a_phone_and_pass_axe_in_both_languages(city, live_server):
    from zerocity.budget.selectors import line_at
    from zerocity.budget.services import (
        import_budget,
        propose_tags,
        publish_budget,
        set_budget_office,
    )
    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role

    # given the worked example published for 2025, a 2024 draft with a proposal waiting and
    # a member of the climate office
    office = ensure_department(city, "climate-office", "Climate office")
    set_budget_office(city, "climate-office", actor="test")
    member = grant_role(city, "budget.office", Role.STAFF, department=office).user
    member.set_password(CRAWL_PASSWORD)
    member.save()
    roads = grant_role(city, "roads-staff", Role.STAFF,
                       department=ensure_department(city, "roads", "Roads")).user
    publish_budget(import_budget(city, 2025, "adopted", WORKED.read_bytes(), filename="w.csv",
                                 actor="test").version, actor="test")
    draft = import_budget(city, 2024, "adopted", csv(row("1", "4201", "1000", "neutral",
                                                         "neutral")),
                          filename="2024.csv", actor="test").version
    propose_tags(line_at(draft, 2), mitigation={"favourable": "100"}, reason="Nova razsvetljava",
                 by=roads)
    with chromium() as browser:
        page = log_in_as(browser, live_server.url, "budget.office")
        page.set_viewport_size(PHONE)
        wrong: dict[str, list[str]] = {}
        for lang in ("sl", "en"):
            base = f"{live_server.url}/{lang}/testville/budget"
            for name, path, charts, forms in (("report", "/", 2, 1), ("tags", "/tags/", 0, 2)):
                # when each page is opened on the phone
                response = page.goto(base + path)
                # then it has its charts and forms, fits and passes
                assert page.locator("svg.chart").count() == charts, (lang, name)
                assert page.locator("main form").count() == forms, (lang, name)
                wrong[f"{lang} {name}"] = check_page(page, lang, response.status)
    assert {k: v for k, v in wrong.items() if v} == {}
