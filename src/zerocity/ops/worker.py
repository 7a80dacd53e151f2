"""The worker's schedules and queue (django-q2 with its ORM broker: docs/worker.md).

Schedules live in the database, one per job of ``zerocity.ops.jobs.JOBS``, named
``zerocity:<job>``. ``ensure_schedules`` creates the missing ones and corrects a changed
interval; it keeps each schedule's next run, so a restart neither skips a turn nor runs a
timer twice, and two workers starting together create each schedule once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils.timezone import now

from zerocity.ops.jobs import JOBS

FUNC = "zerocity.ops.jobs.run"
PREFIX = "zerocity:"
# pg_advisory_xact_lock's key for "someone is writing the schedules" (any fixed number)
SCHEDULES_LOCK = 0x7A65_726F_6369


@dataclass(frozen=True)
class Planned:
    job: str
    minutes: int
    next_run: datetime | None
    last_task: str


def _lock_schedules() -> None:
    # SQLite's transactions here begin IMMEDIATE and so already hold the one write lock.
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEDULES_LOCK])


@transaction.atomic
def ensure_schedules() -> list[str]:
    """Create or correct the schedule of every job; returns the jobs whose schedule changed.
    Running it again changes nothing."""
    from django_q.models import Schedule

    _lock_schedules()
    changed = []
    for job in JOBS.values():
        wanted = {"func": FUNC, "args": repr(job.name), "kwargs": "request='schedule'",
                  "schedule_type": Schedule.MINUTES, "minutes": job.minutes, "repeats": -1}
        found = Schedule.objects.filter(name=PREFIX + job.name).order_by("pk").first()
        if found is None:
            Schedule.objects.create(name=PREFIX + job.name, next_run=now(), **wanted)
            changed.append(job.name)
        elif any(getattr(found, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(found, k, v)
            found.save()
            changed.append(job.name)
    return changed


def schedules() -> list[Planned]:
    from django_q.models import Schedule

    found = {s.name: s for s in Schedule.objects.filter(name__startswith=PREFIX)}
    out = []
    for job in JOBS.values():
        s = found.get(PREFIX + job.name)
        out.append(Planned(job.name, job.minutes, s.next_run if s else None,
                           (s.task or "") if s else ""))
    return out


def enqueue(name: str, *, request: str = "cli") -> str:
    """Put one run of job NAME on the queue now; returns the task id."""
    from django_q.tasks import async_task

    if name not in JOBS:
        raise KeyError(name)
    return str(async_task(FUNC, name, request=request, group=PREFIX + name))


def run_due_schedules() -> None:
    """Queue every schedule whose time has come (the worker does this every 30 seconds; at
    start as well, so that a timer overdue after a stop runs at once)."""
    from django_q.brokers import get_broker
    from django_q.scheduler import scheduler

    scheduler(broker=get_broker())


def serve() -> None:
    """Run the worker until SIGTERM or SIGINT: the schedules, then the cluster of processes
    that take jobs off the queue. A job being run when the signal comes is finished first."""
    from django_q.cluster import Cluster

    from zerocity.server import prepare

    prepare()  # the data directory private, folders of a killed ingest swept (as `serve` does)
    ensure_schedules()
    run_due_schedules()
    cluster = Cluster()
    cluster.start()
    sentinel = cluster.sentinel
    while sentinel is not None and sentinel.is_alive():
        sentinel.join(1)
