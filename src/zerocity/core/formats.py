"""Numbers, money and days inside a sentence, in the reader's language: the services write
their refusals with these, as the pages write figures with the ``zc`` template filters
("1.234,50 EUR" and "5. 12. 2026" in Slovenian; "1,234.50 EUR" and "5 Dec 2026" in English)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format, number_format


def number(value: Decimal | int | float | str, decimals: int = 0) -> str:
    """A number in the active language's format, thousands grouped."""
    return number_format(Decimal(str(value)), decimal_pos=decimals, use_l10n=True,
                         force_grouping=True)


def money(value: Decimal | int | float | str, currency: str = "EUR") -> str:
    """An amount with two decimals and its currency after a no-break space."""
    return f"{number(Decimal(str(value)).quantize(Decimal('0.01')), 2)}\u00a0{currency}"


def day(value: date | datetime, zone: str | None = None) -> str:
    """A day in the active language's date format; a moment is first taken to ``zone`` (the
    city's), or to the active time zone."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value, ZoneInfo(zone) if zone else None)
    return date_format(value, "DATE_FORMAT")
