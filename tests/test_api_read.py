"""The read API of what a city publishes: the plan (summary, actions, indicators, the A-2.1
gap table, the explorer's scenarios), the food outcomes and participation. Each answer is
checked against the Kranj demo's published figures and against what the public pages show;
lists page and filter; drafts, withdrawn proposals and people's names never appear."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, get_args

import pytest
from click.testing import CliRunner
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from test_plan_gap import COLUMNS, KRANJ_A21, KRANJ_TOTAL
from zerocity.api.app import api

pytestmark = pytest.mark.django_db
BASE = "/api/v1/cities/kranj"
PROCESS = "zeleni-kranj-2030"
KRANJ_CODES = ["1.1", "1.2", "1.3", "1.4", "BE-ALL", "EP-COOP", "EP-LIGHT", "GI-ALL",
               "MT-CARS", "MT-COMMUTE", "MT-REST", "WC-ALL"]
READ_OPERATIONS = [
    "/api/v1/cities/{slug}/plan", "/api/v1/cities/{slug}/plan/actions",
    "/api/v1/cities/{slug}/plan/actions/{code}", "/api/v1/cities/{slug}/plan/indicators",
    "/api/v1/cities/{slug}/plan/gap", "/api/v1/cities/{slug}/plan/scenarios",
    "/api/v1/cities/{slug}/food/outcomes", "/api/v1/cities/{slug}/processes",
    "/api/v1/cities/{slug}/processes/{process_slug}/proposals",
]


def get(url: str, client: Client | None = None, language: str = "en") -> Any:
    # the API answers in the reader's language (Accept-Language; ?lang= wins)
    response = (client or Client()).get(url, headers={"accept-language": language})
    assert response.status_code == 200, response.content
    return response.json()


def problem(url: str, status: int) -> dict[str, Any]:
    response = Client().get(url)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def codes(page: dict[str, Any]) -> list[str]:
    return [a["code"] for a in page["items"]]


def overview(city: Any) -> list[dict[str, Any]]:
    """The actions as the public plan pages compute them today."""
    from zerocity.plan.selectors import action_overview

    return action_overview(city.plan, today=city.calendar.today())


# -- the plan ----------------------------------------------------------------------------------

def test_the_plan_at_a_glance_is_the_public_overview(kranj):
    data = get(f"{BASE}/plan")
    assert data["title"] == "Kranj 2030 Climate Neutrality Action Plan"
    assert (data["target_year"], data["reduction_target"]) == (2030, "0.800")
    assert (data["baseline"]["year"], data["baseline"]["gwp"]) == (2018, "AR5")
    assert data["baseline"]["tco2e"] == pytest.approx(KRANJ_TOTAL[0], abs=1)  # 238,832
    assert data["residual_tco2e"] == pytest.approx(KRANJ_TOTAL[5], abs=1)  # 47,766
    assert [(f["slug"], f["actions"]) for f in data["fields_of_action"]] == [
        ("energy-systems", 6), ("mobility-transport", 3), ("built-environment", 1),
        ("waste-circular-economy", 1), ("green-infrastructure", 1)]
    assert data["actions"] == 12 and sum(data["status_counts"].values()) == 12
    page = Client().get("/en/kranj/plan/").content.decode()
    shown = {s: int(n) for s, n in re.findall(r'data-count="(\w+)">(\d+)<', page)}
    assert data["status_counts"] == shown


def test_actions_carry_status_department_reductions_and_costs(kranj):
    data = get(f"{BASE}/plan/actions")
    assert data["count"] == 12 and codes(data) == KRANJ_CODES
    statuses = {a["code"]: a["status"] for a in overview(kranj)}
    assert {a["code"]: a["status"] for a in data["items"]} == statuses
    first = data["items"][0]
    assert first["title"] == "Phase out fossil fuels in district heating and cooling"
    assert first["field"] == {"slug": "energy-systems", "name": "Energy systems"}
    assert first["department"] == {"slug": "energy", "name": "Energy and utilities"}
    assert (first["start_year"], first["end_year"]) == (2023, 2030)
    assert first["reductions"] == {"tco2e_per_year": 14_342, "year": 2030,
                                   "by_sector": {"energy_systems": 14_342}}
    costs = first["costs"]
    # C-3.1: EUR 21,827,000 / 14,342 t = 1,522 EUR/t (research note §9.6, test_plan_gap)
    assert (costs["total_eur"], costs["scheduled_eur"], costs["cost_per_tonne_eur"]) == (
        "21827000.00", "21827000.00", "1522")
    assert costs["by_year"][0] == {"year": 2023, "capex_eur": "2728375.00", "opex_eur": "0.00"}
    assert [y["year"] for y in costs["by_year"]] == list(range(2023, 2031))
    assert costs["by_funding_source"] == [
        {"source": "Domplan d.d. (concession)", "eur": "13096200.00"},
        {"source": "EU Cohesion Fund", "eur": "8730800.00"}]
    no_costs = next(a for a in data["items"] if a["code"] == "EP-LIGHT")["costs"]
    assert no_costs == {"total_eur": None, "scheduled_eur": None, "cost_per_tonne_eur": None,
                        "by_year": [], "by_funding_source": []}
    # the portfolio of table A-2.1 is the actions' reductions added up
    assert sum(a["reductions"]["tco2e_per_year"] for a in data["items"]) == \
        pytest.approx(KRANJ_TOTAL[4], abs=1)


def test_actions_page_with_limit_and_offset(kranj):
    page = get(f"{BASE}/plan/actions?limit=5&offset=10")
    assert page["count"] == 12 and codes(page) == KRANJ_CODES[10:]
    assert codes(get(f"{BASE}/plan/actions?limit=3&offset=3")) == KRANJ_CODES[3:6]
    assert get(f"{BASE}/plan/actions?offset=20") == {"items": [], "count": 12}
    for bad, where in (("limit=0", "limit"), ("limit=501", "limit"), ("offset=-1", "offset"),
                       ("limit=many", "limit")):
        body = problem(f"{BASE}/plan/actions?{bad}", 400)
        assert body["errors"][0]["loc"][-1] == where


def test_actions_filter_by_field_department_and_status(kranj):
    mobility = get(f"{BASE}/plan/actions?field=mobility-transport")
    assert (mobility["count"], codes(mobility)) == (3, ["MT-CARS", "MT-COMMUTE", "MT-REST"])
    energy = get(f"{BASE}/plan/actions?department=energy&limit=2")
    assert (energy["count"], codes(energy)) == (6, ["1.1", "1.2"])
    both = get(f"{BASE}/plan/actions?department=energy&field=mobility-transport")
    assert both == {"items": [], "count": 0}
    rows = overview(kranj)
    for status in ("not_started", "on_time", "late", "completed", "cancelled"):
        found = get(f"{BASE}/plan/actions?status={status}")
        assert codes(found) == [a["code"] for a in rows if a["status"] == status], status
    assert get(f"{BASE}/plan/actions?field=nowhere")["count"] == 0
    body = problem(f"{BASE}/plan/actions?status=finished", 400)
    assert body["errors"][0]["loc"] == ["query", "status"]


def test_an_action_in_full_and_unknown_ones(kranj):
    data = get(f"{BASE}/plan/actions/1.1")
    assert data["code"] == "1.1" and data["status"] == {
        a["code"]: a["status"] for a in overview(kranj)}["1.1"]
    assert data["lever"] == {"slug": "technology-infrastructure",
                             "name": "Technology & infrastructure"}
    assert (data["responsible_body"], data["energy_generated_mwh"]) == ("Domplan d.d.", 60_100)
    assert data["milestones"][0] == {"name": "Biomass boiler Planina in operation",
                                     "due": "2025-10-01", "done": "2025-11-20"}
    assert [m["name"] for m in data["milestones"]] == [
        "Biomass boiler Planina in operation", "Heat pumps in Planina",
        "Zlato polje district heating and cooling (2 MW)"]
    assert [i["code"] for i in data["indicators"]] == ["OI 1.1"]
    assert [c["organisation"] for c in data["commitments"]] == ["Domplan d.d."]
    assert data["costs"]["cost_per_tonne_eur"] == "1522"
    assert data["status_overridden"] is False and data["override_reason"] == ""
    listed = get(f"{BASE}/plan/actions?limit=1")["items"][0]
    assert {k: data[k] for k in listed} == listed  # the list item is part of the whole
    assert "Načrt mesta Kranj nima ukrepa X.9." in problem(f"{BASE}/plan/actions/X.9", 404)["detail"]
    problem("/api/v1/cities/atlantis/plan/actions/1.1", 404)


def test_indicators_with_targets_observations_and_filters(kranj):
    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role
    from zerocity.plan import services
    from zerocity.plan.models import Indicator

    clerk = grant_role(kranj, "mojca.observer", Role.STAFF,
                       department=ensure_department(kranj, "energy", "Energy")).user
    services.record_observation(Indicator.objects.get(code="OI 1.2"), 2024, 21_500.0,
                                source="Borzen, annual report 2024", by=clerk)
    data = get(f"{BASE}/plan/indicators")
    assert data["count"] == 5
    assert [i["code"] for i in data["items"]] == ["II 1.2", "OI 0.1", "OI 1.1", "OI 1.2",
                                                  "OI 1.3"]
    headline = next(i for i in data["items"] if i["code"] == "OI 0.1")
    assert (headline["unit"], headline["kind"]) == ("%", "OI")
    assert headline["baseline"] == {"year": 2018, "value": 0}
    assert headline["targets"] == [{"year": 2025, "value": 20}, {"year": 2027, "value": 40},
                                   {"year": 2030, "value": 80}]
    green = next(i for i in data["items"] if i["code"] == "OI 1.2")
    assert green["observations"] == [{"year": 2024, "value": 21_500.0,
                                      "source": "Borzen, annual report 2024"}]
    assert (green["latest_year"], green["latest_value"], green["actions"]) == (
        2024, 21_500.0, ["1.3", "1.4"])
    assert "mojca.observer" not in json.dumps(data)  # who entered it stays out
    of_action = get(f"{BASE}/plan/indicators?action=1.3")
    assert [i["code"] for i in of_action["items"]] == ["OI 1.2"]
    assert get(f"{BASE}/plan/indicators?action=Z.9") == {"items": [], "count": 0}
    impact = get(f"{BASE}/plan/indicators?kind=II")
    assert [i["code"] for i in impact["items"]] == ["II 1.2"]
    assert get(f"{BASE}/plan/indicators?kind=oi")["count"] == 4
    page = get(f"{BASE}/plan/indicators?kind=OI&limit=2&offset=1")
    assert page["count"] == 4 and [i["code"] for i in page["items"]] == ["OI 1.1", "OI 1.2"]


def test_the_gap_table_reproduces_kranj_a21_and_the_command(kranj):
    from zerocity.cli import main

    data = get(f"{BASE}/plan/gap")
    assert (data["baseline_year"], data["target_year"]) == (2018, 2030)
    assert set(data["sectors"]) == set(KRANJ_A21)
    for sector, expected in KRANJ_A21.items():
        for column, value in zip(COLUMNS, expected, strict=True):
            # the published table is rounded per cell
            assert data["sectors"][sector][column] == pytest.approx(value, abs=1), \
                (sector, column)
    for column, value in zip(COLUMNS, KRANJ_TOTAL, strict=True):
        assert data["total"][column] == pytest.approx(value, abs=1), column
    assert data["residual_too_high"] is False and data["portfolio_closes_gap"] is True
    printed = CliRunner().invoke(main, ["plan", "gap", "--city", "kranj", "--format", "json"])
    assert {k: v for k, v in data.items()
            if k not in ("city", "baseline_year", "target_year")} == json.loads(printed.output)


def test_the_scenarios_are_the_public_explorers(kranj):
    data = get(f"{BASE}/plan/scenarios")
    explorer = Client().get("/en/kranj/plan/explorer.json").json()
    assert data == {"city": "kranj", **explorer}
    assert data["years"][0] == 2018 and data["years"][-1] == 2050
    assert len(data["baseline"]) == len(data["existing"]) == len(data["years"])
    assert data["result"]["base_year_total"] == pytest.approx(KRANJ_TOTAL[0], abs=1)
    assert data["actions"] == KRANJ_CODES
    some = get(f"{BASE}/plan/scenarios?actions=1.1&actions=MT-CARS")
    assert some == {"city": "kranj",
                    **Client().get("/en/kranj/plan/explorer.json?a=1.1&a=MT-CARS").json()}
    assert some["actions"] == ["1.1", "MT-CARS"] and set(some["impacts"]) == {"1.1", "MT-CARS"}
    assert "Načrt mesta Kranj nima ukrepa Q.7." in problem(
        f"{BASE}/plan/scenarios?actions=1.1&actions=Q.7", 404)["detail"]


def test_a_department_proposal_and_its_author_stay_out_until_published(kranj):
    from zerocity.core.models import Role
    from zerocity.core.services import ensure_department, grant_role
    from zerocity.plan import services
    from zerocity.plan.models import Action

    clerk = grant_role(kranj, "draft.writer", Role.STAFF,
                       department=ensure_department(kranj, "climate-office", "Climate")).user
    action = Action.objects.get(code="1.2")
    with translation.override("en"):  # the clerk writes in English: the English name
        proposal = services.propose_change(action, {"name": "A draft title nobody published"},
                                           by=clerk)
    services.override_status(action, "late", reason="The boiler tender failed.", by=clerk)
    everything = json.dumps([get(f"{BASE}/plan/actions"), get(f"{BASE}/plan/actions/1.2"),
                             get(f"{BASE}/plan")])
    assert "A draft title nobody published" not in everything
    assert "draft.writer" not in everything
    detail = get(f"{BASE}/plan/actions/1.2")
    assert (detail["status"], detail["status_overridden"], detail["override_reason"]) == (
        "late", True, "The boiler tender failed.")
    services.publish_proposal(proposal, by=clerk)
    assert get(f"{BASE}/plan/actions/1.2")["title"] == "A draft title nobody published"


def test_a_city_without_a_plan_or_unknown_is_a_404(kranj):
    from zerocity.core.services import create_city

    create_city("velenje", name="Velenje", country="SI")
    for path in ("plan", "plan/actions", "plan/indicators", "plan/gap", "plan/scenarios",
                 "plan/actions/1.1"):
        assert "Velenje še nima akcijskega načrta." in problem(
            f"/api/v1/cities/velenje/{path}", 404)["detail"]
        assert "no city 'atlantis'" in problem(f"/api/v1/cities/atlantis/{path}",
                                               404)["detail"]


@pytest.mark.parametrize(("url", "loc"), [
    (f"{BASE}/plan/actions/1%001", ["path", "code"]),
    (f"{BASE}/plan/indicators?action=1%001", ["query", "action"]),
    (f"{BASE}/processes/{PROCESS}%00/proposals", ["path", "process_slug"]),
])
def test_a_nul_character_is_bad_input_not_a_server_error(kranj, url, loc):
    """PostgreSQL cannot compare text holding NUL: the code or slug is refused before."""
    assert problem(url, 400)["errors"][0]["loc"] == loc


def test_lists_take_a_fixed_number_of_queries(kranj):
    """No query per item: one more action, indicator or proposal costs no more queries."""
    from zerocity.plan.models import Action, ActionCost, ActionReduction, Indicator

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as done:
            get(url)
        return len(done)

    urls = (f"{BASE}/plan/actions", f"{BASE}/plan/indicators",
            f"{BASE}/processes/{PROCESS}/proposals", f"{BASE}/processes")
    for url in urls:  # warm what is cached per process (the city's zone) before counting
        get(url)
    before = [queries(u) for u in urls]
    plan = kranj.plan
    extra = Action.objects.create(plan=plan, code="ZZ-1", name="One more",
                                  field=Action.objects.get(code="1.1").field)
    ActionReduction.objects.create(action=extra, sector="waste", tco2e=10)
    ActionCost.objects.create(action=extra, year=2026, capex_eur=Decimal("5"))
    Indicator.objects.create(plan=plan, code="OI 9.9", name="More", unit="%").actions.add(
        extra)
    proposal_author(kranj, "another.author")
    assert [queries(u) for u in urls] == before


# -- food ----------------------------------------------------------------------------------

def deliveries(city: Any) -> dict[str, Any]:
    """Two institutions' contracts with the research note's worked example (§7.2, as in
    test_food_tendering): a wholesaler's refrigerated lorry 60 km away and a farmer's van on a
    dedicated 15 km trip, in April 2025; and one delivery in 2024."""
    from zerocity.food.models import Contract, Institution, Operator, SpecificProcurement
    from zerocity.food.services import outcomes

    procurement = SpecificProcurement.objects.filter(dps__city=city).first()
    supplier = Operator.objects.filter(city=city).first()
    school, kindergarten = Institution.objects.filter(city=city).order_by("code")[:2]
    signed = datetime(2024, 1, 8, 9, tzinfo=UTC)
    school_c, kinder_c = (Contract.objects.create(procurement=procurement, institution=i,
                                                  operator=supplier, value=Decimal("10000"),
                                                  signed_at=signed)
                          for i in (school, kindergarten))
    outcomes.record_delivery(
        school_c, delivered_on=date(2025, 4, 6), vehicle="hgv-refrigerated-7-17t",
        distance_km="60", lines=[
            {"product": "Jogurt", "food_group": "milk", "quantity_kg": "150", "value": "300",
             "quality_scheme": "Izbrana kakovost", "production_region": "SI042",
             "production_country": "SI", "intermediaries": 1},
            {"product": "Banane", "food_group": "fruit", "quantity_kg": "50", "value": "100",
             "production_country": "CO", "intermediaries": 2}])
    outcomes.record_delivery(
        kinder_c, delivered_on=date(2025, 4, 7), vehicle="van-diesel", distance_km="15",
        dedicated=True, lines=[{"product": "Korenje", "food_group": "roots",
                                "quantity_kg": "40", "value": "100", "organic": True,
                                "production_region": "SI042", "production_country": "SI"}])
    outcomes.record_delivery(
        kinder_c, delivered_on=date(2024, 10, 1), vehicle="van-diesel", distance_km="15",
        lines=[{"product": "Korenje", "food_group": "roots", "quantity_kg": "40",
                "value": "100"}])
    return {"school": school, "kindergarten": kindergarten, "supplier": supplier}


def test_food_outcomes_city_wide_and_per_institution(kranj):
    made = deliveries(kranj)
    data = get(f"{BASE}/food/outcomes")  # the public page's year: the latest delivery's
    assert (data["year"], data["years"]) == (2025, [2025, 2024])
    total = data["city_wide"]
    assert (total["value"], total["kg"]) == ("500.00", "240.000")
    assert (total["organic"], total["quality"], total["local"], total["short_chain"]) == (
        "20.0", "60.0", "80.0", "80.0")
    assert (total["organic_ok"], total["quality_ok"]) == (True, True)
    assert Decimal(total["transport"]) == Decimal("12.3")  # 4.8 + 7.5 kg CO2e
    assert Decimal(total["production"]) == Decimal("542.2")  # §7.3
    assert total["by_group"][0]["food_group"] == "milk"
    assert Decimal(total["by_group"][0]["kg_co2e"]) == Decimal("472.5")
    assert total["methods"] == {"tonne-km": 1, "vehicle-km": 1}
    by_name = sorted((made["school"], made["kindergarten"]), key=lambda i: i.name)
    assert [i["code"] for i in data["institutions"]] == [i.code for i in by_name]
    school = next(i for i in data["institutions"] if i["code"] == made["school"].code)
    assert (school["value"], school["organic"], school["organic_ok"]) == ("400.00", "0.0",
                                                                          False)
    page = Client().get("/en/kranj/food/").content.decode()
    assert all(f'data-institution="{i["code"]}"' in page for i in data["institutions"])
    assert made["supplier"].name not in json.dumps(data)  # outcomes, not who supplied them
    earlier = get(f"{BASE}/food/outcomes?year=2024")
    assert (earlier["year"], earlier["city_wide"]["value"]) == (2024, "100.00")
    assert [i["code"] for i in earlier["institutions"]] == [made["kindergarten"].code]
    assert get(f"{BASE}/food/outcomes?year=2023")["institutions"] == []


def test_food_outcomes_refuse_a_year_out_of_range_and_unknown_cities(kranj):
    empty = get(f"{BASE}/food/outcomes")
    assert empty["year"] == kranj.calendar.today().year and empty["years"] == []
    assert empty["city_wide"]["value"] == "0" and empty["city_wide"]["organic"] is None
    for bad in ("1999", "2101", "last"):
        assert problem(f"{BASE}/food/outcomes?year={bad}", 400)["errors"][0]["loc"] == [
            "query", "year"]
    problem("/api/v1/cities/atlantis/food/outcomes", 404)


# -- participation -----------------------------------------------------------------------

def proposal_author(city: Any, username: str, title: str = "Trees along the Sava") -> Any:
    """A citizen with a confirmed e-mail who makes a proposal in the demo's process."""
    from zerocity.core.models import Role
    from zerocity.core.services import grant_role
    from zerocity.engage.models import Process
    from zerocity.engage.services import participation, verification

    user = grant_role(city, username, Role.CITIZEN).user
    user.email = f"{username}@mail.example"
    user.save(update_fields=["email"])
    verification.confirm_email(user, city, verification.email_token(user, city))
    return participation.submit_proposal(
        Process.objects.get(city=city, slug=PROCESS), user,
        title,
        "Plant a row of native trees along the Sava promenade to shade the path in summer.")


