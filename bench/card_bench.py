"""City card benchmark: sustained taps per second from 16 concurrent validators against
PostgreSQL through the real HTTP server, single taps and offline batches of 100, with the
latency (p50, p99), the queries per tap, against pgbench's simple-update transactions
(``pgbench -N``) on the same server in the same run.

A throw-away PostgreSQL server (Debian's, as the tests start it) gets ZeroCity's schema, Kranj's
fare rules, 16 bus validators and ``--accounts`` card accounts with money on them (20,000 by
default, a third of Kranj's people: the first through the desk's services, the rest written in
bulk as those services write them), five earlier taps a card with the eco-points they earned (in
the months before, as a live city's tables hold them) and the statistics autovacuum would have
gathered. Fewer cards make the validators' batches share cards, and so wait on each other's
wallet locks: ``--accounts 2000`` shows that case, and ``--riders bus`` the opposite one, each
validator's batches drawing from its own share of the cards. ZeroCity is served as a deployment
serves it: ``zerocity serve`` (waitress, ``--threads`` threads), one server process per CPU
(``--workers``), connections kept open (``CONN_MAX_AGE``). Each validator is a client thread
with its own keep-alive connection to one of the servers; it posts taps (``POST
/api/v1/card/taps``) for ``--seconds``: random cards, one bus per validator, times moving
forward, so the fare engine meets first rides, already-validated repeats, transfers and the day
cap. Then the same validators post offline batches of ``--batch`` taps (``POST
/api/v1/card/taps/batch``) for as long. Then pgbench runs its simple-update script with the same
number of clients for the same time. For scale, the same clients also ask the same servers for a
bare Django view (``/livez``) for as long: no call of the API can do more on the machine, and
the single taps' ratio to it is the share the tap's own work leaves. Queries per tap are counted
in this process (``CaptureQueriesContext``) on the same service path, for a single tap and a
batch. The checks: every tap answered, none refused for a server error, the ledger reconciled.

    python bench/card_bench.py [--seconds 10] [--validators 16] [--accounts 20000] [--batch 100]
                               [--riders city|bus]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from timing import goal

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))


def setup(validators: int, accounts: int) -> dict[str, str]:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from zerocity.card import accounts as card_accounts
    from zerocity.card import services, taps
    from zerocity.card.demo import kranj_fares
    from zerocity.core.services import create_city

    city = create_city("kranj", name="Kranj", country="SI", population=57171)
    card_accounts.set_rules(city, kranj_fares(), actor="bench")
    secrets = {}
    for i in range(validators):
        _, secret = taps.register_validator(city, f"bus-{i:03d}", "bus")
        secrets[f"bus-{i:03d}"] = secret
    by_desk = min(accounts, 20)
    for i in range(by_desk):
        account = card_accounts.open_account(city, actor="bench")
        card_accounts.issue_medium(account, f"CARD-{i:06d}")
        services.top_up(account.wallet, "500.00", payment_reference=f"bench-{i}", actor="bench")
    for first in range(by_desk, accounts, 5000):
        many_accounts(city, first, min(5000, accounts - first))
    earlier_taps(city, accounts)
    from django.db import connection

    with connection.cursor() as cursor:  # the statistics autovacuum keeps on a live database
        cursor.execute("ANALYZE")
    return secrets


def earlier_taps(city: Any, accounts: int, per_card: int = 5) -> None:
    """A city's tap table is not empty when a morning begins: ``per_card`` earlier taps a card,
    in August and September on the monthly pass (no fare, so no ledger entries), before the
    month of fares the engine reads around each new tap, each with the eco-points its trip
    earned. Without them every read of a card's recent taps and of its day's points would meet
    an empty table and its statistics, which no live city has."""
    from zerocity.card import rewards
    from zerocity.card.accounts import token_hash
    from zerocity.card.models import Medium, PointsEntry, PointsKind, Tap, Validator
    from zerocity.card.recording import TAP_COLUMNS
    from zerocity.core import bulk

    media = {digest: (pk, account) for digest, pk, account in Medium.objects.filter(
        city=city).values_list("token_hash", "pk", "account_id")}
    validators = list(Validator.objects.filter(city=city).values_list("pk", flat=True))
    start, received = datetime(2026, 8, 1, 5, 0, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)
    rows, earners = [], []
    for k in range(accounts * per_card):  # a card's taps are days apart: under the daily cap
        digest = token_hash(f"CARD-{k % accounts:06d}")
        at = start + timedelta(seconds=k * 50)
        medium, account = media[digest]
        rows.append((validators[k % len(validators)], 100_000_000 + k, medium, digest,
                     at, received, False, "bus", "", "", "", None, True, "pass", 0, "monthly",
                     at, None))
        earners.append(account)
    for first in range(0, len(rows), 20_000):
        part = rows[first:first + 20_000]
        taps = bulk.insert(Tap, TAP_COLUMNS, part, returning=True)
        bulk.insert(PointsEntry, ("account_id", "kind", "points", "reason", "tap_id", "at",
                                  "by_label"),
                    [(account, PointsKind.EARN, rewards.POINTS_PER_TRIP["bus"], "bus trip",
                      tap, row[4], "")
                     for account, tap, row in zip(earners[first:first + 20_000], taps, part,
                                                  strict=True)])


def many_accounts(city: Any, first: int, count: int) -> None:
    """Card holders in bulk, written as the desk's services write them (a wallet, an account,
    a city card, a top-up of 500 EUR from the payments account with both entries and the
    balances after them), so that a city-sized population is set up in seconds; the ledger's
    reconciliation at the end checks them with everything else."""
    import uuid
    from decimal import Decimal

    from zerocity.card.accounts import token_hash
    from zerocity.card.models import (
        AccountKind,
        CardAccount,
        LedgerAccount,
        LedgerEntry,
        LedgerTransaction,
        Medium,
        MediumKind,
        TransactionKind,
    )
    from zerocity.card.services import system_account

    amount, numbers = Decimal("500.00"), range(first, first + count)
    payments = system_account(city, "payments")
    wallets = LedgerAccount.objects.bulk_create([
        LedgerAccount(city=city, code=f"wallet-bench-{i:06d}", kind=AccountKind.WALLET,
                      name="Card account wallet", floor=Decimal("0.00"), balance=amount)
        for i in numbers])
    holders = CardAccount.objects.bulk_create([
        CardAccount(city=city, wallet=w, pseudonym=uuid.uuid4()) for w in wallets])
    Medium.objects.bulk_create([
        Medium(city=city, account=a, kind=MediumKind.CITY_CARD,
               token_hash=token_hash(f"CARD-{i:06d}"), label=f"{i:06d}"[-4:])
        for i, a in zip(numbers, holders, strict=True)])
    txs = LedgerTransaction.objects.bulk_create([
        LedgerTransaction(city=city, kind=TransactionKind.TOPUP,
                          idempotency_key=f"payment:bench-{i}", by_label="bench")
        for i in numbers])
    balance, entries = payments.balance, []
    for wallet, tx in zip(wallets, txs, strict=True):
        balance -= amount
        entries += [LedgerEntry(transaction=tx, account=payments, amount=-amount,
                                balance_after=balance),
                    LedgerEntry(transaction=tx, account=wallet, amount=amount,
                                balance_after=amount)]
    LedgerEntry.objects.bulk_create(entries)
    LedgerAccount.objects.filter(pk=payments.pk).update(balance=balance)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_servers(workers: int, threads: int) -> tuple[list[subprocess.Popen[bytes]], list[int]]:
    """``zerocity serve`` processes, one per port, each answering once it listens."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    ports = [free_port() for _ in range(workers)]
    procs = [subprocess.Popen([sys.executable, "-m", "zerocity", "serve", "--port", str(port),
                               "--threads", str(threads)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for port in ports]
    for port in ports:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
    return procs, ports


def bare_view(ports: list[int], clients: int, seconds: float) -> float:
    """Requests per second of ``/livez`` (a bare Django view through the same middleware and
    servers) from as many clients for as long: the most any API call can get on this machine."""
    done = [0] * clients
    stop = time.perf_counter() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", ports[i % len(ports)], timeout=60)
        while time.perf_counter() < stop:
            conn.request("GET", "/livez", headers={"Host": "127.0.0.1"})
            if conn.getresponse().read() is not None:
                done[i] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - began)


def drive(secrets: dict[str, str], ports: list[int], seconds: float, accounts: int,
          batch: int, start_seq: int, riders: str = "city") -> tuple[list[float], int, int,
                                                                    float]:
    """Every validator a thread with its own keep-alive connection, posting single taps
    (``batch`` 0) or batches for ``seconds``: latencies of the requests, taps decided,
    requests refused, and the seconds from the start to the last answer (a request begun
    before the time is up is waited for and counted)."""
    # single taps from 2 November, batches from 16 November: always in the past, 20 s apart
    day0 = datetime(2026, 11, 16 if batch else 2, 5, 0, tzinfo=UTC)
    devices = sorted(secrets.items())
    pool = accounts // len(devices)
    latencies: list[list[float]] = [[] for _ in devices]
    decided = [0] * len(devices)
    errors = [0] * len(devices)
    # every client warmed up (``ready``), then the clock set, then all go at once (``go``): a
    # client never reads the time to stop before it is set
    ready, go = threading.Barrier(len(devices) + 1), threading.Barrier(len(devices) + 1)
    stop = [0.0]

    def validator(i: int) -> None:
        device, secret = devices[i]
        rng = random.Random(i * 7919 + start_seq)
        conn = http.client.HTTPConnection("127.0.0.1", ports[i % len(ports)], timeout=120)
        headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json",
                   "Host": "127.0.0.1"}
        conn.request("GET", "/api/v1/card/rules", headers=headers)  # warm up
        conn.getresponse().read()
        seq = start_seq
        ready.wait()
        go.wait()
        while time.perf_counter() < stop[0]:
            taps = []
            for _ in range(max(batch, 1)):
                seq += 1
                card = rng.randrange(accounts) if riders == "city" \
                    else i * pool + rng.randrange(pool)  # each bus its own riders
                taps.append({"seq": seq, "medium": f"CARD-{card:06d}",
                             "at": (day0 + timedelta(seconds=(seq - start_seq) * 20 + i))
                             .isoformat(),
                             "vehicle": device})
            if batch:
                path, body = "/api/v1/card/taps/batch", {"device_id": device, "taps": taps}
            else:
                path, body = "/api/v1/card/taps", {"device_id": device, **taps[0]}
            t0 = time.perf_counter()
            conn.request("POST", path, json.dumps(body), headers=headers)
            response = conn.getresponse()
            response.read()
            latencies[i].append(time.perf_counter() - t0)
            if response.status in (200, 201):
                decided[i] += len(taps)
            else:
                errors[i] += 1
        conn.close()

    clients = [threading.Thread(target=validator, args=(i,)) for i in range(len(devices))]
    for t in clients:
        t.start()
    ready.wait()  # every client connected and warmed before the clock starts
    began = time.perf_counter()
    stop[0] = began + seconds
    go.wait()
    for t in clients:
        t.join()
    elapsed = time.perf_counter() - began
    return [x for lat in latencies for x in lat], sum(decided), sum(errors), elapsed


