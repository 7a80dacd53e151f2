"""The public read API of the climate checks (issue 21; research green-budget-governance.md
§3, checks 14, 15 and 16 of §6): a year's published items with the header printed at their
head, and the year's statistics, each the same as ``budget.checks`` gives; items not yet
published are counted, never named."""

from __future__ import annotations

import pytest
from django.utils import translation

from budget_people import budget_people
from test_budget_check_pages import a_year
from zerocity.budget.checks import describe, header, public_stats, stats
from zerocity.budget.models import Proposal

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
URL = "/api/v1/cities/testville/climate-checks/2025"


def test_check_14_15_the_published_items_and_the_statistics_read_as_the_service(client, city):
    people = budget_people(city)
    a_year(city, people)
    got = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert got.status_code == 200
    translation.activate("en")  # the answer's language, as the request asked
    body = got.json()
    published = Proposal.objects.exclude(published_at=None).order_by("reference")
    assert [i["reference"] for i in body["items"]] == ["S-1/2025", "S-2/2025"] == \
        [p.reference for p in published]
    for item, proposal in zip(body["items"], published, strict=True):
        expected = describe(proposal)
        assert {k: item[k] for k in expected if k not in ("missing", "published")} == \
            {k: v for k, v in expected.items() if k not in ("missing", "published")}
        assert item["header"] == header(proposal)
    high = body["items"][0]
    assert high["relevance"] == "negative_high" and high["estimate_t"] == "250.00"
    assert "Opinion of the climate office (office-staff" in high["header"]  # check 14
    assert body["items"][1]["justification"] == "A change of the rules of procedure only."
    figures = public_stats(city, 2025)
    assert body["statistics"] == {k: v for k, v in figures.items() if k not in ("city", "year")}
    assert body["statistics"]["relevant"] == {"count": 3, "share": "75.0"}  # check 15
    assert body["statistics"]["ratings"] == stats(city, 2025)["ratings"]
    assert body["statistics"]["unchecked"] == 1
    assert body["statistics"]["flagged"] == 0  # NRP-9 is flagged (check 16) but unpublished
    assert "NRP-9" not in got.content.decode() and "S-4/2025" not in got.content.decode()
    # in Slovenian, the same header as the service writes it in Slovenian
    sl = client.get(URL, HTTP_ACCEPT_LANGUAGE="sl").json()
    with translation.override("sl"):
        assert sl["items"][0]["header"] == header(published[0])
    assert sl["items"][0]["header"].startswith("Podnebna presoja: +250.00 t CO2e na leto")


def test_unknown_city_and_years_out_of_range(client, city):
    assert client.get(URL).json()["items"] == []
    assert client.get(URL).json()["statistics"]["proposals"] == 0
    assert client.get("/api/v1/cities/atlantis/climate-checks/2025").status_code == 404
    assert client.get("/api/v1/cities/testville/climate-checks/1800").status_code in (400, 422)


def test_the_document_describes_the_operation(client):
    doc = client.get("/api/v1/openapi.json").json()
    operation = doc["paths"]["/api/v1/cities/{slug}/climate-checks/{year}"]["get"]
    assert operation["x-permission"] == "public"
    assert {"200", "404"} <= set(operation["responses"])
