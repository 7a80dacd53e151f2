from django import forms
from django.utils.translation import gettext_lazy as _

from zerocity.inventory.gwp import GwpSet
from zerocity.plan.models import Action, ActionStatus
from zerocity.plan.services import EDITABLE_FIELDS

MAX_UPLOAD = 50 * 2**20


class InventoryImportForm(forms.Form):
    year = forms.IntegerField(label=_("Inventory year"), min_value=1990, max_value=2100)
    file = forms.FileField(
        label=_("Activity data file"),
        help_text=_("CSV or .xlsx with the columns of the activity-data file, or an eCRF "
                    "workbook exported by ZeroCity."),
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=[("replace", _("Replace: the inventory holds exactly the file's lines")),
                 ("merge", _("Merge: add and update lines, keep the others"))],
        initial="replace",
    )
    gwp = forms.ChoiceField(
        label=_("GWP set"), required=False,
        choices=[("", _("keep the inventory's (AR5 for a new one)"))]
        + [(g.value, g.value) for g in GwpSet],
    )

    def clean_file(self):  # type: ignore[no-untyped-def]
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return f


class ActionEditForm(forms.ModelForm):
    """The fields of an action a department may propose to change."""

    note = forms.CharField(label=_("Note for the climate office"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = Action
        fields = list(EDITABLE_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 4}),
                   "outcome": forms.Textarea(attrs={"rows": 2}),
                   "stakeholders": forms.Textarea(attrs={"rows": 2})}


class MilestoneForm(forms.Form):
    name = forms.CharField(label=_("Milestone"), max_length=300)
    due = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))
    done = forms.DateField(label=_("Done on"), required=False,
                           widget=forms.DateInput(attrs={"type": "date"}))


class StatusOverrideForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Computed from the milestones"))] + list(
            ActionStatus.choices)


class ObservationForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    value = forms.FloatField(label=_("Value"))
    source = forms.CharField(label=_("Source"), max_length=300, required=False)


class PlanImportForm(forms.Form):
    file = forms.FileField(label=_("Plan workbook (.xlsx)"))

    def clean_file(self):  # type: ignore[no-untyped-def]
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return f


class DataUploadForm(forms.Form):
    source = forms.ModelChoiceField(label=_("Source"), queryset=None, to_field_name="key")
    file = forms.FileField(label=_("File of readings"),
                           help_text=_("CSV, Parquet or .xlsx with the columns meter, time, "
                                       "quantity, value, unit and optionally customer_class."))

    def __init__(self, *args, sources, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources

    def clean_file(self):  # type: ignore[no-untyped-def]
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 50 MB; send larger files "
                                          "with zerocity data ingest."))
        return f


class SignUpForm(forms.Form):
    """A citizen's account: a user name, an e-mail address (confirmed by a link) and a
    password that Django's password validators accept."""

    username = forms.RegexField(label=_("User name"), max_length=40, regex=r"^[\w.@+-]+$",
                                help_text=_("Letters, digits and . @ + - _ only."))
    email = forms.EmailField(label=_("E-mail address"))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}))
    website = forms.CharField(required=False, label="Website")  # a honeypot

    def clean_username(self):  # type: ignore[no-untyped-def]
        from django.contrib.auth import get_user_model

        name = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=name).exists():
            raise forms.ValidationError(_("This user name is taken."))
        return name

    def clean_password(self):  # type: ignore[no-untyped-def]
        from django.contrib.auth.password_validation import validate_password

        password = self.cleaned_data["password"]
        validate_password(password)
        return password
