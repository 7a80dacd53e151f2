from collections.abc import Sequence
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from zerocity.core.formats import number
from zerocity.core.selectors import username_taken
from zerocity.core.translations import text
from zerocity.data.models import DataSource
from zerocity.inventory.gwp import GwpSet
from zerocity.mobility.network import Found, Place, find_place
from zerocity.mobility.planner.query import Query
from zerocity.plan.models import Action, ActionStatus
from zerocity.plan.services import EDITABLE_FIELDS
from zerocity.web.labels import ACTION_FIELDS

MAX_UPLOAD = 50 * 2**20


def _within_upload_limit(form: forms.Form, message: StrOrPromise) -> UploadedFile[bytes]:
    """The form's file, refused with ``message`` beyond MAX_UPLOAD (larger files go through
    the command line, which streams them)."""
    upload: UploadedFile[bytes] = form.cleaned_data["file"]
    if upload.size is not None and upload.size > MAX_UPLOAD:
        raise forms.ValidationError(message)
    return upload


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

    def clean_file(self) -> UploadedFile[bytes]:
        return _within_upload_limit(self, _("The file is larger than 50 MB."))


class ActionEditForm(forms.ModelForm[Action]):
    """The fields of an action a department may propose to change."""

    note = forms.CharField(label=_("Note for the climate office"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = Action
        fields = list(EDITABLE_FIELDS)
        # the labels a person reads, set here: the model's verbose names are its field names
        labels = {name: ACTION_FIELDS[name] for name in EDITABLE_FIELDS}
        help_texts = {
            "action_type": _("E.g. investment, regulation, information campaign."),
            "scale": _("Where the action applies, e.g. the whole city or one district."),
            "energy_generated_mwh": _("Only for actions that produce renewable energy."),
            "total_cost_eur": _("The action's whole cost, in euros."),
        }
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [("", _("Computed from the milestones")), *ActionStatus.choices]


class ObservationForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    value = forms.FloatField(label=_("Value"))
    source = forms.CharField(label=_("Source"), max_length=300, required=False)


class PlanImportForm(forms.Form):
    file = forms.FileField(label=_("Plan workbook (.xlsx)"))

    def clean_file(self) -> UploadedFile[bytes]:
        return _within_upload_limit(self, _("The file is larger than 50 MB."))


class DataUploadForm(forms.Form):
    source: forms.ModelChoiceField[DataSource] = forms.ModelChoiceField(
        label=_("Source"), queryset=None, to_field_name="key")
    file = forms.FileField(label=_("File of readings"),
                           help_text=_("CSV, Parquet or .xlsx with the columns meter, time, "
                                       "quantity, value, unit and optionally customer_class."))

    def __init__(self, *args: Any, sources: QuerySet[DataSource], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        source = self.fields["source"]
        assert isinstance(source, forms.ModelChoiceField)
        source.queryset = sources

    def clean_file(self) -> UploadedFile[bytes]:
        return _within_upload_limit(self, _("The file is larger than 50 MB; send larger files "
                                          "with zerocity data ingest."))


class FeedUploadForm(forms.Form):
    file = forms.FileField(label=_("GTFS feed (.zip)"), help_text=_(
        "A GTFS Schedule archive of at most 50 MB; import larger feeds with zerocity mobility "
        "feed import."))
    name = forms.CharField(label=_("Name of the version"), required=False, max_length=200,
                           help_text=_("Empty: the feed's own version, else the file's name."))
    licence = forms.CharField(label=_("Licence"), required=False, max_length=200, help_text=_(
        "For example CC BY-SA 4.0 for the national access point's feed."))
    attribution = forms.CharField(label=_("Attribution"), required=False, max_length=1000,
                                  help_text=_("Empty: the feed's publisher and agencies."))

    def clean_file(self) -> UploadedFile[bytes]:
        return _within_upload_limit(self, _("The file is larger than 50 MB; import larger "
                                          "feeds with zerocity mobility feed import."))


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
        name = self.cleaned_data["username"]
        if username_taken(name):
            raise forms.ValidationError(_("This user name is taken."))
        return name

    def clean_password(self):  # type: ignore[no-untyped-def]
        from django.contrib.auth.password_validation import validate_password

        password = self.cleaned_data["password"]
        validate_password(password)
        return password


# -- local food --------------------------------------------------------------------------------

class LocalDecimalField(forms.DecimalField):
    """A number as people type it in the page's language: "39.500,00" in Slovenian,
    "39,500.00" in English (``food.text.parse_decimal``); shown back in the same format."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value: Any) -> Any:
        from zerocity.food.text import parse_decimal

        if value in self.empty_values:
            return None
        if isinstance(value, str):
            found = parse_decimal(value)
            if found is None:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            return found
        return super().to_python(value)


class TenderForm(forms.Form):
    """A tender: a figure for each of the procurement's award criteria, and a note."""

    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, criteria: list[dict[str, Any]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        note = self.fields.pop("note")
        for c in criteria:
            self.fields[f"c_{c['id']}"] = LocalDecimalField(  # named in the page's language
                label=text(c, "name"), min_value=0, max_digits=14, decimal_places=3)
        self.fields["note"] = note
        self.criteria = criteria

    def content(self) -> dict[str, str]:
        """What is sealed: each criterion's figure as a plain decimal, and the note."""
        out = {c["id"]: str(self.cleaned_data[f"c_{c['id']}"]) for c in self.criteria}
        if self.cleaned_data.get("note", "").strip():
            out["note"] = self.cleaned_data["note"].strip()
        return out


def form_problems(form: forms.Form) -> list[tuple[str, str]]:
    """Every mistake of a bound form, each with the label of its field, in the form's order."""
    out: list[tuple[str, str]] = []
    for name, errors in form.errors.items():
        label = str(form.fields[name].label) if name in form.fields else ""
        out += [(label, str(e)) for e in errors]
    return out


class TransportEstimateForm(forms.Form):
    """Transport emissions of one delivery, estimated for a tender: distance and vehicle (and
    the food carried, for a shared round)."""

    vehicle = forms.ChoiceField(label=_("Vehicle"))
    distance_km = LocalDecimalField(label=_("Distance from your dispatch point (km)"),
                                    min_value=0, max_digits=8, decimal_places=1)
    kg = LocalDecimalField(label=_("Food per delivery (kg)"), min_value=Decimal("0.001"),
                           max_digits=10, decimal_places=3)
    dedicated = forms.BooleanField(label=_("A trip for this delivery alone, back empty"),
                                   required=False)

    def __init__(self, vehicles: list[tuple[str, str]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        vehicle = self.fields["vehicle"]
        assert isinstance(vehicle, forms.ChoiceField)
        vehicle.choices = vehicles


MAX_DELIVERY_ROWS = 60  # rows of a delivery grid: the contract's items and a few blank ones
EXTRA_DELIVERY_ROWS = 3  # blank rows for what the contract did not list
# a grid row's inputs: the name's prefix on the page, and the key of a delivery line
DELIVERY_ROW = {"product": "product", "group": "food_group", "kg": "quantity_kg",
                "value": "value", "scheme": "quality_scheme", "region": "production_region",
                "country": "production_country", "intermediaries": "intermediaries"}


class DeliveryForm(forms.Form):
    """A delivery note from a contract's grid: the day, the vehicle, the distance and a row
    per item (``product_3``, ``kg_3``...); a row without a product or kilograms was not
    delivered. Every mistake is found at once by the service's own check
    (``outcomes.check_delivery``) and shown beside its field and listed above the form."""

    delivered_on = forms.CharField(required=False)
    vehicle = forms.CharField(required=False)
    distance_km = forms.CharField(required=False)
    dedicated = forms.BooleanField(required=False)

    def __init__(self, contract: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contract = contract
        raw = str(self.data.get("rows", "") or "")
        self.rows = (min(int(raw), MAX_DELIVERY_ROWS)  # "²" is a digit to isdigit, not to int
                     if raw.isascii() and raw.isdigit() and len(raw) < 7 else 0)
        for n in range(self.rows):
            for prefix in DELIVERY_ROW:
                self.fields[f"{prefix}_{n}"] = forms.CharField(required=False)
            self.fields[f"organic_{n}"] = forms.BooleanField(required=False)
        self.problems: list[tuple[str, str]] = []

    def lines(self) -> list[dict[str, Any]]:
        """The rows delivered, as ``outcomes.record_delivery`` takes them, each with its
        ``row`` on the grid."""
        out = []
        for n in range(self.rows):
            line = {key: str(self.cleaned_data.get(f"{prefix}_{n}") or "").strip()
                    for prefix, key in DELIVERY_ROW.items()}
            if not line["product"] or not line["quantity_kg"]:
                continue
            line["production_region"] = line["production_region"].upper()
            line["intermediaries"] = line["intermediaries"] or "0"
            out.append({**line, "organic": bool(self.cleaned_data.get(f"organic_{n}")),
                        "row": n})
        return out

    def note(self) -> dict[str, Any]:
        """What ``outcomes.record_delivery`` takes, besides the contract."""
        return {"delivered_on": self.cleaned_data.get("delivered_on", ""),
                "vehicle": self.cleaned_data.get("vehicle", ""),
                "distance_km": self.cleaned_data.get("distance_km", ""),
                "dedicated": bool(self.cleaned_data.get("dedicated")), "lines": self.lines()}

    def clean(self) -> dict[str, Any]:
        from zerocity.food.services.outcomes import check_delivery

        cleaned = super().clean() or {}
        *_, problems = check_delivery(self.contract, **self.note())
        for name, label, problem in problems:
            self.add_error(name if name in self.fields else None, problem)
            self.problems.append((label, problem))
        return cleaned


def delivery_rows(items: list[dict[str, Any]], form: DeliveryForm | None = None
                  ) -> list[dict[str, Any]]:
    """The rows of a contract's delivery grid: one per item the contract bought, prefilled
    from the catalogue (``outcomes.contract_items``), and blank ones; when ``form`` was sent
    and refused, what was typed in each and its mistakes (``errors``: input prefix ->
    messages)."""
    count = max(len(items) + EXTRA_DELIVERY_ROWS, form.rows if form is not None else 0)
    rows = []
    for n in range(count):
        item = items[n] if n < len(items) else None
        row: dict[str, Any] = {
            "n": n, "item": item, "errors": {},
            "product": item["product"] if item else "",
            "group": item["food_group"] if item else "", "kg": "", "value": "",
            "organic": bool(item and item["organic"]),
            "scheme": item["quality_scheme"] if item else "",
            "region": item["production_region"] if item else "",
            "country": item["production_country"] if item else "",
            "intermediaries": item["intermediaries"] if item else 0}
        if form is not None and n < form.rows:
            row = {**row, **{prefix: form[f"{prefix}_{n}"].value() or ""
                             for prefix in DELIVERY_ROW},
                   "organic": bool(form[f"organic_{n}"].value()),
                   "errors": {prefix: form.errors[f"{prefix}_{n}"] for prefix in DELIVERY_ROW
                              if f"{prefix}_{n}" in form.errors}}
        rows.append(row)
    return rows


# -- the journey planner -----------------------------------------------------------------------

WALK_LIMITS = (250, 500, 1000, 1500, 2000)  # metres on foot at each end and between stops
DEFAULT_WALK = 1000
WINDOWS = (60, 120, 180, 360, 720, 1440)  # minutes a journey may take from the time given
DEFAULT_WINDOW = 180  # the planner's own (Query.max_duration_s)


class JourneyForm(forms.Form):
    """A journey asked of the planner page (a GET form: its answer has an address to share).

    ``from`` and ``to`` take a place's name (the search field's list, a map link) or a point
    as ``lat, lon``; a name matching several places is refused with them as ``candidates``.
    A link (a stop chosen on the map) sends the fields as they are and no ``go``: a missing
    end is then not yet an error, and absent check boxes keep their defaults."""

    date = forms.DateField(label=_("Date"), input_formats=["%Y-%m-%d"],
                           widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    time = forms.TimeField(label=_("Time"), input_formats=["%H:%M", "%H:%M:%S"],
                           widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}))
    by = forms.ChoiceField(label=_("When"), choices=[("depart", _("Leave at")),
                                                     ("arrive", _("Arrive by"))],
                           widget=forms.RadioSelect)
    wheelchair = forms.BooleanField(label=_("Wheelchair accessible"), required=False)
    walk = forms.TypedChoiceField(label=_("Walk at most"), coerce=int)
    within = forms.TypedChoiceField(
        label=_("Time window"), coerce=int, choices=[(m, f"{m // 60}\u00a0h") for m in WINDOWS],
        widget=forms.Select(attrs={"aria-describedby": "within-hint"}))
    modes = forms.MultipleChoiceField(label=_("Travel by"), required=False,
                                      widget=forms.CheckboxSelectMultiple)

    def __init__(self, data: Any, *, places: Sequence[Place], modes: list[tuple[str, Any]],
                 initial: dict[str, Any]) -> None:
        self.go = bool(data and data.get("go"))
        if data is not None:  # what a link leaves out keeps its default
            data = data.copy()
            for key in ("date", "time", "by", "walk", "within"):
                if not data.get(key):
                    data[key] = initial[key]
            if not self.go and not data.getlist("modes"):
                data.setlist("modes", [m for m, _label in modes])
        super().__init__(data, initial=initial)
        for name, label in (("from", _("From")), ("to", _("To"))):
            self.fields[name] = forms.CharField(label=label, required=False, max_length=200,
                                                strip=True)
        self.order_fields(["from", "to"])
        field = self.fields["modes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = modes
        walk = self.fields["walk"]
        assert isinstance(walk, forms.TypedChoiceField)
        walk.choices = [(m, f"{number(m)}\u00a0m") for m in WALK_LIMITS]
        self.places = places
        self.candidates: dict[str, tuple[Place, ...]] = {}
        self.ends: dict[str, Found] = {}

    def _end(self, name: str, missing: StrOrPromise) -> str:
        typed: str = self.cleaned_data.get(name, "")
        if not typed:
            if self.go:
                raise forms.ValidationError(missing)
            return ""
        found = find_place(self.places, typed)
        if found.out_of_range:
            raise forms.ValidationError(_("A latitude lies between -90 and 90 and a "
                                          "longitude between -180 and 180."))
        if found.candidates:
            self.candidates[name] = found.candidates
            raise forms.ValidationError(_("Several stops match “%(text)s”: choose one.")
                                        % {"text": typed})
        if found.place is None and found.point is None:
            raise forms.ValidationError(_("No stop is called “%(text)s”. Type a part of a "
                                          "stop's name, choose a stop on the map or type "
                                          "a point as latitude, longitude.")
                                        % {"text": typed})
        self.ends[name] = found
        return found.place.key if found.place is not None else typed

    def clean_from(self) -> str:
        return self._end("from", _("Choose where your journey starts."))

    def clean_to(self) -> str:
        return self._end("to", _("Choose where your journey ends."))

    def clean_modes(self) -> list[str]:
        chosen: list[str] = self.cleaned_data.get("modes", [])
        if not chosen:
            raise forms.ValidationError(_("Choose at least one way to travel."))
        return chosen

    def point(self, name: str) -> tuple[float, float]:
        """Where an end is: its place's position, or the point typed."""
        found = self.ends[name]
        if found.place is not None:
            return (found.place.lat, found.place.lon)
        assert found.point is not None
        return found.point

    def end_name(self, name: str) -> str:
        """An end as the page names it: its place's name, or the point as typed."""
        found = self.ends[name]
        if found.place is not None:
            return found.place.key
        return str(self.cleaned_data.get(name) or self.data.get(name, "")).strip()

    @property
    def end_values(self) -> dict[str, str]:
        """What each end's field shows: the place found (its full name), else what was
        typed."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: self.end_name(k) if k in self.ends else str(self.data.get(k, ""))
                for k in ("from", "to")}

    def query(self, zone: tzinfo) -> Query:
        """The planner's query: the wall time given, in the city's zone ``zone``."""
        d = self.cleaned_data
        when = datetime.combine(d["date"], d["time"], tzinfo=zone)
        return Query(origin=self.point("from"), destination=self.point("to"), when=when,
                     arrive_by=d["by"] == "arrive", max_walk_m=float(d["walk"]),
                     wheelchair=d["wheelchair"], modes=frozenset(d["modes"]),
                     max_duration_s=d["within"] * 60)

    @property
    def ready(self) -> bool:
        """Both ends are known and every field is valid: the planner can be asked."""
        return self.is_bound and self.is_valid() and "from" in self.ends and "to" in self.ends
