"""`make test`: the whole suite on SQLite and, side by side, the database tests again on a
PostgreSQL server started for the run. Extra arguments go to both pytest runs.

The two runs share nothing (each has its own data directory, database and free ports), so on a
machine with two or more cores they run at the same time: the SQLite run prints as it goes, the
PostgreSQL run's output follows when both are done. ``make test SERIAL=1`` (or one core) runs
them one after the other."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from pgserver import PostgresUnavailable, temporary_postgres  # noqa: E402

SQLITE = ["-m", "not postgres_only"]
POSTGRES = ["-m", "db or postgres_only"]


def pytest(args: list[str], env: dict[str, str]) -> int:
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


@contextlib.contextmanager
def postgres_or_none() -> Iterator[str | None]:
    """A server's URL, or None (said why) where PostgreSQL is missing on a developer's
    machine; under CI a missing server is a failure."""
    try:
        with temporary_postgres() as url:
            yield url
    except PostgresUnavailable as exc:
        if os.environ.get("CI") == "true":
            raise
        print(f"SKIPPED the PostgreSQL run: {exc}", flush=True)
        yield None


def serial(extra: list[str], env: dict[str, str]) -> int:
    print("== ZeroCity tests on SQLite ==", flush=True)
    code = pytest([*SQLITE, *extra], env)
    if code != 0:
        return code
    print("== ZeroCity database tests on PostgreSQL ==", flush=True)
    with postgres_or_none() as url:
        return 0 if url is None else pytest([*POSTGRES, *extra], {**env, "DATABASE_URL": url})


def side_by_side(extra: list[str], env: dict[str, str]) -> int:
    with postgres_or_none() as url, tempfile.TemporaryFile("w+") as log:
        pg = None
        if url is not None:
            pg = subprocess.Popen([sys.executable, "-m", "pytest", *POSTGRES, *extra],
                                  env={**env, "DATABASE_URL": url}, stdout=log,
                                  stderr=subprocess.STDOUT)
        print("== ZeroCity tests on SQLite (PostgreSQL's run goes on beside it) ==",
              flush=True)
        code = pytest([*SQLITE, *extra], env)
        if pg is None:
            return code
        pg_code = pg.wait()
        log.seek(0)
        print("== ZeroCity database tests on PostgreSQL ==", flush=True)
        sys.stdout.write(log.read())
        sys.stdout.flush()
        return code or pg_code


def main() -> int:
    extra = sys.argv[1:]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    try:
        if os.environ.get("SERIAL") or (os.cpu_count() or 1) < 2:
            return serial(extra, env)
        return side_by_side(extra, env)
    except PostgresUnavailable as exc:
        print(f"FAILED: {exc}", flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
