"""Specific procurements and sealed tenders (research note §2.3, §2.4, INV-1 to INV-3 and
INV-6): the notice's criteria only, lots or a reason, every member at the moment of the
invitation invited and nobody else, at least 10 days to tender, tenders encrypted on arrival
and unreadable by anyone — administrators included — before the deadline and the approval of
two openers, late tenders refused at the door."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from calendars import KRANJ
from zerocity.core.errors import Conflict, PermissionDenied
from zerocity.core.models import AuditLog
from zerocity.food import deadlines, letters
from zerocity.food.errors import FormRejected
from zerocity.food.models import Opener, Operator, ProcurementStatus, Tender, TenderStatus
from zerocity.food.services import dps, tendering

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
TZ = ZoneInfo("Europe/Ljubljana")
CHECKS = {"espd_received": True, "exclusion_grounds_art57": True, "selection_criteria": True}
CRITERIA = [{"id": "price", "type": "price", "name": "Price", "weight": 70},
            {"id": "fresh", "type": "freshness", "name": "Days from harvest", "weight": 30}]
INVITED = datetime(2027, 3, 1, 10, 0, tzinfo=TZ)
DEADLINE = deadlines.in_days(KRANJ, INVITED, 10)  # end of Thursday 11 March 2027

@contextmanager
def refused(code: str, kind: type[Exception] = Conflict, text: str = "") -> Iterator[None]:
    """The service refuses, naming the rule ``code`` on the exception for the audit trail and
    the logs, and saying ``text`` in a sentence that carries no rule code."""
    with pytest.raises(kind) as caught:
        yield
    assert (getattr(caught.value, "code", "") or None) == code
    assert not re.search(r"\b(DPS|SI|INV)-\d", str(caught.value)), str(caught.value)
    assert re.search(text, str(caught.value)), str(caught.value)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


@pytest.fixture
def active(city):  # type: ignore[no-untyped-def]
    d = dps.create_dps(
        city, "food", "Food for schools", justification="Common purchases.",
        purchases="Vegetables, 300 t a year.", operation="Electronic, category by category.",
        equipment="ZeroCity portal.", estimated_value=Decimal("4000000"),
        valid_from=date(2026, 12, 1), valid_to=date(2030, 11, 30))
    veg = dps.add_category(d, "vegetables", "Vegetables", definition="Fresh vegetables.",
                           selection_criteria=["registered producer"],
                           max_contract_value="20000")
    dps.set_award_criteria(d, CRITERIA)
    sent = local(2026, 12, 1, 9)
    dps.publish(d, sent_at=sent, initial_deadline=deadlines.in_days(KRANJ, sent, 30))
    dps.tick(city, local(2027, 1, 5))  # no initial requests: the DPS is active
    farms = []
    for n in range(3):
        farm = Operator.objects.create(city=city, name=f"Kmetija {n}", registration=f"F{n}")
        application = dps.submit(d, farm, [veg], at=local(2027, 2, 1, 9))
        dps.decide(application, admitted=[veg], checks=CHECKS, at=local(2027, 2, 2, 9))
        farms.append(farm)
    d.refresh_from_db()
    users = get_user_model().objects
    people = {"a": users.create_user("opener-a"), "b": users.create_user("opener-b"),
              "root": users.create_superuser("root", "root@example.org", "x")}
    return city, d, veg, farms, people


def procurement(d, veg):  # type: ignore[no-untyped-def]
    return tendering.create_procurement(d, veg, "veg-2027-q2", "Vegetables, April to June 2027",
                                        criteria=["price", "fresh"], estimated_value="18000",
                                        lots=["north schools", "south kindergartens"])


def invited(active):  # type: ignore[no-untyped-def]
    city, d, veg, farms, people = active
    sp = procurement(d, veg)
    return tendering.invite(sp, at=INVITED, tender_deadline=DEADLINE,
                            openers={people["a"]: "first opener phrase",
                                     people["b"]: "second opener phrase"})


def test_a_procurement_uses_the_notices_criteria_its_value_and_lots_or_a_reason(active):
    city, d, veg, farms, people = active
    for kwargs, rule, text in ((dict(criteria=["price"]), "DPS-09", "every award criterion"),
                               (dict(criteria=["price", "fresh", "local"]), "DPS-09", ""),
                               (dict(estimated_value="25000"), "DPS-27", "at most 20,000.00 EUR"),
                               (dict(lots=[]), "DPS-47", "Divide the procurement")):
        base = dict(criteria=["price", "fresh"], estimated_value="18000", lots=["one"])
        with refused(rule, text=text):
            tendering.create_procurement(d, veg, "x", "X", **{**base, **kwargs})
    with translation.override("sl"), refused("DPS-27", text="največ 20.000,00 EUR"):
        tendering.create_procurement(d, veg, "x", "X", criteria=["price", "fresh"],
                                     estimated_value="25000", lots=["one"])
    sp = tendering.create_procurement(d, veg, "x", "X", criteria=["fresh", "price"],
                                      estimated_value="18000", no_lots_reason="one delivery round")
    assert [c["weight"] for c in sp.criteria] == ["30", "70"]


def test_every_member_at_the_invitation_is_invited_and_nobody_else(active):
    city, d, veg, farms, people = active
    sp = procurement(d, veg)
    with refused("DPS-41"):
        tendering.invite(sp, at=INVITED, tender_deadline=local(2027, 3, 11, 12),
                         openers={people["a"]: "first opener phrase",
                                  people["b"]: "second opener phrase"})
    with refused("DPS-51", Conflict, text="Two different people"):
        tendering.invite(sp, at=INVITED, tender_deadline=DEADLINE,
                         openers={people["a"]: "first opener phrase"})
    sp = tendering.invite(sp, at=INVITED, tender_deadline=DEADLINE,
                          openers={people["a"]: "first opener phrase",
                                   people["b"]: "second opener phrase"})
    with pytest.raises(Conflict, match="sent already"):
        tendering.invite(sp, at=INVITED, tender_deadline=DEADLINE, openers={})
    with pytest.raises(Conflict, match="exists"):
        procurement(d, veg)
    assert {o.pk for o in sp.invitees.all()} == {f.pk for f in farms}
    latecomer = Operator.objects.create(city=city, name="Zadruga", registration="Z1")
    application = dps.submit(d, latecomer, [veg], at=local(2027, 3, 2, 9))
    dps.decide(application, admitted=[veg], checks=CHECKS, at=local(2027, 3, 2, 10))
    with refused("DPS-40"):
        tendering.submit(sp, latecomer, {"price": "1"}, at=local(2027, 3, 3))
    assert {o.pk for o in sp.invitees.all()} == {f.pk for f in farms}
    assert sp.dps.messages.filter(kind="invitation").count() == 1


def test_tenders_are_encrypted_on_arrival_and_nobody_reads_them_before_the_opening(active):
    city, d, veg, farms, people = active
    sp = invited(active)
    offer = {"price": "17250.00", "days_from_harvest": 1, "note": "Jabolka iz Bitenj"}
    tender = tendering.submit(sp, farms[0], offer, at=local(2027, 3, 5, 14))
    stored = Tender.objects.get(pk=tender.pk)
    assert stored.content is None and b"Bitenj" not in bytes(stored.ciphertext)
    assert b"17250" not in bytes(stored.ciphertext) and len(stored.sha256) == 64
    for who in (people["root"], people["a"], people["b"], None):
        with refused("DPS-51", PermissionDenied):
            tendering.read(stored, user=who, at=local(2027, 3, 6))
    phrases = {"a": "first opener phrase", "b": "second opener phrase"}
    for opener, phrase in phrases.items():
        with pytest.raises(PermissionDenied, match="after the deadline"):
            tendering.approve_opening(sp, people[opener], phrase, at=local(2027, 3, 11, 23, 59))
    attempts = AuditLog.objects.filter(action__in=["food.tender_read_refused",
                                                   "food.opening_refused_early"]).count()
    assert attempts == 6
    assert not Opener.objects.filter(share__isnull=False).exists()


def test_a_late_tender_is_refused_at_the_door_and_nothing_is_kept(active):
    city, d, veg, farms, people = active
    sp = invited(active)
    with pytest.raises(Conflict, match="deadline for tenders has passed"):
        tendering.submit(sp, farms[1], {"price": "1"}, at=DEADLINE)
    assert not Tender.objects.exists()
    assert tendering.submit(sp, farms[1], {"price": "2"},
                            at=DEADLINE - timedelta(seconds=1)).status == TenderStatus.SEALED


def test_two_openers_after_the_deadline_open_every_tender_and_the_key_is_not_kept(active):
    city, d, veg, farms, people = active
    sp = invited(active)
    first = tendering.submit(sp, farms[0], {"price": "18000"}, at=local(2027, 3, 4, 9))
    second = tendering.submit(sp, farms[0], {"price": "17500"}, at=local(2027, 3, 5, 9))
    other = tendering.submit(sp, farms[2], {"price": "16900", "lot": "south kindergartens"},
                             at=local(2027, 3, 9, 9))
    after = DEADLINE + timedelta(hours=9)
    with pytest.raises(PermissionDenied, match="two openers"):
        tendering.approve_opening(sp, people["root"], "anything at all", at=after)
    with pytest.raises(Conflict, match="passphrase"):
        tendering.approve_opening(sp, people["a"], "a wrong passphrase", at=after)
    sp = tendering.approve_opening(sp, people["a"], "first opener phrase", at=after)
    assert sp.status == ProcurementStatus.OPENING
    with pytest.raises(PermissionDenied):  # one opener is not enough
        tendering.read(Tender.objects.get(pk=second.pk), user=people["a"], at=after)
    sp = tendering.approve_opening(sp, people["b"], "second opener phrase", at=after)
    assert sp.status == ProcurementStatus.EVALUATION and sp.opened_at == after
    assert Tender.objects.get(pk=first.pk).status == TenderStatus.WITHDRAWN
    assert tendering.read(Tender.objects.get(pk=second.pk), user=people["root"],
                          at=after) == {"price": "17500"}
    assert tendering.read(Tender.objects.get(pk=other.pk), user=people["a"], at=after)[
        "lot"] == "south kindergartens"
    assert not Opener.objects.filter(share__isnull=False).exists()


def test_a_procurement_without_tenders_is_unsuccessful_once_opened(active):
    city, d, veg, farms, people = active
    sp = invited(active)
    after = DEADLINE + timedelta(days=1)
    tendering.approve_opening(sp, people["b"], "second opener phrase", at=after)
    sp = tendering.approve_opening(sp, people["a"], "first opener phrase", at=after)
    assert sp.status == ProcurementStatus.UNSUCCESSFUL


def test_the_award_goes_to_the_best_score_on_the_notices_criteria_and_everyone_is_told(active):
    city, d, veg, farms, people = active
    sp = invited(active)
    # price 70 (less is better), days from harvest 30 (less is better)
    tendering.submit(sp, farms[0], {"price": "20000", "fresh": "1"}, at=local(2027, 3, 4, 9))
    tendering.submit(sp, farms[1], {"price": "16000", "fresh": "4"}, at=local(2027, 3, 4, 10))
    tendering.submit(sp, farms[2], {"price": "17000"}, at=local(2027, 3, 4, 11))  # no "fresh"
    after = DEADLINE + timedelta(hours=1)
    tendering.approve_opening(sp, people["a"], "first opener phrase", at=after)
    sp = tendering.approve_opening(sp, people["b"], "second opener phrase", at=after)
    ranking = tendering.score(sp)
    # farm 0: 70 x 16000/20000 + 30 x 1/1 = 86; farm 1: 70 + 30 x 1/4 = 77.5
    assert [(r["operator"], r["total"]) for r in ranking[:2]] == [
        ("Kmetija 0", "86.00"), ("Kmetija 1", "77.50")]
    assert ranking[2]["admissible"] is False
    assert ranking[2]["why"] == {"kind": "no_figure", "criterion": "fresh",
                                 "name": "Days from harvest"}
    # why is kept as data and read in each reader's language
    assert letters.not_admissible(ranking[2]) == ("the tender gives no figure of 0 or more for "
                                                  "Days from harvest.")
    with refused("DPS-44"):
        tendering.award(sp, at=after + timedelta(days=2), evidence_verified=False)
    sp = tendering.award(sp, at=local(2027, 3, 15, 10), evidence_verified=True)
    assert sp.status == ProcurementStatus.AWARDED
    assert sp.awarded_tender.operator == farms[0]
    assert KRANJ.local_date(sp.award_notice_due - timedelta(seconds=1)) == date(2027, 4, 14)
    # DPS-60: each tenderer is told the decision in its own message: the winner and its
    # score, its own rank or reason, and never another tenderer's name or figures
    decisions = list(sp.dps.messages.filter(kind="award_decision").order_by("id"))
    assert sorted(r for m in decisions for r in m.recipients) == sorted(
        f"operator:{f.pk}" for f in farms)
    assert all(dps.message_intact(m) for m in decisions)
    second = next(m for m in decisions if m.recipients == [f"operator:{farms[1].pk}"])
    with translation.override("sl"):
        letter = letters.render(second, farms[1].name)
    text = " ".join(letter.sentences)
    assert "Kmetija 0" in text and "86,00" in text and "77,50" in text and "2" in text
    assert "Kmetija 2" not in text and "{" not in text
    third = next(m for m in decisions if m.recipients == [f"operator:{farms[2].pk}"])
    assert "Kmetija 1" not in second.body and "Kmetija 1" not in third.body
    with translation.override("sl"):
        told = " ".join(letters.render(third, farms[2].name).sentences)
    assert "Vaša ponudba ni bila dopustna: ponudba ne navaja števila 0 ali več za Days from " \
        "harvest." in told, told
    with pytest.raises(Conflict, match="under evaluation"):
        tendering.award(sp, at=local(2027, 3, 16), evidence_verified=True)


def test_equal_scores_go_to_the_earlier_tender(active):
    city, d, veg, farms, people = active
    sp = invited(active)
    tendering.submit(sp, farms[2], {"price": "15000", "fresh": "2"}, at=local(2027, 3, 4, 9))
    tendering.submit(sp, farms[1], {"price": "15000", "fresh": "2"}, at=local(2027, 3, 5, 9))
    after = DEADLINE + timedelta(hours=1)
    tendering.approve_opening(sp, people["a"], "first opener phrase", at=after)
    sp = tendering.approve_opening(sp, people["b"], "second opener phrase", at=after)
    assert [r["operator"] for r in tendering.score(sp)] == ["Kmetija 2", "Kmetija 1"]


def test_contracts_per_institution_deliveries_and_their_outcomes(active):
    """Reference figures: the research note's worked example (§7.2): a wholesaler 60 km away,
    refrigerated rigid 7.5-17 t, 0.2 t dropped: 0.2 x 60 x 0.40 = 4.8 kg CO2e; a farmer 15 km
    away with a diesel van, 40 kg on a dedicated trip: 30 km x 0.25 = 7.5 kg (0.36 kg by
    tonne-km, which understates it)."""
    from zerocity.food import factors
    from zerocity.food.models import Institution
    from zerocity.food.services import outcomes

    city, d, veg, farms, people = active
    assert factors.ensure() == (len(factors.FREIGHT), len(factors.PRODUCTION))
    assert factors.ensure() == (0, 0)  # stored once
    sp = invited(active)
    tendering.submit(sp, farms[0], {"price": "15000", "fresh": "1"}, at=local(2027, 3, 4, 9))
    after = DEADLINE + timedelta(hours=1)
    tendering.approve_opening(sp, people["a"], "first opener phrase", at=after)
    tendering.approve_opening(sp, people["b"], "second opener phrase", at=after)
    sp = tendering.award(sp, at=local(2027, 3, 15), evidence_verified=True)
    school = Institution.objects.create(city=city, code="os-stane-zagar", name="OŠ Staneta "
                                        "Žagarja")
    kindergarten = Institution.objects.create(city=city, code="vrtci-kranj", name="Vrtci "
                                              "Kranj")
    with pytest.raises(Conflict, match="more than"):
        outcomes.sign_contracts(sp, {school: "10000", kindergarten: "9000"},
                                at=local(2027, 3, 20))
    school_c, kinder_c = outcomes.sign_contracts(sp, {school: "10000", kindergarten: "8000"},
                                                 at=local(2027, 3, 20))
    assert {c.operator for c in (school_c, kinder_c)} == {farms[0]}
    wholesale = outcomes.record_delivery(
        school_c, delivered_on=date(2027, 4, 6), vehicle="hgv-refrigerated-7-17t",
        distance_km="60", lines=[
            {"product": "Jogurt", "food_group": "milk", "quantity_kg": "150", "value": "300",
             "quality_scheme": "Izbrana kakovost", "production_region": "SI042",
             "production_country": "SI", "intermediaries": 1},
            {"product": "Banane", "food_group": "fruit", "quantity_kg": "50", "value": "100",
             "production_country": "CO", "intermediaries": 2}])
    farmer = outcomes.record_delivery(
        kinder_c, delivered_on=date(2027, 4, 7), vehicle="van-diesel", distance_km="15",
        dedicated=True, lines=[{"product": "Korenje", "food_group": "roots",
                                "quantity_kg": "40", "value": "100", "organic": True,
                                "production_region": "SI042", "production_country": "SI"}])
    assert outcomes.transport(wholesale).kg_co2e == Decimal("4.8")
    by_van = outcomes.transport(farmer)
    assert (by_van.method, by_van.kg_co2e, by_van.vehicle_km) == ("vehicle-km", Decimal("7.5"),
                                                                 Decimal("30"))
    city_wide = outcomes.outcomes(city, 2027)
    assert city_wide.value == Decimal("500") and city_wide.kg == Decimal("240")
    assert city_wide.share(city_wide.organic) == Decimal("20.0") and city_wide.organic_ok
    assert city_wide.share(city_wide.quality) == Decimal("60.0") and city_wide.quality_ok
    assert city_wide.share(city_wide.local) == Decimal("80.0")
    assert city_wide.share(city_wide.short_chain) == Decimal("80.0")
    assert city_wide.transport_kg_co2e == Decimal("12.3")
    assert city_wide.methods == {"tonne-km": 1, "vehicle-km": 1}
    # production footprints (research note §7.3, Poore & Nemecek via OWID): 150 kg milk x 3.15
    # + 50 kg other fruit x 1.05 + 40 kg root vegetables x 0.43 = 542.2 kg CO2e, which
    # outweighs the transport 44 times over
    assert city_wide.production_kg_co2e == Decimal("542.2")
    assert city_wide.production_by_group["milk"] == Decimal("472.5")
    assert city_wide.kg_without_factor == 0
    school_only = outcomes.outcomes(city, 2027, school)
    assert school_only.share(school_only.organic) == Decimal("0.0")
    assert school_only.organic_ok is False  # below the legal 15 %
    # the same van load by tonne-km (the note's method A) understates it: 0.36 kg
    shared_trip = outcomes.record_delivery(
        kinder_c, delivered_on=date(2028, 1, 10), vehicle="van-diesel", distance_km="15",
        lines=[{"product": "Korenje", "food_group": "roots", "quantity_kg": "40",
                "value": "100"}])
    by_tkm = outcomes.transport(shared_trip)
    assert (by_tkm.method, by_tkm.kg_co2e, by_tkm.tonne_km) == ("tonne-km", Decimal("0.36"),
                                                               Decimal("0.6"))
    assert outcomes.outcomes(city, 2027).transport_kg_co2e == Decimal("12.3")  # another year
    with pytest.raises(Conflict, match="food group: choose a food group"):
        outcomes.record_delivery(school_c, delivered_on=date(2027, 4, 8), vehicle="van-diesel",
                                 distance_km="2", lines=[{"food_group": "sweets",
                                                          "quantity_kg": "5", "value": "9"}])
    with pytest.raises(Conflict, match="no freight factor"):
        outcomes.record_delivery(school_c, delivered_on=date(2027, 4, 8), vehicle="bicycle",
                                 distance_km="2", lines=[{"quantity_kg": "5", "value": "9"}])


def _merge_patch(target, patch):  # type: ignore[no-untyped-def]
    """RFC 7386 JSON merge patch, as OCDS applies an extension's release-schema.json."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_patch(result.get(key), value)
    return result


