"""Every write to inventories and the factor library goes through these functions.

Each is one transaction: it locks what it changes, re-checks state, does nothing when the
change is already there, and writes its audit record in the same transaction.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice, repeat
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zerocity.core import audit
from zerocity.core.actors import Person, signed_in
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.core.units import UnitError
from zerocity.core.uploads import UnsafeUpload, check_workbook
from zerocity.inventory import calculations as calc
from zerocity.inventory import ecrf
from zerocity.inventory import gwp as gwp_mod
from zerocity.inventory.columns import read_activity_columns
from zerocity.inventory.models import (
    EmissionFactor,
    ImportBatch,
    Inventory,
    InventoryLine,
    InventoryStatus,
    RejectedImport,
)
from zerocity.inventory.parsing import (
    ActivityFile,
    ErrorLog,
    ImportRejected,
    ParsedLine,
)
from zerocity.inventory.stored import VALUE_FIELDS, stored_columns

# How an import reads its file: a column at a time; ``parsing.read_activity_file`` (a line at
# a time) is the reference that tests put in its place and compare with.
READER: Callable[[bytes, str], ActivityFile] = read_activity_columns


@contextmanager
def _no_gc() -> Iterator[None]:
    """Python's cycle collector off while an import builds its hundreds of thousands of
    objects (none of them cycles): it would walk them all again and again, a third of the
    import's time. On again after, as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@transaction.atomic
def create_inventory(
    city: City, year: int, *, gwp: str | None = None, by: Person | None = None, actor: str = "",
    **fields: Any,
) -> Inventory:
    inventory, created = Inventory.objects.get_or_create(
        city=city, year=year,
        defaults={"gwp": gwp_mod.parse(gwp).value, **fields},
    )
    if created:
        audit.record("inventory.create", city=city, user=by, actor=actor, obj=inventory,
                     year=year)
    return inventory


def _lock(inventory: Inventory) -> Inventory:
    return Inventory.objects.select_for_update().get(pk=inventory.pk)


@transaction.atomic
def set_gwp(inventory: Inventory, gwp: str, *, by: Person | None = None,
            actor: str = "") -> Inventory:
    """Change the GWP set. CO2e follows on read; stored gas tonnes are untouched."""
    inventory = _lock(inventory)
    new = gwp_mod.parse(gwp).value
    if inventory.gwp == new:
        return inventory
    if inventory.is_published:
        raise Conflict(_("The %(year)s inventory is published; withdraw it from the public to "
                         "change its GWP set.") % {"year": inventory.year})
    old, inventory.gwp = inventory.gwp, new
    inventory.save(update_fields=["gwp", "updated_at"])
    audit.record("inventory.set_gwp", city=inventory.city, user=by, actor=actor, obj=inventory,
                 old=old, new=new)
    return inventory


@transaction.atomic
def publish_inventory(inventory: Inventory, *, by: Person | None = None,
                      actor: str = "") -> Inventory:
    inventory = _lock(inventory)
    if inventory.is_published:
        return inventory
    if not inventory.lines.exists():
        raise Conflict(_("The %(year)s inventory has no lines yet; import its activity data "
                         "first.") % {"year": inventory.year})
    inventory.status = InventoryStatus.PUBLISHED
    inventory.published_at = timezone.now()
    inventory.save(update_fields=["status", "published_at", "updated_at"])
    audit.record("inventory.publish", city=inventory.city, user=by, actor=actor, obj=inventory)
    return inventory


@transaction.atomic
def unpublish_inventory(
    inventory: Inventory, *, reason: str, by: Person | None = None, actor: str = ""
) -> Inventory:
    if not reason.strip():
        raise Conflict(_("Say why the inventory is withdrawn from the public."))
    inventory = _lock(inventory)
    if not inventory.is_published:
        return inventory
    inventory.status = InventoryStatus.DRAFT
    inventory.published_at = None
    inventory.save(update_fields=["status", "published_at", "updated_at"])
    audit.record("inventory.unpublish", city=inventory.city, user=by, actor=actor,
                 obj=inventory, reason=reason)
    return inventory


