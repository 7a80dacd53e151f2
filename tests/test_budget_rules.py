"""Tag rules on classification pairs (research §7): a rule on PPR × konto proposes tags or
asks a question, a department confirms a suggestion for its own lines, the climate office
approves it (four eyes, check 18); the report by policy area and by department; a
participatory-budget project counted once (check 24)."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils.timezone import now

from budget_people import budget_people, cli
from test_budget import HEADER, WORKED
from zerocity.budget.breakdown import department_lines, suggestions
from zerocity.budget.models import ChangeState, TagChange
from zerocity.budget.selectors import budget_version, line_at, report
from zerocity.budget.services import approve_tags, import_budget
from zerocity.budget.tagging import (
    add_tag_rule,
    assign_lines,
    confirm_suggestion,
    link_pb_project,
    propose_own_line,
)
from zerocity.core.errors import Conflict, PermissionDenied

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def line(ppr: str, pp: str, konto: str, amount: str, mitig: str = "", adapt: str = "",
         pu: str = "4000", nrp: str = "") -> str:
    return (f"{pu},PU {pu},{ppr[:2]},{ppr[:4]},{ppr},{pp},Postavka {pp},{konto},0451,{nrp},"
            f"{'Projekt' if nrp else ''},{amount},own,{mitig},{adapt},")


def draft(city, *rows: str):  # type: ignore[no-untyped-def]
    data = (HEADER + "".join(r + "\n" for r in rows)).encode()
    return import_budget(city, 2025, "adopted", data, filename="b.csv", actor="test").version


@pytest.fixture
def people(city):  # type: ignore[no-untyped-def]
    return budget_people(city)


def seed(city):  # type: ignore[no-untyped-def]
    add_tag_rule(city, ppr="13029003", konto="4201", question="Ask the fuel type.",
                 actor="test")
    add_tag_rule(city, ppr="1302", konto="4205", mitigation={"unfavourable": "100"},
                 adaptation={"neutral": "100"}, rationale="Sustains car infrastructure",
                 actor="test")
    add_tag_rule(city, ppr="13029004", konto="4205", mitigation={"favourable": "100"},
                 adaptation={"neutral": "100"}, rationale="Efficient lighting", actor="test")


def test_a_rule_on_a_ppr_and_konto_pair_suggests_its_tags_and_the_most_specific_wins(city):
    # given rules on 1302 x 4205 and, more specific, 13029004 x 4205
    seed(city)
    version = draft(city, line("13029002", "130201", "4205", "1000000"),
                    line("13029004", "130401", "4205", "250000"),
                    line("06039001", "060301", "4020", "500000"))
    # when the rules are applied
    found = {s.line.row: s for s in suggestions(version).values()}
    # then resurfacing is unfavourable, lighting favourable, the office line has no rule
    assert set(found) == {2, 3}
    assert found[2].tags == {"mitigation": {"unfavourable": "100"},
                             "adaptation": {"neutral": "100"}}
    assert found[3].tags["mitigation"] == {"favourable": "100"}
    assert found[3].rule.pair == "PPR 13029004 × konto 4205"
    # and nothing changed on the lines
    assert not line_at(version, 2).mitigation


def test_a_rule_that_asks_the_fuel_type_proposes_no_tag(city, people):
    seed(city)
    version = draft(city, line("13029003", "130206", "4201", "2000000"))
    (found,) = suggestions(version).values()
    assert found.question == "Ask the fuel type." and found.tags == {
        "mitigation": {}, "adaptation": {}}
    with pytest.raises(Conflict, match="Ask the fuel type"):
        confirm_suggestion(line_at(version, 2), by=people["roads"])
    assert not TagChange.objects.filter(state=ChangeState.PROPOSED).exists()


def test_check_18_a_confirmed_suggestion_is_the_departments_proposal_and_the_office_approves(
        city, people):
    seed(city)
    assign_lines(city, "roads", ppr="13", actor="test")
    version = draft(city, line("13029002", "130201", "4205", "1000000"))
    # when a member of roads confirms the rule's suggestion
    change = confirm_suggestion(line_at(version, 2), by=people["roads"])
    # then it is their proposal with the rule's tags and rationale, not yet applied
    assert change.state == ChangeState.PROPOSED and change.proposed_by == "roads-staff"
    assert change.new == {"mitigation": {"unfavourable": "100"},
                          "adaptation": {"neutral": "100"}}
    assert change.reason == "Rule PPR 1302 × konto 4205: Sustains car infrastructure"
    assert not line_at(version, 2).mitigation
    # and confirming again is refused while it waits
    with pytest.raises(Conflict, match="already waiting"):
        confirm_suggestion(line_at(version, 2), by=people["roads2"])
    # and roads cannot approve it; the climate office can
    with pytest.raises(PermissionDenied):
        approve_tags(change, by=people["roads2"])
    approve_tags(change, by=people["office"])
    assert line_at(version, 2).mitigation == {"unfavourable": "100"}
    # then the rule has nothing more to suggest for the line
    assert suggestions(version) == {}


def test_the_climate_office_cannot_approve_a_suggestion_it_confirmed_itself(city, people):
    seed(city)
    version = draft(city, line("13029002", "130201", "4205", "1000000"))
    change = confirm_suggestion(line_at(version, 2), by=people["office"])
    with pytest.raises(PermissionDenied, match="someone other"):
        approve_tags(change, by=people["office"])


def test_a_department_sees_and_tags_only_its_own_lines(city, people):
    from zerocity.core.services import ensure_department

    seed(city)
    ensure_department(city, "schools", "Schools")
    assign_lines(city, "roads", ppr="13", actor="test")
    assign_lines(city, "schools", pu_code="4000", ppr="19", actor="test")
    version = draft(city, line("13029002", "130201", "4205", "1000000"),
                    line("19039001", "190301", "4205", "1200000"),
                    line("13029002", "130202", "4205", "30000", pu="4101"),
                    line("22019001", "220101", "4030", "150000"))
    roads_id = people["roads"].memberships.get().department_id
    assert [x.row for x in department_lines(version, [roads_id])] == [2, 4]
    with pytest.raises(PermissionDenied, match="another department"):
        propose_own_line(line_at(version, 3), mitigation={"favourable": "100"}, reason="x",
                         by=people["roads"])
    # the climate office may tag any line
    propose_own_line(line_at(version, 3), mitigation={"very_favourable": "100"},
                     reason="Deep retrofit", by=people["office"])
    change = confirm_suggestion(line_at(version, 4), by=people["roads"])
    assert change.line.pu_code == "4101"


def test_a_rule_proposes_tags_or_asks_never_both_and_its_split_adds_to_100(city, people):
    with pytest.raises(Conflict, match="not both"):
        add_tag_rule(city, ppr="1302", konto="4201", mitigation={"favourable": "100"},
                     question="Fuel?", actor="test")
    with pytest.raises(Conflict, match="tags or its question"):
        add_tag_rule(city, ppr="1302", actor="test")
    with pytest.raises(Conflict, match="add up to 99, not 100"):
        add_tag_rule(city, ppr="1302", mitigation={"favourable": "60", "neutral": "39"},
                     rationale="x", actor="test")
    with pytest.raises(Conflict, match="programme"):
        add_tag_rule(city, konto="4201", question="Fuel?", actor="test")
    with pytest.raises(PermissionDenied):
        add_tag_rule(city, ppr="1302", question="Fuel?", by=people["roads"])
    rule, changed = add_tag_rule(city, ppr="1302", konto="4205",
                                 mitigation={"very_favourable": "60", "neutral": "40"},
                                 rationale="Half bus lanes", by=people["office"])
    assert changed and rule.mitigation == {"very_favourable": "60", "neutral": "40"}
    assert add_tag_rule(city, ppr="1302", konto="4205",
                        mitigation={"very_favourable": "60", "neutral": "40"},
                        rationale="Half bus lanes", actor="test") == (rule, False)


def test_the_command_line_adds_lists_applies_and_confirms_rules(city, people):
    draft(city, line("13029002", "130201", "4205", "1000000"),
          line("13029003", "130206", "4201", "2000000"))
    assert cli("lines-assign", "--city", "testville", "--department", "roads",
               "--ppr", "13")[0] == 0
    code, out = cli("rules-add", "--city", "testville", "--ppr", "13029003", "--konto", "4201",
                    "--question", "Ask the fuel type.")
    assert code == 0 and "saved" in out
    code, out = cli("rules-add", "--city", "testville", "--ppr", "1302", "--konto", "4205",
                    "--mitigation", "unfavourable", "--adaptation", "neutral",
                    "--rationale", "Car infrastructure")
    assert code == 0
    code, out = cli("rules", "--city", "testville", "--format", "json")
    assert [r["pair"] for r in json.loads(out)] == ["PPR 13029003 × konto 4201",
                                                    "PPR 1302 × konto 4205"]
    code, out = cli("rules-apply", "--city", "testville", "--year", "2025", "--stage",
                    "adopted", "--format", "json")
    rows = json.loads(out)
    assert [(r["row"], r["question"], r["mitigation"]) for r in rows] == [
        (2, "", {"unfavourable": "100"}), (3, "Ask the fuel type.", {})]
    code, out = cli("rules-confirm", "--city", "testville", "--year", "2025", "--stage",
                    "adopted", "--line", "2", "--as", "roads-staff")
    assert code == 0 and out.startswith("proposal ")
    code, out = cli("rules-confirm", "--city", "testville", "--year", "2025", "--stage",
                    "adopted", "--line", "3", "--as", "roads-staff")
    assert code != 0 and "fuel type" in out


# -- the report by policy area and by department -----------------------------------------

def test_the_report_by_policy_area_and_by_department_on_the_worked_example(city):
    import_budget(city, 2025, "adopted", WORKED.read_bytes(), filename="w.csv", actor="test")
    code, out = cli("report", "--city", "testville", "--year", "2025", "--format", "json")
    data = json.loads(out)
    ppp = {r["code"]: r for r in data["by_policy_area"]["ppp"]}
    assert sorted(ppp) == ["06", "13", "15", "16", "18", "19", "22"]
    roads = ppp["13"]  # buses 2 M very favourable, resurfacing 1 M unfavourable, LED 250 k
    assert (roads["total"], roads["in_scope"], roads["green_share"]) == (
        "3250000.00", "3250000.00", "69.23")
    assert {t: v["share"] for t, v in roads["mitigation"].items()} == {
        "very_favourable": "61.54", "favourable": "7.69", "neutral": "0.00",
        "unfavourable": "30.77", "undefined": "0.00"}
    assert ppp["22"]["in_scope"] == "0.00" and ppp["22"]["green_share"] is None
    assert [r["code"] for r in data["by_policy_area"]["gpr"]][:2] == ["0603", "1302"]
    assert len(data["by_policy_area"]["ppr"]) == 10
    # one direct user: its shares are the whole budget's
    (pu,) = data["by_department"]
    assert (pu["code"], pu["name"], pu["green_share"]) == ("4000", "Mestna uprava", "63.91")
    assert pu["mitigation"] == data["mitigation"] and pu["adaptation"] == data["adaptation"]
    # the shares of each part add up to 100 with its untagged rest
    for r in data["by_policy_area"]["ppr"]:
        if Decimal(r["in_scope"]):
            assert sum(Decimal(v["share"]) for v in r["mitigation"].values()) + Decimal(
                r["untagged"]["mitigation"]["share"]) == 100
    # the keys the interface lists come first, unchanged
    assert list(data)[:4] == ["city", "year", "stage", "published"]


# -- check 24: a participatory-budget project counted once -------------------------------

def pb_project(city, cost: str = "50000"):  # type: ignore[no-untyped-def]
    from zerocity.engage.models import Budget, Project
    from zerocity.engage.services import participation

    process = participation.create_process(city, f"pb-{cost}", "Participatory budget 2025")
    pb = Budget.objects.create(process=process, title="Testville 2025",
                               amount=Decimal("200000"), style="knapsack",
                               opens_at=now() - timedelta(days=9),
                               closes_at=now() - timedelta(days=1))
    return Project.objects.create(budget=pb, title="Rain garden at the school",
                                  cost=Decimal(cost))


def test_check_24_a_pb_project_tagged_favourable_counts_once_even_as_an_nrp_line(city, people):
    # given a EUR 1 M neutral line and the EUR 50,000 PB project's line, also an NRP project,
    # tagged favourable
    version = draft(city, line("06039001", "060301", "4020", "1000000", "neutral", "neutral"),
                    line("16039003", "160301", "4204", "50000", "favourable", "favourable",
                         nrp="OB052-25-0099"))
    project = pb_project(city)
    # when the line names the project
    link_pb_project(line_at(version, 3), project, by=people["office"])
    link_pb_project(line_at(version, 3), project, actor="test")  # again: nothing changes
    data = report(budget_version("testville", 2025))
    # then the green share counts the EUR 50,000 once: 50,000 of 1,050,000
    assert data["mitigation"]["favourable"]["amount"] == "50000.00"
    assert data["green_share"] == "4.76"
    assert data["in_scope"] == "1050000.00"
    # and the report lists the project once, with its line's tags
    assert data["participatory"] == [{
        "project": project.pk, "title": "Rain garden at the school",
        "budget": "Testville 2025", "cost": "50000.00", "line": "4000/160301/4204/OB052-25-0099",
        "row": 3, "amount": "50000.00", "nrp_code": "OB052-25-0099", "in_scope": True,
        "mitigation": {"favourable": "100"}, "adaptation": {"favourable": "100"}}]
    # and its policy area and department count it once too
    (area,) = [r for r in data["by_policy_area"]["ppp"] if r["code"] == "16"]
    assert area["mitigation"]["favourable"]["amount"] == "50000.00"
    assert data["by_department"][0]["green_share"] == "4.76"
    # and a second line cannot pay for the same project
    with pytest.raises(Conflict, match="counted once"):
        link_pb_project(line_at(version, 2), project, actor="test")
    # and a department may not link it
    with pytest.raises(PermissionDenied):
        link_pb_project(line_at(version, 2), pb_project(city, "1"), by=people["roads"])


def test_the_demo_seeds_its_rules_and_they_agree_with_its_tagged_budget(city):
    from zerocity.budget.demo import RULES, load
    from zerocity.core.models import AuditLog

    # given the demo budget with its rules, loaded twice: the second load changes nothing
    load(city, actor="demo")
    before = AuditLog.objects.count()
    load(city, actor="demo")
    assert AuditLog.objects.count() == before
    version = budget_version("testville", 2025)
    # then every rule is there once, and where a rule proposes tags, the demo's lines have
    # them: nothing is left to suggest on the tagged budget
    code, out = cli("rules", "--city", "testville", "--format", "json")
    assert len(json.loads(out)) == len(RULES) >= 12
    assert suggestions(version) == {}
    # and on an untagged copy, each rule's lines get its suggestion or its question
    fresh = {s.line.key: s for s in suggestions(version, [
        type(x)(**{**{f.attname: getattr(x, f.attname) for f in x._meta.concrete_fields},
                   "mitigation": {}, "adaptation": {}}) for x in version.lines.all()
        if x.in_scope]).values()}
    asked = {s.rule.pair for s in fresh.values() if s.question}
    assert "PPR 13029003 × konto 4201" in asked
    assert any(s.tags["mitigation"] == {"unfavourable": "100"} for s in fresh.values())
