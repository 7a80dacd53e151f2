"""Writes of the data platform: sources, tokens and the ingest of readings.

An ingest runs in three steps so that the slow part holds no lock:

1. read and check the payload chunk by chunk into a private staging directory (memory is
   bounded by one chunk);
2. with DuckDB, set aside the payload's own repeats and find the gaps per meter;
3. in one database transaction, with the source locked: compare with the readings already
   stored, write the new ones to Parquet under temporary names, record the batch, its
   quarantine and the audit record — then, after the commit, rename the files to their final
   names. If anything fails before the commit the temporary files are deleted; if the process
   dies between the commit and the rename, the next ingest of the source publishes them (a
   committed batch lists its files). So no batch claims readings that are not in the store,
   and no reader ever sees readings of a batch that was not committed.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils.timezone import now
from django.utils.translation import gettext as _

from zerocity.core import audit, tokens
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict, NotFound, PermissionDenied
from zerocity.core.models import City
from zerocity.core.results import Done
from zerocity.data import fastpath, ngsi, store
from zerocity.data.intake import (
    CHUNK_ROWS,
    IntakeRejected,
    Problem,
    SchemaError,
    SourceSpec,
    TimeCache,
    check_chunk,
    check_frequency,
    check_timezone,
    parse_schema,
)
from zerocity.data.models import (
    MESSAGE_KINDS,
    Batch,
    BatchOrigin,
    BatchStatus,
    DataSource,
    NgsiEntity,
    Publication,
    QuarantinedRow,
    SourceKind,
    SourceToken,
)
from zerocity.data.readers import Payload, RecordDigest, file_sha256, open_payload, read_records

log = logging.getLogger(__name__)
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
TOKEN_PREFIX = "zc_"
Progress = Callable[[int, int], None]


# -- sources ------------------------------------------------------------------------------------

def get_source(city: City, key: str) -> DataSource:
    source = DataSource.objects.filter(city=city, key=key).select_related("city").first()
    if source is None:
        raise NotFound(f"no data source {key!r} in {city.slug}")
    return source


def _normalise_schema(schema: Any, kind: str = "") -> dict[str, dict[str, Any]]:
    if kind in MESSAGE_KINDS:  # its messages have their own format: no quantities
        if schema:
            raise Conflict(f"a {kind} source takes no quantities: its tokens send messages, "
                           "not readings")
        return {}
    try:
        quantities = parse_schema(schema)
    except SchemaError as exc:
        raise Conflict(f"schema: {exc}") from None
    out: dict[str, dict[str, Any]] = {}
    for q in quantities.values():
        out[q.name] = {"unit": q.unit}
        if q.min is not None:
            out[q.name]["min"] = q.min
        if q.max is not None:
            out[q.name]["max"] = q.max
    return out


def _checked_fields(kind: str, frequency: str, tz: str,
                    publication: str = Publication.PRIVATE) -> None:
    if kind not in SourceKind.values:
        raise Conflict(f"unknown kind {kind!r} ({', '.join(SourceKind.values)})")
    if publication not in Publication.values:
        raise Conflict(f"unknown publication {publication!r} "
                       f"({', '.join(Publication.values)})")
    try:
        check_frequency(frequency)
        check_timezone(tz)
    except SchemaError as exc:
        raise Conflict(str(exc)) from None


@transaction.atomic
def add_source(
    city: City,
    key: str,
    *,
    name: str,
    kind: str,
    schema: Mapping[str, Any],
    owner: str = "",
    frequency: str = "hourly",
    timezone: str | None = None,
    licence: str = "",
    publication: str = Publication.PRIVATE,
    description: str = "",
    by: Person | None = None,
    actor: str = "",
) -> DataSource:
    """Register a data source. Registering it again with the same definition changes nothing;
    with a different one it is a Conflict (use ``update_source``). Times the source sends
    without a UTC offset are read in ``timezone``, the city's own unless it says otherwise."""
    timezone = timezone or city.timezone
    if not KEY.match(key):
        raise Conflict(f"key {key!r}: lower case letters, digits and '-', at most 50")
    _checked_fields(kind, frequency, timezone, publication)
    fields = dict(name=name, kind=kind, schema=_normalise_schema(schema, kind), owner=owner,
                  frequency=frequency, timezone=timezone, licence=licence,
                  publication=publication, description=description)
    existing = DataSource.objects.filter(city=city, key=key).first()
    if existing is not None:
        differs = [f for f, v in fields.items() if getattr(existing, f) != v]
        if differs:
            raise Conflict(f"data source {city.slug}/{key} exists with another "
                           f"{', '.join(differs)}")
        return existing
    source = DataSource.objects.create(city=city, key=key, **fields)
    audit.record("data.source_added", city=city, user=by, actor=actor, obj=source, key=key,
                 kind=kind, quantities=sorted(fields["schema"]))
    return source


