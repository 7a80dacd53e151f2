"""Kranj's joint food DPS in the demo: 12 participating schools and kindergartens, 30 made-up
suppliers (farms, cooperatives, bakeries and wholesalers) with their catalogues, and a year of
specific procurements, awards, contracts and deliveries, all through the same services staff
and suppliers use, on the law's clock: the notice went out 14 months ago.

The institutions carry names of Kranj's schools and its public kindergarten; the suppliers,
prices, tenders and deliveries are ILLUSTRATIVE, made up for the demo. ``load`` does nothing
when the DPS is there already. With ``history=False`` it stops once the DPS is active with its
members, an invitation is open and another's deadline has just passed (what the browser tests
need), leaving out the year of procurements and deliveries.

The procurement just past its deadline (``CLOSED``, bread this month) lets a visitor run the
whole journey: two sealed tenders wait; the demo's two openers (``ana.staff`` and
``marko.admin``) open them, each with their own passphrase, which the demo writes to that
opener's own file ``DATA_DIR/demo-openers/<username>.txt`` (never both in one place), then
score and award.

Every text a person reads (the system's title and documents, the categories, the award
criteria, the procurements' titles, items and reasons for no lots) is written in English and
Slovenian (``SL``), as the pages show them in either language.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.formats import date_format
from django.utils.timezone import now

from zerocity.core.calendar import CityCalendar
from zerocity.core.errors import Conflict
from zerocity.core.models import City
from zerocity.food import factors
from zerocity.food.deadlines import in_days, in_working_days
from zerocity.food.models import (
    Application,
    Contract,
    Dps,
    FoodGroup,
    Institution,
    Operator,
    ProcurementStatus,
    SpecificProcurement,
)
from zerocity.food.services import catalogue, dps, outcomes, tendering
from zerocity.food.services.tendering import TENDER_DAYS

if TYPE_CHECKING:
    from django.contrib.auth.models import User

REFERENCE = "kranj-food"
CHECKS = {c: True for c in dps.EXCLUSION_CHECKS}
CRITERIA: list[dict[str, Any]] = [  # the award criteria, as dps.set_award_criteria takes them
    {"id": "price", "type": "price", "name": "Price (EUR, all quantities)",
     "name_sl": "Cena (EUR, vse količine)", "weight": 60},
    {"id": "freshness", "type": "freshness", "name": "Days from harvest or production",
     "name_sl": "Dni od pobiranja ali proizvodnje", "weight": 10},
    {"id": "deliveries", "type": "delivery_frequency", "name": "Deliveries per week",
     "name_sl": "Dobav na teden", "weight": 10},
    {"id": "quality", "type": "quality_schemes",
     "name": "Share from quality schemes or organic (%)",
     "name_sl": "Delež iz shem kakovosti ali ekološke pridelave (%)", "weight": 10},
    {"id": "transport", "type": "transport_emissions",
     "name": "Transport emissions per delivery (kg CO2e, DESNZ/DEFRA method)",
     "name_sl": "Izpusti prevoza na dobavo (kg CO2e, metoda DESNZ/DEFRA)", "weight": 10},
]
for _criterion in CRITERIA:  # the English name too, so that neither is read as a fallback
    _criterion["name_en"] = _criterion["name"]
SL: dict[str, Any] = {  # the Slovenian of the demo's texts
    "title": "Skupno javno naročanje živil za vrtce in šole v MO Kranj (DPS)",
    "justification": "Živila za obroke v šolah in vrtcih so pogosto uporabljeno blago, ki ga "
                     "trg splošno ponuja; dinamični nabavni sistem omogoča kmetijam in malim "
                     "pridelovalcem, da se mu pridružijo kadar koli v času njegove "
                     "veljavnosti.",
    "purchases": "Okoli 1.100 t živil na leto za 12 zavodov in približno 8.000 obrokov na "
                 "dan: zelenjava, sadje, mleko in mlečni izdelki, meso, kruh in jajca.",
    "operation": "V celoti elektronsko na portalu ZeroCity: prijave kadar koli, odločitev v "
                 "10 delovnih dneh; posamično naročilo po kategorijah in četrtletjih, "
                 "povabljeni so vsi sprejeti člani kategorije.",
    "equipment": "Spletni brskalnik; ponudbe so ob prejemu šifrirane, po roku jih odpreta "
                 "dva odpiralca.",
    "categories": {"vegetables": "Sveža zelenjava in krompir", "fruit": "Sveže sadje",
                   "dairy": "Mleko in mlečni izdelki", "meat": "Meso",
                   "bread": "Kruh in pekovski izdelki", "eggs": "Jajca"},
    "selection_criteria": ["Registriran nosilec živilske dejavnosti, HACCP",
                           "Dostava v kuhinje zavodov"],
    "quarter": "{name}, {n}. četrtletje",
    "one_round": "En sklop: dobave vsem zavodom se načrtujejo skupaj.",
    "one_baking": "En sklop: vse kuhinje dobijo kruh iz iste nočne peke.",
    "one_weekly": "En sklop: en sam tedenski dobavni krog.",
}
INSTITUTIONS = [  # code, name, kind, meals a day (illustrative)
    ("os-franceta-preserna", "OŠ Franceta Prešerna Kranj", "school", 900),
    ("os-simona-jenka", "OŠ Simona Jenka Kranj", "school", 850),
    ("os-jakoba-aljaza", "OŠ Jakoba Aljaža Kranj", "school", 700),
    ("os-matije-copa", "OŠ Matije Čopa Kranj", "school", 650),
    ("os-straziske", "OŠ Stražišče Kranj", "school", 600),
    ("os-orehek", "OŠ Orehek Kranj", "school", 450),
    ("os-predoslje", "OŠ Predoslje Kranj", "school", 350),
    ("os-primskovo", "OŠ Primskovo Kranj", "school", 400),
    ("os-helene-puhar", "OŠ Helene Puhar Kranj", "school", 150),
    ("os-goríce", "OŠ Goriče", "school", 200),
    ("os-staneta-zagarja", "OŠ Staneta Žagarja Kranj", "school", 500),
    ("vrtci-kranj", "Vrtci Občine Kranj", "kindergarten", 1800),
]
# category code, name, food groups, quarterly budget (EUR, illustrative)
CATEGORIES = [
    ("vegetables", "Fresh vegetables and potatoes", (FoodGroup.POTATOES, FoodGroup.ROOTS,
                                                     FoodGroup.BRASSICAS, FoodGroup.TOMATOES,
                                                     FoodGroup.VEGETABLES), 42000),
    ("fruit", "Fresh fruit", (FoodGroup.APPLES, FoodGroup.BERRIES, FoodGroup.CITRUS,
                              FoodGroup.FRUIT), 30000),
    ("dairy", "Milk and dairy products", (FoodGroup.MILK, FoodGroup.CHEESE), 48000),
    ("meat", "Meat", (FoodGroup.BEEF, FoodGroup.PORK, FoodGroup.POULTRY), 60000),
    ("bread", "Bread and bakery products", (FoodGroup.BREAD,), 33000),
    ("eggs", "Eggs", (FoodGroup.EGGS,), 9000),
]
PRODUCTS = {  # food group: (product, EUR per kg)
    FoodGroup.POTATOES: ("Krompir", "0.70"), FoodGroup.ROOTS: ("Korenje", "0.90"),
    FoodGroup.BRASSICAS: ("Zelje", "0.80"), FoodGroup.TOMATOES: ("Paradižnik", "2.20"),
    FoodGroup.VEGETABLES: ("Solata", "2.50"), FoodGroup.APPLES: ("Jabolka", "1.10"),
    FoodGroup.BERRIES: ("Jagode", "5.50"), FoodGroup.CITRUS: ("Pomaranče", "1.40"),
    FoodGroup.FRUIT: ("Banane", "1.30"), FoodGroup.MILK: ("Mleko", "1.05"),
    FoodGroup.CHEESE: ("Sir", "9.50"), FoodGroup.BEEF: ("Govedina", "12.50"),
    FoodGroup.PORK: ("Svinjina", "7.80"), FoodGroup.POULTRY: ("Piščanec", "6.90"),
    FoodGroup.BREAD: ("Kruh", "3.20"), FoodGroup.EGGS: ("Jajca", "3.80"),
}
IMPORTED = {FoodGroup.CITRUS: "ES", FoodGroup.FRUIT: "EC"}
# kind: (how many, name pattern, categories, vehicle, km range, intermediaries, region)
KINDS = {
    "farm": (14, "Kmetija {}", ("vegetables", "fruit", "eggs", "meat"), "van-diesel",
             (4, 30), 0, "SI042"),
    "cooperative": (6, "Zadruga {}", ("vegetables", "fruit", "dairy", "meat"),
                    "hgv-refrigerated-3-7t", (10, 45), 1, "SI042"),
    "bakery": (5, "Pekarna {}", ("bread",), "van-diesel", (3, 20), 0, "SI042"),
    "wholesaler": (5, "Veletrgovina {}", ("vegetables", "fruit", "dairy", "meat", "bread",
                                          "eggs"), "hgv-refrigerated-7-17t", (40, 140), 2,
                   "SI041"),
}
NAMES = ["Bobnar", "Zupan", "Kovač", "Jenko", "Rozman", "Šifrer", "Kalan", "Bizjak", "Golob",
         "Oblak", "Jeraj", "Rakovec", "Lombar", "Sajovic", "Gorenjska polja", "Sorško polje",
         "Pod Storžičem", "Kokrica", "Naklo", "Britof", "Pri mostu", "Zlato zrno", "Mlinček",
         "Hlebček", "Krušni dom", "Alpe", "Sveža tržnica", "Karavanke", "Panonija", "Jadran"]
FARM_USER, SCHOOL_USER = "farm.supplier", "school.buyer"
CLOSED = "bread-{:%Y-%m}"  # the procurement just past its deadline, by this month
OPENERS_DIR = "demo-openers"  # one file per opener: DATA_DIR/demo-openers/<username>.txt
OLD_PASSPHRASES = "demo-opener-passphrases.txt"  # earlier demos kept both in this one file
KIND_OF: dict[int, str] = {}  # operator -> its kind, while the demo loads


@dataclass
class Clock:
    """The demo's procedural times: the notice went out 14 months before this month."""

    start: datetime
    today: date
    cal: CityCalendar

    @classmethod
    def now(cls, cal: CityCalendar) -> Clock:
        today = cal.today()
        month = today.replace(day=1)
        for _ in range(14):
            month = (month - timedelta(days=1)).replace(day=1)
        return cls(cal.at(month, time(9)), today, cal)

    @property
    def first_day(self) -> date:
        return self.cal.local_date(self.start)

    def at(self, days: float, hour: int = 10) -> datetime:
        day = self.cal.local_date(self.start + timedelta(days=days))
        return self.cal.at(day, time(hour))


