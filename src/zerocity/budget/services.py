"""The only write path of the budget: import, tag proposals and their approval, publishing.
Each service is one transaction with its audit record."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from zerocity.budget import importing
from zerocity.budget.access import decision_refusal, is_budget_office, may_propose
from zerocity.budget.calculations import CENT, TAGS, in_scope
from zerocity.budget.models import (
    AXES,
    BudgetLine,
    BudgetOffice,
    BudgetVersion,
    ChangeState,
    Stage,
    TagChange,
)
from zerocity.budget.selectors import line_label, untagged_lines
from zerocity.core import audit
from zerocity.core.actors import Person, signed_in
from zerocity.core.errors import Conflict, NotFound, PermissionDenied
from zerocity.core.models import City, Department


class Unpublishable(Conflict):
    """Publishing refused: ``lines`` names each untagged in-scope line."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__(gettext("The budget cannot be published while lines in scope are "
                                 "untagged:") + " " + "; ".join(lines))


@dataclass(frozen=True)
class ImportResult:
    version: BudgetVersion
    lines: int
    unchanged: bool
    carried: int


def _split_json(split: dict[str, Decimal]) -> dict[str, str]:
    return {tag: f"{pct.normalize():f}" for tag, pct in split.items()}


@transaction.atomic
def set_budget_office(city: City, department_slug: str, *, by: Person | None = None,
                      actor: str = "") -> BudgetOffice:
    """Name the department whose staff approve the city's budget tags; the same department
    again changes nothing."""
    department = Department.objects.filter(city=city, slug=department_slug).first()
    if department is None:
        raise NotFound(gettext("No department %(slug)s in this city.")
                       % {"slug": department_slug})
    same = BudgetOffice.objects.filter(city=city, department=department).first()
    if same is not None:
        return same
    office, _ = BudgetOffice.objects.update_or_create(city=city,
                                                      defaults={"department": department})
    audit.record("budget.office", city=city, user=by, actor=actor, obj=office,
                 department=department.slug)
    return office


@transaction.atomic
def import_budget(city: City, year: int, stage: str, data: bytes, *, filename: str,
                  totals: bytes | None = None, totals_filename: str = "totals.csv",
                  illustrative: bool = False, by: Person | None = None,
                  actor: str = "") -> ImportResult:
    """Import one stage of a year's budget. Refused whole with every mistake; with a decree's
    ``totals``, refused when a group's lines differ from its total by a cent (check 7). The
    same file again changes nothing; a published version is never replaced. ``illustrative``
    marks made-up figures (the demo's), said so on every page and in the report."""
    if stage not in Stage.values:
        raise Conflict(gettext("Choose a stage: %(stages)s.") % {"stages": ", ".join(Stage.values)})
    rows = importing.parse_rows(importing.read_table(data, filename))
    if totals is not None:
        decree = importing.parse_totals(importing.read_table(totals, totals_filename))
        sums: dict[str, Decimal] = {}
        for r in rows:
            group = r.values["konto"][:2]
            sums[group] = sums.get(group, Decimal(0)) + r.amount
        gaps = [gettext("group %(group)s: lines %(lines)s, decree %(decree)s, difference "
                        "%(diff)s") % {"group": g, "lines": f"{sums.get(g, Decimal(0)):.2f}",
                                       "decree": f"{t:.2f}",
                                       "diff": f"{sums.get(g, Decimal(0)) - t:+.2f}"}
                for g, t in sorted(decree.items()) if sums.get(g, Decimal(0)) != t]
        if gaps:
            raise importing.ImportRejected(gaps)
    digest = hashlib.sha256(data).hexdigest()
    version = (BudgetVersion.objects.select_for_update()
               .filter(city=city, year=year, stage=stage).first())
    if version is not None and version.content_hash == digest:
        return ImportResult(version, version.lines.count(), True, 0)
    if version is not None and version.published_at is not None:
        raise Conflict(gettext("%(stage)s %(year)s is published and cannot be replaced.")
                       % {"stage": version.get_stage_display(), "year": year})
    _refuse_repeated_keys(rows)
    label = actor or audit.actor_label(by)
    kept: dict[str, tuple[dict[str, Any], str]] = {}
    if version is None:
        version = BudgetVersion.objects.create(city=city, year=year, stage=stage,
                                               source=filename, content_hash=digest,
                                               imported_by=label, illustrative=illustrative)
    else:  # a corrected file: lines it leaves untagged keep the tags of their key
        kept = {line.key: ({"mitigation": line.mitigation, "adaptation": line.adaptation},
                           gettext("kept from the previous import of this version"))
                for line in version.lines.all() if line.mitigation or line.adaptation}
        version.lines.all().delete()
        version.source, version.content_hash, version.imported_by = filename, digest, label
        version.illustrative = illustrative
        version.save()
    earlier = {**_tags_of_other_stages(city, year, stage), **kept}
    imported = gettext("imported from %(file)s") % {"file": filename}
    lines, news = [], []
    carried = 0
    for r in rows:
        v = r.values
        line = BudgetLine(
            version=version, row=r.row, amount=r.amount,
            in_scope=in_scope(v["konto"]) or bool(v.get("scope_override")),
            scope_reason="" if in_scope(v["konto"]) else v.get("scope_override", ""),
            **{c: v.get(c, "") for c in importing.COLUMNS if c != "amount_eur"},
            ccc_action_id=v.get("ccc_action_id", ""), rationale=v.get("rationale", ""))
        new: dict[str, Any] = {"mitigation": _split_json(r.mitigation),
                               "adaptation": _split_json(r.adaptation)}
        reason = imported
        if line.scope_reason:  # an out-of-scope account tagged: the override's reason logged
            reason = f"{imported}: {line.scope_reason}"
        if not r.mitigation and not r.adaptation and line.key in earlier:
            new, reason = earlier[line.key]
            carried += 1
        line.mitigation, line.adaptation = new["mitigation"], new["adaptation"]
        lines.append(line)
        news.append((new, reason))
    # bulk: a budget has thousands of lines (the version is checked unpublished above)
    BudgetLine.objects.bulk_create(lines)
    now = timezone.now()
    TagChange.objects.bulk_create(
        TagChange(version=version, line_key=line.key, line=line,
                  old=kept[line.key][0] if line.key in kept else {}, new=new, reason=reason,
                  scope_override=bool(line.scope_reason),
                  state=ChangeState.APPROVED, proposed_by=label,
                  proposed_by_user=signed_in(by), decided_by=label, decided_at=now)
        for line, (new, reason) in zip(lines, news, strict=True)
        if new["mitigation"] or new["adaptation"])
    audit.record("budget.import", city=city, user=by, actor=actor, obj=version, year=year,
                 stage=stage, file=filename, sha256=digest, lines=len(rows), carried=carried)
    return ImportResult(version, len(rows), False, carried)


