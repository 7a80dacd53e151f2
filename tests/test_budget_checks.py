"""Climate checks of new NRP projects and council items (research/green-budget-governance.md
§3 and the acceptance checks 14, 15 and 16 of §6, cited by number)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from budget_people import budget_people, cli
from zerocity.budget.checks import (
    NotReady,
    flagged,
    give_opinion,
    header,
    is_one_sentence,
    publish_item,
    rate,
    record_check,
    register_proposal,
    set_threshold,
    stats,
)
from zerocity.budget.services import approve_tags, import_budget, propose_tags
from zerocity.core.errors import Conflict, PermissionDenied
from zerocity.core.models import AuditLog

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

HEADER = ("pu_code,pu_name,ppp,gpr,ppr,pp_code,pp_name,konto,cofog,nrp_code,nrp_name,"
          "amount_eur,funding_source,mitig_tag,adapt_tag\n")


@pytest.fixture
def people(city):  # type: ignore[no-untyped-def]
    return budget_people(city)


def add(city, ref: str, kind: str = "council_item", nrp: str = "", year: int = 2025):  # type: ignore[no-untyped-def]
    return register_proposal(city, kind=kind, reference=ref, title=f"Item {ref}", year=year,
                             estimated_cost="1200000", department_slug="roads", nrp_code=nrp,
                             actor="test").proposal


# -- ratings ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("t", "rating"), [
    ("250", "negative_high"), ("100", "negative_high"), ("99.99", "negative_low"),
    ("10", "negative_low"), ("9.99", "none"), ("0", "none"), ("-5", "none"),
    ("-10", "positive_low"), ("-100", "positive_high"), ("-400", "positive_high"),
])
def test_relevance_bands_and_direction_against_a_threshold_of_100(t: str, rating: str) -> None:
    assert rate(Decimal(t), Decimal(100)) == rating


def test_check_14_plus_250_t_with_threshold_100_is_high_and_needs_the_opinion_in_the_header(
        city, people) -> None:  # type: ignore[no-untyped-def]
    item = add(city, "S-12/2025")
    with pytest.raises(NotReady) as refused:
        publish_item(item, actor="test")
    assert "climate check" in str(refused.value)
    item = record_check(item, "+250", by=people["roads"])
    assert item.relevance == "negative_high" and item.threshold_t == Decimal(100)
    with pytest.raises(NotReady) as refused:
        publish_item(item, actor="test")
    assert refused.value.missing == ["the climate office's opinion"]
    assert item.published_at is None
    with pytest.raises(PermissionDenied):  # not a member of the climate office
        give_opinion(item, "Fine.", by=people["roads"])
    item = give_opinion(item, "Choose the electric variant; it halves the emissions.",
                        by=people["office"])
    item = publish_item(item, actor="test")
    assert item.published_at is not None
    text = header(item)
    assert text.startswith("Climate check: +250.00 tCO2e per year, Negative, high relevance "
                           "(threshold 100.00 tCO2e per year).")
    assert "Opinion of the climate office (office-staff" in text
    assert "Choose the electric variant" in text
    code, out = cli("check-print", "--city", "testville", "--reference", "S-12/2025",
                    "--format", "json")
    assert code == 0, out
    data = json.loads(out)
    assert data["header"] == text and data["relevance"] == "negative_high"
    assert data["missing"] == [] and data["published"] is True
    with pytest.raises(Conflict):  # a published item's check does not change
        record_check(item, "10", actor="test")
    actions = set(AuditLog.objects.filter(city=city).values_list("action", flat=True))
    assert {"budget.proposal", "budget.check", "budget.check_opinion",
            "budget.proposal_publish"} <= actions


def test_check_14_a_city_threshold_changes_the_rating_and_a_new_estimate_clears_the_opinion(
        city, people) -> None:  # type: ignore[no-untyped-def]
    set_threshold(city, "300", by=people["office"])
    with pytest.raises(PermissionDenied):
        set_threshold(city, "50", by=people["roads"])
    item = record_check(add(city, "NRP-OB-1", kind="nrp_project"), "250", actor="test")
    assert item.relevance == "negative_low"
    assert publish_item(item, actor="test").published_at is not None
    other = record_check(add(city, "NRP-OB-2", kind="nrp_project"), "-300", actor="test")
    assert other.relevance == "positive_high"
    other = give_opinion(other, "Welcome.", by=people["office"])
    other = record_check(other, "-320", actor="test")
    assert other.opinion == ""  # given on the former estimate


def test_effect_types_are_the_pathway_models_and_print_in_the_header(city, people) -> None:  # type: ignore[no-untyped-def]
    from typing import get_args

    from zerocity.budget.models import EffectType
    from zerocity.pathways.model import Effect

    names = {"".join("_" + c.lower() if c.isupper() else c for c in cls.__name__).lstrip("_")
             for cls in get_args(Effect)}
    assert set(EffectType.values) == names
    item = record_check(add(city, "NRP-OB-3", kind="nrp_project"), "-150",
                        effect_type="switch_carrier", actor="test")
    assert "Effect: Switches the energy carrier." in header(item)
    with pytest.raises(Conflict):
        record_check(item, "-150", effect_type="magic", actor="test")


def test_check_15_no_relevance_needs_a_one_sentence_justification(city, people) -> None:  # type: ignore[no-untyped-def]
    item = add(city, "S-13/2025")
    with pytest.raises(Conflict):
        record_check(item, "2", actor="test")
    with pytest.raises(Conflict):
        record_check(item, "2", justification="Paper.", actor="test")
    with pytest.raises(Conflict):
        record_check(item, "2", justification="A new rule. It changes nothing. Really.",
                     actor="test")
    item = record_check(item, "2", justification="The item renames a street and changes no "
                        "energy use.", actor="test")
    assert item.relevance == "none"
    assert publish_item(item, actor="test").published_at is not None
    assert "Justification: The item renames a street" in header(item)
    assert is_one_sentence("Only an administrative change of the statute.")


def test_check_15_yearly_statistics_show_the_share_of_each_outcome(city, people) -> None:  # type: ignore[no-untyped-def]
    reason = "An administrative item with no energy use."
    for i in range(17):
        record_check(add(city, f"S-{i}"), "0", justification=reason, actor="test")
    record_check(add(city, "S-20"), "250", actor="test")
    record_check(add(city, "S-21"), "-40", actor="test")
    record_check(add(city, "S-22"), "-150", actor="test")
    add(city, "S-23")  # not yet checked
    add(city, "S-24", year=2024)
    record_check(add(city, "S-25", year=2024), "20", actor="test")
    data = stats(city, 2025)
    assert data["proposals"] == 21 and data["checked"] == 20
    assert data["unchecked"] == ["S-23"]
    assert data["relevant"] == {"count": 3, "share": "15.0"}
    assert data["ratings"]["none"] == {"count": 17, "share": "85.0"}
    assert data["ratings"]["negative_high"] == {"count": 1, "share": "5.0"}
    assert sum(Decimal(r["share"]) for r in data["ratings"].values()) == 100
    code, out = cli("checks-stats", "--city", "testville", "--year", "2025", "--format", "json")
    assert code == 0, out
    assert json.loads(out) == json.loads(json.dumps(data))


def test_check_16_negative_high_proposal_whose_line_is_later_tagged_favourable_is_flagged(
        city, people) -> None:  # type: ignore[no-untyped-def]
    item = record_check(add(city, "NRP-OB-77", kind="nrp_project", nrp="OB052-25-0077"),
                        "+250", actor="test")
    record_check(add(city, "NRP-OB-78", kind="nrp_project", nrp="OB052-25-0078"), "+250",
                 actor="test")
    assert flagged(city, 2025) == []
    data = (HEADER
            + "4000,Mestna uprava,13,1302,13029003,130206,Obvoznica,4204,0451,OB052-25-0077,"
              "Obvoznica,3000000,own,,\n"
            + "4000,Mestna uprava,13,1302,13029003,130207,Ceste,4204,0451,OB052-25-0078,"
              "Ceste,1000000,own,unfavourable,neutral\n").encode()
    version = import_budget(city, 2025, "adopted", data, filename="b.csv", actor="test").version
    assert flagged(city, 2025) == []  # untagged
    line = version.lines.get(row=2)
    change = propose_tags(line, mitigation={"very_favourable": "100"},
                          adaptation={"neutral": "100"}, reason="a bypass",
                          by=people["roads"])
    approve_tags(change, by=people["office"])
    flags = flagged(city, 2025)
    assert len(flags) == 1
    flag = flags[0]
    assert flag["reference"] == item.reference and flag["nrp_code"] == "OB052-25-0077"
    assert flag["line"] == "4000/130206/4204/OB052-25-0077" and flag["row"] == 2
    assert "NRP-OB-77" in flag["message"] and "Very favourable" in flag["message"]
    assert stats(city, 2025)["flagged"] == flags
    code, out = cli("checks-stats", "--city", "testville", "--year", "2025")
    assert code == 0 and "flagged: NRP-OB-77" in out


def test_cli_walks_an_item_through_its_check_and_refuses_publishing_naming_the_gap(
        city, people) -> None:  # type: ignore[no-untyped-def]
    base = ("--city", "testville")
    code, out = cli("check-add", *base, "--year", "2025", "--kind", "council_item",
                    "--reference", "S-30/2025", "--title", "New car park", "--cost", "800000",
                    "--department", "roads")
    assert code == 0 and "registered" in out
    code, out = cli("check-add", *base, "--year", "2025", "--kind", "council_item",
                    "--reference", "S-30/2025", "--title", "New car park", "--cost", "800000",
                    "--department", "roads")
    assert code == 0 and "nothing changed" in out
    code, out = cli("check", *base, "--reference", "S-30/2025", "--tonnes", "180")
    assert code == 0 and "negative_high" in out
    code, out = cli("check-publish", *base, "--reference", "S-30/2025")
    assert code == 1 and "the climate office's opinion" in out
    code, out = cli("check-opinion", *base, "--reference", "S-30/2025", "--text",
                    "Build fewer spaces.", "--as", "office-staff")
    assert code == 0, out
    code, out = cli("check-publish", *base, "--reference", "S-30/2025")
    assert code == 0, out
    code, out = cli("check-print", *base, "--reference", "S-30/2025")
    assert code == 0 and out.startswith("Climate check: +180.00") and "Build fewer" in out
    code, out = cli("check-threshold", *base, "--tonnes", "abc")
    assert code != 0
    cli("check-add", *base, "--year", "2025", "--kind", "nrp_project", "--reference", "NRP-9",
        "--title", "Cycle path")
    code, out = cli("check", *base, "--reference", "NRP-9", "--tonnes", "-120")
    assert code == 0 and "-120.00 tCO2e/yr, positive_high" in out, out
    code, out = cli("check", *base, "--reference", "NRP-9", "--tonnes", "1")
    assert code != 0 and "one sentence" in out
    code, out = cli("checks-stats", *base, "--year", "2025")
    assert code == 0 and "2 of 2 checked, 100.0 % relevant" in out, out


def test_a_citizen_records_no_check(city, people) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        register_proposal(city, kind="council_item", reference="X", title="X", year=2025,
                          by=people["citizen"])