def ocds_validator():  # type: ignore[no-untyped-def]
    import json
    from pathlib import Path

    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    base = Path(__file__).parent / "data" / "ocds-1.1.5"
    release = json.loads((base / "release-schema.json").read_text(encoding="utf-8"))
    patch = json.loads((base / "techniques-extension" / "release-schema.json").read_text(
        encoding="utf-8"))
    package = json.loads((base / "release-package-schema.json").read_text(encoding="utf-8"))
    merged = _merge_patch(release, patch)
    registry = Registry().with_resource(
        release["id"], Resource.from_contents(merged, default_specification=DRAFT4))
    return Draft4Validator(package, registry=registry)


def test_the_ocds_export_validates_and_links_the_dps_and_its_procurements(active):
    from zerocity.food import factors, ocds
    from zerocity.food.models import Institution
    from zerocity.food.services import outcomes

    city, d, veg, farms, people = active
    sp = invited(active)
    tendering.submit(sp, farms[1], {"price": "15000", "fresh": "2"}, at=local(2027, 3, 4, 9))
    validator = ocds_validator()
    sealed = ocds.release_package(city)
    assert not list(validator.iter_errors(sealed)), list(validator.iter_errors(sealed))[:3]
    tender_release = next(r for r in sealed["releases"] if r["ocid"].endswith("-sp-veg-2027-q2"))
    assert "numberOfTenderers" not in tender_release["tender"]  # nothing before the opening
    assert "15000" not in json_dump(sealed)
    after = DEADLINE + timedelta(hours=1)
    tendering.approve_opening(sp, people["a"], "first opener phrase", at=after)
    tendering.approve_opening(sp, people["b"], "second opener phrase", at=after)
    sp = tendering.award(sp, at=local(2027, 3, 15), evidence_verified=True)
    school = Institution.objects.create(city=city, code="os-1", name="OŠ 1")
    (contract,) = outcomes.sign_contracts(sp, {school: "12000"}, at=local(2027, 3, 20))
    factors.ensure()
    outcomes.record_delivery(contract, delivered_on=date(2027, 4, 6), vehicle="van-diesel",
                             distance_km="12", lines=[
                                 {"product": "Korenje", "food_group": "roots",
                                  "quantity_kg": "100", "value": "150.50"},
                                 {"product": "Zelje", "food_group": "brassicas",
                                  "quantity_kg": "50", "value": "40"}])
    package = ocds.release_package(city, "https://kranj.example/ocds/food.json")
    errors = list(validator.iter_errors(package))
    assert not errors, [e.message for e in errors[:5]]
    by_tag = {}
    for r in package["releases"]:
        by_tag.setdefault((r["ocid"].split("-sp-")[-1] if "-sp-" in r["ocid"] else "dps",
                           r["tag"][0]), []).append(r)
    dps_tender = by_tag[("dps", "tender")][0]
    assert dps_tender["tender"]["techniques"] == {
        "hasDynamicPurchasingSystem": True,
        "dynamicPurchasingSystem": {"type": "closed", "status": "active"}}
    assert len(by_tag[("dps", "award")]) == 3  # one release per admission decision
    sp_tender = by_tag[("veg-2027-q2", "tender")][0]
    assert sp_tender["relatedProcesses"][0] == {
        "id": "1", "relationship": ["framework"], "scheme": "ocid",
        "identifier": dps_tender["ocid"], "title": d.title}
    assert sp_tender["tender"]["competitive"] is True
    assert sp_tender["tender"]["numberOfTenderers"] == 1
    award = by_tag[("veg-2027-q2", "award")][0]["awards"][0]
    assert award["suppliers"][0]["name"] == "Kmetija 1"
    contract_release = by_tag[("veg-2027-q2", "contract")][0]
    assert contract_release["tag"] == ["contract", "implementation"]
    contract = contract_release["contracts"][0]
    assert contract["awardID"] == award["id"] and contract["value"]["amount"] == 12000.0
    (paid,) = contract["implementation"]["transactions"]  # the delivery, both lines
    assert paid["value"] == {"amount": 190.5, "currency": "EUR"}
    assert paid["payer"]["name"] == "OŠ 1" and paid["payee"]["name"] == "Kmetija 1"
    # the validator is not a rubber stamp: a release without its tag is refused
    broken = {**package, "releases": [{k: v for k, v in package["releases"][0].items()
                                       if k != "tag"}]}
    assert any("'tag' is a required property" in e.message
               for e in validator.iter_errors(broken))


