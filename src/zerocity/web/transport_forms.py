"""The GET forms of the transport pages (bus service, loads, accessibility): a date, a range of
dates, a route, an opportunity and a time limit. Choices come from the data shown, so a value
that is not among them is refused beside its field."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zerocity.mobility.load_reports import API_MAX_DAYS

DATE = {"input_formats": ["%Y-%m-%d"],
        "widget": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}


def _choose(form: forms.Form, name: str, choices: Sequence[tuple[Any, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = list(choices)


def _routes(routes: Sequence[tuple[str, str]]) -> list[tuple[str, Any]]:
    return [("", _("All routes")), *routes]


class ServiceForm(forms.Form):
    date = forms.DateField(label=_("Service date"), **DATE)  # type: ignore[arg-type]
    route = forms.ChoiceField(label=_("Route"), required=False)

    def __init__(self, data: Any, *, routes: Sequence[tuple[str, str]],
                 initial: dict[str, Any]) -> None:
        if data is not None:  # what the address leaves out keeps its default
            data = data.copy()
            if not data.get("date"):
                data["date"] = initial["date"].isoformat()
        super().__init__(data, initial=initial)
        _choose(self, "route", _routes(routes))


class LoadsForm(forms.Form):
    date = forms.DateField(label=_("From"), **DATE)  # type: ignore[arg-type]
    to = forms.DateField(label=_("To"), required=False, **DATE)  # type: ignore[arg-type]
    route = forms.ChoiceField(label=_("Route"), required=False)

    def __init__(self, data: Any, *, routes: Sequence[tuple[str, str]],
                 initial: dict[str, Any]) -> None:
        if data is not None:
            data = data.copy()
            if not data.get("date"):
                data["date"] = initial["date"].isoformat()
        super().__init__(data, initial=initial)
        _choose(self, "route", _routes(routes))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first: date | None = cleaned.get("date")
        last: date | None = cleaned.get("to")
        if first is not None and last is not None:
            if last < first:
                self.add_error("to", _("The last date comes before the first."))
            elif (last - first).days >= API_MAX_DAYS:
                self.add_error("to", _("At most %(n)s days at a time.") % {"n": API_MAX_DAYS})
        return cleaned


class AccessForm(forms.Form):
    kind = forms.ChoiceField(label=_("Opportunities"))
    limit = forms.TypedChoiceField(label=_("Within"), coerce=int)

    def __init__(self, data: Any, *, kinds: Sequence[tuple[str, str]], limits: Sequence[int],
                 initial: dict[str, Any]) -> None:
        if data is not None:
            data = data.copy()
            for key in ("kind", "limit"):
                if not data.get(key):
                    data[key] = initial[key]
        super().__init__(data, initial=initial)
        _choose(self, "kind", kinds)
        _choose(self, "limit", [(m, f"{m}\u00a0min") for m in limits])
