"""Many rows in one statement, for hot paths (a validator's offline queue of taps) where the
ORM spends more time building models, statements and their parameters than the database
spends answering.

``insert`` writes rows of one table in one INSERT. The rows come as plain tuples in the order
of ``columns`` (attribute names: ``medium_id``), holding what the columns hold; datetimes go
through the backend's own adapter (SQLite keeps them as naive UTC text), as the ORM does. The
new ids come back in the order of the rows (each INSERT numbers its rows in order). On
PostgreSQL the rows go as one array a column (``INSERT ... SELECT * FROM unnest(...)``), sent
in binary apart from the statement: the driver neither scans a statement with thousands of
placeholders, which took longer than deciding a queue of taps, nor quotes the arrays into its
text, which took longer than the insert; a column whose rows all hold the same object (a
queue's validator, its time of receipt) goes as that one value. A single row goes as plain
values.

``select`` runs a written-out read, with ``any_of`` for its lists of keys: on PostgreSQL one
array bound apart from the statement, and timestamps read by the driver's own loader.
``Columns`` makes a model's instances from the columns of a written-out read (a join of a
validator and its city), as the ORM would make them."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from django.db import connection, models

ROWS_A_STATEMENT = 500  # SQLite: well inside its limit on parameters
M = TypeVar("M", bound=models.Model)


def insert(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]],
           *, returning: bool = False) -> list[int]:
    """Insert ``rows`` into ``model``'s table inside the caller's transaction; their new ids
    when ``returning``."""
    if not rows:
        return []
    head, one, tail, adapt = _statement(model, tuple(columns), returning, connection.vendor)
    ids: list[int] = []
    if connection.vendor == "postgresql":
        with _server_bound_cursor() as cursor:
            if len(rows) == 1:  # a single tap's: scalars cost the driver less than arrays
                cursor.execute(one, rows[0])
                return [pk for (pk,) in cursor.fetchall()] if returning else []
            values = list(zip(*rows, strict=True))
            # a column whose rows hold the very same object goes as that one value; the first
            # always as an array, whose length is the rows'
            same = (False, *(all(v is c[0] for v in c) for c in values[1:]))
            # the parameters in the statement's order: the single values, then the arrays
            cursor.execute(_unnest(model, tuple(columns), returning, same), [
                *(c[0] for c, alike in zip(values, same, strict=True) if alike),
                *(list(c) for c, alike in zip(values, same, strict=True) if not alike)])
            return sorted(pk for (pk,) in cursor.fetchall()) if returning else []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_A_STATEMENT):
            chunk = rows[start:start + ROWS_A_STATEMENT]
            params = [a(v) if a is not None and v is not None else v
                      for row in chunk for a, v in zip(adapt, row, strict=True)]
            cursor.execute(f"{head}{', '.join([one] * len(chunk))}{tail}", params)
            if returning:
                ids += sorted(pk for (pk,) in cursor.fetchall())
    return ids


@functools.cache
def _statement(model: type[models.Model], columns: tuple[str, ...], returning: bool,
               vendor: str) -> tuple[str, str, str, tuple[Callable[[Any], Any] | None, ...]]:
    """``insert``'s statement for these columns, built once (a tap's four inserts had spent
    more time asking each field its database type than the driver took to send them).
    PostgreSQL: the statement for a single row (plain values, which the driver dumps in C;
    arrays of one row are dumped in Python: a single tap's CPU went from 3.6 to 3.4 ms), many
    rows going by ``_unnest``'s; SQLite: the statement's head, a row's placeholders and its
    tail, and each column's adapter (its datetimes), if any."""
    fields, head, tail = _target(model, columns, returning)
    if vendor == "postgresql":
        return "", f"{head}VALUES ({', '.join(['%s'] * len(fields))}){tail}", "", ()
    # a tuple: the cache hands the same one to every caller, who must not be able to change it
    adapt = tuple(connection.ops.adapt_datetimefield_value
                  if isinstance(f, models.DateTimeField) else None for f in fields)
    one = f"({', '.join(['%s'] * len(fields))})"
    return f"{head}VALUES ", one, tail, adapt


@functools.cache
def _unnest(model: type[models.Model], columns: tuple[str, ...], returning: bool,
            same: tuple[bool, ...]) -> str:
    """PostgreSQL's statement for many rows: one array a column, sent apart from the statement
    in binary (a statement of a few parameters, whatever the rows, that the driver neither
    scans for placeholders nor quotes into its text), and one value for each column ``same``
    marks (a queue's validator and time of receipt): psycopg dumps arrays in Python, about a
    fifth of a queue's CPU when every column went as one."""
    assert not same[0], "the first column gives the rows' number"
    fields, head, tail = _target(model, columns, returning)
    types = [f.db_type(connection) for f in fields]
    arrays = [f"%b::{t}[]" for t, one in zip(types, same, strict=True) if not one]
    names = [f"c{i}" for i, one in enumerate(same) if not one]
    chosen = ", ".join(f"%s::{t}" if one else f"u.c{i}"
                       for i, (t, one) in enumerate(zip(types, same, strict=True)))
    return f"{head}SELECT {chosen} FROM unnest({', '.join(arrays)}) AS u({', '.join(names)}){tail}"


def _target(model: type[models.Model], columns: tuple[str, ...], returning: bool) -> tuple[
        list[models.Field[Any, Any]], str, str]:
    """An insert's fields, its head (the table and columns) and its tail (the id asked back)."""
    meta = model._meta
    fields = [f for c in columns if isinstance(f := meta.get_field(c), models.Field)]
    assert len(fields) == len(columns) and meta.pk is not None, "columns of the table itself"
    qn = connection.ops.quote_name
    head = (f"INSERT INTO {qn(meta.db_table)} "  # noqa: S608
            f"({', '.join(qn(str(f.column)) for f in fields)}) ")
    return fields, head, f" RETURNING {qn(str(meta.pk.column))}" if returning else ""


def any_of(values: Iterable[Any]) -> tuple[str, list[Any]]:
    """The right side of a condition that holds for any of ``values``, and its parameters: on
    PostgreSQL one array (``= ANY(%s)``), the same statement whatever their number; on SQLite
    a placeholder each (``IN (%s, ...)``)."""
    values = list(values)
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [values]
    return f"IN ({', '.join(['%s'] * len(values))})", values


def select(sql: str, params: Sequence[Any], *, times: Sequence[int] = ()) -> list[tuple[Any, ...]]:
    """The rows of a written-out read, inside the caller's transaction; ``times``: the columns
    that hold timestamps, read as aware datetimes in UTC on both databases.

    On PostgreSQL the parameters are bound on the server, and timestamps are read by psycopg's
    own loader, in C. Django's wraps that loader in Python to give a time zone other than the
    session's, which ZeroCity never asks for: the session is in UTC (``USE_TZ``), so both give
    the same datetimes, and Django's parses each in Python (3.2 µs against 0.2 µs). On
    SQLite timestamps are kept as naive UTC text, parameters and columns alike, as the ORM
    keeps them."""
    if connection.vendor == "postgresql":
        from psycopg.types.datetime import TimestamptzLoader

        with _server_bound_cursor() as cursor:
            cursor.adapters.register_loader("timestamptz", TimestamptzLoader)  # psycopg's C one
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, [adapt(p) if isinstance(p, datetime) else p for p in params])
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    if not times:
        return rows
    return [tuple(_utc(v) if i in times and v is not None else v for i, v in enumerate(row))
            for row in rows]


