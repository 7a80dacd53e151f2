"""The Kranj demo's Climate City Contract: ILLUSTRATIVE. The signatories are the organisations
research/green-budget-governance.md §4 names (the council's decision and the members of the
Strategic Council: the mayor, the city's companies, the energy agency, the development
agency, the forest service, the agricultural chamber, the tourism institute, the health
centre, two universities, an NGO and businesses); the representatives are named by their
function, the dates, documents and wording are invented, and so are the funding rows and the
budget figures of 2021-2024. Loading again changes nothing."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zerocity.core.models import City

SIGNED_ON = date(2024, 10, 15)
# organisation, group, partner, commitment text (illustrative), actions, who signs, role
PARTNERS: tuple[tuple[str, str, str, tuple[str, ...], str, str], ...] = (
    ("Lokalna energetska agencija Gorenjske (LEAG)", "energy",
     "Energetsko svetovanje občanom in podjetjem ter spremljanje rabe energije v javnih "
     "stavbah.", ("EP-LIGHT",), "Direktor agencije", "Član Strateškega sveta"),
    ("BSC, Regionalna razvojna agencija Gorenjske", "construction",
     "Priprava projektov za sofinanciranje iz evropskih skladov.", ("BE-ALL",),
     "Direktorica agencije", "Članica Strateškega sveta"),
    ("Zavod za gozdove Slovenije, OE Kranj", "green",
     "Načrtovanje gospodarjenja z mestnimi gozdovi za ponore ogljika.", ("GI-ALL",),
     "Vodja območne enote", "Član Strateškega sveta"),
    ("Kmetijsko gozdarska zbornica Slovenije, KGZ Kranj", "green",
     "Svetovanje kmetijam za zmanjšanje emisij in lokalno preskrbo s hrano.", (),
     "Direktor zavoda", "Član Strateškega sveta"),
    ("Zavod za turizem in kulturo Kranj", "transport",
     "Trajnostna mobilnost obiskovalcev in prireditev.", ("MT-COMMUTE",),
     "Direktorica zavoda", "Članica Strateškega sveta"),
    ("Osnovno zdravstvo Gorenjske, ZD Kranj", "construction",
     "Energetska prenova zdravstvenega doma.", (), "Direktor", "Član Strateškega sveta"),
    ("Univerza v Ljubljani", "energy", "Raziskave in študentski projekti za podnebno "
     "nevtralnost Kranja.", (), "Predstavnik univerze", "Član Strateškega sveta"),
    ("Univerza v Mariboru, Fakulteta za organizacijske vede", "transport",
     "Analize mobilnosti in podpora odločanju.", ("MT-CARS",), "Dekanja",
     "Članica Strateškega sveta"),
    ("Društvo Stonoga", "waste", "Ozaveščanje o ponovni uporabi in krožnem gospodarstvu.",
     ("WC-ALL",), "Predsednica društva", "Članica Strateškega sveta"),
    ("Goodyear Slovenija d.o.o.", "energy", "Zmanjšanje rabe fosilne energije v proizvodnji.",
     (), "Predstavnik uprave", "Član Strateškega sveta"),
    ("Arriva d.o.o.", "transport", "Brezemisijski avtobusi v mestnem prometu.",
     ("MT-REST",), "Direktor", "Član Strateškega sveta"),
)
# who signs the plan's own commitments: the city's are signed by the mayor after the
# council's decision; the companies' by their directors
SIGNERS = {"Domplan d.d.": ("Direktor družbe", "Član Strateškega sveta"),
           "Elektro Gorenjska d.d.": ("Predsednik uprave", "Član Strateškega sveta"),
           "Komunala Kranj d.o.o.": ("Direktor družbe", "Član Strateškega sveta")}
MAYOR = ("Župan Mestne občine Kranj", "Predsednik Strateškega sveta (sklep mestnega sveta)")
# action, kind, status, name, EUR, decision (illustrative)
FUNDING = (
    ("1.1", "private", "secured", "Domplan d.d. (koncesija)", "1637025",
     "Koncesijska pogodba 2023/DP-1 (ilustrativno)"),
    ("1.1", "eu", "applied", "Kohezijski sklad", "1091350", ""),
    ("1.2", "private", "planned", "Industrijski partnerji", "375000", ""),
    ("1.3", "private", "planned", "Zasebne in zadružne naložbe", "5307300", ""),
    ("1.3", "eu", "secured", "Mehanizem za okrevanje in odpornost (NOO)", "1500000",
     "Pogodba NOO 3340-24-1 (ilustrativno)"),
    ("1.4", "private", "planned", "Zasebna naložba", "142857", ""),
)
# the 2025 budget's EU lines (budget.demo): the solar roofs' grant is signed, the buses'
# applied for, the cycling network's only planned
DECISIONS = (("OB052-25-0701", "secured", "Pogodba ESRR 2025/17 (ilustrativno)"),
             ("OB052-25-1201", "applied", ""))
# municipal and climate budget before the tagged budget of 2025 (EUR, illustrative)
FIGURES = ((2021, "82400000", "6100000"), (2022, "86900000", "6800000"),
           (2023, "91300000", "7900000"), (2024, "96700000", "9400000"))


def load(city: City, *, actor: str = "demo") -> str:
    from zerocity.contract.services import (
        add_commitment,
        add_funding,
        enter_budget_figure,
        record_decision,
        sign_commitment,
    )
    from zerocity.plan.models import Action, Commitment, Plan

    plan = Plan.objects.get(city=city)
    for organisation, group, text, actions, _who, _role in PARTNERS:
        add_commitment(plan, organisation=organisation, group=group, text=text, partner=True,
                       actions=list(actions), actor=actor)
    signed = 0
    for c in Commitment.objects.filter(plan=plan).order_by("pk"):
        partner = next((p for p in PARTNERS if p[0] == c.organisation), None)
        if c.partner and partner is None and c.organisation not in SIGNERS:
            # a partner's commitment the demo did not write (the council's decision in
            # governance/demo.py proposes one): not signed for the partner, also when the
            # contract is loaded again after it
            continue
        who, role = (partner[4], partner[5]) if partner else SIGNERS.get(c.organisation, MAYOR)
        signer = c.organisation if c.partner else "Mestna občina Kranj"
        sign_commitment(c, organisation=signer, representative=who, role=role,
                        signed_on=SIGNED_ON,
                        document=(f"Podnebna pogodba Kranj, zaveza: {c.organisation}\n"
                                  f"{c.text}\n(ilustrativno)\n").encode(),
                        document_name="podnebna-pogodba-kranj.pdf", actor=actor)
        signed += 1
    by_code = {a.code: a for a in Action.objects.filter(plan=plan)}
    for code, kind, status, name, amount, reference in FUNDING:
        add_funding(by_code[code], year=2025, kind=kind, status=status, name=name,
                    amount=amount, decision_reference=reference, illustrative=True,
                    actor=actor)
    for nrp, status, reference in DECISIONS:
        record_decision(city, nrp_code=nrp, kind="eu", status=status,
                        decision_reference=reference, actor=actor)
    for year, municipal, climate in FIGURES:
        enter_budget_figure(city, year=year, basis="actual", municipal_budget=municipal,
                            climate_budget=climate,
                            criterion="I4CE: ugodno in zelo ugodno za blaženje",
                            source="ilustrativno", actor=actor)
    from zerocity.contract.selectors import investment_plan

    total = investment_plan(city.slug)["total"]
    return (f"kranj contract (illustrative): {signed} commitments signed, financing gap "
            f"EUR {total['gap']} of {total['need']} ({total['covered']} % covered)")
