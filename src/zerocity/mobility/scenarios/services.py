"""Writes of timetable scenarios: creating one, saving a new version of its edits, publishing.

Saving reads the edits (``edits.load_edits``), applies them to the base feed version's tables
(``apply.apply_edits``), writes the derived tables as a GTFS zip with the source's licence and
attribution (``gtfs_out``) and checks that zip with the very validation a feed import uses
(``gtfs.validate``): an edit that cannot be applied, or a derived feed with any error, refuses
the save with every problem named, and the refusal is audited. A good derived feed is stored
as a feed version's tables are (``store``): written in a private folder, then, in one
transaction with the scenario locked, the version and its audit record are written and the
folder renamed into place. The same edits as the latest version's are ``replayed``: nothing
changes. Versions are numbered from 1 and never changed.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zerocity.core import audit
from zerocity.core.actors import Person, signed_in
from zerocity.core.errors import NotFound, ZeroCityError
from zerocity.core.models import City
from zerocity.core.results import Done
from zerocity.mobility import store
from zerocity.mobility.gtfs.reader import ArchiveError
from zerocity.mobility.gtfs.validate import Report, validate
from zerocity.mobility.models import FeedVersion, Scenario, ScenarioStatus, ScenarioVersion
from zerocity.mobility.scenarios import apply, gtfs_out
from zerocity.mobility.scenarios.edits import EditError, canonical, load_edits
from zerocity.mobility.selectors import version_in_force

SHOWN = 10  # problems a refusal's sentence names (``problems`` has all of them)


class ScenarioRefused(ZeroCityError):
    """Edits that cannot be saved: ``problems`` lists each one (an edit's path and what is
    wrong, or the derived feed's errors as ``file line N, column C: code: reason``)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(ngettext(
            "The scenario was not saved: %(n)s problem: %(problems)s",
            "The scenario was not saved: %(n)s problems: %(problems)s",
            len(problems)) % {"n": len(problems), "problems": "; ".join(problems[:SHOWN])},
            code="scenario-edits")


@dataclass(frozen=True)
class Derived:
    """A derived feed, checked: its zip and the validator's report on it."""

    edits: Any
    edits_sha256: str
    zip: bytes
    sha256: str
    report: Report


def derive(base: FeedVersion, data: Any, *, city: City, today: date | None = None) -> Derived:
    """The derived feed of ``data`` (the edits' JSON) on ``base``, checked as of ``today``
    (default: the city's today); ScenarioRefused with every problem when an edit cannot be
    applied or the derived feed breaks a GTFS rule."""
    try:
        edits = load_edits(data)
        tables = apply.apply_edits(store.read_tables(base.path), edits)
    except EditError as exc:
        raise ScenarioRefused([str(exc)]) from None
    text = canonical(data)
    edits_sha = hashlib.sha256(text.encode()).hexdigest()
    label = f"{base.feed_version or base.name} + scenario {edits_sha[:12]}"
    tables = gtfs_out.attributed(tables, licence=base.licence, attribution=base.attribution,
                                 publisher=base.publisher, publisher_url=base.publisher_url,
                                 version_label=label[:200])
    archive = gtfs_out.to_zip(tables)
    try:
        report = validate(archive, today=today or city.calendar.today())
    except ArchiveError as exc:  # not expected of a zip written here
        raise ScenarioRefused([str(exc)]) from None
    if report.errors:
        raise ScenarioRefused([str(n) for n in report.errors])
    return Derived(json.loads(text), edits_sha, archive,
                   hashlib.sha256(archive).hexdigest(), report)


def _audit_refusal(city: City, exc: ScenarioRefused, *, scenario: Scenario | None,
                   by: Person | None, actor: str) -> None:
    with transaction.atomic(durable=True):
        audit.record("mobility.scenario_refused", city=city, user=by, actor=actor,
                     obj=scenario, problems=len(exc.problems),
                     first=[p.replace("\x00", "\ufffd") for p in exc.problems[:20]])


def _checked(city: City, base: FeedVersion, data: Any, *, scenario: Scenario | None,
             by: Person | None, actor: str, today: date | None) -> Derived:
    try:
        return derive(base, data, city=city, today=today)
    except ScenarioRefused as exc:
        _audit_refusal(city, exc, scenario=scenario, by=by, actor=actor)
        raise


