"""The forms of the contract's staff page: a signatory with the signed document, a new
wording of a commitment, a funding source of an action and a funding decision of an NRP
project. The services (``contract.services``) refuse what the contract does not allow."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from zerocity.contract.models import FundingKind, FundingStatus
from zerocity.web.forms import MAX_UPLOAD

OUTSIDE = [(k, v) for k, v in FundingKind.choices if k != FundingKind.OWN]
DECIDED = [(k, v) for k, v in FundingStatus.choices if k != FundingStatus.PLANNED]


class SignForm(forms.Form):
    organisation = forms.CharField(label=_("Organisation"), max_length=200)
    representative = forms.CharField(label=_("Representative"), max_length=200)
    role = forms.CharField(label=_("Role"), max_length=200)
    signed_on = forms.DateField(label=_("Date signed"), help_text=_("YYYY-MM-DD"))
    document = forms.FileField(label=_("Signed document"), help_text=_(
        "The scanned or digitally signed document: its SHA-256 is kept, so anyone can check "
        "a copy against it."))

    def clean_document(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["document"]
        if upload.size is not None and upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return upload


class ReviseForm(forms.Form):
    text = forms.CharField(label=_("New wording"), max_length=5000, widget=forms.Textarea(
        attrs={"rows": 3}))
    note = forms.CharField(label=_("What changed"), max_length=2000, required=False)


class FundingForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"))
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    kind = forms.ChoiceField(label=_("Kind"), choices=FundingKind.choices)
    status = forms.ChoiceField(label=_("Status"), choices=FundingStatus.choices)
    name = forms.CharField(label=_("Programme, fund or lender"), max_length=200)
    amount = forms.DecimalField(label=_("Amount (EUR)"), min_value=Decimal("0.01"),
                                max_digits=16, decimal_places=2)
    decision_reference = forms.CharField(label=_("Decision reference"), max_length=200,
                                         required=False, help_text=_(
                                             "Required when the money is secured."))

    def __init__(self, *args: object, actions: list[tuple[str, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["action"].choices = actions  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    nrp_code = forms.CharField(label=_("NRP project code"), max_length=50)
    kind = forms.ChoiceField(label=_("Kind of outside money"), choices=OUTSIDE)
    status = forms.ChoiceField(label=_("Status"), choices=DECIDED)
    decision_reference = forms.CharField(label=_("Decision reference"), max_length=200,
                                         required=False, help_text=_(
                                             "Required when the money is secured."))