# -- emission factor library -------------------------------------------------------------------

class FactorResolver:
    """Finds the factor a ``fuel`` cell names, as the city sees the library for one year.

    ``fuel`` is ``key`` or ``source:key``. The city's own factors come first, then factors for
    its country, then the general library; within each, the latest year not after the
    inventory year, then the latest version.
    """

    def __init__(self, city: City, year: int):
        self.city, self.year = city, year
        self._cache: dict[str, EmissionFactor | None] = {}
        self._values: dict[str, tuple[int, calc.FactorValues]] = {}

    def resolve(self, spec: str) -> EmissionFactor | None:
        if spec not in self._cache:
            self._cache[spec] = self._lookup(spec)
        return self._cache[spec]

    def values(self, spec: str, factor: EmissionFactor) -> tuple[int, calc.FactorValues]:
        """The id and values of the factor ``spec`` resolved to, read once per spec."""
        if spec not in self._values:
            self._values[spec] = (factor.pk, factor.values())
        return self._values[spec]

    def _lookup(self, spec: str) -> EmissionFactor | None:
        source, _, key = spec.rpartition(":")
        qs = EmissionFactor.objects.filter(key=key, year__lte=self.year).filter(
            Q(city=self.city) | Q(city__isnull=True, country__in=["", self.city.country])
        )
        if source:
            qs = qs.filter(source=source)
        candidates = sorted(
            qs,
            key=lambda f: (f.city_id is not None, f.country != "", f.year, f.version),
            reverse=True,
        )
        return candidates[0] if candidates else None


@transaction.atomic
def add_factor(
    *,
    city: City | None,
    source: str,
    key: str,
    year: int,
    unit: str,
    co2: float = 0.0,
    ch4: float = 0.0,
    n2o: float = 0.0,
    co2_biogenic: float = 0.0,
    fossil: bool = True,
    label: str = "",
    source_name: str = "",
    country: str = "",
    method: str = "",
    reference: str = "",
    by: Person | None = None,
    actor: str = "",
) -> EmissionFactor:
    """Add a factor, or a new version of it when the values differ from the latest one.

    Adding the same values again changes nothing.
    """
    from zerocity.core.units import parse_unit

    try:
        parse_unit(unit)
    except UnitError as exc:
        raise Conflict(str(exc)) from exc
    if min(co2, ch4, n2o, co2_biogenic) < 0:
        raise Conflict(_("Emission factors cannot be negative; enter 0 or more."))
    scope = EmissionFactor.objects.select_for_update().filter(
        city=city, source=source, key=key, year=year, country=country
    )
    latest = scope.order_by("-version").first()
    values = dict(unit=unit, co2=co2, ch4=ch4, n2o=n2o, co2_biogenic=co2_biogenic, fossil=fossil)
    if latest is not None and all(getattr(latest, k) == v for k, v in values.items()):
        return latest
    factor = EmissionFactor.objects.create(
        city=city, country=country, source=source, key=key, year=year,
        version=(latest.version + 1) if latest else 1,
        label=label or key.replace("_", " "), source_name=source_name or source,
        method=method, reference=reference, **values,
    )
    audit.record("factor.add", city=city, user=by, actor=actor, obj=factor,
                 spec=f"{source}:{key}", year=year, version=factor.version)
    return factor


def add_local_electricity_factor(
    city: City,
    year: int,
    *,
    total_consumption: float,
    local_production: float,
    green_purchases: float,
    national_factor: float,
    local_production_emissions: float = 0.0,
    green_purchase_emissions: float = 0.0,
    by: Person | None = None,
    actor: str = "",
) -> EmissionFactor:
    """Store the Covenant of Mayors local electricity factor for a city and year."""
    value = calc.local_electricity_factor(
        total_consumption=total_consumption, local_production=local_production,
        green_purchases=green_purchases, national_factor=national_factor,
        local_production_emissions=local_production_emissions,
        green_purchase_emissions=green_purchase_emissions,
    )
    return add_factor(
        city=city, source="com-local", key="electricity", year=year, unit="MWh", co2=value,
        label="Local electricity (Covenant of Mayors method)",
        source_name="Covenant of Mayors local electricity emission factor",
        method=(
            f"EFE from TCE={total_consumption} MWh, LPE={local_production} MWh, "
            f"GEP={green_purchases} MWh, NEEFE={national_factor} t/MWh, "
            f"CO2LPE={local_production_emissions} t, CO2GEP={green_purchase_emissions} t"
        ),
        by=by, actor=actor,
    )


