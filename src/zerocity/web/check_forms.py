"""The forms of the climate check pages (``web.check_views``): what each posted form holds,
read through ``web.posted.posted`` so that garbage is refused with every mistake named."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zerocity.budget.models import EffectType, ProposalKind
from zerocity.web.posted import PointDecimalField


class RegisterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ProposalKind.choices)
    reference = forms.CharField(label=_("Reference"), max_length=50)
    title = forms.CharField(label=_("Title"), max_length=255)
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    estimated_cost = PointDecimalField(label=_("Estimated cost (EUR)"), required=False,
                                       max_digits=16, decimal_places=2, min_value=0)
    department = forms.SlugField(label=_("Department"), required=False, max_length=50)
    nrp_code = forms.CharField(label=_("NRP code"), required=False, max_length=30)


class CheckForm(forms.Form):
    estimate_t = PointDecimalField(label=_("Estimated effect (t CO2e per year)"),
                                   max_digits=12, decimal_places=2)
    effect_type = forms.ChoiceField(label=_("Effect type"), required=False,
                                    choices=[("", "—"), *EffectType.choices])
    justification = forms.CharField(label=_("Justification"), required=False,
                                    max_length=2000)


class OpinionForm(forms.Form):
    opinion = forms.CharField(label=_("Opinion"), max_length=4000)


class ThresholdForm(forms.Form):
    threshold_t = PointDecimalField(label=_("Threshold (t CO2e per year)"), max_digits=12,
                                    decimal_places=2, min_value=0)
