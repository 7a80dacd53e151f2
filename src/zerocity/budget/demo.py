"""The Kranj demo's 2025 budget: ILLUSTRATIVE. A few hundred lines in the Slovenian structure
(PU, PPP, GPR, PPR, PP, konto, COFOG, NRP; research green-budget-governance.md §2), sized like
Kranj's 2024 budget (about EUR 96.7 M spent, of it EUR 33.9 M investment in groups 42 and 43,
§2.2), tagged for mitigation and adaptation by the I4CE logic of §2.4, some lines linked to the
plan's actions, published with its report. The items are plausible, the amounts invented:
none of it is the City Municipality's budget. Loading again changes nothing."""

from __future__ import annotations

import io
import random
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zerocity.core.models import City

YEAR = 2025
COLUMNS = ("pu_code", "pu_name", "ppp", "gpr", "ppr", "pp_code", "pp_name", "konto", "cofog",
           "nrp_code", "nrp_name", "amount_eur", "funding_source", "mitig_tag", "adapt_tag",
           "split_pct", "ccc_action_id", "rationale")

# PPR, PP name, konto, COFOG, EUR (about), mitigation, adaptation, plan action, NRP, how many
# lines it is split into (one per sub-item), why
ITEMS: tuple[tuple[str, str, str, str, int, str, str, str, bool, int, str], ...] = (
    ("01019001", "Dejavnost občinskega sveta", "4029", "0111", 420_000, "neutral", "neutral",
     "", False, 3, "Ni pomembnega učinka"),
    ("01019003", "Dejavnost župana in podžupanov", "4000", "0111", 380_000, "neutral",
     "neutral", "", False, 2, "Ni pomembnega učinka"),
    ("06039001", "Plače in stroški dela mestne uprave", "4000", "0133", 13_500_000, "neutral",
     "neutral", "", False, 6, "Ni pomembnega učinka"),
    ("06039001", "Pisarniški material in storitve", "4020", "0133", 1_600_000, "neutral",
     "neutral", "", False, 8, "Ni pomembnega učinka"),
    ("06039002", "Ogrevanje mestnih stavb s plinom", "402201", "0133", 620_000,
     "unfavourable", "neutral", "", False, 6, "Nakup fosilne energije"),
    ("06039002", "Električna energija mestnih stavb", "402200", "0133", 540_000, "neutral",
     "neutral", "", False, 6, "Ni pomembnega učinka"),
    ("06039002", "Sončne elektrarne na mestnih stavbah", "4204", "0435", 900_000,
     "very_favourable", "neutral", "1.3", True, 4, "Obnovljiva električna energija"),
    ("13029001", "Zimska služba", "4025", "0451", 1_100_000, "neutral", "favourable", "",
     False, 4, "Prilagajanje vremenu; brez vpliva na emisije"),
    ("13029002", "Preplastitve lokalnih cest", "4205", "0451", 4_200_000, "unfavourable",
     "neutral", "", True, 12, "Ohranja infrastrukturo za avtomobile"),
    ("13029002", "Nove kolesarske povezave", "4204", "0451", 2_400_000, "very_favourable",
     "neutral", "MT-COMMUTE", True, 8, "Kolesarjenje namesto vožnje z avtom"),
    ("13029003", "Mestni potniški promet (koncesija)", "4102", "0451", 3_600_000,
     "very_favourable", "neutral", "MT-COMMUTE", False, 2, "Javni prevoz"),
    ("13029003", "Električni mestni avtobusi", "4201", "0451", 2_000_000, "very_favourable",
     "neutral", "MT-REST", True, 2, "Brezemisijski javni prevoz"),
    ("13029003", "Parkirne hiše", "4204", "0451", 3_200_000, "unfavourable", "neutral", "",
     True, 3, "Povečuje zmogljivost za avtomobile"),
    ("13029004", "LED javna razsvetljava", "4205", "0640", 650_000, "favourable", "neutral",
     "EP-LIGHT", True, 5, "Učinkovitost obstoječe storitve"),
    ("13029004", "Elektrika za javno razsvetljavo", "402200", "0640", 480_000, "neutral",
     "neutral", "", False, 2, "Ni pomembnega učinka"),
    ("15029001", "Center ponovne uporabe Zarta", "4204", "0510", 800_000, "favourable",
     "neutral", "WC-ALL", True, 2, "Ponovna uporaba in ločevanje"),
    ("15029001", "Zbiranje in odvoz odpadkov", "4135", "0510", 2_300_000, "favourable",
     "neutral", "WC-ALL", False, 3, "Ločeno zbiranje"),
    ("15029002", "Kanalizacija in čistilna naprava", "4204", "0520", 3_900_000, "neutral",
     "very_favourable", "", True, 6, "Odvajanje padavinskih voda"),
    ("15029003", "Protipoplavni ukrepi ob Savi in Kokri", "4204", "0530", 1_500_000,
     "neutral", "very_favourable", "", True, 3, "Prilagajanje poplavam"),
    ("16039001", "Oskrba s pitno vodo", "4204", "0630", 2_100_000, "neutral", "favourable",
     "", True, 5, "Odpornost vodovoda na sušo"),
    ("16039003", "Urejanje zelenih površin in drevoredov", "4025", "0620", 1_300_000,
     "favourable", "very_favourable", "GI-ALL", False, 6, "Zelena infrastruktura"),
    ("16039004", "Pokopališka dejavnost", "4025", "0490", 450_000, "neutral", "neutral", "",
     False, 2, "Ni pomembnega učinka"),
    ("16069002", "Nakup zemljišč", "4206", "0620", 1_200_000, "undefined", "undefined", "",
     True, 4, "Raba še ni določena"),
    ("16029003", "Prostorsko načrtovanje", "4208", "0620", 520_000, "neutral", "favourable",
     "", True, 3, "Ni neposrednega učinka"),
    ("16059001", "Energetska prenova stanovanj", "4205", "0610", 1_700_000,
     "very_favourable", "favourable", "BE-ALL", True, 5, "Globoka prenova"),
    ("18039001", "Knjižnica in kulturne ustanove", "4133", "0820", 3_100_000, "neutral",
     "neutral", "", False, 4, "Ni neposredne povezave"),
    ("18059001", "Dotacije športnim društvom", "4120", "0810", 900_000, "neutral", "neutral",
     "", False, 6, "Ni neposredne povezave"),
    ("18059001", "Prenova športne dvorane", "4205", "0810", 2_600_000, "favourable",
     "favourable", "BE-ALL", True, 2, "Energetska prenova stavbe"),
    ("19029001", "Vrtci: plačilo razlike v ceni", "4119", "0911", 11_000_000, "neutral",
     "neutral", "", False, 5, "Ni neposredne povezave"),
    ("19029001", "Vrtci: materialni stroški", "4133", "0911", 2_000_000, "neutral",
     "neutral", "", False, 4, "Ni neposredne povezave"),
    ("19039001", "Osnovne šole: materialni stroški", "4133", "0912", 3_300_000, "neutral",
     "neutral", "", False, 9, "Ni neposredne povezave"),
    ("19039001", "Celovita prenova osnovne šole", "4205", "0912", 5_200_000,
     "very_favourable", "favourable", "BE-ALL", True, 3, "Globoka prenova"),
    ("19039001", "Nova telovadnica z gradnjo iz lesa", "4204", "0912", 3_000_000,
     "favourable", "favourable", "BE-ALL", True, 2, "Nizkoogljična gradnja"),
    ("20049003", "Socialno varstvo starejših", "4119", "1020", 7_000_000, "neutral",
     "neutral", "", False, 5, "Ni neposredne povezave"),
    ("20049006", "Pomoč družinam", "4119", "1040", 1_400_000, "neutral", "neutral", "",
     False, 3, "Ni neposredne povezave"),
    ("11029002", "Podpora kmetijstvu in lokalni hrani", "4102", "0421", 380_000, "favourable",
     "favourable", "", False, 2, "Lokalna hrana krajša prevoze"),
    ("14039002", "Turizem in prireditve", "4133", "0473", 1_200_000, "neutral", "neutral", "",
     False, 4, "Ni neposredne povezave"),
    ("07039001", "Civilna zaščita in gasilci", "4120", "0320", 1_500_000, "neutral",
     "favourable", "", False, 4, "Pripravljenost na izredne dogodke"),
    ("22019001", "Obresti kreditov", "4030", "0171", 650_000, "", "", "", False, 2,
     "Finančni strošek"),
    ("23029001", "Splošna proračunska rezervacija", "4090", "0133", 400_000, "", "", "", False,
     1, "Rezerva"),
)
# the city's 26 local communities (krajevne skupnosti), each its own direct user
COMMUNITIES = ("Bitnje", "Britof", "Center", "Čirče", "Golnik", "Goriče", "Gorenja Sava",
               "Huje", "Kokrica", "Mavčiče", "Orehek - Drulovka", "Planina", "Podblica",
               "Predoslje", "Primskovo", "Stražišče", "Tenetiše", "Trstenik", "Vodovodni stolp",
               "Zlato polje", "Žabnica", "Besnica", "Bratov Smuk", "Jošt", "Struževo",
               "Šorli")


