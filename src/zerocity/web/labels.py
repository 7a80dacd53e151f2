"""Display labels for the inventory's reference data and the codes the staff pages show
(frequencies, action fields, concessions, fare products, ledger accounts), translated when shown.

The GPC taxonomy (``inventory.gpc``) keeps its English names as data. The ``gettext_noop``
lists below only put those names into the message catalogue; they are translated at display
time with ``gettext``, so the taxonomy stays the single source of the English text.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _

from zerocity.card import accounts as card_accounts
from zerocity.inventory import gpc
from zerocity.inventory.models import DATA_QUALITY
from zerocity.plan import services as plan_services

# the kinds of opportunities of an accessibility file (mobility.access.opportunities)
OPPORTUNITY_KINDS = {"residents": _("residents"), "jobs": _("jobs"), "schools": _("schools"),
                     "health": _("health centres")}

SECTOR_MSGIDS = (
    gettext_noop("Stationary energy"),
    gettext_noop("Transportation"),
    gettext_noop("Waste"),
    gettext_noop("Industrial processes and product use (IPPU)"),
    gettext_noop("Agriculture, forestry and other land use (AFOLU)"),
    gettext_noop("Other scope 3"),
)

SUBSECTOR_MSGIDS = (
    gettext_noop("Residential buildings"),
    gettext_noop("Commercial and institutional buildings and facilities"),
    gettext_noop("Manufacturing industries and construction"),
    gettext_noop("Energy industries"),
    gettext_noop("Agriculture, forestry and fishing activities"),
    gettext_noop("Non-specified sources"),
    gettext_noop(
        "Fugitive emissions from mining, processing, storage and transportation of coal"
    ),
    gettext_noop("Fugitive emissions from oil and natural gas systems"),
    gettext_noop("On-road transportation"),
    gettext_noop("Railways"),
    gettext_noop("Waterborne navigation"),
    gettext_noop("Aviation"),
    gettext_noop("Off-road transportation"),
    gettext_noop("Solid waste disposal"),
    gettext_noop("Biological treatment of waste"),
    gettext_noop("Incineration and open burning"),
    gettext_noop("Wastewater treatment and discharge"),
    gettext_noop("Industrial processes"),
    gettext_noop("Product use"),
    gettext_noop("Livestock"),
    gettext_noop("Land"),
    gettext_noop("Aggregate sources and non-CO2 emission sources on land"),
    gettext_noop("Other scope 3"),
)

NOTATION_KEYS = {
    "NO": _("Not occurring"),
    "IE": _("Included elsewhere"),
    "NE": _("Not estimated"),
    "C": _("Confidential"),
}

NOTATION_KEY_HELP = {
    "NO": _("The activity does not happen in the city."),
    "IE": _("The emissions are counted in another line, named as the IE target."),
    "NE": _("The emissions occur but have not been estimated."),
    "C": _("The figure is withheld because it would disclose confidential data."),
}

CCC_ROWS = {
    "buildings": _("Buildings"),
    "transport": _("Transport"),
    "waste": _("Waste"),
    "ippu": _("Industrial processes and product use (IPPU)"),
    "afolu_sources": _("AFOLU sources"),
    "afolu_sinks": _("AFOLU sinks"),
    "afolu": _("AFOLU"),
    "energy_systems": _("Energy systems (field of action)"),
    "total": _("Total"),
}

FRESHNESS = {
    "fresh": _("updated recently"),
    "ageing": _("update due"),
    "stale": _("not updated for over six months"),
    "never": _("never updated"),
}

INDICATOR_STATUS = {
    "on_track": _("on track"),
    "deviating": _("deviating"),
    "off_track": _("off track"),
    "no_data": _("no data yet"),
    "no_baseline": _("no baseline"),
}

LEVELS = {
    gpc.Level.BASIC.value: _("BASIC"),
    gpc.Level.BASIC_PLUS.value: _("BASIC+"),
    gpc.Level.TERRITORIAL.value: _("territorial only"),
    gpc.Level.OTHER.value: _("other"),
}

DATA_QUALITY_WORDS = dict(DATA_QUALITY)


def sector_name(code: str) -> str:
    return gettext(gpc.SECTOR_NAMES[code])


def subsector_name(name: str) -> str:
    return gettext(name)


# -- codes the staff pages show, in words ------------------------------------------------------
# Each dict maps a code the data keeps to what a person reads; an unknown code falls back to a
# readable form of itself (``readable``), never to the bare code with its underscores.

FREQUENCIES = {
    "1min": _("every minute"),
    "5min": _("every 5 minutes"),
    "10min": _("every 10 minutes"),
    "15min": _("every 15 minutes"),
    "30min": _("every 30 minutes"),
    "hourly": _("every hour"),
    "1h": _("every hour"),
    "daily": _("every day"),
    "1d": _("every day"),
    "monthly": _("every month"),
    "irregular": _("irregularly"),
}

# The fields of an action a department may propose to change, as the editor names them.
ACTION_FIELDS = plan_services.ACTION_FIELDS

CONCESSIONS = card_accounts.CONCESSION_NAMES

FARE_KINDS = {
    "single": _("single ride"),
    "pass": _("pass"),
    "per_minute": _("per minute"),
    "per_hour": _("per hour"),
    "entry": _("entry"),
}

CARD_SERVICES = {
    "bus": _("bus"),
    "bike": _("bike sharing"),
    "parking": _("parking"),
    "library": _("library"),
    "pool": _("swimming pool"),
    "sport": _("sports"),
    "culture": _("culture"),
}

FARE_VALIDITY = {
    "purchase_day_to_month_end": _("from the day of purchase to the end of the month"),
    "to_end_of_same_month_next_year": _("to the end of the same month next year"),
    "month_to_5th_of_next": _("for the month, to the 5th of the next"),
}

CAP_PERIODS = {
    "day": _("a day"),
    "week": _("a week"),
    "month": _("a month"),
}

LEDGER_ACCOUNTS = {
    "payments": _("Payments received"),
    "fare-revenue": _("Fare and pass revenue"),
    "refunds": _("Refunds paid out"),
}

QUARANTINE_COLUMNS = {
    "meter": _("meter"),
    "time": _("time"),
    "quantity": _("quantity"),
    "value": _("value"),
    "unit": _("unit"),
    "customer_class": _("customer class"),
}


def readable(code: str | None) -> str:
    """A code no dict knows, as words: ``customer_class`` reads 'customer class'."""
    return (code or "").replace("_", " ").strip()


def word(table: dict[str, Any], code: str | None) -> str:
    """The label of ``code`` in ``table``, or the code as words."""
    found = table.get(code or "")
    return str(found) if found is not None else readable(code)


def frequency(code: str | None) -> str:
    """How often a source sends readings, as a phrase: 'every hour', 'vsako uro'."""
    if code in FREQUENCIES:
        return str(FREQUENCIES[code])
    if code and code.endswith("min") and code[:-3].isdigit():
        n = int(code[:-3])
        return ngettext("every %(n)s minute", "every %(n)s minutes", n) % {"n": n}
    if code and code.endswith("h") and code[:-1].isdigit():
        n = int(code[:-1])
        return ngettext("every %(n)s hour", "every %(n)s hours", n) % {"n": n}
    return readable(code)


def fare_validity(code: str | None) -> str:
    """A pass's validity: a named rule, or ``days:N``."""
    if code and code.startswith("days:") and code[5:].isdigit():
        n = int(code[5:])
        return ngettext("%(n)s day", "%(n)s days", n) % {"n": n}
    return word(FARE_VALIDITY, code)


# the journey planner's ways to travel (mobility.planner.timetable.ROUTE_MODES, and the legs)
TRAVEL_MODES = {
    "walk": _("Walk"),
    "bike": _("Shared bike"),
    "bus": _("Bus"),
    "trolleybus": _("Trolleybus"),
    "tram": _("Tram"),
    "subway": _("Metro"),
    "rail": _("Train"),
    "ferry": _("Ferry"),
    "cable_tram": _("Cable tram"),
    "aerial_lift": _("Cable car"),
    "funicular": _("Funicular"),
    "monorail": _("Monorail"),
}


def travel_mode(code: str | None) -> str:
    return word(TRAVEL_MODES, code)
