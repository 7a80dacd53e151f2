"""Food procurement in people's words: what a procurement buys shown beside the price asked,
numbers typed as the page's language writes them ("39.500,00" in Slovenian), every mistake of
a form at once with its field named, the transport emissions helper on the research note's
factors, procedural messages as sentences (a tenderer told only what Art. 55 says), and the
Kranj demo's procurement just past its deadline."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.timezone import now

from test_food_web import _openers, _procurement, client_for, url
from test_food_web import food as food  # noqa: F401  (the fixture)
from zerocity.food import demo, factors, letters
from zerocity.food.errors import FormRejected
from zerocity.food.models import Message, ProcurementStatus, SpecificProcurement
from zerocity.food.services import outcomes, tendering
from zerocity.food.text import money, parse_decimal
from zerocity.web.forms import TenderForm

pytestmark = pytest.mark.django_db

ITEMS = [{"product": "Korenje", "quantity": "4.000", "unit": "kg", "specification": "Washed",
          "lot": "all"},
         {"product": "Krompir", "quantity": "9000", "unit": "kg", "specification": "",
          "lot": "all"}]


@pytest.mark.parametrize(("language", "typed", "read"), [
    ("sl", "39.500,00", Decimal("39500.00")), ("sl", "39500,5", Decimal("39500.5")),
    ("sl", "3.5", Decimal("3.5")), ("sl", "1.234.567", Decimal("1234567")),
    ("en", "39,500.00", Decimal("39500.00")), ("en", "3,5", Decimal("3.5")),
    ("en", "39 500.00", Decimal("39500.00")), ("sl", "abc", None), ("en", "1,2,3", None),
])
def test_numbers_are_read_as_the_language_writes_them(language, typed, read):
    # given a person typing in the page's language; when it is read; then the amount is meant
    with translation.override(language):
        assert parse_decimal(typed) == read


def test_money_is_written_in_the_language_format():
    with translation.override("sl"):
        assert money(Decimal("35")) == "35,00 EUR"
        assert money(Decimal("39500")) == "39.500,00 EUR"
    with translation.override("en"):
        assert money(Decimal("39500")) == "39,500.00 EUR"


def test_the_tender_form_lists_every_mistake_and_reads_slovenian_numbers():
    criteria = [{"id": "price", "type": "price", "name": "Cena", "weight": 80},
                {"id": "fresh", "type": "freshness", "name": "Dni od obiranja", "weight": 20}]
    with translation.override("sl"):
        good = TenderForm(criteria, {"c_price": "39.500,00", "c_fresh": "1"})
        assert good.is_valid() and good.content() == {"price": "39500.00", "fresh": "1"}
        bad = TenderForm(criteria, {"c_price": "39,500.00.", "c_fresh": ""})
        assert not bad.is_valid()
        assert set(bad.errors) == {"c_price", "c_fresh"}  # both at once, not the first only


def test_a_procurement_lists_its_items_and_refuses_every_bad_row_at_once(food):
    city, d, veg, farms, people, school = food
    with pytest.raises(FormRejected) as refused:
        tendering.create_procurement(
            d, veg, "items", "Items", criteria=["price", "fresh"], estimated_value="18000",
            lots=["all"], items=[{"product": "Korenje", "quantity": "0", "lot": "all"},
                                 {"product": "Krompir", "quantity": "9000", "lot": "north"}])
    fields = [f for f, _ in refused.value.errors]
    assert len(fields) == 2 and "Korenje" in fields[0] and "Krompir" in fields[1]
    with translation.override("sl"):
        sp = tendering.create_procurement(d, veg, "items", "Items", criteria=["price", "fresh"],
                                          estimated_value="18000", lots=["all"], items=ITEMS)
    assert [(i["product"], i["quantity"]) for i in sp.items] == [("Korenje", "4000"),
                                                                  ("Krompir", "9000")]


def test_the_invitation_shows_what_is_bought_beside_the_price_and_takes_slovenian_numbers(food):
    city, d, veg, farms, people, school = food
    with translation.override("sl"):  # the quantities as a Slovenian buyer types them
        sp = tendering.create_procurement(d, veg, "q3", "Vegetables Q3",
                                          criteria=["price", "fresh"], estimated_value="18000",
                                          lots=["all"], items=ITEMS)
    invited = now() - timedelta(days=1)
    sp = tendering.invite(sp, at=invited, tender_deadline=invited + timedelta(days=14),
                          openers=_openers(sp))
    farmer = client_for(people["farmer0"])
    page_url = f"/sl/{city.slug}/food/supplier/{farms[0].pk}/procurements/{sp.pk}/"
    page = farmer.get(page_url).content.decode()
    # given the invitation: the items with their quantities, in Slovenian format, and the
    # price asked for them
    assert 'data-item="Korenje"' in page and "4.000 kg" in page and "9.000 kg" in page
    # when the farmer sends two mistakes: then both are listed, each with its field
    wrong = farmer.post(page_url.replace("/procurements/", "/procurements/") + "tender/",
                        {"c_price": "veliko", "c_fresh": ""}).content.decode()
    assert 'data-problems="2"' in wrong and "<strong>Price</strong>" in wrong
    assert "<strong>Days from harvest</strong>" in wrong
    assert not sp.tenders.exists()
    # when it sends "39.500,00": then it is sealed, and once opened it is 39500.00
    farmer.post(page_url + "tender/", {"c_price": "39.500,00", "c_fresh": "1"})
    after = sp.tender_deadline + timedelta(minutes=1)
    for user, phrase in _openers(sp).items():
        sp = tendering.approve_opening(sp, user, phrase, at=after)
    (tender,) = sp.tenders.all()
    assert Decimal(tender.content["price"]) == Decimal("39500.00")
    assert tender.content["price"] == "39500.00"
    # and the invitation message reads as sentences, not JSON
    invitation = Message.objects.get(dps=d, kind="invitation")
    with translation.override("en"):
        letter = letters.render(invitation)
    text = " ".join(letter.sentences)
    assert "Korenje 4,000 kg" in text and "{" not in text and "Vegetables Q3" in letter.subject


def test_the_transport_helper_reproduces_the_research_notes_worked_example(food):
    # research note §7.2: 40 kg by diesel van from 15 km: 0.36 kg on a shared round (tonne-km),
    # 7.5 kg on a trip made for it alone (vehicle-km, there and back)
    factors.ensure()
    shared = outcomes.estimate_transport("van-diesel", "15", "40")
    alone = outcomes.estimate_transport("van-diesel", "15", "40", dedicated=True)
    assert (shared.method, shared.kg_co2e) == ("tonne-km", Decimal("0.36"))
    assert (alone.method, alone.kg_co2e) == ("vehicle-km", Decimal("7.5"))
    with pytest.raises(FormRejected) as refused:
        outcomes.estimate_transport("rocket", "-1", "0")
    assert len(refused.value.errors) == 3


def test_the_helper_fills_in_the_tenders_transport_figure(food):
    city, d, veg, farms, people, school = food
    factors.ensure()
    sp = _procurement(d, veg, "helper", 1)
    page = client_for(people["farmer0"]).get(
        url(city, f"supplier/{farms[0].pk}/procurements/{sp.pk}/"),
        {"vehicle": "van-diesel", "distance_km": "15", "kg": "40", "dedicated": "on"}
    ).content.decode()
    assert 'data-figure="transport-estimate"' in page and "7.5 kg CO₂e" in page


def test_a_delivery_note_lists_every_mistake_with_its_line(food):
    city, d, veg, farms, people, school = food
    factors.ensure()
    sp = _procurement(d, veg, "notes", 15)
    # given a contract; when a note comes with four mistakes; then all four are named
    with pytest.raises(FormRejected) as refused, translation.override("en"):
        outcomes.record_delivery(
            _contract(sp, farms[0], school), delivered_on="yesterday", vehicle="van-diesel",
            distance_km="-3", lines=[{"product": "Korenje", "food_group": "roots",
                                      "quantity_kg": "0", "value": "x"}])
    fields = " | ".join(f for f, _ in refused.value.errors)
    assert fields.count("Line 1 (Korenje)") == 2 and "Distance" in fields
    assert "Delivered on" in fields


def _contract(sp, operator, institution):  # type: ignore[no-untyped-def]
    from zerocity.food.models import Contract

    return Contract.objects.create(procurement=sp, institution=institution, operator=operator,
                                   value=Decimal("1000"), signed_at=now() - timedelta(days=30))


def test_the_demo_holds_a_procurement_just_past_its_lawful_deadline(kranj):
    # given the Kranj demo loaded now
    city = kranj
    closed = SpecificProcurement.objects.get(dps__city=city,
                                             reference=demo.CLOSED.format(
                                                 city.calendar.today()))
    at = now()
    # then its deadline has passed, no earlier than the law allows, and not long ago
    assert closed.tender_deadline <= at < closed.tender_deadline + timedelta(days=4)
    from zerocity.food.deadlines import in_days

    assert closed.tender_deadline >= in_days(city.calendar, closed.invitation_sent_at, 10)
    assert closed.status == ProcurementStatus.TENDERING
    assert closed.tenders.values("operator").distinct().count() >= 2
    assert closed.items and all(Decimal(i["quantity"]) > 0 for i in closed.items)
    # and the demo's two openers can open it, each with the passphrase in their own file
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    for name in ("ana.staff", "marko.admin"):
        closed = tendering.approve_opening(closed, users.get(username=name),
                                           demo.opener_passphrase(name),
                                           at=at)
    assert closed.status == ProcurementStatus.EVALUATION
    assert closed.tenders.filter(status="opened").count() >= 2


def test_the_demo_never_keeps_both_openers_passphrases_in_one_place(db):
    """Issue 18: two openers must both give their passphrase to open the tenders, so nothing
    may hold both. The demo writes each to that opener's own private file, removes the file in
    which earlier demos kept both, and keeps neither in the database or the audit trail."""
    import stat

    from django.conf import settings

    from zerocity.core.models import AuditLog
    from zerocity.demo.kranj import load_demo
    from zerocity.food.models import Opener

    # given a data directory where an earlier demo kept both passphrases in one file
    data = Path(settings.DATA_DIR)
    data.mkdir(parents=True, exist_ok=True)
    old = data / demo.OLD_PASSPHRASES
    old.write_text("username\tpassphrase\nana.staff\tx\nmarko.admin\ty\n")
    # when the demo loads
    load_demo(actor="test", readings=False)
    # then each opener has their own file, readable by its owner only, holding only their own
    ana, marko = demo.opener_passphrase("ana.staff"), demo.opener_passphrase("marko.admin")
    assert len(ana) >= 16 and len(marko) >= 16 and ana != marko
    for name, mine, theirs in (("ana.staff", ana, marko), ("marko.admin", marko, ana)):
        path = demo.opener_file(name)
        text = path.read_text()
        assert mine in text and theirs not in text
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(demo.opener_file("ana.staff").parent.stat().st_mode) == 0o700
    assert not old.exists()
    # and no file of the data directory, no opener row and no audit record holds both
    together = []
    for path in data.rglob("*"):
        if path.is_file() and path.stat().st_size < 2**20:
            body = path.read_bytes()
            if ana.encode() in body and marko.encode() in body:
                together.append(path)
    assert together == []
    rows = [str(r) for r in Opener.objects.values_list()]
    rows += [str(a.data) for a in AuditLog.objects.all()]
    assert [r for r in rows if ana in r or marko in r] == []


def test_the_delivery_grid_has_a_row_per_contracted_item_prefilled_from_the_catalogue(food):
    city, d, veg, farms, people, school = food
    factors.ensure()
    from zerocity.food.services import catalogue

    catalogue.save_item(farms[0], {"product": "Korenje", "food_group": "roots", "price": "0.9",
                                   "organic": True, "production_region": "SI042",
                                   "production_country": "SI"})
    sp = tendering.create_procurement(d, veg, "grid", "Grid", criteria=["price", "fresh"],
                                      estimated_value="18000", lots=["all"], items=ITEMS)
    _contract(sp, farms[0], school)
    page = client_for(people["buyer"]).get(url(city, "institution/")).content.decode()
    # given the contract's two items: then two prefilled rows (and blank ones), not blocks
    assert page.count('data-item="Korenje"') == 1 and page.count('data-item="Krompir"') == 1
    assert 'name="region_0" maxlength="5" size="5" value="SI042"' in page
    assert 'name="organic_0" checked' in page and 'name="organic_1" checked' not in page
    assert 'name="rows" value="5"' in page


def test_procurement_texts_are_kept_per_language_and_a_missing_one_is_marked(food):
    city, d, veg, farms, people, school = food
    # given a procurement written on an English page, with its title also in Slovenian, and
    # items one of which has its name in both languages
    with translation.override("en"):
        sp = tendering.create_procurement(
            d, veg, "both", "Carrots for the spring", criteria=["price", "fresh"],
            estimated_value="18000", no_lots_reason="One kitchen.",
            translations={"sl": {"title": "Korenje za pomlad"}},
            items=[{"product": "Korenje", "product_en": "Carrots", "quantity": "10",
                    "specification": "Washed", "specification_sl": "Oprano"},
                   {"product": "Krompir", "quantity": "5"}])
    sp.refresh_from_db()
    assert (sp.title_en, sp.title_sl) == ("Carrots for the spring", "Korenje za pomlad")
    assert (sp.no_lots_reason_en, sp.no_lots_reason_sl) == ("One kitchen.", None)
    # the name the catalogue and delivery notes match stays as written
    assert [i["product"] for i in sp.items] == ["Korenje", "Krompir"]
    assert sp.items[1]["product_en"] == "Krompir"  # typed on an English page
    sp = tendering.invite(sp, at=now(), tender_deadline=now() + timedelta(days=12),
                          openers={u: p for u, p in _openers(sp).items()})
    path = f"{city.slug}/food/supplier/{farms[0].pk}/procurements/{sp.pk}/"
    farmer = client_for(people["farmer0"])
    sl = farmer.get(f"/sl/{path}").content.decode()
    en = farmer.get(f"/en/{path}").content.decode()
    # then each page shows its language's title and item texts
    assert "<h1>Korenje za pomlad</h1>" in sl and "<h1>Carrots for the spring</h1>" in en
    assert "<td>Carrots</td>" in en and "<td>Oprano</td>" in sl and "<td>Washed</td>" in en
    # and what has no Slovenian yet is shown in English, marked as such
    assert '<span lang="en">One kitchen.</span> <small class="meta">' in sl
    assert '<span lang="en">Krompir</span>' in sl  # named on the English page only
    assert '<span lang="en">' not in en
    # and the invitation reads in each recipient's language
    invitation = sp.dps.messages.get(kind="invitation")
    with translation.override("sl"):
        assert "Korenje za pomlad" in letters.render(invitation).subject
    with translation.override("en"):
        assert "Carrots for the spring" in letters.render(invitation).subject
    # a language the site does not have is a mistake of the caller
    with pytest.raises(ValueError):
        tendering.create_procurement(d, veg, "de", "Karotten", criteria=["price", "fresh"],
                                     estimated_value="100", no_lots_reason="x",
                                     translations={"de": {"title": "Karotten"}})


def test_the_delivery_form_shows_every_mistake_at_once_beside_its_field(food):
    city, d, veg, farms, people, school = food
    factors.ensure()
    sp = tendering.create_procurement(d, veg, "grid", "Grid", criteria=["price", "fresh"],
                                      estimated_value="18000", lots=["all"], items=ITEMS)
    contract = _contract(sp, farms[0], school)
    buyer = client_for(people["buyer"])
    # given a delivery note with a mistake in the note and in two rows
    sent = {"contract": contract.pk, "delivered_on": "", "vehicle": "van-diesel",
            "distance_km": "-3", "rows": "5", "product_0": "Korenje", "group_0": "roots",
            "kg_0": "0", "value_0": "10", "product_1": "Krompir", "group_1": "potatoes",
            "kg_1": "12", "value_1": "x", "product_3": "Jabolka", "kg_3": "4",
            "value_3": "5", "intermediaries_3": "-1"}
    # when it is sent
    response = buyer.post(url(city, "institution/deliveries/"), sent)
    # then the page comes back with nothing recorded, every mistake listed at once
    assert response.status_code == 200
    html = response.content.decode()
    assert not outcomes.Delivery.objects.filter(contract=contract).exists()
    assert 'data-problems="6"' in html
    for listed in ("<strong>Delivered on</strong>: enter the day of the delivery.",
                   "<strong>Distance (km)</strong>: enter the distance, 0 km or more.",
                   "<strong>Line 1 (Korenje), kg</strong>: enter the kilograms delivered, "
                   "above 0.",
                   "<strong>Line 2 (Krompir), EUR</strong>: enter the value net of VAT, 0 or "
                   "more.",
                   "<strong>Line 3 (Jabolka), food group</strong>: choose a food group.",
                   "<strong>Line 3 (Jabolka), intermediaries</strong>: enter a whole number, "
                   "0 or more."):
        assert listed in html, listed
    # and each beside its field, marked invalid, with what was typed kept
    assert f'name="kg_0" inputmode="decimal" size="6" value="0" aria-label="kg, Korenje" ' \
           f'aria-invalid="true" aria-describedby="e{contract.pk}-kg-0">' in html
    assert f'<span class="error" id="e{contract.pk}-value-1">enter the value net of VAT' in html
    assert f'id="e{contract.pk}-group-3">choose a food group.' in html
    assert 'name="product_3" maxlength="200" size="12" value="Jabolka"' in html
    assert 'name="distance_km" required inputmode="decimal" size="6" value="-3" ' \
           'aria-invalid="true"' in html
    assert 'data-form="delivery" data-contract' in html and " novalidate>" in html
    assert 'name="kg_1" inputmode="decimal" size="6" value="12" aria-label="kg, Krompir">' \
        in html  # a field without a mistake is not marked
    # when it is corrected and sent again, it is recorded
    today = now().astimezone(city.calendar.zone).date().isoformat()
    sent.update({"delivered_on": today, "distance_km": "15", "kg_0": "40", "value_1": "8",
                 "group_3": "apples", "intermediaries_3": "0"})
    assert buyer.post(url(city, "institution/deliveries/"), sent).status_code == 302
    delivery = outcomes.Delivery.objects.get(contract=contract)
    assert sorted(line.product for line in delivery.lines.all()) == [
        "Jabolka", "Korenje", "Krompir"]
