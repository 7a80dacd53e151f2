"""The public journey planner page (issue 19): anyone may use it; every figure it shows of an
itinerary is plan_journey's for the same query; places are found by name, by a map link or as
coordinates; bad parameters give the form again with its errors, never a server error; the
map is drawn from the feed's shapes (the stops where a trip has none) in colours that stand
out; both languages read as one language each."""

from __future__ import annotations

import html
import math
import re
from datetime import datetime
from decimal import Decimal
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation

from mobility_feeds import planner_zip
from page_words import visible_text
from test_web import LOCALE, read_po
from zerocity.card import accounts
from zerocity.card.demo import kranj_fares
from zerocity.core.models import Role
from zerocity.core.services import create_city, ensure_department, grant_role
from zerocity.mobility import network
from zerocity.mobility.journeys import plan_journey
from zerocity.mobility.planner.query import Query
from zerocity.mobility.services import import_feed

pytestmark = pytest.mark.django_db
ZONE = ZoneInfo("Europe/Ljubljana")
# Monday 2 March 2026, 06:55, from the station to Planina: line 1 direct (07:00-07:20) or the
# express 3X and line 4 with a change at Zlato polje (06:58-07:12); tests/mobility_feeds.py
JOURNEY = "from=Kranj+kolodvor&to=Planina&date=2026-03-02&time=06:55&go=1&modes=bus"
STATION = (46.2436, 14.3498)  # the station Kranj kolodvor (its platforms are 1 and 2)
PLANINA = (46.2530, 14.3808)


@pytest.fixture
def feed(city):  # type: ignore[no-untyped-def]
    accounts.set_rules(city, kranj_fares(), actor="test")
    return import_feed(city, planner_zip(), licence="CC BY-SA 4.0").value


def get(path: str, lang: str = "en", user=None):  # type: ignore[no-untyped-def]
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(f"/{lang}/testville/mobility/{path}")


def figures(block: str) -> dict[str, list[str]]:
    """Each data-figure of a piece of the page: its text, in the order shown."""
    out: dict[str, list[str]] = {}
    for name, inner in re.findall(r'data-figure="([a-z0-9-]+)">(.*?)</(?:span|dd|strong)>', block,
                                  re.S):
        out.setdefault(name, []).append(html.unescape(re.sub(r"<[^>]+>", "", inner)).strip())
    return out


def itineraries(page: str) -> list[str]:
    return re.findall(r'<li class="itinerary".*?</ol>\s*</li>', page, re.S)


# -- who may use it ----------------------------------------------------------------------------

def test_anyone_may_plan_a_journey_signed_in_or_not(feed, city):
    # given people of every kind, one of another city
    other = create_city("ljubljana", name="Ljubljana", country="SI", population=295000)
    people = {
        "anonymous": None,
        "citizen": grant_role(city, "p-citizen", Role.CITIZEN).user,
        "staff": grant_role(city, "p-staff", Role.STAFF,
                            department=ensure_department(city, "t", "Transport")).user,
        "admin": grant_role(city, "p-admin", Role.ADMIN).user,
        "other_staff": grant_role(other, "p-other", Role.STAFF,
                                  department=ensure_department(other, "e", "Energy")).user,
    }
    # when each asks for the page and for a journey
    answers = {who: (get("", user=u).status_code, get(f"?{JOURNEY}", user=u).status_code)
               for who, u in people.items()}
    # then every one of them is answered
    assert answers == {who: (200, 200) for who in people}


def test_the_top_up_link_leads_a_visitor_to_sign_in_and_a_member_to_the_card(feed, city):
    visitor = get(f"?{JOURNEY}").content.decode()
    assert ('href="/en/accounts/login/?next=/en/testville/card/">Log in to top up your city '
            'card</a>') in visitor
    member = grant_role(city, "p-rider", Role.CITIZEN).user
    page = get(f"?{JOURNEY}", user=member).content.decode()
    assert 'href="/en/testville/card/">Top up your city card</a>' in page
    # the card page is where the member tops up their account
    accounts.open_account(city, holder=member, actor="test")
    client = Client()
    client.force_login(member)
    assert 'name="amount"' in client.get("/en/testville/card/").content.decode()