def test_content_comes_in_the_language_asked_for(kranj):
    # given the Kranj demo, whose texts are in Slovenian and English
    # when the same action and process are read in Slovenian (header or ?lang=) and English
    action_sl = get(f"{BASE}/plan/actions/1.3", language="sl")
    action_q = get(f"{BASE}/plan/actions/1.3?lang=sl", language="en")
    action_en = get(f"{BASE}/plan/actions/1.3", language="en")
    [process_sl] = get(f"{BASE}/processes?lang=sl")["items"]
    # then each answer is in the language asked for, ?lang= ahead of the browser's
    assert action_sl["title"] == action_q["title"] == "Sončna elektrika"
    assert action_en["title"] == "Solar electricity"
    assert process_sl["title"] == "Zeleni Kranj 2030: vaše ideje za podnebno nevtralni Kranj"


def test_processes_with_their_phases(kranj):
    data = get(f"{BASE}/processes")
    assert data["count"] == 1
    [process] = data["items"]
    assert process["slug"] == PROCESS
    assert process["title"] == "Zeleni Kranj 2030: your ideas for a climate-neutral Kranj"
    assert process["description"].startswith("Propose what Kranj should do")
    assert (process["phase"], process["support_threshold"]) == ("collect", 5)
    assert [(p["phase"], p["stage"]) for p in process["phases"]] == [
        ("inform", "done"), ("collect", "current"), ("deliberate", "upcoming"),
        ("decide", "upcoming"), ("follow_up", "upcoming")]
    assert set(process) == {"slug", "title", "description", "phase", "phases",
                            "support_threshold"}
    assert get(f"{BASE}/processes?offset=1") == {"items": [], "count": 1}
    problem("/api/v1/cities/atlantis/processes", 404)


