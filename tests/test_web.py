"""The public and staff pages: who may see what (a permission matrix per page), the figures and
their locale formatting, translations, and that every view declares a permission rule."""

from __future__ import annotations

import ast
import gettext as gettext_module
import json
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern
from django.utils import translation

from zerocity.core.models import Role
from zerocity.core.services import create_city, ensure_department, grant_role
from zerocity.inventory import gpc
from zerocity.inventory.models import Inventory, InventoryStatus
from zerocity.web import charts

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "citizen", "staff", "admin", "other_staff")


@pytest.fixture
def users(kranj):  # type: ignore[no-untyped-def]
    """One user per role: Kranj's citizen, staff and admin, and staff of another city."""
    climate = ensure_department(kranj, "climate", "Climate office")
    other = create_city("ljubljana", name="Ljubljana", country="SI", population=295000)
    other_dept = ensure_department(other, "energy", "Energy office")
    return {
        "anonymous": None,
        "citizen": grant_role(kranj, "t-citizen", Role.CITIZEN).user,
        "staff": grant_role(kranj, "t-staff", Role.STAFF, department=climate).user,
        "admin": grant_role(kranj, "t-admin", Role.ADMIN).user,
        "other_staff": grant_role(other, "t-other", Role.STAFF, department=other_dept).user,
    }


def client_as(users, role: str) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    if users[role] is not None:
        client.force_login(users[role])
    return client


