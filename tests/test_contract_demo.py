"""The Kranj demo's Climate City Contract (illustrative): the commitments of the Strategic
Council's members signed, funding sources, and the investment plan with its financing gap."""

from __future__ import annotations

import pytest

from zerocity.contract import selectors, tables

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def test_the_kranj_demo_has_signed_commitments_and_a_financing_gap(kranj):
    from zerocity.budget.demo import load as load_budget
    from zerocity.contract.demo import load

    load_budget(kranj, actor="test")
    from zerocity.core.models import AuditLog

    first = load(kranj, actor="test")
    records = AuditLog.objects.count()
    assert load(kranj, actor="test") == first  # loading again changes nothing
    assert AuditLog.objects.count() == records
    data = selectors.commitments("kranj")["commitments"]
    organisations = {c["organisation"] for c in data}
    for name in ("Domplan d.d.", "Komunala Kranj d.o.o.", "Elektro Gorenjska d.d.",
                 "Arriva d.o.o.", "Društvo Stonoga", "Univerza v Ljubljani"):
        assert name in organisations, name
    assert all(len(c["signatories"]) == 1 for c in data)
    plan = selectors.investment_plan("kranj")
    assert plan["illustrative"] is True
    assert plan["total"]["gap"] != "0.00"
    # the solar grant is secured by its recorded decision, the cycling network's is planned
    status = {s["nrp_code"]: s["status"] for s in plan["sources"] if s["nrp_code"]}
    assert status["OB052-25-0701"] == "secured"
    assert status["OB052-25-1001"] == "planned"
    assert status["OB052-25-1201"] == "applied"
    # table 1: four years entered, 2025 from the tagged budget
    t1 = tables.table("kranj", "T1")
    assert [r["year"] for r in t1] == ["2021", "2022", "2023", "2024", "2025"]
    assert t1[-1]["source"] == "budget 2025 adopted (illustrative)"
    # and the pages show it, labelled illustrative
    from django.test import Client

    for lang in ("sl", "en"):
        page = Client().get(f"/{lang}/kranj/plan/investment/financing/")
        assert page.status_code == 200
        assert 'data-illustrative="financing"' in page.content.decode()
        assert Client().get(f"/{lang}/kranj/plan/contract/").status_code == 200