def test_the_planner_is_in_the_citys_navigation_and_on_its_home_page(feed):
    home = Client().get("/en/testville/").content.decode()
    assert home.count('href="/en/testville/mobility/"') == 2  # the menu and the home's card


# -- the answer: every figure is plan_journey's --------------------------------------------------

def clock(moment: datetime) -> str:
    return moment.astimezone(ZONE).strftime("%H:%M")


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def written(value: float, lang: str) -> str:
    """A whole number as each language groups its thousands."""
    text = f"{round(value):,}"
    return text.replace(",", ".") if lang == "sl" else text


@pytest.mark.parametrize(("lang", "names"), [
    ("en", {"walk": "Walk", "bus": "Bus", "fastest": "fastest", "fewest": "fewest changes"}),
    ("sl", {"walk": "Hoja", "bus": "Avtobus", "fastest": "najhitrejša",
            "fewest": "najmanj prestopov"})])
def test_the_page_shows_plan_journeys_itineraries_figure_for_figure(feed, city, lang, names):
    # given the same query asked of the service
    query = Query(origin=STATION, destination=PLANINA, when=datetime(2026, 3, 2, 6, 55,
                                                                    tzinfo=ZONE),
                  max_walk_m=1000.0, modes=frozenset({"bus"}))
    with translation.override(lang):
        plan = plan_journey(city, query)
    # when the page is asked in the language
    response = get(f"?{JOURNEY}", lang)
    assert response.status_code == 200
    page = response.content.decode()
    shown = [figures(block) for block in itineraries(page)]
    # then it shows the service's itineraries, in its order, each figure equal to its source
    assert len(shown) == len(plan.itineraries) == 2
    for it, got, block in zip(plan.itineraries, shown, itineraries(page), strict=True):
        minutes = round((it.arrive.replace(second=0) - it.depart.replace(second=0))
                        .total_seconds() / 60)
        fare = f"{it.fare:.2f}".replace(".", "," if lang == "sl" else ".")
        expected = {
            "depart": [clock(it.depart)], "arrive": [clock(it.arrive)],
            "duration": [f"{minutes}\u00a0min"], "transfers": [str(it.transfers)],
            "fare": [f"{fare}\u00a0EUR"], "co2e": [f"{written(it.co2e_g, lang)}\u00a0g"],
            "car-co2e": [f"{written(it.car_co2e_g, lang)}\u00a0g"],
            "saved": [f"{written(it.car_co2e_g - it.co2e_g, lang)}\u00a0g"],
            "walk": [f"{written(it.walk_m, lang)}\u00a0m"],
            "leg-depart": [clock(leg.depart) for leg in it.legs],
            "leg-arrive": [clock(leg.arrive) for leg in it.legs],
            "leg-route": [leg.route for leg in it.legs if leg.route],
            "leg-distance": [f"{written(leg.distance_m, lang)}\u00a0m" for leg in it.legs
                             if leg.mode == "walk"],
            "leg-from": ["Kranj kolodvor" if leg.origin.stop_id is None else leg.origin.name
                         for leg in it.legs],
            "leg-to": ["Planina" if leg.destination.stop_id is None else leg.destination.name
                       for leg in it.legs],
        }
        assert got == expected
        kinds = re.findall(r'data-leg="([a-z]+)">.*?<span class="leg-what">(?:<svg.*?</svg> )?'
                           r"([^<]+)", block, re.S)
        assert [(mode, label.strip()) for mode, label in kinds] == [
            (leg.mode, names[leg.mode]) for leg in it.legs]
    # and the values are the journeys worked out by hand: the change is faster, line 1 has
    # none; both €1.00 (one 90-minute fare, Kranj's rules)
    fast, direct = plan.itineraries
    assert (clock(fast.depart), clock(fast.arrive), fast.transfers) == ("06:57", "07:12", 1)
    assert (clock(direct.depart), clock(direct.arrive), direct.transfers) == ("06:59", "07:20", 0)
    assert fast.fare == direct.fare == Decimal("1.00")
    # and the fastest and the fewest changes are marked, each once, as they differ
    marks = [re.findall(r'data-mark="([a-z]+)">([^<]+)<', block) for block in itineraries(page)]
    assert marks == [[("fastest", names["fastest"])], [("fewest", names["fewest"])]]
    # and the car's figure is the straight line x 1.3 at 0.17 kg / 1.3 people per km
    straight_km = haversine_km(STATION, PLANINA)  # 2.60 km
    assert direct.car_co2e_g == pytest.approx(straight_km * 1.3 * 170 / 1.3, abs=0.5)
    # and the feed's licence and attribution are named with the answer
    answer = page[page.index('id="journeys"'):page.index("</section>", page.index(
        'id="journeys"'))]
    assert figures(answer)["licence"] == [plan.feeds[0].licence] == ["CC BY-SA 4.0"]
    assert figures(answer)["attribution"] == [plan.feeds[0].attribution] == [
        "ZeroCity (illustrative Kranj network); Arriva Kranj (illustrative)"]


