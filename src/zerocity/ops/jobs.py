"""The timers the worker runs: each job is what an operator ran by hand before (``zerocity
food tick``, ``engage tick``, ``engage digest``, ``reminders send``, ``data
feed-indicators``, ``card reconcile``, ``mobility realtime pull`` and ``mobility bikes
pull``), for every city in turn.

A job is safe to run again: each service it calls changes nothing the second time. One
city's failure does not stop the others; the job then fails as a whole, so the worker's
record shows it, after every city had its turn. Each run leaves an audit record
(``worker.job``) naming the job, its queue task and what it did."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.timezone import now

if TYPE_CHECKING:  # the command line reads JOBS before Django is set up
    from zerocity.core.models import City

log = logging.getLogger(__name__)
ACTOR = "worker"


class JobFailed(RuntimeError):
    """Some cities' share of a job failed (each is in the log with its traceback)."""


def _food_tick(city: City) -> str:
    from zerocity.food.services import dps

    moved = dps.tick(city, now())
    return (f"unsealed {moved.unsealed}, activated {len(moved.activated)}, terminated "
            f"{len(moved.terminated)}, excluded {moved.excluded}, overdue "
            f"{len(moved.overdue)}")


def _engage_tick(city: City) -> str:
    from zerocity.engage.services.news import announce

    return f"{announce(city)} articles announced"


def _engage_digest(city: City) -> str:
    from zerocity.engage.services.notify import digest

    return f"{digest(city)} digest mails sent"


def _reminders(city: City) -> str:
    from zerocity.core.reminders import send

    run = send(city, actor=ACTOR)
    return f"{len(run.digests)} reminder mails, {run.as_dict()['reminders']} reminders"


def _feed_indicators(city: City) -> str:
    from zerocity.data.outputs import feed_indicators

    return f"{len(feed_indicators(city, actor=ACTOR))} observations recorded or confirmed"


def _card_reconcile(city: City) -> str:
    from zerocity.card.services import reconcile

    result = reconcile(city)
    for problem in result.problems:
        log.error("card ledger of %s: %s", city.slug, problem)
    if not result.clean:
        raise JobFailed(f"{len(result.problems)} differences in the card ledger")
    return f"{result.accounts} accounts, {result.transactions} transactions reconciled"


def _mobility_pull(city: City) -> str:
    from zerocity.core.errors import ZeroCityError
    from zerocity.mobility import bikes, realtime
    from zerocity.mobility.selectors import pulled_feeds

    rt_url, gbfs_url = pulled_feeds(city)
    done: list[str] = []
    failed: list[str] = []
    if rt_url:
        try:
            got = realtime.pull(city, actor=ACTOR)
            done.append("real time: " + ("unchanged" if got.replayed or not got.value.replaced
                                         else ", ".join(got.value.replaced)))
        except ZeroCityError as exc:  # the bikes still get their turn
            failed.append(f"real time: {exc}")
    if gbfs_url:
        try:
            bikes_done = bikes.pull(city, actor=ACTOR)
            done.append("bike-share: " + ("unchanged" if bikes_done.replayed else
                                          f"{len(bikes_done.value.stations)} stations"))
        except ZeroCityError as exc:
            failed.append(f"bike-share: {exc}")
    if failed:
        raise JobFailed("; ".join(failed + done))
    return "; ".join(done) or "no feed to pull"


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[City], str]
    minutes: int  # how often the worker runs it
    help: str


JOBS = {job.name: job for job in (
    Job("food-tick", _food_tick, 5, "the DPS clock: unseal, activate, close for tenders"),
    Job("engage-tick", _engage_tick, 5, "announce the articles that have appeared"),
    Job("engage-digest", _engage_digest, 7 * 24 * 60, "the weekly digest mail"),
    Job("reminders", _reminders, 24 * 60,
        "the reminder digest: what people owe, on working days (docs/reminders.md)"),
    Job("feed-indicators", _feed_indicators, 24 * 60,
        "recompute the plan indicators fed by readings"),
    Job("card-reconcile", _card_reconcile, 24 * 60, "prove the card ledger balances"),
    Job("mobility-pull", _mobility_pull, 1,
        "pull the cities' GTFS-Realtime and GBFS feeds"),
)}


def run(name: str, request: str = "") -> dict[str, str]:
    """Run job NAME for every city; what the queue calls (``zerocity.ops.jobs.run``). Returns
    what it did per city, which the worker keeps as the task's result. ``request`` names who
    asked for this run (a schedule, or ``zerocity worker enqueue``) in the audit record."""
    from zerocity.core import audit
    from zerocity.core.models import City

    job = JOBS[name]
    done: dict[str, str] = {}
    failed: list[str] = []
    for city in City.objects.order_by("slug"):
        try:
            done[city.slug] = job.run(city)
        except Exception as exc:  # one city's failure must not starve the others
            log.exception("job %s failed for %s", name, city.slug)
            done[city.slug] = f"failed: {exc}"
            failed.append(city.slug)
    audit.record("worker.job", city=None, actor=ACTOR, job=name, request=request,
                 result=done)
    if failed:
        raise JobFailed(f"{name} failed for {', '.join(failed)}")
    return done
