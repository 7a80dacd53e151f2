"""Production settings: what `zerocity` refuses to start with, what it trusts from a proxy,
the Content-Security-Policy, and `check --deploy`. Settings are read once per process, so each
configuration is tried in a fresh `python -m zerocity` (or a bare import of the settings)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from zerocity.server import behind_proxies

SRC = Path(__file__).resolve().parents[1] / "src"
STRONG_KEY = "kranj-" + "x7Qp2-Lm9Zr4_Vb8Nc3Wd6" * 3
PRODUCTION = {"ZEROCITY_ENV": "production", "ZEROCITY_SECRET_KEY": STRONG_KEY,
              "ZEROCITY_ALLOWED_HOSTS": "zerocity.kranj.si"}


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ZEROCITY_") and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(PYTHONPATH=str(SRC), ZEROCITY_DATA_DIR=str(tmp_path / "data"), **extra)
    return env


def zerocity(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zerocity", *args], capture_output=True,
                          text=True, env=environment(tmp_path, **extra), timeout=300)


def production_setting(tmp_path: Path, name: str, **extra: str) -> object:
    code = (f"import json, zerocity.settings as s; "
            f"print(json.dumps(getattr(s, {name!r}, None)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=environment(tmp_path, **{**PRODUCTION, **extra}), check=True)
    return json.loads(out.stdout)


# -- refusing to start ----------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "says"), [
    ("", "ZEROCITY_SECRET_KEY must be set when ZEROCITY_ENV=production"),
    ("secret", "ZEROCITY_SECRET_KEY is too weak for production"),
    ("a" * 80, "ZEROCITY_SECRET_KEY is too weak for production"),
    ("django-insecure-" + STRONG_KEY, "ZEROCITY_SECRET_KEY is too weak for production"),
])
def test_production_refuses_to_start_without_a_strong_secret_key(tmp_path, key, says):
    result = zerocity(tmp_path, "serve", **{**PRODUCTION, "ZEROCITY_SECRET_KEY": key})
    assert result.returncode == 1
    assert says in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr  # how to make a good one
    assert "Traceback" not in result.stderr


def test_production_refuses_to_start_without_the_sites_host_names(tmp_path):
    result = zerocity(tmp_path, "serve", **{**PRODUCTION, "ZEROCITY_ALLOWED_HOSTS": ""})
    assert result.returncode == 1
    assert "ZEROCITY_ALLOWED_HOSTS must name the site's host names" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_trusted_proxy_that_is_not_an_address_is_refused_with_its_name(tmp_path):
    result = zerocity(tmp_path, "serve", **PRODUCTION,
                      ZEROCITY_TRUSTED_PROXIES="127.0.0.1, proxy.kranj.si")
    assert result.returncode == 1
    assert "ZEROCITY_TRUSTED_PROXIES: 'proxy.kranj.si' is not an IP address or network" \
        in result.stderr


# -- what a proxy may say -------------------------------------------------------------------------

def test_the_https_header_is_believed_only_when_a_trusted_proxy_is_configured(tmp_path):
    assert production_setting(tmp_path, "SECURE_PROXY_SSL_HEADER") is None
    assert production_setting(tmp_path, "SECURE_PROXY_SSL_HEADER",
                              ZEROCITY_TRUSTED_PROXIES="10.0.8.0/24") == \
        ["HTTP_X_FORWARDED_PROTO", "https"]
    assert production_setting(tmp_path, "TRUSTED_PROXIES",
                              ZEROCITY_TRUSTED_PROXIES="10.0.8.7/24, ::1") == \
        ["10.0.8.0/24", "::1/128"]


def _seen(app, remote_addr: str, **headers: str) -> dict[str, str]:
    environ = {"REMOTE_ADDR": remote_addr, "wsgi.url_scheme": "http", "SERVER_NAME": "app",
               "SERVER_PORT": "8000", "HTTP_HOST": "zerocity.kranj.si",
               **{f"HTTP_{k.upper()}": v for k, v in headers.items()}}
    return json.loads(b"".join(app(environ, lambda status, headers: None)))


def _echo(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    keys = ("wsgi.url_scheme", "REMOTE_ADDR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR")
    return [json.dumps({k: environ.get(k) for k in keys}).encode()]


FORWARDED = {"x_forwarded_proto": "https", "x_forwarded_for": "203.0.113.9"}


def test_a_configured_proxy_says_the_visitor_came_over_https_and_from_where():
    app = behind_proxies(_echo, ["10.0.8.0/24"], ["x-forwarded-proto", "x-forwarded-for"])
    seen = _seen(app, "10.0.8.7", **FORWARDED)
    assert seen["wsgi.url_scheme"] == "https"
    assert seen["REMOTE_ADDR"] == "203.0.113.9"


def test_anyone_else_claiming_https_through_proxy_headers_is_not_believed():
    app = behind_proxies(_echo, ["10.0.8.0/24"], ["x-forwarded-proto", "x-forwarded-for"])
    seen = _seen(app, "198.51.100.7", **FORWARDED)
    assert seen == {"wsgi.url_scheme": "http", "REMOTE_ADDR": "198.51.100.7",
                    "HTTP_X_FORWARDED_PROTO": None, "HTTP_X_FORWARDED_FOR": None}


def test_without_a_configured_proxy_every_proxy_header_is_removed():
    seen = _seen(behind_proxies(_echo, [], []), "127.0.0.1", **FORWARDED)
    assert seen["wsgi.url_scheme"] == "http"
    assert seen["HTTP_X_FORWARDED_PROTO"] is None


def test_a_trusted_proxy_may_only_say_what_it_is_trusted_for():
    app = behind_proxies(_echo, ["127.0.0.1"], ["x-forwarded-proto"])
    seen = _seen(app, "127.0.0.1", **FORWARDED)
    assert seen["wsgi.url_scheme"] == "https"
    assert seen["REMOTE_ADDR"] == "127.0.0.1"
    assert seen["HTTP_X_FORWARDED_FOR"] is None


# -- check --deploy -------------------------------------------------------------------------------

def test_the_production_settings_pass_djangos_deployment_checks(tmp_path):
    result = zerocity(tmp_path, "manage", "check", "--deploy", "--fail-level", "WARNING",
                      **PRODUCTION, ZEROCITY_TRUSTED_PROXIES="127.0.0.1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# -- Content-Security-Policy ----------------------------------------------------------------------

TEMPLATES = SRC / "zerocity"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
EVENT_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)


def test_no_template_or_chart_has_an_inline_script_style_or_event_handler():
    offenders = []
    files = [*TEMPLATES.rglob("*.html"), TEMPLATES / "web" / "charts.py"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for rule in (INLINE_SCRIPT, STYLE_ATTRIBUTE, EVENT_ATTRIBUTE):
            offenders += [f"{path.relative_to(SRC)}: {m.group(0).strip()}"
                          for m in rule.finditer(text)]
    assert offenders == []


@pytest.mark.django_db
def test_every_page_carries_a_policy_without_inline_scripts_or_styles(client):
    response = client.get("/en/")
    policy = dict(part.strip().split(" ", 1)
                  for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in response["Content-Security-Policy"]
    assert b"<script src=\"/static/web/nav.js\">" in response.content
