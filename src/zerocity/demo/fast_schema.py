"""A new SQLite database in milliseconds instead of minutes: the schema and reference data that
``migrate`` gives, replayed from a dump taken of a freshly migrated database.

Django migrates a new database by rendering its model states again after nearly every
operation (over 100 of them here), which takes 20 to 40 s on a small machine: most of the
demo's wait for its first page. The dump (``data/schema.sql.gz``, regenerated with
``python -m zerocity.demo.fast_schema``) records the migrations it was taken after; it is used
only on an empty SQLite database and only when the project's migrations are exactly those (by
name and content); a later ``migrate`` then finds nothing to apply. Otherwise, on PostgreSQL or
with a migration added since, ``migrate`` does all the work as before. tests/test_demo_stages.py
proves the dump gives the same database as ``migrate``.
"""

from __future__ import annotations

import gzip
import hashlib
import sqlite3
import sys
import tempfile
from importlib import resources
from pathlib import Path

DUMP = "schema.sql.gz"
HEADER = "-- zerocity migrations "


def migrations_key() -> str:
    """A digest of every migration of the project and of Django's apps, by name and content."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    digest = hashlib.sha256()
    for app, name in sorted(loader.disk_migrations):
        module = sys.modules[loader.disk_migrations[app, name].__module__]
        source = Path(module.__file__ or "").read_bytes() if module.__file__ else b""
        digest.update(f"{app}.{name}\n".encode() + hashlib.sha256(source).digest())
    return digest.hexdigest()


def _dump_path() -> Path:
    return Path(str(resources.files("zerocity.demo").joinpath(f"data/{DUMP}")))


def current_dump() -> str | None:
    """The dump's SQL when it was taken after exactly the project's migrations, else None."""
    path = _dump_path()
    if not path.exists():
        return None
    sql = gzip.decompress(path.read_bytes()).decode("utf-8")
    first, _, rest = sql.partition("\n")
    return rest if first == HEADER + migrations_key() else None


def migrate_fast() -> bool:
    """Migrate the database; True when a new SQLite database was created from the dump."""
    from django.core.management import call_command
    from django.db import connection

    used = False
    if connection.vendor == "sqlite" and not connection.introspection.table_names():
        sql = current_dump()
        if sql is not None:
            connection.ensure_connection()
            raw = connection.connection
            assert isinstance(raw, sqlite3.Connection)
            # the dump creates and fills its tables in the order of their names, before
            # the tables their keys point to: the keys are checked after it, as migrate did
            raw.execute("PRAGMA foreign_keys = OFF")
            try:
                raw.executescript(sql)
            finally:
                raw.execute("PRAGMA foreign_keys = ON")
            if raw.execute("PRAGMA foreign_key_check").fetchone() is not None:
                raise RuntimeError("the schema dump broke a foreign key")
            used = True
    if used:  # what migrate's post_migrate did (content types, permissions) is in the dump
        from zerocity.core import data_versions

        data_versions.bump_all(None)  # new tokens: no page cached from another database
    else:
        call_command("migrate", interactive=False, verbosity=0)
    return used


def dump_database(path: Path) -> str:
    """The SQL text of an SQLite database (schema, rows, triggers), in a stable order."""
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump()) + "\n"


def write_dump() -> Path:
    """Migrate an empty database in a temporary folder and keep its dump in the package."""
    import os
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "ZEROCITY_DATA_DIR": tmp}
        env.pop("DATABASE_URL", None)
        subprocess.run([sys.executable, "-m", "zerocity", "migrate"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        sql = dump_database(Path(tmp) / "zerocity.sqlite3")
    out = _dump_path()
    out.write_bytes(gzip.compress((HEADER + migrations_key() + "\n" + sql).encode("utf-8"),
                                  mtime=0))
    return out


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zerocity.settings")
    import django

    django.setup()
    print(write_dump())
