"""The main journeys in a real headless Chromium: the public inventory page with its figures and
charts, the language switch, and a staff login that reveals a draft the public cannot see."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conftest import require_component
from zerocity.core.models import Role
from zerocity.core.services import ensure_department, grant_role

# serialized_rollback: a transactional test empties the tables at the end, and the GPC table
# and factor library seeded by migration must come back for the tests that follow.
pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium, started after the test's data is in place.

    While Playwright's sync API runs, its event loop is running in this thread: Django then
    refuses ORM calls unless DJANGO_ALLOW_ASYNC_UNSAFE is set, and hands out another database
    connection than the test's (asgiref keys connections by context). So tests write their
    data first and only then open the browser; the browser talks to ``live_server``.
    """
    require_component(CHROMIUM.exists(), "Debian chromium not installed")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
    finally:  # the rest of the suite keeps Django's guard
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def test_the_inventory_page_shows_the_figures_and_charts_in_both_languages(
    kranj, live_server, tmp_path
):
    with chromium() as browser:
        check_inventory_page(browser, live_server.url, tmp_path)


def check_inventory_page(browser: Any, base: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    response = page.goto(f"{base}/en/kranj/inventory/2018/")
    assert response is not None and response.status == 200
    shown = {name: page.locator(f'[data-figure="{name}"]').inner_text()
             for name in ("mission", "scope1", "scope2", "scope3")}
    assert shown == {"mission": "238,832", "scope1": "207,460", "scope2": "25,661",
                     "scope3": "5,711"}
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Greenhouse gas inventory of Kranj 2018")

    charts = page.locator("svg.chart")
    assert charts.count() == 2
    for i in range(2):
        expect(charts.nth(i)).to_be_visible()
        box = charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 500 and box["height"] > 200
    expect(page.get_by_role("img", name="Emissions by GPC sector and scope, Kranj 2018 (t CO₂e)")
           ).to_be_visible()
    expect(page.locator("svg.chart rect").first).to_be_visible()

    shot = tmp_path / "inventory-2018-en.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000

    page.get_by_role("button", name="Slovenščina").click()
    page.wait_for_url(f"{base}/sl/kranj/inventory/2018/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Evidenca emisij toplogrednih plinov mesta Kranj 2018")
    expect(page.get_by_role("heading", name="Emisije po sektorjih GPC in obsegih")).to_be_visible()
    assert page.locator('[data-figure="mission"]').inner_text() == "238.832"
    assert page.locator("html").get_attribute("lang") == "sl"

    # Everything the pages needed came from the app itself: no CDN, no external font.
    assert requested and all(url.startswith(base) for url in requested), requested
    context.close()


def test_staff_log_in_and_see_the_draft_the_public_cannot(kranj, live_server):
    password = "draft-reader-2024!"
    grant_role(kranj, "b-staff", Role.STAFF,
               department=ensure_department(kranj, "climate", "Climate office"),
               password=password)
    with chromium() as browser:
        check_staff_journey(browser, live_server.url, "b-staff", password)


def check_staff_journey(browser: Any, base: str, username: str, password: str) -> None:
    from playwright.sync_api import expect

    anonymous = browser.new_context()
    page = anonymous.new_page()
    response = page.goto(f"{base}/en/kranj/inventory/2024/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    anonymous.close()

    staff = browser.new_context()
    page = staff.new_page()
    page.goto(f"{base}/en/kranj/inventory/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("2022")  # the public's latest
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/en/kranj/inventory/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("2024")
    expect(page.get_by_text("Draft — not public")).to_be_visible()
    years = page.get_by_role("navigation", name="Inventory years")
    expect(years.get_by_role("link", name="2024")).to_be_visible()

    response = page.goto(f"{base}/en/kranj/inventory/2024/")
    assert response is not None and response.status == 200
    expect(page.get_by_text("Draft — not public")).to_be_visible()
    expect(page.get_by_role("button", name="Publish")).to_have_count(0)  # staff, not admin
    staff.close()