def _refuse_repeated_keys(rows: list[importing.Row]) -> None:
    """One line per PU, PP, konto and NRP project (research §2.3): the key carries the tags
    across stages and keeps the history."""
    seen: dict[tuple[str, ...], int] = {}
    errors = []
    for r in rows:
        key = tuple(r.values.get(c, "") for c in ("pu_code", "pp_code", "konto", "nrp_code"))
        if key in seen:
            errors.append(gettext("line %(line)s repeats line %(first)s (the same PU, PP, konto "
                                  "and NRP project); put them in one line")
                          % {"line": r.row, "first": seen[key]})
        else:
            seen[key] = r.row
    if errors:
        raise importing.ImportRejected(errors)


def _tags_of_other_stages(city: City, year: int, stage: str,
                          ) -> dict[str, tuple[dict[str, Any], str]]:
    """The tags of each line key in the year's other stages, the later stage winning: a tag
    carries over from the adopted budget to its revision and the final account."""
    out: dict[str, tuple[dict[str, Any], str]] = {}
    for other in Stage:
        if other == stage:
            continue
        for line in BudgetLine.objects.filter(version__city=city, version__year=year,
                                              version__stage=other.value):
            if line.mitigation or line.adaptation:
                out[line.key] = ({"mitigation": line.mitigation,
                                  "adaptation": line.adaptation},
                                 gettext("carried over from the %(stage)s")
                                 % {"stage": str(other.label).lower()})
    return out


def _clean_split(axis: str, split: dict[str, Any]) -> dict[str, str]:
    try:
        parsed = {str(t): Decimal(str(p)) for t, p in split.items()}
    except ArithmeticError:
        raise Conflict(gettext("%(axis)s: give each tag's percentage as a number.")
                       % {"axis": axis}) from None
    unknown = [t for t in parsed if t not in TAGS]
    if unknown:
        raise Conflict(gettext("%(axis)s: %(tag)s is not a tag; choose one of %(tags)s.")
                       % {"axis": axis, "tag": unknown[0], "tags": ", ".join(TAGS)})
    if any(p <= 0 or p != p.quantize(CENT) for p in parsed.values()):
        raise Conflict(gettext("%(axis)s: each percentage must be above 0, to two decimals.")
                       % {"axis": axis})
    try:
        importing.check_split(parsed)
    except ValueError as exc:
        raise Conflict(f"{axis}: {exc}.") from None
    return _split_json(parsed)