def load(city: City, *, actor: str = "demo", history: bool = True) -> list[str]:
    # the services take the demo's English texts as the active language's, the Slovenian ones
    # as translations, whatever language the command runs in
    with translation.override("en"):
        return _load(city, actor, history)


def _load(city: City, actor: str, history: bool) -> list[str]:
    if Dps.objects.filter(city=city, reference=REFERENCE).exists():
        return ["kranj food: already there"]
    factors.ensure()
    clock = Clock.now(city.calendar)
    rng = random.Random(2025)
    system = _system(city, clock, actor)
    institutions = _institutions(city)
    operators = _operators(city, system, clock, rng, actor)
    system.refresh_from_db()  # the timer made it active
    report = [f"kranj food: DPS with {system.categories.count()} categories, "
              f"{len(institutions)} institutions, {len(operators)} suppliers"]
    openers = _openers(city)
    report.append("kranj food: each opener's passphrase is in their own file, "
                  + ", ".join(str(opener_file(u.username)) for u in openers))
    if history:
        made = _year_of_procurements(system, institutions, clock, rng, openers, actor)
        report.append(f"kranj food: {made} specific procurements awarded, with their "
                      f"contracts and deliveries (illustrative)")
        for year in sorted({clock.start.year, clock.today.year}):
            try:
                outcomes.publish(city, year, actor=actor)
            except Conflict as exc:  # a year without a whole month of deliveries
                report.append(f"kranj food {year}: not published ({exc})")
        report.append(_indicators(city))
    _open_invitation(system, clock, rng, openers, actor)
    _just_closed(system, clock, openers, actor)
    _pending_requests(system, clock, actor)
    return report


