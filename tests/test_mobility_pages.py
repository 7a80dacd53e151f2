"""The transport pages of issue 20: the bus service of a date and the accessibility of the grid
(public), the loads from the card's taps (the city's staff). Every figure a page shows is the
service's (the API's JSON), formatted; who may see each page; the links to them."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client
from django.utils import translation

from journey_feeds import import_journey_feed
from test_mobility_loads import DAY as TAP_DAY
from test_mobility_loads import tapped  # noqa: F401  (a fixture)
from zerocity.core.models import Role
from zerocity.core.services import create_city, ensure_department, grant_role
from zerocity.mobility import load_reports, stats
from zerocity.mobility.access import compute
from zerocity.mobility.access import services as access
from zerocity.web.templatetags.zc import num, percent

pytestmark = pytest.mark.django_db
DAY = date(2026, 10, 20)  # a Tuesday in the kranj-mini feed's weekday service
ROLES = ("anonymous", "citizen", "other_staff", "staff")
PLACES = ("# SYNTHETIC: test places\nlat,lon,residents,jobs,schools,health\n"
          "46.2472,14.3612,300,10,1,0\n46.2568,14.3700,200,40,0,1\n"
          "46.2530,14.3808,500,5,1,0\n46.2389,14.3556,100,200,0,1\n")


def users(city):  # type: ignore[no-untyped-def]
    other = create_city("ljubljana", name="Ljubljana", country="SI", population=295000)
    return {
        "anonymous": None,
        "citizen": grant_role(city, "p-citizen", Role.CITIZEN).user,
        "other_staff": grant_role(other, "p-other", Role.STAFF,
                                  department=ensure_department(other, "t", "Transport")).user,
        "staff": grant_role(city, "p-staff", Role.STAFF,
                            department=ensure_department(city, "transport", "Transport")).user,
    }


def client_as(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def figures(html: str, table: str) -> dict[str, dict[str, str]]:
    """{row key: {figure: text}} of a table (or figures list) marked ``data-table``."""
    part = re.search(rf'data-table="{table}".*?</(?:table|dl)>', html, re.S)
    assert part is not None, table
    def cells(text: str) -> dict[str, str]:
        return dict(re.findall(r'data-figure="([a-z_0-9]+)">([^<]*)<', text))

    rows = re.split(r"<tr ", part.group(0))[1:]
    if not rows:  # a list of figures
        return {"": cells(part.group(0))}
    out = {}
    for row in rows:
        key = re.match(r'data-[a-z]+="([^"]*)"', row)
        if key:  # the head row has none
            out[key.group(1)] = cells(row)
    return out


SOURCES = {"stop_times.shape_dist_traveled": "distances in the stop times",
           "shapes": "the routes&#x27; shapes",
           "straight line between stops": "straight lines between stops"}


def dash_or(value, decimals=1) -> str:  # type: ignore[no-untyped-def]
    return "—" if value is None else num(value, decimals)


# -- the bus service ---------------------------------------------------------------------------

def test_the_service_page_shows_the_apis_figures_for_the_network_each_route_and_hour(city):
    # given the kranj-mini timetable
    import_journey_feed(city)
    version, result = stats.compute(city, DAY)
    want = stats.as_json(city, version, result)
    assert Client().get(f"/api/v1/cities/testville/mobility/stats?date={DAY}").json() == want
    # when the page is asked for the day, in English
    html = Client().get(f"/en/testville/mobility/service/?date={DAY}").content.decode()
    # then the network's figures are the service's
    with translation.override("en"):
        n = want["network"]
        assert figures(html, "network")[""] == {
            "routes": num(n["routes"]), "trips": num(n["trips"]), "stops": num(n["stops"]),
            "first_departure": n["first_departure"][:5], "last_arrival": n["last_arrival"][:5],
            "peak_vehicles": num(n["peak_vehicles"]),
            "service_hours": num(n["service_hours"], 1),
            "bus_km": dash_or(n["bus_km"]), "speed_kmh": dash_or(n["speed_kmh"])}
        # and each route's
        shown = figures(html, "routes")
        assert list(shown) == [r["route_id"] for r in want["routes"]] and len(shown) == 2
        for r in want["routes"]:
            got = shown[r["route_id"]]
            assert got == {
                "trips": num(r["trips"]), "first_departure": r["first_departure"][:5],
                "last_departure": r["last_departure"][:5],
                "peak_vehicles": num(r["peak_vehicles"]),
                "service_hours": num(r["service_hours"], 1), "bus_km": dash_or(r["bus_km"]),
                "speed_kmh": dash_or(r["speed_kmh"]),
                "distance_source": " + ".join(SOURCES[s] for s in
                                              r["distance_source"].split(" + "))}
        # and the headways of every period
        heads = re.findall(r'<tr data-route="([^"]+)">(.*?)</tr>',
                           html.split('data-table="headways"')[1].split("</table>")[0])
        assert len(heads) == 2
        for rid, row in heads:
            route = next(r for r in want["routes"] if r["route_id"] == rid)
            cells = dict(re.findall(r'<td data-period="([^"]+)">([^<]*)</td>', row))
            assert cells == {p: "—" if h["mean"] is None else
                             f"{num(h['min'], 1)} / {num(h['mean'], 1)} / {num(h['max'], 1)}"
                             for p, h in route["headways"].items()}
        # and the departures per hour add up to the day's trips, as the service counts them
        hours = stats.hourly(city, DAY)
        assert {int(k): v["departures"] for k, v in figures(html, "hours").items()} == {
            h.hour: num(h.departures) for h in hours}
        assert sum(h.departures for h in hours) == n["trips"]
    assert html.count('<svg class="chart"') == 1 and "Departures per hour" in html


def test_one_route_has_its_headways_by_hour_and_the_same_figures_as_the_api(city):
    import_journey_feed(city)
    version, result = stats.compute(city, DAY, route_id="1")
    want = stats.as_json(city, version, result)
    response = Client().get(f"/en/testville/mobility/service/?date={DAY}&route=1")
    html = response.content.decode()
    assert response.status_code == 200
    with translation.override("en"):
        assert figures(html, "network")[""]["trips"] == num(want["network"]["trips"])
        assert list(figures(html, "routes")) == ["1"]
        hours = stats.hourly(city, DAY, route_id="1")
        shown = figures(html, "hours")
        for h in hours:
            assert shown[str(h.hour)]["headway"] == (
                "—" if h.headway is None else f"{num(h.headway.min, 1)} / "
                f"{num(h.headway.mean, 1)} / {num(h.headway.max, 1)}")
    # by hand: 1-morning every 15 minutes from 06:00 to 06:45 and 1-0700 at 07:00 (both
    # outbound: the 06 hour's window takes 07:00 as well), 1-0730 back, 1-night at 23:50
    assert {h.hour: h.departures for h in hours if h.departures} == {6: 4, 7: 2, 23: 1}
    assert [h.hour for h in hours] == list(range(6, 24))
    assert {h.hour: (h.headway.min, h.headway.mean, h.headway.max) for h in hours
            if h.headway is not None} == {6: (15, 15, 15)}
    assert html.count('<svg class="chart"') == 2 and "Mean headway by hour" in html


def test_the_service_page_says_plainly_when_there_is_nothing_and_refuses_bad_input(city):
    assert Client().get("/en/testville/mobility/service/").status_code == 200
    import_journey_feed(city)
    none = Client().get("/en/testville/mobility/service/?date=2027-03-02")
    assert none.status_code == 200 and 'data-state="no-timetable"' in none.content.decode()
    assert "runs only until" in none.content.decode()
    for bad in ("date=2026-13-01", f"date={DAY}&route=99", "date=x"):
        assert Client().get(f"/en/testville/mobility/service/?{bad}").status_code == 400


def test_without_a_date_the_page_opens_on_the_next_day_with_buses():
    from zerocity.core.services import create_city as make

    city = make("busville", name="Busville", country="SI", population=1000)
    import_journey_feed(city)
    # kranj-mini runs on weekdays and Saturdays: a Sunday opens on the Monday after it
    assert stats.service_day(city, date(2026, 10, 18)) == date(2026, 10, 19)
    assert stats.service_day(city, DAY) == DAY
    assert stats.service_day(city, date(2030, 1, 1)) == date(2030, 1, 1)  # none: as asked


# -- the loads ---------------------------------------------------------------------------------

def test_the_loads_page_is_for_the_citys_staff_only(tapped):  # noqa: F811
    people = users(tapped)
    got = {role: client_as(people[role]).get(
        f"/en/testville/mobility/loads/?date={TAP_DAY}").status_code for role in ROLES}
    assert got == {"anonymous": 302, "citizen": 404, "other_staff": 404, "staff": 200}
    page = client_as(people["staff"]).get(f"/en/testville/mobility/loads/?date={TAP_DAY}")
    assert "no-store" in page["Cache-Control"]


def test_the_loads_page_shows_the_services_figures_and_the_busiest_runs_profile(
        tapped):  # noqa: F811
    staff = users(tapped)["staff"]
    want = load_reports.to_json(load_reports.city_loads(tapped, TAP_DAY))
    html = client_as(staff).get(f"/en/testville/mobility/loads/?date={TAP_DAY}") \
        .content.decode()
    with translation.override("en"):
        assert figures(html, "match")[""] == {
            "taps": num(want["taps"]), "matched": num(want["matched"]),
            "match_rate": percent(want["match_rate"], 1), "capacity": num(want["capacity"])}
        assert {k: v["taps"] for k, v in figures(html, "unmatched").items()} == {
            k: num(v) for k, v in want["unmatched"].items()} == {"no_route": "1"}
        for r in want["routes"]:
            assert figures(html, "routes")[r["route_id"]] == {
                "runs": num(r["runs"]), "trips_with_taps": num(r["trips_with_taps"]),
                "boardings": num(r["boardings"], 1), "max_load": num(r["max_load"], 1),
                "over_capacity": num(r["over_capacity"]),
                "peak_by_period": "; ".join(f"{p}: {num(v, 1)}"
                                            for p, v in r["peak_by_period"].items())}
        # the profile is of the route's run with the highest maximum load
        busiest = max((t for t in want["trips"] if t["route_id"] == "L"),
                      key=lambda t: t["max_load"])
        shown = figures(html, "segments")
        assert shown == {str(s["position"]): {"boardings": num(s["boardings"], 1),
                                              "alightings": num(s["alightings"], 1),
                                              "load": num(s["load"], 1)}
                         for s in busiest["segments"]}
    # the chart: a column per segment between stops, the peak marked, capacity 80
    assert html.count("<rect") - html.count("<rect x=\"64\" y=\"6\"") >= 4
    assert 'data-capacity="80"' in html and html.count("data-peak") >= 2
    assert "r1" not in re.sub(r"<[^>]+>", "", html)  # no rider's pseudonym or card


def test_the_loads_page_refuses_a_long_range_and_says_when_no_timetable(tapped):  # noqa: F811
    staff = client_as(users(tapped)["staff"])
    url = f"/en/testville/mobility/loads/?date={TAP_DAY}"
    assert staff.get(url + "&to=2026-05-13").status_code == 400
    assert staff.get(url + "&to=2026-05-05").status_code == 400
    far = staff.get("/en/testville/mobility/loads/?date=2025-01-01")
    assert far.status_code == 200 and 'data-state="no-timetable"' in far.content.decode()


def test_the_timetable_page_links_to_the_loads_and_the_city_menu_to_the_public_pages(city):
    staff = client_as(users(city)["staff"])
    html = staff.get("/en/testville/mobility/feeds/").content.decode()
    assert 'href="/en/testville/mobility/loads/"' in html
    home = Client().get("/en/testville/mobility/").content.decode()
    assert 'href="/en/testville/mobility/service/"' in home
    assert 'href="/en/testville/mobility/accessibility/"' in home


# -- accessibility -----------------------------------------------------------------------------

def stored_result(city):  # type: ignore[no-untyped-def]
    """A small result: the kranj-mini timetable, four places, 500 m cells, one hour."""
    from datetime import time

    import_journey_feed(city)
    access.import_opportunities(city, PLACES.encode(), filename="places.csv", actor="test")
    settings = compute.Settings(start=time(7, 0), end=time(8, 0), cell_m=500.0)
    return access.compute_accessibility(city, DAY, settings, actor="test").value


def test_the_accessibility_page_says_when_nothing_is_computed_then_shows_the_stored_result(
        city):
    # given no result: the page says so and what computes one
    empty = Client().get("/en/testville/mobility/accessibility/")
    assert empty.status_code == 200
    assert 'data-state="no-result"' in empty.content.decode()
    assert "zerocity mobility access" in empty.content.decode()
    # when a result is stored
    stored_result(city)
    want = access.to_json(access.latest_result(city))
    assert Client().get("/api/v1/cities/testville/mobility/access").json() == want
    html = Client().get("/en/testville/mobility/accessibility/").content.decode()
    # then the summary is the service's, every kind and limit, every percentile
    assert 'data-state="synthetic"' in html
    rows = re.findall(r'<tr data-kind="([a-z]+)" data-limit="(\d+)">(.*?)</tr>', html)
    assert len(rows) == 8
    with translation.override("en"):
        for kind, limit, row in rows:
            shown = dict(re.findall(r'data-figure="(p\d+)">([^<]*)<', row))
            assert shown == {f"p{p}": num(want["summary"]["access"][kind][limit][f"p{p}"], 1)
                             for p in want["percentiles"]}
        totals = dict(re.findall(r'<tr data-kind="([a-z]+)" data-limit="30">.*?'
                                 r'data-figure="total">([^<]*)<', html))
        assert totals == {k: num(v) for k, v in want["opportunities"]["totals"].items()}
        # the map: a square per cell, coloured by its median share of jobs within 30 min
        cells = want["cells"]
        assert html.count("<rect") == len(cells) + 1 + 5  # the frame, the legend's keys
        classes = figures(html, "classes")
        total = want["opportunities"]["totals"]["jobs"]
        counts = [0] * 5
        for c in cells:
            counts[min(int(c["access"]["jobs"]["30"]["p50"] / total * 5), 4)] += 1
        assert [int(classes[str(i)]["cells"]) for i in range(5)] == counts
        assert sum(counts) == want["summary"]["cells"]


def test_the_accessibility_page_offers_the_result_kinds_and_limits_and_refuses_others(city):
    stored_result(city)
    ok = Client().get("/en/testville/mobility/accessibility/?kind=residents&limit=45")
    assert ok.status_code == 200
    assert "Share of residents reachable within 45 minutes" in ok.content.decode()
    for bad in ("kind=cats", "limit=60", "limit=x"):
        assert Client().get(f"/en/testville/mobility/accessibility/?{bad}").status_code == 400


def test_the_pages_read_in_slovenian_without_english_and_without_raw_codes(
        tapped):  # noqa: F811
    # given line L with its taps and a small accessibility result on it
    from datetime import time

    from page_words import raw_codes, visible_text
    from test_web import LOCALE, read_po
    from zerocity.mobility.access.compute import Settings

    access.import_opportunities(tapped, PLACES.encode(), filename="places.csv", actor="test")
    access.compute_accessibility(tapped, TAP_DAY, Settings(start=time(7, 0), end=time(7, 30),
                                                           cell_m=500.0), actor="test")
    staff = client_as(users(tapped)["staff"])
    catalogue = {k: v for k, v in read_po(LOCALE / "django.po").items()
                 if isinstance(k, str) and "\x04" not in k and "%" not in k and v != k}
    english = [k for k in catalogue if len(k.split()) >= 2]
    for path in (f"service/?date={TAP_DAY}&route=L", f"loads/?date={TAP_DAY}",
                 "accessibility/?kind=schools&limit=45"):
        # when each page is read in Slovenian and in English
        sl = staff.get(f"/sl/testville/mobility/{path}")
        en = staff.get(f"/en/testville/mobility/{path}")
        assert (sl.status_code, en.status_code) == (200, 200), path
        # then no English sentence is on the Slovenian page, and no field name or code
        text = visible_text(sl.content.decode())
        assert [t for t in english if t in text] == [], path
        assert raw_codes(sl.content.decode()) == [] == raw_codes(en.content.decode()), path


def test_the_service_and_accessibility_pages_are_public_for_every_role(city):
    import_journey_feed(city)
    people = users(city)
    got = {role: tuple(client_as(people[role]).get(f"/en/testville/mobility/{page}").status_code
                       for page in (f"service/?date={DAY}", "accessibility/"))
           for role in ROLES}
    assert got == {role: (200, 200) for role in ROLES}
    assert "no-store" not in Client().get("/en/testville/mobility/accessibility/") \
        .get("Cache-Control", "")
