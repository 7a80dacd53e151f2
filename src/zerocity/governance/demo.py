"""The Kranj demo's Green Transition Group: ILLUSTRATIVE. The bodies are Kranj's (research
green-budget-governance.md §5: a Strategic Council of 27 chaired by the mayor with two
co-chairs, a Transition Team of 20 officers coordinated by the Department for Green
Transition, working groups per sector); the organisations are the kind the council draws on;
every person's name is invented, and so are the meetings, votes and decisions. Loading again
changes nothing."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zerocity.core.models import City, Department
    from zerocity.governance.models import Body, Member

START = date(2024, 3, 1)
MEETING = date(2026, 10, 15)  # the council's meeting, its minutes approved
TEAM_MEETING = date(2026, 11, 12)  # the team's, its minutes not yet approved

# name, side, organisation, role ("" is the city's own name), department
COUNCIL: tuple[tuple[str, str, str, str, str], ...] = (
    ("Matej Kranjc", "city", "", "chair", ""),  # the mayor
    ("dr. Vesna Rozman", "academia", "Nacionalni podnebni strokovnjak", "co_chair", ""),
    ("Tadej Golob", "city", "", "co_chair", "climate-office"),
    ("Maja Zupan", "city", "", "member", "energy"),
    ("Rok Bizjak", "city", "", "member", "transport"),
    ("Nina Oblak", "city", "", "member", "waste"),
    ("Gregor Kos", "city", "", "member", "green"),
    ("Petra Horvat", "city", "", "member", "construction"),
    ("Luka Vidmar", "city", "", "member", "climate-office"),
    ("Simon Kern", "utility", "Komunala Kranj", "member", ""),
    ("Urša Jereb", "utility", "Domplan", "member", ""),
    ("Andrej Žagar", "public", "Lokalna energetska agencija Gorenjske (LEAG)", "member", ""),
    ("Mojca Pintar", "public", "BSC Kranj, regionalna razvojna agencija", "member", ""),
    ("Janez Mrak", "public", "Zavod za gozdove Slovenije", "member", ""),
    ("Polona Kalan", "public", "Kmetijsko gozdarska zbornica Slovenije", "member", ""),
    ("Tina Štern", "public", "Zavod za turizem in kulturo Kranj (ZTTK)", "member", ""),
    ("dr. Boštjan Rant", "public", "Zdravstveni dom Kranj", "member", ""),
    ("prof. Alenka Dolenc", "academia", "Univerza v Ljubljani", "member", ""),
    ("prof. Marko Šifrer", "academia", "Univerza v Mariboru", "member", ""),
    ("Eva Koželj", "ngo", "Društvo Stonoga", "member", ""),
    ("Igor Bohinc", "business", "Goodyear Slovenija", "member", ""),
    ("Branko Černe", "utility", "Elektro Gorenjska", "member", ""),
    ("Sabina Lah", "business", "Arriva Slovenija", "member", ""),
    ("Klemen Debeljak", "business", "Območna obrtno-podjetniška zbornica Kranj", "member", ""),
    ("Ana Marija Hribar", "business", "Gorenjska gospodarska zbornica", "member", ""),
    ("Jure Kavčič", "business", "Sončna zadruga Gorenjska", "member", ""),
    ("Helena Remic", "business", "Mizarstvo Remic d.o.o.", "member", ""),
)
TEAM_DEPARTMENTS = ("climate-office", "energy", "transport", "waste", "green", "construction")
TEAM_NAMES = (
    "Tadej Golob", "Luka Vidmar", "Sara Bergant", "Miha Rozman", "Katja Novak", "Blaž Potočnik",
    "Lea Kovač", "Anže Mlakar", "Špela Kralj", "Jan Zajc", "Tjaša Korošec", "Žiga Hribar",
    "Manca Medved", "David Vovk", "Urška Bernik", "Nejc Jenko", "Alja Kos", "Matic Pirc",
    "Neža Kolar", "Primož Kuhar")
GROUPS = (
    ("energy", "Delovna skupina za energijo"),
    ("transport", "Delovna skupina za promet"),
    ("waste", "Delovna skupina za odpadke in krožno gospodarstvo"),
    ("green", "Delovna skupina za zeleno infrastrukturo"),
    ("construction", "Delovna skupina za gradnjo"),
)
GROUP_PARTNERS = {"energy": 21, "transport": 22, "waste": 9, "green": 13,
                  "construction": 10}  # the council member (index) who joins each group


def load(city: City, *, actor: str = "demo") -> str:
    from django.contrib.auth import get_user_model

    from zerocity.core.services import ensure_department
    from zerocity.governance import services
    from zerocity.governance.models import Body, Kind, Meeting  # noqa: F811 - at run time

    departments = {slug: ensure_department(city, slug, slug.replace("-", " ").capitalize())
                   for slug in TEAM_DEPARTMENTS}
    users = get_user_model().objects
    secretary_user = users.filter(username="ana.staff").first()
    council = services.add_body(
        city, "svet", "Strateški svet za podnebno nevtralnost", Kind.COUNCIL,
        description="Vodi ga župan, sopredsedujeta mu nacionalni podnebni strokovnjak in vodja "
        "Urada za razvoj in pametno skupnost.", illustrative=True,
        actor=actor)
    seats = [services.add_member(council, name, side, organisation=org, role=role,
                                 department=departments.get(dept), start=START, actor=actor)
             for name, side, org, role, dept in COUNCIL]
    services.add_member(council, "Ana Stare", "city", role="secretary", votes=False,
                        user=secretary_user, department=departments["climate-office"],
                        start=START, actor=actor)
    team = services.add_body(
        city, "ekipa", "Tranzicijska ekipa", Kind.TEAM, parent=council,
        description="Uslužbenci mestnih oddelkov, ki jih usklajuje Oddelek za zeleni prehod.",
        illustrative=True, actor=actor)
    for i, name in enumerate(TEAM_NAMES):
        dept = departments[TEAM_DEPARTMENTS[i % len(TEAM_DEPARTMENTS)]]
        services.add_member(team, name, "city", department=dept, start=START,
                            role="chair" if i == 0 else "member", actor=actor)
    services.add_member(team, "Ana Stare", "city", role="secretary", votes=False,
                        user=secretary_user, department=departments["climate-office"],
                        start=START, actor=actor)
    for sector, name in GROUPS:
        group = services.add_body(city, f"skupina-{sector}", name, Kind.WORKING_GROUP,
                                  sector=sector, parent=council, illustrative=True,
                                  actor=actor)
        officer = TEAM_NAMES[2 + TEAM_DEPARTMENTS.index(sector)] if sector in \
            TEAM_DEPARTMENTS else TEAM_NAMES[2]
        services.add_member(group, officer, "city", role="chair",
                            department=departments[sector], start=START, actor=actor)
        partner = COUNCIL[GROUP_PARTNERS[sector]]
        services.add_member(group, partner[0], partner[1], organisation=partner[2],
                            start=START, actor=actor)
    if not Meeting.objects.filter(body=council).exists():
        _council_meeting(council, seats, departments, actor)
    if not Meeting.objects.filter(body=team).exists():
        meeting = services.add_meeting(team, TEAM_MEETING, place="Mestna hiša", actor=actor)
        services.add_item(meeting, "Poročilo o izvajanju ukrepov", actor=actor)
    return (f"kranj governance: {Body.objects.filter(city=city).count()} bodies, council of "
            f"{len(seats)} (illustrative)")


def _council_meeting(council: Body, seats: list[Member], departments: dict[str, Department],
                     actor: str) -> None:
    from zerocity.governance import services

    meeting = services.add_meeting(council, MEETING, place="Mestna hiša Kranj, sejna dvorana",
                                   actor=actor)
    services.add_item(meeting, "Poročilo o napredku podnebne pogodbe", actor=actor)
    grid = services.add_item(meeting, "Okrepitev distribucijskega omrežja za sončne elektrarne "
                             "na strehah", actor=actor)
    heat = services.add_item(meeting, "Širitev daljinskega ogrevanja", actor=actor)
    absent = {seats[18].pk, seats[24].pk, seats[25].pk}  # three excused
    services.record_attendance(meeting, {s.pk for s in seats if s.pk not in absent},
                               actor=actor)
    elektro = next(s for s in seats if s.organisation == "Elektro Gorenjska")
    services.declare_interest(grid, elektro, "Zaposlen pri distributerju, ki bi izvajal "
                              "okrepitev omrežja", actor=actor)
    services.record_vote(grid, 19, 2, 2, actor=actor)
    services.record_vote(heat, 21, 0, 3, actor=actor)
    services.add_decision(meeting, "Pripraviti načrt okrepitve omrežja v soseskah s sončnimi "
                          "zadrugami", item=grid, owner_department=departments["energy"],
                          deadline=date(2027, 3, 31), actor=actor)
    services.add_decision(meeting, "Elektro Gorenjska pripravi zavezo za priključitev "
                          "sončnih elektrarn", item=grid, owner_member=elektro,
                          deadline=date(2027, 1, 31),
                          commitment={"organisation": "Elektro Gorenjska", "group": "energy",
                                      "text": "Priključiti sončne elektrarne zadrug v "
                                      "šestih mesecih od vloge (ponazoritev)"},
                          actor=actor)
    services.add_decision(meeting, "Pripraviti študijo izvedljivosti širitve daljinskega "
                          "ogrevanja", item=heat, owner_member=seats[10],
                          deadline=date(2026, 12, 1), actor=actor)
    services.approve_minutes(meeting, actor=actor)
