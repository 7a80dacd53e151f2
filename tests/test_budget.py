"""The city budget tagged for the climate: import, scope, tags, report, publishing
(research/green-budget-governance.md §2.4 and the acceptance checks of §6, cited by number)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from budget_people import budget_people, cli
from zerocity.budget.calculations import largest_remainder, split_amount
from zerocity.budget.importing import ImportRejected
from zerocity.budget.models import BudgetLine, ChangeState
from zerocity.budget.selectors import budget_version, report, tag_history, untagged_lines
from zerocity.budget.services import (
    Unpublishable,
    approve_tags,
    import_budget,
    propose_tags,
    publish_budget,
    reject_tags,
)
from zerocity.core.errors import Conflict, PermissionDenied

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

DATA = Path(__file__).parent / "data"
WORKED = DATA / "budget_worked_example.csv"
HEADER = ("pu_code,pu_name,ppp,gpr,ppr,pp_code,pp_name,konto,cofog,nrp_code,nrp_name,"
          "amount_eur,funding_source,mitig_tag,adapt_tag,split_pct\n")


def csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


def row(pp: str, konto: str, amount: str, mitig: str = "", adapt: str = "",
        split: str = "") -> str:
    return f"4000,Mestna uprava,13,1302,13029003,{pp},Postavka,{konto},0451,,,{amount},own," \
           f"{mitig},{adapt},{split}"


def load(city, data: bytes, stage: str = "adopted", **kw):  # type: ignore[no-untyped-def]
    return import_budget(city, 2025, stage, data, filename="budget.csv", actor="test", **kw)


@pytest.fixture
def people(city):  # type: ignore[no-untyped-def]
    return budget_people(city)


# -- shares --------------------------------------------------------------------------------

def test_check_1_three_lines_give_57_1_favourable_28_6_unfavourable_14_3_neutral(city):
    load(city, csv(row("130206", "4201", "2000000", "very_favourable", "neutral"),
                   row("130201", "4205", "1000000", "unfavourable", "neutral"),
                   row("060301", "4020", "500000", "neutral", "neutral")))
    code, out = cli("report", "--city", "testville", "--year", "2025", "--format", "json",
                    "--decimals", "1")
    assert code == 0
    data = json.loads(out)
    m = data["mitigation"]
    assert (m["very_favourable"]["share"], m["unfavourable"]["share"],
            m["neutral"]["share"]) == ("57.1", "28.6", "14.3")
    assert m["very_favourable"]["amount"] == "2000000.00"
    assert data["green_share"] == "57.1"


def test_check_2_the_worked_example_on_its_in_scope_base(city):
    load(city, WORKED.read_bytes())
    data = report(budget_version("testville", 2025))
    assert (data["total"], data["in_scope"], data["out_of_scope"]) == (
        "6800000.00", "6650000.00", "150000.00")
    m = data["mitigation"]
    assert {t: v["share"] for t, v in m.items()} == {
        "very_favourable": "48.12", "favourable": "15.79", "neutral": "13.53",
        "unfavourable": "19.55", "undefined": "3.01"}
    assert data["green_share"] == "63.91"
    assert sum(Decimal(v["share"]) for v in m.values()) == 100
    assert data["untagged"]["mitigation"] == {"amount": "0.00", "share": "0.00"}


def test_check_2_largest_remainder_gives_three_equal_thirds_33_3_33_3_33_4(city):
    thirds = [Decimal(1), Decimal(1), Decimal(1)]
    assert largest_remainder(thirds, Decimal(3), 1) == [Decimal("33.3"), Decimal("33.3"),
                                                        Decimal("33.4")]
    load(city, csv(row("1", "4201", "100", "very_favourable", "neutral"),
                   row("2", "4201", "100", "neutral", "neutral"),
                   row("3", "4201", "100", "unfavourable", "neutral")))
    m = report(budget_version("testville", 2025), decimals=1)["mitigation"]
    assert [m[t]["share"] for t in ("very_favourable", "neutral", "unfavourable")] == [
        "33.3", "33.3", "33.4"]


def test_check_5_a_split_60_40_of_a_million_and_99_or_101_refused(city):
    assert split_amount(Decimal("1000000"), {"very_favourable": Decimal(60),
                                             "neutral": Decimal(40)}) == {
        "very_favourable": Decimal("600000.00"), "neutral": Decimal("400000.00")}
    load(city, csv(row("1", "4205", "1000000", "very_favourable;neutral", "neutral", "60;40")))
    m = report(budget_version("testville", 2025))["mitigation"]
    assert (m["very_favourable"]["amount"], m["neutral"]["amount"]) == ("600000.00",
                                                                          "400000.00")
    for bad in ("60;39", "60;41"):
        with pytest.raises(ImportRejected) as refused:
            load(city, csv(row("1", "4205", "1000000", "very_favourable;neutral", "neutral",
                               bad)), stage="revised")
        assert 'line 2, column "mitig_tag": the percentages add up to' in refused.value.errors[0]
    # a split by hand is checked the same way
    line = BudgetLine.objects.get()
    for bad_split in ({"very_favourable": 60, "neutral": 39},
                      {"very_favourable": 60, "neutral": 41}):
        with pytest.raises(Conflict, match="add up to"):
            propose_tags(line, mitigation=bad_split, reason="split", actor="a")


def test_split_cents_are_not_lost(city):
    parts = split_amount(Decimal("100.00"), {"favourable": Decimal("33.33"),
                                             "neutral": Decimal("33.33"),
                                             "undefined": Decimal("33.34")})
    assert sum(parts.values()) == Decimal("100.00")


def test_check_6_a_flood_line_is_mitigation_neutral_and_adaptation_favourable(city):
    load(city, csv(row("1", "4204", "500000", "neutral", "favourable")))
    data = report(budget_version("testville", 2025))
    assert data["mitigation"]["neutral"] == {"amount": "500000.00", "share": "100.00"}
    assert data["adaptation"]["favourable"] == {"amount": "500000.00", "share": "100.00"}
    # the axes are separate tables on the same base; nothing sums them
    assert data["in_scope"] == "500000.00"
    assert "total_favourable" not in data and data["green_share"] == "0.00"


# -- scope ----------------------------------------------------------------------------------

def test_check_4_interest_reserves_and_debt_repayment_are_out_of_scope(city, people):
    load(city, csv(row("1", "4030", "150000"), row("2", "4090", "10000"),
                   row("3", "5501", "90000"), row("4", "4201", "100", "neutral", "neutral")))
    lines = {line.konto: line for line in BudgetLine.objects.all()}
    assert [k for k, line in lines.items() if not line.in_scope] == ["4030", "4090", "5501"]
    assert report(budget_version("testville", 2025))["out_of_scope"] == "250000.00"
    # tagging a 403 line is refused ...
    with pytest.raises(Conflict, match="out of scope"):
        propose_tags(lines["4030"], mitigation={"favourable": 100},
                     adaptation={"neutral": 100}, reason="green loan", by=people["roads"])
    # ... unless it is an override with its reason, which is kept
    change = propose_tags(lines["4030"], mitigation={"favourable": 100},
                          adaptation={"neutral": 100}, reason="interest of a green bond",
                          override_scope=True, by=people["roads"])
    line = approve_tags(change, by=people["office"])
    assert line.in_scope and line.scope_reason == "interest of a green bond"
    assert report(budget_version("testville", 2025))["out_of_scope"] == "100000.00"


def test_check_4_a_tagged_403_line_in_a_file_is_refused(city):
    with pytest.raises(ImportRejected) as refused:
        load(city, csv(row("1", "4030", "150000", "favourable", "neutral")))
    assert refused.value.errors == [
        'line 2, column "mitig_tag": konto 4030 is out of scope; tag it only with the reason '
        "for the override in the column scope_override"]


# -- tags, four eyes, history ----------------------------------------------------------------

def test_check_17_18_a_department_proposes_the_office_approves_and_history_is_kept(city,
                                                                                   people):
    load(city, csv(row("130206", "4201", "2000000")))
    line = BudgetLine.objects.get()
    change = propose_tags(line, mitigation={"very_favourable": 100},
                          adaptation={"undefined": 100}, reason="zero-emission buses",
                          by=people["roads"])
    line.refresh_from_db()
    assert line.mitigation == {}  # a proposal changes nothing yet
    # self-approval and approval by another department are refused
    with pytest.raises(PermissionDenied):
        approve_tags(change, by=people["roads"])
    with pytest.raises(PermissionDenied):
        approve_tags(change, by=people["roads2"])
    with pytest.raises(PermissionDenied):
        propose_tags(line, mitigation={"neutral": 100}, reason="x", by=people["citizen"])
    line = approve_tags(change, by=people["office"])
    assert line.mitigation == {"very_favourable": "100"}
    assert line.adaptation == {"undefined": "100"}
    # a change needs a reason; the office itself may propose, but not approve its own
    with pytest.raises(Conflict, match="reason"):
        propose_tags(line, mitigation={"favourable": 100}, reason=" ", by=people["office"])
    second = propose_tags(line, mitigation={"favourable": 100}, reason="diesel reserve buses",
                          by=people["office"])
    with pytest.raises(PermissionDenied):
        approve_tags(second, by=people["office"])
    reject_tags(second, reason="the buses are electric", by=people["office2"])
    history = [(c.state, c.proposed_by, c.decided_by, c.old["mitigation"], c.new["mitigation"],
                c.reason) for c in tag_history(line)]
    assert history == [
        (ChangeState.APPROVED, "roads-staff", "office-staff", {}, {"very_favourable": "100"},
         "zero-emission buses"),
        (ChangeState.REJECTED, "office-staff", "office-staff2", {"very_favourable": "100"},
         {"favourable": "100"}, "diesel reserve buses"),
    ]
    assert all(c.proposed_at and c.decided_at for c in tag_history(line))


def test_check_17_a_stale_proposal_is_refused(city, people):
    load(city, csv(row("1", "4201", "100")))
    line = BudgetLine.objects.get()
    a = propose_tags(line, mitigation={"neutral": 100}, reason="a", by=people["roads"])
    b = propose_tags(line, mitigation={"favourable": 100}, reason="b", by=people["roads2"])
    approve_tags(a, by=people["office"])
    with pytest.raises(Conflict, match="changed since"):
        approve_tags(b, by=people["office"])


# -- publishing -------------------------------------------------------------------------------

def test_check_3_an_untagged_line_blocks_publishing_and_is_named(city, people):
    load(city, csv(row("130206", "4201", "2000000"),
                   row("160601", "4206", "200000", "undefined", "undefined"),
                   row("220101", "4030", "150000")))
    version = budget_version("testville", 2025)
    assert [line.pp_code for line in untagged_lines(version)] == ["130206"]
    with pytest.raises(Unpublishable) as refused:
        publish_budget(version, actor="test")
    assert refused.value.lines == ["4000/130206/4201 €2,000,000 untagged"]
    code, out = cli("publish", "--city", "testville", "--year", "2025", "--stage", "adopted")
    assert code == 1 and "4000/130206/4201 €2,000,000 untagged" in out
    assert "160601" not in out and "220101" not in out  # undefined is a tag; 403 out of scope
    change = propose_tags(untagged_lines(version)[0], mitigation={"very_favourable": 100},
                          adaptation={"neutral": 100}, reason="e-buses", by=people["roads"])
    approve_tags(change, by=people["office"])
    code, out = cli("publish", "--city", "testville", "--year", "2025", "--stage", "adopted")
    assert code == 0, out


def test_check_17_a_published_version_never_changes(city, people):
    load(city, csv(row("1", "4201", "100", "neutral", "neutral")))
    version = publish_budget(budget_version("testville", 2025), actor="test")
    line = BudgetLine.objects.get()
    with pytest.raises(Conflict, match="published"):
        propose_tags(line, mitigation={"favourable": 100}, reason="x", by=people["roads"])
    with pytest.raises(Conflict, match="published"):
        load(city, csv(row("1", "4201", "200", "neutral", "neutral")))
    assert publish_budget(version, actor="test").published_at == version.published_at


# -- import --------------------------------------------------------------------------------

def test_bad_rows_are_each_named_and_nothing_is_written(city):
    with pytest.raises(ImportRejected) as refused:
        load(city, csv(row("1", "4201", '"12,345.678"', "neutral", "neutral"),
                       row("2", "42x", "100", "green", "neutral"),
                       row("", "4201", "100", "neutral", "neutral")))
    assert refused.value.errors == [
        'line 2, column "amount_eur": 12,345.678 is not an amount in euros to the cent',
        'line 3, column "konto": 42x is not a code of 3 to 8 digits',
        'line 3, column "mitig_tag": green is not a tag; write one of very_favourable, '
        "favourable, neutral, unfavourable, undefined",
        'line 4, column "pp_code": empty']
    assert not BudgetLine.objects.exists()
    with pytest.raises(ImportRejected) as refused:
        load(city, b"pu_code,konto\n4000,4201\n")
    assert 'line 1: column "pp_code" is missing' in refused.value.errors


def test_check_7_lines_reconcile_to_the_decree_to_the_cent_and_reimport_changes_nothing(
        city, tmp_path):
    data = WORKED.read_bytes()
    good = b"group,amount_eur\n40,950000.00\n41,400000.00\n42,5450000.00\n"
    off = b"group,amount_eur\n40,950000.00\n41,400000.00\n42,5450001.00\n"
    with pytest.raises(ImportRejected) as refused:
        load(city, data, totals=off)
    assert refused.value.errors == [
        "group 42: lines 5450000.00, decree 5450001.00, difference -1.00"]
    assert not BudgetLine.objects.exists()
    first = load(city, data, totals=good)
    assert (first.lines, first.unchanged) == (10, False)
    again = load(city, data, totals=good)
    assert again.unchanged and BudgetLine.objects.count() == 10
    # the same through the command line
    f, t = tmp_path / "b.csv", tmp_path / "t.csv"
    f.write_bytes(data)
    t.write_bytes(off)
    code, out = cli("import", str(f), "--city", "testville", "--year", "2025", "--stage",
                    "revised", "--totals", str(t))
    assert code == 1 and "group 42" in out and "difference -1.00" in out
    t.write_bytes(good)
    args = ("import", str(f), "--city", "testville", "--year", "2025", "--stage", "revised",
            "--totals", str(t))
    assert cli(*args) == (0, "testville 2025 revised: 10 lines imported\n")
    assert cli(*args) == (0, "testville 2025 revised: b.csv already imported, nothing "
                             "changed\n")


def test_an_xlsx_file_reads_as_the_csv(city):
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in WORKED.read_text("utf-8").splitlines():
        sheet.append(line.split(","))
    sheet["L2"] = 2000000  # a number cell, as a spreadsheet keeps amounts
    sheet["C4"], sheet["E4"] = 6, 6039001  # and codes, losing their leading zeros
    out = io.BytesIO()
    book.save(out)
    import_budget(city, 2025, "adopted", out.getvalue(), filename="b.xlsx", actor="t")
    assert report(budget_version("testville", 2025))["in_scope"] == "6650000.00"
    assert BudgetLine.objects.values_list("ppp", "ppr").get(row=4) == ("06", "06039001")


def test_check_8_stages_kept_apart_execution_rate_and_tags_carried_over(city, people):
    load(city, csv(row("190301", "4205", "1200000", "very_favourable", "favourable")))
    load(city, csv(row("190301", "4205", "900000")), stage="revised")
    load(city, csv(row("190301", "4205", "600000")), stage="final")
    tables = {s: report(budget_version("testville", 2025, s)) for s in
              ("adopted", "revised", "final")}
    assert [t["mitigation"]["very_favourable"]["amount"] for t in tables.values()] == [
        "1200000.00", "900000.00", "600000.00"]
    assert tables["adopted"]["execution"] is None
    assert tables["revised"]["execution"]["rate"] == "75.00"
    assert tables["final"]["execution"] == {"against": "adopted", "planned": "1200000.00",
                                            "amount": "600000.00", "rate": "50.00"}
    final_line = BudgetLine.objects.get(version__stage="final")
    assert [c.reason for c in tag_history(final_line)] == [
        "carried over from the revised budget"]
    with pytest.raises(Conflict, match="reason"):
        propose_tags(final_line, mitigation={"favourable": 100}, reason="",
                     by=people["roads"])


def test_check_9_investment_share_beside_the_green_share(city):
    # Kranj 2024: groups 42 + 43 = 31.2 M + 2.7 M of 96.7 M spent
    load(city, csv(row("1", "4020", "62800000", "neutral", "neutral"),
                   row("2", "4204", "31200000", "favourable", "neutral"),
                   row("3", "4310", "2700000", "neutral", "neutral")))
    data = report(budget_version("testville", 2025), decimals=1)
    assert data["investment"] == {"amount": "33900000.00", "share": "35.1"}
    assert data["green_share"] == "32.3"


def test_the_report_command_prints_the_json_interface(city):
    load(city, WORKED.read_bytes())
    code, out = cli("report", "--city", "testville", "--year", "2025", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert list(data)[:7] == ["city", "year", "stage", "published", "total", "in_scope",
                              "out_of_scope"]
    assert list(data["adaptation"]) == ["very_favourable", "favourable", "neutral",
                                        "unfavourable", "undefined"]
    assert data["mitigation"]["undefined"] == {"amount": "200000.00", "share": "3.01"}
    code, out = cli("report", "--city", "testville", "--year", "2024")
    assert (code, out) == (1, "error: No budget of 2024 in testville.\n")


def test_check_19_csv_and_json_exports_import_again_to_the_same_totals_and_tags(
        city, people, tmp_path):
    load(city, WORKED.read_bytes())
    load(city, csv(row("1", "4205", "1000000", "very_favourable;neutral", "neutral", "60;40"),
                   row("2", "4030", "150000")), stage="revised")
    change = propose_tags(BudgetLine.objects.get(version__stage="revised", konto="4030"),
                          mitigation={"favourable": 100}, adaptation={"neutral": 100},
                          reason="green bond", override_scope=True, by=people["roads"])
    approve_tags(change, by=people["office"])
    for stage in ("adopted", "revised"):
        before = report(budget_version("testville", 2025, stage))
        for fmt in ("csv", "json"):
            out = tmp_path / f"{stage}.{fmt}"
            code, _ = cli("export", "--city", "testville", "--year", "2025", "--stage", stage,
                          "--format", fmt, "--out", str(out))
            assert code == 0
            again = import_budget(city, 2026, "final", out.read_bytes(), filename=out.name,
                                  actor="t")
            after = report(again.version)
            for key in ("total", "in_scope", "out_of_scope", "mitigation", "adaptation"):
                assert after[key] == before[key], (stage, fmt, key)
            if stage == "revised":  # the override and its reason come back too
                assert again.version.lines.get(konto="4030").scope_reason == "green bond"
            again.version.delete()


def test_check_17_the_tags_at_a_publication_date_are_reconstructed(city, people):
    from django.utils import timezone

    from zerocity.budget.selectors import tags_at

    load(city, csv(row("1", "4201", "100", "neutral", "neutral")))
    line = BudgetLine.objects.get()
    published = timezone.now()
    change = propose_tags(line, mitigation={"favourable": 100}, reason="e-buses",
                          by=people["roads"])
    approve_tags(change, by=people["office"])
    assert tags_at(line, published)["mitigation"] == {"neutral": "100"}
    assert tags_at(line, timezone.now())["mitigation"] == {"favourable": "100"}


def test_check_18_the_command_line_proposes_and_approves_with_four_eyes(city, people):
    load(city, csv(row("130206", "4201", "2000000"), row("220101", "4030", "150000")))
    where = ("--city", "testville", "--year", "2025", "--stage", "adopted")
    code, out = cli("tag", *where, "--line", "2", "--mitigation",
                    "very_favourable:60,neutral:40", "--adaptation", "undefined",
                    "--reason", "e-buses", "--as", "roads-staff")
    assert code == 0, out
    pk = out.split()[1]
    assert cli("approve", *where, pk, "--as", "roads-staff")[0] == 1
    code, out = cli("approve", *where, pk, "--as", "office-staff")
    assert code == 0, out
    assert BudgetLine.objects.get(row=2).mitigation == {"very_favourable": "60",
                                                          "neutral": "40"}
    code, out = cli("tag", *where, "--line", "3", "--mitigation", "favourable",
                    "--adaptation", "neutral", "--reason", "x", "--as", "roads-staff")
    assert code == 1 and "out of scope" in out
    code, out = cli("tag", *where, "--line", "3", "--mitigation", "favourable",
                    "--adaptation", "neutral", "--reason", "green bond", "--override-scope",
                    "--as", "roads-staff")
    assert code == 0, out


def test_check_17_a_corrected_file_keeps_the_tags_and_their_history(city, people):
    load(city, csv(row("130206", "4201", "2000000"), row("130201", "4205", "1000000")))
    line = BudgetLine.objects.get(pp_code="130206")
    change = propose_tags(line, mitigation={"very_favourable": 100},
                          adaptation={"neutral": 100}, reason="e-buses", by=people["roads"])
    approve_tags(change, by=people["office"])
    # the finance office corrects an amount and imports the file again
    load(city, csv(row("130206", "4201", "2100000"), row("130201", "4205", "1000000")))
    line = BudgetLine.objects.get(pp_code="130206")
    assert line.amount == Decimal("2100000.00")
    assert line.mitigation == {"very_favourable": "100"}
    assert [c.reason for c in tag_history(line)] == [
        "e-buses", "kept from the previous import of this version"]


def test_a_key_repeated_in_a_file_is_refused(city):
    with pytest.raises(ImportRejected) as refused:
        load(city, csv(row("1", "4201", "100"), row("1", "4201", "200")))
    assert refused.value.errors == [
        "line 3 repeats line 2 (the same PU, PP, konto and NRP project); put them in one line"]


def test_a_published_line_cannot_be_saved_by_any_path(city):
    load(city, csv(row("1", "4201", "100", "neutral", "neutral")))
    publish_budget(budget_version("testville", 2025), actor="t")
    line = BudgetLine.objects.get()
    line.amount = Decimal(1)
    with pytest.raises(TypeError):
        line.save()


def test_refusals_read_in_slovenian(city):
    from django.utils import translation

    with translation.override("sl"), pytest.raises(ImportRejected) as refused:
        load(city, csv(row("1", "4201", "abc", "neutral", "neutral")))
    assert refused.value.errors == [
        "vrstica 2, stolpec »amount_eur«: abc ni znesek v evrih, natančen na cent"]


def test_an_open_proposal_of_a_replaced_line_is_refused(city, people):
    load(city, csv(row("1", "4201", "100")))
    change = propose_tags(BudgetLine.objects.get(), mitigation={"neutral": 100},
                          reason="a", by=people["roads"])
    load(city, csv(row("1", "4201", "200")))
    with pytest.raises(Conflict, match="changed since"):
        approve_tags(change, by=people["office"])