def _system(city: City, clock: Clock, actor: str) -> Dps:
    system = dps.create_dps(
        city, REFERENCE, "Joint public procurement of food for the kindergartens and schools "
        "of the City Municipality of Kranj (DPS)",
        translations={"sl": {k: SL[k] for k in ("title", "justification", "purchases",
                                                "operation", "equipment")}},
        justification="Food for school and kindergarten meals is a commonly used purchase "
                      "the market meets as generally available; a DPS lets farms and small "
                      "producers join at any time during its validity.",
        purchases="About 1,100 t of food a year for 12 institutions and some 8,000 meals a "
                  "day: vegetables, fruit, dairy, meat, bread and eggs.",
        operation="Fully electronic on the ZeroCity portal: requests to participate at any "
                  "time, decided within 10 working days; a specific procurement per category "
                  "and quarter, every admitted member of the category invited.",
        equipment="A web browser; tenders are encrypted on arrival and opened by two "
                  "openers after the deadline.",
        estimated_value=Decimal("3600000"), valid_from=clock.first_day,
        valid_to=clock.first_day.replace(year=clock.first_day.year + 4) - timedelta(days=1),
        actor=actor)
    for code, name, groups, budget in CATEGORIES:
        name_sl = SL["categories"][code]
        with translation.override("sl"):
            definition_sl = f"{name_sl}: " + ", ".join(str(g.label) for g in groups)
        dps.add_category(system, code, name,
                         definition=f"{name}: " + ", ".join(str(g.label) for g in groups),
                         selection_criteria=["Registered food business (FBO), HACCP",
                                             "Deliveries to the institutions' kitchens"],
                         max_contract_value=Decimal(budget) * 2,
                         min_turnover=Decimal(budget), actor=actor,
                         translations={"sl": {
                             "name": name_sl, "definition": definition_sl,
                             "selection_criteria": SL["selection_criteria"]}})
    dps.set_award_criteria(system, CRITERIA, actor=actor)
    return dps.publish(system, sent_at=clock.start,
                       initial_deadline=in_days(clock.cal, clock.start, 30),
                       actor=actor)


