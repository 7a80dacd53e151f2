"""The Kranj demo for the tests, loaded once per test process and then put back as rows.

About two hundred tests start from the demo (``kranj`` in conftest.py). Loading it through the
services takes seconds (imports, checks, the audit); the rows it leaves are about two thousand.
So the first load in a process records the rows the demo added, table by table, and each later
test inserts those rows again inside its own transaction (rolled back after it, as before).

A snapshot is used only where it is exactly what loading would give: the database must hold
the same rows as when the snapshot was taken (so a test that made rows of its own first loads
the demo the slow way), on the same day (the demo's dates follow the clock), inside a test's
transaction (a transactional test loads it the slow way). The demo's stored files under the
run's data directory are named by their content and stay; the secrets it writes beside the rows
(the demo logins' passwords, the tender openers' passphrases) are kept with the snapshot and put
back with its rows, since a slow load between two tests writes new ones.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone


@dataclass(frozen=True)
class Snapshot:
    added: dict[str, tuple[list[str], list[tuple[object, ...]] | bytes]]  # table: columns, rows
    secrets: dict[str, tuple[bytes, int]] = field(default_factory=dict)  # path: bytes, mode


# what the demo writes under the data directory that goes with its rows (demo/kranj.py,
# food/demo.py): the demo logins' passwords and each tender opener's passphrase
SECRETS = ("demo-credentials.txt", "demo-openers")


def _secrets() -> dict[str, tuple[bytes, int]]:
    root = Path(settings.DATA_DIR)
    out = {}
    for name in SECRETS:
        path = root / name
        files = [path] if path.is_file() else sorted(path.glob("*")) if path.is_dir() else []
        for f in files:
            out[str(f.relative_to(root))] = (f.read_bytes(), f.stat().st_mode & 0o777)
    return out


def _put_back(secrets: dict[str, tuple[bytes, int]]) -> None:
    root = Path(settings.DATA_DIR)
    for relative, (data, mode) in secrets.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.chmod(mode)
        tmp.replace(path)


_snapshots: dict[tuple[object, ...], Snapshot | None] = {}


def _tables() -> list[str]:
    return sorted(connection.introspection.table_names())


def _read(table: str) -> tuple[list[str], list[tuple[object, ...]] | bytes]:
    """A table's columns and rows: tuples on SQLite, COPY's text on PostgreSQL (exact for
    every type, JSON and arrays included)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'SELECT * FROM "{table}" LIMIT 0')
            columns = [c.name for c in cursor.description]
            out = io.BytesIO()
            with cursor.cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
                for data in copy:
                    out.write(data)
            return columns, out.getvalue()
        cursor.execute(f'SELECT * FROM "{table}"')
        return [c[0] for c in cursor.description], cursor.fetchall()


def _lines(rows: list[tuple[object, ...]] | bytes) -> list[object]:
    return rows.splitlines(keepends=True) if isinstance(rows, bytes) else list(rows)


def _state() -> tuple[str, dict[str, tuple[list[str], list[tuple[object, ...]] | bytes]]]:
    tables = {t: _read(t) for t in _tables()}
    digest = hashlib.sha256()
    for name, (columns, rows) in tables.items():
        digest.update(repr((name, columns, sorted(map(repr, _lines(rows))))).encode())
    return digest.hexdigest(), tables


def _added(before: dict[str, tuple[list[str], list[tuple[object, ...]] | bytes]],
           after: dict[str, tuple[list[str], list[tuple[object, ...]] | bytes]]
           ) -> dict[str, tuple[list[str], list[tuple[object, ...]] | bytes]] | None:
    """The rows the demo inserted; None when it also changed or deleted rows that were there
    (then inserting its rows again would not give the same database)."""
    out: dict[str, tuple[list[str], list[tuple[object, ...]] | bytes]] = {}
    for table, (columns, rows) in after.items():
        old = _lines(before.get(table, (columns, []))[1])
        new = _lines(rows)
        had = set(old)
        extra = [r for r in new if r not in had]
        if len(new) - len(old) != len(extra):
            return None
        if extra:
            out[table] = (columns, b"".join(extra) if isinstance(rows, bytes)  # type: ignore[arg-type]
                          else extra)  # type: ignore[arg-type]
    return out


def _insert(added: dict[str, tuple[list[str], list[tuple[object, ...]] | bytes]]) -> None:
    with connection.cursor() as cursor:
        for table, (columns, rows) in added.items():
            names = ", ".join(f'"{c}"' for c in columns)
            if isinstance(rows, bytes):
                with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    copy.write(rows)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
        if connection.vendor == "postgresql":  # the ids made next follow the demo's
            models = [m for m in apps.get_models(include_auto_created=True)
                      if m._meta.db_table in added]
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)


def load(load_demo: Callable[[], object], *key: object) -> None:
    """``load_demo()``'s rows: inserted from the process's snapshot when that gives the same
    database, else loaded (and, the first time, recorded)."""
    if not connection.in_atomic_block:  # a transactional test commits each statement
        load_demo()
        return
    key = (connection.vendor, connection.settings_dict["NAME"],
           timezone.localdate().isoformat(), *key)
    digest, tables = _state()
    key = (*key, digest)
    found = _snapshots.get(key)
    if found is not None:
        _insert(found.added)
        _put_back(found.secrets)
        return
    load_demo()
    if key not in _snapshots:
        added = _added(tables, _state()[1])
        _snapshots[key] = None if added is None else Snapshot(added, _secrets())
