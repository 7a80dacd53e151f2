"""Both languages, everywhere: the texts people write (actions, processes, surveys, news, card
products, food procurement documents and invitations) are shown in the page's language, a missing translation says it is one, numbers,
money and days are written one way per language, and the Slovenian catalogue is complete."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone, translation

from zerocity.web.templatetags import zc

SRC = Path(__file__).resolve().parent.parent / "src" / "zerocity"
FALLBACK = '</span> <small class="meta">'  # what follows a text shown in another language
CATALOGUE = SRC / "locale" / "sl" / "LC_MESSAGES" / "django.po"


def page(url: str, user: Any = None) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def key_pages(city: Any) -> dict[str, tuple[str, Any, list[str], list[str]]]:
    """page name -> (path without language, user, Slovenian texts, English texts)."""
    from zerocity.engage.models import Article, Survey
    from zerocity.food import demo as food
    from zerocity.food.models import Operator, SpecificProcurement

    survey = Survey.objects.get(process__city=city)
    farmer = get_user_model().objects.get(username=food.FARM_USER)
    farm = Operator.objects.get(city=city, people=farmer)
    invitation = SpecificProcurement.objects.get(
        dps__city=city, reference=f"vegetables-{city.calendar.today():%Y-%m}")
    article = Article.objects.get(city=city, slug="kranj-joins-the-100-climate-neutral-cities")
    admin = get_user_model().objects.get(username="marko.admin")
    resident = get_user_model().objects.get(username="resident03")
    return {
        "plan action": ("kranj/plan/actions/1.1/", None,
                        ["Opuščanje fosilnih goriv v daljinskem ogrevanju in hlajenju",
                         "biomasa, toplotne črpalke"],
                        ["Phase out fossil fuels in district heating and cooling",
                         "biomass, heat pumps"]),
        "process": ("kranj/participate/zeleni-kranj-2030/", None,
                    ["Zeleni Kranj 2030: vaše ideje za podnebno nevtralni Kranj",
                     "Predlagajte, kaj naj Kranj stori"],
                    ["Zeleni Kranj 2030: your ideas for a climate-neutral Kranj",
                     "Propose what Kranj should do"]),
        "survey": (f"kranj/participate/surveys/{survey.pk}/", resident,
                   ["Kako pridete na delo ali v šolo?", "Kako običajno potujete?"],
                   ["How do you get to work or school?", "How do you usually travel?"]),
        "news": (f"kranj/news/{article.slug}/", None,
                 ["Kranj med 100 podnebno nevtralnimi mesti", "Podnebna pogodba mesta pove"],
                 ["Kranj joins the 100 climate-neutral cities", "Climate City Contract sets"]),
        "card products": ("kranj/card/fares/", admin,
                          ["Mesečna avtobusna vozovnica", "Letni paket KRsKOLESOM"],
                          ["Monthly bus pass", "KRsKOLESOM annual package"]),
        "food documents": (f"kranj/food/dps/{food.REFERENCE}/", None,
                           ["Skupno javno naročanje živil za vrtce in šole v MO Kranj",
                            "Okoli 1.100 t živil na leto", "Sveža zelenjava in krompir",
                            "Dostava v kuhinje zavodov", "Dni od pobiranja ali proizvodnje"],
                           ["Joint public procurement of food for the kindergartens",
                            "About 1,100 t of food a year", "Fresh vegetables and potatoes",
                            "Deliveries to the institutions&#x27; kitchens",
                            "Days from harvest or production"]),
        "food invitation": (f"kranj/food/supplier/{farm.pk}/procurements/{invitation.pk}/",
                            farmer, ["Sveža zelenjava, ", "Opran, I. razred, 40–70 mm",
                                     "Cena (EUR, vse količine)"],
                            ["Fresh vegetables, from ", "Washed, class I, 40-70 mm",
                             "Potatoes", "Price (EUR, all quantities)"]),
    }


@pytest.mark.parametrize("name", ["plan action", "process", "survey", "news", "card products",
                                  "food documents", "food invitation"])
def test_the_demo_pages_show_the_city_texts_in_the_page_language(kranj, name):
    # given the Kranj demo, written in Slovenian and English
    path, user, slovenian, english = key_pages(kranj)[name]
    # when the page is read in Slovenian and in English
    sl, en = page(f"/sl/{path}", user), page(f"/en/{path}", user)
    if name == "card products":  # the page also holds the rules as data, to edit them
        sl, en = (re.search(r'data-table="products".*?</table>', html, re.S).group(0)  # type: ignore[union-attr]
                  for html in (sl, en))
    # then each shows its own language's texts and none of the other's
    for text in slovenian:
        assert text in sl, (name, text)
        assert text not in en, (name, text)
    for text in english:
        assert text in en, (name, text)
        assert text not in sl, (name, text)
    # and nothing on them is a fallback
    assert FALLBACK not in en and FALLBACK not in sl


def test_a_missing_translation_is_shown_in_the_other_language_and_says_so(kranj):
    # given an action whose Slovenian description nobody has written yet
    from zerocity.plan.models import Action

    action = Action.objects.get(plan__city=kranj, code="1.3")
    action.description_sl = None
    action.save(update_fields=["description_sl"])
    # when the Slovenian page is read
    with translation.override("sl"):
        html = page("/sl/kranj/plan/actions/1.3/")
    # then the English text is there, tagged as English, with a note saying so
    assert re.search(r'<span lang="en">Solar power plants: 55,000 MWh of green electricity '
                     r'by 2030\.</span> <small class="meta">[^<]+</small>', html)
    # and the name, which has its translation, is Slovenian and untagged
    assert "1.3 Sončna elektrika" in html


def test_a_survey_answer_in_slovenian_counts_with_the_same_english_option(kranj):
    # given the demo survey, whose options are written in both languages
    from zerocity.engage.models import Survey
    from zerocity.engage.services import surveys

    survey = Survey.objects.get(process__city=kranj)
    resident = get_user_model().objects.get(username="resident02")
    # when a resident answers in Slovenian
    with translation.override("sl"):
        surveys.answer(survey, resident, {
            "1": "z avtobusom", "3": ["varne kolesarske steze"],
            "4": ["avtobusne linije", "kolesarske steze", "parkiraj in se pelji"],
            "5": {"z avtobusi": "zelo", "s kolesarskimi stezami": "malo",
                  "s pločniki": "srednje"}})
    # then the answer is kept in the question's one wording (English)
    [kept] = survey.responses.values_list("answers", flat=True)
    assert kept["1"] == "bus" and kept["3"] == ["safe cycle lanes"]
    assert kept["5"] == {"buses": "high", "cycle lanes": "low", "footpaths": "medium"}
    # and the results count it under the option, named in the reader's language
    with translation.override("sl"):
        counts = dict(surveys.results(survey)[0]["counts"])
    assert counts["z avtobusom"] == 1 and counts["z avtomobilom"] == 0


@pytest.mark.parametrize(("language", "expected"), [
    ("sl", ["1.234,50\u00a0EUR", "0,00\u00a0EUR", "5. 12. 2026", "5. 12. 2026, 08:26",
            "3,9\u00a0t"]),
    ("en", ["1,234.50\u00a0EUR", "0.00\u00a0EUR", "5 Dec 2026", "5 Dec 2026, 08:26",
            "3.9\u00a0t"]),
])
def test_money_days_moments_and_quantities_are_written_one_way_per_language(language, expected):
    # given an amount, a zero, a day, a moment in Kranj's zone and a quantity
    moment = datetime(2026, 12, 5, 7, 26, tzinfo=ZoneInfo("UTC"))  # 08:26 in Kranj
    # when they are formatted for a page of Kranj (its zone active) in the language
    with translation.override(language), timezone.override(ZoneInfo("Europe/Ljubljana")):
        shown = [zc.money(Decimal("1234.5")), zc.money(Decimal("-0.001")),
                 zc.day(date(2026, 12, 5)), zc.when(moment), zc.qty(3.94, "t")]
    # then each is written the language's one way, its unit after a no-break space
    assert shown == expected


def _msgids(po: str) -> dict[str, str]:
    """msgid -> msgstr of a catalogue (plural forms by their first msgstr; fuzzy entries
    count as untranslated)."""
    out: dict[str, str] = {}
    for block in po.split("\n\n"):
        if "#, fuzzy" in block and 'msgid ""\nmsgstr ""' not in block:
            continue
        found = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        translated = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        if not found:
            continue
        key = "".join(re.findall(r'"(.*)"', found.group(1)))
        if key:
            out[key] = "".join(re.findall(r'"(.*)"', translated.group(1))) if translated else ""
    return out


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools not installed")
def test_the_slovenian_catalogue_has_every_message(tmp_path):
    # given the messages the code and templates mark today, gathered into a temporary copy
    work = tmp_path / "zerocity"
    shutil.copytree(SRC, work, ignore=shutil.ignore_patterns(
        "__pycache__", "var", "static", "node_modules", "*.mo"))
    (work / "locale" / "sl" / "LC_MESSAGES" / "django.po").unlink()
    subprocess.run([sys.executable, "-m", "django", "makemessages", "-l", "sl", "--no-wrap",
                    "--ignore=migrations/*"], cwd=work, check=True, capture_output=True,
                   env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    wanted = _msgids((work / "locale" / "sl" / "LC_MESSAGES" / "django.po").read_text())
    # when they are looked up in the repository's Slovenian catalogue
    have = _msgids(CATALOGUE.read_text())
    missing = sorted(m for m in wanted if not have.get(m))
    # then every one is there with a translation
    assert not missing, f"{len(missing)} messages lack a Slovenian translation, e.g. " \
                        f"{missing[:10]}"


def test_the_food_share_of_national_origin_is_named_as_an_origin_not_a_language(kranj):
    from django.template.loader import render_to_string

    # given the food figures of a year: 93.4 % of the value produced in the country
    figures = {"value": 1000, "kg": 400, "organic": 12.5, "quality": 30.0, "local": 41.2,
               "national": 93.4, "short_chain": 20.0, "tonne_km": 10, "vehicle_km": 5,
               "transport": 3, "transport_per_kg": 0.01, "production": 800,
               "production_per_kg": 2.0, "organic_min": None, "quality_min": None}
    for language, origin in (("sl", "nacionalnega porekla: 93,4 %"),
                             ("en", "national origin: 93.4 %")):
        # when the public page's figures are written in each language
        with translation.override(language):
            html = render_to_string("web/food/_kpis.html",
                                    {"k": figures, "city": kranj, "scope": "city"})
        # then the share is named as where the food comes from, never as the language
        assert origin in html, language
        assert "Slovenščina" not in html and "Slovenian" not in html
