"""Reads of a budget by part: the shares by tag per policy area (PPP, GPR, PPR) and per
direct user (PU), the participatory-budget projects with the tags of their lines (check 24),
the tag rules' suggestions and a department's own lines. Every share has the report's
largest-remainder rounding on its part's in-scope base."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from zerocity.budget.calculations import TAGS, largest_remainder, share, split_amount
from zerocity.budget.models import (
    AXES,
    BudgetLine,
    BudgetResponsibility,
    BudgetVersion,
    ChangeState,
    Stage,
    TagChange,
    TagRule,
)
from zerocity.budget.rules import best_rule

# the policy areas (PPP) of the programme classification of municipal budgets (UL RS 57/05)
POLICY_AREAS = {
    "01": _("Political system"), "02": _("Economic and fiscal administration"),
    "03": _("Foreign policy and international aid"),
    "04": _("Common administrative services and general public services"),
    "05": _("Science and the information society"), "06": _("Local self-government"),
    "07": _("Defence and emergencies"), "08": _("Internal affairs and safety"),
    "10": _("Labour market and working conditions"),
    "11": _("Agriculture, forestry and fisheries"),
    "12": _("Production and distribution of energy resources"),
    "13": _("Transport, transport infrastructure and communications"),
    "14": _("Economy"), "15": _("Protection of the environment and natural heritage"),
    "16": _("Spatial planning and housing and municipal services"), "17": _("Health care"),
    "18": _("Culture, sport and non-governmental organisations"), "19": _("Education"),
    "20": _("Social security"), "22": _("Public debt service"),
    "23": _("Intervention programmes and obligations"),
}

# the programme classification's levels (UL RS 57/05): a PPP is the PPR's first two digits,
# a GPR its first four
LEVELS = (("ppp", 2), ("gpr", 4), ("ppr", 8))


def axis_table(amounts: dict[str, Decimal], untagged: Decimal, base: Decimal, decimals: int,
               ) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Each tag's amount and share of ``base`` with the untagged rest, largest-remainder
    rounded so that they add up to 100."""
    values = [amounts[t] for t in TAGS] + [untagged]
    shares = largest_remainder(values, base, decimals)
    table = {t: {"amount": f"{amounts[t]:.2f}", "share": f"{s}"}
             for t, s in zip(TAGS, shares, strict=False)}
    return table, {"amount": f"{untagged:.2f}", "share": f"{shares[-1]}"}


@dataclass
class _Sum:
    total: Decimal = Decimal(0)
    in_scope: Decimal = Decimal(0)
    per_axis: dict[str, dict[str, Decimal]] = field(
        default_factory=lambda: {axis: dict.fromkeys(TAGS, Decimal(0)) for axis in AXES})
    untagged: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(AXES, Decimal(0)))
    name: str | None = None

    def add(self, line: BudgetLine) -> None:
        self.total += line.amount
        if not line.in_scope:
            return
        self.in_scope += line.amount
        for axis in AXES:
            split = getattr(line, axis)
            if not split:
                self.untagged[axis] += line.amount
                continue
            parts = split_amount(line.amount, {t: Decimal(p) for t, p in split.items()})
            for tag, part in parts.items():
                self.per_axis[axis][tag] += part

    def out(self, code: str, decimals: int) -> dict[str, Any]:
        row: dict[str, Any] = {"code": code, "name": self.name}
        row.update({"total": f"{self.total:.2f}", "in_scope": f"{self.in_scope:.2f}"})
        untagged = {}
        for axis in AXES:
            row[axis], untagged[axis] = axis_table(self.per_axis[axis], self.untagged[axis],
                                                   self.in_scope, decimals)
        row["untagged"] = untagged
        m = self.per_axis["mitigation"]
        green = share(m["very_favourable"] + m["favourable"], self.in_scope, decimals)
        row["green_share"] = None if green is None else f"{green}"
        return row


def _grouped(lines: Iterable[BudgetLine], key: Callable[[BudgetLine], str],
             name: Callable[[BudgetLine], str] | None, decimals: int) -> list[dict[str, Any]]:
    sums: dict[str, _Sum] = {}
    for line in lines:
        s = sums.setdefault(key(line), _Sum())
        if name is not None and s.name is None:
            s.name = name(line)
        s.add(line)
    return [sums[code].out(code, decimals) for code in sorted(sums)]


def by_policy_area(version: BudgetVersion, decimals: int = 2) -> dict[str, list[dict[str, Any]]]:
    """Per policy area (PPP), main programme (GPR) and sub-programme (PPR): its total, its
    in-scope base and the shares of each tag per axis on that base."""
    lines = list(version.lines.all())
    return {level: _grouped(lines, _prefix(digits), None, decimals) for level, digits in LEVELS}


