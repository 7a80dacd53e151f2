"""The ``zerocity`` command line. Each command parses its options, calls one service and
prints the result; errors a person can fix end with exit code 1 and a plain message.

This module holds the one group and the project's own commands; each app keeps its commands
in ``<app>/cli.py`` and they are registered here, so that no app imports another's CLI."""

from __future__ import annotations

import os
from pathlib import Path

import click

from zerocity.budget.cli import budget
from zerocity.card.cli import card
from zerocity.contract.cli import contract
from zerocity.core.cli import ACTOR, city, handles_errors, reminders, user
from zerocity.data.cli import data
from zerocity.engage.cli import engage
from zerocity.food.cli import food
from zerocity.governance.cli import governance
from zerocity.inventory.cli import factor, inventory
from zerocity.mobility.cli import mobility
from zerocity.ops.cli import backup, restore, worker
from zerocity.plan.cli import plan


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zerocity.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    from zerocity.server import private_files

    private_files()  # before settings run: they may create the data directory
    try:
        django.setup()
    except ImproperlyConfigured as exc:  # a setting the operator must fix: say which, no trace
        raise click.ClickException(str(exc)) from None
    from django.conf import settings

    # the first `zerocity migrate` of a new install finds no data directory (SQLite lives there)
    Path(settings.DATA_DIR).mkdir(mode=0o700, parents=True, exist_ok=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="zerocity")
def main() -> None:
    """ZeroCity: the platform a city runs its climate-neutral transition on.

    Data lives under ./var unless ZEROCITY_DATA_DIR says otherwise; DATABASE_URL switches the
    database to PostgreSQL.
    """
    _setup()


for group in (city, user, inventory, factor, plan, data, card, mobility, food, budget, contract,
              governance, engage, reminders, worker, backup, restore):
    main.add_command(group)


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema and seed the reference data."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "8000")),
              show_default="8000 or $PORT")
@click.option("--threads", type=int, default=8, show_default=True)
def serve(host: str, port: int, threads: int) -> None:
    """Serve the site and the API with the waitress WSGI server.

    In production, put it behind a TLS proxy and name the proxy's address in
    ZEROCITY_TRUSTED_PROXIES (docs/deploy.md)."""
    from zerocity.server import serve as serve_site

    serve_site(host, port, threads,
               announce=lambda url: click.echo(f"ZeroCity on {url}  (Ctrl+C stops)"))


@main.command()
@click.option("--serve/--no-serve", "then_serve", default=True, show_default=True,
              help="Serve the site once the demo's first part is loaded; the rest loads in "
                   "the background while the site answers.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "8000")),
              show_default="8000 or $PORT")
@click.option("--stages-only", is_flag=True, hidden=True,
              help="Load only the demo's later stages (what the background process runs).")
@handles_errors
def demo(then_serve: bool, host: str, port: int, stages_only: bool) -> None:
    """Migrate, load the Kranj demo (idempotent) and serve it.

    The first part (the city, inventories, plan, logins, timetable, card) loads before the
    server starts; the heavy synthetic data (meter readings, riders, budget, contract, council,
    food procurement, news) loads after it in a background process, and the pages say what is
    still loading. With --no-serve everything loads before the command returns."""
    from zerocity.core.models import City
    from zerocity.demo.fast_schema import migrate_fast
    from zerocity.demo.kranj import load_essential
    from zerocity.demo.stages import (
        DONE,
        STAGES,
        mark_pending,
        progress_path,
        read_progress,
        run_stages,
    )

    migrate_fast()
    if not stages_only:
        for line in load_essential(actor=ACTOR):
            click.echo(line)
    city = City.objects.get(slug="kranj")
    if not stages_only:
        mark_pending()
    # the stages an earlier start finished stay done: a second `make demo` serves at once
    states = read_progress()
    todo = [stage.name for stage in STAGES if states.get(stage.name) != DONE]
    if stages_only or not then_serve:
        for line in run_stages(city, ACTOR, names=todo):
            click.echo(line)
        return
    if todo:
        log = progress_path().with_name("demo-stages.log")
        _load_in_background(log)
        click.echo(f"the rest of the demo loads in the background (its log: {log})")
    ctx = click.get_current_context()
    ctx.invoke(serve, host=host, port=port)


def _load_in_background(log: Path) -> None:
    """``zerocity demo --stages-only`` as a child process: it ends when the stages are loaded
    (or with the server, on Ctrl+C; the next ``zerocity demo`` completes what it left)."""
    import subprocess
    import sys

    with log.open("ab") as out:
        subprocess.Popen([sys.executable, "-m", "zerocity", "demo", "--stages-only",
                          "--no-serve"], stdout=out, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL)


@main.command(context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command (``zerocity manage check --deploy``)."""
    from django.core.management import execute_from_command_line

    execute_from_command_line(["zerocity manage", *args])


if __name__ == "__main__":
    main()
