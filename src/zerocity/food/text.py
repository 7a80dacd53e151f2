"""How the food pages and messages write amounts and times in the reader's language:
``money`` gives "35,00 EUR" in Slovenian and "35.00 EUR" in English; ``parse_decimal`` reads
what a person types in either language ("39.500,00" in Slovenian, "39,500.00" in English).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.formats import get_format, number_format


def money(value: Decimal | int | float | str, decimals: int = 2) -> str:
    """An amount in EUR in the active language's number format, thousands grouped."""
    return f"{number(value, decimals)} EUR"


def number(value: Decimal | int | float | str, decimals: int = 2) -> str:
    return number_format(Decimal(str(value)), decimal_pos=decimals, use_l10n=True,
                         force_grouping=True)


def parse_decimal(text: str) -> Decimal | None:
    """A number as a person types it in the active language, or None when it is not one.

    The language's decimal separator is the decimal point; its thousands separator may group
    the whole part by threes ("39.500,00" in Slovenian). A lone separator of the other kind
    that does not group by threes is read as a decimal point ("3.5" typed in Slovenian,
    "3,5" in English), as people often do; spaces (also no-break spaces) are ignored.
    """
    decimal_sep = str(get_format("DECIMAL_SEPARATOR"))
    thousand_sep = str(get_format("THOUSAND_SEPARATOR"))
    if thousand_sep in ("", decimal_sep):
        thousand_sep = "." if decimal_sep == "," else ","
    value = re.sub(r"[\s\u00a0\u202f]", "", str(text))
    if thousand_sep in (" ", "\u00a0", "\u202f"):
        thousand_sep = "." if decimal_sep == "," else ","
    sign = ""
    if value[:1] in "+-" and value:
        sign, value = value[:1], value[1:]
    grouped = re.compile(rf"\d{{1,3}}({re.escape(thousand_sep)}\d{{3}})+")
    if decimal_sep in value:
        whole, _, fraction = value.rpartition(decimal_sep)
        if grouped.fullmatch(whole):
            whole = whole.replace(thousand_sep, "")
        if not re.fullmatch(r"\d*", whole) or not re.fullmatch(r"\d+", fraction):
            return None
        plain = f"{whole or '0'}.{fraction}"
    elif grouped.fullmatch(value):
        plain = value.replace(thousand_sep, "")
    elif value.count(thousand_sep) == 1 and re.fullmatch(
            rf"\d*{re.escape(thousand_sep)}\d+", value):
        plain = value.replace(thousand_sep, ".")
    elif re.fullmatch(r"\d+", value):
        plain = value
    else:
        return None
    try:
        found = Decimal(sign + plain)
    except InvalidOperation:
        return None
    return found if found.is_finite() else None
