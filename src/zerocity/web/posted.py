"""What a posted form says, read once for every view: typed fields and ``posted``.

A view reads a form's fields through a Django form (``posted(request, SomeForm)``), never
with ``int()`` or ``Decimal()`` of its own: a value that is not what the field holds (NaN,
infinity, 1E+999999, words, digits of other scripts, an id beyond what a database keeps,
a field sent twice) is refused with every mistake named, as a message on the page the form
was on (``FormRefused`` is a ``Conflict``, shown by ``web.refusals``), and nothing is changed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator as MaxValue
from django.core.validators import MinValueValidator as MinValue
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from zerocity.core.errors import Conflict
from zerocity.web.forms import form_problems

MAX_ID = 2**63 - 1  # the largest key a database (SQLite, PostgreSQL bigint) keeps


class FormRefused(Conflict):
    """A posted form with mistakes: ``problems`` as (the field's label, what to enter)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{label}: {problem}" if label else problem
                                   for label, problem in problems))


def posted(request: HttpRequest, form_class: type[forms.Form], *args: Any,
           **kwargs: Any) -> dict[str, Any]:
    """The form's cleaned data, or ``FormRefused`` naming every mistake."""
    form = form_class(request.POST, request.FILES or None, *args, **kwargs)
    if not form.is_valid():
        raise FormRefused(form_problems(form))
    return form.cleaned_data


class IdField(forms.IntegerField):
    """The number of a record a form names (a choice of a list): 1 up to ``MAX_ID``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault("error_messages", {
            "invalid": _("Choose one of the list."), "min_value": _("Choose one of the list."),
            "max_value": _("Choose one of the list.")})
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        # only ASCII digits: int() reads "١٢" and Django "1.0" as numbers no form sends
        if isinstance(value, str) and value.strip() and not (
                value.strip().isascii() and value.strip().isdigit()):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IdListField(forms.Field):
    """Several records a form names (ticked boxes): a list of ``IdField`` numbers."""

    widget = forms.MultipleHiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[int]:
        if value in self.empty_values:
            return []
        one = IdField()
        return [one.clean(v) for v in (value if isinstance(value, list | tuple) else [value])]


class PointDecimalField(forms.DecimalField):
    """An amount typed with a decimal comma or point ("12,50" or "12.50"), finite and within
    ``max_digits``: NaN, infinity and 1E+999999 are not numbers here."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
        return super().to_python(value)


# -- the forms of the pages' actions, by module --------------------------------------------------

class CommentForm(forms.Form):
    body = forms.CharField(required=False, strip=False)
    alignment = forms.TypedChoiceField(
        choices=[("-1", "-1"), ("0", "0"), ("1", "1")], coerce=int, required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose for, neutral or against.")})
    parent = IdField(required=False)
    website = forms.CharField(required=False)  # a honeypot

    def clean_alignment(self) -> int:
        return self.cleaned_data.get("alignment") or 0  # none chosen: neutral


class BallotForm(forms.Form):
    projects = IdListField(label=_("Projects"))


class PaperBallotForm(BallotForm):
    number = forms.CharField(label=_("Ballot number"), required=False, max_length=100)


class TopUpForm(forms.Form):
    amount = PointDecimalField(label=_("Amount"), max_digits=8, decimal_places=2)
    key = forms.CharField(required=False, max_length=64)

    def __init__(self, *args: Any, low: Any, high: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        amount = self.fields["amount"]
        assert isinstance(amount, PointDecimalField)
        amount.validators += [MinValue(low), MaxValue(high)]
        sentence = _("Enter an amount between %(min)s and %(max)s EUR.") % {
            "min": low, "max": high}
        amount.error_messages.update(dict.fromkeys(
            ("invalid", "required", "max_digits", "max_decimal_places", "max_whole_digits",
             "min_value", "max_value"), sentence))


class WalkForm(forms.Form):
    day = forms.DateField(label=_("Day"), error_messages={
        "invalid": _("Enter the day of the walk."), "required": _("Enter the day of the walk.")})
    km = PointDecimalField(label=_("Kilometres"), max_digits=6, min_value=0)


class DeskOpenForm(forms.Form):
    username = forms.CharField(required=False, max_length=150)
    guardian = IdField(label=_("Guardian's account"), required=False, error_messages={
        "invalid": _("No such guardian account."), "min_value": _("No such guardian account."),
        "max_value": _("No such guardian account.")})


class MoveBalanceForm(forms.Form):
    target = IdField(label=_("Receiving account"), error_messages={
        "invalid": _("No such receiving account."),
        "required": _("No such receiving account."),
        "min_value": _("No such receiving account."),
        "max_value": _("No such receiving account.")})
    reason = forms.CharField(required=False, max_length=2000)


class RefundForm(forms.Form):
    amount = PointDecimalField(label=_("Amount"), max_digits=10, decimal_places=2,
                               error_messages={"invalid": _("Enter an amount in euros."),
                                               "required": _("Enter an amount in euros.")})
    receipt = forms.CharField(label=_("Receipt"), max_length=100, error_messages={
        "required": _("Enter the desk's receipt number.")})
    reason = forms.CharField(required=False, max_length=2000)


class ChallengeForm(forms.Form):
    code = forms.CharField(required=False, max_length=40)
    title = forms.CharField(required=False, max_length=200)
    title_sl = forms.CharField(required=False, max_length=200)
    measure = forms.CharField(required=False, max_length=40)
    target = forms.IntegerField(label=_("Target"), min_value=1, max_value=10**9)
    bonus = forms.IntegerField(label=_("Bonus points"), min_value=0, max_value=10**9)
    starts = forms.DateField(label=_("Starts"))
    ends = forms.DateField(label=_("Ends"))
    description = forms.CharField(required=False, max_length=4000)


class PeriodForm(forms.Form):
    """A reporting period: a year, or a year and its part ("2026", "2026-H1", "2026-Q3")."""

    period = forms.RegexField(
        label=_("Reporting period"), regex=r"^\d{4}(-[A-Za-z0-9]{1,8})?$", max_length=13,
        error_messages={"invalid": _("Name the reporting period, e.g. 2026."),
                        "required": _("Name the reporting period, e.g. 2026."),
                        "max_length": _("Name the reporting period, e.g. 2026.")})


class ApplyForm(forms.Form):
    dps = IdField(label=_("Dynamic purchasing system"))
    categories = IdListField(label=_("Categories"))


class DecideForm(forms.Form):
    admitted = IdListField(label=_("Admitted categories"))
    reasons = forms.CharField(required=False, max_length=4000)


class NewProcurementForm(forms.Form):
    dps = IdField(label=_("Dynamic purchasing system"))
    category = IdField(label=_("Category"))
