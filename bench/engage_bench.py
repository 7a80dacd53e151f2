"""Public pages under concurrent load: the city's home page, its inventory, plan overview, a plan
action, a process's list of proposals, the school food outcomes, the budget and the journey
planner's form, each requested by ``--clients`` concurrent clients for ``--seconds`` against
the site served by waitress (as ``zerocity serve`` does), with p50 and p99 latency and
requests per second; the reference is a bare Django view (``/livez``: no template, no query)
served the same way in the same run. The pages are the ones anonymous visitors get from the
page cache (zerocity.web.page_cache) after their first request; the planner's form is kept
for the minute it shows. The check: every response is a 200.

    python bench/engage_bench.py [--seconds 8] [--clients 16] [--threads 8]
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from timing import goal

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

PAGES = [("bare Django view (reference)", "/livez"),
         ("city home page", "/en/kranj/"),
         ("inventory", "/en/kranj/inventory/"),
         ("plan overview", "/en/kranj/plan/"),
         ("plan action page", "/en/kranj/plan/actions/1.3/"),
         ("proposals of a process", "/en/kranj/participate/zeleni-kranj-2030/"),
         ("school food outcomes", "/en/kranj/food/"),
         ("city budget", "/en/kranj/budget/"),
         ("journey planner (the form)", "/en/kranj/mobility/")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load(port: int, path: str, clients: int, seconds: float) -> tuple[list[float], int]:
    """Latencies of every request, and how many were not a 200."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    stop = time.perf_counter() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            latencies[i].append(time.perf_counter() - t0)
            if response.status != 200:
                errors[i] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [x for lat in latencies for x in lat], sum(errors)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--threads", type=int, default=8)
    args, _ = parser.parse_known_args()
    data = tempfile.mkdtemp(prefix="zerocity-bench-engage-")
    env = {**os.environ, "ZEROCITY_DATA_DIR": data, "DJANGO_SETTINGS_MODULE": "zerocity.settings"}
    env.pop("DATABASE_URL", None)
    setup = ("import django; django.setup(); from django.core.management import call_command; "
             "call_command('migrate', verbosity=0); from zerocity.demo.kranj import load_demo; "
             "load_demo(actor='bench', readings=False)")
    subprocess.run([sys.executable, "-c", setup], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "zerocity", "serve", "--port", str(port),
                               "--threads", str(args.threads)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        print(f"waitress, {args.threads} threads; {args.clients} concurrent clients, "
              f"{args.seconds:g} s per page; SQLite; the Kranj demo")
        failed = 0
        reference = None
        ratios, p99s = [], []
        for name, path in PAGES:
            load(port, path, 2, 1)  # warm up: templates, caches
            latencies, errors = load(port, path, args.clients, args.seconds)
            failed += errors
            rps = len(latencies) / args.seconds
            q = statistics.quantiles(latencies, n=100)
            if reference is not None:
                ratios.append(rps / reference)
                p99s.append(q[98] * 1000)
            reference = reference or rps
            print(f"  {name:<30} {rps:8.0f} req/s  p50 {q[49] * 1000:7.1f} ms  "
                  f"p99 {q[98] * 1000:7.1f} ms  {rps / reference:6.3f} of the bare view"
                  + (f"  {errors} NOT 200" if errors else ""))
        goal("public pages / the bare view (the slowest page)", min(ratios), 0.5)
        goal("public pages p99 (the slowest page)", max(p99s), 100, unit=" ms", at_most=True)
        return 1 if failed else 0
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
