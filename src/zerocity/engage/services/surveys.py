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
from django.utils.translation import gettext as _

from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict
from zerocity.core.translations import languages, per_language
from zerocity.engage.models import Process, Question, QuestionKind, Response, Survey
from zerocity.engage.services.verification import keyed, require

CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING,
                QuestionKind.MATRIX)


@transaction.atomic
def create_survey(process: Process, title: str, questions: list[dict[str, Any]], *,
                  opens_at: datetime, closes_at: datetime, level: int | None = None,
                  title_sl: str = "", by: Person | None = None, actor: str = "") -> Survey:
    """A survey: ``title`` and each question's ``text``, ``options`` and ``rows`` in English,
    ``title_sl`` and a question's ``text_sl``, ``options_sl``, ``rows_sl`` in Slovenian (the
    options in the same order). Answers are kept in the first language's wording."""
    if closes_at <= opens_at:
        raise Conflict(_("A survey must close after it opens."))
    survey = Survey.objects.create(process=process, opens_at=opens_at,
                                   **per_language("title", {"en": title, "sl": title_sl}),
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
                    or show_if.get("equals") not in words(earlier, "options"):
                raise Conflict(f"question {position}: show_if names an earlier single-choice "
                               "question and one of its options")
        texts = {"en": str(q.get("text", ""))[:500], "sl": str(q.get("text_sl", ""))[:500]}
        options_sl = [str(o) for o in q.get("options_sl", [])]
        if options_sl and len(options_sl) != len(options):
            raise Conflict(f"question {position}: as many Slovenian options as English ones")
        Question.objects.create(survey=survey, position=position, kind=kind,
                                **per_language("text", texts),
                                **per_language("options", {"en": options, "sl": options_sl}),
                                **per_language("rows", {
                                    "en": [str(r) for r in q.get("rows", [])],
                                    "sl": [str(r) for r in q.get("rows_sl", [])]}),
                                required=bool(q.get("required", True)), show_if=show_if)
    audit.record("engage.survey_created", city=process.city, user=by, actor=actor, obj=survey)
    return survey


def words(q: Question, field: str) -> list[str]:
    """A question's options or rows in the wording answers are kept in: English when the
    question has them in English (what answers were always kept in), else the first language
    of LANGUAGES that has them."""
    for code in ("en", *languages()):
        found = getattr(q, f"{field}_{code}", None)
        if found:
            return list(found)
    return list(getattr(q, field) or [])


def _canonical(q: Question, field: str, value: Any) -> Any:
    """An option or row as a reader of any language gave it, in the kept wording."""
    kept = words(q, field)
    if not isinstance(value, str) or value in kept:
        return value
    for code in languages():
        wording = getattr(q, f"{field}_{code}", None) or []
        if value in wording and wording.index(value) < len(kept):
            return kept[wording.index(value)]
    return value


def label(q: Question, field: str, value: str) -> str:
    """A kept option or row in the reader's language."""
    kept = words(q, field)
    wording = getattr(q, field) or []
    if value in kept and kept.index(value) < len(wording):
        return str(wording[kept.index(value)])
    return value


def _in_kept_wording(q: Question, value: Any) -> Any:
    if isinstance(value, list):
        return [_canonical(q, "options", v) for v in value]
    if isinstance(value, dict):
        return {_canonical(q, "rows", k): _canonical(q, "options", v) for k, v in value.items()}
    return _canonical(q, "options", value)


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
    where = _("Question %(n)s") % {"n": number}
    options, rows = words(q, "options"), words(q, "rows")
    if q.kind in (QuestionKind.SHORT, QuestionKind.LONG):
        text = str(value).strip()
        limit = 200 if q.kind == QuestionKind.SHORT else 5000
        if len(text) > limit:
            raise Conflict(_("%(where)s: write at most %(limit)s characters.") % {
                "where": where, "limit": limit})
        return text
    if q.kind == QuestionKind.SINGLE:
        if value not in options:
            raise Conflict(_("%(where)s: choose one of the options.") % {"where": where})
        return value
    if q.kind == QuestionKind.MULTIPLE:
        chosen = list(value) if isinstance(value, list) else [value]
        if not chosen or any(v not in options for v in chosen) or len(set(chosen)) != len(
                chosen):
            raise Conflict(_("%(where)s: choose among the options.") % {"where": where})
        return chosen
    if q.kind == QuestionKind.RANKING:
        if not isinstance(value, list) or sorted(value) != sorted(options):
            raise Conflict(_("%(where)s: rank every option once.") % {"where": where})
        return value
    if not isinstance(value, dict) or set(value) != set(rows) or any(
            v not in options for v in value.values()):
        raise Conflict(_("%(where)s: answer every row with one of the options.") % {
            "where": where})
    return value


def answer(survey: Survey, user: Any, answers: dict[str, Any], *,
           at: datetime | None = None) -> Response:
    """Answer a survey once; ``answers`` maps a question's position (as text) to its answer.
    Conditional questions not shown must not be answered; required shown ones must be."""
    at = at or now()
    city = survey.process.city
    require(user, city, survey.level, "answer")
    if not survey.opens_at <= at < survey.closes_at:
        raise Conflict(_("The survey is not open: answers are taken between its opening and "
                         "closing times."))
    clean: dict[str, Any] = {}
    number = 0  # as the person saw it: the questions asked, counted (``numbering``)
    for q in survey.questions.all():
        key = str(q.position)
        given = answers.get(key)
        empty = given in (None, "", [], {})
        if not shown(q, clean):
            if not empty:
                raise Conflict(_("“%(q)s” is not asked with your earlier answers; leave it "
                                 "empty.") % {"q": q.text})
            continue
        number += 1
        if empty:
            if q.required:
                raise Conflict(_("Question %(n)s needs an answer.") % {"n": number})
            continue
        clean[key] = _check(q, _in_kept_wording(q, given), number)
    unknown = set(answers) - {str(q.position) for q in survey.questions.all()}
    if unknown:
        raise Conflict(_("The survey has no question %(n)s.") % {"n": ", ".join(sorted(unknown))})
    try:
        with transaction.atomic():
            made = Response.objects.create(survey=survey, answers=clean, submitted_at=at,
                                           respondent=keyed("survey", str(survey.pk),
                                                            str(user.pk)))
    except IntegrityError:
        raise Conflict(_("You have already answered this survey.")) from None
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
        options, rows = words(q, "options"), words(q, "rows")
        if q.kind == QuestionKind.SINGLE:
            row["counts"] = [(label(q, "options", o), Counter(given)[o]) for o in options]
        elif q.kind == QuestionKind.MULTIPLE:
            c = Counter(v for g in given for v in g)
            row["counts"] = [(label(q, "options", o), c[o]) for o in options]
        elif q.kind == QuestionKind.RANKING:
            row["ranks"] = sorted(((label(q, "options", o),
                                    sum(g.index(o) + 1 for g in given) / len(given))
                                   for o in options), key=lambda x: x[1]) if given else []
        elif q.kind == QuestionKind.MATRIX:
            row["matrix"] = [(label(q, "rows", r),
                              [(label(q, "options", o), sum(1 for g in given if g.get(r) == o))
                               for o in options]) for r in rows]
        out.append(row)
    return out