# Tag rules on PPR x konto pairs (research §7), in the I4CE logic of §2.4: the pair's tags
# with the rationale, or the question the pair alone cannot answer. Illustrative, like the
# budget: the climate office's starting set, not Kranj's.
RULES: tuple[tuple[str, str, str, str, str], ...] = (
    # PPR prefix, konto prefix, mitigation, adaptation, rationale (or "?" + question)
    ("13029003", "4201", "", "", "?Vprašaj za vrsto goriva: električno ali vodikovo vozilo je "
     "zelo ugodno, dizelsko neugodno."),
    ("13029003", "4102", "very_favourable", "neutral", "Javni prevoz nadomešča vožnje z "
     "avtom"),
    ("1302", "4205", "unfavourable", "neutral", "Ohranja infrastrukturo za avtomobile; "
     "razdeli, če prostor dobijo avtobusi ali kolesa"),
    ("1302", "4204", "", "", "?Vprašaj, komu je namenjena nova površina: kolesarjem in "
     "pešcem ali avtomobilom."),
    ("13029004", "4205", "favourable", "neutral", "Učinkovitost obstoječe storitve"),
    ("13029004", "402200", "neutral", "neutral", "Ni pomembnega učinka"),
    ("0603", "402201", "unfavourable", "neutral", "Nakup fosilne energije"),
    ("0603", "4020", "neutral", "neutral", "Ni pomembnega učinka"),
    ("15029001", "4204", "favourable", "neutral", "Ponovna uporaba in ločevanje"),
    ("15029003", "4204", "neutral", "very_favourable", "Prilagajanje poplavam"),
    ("16039003", "4025", "favourable", "very_favourable", "Zelena infrastruktura"),
    ("16069002", "4206", "", "", "?Vprašaj za prihodnjo rabo zemljišča: park, zazidljiva "
     "zelena površina ali cesta."),
    ("1903", "4205", "", "", "?Vprašaj, ali gre za celovito prenovo (zelo ugodno) ali samo za "
     "okna (ugodno)."),
    ("1805", "4120", "neutral", "neutral", "Ni neposredne povezave"),
)
# which department answers for which programmes (a PPP or GPR prefix)
RESPONSIBLE = (("roads", "Transport and roads", "13"),
               ("environment", "Environment and spatial planning", "15"),
               ("environment", "Environment and spatial planning", "16"),
               ("energy", "Energy and utilities", "0603"))