def _institutions(city: City) -> list[Institution]:
    out = []
    for code, name, kind, _ in INSTITUTIONS:
        inst, _ = Institution.objects.get_or_create(city=city, code=code,
                                                    defaults={"name": name, "kind": kind})
        out.append(inst)
    buyer = _demo_user(SCHOOL_USER)
    if buyer is not None:
        out[0].buyers.add(buyer)
    return out


def _demo_user(username: str) -> User | None:
    return get_user_model().objects.filter(username=username).first()


def _operators(city: City, system: Dps, clock: Clock, rng: random.Random,
               actor: str) -> list[Operator]:
    categories = {c.code: c for c in system.categories.all()}
    names = iter(NAMES)
    made: list[Operator] = []
    applications: dict[int, Application] = {}  # each operator's request to participate
    for kind, (count, pattern, codes, _, _, intermediaries, region) in KINDS.items():
        for _ in range(count):
            op = Operator.objects.create(city=city, name=pattern.format(next(names)),
                                         registration=f"SI{10000000 + len(made) * 7919}",
                                         email=f"supplier{len(made) + 1}@example.org")
            chosen = sorted(codes) if kind != "farm" else sorted(rng.sample(codes, 2))
            if not made:  # the demo farmer's farm: in the category of the open invitation
                chosen = ["fruit", "vegetables"]
            farm_organic = rng.random() < 0.45  # a farm is organic or not; others sell both
            for code in chosen:
                for group in CATEGORIES[[c[0] for c in CATEGORIES].index(code)][2]:
                    if kind == "farm" and group in IMPORTED:
                        continue
                    product, price = PRODUCTS[group]
                    organic = farm_organic if kind == "farm" else rng.random() < 0.2
                    catalogue.save_item(op, {
                        "product": f"{product}{' (eko)' if organic else ''}",
                        "food_group": group,
                        "price": Decimal(price) * Decimal(rng.choice(("0.9", "1", "1.1")))
                        * (Decimal("1.25") if organic else 1),
                        "organic": organic,
                        "quality_scheme": "Izbrana kakovost" if kind == "cooperative"
                        or (kind == "farm" and rng.random() < 0.4) else "",
                        "production_region": "" if group in IMPORTED else region,
                        "production_country": IMPORTED.get(group, "SI"),
                        "intermediaries": intermediaries,
                        "delivery_days": [1, 3] if kind == "farm" else [1, 2, 3, 4, 5]},
                        actor=actor)
            received = clock.at(3 + len(made) % 20)
            application = dps.submit(system, op, [categories[c] for c in chosen],
                                     at=received, actor=actor)
            made.append(op)
            applications[op.pk] = application
            KIND_OF[op.pk] = kind
    farmer = _demo_user(FARM_USER)
    if farmer is not None:
        made[0].people.add(farmer)
    assert system.initial_deadline is not None
    dps.tick(system.city, system.initial_deadline + timedelta(hours=1))
    for op in made:
        application = applications[op.pk]
        application.refresh_from_db()
        dps.decide(application, admitted=list(application.categories.all()), checks=CHECKS,
                   at=in_working_days(clock.cal, system.initial_deadline, 3), actor=actor)
    dps.tick(system.city, in_working_days(clock.cal, system.initial_deadline, 4))
    return made


