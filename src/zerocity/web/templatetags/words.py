"""Template filters that put the codes the staff pages hold into words (``web.labels``):
a source's frequency, an action's field, a concession, a fare product's kind and service, a
ledger account, a refused row as it was sent."""

from __future__ import annotations

import json
import re
from typing import Any

from django import template
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from zerocity.web import labels

register = template.Library()


@register.filter
def frequency(code: str | None) -> str:
    return labels.frequency(code)


@register.filter
def action_field(name: str) -> str:
    return labels.word(labels.ACTION_FIELDS, name)


@register.filter
def concession(code: str) -> str:
    return labels.word(labels.CONCESSIONS, code)


@register.filter
def fare_kind(code: str) -> str:
    return labels.word(labels.FARE_KINDS, code)


@register.filter
def card_service(code: str) -> str:
    return labels.word(labels.CARD_SERVICES, code)


@register.filter
def fare_validity(code: str | None) -> str:
    return labels.fare_validity(code)


@register.filter
def ledger_account(code: str) -> str:
    """The city's own ledger account in words; empty for one the labels do not know (the
    page then shows the name it was created with)."""
    found = labels.LEDGER_ACCOUNTS.get(code)
    return str(found) if found is not None else ""


@register.filter
def quantity(name: str) -> str:
    """A source's quantity (``active_energy``) as words; quantities are the source's own."""
    return labels.readable(name)


@register.filter
def column(name: str) -> str:
    """A column of a file of readings as words: 'customer class'."""
    return labels.word(labels.QUARANTINE_COLUMNS, name)


@register.filter
def as_sent(raw: Any) -> list[tuple[str, str]]:
    """A refused row as it was sent, as (column, value) pairs in words; text stays one item
    with no column."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, str) and raw.startswith(("{", "[")):
        try:  # a row the fast path kept as JSON text
            raw = json.loads(raw)
        except ValueError:
            pass
    if isinstance(raw, dict):
        return [(labels.word(labels.QUARANTINE_COLUMNS, str(k)),
                 "" if v is None else str(v)) for k, v in raw.items()]
    if isinstance(raw, list):
        return [("", ", ".join("" if v is None else str(v) for v in raw))]
    return [("", str(raw))]


@register.filter
def iso_date(value: Any) -> str:
    """A date kept as ISO text ('2025-06-30'), in the active language's format."""
    parsed = parse_date(str(value)) if value else None
    return date_format(parsed, "DATE_FORMAT") if parsed else str(value or "")


@register.filter
def cap_period(code: str) -> str:
    return labels.word(labels.CAP_PERIODS, code)


@register.filter
def named(code: str, things: Any) -> str:
    """The name of the thing in ``things`` whose ``id`` is ``code`` (a pass's product, a
    rider category) in the reader's language where it has one (``label``), or the code as words
    when none is (a product retired since)."""
    for thing in things or ():
        if getattr(thing, "id", None) == code:
            return str(getattr(thing, "label", None) or thing.name)
    return labels.readable(code)


_IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


@register.filter
def identifiers_marked(text: str) -> SafeString:
    """A reason the platform wrote (``... of active_energy``), escaped, with the identifiers it
    quotes from what was sent (a quantity, a column) marked as such, in <code>."""
    return mark_safe(_IDENTIFIER.sub(lambda m: f"<code>{m.group(0)}</code>",
                                     str(escape(text or ""))))  # noqa: S308 - escaped first


@register.filter
def travel_mode(code: str) -> str:
    """A way to travel of the journey planner in words: "Bus", "Avtobus"."""
    return labels.travel_mode(code)
