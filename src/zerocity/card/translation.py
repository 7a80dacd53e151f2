"""The card's texts the city writes, stored once per language (settings.LANGUAGES). Fare
products are data (fares.py): their names take ``fare_product_name_<language>`` keys."""

from modeltranslation.translator import TranslationOptions, register

from zerocity.card.models import Challenge


@register(Challenge)
class ChallengeTranslation(TranslationOptions):
    fields = ("title", "description")
    fallback_undefined = ""  # an empty text is a missing one