def json_dump(data):  # type: ignore[no-untyped-def]
    import json

    return json.dumps(data)


def test_a_late_answer_needs_the_deadline_extended_and_goes_to_every_invitee(active):
    city, d, veg, farms, people = active
    sp = invited(active)  # deadline: end of 11 March 2027
    early = tendering.ask(sp, farms[0], "Do deliveries include Saturdays?",
                          at=local(2027, 3, 2, 9))
    late = tendering.ask(sp, farms[1], "May a lot be split between two farms?",
                         at=local(2027, 3, 5, 9))
    # answered on 3 March: 6 days to the end of 9 March, before the deadline: no extension
    tendering.answer(early, "No, Monday to Friday.", at=local(2027, 3, 3, 9))
    sp.refresh_from_db()
    assert sp.tender_deadline == DEADLINE
    with refused("DPS-42", Conflict, text="2027-03-13 00:00"):
        tendering.answer(late, "Yes, as a group of operators.", at=local(2027, 3, 6, 9))
    with refused("DPS-42", Conflict, text="new deadline"):
        tendering.answer(late, "Yes.", at=local(2027, 3, 6, 9),
                         extend_to=local(2027, 3, 11, 23, 0))
    tendering.answer(late, "Yes, as a group of operators.", at=local(2027, 3, 6, 9),
                     extend_to=deadlines.in_days(KRANJ, local(2027, 3, 6, 9), 6))
    sp.refresh_from_db()
    assert KRANJ.local_date(sp.tender_deadline - timedelta(seconds=1)) == date(2027, 3, 12)
    message = sp.dps.messages.filter(kind="clarification").order_by("id").last()
    assert sorted(message.recipients) == sorted(f"operator:{f.pk}" for f in farms)
    assert "split between two farms" in message.body and "Kmetija" not in message.body
    outsider = Operator.objects.create(city=city, name="Outsider", registration="O1")
    with refused("DPS-40"):
        tendering.ask(sp, outsider, "Can I join?", at=local(2027, 3, 7))


