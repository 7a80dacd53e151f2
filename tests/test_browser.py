"""The main journeys in a real headless Chromium: the public inventory page with its figures and
charts, the language switch, and a staff login that reveals a draft the public cannot see."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
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


def test_a_large_inventory_is_read_a_page_of_lines_at_a_time_on_a_phone(city, live_server):
    """A city's 450 meter lines: the page shows 200 at a time, fits a phone in Slovenian with
    its pager, and the pager leads on to the last lines."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from inventory_bench import make_csv
    from zerocity.inventory.services import import_activity_file, publish_inventory

    publish_inventory(import_activity_file(city, 2022, make_csv(450, 11), "m.csv").inventory)
    with chromium() as browser:
        from playwright.sync_api import expect

        context = browser.new_context(viewport=PHONE, locale="sl-SI")
        page = context.new_page()
        response = page.goto(f"{live_server.url}/sl/testville/inventory/2022/?page=2")
        assert response is not None
        assert check_page(page, "sl", response.status) == []
        expect(page.locator("table.lines caption")).to_have_text("Vrstice 201–400 od 450")
        pager = page.get_by_role("navigation", name="Strani vrstic")
        expect(pager).to_contain_text("Stran 2 od 3")
        pager.get_by_role("link", name="Naslednje vrstice").click()
        page.wait_for_url(f"{live_server.url}/sl/testville/inventory/2022/?page=3#h-lines")
        expect(page.locator("table.lines caption")).to_have_text("Vrstice 401–450 od 450")
        expect(page.locator("table.lines tbody tr:not(.group)")).to_have_count(50)
        expect(pager.get_by_role("link", name="Naslednje vrstice")).to_have_count(0)
        context.close()


# -- the crawl: every public and citizen page on a phone and on a desk (issue 17) ---------------

PHONE, DESK = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
CRAWL_PASSWORD = "a-long-crawl-passphrase-2026"
NOT_PAGES = ("/download/", ".json", ".csv", ".xlsx", ".ods", ".ics", ".xml", ".zip", "/logout/")


def shape(path: str) -> str:
    """The page's kind: the path with its record keys (anything with a digit, or an action
    code such as BE-ALL) replaced, the query dropped."""
    import re

    segments = path.split("?")[0].split("/")
    return "/".join("#" if re.search(r"\d", s) or re.fullmatch(r"[A-Z][A-Z-]+", s) else s
                    for s in segments)


def back_office(path: str) -> bool:
    """Whether the address is a page only the city's staff or administrators may use."""
    from django.urls import Resolver404, resolve

    from zerocity.core.access import CITY_ADMIN, CITY_STAFF

    try:
        match = resolve(path.split("?")[0])
    except Resolver404:
        return False
    return getattr(match.func, "permission_rule", None) in (CITY_STAFF, CITY_ADMIN)


def public_records(city: Any) -> list[str]:
    """The address (without its language) of every record page the demo shows anyone: each
    published inventory year, plan action, process, proposal, survey, budget, news article,
    food purchasing system and open dataset. The crawl must reach each of them, linked or not."""
    from zerocity.data.opendata import datasets
    from zerocity.engage.models import Budget, Process, Proposal, ProposalState, Survey
    from zerocity.engage.services.news import published
    from zerocity.food.models import Dps
    from zerocity.inventory.models import Inventory, InventoryStatus

    c = f"/{city.slug}"
    return sorted(
        [f"{c}/inventory/{y}/" for y in Inventory.objects.filter(
            city=city, status=InventoryStatus.PUBLISHED).values_list("year", flat=True)]
        + [f"{c}/plan/actions/{code}/" for code in city.plan.actions.values_list("code",
                                                                                 flat=True)]
        + [f"{c}/participate/{slug}/" for slug in Process.objects.filter(
            city=city).values_list("slug", flat=True)]
        + [f"{c}/participate/proposals/{pk}/" for pk in Proposal.objects.filter(
            process__city=city).exclude(state=ProposalState.WITHDRAWN).values_list("pk",
                                                                                  flat=True)]
        + [f"{c}/participate/surveys/{pk}/" for pk in Survey.objects.filter(
            process__city=city).values_list("pk", flat=True)]
        + [f"{c}/participate/budgets/{pk}/" for pk in Budget.objects.filter(
            process__city=city).values_list("pk", flat=True)]
        + [f"{c}/news/{slug}/" for slug in published(city).values_list("slug", flat=True)]
        + [f"{c}/food/dps/{ref}/" for ref in Dps.objects.filter(city=city).values_list(
            "reference", flat=True)]
        + [f"{c}/data/datasets/{d.key}/" for d in datasets()])