def _openers(city: City) -> dict[User, str]:
    """The two openers (the demo's staff member and administrator), each with a passphrase
    made now. The two are never kept together: each is written to that opener's own file
    (``opener_file``, readable by the data directory's owner only) and nowhere else; an
    opener reads their own, and nobody who holds one file can open the tenders alone."""
    found = [_demo_user("ana.staff"), _demo_user("marko.admin")]
    users = [u for u in found if u is not None]
    if len(users) < len(found):
        users = list(get_user_model().objects.order_by("pk")[:2])
    phrases = {u: secrets.token_urlsafe(16) for u in users}
    (Path(settings.DATA_DIR) / OLD_PASSPHRASES).unlink(missing_ok=True)  # both in one file
    for user, phrase in phrases.items():
        path = opener_file(user.username)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        tmp = path.with_suffix(".tmp")
        tmp.touch(mode=0o600)
        tmp.chmod(0o600)
        tmp.write_text(f"{user.username}: your passphrase as an opener of the demo's "
                       f"procurements (the other opener has their own)\n{phrase}\n")
        tmp.replace(path)
    return phrases


def _tender(sp: SpecificProcurement, op: Operator, rng: random.Random, at: datetime,
            actor: str, low: bool = False) -> None:
    price = sp.estimated_value * Decimal(rng.uniform(0.82, 1.02)).quantize(Decimal("0.001"))
    if low:
        price = (price * Decimal("0.45")).quantize(Decimal("1"))
    tendering.submit(sp, op, {"price": str(price.quantize(Decimal("1"))),
                              "freshness": str(rng.randint(1, 5)),
                              "deliveries": str(rng.randint(1, 5)),
                              "quality": str(rng.choice((0, 20, 40, 60, 80))),
                              "transport": str(rng.randint(3, 40))}, at=at, actor=actor)


