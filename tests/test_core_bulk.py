"""``core.bulk``, the hot paths' plain rows. ``insert``: the new ids come back in the order of
the rows (also across its statements of 500 rows), one row or a value the rows share is
stored as many rows' are, and what it stores reads back through the ORM exactly as what
``bulk_create`` stores: datetimes compare and filter the same on SQLite
(naive UTC text) and PostgreSQL, decimals keep their cents. ``select`` with ``any_of``: a
written-out read gives what the ORM reads, timestamps included (aware, in UTC, equal to the
ORM's on both databases), for no key, one or many."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal

import pytest

from zerocity.card.models import LedgerTransaction, TransactionKind
from zerocity.core import bulk

pytestmark = pytest.mark.django_db


def test_ids_come_back_in_the_rows_order_and_the_values_read_back_as_the_orms(city):
    orm = LedgerTransaction.objects.create(city=city, kind=TransactionKind.FARE,
                                           idempotency_key="orm")  # created now
    at = orm.created_at
    rows = [(city.pk, TransactionKind.FARE, f"row-{i}", "", "validator bus-1",
             at + timedelta(seconds=i)) for i in range(1, 1201)]
    ids = bulk.insert(LedgerTransaction, ("city_id", "kind", "idempotency_key", "reason",
                                          "by_label", "created_at"), rows, returning=True)
    assert len(ids) == 1200 and ids == sorted(ids) and ids[0] > orm.pk
    stored = dict(LedgerTransaction.objects.filter(pk__in=ids).values_list(
        "pk", "idempotency_key"))
    assert [stored[pk] for pk in ids] == [f"row-{i}" for i in range(1, 1201)]
    got = LedgerTransaction.objects.get(pk=ids[9])
    assert got.created_at == at + timedelta(seconds=10) and got.by_label == "validator bus-1"
    # a range filter sees the ORM's row and the plain rows alike, by their times
    window = LedgerTransaction.objects.filter(created_at__gte=at,
                                              created_at__lt=at + timedelta(seconds=3))
    assert sorted(window.values_list("idempotency_key", flat=True)) == ["orm", "row-1", "row-2"]
    assert bulk.insert(LedgerTransaction, ("city_id",), [], returning=True) == []


def test_one_row_goes_as_plain_values_and_reads_back_as_many_rows_do(city):
    """A single tap's inserts are one row each: on PostgreSQL they go as a row of values, not
    as arrays; what is stored, its NULLs and time included, is what the arrays store."""
    at = LedgerTransaction.objects.create(city=city, kind=TransactionKind.FARE).created_at
    columns = ("city_id", "kind", "idempotency_key", "reason", "by_label", "created_at")
    (one,) = bulk.insert(LedgerTransaction, columns, [
        (city.pk, TransactionKind.FARE, None, "one", "validator bus-1", at + timedelta(
            microseconds=7))], returning=True)
    two = bulk.insert(LedgerTransaction, columns, [
        (city.pk, TransactionKind.FARE, None, "two", "validator bus-1", at + timedelta(
            microseconds=7))] * 2, returning=True)
    assert one < two[0] < two[1]
    read = {t.pk: t for t in LedgerTransaction.objects.filter(pk__in=[one, *two])}
    assert {(t.idempotency_key, t.by_label, t.created_at) for t in read.values()} == {
        (None, "validator bus-1", at + timedelta(microseconds=7))}
    assert LedgerTransaction.objects.filter(created_at=at + timedelta(microseconds=7)).count() == 3
    assert bulk.insert(LedgerTransaction, columns, [(city.pk, TransactionKind.FARE, None, "",
                                                     "", at)]) == []  # nothing asked back


def test_a_value_the_rows_share_is_stored_in_every_row(city):
    """On PostgreSQL a column whose rows hold the same object goes as one value: every row
    still gets it, whichever columns are shared (all of them, too), in the rows' order."""
    at = LedgerTransaction.objects.create(city=city, kind=TransactionKind.FARE).created_at
    columns = ("city_id", "kind", "idempotency_key", "reason", "by_label", "created_at")
    label = "validator bus-7"
    shared = bulk.insert(LedgerTransaction, columns, [
        (city.pk, TransactionKind.FARE, f"k-{i}", "", label, at) for i in range(5)],
        returning=True)
    every = bulk.insert(LedgerTransaction, columns, [
        (city.pk, TransactionKind.FARE, None, "", label, at)] * 3, returning=True)
    mixed = bulk.insert(LedgerTransaction, columns, [
        (city.pk, TransactionKind.FARE, None, reason, label, at + timedelta(seconds=i))
        for i, reason in enumerate(["a", "a", "b"])], returning=True)
    assert len(shared) == 5 and len(every) == 3 and len(mixed) == 3
    read = {t.pk: t for t in LedgerTransaction.objects.filter(pk__in=shared + every + mixed)}
    assert [read[pk].idempotency_key for pk in shared] == [f"k-{i}" for i in range(5)]
    assert {(t.city_id, t.kind, t.by_label) for t in read.values()} == {
        (city.pk, TransactionKind.FARE, label)}
    assert [read[pk].created_at for pk in shared + every] == [at] * 8
    assert [(read[pk].reason, read[pk].created_at) for pk in mixed] == [
        ("a", at), ("a", at + timedelta(seconds=1)), ("b", at + timedelta(seconds=2))]


def test_decimals_keep_their_cents(city):
    from zerocity.card.models import LedgerAccount, LedgerEntry

    account = LedgerAccount.objects.create(city=city, code="w", kind="wallet", name="w")
    tx = LedgerTransaction.objects.create(city=city, kind=TransactionKind.FARE)
    bulk.insert(LedgerEntry, ("transaction_id", "account_id", "amount", "balance_after"),
                [(tx.pk, account.pk, Decimal("-1.30"), Decimal("8.70"))])
    entry = LedgerEntry.objects.get(transaction=tx)
    assert (entry.amount, entry.balance_after) == (Decimal("-1.30"), Decimal("8.70"))


def test_a_written_out_read_gives_what_the_orm_reads(city):
    orm = LedgerTransaction.objects.create(city=city, kind=TransactionKind.FARE,
                                           idempotency_key="orm")
    at = orm.created_at
    ids = bulk.insert(LedgerTransaction, ("city_id", "kind", "idempotency_key", "reason",
                                          "by_label", "created_at"),
                      [(city.pk, TransactionKind.FARE, f"row-{i}", "", "", at + timedelta(
                          seconds=i, microseconds=i)) for i in range(1, 801)], returning=True)
    table = LedgerTransaction._meta.db_table

    def read(keys: list[int], since=at) -> list[tuple]:
        wanted, params = bulk.any_of(keys)
        return bulk.select(f"SELECT id, idempotency_key, created_at FROM {table} "  # noqa: S608
                           f"WHERE id {wanted} AND created_at >= %s ORDER BY id",
                           [*params, since], times=(2,))

    orms = list(LedgerTransaction.objects.filter(pk__in=[orm.pk, *ids]).order_by("pk")
                .values_list("pk", "idempotency_key", "created_at"))
    rows = read([orm.pk, *ids])
    assert rows == orms and len(rows) == 801
    assert all(r[2].tzinfo is not None and r[2].utcoffset() == timedelta(0) for r in rows)
    assert rows[5][2] == at + timedelta(seconds=5, microseconds=5)
    # the time bound is compared as the ORM compares it, and no key reads nothing
    assert [r[1] for r in read(ids[:3], since=at + timedelta(seconds=2))] == ["row-2", "row-3"]
    assert read([]) == []
    assert rows[0][2].astimezone(UTC) == orm.created_at