def check_page(page: Any, lang: str, status: int) -> list[str]:
    """What is wrong with the page in the browser: a server error, a page wider than the phone,
    the wrong language, no title, not exactly one main heading, accessibility."""
    found = page.evaluate("""() => ({wide: document.documentElement.scrollWidth,
        inner: window.innerWidth, lang: document.documentElement.lang,
        title: document.title.trim(), h1: document.querySelectorAll('h1').length})""")
    wrong = []
    if status >= 400:
        wrong.append(f"answered {status}")
    if found["wide"] > found["inner"]:
        # name the widest culprits outside a scrolling region, for whoever fixes it
        culprits = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => {
            if (e.getBoundingClientRect().right <= innerWidth + 1) return false;
            for (let a = e.parentElement; a; a = a.parentElement)
                if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return false;
            return true; }).slice(-3).map(e => e.tagName.toLowerCase() + '.' + e.classList)""")
        wrong.append(f"{found['wide']} px wide on a {found['inner']} px screen: {culprits}")
    if found["lang"] != lang:
        wrong.append(f"lang={found['lang']!r}")
    if not found["title"]:
        wrong.append("no title")
    if found["h1"] != 1:
        wrong.append(f"{found['h1']} h1 headings")
    wrong += accessibility(page)
    return wrong


def accessibility(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as the browser shows it now."""
    from test_engage_browser import axe

    try:
        axe(page)
    except AssertionError as e:
        return [f"{page.viewport_size['width']} px: {e}"]
    return []


class Crawl:
    """One person's walk through the site in one language: what is wrong, page by page, the
    pages visited and every address they linked to."""

    def __init__(self) -> None:
        self.wrong: dict[str, list[str]] = {}
        self.visited: set[str] = set()
        self.linked: set[str] = set()


def crawl(page: Any, base: str, lang: str, start: str, within: str, *,
          seeds: Iterable[str] = (), every: Callable[[str], bool] = lambda path: True) -> Crawl:
    """Follow the page's links under ``within`` from ``start`` and the ``seeds`` (breadth
    first), checking each page at 390 px and again at 1280 px, where the menu unfolds. Every
    page is visited where ``every(path)`` says so, else one page of its kind (the same
    template with another record); an address with a query (a filter, a year chosen) only
    once per path. axe runs on every page at 390 px and on the first page of each kind at
    1280 px (the wide layout is the template's, whatever the record)."""
    from urllib.parse import urlsplit

    todo = [start, *(s for s in seeds if s != start)]
    queued, kinds, paths = set(todo), Counter[str](), set()
    out = Crawl()
    while todo:
        path = todo.pop(0)
        kind, bare = shape(path), path.split("?")[0]
        if bare in paths or (kinds[kind] and not every(bare)):
            continue
        kinds[kind] += 1
        paths.add(bare)
        page.set_viewport_size(PHONE)
        response = page.goto(base + path)
        assert response is not None
        out.visited.add(path)
        problems = check_page(page, lang, response.status)
        page.set_viewport_size(DESK)  # the same page on a desk: the menu unfolds
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            problems.append("wider than a 1280 px screen")
        if kinds[kind] == 1 and response.status < 400:
            problems += accessibility(page)
        if problems:
            out.wrong[path] = problems
        if response.status >= 400:
            continue
        # an SVG link's href is an SVGAnimatedString (the planner's map): resolved by hand
        for href in page.eval_on_selector_all("a[href]", """links => links.map(a =>
                typeof a.href === 'string' ? a.href
                : new URL(a.getAttribute('href'), document.baseURI).href)"""):
            parts = urlsplit(href)
            if parts.netloc != urlsplit(base).netloc:
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            out.linked.add(link)
            if (parts.path.startswith(within) and link not in queued
                    and not any(n in parts.path for n in NOT_PAGES)):
                queued.add(link)
                todo.append(link)
    return out


