"""The forms of the transport office's planning pages: a new timetable scenario, a scenario's
comparison options and its attachment to a plan action, the vehicle scheduler's and the
frequency optimiser's options. Only reading and checking what was typed; the services decide."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zerocity.mobility.frequency import DEFAULT_HEADWAYS
from zerocity.mobility.periods import DEFAULT_PERIODS_TEXT, PeriodError, parse_periods

MAX_EDITS_CHARS = 200_000
MAX_LOADS_CHARS = 20_000


class ScenarioForm(forms.Form):
    """A new scenario: a name, the feed version it changes and its edits as JSON."""

    name = forms.CharField(label=_("Name"), max_length=200)
    base = forms.TypedChoiceField(label=_("Timetable version it changes"), coerce=int)
    edits = forms.CharField(
        label=_("Edits (JSON)"), max_length=MAX_EDITS_CHARS, widget=forms.Textarea(
            attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_('A list of edits, as the command line and the API take it, e.g. '
                    '[{"type": "adjust_frequency", "route_id": "1", "start": "00:00:00", '
                    '"end": "30:00:00", "factor": 2}] (docs/mobility-scenarios.md).'))
    description = forms.CharField(label=_("Description"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, versions: Sequence[tuple[int, str]] = (),
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["base"].choices = list(versions)  # type: ignore[attr-defined]

    def clean_edits(self) -> Any:
        text = self.cleaned_data["edits"]
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("This is not JSON: %(reason)s at line %(line)s, column %(column)s.")
                % {"reason": exc.msg, "line": exc.lineno, "column": exc.colno}) from None


class ComparisonForm(forms.Form):
    """What a comparison assumes that the city may change (GET)."""

    battery_share = forms.DecimalField(
        label=_("Share of bus-km by battery buses"), min_value=0, max_value=1,
        max_digits=6, decimal_places=4, required=False,
        help_text=_("From 0 to 1, e.g. 0.42; empty: the city's parameter."))
    boardings = forms.DecimalField(
        label=_("Bus boardings a year"), min_value=0, max_digits=14, decimal_places=0,
        required=False, help_text=_("Empty: from the city card's taps."))

    def options(self) -> dict[str, Decimal | None]:
        """The comparison's keyword arguments (the defaults when the form is not valid)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {"battery_share": data.get("battery_share"),
                "boardings_per_year": data.get("boardings")}


class ScenarioPageForm(ComparisonForm):
    """The comparison's options on the scenario's page, and whether to compare accessibility
    too (it takes seconds, so it is asked for)."""

    accessibility = forms.BooleanField(
        label=_("Compare accessibility too (takes seconds)"), required=False,
        help_text=_("Residents, jobs, schools and health centres reached within 30 and 45 "
                    "minutes, 07:00-09:00 on the typical day, on both timetables."))

    def wants_accessibility(self) -> bool:
        return bool(self.is_bound and self.is_valid() and self.cleaned_data["accessibility"])


class AttachForm(ComparisonForm):
    """The plan action a scenario becomes the effect of, with the comparison's options."""

    action = forms.ChoiceField(label=_("Plan action"))

    def __init__(self, *args: Any, actions: Sequence[tuple[str, str]] = (),
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = list(actions)  # type: ignore[attr-defined]
        self.order_fields(["action", "battery_share", "boardings"])


class FleetForm(forms.Form):
    """The vehicle scheduler's options (GET)."""

    date = forms.DateField(label=_("Service date"), widget=forms.DateInput(
        attrs={"type": "date"}, format="%Y-%m-%d"))
    min_layover = forms.FloatField(label=_("Minimum layover (minutes)"), min_value=0,
                                   max_value=240, required=False,
                                   help_text=_("Empty: 5 minutes."))
    no_deadhead = forms.BooleanField(
        label=_("No deadhead: a bus continues only from the stop where its last trip ended"),
        required=False)


def _headways(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        values = ()
    if not values or not all(0 < v < 1000 for v in values):
        raise forms.ValidationError(_("Write minutes above 0 separated by commas, e.g. "
                                      "7.5,10,15,20,30,60."))
    return values


class OptimiseForm(forms.Form):
    """The frequency optimiser's options (GET); the peak loads as CSV, or empty: counted from
    the city card's taps on the date."""

    date = forms.DateField(label=_("Service date"), widget=forms.DateInput(
        attrs={"type": "date"}, format="%Y-%m-%d"))
    fleet = forms.IntegerField(label=_("Buses available"), min_value=0, max_value=10_000,
                               required=False,
                               help_text=_("Empty: as many as today's timetable uses at its "
                                           "peak."))
    max_headway = forms.FloatField(label=_("Longest headway allowed (minutes)"),
                                   min_value=1, max_value=1440, required=False)
    headways = forms.CharField(label=_("Headways the city allows (minutes)"), max_length=200,
                               required=False,
                               help_text=_("Empty: %(h)s.") % {
                                   "h": ", ".join(f"{h:g}" for h in DEFAULT_HEADWAYS)})
    periods = forms.CharField(label=_("Periods of the day"), max_length=500, required=False,
                              help_text=_("Empty: the city's parameter (without one: %(p)s).")
                              % {"p": DEFAULT_PERIODS_TEXT})
    capacity = forms.IntegerField(label=_("Riders per bus"), min_value=1, max_value=1000,
                                  required=False,
                                  help_text=_("Empty: the city's parameter (without one: 80)."))
    margin = forms.FloatField(label=_("Share of the capacity planned to be used"),
                              min_value=0.01, max_value=1, required=False,
                              help_text=_("Empty: 0.9."))
    loads = forms.CharField(
        label=_("Peak loads (CSV)"), max_length=MAX_LOADS_CHARS, required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_("route_id,period,peak_load (riders per hour at the busiest stop); empty: "
                    "counted from the city card's taps on the date."))

    def clean_headways(self) -> tuple[float, ...]:
        text = self.cleaned_data["headways"].strip()
        return _headways(text) if text else DEFAULT_HEADWAYS

    def clean_periods(self) -> Any:
        text = self.cleaned_data["periods"].strip()
        if not text:
            return None  # the city's own
        try:
            return parse_periods(text)
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from None


class SaveScenarioForm(forms.Form):
    """The name the optimiser's answer is saved under as a timetable scenario (posted with the
    optimiser's options)."""

    name = forms.CharField(label=_("Scenario name"), max_length=200)
