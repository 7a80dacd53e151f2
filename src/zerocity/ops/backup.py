"""``zerocity backup``: one consistent snapshot of an installation while the site runs
(docs/backup.md).

1. The database: SQLite's online backup API, or ``pg_dump`` of a snapshot exported from a
   repeatable-read transaction that stays open while the rest is read from it.
2. From that snapshot, the readings files its batches list. The store writes a file under a
   temporary name, commits its batch, then renames it: a file of a batch the snapshot holds
   is taken even if its rename has not happened yet, and a file of a batch committed after
   the snapshot is left out. Files no batch lists (generated readings) are taken as they are.
   The timetable versions the snapshot holds, each folder whole (a version's folder is in
   place before its transaction commits, so a version in the snapshot has all of it).
3. The secret key, and the sealed tenders' public parts as the snapshot holds them
   (``tenders.json``): each procurement's public key, its openers' passphrase-sealed shares
   and each tender's checksum. The passphrases are never in a backup.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.timezone import now
from django.utils.translation import gettext as _

from zerocity.core.errors import Conflict
from zerocity.ops.archive import Manifest, writing

FINAL = re.compile(r"^(\d+)-(\d+)\.parquet$")
TEMP = re.compile(r"^\.(\d+)-(\d+)\.([-\w]+)\.parquet\.tmp$")
SQLITE_MEMBER = "database/zerocity.sqlite3"
PG_MEMBER = "database/zerocity.dump"


@dataclass(frozen=True)
class Taken:
    path: Path
    database: str
    readings_files: int
    procurements: int
    bytes: int


def engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def zerocity_version() -> str:
    try:
        return version("zerocity")
    except PackageNotFoundError:
        return "unknown"


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise Conflict(_("{tool} is not installed; install the PostgreSQL client (Debian: "
                         "postgresql-client).").format(tool=name))
    return found


def pg_args(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """The connection options of pg_dump and pg_restore for a Django database."""
    args = []
    for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if settings_dict.get(key):
            args += [flag, str(settings_dict[key])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return [*args, "-d", str(settings_dict["NAME"])], env


# -- the database snapshot and what is read from it ----------------------------------------------

class Snapshot:
    """The database as of one moment: its copy on disk and a cursor on the same moment."""

    def __init__(self, dump: Path, cursor: Any) -> None:
        self.dump, self.cursor = dump, cursor

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        self.cursor.execute(sql)
        return list(self.cursor.fetchall())


@contextmanager
def _sqlite_snapshot(workdir: Path) -> Iterator[Snapshot]:
    dump = workdir / "zerocity.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(dump)
    try:
        connection.connection.backup(target)  # the online backup API: readers never wait
    finally:
        target.close()
    copy = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        yield Snapshot(dump, copy.cursor())
    finally:
        copy.close()


@contextmanager
def _postgres_snapshot(workdir: Path) -> Iterator[Snapshot]:
    import psycopg

    s = connection.settings_dict
    dump = workdir / "zerocity.dump"
    conn = psycopg.connect(dbname=s["NAME"], user=s.get("USER") or None,
                           password=s.get("PASSWORD") or None, host=s.get("HOST") or None,
                           port=s.get("PORT") or None)
    try:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        cur = conn.cursor()
        cur.execute("SELECT pg_export_snapshot()")
        row = cur.fetchone()
        assert row is not None
        args, env = pg_args(s)
        done = subprocess.run([pg_tool("pg_dump"), "--format=custom", "--no-owner",
                               "--no-privileges", f"--snapshot={row[0]}", "--file", str(dump),
                               *args], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise Conflict(_("pg_dump failed: {problem}").format(problem=done.stderr.strip()))
        yield Snapshot(dump, cur)
    finally:
        conn.rollback()
        conn.close()


def _batch_files(snap: Snapshot) -> tuple[set[int], set[str]]:
    from zerocity.data.models import Batch

    ids: set[int] = set()
    files: set[str] = set()
    for pk, listed in snap.rows(f"SELECT id, files FROM {Batch._meta.db_table}"):
        ids.add(int(pk))
        files.update(json.loads(listed) if isinstance(listed, str) else (listed or []))
    return ids, files


def _feed_versions_to_copy(snap: Snapshot) -> list[tuple[str, Path]]:
    """(name under the data directory, file) of every timetable version the snapshot holds:
    its Parquet tables and the archive as imported, and every walking network uploaded
    (docs/mobility.md)."""
    from zerocity.mobility.models import FeedVersion, WalkNetwork

    data_dir = Path(settings.DATA_DIR)
    out = []
    for model in (FeedVersion, WalkNetwork):
        for (rel,) in snap.rows(f"SELECT path FROM {model._meta.db_table} ORDER BY id"):
            folder = data_dir / str(rel)
            out += [(f"{rel}/{f.name}", f) for f in sorted(folder.iterdir()) if f.is_file()]
    return out


def _b64(value: Any) -> str:
    return base64.b64encode(bytes(value or b"")).decode()


def tenders_public_parts(rows: Any) -> dict[str, Any]:
    """The sealed tenders' public parts, per procurement (``rows``: a function running SQL on
    the database to describe). The same description of the restored database must equal the
    backup's."""
    from zerocity.food.models import Opener, SpecificProcurement, Tender

    procurements: dict[str, Any] = {}
    sp_table, op_table, t_table = (SpecificProcurement._meta.db_table, Opener._meta.db_table,
                                   Tender._meta.db_table)
    for pk, dps, reference, key, status in rows(
            f"SELECT id, dps_id, reference, public_key, status FROM {sp_table} ORDER BY id"):
        if not key:
            continue
        procurements[str(pk)] = {"dps": dps, "reference": reference, "status": status,
                                 "public_key": _b64(key), "openers": [], "tenders": []}
    for proc, user, salt, nonce, sealed in rows(
            f"SELECT procurement_id, user_id, salt, nonce, sealed_share FROM {op_table} "
            "ORDER BY procurement_id, user_id"):
        if str(proc) in procurements:
            procurements[str(proc)]["openers"].append(
                {"user": user, "salt": _b64(salt), "nonce": _b64(nonce),
                 "sealed_share": _b64(sealed)})
    for proc, pk, status, receipt, ciphertext in rows(
            f"SELECT procurement_id, id, status, sha256, ciphertext FROM {t_table} "
            "ORDER BY procurement_id, id"):
        if str(proc) in procurements:
            procurements[str(proc)]["tenders"].append(
                {"id": pk, "status": status, "receipt": receipt,
                 "ciphertext_sha256": hashlib.sha256(bytes(ciphertext or b"")).hexdigest()})
    return procurements