def _opened_with(active, prices):  # type: ignore[no-untyped-def]
    """The procurement opened with one tender per price, from farms 0, 1, 2 (in that order)."""
    city, d, veg, farms, people = active
    sp = invited(active)
    for n, price in enumerate(prices):
        tendering.submit(sp, farms[n], {"price": price, "fresh": "1"},
                         at=local(2027, 3, 4, 9 + n))
    after = DEADLINE + timedelta(hours=1)
    tendering.approve_opening(sp, people["a"], "first opener phrase", at=after)
    return tendering.approve_opening(sp, people["b"], "second opener phrase", at=after)


def test_an_abnormally_low_price_is_explained_before_the_award(active):
    """DPS-43 (Art. 69; ZJN-3 Art. 86 as the city applies it): 6,000 is more than 20 % below
    the next price, 15,000, so it is flagged at the opening, its tenderer is asked to explain,
    and nothing is awarded until the buyer decides; rejected, it is not admissible."""
    city, d, veg, farms, people = active
    sp = _opened_with(active, ["6000", "15000", "16000"])
    flagged = Tender.objects.get(procurement=sp, low_price="asked")
    assert flagged.operator == farms[0]
    assert Tender.objects.filter(procurement=sp, low_price="").count() == 2  # 15,000 is not
    asked = d.messages.get(kind="abnormally_low_explanation")
    assert asked.recipients == [dps.address(farms[0])] and dps.message_intact(asked)
    with pytest.raises(Conflict, match="abnormally low"):
        tendering.award(sp, at=local(2027, 3, 15), evidence_verified=True)
    with pytest.raises(Conflict, match="reason"):
        tendering.decide_low_price(flagged, accepted=False, reason=" ", at=local(2027, 3, 14))
    tendering.decide_low_price(flagged, accepted=False, reason="Below the cost of production; "
                               "no explanation given.", at=local(2027, 3, 14))
    sp = tendering.award(sp, at=local(2027, 3, 15), evidence_verified=True)
    assert sp.awarded_tender.operator == farms[1]
    rejected = [r for r in sp.scores if not r["admissible"]]
    assert len(rejected) == 1 and rejected[0]["why"] == {
        "kind": "abnormally_low", "reason": "Below the cost of production; no explanation given."}
    assert letters.not_admissible(rejected[0]) == (
        "the price is abnormally low and the explanation was not accepted (Below the cost of "
        "production; no explanation given.).")


