"""The city card's money ledger: double-entry, append-only in the database, balances that never
go below what is allowed (checked by the code and by the database), idempotent top-ups, and a
reconciliation that proves the cached balances equal the entries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from zerocity.card import services
from zerocity.card.models import LedgerAccount, LedgerEntry, LedgerTransaction
from zerocity.core.errors import Conflict

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
D = Decimal


@pytest.fixture
def wallet(city):  # type: ignore[no-untyped-def]
    return services.open_wallet(city, "card-0001", "Card 0001")


def balance(account: LedgerAccount) -> Decimal:
    return LedgerAccount.objects.get(pk=account.pk).balance


def test_a_top_up_and_a_fare_are_balanced_movements(city, wallet):
    top = services.top_up(wallet, "20.00", payment_reference="psp-1", actor="test").value
    fare = services.charge(wallet, "1.30", actor="test")
    assert balance(wallet) == D("18.70")
    assert balance(services.system_account(city, "payments")) == D("-20.00")
    assert balance(services.system_account(city, "fare-revenue")) == D("1.30")
    for tx in (top, fare):
        assert sum(e.amount for e in tx.entries.all()) == 0
    assert list(wallet.entries.order_by("pk").values_list("balance_after", flat=True)) == [
        D("20.00"), D("18.70")]
    result = services.reconcile(city)
    assert result.clean and result.transactions == 2 and result.accounts == 4


def test_a_retried_top_up_never_credits_twice(wallet):
    first = services.top_up(wallet, "10.00", payment_reference="psp-7")
    again = services.top_up(wallet, "10.00", payment_reference="psp-7")
    assert (first.replayed, again.replayed) == (False, True)  # the service says which
    assert again.value.pk == first.value.pk and balance(wallet) == D("10.00")
    with pytest.raises(Conflict, match="already made once for another amount"):
        services.top_up(wallet, "12.00", payment_reference="psp-7")
    assert LedgerTransaction.objects.count() == 1


def test_the_balance_never_goes_below_the_floor_in_code_or_in_the_database(wallet):
    services.top_up(wallet, "1.00", payment_reference="psp-1")
    with pytest.raises(services.InsufficientBalance, match="The balance is 1.00\u00a0EUR and 1.30\u00a0EUR is asked"):
        services.charge(wallet, "1.30")
    assert balance(wallet) == D("1.00") and LedgerEntry.objects.count() == 2
    # the database refuses it too, whoever writes
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(pk=wallet.pk).update(balance=D("-0.01"))


def test_entries_and_transactions_are_never_updated_or_deleted(wallet):
    tx = services.top_up(wallet, "5.00", payment_reference="psp-1").value
    entry = tx.entries.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=D("50.00"))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerTransaction.objects.filter(pk=tx.pk).update(reason="changed")
    assert LedgerEntry.objects.get(pk=entry.pk).amount == D("5.00")


def test_a_correction_is_a_reversal_with_a_reason_once(city, wallet):
    services.top_up(wallet, "5.00", payment_reference="psp-1")
    fare = services.charge(wallet, "2.00")
    with pytest.raises(Conflict, match="Say why the transaction is corrected."):
        services.reverse(fare, reason=" ")
    back = services.reverse(fare, reason="charged twice at the gate", actor="desk")
    assert back.reverses_id == fare.pk and back.by_label == "desk"
    assert balance(wallet) == D("5.00")
    with pytest.raises(Conflict, match="has already been reversed"):
        services.reverse(fare, reason="again")
    assert services.reconcile(city).clean


@pytest.mark.parametrize("bad", ["1.234", "abc", "NaN", "Infinity"])
def test_amounts_are_whole_cents(wallet, bad):
    with pytest.raises(Conflict):
        services.top_up(wallet, bad, payment_reference="psp-x")


def test_unbalanced_or_single_leg_movements_are_refused(city, wallet):
    revenue = services.system_account(city, "fare-revenue")
    with pytest.raises(Conflict, match="add up to 1.00"):
        services.post(city, "correction", [services.Leg(wallet, D("2")),
                                           services.Leg(revenue, D("-1"))], reason="x")
    with pytest.raises(Conflict, match="at least two accounts"):
        services.post(city, "correction", [services.Leg(wallet, D("1")),
                                           services.Leg(wallet, D("-1"))], reason="x")


def test_reconciliation_finds_a_tampered_balance(city, wallet):
    services.top_up(wallet, "5.00", payment_reference="psp-1")
    LedgerAccount.objects.filter(pk=wallet.pk).update(balance=D("7.00"))
    result = services.reconcile(city)
    assert result.problems == ["card-0001: cached balance 7.00, entries add up to 5.00"]


def test_the_reconcile_command_exits_1_on_a_difference(city, wallet):
    from click.testing import CliRunner

    from zerocity.cli import main

    services.top_up(wallet, "5.00", payment_reference="psp-1")
    clean = CliRunner().invoke(main, ["card", "reconcile", "--city", "testville"])
    assert clean.exit_code == 0 and "4 accounts, 1 transactions: reconciled" in clean.output
    LedgerAccount.objects.filter(pk=wallet.pk).update(balance=D("4.00"))
    bad = CliRunner().invoke(main, ["card", "reconcile", "--city", "testville"])
    assert bad.exit_code == 1 and "1 differences" in bad.output