def _fmt(amount: Decimal) -> str:
    return f"{amount:.2f}"


def budget_csv() -> bytes:
    """The demo budget as the import reads it: the same bytes every time."""
    rng = random.Random(YEAR)
    rows: list[tuple[str, ...]] = []
    for n, (ppr, name, konto, cofog, eur, mitig, adapt, action, nrp, parts, why) in \
            enumerate(ITEMS, 1):
        weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
        total = Decimal(eur)
        amounts = [(total * Decimal(repr(w)) / Decimal(repr(sum(weights)))).quantize(
            Decimal("1")) for w in weights]
        amounts[-1] += total - sum(amounts)
        for k, amount in enumerate(amounts, 1):
            pp = f"{ppr[:4]}{n:02d}{k:02d}"
            code = f"OB052-25-{n:02d}{k:02d}" if nrp else ""
            rows.append(("4000", "Mestna uprava", ppr[:2], ppr[:4], ppr, pp,
                         f"{name} ({k})" if parts > 1 else name, konto, cofog, code,
                         name if nrp else "", _fmt(amount), "EU" if nrp and k == 1 else "own",
                         mitig, adapt, "", action, why))
    for i, community in enumerate(COMMUNITIES):
        pu = f"{4100 + i}"
        for pp, name, konto, eur, mitig, adapt, why in (
                ("060201", "Delovanje krajevne skupnosti", "4020", 22_000, "neutral",
                 "neutral", "Ni pomembnega učinka"),
                ("060202", "Ogrevanje doma krajanov", "402201", 6_000, "unfavourable",
                 "neutral", "Nakup fosilne energije"),
                ("130202", "Vzdrževanje vaških poti", "4205", 30_000, "unfavourable",
                 "neutral", "Ohranja infrastrukturo za avtomobile"),
                ("160301", "Urejanje zelenic in igrišč", "4025", 9_000, "favourable",
                 "favourable", "Zelena infrastruktura")):
            amount = (Decimal(eur) * Decimal(repr(rng.uniform(0.7, 1.3)))).quantize(
                Decimal("1"))
            rows.append((pu, f"KS {community}", pp[:2], pp[:4], f"{pp[:4]}9001", pp, name,
                         konto, "0133" if pp.startswith("06") else "0451", "", "",
                         _fmt(amount), "own", mitig, adapt, "", "", why))
    out = io.StringIO()
    out.write(",".join(COLUMNS) + "\n")
    for r in rows:
        out.write(",".join(f'"{v}"' if "," in v else v for v in r) + "\n")
    return out.getvalue().encode()


