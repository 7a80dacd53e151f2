"""The forms of the budget's staff pages: the import of a budget and a line's tags."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from zerocity.budget.models import Stage, Tag
from zerocity.web.forms import _within_upload_limit


class BudgetImportForm(forms.Form):
    file = forms.FileField(label=_("Budget file"), help_text=_(
        "CSV or .xlsx, one line per PU, PP, konto and NRP project, in the columns of the "
        "budget's import (docs/budget.md)."))
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    totals = forms.FileField(label=_("Decree totals (optional)"), required=False, help_text=_(
        "CSV of the decree's totals per account group (group, amount_eur): the lines must add "
        "up to them to the cent."))

    def clean_file(self) -> UploadedFile[bytes]:
        return _within_upload_limit(self, _("The file is larger than 50 MB."))


TAG_CHOICES = [("", "—"), *Tag.choices]


def _percent(label: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, min_value=Decimal("0.01"),
                              max_value=Decimal(100), max_digits=5, decimal_places=2)


class LineTagsForm(forms.Form):
    """A line's tags per axis: one tag, or two with their percentages (a split); an axis
    left blank keeps its tags."""

    mitigation = forms.ChoiceField(label=_("Mitigation"), choices=TAG_CHOICES, required=False)
    mitigation_pct = _percent(_("Mitigation, %"))
    mitigation2 = forms.ChoiceField(label=_("Mitigation, second tag"), choices=TAG_CHOICES,
                                    required=False)
    mitigation2_pct = _percent(_("Mitigation, second tag, %"))
    adaptation = forms.ChoiceField(label=_("Adaptation"), choices=TAG_CHOICES, required=False)
    adaptation_pct = _percent(_("Adaptation, %"))
    adaptation2 = forms.ChoiceField(label=_("Adaptation, second tag"), choices=TAG_CHOICES,
                                    required=False)
    adaptation2_pct = _percent(_("Adaptation, second tag, %"))
    reason = forms.CharField(label=_("Reason"), max_length=2000)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for axis in ("mitigation", "adaptation"):
            if data.get(f"{axis}2") and not data.get(axis):
                raise forms.ValidationError(_("Choose the first tag before the second."))
            if data.get(f"{axis}2") and (data.get(f"{axis}_pct") is None
                                         or data.get(f"{axis}2_pct") is None):
                raise forms.ValidationError(_("Give both tags of a split their percentages."))
        if not data.get("mitigation") and not data.get("adaptation"):
            raise forms.ValidationError(_("Choose a tag for mitigation or adaptation."))
        return data


def split(data: dict[str, Any], axis: str) -> dict[str, Any] | None:
    """The axis's split from a ``LineTagsForm``'s cleaned data, as the service takes it; None
    keeps the line's tags on that axis."""
    first, second = data[axis], data[f"{axis}2"]
    if not first:
        return None
    if not second:
        return {first: str(data[f"{axis}_pct"] or 100)}
    return {first: str(data[f"{axis}_pct"]), second: str(data[f"{axis}2_pct"])}
