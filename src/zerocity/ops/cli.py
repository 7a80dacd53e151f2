"""``zerocity worker``, ``zerocity backup`` and ``zerocity restore``: running an installation
unattended, and taking it elsewhere whole (docs/worker.md, docs/backup.md)."""

from __future__ import annotations

from pathlib import Path

import click

from zerocity.core.cli import handles_errors
from zerocity.ops.jobs import JOBS

job_names = click.Choice(sorted(JOBS))


@click.group(invoke_without_command=True)
@click.pass_context
def worker(ctx: click.Context) -> None:
    """Run the background jobs on their schedules until stopped (SIGTERM or Ctrl+C): the DPS
    clock, news announcements, the weekly digest, indicator recomputation and the card
    ledger check. Any number of workers may run against one database; each job runs once."""
    if ctx.invoked_subcommand is not None:
        return
    from zerocity.ops.worker import serve

    click.echo("ZeroCity worker: " + ", ".join(
        f"{j.name} every {j.minutes} min" for j in JOBS.values()))
    serve()


@worker.command("schedules")
def worker_schedules() -> None:
    """Create the jobs' schedules if missing (again: unchanged) and list them."""
    from zerocity.ops.worker import ensure_schedules, schedules

    ensure_schedules()
    for s in schedules():
        when = f"{s.next_run:%Y-%m-%d %H:%M:%S %Z}" if s.next_run else "-"
        click.echo(f"{s.job}\tevery {s.minutes} min\tnext {when}")


@worker.command("enqueue")
@click.argument("job", type=job_names)
def worker_enqueue(job: str) -> None:
    """Put one run of JOB on the queue now; a running worker takes it."""
    from zerocity.ops.worker import enqueue

    click.echo(f"{job}: queued as task {enqueue(job)}")


@click.group(invoke_without_command=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="The archive to write (a tar file; replaced only when the new one is "
              "whole).")
@click.pass_context
@handles_errors
def backup(ctx: click.Context, out: Path | None) -> None:
    """Back up this installation while the site runs: the database, the readings store, the
    secret key and the sealed tenders' public parts, with a SHA-256 per file."""
    if ctx.invoked_subcommand is not None:
        return
    if out is None:
        raise click.UsageError("give --out FILE, or `backup verify FILE`")
    from zerocity.ops.backup import take

    taken = take(out)
    click.echo(f"backup {taken.path}: {taken.database} database, {taken.readings_files} "
               f"readings files, {taken.procurements} procurements' sealed keys, "
               f"{taken.bytes:,} bytes")


@backup.command("verify")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@handles_errors
def backup_verify(archive: Path) -> None:
    """Read ARCHIVE whole and check every file against its manifest; exit 1 if it is
    damaged, cut short or partial."""
    from zerocity.ops.archive import read

    manifest = read(archive)
    click.echo(f"{archive}: whole; {len(manifest.files)} files, {manifest.database} "
               f"database, taken {manifest.created_at} by ZeroCity {manifest.zerocity}")


@click.command()
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@handles_errors
def restore(archive: Path) -> None:
    """Restore ARCHIVE into an empty database (DATABASE_URL, or SQLite in the data directory)
    and an empty data directory (ZEROCITY_DATA_DIR). Refuses a target that holds data and a
    damaged or partial archive, before writing anything."""
    from zerocity.ops.restore import restore as run_restore

    done = run_restore(archive)
    click.echo(f"restored: {done.database} database, {done.readings_files} readings files, "
               f"{done.procurements} procurements' sealed tenders as they were")
    if done.secret_key_from_environment:
        click.echo("ZEROCITY_SECRET_KEY is set: give it the restored key (in the data "
                   "directory's secret_key file), or sessions, unsubscribe links and keyed "
                   "hashes will not match")
    click.echo("if this ZeroCity is newer than the backup's, run `zerocity migrate` next")