def _year_of_procurements(system: Dps, institutions: list[Institution], clock: Clock,
                          rng: random.Random, openers: dict[User, str], actor: str) -> int:
    assert system.initial_deadline is not None
    first = in_working_days(clock.cal, system.initial_deadline, 6)
    weights = [m for *_, m in INSTITUTIONS]
    awarded = 0
    for quarter in range(4):
        invited_at = first + timedelta(days=91 * quarter)
        for n, (code, name, _, budget) in enumerate(CATEGORIES):
            category = system.categories.get(code=code)
            sp = tendering.create_procurement(system, category, f"{code}-q{quarter + 1}",
                                              f"{name}, quarter {quarter + 1}",
                                              criteria=[c["id"] for c in CRITERIA],
                                              estimated_value=Decimal(budget),
                                              items=_items(code),
                                              no_lots_reason="One lot: the deliveries to all the "
                                              "institutions are planned together.", actor=actor,
                                              translations={"sl": {
                                                  "title": SL["quarter"].format(
                                                      name=SL["categories"][code],
                                                      n=quarter + 1),
                                                  "no_lots_reason": SL["one_round"]}})
            deadline = in_days(clock.cal, invited_at, 12)
            sp = tendering.invite(sp, at=invited_at, tender_deadline=deadline, openers=openers,
                                  actor=actor)
            members = list(sp.invitees.order_by("pk"))
            bidders = rng.sample(members, min(len(members), rng.randint(2, 5)))
            low = quarter == 1 and n == 0 and len(bidders) >= 3
            for i, op in enumerate(bidders):
                _tender(sp, op, rng, invited_at + timedelta(days=2, hours=i), actor,
                        low=low and i == 0)
            after = deadline + timedelta(hours=1)
            for user, phrase in openers.items():
                sp = tendering.approve_opening(sp, user, phrase, at=after, actor=actor)
            for flagged in sp.tenders.filter(low_price="asked"):
                tendering.decide_low_price(
                    flagged, accepted=True, at=after + timedelta(days=2), actor=actor,
                    reason="A seasonal surplus of the tenderer's own harvest; the cost "
                           "breakdown supports the price.")
            award_at = after + timedelta(days=3)
            sp = tendering.award(sp, at=award_at, evidence_verified=True, actor=actor)
            if sp.status != ProcurementStatus.AWARDED:
                continue
            awarded += 1
            total = sum(weights)
            values: dict[Institution, Decimal | str] = {
                inst: (Decimal(budget) * Decimal(w) / total * Decimal("0.97")).quantize(
                    Decimal("0.01")) for inst, w in zip(institutions, weights, strict=True)}
            contracts = outcomes.sign_contracts(sp, values, at=award_at + timedelta(days=1),
                                                actor=actor)
            tendering.send_award_notice(sp, at=award_at + timedelta(days=8), actor=actor)
            _deliveries(sp, contracts, award_at.date() + timedelta(days=7), clock, rng, actor)
    return awarded


def _deliveries(sp: SpecificProcurement, contracts: list[Contract], start: date, clock: Clock,
                rng: random.Random, actor: str) -> None:
    assert sp.awarded_tender is not None  # called for awarded procurements only
    winner = sp.awarded_tender.operator
    items = list(winner.catalogue.filter(
        active=True, food_group__in=[g for c in CATEGORIES if c[0] == sp.category.code
                                     for g in c[2]]))
    kind = KIND_OF[winner.pk]
    _, _, _, vehicle, (low_km, high_km), _, _ = KINDS[kind]
    for contract in contracts:
        distance = Decimal(rng.randint(low_km, high_km))
        per_delivery = contract.value / 6
        for k in range(6):
            day = start + timedelta(days=14 * k + rng.randint(0, 2))
            if day >= clock.today:
                break
            chosen = rng.sample(items, min(len(items), rng.randint(1, 3)))
            lines = []
            for item in chosen:
                value = (per_delivery / len(chosen)).quantize(Decimal("0.01"))
                lines.append({"product": item.product, "food_group": item.food_group,
                              "quantity_kg": str((value / item.price).quantize(Decimal("0.1"))),
                              "value": str(value), "organic": item.organic,
                              "quality_scheme": item.quality_scheme,
                              "production_region": item.production_region,
                              "production_country": item.production_country,
                              "intermediaries": item.intermediaries})
            dedicated = kind in ("farm", "bakery") and rng.random() < 0.5
            outcomes.record_delivery(contract, delivered_on=day,
                                     vehicle=vehicle, distance_km=distance,
                                     dedicated=dedicated, lines=lines, actor=actor)


