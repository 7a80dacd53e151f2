"""The inventory page shows its lines a page at a time (``selectors.LINES_A_PAGE``): a city
that imports 100,000 meter lines got a page of 48 MB that took 14.5 s to compute. Every page's
totals, sectors and CCC table are the whole inventory's, to the bit; the pages' rows, one after
the other, are every row of the summary in GPC order; the pager speaks the page's language
and keeps the GWP set chosen; a page past the last is not found, and a page that is not a
number is refused."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from zerocity.core.errors import NotFound
from zerocity.inventory import gpc, selectors
from zerocity.inventory.gwp import GwpSet
from zerocity.inventory.services import create_inventory, import_activity_file, publish_inventory

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from inventory_bench import make_csv  # noqa: E402

pytestmark = pytest.mark.django_db
N = 450  # three pages: 200, 200 and 50 lines


@pytest.fixture
def inventory(city):  # type: ignore[no-untyped-def]
    assert selectors.LINES_A_PAGE == 200
    inventory = import_activity_file(city, 2022, make_csv(N, 11), "meters.csv").inventory
    return publish_inventory(inventory)


@pytest.mark.parametrize("gwp", [GwpSet.AR5, GwpSet.AR6])
def test_the_pages_rows_are_every_row_in_gpc_order_and_each_page_has_the_whole_totals(
        inventory, gwp):
    whole = selectors.summary(inventory, gwp=gwp)
    visitor = AnonymousUser()
    pages = [selectors.inventory_page(inventory, visitor, gwp, n) for n in (1, 2, 3)]
    assert [p["lines"] for p in pages] == [
        {"number": 1, "pages": 3, "first": 1, "last": 200, "count": N},
        {"number": 2, "pages": 3, "first": 201, "last": 400, "count": N},
        {"number": 3, "pages": 3, "first": 401, "last": 450, "count": N}]
    # the rows, page after page, are the summary's in GPC order (the city's order within a
    # sub-category), field for field
    assert [r for p in pages for r in p["rows"]] == sorted(
        whole["rows"], key=lambda r: gpc.sort_key(r["gpc_ref"]))
    for p in pages:
        for key in ("totals", "per_capita", "sectors", "ccc_a13", "gwp", "year"):
            assert p["s"][key] == whole[key], key
        # the trend reuses this inventory's totals: the same as computing them again
        assert p["trend"] == selectors.trend(inventory.city, visitor, gwp=gwp.value)
    assert pages[0]["trend"][-1]["totals"] == whole["totals"]


def test_a_page_past_the_last_is_not_found_and_an_empty_inventory_has_one(inventory, city):
    for number in (0, -1, 4):
        with pytest.raises(NotFound, match=f"no page {number} of lines: there are 3"):
            selectors.inventory_page(inventory, AnonymousUser(), GwpSet.AR5, number)
    empty = create_inventory(city, 2023)
    page = selectors.inventory_page(empty, AnonymousUser(), GwpSet.AR5)
    assert page["lines"] == {"number": 1, "pages": 1, "first": 0, "last": 0, "count": 0}
    assert page["rows"] == [] and page["s"]["totals"]["mission"] == 0


def _pager(html: str) -> str:
    found = re.search(r'<nav class="pager".*?</nav>', html, re.S)
    return re.sub(r"\s+", " ", found.group(0)) if found else ""


def test_the_pager_speaks_the_pages_language_and_keeps_the_gwp_set(inventory):
    client = Client()
    sl = client.get("/sl/testville/inventory/2022/?page=2")
    html = sl.content.decode()
    assert sl.status_code == 200
    assert "<caption>Vrstice 201–400 od 450</caption>" in html
    assert _pager(html) == (
        '<nav class="pager" aria-label="Strani vrstic"> <a rel="prev" href="?page=1#h-lines">'
        'Prejšnje vrstice</a> <span>Stran 2 od 3</span> <a rel="next" '
        'href="?page=3#h-lines">Naslednje vrstice</a> </nav>')
    assert html.count('<td><span class="ref">') == 200
    # a GWP set other than the inventory's own is kept from page to page
    assert inventory.gwp != "AR6"
    en = client.get("/en/testville/inventory/2022/?gwp=AR6&page=3").content.decode()
    assert "<caption>Lines 401–450 of 450</caption>" in en
    assert _pager(en) == (
        '<nav class="pager" aria-label="Pages of the lines"> <a rel="prev" '
        'href="?gwp=AR6&amp;page=2#h-lines">Previous lines</a> <span>Page 3 of 3</span> </nav>')
    assert en.count('<td><span class="ref">') == 50
    # past the last page, and not a page at all
    assert client.get("/en/testville/inventory/2022/?page=4").status_code == 404
    assert client.get("/en/testville/inventory/2022/?page=two").status_code == 400


def test_an_inventory_of_one_page_shows_no_pager(city):
    inventory = import_activity_file(city, 2022, make_csv(150, 12), "a.csv").inventory
    publish_inventory(inventory)
    html = Client().get("/en/testville/inventory/2022/").content.decode()
    assert "<caption>150 lines</caption>" in html and not _pager(html)
    assert html.count('<td><span class="ref">') == 150


def test_the_api_gives_a_page_of_rows_with_the_whole_totals_and_every_row_without_one(
        inventory):
    client = Client()
    url = "/api/v1/cities/testville/inventories/2022"
    whole = client.get(url).json()
    # without ?page= every row, as before, and no page said
    assert len(whole["rows"]) == N and whole["lines"] is None
    pages = [client.get(f"{url}?gwp=AR5&page={n}").json() for n in (1, 2, 3)]
    assert [p["lines"] for p in pages] == [
        {"number": 1, "pages": 3, "first": 1, "last": 200, "count": N},
        {"number": 2, "pages": 3, "first": 201, "last": 400, "count": N},
        {"number": 3, "pages": 3, "first": 401, "last": 450, "count": N}]
    # the pages' rows, one after the other, are every row in the same order, field for field
    assert inventory.gwp == "AR5"
    assert [r for p in pages for r in p["rows"]] == whole["rows"]
    for p in pages:
        for key in ("totals", "per_capita", "sectors", "ccc_a13", "gwp", "year", "status"):
            assert p[key] == whole[key], key
    # with another GWP set the page's CO2e follow it, as the whole inventory's do
    ar6 = client.get(f"{url}?gwp=AR6").json()
    page = client.get(f"{url}?gwp=AR6&page=2").json()
    assert page["totals"] == ar6["totals"] and page["rows"] == ar6["rows"][200:400]
    # past the last page: not found, said as a problem; not a number: refused
    past = client.get(f"{url}?page=4")
    assert past.status_code == 404 and "no page 4 of lines: there are 3" in past.json()["detail"]
    assert client.get(f"{url}?page=0").status_code == 404
    assert client.get(f"{url}?page=two").status_code == 400
