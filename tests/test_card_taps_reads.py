"""The validators' written-out reads and writes (``card.taps``): a token finds its validator and
city exactly as the ORM's query found them, decimals, JSON and times included, on SQLite and
PostgreSQL; a wrong or revoked token finds nothing from the next request on; a validator's
last contact is stored as the ORM stores it, byte for byte."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils.timezone import now

from zerocity.card import taps
from zerocity.card.models import Validator

pytestmark = pytest.mark.django_db


def _values(obj):  # type: ignore[no-untyped-def]
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_a_token_finds_its_validator_and_city_as_the_orm_does(city, django_assert_num_queries):
    city.area_km2 = Decimal("150.75")
    city.second_factor_roles = ["staff", "staff:card-desk"]
    city.save()
    validator, secret = taps.register_validator(city, "bus-101", "bus", description="front")
    Validator.objects.filter(pk=validator.pk).update(
        last_seen_at=datetime(2026, 11, 24, 6, 0, 0, 123456, tzinfo=UTC), last_seq=41)
    taps.register_validator(city, "bus-102", "bus")
    orm = Validator.objects.select_related("city").get(pk=validator.pk)

    with django_assert_num_queries(1):
        found = taps.authenticate_validator(secret)
        assert found is not None and found.city.slug == "testville"  # the city comes with it
    assert _values(found) == _values(orm) and _values(found.city) == _values(orm.city)
    assert found.city.area_km2 == Decimal("150.75") and str(found.city.area_km2) == "150.75"
    assert found.city.second_factor_roles == ["staff", "staff:card-desk"]
    for at in (found.created_at, found.last_seen_at, found.city.created_at):
        assert at is not None and at.utcoffset() is not None and not at.utcoffset()
    assert found._state.db == orm._state.db and not found._state.adding
    assert not found.city._state.adding and found.city_id == city.pk


def test_a_wrong_or_revoked_token_finds_nothing_at_once(city):
    validator, secret = taps.register_validator(city, "bus-101", "bus")
    assert taps.authenticate_validator(secret) is not None
    assert taps.authenticate_validator(secret[:-1] + ("x" if secret[-1] != "x" else "y")) is None
    assert taps.authenticate_validator("short") is None
    Validator.objects.filter(pk=validator.pk).update(revoked_at=now())
    assert taps.authenticate_validator(secret) is None
    Validator.objects.filter(pk=validator.pk).update(revoked_at=None)
    _, again = taps.register_validator(city, "bus-101", "bus")  # a new token revokes the old
    assert taps.authenticate_validator(secret) is None
    assert taps.authenticate_validator(again) is not None


@pytest.mark.parametrize("at", [datetime(2026, 11, 24, 6, 0, 0, 250000, tzinfo=UTC),
                                datetime(2026, 11, 24, 6, 0, 0, tzinfo=UTC)])
def test_the_last_contact_is_stored_as_the_orm_stores_it(city, monkeypatch, at):
    """The same text on SQLite (no microseconds written when there are none), the same
    timestamp on PostgreSQL; the ORM filters find it by its time."""
    written, _ = taps.register_validator(city, "bus-101", "bus")
    updated, _ = taps.register_validator(city, "bus-102", "bus")
    monkeypatch.setattr(taps, "now", lambda: at)
    taps._seen(written, 7)
    Validator.objects.filter(pk=updated.pk).update(last_seen_at=at, last_seq=7)

    table = connection.ops.quote_name(Validator._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, last_seen_at, last_seq FROM {table} "  # noqa: S608
                       "WHERE id IN (%s, %s)", [written.pk, updated.pk])
        stored = {pk: (seen, seq) for pk, seen, seq in cursor.fetchall()}
    assert stored[written.pk] == stored[updated.pk]
    assert set(Validator.objects.filter(last_seen_at=at, last_seq=7).values_list(
        "pk", flat=True)) == {written.pk, updated.pk}
    assert Validator.objects.get(pk=written.pk).last_seen_at == at
    assert written.last_seen_at is None  # the instance in hand is left as the ORM leaves it
