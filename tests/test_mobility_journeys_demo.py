"""The issue's acceptance on the Kranj demo: ``zerocity mobility plan`` from Planina to
Stražišče (no line serves both) returns one itinerary with a change inside Kranj's 90-minute
transfer, quoted EUR 1.00, whose taps, sent to the validators' API by the validators of the
two buses, are charged EUR 1.00 (research §6 check 6).

The day is Wednesday 2 December 2026, a school day in the demo feed's first week: taps are
refused when dated in the future, so the journey is one already made."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner
from django.test import Client

from zerocity.cli import main

pytestmark = pytest.mark.django_db
PLANINA, STRAZISCE = "46.253,14.3808", "46.234,14.328"


def test_a_journey_with_a_change_is_quoted_and_charged_one_euro(kranj):
    from zerocity.card import accounts, services, taps

    result = CliRunner().invoke(main, [
        "mobility", "plan", "--city", "kranj", "--from", PLANINA, "--to", STRAZISCE,
        "--depart", "2026-12-02T07:15", "--format", "json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert len(answer["itineraries"]) == 1
    it = answer["itineraries"][0]
    assert [(leg["route"], leg["from"]["stop_id"], leg["to"]["stop_id"], leg["depart"],
             leg["arrive"]) for leg in it["legs"]] == [
        ("15", "planina", "glavni-trg", "2026-12-02T07:30:00+01:00",
         "2026-12-02T07:40:00+01:00"),
        ("3", "glavni-trg", "strazisce", "2026-12-02T07:46:00+01:00",
         "2026-12-02T07:56:00+01:00")]
    assert it["transfers"] == 1 and it["fare"] == {"amount": "1.00", "currency": "EUR"}
    first, second = (datetime.fromisoformat(t["at"]) for t in it["taps"])
    assert second - first <= timedelta(minutes=90)
    assert answer["attribution"][0]["licence"] == "CC-BY-4.0"

    account = accounts.open_account(kranj, actor="test")
    accounts.issue_medium(account, "KR-PLANNED-0001")
    services.top_up(account.wallet, "10.00", payment_reference="planned-1")
    charged = []
    for seq, tap in enumerate(it["taps"], 1):
        device = f"bus-{tap['route']}-{seq}"
        _, token = taps.register_validator(kranj, device, "bus")
        body = {k: v for k, v in tap.items() if v is not None}
        r = Client().post("/api/v1/card/taps",
                          json.dumps({"device_id": device, "seq": 1,
                                      "medium": "KR-PLANNED-0001", **body}),
                          content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert r.status_code == 201, r.content
        charged.append((r.json()["decision"], r.json()["reason"], r.json()["fare"]))
    assert charged == [("accept", "fare", "1.00"), ("accept", "transfer", "0.00")]
    assert sum(Decimal(f) for _, _, f in charged) == Decimal(it["fare"]["amount"])
    assert accounts.balance(account) == Decimal("9.00")