# -- import ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportResult:
    inventory: Inventory
    rows: int
    created: int
    updated: int
    deleted: int
    batch: ImportBatch | None

    @property
    def unchanged(self) -> bool:
        return self.batch is None


_STORED_FIELDS = ("position", *VALUE_FIELDS)
# The columns an import inserts, in the order of its rows.
_INSERTED = ("inventory_id", "gpc_id", "activity", *_STORED_FIELDS, "batch_id")


def _line_values(p: ParsedLine, resolver: FactorResolver, errors: list[str]) -> dict[str, Any]:
    """The stored fields of one parsed line: factor resolved, gases computed. It runs on lines
    with bad cells too, so that a file's mistakes come in one answer; a check that reads a bad
    cell stays quiet, since that cell has its message already."""
    values: dict[str, Any] = dict(
        amount=p.amount, unit=p.unit, fuel=p.fuel, factor_id=None, ef_unit=p.ef_unit,
        ef_co2=p.ef_co2, ef_ch4=p.ef_ch4, ef_n2o=p.ef_n2o, co2=0.0, ch4=0.0, n2o=0.0,
        hfcs=0.0, pfcs=0.0, sf6=0.0, nf3=0.0, co2_biogenic=0.0,
        co2e_direct=p.co2e if p.co2e is not None else 0.0,
        notation_key=p.notation_key, explanation=p.explanation, ie_ref=p.ie_ref,
        data_quality=p.data_quality, source=p.source, ets=p.ets, ccc_sector=p.ccc_sector,
    )
    sector = p.gpc_ref.split(".")[0]
    fossil = sector in ("I", "II")
    if p.has_factor and "fuel" not in p.bad:  # a bad fuel: both kinds of factor were given
        if p.fuel:
            factor = resolver.resolve(p.fuel)
            if factor is None:
                errors.append(
                    f"line {p.line_no}, column fuel: no emission factor {p.fuel!r} for "
                    f"{resolver.city.slug} in or before {resolver.year}"
                )
                return values
            factor_id, fv = resolver.values(p.fuel, factor)
            values.update(factor_id=factor_id, ef_unit=fv.unit, ef_co2=fv.co2, ef_ch4=fv.ch4,
                          ef_n2o=fv.n2o)
        else:
            fv = calc.FactorValues(unit=p.ef_unit, co2=p.ef_co2 or 0.0, ch4=p.ef_ch4 or 0.0,
                                   n2o=p.ef_n2o or 0.0, fossil=fossil)
            if "ef_unit" in p.bad:
                return values
        if not p.unit or "unit" in p.bad:
            return values
        try:
            gases = calc.emissions_from_activity(p.amount or 0.0, p.unit, fv)
        except UnitError as exc:
            errors.append(f"line {p.line_no}, column unit: {exc} (the factor is per "
                          f"{fv.unit})")
            return values
        values.update(co2=gases.co2, ch4=gases.ch4, n2o=gases.n2o,
                      co2_biogenic=gases.co2_biogenic)
        fossil = gases.ch4_fossil
    else:
        values.update(p.gases)
    if p.ch4_origin:
        fossil = p.ch4_origin == "fossil"
    values["ch4_fossil"] = fossil
    return values


