"""News and events of the communication office: articles are written ahead and appear at
their publication time, in Slovenian, English or both."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.text import slugify
from django.utils.timezone import now

from zerocity.core import audit
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.engage.models import Article, Event


def published(city: City, at: datetime | None = None) -> QuerySet[Article]:
    return Article.objects.filter(city=city, publish_at__lte=at or now())


def upcoming(city: City, at: datetime | None = None) -> QuerySet[Event]:
    return Event.objects.filter(city=city, starts_at__gte=at or now())


@transaction.atomic
def write(city: City, title: str, body: str, *, publish_at: datetime, summary: str = "",
          title_sl: str = "", summary_sl: str = "", body_sl: str = "", topic: str = "",
          by: Any = None, actor: str = "") -> Article:
    if not title.strip() or not body.strip():
        raise Conflict("an article has a title and a text")
    slug = slugify(title)[:70] or "article"
    base, n = slug, 1
    while Article.objects.filter(city=city, slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    article = Article.objects.create(
        city=city, slug=slug, title=title.strip(), body=body.strip(), summary=summary.strip(),
        title_sl=title_sl.strip(), summary_sl=summary_sl.strip(), body_sl=body_sl.strip(),
        publish_at=publish_at, topic=topic, author=actor or audit.actor_label(by))
    audit.record("engage.article", city=city, user=by, actor=actor, obj=article,
                 publish_at=publish_at.isoformat())
    return article


def localised(obj: Any, field: str, language: str) -> str:
    """An article's or event's field in the reader's language, the other one when it has no
    translation."""
    if language == "sl" and getattr(obj, f"{field}_sl", ""):
        return str(getattr(obj, f"{field}_sl"))
    return str(getattr(obj, field) or getattr(obj, f"{field}_sl", ""))
