"""The citizen platform's texts the city writes, stored once per language
(settings.LANGUAGES). A question's options are translated position by position: answers are
kept in the default language's wording (services/surveys.py)."""

from modeltranslation.translator import TranslationOptions, register

from zerocity.engage.models import (
    Article,
    Budget,
    Event,
    Pledge,
    Process,
    Project,
    Question,
    Survey,
)


@register(Process)
class ProcessTranslation(TranslationOptions):
    fields = ("title", "summary")
    fallback_undefined = ""  # an empty text is a missing one


@register(Survey)
class SurveyTranslation(TranslationOptions):
    fields = ("title",)
    fallback_undefined = ""  # an empty text is a missing one


@register(Question)
class QuestionTranslation(TranslationOptions):
    fields = ("text", "options", "rows")
    fallback_undefined = {"text": "", "options": [], "rows": []}


@register(Budget)
class BudgetTranslation(TranslationOptions):
    fields = ("title",)
    fallback_undefined = ""  # an empty text is a missing one


@register(Project)
class ProjectTranslation(TranslationOptions):
    fields = ("title", "description")
    fallback_undefined = ""  # an empty text is a missing one


@register(Pledge)
class PledgeTranslation(TranslationOptions):
    fields = ("title", "method")
    fallback_undefined = ""  # an empty text is a missing one


@register(Article)
class ArticleTranslation(TranslationOptions):
    fields = ("title", "summary", "body")
    fallback_undefined = ""  # an empty text is a missing one


@register(Event)
class EventTranslation(TranslationOptions):
    fields = ("title", "description")
    fallback_undefined = ""  # an empty text is a missing one