@dataclass(frozen=True)
class Columns(Generic[M]):
    """One model's columns in a written-out read: where they start in the row, their attribute
    names (for ``Model.from_db``), and Django's converters for those that need them, found as
    its compiler finds them (on SQLite datetimes and decimals, on both databases JSON), so the
    instance is the one the ORM would build. ``get_db_converters`` is the hook Django's compiler
    and backends share, not in its documentation: tests/test_card_taps_reads.py compares the
    instances with the ORM's, field for field, on both databases. Built once per database: the
    converters are the first connection's, and every connection to the database has the same
    ones."""

    model: type[M]
    start: int
    names: tuple[str, ...]
    # (the column's place among the model's, its Col, its converters)
    converters: tuple[tuple[int, Any, tuple[Callable[..., Any], ...]], ...]

    @classmethod
    def of(cls, model: type[M], start: int) -> Columns[M]:
        table = model._meta.db_table
        converters = []
        for i, f in enumerate(model._meta.concrete_fields):
            col = f.get_col(table)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                converters.append((i, col, tuple(found)))
        return cls(model, start, tuple(f.attname for f in model._meta.concrete_fields),
                   tuple(converters))

    def sql(self) -> str:
        table = connection.ops.quote_name(self.model._meta.db_table)
        return ", ".join(f"{table}.{c}" for c in quoted_columns(self.model).values())

    def instance(self, row: tuple[Any, ...]) -> M:
        values = list(row[self.start:self.start + len(self.names)])
        for i, col, found in self.converters:
            for convert in found:
                values[i] = convert(values[i], col, connection)
        return self.model.from_db(connection.alias, self.names, values)


def quoted_columns(model: type[models.Model]) -> dict[str, str]:
    """A model's columns by field name, quoted for the database."""
    return {f.name: connection.ops.quote_name(str(f.column))
            for f in model._meta.concrete_fields}


def _utc(value: datetime | str) -> datetime:
    """A timestamp SQLite gave: a naive datetime where it knows the column's declared type
    (Django's converter), else the text."""
    return (value if isinstance(value, datetime) else datetime.fromisoformat(value)).replace(
        tzinfo=UTC)


def _server_bound_cursor() -> Any:
    """A cursor on PostgreSQL that binds its parameters on the server (Django's own bind them
    into the statement's text, which for a queue's arrays cost more than the insert), wrapped
    as Django wraps its own: errors as Django's, the connection's execute wrappers, the query
    log. It goes through ``_prepare_cursor``, the wrapper's step Django keeps private (there is
    no public way to choose the binding per statement)."""
    import psycopg

    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(  # type: ignore[attr-defined]
            psycopg.Cursor(connection.connection))
