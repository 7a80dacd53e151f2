"""`make test`: the whole suite on SQLite, then the database tests again on a PostgreSQL server
started for the run. Extra arguments go to both pytest runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from pgserver import PostgresUnavailable, temporary_postgres  # noqa: E402


def pytest(args: list[str], env: dict[str, str]) -> int:
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def main() -> int:
    extra = sys.argv[1:]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    print("== ZeroCity tests on SQLite ==", flush=True)
    code = pytest(["-m", "not postgres_only", *extra], env)
    if code != 0:
        return code
    print("== ZeroCity database tests on PostgreSQL ==", flush=True)
    try:
        with temporary_postgres() as url:
            return pytest(["-m", "db or postgres_only", *extra], {**env, "DATABASE_URL": url})
    except PostgresUnavailable as exc:
        if os.environ.get("CI") == "true":
            print(f"FAILED: {exc}", flush=True)
            return 1
        print(f"SKIPPED the PostgreSQL run: {exc}", flush=True)
        return 0


if __name__ == "__main__":
    sys.exit(main())