# what each category's procurement buys in a quarter, per item: product (as the suppliers'
# catalogues name it, in Slovenian), kg, specification; and both in English and Slovenian
ITEMS: dict[str, list[tuple[str, int, str]]] = {
    "vegetables": [("Krompir", 9000, "Washed, class I, 40-70 mm"),
                   ("Korenje", 4000, "Washed, class I"),
                   ("Zelje", 3000, "Heads of 1-3 kg"),
                   ("Solata", 1500, "Whole heads, delivered the day of harvest or the next")],
    "bread": [("Kruh", 8500, "Mixed wheat-rye, 500 g loaves, baked the night before"),
              ("Polnozrnati kruh", 1500, "Wholegrain, 500 g loaves")],
}
ITEM_WORDS = {  # product: (its English name, the specification in Slovenian)
    "Krompir": ("Potatoes", "Opran, I. razred, 40–70 mm"),
    "Korenje": ("Carrots", "Oprano, I. razred"),
    "Zelje": ("Cabbage", "Glave po 1–3 kg"),
    "Solata": ("Lettuce", "Cele glave, dostavljene na dan pobiranja ali naslednji dan"),
    "Kruh": ("Bread", "Mešani pšenično-rženi, hlebci po 500 g, pečeni prejšnjo noč"),
    "Polnozrnati kruh": ("Wholegrain bread", "Polnozrnati, hlebci po 500 g"),
}


def _items(code: str, lots: list[str] | None = None) -> list[dict[str, Any]]:
    """The category's items; with lots, the kindergartens take a third of each."""
    out: list[dict[str, Any]] = []
    for product, kg, spec in ITEMS.get(code, []):
        english, spec_sl = ITEM_WORDS[product]
        words = {"product_en": english, "product_sl": product, "specification_en": spec,
                 "specification_sl": spec_sl}
        if not lots:
            out.append({"product": product, "quantity": kg, "unit": "kg",
                        "specification": spec, **words})
            continue
        for lot, share in zip(lots, (Decimal(2) / 3, Decimal(1) / 3), strict=False):
            out.append({"product": product, "quantity": (kg * share).quantize(Decimal(1)),
                        "unit": "kg", "specification": spec, "lot": lot, **words})
    return out


def _just_closed(system: Dps, clock: Clock, openers: dict[User, str], actor: str
                 ) -> SpecificProcurement:
    """A procurement whose tender deadline has just passed, by the law's own count: invited
    on the latest day whose 10 days (moved past days off) ended before now, with two sealed
    tenders waiting for the two openers."""
    at = now()
    day = clock.cal.local_date(at) - timedelta(days=TENDER_DAYS)
    while in_days(clock.cal, clock.cal.at(day, time(9)), TENDER_DAYS) > at:
        day -= timedelta(days=1)
    invited_at = clock.cal.at(day, time(9))
    deadline = in_days(clock.cal, invited_at, TENDER_DAYS)
    sp = tendering.create_procurement(
        system, system.categories.get(code="bread"), CLOSED.format(clock.today),
        f"Bread, from {clock.today:%B %Y}", criteria=[c["id"] for c in CRITERIA],
        estimated_value="33000", items=_items("bread"),
        no_lots_reason="One lot: every kitchen gets its bread from the same night's baking.",
        translations={"sl": {"title": f"Kruh, {_month_sl(clock.today)}",
                             "no_lots_reason": SL["one_baking"]}},
        actor=actor)
    sp = tendering.invite(sp, at=invited_at, tender_deadline=deadline, openers=openers,
                          actor=actor)
    bakers = list(sp.invitees.filter(name__startswith="Pekarna").order_by("pk")[:2])
    for n, (op, price) in enumerate(zip(bakers, ("32400", "31200"), strict=False)):
        tendering.submit(sp, op, {"price": price, "freshness": str(1 + n),
                                  "deliveries": "5", "quality": str(40 - 20 * n),
                                  "transport": str(6 + 3 * n)},
                         at=invited_at + timedelta(days=2, hours=n), actor=actor)
    return sp


