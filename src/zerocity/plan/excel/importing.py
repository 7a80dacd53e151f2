"""``import_plan``: a workbook checked whole, then applied in one transaction and audited."""

from __future__ import annotations

import io
import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.models import Department
from zerocity.core.uploads import UnsafeUpload, check_workbook
from zerocity.inventory.parsing import ImportRejected
from zerocity.plan import services
from zerocity.plan.excel.cells import Record, blank, header_text, read_sheet
from zerocity.plan.excel.columns import (
    ACTION_COLUMNS,
    COST_COLUMNS,
    INDICATOR_COLUMNS,
    MILESTONE_COLUMNS,
    OBSERVATION_COLUMNS,
    PLAN_COLUMNS,
    REDUCTION_SECTORS,
    SHEETS,
    VOCABULARY_SHEETS,
    by_parent,
    clean,
    target_column,
)
from zerocity.plan.models import (
    Action,
    ActionCost,
    ActionReduction,
    FieldOfAction,
    Indicator,
    IndicatorTarget,
    Milestone,
    Observation,
    Plan,
    SystemicLever,
)


@dataclass(frozen=True)
class ImportResult:
    plan: Plan
    created: int
    updated: int
    deleted: int
    changes: tuple[str, ...]  # one line per record created, changed or removed
    warnings: tuple[str, ...]  # actions, indicators, observations kept though not in the file

    @property
    def unchanged(self) -> bool:
        return not self.changes

    def __str__(self) -> str:
        """One line for a person: what the import did."""
        n, w = len(self.changes), len(self.warnings)
        text = "unchanged" if not n else (
            f"{n} change{'' if n == 1 else 's'} ({self.created} new, {self.updated} changed, "
            f"{self.deleted} removed)")
        return text + (f", {w} warning{'' if w == 1 else 's'}" if w else "")


@dataclass
class _Book:
    plan: list[Record]
    actions: list[Record]
    costs: list[Record]
    milestones: list[Record]
    indicators: list[Record]
    observations: list[Record]
    target_keys: list[str]  # "target:YYYY" columns present in the Indicators sheet
    # the column keys each sheet's header has, for the sheets that could be read: a check
    # across sheets that needs a sheet or a column the workbook lacks stays quiet, since the
    # missing sheet or column has its message already
    columns: dict[str, frozenset[str]]

    def has(self, sheet: str, key: str) -> bool:
        return key in self.columns.get(sheet, ())


def _open(data: bytes, filename: str) -> tuple[dict[str, Worksheet], list[str]]:
    errors: list[str] = []
    try:
        check_workbook(data)
    except UnsafeUpload as exc:
        raise ImportRejected([f"{filename}: {exc}"]) from None
    try:
        with warnings.catch_warnings():  # openpyxl warns about extensions it does not read
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ImportRejected([f"{filename}: not a readable .xlsx workbook ({exc})"]) from exc
    known = {s.casefold(): s for s in (*SHEETS, *VOCABULARY_SHEETS)}
    sheets: dict[str, Worksheet] = {}
    for ws in wb.worksheets:
        name = known.get(ws.title.strip().casefold())
        if name is None:
            errors.append(f"{ws.title}!row 1, column -: unknown sheet; known sheets are "
                          f"{', '.join((*SHEETS, *VOCABULARY_SHEETS))}")
        elif name in sheets:
            errors.append(f"{ws.title}!row 1, column -: sheet appears twice")
        else:
            sheets[name] = ws
    return sheets, errors


