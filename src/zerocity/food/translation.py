"""The food procurement's texts the city writes, stored once per language
(settings.LANGUAGES): what a supplier, a school's buyer or a visitor reads of a purchasing
system (its title and procurement documents), its categories (name, definition, selection
criteria, position by position) and its specific procurements (title, why no lots). What is
bought is data (``SpecificProcurement.items``): an item's product and specification take
``product_<language>`` and ``specification_<language>`` keys beside the name the catalogue
and the delivery notes match (``food.selectors.item_texts``). Suppliers' catalogues and
tenders are theirs, in the language they write."""

from modeltranslation.translator import TranslationOptions, register

from zerocity.food.models import Category, Dps, SpecificProcurement


@register(Dps)
class DpsTranslation(TranslationOptions):
    fields = ("title", "justification", "purchases", "operation", "equipment")
    fallback_undefined = ""  # an empty text is a missing one


@register(Category)
class CategoryTranslation(TranslationOptions):
    fields = ("name", "definition", "selection_criteria")
    fallback_undefined = {"name": "", "definition": "", "selection_criteria": []}


@register(SpecificProcurement)
class SpecificProcurementTranslation(TranslationOptions):
    fields = ("title", "no_lots_reason")
    fallback_undefined = ""  # an empty text is a missing one