@transaction.atomic
def update_source(source: DataSource, *, by: Person | None = None, actor: str = "",
                  **changes: Any) -> DataSource:
    """Change a source's definition (not its key or city). A changed schema applies to the
    readings received from now on; stored readings keep the unit they were stored in."""
    allowed = {"name", "kind", "schema", "owner", "frequency", "timezone", "licence",
               "publication", "description"}
    unknown = set(changes) - allowed
    if unknown:
        raise Conflict(f"cannot change {', '.join(sorted(unknown))}")
    source = DataSource.objects.select_for_update().get(pk=source.pk)
    if "schema" in changes:
        changes["schema"] = _normalise_schema(changes["schema"],
                                              changes.get("kind", source.kind))
    _checked_fields(changes.get("kind", source.kind), changes.get("frequency", source.frequency),
                    changes.get("timezone", source.timezone),
                    changes.get("publication", source.publication))
    before = {f: getattr(source, f) for f in changes}
    for f, v in changes.items():
        setattr(source, f, v)
    source.save()
    audit.record("data.source_updated", city=source.city, user=by, actor=actor, obj=source,
                 changed=sorted(f for f in changes if before[f] != changes[f]))
    return source


def source_spec(source: DataSource) -> SourceSpec:
    return SourceSpec(city=source.city.slug, key=source.key,
                      quantities=parse_schema(source.schema), timezone=source.timezone,
                      frequency=source.frequency, earliest=settings.DEVICE_TIME_EARLIEST)


# -- tokens -------------------------------------------------------------------------------------

@transaction.atomic
def issue_token(source: DataSource, name: str, *, by: Person | None = None,
                actor: str = "") -> tuple[SourceToken, str]:
    """A new API token for one source. The secret is returned here once and never stored;
    only its SHA-256 digest is."""
    name = name.strip()
    if not name:
        raise Conflict(_("Give the token a name that says who or what uses it."))
    secret, prefix, digest = tokens.new_secret(TOKEN_PREFIX)
    token = SourceToken.objects.create(source=source, name=name[:100], prefix=prefix,
                                       digest=digest,
                                       created_by=actor or audit.actor_label(by))
    audit.record("data.token_issued", city=source.city, user=by, actor=actor, obj=token,
                 source=source.key, name=token.name, prefix=token.prefix)
    return token, secret