def import_activity_file(
    city: City,
    year: int,
    data: bytes,
    filename: str,
    *,
    mode: str = "replace",
    gwp: str | None = None,
    by: Person | None = None,
    actor: str = "",
) -> ImportResult:
    """Import the activity-data file into the city's inventory for ``year``.

    ``replace`` makes the inventory hold exactly the file's lines; ``merge`` adds and updates
    lines (keyed by gpc_ref and activity) and keeps the others. A file with any error is
    refused whole: ``ImportRejected`` lists every error, nothing is stored in the inventory,
    and the file is kept in quarantine (``RejectedImport``) with its errors. Importing the same
    file again changes nothing and records nothing. An eCRF workbook exported by ZeroCity is
    read as the activity-data file it describes.
    """
    try:
        table, name, sheet = data, filename, None
        if filename.lower().endswith(".xlsx"):
            try:  # before anything opens it: a zip bomb costs its directory, not minutes
                check_workbook(data)
            except UnsafeUpload as exc:
                raise ImportRejected([f"line 1, column -: {exc}"]) from None
        if filename.lower().endswith(".xlsx") and ecrf.is_ecrf_workbook(data):
            sheet = ecrf.read_ecrf3(data)
            table, name = sheet.csv, filename + ".csv"
        with _no_gc():
            return _import_activity_file(city, year, table, name, mode=mode, gwp=gwp, by=by,
                                         actor=actor, sheet=sheet)
    except ImportRejected as exc:
        # the file as it was sent is what quarantine keeps
        quarantine(city, year, data, filename, exc.kept(), by=by, actor=actor,
                   total=exc.total)
        raise


@transaction.atomic
def quarantine(city: City, year: int, data: bytes, filename: str, errors: list[str], *,
               by: Person | None = None, actor: str = "",
               total: int | None = None) -> RejectedImport:
    """Keep a refused file with its errors as listed (bounded: the first of each column and
    a count of the rest, ``ImportRejected.kept``); ``total``: how many errors it had."""
    digest = hashlib.sha256(data).hexdigest()
    kept = RejectedImport.objects.filter(city=city, year=year, sha256=digest).first()
    if kept is not None:  # the same refused file sent again is kept once
        return kept
    kept = RejectedImport.objects.create(
        city=city, year=year, filename=filename[:300], sha256=digest, content=data,
        errors=errors, actor_label=actor or audit.actor_label(by),
    )
    audit.record("inventory.import_rejected", city=city, user=by, actor=actor, obj=kept,
                 filename=filename, year=year,
                 errors=len(errors) if total is None else total)
    return kept


@dataclass(slots=True)
class _Lines:
    """A good file's lines ready to store: their keys (gpc_ref, activity) in file order and,
    per field of ``stored.VALUE_FIELDS``, their values."""

    keys: list[tuple[str, str]]
    values: dict[str, list[Any]]


# A stored line as the import compares it: (id, the values of _STORED_FIELDS)
_Stored = tuple[int, tuple[Any, ...]]