def load(city: City, *, actor: str = "demo") -> str:
    """The budget imported, the climate office as the budget office, and published."""
    from zerocity.budget.selectors import budget_version, report
    from zerocity.budget.services import import_budget, publish_budget, set_budget_office
    from zerocity.budget.tagging import add_tag_rule, assign_lines
    from zerocity.core.services import ensure_department

    ensure_department(city, "climate-office", "Climate office")
    set_budget_office(city, "climate-office", actor=actor)
    for slug, name, ppr in RESPONSIBLE:
        ensure_department(city, slug, name)
        assign_lines(city, slug, ppr=ppr, actor=actor)
    for ppr, konto, mitig, adapt, said in RULES:
        asks = said.startswith("?")
        add_tag_rule(city, ppr=ppr, konto=konto,
                     mitigation={mitig: "100"} if mitig else None,
                     adaptation={adapt: "100"} if adapt else None,
                     question=said[1:] if asks else "", rationale="" if asks else said,
                     actor=actor)
    import_budget(city, YEAR, "adopted", budget_csv(), filename=f"kranj-budget-{YEAR}.csv",
                  illustrative=True, actor=actor)
    version = budget_version(city.slug, YEAR, "adopted")
    if version.published_at is None:
        publish_budget(version, actor=actor)
    figures = report(version, decimals=1)
    return (f"kranj budget {YEAR} (illustrative): {version.lines.count()} lines, "
            f"{len(RULES)} tag rules, "
            f"EUR {Decimal(figures['total']):,.0f}, green share {figures['green_share']} %, "
            f"investment {figures['investment']['share']} %")