def test_one_itinerary_is_marked_neither_fastest_nor_fewest(feed):
    # at 06:59 the express has left: only line 1 remains
    page = get("?from=Kranj+kolodvor&to=Planina&date=2026-03-02&time=06:59&go=1&modes=bus") \
        .content.decode()
    assert len(itineraries(page)) == 1
    assert "data-mark=" not in page


@pytest.mark.parametrize(("lang", "texts"), [
    ("en", ["No journey leaves at 2 Mar 2026, 06:55 within 180 minutes.",
            "1 trip is marked as not wheelchair accessible and was left out.",
            "Stops without wheelchair boarding were left out: Planina."]),
    ("sl", ["Ni poti z odhodom 2. 3. 2026, 06:55, ki bi trajala največ 180 min.",
            "1 vožnja je označena kot nedostopna za invalidski voziček in je izpuščena.",
            "Postajališča brez vstopa z invalidskim vozičkom so izpuščena: Planina."])])
def test_the_plans_notes_are_shown_in_the_pages_language(feed, city, lang, texts):
    # given a wheelchair user going to Planina, whose stop has no wheelchair boarding
    page = get(f"?{JOURNEY}&wheelchair=on", lang).content.decode()
    # then no itinerary, and the service's notes in the page's language say why
    with translation.override(lang):
        plan = plan_journey(city, Query(STATION, PLANINA, datetime(2026, 3, 2, 6, 55,
                                                                   tzinfo=ZONE),
                                        wheelchair=True, modes=frozenset({"bus"})))
    notes = re.findall(r"<p data-(?:note|excluded)>([^<]+)</p>", page)
    assert [html.unescape(n) for n in notes] == [*plan.notes, *plan.excluded]
    assert all(any(n.startswith(t) for n in plan.notes + plan.excluded) for t in texts)
    assert itineraries(page) == []


def test_the_time_window_is_the_planners(feed):
    # asked to arrive within an hour, the planner says so when it finds nothing
    page = get(f"?{JOURNEY}&wheelchair=on&within=60").content.decode()
    assert "No journey leaves at 2 Mar 2026, 06:55 within 60 minutes." in html.unescape(page)
    assert '<option value="60" selected>1\u00a0h</option>' in page


# -- finding places ------------------------------------------------------------------------------

def test_a_stop_is_found_by_a_part_of_its_name_without_accents_or_case(feed):
    page = get("?from=KOLODVOR&to=zlato").content.decode()
    # the fields show the stops found, by their full names
    assert re.findall(r'<input type="text" name="(from|to)"[^>]* value="([^"]*)"', page) == [
        ("from", "Kranj kolodvor"), ("to", "Zlato polje")]
    # the map marks both ends by name
    assert re.search(r'data-end="from" transform="translate\([\d.]+ [\d.]+\)"><circle', page)
    assert ">Zlato polje</text>" in page and ">Kranj kolodvor</text>" in page