def test_proposals_with_the_citys_answers_and_their_plan_action(kranj):
    data = get(f"{BASE}/processes/{PROCESS}/proposals")
    assert data["count"] == 5
    by_title = {p["title"]: p for p in data["items"]}
    solar = by_title["Solar panels on every school roof"]
    assert (solar["state"], solar["supports"]) == ("accepted", 5)
    assert solar["answer"].startswith("Accepted: the city adds the school roofs")
    assert solar["plan_action"] == {"code": "1.3", "title": get(
        f"{BASE}/plan/actions/1.3")["title"]}
    lane = by_title["A protected cycle lane on Bleiweisova cesta"]
    assert lane["state"] == "evaluating" and lane["district"] == {"code": "center",
                                                                  "name": "Center"}
    gardens = by_title["Community gardens in Planina"]
    assert (gardens["state"], gardens["answer"], gardens["plan_action"]) == (
        "published", None, None)
    assert set(solar) == {"id", "title", "body", "state", "supports", "district", "answer",
                          "plan_action"}
    page = Client().get(f"/en/kranj/participate/{PROCESS}/").content.decode()
    assert sorted(re.findall(r'data-proposal="(\d+)"', page)) == sorted(
        str(p["id"]) for p in data["items"])


def test_proposals_page_and_filter_by_state(kranj):
    everything = get(f"{BASE}/processes/{PROCESS}/proposals")
    ids = [p["id"] for p in everything["items"]]
    page = get(f"{BASE}/processes/{PROCESS}/proposals?limit=2&offset=1")
    assert page["count"] == 5 and [p["id"] for p in page["items"]] == ids[1:3]
    published = get(f"{BASE}/processes/{PROCESS}/proposals?state=published")
    assert published["count"] == 2 and {p["state"] for p in published["items"]} == {
        "published"}
    for state, n in (("accepted", 1), ("evaluating", 1), ("rejected", 1)):
        assert get(f"{BASE}/processes/{PROCESS}/proposals?state={state}")["count"] == n
    for bad in ("withdrawn", "hidden"):
        body = problem(f"{BASE}/processes/{PROCESS}/proposals?state={bad}", 400)
        assert body["errors"][0]["loc"] == ["query", "state"]
    assert "V mestu Kranj ni participativnega procesa nowhere." in problem(
        f"{BASE}/processes/nowhere/proposals", 404)["detail"]
    problem(f"/api/v1/cities/atlantis/processes/{PROCESS}/proposals", 404)


