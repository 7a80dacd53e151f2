"""``zerocity restore``: a backup into an empty data directory and database (docs/backup.md).

The archive is read and checked whole before anything is written; the target must hold no
data (a fresh install's generated secret key and static folder do not count). The database
comes back with SQLite's file or ``pg_restore`` in one transaction, the readings store and
the secret key into the data directory, and the sealed tenders are compared with the
public parts the backup recorded."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import connection, connections
from django.utils.translation import gettext as _

from zerocity.core.errors import Conflict
from zerocity.ops.archive import Manifest, member_path, read
from zerocity.ops.backup import (
    PG_MEMBER,
    SQLITE_MEMBER,
    engine,
    pg_args,
    pg_tool,
    tenders_public_parts,
)

# What a data directory holds before anything was stored in it: the key the settings
# generate on first start and the static folder of a local install.
FRESH = {"secret_key", "static"}


@dataclass(frozen=True)
class Restored:
    database: str
    readings_files: int
    procurements: int
    secret_key_from_environment: bool


def _sqlite_path() -> Path:
    return Path(str(connection.settings_dict["NAME"]))


def _database_tables() -> list[str]:
    if engine() == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname NOT IN "
                        "('pg_catalog', 'information_schema') ORDER BY tablename LIMIT 3")
            return [str(r[0]) for r in cur.fetchall()]
    path = _sqlite_path()
    if not path.exists():
        return []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [str(r[0]) for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name LIMIT 3")]
    finally:
        db.close()


def _data_dir_contents(data_dir: Path) -> list[str]:
    """Files in the data directory that a fresh install does not have."""
    sqlite = _sqlite_path().name if engine() == "sqlite" else None
    found = []
    for path in sorted(data_dir.rglob("*")) if data_dir.is_dir() else []:
        rel = path.relative_to(data_dir)
        if path.is_dir() or rel.parts[0] in FRESH:
            continue
        if sqlite and rel.parts == (rel.name,) and rel.name.startswith(sqlite):
            continue  # the database file itself: judged by its tables
        found.append(rel.as_posix())
    return found


def check_target_empty() -> None:
    tables = _database_tables()
    if tables:
        raise Conflict(_("The database already holds tables ({names}, …): restore only into "
                         "an empty database.").format(names=", ".join(tables)))
    files = _data_dir_contents(Path(settings.DATA_DIR))
    if files:
        raise Conflict(_("The data directory {path} already holds data ({names}): restore "
                         "only into an empty one.").format(path=settings.DATA_DIR,
                                                           names=", ".join(files[:3])))


def _restore_database(manifest: Manifest, staged: Path) -> None:
    if manifest.database == "postgresql":
        args, env = pg_args(connection.settings_dict)
        done = subprocess.run([pg_tool("pg_restore"), "--exit-on-error", "--single-transaction",
                               "--no-owner", "--no-privileges", *args,
                               str(member_path(staged, PG_MEMBER))],
                              env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise Conflict(_("pg_restore failed: {problem}")
                           .format(problem=done.stderr.strip()))
        return
    connections.close_all()
    target = _sqlite_path()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = member_path(staged, SQLITE_MEMBER)
    os.chmod(source, 0o600)
    shutil.move(source, target)


def _restore_readings(staged: Path, data_dir: Path) -> int:
    source = staged / "data" / "readings"
    if not source.is_dir():
        return 0
    target = data_dir / "readings"
    if target.exists():
        target.rmdir()  # empty: check_target_empty made sure
    count = sum(1 for p in source.rglob("*") if p.is_file())
    os.replace(source, target)
    return count


def _restore_feed_versions(staged: Path, data_dir: Path) -> None:
    """The timetable versions' folders (docs/mobility.md), as the backup holds them."""
    source = staged / "data" / "gtfs"
    if not source.is_dir():
        return
    target = data_dir / "gtfs"
    if target.exists():
        shutil.rmtree(target)  # folders only: check_target_empty made sure
    os.replace(source, target)


def _write_secret_key(data_dir: Path, key: bytes) -> None:
    path = data_dir / "secret_key"
    tmp = path.with_name(".secret_key.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    tmp.replace(path)


def restore(archive: Path) -> Restored:
    """Restore ARCHIVE into this installation's empty database and data directory."""
    manifest = read(archive)  # the whole archive is checked before anything is written
    if manifest.database != engine():
        raise Conflict(_("This backup is of a {found} database and the target is "
                         "{wanted}: restore it into the same kind of database.")
                       .format(found=manifest.database, wanted=engine()))
    check_target_empty()
    data_dir = Path(settings.DATA_DIR)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    staged = data_dir / f".restore-{uuid.uuid4().hex}"
    staged.mkdir(mode=0o700)
    try:
        def sink(name: str) -> IO[bytes]:
            path = member_path(staged, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            return path.open("wb")

        read(archive, sink)  # checked again while written: the file may have changed since
        _restore_database(manifest, staged)
        files = _restore_readings(staged, data_dir)
        _restore_feed_versions(staged, data_dir)
        _write_secret_key(data_dir, member_path(staged, "secret_key").read_bytes())
        expected = json.loads(member_path(staged, "tenders.json").read_bytes())
    finally:
        shutil.rmtree(staged, ignore_errors=True)

    def rows(sql: str) -> list[tuple[object, ...]]:
        with connection.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())

    if tenders_public_parts(rows) != expected:
        raise Conflict(_("The restored sealed tenders differ from those the backup recorded; "
                         "do not use this database, and keep the backup."))
    from_env = bool(os.environ.get("ZEROCITY_SECRET_KEY"))
    return Restored(manifest.database, files, len(expected), from_env)