def _prefix(digits: int) -> Callable[[BudgetLine], str]:
    return lambda line: line.ppr[:digits]


def by_department(version: BudgetVersion, decimals: int = 2) -> list[dict[str, Any]]:
    """The same per direct budget user (PU: the city administration, each local
    community)."""
    return _grouped(version.lines.all(), lambda line: line.pu_code,
                    lambda line: line.pu_name, decimals)


def participatory(version: BudgetVersion) -> list[dict[str, Any]]:
    """The participatory-budget projects the version's lines pay for, each with its line's
    amount and tags. A project is counted in the shares through its line, once, whether or
    not the line is also an NRP project (check 24); it adds nothing beside it."""
    out = []
    for line in (version.lines.exclude(pb_project=None)
                 .select_related("pb_project__budget").order_by("row")):
        project = line.pb_project
        assert project is not None
        out.append({"project": project.pk, "title": project.title,
                    "budget": project.budget.title, "cost": f"{project.cost:.2f}",
                    "line": line.key, "row": line.row, "amount": f"{line.amount:.2f}",
                    "nrp_code": line.nrp_code, "in_scope": line.in_scope,
                    "mitigation": line.mitigation, "adaptation": line.adaptation})
    return out


# -- suggestions of the tag rules and a department's lines -----------------------------------

@dataclass(frozen=True)
class Suggestion:
    """What the rule ``rule`` says of ``line``: its tags (none when the rule asks a
    question), and whether a proposal of the line is already waiting."""

    line: BudgetLine
    rule: TagRule
    pending: bool

    @property
    def tags(self) -> dict[str, dict[str, str]]:
        return {"mitigation": self.rule.mitigation, "adaptation": self.rule.adaptation}

    @property
    def question(self) -> str:
        return self.rule.question

    @property
    def current(self) -> bool:
        """The line already has the tags the rule proposes (or, for a question, tags on both
        axes: it was answered)."""
        if self.question:
            return bool(self.line.mitigation and self.line.adaptation)
        return bool(self.line.mitigation == self.rule.mitigation
                    and self.line.adaptation == self.rule.adaptation)


def tag_rules(city_id: int) -> list[TagRule]:
    return list(TagRule.objects.filter(city_id=city_id).order_by("pk"))


def suggestions(version: BudgetVersion, lines: Iterable[BudgetLine] | None = None,
                ) -> dict[int, Suggestion]:
    """The rules applied to the version's in-scope lines (or to ``lines``): per line id, the
    most specific rule's suggestion, left out where the line has those tags already."""
    rules = tag_rules(version.city_id)
    pending = set(TagChange.objects.filter(version=version, state=ChangeState.PROPOSED)
                  .values_list("line_id", flat=True))
    out = {}
    for line in (lines if lines is not None else version.lines.filter(in_scope=True)):
        rule = best_rule(rules, line)
        if rule is None:
            continue
        found = Suggestion(line, rule, line.pk in pending)
        if not found.current:
            out[line.pk] = found
    return out


def suggestion(line: BudgetLine) -> Suggestion | None:
    return suggestions(line.version, [line]).get(line.pk)


def responsibilities(department_ids: Iterable[int]) -> list[BudgetResponsibility]:
    return list(BudgetResponsibility.objects.filter(department_id__in=list(department_ids)))


def owns(areas: Iterable[BudgetResponsibility], line: BudgetLine) -> bool:
    return any((not a.pu_code or a.pu_code == line.pu_code) and line.ppr.startswith(a.ppr)
               for a in areas)


def department_lines(version: BudgetVersion, department_ids: Iterable[int]) -> list[BudgetLine]:
    """The version's in-scope lines that the departments answer for."""
    areas = responsibilities(department_ids)
    return [line for line in version.lines.filter(in_scope=True) if owns(areas, line)]


def draft_versions(city_id: int) -> list[BudgetVersion]:
    """The city's versions not yet published (the ones still tagged), newest year first."""
    order = [s.value for s in Stage]
    return sorted(BudgetVersion.objects.filter(city_id=city_id, published_at=None),
                  key=lambda v: (-v.year, order.index(v.stage)))


def city_line(city_id: int, pk: int) -> BudgetLine:
    from django.utils.translation import gettext

    from zerocity.core.errors import NotFound

    line = BudgetLine.objects.select_related("version__city").filter(
        version__city_id=city_id, pk=pk).first()
    if line is None:
        raise NotFound(gettext("The budget has no line %(row)s.") % {"row": pk})
    return line


def waiting_proposals(version: BudgetVersion) -> dict[int | None, TagChange]:
    """The proposals waiting for the climate office, by line id."""
    return {c.line_id: c for c in TagChange.objects.filter(version=version,
                                                           state=ChangeState.PROPOSED)}
