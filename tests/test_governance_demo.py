"""The Kranj demo's Green Transition Group (illustrative): a council of 27 with a meeting
whose grid item is counted without the Elektro Gorenjska member (check 21), decisions with
owners and deadlines, and the transition team's minutes overdue (check 22)."""

from __future__ import annotations

from datetime import date

import pytest

from zerocity.core.hooks import due
from zerocity.core.models import AuditLog
from zerocity.governance import selectors
from zerocity.governance.demo import load
from zerocity.governance.models import Body, Meeting

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def test_the_demo_council_meeting_and_its_decisions(kranj):
    load(kranj, actor="test")
    council = Body.objects.get(city=kranj, slug="svet")
    page = selectors.body_page(council, date(2026, 12, 7))
    assert (page["voting"], page["quorum"], council.illustrative) == (27, 14, True)
    assert len(Body.objects.get(city=kranj, slug="ekipa").members.filter(votes=True)) == 20
    assert Body.objects.filter(city=kranj, kind="working_group").count() == 5
    (meeting,) = page["meetings"]
    grid = meeting["items"][1]
    assert (grid["eligible"], grid["majority"]) == (26, 14)
    assert grid["declarations"][0]["organisation"] == "Elektro Gorenjska"
    assert len(meeting["decisions"]) == 3
    assert all(d["owner"] and d["deadline"] for d in meeting["decisions"])
    before = AuditLog.objects.count()
    load(kranj, actor="test")
    assert AuditLog.objects.count() == before


def test_check_22_the_demo_teams_minutes_are_late_for_its_secretary(kranj):
    from django.contrib.auth import get_user_model

    load(kranj, actor="test")
    team_meeting = Meeting.objects.get(body__slug="ekipa")
    assert selectors.due_on(team_meeting) == date(2026, 12, 3)
    ana = get_user_model().objects.get(username="ana.staff")
    late = [d for d in due(kranj, date(2026, 12, 4)) if d.key.startswith("governance.minutes")]
    assert [(d.recipient, d.kind) for d in late] == [(ana.pk, "late")]