def test_a_name_that_fits_several_stops_offers_each_of_them(feed):
    # "a" is in every name
    response = get("?from=a&to=Planina&go=1")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Several stops match “a”: choose one." in page
    offers = re.search(r'data-candidates="from">(.*?)</span>', page, re.S)
    assert offers is not None
    offered = re.findall(r'<a href="([^"]+)">([^<]+)</a>', offers.group(1))
    assert [name for _, name in offered] == ["Glavni trg", "Kranj kolodvor", "Planina",
                                             "Zlato polje"]
    # and each offer is a link that fills the field with it, keeping the destination
    href = html.unescape(offered[1][0])
    assert "from=Kranj+kolodvor" in href and "to=Planina" in href and "go=" not in href
    assert get(href.split("#")[0]).status_code == 200


def test_a_point_is_typed_as_latitude_longitude_in_either_languages_way(feed):
    # 45 m north of Glavni trg: a walk to the stop first
    for lang, text in (("en", "46.2390, 14.3557"), ("sl", "46,2390; 14,3557"),
                       ("sl", "46,2390 14,3557")):
        page = get(f"?from={quote_plus(text)}&to=Planina&date=2026-03-02&time=06:55&modes=bus",
                   lang).content.decode()
        assert len(itineraries(page)) >= 1, (lang, text)
        assert f'<span data-figure="leg-from">{html.escape(text)}</span>' in page


@pytest.mark.parametrize(("text", "lat", "lon"), [
    ("46.2386, 14.3557", 46.2386, 14.3557), ("46,2386; 14,3557", 46.2386, 14.3557),
    ("46,2386 14,3557", 46.2386, 14.3557), ("46.2386,14.3557", 46.2386, 14.3557),
    ("-33.5 151", -33.5, 151.0)])
def test_coordinates_are_read_with_points_or_commas(text, lat, lon):
    assert network.coordinates(text) == (lat, lon)


@pytest.mark.parametrize("text", ["46,2386,14,3557", "Planina 2", "46.2", "1 2 3", ""])
def test_text_that_is_not_two_numbers_is_no_point(text):
    assert network.coordinates(text) is None


# -- bad parameters ------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "field", "says"), [
    ("from=&to=&go=1", "from", "Choose where your journey starts."),
    ("from=Planina&to=&go=1", "to", "Choose where your journey ends."),
    ("from=xyz&to=Planina", "from", "No stop is called “xyz”."),
    ("from=91%2C+14&to=Planina", "from", "A latitude lies between -90 and 90"),
    ("from=Planina&to=Glavni+trg&date=2026-13-40", "date", "Enter a valid date."),
    ("from=Planina&to=Glavni+trg&date=0001-01-01", "date", "Testville has no timetable for"),
    ("from=Planina&to=Glavni+trg&date=2027-03-01", "date", "Testville has no timetable for"),
    ("from=Planina&to=Glavni+trg&date=9999-12-31&time=23:59", "date",
     "Testville has no timetable for"),
    ("from=Planina&to=Glavni+trg&time=25:99", "time", "Enter a valid time."),
    ("from=Planina&to=Glavni+trg&by=sideways", "by", "Select a valid choice."),
    ("from=Planina&to=Glavni+trg&walk=7", "walk", "Select a valid choice."),
    ("from=Planina&to=Glavni+trg&walk=lots", "walk", "Select a valid choice."),
    ("from=Planina&to=Glavni+trg&modes=rocket", "modes", "Select a valid choice."),
    ("from=Planina&to=Glavni+trg&within=7", "within", "Select a valid choice."),
    ("from=Planina&to=Glavni+trg&go=1&wheelchair=on", "modes",
     "Choose at least one way to travel."),
    ("from=" + "x" * 300 + "&to=Planina", "from", "at most 200 characters"),
])
def test_bad_parameters_give_the_form_again_with_the_error_beside_its_field(feed, query, field,
                                                                             says):
    response = get(f"?{query}")
    # then the form comes back, refused, naming the field and what to do
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    errors = page[page.index('data-state="errors"'):page.index("</div>", page.index(
        'data-state="errors"'))]
    assert says in errors
    assert re.search(rf'<a href="#id_{field}(?:_0)?">', errors)
    assert "id=\"journeys\"" not in page


