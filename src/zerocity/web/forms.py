from django import forms
from django.utils.translation import gettext_lazy as _

from zerocity.inventory.gwp import GwpSet

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