def test_withdrawn_proposals_and_authors_never_appear(kranj):
    from zerocity.engage.services import participation

    shown = proposal_author(kranj, "zora.author")
    gone = proposal_author(kranj, "tine.withdrawer", "Withdrawn: a bike shed by the station")
    participation.withdraw(gone, gone.author)
    url = f"{BASE}/processes/{PROCESS}/proposals"
    data = get(url)
    assert data["count"] == 6 and shown.pk in [p["id"] for p in data["items"]]
    assert gone.pk not in [p["id"] for p in data["items"]]
    # signed in as its author changes nothing: the API shows what anyone may see
    author = Client()
    author.force_login(gone.author)
    assert get(url, author) == data
    text = json.dumps(data)
    for secret in ("zora.author", "tine.withdrawer", "@mail.example", "resident0",
                   "citizen@example.org", "a bike shed by the station"):
        assert secret not in text, secret
    # and the public page agrees: the withdrawn one is not listed
    page = Client().get(f"/en/kranj/participate/{PROCESS}/").content.decode()
    assert f'data-proposal="{gone.pk}"' not in page and f'data-proposal="{shown.pk}"' in page


def test_an_answer_shows_only_once_given(kranj):
    from zerocity.engage.models import Proposal

    # an answer written but not given (no answered_at) is not the city's answer yet
    proposal = proposal_author(kranj, "mark.patient")
    Proposal.objects.filter(pk=proposal.pk).update(answer="Draft answer, not sent")
    data = get(f"{BASE}/processes/{PROCESS}/proposals")
    mine = next(p for p in data["items"] if p["id"] == proposal.pk)
    assert mine["answer"] is None and "Draft answer" not in json.dumps(data)