@transaction.atomic
def revoke_token(token: SourceToken, *, by: Person | None = None, actor: str = "") -> SourceToken:
    """Revoke a token for good; revoking it again changes nothing."""
    token = SourceToken.objects.select_for_update().select_related("source__city").get(
        pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = now()
    token.save(update_fields=["revoked_at"])
    audit.record("data.token_revoked", city=token.source.city, user=by, actor=actor, obj=token,
                 source=token.source.key, prefix=token.prefix)
    return token


def authenticate_token(secret: str, *, source: DataSource | None = None) -> DataSource | None:
    """The source a token belongs to, or None: unknown, revoked, or (with ``source``) issued
    for another source. Digests are compared in constant time."""
    if not tokens.plausible(secret):
        return None
    found = None
    for token in SourceToken.objects.filter(prefix=secret[:tokens.PREFIX_LENGTH]).select_related(
            "source__city"):
        if tokens.matches(token.digest, secret):
            found = token
    if found is None or found.revoked_at is not None:
        return None
    if source is not None and found.source_id != source.pk:
        return None
    return found.source


# -- ingest -------------------------------------------------------------------------------------

def _takes_readings(source: DataSource) -> None:
    if source.kind in MESSAGE_KINDS:
        raise PermissionDenied(_("The source %(key)s receives public-transport real-time "
                                 "messages, not readings: send them to "
                                 "/api/v1/cities/%(city)s/mobility/realtime.")
                               % {"key": source.key, "city": source.city.slug},
                               code="data-message-source")


def ingest_file(source: DataSource, data: bytes | Path, *, filename: str = "",
                by: Person | None = None,
                actor: str = "", progress: Progress | None = None,
                chunk_rows: int = CHUNK_ROWS) -> Done[Batch]:
    """Ingest a CSV, Parquet or .xlsx file (bytes, or a path read as a stream).

    A file identical to one already accepted for this source returns that batch, ``replayed``,
    and writes nothing. Otherwise a new batch records what was received, accepted, already
    known (duplicates) and rejected; rejected rows are kept in its quarantine with their
    reasons.
    """
    _takes_readings(source)
    name = filename or (data.name if isinstance(data, Path) else "")
    sha = file_sha256(data)
    known = _same_payload(source, sha)
    if known is not None:
        return Done(known, True)
    if isinstance(data, Path) and name.lower().endswith(".parquet") and fastpath.enabled():
        columns = fastpath.columns(data)
        if columns is not None:
            done = _ingest_fast(source, data, columns, filename=name, sha256=sha, by=by,
                                actor=actor, progress=progress)
            if done is not None:
                return done
    return _ingest(source, lambda: open_payload(data, name, chunk_rows=chunk_rows),
                   origin=BatchOrigin.FILE, filename=name, sha256=sha, by=by, actor=actor,
                   progress=progress)


def ingest_records(source: DataSource, records: Iterable[Any], *, origin: str = BatchOrigin.API,
                   by: Person | None = None, actor: str = "", filename: str = "",
                   chunk_rows: int = CHUNK_ROWS) -> Done[Batch]:
    """Ingest readings given as mappings ``{meter, time, quantity, value, unit,
    customer_class?, ...}`` — what the JSON API and the NGSI-LD API hand over. ``line`` in
    the quarantine is the record's position (first 1). Records are consumed once, as a
    stream. The very same records again return their first batch, ``replayed``."""
    if origin not in BatchOrigin.values:
        raise ValueError(f"unknown origin {origin!r}")
    _takes_readings(source)
    digest = RecordDigest()
    return _ingest(source, lambda: read_records(records, chunk_rows=chunk_rows, digest=digest),
                   origin=origin, filename=filename, sha256=None, digest=digest, by=by,
                   actor=actor, progress=None)


def _same_payload(source: DataSource, sha256: str) -> Batch | None:
    return Batch.objects.filter(source=source, sha256=sha256,
                                status=BatchStatus.ACCEPTED).order_by("pk").first()


def _now_us() -> int:
    return (datetime.now(UTC) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _ingest(source: DataSource, open_: Callable[[], Payload], *, origin: str, filename: str,
            sha256: str | None, by: Person | None, actor: str, progress: Progress | None,
            digest: RecordDigest | None = None) -> Done[Batch]:
    source = DataSource.objects.select_related("city").get(pk=source.pk)
    spec = source_spec(source)
    staging = store.Staging()
    try:
        received = rejected = ambiguous = 0
        fmt = ""
        refused: list[Problem] | None = None
        try:
            payload = open_()
            fmt = payload.format
            times, now_us = TimeCache(spec.zone), _now_us()
            for chunk in payload.chunks:
                checked = check_chunk(chunk, spec, decimal=payload.decimal, now_us=now_us,
                                      times=times)
                staging.add(checked)
                received += checked.received
                rejected += checked.rejected
                ambiguous += checked.ambiguous
                if progress is not None:
                    progress(chunk.progress, payload.total)
        except IntakeRejected as exc:
            refused = exc.problems
        sha = sha256 or (digest.hexdigest() if digest else "")
        if refused is not None:
            return _refuse(source, staging, refused, origin=origin, filename=filename,
                           sha256=sha, received=received, by=by, actor=actor)
        if received == 0:
            return _refuse(source, staging, [Problem(1, "-", "no readings: the payload has "
                                                     "no rows with values")],
                           origin=origin, filename=filename, sha256=sha, received=0, by=by,
                           actor=actor)
        analysis = store.Analysis(staging, city=spec.city, key=spec.key,
                                  timezone=spec.timezone, frequency=spec.frequency)
        try:
            summary = {"format": fmt, "gaps": analysis.gaps(),
                       "ambiguous_local_times": ambiguous}
            done = _commit(source, analysis, staging, origin=origin, filename=filename,
                           sha256=sha, received=received, rejected=rejected, summary=summary,
                           by=by, actor=actor)
            assert done is not None  # only the fast path stands aside
            return done
        finally:
            analysis.close()
    finally:
        staging.cleanup()


def _ingest_fast(source: DataSource, path: Path, columns: dict[str, str], *, filename: str,
                 sha256: str, by: Person | None, actor: str,
                 progress: Progress | None) -> Done[Batch] | None:
    """A typed Parquet file through the fast path (``zerocity.data.fastpath``); None when the
    exact path must take it."""
    source = DataSource.objects.select_related("city").get(pk=source.pk)
    spec = source_spec(source)
    staging = store.Staging()
    try:
        batch_id = reserve_batch_id()
        outcome = fastpath.read(path, columns, spec, staging, batch_id=batch_id,
                                now_us=_now_us(), progress=progress)
        if outcome is None:
            return None
        analysis = outcome.analysis
        summary = {"format": "parquet", "gaps": analysis.gaps(), "ambiguous_local_times": 0,
                   "fast_path": True}
        return _commit(source, analysis, staging, origin=BatchOrigin.FILE, filename=filename,
                       sha256=sha256, received=outcome.received, rejected=outcome.rejected,
                       summary=summary, by=by, actor=actor, batch_id=batch_id,
                       chunks=outcome.chunks)
    finally:
        staging.cleanup()


def reserve_batch_id() -> int:
    """A batch id taken from the table's own sequence before the batch exists, so that the
    fast path can write it into the store's files; ids of batches that never commit are
    skipped, as a sequence skips them on any rollback."""
    table = Batch._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
        else:  # SQLite: Django's AutoField is AUTOINCREMENT, counted in sqlite_sequence
            quoted = connection.ops.quote_name(table)
            cur.execute("INSERT INTO sqlite_sequence (name, seq) SELECT %s, 0 WHERE NOT EXISTS "
                        "(SELECT 1 FROM sqlite_sequence WHERE name = %s)", [table, table])
            cur.execute(f"UPDATE sqlite_sequence SET seq = max(seq, (SELECT coalesce(max(id), 0) "
                        f"FROM {quoted})) + 1 WHERE name = %s RETURNING seq", [table])
        return int(cur.fetchone()[0])


def _committed_files(batch_id: int) -> list[str] | None:
    return Batch.objects.filter(pk=batch_id).values_list("files", flat=True).first()


def _no_nul(text: str) -> str:
    # PostgreSQL text and jsonb cannot hold NUL; a file may
    return text.replace("\x00", "\ufffd")


def _safe_raw(raw: Any) -> Any:
    if isinstance(raw, str):
        return _no_nul(raw)
    if raw is None or isinstance(raw, bool | int | float):
        return raw
    text = json.dumps(raw, ensure_ascii=False, default=str)
    return json.loads(text.replace("\\u0000", "\\ufffd")) if "\\u0000" in text else raw


def _store_quarantine(batch: Batch, rows: Iterable[list[dict[str, Any]]]) -> None:
    for part in rows:
        QuarantinedRow.objects.bulk_create(
            [QuarantinedRow(batch=batch, line=r["line"], column=_no_nul(r["column"])[:100],
                            reason=_no_nul(r["reason"]), raw=_safe_raw(r["raw"]))
             for r in part],
            batch_size=2000)


def _commit(source: DataSource, analysis: store.Analysis | fastpath.FastAnalysis,
            staging: store.Staging, *, origin: str, filename: str, sha256: str, received: int,
            rejected: int, summary: dict[str, Any], by: Person | None, actor: str,
            batch_id: int | None = None, chunks: int | None = None) -> Done[Batch] | None:
    written = store.Written()
    try:
        # durable: the files are published after this block, so it must be the real commit
        with transaction.atomic(durable=True):
            DataSource.objects.select_for_update().get(pk=source.pk)
            store.recover(source.city.slug, source.key, _committed_files)
            known = _same_payload(source, sha256)
            if known is not None:
                return Done(known, True)
            analysis.compare_with_store()
            if getattr(analysis, "stands_aside", False):
                return None
            c = analysis.counts
            duplicates = c.payload_duplicates + c.stored_duplicates
            rejected += c.payload_conflicts + c.stored_conflicts
            status = (BatchStatus.ACCEPTED if rejected == 0 else
                      BatchStatus.REJECTED if c.accepted + duplicates == 0 else
                      BatchStatus.PARTIAL)
            summary.update(duplicates_in_payload=c.payload_duplicates,
                           duplicates_stored=c.stored_duplicates,
                           conflicts_in_payload=c.payload_conflicts,
                           conflicts_stored=c.stored_conflicts)
            batch = Batch.objects.create(
                pk=batch_id, source=source, origin=origin, filename=_no_nul(filename)[:300],
                sha256=sha256, status=status, received=received, accepted=c.accepted,
                duplicates=duplicates, rejected=rejected, first_reading=analysis.first,
                last_reading=analysis.last,
                chunks=staging.chunks if chunks is None else chunks, summary=_safe_raw(summary),
                by_label=actor or audit.actor_label(by),
            )
            written = analysis.write(batch.pk)
            batch.files = written.relative
            batch.save(update_fields=["files"])
            _store_quarantine(batch, staging.iter_problems())
            _store_quarantine(batch, ([_problem_row(p) for p in part]
                                      for part in analysis.conflicts()))
            audit.record("data.batch_received", city=source.city, user=by, actor=actor,
                         obj=batch, source=source.key, origin=origin, filename=filename,
                         status=status, received=received, accepted=c.accepted,
                         duplicates=duplicates, rejected=rejected, files=len(written.pairs))
    except BaseException:
        written.discard()
        raise
    try:
        written.publish()
    except OSError:  # the batch is committed: the next ingest of the source publishes them
        log.exception("batch %s: files left under temporary names", batch.pk)
    return Done(batch, False)


def _problem_row(p: Problem) -> dict[str, Any]:
    return {"line": p.line, "column": p.column, "reason": p.reason, "raw": p.raw}


def _refuse(source: DataSource, staging: store.Staging, problems: list[Problem], *,
            origin: str, filename: str, sha256: str, received: int, by: Person | None,
            actor: str) -> Done[Batch]:
    """A payload that cannot be read as a whole: nothing is accepted, every row read counts
    as rejected, and quarantine keeps the reason (and the row problems found before it)."""
    with transaction.atomic(durable=True):
        batch = Batch.objects.create(
            source=source, origin=origin, filename=_no_nul(filename)[:300], sha256=sha256,
            status=BatchStatus.REJECTED, received=received, rejected=received,
            chunks=staging.chunks,
            summary={"refused": [_no_nul(str(p)) for p in problems[:20]]},
            by_label=actor or audit.actor_label(by),
        )
        _store_quarantine(batch, staging.iter_problems())
        _store_quarantine(batch, [[_problem_row(p) for p in problems]])
        audit.record("data.batch_received", city=source.city, user=by, actor=actor, obj=batch,
                     source=source.key, origin=origin, filename=filename,
                     status=BatchStatus.REJECTED, received=received, accepted=0, duplicates=0,
                     rejected=received, files=0)
    return Done(batch, False)


# -- NGSI-LD entities ---------------------------------------------------------------------------

@dataclass(frozen=True)
class EntitiesReceived:
    """What an NGSI-LD batch upsert did: the entity ids it stored readings of, those new for
    the source, and the entities refused with the reason (a BatchOperationResult)."""

    succeeded: list[str]
    created: list[str]
    errors: list[dict[str, str]]  # {"entityId", "error"}


def _remember(source: DataSource, entities: list[Any], ids: list[str]) -> list[str]:
    """Record the entities seen; returns the ids that are new for this source."""
    types = {e["id"]: ngsi.short_type(e.get("type", "")) for e in entities
             if isinstance(e, dict) and isinstance(e.get("id"), str)}
    known = set(NgsiEntity.objects.filter(source=source, entity_id__in=ids)
                .values_list("entity_id", flat=True))
    new = [i for i in dict.fromkeys(ids) if i not in known]
    NgsiEntity.objects.bulk_create([NgsiEntity(source=source, entity_id=i, type=types.get(i, ""))
                                    for i in new], ignore_conflicts=True)
    return new


def create_entity(source: DataSource, entity: dict[str, Any]) -> str:
    """``POST /entities``: one entity, refused whole when any of its readings is; a second
    create of the same id is AlreadyExists (new readings of it come by upsert)."""
    parsed = ngsi.parse_entities([entity], batch=False)
    entity_id = parsed.entity_ids[0]
    if NgsiEntity.objects.filter(source=source, entity_id=entity_id).exists():
        raise ngsi.NgsiError("AlreadyExists", f"{entity_id} exists; send new readings with "
                             "POST /ngsi-ld/v1/entityOperations/upsert", 409)
    batch = ingest_records(source, parsed.records, origin=BatchOrigin.NGSI,
                           actor=f"token:{source.key}").value
    if batch.rejected:  # its readings were quarantined with their reasons: not created
        reasons = "; ".join(f"{q.column}: {q.reason}" for q in batch.quarantine.all()[:5])
        raise ngsi.NgsiError("BadRequestData", f"{entity_id}: {reasons}")
    _remember(source, [entity], [entity_id])
    return entity_id


def upsert_entities(source: DataSource, entities: list[Any]) -> EntitiesReceived:
    """``POST /entityOperations/upsert``: every entity's readings stored, one bad entity
    refused with its reason while the others go on."""
    parsed = ngsi.parse_entities(entities, batch=True)
    errors = list(parsed.errors)
    if parsed.records:
        batch = ingest_records(source, parsed.records, origin=BatchOrigin.NGSI,
                               actor=f"token:{source.key}").value
        for q in batch.quarantine.all()[:100] if batch.rejected else ():
            errors.append({"entityId": q.raw.get("entity", "") if isinstance(q.raw, dict)
                           else "", "error": f"{q.column}: {q.reason}"})
    failed = {e["entityId"] for e in errors}
    ok = [i for i in parsed.entity_ids if i not in failed]
    return EntitiesReceived(ok, _remember(source, entities, ok), errors)