def test_prices_close_together_are_not_flagged(active):
    sp = _opened_with(active, ["14000", "15000", "16000"])
    assert not Tender.objects.filter(procurement=sp).exclude(low_price="").exists()
    assert tendering.award(sp, at=local(2027, 3, 15), evidence_verified=True).status == "awarded"


def test_the_contract_award_notice_is_due_in_30_days_and_the_timer_reports_it_late(active):
    """DPS-62, INV-7; the timer also closes a procurement for tenders at its deadline."""
    city, d, veg, farms, people = active
    sp = invited(active)
    tendering.submit(sp, farms[0], {"price": "15000", "fresh": "1"}, at=local(2027, 3, 4, 9))
    moved = dps.tick(city, DEADLINE + timedelta(minutes=1))
    assert moved.closed_for_tenders == [sp.reference]
    sp.refresh_from_db()
    assert sp.status == ProcurementStatus.OPENING
    with pytest.raises(Conflict):  # closed: a tender now is refused
        tendering.submit(sp, farms[1], {"price": "1", "fresh": "1"}, at=local(2027, 3, 5))
    after = DEADLINE + timedelta(hours=1)
    tendering.approve_opening(sp, people["a"], "first opener phrase", at=after)
    tendering.approve_opening(sp, people["b"], "second opener phrase", at=after)
    sp = tendering.award(sp, at=local(2027, 3, 15, 12), evidence_verified=True)
    assert sp.award_notice_due == deadlines.in_days(KRANJ, local(2027, 3, 15, 12), 30)
    assert dps.tick(city, local(2027, 4, 14, 12)).notices_overdue == []
    assert dps.tick(city, local(2027, 4, 15, 12)).notices_overdue == [sp.reference]
    sp = tendering.send_award_notice(sp, at=local(2027, 4, 15, 13))
    notice = d.messages.get(kind="contract_award_notice")
    assert '"winner": "Kmetija 0"' in notice.body and dps.message_intact(notice)
    assert dps.tick(city, local(2027, 4, 16)).notices_overdue == []
    with pytest.raises(Conflict, match="was sent"):
        tendering.send_award_notice(sp, at=local(2027, 4, 16))
    assert AuditLog.objects.get(action="food.award_notice_sent").data["late"] is True