def _parse(sheets: dict[str, Worksheet], errors: list[str]) -> _Book:
    """Every sheet read, whatever is wrong with the others; ``_check`` then runs on what was
    read, so one answer names a workbook's mistakes of every kind."""
    read = {
        name: read_sheet(sheets.get(name), name, columns, errors,
                          target_column if name == "Indicators" else None)
        for name, columns in zip(SHEETS, (PLAN_COLUMNS, ACTION_COLUMNS, COST_COLUMNS,
                                          MILESTONE_COLUMNS, INDICATOR_COLUMNS,
                                          OBSERVATION_COLUMNS), strict=True)}
    records = {name: r[0] if r is not None else [] for name, r in read.items()}
    targets = []
    ws = sheets.get("Indicators")
    for raw in next(ws.iter_rows(values_only=True, max_row=1), ()) if ws is not None else ():
        col = target_column(header_text(raw)) if not blank(raw) else None
        if col is not None:
            targets.append(col.key)
    return _Book(plan=records["Plan"], actions=records["Actions"], costs=records["Costs"],
                 milestones=records["Milestones"], indicators=records["Indicators"],
                 observations=records["Observations"], target_keys=targets,
                 columns={name: r[1] for name, r in read.items() if r is not None})


def _duplicates(records: list[Record], key: Callable[[Record], Any], sheet: str, header: str,
                what: str, errors: list[str]) -> None:
    seen: dict[Any, int] = {}
    for rec in records:
        k = key(rec)
        # a part that could not be read has its own message; it is no duplicate of anything
        if k is None or (isinstance(k, tuple) and None in k):
            continue
        if k in seen:
            errors.append(f'{sheet}!row {rec["_row"]}, column "{header}": duplicate of row '
                          f"{seen[k]} ({what})")
        else:
            seen[k] = rec["_row"]


def _check(plan: Plan, book: _Book, errors: list[str]) -> None:
    """The checks that need the plan: one row in Plan, known slugs and codes, no duplicates,
    years in order."""
    city = plan.city
    if not book.plan and "Plan" in book.columns:
        errors.append("Plan!row 2, column -: the plan's row is missing")
    for rec in book.plan[1:]:
        errors.append(f"Plan!row {rec['_row']}, column -: the Plan sheet has one row, "
                      "the plan itself")
    for rec in book.plan[:1]:
        if rec.get("city") and rec["city"] != city.slug:
            errors.append(f'Plan!row {rec["_row"]}, column "City": this workbook is for '
                          f"{rec['city']!r}, not {city.slug!r}")
        if rec.get("baseline_year") not in (None, plan.baseline.year):
            errors.append(f'Plan!row {rec["_row"]}, column "Baseline year": the plan\'s '
                          f"baseline is the {plan.baseline.year} inventory; it cannot be "
                          "changed by an import")

    vocab = {
        "field": ("Field of action", "field of action",
                  set(FieldOfAction.objects.filter(city=city).values_list("slug", flat=True))),
        "lever": ("Lever", "lever",
                  set(SystemicLever.objects.filter(city=city).values_list("slug", flat=True))),
        "department": ("Department", "department",
                       set(Department.objects.filter(city=city).values_list("slug", flat=True))),
    }
    existing = {a.code: a for a in Action.objects.filter(plan=plan)}
    for rec in book.actions:
        n = rec["_row"]
        for key, (header, what, slugs) in vocab.items():
            if rec.get(key) and rec[key] not in slugs:
                errors.append(f'Actions!row {n}, column "{header}": unknown {what} '
                              f"{rec[key]!r}; known: {', '.join(sorted(slugs)) or 'none'}")
        current = existing.get(rec.get("code", ""))
        # a column left out keeps the stored year; a cell that could not be read has its own
        # message and is no year to compare
        start, end = (rec[k] if k in rec else None if book.has("Actions", k)
                      else getattr(current, k, None) for k in ("start_year", "end_year"))
        if start is not None and end is not None and end < start:
            errors.append(f'Actions!row {n}, column "End year": {end} is before the start '
                          f"year {start}")
    _duplicates(book.actions, lambda r: r.get("code"), "Actions", "Code", "same code", errors)
    codes = {r["code"] for r in book.actions if r.get("code")}
    actions_known = book.has("Actions", "code")
    for sheet, records in (("Costs", book.costs), ("Milestones", book.milestones)):
        for rec in records:
            if actions_known and rec.get("action") and rec["action"] not in codes:
                errors.append(f'{sheet}!row {rec["_row"]}, column "Action code": no action '
                              f"{rec['action']!r} in the Actions sheet")
    _duplicates(book.costs, lambda r: (r.get("action"), r.get("year"), r.get("funding_source",
                                                                              "")),
                "Costs", "Year", "same action, year and funding source", errors)
    _duplicates(book.milestones, lambda r: (r.get("action"), r.get("name")), "Milestones",
                "Name", "same action and name", errors)

    linkable = codes | set(existing)
    for rec in book.indicators:
        unknown = [c for c in rec.get("actions", []) if c not in linkable]
        if unknown and actions_known:
            errors.append(f'Indicators!row {rec["_row"]}, column "Actions": unknown action '
                          f"{', '.join(repr(c) for c in unknown)}")
    _duplicates(book.indicators, lambda r: r.get("code"), "Indicators", "Code", "same code",
                errors)
    indicators = {r["code"] for r in book.indicators if r.get("code")} | set(
        Indicator.objects.filter(plan=plan).values_list("code", flat=True))
    indicators_known = book.has("Indicators", "code")
    for rec in book.observations:
        if indicators_known and rec.get("indicator") and rec["indicator"] not in indicators:
            errors.append(f'Observations!row {rec["_row"]}, column "Indicator code": no '
                          f"indicator {rec['indicator']!r} in the Indicators sheet or the plan")
    _duplicates(book.observations, lambda r: (r.get("indicator"), r.get("year")),
                "Observations", "Year", "same indicator and year", errors)