def test_a_link_with_one_end_is_not_yet_an_error(feed):
    # a stop chosen on the map, the other end not yet: the page asks for nothing
    response = get("?from=Planina&pick=to")
    assert response.status_code == 200
    assert 'data-state="errors"' not in response.content.decode()


def test_a_city_without_a_timetable_says_so(city):
    response = Client().get("/sl/testville/mobility/?from=a&to=b&go=1")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Vozni red javnega prevoza za Testville še ni objavljen." in page
    assert "<form" not in page.split("<main")[1].split("</main>")[0]


def test_an_unknown_city_is_not_found(db):
    assert Client().get("/en/nowhere/mobility/").status_code == 404


# -- the map ---------------------------------------------------------------------------------------

def test_the_map_draws_each_route_in_a_colour_that_stands_out_and_each_stop_as_a_link(feed):
    page = get("?date=2026-03-02").content.decode()
    svg = page[page.index("<svg class=\"network-map\""):page.index("</svg>", page.index(
        "<svg class=\"network-map\"")) + 6]
    paths = dict(re.findall(r'<path d="[^"]+" stroke="(#[0-9a-f]{6})" stroke-width="6" '
                            r'data-route="([^"]+)"', svg))
    by_route = {route: colour for colour, route in paths.items()}
    # line 1 keeps its red; the pale yellow 3X is darkened until it stands out 3:1; line 4,
    # uncoloured, takes a spare colour; line 2 its blue
    assert by_route["1"] == "#e2001a" and by_route["2"] == "#0072bc"
    white = (255, 255, 255)
    for colour in by_route.values():
        rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
        assert network.contrast(rgb, white) >= 3.0, colour
    assert network.contrast((255, 230, 0), white) < 1.5  # the feed's own yellow would not
    assert by_route["3"] != "#ffe600" and len(set(by_route.values())) == 4
    # and every stop a person can choose is a link that fills the start first
    links = re.findall(r'<a href="([^"]+)" data-place="([^"]+)" aria-label="([^"]+)">', svg)
    assert [name for _, name, _ in links] == ["Glavni trg", "Kranj kolodvor", "Planina",
                                              "Primskovo", "Zlato polje"]
    href = html.unescape(links[2][0])
    assert href == "?date=2026-03-02&from=Planina&pick=to#map"
    # following it, the next stop fills the end and the link lands on the journeys
    then = get(href.split("#")[0]).content.decode()
    svg2 = then[then.index("<svg class=\"network-map\""):]
    assert html.unescape(re.findall(r'<a href="([^"]+)" data-place="Glavni trg"', svg2)[0]) \
        == "?date=2026-03-02&from=Planina&pick=to&to=Glavni+trg#journeys"
    # and the map has a name, each stop a title; no style attribute anywhere (the CSP)
    assert '<title id="map-title">Map of the public transport network of Testville</title>' \
        in svg
    assert svg.count("<title>") == len(links) + len(paths)
    assert "style=" not in svg


def test_line_2_without_a_shape_is_drawn_along_its_stops(feed):
    geo = network.network(feed.city, feed.start_date, feed.start_date).geometry  # type: ignore[union-attr]
    [route2] = [r for r in geo.routes if r.route_id == "2"]
    # trip 2-saturday calls at platform 2, Glavni trg and Primskovo: three points, straight
    stops = {"kolodvor-2": (46.2435, 14.3500), "glavni-trg": (46.2386, 14.3557),
             "primskovo": (46.2568, 14.3700)}
    expected = "M" + "L".join("{:.1f} {:.1f}".format(*geo.project(*stops[s]))
                              for s in ("kolodvor-2", "glavni-trg", "primskovo"))
    assert route2.paths == (expected,)
    # line 1 is drawn once along its shape s1 (7 points), not again along its return trip
    [route1] = [r for r in geo.routes if r.route_id == "1"]
    assert len(route1.paths) == 1 and route1.paths[0].count("L") == 6