def test_the_catalogue_keeps_each_suppliers_products_with_what_the_outcomes_need(active):
    from zerocity.food.services import catalogue

    city, d, veg, farms, people = active
    item = catalogue.save_item(farms[0], {
        "product": "Korenje", "food_group": "roots", "unit": "kg", "price": "1,20",
        "organic": True, "production_place": "Britof", "production_region": "si042",
        "production_country": "si", "intermediaries": "0", "delivery_days": ["1", "4"]})
    assert (item.price, item.production_region, item.delivery_days) == (Decimal("1.20"),
                                                                        "SI042", [1, 4])
    again = catalogue.save_item(farms[0], {"product": "Korenje", "food_group": "roots",
                                           "price": "1.10"})
    assert again.pk == item.pk and again.price == Decimal("1.10")  # changed, not doubled
    for bad, reason in [
            ({"food_group": "sweets"}, "Food group: choose one of the food groups listed."),
            ({"price": "-1"}, "Price: enter a price above 0 EUR."),
            ({"price": "NaN"}, "Price: enter the price in EUR as a number, such as 1.20."),
            ({"production_region": "Gorenjska"}, "Region: enter the region's NUTS-3 code"),
            ({"delivery_days": ["8"]}, "Delivery days: choose days of the week"),
            ({"product": ""}, "Product: enter its name")]:
        fields = {"product": "Krompir", "food_group": "potatoes", "price": "0.8", **bad}
        with pytest.raises(Conflict) as refused_item:
            catalogue.save_item(farms[1], fields)
        assert str(refused_item.value).startswith(reason), str(refused_item.value)
    with pytest.raises(FormRejected) as every_mistake:
        catalogue.save_item(farms[1], {"product": "", "food_group": "sweets", "price": "x",
                                       "production_country": "Slovenia"})
    assert [field for field, _ in every_mistake.value.errors] == [
        "Product", "Food group", "Price", "Country"]
    assert not farms[1].catalogue.exists()
    catalogue.retire(again)
    assert not catalogue.offered(city).exists()
    catalogue.save_item(farms[2], {"product": "Jabolka", "food_group": "apples",
                                   "price": "0.9", "quality_scheme": "Izbrana kakovost"})
    table = catalogue.to_csv(catalogue.offered(city))
    assert table.splitlines()[1].startswith("Kmetija 2,Jabolka,apples,kg,0.90,Izbrana")


