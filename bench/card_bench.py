"""City card benchmark: sustained taps per second from 16 concurrent validators against
PostgreSQL, with the decision latency (p50, p99), against pgbench's simple-update transactions
(``pgbench -N``) on the same server in the same run.

A throw-away PostgreSQL server (Debian's, as the tests start it) gets ZeroCity's schema, Kranj's
fare rules, 16 bus validators and ``--accounts`` card accounts with money on them. Each
validator is a process (as a deployment runs several server processes) with its own database
connection that posts taps through the validators' API (``POST /api/v1/card/taps``, Django's
request handling included) for ``--seconds``: random
cards, one bus per validator, times moving forward, so the fare engine meets first rides,
already-validated repeats, transfers and the day cap. Then pgbench runs its simple-update
script with the same number of clients for the same time. The checks: every tap answered,
none refused for a server error, the ledger reconciled.

    python bench/card_bench.py [--seconds 20] [--validators 16] [--accounts 2000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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
    for i in range(accounts):
        account = card_accounts.open_account(city, actor="bench")
        card_accounts.issue_medium(account, f"CARD-{i:06d}")
        services.top_up(account.wallet, "500.00", payment_reference=f"bench-{i}", actor="bench")
    return secrets


def validator_process(index: int, device: str, secret: str, seconds: float, accounts: int,
                      ready: Any, go: Any, out: Any) -> None:
    """One validator: its own process, Django and connection; taps until the time is up."""
    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    rng = random.Random(index)
    latencies: list[float] = []
    errors = seq = 0
    day0 = datetime(2026, 11, 2, 5, 0, tzinfo=UTC)
    client.get("/api/v1/card/rules", HTTP_AUTHORIZATION=f"Bearer {secret}")  # warm up
    ready.put(index)
    go.wait()
    stop_at = time.time() + seconds
    while time.time() < stop_at:
        seq += 1
        medium = f"CARD-{rng.randrange(accounts):06d}"
        body = {"device_id": device, "seq": seq, "medium": medium,
                "at": (day0 + timedelta(seconds=seq * 20 + index)).isoformat(),
                "vehicle": device}
        t0 = time.perf_counter()
        response = client.post("/api/v1/card/taps", json.dumps(body),
                               content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {secret}")
        latencies.append(time.perf_counter() - t0)
        if response.status_code not in (200, 201):
            errors += 1
    out.put((latencies, errors))


def drive(secrets: dict[str, str], seconds: float, accounts: int) -> tuple[list[float], int]:
    ctx = multiprocessing.get_context("spawn")
    queue, ready, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=validator_process,
                         args=(i, d, s, seconds, accounts, ready, go, queue))
             for i, (d, s) in enumerate(sorted(secrets.items()))]
    for p in procs:
        p.start()
    for _ in procs:  # every process set up and warmed before the clock starts
        ready.get(timeout=300)
    go.set()
    latencies: list[float] = []
    errors = 0
    for _ in procs:
        mine, bad = queue.get(timeout=seconds + 120)
        latencies.extend(mine)
        errors += bad
    for p in procs:
        p.join()
    return latencies, errors


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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--validators", type=int, default=16)
    parser.add_argument("--accounts", type=int, default=2000)
    args, _ = parser.parse_known_args()

    from pgserver import PostgresUnavailable, temporary_postgres

    try:
        server = temporary_postgres()
        url = server.__enter__()
    except PostgresUnavailable as exc:
        print(f"card benchmark skipped: {exc}")
        return 0
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
        print(f"card: {args.accounts:,} accounts, {args.validators} validators, Kranj's fare "
              f"rules; set up in {time.perf_counter() - t0:.1f} s; {os.cpu_count()} CPUs",
              flush=True)
        latencies, errors = drive(secrets, args.seconds, args.accounts)
        taps_per_s = len(latencies) / args.seconds

        from zerocity.card.services import reconcile
        from zerocity.core.models import City

        result = reconcile(City.objects.get(slug="kranj"))
        tps = pgbench(url, args.validators, int(args.seconds))
        q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
        print(f"  taps through the API, {args.validators} validators   {taps_per_s:10,.0f} "
              f"taps/s   ({len(latencies):,} taps in {args.seconds:.0f} s)")
        print(f"  decision latency                             p50 {q[49] * 1000:7.1f} ms   "
              f"p99 {q[98] * 1000:7.1f} ms")
        print(f"  pgbench -N (simple update), {args.validators} clients      {tps:10,.0f} tps")
        print(f"  ratio taps/s : pgbench tps                   {taps_per_s / tps:10.3f}")
        print(f"  checks: {errors} taps refused with an error; ledger "
              + ("reconciled" if result.clean else f"NOT reconciled: {result.problems[:3]}"))
        return 0 if errors == 0 and result.clean else 1
    finally:
        server.__exit__(None, None, None)


if __name__ == "__main__":
    sys.exit(main())
