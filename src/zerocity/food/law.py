"""Which procurement law a city's Dynamic Purchasing System runs under.

The rules of Directive 2014/24/EU Art. 34 and the counting of Regulation 1182/71 are the same
in every member state; they live in ``dps``, ``tendering`` and ``deadlines`` and apply to every
city. What each state adds when it transposes the directive is a profile chosen by the city's
country: the national act and its DPS article, where notices are published, the minimum shares
its green-procurement decree sets for food, how it reads "abnormally low", and the words of its
language that speak of origin (SI-04). A city whose country has no profile can prepare a DPS,
but publishing one is refused with what is missing, rather than run under another state's law.

Slovenia's ZJN-3 is the one profile today (research note ``dps-food-procurement.md`` §1, §2.6).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext

from zerocity.core.errors import Conflict
from zerocity.core.models import City

# SI-04, common to every state: criterion texts that speak of origin, locality or distance.
EU_LOCAL_WORDS = r"local|origin|\bkm\b|distance|nearby|regional"


@dataclass(frozen=True)
class LowPriceRule:
    """When a price must be explained before the award (Art. 69 as the state applies it):
    with at least ``min_tenders`` priced tenders, more than ``vs_mean`` below their mean or
    more than ``vs_next`` below the next lowest."""

    min_tenders: int
    vs_mean: Decimal
    vs_next: Decimal


@dataclass(frozen=True)
class NationalProfile:
    country: str
    law: str  # the transposing act, e.g. "ZJN-3"
    dps_article: str  # its DPS article, cited in notices and the OCDS export
    notice_portal: str  # where contract notices and award notices are published
    organic_min: Decimal  # % by value of food bought (SI-01)
    quality_min: Decimal  # % by value from quality schemes (SI-01)
    low_price: LowPriceRule
    local_words: str  # regex of the national language's words for origin and locality

    @property
    def local_words_re(self) -> re.Pattern[str]:
        return re.compile(f"{EU_LOCAL_WORDS}|{self.local_words}", re.IGNORECASE)


SLOVENIA = NationalProfile(
    country="SI",
    law="ZJN-3",
    dps_article="ZJN-3 Art. 49",
    notice_portal="TED / e-JN (Portal javnih naročil)",
    # Uredba o zelenem javnem naročanju (Uradni list RS 51/17 ... 43/25), SI-01
    organic_min=Decimal("15"),
    quality_min=Decimal("20"),
    # ZJN-3 Art. 86 as the city applies it (to confirm with its lawyer, research note §8)
    low_price=LowPriceRule(min_tenders=3, vs_mean=Decimal("0.5"), vs_next=Decimal("0.2")),
    local_words=r"lokal|sloven|domač|domac|poreklo|razdalj",
)

PROFILES: dict[str, NationalProfile] = {p.country: p for p in (SLOVENIA,)}


def profile(city: City) -> NationalProfile | None:
    return PROFILES.get(city.country)


def require_profile(city: City) -> NationalProfile:
    """The city's national profile, or a refusal that names what ZeroCity would need."""
    found = profile(city)
    if found is None:
        raise Conflict(gettext(
            "No national procurement law is set up for %(country)s: ZeroCity applies the EU "
            "rules of a purchasing system (Directive 2014/24/EU Art. 34, Regulation 1182/71) "
            "in every country, but publishing one also needs the national act that "
            "transposes them, its article on purchasing systems, the portal for notices, the "
            "minimum organic and quality-scheme shares of food and the rule for abnormally "
            "low prices. Ask your administrator to add a profile in zerocity.food.law; "
            "profiles exist for %(known)s.") % {
                "country": city.country, "known": ", ".join(sorted(PROFILES))})
    return found