@transaction.atomic
def propose_tags(line: BudgetLine, *, mitigation: dict[str, Any] | None = None,
                 adaptation: dict[str, Any] | None = None, reason: str,
                 override_scope: bool = False, by: Person | None = None,
                 actor: str = "") -> TagChange:
    """A department proposes a line's tags (an axis left None keeps its tags). A split must
    add up to 100 (check 5); an out-of-scope account is tagged only with ``override_scope``
    and a reason (check 4); the climate office approves (check 18)."""
    version, locked = _lock(BudgetLine.objects.get(pk=line.pk).version_id, line.pk)
    assert locked is not None  # the version is locked: no import replaces its lines now
    line, city = locked, version.city
    if by is not None and not may_propose(by, city):
        raise PermissionDenied(gettext("Only the city's staff propose budget tags."))
    if version.published_at is not None:
        raise Conflict(gettext("This budget is published; its tags do not change."))
    if not reason.strip():
        raise Conflict(gettext("Give the reason for the change."))
    old = {"mitigation": line.mitigation, "adaptation": line.adaptation}
    new = dict(old)
    for axis, split in zip(AXES, (mitigation, adaptation), strict=True):
        if split is not None:
            new[axis] = _clean_split(axis, split)
    if new == old:
        raise Conflict(gettext("The tags are the same as the line's."))
    if not line.in_scope and not override_scope:
        raise Conflict(gettext("Konto %(konto)s is out of scope (interest, reserves, debt "
                               "repayment); tag it only as an override with its reason.")
                       % {"konto": line.konto})
    change = TagChange.objects.create(
        version=version, line_key=line.key, line=line, old=old, new=new,
        reason=reason.strip(),
        scope_override=override_scope and not line.in_scope,
        proposed_by=actor or audit.actor_label(by), proposed_by_user=signed_in(by))
    audit.record("budget.propose", city=city, user=by, actor=actor, obj=change,
                 line=line.key, old=old, new=new, reason=change.reason)
    return change


def _lock(version_id: int, line_id: int | None) -> tuple[BudgetVersion, BudgetLine | None]:
    """The version, then the line (always in this order), locked until the transaction ends:
    two approvals of the same line go one after the other and the second sees the first's
    tags (tests/test_budget_concurrency.py proves the race without the locks), and nothing
    is tagged while the version is being published or replaced. None for a line that a
    corrected file replaced."""
    version = BudgetVersion.objects.select_for_update().get(pk=version_id)
    line = (None if line_id is None
            else BudgetLine.objects.select_for_update().filter(pk=line_id).first())
    return version, line


def _open(change_pk: int) -> TagChange:
    change = TagChange.objects.select_for_update().get(pk=change_pk)
    if change.state != ChangeState.PROPOSED:
        raise Conflict(gettext("This proposal was already decided."))
    return change


@transaction.atomic
def approve_tags(change: TagChange, *, by: Person | None = None,
                 actor: str = "") -> BudgetLine:
    """The climate office applies a proposal: not its own (four eyes, check 18), and not when
    the line's tags changed since."""
    version, line = _lock(change.version_id, change.line_id)
    change = _open(change.pk)
    city = version.city
    refusal = decision_refusal(change, by, actor)
    if refusal is not None:
        raise PermissionDenied(refusal)
    if line is None:  # a corrected file replaced the line since
        raise Conflict(gettext("The line's tags changed since this proposal; ask for a new "
                               "one."))
    if version.published_at is not None:
        raise Conflict(gettext("This budget is published; its tags do not change."))
    if {"mitigation": line.mitigation, "adaptation": line.adaptation} != change.old:
        raise Conflict(gettext("The line's tags changed since this proposal; ask for a new "
                               "one."))
    line.mitigation, line.adaptation = change.new["mitigation"], change.new["adaptation"]
    if change.scope_override:
        line.in_scope, line.scope_reason = True, change.reason
    line.save()
    change.state = ChangeState.APPROVED
    change.decided_by = actor or audit.actor_label(by)
    change.decided_at = timezone.now()
    change.save()
    audit.record("budget.approve", city=city, user=by, actor=actor, obj=change, line=line.key,
                 old=change.old, new=change.new, reason=change.reason,
                 scope_override=change.scope_override)
    return line


@transaction.atomic
def reject_tags(change: TagChange, *, reason: str, by: Person | None = None,
                actor: str = "") -> TagChange:
    version, _line = _lock(change.version_id, None)
    change = _open(change.pk)
    city = version.city
    if by is not None and not is_budget_office(by, city):
        raise PermissionDenied(gettext("Only the climate office approves budget tags."))
    if not reason.strip():
        raise Conflict(gettext("Give the reason for the change."))
    change.state = ChangeState.REJECTED
    change.decided_by = actor or audit.actor_label(by)
    change.decided_at = timezone.now()
    change.save()
    audit.record("budget.reject", city=city, user=by, actor=actor, obj=change, reason=reason)
    return change


@transaction.atomic
def publish_budget(version: BudgetVersion, *, by: Person | None = None,
                   actor: str = "") -> BudgetVersion:
    """Publish a version; refused while an in-scope line is untagged, naming each (check 3).
    Publishing again changes nothing."""
    version = BudgetVersion.objects.select_for_update().get(pk=version.pk)
    if version.published_at is not None:
        return version
    missing = [f"{line_label(line)} untagged" for line in untagged_lines(version)]
    if missing:
        raise Unpublishable(missing)
    version.published_at = timezone.now()
    version.published_by = actor or audit.actor_label(by)
    version.save()
    audit.record("budget.publish", city=version.city, user=by, actor=actor, obj=version,
                 year=version.year, stage=version.stage)
    return version
