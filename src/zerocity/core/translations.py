"""Texts people write (an action's name, a news article, a survey question) in every language
of settings.LANGUAGES: modeltranslation stores ``title_sl``, ``title_en``... beside ``title``,
and ``obj.title`` reads the active language, falling back in the order of LANGUAGES. Pages
must say when they show a fallback (web/templatetags/zc.py ``tr``): ``shown`` tells which
language a text is in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db.models import CharField, F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation


def languages() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


def active() -> str:
    """The active language as a code of LANGUAGES (``en-us`` -> ``en``; the site's default
    when none is active)."""
    code = (translation.get_language() or settings.LANGUAGE_CODE).lower()
    codes = languages()
    if code in codes:
        return code
    base = code.split("-")[0]
    return base if base in codes else str(settings.LANGUAGE_CODE)


class Text(str):
    """A text with the language it is in and whether that is the reader's one."""

    language: str
    fallback: bool

    def __new__(cls, value: str, language: str, fallback: bool = False) -> Text:
        text = super().__new__(cls, value)
        text.language, text.fallback = language, fallback
        return text


def text(obj: Any, field: str, language: str | None = None) -> Text:
    """``shown`` as a string that knows its language (pages mark a fallback)."""
    language = language or active()
    value, code = shown(obj, field, language)
    return Text(str(value or ""), code, code != language)


def shown(obj: Any, field: str, language: str | None = None) -> tuple[Any, str]:
    """The text of ``obj.field`` to show a reader of ``language`` and the language it is in:
    the reader's own, else the first of LANGUAGES that has one (("", language) when none
    has). ``obj`` may be plain data (a procurement's item, an award criterion) that keeps
    ``field_<language>`` keys beside ``field``, the text as written."""
    language = language or active()
    order = [language] + [c for c in languages() if c != language]
    data = obj if isinstance(obj, Mapping) else None
    for code in order:
        value = (data.get(f"{field}_{code}") if data is not None
                 else getattr(obj, f"{field}_{code}", None))
        if value not in (None, "", [], {}):
            return value, code
    if data is not None:  # plain data without a text per language: as it was written
        return data.get(field, ""), language
    return getattr(obj, field, "") if not hasattr(obj, f"{field}_{language}") else "", language


def per_language(field: str, texts: Mapping[str, Any]) -> dict[str, Any]:
    """Column values for a translated field from {language: text}: ``{"title_sl": ...}``;
    an empty text is stored as missing (None), so that readers fall back."""
    out: dict[str, Any] = {}
    for code in languages():
        value = texts.get(code)
        if isinstance(value, str):
            value = value.strip()
        out[f"{field}_{code}"] = value if value not in (None, "", [], {}) else None
    return out


def given(values: Mapping[str, Any],
          translations: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """Column values of translated fields from the texts a service is given: ``values`` in
    the active language (what a person typed on a page in it), ``translations`` in others
    (``{"sl": {"title": ...}}``): ``{"title_en": ..., "title_sl": ...}``, an empty text
    stored as missing. A language the site does not have, or a field not among ``values``,
    is a mistake of the caller (ValueError)."""
    texts: dict[str, dict[str, Any]] = {active(): dict(values)}
    for code, more in (translations or {}).items():
        if code not in languages() or set(more) - set(values):
            raise ValueError(f"texts in {code}: {sorted(more)} for fields {sorted(values)}")
        texts.setdefault(code, {}).update(more)
    out: dict[str, Any] = {}
    for field in values:
        out.update(per_language(field, {code: t.get(field) for code, t in texts.items()}))
    return out


def from_data(data: Mapping[str, Any], key: str, *, language: str = "en") -> dict[str, Any]:
    """A translated text in plain data (demo and import files): ``key`` holds it in the file's
    ``language`` (English unless said), ``key_<code>`` in each other language, e.g.
    ``{"name": "Solar electricity", "name_sl": "Sončna elektrika"}``."""
    texts = {code: data.get(f"{key}_{code}") for code in languages()}
    if data.get(key) not in (None, "") and texts.get(language) in (None, ""):
        texts[language] = data.get(key)
    return per_language(key, texts)


def in_reader_language(path: str) -> Coalesce:
    """A translated column across a relation (``"action__name"``) for ``.values()``: the
    reader's language, else the next one of LANGUAGES that has it."""
    language = active()
    order = [language] + [c for c in languages() if c != language]
    return Coalesce(*(NullIf(F(f"{path}_{code}"), Value("")) for code in order),
                    output_field=CharField())