def test_the_deliveries_feed_the_open_data_and_a_plan_indicator(active, settings, tmp_path):
    """The organic share by value reaches the plan as an indicator observation, through the
    data platform's open dataset food-deliveries (monthly, per institution)."""
    from zerocity.data import outputs
    from zerocity.food import factors
    from zerocity.food.models import Contract, Institution
    from zerocity.food.services import outcomes
    from zerocity.inventory.services import create_inventory
    from zerocity.plan.models import Indicator, Observation, Plan

    city, d, veg, farms, people = active
    settings.DATA_DIR = tmp_path  # this test's own store of readings
    factors.ensure()
    sp = _opened_with(active, ["15000"])
    sp = tendering.award(sp, at=local(2027, 3, 15), evidence_verified=True)
    school = Institution.objects.create(city=city, code="os-1", name="OŠ 1")
    # the data platform takes no readings from the future: a contract of a past year
    contract = Contract.objects.create(procurement=sp, institution=school, operator=farms[0],
                                       value="10000", signed_at=local(2025, 3, 20))
    with pytest.raises(Conflict, match="before the contract"):
        outcomes.record_delivery(contract, delivered_on=date(2025, 3, 19), vehicle="van-diesel",
                                 distance_km="12", lines=[{"food_group": "roots",
                                                           "quantity_kg": "1", "value": "1"}])
    for day, organic in ((6, True), (13, False), (20, False), (27, False)):
        outcomes.record_delivery(contract, delivered_on=date(2025, 4, day),
                                 vehicle="van-diesel", distance_km="12", lines=[
                                     {"product": "Korenje", "food_group": "roots",
                                      "quantity_kg": "100", "value": "150",
                                      "organic": organic}])
    batch = outcomes.publish(city, 2025)
    assert (batch.accepted, batch.duplicates, batch.rejected) == (len(outcomes.SCHEMA), 0, 0), (
        batch.summary)
    assert outcomes.publish(city, 2025).accepted == batch.accepted  # again: nothing new
    plan = Plan.objects.create(city=city, title="Plan",
                               baseline=create_inventory(city, 2018, gwp="AR5"))
    indicator = Indicator.objects.create(plan=plan, code="F 1", name="Organic food share",
                                         unit="percent")
    outputs.set_indicator_feed(indicator, outcomes.source(city), "organic_value",
                               share_of="value", min_coverage=0)
    outputs.feed_indicators(city)
    assert Observation.objects.get(indicator=indicator, year=2025).value == pytest.approx(25)
    with pytest.raises(Conflict, match="^No deliveries are recorded in 2024; there is nothing "
                                       "to publish.$"):
        outcomes.publish(city, 2024)


def test_a_product_with_a_mistake_in_every_field_is_refused_with_every_one_at_once(city):
    from zerocity.food.services import catalogue

    # given a supplier's product whose every checked field is wrong, including the whole
    # numbers and their ranges, which used to be checked one after the other
    farm = Operator.objects.create(city=city, name="Kmetija", registration="SI00000001")
    fields = {"product": " ", "food_group": "sweets", "price": "cheap",
              "production_region": "Gorenjska", "production_country": "Slovenia",
              "intermediaries": "a few", "delivery_days": ["1", "8"]}

    # when it is saved
    with pytest.raises(Conflict) as exc:
        catalogue.save_item(farm, fields)

    # then every field's mistake is named, once each, in the order of the fields
    expected = [
        ("Product", "enter its name, 1 to 200 characters."),
        ("Food group", "choose one of the food groups listed."),
        ("Price", "enter the price in EUR as a number, such as 1.20."),
        ("Region", "enter the region's NUTS-3 code, such as SI042, or leave it empty."),
        ("Country", "enter the two-letter country code, such as SI, or leave it empty."),
        ("Intermediaries", "enter a whole number from 0 to 20."),
        ("Delivery days", "choose days of the week, Monday to Sunday."),
    ]
    assert exc.value.errors == expected
    assert str(exc.value) == "; ".join(f"{field}: {problem}" for field, problem in expected)
    with translation.override("sl"):  # in the supplier's language, the example number too
        with pytest.raises(Conflict) as in_slovenian:
            catalogue.save_item(farm, fields)
    assert in_slovenian.value.errors[2] == (
        "Cena", "vnesite ceno v EUR kot število, na primer 1,20.")
    assert not farm.catalogue.exists()


