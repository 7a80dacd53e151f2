"""Recording a meeting's vote, decisions and minutes from the command line, and marking a
decision done from the body's page or the command line (issue 21, docs/governance.md):
the same services and refusals as the meeting's workspace (checks 21 and 22)."""

from __future__ import annotations

from datetime import date

import pytest

from clients import client_for
from governance_people import cli, council
from zerocity.governance import selectors, services
from zerocity.governance.models import Decision, DecisionDone, Vote

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

MONDAY = date(2026, 3, 2)


def _meeting(c):  # type: ignore[no-untyped-def]
    meeting = services.add_meeting(c["body"], MONDAY, place="City hall", actor="test")
    services.add_item(meeting, "Grid reinforcement for solar", actor="test")
    return meeting


def test_check_21_22_the_command_line_records_a_vote_a_decision_the_minutes_and_done(city):
    c = council(city)
    meeting = _meeting(c)
    m = str(meeting.pk)
    # a vote without the attendance has no quorum: refused, exit 1, nothing written
    code, out = cli("vote", "--city", "testville", "--meeting", m, "--item", "1", "--for",
                    "20", "--against", "3")
    assert code == 1 and "No quorum" in out and not Vote.objects.exists()
    services.record_attendance(meeting, {s.pk for s in c["seats"]}, actor="test")
    code, out = cli("vote", "--city", "testville", "--meeting", m, "--item", "1", "--for",
                    "20", "--against", "3", "--abstain", "4")
    assert code == 0, out
    vote = Vote.objects.get()
    assert (vote.votes_for, vote.votes_against, vote.abstentions, vote.adopted) == (
        20, 3, 4, True)
    assert out.strip() == "item 1: 20/3/4 adopted"
    # a decision needs an owner (check 22)
    code, out = cli("decide", "--city", "testville", "--meeting", m, "--text", "Tender the "
                    "grid study", "--deadline", "2026-06-30")
    assert code == 1 and "owner" in out and not Decision.objects.exists()
    code, out = cli("decide", "--city", "testville", "--meeting", m, "--text", "Tender the "
                    "grid study", "--deadline", "2026-06-30", "--owner-department", "roads",
                    "--item", "1")
    assert code == 0, out
    decision = Decision.objects.get()
    data = selectors.decision_data(decision)
    assert (data["owner"], data["deadline"], data["item"]) == ("Roads", "2026-06-30", 1)
    assert out.strip() == (f"decision {decision.pk}: Tender the grid study (owner Roads, "
                           "deadline 2026-06-30)")
    code, out = cli("approve", "--city", "testville", "--meeting", m)
    assert code == 0, out
    meeting.refresh_from_db()
    assert meeting.minutes_approved_at is not None
    assert selectors.minutes(meeting)["approved"] is True
    # approved minutes do not change
    code, out = cli("decide", "--city", "testville", "--meeting", m, "--text", "Late",
                    "--deadline", "2026-06-30", "--owner-member", str(c["grid"].pk))
    assert code == 1 and Decision.objects.count() == 1
    # done: once, on the day given; again changes nothing
    code, out = cli("done", "--city", "testville", "--decision", str(decision.pk), "--on",
                    "2026-05-04")
    assert (code, out.strip()) == (0, f"decision {decision.pk}: done on 2026-05-04")
    assert cli("done", "--city", "testville", "--decision", str(decision.pk))[0] == 0
    assert DecisionDone.objects.get().on == date(2026, 5, 4)
    assert selectors.decision_data(decision)["done"] == "2026-05-04"
    assert cli("done", "--city", "testville", "--decision", "999999")[0] == 1
    assert cli("done", "--city", "atlantis", "--decision", str(decision.pk))[0] == 1


def test_a_keeper_marks_a_decision_done_on_the_body_page(city):
    c = council(city)
    meeting = _meeting(c)
    decision = services.add_decision(meeting, "Publish the grid study", deadline=date(
        2026, 6, 30), owner_member=c["grid"], actor="test")
    url = f"/en/testville/governance/council/decisions/{decision.pk}/done/"
    page = client_for(c["secretary"]).get("/en/testville/governance/council/").content.decode()
    assert f'data-decision="{decision.pk}"' in page
    assert "Publish the grid study" in page
    # who keeps no records of the body may not mark it, nor see the form
    assert f'data-decision="{decision.pk}"' not in client_for(c["staff"]).get(
        "/en/testville/governance/council/").content.decode()
    assert client_for(None).post(url, {"on": "2026-05-04"}).status_code == 302
    assert client_for(c["citizen"]).post(url, {"on": "2026-05-04"}).status_code == 404
    assert client_for(c["staff"]).post(url, {"on": "2026-05-04"}).status_code == 404
    assert client_for(c["secretary"]).get(url).status_code == 405
    assert not DecisionDone.objects.exists()
    # the secretary marks it done: the service's record, and it leaves the list
    response = client_for(c["secretary"]).post(url, {"on": "2026-05-04"})
    assert response.status_code == 302
    assert selectors.decision_data(decision)["done"] == "2026-05-04"
    assert selectors.open_decisions(c["body"]) == []
    assert f'data-decision="{decision.pk}"' not in client_for(c["secretary"]).get(
        "/en/testville/governance/council/").content.decode()
    assert client_for(c["secretary"]).post(
        "/en/testville/governance/council/decisions/999999/done/").status_code == 404
