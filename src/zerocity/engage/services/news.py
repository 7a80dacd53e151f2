"""News and events of the communication office: articles are written ahead and appear at
their publication time, in any of the site's languages. An article on a topic (a field of
action of the plan) is announced to the topic's followers when it appears: at once when it
is published now, else by the timer (``zerocity engage tick``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.text import slugify
from django.utils.timezone import now
from django.utils.translation import gettext as _

from zerocity.core import audit
from zerocity.core.actors import Person
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.core.translations import Text, per_language, text
from zerocity.engage.models import Article, Event


def published(city: City, at: datetime | None = None) -> QuerySet[Article]:
    return Article.objects.filter(city=city, publish_at__lte=at or now())


def upcoming(city: City, at: datetime | None = None) -> QuerySet[Event]:
    return Event.objects.filter(city=city, starts_at__gte=at or now())


@transaction.atomic
def write(city: City, title: str, body: str, *, publish_at: datetime, summary: str = "",
          title_sl: str = "", summary_sl: str = "", body_sl: str = "", topic: str = "",
          by: Person | None = None, actor: str = "") -> Article:
    """An article by the communication office: ``title``, ``summary`` and ``body`` in English,
    the ``*_sl`` ones in Slovenian; either language may be missing (readers are told)."""
    if not (title.strip() or title_sl.strip()) or not (body.strip() or body_sl.strip()):
        raise Conflict(_("An article needs a title and a text, in at least one language."))
    for field, texts in (("title", (title, title_sl)), ("summary", (summary, summary_sl))):
        limit = getattr(Article._meta.get_field(field), "max_length", None) or 0
        if max(len(t) for t in texts) > limit:  # PostgreSQL refuses longer text: say so first
            raise Conflict(_("A title has at most %(n)s characters.") % {"n": limit}
                           if field == "title" else
                           _("A summary has at most %(n)s characters.") % {"n": limit})
    slug = slugify(title or title_sl)[:70] or "article"
    base, n = slug, 1
    while Article.objects.filter(city=city, slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    if topic and topic not in topics(city):
        raise Conflict(_("Choose the topic among the plan's fields of action."))
    article = Article.objects.create(
        city=city, slug=slug, **per_language("title", {"en": title, "sl": title_sl}),
        **per_language("body", {"en": body, "sl": body_sl}),
        **per_language("summary", {"en": summary, "sl": summary_sl}),
        publish_at=publish_at, topic=topic, author=actor or audit.actor_label(by))
    audit.record("engage.article", city=city, user=by, actor=actor, obj=article,
                 publish_at=publish_at.isoformat())
    announce(city, by=by)
    return article


def topics(city: City) -> dict[str, str]:
    """The topics people follow: the fields of action of the city's plan, slug -> name."""
    from zerocity.plan.models import FieldOfAction

    return dict(FieldOfAction.objects.filter(city=city).order_by("name")
                .values_list("slug", "name"))


@transaction.atomic
def announce(city: City, *, at: datetime | None = None, by: Person | None = None) -> int:
    """Tell the followers of each article's topic once the article has appeared; returns how
    many articles were announced. Running it again changes nothing."""
    from zerocity.engage.services.notify import notify

    at = at or now()
    due = list(Article.objects.select_for_update().filter(
        city=city, publish_at__lte=at, announced_at__isnull=True))
    for article in due:
        if article.topic:
            notify(city, [f"topic:{article.topic}"], article.title,
                   body=article.summary, url=f"/{city.slug}/news/{article.slug}/", actor=by,
                   at=at)
        article.announced_at = at
        article.save(update_fields=["announced_at"])
    return len(due)


@transaction.atomic
def add_event(city: City, title: str, starts_at: datetime, place: str, *,
              title_sl: str = "", description: str = "", by: Person | None = None,
              actor: str = "") -> Event:
    if not (title.strip() or title_sl.strip()) or not place.strip():
        raise Conflict(_("An event needs a title, in at least one language, and a place."))
    event = Event.objects.create(
        city=city, **per_language("title", {"en": title[:200], "sl": title_sl[:200]}),
        starts_at=starts_at, place=place.strip()[:200],
        **per_language("description", {"en": description}))
    audit.record("engage.event", city=city, user=by, actor=actor, obj=event)
    return event


def localised(obj: Any, field: str, language: str) -> Text:
    """An article's or event's field in the reader's language, another one (which the text
    knows) when it has no translation."""
    return text(obj, field, language)
