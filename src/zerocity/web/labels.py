"""Display labels for the inventory's reference data, translated when shown.

The GPC taxonomy (``inventory.gpc``) keeps its English names as data. The ``gettext_noop``
lists below only put those names into the message catalogue; they are translated at display
time with ``gettext``, so the taxonomy stays the single source of the English text.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from zerocity.inventory import gpc
from zerocity.inventory.models import DATA_QUALITY

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