def _write_version(scenario: Scenario, derived: Derived, *, by: Person | None,
                   actor: str) -> Done[ScenarioVersion]:
    """In the caller's transaction, with the scenario locked: the next version, or the latest
    one again when its edits are the same."""
    latest = scenario.versions.order_by("-number").first()
    if latest is not None and latest.edits_sha256 == derived.edits_sha256:
        return Done(latest, True)
    number = 1 if latest is None else latest.number + 1
    path = f"gtfs/{scenario.city.slug}/scenarios/{scenario.pk}/{number}"
    counts = Counter(n.code for n in derived.report.warnings)
    version = ScenarioVersion.objects.create(
        scenario=scenario, number=number, edits=derived.edits,
        edits_sha256=derived.edits_sha256, sha256=derived.sha256, path=path,
        counts={n: len(f) for n, f in sorted(derived.report.tables.items())},
        warning_counts=dict(counts), created_by=signed_in(by),
        by_label=actor or audit.actor_label(by))
    audit.record("mobility.scenario_version_saved", city=scenario.city, user=by, actor=actor,
                 obj=version, scenario=scenario.pk, number=number,
                 edits_sha256=derived.edits_sha256, sha256=derived.sha256,
                 edits=len(derived.edits), rows=version.counts)
    return Done(version, False)


def _publish_tables(derived: Derived, make: Any) -> Done[ScenarioVersion]:
    """Write the derived tables, run ``make()`` (a durable transaction that returns the
    version) and rename the tables into place before it commits."""
    written = store.Written(derived.report.tables, derived.zip)
    placed: list[str] = []

    def publish(path: str) -> None:
        written.publish(path)
        placed.append(path)

    try:
        done: Done[ScenarioVersion] = make(publish)
    except BaseException:
        for path in placed:
            store.remove(path)
        raise
    finally:
        written.discard()
    return done


def create_scenario(city: City, *, name: str, edits: Any, base: FeedVersion | None = None,
                    description: str = "", by: Person | None = None, actor: str = "",
                    today: date | None = None) -> Done[ScenarioVersion]:
    """A new scenario on ``base`` (default: the version in force today) with its first
    version. The same name, base and edits as an existing scenario's latest version return
    that version, ``replayed``."""
    name = (name or "").strip()
    if not name:
        raise ScenarioRefused([_("Give the scenario a name.")])
    if base is None:
        base = version_in_force(city, today or city.calendar.today())
        if base is None:
            raise NotFound(_("%(city)s has no timetable feed to base a scenario on.")
                           % {"city": city.name})
    elif base.city_id != city.pk:
        raise NotFound(_("%(city)s has no feed version %(id)s.") % {"city": city.name,
                                                                     "id": base.pk})
    derived = _checked(city, base, edits, scenario=None, by=by, actor=actor, today=today)

    def make(publish: Any) -> Done[ScenarioVersion]:
        with transaction.atomic(durable=True):
            City.objects.select_for_update().get(pk=city.pk)  # one new scenario at a time
            for same in Scenario.objects.filter(city=city, base=base, name=name[:200]):
                latest = same.versions.order_by("-number").first()
                if latest is not None and latest.edits_sha256 == derived.edits_sha256:
                    return Done(latest, True)
            scenario = Scenario.objects.create(city=city, base=base, name=name[:200],
                                               description=description,
                                               by_label=actor or audit.actor_label(by))
            audit.record("mobility.scenario_created", city=city, user=by, actor=actor,
                         obj=scenario, name=scenario.name, base=base.pk)
            done = _write_version(scenario, derived, by=by, actor=actor)
            publish(done.value.path)
            return done

    return _publish_tables(derived, make)


def save_version(scenario: Scenario, edits: Any, *, by: Person | None = None,
                 actor: str = "", today: date | None = None) -> Done[ScenarioVersion]:
    """A new version of ``scenario`` with ``edits`` (on its base); the same edits as its latest
    version return that version, ``replayed``: nothing changes."""
    latest = scenario.versions.order_by("-number").first()
    try:
        text = canonical(edits)
    except (TypeError, ValueError):
        text = ""
    if latest is not None and latest.edits_sha256 == hashlib.sha256(text.encode()).hexdigest():
        return Done(latest, True)
    derived = _checked(scenario.city, scenario.base, edits, scenario=scenario, by=by,
                       actor=actor, today=today)

    def make(publish: Any) -> Done[ScenarioVersion]:
        with transaction.atomic(durable=True):
            locked = Scenario.objects.select_for_update().get(pk=scenario.pk)
            done = _write_version(locked, derived, by=by, actor=actor)
            if not done.replayed:
                publish(done.value.path)
            return done

    return _publish_tables(derived, make)


def publish_scenario(scenario: Scenario, *, by: Person | None = None,
                     actor: str = "") -> Done[Scenario]:
    """Make the scenario public (its versions readable by anyone); a published one again
    changes nothing."""
    with transaction.atomic(durable=True):
        locked = Scenario.objects.select_for_update().get(pk=scenario.pk)
        if locked.status == ScenarioStatus.PUBLISHED:
            return Done(locked, True)
        locked.status = ScenarioStatus.PUBLISHED
        locked.save(update_fields=["status"])
        audit.record("mobility.scenario_published", city=locked.city, user=by, actor=actor,
                     obj=locked)
    return Done(locked, False)
