"""The Kranj demo in two parts: the essential part a first page needs (the city, its
inventories, the plan, the data sources, the logins, the timetable and the card), then the heavy
synthetic data (meter readings, riders, the UP-SCALE scenario, the budget, the contract, the
council, the food procurements, the citizen platform) in stages that ``zerocity demo`` loads
in a background process after the server answers.

Each stage is idempotent (its loaders change nothing the second time) and runs in one
transaction where its loaders allow it, so a stage that fails or is interrupted leaves nothing
behind; the riders, UP-SCALE and food stages commit step by step (the readings store's ingest
and the timetable scenarios take durable transactions of their own), and the riders and
UP-SCALE complete what an earlier run left when run again. The food stage does not yet: run
after a failure past its first step, it finds its DPS and stops (docs/demo.md).

The one-shot ``load_demo`` runs the same functions in the same order, so both end in the same
database. Progress is kept in ``demo-progress.json`` under the data directory (never in the
database, so it is no part of the demo's content); the pages say what is still loading while a
stage is pending, running or failed (``loading``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from zerocity.core.models import City

PROGRESS_FILE = "demo-progress.json"
PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"


@dataclass(frozen=True)
class Stage:
    name: str
    label: _StrPromise  # what the pages say is still loading
    load: Callable[[City, str], list[str]]
    # in one transaction (all or nothing); False where the loaders commit on their own (the
    # readings store's ingest and the timetable scenarios take durable transactions): those
    # complete what an earlier run left when run again
    atomic: bool = True


def _readings(city: City, actor: str) -> list[str]:
    from zerocity.data.demo import ensure_readings
    from zerocity.data.outputs import feed_indicators

    report = ["kranj " + ensure_readings(city)]
    observed = feed_indicators(city, actor=actor)
    report.append(f"kranj indicator observations from the readings: {len(observed)}")
    return report


def _riders(city: City, actor: str) -> list[str]:
    from zerocity.demo.riders import load_riders

    # the synthetic riders ride the timetable of the essential part (its committed files)
    return [load_riders(city, actor=actor)]


def _upscale(city: City, actor: str) -> list[str]:
    from zerocity.demo.upscale import load

    # what doubling line 1 is worth, as the plan's action UP-1, on the riders' taps above
    return [load(city, actor=actor)]


def _budget(city: City, actor: str) -> list[str]:
    from zerocity.budget.demo import load

    # the 2025 budget tagged for the climate, its lines linked to the plan's actions
    return [load(city, actor=actor)]


def _checks(city: City, actor: str) -> list[str]:
    from zerocity.budget.check_demo import load

    # a few projects and council items with their climate checks, one flagged
    return [load(city, actor=actor)]


def _contract(city: City, actor: str) -> list[str]:
    from zerocity.contract.demo import load

    # the contract's commitments signed, its funding sources and financing gap
    return [load(city, actor=actor)]


def _round(city: City, actor: str) -> list[str]:
    from zerocity.plan.round_demo import load

    # the reporting round of the next cut-off day, one unit's report in (check 20)
    return [load(city, actor=actor)]


def _governance(city: City, actor: str) -> list[str]:
    from zerocity.governance.demo import load

    # the council and transition team with a meeting, a declaration and its decisions
    return [load(city, actor=actor)]


def _food(city: City, actor: str) -> list[str]:
    from zerocity.food.demo import load

    return load(city, actor=actor, history=True)


def _engage(city: City, actor: str) -> list[str]:
    from zerocity.engage.demo import load

    return load(city, actor=actor)


STAGES: tuple[Stage, ...] = (
    Stage("readings", _("meter readings and the indicators computed from them"), _readings),
    Stage("riders", _("the synthetic bus riders and their trips"), _riders, atomic=False),
    Stage("upscale", _("the UP-SCALE timetable scenario (action UP-1)"), _upscale,
          atomic=False),
    Stage("budget", _("the 2025 city budget tagged for the climate"), _budget),
    Stage("checks", _("the climate checks of projects and council items"), _checks),
    Stage("contract", _("the Climate City Contract's commitments and financing"), _contract),
    Stage("round", _("the reporting round"), _round),
    Stage("governance", _("the council, the transition team, meetings and decisions"),
          _governance),
    Stage("food", _("the joint procurement of food for schools"), _food, atomic=False),
    Stage("engage", _("news, surveys and proposals"), _engage),
)
BY_NAME = {stage.name: stage for stage in STAGES}


# -- progress -----------------------------------------------------------------------------------

def progress_path() -> Path:
    return Path(settings.DATA_DIR) / PROGRESS_FILE


def read_progress() -> dict[str, str]:
    """Each stage's state; empty when no staged load was ever started in this data directory
    (a one-shot load, or the tests' fixtures)."""
    try:
        data = json.loads(progress_path().read_text())
    except (OSError, ValueError):
        return {}
    stages = data.get("stages", {}) if isinstance(data, dict) else {}
    return {k: str(v) for k, v in stages.items() if k in BY_NAME}


def _write(states: dict[str, str]) -> None:
    path = progress_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"stages": states}, indent=1))
    tmp.replace(path)  # readers see the old state or the new one, never half of one


def _record(name: str, state: str) -> None:
    states = read_progress() or {stage.name: PENDING for stage in STAGES}
    states[name] = state
    _write(states)


def mark_pending() -> None:
    """Every stage not done yet is pending: the pages say so from this moment on."""
    states = read_progress()
    _write({stage.name: DONE if states.get(stage.name) == DONE else PENDING
            for stage in STAGES})


def cache_token() -> str:
    """Changes whenever the progress does (the page cache keys on it)."""
    try:
        stat = progress_path().stat()
    except OSError:
        return ""
    return f"{stat.st_mtime_ns}:{stat.st_size}"


def loading() -> tuple[list[str], list[str]]:
    """The labels of the stages still to come and of those that failed (both empty once the
    demo is whole, or when it was loaded in one go)."""
    states = read_progress()
    waiting = [str(BY_NAME[n].label) for n, s in states.items() if s in (PENDING, RUNNING)]
    failed = [str(BY_NAME[n].label) for n, s in states.items() if s == FAILED]
    return waiting, failed


# -- loading ------------------------------------------------------------------------------------

def run_stages(city: City, actor: str, *, record: bool = True,
               names: list[str] | None = None) -> list[str]:
    """Load the stages in order (``names``: only those), each in one transaction. With
    ``record`` each one's state goes to the progress file; a failure marks its stage failed,
    leaves the later ones pending and is raised."""
    report: list[str] = []
    for stage in STAGES:
        if names is not None and stage.name not in names:
            continue
        if record:
            _record(stage.name, RUNNING)
        try:
            if stage.atomic:
                with transaction.atomic():
                    report.extend(stage.load(city, actor))
            else:
                report.extend(stage.load(city, actor))
        except BaseException:  # interrupted (Ctrl+C stops the server and this) or failed
            if record:
                _record(stage.name, FAILED)
            raise
        if record:
            _record(stage.name, DONE)
    return report