@transaction.atomic
def _import_activity_file(
    city: City,
    year: int,
    data: bytes,
    filename: str,
    *,
    mode: str = "replace",
    gwp: str | None = None,
    by: Person | None = None,
    actor: str = "",
    sheet: ecrf.Ecrf3 | None = None,
) -> ImportResult:
    """``sheet``: the eCRF_3 that ``data`` was read from, whose header's mistakes refuse the
    file with its lines' own."""
    if mode not in ("replace", "merge"):
        raise ValueError(f"unknown import mode {mode!r}")
    parsed = READER(data, filename)
    gwp_set = gwp_mod.parse(gwp) if gwp else None

    inventory = Inventory.objects.filter(city=city, year=year).first()
    if inventory is None:
        inventory = create_inventory(city, year, gwp=gwp_set.value if gwp_set else None,
                                     by=by, actor=actor)
    inventory = _lock(inventory)

    resolver = FactorResolver(city, year)
    existing = _stored_lines(inventory)
    lines = None if sheet is not None and sheet.errors \
        else _good_columns(parsed, resolver, existing, mode)
    if lines is None:  # the per-line path: it words every mistake, or stores what it read
        lines = _checked_lines(parsed, resolver, existing, mode, sheet)
    # after the file's own mistakes: those are worth knowing whatever the inventory's state
    if inventory.is_published:
        raise Conflict(_("The %(year)s inventory is published; withdraw it from the public "
                         "before importing new figures.") % {"year": year})

    incoming = set(lines.keys)
    if mode == "replace":
        to_delete = [pk for key, (pk, _row) in existing.items() if key not in incoming]
        offset = 0
    else:
        to_delete = []
        offset = max((row[0] for _pk, row in existing.values()), default=0)
    positions = [
        position + offset if mode == "replace" or key not in existing else existing[key][1][0]
        for position, key in enumerate(lines.keys, start=1)
    ]
    columns = [positions, *(lines.values[f] for f in VALUE_FIELDS)]
    to_create: list[int] | None = None  # None: every line (nothing stored to compare with)
    to_update: list[InventoryLine] = []
    if existing:
        to_create = []
        for i, (key, row) in enumerate(zip(lines.keys, zip(*columns, strict=True),
                                           strict=True)):
            stored = existing.get(key)
            if stored is None:
                to_create.append(i)
            elif stored[1] != row:
                to_update.append(InventoryLine(pk=stored[0], **dict(zip(_STORED_FIELDS, row,
                                                                          strict=True))))
    n_created = len(lines.keys) if to_create is None else len(to_create)

    gwp_changed = gwp_set is not None and inventory.gwp != gwp_set.value
    n_lines = parsed.count
    if not (n_created or to_update or to_delete or gwp_changed):
        return ImportResult(inventory, n_lines, 0, 0, 0, None)

    batch = ImportBatch.objects.create(
        inventory=inventory, filename=filename[:300], sha256=parsed.sha256, fmt=parsed.fmt,
        mode=mode, rows=n_lines, created=n_created, updated=len(to_update),
        deleted=len(to_delete), by=signed_in(by),
        actor_label=actor or audit.actor_label(by),
    )
    if to_delete:
        for start in range(0, len(to_delete), 5000):
            InventoryLine.objects.filter(pk__in=to_delete[start:start + 5000]).delete()
    keys = lines.keys
    if to_create is None:  # the rows straight from the columns
        if keys:
            _insert_lines(zip(repeat(inventory.pk), *zip(*keys, strict=True), *columns,
                              repeat(batch.pk)))
    else:
        _insert_lines((inventory.pk, *keys[i], *(column[i] for column in columns), batch.pk)
                      for i in to_create)
    for line in to_update:
        line.batch = batch
    InventoryLine.objects.bulk_update(to_update, [*_STORED_FIELDS, "batch"], batch_size=2000)
    if gwp_changed and gwp_set is not None:
        inventory.gwp = gwp_set.value
    inventory.save()
    audit.record(
        "inventory.import", city=city, user=by, actor=actor, obj=inventory,
        filename=filename, sha256=parsed.sha256, mode=mode, created=n_created,
        updated=len(to_update), deleted=len(to_delete), gwp=inventory.gwp,
    )
    return ImportResult(inventory, n_lines, n_created, len(to_update),
                        len(to_delete), batch)


def _stored_lines(inventory: Inventory) -> dict[tuple[str, str], _Stored]:
    """The inventory's lines as plain tuples, by key, read with one cursor: comparing
    100,000 tuples is much cheaper than building a dict or a model per line. (A boolean
    comes back as 0 or 1 from SQLite, which compares equal to False and True.)"""
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in ("id", "gpc_id", "activity", *_STORED_FIELDS))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {names} FROM {qn(InventoryLine._meta.db_table)} "
                       "WHERE inventory_id = %s", [inventory.pk])
        return {(row[1], row[2]): (row[0], row[3:]) for row in cursor.fetchall()}


