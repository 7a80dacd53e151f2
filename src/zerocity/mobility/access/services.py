"""The write path of accessibility: importing a city's opportunities file, and computing and
storing accessibility on the timetable in force (docs/mobility-access.md)."""

from __future__ import annotations

import hashlib
import json
import time as clock
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict, NotFound
from zerocity.core.models import City
from zerocity.core.results import Done
from zerocity.mobility import timetables, walking
from zerocity.mobility.access import compute, opportunities
from zerocity.mobility.models import AccessibilityResult, FeedVersion, OpportunitySet
from zerocity.mobility.selectors import version_in_force, version_tables

# a new release's calculation is a new computation (the digest of the code is in the key)
_CODE = [compute, opportunities]


class OpportunitiesRefused(Conflict):
    """Every problem of a refused file, ``line N, column C: reason``."""

    def __init__(self, problems: list[opportunities.Problem]) -> None:
        self.problems = problems
        super().__init__(ngettext(
            "The opportunities file was refused: %(n)s error. Correct it and send it again.",
            "The opportunities file was refused: %(n)s errors. Correct them and send it again.",
            len(problems)) % {"n": len(problems)}, code="opportunities-errors")


def import_opportunities(city: City, data: bytes | Path, *, filename: str, name: str = "",
                         by: Person | None = None,
                         actor: str = "") -> Done[OpportunitySet]:
    """Import a city's opportunities file as the next version of ``name`` (default: the
    file's name); ``replayed`` when these bytes were imported before. All or nothing."""
    raw = data.read_bytes() if isinstance(data, Path) else data
    sha = hashlib.sha256(raw).hexdigest()
    known = OpportunitySet.objects.filter(city=city, sha256=sha).first()
    if known is not None:
        return Done(known, True)
    try:
        parsed = opportunities.parse(raw)
    except opportunities.OpportunitiesInvalid as exc:
        raise OpportunitiesRefused(exc.problems) from None
    label = (name or filename or "opportunities")[:200]
    try:
        with transaction.atomic():
            City.objects.select_for_update().get(pk=city.pk)
            known = OpportunitySet.objects.filter(city=city, sha256=sha).first()
            if known is not None:
                return Done(known, True)
            last = OpportunitySet.objects.filter(city=city, name=label).aggregate(
                n=Max("version"))["n"] or 0
            made = OpportunitySet.objects.create(
                city=city, name=label, version=last + 1, sha256=sha, filename=filename[:300],
                kinds=list(parsed.kinds), totals=parsed.totals(), notes=list(parsed.notes),
                synthetic=parsed.synthetic, points=parsed.rows(),
                by_label=actor or audit.actor_label(by))
            audit.record("mobility.opportunities_imported", city=city, user=by, actor=actor,
                         obj=made, sha256=sha, rows=len(made.points), totals=made.totals,
                         synthetic=made.synthetic)
    except IntegrityError:  # the same bytes raced in on another connection
        return Done(OpportunitySet.objects.get(city=city, sha256=sha), True)
    return Done(made, False)


def current_opportunities(city: City) -> OpportunitySet:
    found = OpportunitySet.objects.filter(city=city).order_by("-id").first()
    if found is None:
        raise NotFound(_("%(city)s has no opportunities file: import one first.")
                       % {"city": city.name})
    return found


def as_opportunities(found: OpportunitySet) -> opportunities.Opportunities:
    return opportunities.Opportunities.from_rows(list(found.kinds), found.points,
                                                 list(found.notes))


def _code_digest() -> str:
    from zerocity.mobility.access import kernels

    h = hashlib.sha256()
    for module in (*_CODE, kernels):
        assert module.__file__ is not None
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()[:12]


def _version(city: City, day: date) -> FeedVersion:
    from datetime import timedelta

    version = version_in_force(city, day)
    if version is None or day > version.end_date + timedelta(days=1):
        raise NotFound(_("%(city)s has no timetable for %(day)s.")
                       % {"city": city.name, "day": day.isoformat()})
    return version


