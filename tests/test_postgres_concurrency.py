"""Two imports into the same inventory at the same moment, on PostgreSQL.

The first test proves the race is real: with the inventory lock taken away, both imports read
the same lines and both insert the same new line, and one fails. The second shows that with
the lock the two run one after the other and both succeed.
"""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, connections

from zerocity.inventory import services
from zerocity.inventory.models import Inventory

pytestmark = [pytest.mark.postgres_only,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FILE_A = b"gpc_ref,activity,co2\nI.1.1,Gas boilers,10\n"
FILE_B = b"gpc_ref,activity,co2\nI.1.1,Gas boilers,12\n"


@pytest.fixture(autouse=True)
def only_on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proved on PostgreSQL; the PostgreSQL pass of `make test` "
                    "runs this")


def run_both(city, barrier_before_import: threading.Barrier | None = None):
    results: dict[str, object] = {}

    def worker(name: str, data: bytes) -> None:
        try:
            if barrier_before_import is not None:
                barrier_before_import.wait(timeout=10)
            results[name] = services.import_activity_file(city, 2022, data, f"{name}.csv",
                                                          mode="merge")
        except Exception as exc:  # noqa: BLE001 - the failure is what the test inspects
            results[name] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=("a", FILE_A)),
               threading.Thread(target=worker, args=("b", FILE_B))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_without_the_lock_two_imports_collide(city, monkeypatch):
    services.create_inventory(city, 2022)
    barrier = threading.Barrier(2)

    def no_lock(inventory):
        # both read the inventory, then wait for each other: the window the lock closes
        fresh = Inventory.objects.get(pk=inventory.pk)
        barrier.wait(timeout=10)
        return fresh

    monkeypatch.setattr(services, "_lock", no_lock)
    results = run_both(city)
    failures = [r for r in results.values() if isinstance(r, Exception)]
    assert len(failures) == 1 and isinstance(failures[0], IntegrityError)


def test_with_the_lock_both_imports_succeed_one_after_the_other(city):
    services.create_inventory(city, 2022)
    results = run_both(city, threading.Barrier(2))
    assert not [r for r in results.values() if isinstance(r, Exception)], results
    created = sorted((r.created, r.updated) for r in results.values())
    assert created == [(0, 1), (1, 0)]
    inv = Inventory.objects.get(city=city, year=2022)
    assert inv.lines.count() == 1
