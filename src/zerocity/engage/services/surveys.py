"""Surveys: short and long text, single and multiple choice, ranking and matrix questions,
conditional questions, one answer per verified person (kept under a keyed hash, so answers
are not linked to the account), and the results per question.

A person sees the questions numbered as they are asked (``numbering``): a conditional
question not asked has no number and leaves no gap, and the refusals name a question by the
number the person saw.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.timezone import now

from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict
from zerocity.engage.models import Process, Question, QuestionKind, Response, Survey
from zerocity.engage.services.verification import keyed, require

CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING,
                QuestionKind.MATRIX)


@transaction.atomic
def create_survey(process: Process, title: str, questions: list[dict[str, Any]], *,
                  opens_at: datetime, closes_at: datetime, level: int | None = None,
                  by: Person | None = None, actor: str = "") -> Survey:
    if closes_at <= opens_at:
        raise Conflict("a survey closes after it opens")
    survey = Survey.objects.create(process=process, title=title, opens_at=opens_at,
                                   closes_at=closes_at,
                                   **({"level": level} if level is not None else {}))
    for position, q in enumerate(questions, start=1):
        kind = q.get("kind")
        if kind not in QuestionKind.values:
            raise Conflict(f"question {position}: kind is one of "
                           f"{', '.join(QuestionKind.values)}")
        options = [str(o) for o in q.get("options", [])]
        if kind in CHOICE_KINDS and len(options) < 2:
            raise Conflict(f"question {position}: at least two options")
        if kind == QuestionKind.MATRIX and not q.get("rows"):
            raise Conflict(f"question {position}: a matrix has rows")
        show_if = q.get("show_if")
        if show_if is not None:
            earlier = survey.questions.filter(position=show_if.get("question")).first()
            if earlier is None or earlier.kind != QuestionKind.SINGLE \
                    or show_if.get("equals") not in earlier.options:
                raise Conflict(f"question {position}: show_if names an earlier single-choice "
                               "question and one of its options")
        Question.objects.create(survey=survey, position=position, kind=kind,
                                text=str(q.get("text", ""))[:500], options=options,
                                rows=[str(r) for r in q.get("rows", [])],
                                required=bool(q.get("required", True)), show_if=show_if)
    audit.record("engage.survey_created", city=process.city, user=by, actor=actor, obj=survey)
    return survey


def shown(question: Question, answers: dict[str, Any]) -> bool:
    rule = question.show_if
    return rule is None or answers.get(str(rule["question"])) == rule["equals"]


def numbering(questions: Iterable[Question], answers: dict[str, Any]) -> dict[int, int | None]:
    """The number each question (by its position) is shown with, given the answers so far
    (position as text -> answer): the questions asked are numbered 1, 2, 3... in their order;
    a conditional question not asked gets None and the next one takes its number, so the
    numbers have no gap. With no answers yet it is the numbering a blank form starts with."""
    out: dict[int, int | None] = {}
    number = 0
    for q in questions:
        if shown(q, answers):
            number += 1
            out[q.position] = number
        else:
            out[q.position] = None
    return out


def _check(q: Question, value: Any, number: int) -> Any:
    where = f"question {number}"
    if q.kind in (QuestionKind.SHORT, QuestionKind.LONG):
        text = str(value).strip()
        limit = 200 if q.kind == QuestionKind.SHORT else 5000
        if len(text) > limit:
            raise Conflict(f"{where}: at most {limit} characters")
        return text
    if q.kind == QuestionKind.SINGLE:
        if value not in q.options:
            raise Conflict(f"{where}: choose one of the options")
        return value
    if q.kind == QuestionKind.MULTIPLE:
        chosen = list(value) if isinstance(value, list) else [value]
        if not chosen or any(v not in q.options for v in chosen) or len(set(chosen)) != len(
                chosen):
            raise Conflict(f"{where}: choose among the options")
        return chosen
    if q.kind == QuestionKind.RANKING:
        if not isinstance(value, list) or sorted(value) != sorted(q.options):
            raise Conflict(f"{where}: rank every option once")
        return value
    if not isinstance(value, dict) or set(value) != set(q.rows) or any(
            v not in q.options for v in value.values()):
        raise Conflict(f"{where}: answer every row with one of the options")
    return value


def answer(survey: Survey, user: Any, answers: dict[str, Any], *,
           at: datetime | None = None) -> Response:
    """Answer a survey once; ``answers`` maps a question's position (as text) to its answer.
    Conditional questions not shown must not be answered; required shown ones must be."""
    at = at or now()
    city = survey.process.city
    require(user, city, survey.level, "answer the survey")
    if not survey.opens_at <= at < survey.closes_at:
        raise Conflict("the survey is not open")
    clean: dict[str, Any] = {}
    number = 0  # as the person saw it: the questions asked, counted (``numbering``)
    for q in survey.questions.all():
        key = str(q.position)
        given = answers.get(key)
        empty = given in (None, "", [], {})
        if not shown(q, clean):
            if not empty:
                raise Conflict(f"“{q.text}” is not asked with your earlier answers")
            continue
        number += 1
        if empty:
            if q.required:
                raise Conflict(f"question {number} needs an answer")
            continue
        clean[key] = _check(q, given, number)
    unknown = set(answers) - {str(q.position) for q in survey.questions.all()}
    if unknown:
        raise Conflict(f"no question {', '.join(sorted(unknown))}")
    try:
        with transaction.atomic():
            made = Response.objects.create(survey=survey, answers=clean, submitted_at=at,
                                           respondent=keyed("survey", str(survey.pk),
                                                            str(user.pk)))
    except IntegrityError:
        raise Conflict("you answered this survey already") from None
    return made


def results(survey: Survey) -> list[dict[str, Any]]:
    """Per question: counts per option (choice), average rank (ranking), counts per row and
    option (matrix), or the number of text answers (texts are for staff to read)."""
    responses = [r.answers for r in survey.responses.all()]
    out = []
    for q in survey.questions.all():
        key = str(q.position)
        given = [r[key] for r in responses if key in r]
        row: dict[str, Any] = {"question": q, "answers": len(given)}
        if q.kind == QuestionKind.SINGLE:
            row["counts"] = [(o, Counter(given)[o]) for o in q.options]
        elif q.kind == QuestionKind.MULTIPLE:
            c = Counter(v for g in given for v in g)
            row["counts"] = [(o, c[o]) for o in q.options]
        elif q.kind == QuestionKind.RANKING:
            row["ranks"] = sorted(((o, sum(g.index(o) + 1 for g in given) / len(given))
                                   for o in q.options), key=lambda x: x[1]) if given else []
        elif q.kind == QuestionKind.MATRIX:
            row["matrix"] = [(r, [(o, sum(1 for g in given if g.get(r) == o))
                                  for o in q.options]) for r in q.rows]
        out.append(row)
    return out