def status_row(users, method: str, url: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {role: getattr(client_as(users, role), method)(url).status_code for role in ROLES}


# -- permission matrix -------------------------------------------------------------------------

ALL_200 = dict.fromkeys(ROLES, 200)
STAFF_ONLY = {"anonymous": 404, "citizen": 404, "staff": 200, "admin": 200, "other_staff": 404}

READ_MATRIX = {
    "/sl/": ALL_200,
    "/en/": ALL_200,
    "/sl/accounts/login/": ALL_200,
    "/sl/kranj/inventory/": ALL_200,
    "/en/kranj/inventory/2018/": ALL_200,
    "/sl/kranj/inventory/2022/": ALL_200,
    "/en/kranj/inventory/2024/": STAFF_ONLY,
    "/en/kranj/inventory/2018/download/csv/": ALL_200,
    "/en/kranj/inventory/2018/download/json/": ALL_200,
    "/en/kranj/inventory/2024/download/csv/": STAFF_ONLY,
    "/en/kranj/inventory/2024/download/json/": STAFF_ONLY,
    "/en/kranj/inventory/2018/download/ecrf/": ALL_200,
    "/en/kranj/inventory/2024/download/ccc/": STAFF_ONLY,
    "/en/kranj/inventory/2030/": dict.fromkeys(ROLES, 404),
    "/en/kranj/inventory/2018/download/pdf/": dict.fromkeys(ROLES, 404),
    "/en/nowhere/inventory/": dict.fromkeys(ROLES, 404),
    "/en/nowhere/inventory/2018/": dict.fromkeys(ROLES, 404),
}


def test_read_permission_matrix(users):
    actual = {url: status_row(users, "get", url) for url in READ_MATRIX}
    assert actual == READ_MATRIX


def test_the_latest_inventory_is_the_newest_one_the_user_may_see(users):
    anonymous = client_as(users, "anonymous").get("/en/kranj/inventory/")
    assert anonymous.context["inventory"].year == 2022
    assert "Draft — not public" not in anonymous.content.decode()
    staff = client_as(users, "staff").get("/en/kranj/inventory/")
    assert staff.context["inventory"].year == 2024
    assert "Draft — not public" in staff.content.decode()


def test_the_inventory_reads_follow_the_visibility_rule(users, kranj):
    from zerocity.core.selectors import get_city
    from zerocity.inventory import selectors
    from zerocity.inventory.gwp import GwpSet
    from zerocity.inventory.services import quarantine

    ljubljana = get_city("ljubljana")
    # the home page: each city with the newest inventory this person may see (2024 is a draft)
    assert [(c.slug, i.year if i else None) for c, i in selectors.home_cities(
        users["citizen"])] == [("kranj", 2022), ("ljubljana", None)]
    assert [(c.slug, i.year if i else None) for c, i in selectors.home_cities(
        users["staff"])] == [("kranj", 2024), ("ljubljana", None)]
    assert selectors.latest_inventory(users["other_staff"], ljubljana) is None
    # an inventory's page: its rows in GPC order and the years this person may see
    inventory = selectors.access_inventory_for_user(users["citizen"], "kranj", 2018)
    page = selectors.inventory_page(inventory, users["citizen"], GwpSet.AR5)
    refs = [r["gpc_ref"] for r in page["rows"]]
    assert refs == sorted(refs, key=gpc.sort_key) and page["s"]["rows"]
    assert [i.year for i in page["years"]] == [t["year"] for t in reversed(page["trend"])]
    assert 2024 not in [i.year for i in page["years"]]
    # the import page lists the last refused files, without reading their content
    for n in range(21):
        quarantine(kranj, 2026, f"x{n}".encode(), f"bad-{n}.csv", ["line 2: bad"])
    kept = list(selectors.recent_rejected_imports(kranj))
    assert len(kept) == 20 and kept[0].filename == "bad-20.csv"
    assert "content" in kept[0].get_deferred_fields()


@pytest.mark.parametrize(
    ("role", "status", "published"),
    [
        ("anonymous", 302, False),
        ("citizen", 404, False),
        ("staff", 404, False),
        ("admin", 302, True),
        ("other_staff", 404, False),
    ],
)
def test_publish_permission_matrix(users, role, status, published):
    client = client_as(users, role)
    response = client.post("/en/kranj/inventory/2024/publish/")
    assert response.status_code == status
    inventory = Inventory.objects.get(city__slug="kranj", year=2024)
    assert inventory.is_published is published
    if role == "anonymous":
        assert response["Location"] == (
            "/en/accounts/login/?next=/en/kranj/inventory/2024/publish/"
        )
    if role == "admin":
        assert response["Location"] == "/en/kranj/inventory/2024/"
        page = client.get(response["Location"])
        assert "The 2024 inventory of Kranj is now public." in page.content.decode()
        assert client_as(users, "anonymous").get("/en/kranj/inventory/2024/").status_code == 200


def test_publish_needs_post_and_a_csrf_token(users):
    admin = client_as(users, "admin")
    assert admin.get("/en/kranj/inventory/2024/publish/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(users["admin"])
    assert strict.post("/en/kranj/inventory/2024/publish/").status_code == 403
    assert Inventory.objects.get(city__slug="kranj", year=2024).status == InventoryStatus.DRAFT


def test_publishing_twice_changes_nothing(users):
    admin = client_as(users, "admin")
    admin.post("/en/kranj/inventory/2024/publish/")
    first = Inventory.objects.get(city__slug="kranj", year=2024).published_at
    response = admin.post("/en/kranj/inventory/2024/publish/", follow=True)
    assert "The 2024 inventory was already public." in response.content.decode()
    assert Inventory.objects.get(city__slug="kranj", year=2024).published_at == first


def test_publish_button_is_shown_to_city_admins_only(users):
    form = 'action="/en/kranj/inventory/2024/publish/"'
    assert form in client_as(users, "admin").get("/en/kranj/inventory/2024/").content.decode()
    assert form not in client_as(users, "staff").get("/en/kranj/inventory/2024/").content.decode()
    published = client_as(users, "admin").get("/en/kranj/inventory/2018/").content.decode()
    assert "/publish/" not in published


def test_login_and_logout(users):
    users["staff"].set_password("a long enough password")
    users["staff"].save()
    client = Client()
    response = client.post(
        "/en/accounts/login/",
        {"username": "t-staff", "password": "a long enough password",
         "next": "/en/kranj/inventory/2024/"},
    )
    assert response.status_code == 302 and response["Location"] == "/en/kranj/inventory/2024/"
    assert client.get("/en/kranj/inventory/2024/").status_code == 200
    response = client.post("/en/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/en/"
    assert client.get("/en/kranj/inventory/2024/").status_code == 404


# -- figures, formats and languages -----------------------------------------------------------

def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">([^<]*)<', html)
    assert match, f"figure {name} not on the page"
    return match.group(1)


def test_the_2018_page_shows_the_published_figures_in_each_language(kranj, client):
    sl = client.get("/sl/kranj/inventory/2018/").content.decode()
    en = client.get("/en/kranj/inventory/2018/").content.decode()
    assert [figure(sl, k) for k in ("mission", "scope1", "scope2", "scope3", "basic",
                                    "basic-plus", "per-capita")] == \
        ["238.832", "207.460", "25.661", "5.711", "187.909", "238.832", "4,24"]
    assert [figure(en, k) for k in ("mission", "scope1", "scope2", "scope3", "basic",
                                    "basic-plus", "per-capita")] == \
        ["238,832", "207,460", "25,661", "5,711", "187,909", "238,832", "4.24"]
    # the line table: Kranj's residential heating oil, 30,881.5 MWh -> 8,029.2 t
    assert "30.881,5 MWh" in sl and "8.029,2" in sl
    assert "30,881.5 MWh" in en and "8,029.2" in en


def test_slovenian_is_the_default_language(kranj, client):
    response = client.get("/kranj/inventory/2018/")
    assert response.status_code == 302 and response["Location"] == "/sl/kranj/inventory/2018/"
    html = client.get("/sl/kranj/inventory/2018/").content.decode()
    assert '<html lang="sl">' in html
    assert "Evidenca emisij toplogrednih plinov mesta Kranj" in html
    assert "Emisije po sektorjih GPC in obsegih" in html
    assert "Stacionarna energija" in html  # GPC sector names are translated too
    assert "Stanovanjske stavbe" in html
    assert ">Srednja<" in html  # data quality M in words
    assert "Greenhouse gas inventory" not in html


def test_the_english_page_is_in_english(kranj, client):
    html = client.get("/en/kranj/inventory/2018/").content.decode()
    assert '<html lang="en">' in html
    assert "Greenhouse gas inventory of Kranj" in html
    assert "Emissions by GPC sector and scope" in html
    assert "Stationary energy" in html and ">Medium<" in html
    assert "Evidenca emisij" not in html


def test_every_sector_and_subsector_name_has_a_slovenian_translation():
    names = set(gpc.SECTOR_NAMES.values()) | {c.subsector_name for c in gpc.taxonomy().values()}
    with translation.override("sl"):
        untranslated = sorted(n for n in names if translation.gettext(n) == n)
    assert untranslated == []


def test_the_inventory_page_has_its_sections_and_charts(kranj, client):
    html = client.get("/en/kranj/inventory/2018/").content.decode()
    assert html.count('<svg class="chart"') == 2
    assert html.count('role="img"') == 2
    assert 'aria-label="Emissions by GPC sector and scope, Kranj 2018 (t CO₂e)"' in html
    assert "<title>I Stationary energy — Scope 1: 68,536 t CO₂e</title>" in html
    # the CCC table, its total row equals the mission total
    assert "Climate City Contract table A-1.3" in html and "AFOLU sinks" in html
    assert re.search(r'<tr class="total"><th scope="row">Total</th><td>207,460</td>'
                     r"<td>25,661</td><td>5,711</td><td class=\"strong\">238,832</td>", html)
    # notation keys explained, with the IE target
    assert '<abbr title="Included elsewhere">IE</abbr>' in html
    assert "counted in I.1.1" in html and "Not estimated" in html
    # every download format is linked
    for fmt in ("csv", "json", "ecrf", "ccc"):
        assert f'href="/en/kranj/inventory/2018/download/{fmt}/"' in html
    assert "Illustrative figures" not in html


def test_illustrative_years_are_marked(kranj, client):
    html = client.get("/en/kranj/inventory/2022/").content.decode()
    assert "Illustrative figures" in html and "These figures are made up" in html
    # the trend marks the illustrative years in the chart and its table
    trend = client.get("/en/kranj/inventory/2018/").content.decode()
    assert trend.count('class="flag">illustrative</text>') == 2
    assert trend.count('<tr class="illustrative">') == 2


def test_drafts_are_marked_and_never_cached_publicly(users):
    response = client_as(users, "staff").get("/en/kranj/inventory/2024/")
    html = response.content.decode()
    assert "Draft — not public" in html
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert 'class="flag">draft</text>' in html  # the trend shows the draft year as such


def test_a_gwp_set_can_be_chosen_and_a_wrong_one_is_refused(kranj, client):
    html = client.get("/en/kranj/inventory/2018/?gwp=AR6").content.decode()
    assert "Recalculated with AR6. The inventory was reported with AR5." in html
    assert figure(html, "mission") != "238,832"
    response = client.get("/en/kranj/inventory/2018/?gwp=AR9")
    assert response.status_code == 400 and "unknown GWP set 'AR9'" in response.content.decode()


def test_downloads(kranj, client):
    csv = client.get("/en/kranj/inventory/2018/download/csv/")
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert csv["Content-Disposition"] == 'attachment; filename="inventory-SIKRA-2018.csv"'
    assert csv.content.decode().startswith("gpc_ref,activity,")
    data = json.loads(client.get("/en/kranj/inventory/2018/download/json/").content)
    assert round(data["totals"]["mission"]) == 238832 and data["year"] == 2018
    for fmt, name in (("ecrf", "eCRF-inventory-SIKRA-2018.xlsx"),
                      ("ccc", "CCC-A1-inventory-SIKRA-2018.xlsx")):
        xlsx = client.get(f"/en/kranj/inventory/2018/download/{fmt}/")
        assert xlsx["Content-Disposition"] == f'attachment; filename="{name}"'
        assert xlsx.content[:2] == b"PK"  # an Office Open XML (zip) workbook


def test_a_city_without_a_visible_inventory_says_so(users):
    response = client_as(users, "anonymous").get("/en/ljubljana/inventory/")
    assert response.status_code == 200
    assert "No inventory published yet." in response.content.decode()


def test_charts_escape_their_text_and_draw_sinks_left_of_zero():
    svg = charts.stacked_bars(
        [charts.Bar("<Land>", [-50.0, 100.0])],
        [charts.Series("Sinks", "#000000"), charts.Series("Sources", "#111111")],
        label='Land "net"', unit="t", fmt=lambda v: f"{v:.0f}", total_label="Total",
    )
    assert "<Land>" not in svg and "&lt;Land&gt;" in svg
    assert 'role="img" aria-label="Land &quot;net&quot;"' in svg
    assert "<title>&lt;Land&gt; — Total: 50 t</title>" in svg
    sink, source = re.findall(r'<rect x="([\d.]+)" y="\d+" width="([\d.]+)"', svg)
    assert float(sink[0]) + float(sink[1]) == pytest.approx(float(source[0]))  # meet at zero
    assert charts.nice_ticks(0, 238832) == [0, 50000, 100000, 150000, 200000, 250000]
    assert charts.nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert charts.nice_ticks(-4645, 55568) == [-20000, 0, 20000, 40000, 60000]


def test_home_lists_the_cities(kranj, client):
    html = client.get("/en/").content.decode()
    assert 'href="/en/kranj/inventory/"' in html and "Kranj" in html
    assert "Latest inventory: 2022" in html


PAGES = ("/sl/", "/en/", "/sl/accounts/login/", "/sl/kranj/inventory/",
         "/en/kranj/inventory/2018/", "/en/kranj/inventory/2024/", "/en/nowhere/inventory/")


def test_no_page_loads_scripts_or_styles_from_elsewhere(users):
    external = re.compile(r'<(script|link|img|iframe)\b[^>]*\b(src|href)="(https?:)?//', re.I)
    for url in PAGES:
        html = client_as(users, "staff").get(url).content.decode()
        assert not external.search(html), url
        assert "@import" not in html and "url(http" not in html, url
        assert '<link rel="stylesheet" href="/static/web/zerocity.css">' in html, url


def test_the_stylesheet_is_served_by_the_app(kranj, client):
    from django.contrib.staticfiles import finders

    path = finders.find("web/zerocity.css")
    assert path is not None
    css = open(path, encoding="utf-8").read()
    assert "http" not in css and "@media print" in css


# -- every view declares its rule --------------------------------------------------------------

def _ninja_operations(callback):  # type: ignore[no-untyped-def]
    """The operations behind a django-ninja path view (its URL callback is a closure)."""
    from ninja.operation import PathView

    for cell in callback.__closure__ or ():
        if isinstance(cell.cell_contents, PathView):
            return cell.cell_contents.operations
    return None


def _walk(resolver: URLResolver, prefix: str = ""):  # type: ignore[no-untyped-def]
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":  # the Django admin's own views: staff-only by itself
                continue
            # the i18n_patterns prefix (sl/, en/) is left out of the path
            part = "" if isinstance(entry.pattern, LocalePrefixPattern) else str(entry.pattern)
            yield from _walk(entry, prefix + part)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_every_view_declares_a_permission_rule():
    from django.views.i18n import set_language
    from ninja.openapi.views import default_home, openapi_json, openapi_view

    # Views that belong to Django or django-ninja themselves, public by design.
    exempt = {set_language, default_home, openapi_json, openapi_view}
    seen, missing = [], []
    for path, callback in _walk(get_resolver()):
        func = getattr(callback, "func", callback)  # functools.partial (ninja's docs views)
        if func in exempt:
            continue
        seen.append(path)
        operations = _ninja_operations(callback)
        if operations is not None:
            rules = [(op.openapi_extra or {}).get("x-permission") for op in operations]
        else:
            view_class = getattr(callback, "view_class", None)
            rules = [getattr(callback, "permission_rule", None)
                     or getattr(view_class, "permission_rule", None)]
        if not all(rules):
            missing.append(path)
    assert missing == []
    assert {"", "accounts/login/", "accounts/logout/", "<slug:city>/inventory/",
            "<slug:city>/inventory/<int:year>/publish/", "healthz", "livez"} <= set(seen)


# -- the Slovenian catalogue -------------------------------------------------------------------

LOCALE = Path(__file__).resolve().parents[1] / "src/zerocity/locale/sl/LC_MESSAGES"


def read_po(path: Path) -> dict[object, str]:
    """msgid (or (msgid, n) for plural forms; "context\x04msgid" with a context) -> msgstr of
    a .po file; fuzzy entries skipped."""
    entries: dict[object, str] = {}
    for block in path.read_text("utf-8").split("\n\n"):
        if "#, fuzzy" in block and 'msgid ""\nmsgstr ""\n"Project' not in block:
            continue
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line.startswith('"'):
                fields[key] += ast.literal_eval(line)
                continue
            key, _, value = line.partition(" ")
            fields[key] = ast.literal_eval(value)
        if not fields.get("msgid"):
            continue  # the header
        if "msgctxt" in fields:  # a message with a context is compiled under "context\x04msgid"
            fields["msgid"] = f"{fields['msgctxt']}\x04{fields['msgid']}"
        if "msgid_plural" in fields:
            for name, value in fields.items():
                if name.startswith("msgstr["):
                    entries[(fields["msgid"], int(name[7:-1]))] = value
        else:
            entries[fields["msgid"]] = fields["msgstr"]
    return entries


def test_every_message_is_translated_and_the_catalogue_is_compiled():
    po = read_po(LOCALE / "django.po")
    assert len(po) > 100
    assert [k for k, v in po.items() if not v] == []
    with open(LOCALE / "django.mo", "rb") as fh:
        compiled = gettext_module.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
    stale = {k: v for k, v in po.items() if compiled.get(k) != v}
    assert stale == {}, "run compilemessages: django.mo is older than django.po"


# -- staff import page ---------------------------------------------------------------------------

IMPORT_URL = "/en/kranj/inventory/import/"


def test_import_page_is_for_the_citys_staff_only(users):
    expected = {"anonymous": 302, "citizen": 404, "staff": 200, "admin": 200,
                "other_staff": 404}
    got = {role: client_as(users, role).get(IMPORT_URL).status_code for role in expected}
    assert got == expected


def test_staff_import_a_file_and_see_it_on_the_draft(users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_as(users, "staff")
    upload = SimpleUploadedFile("a.csv", b"gpc_ref,activity,co2\nI.1.1,Gas boilers,1234\n")
    response = client.post(IMPORT_URL, {"year": 2026, "file": upload, "mode": "replace",
                                        "gwp": ""})
    assert response.status_code == 302 and response["Location"] == "/en/kranj/inventory/2026/"
    page = client.get("/en/kranj/inventory/2026/").content.decode()
    assert "Gas boilers" in page and "1,234" in page
    # the new year is a draft: the public does not see it
    assert client_as(users, "anonymous").get("/en/kranj/inventory/2026/").status_code == 404


def test_a_refused_upload_lists_the_errors_and_lands_in_quarantine(users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zerocity.inventory.models import RejectedImport

    client = client_as(users, "staff")
    bad = b"gpc_ref,activity,co2\nI.1.1,Gas,lots\nI.9.9,Oil,1\n"
    response = client.post(IMPORT_URL, {"year": 2026, "mode": "replace", "gwp": "",
                                        "file": SimpleUploadedFile("bad.csv", bad)})
    html = response.content.decode()
    assert response.status_code == 400
    assert "line 2, column co2: &#x27;lots&#x27; is not a number" in html
    assert "line 3, column gpc_ref: &#x27;I.9.9&#x27; is not a GPC v1.1 reference number" in html
    kept = RejectedImport.objects.get()
    assert kept.actor_label == "t-staff"
    download = client.get(f"/en/kranj/inventory/rejected/{kept.pk}/")
    assert download.status_code == 200 and download.content == bad
    assert client_as(users, "other_staff").get(
        f"/en/kranj/inventory/rejected/{kept.pk}/").status_code == 404
    assert client_as(users, "citizen").get(
        f"/en/kranj/inventory/rejected/{kept.pk}/").status_code == 404


def test_importing_into_a_published_year_is_refused_with_a_reason(users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_as(users, "staff").post(IMPORT_URL, {
        "year": 2018, "mode": "replace", "gwp": "",
        "file": SimpleUploadedFile("a.csv", b"gpc_ref,activity,co2\nI.1.1,Gas,1\n")})
    assert response.status_code == 409
    assert "is published; withdraw it from the public before importing" in \
        response.content.decode()
