"""Kranj's citizen platform in the demo: districts, a census file for the resident check, a
participatory process with proposals in every state (one accepted and linked to a plan
action), a moderated comment thread, an open survey, a running participatory budget by
district, pledges, news (one scheduled) and events. Everything goes through the services;
the people, their words and their votes are ILLUSTRATIVE. ``load`` does nothing when the
process is there already.

Demo residents (for the resident check on "My page"): resident number ``KR-1001`` to
``KR-1040``, born ``1980-01-01``; the demo citizen ``citizen`` is KR-1001.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.utils.timezone import localtime, make_aware, now

from zerocity.core.models import City, Role
from zerocity.core.services import grant_role
from zerocity.core.translations import per_language
from zerocity.engage.models import (
    Budget,
    District,
    Process,
    Project,
    Proposal,
    ProposalState,
)
from zerocity.engage.services import (
    awareness,
    budgets,
    news,
    notify,
    participation,
    surveys,
    verification,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SLUG = "zeleni-kranj-2030"
DISTRICTS = [("center", "Center"), ("primskovo", "Primskovo"), ("zlato-polje", "Zlato polje"),
             ("strazisce", "Stražišče"), ("bitnje", "Bitnje")]
BIRTH = "1980-01-01"
RESIDENTS = 40


def census_csv() -> str:
    rows = [f"KR-{1000 + n},{BIRTH},{DISTRICTS[n % len(DISTRICTS)][0]}"
            for n in range(1, RESIDENTS + 1)]
    return "resident_number,birth_date,district\n" + "\n".join(rows) + "\n"


def load(city: City, *, actor: str = "demo") -> list[str]:
    if Process.objects.filter(city=city, slug=SLUG).exists():
        return ["kranj participation: already there"]
    for code, name in DISTRICTS:
        District.objects.get_or_create(city=city, code=code, defaults={"name": name})
    verification.load_census(city, census_csv(), actor=actor)
    people = _residents(city)
    process = participation.create_process(
        city, SLUG, "Zeleni Kranj 2030: your ideas for a climate-neutral Kranj",
        summary="Propose what Kranj should do to reach climate neutrality by 2030, support "
                "the ideas you like, and follow them from proposal to action.",
        title_sl="Zeleni Kranj 2030: vaše ideje za podnebno nevtralni Kranj",
        summary_sl="Predlagajte, kaj naj Kranj stori, da bo do leta 2030 podnebno nevtralen, "
                   "podprite ideje, ki so vam všeč, in jim sledite od predloga do ukrepa.",
        support_threshold=5, actor=actor)
    process = participation.next_phase(process, actor=actor)  # collecting proposals
    made = _proposals(city, process, people, actor)
    _survey(process)
    _budget(process, people, actor)
    pledges = awareness.ensure_pledges(city)
    for n, person in enumerate(people[:12]):
        awareness.take(pledges[n % len(pledges)], person)
    _news(city, actor)
    return [f"kranj participation: {len(people)} demo residents, {made} proposals, a survey, "
            "a participatory budget, pledges and news (illustrative)"]


NAMES = [("Maja", "Kern"), ("Luka", "Novak"), ("Nina", "Zupan"), ("Jure", "Kos"),
         ("Eva", "Golob"), ("Tim", "Vidmar"), ("Ana", "Bizjak"), ("Rok", "Mlakar"),
         ("Sara", "Hribar"), ("Miha", "Kavčič"), ("Lara", "Rozman"), ("Žan", "Petek")]


def _residents(city: City) -> list[User]:
    users = get_user_model().objects
    out = []
    citizen = users.filter(username="citizen").first()
    for n in range(1, 13):
        if n == 1 and citizen is not None:
            name, user = "citizen", citizen
        else:
            name = f"resident{n:02d}"
            user = grant_role(city, name, Role.CITIZEN).user
        if not user.email or not user.first_name:  # made-up names, shown as "Maja K."
            user.email = user.email or f"{name}@example.org"
            user.first_name, user.last_name = NAMES[n - 1]
            user.save(update_fields=["email", "first_name", "last_name"])
        if name != "citizen":  # made-up people: the weekly digest only, not a mail a change
            pref = notify.preference(user)
            pref.immediate = False
            pref.save(update_fields=["immediate"])
        verification.confirm_email(user, city, verification.email_token(user, city))
        verification.verify_resident(user, city, {"resident_number": f"KR-{1000 + n}",
                                                  "birth_date": BIRTH})
        out.append(user)
    return out


def _proposals(city: City, process: Process, people: list[User], actor: str) -> int:
    from zerocity.plan.models import Action

    center = District.objects.get(city=city, code="center")
    specs = [
        ("Solar panels on every school roof", "Put photovoltaic panels on the roofs of all "
         "primary schools and kindergartens, and show the pupils what they produce.", 5,
         ProposalState.ACCEPTED, "1.3"),
        ("A protected cycle lane on Bleiweisova cesta", "Separate cyclists from cars on "
         "Bleiweisova so children can ride to school safely.", 5, ProposalState.EVALUATING,
         None),
        ("Free buses on Saturdays", "Make the city buses free on Saturdays to get people "
         "used to leaving the car at home.", 3, ProposalState.REJECTED, None),
        ("Community gardens in Planina", "Turn the unused lawn behind the blocks into "
         "community vegetable gardens.", 2, ProposalState.PUBLISHED, None),
        ("Repair café in the old town", "A monthly repair café in the old town, with "
         "volunteers who fix bikes, clothes and small appliances.", 1,
         ProposalState.PUBLISHED, None),
    ]
    answers = {
        ProposalState.ACCEPTED: "Accepted: the city adds the school roofs to its solar "
                                "programme (plan action 1.3); the first five roofs are "
                                "fitted next year.",
        ProposalState.EVALUATING: "The transport department is checking the street's width "
                                  "and the cost; we answer by the end of the quarter.",
        ProposalState.REJECTED: "Rejected: the bus contract does not allow free days before "
                                "2027; the city card's monthly pass is cheaper from "
                                "January instead.",
    }
    for n, (title, body, supporters, state, action_code) in enumerate(specs):
        author = people[n + 1]
        proposal = participation.submit_proposal(process, author, title, body,
                                                 district=center if n == 1 else None)
        for person in people[n + 2:n + 2 + supporters]:
            proposal = participation.support(proposal, person)
        if state in answers:
            action = (Action.objects.filter(plan__city=city, code=action_code).first()
                      if action_code else None)
            participation.answer(proposal, state, answers[state], action=action, actor=actor)
        if n == 1:
            _thread(city, proposal, people, actor)
    notify.follow(people[0], city, f"process:{process.pk}")
    notify.follow(people[0], city, "topic:mobility-transport")
    return len(specs)


def _thread(city: City, proposal: Proposal, people: list[User], actor: str) -> None:
    first = participation.comment(proposal, people[3], "Yes! My children would cycle to "
                                  "school if this lane existed.", alignment=1)
    reply = participation.comment(proposal, people[4], "Where would the parked cars go?",
                                  parent=first)
    participation.comment(proposal, people[3], "The garage at the bus station has room.",
                          parent=reply)
    participation.comment(proposal, people[6], "Bleiweisova is too narrow; use the parallel "
                          "street instead.", alignment=-1)
    rude = participation.comment(proposal, people[7], "Only idiots ride bikes in winter.",
                                 alignment=-1)
    for person in people[8:11]:
        rude = participation.report(rude, person, "offensive")
    participation.moderate(rude, keep=False, reason="Insulting other participants.",
                           actor=actor)


def _survey(process: Process) -> None:
    at = now()
    surveys.create_survey(process, "How do you get to work or school?", [
        {"kind": "single", "text": "How do you usually travel?",
         "text_sl": "Kako običajno potujete?",
         "options": ["car", "bus", "bike", "on foot"],
         "options_sl": ["z avtomobilom", "z avtobusom", "s kolesom", "peš"]},
        {"kind": "single", "text": "Would you take the bus if it came every 10 minutes?",
         "text_sl": "Bi se peljali z avtobusom, če bi vozil na 10 minut?",
         "options": ["yes", "no", "maybe"], "options_sl": ["da", "ne", "morda"],
         "show_if": {"question": 1, "equals": "car"}},
        {"kind": "multiple", "text": "What would make you drive less?",
         "text_sl": "Kaj bi vas spodbudilo, da bi manj vozili avtomobil?",
         "options": ["more buses", "safe cycle lanes", "parking fees", "working from home"],
         "options_sl": ["več avtobusov", "varne kolesarske steze", "plačljivo parkiranje",
                        "delo od doma"]},
        {"kind": "ranking", "text": "Rank what the city should do first",
         "text_sl": "Razvrstite, kaj naj mesto naredi najprej",
         "options": ["cycle lanes", "bus lines", "park and ride"],
         "options_sl": ["kolesarske steze", "avtobusne linije", "parkiraj in se pelji"]},
        {"kind": "matrix", "text": "How satisfied are you?",
         "text_sl": "Kako ste zadovoljni?", "options": ["low", "medium", "high"],
         "options_sl": ["malo", "srednje", "zelo"],
         "rows": ["buses", "cycle lanes", "footpaths"],
         "rows_sl": ["z avtobusi", "s kolesarskimi stezami", "s pločniki"]},
        {"kind": "long", "text": "Anything else?", "text_sl": "Še kaj?", "required": False},
    ], opens_at=at - timedelta(days=3), closes_at=at + timedelta(days=25),
        title_sl="Kako pridete na delo ali v šolo?")


def _budget(process: Process, people: list[User], actor: str) -> None:
    at = now()
    center = District.objects.get(city=process.city, code="center")
    budget = Budget.objects.create(process=process, district=center,
                                   **per_language("title", {
                                       "en": "Participatory budget 2027: Center",
                                       "sl": "Participativni proračun 2027: Center"}),
                                   amount=Decimal("150000"), style="knapsack",
                                   opens_at=at - timedelta(days=5),
                                   closes_at=at + timedelta(days=20))
    projects = [Project.objects.create(budget=budget, cost=Decimal(c),
                                       **per_language("title", {"en": t, "sl": t_sl}),
                                       **per_language("description", {"en": d, "sl": d_sl}))
                for t, t_sl, d, d_sl, c in (
                    ("Trees on Maistrov trg", "Drevesa na Maistrovem trgu",
                     "Twelve trees and benches for shade.",
                     "Dvanajst dreves in klopi v senci.", "45000"),
                    ("Bike parking at the station", "Parkirišče za kolesa na postaji",
                     "Covered parking for 80 bikes.", "Pokrito parkirišče za 80 koles.",
                     "60000"),
                    ("Drinking fountains", "Pitniki", "Five fountains in the old town.",
                     "Pet pitnikov v starem mestnem jedru.", "25000"),
                    ("LED lights in the park", "LED-svetilke v parku",
                     "Efficient lighting in Layer Park.",
                     "Varčna razsvetljava v Layerjevem parku.", "70000"))]
    center_people = [p for p in people if verification.verification(
        p, process.city).district_id == center.pk]
    for n, person in enumerate(center_people):
        budgets.vote(budget, person, projects[n % 2:n % 2 + 2])
    budgets.enter_paper_ballot(budget, "KR-C-0001", [projects[2]], actor=actor)
    Budget.objects.create(process=process, **per_language("title", {
                              "en": "Participatory budget 2027: whole city",
                              "sl": "Participativni proračun 2027: vse mesto"}),
                          amount=Decimal("100000"), style="approval", max_projects=2,
                          opens_at=at - timedelta(days=5), closes_at=at + timedelta(days=20))


def _news(city: City, actor: str) -> None:
    at = now()
    news.write(city, "Kranj joins the 100 climate-neutral cities",
               "Kranj is one of the EU's 100 climate-neutral and smart cities by 2030. Its "
               "Climate City Contract sets out how.",
               title_sl="Kranj med 100 podnebno nevtralnimi mesti",
               summary="The city's Climate City Contract is signed.",
               summary_sl="Podnebna pogodba mesta je podpisana.",
               body_sl="Kranj je eno od 100 podnebno nevtralnih in pametnih mest EU do leta "
                       "2030. Podnebna pogodba mesta pove, kako.",
               publish_at=at - timedelta(days=10), actor=actor)
    news.write(city, "Your ideas for a greener Kranj",
               "Propose, support and follow ideas for a climate-neutral Kranj.",
               title_sl="Vaše ideje za bolj zeleni Kranj",
               summary="The participatory process Zeleni Kranj 2030 is open.",
               summary_sl="Participativni proces Zeleni Kranj 2030 je odprt.",
               body_sl="Predlagajte, podprite in spremljajte ideje za podnebno nevtralni "
                       "Kranj.",
               publish_at=at - timedelta(days=2), actor=actor)
    news.write(city, "Bike parking at the station",
               "Eighty covered places for bikes open at the railway station next week.",
               title_sl="Parkirišče za kolesa na postaji",
               body_sl="Prihodnji teden se na železniški postaji odpre osemdeset pokritih "
                       "mest za kolesa.",
               summary="Eighty covered places for bikes.", summary_sl="Osemdeset pokritih "
               "mest za kolesa.", topic="mobility-transport" if "mobility-transport" in
               news.topics(city) else "", publish_at=at + timedelta(days=3), actor=actor)
    news.write(city, "The participatory budget results",
               "The results are published when the vote closes.",
               title_sl="Izidi participativnega proračuna",
               body_sl="Izide objavimo, ko se glasovanje zaključi.",
               publish_at=at + timedelta(days=21), actor=actor)  # scheduled
    evening = make_aware(datetime.combine(localtime(at).date(), time(18)))
    news.add_event(city, "Repair café", evening + timedelta(days=6), "Layerjeva hiša",
                   title_sl="Popravljalnica", actor=actor)
    news.add_event(city, "Public debate on the cycle lanes", evening + timedelta(days=12),
                   "Mestna hiša", title_sl="Javna razprava o kolesarskih stezah", actor=actor)
