"""Kranj's city card in the demo: the fare rules (``demo/data/kranj_fares.json``), a validator
per service, and the demo citizen's account with a card, a top-up and a monthly pass."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from django.contrib.auth import get_user_model

from zerocity.card.accounts import issue_medium, open_account, set_rules
from zerocity.card.models import CardAccount, Validator
from zerocity.card.services import top_up
from zerocity.card.taps import register_validator
from zerocity.core.models import City

VALIDATORS = [("bus-101", "bus", "Arriva city bus 101, front door"),
              ("bus-102", "bus", "Arriva city bus 102, front door"),
              ("bike-station-glavni-trg", "bike", "KRsKOLESOM station Glavni trg"),
              ("parking-supermarket", "parking", "Car park at the Supermarket"),
              ("pool-gate", "pool", "Kranj pool entrance"),
              ("library-desk", "library", "Mestna knjižnica Kranj, lending desk")]
DEMO_CARD = "KR-DEMO-0001"  # the demo citizen's card (its token; only its hash is stored)


def kranj_fares() -> dict[str, Any]:
    text = resources.files("zerocity.demo").joinpath("data/kranj_fares.json").read_text(
        encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def load(city: City, *, actor: str = "demo") -> list[str]:
    """Set up Kranj's card; running it again changes nothing."""
    rules = set_rules(city, kranj_fares(), actor=actor)
    for device_id, service, description in VALIDATORS:
        if not Validator.objects.filter(city=city, device_id=device_id).exists():
            register_validator(city, device_id, service, description=description, actor=actor)
    citizen = get_user_model().objects.filter(username="citizen").first()
    if citizen is not None and not CardAccount.objects.filter(city=city,
                                                              holder=citizen).exists():
        account = open_account(city, holder=citizen, actor=actor)
        issue_medium(account, DEMO_CARD, label="0001", actor=actor)
        top_up(account.wallet, "20.00", payment_reference="demo-topup-1", actor=actor)
    return [f"kranj city card: fare rules v{rules.version}, {len(VALIDATORS)} validators"]
