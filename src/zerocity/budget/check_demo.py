"""The Kranj demo's climate checks of 2025: ILLUSTRATIVE. A few NRP projects of the demo
budget (``budget.demo``, their NRP codes) and council items, each with an invented estimate in
t CO2e a year against the default threshold of 100 t (research green-budget-governance.md §3):
most published with their header, one harmful project whose line the budget tags favourable
(flagged, check 16), one waiting for the climate office's opinion and one not yet checked.
None of it is the City Municipality's. Loading again changes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zerocity.core.models import City

YEAR = 2025
OFFICER = "ana.staff"  # the demo's member of the climate office (demo/kranj.py)

# kind, reference, title, EUR, department, NRP code, t CO2e/yr (None: not checked), effect
# type, justification, the climate office's opinion, published
PROPOSALS: tuple[tuple[str, str, str, str, str, str, str | None, str, str, str, bool], ...] = (
    ("nrp_project", "NRP OB052-25-1001", "Nove kolesarske povezave", "2400000",
     "climate-office", "OB052-25-1001", "-180", "change_activity", "",
     "Podpiramo; povezave naj sledijo mreži iz celostne prometne strategije.", True),
    ("nrp_project", "NRP OB052-25-1201", "Električni mestni avtobusi", "2000000", "energy",
     "OB052-25-1201", "-420", "switch_carrier", "",
     "Podpiramo; polnjenje naj bo iz obnovljivih virov.", True),
    ("nrp_project", "NRP OB052-25-1301", "Parkirna hiša Planina", "3200000", "",
     "OB052-25-1301", "260", "change_activity", "",
     "Ne podpiramo v tem obsegu; predlagamo manj mest in kolesarnico.", True),
    ("nrp_project", "NRP OB052-25-2801", "Prenova in razširitev športne dvorane", "2600000",
     "", "OB052-25-2801", "120", "reduce_demand", "", "", False),
    ("council_item", "S-7/2025", "Sprememba poslovnika mestnega sveta", "", "", "", "0", "",
     "Sprememba postopkovnih pravil nima vpliva na izpuste.", "", True),
    ("council_item", "S-15/2025", "Pogodba za zimsko službo 2025–2027", "1100000", "", "",
     "35", "change_activity", "", "", True),
    ("council_item", "S-21/2025", "Prodaja stavbnega zemljišča v Britofu", "480000", "", "",
     None, "", "", "", False),
)


def load(city: City, *, actor: str = "demo") -> str:
    from django.contrib.auth import get_user_model

    from zerocity.budget.checks import (
        give_opinion,
        publish_item,
        record_check,
        register_proposal,
        stats,
    )

    officer = get_user_model().objects.filter(username=OFFICER).first()
    for (kind, ref, title, cost, dept, nrp, tonnes, effect, why, opinion,
         publish) in PROPOSALS:
        proposal = register_proposal(city, kind=kind, reference=ref, title=title, year=YEAR,
                                     estimated_cost=cost or None, department_slug=dept,
                                     nrp_code=nrp, actor=actor).proposal
        if tonnes is None or proposal.published_at is not None:
            continue
        if proposal.checked_at is None:
            proposal = record_check(proposal, tonnes, effect_type=effect, justification=why,
                                    actor=actor)
        if opinion and not proposal.opinion and officer is not None:
            proposal = give_opinion(proposal, opinion, by=officer)
        if publish:
            publish_item(proposal, actor=actor)
    figures = stats(city, YEAR)
    return (f"kranj climate checks {YEAR} (illustrative): {figures['proposals']} proposals, "
            f"{figures['relevant']['share']} % relevant, {figures['published']} published, "
            f"{len(figures['flagged'])} flagged")
