"""The Green Transition Group's bodies: quorum and recusal (check 21), minutes due in working
days and decisions with owners and deadlines (check 22), approved minutes immutable, the
reminders the digest gathers, the command line and the API (docs/governance.md)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from governance_people import START, cli, council
from zerocity.core.errors import Conflict
from zerocity.core.hooks import due
from zerocity.governance import selectors, services
from zerocity.governance.calculations import needed
from zerocity.governance.models import Meeting, Vote

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

MONDAY = date(2026, 3, 2)


def _meeting(c, day=MONDAY, present=None):  # type: ignore[no-untyped-def]
    meeting = services.add_meeting(c["body"], day, place="City hall", actor="test")
    grid_item = services.add_item(meeting, "Grid reinforcement for solar", actor="test",
                                  links=[("Study", "https://example.org/grid.pdf")],
                                  files=[("memo.txt", b"memo")])
    everyone = {s.pk for s in c["seats"]} | {c["secretary_seat"].pk}
    services.record_attendance(meeting, present if present is not None else everyone,
                               actor="test")
    return meeting, grid_item


def test_quorum_is_more_than_half_or_two_thirds():
    assert [needed(n, "majority") for n in (0, 1, 2, 26, 27)] == [0, 1, 2, 14, 14]
    assert [needed(n, "two_thirds") for n in (3, 26, 27)] == [2, 18, 18]


def test_check_21_a_declaration_of_interest_recuses_and_the_item_is_recounted(city):
    c = council(city)
    meeting, item = _meeting(c)
    before = selectors.item_count(item)
    assert (before.members, before.eligible, before.majority) == (27, 27, 14)

    services.declare_interest(item, c["grid"], "Employed by the grid operator", actor="test")

    after = selectors.item_count(item)
    assert (after.eligible, after.majority, after.recused, after.present) == (26, 14, 1, 26)
    minutes = selectors.minutes(meeting)
    (row,) = minutes["items"]
    assert (row["eligible"], row["majority"]) == (26, 14)
    assert row["declarations"] == [{
        "member": "Eva Grid", "organisation": "Elektro Gorenjska", "member_id": c["grid"].pk,
        "interest": "Employed by the grid operator", "recused": True}]
    # the secretary, who does not vote, is not counted among the 27
    assert "Sara Secretary" in [p["name"] for p in minutes["attendance"]["present"]]


def test_check_21_the_recused_member_is_not_counted_present_and_the_quorum_can_fail(city):
    c = council(city)
    present = {s.pk for s in c["seats"][:14]}  # 14 of 27, Eva Grid among them
    meeting, item = _meeting(c, present=present)
    assert selectors.item_count(item).quorate
    services.declare_interest(item, c["grid"], "Grid operator", actor="test")
    count = selectors.item_count(item)
    assert (count.present, count.majority, count.quorate) == (13, 14, False)
    with pytest.raises(Conflict, match="No quorum on this item: 13 of 26"):
        services.record_vote(item, 13, 0, 0, actor="test")


def test_a_vote_counts_only_eligible_members_present_and_carries_by_more_for(city):
    c = council(city)
    meeting, item = _meeting(c)
    services.declare_interest(item, c["grid"], "Grid operator", actor="test")
    with pytest.raises(Conflict, match="More votes than eligible members present \\(26\\)"):
        services.record_vote(item, 20, 5, 2, actor="test")
    vote = services.record_vote(item, 20, 4, 2, actor="test")
    assert vote.adopted
    with pytest.raises(Conflict, match="declaration comes before the vote"):
        services.declare_interest(item, c["seats"][5], "Late", actor="test")


def test_a_deputy_present_stands_in_for_an_absent_member(city):
    c = council(city)
    deputy = services.add_member(c["body"], "Dan Deputy", "business", role="deputy",
                                 deputy_for=c["seats"][2], start=START, actor="test")
    present = {s.pk for s in c["seats"][3:16]} | {deputy.pk}  # 13 members and a deputy
    meeting, item = _meeting(c, present=present)
    count = selectors.item_count(item)
    assert (count.members, count.present, count.quorate) == (27, 14, True)


def test_ceased_members_are_kept_and_not_counted_after_their_term(city):
    c = council(city)
    services.end_term(c["seats"][26], date(2026, 2, 1), actor="test")
    meeting, item = _meeting(c, present={s.pk for s in c["seats"][:26]})
    assert selectors.item_count(item).members == 26
    page = selectors.body_page(c["body"], MONDAY)
    assert [m["name"] for m in page["ceased"]] == ["Member 27"]
    assert page["voting"] == 26 and page["quorum"] == 14


def test_check_22_minutes_are_due_within_15_working_days_and_late_on_day_16(city):
    c = council(city)
    meeting, _item = _meeting(c)
    assert selectors.due_on(meeting) == date(2026, 3, 23)  # 15 working days after 2 March
    mine = [d for d in due(city, date(2026, 3, 23)) if d.key.startswith("governance.minutes")]
    assert [(d.recipient, d.kind, d.due) for d in mine] == [
        (c["secretary"].pk, "due_soon", date(2026, 3, 23))]
    late = [d for d in due(city, date(2026, 3, 24)) if d.key.startswith("governance.minutes")]
    assert [(d.key, d.recipient, d.kind) for d in late] == [
        (f"governance.minutes:{meeting.pk}", c["secretary"].pk, "late")]
    assert "were due on 2026-03-23" in late[0].text
    services.approve_minutes(meeting, actor="test")
    assert [d for d in due(city, date(2026, 3, 24)) if d.key.startswith("governance.min")] == []


def test_check_22_working_days_skip_the_citys_public_holidays(city):
    c = council(city)
    # Friday 24 April 2026; 27 April and 1 May are Slovenian public holidays
    meeting = services.add_meeting(c["body"], date(2026, 4, 24), actor="test")
    assert selectors.due_on(meeting) == date(2026, 5, 19)
    services.add_body(city, "team", "Transition Team", "team", minutes_days=5, actor="test")


def test_check_22_every_decision_has_an_owner_and_a_deadline(city):
    c = council(city)
    meeting, item = _meeting(c)
    with pytest.raises(Conflict, match="Every decision has an owner"):
        services.add_decision(meeting, "Study the grid", deadline=date(2026, 6, 1),
                              actor="test")
    with pytest.raises(Conflict, match="Every decision has a deadline"):
        services.add_decision(meeting, "Study the grid", deadline=None,
                              owner_member=c["grid"], actor="test")
    d = services.add_decision(meeting, "Study the grid", deadline=date(2026, 4, 30),
                              owner_member=c["seats"][0], item=item, actor="test")
    by_dept = services.add_decision(meeting, "Draft the heat plan", deadline=date(2026, 4, 1),
                                    owner_department=c["office"], actor="test")
    assert all(x["owner"] and x["deadline"] for x in selectors.minutes(meeting)["decisions"])
    # past its deadline the owner is reminded: the mayor's account, the office's staff
    late = [(x.key, x.recipient, x.kind) for x in due(city, date(2026, 4, 2))
            if x.key.startswith("governance.decision")]
    assert (f"governance.decision:{by_dept.pk}", c["secretary"].pk, "late") in late
    assert (f"governance.decision:{by_dept.pk}", c["mayor"].pk, "late") in late
    assert (f"governance.decision:{d.pk}", c["mayor"].pk, "due_soon") in late
    services.mark_done(by_dept, date(2026, 4, 3), actor="test")
    assert not [x for x in due(city, date(2026, 4, 4)) if x.key.endswith(f":{by_dept.pk}")]


def test_a_decision_opens_a_plan_change_proposal_or_a_commitment(kranj):
    from zerocity.plan.models import Action

    c = council(kranj)
    meeting, item = _meeting(c)
    action = Action.objects.filter(plan__city=kranj).order_by("code").first()
    d = services.add_decision(meeting, "Bring the action forward", deadline=date(2026, 9, 1),
                              owner_member=c["seats"][0], action=action,
                              changes={"start_year": 2026}, actor="test")
    assert d.proposal is not None and d.proposal.action == action
    assert d.proposal.changes == {"start_year": 2026} and d.proposal.state == "proposed"
    k = services.add_decision(meeting, "Grid operator commits", deadline=date(2026, 9, 1),
                              owner_member=c["grid"],
                              commitment={"organisation": "Elektro Gorenjska",
                                          "group": "energy", "text": "Reinforce the grid"},
                              actor="test")
    assert k.commitment is not None and k.commitment.organisation == "Elektro Gorenjska"
    (_, opened) = selectors.minutes(meeting)["decisions"]
    assert opened["commitment"]["group"] == "energy"


def test_approved_minutes_are_immutable(city):
    c = council(city)
    meeting, item = _meeting(c)
    services.declare_interest(item, c["grid"], "Grid operator", actor="test")
    services.approve_minutes(meeting, actor="test")
    for change in (lambda: services.add_item(meeting, "More", actor="test"),
                   lambda: services.declare_interest(item, c["seats"][3], "x", actor="test"),
                   lambda: services.record_vote(item, 1, 0, 0, actor="test"),
                   lambda: services.add_decision(meeting, "x", deadline=date(2026, 9, 1),
                                                 owner_member=c["grid"], actor="test")):
        with pytest.raises(Conflict, match="minutes of this meeting are approved"):
            change()
    with pytest.raises(TypeError, match="immutable"):
        Meeting.objects.get(pk=meeting.pk).save()
    with pytest.raises(TypeError, match="immutable"):
        Vote(item=item, votes_for=1, votes_against=0, abstentions=0, adopted=True).save()


def test_approving_needs_the_attendance(city):
    c = council(city)
    meeting = services.add_meeting(c["body"], MONDAY, actor="test")
    with pytest.raises(Conflict, match="Record the attendance"):
        services.approve_minutes(meeting, actor="test")


def test_the_command_line_adds_a_body_members_a_meeting_and_a_declaration(city):
    assert cli("body-add", "--city", "testville", "--slug", "council", "--name", "Council",
               "--kind", "council")[0] == 0
    for n in range(1, 4):
        code, out = cli("member-add", "--city", "testville", "--body", "council", "--name",
                        f"M{n}", "--side", "utility", "--organisation", f"Org {n}",
                        "--start", "2026-01-01")
        assert code == 0, out
    member_id = int(out.split()[1].rstrip(":"))
    code, out = cli("meeting-add", "--city", "testville", "--body", "council", "--date",
                    "2026-03-02", "--item", "Budget", "--item", "Grid")
    assert code == 0 and "2 items; minutes due 2026-03-23" in out, out
    meeting_id = int(out.split()[1].rstrip(":"))
    code, out = cli("declare", "--city", "testville", "--meeting", str(meeting_id), "--item",
                    "2", "--member", str(member_id), "--interest", "Works there")
    assert code == 0 and "2 eligible, majority 2" in out, out
    code, out = cli("minutes", "--city", "testville", "--meeting", str(meeting_id),
                    "--format", "json")
    data = json.loads(out)
    assert [(i["position"], i["eligible"], i["majority"]) for i in data["items"]] == [
        (1, 3, 2), (2, 2, 2)]
    assert data["items"][1]["declarations"][0]["recused"] is True
    code, out = cli("declare", "--city", "testville", "--meeting", "999", "--item", "1",
                    "--member", "1", "--interest", "x")
    assert code == 1 and "no such meeting" in out.lower()


def test_the_api_lists_bodies_without_personal_emails(client, city):
    c = council(city)
    meeting, _item = _meeting(c)
    services.add_decision(meeting, "Study the grid", deadline=date(2026, 6, 1),
                          owner_member=c["grid"], actor="test")
    services.approve_minutes(meeting, actor="test")
    response = client.get("/api/v1/cities/testville/governance/bodies?lang=en")
    assert response.status_code == 200
    (body,) = response.json()
    assert (body["slug"], body["voting_members"], body["quorum"]) == ("council", 27, 14)
    assert body["members"][1] == {
        "name": "Eva Grid", "organisation": "Elektro Gorenjska", "side": "utility",
        "side_name": "Utility", "role": "member", "role_name": "Member", "deputy_for": "",
        "start": "2026-01-01", "end": None}
    assert "example.org" not in response.content.decode()
    sl = client.get("/api/v1/cities/testville/governance/bodies?lang=sl").json()
    assert sl[0]["members"][1]["role_name"] == "Član"
    assert body["meetings"][0]["decisions"][0]["owner"] == "Eva Grid"
    assert client.get("/api/v1/cities/nowhere/governance/bodies").status_code == 404
