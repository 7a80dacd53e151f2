"""The write path of the tag rules (research §7), of which department answers for which lines,
of a department's confirmation of a rule's suggestion (a proposal the climate office then
approves, four eyes) and of a line's participatory-budget project (check 24). Each service is
one transaction with its audit record."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from zerocity.budget.access import may_keep_rules, may_tag_line
from zerocity.budget.breakdown import suggestion
from zerocity.budget.models import BudgetLine, BudgetResponsibility, BudgetVersion, TagRule
from zerocity.budget.services import _clean_split, propose_tags
from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict, NotFound, PermissionDenied
from zerocity.core.models import City, Department


def _code(name: str, value: str) -> str:
    value = value.strip()
    if value and not value.isdigit():
        raise Conflict(gettext("%(name)s: %(value)s is not a code of digits.")
                       % {"name": name, "value": value})
    return value


@transaction.atomic
def add_tag_rule(city: City, *, ppr: str = "", pp_code: str = "", cofog: str = "",
                 konto: str = "", mitigation: dict[str, Any] | None = None,
                 adaptation: dict[str, Any] | None = None, question: str = "",
                 rationale: str = "", by: Person | None = None,
                 actor: str = "") -> tuple[TagRule, bool]:
    """A rule for a classification pair: its tags (a tag or a split per axis, at least one
    axis) with the rationale, or a question and no tag. The pair's rule written again
    replaces it; the same rule again changes nothing. Returns the rule and whether it
    changed."""
    if by is not None and not may_keep_rules(by, city):
        raise PermissionDenied(gettext("Only the climate office writes the tag rules."))
    codes = {"ppr": _code("PPR", ppr), "pp_code": _code("PP", pp_code),
             "cofog": _code("COFOG", cofog), "konto": _code("konto", konto)}
    if not (codes["ppr"] or codes["pp_code"] or codes["cofog"]):
        raise Conflict(gettext("Name a programme (PPR), a budget item (PP) or a COFOG "
                               "function for the rule."))
    tags = {axis: _clean_split(axis, split) if split else {}
            for axis, split in (("mitigation", mitigation), ("adaptation", adaptation))}
    question = question.strip()
    if question and (tags["mitigation"] or tags["adaptation"]):
        raise Conflict(gettext("A rule either proposes tags or asks a question, not both."))
    if not question and not (tags["mitigation"] or tags["adaptation"]):
        raise Conflict(gettext("Give the rule's tags or its question."))
    if not question and not rationale.strip():
        raise Conflict(gettext("Give the rule's rationale."))
    values = {**tags, "question": question, "rationale": rationale.strip()}
    rule = TagRule.objects.select_for_update().filter(city=city, **codes).first()
    if rule is not None and all(getattr(rule, k) == v for k, v in values.items()):
        return rule, False
    label = actor or audit.actor_label(by)
    if rule is None:
        rule = TagRule.objects.create(city=city, created_by=label, **codes, **values)
    else:
        for k, v in values.items():
            setattr(rule, k, v)
        rule.save()
    audit.record("budget.rule", city=city, user=by, actor=actor, obj=rule, pair=rule.pair,
                 **values)
    return rule, True


@transaction.atomic
def remove_tag_rule(rule: TagRule, *, by: Person | None = None, actor: str = "") -> None:
    if by is not None and not may_keep_rules(by, rule.city):
        raise PermissionDenied(gettext("Only the climate office writes the tag rules."))
    audit.record("budget.rule_removed", city=rule.city, user=by, actor=actor, obj=rule,
                 pair=rule.pair)
    rule.delete()


@transaction.atomic
def assign_lines(city: City, department_slug: str, *, pu_code: str = "", ppr: str = "",
                 by: Person | None = None, actor: str = "") -> BudgetResponsibility:
    """The department answers for the lines of a direct user and/or a programme; the same
    again changes nothing."""
    if by is not None and not may_keep_rules(by, city):
        raise PermissionDenied(gettext("Only the climate office assigns budget lines."))
    department = Department.objects.filter(city=city, slug=department_slug).first()
    if department is None:
        raise NotFound(gettext("No department %(slug)s in this city.")
                       % {"slug": department_slug})
    pu_code, ppr = _code("PU", pu_code), _code("PPR", ppr)
    if not pu_code and not ppr:
        raise Conflict(gettext("Name a direct user (PU) or a programme (PPR)."))
    area, created = BudgetResponsibility.objects.get_or_create(
        city=city, department=department, pu_code=pu_code, ppr=ppr)
    if created:
        audit.record("budget.responsibility", city=city, user=by, actor=actor, obj=area,
                     department=department.slug, pu_code=pu_code, ppr=ppr)
    return area


def confirm_suggestion(line: BudgetLine, *, by: Person | None = None, actor: str = "",
                       ) -> Any:
    """A department confirms the tag rule's suggestion for its line: a proposal of the
    rule's tags by whoever confirms, with the rule's rationale as its reason, which the
    climate office approves (four eyes). A rule that asks a question proposes nothing: the
    department answers it by proposing the tags itself."""
    if by is not None and not may_tag_line(by, line):
        raise PermissionDenied(gettext("This line is another department's."))
    found = suggestion(line)
    if found is None:
        raise Conflict(gettext("No tag rule suggests tags for this line."))
    if found.question:
        raise Conflict(gettext("The rule asks first: %(question)s") % {"question": found.question})
    if found.pending:
        raise Conflict(gettext("A proposal for this line is already waiting."))
    reason = gettext("Rule %(pair)s: %(rationale)s") % {"pair": found.rule.pair,
                                                        "rationale": found.rule.rationale}
    return propose_tags(line, mitigation=found.rule.mitigation or None,
                        adaptation=found.rule.adaptation or None, reason=reason, by=by,
                        actor=actor)


def propose_own_line(line: BudgetLine, *, by: Person, **kwargs: Any) -> Any:
    """``propose_tags`` for a line of the proposer's department."""
    if not may_tag_line(by, line):
        raise PermissionDenied(gettext("This line is another department's."))
    return propose_tags(line, by=by, **kwargs)


@transaction.atomic
def link_pb_project(line: BudgetLine, project: Any, *, by: Person | None = None,
                    actor: str = "") -> BudgetLine:
    """The line pays for the participatory-budget project: the project is then reported with
    the line's tags and counted once, through the line (check 24). One line per project and
    version; the same link again changes nothing."""
    version = BudgetVersion.objects.select_for_update().get(pk=line.version_id)
    line = BudgetLine.objects.select_for_update().get(pk=line.pk)
    if by is not None and not may_keep_rules(by, version.city):
        raise PermissionDenied(gettext("Only the climate office links budget lines."))
    if project.budget.process.city_id != version.city_id:
        raise NotFound(gettext("No such participatory-budget project in this city."))
    if line.pb_project_id == project.pk:
        return line
    if version.published_at is not None:
        raise Conflict(gettext("This budget is published; its lines do not change."))
    other = version.lines.filter(pb_project=project).exclude(pk=line.pk).first()
    if other is not None:
        raise Conflict(gettext("The project is already paid by line %(row)s; a project is "
                               "counted once.") % {"row": other.row})
    line.pb_project = project
    line.save()
    audit.record("budget.pb_project", city=version.city, user=by, actor=actor, obj=line,
                 line=line.key, project=project.pk)
    return line