# -- the readings store ------------------------------------------------------------------------

def _readings_to_copy(root: Path, snapshot_ids: set[int], listed: set[str]
                      ) -> list[tuple[str, Path]]:
    """(name under readings/, file to read) for every file the snapshot's batches list or no
    batch claims."""
    from zerocity.data.models import Batch

    wanted: dict[str, Path] = {}
    later: dict[str, int] = {}
    if not root.is_dir():
        return []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(root).as_posix()
        temp = TEMP.match(path.name)
        if temp is not None:
            final = path.with_name(f"{temp.group(1)}-{temp.group(2)}.parquet")
            final_rel = final.relative_to(root).as_posix()
            if final_rel in listed:  # committed in the snapshot, rename still to come
                wanted.setdefault(final_rel, path)
            continue
        if path.name.startswith("."):
            continue  # another writer's work in progress
        m = FINAL.match(path.name)
        if m is not None and rel not in listed and int(m.group(1)) not in snapshot_ids:
            later[rel] = int(m.group(1))
        wanted[rel] = path
    # A file appears under its final name only once its batch has committed; one whose batch
    # the snapshot does not hold but the database now does came after the snapshot.
    newer = set(Batch.objects.filter(pk__in=set(later.values())).values_list("pk", flat=True))
    return [(rel, path) for rel, path in sorted(wanted.items()) if later.get(rel) not in newer]


def _open_published(path: Path) -> Path:
    """A temporary file may have been renamed since it was listed: read the final one."""
    if path.exists():
        return path
    m = TEMP.match(path.name)
    if m is not None:
        final = path.with_name(f"{m.group(1)}-{m.group(2)}.parquet")
        if final.exists():
            return final
    raise Conflict(_("The readings file {name} disappeared during the backup; run the backup "
                     "again.").format(name=path.name))


def take(out: Path) -> Taken:
    """Write a backup of this installation to OUT (replaced only once the new one is whole)."""
    from zerocity.data.store import readings_dir

    kind = engine()
    manifest = Manifest(database=kind, created_at=now().isoformat(),
                        zerocity=zerocity_version())
    root = readings_dir()
    out.parent.mkdir(parents=True, exist_ok=True)
    # the database's copy waits beside the archive: the same disk, no size limit of /tmp
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=out.parent) as work:
        snapshot = _postgres_snapshot if kind == "postgresql" else _sqlite_snapshot
        with snapshot(Path(work)) as snap, writing(out, manifest) as archive:
            archive.add_path(PG_MEMBER if kind == "postgresql" else SQLITE_MEMBER, snap.dump)
            ids, listed = _batch_files(snap)
            files = _readings_to_copy(root, ids, listed)
            for rel, path in files:
                archive.add_path(f"data/readings/{rel}", _open_published(path))
            for rel, path in _feed_versions_to_copy(snap):
                archive.add_path(f"data/{rel}", path)
            tenders = tenders_public_parts(snap.rows)
            archive.add_bytes("tenders.json", json.dumps(tenders, indent=1,
                                                         sort_keys=True).encode())
            archive.add_bytes("secret_key", settings.SECRET_KEY.encode())
    return Taken(out, kind, len(files), len(tenders), out.stat().st_size)
