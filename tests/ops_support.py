"""Databases another process can use during a test: the worker and the restore run as real
``zerocity`` processes against them.

``shared_database``: what the test committed (``transactional_db``), open to a second
process. On PostgreSQL that is the test database itself; SQLite's test database lives in
memory, so it is copied to a file with the online backup API and, when the block ends, what
the other process wrote is copied back, so the test reads it through the ORM.

``empty_database``: a new, empty database on the same engine (a restore's target)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

SRC = Path(__file__).resolve().parent.parent / "src"


def postgres_url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{name}"


def environment(database_url: str, data_dir: Path | str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZEROCITY_")}
    env.update(DATABASE_URL=database_url, ZEROCITY_DATA_DIR=str(data_dir),
               PYTHONPATH=str(SRC), DJANGO_SETTINGS_MODULE="zerocity.settings",
               ZEROCITY_WORKER_PROCESSES="1", ZEROCITY_WORKER_POLL="0.2")
    return env


def zerocity(*args: str, env: dict[str, str], check: bool = True,
             stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "zerocity", *args], env=env, text=True,
                          capture_output=True, input=stdin, timeout=600)
    if check and done.returncode != 0:
        raise AssertionError(f"zerocity {' '.join(args)}: {done.returncode}\n{done.stdout}"
                             f"\n{done.stderr}")
    return done


@dataclass
class Shared:
    url: str
    env: dict[str, str]
    file: Path | None  # SQLite's copy

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read the shared database as it is now (the other process may be writing)."""
        if self.file is None:
            with connection.cursor() as cur:
                cur.execute(query.replace("?", "%s"), params)
                return list(cur.fetchall())
        db = sqlite3.connect(self.file, timeout=30)
        try:
            return list(db.execute(query, params))
        finally:
            db.close()


def _same_key(env: dict[str, str]) -> dict[str, str]:
    # jobs queued by the test are signed with its key (read before conftest moved DATA_DIR)
    return {**env, "ZEROCITY_SECRET_KEY": settings.SECRET_KEY}


@contextmanager
def shared_database(tmp_path: Path) -> Iterator[Shared]:
    if connection.vendor == "postgresql":
        url = postgres_url(connection.settings_dict["NAME"])
        yield Shared(url, _same_key(environment(url, settings.DATA_DIR)), None)
        return
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    connection.connection.backup(copy)
    copy.close()
    url = f"sqlite:///{path}"
    yield Shared(url, _same_key(environment(url, settings.DATA_DIR)), path)
    source = sqlite3.connect(path)
    source.backup(connection.connection)  # what the other process wrote, back in the test's
    source.close()


@contextmanager
def empty_database(tmp_path: Path) -> Iterator[str]:
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored' / 'zerocity.sqlite3'}"
        return
    name = f"zc_restore_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    try:
        yield postgres_url(name)
    finally:
        with connection.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def wait_until(condition: Callable[[], Any], what: str, limit: float = 180) -> Any:
    """Poll until CONDITION is true (a worker runs on its own time); fail after LIMIT s."""
    deadline = time.monotonic() + limit
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.5)
