"""The journey planner's map on a tile server a city configures (issue 19: "no tile server
needed; a city may configure one"): the tiles cover the whole view at a zoom matching the map's
scale, lie where Web Mercator puts them, are credited under the map, and their origin alone is
added to the Content-Security-Policy's images."""

from __future__ import annotations

import html
import math
import os
import re
import secrets
import subprocess
import sys
from itertools import pairwise

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings

from mobility_feeds import planner_zip
from zerocity.mobility import network
from zerocity.mobility.services import import_feed
from zerocity.settings import map_tiles_origin
from zerocity.web import maps

pytestmark = pytest.mark.django_db
TEMPLATE = "https://tiles.kranj.si/osm/{z}/{x}/{y}.png"
CREDIT = "© OpenStreetMap contributors"


@pytest.fixture
def geo(city):  # type: ignore[no-untyped-def]
    feed = import_feed(city, planner_zip()).value
    found = network.network(city, feed.start_date, feed.start_date)
    assert found is not None
    return found.geometry


def mercator(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Where a point lies in Web Mercator's tile grid (the OpenStreetMap wiki's formulas)."""
    n = 2 ** zoom
    return ((lon + 180) / 360 * n,
            (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat)))
             / math.pi) / 2 * n)


def test_the_tiles_cover_the_view_edge_to_edge_at_the_maps_scale(geo):
    zoom = maps.tile_zoom(geo)
    # 256 pixels of the chosen zoom are within a factor of sqrt(2) of 256 of the map's units
    pixels_per_unit = 256 * 2 ** zoom / 360 / (geo.scale * geo.cos_lat)
    assert 2 ** -0.5 <= pixels_per_unit <= 2 ** 0.5
    laid = maps.tiles(geo, TEMPLATE)
    assert min(x for _, x, _, _, _ in laid) <= 0 and min(y for _, _, y, _, _ in laid) <= 0
    assert max(x + w for _, x, _, w, _ in laid) >= geo.width
    assert max(y + h for _, _, y, _, h in laid) >= geo.height
    # neighbours share their edges exactly: no seam, no overlap
    edges = {(x, y): (x + w, y + h) for _, x, y, w, h in laid}
    for a, b in pairwise(sorted({x for x, _ in edges})):
        assert {right for (x, _), (right, _) in edges.items() if x == a} == {b}
    for a, b in pairwise(sorted({y for _, y in edges})):
        assert {bottom for (_, y), (_, bottom) in edges.items() if y == a} == {b}
    assert len(laid) == len(edges) == len({url for url, *_ in laid})


def test_each_stop_lies_on_its_tile_where_web_mercator_puts_it(geo):
    zoom = maps.tile_zoom(geo)
    laid = {url: (x, y, w, h) for url, x, y, w, h in maps.tiles(geo, TEMPLATE)}
    for place in geo.places:
        lat, lon = geo.unproject(place.x, place.y)
        tx, ty = mercator(lat, lon, zoom)
        x, y, w, h = laid[f"https://tiles.kranj.si/osm/{zoom}/{int(tx)}/{int(ty)}.png"]
        # the tile's own pixel for the stop, in the map's units: off by less than a pixel
        assert place.x == pytest.approx(x + (tx - int(tx)) * w, abs=1.0)
        assert place.y == pytest.approx(y + (ty - int(ty)) * h, abs=1.0)


def test_the_page_lays_the_map_on_the_tiles_and_credits_them(geo):
    page = Client().get("/en/testville/mobility/?date=2026-03-02").content.decode()
    assert "<image " not in page and "Map tiles" not in page  # none configured: none drawn
    with override_settings(MAP_TILES=TEMPLATE, MAP_TILES_ATTRIBUTION=CREDIT):
        page = Client().get("/en/testville/mobility/?date=2026-03-02").content.decode()
        sl = Client().get("/sl/testville/mobility/?date=2026-03-02").content.decode()
    urls = [html.unescape(u) for u in re.findall(r'<image href="([^"]+)"', page)]
    assert urls == [u for u, *_ in maps.tiles(geo, TEMPLATE)]
    # under the lines and stops, which stay links
    assert page.index('class="map-tiles"') < page.index('class="map-lines"')
    assert f"Map tiles: {html.escape(CREDIT)}" in page
    assert f"Podlaga zemljevida: {html.escape(CREDIT)}" in sl


def test_a_tile_template_is_checked_when_the_site_starts():
    assert map_tiles_origin("", "") is None
    assert map_tiles_origin(TEMPLATE, CREDIT) == "https://tiles.kranj.si"
    assert map_tiles_origin("http://10.0.8.5:8080/{z}/{x}/{y}.png", CREDIT) \
        == "http://10.0.8.5:8080"
    for bad, said in (("tiles.kranj.si/{z}/{x}/{y}.png", "http(s) address"),
                      ("ftp://tiles.kranj.si/{z}/{x}/{y}.png", "http(s) address"),
                      ("https://{s}.tile.org/{z}/{x}/{y}.png", "http(s) address"),
                      ("https://tiles.kranj.si/{z}/{x}.png", "lacks {y}"),
                      (TEMPLATE, "ZEROCITY_MAP_TILES_ATTRIBUTION")):
        with pytest.raises(ImproperlyConfigured, match=re.escape(said)):
            map_tiles_origin(bad, CREDIT if bad != TEMPLATE else "")


def _img_src(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = ("from zerocity import settings; "
            "print(' '.join(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **env}, check=False)


def test_the_tiles_origin_alone_joins_the_policys_images():
    plain = _img_src({"ZEROCITY_MAP_TILES": ""})
    assert plain.stdout.split() == ["'self'", "data:"]
    tiled = _img_src({"ZEROCITY_MAP_TILES": TEMPLATE, "ZEROCITY_MAP_TILES_ATTRIBUTION": CREDIT})
    assert tiled.stdout.split() == ["'self'", "data:", "https://tiles.kranj.si"]
    # a production site over HTTPS refuses tiles over plain HTTP (the browser would block them)
    refused = _img_src({"ZEROCITY_ENV": "production", "ZEROCITY_SECRET_KEY": secrets.token_urlsafe(50),
                        "ZEROCITY_ALLOWED_HOSTS": "zerocity.kranj.si",
                        "ZEROCITY_MAP_TILES": "http://tiles.kranj.si/{z}/{x}/{y}.png",
                        "ZEROCITY_MAP_TILES_ATTRIBUTION": CREDIT})
    assert refused.returncode != 0 and "served over HTTPS" in refused.stderr
