"""The reminders sent to a person are part of their personal data download (issue 21,
docs/reminders.md "Personal data"): every record the digest keeps of them, and no one
else's."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from clients import client_for
from reminder_people import run_clock, small_plan
from zerocity.core.models import ReminderSent
from zerocity.core.selectors import personal_data

pytestmark = pytest.mark.django_db

DUE = date(2025, 9, 8)


def test_check_23_a_persons_reminders_are_in_their_data_download_and_nobody_elses(city):
    from zerocity.plan.models import Milestone

    # given the digest reminding maja of a late milestone on days 1 and 7
    s = small_plan(city)
    Milestone.objects.create(action=s["actions"]["1.1"], name="Route plan adopted", due=DUE)
    run_clock(city, DUE, DUE + timedelta(days=8))
    kept = ReminderSent.objects.filter(user=s["contact"])
    assert kept.exists()
    # when maja downloads her data, it lists every record kept of her reminders
    response = client_for(s["contact"]).get("/en/testville/me/my-data.json")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    part = response.json()["reminders"]
    assert part == personal_data(s["contact"], city)["reminders"]
    assert part["reminders"] == [
        {"about": r.key, "kind": r.kind, "due_day": r.trigger.isoformat(),
         "sent_on": r.sent_on.isoformat()}
        for r in kept.order_by("sent_on", "key", "kind")]
    # and another person's download holds none of hers
    assert personal_data(s["roads2"], city)["reminders"] == {"reminders": []}
    assert client_for(None).get("/en/testville/me/my-data.json").status_code == 302
