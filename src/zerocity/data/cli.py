"""``zerocity data``: the city data platform's sources, tokens, ingest, quarantine, outputs
and the synthetic readings generator."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from zerocity.core.cli import ACTOR, city_opt, handles_errors, write_atomically

# Named in `data generate --help`, so needed before any command runs (generate needs no Django).
from zerocity.data.generate import CALIBRATIONS

if TYPE_CHECKING:
    from zerocity.data.models import Batch, DataSource

source_opt = click.option("--source", "source_key", required=True, help="Data source key.")


def _get_source(city_slug: str, key: str) -> DataSource:
    from zerocity.core.selectors import get_city
    from zerocity.data.services import get_source

    return get_source(get_city(city_slug), key)


def _city_zone(slug: str) -> str:
    """The zone of the city whose readings these are. A store can also be written before the
    city exists (a benchmark, a fresh install): then --timezone names it."""
    from zerocity.core.errors import NotFound
    from zerocity.core.selectors import get_city

    try:
        zone: str = get_city(slug).timezone
    except NotFound:
        raise NotFound(f"no city {slug!r} to take the readings' time zone from; create it "
                       "with `zerocity city create` or give --timezone") from None
    return zone


@click.group()
def data() -> None:
    """The city data platform: sources, tokens, ingest and quarantine."""


@data.command("generate")
@click.option("--city", default="kranj", show_default=True,
              help="City whose calibration to use (" + ", ".join(CALIBRATIONS) + ").")
@click.option("--meters", type=click.IntRange(min=1), required=True,
              help="Meters in all (one per stream at least).")
@click.option("--days", type=click.IntRange(min=1), required=True, help="Days of readings.")
@click.option("--start", default="2018-01-01", show_default=True,
              help="First local day (YYYY-MM-DD).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--batch", type=int, default=0, show_default=True,
              help="Batch id written into the readings (0 is never an intake batch).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Dataset directory [default: <ZEROCITY_DATA_DIR>/readings].")
@click.option("--timezone", "tz", default=None,
              help="Zone whose local days and months the readings follow [default: that of "
              "the city --city names, in the database].")
@handles_errors
def data_generate(city: str, meters: int, days: int, start: str, seed: int, batch: int,
                  out_dir: Path | None, tz: str | None) -> None:
    """Write realistic synthetic meter readings (calibrated to the city's 2018 baseline)."""
    from zerocity.data.generate import default_out_dir, estimate_readings, generate

    if tz is None:
        tz = _city_zone(city)
    try:
        first = date.fromisoformat(start)
        total = estimate_readings(meters, days, city=city, start=first, tz=tz)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    out = out_dir or default_out_dir()
    done = 0
    with click.progressbar(length=total, label=f"{total:,} readings") as bar:
        def step(n: int) -> None:
            nonlocal done
            bar.update(n - done)
            done = n

        result = generate(out, city=city, meters=meters, days=days, start=first, seed=seed,
                          batch=batch, tz=tz, progress=step)
    click.echo(f"wrote {result.readings:,} readings of {sum(result.meters.values()):,} meters "
               f"in {result.files:,} files under {result.out_dir}")


# -- sources and tokens ------------------------------------------------------------------------

@data.group("source")
def data_source() -> None:
    """Data sources: who sends which readings, in which units and ranges."""


def _quantity(text: str) -> tuple[str, dict[str, Any]]:
    parts = text.split(":")
    if len(parts) < 2 or len(parts) > 4 or not parts[0] or not parts[1]:
        raise click.BadParameter(f"{text!r}: write NAME:UNIT[:MIN[:MAX]], e.g. "
                                 "active_energy:kWh:0:100000", param_hint="--quantity")
    spec: dict[str, Any] = {"unit": parts[1]}
    for name, value in zip(("min", "max"), parts[2:], strict=False):
        if value != "":
            try:
                spec[name] = float(value)
            except ValueError:
                raise click.BadParameter(f"{text!r}: {name} {value!r} is not a number",
                                         param_hint="--quantity") from None
    return parts[0], spec


@data_source.command("add")
@click.argument("key")
@city_opt
@click.option("--kind", required=True, help="electricity_meters, gas_meters, heat_meters, "
              "fuel_sales, traffic_counters, air_quality, noise, waste_weighings, bike_counts, "
              "bus_counts, city_card_usage or pv_production.")
@click.option("--name", required=True)
@click.option("--quantity", "quantities", multiple=True, required=True,
              help="NAME:UNIT[:MIN[:MAX]], e.g. active_energy:kWh:0:100000 (repeat it).")
@click.option("--owner", default="", help="The organisation that supplies the data.")
@click.option("--frequency", default="hourly", show_default=True,
              help="1min, 5min, 10min, 15min, 30min, hourly, daily, monthly or irregular.")
@click.option("--timezone", "tz", default=None,
              help="How times without a UTC offset are read [default: the city's zone].")
@click.option("--licence", default="")
@click.option("--publication", type=click.Choice(["private", "aggregated", "open"]),
              default="private", show_default=True,
              help="What the open data may show: nothing; monthly aggregates of enough meters "
              "(households, firms); or monthly aggregates however few the devices (sensors).")
@click.option("--description", default="")
@handles_errors
def data_source_add(key: str, city_slug: str, kind: str, name: str,
                    quantities: tuple[str, ...], owner: str, frequency: str, tz: str | None,
                    licence: str, publication: str, description: str) -> None:
    """Register data source KEY for a city (again with the same definition: unchanged)."""
    from zerocity.core.selectors import get_city
    from zerocity.data.services import add_source

    schema = dict(_quantity(q) for q in quantities)
    city = get_city(city_slug)
    # Named explicitly so that a service still defaulting to one fixed zone reads the city's.
    s = add_source(city, key, name=name, kind=kind, schema=schema, owner=owner,
                   frequency=frequency, timezone=tz or city.timezone, licence=licence,
                   publication=publication, description=description, actor=ACTOR)
    click.echo(f"source {s.city.slug}/{s.key}: {s.name} ({s.kind}, {s.frequency}); "
               + ", ".join(f"{q} [{v['unit']}]" for q, v in sorted(s.schema.items())))


@data_source.command("list")
@city_opt
@handles_errors
def data_source_list(city_slug: str) -> None:
    """List a city's data sources."""
    from zerocity.core.selectors import get_city
    from zerocity.data.selectors import sources_with_counts

    for s in sources_with_counts(get_city(city_slug)):
        quantities = ",".join(f"{q}[{v['unit']}]" for q, v in sorted(s.schema.items()))
        click.echo(f"{s.key}\t{s.kind}\t{s.frequency}\t{quantities}\t{s.owner}\t"
                   f"{s.active_tokens} tokens\t{s.n_batches} batches")


@data.group("token")
def data_token() -> None:
    """API tokens that let a device or a utility push readings to one source."""


@data_token.command("issue")
@city_opt
@source_opt
@click.option("--name", required=True, help="Who or what uses the token.")
@handles_errors
def data_token_issue(city_slug: str, source_key: str, name: str) -> None:
    """Issue a token; its secret is printed once and never stored."""
    from zerocity.data.services import issue_token

    token, secret = issue_token(_get_source(city_slug, source_key), name, actor=ACTOR)
    click.echo(secret)
    click.echo(f"token {token.prefix}… ({token.name}) for {city_slug}/{source_key}: the "
               "secret above is shown only now", err=True)


@data_token.command("revoke")
@city_opt
@source_opt
@click.argument("prefix")
@handles_errors
def data_token_revoke(city_slug: str, source_key: str, prefix: str) -> None:
    """Revoke the source's token whose secret starts with PREFIX."""
    from zerocity.data.selectors import token_by_prefix
    from zerocity.data.services import revoke_token

    token = revoke_token(token_by_prefix(_get_source(city_slug, source_key), prefix),
                         actor=ACTOR)
    click.echo(f"token {token.prefix}… ({token.name}) revoked {token.revoked_at:%Y-%m-%d %H:%M}")


@data_token.command("list")
@city_opt
@source_opt
@handles_errors
def data_token_list(city_slug: str, source_key: str) -> None:
    """List a source's tokens (prefixes only; secrets are never stored)."""
    from zerocity.data.selectors import tokens

    for t in tokens(_get_source(city_slug, source_key)):
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        click.echo(f"{t.prefix}\t{t.name}\t{t.created_at:%Y-%m-%d}\t{t.created_by}\t{state}")


# -- intake ------------------------------------------------------------------------------------

@data.command("ingest")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@city_opt
@source_opt
@click.option("--chunk-rows", type=click.IntRange(min=1000), default=None, hidden=True)
@handles_errors
def data_ingest(file: Path, city_slug: str, source_key: str, chunk_rows: int | None) -> None:
    """Ingest readings from FILE (.csv, .parquet or .xlsx), streamed in chunks.

    Rows that fail a rule are kept in quarantine as `line N, column C: reason`; the others
    are stored. Sending the same readings again changes nothing. Exit code 1 when nothing
    could be accepted.
    """
    from zerocity.data.intake import CHUNK_ROWS
    from zerocity.data.selectors import quarantine
    from zerocity.data.services import ingest_file

    source = _get_source(city_slug, source_key)
    with click.progressbar(length=1, label=file.name, file=sys.stderr,
                           show_percent=True) as bar:
        done = 0

        def progress(position: int, total: int) -> None:
            nonlocal done
            bar.length = max(total, position, 1)
            bar.update(max(position - done, 0))
            done = max(done, position)

        result = ingest_file(source, file, filename=file.name, actor=ACTOR, progress=progress,
                             chunk_rows=chunk_rows or CHUNK_ROWS)
    batch = result.value
    if result.replayed:
        click.echo(f"{file.name} is identical to batch {batch.pk}, accepted before: nothing "
                   "written")
    for line in _batch_summary(batch):
        click.echo(line)
    if batch.status == "rejected":
        for row in quarantine(batch)[:20]:
            click.echo(str(row), err=True)
        sys.exit(1)


def _batch_summary(batch: Batch) -> list[str]:
    out = [f"batch {batch.pk} ({batch.status}): received {batch.received:,}, accepted "
           f"{batch.accepted:,}, duplicates {batch.duplicates:,}, rejected {batch.rejected:,}"]
    if batch.first_reading:
        out.append(f"readings from {batch.first_reading:%Y-%m-%d %H:%M} to "
                   f"{batch.last_reading:%Y-%m-%d %H:%M} UTC")
    gaps = batch.summary.get("gaps") or {}
    if gaps:
        out.append(f"gaps: {gaps['meters']:,} meters, {gaps['missing']:,} readings missing "
                   f"(expected every {gaps['expected_every']})")
        for g in gaps["by_meter"][:10]:
            out.append(f"  {g['meter']} {g['quantity']}: {g['missing']:,} missing "
                       f"({g['observed']:,} of {g['expected']:,})")
    if batch.summary.get("ambiguous_local_times"):
        out.append(f"{batch.summary['ambiguous_local_times']:,} readings at local times the "
                   "clocks repeat were read as the first of the two")
    if batch.rejected:
        out.append(f"rejected rows: zerocity data quarantine --batch {batch.pk}")
    return out


@data.command("quarantine")
@click.option("--batch", "batch_id", type=int, required=True)
@click.option("--out", "-o", "output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the CSV here (atomically) instead of printing it.")
@handles_errors
def data_quarantine(batch_id: int, output: Path | None) -> None:
    """A batch's rejected rows as CSV: line, column, reason and the row as sent."""
    from zerocity.data.selectors import get_batch, quarantine, quarantine_csv

    batch = get_batch(batch_id)
    if output is None:
        for part in quarantine_csv(batch):
            click.echo(part, nl=False)
        return
    write_atomically(output, quarantine_csv(batch))
    click.echo(f"wrote {output} ({quarantine(batch).count():,} rows)")


@data.command("batches")
@city_opt
@source_opt
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@handles_errors
def data_batches(city_slug: str, source_key: str, limit: int) -> None:
    """List a source's latest batches."""
    from zerocity.data.selectors import source_batches

    for b in source_batches(_get_source(city_slug, source_key), limit):
        click.echo(f"{b.pk}\t{b.created_at:%Y-%m-%d %H:%M}\t{b.origin}\t{b.status}\t"
                   f"{b.received}\t{b.accepted}\t{b.duplicates}\t{b.rejected}\t{b.filename}")


# -- outputs -----------------------------------------------------------------------------------

@data.command("feed-inventory")
@city_opt
@click.option("--year", type=int, required=True, help="The inventory year to feed.")
@handles_errors
def data_feed_inventory(city_slug: str, year: int) -> None:
    """Put the year's measured lines (metered electricity, gas, district heat) into the city's
    inventory for YEAR, superseding the estimates of the same carrier and sub-sector. Again
    with the same readings: unchanged."""
    from zerocity.core.selectors import get_city
    from zerocity.data.outputs import feed_inventory

    result = feed_inventory(get_city(city_slug), year, actor=ACTOR)
    for m in result.plan.lines:
        cover = "-" if m.coverage is None else f"{m.coverage:.1%}"
        click.echo(f"{m.gpc_ref}\t{m.activity}\t{m.mwh:,.3f} MWh\tcoverage {cover}\t"
                   f"quality {m.data_quality}\t{', '.join(m.sources)}")
    if result.feed is None:
        click.echo(f"inventory {city_slug} {year} already holds these figures: unchanged")
    else:
        click.echo(f"inventory {city_slug} {year}: {len(result.plan.lines)} measured lines, "
                   f"{len(result.feed.superseded)} estimates superseded (kept in feed "
                   f"#{result.feed.pk})")


@data.command("feed-indicators")
@city_opt
@handles_errors
def data_feed_indicators(city_slug: str) -> None:
    """Record the plan indicators computed from readings, for every year they cover well
    enough."""
    from zerocity.core.selectors import get_city
    from zerocity.data.outputs import feed_indicators, indicator_values

    city = get_city(city_slug)
    for v in indicator_values(city):
        cover = "-" if v.coverage is None else f"{v.coverage:.1%}"
        state = "recorded" if v.complete else "year not complete"
        click.echo(f"{v.feed.indicator.code}\t{v.year}\t{v.value:,.3f} {v.feed.indicator.unit}"
                   f"\tcoverage {cover}\t{state}")
    click.echo(f"{len(feed_indicators(city, actor=ACTOR))} observations recorded or confirmed")


@data.command("open-data")
@city_opt
@click.option("--dataset", "key", required=True,
              help="energy-use, monthly-series or emissions-nowcast.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "parquet"]), default="csv",
              show_default=True)
@click.option("--out", "-o", "output", type=click.Path(dir_okay=False, path_type=Path),
              required=True)
@handles_errors
def data_open_data(city_slug: str, key: str, fmt: str, output: Path) -> None:
    """Write one open dataset (what the API serves) to a file, atomically."""
    from zerocity.core.selectors import get_city
    from zerocity.data import opendata

    body = opendata.download(get_city(city_slug), key, fmt)
    write_atomically(output, body)
    click.echo(f"wrote {output} ({len(body):,} bytes)")