def test_the_buyers_page_reads_opened_tenders_only_and_audits_each_reading(active):
    """``read_opened``, which the procurement's page shows: nothing before the opening (and
    nothing recorded), then every opened tender in the order received, each reading in the
    audit trail. The openers' form shows to an opener only once the deadline has passed
    (``selectors.procurement_page``): an approval before it is always refused (DPS-51)."""
    from zerocity.food import selectors

    city, d, veg, farms, people = active
    sp = invited(active)
    first = tendering.submit(sp, farms[1], {"price": "16000", "fresh": "1"},
                             at=local(2027, 3, 4, 9))
    second = tendering.submit(sp, farms[0], {"price": "15000", "fresh": "2"},
                              at=local(2027, 3, 5, 9))
    before = local(2027, 3, 8, 9)
    assert tendering.read_opened(sp, user=people["root"], at=before) == []
    assert not AuditLog.objects.filter(action__startswith="food.tender_read").exists()
    assert selectors.procurement_page(sp, people["a"], before)["i_open"] is False
    after = DEADLINE + timedelta(hours=1)
    page = selectors.procurement_page(sp, people["a"], after)
    assert (page["i_open"], page["sealed"]) == (True, 2)
    assert selectors.procurement_page(sp, people["root"], after)["i_open"] is False
    tendering.approve_opening(sp, people["a"], "first opener phrase", at=after)
    sp = tendering.approve_opening(sp, people["b"], "second opener phrase", at=after)
    assert selectors.procurement_page(sp, people["a"], after)["i_open"] is False  # approved
    read = tendering.read_opened(sp, user=people["root"], at=after)
    assert [(t.pk, content["price"]) for t, content in read] == [(first.pk, "16000"),
                                                                 (second.pk, "15000")]
    assert sorted(AuditLog.objects.filter(action="food.tender_read").values_list(
        "object_id", flat=True)) == sorted([str(first.pk), str(second.pk)])


def test_the_supplier_and_buyer_pages_show_their_own_only(active):
    """The selectors behind the portal's pages: an operator's people reach its invitations
    (INV-2) and nobody else does; an institution's page is its buyers' only; the public page
    opens on the year of the latest delivery, as the API's outcomes do."""
    from zerocity.core.errors import NotFound
    from zerocity.food import selectors
    from zerocity.food.models import Institution

    city, d, veg, farms, people = active
    sp = invited(active)
    farmer = get_user_model().objects.create_user("farmer")
    farms[0].people.add(farmer)
    op, found = selectors.invitation_for_user(farmer, city, farms[0].pk, sp.pk)
    assert (op, found) == (farms[0], sp)
    for who, operator in ((farmer, farms[1]), (people["root"], farms[0])):
        with pytest.raises(NotFound):
            selectors.invitation_for_user(who, city, operator.pk, sp.pk)
    page = selectors.invitation_page(op, found, local(2027, 3, 4))
    assert page["open"] is True and list(page["tenders"]) == [] and page["result"] is None
    assert selectors.invitation_page(op, found, DEADLINE)["open"] is False
    school = Institution.objects.create(city=city, code="os-1", name="OŠ Ena")
    buyer = get_user_model().objects.create_user("cook")
    school.buyers.add(buyer)
    assert [r["institution"] for r in selectors.institution_page(city, buyer)["rows"]] == [
        school]
    with pytest.raises(NotFound):
        selectors.institution_page(city, farmer)
    public = selectors.public_page(city)
    assert public["year"] == selectors.default_outcome_year(city) == selectors.public_outcomes(
        city)["year"]
    assert selectors.public_page(city, 2027)["year"] == 2027


def test_a_delivery_line_with_intermediaries_that_are_no_number_is_refused(active):
    """A refusal naming the line, not a crash: the institutions' form sends what is typed."""
    from zerocity.food import factors
    from zerocity.food.models import Delivery, Institution
    from zerocity.food.services import outcomes

    city, d, veg, farms, people = active
    factors.ensure()
    sp = invited(active)
    tendering.submit(sp, farms[0], {"price": "15000", "fresh": "1"}, at=local(2027, 3, 4, 9))
    after = DEADLINE + timedelta(hours=1)
    tendering.approve_opening(sp, people["a"], "first opener phrase", at=after)
    tendering.approve_opening(sp, people["b"], "second opener phrase", at=after)
    sp = tendering.award(sp, at=local(2027, 3, 15), evidence_verified=True)
    school = Institution.objects.create(city=city, code="os-1", name="OŠ Ena")
    (contract,) = outcomes.sign_contracts(sp, {school: "10000"}, at=local(2027, 3, 20))
    with pytest.raises(Conflict, match=r"Line 1 \(Korenje\), intermediaries"):
        outcomes.record_delivery(contract, delivered_on="2027-04-06", vehicle="van-diesel",
                                 distance_km="15", lines=[
                                     {"product": "Korenje", "food_group": "roots",
                                      "quantity_kg": "40", "value": "100",
                                      "intermediaries": "two"}])
    assert not Delivery.objects.exists()
