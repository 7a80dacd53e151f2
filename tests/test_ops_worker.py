"""`zerocity worker`: real worker processes against the test database run the timers on
their schedules, keep those schedules across restarts and run each job once, however many
workers there are."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils.timezone import now

from ops_support import Shared, shared_database, wait_until, zerocity
from zerocity.core.models import AuditLog
from zerocity.ops.jobs import JOBS

# serialized_rollback: the reference data the migrations seed comes back for the tests after
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
# Timers due again within a test's run (the feeds pulled every minute) may rightly run twice;
# every other timer must have run exactly once.
EVERY_MINUTE = {name for name, job in JOBS.items() if job.minutes < 5}


def once(counts: dict[str, int]) -> bool:
    return all(n == 1 or (name in EVERY_MINUTE and n >= 1) for name, n in counts.items())


@contextmanager
def workers(shared: Shared, count: int = 1) -> Iterator[list[subprocess.Popen[str]]]:
    procs = [subprocess.Popen([sys.executable, "-m", "zerocity", "worker"], env=shared.env,
                              text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
             for _ in range(count)]
    try:
        yield procs
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)  # as systemd stops it: jobs under way finish first
        for p in procs:
            try:
                p.wait(timeout=120)
            except subprocess.TimeoutExpired:
                p.kill()
                raise


def job_runs(shared: Shared) -> list[dict[str, object]]:
    return [json.loads(data) if isinstance(data, str) else data for (data,) in shared.sql(
        "SELECT data FROM core_auditlog WHERE action = ? ORDER BY id", ("worker.job",))]


def ran(shared: Shared, job: str, request: str) -> int:
    return sum(1 for r in job_runs(shared) if r["job"] == job and r["request"] == request)


def _article_due(city):  # type: ignore[no-untyped-def]
    from zerocity.engage.models import Article
    from zerocity.engage.services import news

    article = news.write(city, "New bus line 7", "From Monday.",
                         publish_at=now() + timedelta(hours=1), actor="test")
    assert article.announced_at is None
    # an hour later: the article has appeared, and no one has run `engage tick`
    Article.objects.filter(pk=article.pk).update(publish_at=now() - timedelta(minutes=1))
    return article


def test_the_worker_runs_the_news_timer_on_schedule_and_keeps_its_schedules_across_a_restart(
        city, tmp_path):
    from django_q.models import Schedule

    from zerocity.engage.models import Article

    article = _article_due(city)
    with shared_database(tmp_path) as shared:
        with workers(shared):
            # every schedule is due on a new install: the worker runs each timer at once
            wait_until(lambda: all(ran(shared, j, "schedule") for j in JOBS),
                       "each timer's first run")
        assert {n for (n,) in shared.sql("SELECT name FROM django_q_schedule")} == {
            f"zerocity:{j}" for j in JOBS}

        with workers(shared):  # restarted: the schedules are there, nothing is due yet
            zerocity("worker", "enqueue", "engage-tick", env=shared.env)
            wait_until(lambda: ran(shared, "engage-tick", "cli"), "the queued engage tick")
        assert len(shared.sql("SELECT id FROM django_q_schedule")) == len(JOBS)
        assert once({j: ran(shared, j, "schedule") for j in JOBS})

    article.refresh_from_db()
    assert article.announced_at is not None
    tick = AuditLog.objects.get(action="worker.job", data__job="engage-tick",
                                data__request="schedule")
    assert tick.data["result"] == {"testville": "1 articles announced"}
    assert Article.objects.filter(announced_at__isnull=True).count() == 0
    # the next turn is five minutes after the first, not at the restart
    s = Schedule.objects.get(name="zerocity:engage-tick")
    assert s.next_run is not None and s.next_run > now() + timedelta(minutes=2)


def test_two_workers_run_each_queued_job_and_each_due_timer_exactly_once(city, tmp_path):
    from django_q.models import OrmQ

    from zerocity.ops.worker import enqueue

    requests = [f"r{i}" for i in range(12)]
    for r in requests:
        enqueue("engage-tick", request=r)
    assert OrmQ.objects.count() == 12
    with shared_database(tmp_path) as shared:
        with workers(shared, count=2):
            wait_until(lambda: all(ran(shared, "engage-tick", r) for r in requests)
                       and all(ran(shared, j, "schedule") for j in JOBS)
                       and not shared.sql("SELECT id FROM django_q_ormq"),
                       "the queue to empty and every timer to run")
        # both workers stopped: anything claimed twice would have run by now
        runs = job_runs(shared)
    assert sorted(r["request"] for r in runs if r["request"] != "schedule") == sorted(requests)
    scheduled = [r["job"] for r in runs if r["request"] == "schedule"]
    assert set(scheduled) == set(JOBS) and once({j: scheduled.count(j) for j in JOBS})
    assert len(AuditLog.objects.filter(action="worker.job")) == len(requests) + len(scheduled)


def test_the_schedules_are_created_once_and_a_changed_interval_is_corrected():
    from django_q.models import Schedule

    from zerocity.ops.worker import ensure_schedules

    assert ensure_schedules() == list(JOBS)
    first = {s.name: s.next_run for s in Schedule.objects.all()}
    assert ensure_schedules() == []
    Schedule.objects.filter(name="zerocity:engage-digest").update(minutes=5)
    assert ensure_schedules() == ["engage-digest"]
    after = {s.name: (s.next_run, s.minutes) for s in Schedule.objects.all()}
    assert after["zerocity:engage-digest"] == (first["zerocity:engage-digest"], 7 * 24 * 60)
    assert Schedule.objects.count() == len(JOBS)


def test_a_job_runs_for_every_city_and_leaves_an_audit_record(city, helsinki):
    from zerocity.ops.jobs import run

    assert run("engage-tick", request="test") == {"helsinki": "0 articles announced",
                                                  "testville": "0 articles announced"}
    record = AuditLog.objects.get(action="worker.job")
    assert (record.actor_label, record.data["job"], record.data["request"]) == (
        "worker", "engage-tick", "test")