def _open_invitation(system: Dps, clock: Clock, rng: random.Random,
                     openers: dict[User, str], actor: str) -> None:
    """A procurement open for tenders now (three members have tendered, sealed; the demo
    farmer has not yet), and a draft one."""
    invited_at = now() - timedelta(days=2)
    sp = tendering.create_procurement(system, system.categories.get(code="vegetables"),
                                      f"vegetables-{clock.today:%Y-%m}",
                                      f"Fresh vegetables, from {clock.today:%B %Y}",
                                      criteria=[c["id"] for c in CRITERIA], estimated_value="42000",
                                      lots=["Schools", "Kindergartens"],
                                      items=_items("vegetables", ["Schools", "Kindergartens"]),
                                      translations={"sl": {
                                          "title": f"Sveža zelenjava, "
                                                   f"{_month_sl(clock.today)}"}},
                                      actor=actor)
    sp = tendering.invite(sp, at=invited_at,
                          tender_deadline=in_days(clock.cal, invited_at, 12),
                          openers=openers, actor=actor)
    for i, op in enumerate(sp.invitees.order_by("pk")[1:4]):
        _tender(sp, op, rng, invited_at + timedelta(hours=3 + i), actor)
    tendering.create_procurement(system, system.categories.get(code="fruit"),
                                 f"fruit-{clock.today:%Y-%m}",
                                 f"Fresh fruit, from {clock.today:%B %Y}",
                                 criteria=[c["id"] for c in CRITERIA], estimated_value="30000",
                                 no_lots_reason="One lot: a single weekly delivery round.",
                                 translations={"sl": {
                                     "title": f"Sveže sadje, {_month_sl(clock.today)}",
                                     "no_lots_reason": SL["one_weekly"]}},
                                 actor=actor)


def _month_sl(day: date) -> str:
    with translation.override("sl"):
        return date_format(day, "F Y")


def _pending_requests(system: Dps, clock: Clock, actor: str) -> None:
    """Two requests received this week, waiting for a decision (due in 10 working days)."""
    for n, name in enumerate(("Kmetija Pšenica (nova)", "Čebelarstvo Medeni cvet")):
        op = Operator.objects.create(city=system.city, name=name,
                                     registration=f"SI{20000000 + n}",
                                     email=f"new{n}@example.org")
        dps.submit(system, op, [system.categories.get(code="fruit")],
                   at=now() - timedelta(days=1 + n), actor=actor)


def _indicators(city: City) -> str:
    """Food indicators added to the plan for the demo, fed from the open dataset."""
    from zerocity.data.outputs import feed_indicators, set_indicator_feed
    from zerocity.plan.models import Indicator

    plan = getattr(city, "plan", None)
    if plan is None:
        return "kranj food: no plan to feed"
    source = outcomes.source(city)
    for code, name, quantity in (
            ("F 1", "Organic food in schools and kindergartens (share by value)",
             "organic_value"),
            ("F 2", "Food from quality schemes in schools and kindergartens (share by value)",
             "quality_value"),
            ("F 3", "Food grown in Gorenjska in schools and kindergartens (share by value)",
             "local_value")):
        indicator, _ = Indicator.objects.get_or_create(
            plan=plan, code=code, defaults={
                "name": name, "unit": "%", "data_source": "ZeroCity food deliveries (demo, "
                "illustrative)", "interval": "yearly"})
        set_indicator_feed(indicator, source, quantity, share_of="value", min_coverage=0,
                           actor="demo")
    observed = feed_indicators(city, actor="demo")
    return f"kranj food: plan indicators F 1 to F 3 fed ({len(observed)} observations)"




def opener_file(username: str) -> Path:
    """Where the demo keeps one opener's passphrase, apart from the other's."""
    return Path(settings.DATA_DIR) / OPENERS_DIR / f"{username}.txt"


def opener_passphrase(username: str) -> str:
    """One demo opener's passphrase as the last load wrote it (their own file)."""
    return opener_file(username).read_text().splitlines()[1]
