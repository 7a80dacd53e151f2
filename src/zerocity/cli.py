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
from zerocity.core.cli import city, reminders, user
from zerocity.data.cli import data
from zerocity.demo.cli import demo
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
              governance, engage, reminders, demo, worker, backup, restore):
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


@main.command(context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command (``zerocity manage check --deploy``)."""
    from django.core.management import execute_from_command_line

    execute_from_command_line(["zerocity manage", *args])


if __name__ == "__main__":
    main()