def test_the_projection_keeps_distances_true_near_the_city(feed):
    geo = network.network(feed.city, feed.start_date, feed.start_date).geometry  # type: ignore[union-attr]
    # one kilometre north and one east of the station are the same length on the map
    north = geo.project(STATION[0] + 1000 / 111_195, STATION[1])
    east = geo.project(STATION[0], STATION[1] + 1000 / (111_195 * math.cos(math.radians(
        STATION[0]))))
    home = geo.project(*STATION)
    d_north = math.dist(home, north)
    d_east = math.dist(home, east)
    assert d_north == pytest.approx(d_east, rel=0.002)
    # and a point maps back where it came from (what the script does with a click)
    assert geo.unproject(*home) == pytest.approx(STATION, abs=1e-9)
    # and the drawing fits its 1,000 units with its margin
    xs = [p.x for p in geo.places]
    assert min(xs) >= network.PAD - 0.1 and max(xs) <= geo.width - network.PAD + 0.1


def test_platforms_fold_into_their_station_and_same_named_stops_far_apart_stay_apart():
    import pandas as pd

    stops = pd.DataFrame({
        "stop_id": ["st", "p1", "p2", "a", "b", "c"],
        "stop_name": ["Hub", "Hub 1", "Hub 2", "Centre", "Centre", "Centre"],
        "stop_lat": ["46.0", "46.0001", "46.0002", "46.01", "46.0101", "46.05"],
        "stop_lon": ["14.0", "14.0", "14.0", "14.0", "14.0", "14.0"],
        "location_type": ["1", "0", "0", "0", "0", "0"],
        "parent_station": ["", "st", "st", "", "", ""]}, dtype=str)
    stop_times = pd.DataFrame({"trip_id": ["t"] * 5, "stop_id": ["p1", "p2", "a", "b", "c"],
                               "stop_sequence": ["1", "2", "3", "4", "5"]}, dtype=str)
    geo = network.build_geometry({"stops": stops, "stop_times": stop_times})
    # the station stands for its platforms; the two "Centre" stops 11 m apart are one place;
    # the third, 4.4 km away, keeps the name with its id
    assert [(p.key, p.stop_ids) for p in geo.places] == [
        ("Centre (a)", ("a", "b")), ("Centre (c)", ("c",)), ("Hub", ("p1", "p2"))]


# -- both languages ----------------------------------------------------------------------------

def test_each_language_reads_as_one_language(feed):
    # given the Slovenian catalogue: every phrase of two words or more, in both languages
    catalogue = {k: v for k, v in read_po(LOCALE / "django.po").items()
                 if isinstance(k, str) and "\x04" not in k and "%" not in k and v != k}
    english = [k for k in catalogue if len(k.split()) >= 2]
    slovenian = [v for k, v in catalogue.items() if len(v.split()) >= 2]
    assert len(english) > 500 and "Find journeys" in english and "Poišči poti" not in english
    for query in ("", f"?{JOURNEY}", f"?{JOURNEY}&wheelchair=on", "?from=a&to=b&go=1"):
        sl = visible_text(get(query, "sl").content.decode())
        en = visible_text(get(query, "en").content.decode())
        # when the page is read in each, its answer and its errors included
        # then no English sentence is on the Slovenian page, and no Slovenian one on the
        # English page
        assert [t for t in english if t in sl] == [], query
        assert [t for t in slovenian if t in en] == [], query
        # and the page's own words are there in each
        assert "Načrtovalnik poti" in sl and "Journey planner" in en
