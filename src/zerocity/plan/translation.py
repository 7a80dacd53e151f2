"""The plan's texts people write, stored once per language (settings.LANGUAGES)."""

from modeltranslation.translator import TranslationOptions, register

from zerocity.plan.models import Action, FieldOfAction, Indicator, Milestone, Plan, SystemicLever


@register(Plan)
class PlanTranslation(TranslationOptions):
    fields = ("title",)
    fallback_undefined = ""  # an empty text is a missing one


@register(FieldOfAction)
class FieldOfActionTranslation(TranslationOptions):
    fields = ("name",)
    fallback_undefined = ""  # an empty text is a missing one


@register(SystemicLever)
class SystemicLeverTranslation(TranslationOptions):
    fields = ("name",)
    fallback_undefined = ""  # an empty text is a missing one


@register(Action)
class ActionTranslation(TranslationOptions):
    fields = ("name", "description", "outcome")
    fallback_undefined = ""  # an empty text is a missing one


@register(Indicator)
class IndicatorTranslation(TranslationOptions):
    fields = ("name", "definition", "calculation")
    fallback_undefined = ""  # an empty text is a missing one


@register(Milestone)
class MilestoneTranslation(TranslationOptions):
    fields = ("name",)
    fallback_undefined = ""  # an empty text is a missing one