def transport_member(city: Any) -> Any:
    """A member of the city's transport office who logs in with the crawl's password."""
    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role

    member = grant_role(city, "transport.staff", Role.STAFF,
                        department=ensure_department(city, "transport", "Transport")).user
    member.set_password(CRAWL_PASSWORD)
    member.save()
    return member


def log_in_as(browser: Any, base: str, username: str) -> Any:
    context = browser.new_context(viewport=PHONE, locale="sl-SI")
    page = context.new_page()
    page.goto(f"{base}/en/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(CRAWL_PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/en/")
    return page


def test_every_public_and_citizen_page_fits_a_phone_and_is_accessible(kranj, live_server):
    """The visitor walks every public page, each record of the demo included (every action,
    proposal, process, survey, budget, article, inventory year, dataset...); the citizen every
    page only a signed-in person sees and, of the pages the visitor saw, one of each kind as
    they show to a signed-in person (a ballot, a comment form); the farm and the school's
    buyer one page of each kind of their portals. One browser; one tab per person, turned
    from 390 to 1280 px on each page."""
    from django.contrib.auth import get_user_model

    # given the Kranj demo, its citizen, the farm that supplies it and a school's buyer
    people = ("citizen", "farm.supplier", "school.buyer")
    for user in get_user_model().objects.filter(username__in=people):
        user.set_password(CRAWL_PASSWORD)
        user.save()
    records = public_records(kranj)  # read before the browser runs (see ``chromium``)
    base = live_server.url
    wrong: dict[str, list[str]] = {}
    shown_back_office: dict[str, set[str]] = {}
    seen_by_visitor: dict[str, set[str]] = {}
    pages = 0

    with chromium() as browser:
        # when a visitor and then each of them follows the city's links from its home page,
        # in Slovenian and in English (the supplier and the buyer through their own portals)
        visitor = browser.new_context(viewport=PHONE, locale="sl-SI").new_page()
        for lang in ("sl", "en"):
            walk = crawl(visitor, base, lang, f"/{lang}/kranj/", f"/{lang}/kranj/",
                         seeds=[f"/{lang}{r}" for r in records])
            # then the visitor reached every record of the demo
            assert {f"/{lang}{r}" for r in records} <= walk.visited
            seen_by_visitor[lang] = {p.split("?")[0] for p in walk.visited}
            wrong.update({f"visitor {p}": problems for p, problems in walk.wrong.items()})
            shown_back_office[f"visitor {lang}"] = {p for p in walk.linked if back_office(p)}
            pages += len(walk.visited)
        for username in people:
            page = log_in_as(browser, base, username)
            start = {"citizen": "/kranj/", "farm.supplier": "/kranj/food/supplier/",
                     "school.buyer": "/kranj/food/institution/"}[username]
            within = "/kranj/" if username == "citizen" else start
            for lang in ("sl", "en"):
                seen = seen_by_visitor[lang]
                walk = crawl(page, base, lang, f"/{lang}{start}", f"/{lang}{within}",
                             every=lambda path, seen=seen, who=username: (
                                 who == "citizen" and path not in seen))
                wrong.update({f"{username} {p}": problems for p, problems in walk.wrong.items()})
                shown_back_office[f"{username} {lang}"] = {
                    p for p in walk.linked if back_office(p)}
                pages += len(walk.visited)
            page.context.close()
    print(f"crawled {pages} pages, each at 390 and 1280 px")

    # then every page answers, fits 390 px, names its language, has a title, one h1 and no
    # serious or critical accessibility violation
    assert len(shown_back_office) == 8
    assert wrong == {}
    # and none of them is shown a link to a back office it would be refused
    assert shown_back_office == {key: set() for key in shown_back_office}