def _fmt(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)[:60]
    return str(value)


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, str) and isinstance(new, str):  # as a cell keeps it (see clean)
        return clean(old) == new or clean(old).strip() == new == ""
    return bool(old == new)


class _Applier:
    """Writes what differs, and only that, noting each change."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.changes: list[str] = []
        self.counts = {"created": 0, "updated": 0, "deleted": 0}
        self.touched: set[int] = set()  # actions staff have reported on

    def note(self, kind: str, where: str, what: str) -> None:
        self.counts[kind] += 1
        self.changes.append(f"{where}: {what}")

    def update(self, obj: Any, values: dict[str, Any], labels: dict[str, str],
               shown: Callable[[str, Any], Any], where: str, what: str) -> bool:
        diff = {k: v for k, v in values.items() if not _same(getattr(obj, k), v)}
        if not diff:
            return False
        text = ", ".join(f"{labels.get(k, k)} {_fmt(shown(k, getattr(obj, k)))} -> "
                         f"{_fmt(shown(k, v))}" for k, v in diff.items())
        for k, v in diff.items():
            setattr(obj, k, v)
        obj.save(update_fields=list(diff))
        self.note("updated", where, f"{what}: {text}")
        return True

    def children(self, where: str, what: str, existing: dict[Any, Any],
                 wanted: dict[Any, dict[str, Any]], create: Callable[[Any, dict[str, Any]], Any],
                 labels: dict[str, str], rows: dict[Any, int]) -> bool:
        """Make a set of child rows (costs, milestones, targets) exactly ``wanted``."""
        changed = False
        for key, values in wanted.items():
            label = f"{what} {' '.join(str(k) for k in _tuple(key) if k != '')}"
            at = f"{where}!row {rows[key]}" if key in rows else where
            obj = existing.get(key)
            if obj is None:
                create(key, values)
                self.note("created", at, f"{label} new: "
                          + ", ".join(f"{labels.get(k, k)} {_fmt(v)}" for k, v in values.items()))
                changed = True
            else:
                changed |= self.update(obj, values, labels, _same_value, at, label)
        for key, obj in existing.items():
            if key not in wanted:
                obj.delete()
                label = f"{what} {' '.join(str(k) for k in _tuple(key) if k != '')}"
                self.note("deleted", where, f"{label} removed (not in the workbook)")
                changed = True
        return changed


def _tuple(key: Any) -> tuple[Any, ...]:
    return key if isinstance(key, tuple) else (key,)


_ACTION_FIELDS = ("name", "action_type", "description", "outcome", "responsible_body",
                  "responsible_person", "stakeholders", "scale", "start_year", "end_year",
                  "energy_generated_mwh", "energy_substituted", "sinks_tco2e",
                  "total_cost_eur", "effects")
_INDICATOR_FIELDS = ("name", "unit", "definition", "calculation", "data_source", "interval",
                     "baseline_year", "baseline_value")
_LABELS = {c.key: c.header for c in (*PLAN_COLUMNS, *ACTION_COLUMNS, *COST_COLUMNS,
                                     *MILESTONE_COLUMNS, *INDICATOR_COLUMNS)}
_LABELS |= {"field_id": "Field of action", "lever_id": "Lever", "department_id": "Department"}


def _new_reduction(action: Action, sector: str, values: dict[str, Any]) -> None:
    ActionReduction.objects.create(action=action, sector=sector, **values)


def _new_cost(action: Action, key: tuple[int, str], values: dict[str, Any]) -> None:
    ActionCost.objects.create(action=action, year=key[0], funding_source=key[1], **values)


def _new_milestone(action: Action, name: str, values: dict[str, Any]) -> None:
    Milestone.objects.create(action=action, name=name, **values)


def _new_target(indicator: Indicator, year: int, values: dict[str, Any]) -> None:
    IndicatorTarget.objects.create(indicator=indicator, year=year, **values)


def _same_value(key: str, value: Any) -> Any:
    return value


def _apply_actions(ap: _Applier, book: _Book) -> dict[str, Action]:
    plan = ap.plan
    city = plan.city
    slugs = {
        "field_id": {f.slug: f.pk for f in FieldOfAction.objects.filter(city=city)},
        "lever_id": {x.slug: x.pk for x in SystemicLever.objects.filter(city=city)},
        "department_id": {d.slug: d.pk for d in Department.objects.filter(city=city)},
    }
    back = {k: {pk: slug for slug, pk in v.items()} for k, v in slugs.items()}

    def shown(key: str, value: Any) -> Any:
        return back[key].get(value) if key in back else value

    actions = {a.code: a for a in Action.objects.filter(plan=plan)}
    reductions = by_parent(ActionReduction.objects.filter(action__plan=plan), "action")
    for rec in book.actions:
        code, where = rec["code"], f"Actions!row {rec['_row']}"
        values = {k: rec[k] for k in _ACTION_FIELDS if k in rec}
        if values.get("sinks_tco2e", 0.0) is None:
            values["sinks_tco2e"] = 0.0
        for attr, key in (("field_id", "field"), ("lever_id", "lever"),
                          ("department_id", "department")):
            if key in rec:
                values[attr] = slugs[attr][rec[key]] if rec[key] else None
        action = actions.get(code)
        if action is None:
            action = Action.objects.create(plan=plan, code=code, **values)
            actions[code] = action
            ap.note("created", where, f"action {code} new")
            ap.touched.add(action.pk)
        elif ap.update(action, values, _LABELS, shown, where, f"action {code}"):
            ap.touched.add(action.pk)
        if any(f"reduction:{s}" in rec for s in REDUCTION_SECTORS):
            existing = {r.sector: r for r in reductions[action.pk]}
            # a sector whose column is not in the sheet keeps its reduction
            wanted = {s: {"tco2e": r.tco2e} for s, r in existing.items()
                      if f"reduction:{s}" not in rec}
            wanted |= {s: {"tco2e": rec[f"reduction:{s}"]} for s in REDUCTION_SECTORS
                       if rec.get(f"reduction:{s}") is not None}
            if ap.children(where, f"action {code} reduction", existing, wanted,
                           partial(_new_reduction, action), {"tco2e": "tCO2e"}, {}):
                ap.touched.add(action.pk)

    wanted_costs: dict[str, dict[Any, dict[str, Any]]] = {c: {} for c in actions}
    cost_rows: dict[str, dict[Any, int]] = {c: {} for c in actions}
    for rec in book.costs:
        cost_key = (rec["year"], rec.get("funding_source", ""))
        wanted_costs[rec["action"]][cost_key] = {
            "capex_eur": rec.get("capex_eur") or Decimal(0),
            "opex_eur": rec.get("opex_eur") or Decimal(0)}
        cost_rows[rec["action"]][cost_key] = rec["_row"]
    wanted_ms: dict[str, dict[Any, dict[str, Any]]] = {c: {} for c in actions}
    ms_rows: dict[str, dict[Any, int]] = {c: {} for c in actions}
    for rec in book.milestones:
        wanted_ms[rec["action"]][rec["name"]] = {"due": rec["due"], "done": rec.get("done")}
        ms_rows[rec["action"]][rec["name"]] = rec["_row"]
    costs = by_parent(ActionCost.objects.filter(action__plan=plan), "action")
    milestones = by_parent(Milestone.objects.filter(action__plan=plan), "action")
    for rec in book.actions:
        action = actions[rec["code"]]
        code = action.code
        changed = ap.children(
            "Costs", f"cost {code}", {(c.year, c.funding_source): c for c in costs[action.pk]},
            wanted_costs[code], partial(_new_cost, action), _LABELS, cost_rows[code])
        changed |= ap.children(
            "Milestones", f"milestone {code}", {m.name: m for m in milestones[action.pk]},
            wanted_ms[code], partial(_new_milestone, action), _LABELS, ms_rows[code])
        if changed:
            ap.touched.add(action.pk)
    return actions


def _apply_indicators(ap: _Applier, book: _Book, actions: dict[str, Action],
                      by: Person | None, actor: str) -> None:
    plan = ap.plan
    indicators = {i.code: i for i in Indicator.objects.filter(plan=plan)
                  .prefetch_related("actions")}
    targets = by_parent(IndicatorTarget.objects.filter(indicator__plan=plan), "indicator")
    for rec in book.indicators:
        code, where = rec["code"], f"Indicators!row {rec['_row']}"
        values = {k: rec[k] for k in _INDICATOR_FIELDS if k in rec}
        indicator = indicators.get(code)
        if indicator is None:
            indicator = Indicator.objects.create(plan=plan, code=code, **values)
            indicators[code] = indicator
            ap.note("created", where, f"indicator {code} new")
        else:
            ap.update(indicator, values, _LABELS, _same_value, where, f"indicator {code}")
        if book.target_keys:  # the targets become exactly the filled Target cells
            wanted = {int(k.split(":")[1]): {"value": rec[k]} for k in book.target_keys
                      if rec.get(k) is not None}
            ap.children(where, f"indicator {code} target",
                        {t.year: t for t in targets[indicator.pk]}, wanted,
                        partial(_new_target, indicator), {"value": "value"}, {})
        if "actions" in rec:
            linked = {a.pk: a.code for a in indicator.actions.all()}
            if {actions[c].pk for c in rec["actions"]} != set(linked):
                indicator.actions.set([actions[c] for c in rec["actions"]])
                ap.note("updated", where, f"indicator {code} actions "
                        f"{_fmt(', '.join(sorted(linked.values())))} -> "
                        f"{_fmt(', '.join(sorted(rec['actions'])))}")

    observed: dict[tuple[int, int], Observation] = {
        (getattr(o, "indicator_id"), o.year): o  # noqa: B009 (no attribute for mypy)
        for o in Observation.objects.filter(indicator__plan=plan)}
    for rec in book.observations:
        indicator = indicators[rec["indicator"]]
        current = observed.get((indicator.pk, rec["year"]))
        source = rec.get("source", current.source if current else "")
        if current is not None and (current.value, current.source) == (rec["value"], source):
            continue
        services.record_observation(indicator, rec["year"], rec["value"], source=source,
                                    by=by, actor=actor)
        where = f"Observations!row {rec['_row']}"
        what = f"observation {indicator.code} {rec['year']}"
        if current is None:
            ap.note("created", where, f"{what} new value {_fmt(rec['value'])}")
        else:
            ap.note("updated", where, f"{what} value {_fmt(current.value)} -> "
                    f"{_fmt(rec['value'])}" + ("" if current.source == source else
                                               f", source {_fmt(current.source)} -> "
                                               f"{_fmt(source)}"))


def _warnings(plan: Plan, book: _Book) -> list[str]:
    out = []
    listed = {r["code"] for r in book.actions}
    for a in Action.objects.filter(plan=plan).order_by("code"):
        if a.code not in listed:
            out.append(f"Actions: action {a.code} is in the plan but not in the workbook; "
                       "kept as it is")
    listed = {r["code"] for r in book.indicators}
    for i in Indicator.objects.filter(plan=plan).order_by("code"):
        if i.code not in listed:
            out.append(f"Indicators: indicator {i.code} is in the plan but not in the "
                       "workbook; kept as it is")
    observed = {(r["indicator"], r["year"]) for r in book.observations}
    for o in Observation.objects.filter(indicator__plan=plan).select_related("indicator"):
        if (o.indicator.code, o.year) not in observed:
            out.append(f"Observations: observation {o.indicator.code} {o.year} is in the plan "
                       "but not in the workbook; kept as it is")
    return out


def _error_order(message: str) -> tuple[int, int]:
    """Errors in the order of the workbook: sheet by sheet, row by row (stable within a row:
    the cell's own problem before the checks across rows)."""
    match = re.match(r"(.*?)!row (\d+),", message)
    if match is None:
        return (-1, 0)
    sheet = match.group(1)
    return (SHEETS.index(sheet) if sheet in SHEETS else -1, int(match.group(2)))


def import_plan(plan: Plan, data: bytes, *, filename: str, by: Person | None = None,
                actor: str = "") -> ImportResult:
    """Apply a workbook written by ``export_plan`` (and edited) to the plan.

    A workbook with any error raises ``ImportRejected`` listing every error as
    ``Sheet!row N, column "Header": reason`` and stores nothing. Otherwise the changes are
    written in one transaction with one audit record (``plan.import``); a workbook that
    changes nothing writes nothing."""
    sheets, errors = _open(data, filename)
    book = _parse(sheets, errors)
    with transaction.atomic():
        plan = Plan.objects.select_for_update().select_related("city", "baseline").get(
            pk=plan.pk)
        _check(plan, book, errors)
        if errors:
            raise ImportRejected(sorted(errors, key=_error_order))
        ap = _Applier(plan)
        head = book.plan[0]
        ap.update(plan, {k: head[k] for k in ("title", "target_year", "reduction_target")
                         if k in head}, _LABELS, _same_value,
                  f"Plan!row {head['_row']}", "plan")
        actions = _apply_actions(ap, book)
        _apply_indicators(ap, book, actions, by, actor)
        result_warnings = _warnings(plan, book)
        if ap.changes:
            if ap.touched:
                Action.objects.filter(pk__in=ap.touched).update(last_update_at=timezone.now())
            # What was loaded from JSON is no longer what the plan holds: loading that file
            # again must apply it, not skip it as already loaded.
            Plan.objects.filter(pk=plan.pk).update(loaded_sha256="")
            audit.record("plan.import", city=plan.city, user=by, actor=actor, obj=plan,
                         filename=filename, created=ap.counts["created"],
                         updated=ap.counts["updated"], deleted=ap.counts["deleted"],
                         changes=ap.changes[:500])
        return ImportResult(plan, ap.counts["created"], ap.counts["updated"],
                            ap.counts["deleted"], tuple(ap.changes), tuple(result_warnings))
