"""The transport office's planning pages (issue 20): timetable scenarios with their comparison
and their attachment to a plan action, the fleet and its blocks, and the frequency optimiser.
Who may see them, and every figure they show equal to the service's own answer."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import translation

import zerocity
from clients import client_for
from zerocity.core.models import Role
from zerocity.core.services import create_city, ensure_department, grant_role
from zerocity.mobility.models import Scenario
from zerocity.web.templatetags import zc

pytestmark = pytest.mark.django_db

DAY = date(2026, 12, 8)  # a school day of the Kranj demo's timetable
DOUBLE_LINE_1 = [{"type": "adjust_frequency", "route_id": "1", "start": "00:00:00",
                  "end": "30:00:00", "factor": 2}]
LOADS = Path(zerocity.__file__).parent / "demo" / "data" / "kranj_peak_loads.csv"


@pytest.fixture(autouse=True)
def _fresh_cache():  # type: ignore[no-untyped-def]
    cache.clear()  # a comparison cached by an earlier test's scenario of the same number
    yield
    cache.clear()


def _people(kranj):  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    other = create_city("ljubljana", name="Ljubljana", country="SI", population=295000)
    return {"anonymous": None, "citizen": users.get(username="citizen"),
            "other_staff": grant_role(other, "lj-staff", Role.STAFF, department=ensure_department(
                other, "transport", "Transport")).user,
            "staff": users.get(username="ana.staff")}


def _scenario(kranj):  # type: ignore[no-untyped-def]
    from zerocity.mobility.scenarios.services import create_scenario
    from zerocity.mobility.selectors import version_in_force

    return create_scenario(kranj, name="Line 1 twice as often", edits=DOUBLE_LINE_1,
                           base=version_in_force(kranj, DAY), today=date(2026, 12, 6)
                           ).value.scenario


def table(page: str, name: str) -> list[list[str]]:
    """The rows of the page's table ``data-table=name``, each cell's text."""
    found = re.search(rf'<table[^>]*data-table="{name}">(.*?)</table>', page, re.S)
    assert found, name
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows[1:]  # without the head


def figure(page: str, name: str) -> str:
    found = re.search(rf'data-figure="{re.escape(name)}">(.*?)</(?:span|dd|p|td)>', page, re.S)
    assert found, name
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def n(value: object, decimals: int = 0) -> str:
    """A figure as the page writes it in English (the ``zc`` filters, tested on their own)."""
    with translation.override("en"):
        return zc.num(value, decimals)


def money(value: object) -> str:
    with translation.override("en"):
        return zc.money(value)


# -- who may see them -----------------------------------------------------------------------------

def test_the_planning_pages_are_for_the_citys_staff_only(kranj):
    # given a scenario and the demo's people, with a member of another city's staff
    s = _scenario(kranj)
    people = _people(kranj)
    pages = ["scenarios/", f"scenarios/{s.pk}/", f"fleet/?date={DAY}", "optimise/"]
    seen = {role: [client_for(u).get(f"/en/kranj/mobility/{p}").status_code for p in pages]
            for role, u in people.items()}
    # then the city's staff see each page; anyone else is sent to log in or told nothing is
    # there
    assert seen == {"anonymous": [302] * 4, "citizen": [404] * 4, "other_staff": [404] * 4,
                    "staff": [200] * 4}
    # and only the city's staff may create a scenario or attach one to an action
    posts = {role: (client_for(u).post("/en/kranj/mobility/scenarios/", {
        "name": "x", "base": s.base_id, "edits": "[]"}).status_code,
        client_for(u).post(f"/en/kranj/mobility/scenarios/{s.pk}/attach/",
                        {"action": "MT-COMMUTE"}).status_code)
        for role, u in people.items() if role != "staff"}
    saves = {role: client_for(u).post("/en/kranj/mobility/optimise/save/", {
        "date": DAY.isoformat(), "loads": LOADS.read_text(encoding="utf-8"), "fleet": 25,
        "name": "x"}).status_code for role, u in people.items() if role != "staff"}
    assert posts == {"anonymous": (302, 302), "citizen": (404, 404),
                     "other_staff": (404, 404)}
    assert saves == {"anonymous": 302, "citizen": 404, "other_staff": 404}
    assert Scenario.objects.count() == 1
    # and the staff's timetable page links to the three
    feeds = client_for(people["staff"]).get("/en/kranj/mobility/feeds/").content.decode()
    for name in ("scenarios", "fleet", "optimise"):
        assert f'href="/en/kranj/mobility/{name}/"' in feeds


# -- the fleet and the optimiser ------------------------------------------------------------------

def test_the_fleet_and_optimiser_pages_show_the_services_answers(kranj):
    from zerocity.mobility import optimise as opt
    from zerocity.mobility.fleet_feed import city_fleet, parameters
    from zerocity.mobility.frequency_feed import read_loads

    staff = client_for(_people(kranj)["staff"])
    # when the fleet of a school day is asked with a 7-minute layover and no deadhead
    page = staff.get(f"/en/kranj/mobility/fleet/?date={DAY}&min_layover=7&no_deadhead=on")
    assert page.status_code == 200
    html_ = page.content.decode()
    out = city_fleet(kranj, DAY, parameters(min_layover_min=7, no_deadhead=True))
    # then every figure is the scheduler's
    assert [figure(html_, k) for k in ("vehicles", "lower-bound", "trips", "deadhead-km")] == [
        n(out["vehicles"]), n(out["lower_bound"]), n(out["trips"]), n(out["deadhead_km"], 1)]
    assert table(html_, "routes") == [
        [r["route_id"], n(r["trips"]), n(r["bus_km"], 1), n(r["service_hours"], 2)]
        for r in out["routes"]]
    blocks = table(html_, "blocks")
    assert [b[:5] for b in blocks] == [
        [str(b["vehicle"]), f"{b['start'][:5]}–{b['end'][:5]}", n(len(b["trips"])),
         n(b["service_km"], 1), n(b["deadhead_km"], 1)] for b in out["blocks"]]
    assert len(blocks) == out["vehicles"] > 0
    # and a date without a timetable is said beside the form
    none = staff.get("/en/kranj/mobility/fleet/?date=2020-01-01")
    assert none.status_code == 400
    assert "Kranj has no timetable for 2020-01-01." in none.content.decode()

    # when the optimiser is given the demo's peak loads and 25 buses
    csv = LOADS.read_text(encoding="utf-8")
    page = staff.get("/en/kranj/mobility/optimise/", {"date": DAY.isoformat(), "fleet": 25,
                                                       "loads": csv})
    assert page.status_code == 200, re.findall(r"banner-error.*?</div>", page.content.decode(), re.S)
    html_ = page.content.decode()
    done = opt.optimise_frequencies(kranj, DAY, read_loads(csv.splitlines()), fleet=25)
    periods = [p.name for p in done.plan.instance.periods]
    # then each line and period shows today's headway, the plan's, the buses and the load
    expected: dict[str, list[str]] = {}
    for c in done.plan.choices:
        expected.setdefault(c.line_name, ["—"] * len(periods))[periods.index(c.period.name)] = (
            f"{n(c.current_min, 1) if c.current_min is not None else '—'} → "
            f"{n(c.headway_min, 1)}{c.vehicles} bus{'es' if c.vehicles != 1 else ''}, "
            f"{n(c.load)}/h")
    shown = table(html_, "headways")
    assert [[r[0], *(re.sub(r"\s+", " ", x) for x in r[1:])] for r in shown[:-1]] == [
        [name, *cells] for name, cells in expected.items()]
    # and the buses used against those available, per period
    assert shown[-1] == ["Buses used / available", *(
        f"{n(done.plan.fleet.get(p, 0))} / {n(done.plan.instance.fleet[p])}" for p in periods)]
    # and the cost of today and of the plan, and the independent check's verdict
    cur, new = done.plan.current, done.plan.split
    assert table(html_, "cost") == [
        ["Bus-hours", n(cur.bus_hours, 2), n(new.bus_hours, 2)],
        ["Bus-km", n(cur.bus_km, 1), n(new.bus_km, 1)],
        ["Riders' waiting hours", n(cur.waiting_hours, 1), n(new.waiting_hours, 1)],
        ["Operating cost", money(cur.operating_eur), money(new.operating_eur)],
        ["Value of waiting time", money(cur.waiting_eur), money(new.waiting_eur)],
        ["Total", money(cur.total_eur), money(new.total_eur)]]
    assert done.check.ok and figure(html_, "check") == "The independent check passed."
    # and the answer can be saved as a scenario: the same options posted with a name
    assert 'data-form="save-as-scenario"' in html_
    options = {"date": DAY.isoformat(), "fleet": 25, "loads": csv}
    saved = staff.post("/en/kranj/mobility/optimise/save/", {**options, "name": "MILP"})
    scenario = Scenario.objects.get(city=kranj, name="MILP")
    # then it leads to the scenario's page, which holds the plan's edits on the same timetable
    assert saved.status_code == 302
    assert saved["Location"] == f"/en/kranj/mobility/scenarios/{scenario.pk}/"
    assert scenario.versions.get().edits == done.plan.edits()
    assert scenario.base_id == done.version.pk
    # and saving it again changes nothing
    again = staff.post("/en/kranj/mobility/optimise/save/", {**options, "name": "MILP"},
                       follow=True)
    assert "saved before: nothing changed" in again.content.decode()
    assert Scenario.objects.filter(city=kranj).count() == 1
    # and a save without a name is refused on the optimiser's page, nothing saved
    nameless = staff.post("/en/kranj/mobility/optimise/save/", options)
    assert nameless.status_code == 400 and Scenario.objects.filter(city=kranj).count() == 1
    # and too few buses for the loads is refused naming the rule, the form kept
    few = staff.get("/en/kranj/mobility/optimise/", {"date": DAY.isoformat(), "fleet": 1,
                                                      "loads": csv})
    assert few.status_code == 400
    assert "even at the longest headways that carry their loads" in few.content.decode()
    # and a loads line that is not a number is refused with its line
    bad = staff.get("/en/kranj/mobility/optimise/", {
        "date": DAY.isoformat(), "loads": "route_id,period,peak_load\n1,07-09,many"})
    assert bad.status_code == 400
    assert "CSV line 2: peak_load &#x27;many&#x27; is not a number" in bad.content.decode()


# -- scenarios ------------------------------------------------------------------------------------

def test_a_scenario_is_made_compared_figure_for_figure_and_attached_to_an_action(kranj):
    from zerocity.mobility.scenarios.compare import to_json
    from zerocity.mobility.scenarios.worth import compare_scenario
    from zerocity.mobility.selectors import version_in_force
    from zerocity.plan.models import Action, Plan

    staff = client_for(_people(kranj)["staff"])
    base = version_in_force(kranj, DAY)
    # when edits naming a line and an edit type the feed does not have are sent
    refused = staff.post("/en/kranj/mobility/scenarios/", {
        "name": "Wrong", "base": base.pk, "edits": json.dumps(
            [{"type": "adjust_frequency", "route_id": "99", "start": "00:00:00",
              "end": "30:00:00", "factor": 2}])})
    # then the form comes back with the problem, its edit and field, and nothing is saved
    assert refused.status_code == 400
    page = refused.content.decode()
    assert table(page, "problems") == [["1", "edits[0].route_id",
                                        "the feed has no route \"99\"."]]
    assert Scenario.objects.count() == 0
    # and text that is not JSON is refused with its line and column
    not_json = staff.post("/en/kranj/mobility/scenarios/", {
        "name": "Wrong", "base": base.pk, "edits": "[{"})
    assert not_json.status_code == 400
    assert "This is not JSON: Expecting property name enclosed in double quotes at line 1, " \
        "column 3." in not_json.content.decode()

    # when line 1 twice as often is sent
    made = staff.post("/en/kranj/mobility/scenarios/", {
        "name": "Line 1 twice as often", "base": base.pk, "edits": json.dumps(DOUBLE_LINE_1)})
    s = Scenario.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/en/kranj/mobility/scenarios/{s.pk}/"
    # then the list shows it: its base, one version of one edit, a draft
    listed = table(staff.get("/en/kranj/mobility/scenarios/").content.decode(), "scenarios")
    assert listed == [[str(s.pk), "Line 1 twice as often", f"#{base.pk} {base.name}", "1", "1",
                       "draft"]]

    # when its page is asked with 42 % battery buses and a million boardings a year
    page = staff.get(f"/en/kranj/mobility/scenarios/{s.pk}/?battery_share=0.42"
                     "&boardings=1000000").content.decode()
    _v, c = compare_scenario(s, battery_share=Decimal("0.42"),
                             boardings_per_year=Decimal(1_000_000))
    f = to_json(c)
    b, sc = f["base"], f["scenario"]
    eb, es = f["energy"]["base"], f["energy"]["scenario"]

    def row(label, x, y, d=0):  # type: ignore[no-untyped-def]
        return [label, n(x, d), n(y, d), n(Decimal(str(y)) - Decimal(str(x)), d)]

    # then each figure of the comparison is compare_scenario's
    assert table(page, "comparison") == [
        row("Service days", b["service_days"], sc["service_days"]),
        row("Trips", b["trips"], sc["trips"]),
        row("Bus-km", b["bus_km"], sc["bus_km"], 1),
        row("Bus-hours", b["bus_hours"], sc["bus_hours"], 1),
        row("Most buses under way at once", b["peak_vehicles"], sc["peak_vehicles"]),
        row("Fewest buses on the typical day", b["fleet"], sc["fleet"]),
        ["Operating cost", money(f["cost"]["base"]), money(f["cost"]["scenario"]),
         money(f["cost"]["change"])],
        row("Diesel, MWh", eb["diesel_mwh"], es["diesel_mwh"], 1),
        row("Electricity at the charger, MWh", eb["electricity_mwh"], es["electricity_mwh"], 1),
        row("t CO₂, GPC II.1.1 (diesel)", eb["t_co2"]["II.1.1"], es["t_co2"]["II.1.1"], 1),
        row("t CO₂, GPC II.1.2 (electricity)", eb["t_co2"]["II.1.2"], es["t_co2"]["II.1.2"], 1)]
    assert sc["fleet"] > b["fleet"] and Decimal(es["t_co2"]["II.1.2"]) > 0
    # and without asking, the page does not compute accessibility (it takes seconds)
    assert 'data-table="access"' not in page
    # when accessibility is asked too
    with_access = staff.get(f"/en/kranj/mobility/scenarios/{s.pk}/?battery_share=0.42"
                            "&boardings=1000000&accessibility=on").content.decode()
    from zerocity.mobility.scenarios.access_change import access_change

    a = access_change(s, s.versions.get(), date.fromisoformat(b["typical_day"]))
    # then each kind and limit shows the median reached on both timetables and the change
    assert table(with_access, "access") == [
        [name, limit, n(a.base[kind][limit]["p50"], 1), n(a.scenario[kind][limit]["p50"], 1),
         n(a.change(kind, limit), 1)]
        for kind, name in (("residents", "residents"), ("jobs", "jobs"),
                           ("schools", "schools"), ("health", "health centres"))
        for limit in ("30", "45")]
    assert "The opportunities are synthetic demo data." in with_access
    # and asked again, the page shows the same comparison, from the cache
    assert table(staff.get(f"/en/kranj/mobility/scenarios/{s.pk}/?battery_share=0.42"
                           "&boardings=1000000").content.decode(), "comparison") \
        == table(page, "comparison")
    r, car = f["ridership"], f["car"]
    assert {k: figure(page, k) for k in (
        "service-change", "short-run", "long-run", "ridership-source", "boardings",
        "boardings-source", "new-short", "new-long", "car-km-short", "car-km-long",
        "car-co2-short", "car-co2-long")} == {
        "service-change": f"{n(f['change']['bus_km_percent'], 1)} %",
        "short-run": f"{n(r['short_run_percent'], 1)} %",
        "long-run": f"{n(r['long_run_percent'], 1)} %",
        "ridership-source": r["source"], "boardings": n(r["boardings_per_year"]),
        "boardings-source": f"({r['boardings_source']})",
        "new-short": n(r["new_boardings_per_year"][0]),
        "new-long": n(r["new_boardings_per_year"][1]),
        "car-km-short": n(car["km_avoided_per_year"][0]),
        "car-km-long": n(car["km_avoided_per_year"][1]),
        "car-co2-short": n(car["t_co2_avoided_per_year"][0], 1),
        "car-co2-long": n(car["t_co2_avoided_per_year"][1], 1)}
    assert r["boardings_source"] == "given by the city"
    # and the demo has no riders' taps: no pairs of stops to show
    assert f["od"]["pairs"] == [] and 'data-table="od"' not in page
    # and its edits and its one version are listed
    assert "adjust_frequency" in page and len(table(page, "versions")) == 1

    # when it is attached to an action modelled from its declared tonnes
    plan = Plan.objects.get(city=kranj)
    before = list(Action.objects.get(plan=plan, code="MT-COMMUTE").effects)
    url = f"/en/kranj/mobility/scenarios/{s.pk}/"
    refused = staff.post(f"{url}attach/", {"action": "MT-COMMUTE", "next": url}, follow=True)
    # then it is refused with the reason, and the action is as it was
    assert "Action MT-COMMUTE is modelled from its declared reductions" \
        in refused.content.decode()
    assert Action.objects.get(plan=plan, code="MT-COMMUTE").effects == before
    # when it is attached to an action of its own, with the options of the page
    Action.objects.create(plan=plan, code="UP-1", name="Line 1 twice as often",
                          field=plan.actions.get(code="MT-COMMUTE").field, start_year=2027,
                          end_year=2027)
    form = {"action": "UP-1", "battery_share": "0.42", "boardings": "1000000"}
    done = staff.post(f"{url}attach/", form, follow=True)
    # then the action carries the scenario's three effects, as the command line sets them
    effects = Action.objects.get(plan=plan, code="UP-1").effects
    assert effects == c.effects(start_year=c.first.year, full_year=c.first.year,
                                label=f"#{s.pk} v1 Line 1 twice as often")
    assert "Action UP-1 now carries the scenario&#x27;s effects (3 effects in all)." \
        in done.content.decode()
    # and the same again changes nothing
    again = staff.post(f"{url}attach/", form, follow=True)
    assert "Action UP-1 carries these effects already: nothing changed." \
        in again.content.decode()
