"""``zerocity demo``: the Kranj demo loaded in two parts and served (docs/demo.md)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from zerocity.core.cli import ACTOR, handles_errors


@click.command()
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
    root = ctx.find_root()
    serve = root.command.get_command(root, "serve")  # type: ignore[attr-defined]  # the group's
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