def compute_accessibility(city: City, day: date, settings: compute.Settings, *,
                          by: Person | None = None,
                          actor: str = "") -> Done[AccessibilityResult]:
    """Accessibility on the timetable in force on ``day`` from the city's newest opportunities
    file, stored; ``replayed`` when the same computation (timetable, file, walking network,
    settings, code) was stored before."""
    version = _version(city, day)
    opp_set = current_opportunities(city)
    walk = walking.current(city)
    key = hashlib.sha256(json.dumps({
        "feed": version.sha256, "opportunities": opp_set.sha256,
        "walk": walk.sha256 if walk is not None else "", "date": day.isoformat(),
        "tz": city.timezone, "settings": settings.as_dict(), "code": _code_digest()},
        sort_keys=True).encode()).hexdigest()
    known = AccessibilityResult.objects.filter(city=city, key=key).first()
    if known is not None:
        return Done(known, True)
    started = clock.perf_counter()
    network = walking.arrays(walk)
    tt = timetables.compiled(version, day, city.timezone, network)
    result = compute.accessibility(version_tables(version), city.timezone, day,
                                   as_opportunities(opp_set), settings, timetable=tt,
                                   walk=network)
    summary: dict[str, Any] = {"weighted_by": "residents" if "residents" in result.kinds
                               else "cells", "access": result.weighted(),
                               "minutes": len(result.minutes), "draws": result.draws,
                               "headway_based_rows": result.headway_based,
                               "cells": result.grid.n_cells,
                               "totals": dict(opp_set.totals)}
    cells = compute.per_cell(result)
    seconds = clock.perf_counter() - started
    try:
        with transaction.atomic():
            made = AccessibilityResult.objects.create(
                city=city, key=key, feed_version=version, opportunities=opp_set,
                walk_network=walk, service_date=day, settings=settings.as_dict(),
                draws=result.draws, grid=asdict(result.grid), summary=summary, cells=cells,
                seconds=round(seconds, 3), by_label=actor or audit.actor_label(by))
            audit.record("mobility.accessibility_computed", city=city, user=by, actor=actor,
                         obj=made, service_date=day.isoformat(), feed_version=version.pk,
                         opportunities=opp_set.pk, cells=len(cells), seconds=made.seconds)
    except IntegrityError:
        return Done(AccessibilityResult.objects.get(city=city, key=key), True)
    return Done(made, False)


def latest_result(city: City, day: date | None = None) -> AccessibilityResult:
    """The newest stored result (of ``day`` when given)."""
    found = AccessibilityResult.objects.filter(city=city)
    if day is not None:
        found = found.filter(service_date=day)
    hit = found.select_related("feed_version", "opportunities").order_by("-id").first()
    if hit is None:
        raise NotFound(_("%(city)s has no accessibility computed yet.") % {"city": city.name})
    return hit


def to_json(res: AccessibilityResult, *, cells: bool = True) -> dict[str, Any]:
    """The stored result as the command line and the API give it."""
    opp = res.opportunities
    v = res.feed_version
    out: dict[str, Any] = {
        "city": res.city.slug, "service_date": res.service_date.isoformat(),
        "computed_at": res.computed_at.isoformat(), "settings": res.settings,
        "percentiles": list(compute.PERCENTILES), "draws": res.draws, "grid": res.grid,
        "opportunities": {"name": opp.name, "version": opp.version, "sha256": opp.sha256,
                          "kinds": opp.kinds, "totals": opp.totals,
                          "synthetic": opp.synthetic, "notes": opp.notes},
        "synthetic": opp.synthetic,
        "summary": res.summary,
        "attribution": [{"feed": v.name, "feed_version": v.feed_version, "sha256": v.sha256,
                         "publisher": v.publisher, "licence": v.licence,
                         "attribution": v.attribution}],
    }
    if res.walk_network is not None:
        w = res.walk_network
        out["attribution"].append({"walking_network": w.name, "licence": w.licence,
                                   "attribution": w.attribution})
    if cells:
        out["cells"] = res.cells
    return out
