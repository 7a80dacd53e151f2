"""Production behind a real TLS proxy: `zerocity serve` with ZEROCITY_ENV=production behind
nginx (Debian's package) with a self-signed certificate made here, configured with the proxy
snippet the deployment guide ships (deploy/nginx/zerocity-proxy.conf). Through it a citizen
logs in, posts a form and reads the API; the pages carry HSTS and the Content-Security-Policy,
nothing redirects in a loop, and a visitor who talks to the server directly cannot claim HTTPS.
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import json
import os
import re
import shutil
import socket
import ssl
import stat
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import require_component
from test_production import STRONG_KEY, environment

ROOT = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None)
PASSWORD = "a-long-citizen-passphrase-2026"
SITE = {"ZEROCITY_ENV": "production", "ZEROCITY_SECRET_KEY": STRONG_KEY,
        "ZEROCITY_ALLOWED_HOSTS": "localhost", "ZEROCITY_TRUSTED_PROXIES": "127.0.0.1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def zerocity(env: dict[str, str], *args: str, stdin: str = "") -> str:
    done = subprocess.run([sys.executable, "-m", "zerocity", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def wait_for_port(port: int, proc: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{what} stopped with exit code {proc.returncode}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{what} did not listen on port {port}")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A migrated production site in a fresh data directory: the city of Kranj and a citizen."""
    root = tmp_path_factory.mktemp("site")
    env = {**environment(root, **SITE), "ZEROCITY_DATA_DIR": str(root / "data")}
    zerocity(env, "migrate")
    zerocity(env, "manage", "collectstatic", "--noinput")
    zerocity(env, "city", "create", "kranj", "--name", "Kranj", "--country", "SI")
    zerocity(env, "user", "grant", "meta", "--city", "kranj", "--role", "citizen",
             "--email", "meta@example.org", "--password-stdin", stdin=PASSWORD + "\n")
    return root, env