def _carrying(refs: list[str], keys: list[str], existing: dict[tuple[str, str], _Stored],
              incoming: set[tuple[str, str]], mode: str) -> set[str]:
    """The GPC references with a line carrying emissions once the file is imported: the
    file's lines without a notation key (``refs``, ``keys``: their references and notation
    keys) and, on a merge, the stored ones the file keeps."""
    carrying = {ref for ref, key in zip(refs, keys, strict=True) if not key}
    if mode == "merge":
        key_at = _STORED_FIELDS.index("notation_key")
        carrying |= {ref for (ref, act), (_pk, row) in existing.items()
                     if (ref, act) not in incoming and not row[key_at]}
    return carrying


def _good_columns(parsed: ActivityFile, resolver: FactorResolver,
                  existing: dict[tuple[str, str], _Stored], mode: str) -> _Lines | None:
    """A good file's lines computed a column at a time (``stored.stored_columns``); None when
    the file was not read as columns or has a mistake that only the lines' values show (a
    fuel without a factor, a unit that does not convert, an IE pointing nowhere): the
    per-line path words it."""
    if parsed.columns is None or parsed.errors:
        return None

    def resolve(spec: str) -> tuple[int, calc.FactorValues] | None:
        factor = resolver.resolve(spec)
        return None if factor is None else resolver.values(spec, factor)

    c = parsed.columns.values
    values = stored_columns(parsed.columns, resolve)
    if values is None:
        return None
    keys = list(zip(c["gpc_ref"], c["activity"], strict=True))
    if "IE" in c["notation_key"]:
        carrying = _carrying(c["gpc_ref"], c["notation_key"], existing, set(keys), mode)
        if any(key == "IE" and ref not in carrying
               for key, ref in zip(c["notation_key"], c["ie_ref"], strict=True)):
            return None
    return _Lines(keys, values)


def _checked_lines(parsed: ActivityFile, resolver: FactorResolver,
                   existing: dict[tuple[str, str], _Stored], mode: str,
                   sheet: ecrf.Ecrf3 | None) -> _Lines:
    """The per-line path, the reference: every check on every line, whatever reading found
    (the factor library and the other lines are asked about the lines with bad cells too, so
    one answer names every mistake); ``ImportRejected`` with them all, or the lines."""
    errors = parsed.errors.copy()
    incoming = {p.key: (p, _line_values(p, resolver, errors)) for p in parsed.lines}
    good = [p for p in parsed.lines if not p.notation_key and "gpc_ref" not in p.bad]
    carrying = _carrying([p.gpc_ref for p in good], [""] * len(good), existing,
                         set(incoming), mode)
    for p in parsed.lines:
        if p.notation_key == "IE" and p.ie_ref not in carrying \
                and p.bad.isdisjoint(("notation_key", "ie_ref")):
            errors.append(f"line {p.line_no}, column ie_ref: IE points to {p.ie_ref}, "
                          "which has no line carrying emissions in this inventory")
    dropped = errors.dropped
    if sheet is not None:
        errors = ErrorLog(sheet.with_rows(errors), dropped=dropped)
    if errors:
        raise ImportRejected(sorted(errors, key=_line_of), errors.dropped)
    found = [values for _p, values in incoming.values()]
    return _Lines(list(incoming), {f: [v[f] for v in found] for f in VALUE_FIELDS})


def _insert_lines(rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert new lines as plain tuples (``_INSERTED`` columns), in the import's transaction:
    on SQLite one ``executemany`` (the ORM's bulk_create builds SQL for every ~30 rows and a
    model per line, which was most of an import's time); on PostgreSQL one ``COPY``, which
    sends the rows as a stream without a statement per row."""
    qn = connection.ops.quote_name
    table = qn(InventoryLine._meta.db_table)
    names = ", ".join(qn(c) for c in _INSERTED)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # the driver's own cursor: its errors wrapped as Django's (IntegrityError...)
            with connection.wrap_database_errors, \
                    cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(_INSERTED))})"
        rows = iter(rows)
        while chunk := list(islice(rows, 5000)):
            cursor.executemany(sql, chunk)


def _line_of(message: str) -> int:
    try:
        return int(message.split(",", 1)[0].removeprefix("line "))
    except ValueError:
        return 0