def queries_per_tap(batch: int) -> tuple[float, float]:
    """Queries of one single tap, and of a batch's taps per tap, on the service path the API
    calls (a validator of its own, cards already tapped)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zerocity.card import taps
    from zerocity.core.models import City

    validator, _ = taps.register_validator(City.objects.get(slug="kranj"), "bus-q", "bus")
    day0 = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)

    def one(seq: int) -> taps.TapIn:
        return taps.TapIn(seq=seq, medium=f"CARD-{seq % 50:06d}", vehicle="bus-q",
                          at=day0 + timedelta(seconds=seq * 20))

    taps.process_tap(validator, one(1))  # the revenue account made, the rules parsed
    with CaptureQueriesContext(connection) as single:
        taps.process_tap(validator, one(2))
    with CaptureQueriesContext(connection) as many:
        taps.process_batch(validator, [one(3 + k) for k in range(batch)])
    return len(single.captured_queries), len(many.captured_queries) / batch


def pgbench(url: str, clients: int, seconds: int) -> float:
    from pgserver import find_bindir

    binary = str(find_bindir() / "pgbench")
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, binary, "-i", "-s", "10", "-q", url], check=True,
                   capture_output=True)
    out = subprocess.run([*prefix, binary, "-N", "-c", str(clients), "-j", str(min(clients, 4)),
                          "-T", str(seconds), url], check=True, capture_output=True,
                         text=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("tps"))
    return float(line.split("=")[1].split()[0])


def stats(latencies: list[float]) -> tuple[float, float, float]:
    """p50, p99 and the slowest, in milliseconds."""
    q = (statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1
         else [0.0] * 99)
    return q[49] * 1000, q[98] * 1000, max(latencies, default=0.0) * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--validators", type=int, default=16)
    parser.add_argument("--accounts", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--riders", choices=["city", "bus"], default="city",
                        help="draw each tap's card from the whole city (default: concurrent "
                             "batches share cards and wait on their wallet locks) or from "
                             "the validator's own share of the cards")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=8)
    args, _ = parser.parse_known_args()

    from pgserver import PostgresUnavailable, temporary_postgres

    try:
        server = temporary_postgres()
        url = server.__enter__()
    except PostgresUnavailable as exc:
        print(f"card benchmark skipped: {exc}")
        return 0
    procs: list[subprocess.Popen[bytes]] = []
    try:
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("ZEROCITY_DATA_DIR", "/tmp/zerocity-card-bench")
        os.environ["DJANGO_SETTINGS_MODULE"] = "zerocity.settings"
        import django

        django.setup()
        t0 = time.perf_counter()
        secrets = setup(args.validators, args.accounts)
        from django.db import connections

        connections.close_all()
        print(f"card: {args.accounts:,} accounts with {args.accounts * 5:,} earlier taps, "
              f"{args.validators} validators, Kranj's fare rules; "
              f"set up in {time.perf_counter() - t0:.1f} s; {os.cpu_count()} CPUs; "
              f"{args.workers} x `zerocity serve` --threads {args.threads}", flush=True)
        procs, ports = start_servers(args.workers, args.threads)
        single, single_taps, single_errors, t1 = drive(secrets, ports, args.seconds, args.accounts,
                                                   0, 0)
        batches, batch_taps, batch_errors, t2 = drive(secrets, ports, args.seconds, args.accounts,
                                                  args.batch, 10_000_000, args.riders)
        bare = bare_view(ports, args.validators, args.seconds)
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
        procs = []
        q_single, q_batch = queries_per_tap(args.batch)

        from zerocity.card.services import reconcile
        from zerocity.core.models import City

        result = reconcile(City.objects.get(slug="kranj"))
        connections.close_all()
        tps = pgbench(url, args.validators, int(args.seconds))
        rate1, rate2 = single_taps / t1, batch_taps / t2
        (p50, p99, top), (b50, b99, btop) = stats(single), stats(batches)
        print(f"  single taps, {args.validators} validators        {rate1:10,.0f} taps/s   "
              f"({single_taps:,} in {t1:.1f} s)   p50 {p50:7.1f} ms   "
              f"p99 {p99:7.1f} ms   max {top:7.1f} ms   {q_single:.0f} queries a tap   "
              f"ratio {rate1 / tps:.3f}")
        own = ", each bus its own riders" if args.riders == "bus" else ""
        print(f"  batches of {args.batch}, {args.validators} validators{own}   "
              f"{rate2:10,.0f} taps/s   "
              f"({batch_taps:,} in {t2:.1f} s)   p50 {b50:7.1f} ms   "
              f"p99 {b99:7.1f} ms   max {btop:7.1f} ms a batch   {q_batch:.1f} queries a tap   "
              f"ratio {rate2 / tps:.3f}")
        print(f"  pgbench -N (simple update), {args.validators} clients      {tps:10,.0f} tps")
        print(f"  bare Django view (/livez), {args.validators} clients       {bare:10,.0f} req/s   "
              f"ratio {bare / tps:.3f}: no API call can do more here; single taps are "
              f"{rate1 / bare:.3f} of it")
        goal("single taps / pgbench -N", rate1 / tps, 0.3)
        goal("single taps p99", p99, 50, unit=" ms", at_most=True)
        goal("taps in batches / pgbench -N", rate2 / tps, 0.5)
        errors = single_errors + batch_errors
        print(f"  checks: {errors} requests refused with an error; ledger "
              + ("reconciled" if result.clean else f"NOT reconciled: {result.problems[:3]}"))
        return 0 if errors == 0 and result.clean else 1
    finally:
        for proc in procs:
            proc.terminate()
        server.__exit__(None, None, None)


if __name__ == "__main__":
    sys.exit(main())