@pytest.fixture(scope="module")
def proxied(site):
    """`zerocity serve` on a port of its choosing and nginx with TLS in front of it."""
    require_component(NGINX is not None, "nginx is not installed (apt-get install nginx)")
    root, env = site
    log = (root / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "zerocity", "serve", "--port", "0"],
                              env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        assert server.stdout is not None
        announced = server.stdout.readline()
        app_port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", announced).group(1))
        cert, key = self_signed(root)
        https = free_port()
        for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (root / "nginx" / temp).mkdir(parents=True, exist_ok=True)
        conf = root / "nginx" / "nginx.conf"
        conf.write_text(f"""
{'user root;' if os.geteuid() == 0 else ''}
worker_processes 1;
daemon off;
pid {root}/nginx/nginx.pid;
error_log {root}/nginx/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {root}/nginx/access.log;
    client_body_temp_path {root}/nginx/body;
    proxy_temp_path {root}/nginx/proxy;
    fastcgi_temp_path {root}/nginx/fastcgi;
    uwsgi_temp_path {root}/nginx/uwsgi;
    scgi_temp_path {root}/nginx/scgi;
    upstream zerocity {{ server 127.0.0.1:{app_port}; }}
    server {{
        listen 127.0.0.1:{https} ssl;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        location / {{ include {ROOT}/deploy/nginx/zerocity-proxy.conf; }}
    }}
}}
""")
        nginx = subprocess.Popen([NGINX, "-p", str(root / "nginx"), "-c", str(conf),
                                  "-e", str(root / "nginx" / "error.log")], text=True,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(https, nginx, "nginx")
            yield {"https": https, "app": app_port, "cert": cert, "log": root / "server.log",
                   "data": root / "data"}
        finally:
            nginx.terminate()
            nginx.wait(timeout=30)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


class Browser:
    """Just enough of a browser: cookies, Origin on posts, no automatic redirects."""

    def __init__(self, port: int, cert: Path) -> None:
        self.port, self.origin = port, f"https://localhost:{port}"
        self.context = ssl.create_default_context(cafile=str(cert))
        self.cookies: dict[str, str] = {}
        self.set_cookies: list[str] = []

    def request(self, method: str, path: str, form: dict[str, str] | None = None
                ) -> tuple[http.client.HTTPResponse, str]:
        conn = http.client.HTTPSConnection("localhost", self.port, context=self.context,
                                           timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers.update({"Content-Type": "application/x-www-form-urlencoded",
                            "Origin": self.origin, "Referer": self.origin + path})
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        conn.close()
        for raw in response.headers.get_all("Set-Cookie") or []:
            self.set_cookies.append(raw)
            for name, morsel in SimpleCookie(raw).items():
                self.cookies[name] = morsel.value
        return response, text

    def get(self, path: str) -> tuple[http.client.HTTPResponse, str]:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> tuple[http.client.HTTPResponse, str]:
        return self.request("POST", path, form)


def csrf(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def direct(port: int, path: str, *, source: str, **headers: str) -> http.client.HTTPResponse:
    """A request straight to `zerocity serve`, from the address ``source``, past the proxy."""
    conn = http.client.HTTPConnection("127.0.0.1", port, source_address=(source, 0),
                                      timeout=120)
    conn.request("GET", path, headers={"Host": "localhost", **headers})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def test_pages_through_the_proxy_are_https_with_hsts_and_csp_and_no_redirect_loop(proxied):
    browser = Browser(proxied["https"], proxied["cert"])
    response, page = browser.get("/en/")
    assert response.status == 200  # served, not sent to https again
    assert response.headers["Strict-Transport-Security"] == \
        "max-age=31536000; includeSubDomains; preload"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "ZeroCity" in page


def test_the_proxy_health_probe_sees_the_database_and_the_store(proxied):
    response, body = Browser(proxied["https"], proxied["cert"]).get("/healthz")
    assert response.status == 200
    assert json.loads(body) == {"status": "ok", "checks": {"database": "ok", "store": "ok"}}


def test_a_citizen_logs_in_posts_a_form_and_reads_the_api_through_the_proxy(proxied):
    browser = Browser(proxied["https"], proxied["cert"])
    _, login = browser.get("/en/accounts/login/")
    response, _ = browser.post("/en/accounts/login/", {
        "csrfmiddlewaretoken": csrf(login), "username": "meta", "password": PASSWORD})
    assert response.status == 302, "the login was refused (CSRF origin or password)"
    assert not response.headers["Location"].startswith("http:")
    session = [c for c in browser.set_cookies if c.startswith("__Host-zerocity-session=")]
    assert session and "Secure" in session[0] and "HttpOnly" in session[0]

    _, me = browser.get("/en/kranj/me/")
    response, _ = browser.post("/en/kranj/me/mail/", {
        "csrfmiddlewaretoken": csrf(me), "immediate": "on"})
    assert (response.status, response.headers["Location"]) == (302, "/en/kranj/me/")
    _, me = browser.get("/en/kranj/me/")
    assert "Your mail settings are saved." in me

    response, body = browser.get("/api/v1/cities")
    assert response.status == 200
    assert [c["slug"] for c in json.loads(body)] == ["kranj"]


def test_a_visitor_straight_to_the_server_cannot_claim_https(proxied):
    # plain HTTP is sent to HTTPS ...
    plain = direct(proxied["app"], "/en/", source="127.0.0.2")
    assert (plain.status, plain.headers["Location"]) == (301, "https://localhost/en/")
    # ... and saying otherwise from an address that is not the proxy's changes nothing
    forged = direct(proxied["app"], "/en/", source="127.0.0.2", **{"X-Forwarded-Proto": "https"})
    assert forged.status == 301
    # while the same header from the proxy's address is believed
    assert direct(proxied["app"], "/en/", source="127.0.0.1",
                  **{"X-Forwarded-Proto": "https"}).status == 200


def test_the_servers_log_lines_are_json_with_the_proxys_request_id(proxied):
    response, _ = Browser(proxied["https"], proxied["cert"]).get("/en/?log=check")
    rid = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)  # nginx's $request_id
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the server writes its line after the answer
        lines = [json.loads(line) for line in proxied["log"].read_text().splitlines()
                 if line.startswith("{")]
        mine = [e for e in lines if e.get("request_id") == rid]
        if mine:
            break
        time.sleep(0.1)
    [entry] = mine
    assert (entry["logger"], entry["path"], entry["status"]) == ("zerocity.request", "/en/", 200)
    assert entry["remote_addr"] == "127.0.0.1"  # the visitor's address, as the proxy said


def test_everything_in_the_data_directory_is_private(proxied):
    data = proxied["data"]
    loose = [f"{p.relative_to(data)} {stat.S_IMODE(p.stat().st_mode):o}"
             for p in [data, *data.rglob("*")]
             if stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert loose == []
