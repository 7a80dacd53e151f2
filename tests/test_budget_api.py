"""The public read API of the budget: a published version's report, the same figures as the
command line's; a version not yet published is not there."""

from __future__ import annotations

from pathlib import Path

import pytest

from zerocity.budget.selectors import budget_version, report
from zerocity.budget.services import import_budget, publish_budget

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
WORKED = Path(__file__).parent / "data" / "budget_worked_example.csv"
URL = "/api/v1/cities/testville/budget/2025"


def test_check_2_the_published_report_reads_as_the_selectors(client, city):
    result = import_budget(city, 2025, "adopted", WORKED.read_bytes(), filename="b.csv",
                           actor="t")
    assert client.get(URL).status_code == 404  # not published yet
    publish_budget(result.version, actor="t")
    got = client.get(URL)
    assert got.status_code == 200
    assert got.json() == report(budget_version("testville", 2025))
    assert got.json()["green_share"] == "63.91"
    assert client.get(URL + "?stage=final").status_code == 404
    assert client.get("/api/v1/cities/atlantis/budget/2025").status_code == 404
    assert client.get("/api/v1/cities/testville/budget/1800").status_code == 400


def test_a_later_unpublished_stage_is_not_shown(client, city):
    adopted = import_budget(city, 2025, "adopted", WORKED.read_bytes(), filename="b.csv",
                            actor="t")
    publish_budget(adopted.version, actor="t")
    import_budget(city, 2025, "revised", WORKED.read_bytes(), filename="b.csv", actor="t")
    assert client.get(URL).json()["stage"] == "adopted"