def test_the_public_states_are_the_selectors(kranj):
    from zerocity.api.engage import PublicState
    from zerocity.engage.selectors import PUBLIC_STATES

    assert get_args(PublicState) == PUBLIC_STATES


# -- the document --------------------------------------------------------------------------

def test_every_read_operation_is_documented_as_public(kranj):
    served = Client().get("/api/v1/openapi.json").json()
    assert served == json.loads(json.dumps(api.get_openapi_schema()))
    tags = {"plan": "plan", "food": "food", "processes": "participation"}
    for path in READ_OPERATIONS:
        operation = served["paths"][path]["get"]
        assert operation["x-permission"] == "public", path
        assert operation["summary"], path
        assert "404" in operation["responses"], path
        assert "security" not in operation, path
        tag = next(t for key, t in tags.items() if f"/{key}" in path)
        assert operation["tags"] == [tag], path
        problem_body = operation["responses"]["404"]["content"]
        assert list(problem_body) == ["application/problem+json"], path
    for path in ("/api/v1/cities/{slug}/plan/actions", "/api/v1/cities/{slug}/plan/indicators",
                 "/api/v1/cities/{slug}/processes",
                 "/api/v1/cities/{slug}/processes/{process_slug}/proposals"):
        operation = served["paths"][path]["get"]
        names = {p["name"] for p in operation["parameters"]}
        assert {"limit", "offset"} <= names and "400" in operation["responses"], path
        page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert set(served["components"]["schemas"][page.rsplit("/", 1)[1]]["properties"]) == {
            "items", "count"}, path
