"""Django settings for ZeroCity.

Everything comes from the environment, with an embedded default that needs no configuration:
SQLite and DuckDB files under ``ZEROCITY_DATA_DIR`` (``./var`` by default). ``DATABASE_URL``
switches to PostgreSQL. ``ZEROCITY_ENV=production`` turns on the settings a public deployment
needs (HTTPS only, secure cookies, HSTS, JSON logs) and refuses to start without a strong secret
key and the site's host names; behind a TLS proxy, ``ZEROCITY_TRUSTED_PROXIES`` names the
addresses whose ``X-Forwarded-*`` headers are believed. Every variable is listed in
docs/deploy.md.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import tempfile
from datetime import date, timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Classes that are generic in django-stubs but not in Django (``admin.ModelAdmin[City]``) may be
# subscripted at run time too; the subscript returns the class unchanged.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("ZEROCITY_DATA_DIR", Path.cwd() / "var")).resolve()
# The journey planner's compiled search (numba, docs/mobility.md) keeps its machine code next to
# its source; where the installed package is read-only (a deployment), under the data folder.
if "NUMBA_CACHE_DIR" not in os.environ and not os.access(BASE_DIR / "mobility" / "planner",
                                                         os.W_OK):
    os.environ["NUMBA_CACHE_DIR"] = str(DATA_DIR / "cache" / "numba")
ENV = os.environ.get("ZEROCITY_ENV", "local")
# Open data: a published figure that rests on fewer meters than this is withheld (statistical
# disclosure control's minimum-frequency rule), so no household's or firm's use can be read
# from it; and the licence of the published aggregates.
OPEN_DATA_MIN_METERS = int(os.environ.get("ZEROCITY_OPEN_DATA_MIN_METERS", "3"))
# The city card's top-ups: a class with ``pay(amount, key=, description=)``; the built-in test
# provider accepts everything (demo, tests). See zerocity.card.payments.
PAYMENT_PROVIDER = os.environ.get("ZEROCITY_PAYMENT_PROVIDER",
                                  "zerocity.card.payments.TestProvider")
OPEN_DATA_LICENCE = os.environ.get("ZEROCITY_OPEN_DATA_LICENCE", "CC BY 4.0")
OPEN_DATA_LICENCE_URL = os.environ.get("ZEROCITY_OPEN_DATA_LICENCE_URL",
                                       "https://creativecommons.org/licenses/by/4.0/")
PRODUCTION = ENV == "production"


# Django's own test of a key that can protect sessions and signed links (check --deploy, W009)
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 5
MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"


def _secret_key() -> str:
    key = os.environ.get("ZEROCITY_SECRET_KEY", "")
    if PRODUCTION and not key:
        raise ImproperlyConfigured(
            "ZEROCITY_SECRET_KEY must be set when ZEROCITY_ENV=production. "
            f"Make one with: {MAKE_A_KEY}")
    if PRODUCTION and (len(key) < SECRET_KEY_MIN_LENGTH
                       or len(set(key)) < SECRET_KEY_MIN_UNIQUE
                       or key.startswith("django-insecure-")):
        raise ImproperlyConfigured(
            f"ZEROCITY_SECRET_KEY is too weak for production: it must be at least "
            f"{SECRET_KEY_MIN_LENGTH} random characters. Make one with: {MAKE_A_KEY}")
    if key:
        return key
    # Local installs keep a generated key beside their data so sessions survive restarts and
    # no key ever lives in the repository.
    # Two processes may start on a fresh directory at once (`make test` runs two suites side
    # by side, a server starts its workers together): each writes its own file, readable by
    # its owner only, and links it into place only where no key is yet, so the first one wins
    # and every process reads the same key, never a half-written one.
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(50))
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("ZEROCITY_DEBUG", "") == "1" and not PRODUCTION
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get(
        "ZEROCITY_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]"
    ).split(",")
    if h.strip()
]
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ZEROCITY_ALLOWED_HOSTS must name the site's host names when ZEROCITY_ENV=production "
        "(comma-separated, e.g. zerocity.kranj.si)")
# Origins a form may be posted from besides the site's own (https://<Host>): needed only when
# the proxy changes the Host header, or a second name serves the same site.
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("ZEROCITY_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]


def _proxies(value: str) -> list[str]:
    """The proxies' addresses or networks (``127.0.0.1``, ``10.0.8.0/24``, ``::1``)."""
    found = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            found.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ImproperlyConfigured(
                f"ZEROCITY_TRUSTED_PROXIES: {item!r} is not an IP address or network "
                "(write e.g. 127.0.0.1 or 10.0.8.0/24, comma-separated)") from None
    return found


# The reverse proxies in front of `zerocity serve`: only a request from one of these addresses
# may say, with X-Forwarded-Proto and X-Forwarded-For, that the visitor came over HTTPS and
# from which address (zerocity/server.py); from anyone else those headers are removed.
TRUSTED_PROXIES = _proxies(os.environ.get("ZEROCITY_TRUSTED_PROXIES", ""))
TRUSTED_PROXY_HEADERS = sorted({
    h.strip().lower()
    for h in os.environ.get("ZEROCITY_TRUSTED_PROXY_HEADERS",
                            "x-forwarded-proto,x-forwarded-for").split(",")
    if h.strip()})

INSTALLED_APPS = [
    "csp",
    "modeltranslation",  # before the admin: its admin classes patch the admin's forms
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    # accounts that are hard to take over (docs/accounts.md): failed log-ins counted per account
    # and per address, and a second factor (TOTP with recovery codes)
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_q",  # the job queue and its schedules, in the database (docs/worker.md)
    "zerocity.core",
    "zerocity.inventory",
    "zerocity.plan",
    "zerocity.data",
    "zerocity.card",
    "zerocity.mobility",
    "zerocity.food",
    "zerocity.budget",
    "zerocity.contract",
    "zerocity.governance",
    "zerocity.engage",
    "zerocity.web",
]

MIDDLEWARE = [
    "zerocity.core.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "zerocity.api.limits.ApiBodyLimit",  # before anything reads an API request's body
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "zerocity.core.middleware.QueryLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # before any view (and the CSRF check) reads a form: the 400 page shows who is logged in
    "zerocity.core.middleware.RefuseNulCharacters",
    "django_otp.middleware.OTPMiddleware",
    "zerocity.web.second_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "zerocity.core.middleware.CityTimeZoneMiddleware",
    "zerocity.web.refusals.RefusalMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # last, as django-axes asks: it turns a locked-out log-in into the login page's message
    "axes.middleware.AxesMiddleware",
]

# Django's local-memory caches, one per worker process: the default one (throttles, computed
# statistics) and the pages kept for anonymous visitors (zerocity.web.page_cache), keyed on
# the data's versions, so that entries of different processes never disagree with the data.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
              "LOCATION": "pages", "OPTIONS": {"MAX_ENTRIES": 2000}},
}
PAGE_CACHE = "pages"
PAGE_CACHE_SECONDS = int(os.environ.get("ZEROCITY_PAGE_CACHE_SECONDS", "300"))
# the largest response kept (web.page_cache): each process keeps its own in memory
PAGE_CACHE_MAX_BYTES = int(os.environ.get("ZEROCITY_PAGE_CACHE_MAX_BYTES", str(16 * 2**20)))

ROOT_URLCONF = "zerocity.urls"
WSGI_APPLICATION = "zerocity.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zerocity.web.context.demo_loading",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'zerocity.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the public pages read while an import writes; IMMEDIATE takes the write lock at
    # the start of a transaction so two writers queue instead of failing half-way.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Log-in throttling (django-axes, docs/accounts.md): after LOGIN_FAILURE_LIMIT failed log-ins
# for one user name, or from one address, log-ins for it (from it) are refused for
# LOGIN_LOCK_MINUTES after the last failure; the right password included. A successful log-in
# forgives that account's failures from that address only (core.login_throttle). The address
# is REMOTE_ADDR alone: a client cannot choose it with a header (behind a proxy, the server
# sets REMOTE_ADDR from the proxy's header, docs/deploy.md).
AUTHENTICATION_BACKENDS = [
    "zerocity.core.login_throttle.LoginThrottle",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("ZEROCITY_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("ZEROCITY_LOGIN_LOCK_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = False  # see core.login_throttle.forgive: per account and address
AXES_LOCKOUT_CALLABLE = "zerocity.web.account_views.locked_out"
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
AXES_DISABLE_ACCESS_LOG = True  # successful log-ins are not kept with their addresses
AXES_VERBOSE = False
# The second factor (django-otp): the issuer shown in the authenticator app (codes one step
# either side of now are accepted, each once; wrong codes slow the next try down). A city
# requires it for the roles it lists (City.second_factor_roles); the platform's operators
# (superusers) need it when ZEROCITY_SECOND_FACTOR_OPERATORS=1, the default in production.
OTP_TOTP_ISSUER = "ZeroCity"
SECOND_FACTOR_FOR_OPERATORS = os.environ.get(
    "ZEROCITY_SECOND_FACTOR_OPERATORS", "1" if PRODUCTION else "0") == "1"
# A password-reset link works once, for this many seconds.
PASSWORD_RESET_TIMEOUT = int(os.environ.get("ZEROCITY_PASSWORD_RESET_SECONDS", str(2 * 3600)))
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "sl"
LANGUAGES = [("sl", _("Slovenian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# one date, time and number format per language (zerocity/formats; web/templatetags/zc.py)
FORMAT_MODULE_PATH = ["zerocity.formats"]
USE_I18N = True
# Content people write (actions, indicators, processes, surveys, news, challenges) is stored
# once per language above: ``title`` is read in the active language, ``title_sl`` and
# ``title_en`` are the stored columns (translation.py of plan, engage and card). A missing text
# falls back to the next language that has one, in the order of LANGUAGES, and pages say so
# (web/templatetags/zc.py ``tr``). A city in another language adds it to LANGUAGES, then runs
# ``makemigrations`` and ``update_translation_fields`` (docs/languages.md).
MODELTRANSLATION_DEFAULT_LANGUAGE = LANGUAGE_CODE
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": tuple(code for code, _name in LANGUAGES)}
MODELTRANSLATION_AUTO_POPULATE = False
USE_TZ = True
# Stored and served in UTC; each city's pages are shown in its own zone (core.middleware) and
# its days, months and working days are counted in it (core.calendar).
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    # Local installs serve static files straight from the apps (no collectstatic step).
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# -- Limits on what anyone may send (docs/limits.md): one place, each overridable -----------------
MB = 2**20
# An API request's body (readings, NGSI-LD entities, taps): over it, a 413 Problem. The API
# reads its bodies itself (core.limits), so Django's form limit below does not apply to it.
API_MAX_BODY = int(os.environ.get("ZEROCITY_API_MAX_BODY", str(20 * MB)))
# A page's form post without its files: over it, Django refuses the request (a 400 page).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("ZEROCITY_FORM_MAX_BODY", str(5 * MB)))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
# A file sent through a page (inventory, plan workbook, readings); larger files go through the
# command line, which streams them.
UPLOAD_MAX_FILE = int(os.environ.get("ZEROCITY_UPLOAD_MAX_FILE", str(50 * MB)))
# What a workbook (.xlsx, a zip) may hold once unpacked, and how many parts: checked before it
# is opened, so a zip bomb costs a look at its directory, not minutes of a server process.
UPLOAD_MAX_UNPACKED = int(os.environ.get("ZEROCITY_UPLOAD_MAX_UNPACKED", str(200 * MB)))
UPLOAD_MAX_PARTS = 1000
# A table sent in a file: rows and columns beyond these are refused before the rows are read.
IMPORT_MAX_ROWS = int(os.environ.get("ZEROCITY_IMPORT_MAX_ROWS", "100000"))
IMPORT_MAX_COLUMNS = int(os.environ.get("ZEROCITY_IMPORT_MAX_COLUMNS", "200"))
# A GTFS timetable (a zip): how much it may unpack to, and how many files it may hold. A national
# feed with rail unpacks to a few hundred MB; larger ones go through `zerocity mobility feed
# import`, which reads the file from disk (docs/mobility.md).
GTFS_MAX_UNPACKED = int(os.environ.get("ZEROCITY_GTFS_MAX_UNPACKED", str(2048 * MB)))
GTFS_MAX_FILES = 200
# A real-time or bike-share file the worker pulls from a city's URL (GTFS-Realtime, GBFS): read
# up to this many bytes, a larger one is refused (docs/mobility.md).
MOBILITY_PULL_MAX = int(os.environ.get("ZEROCITY_MOBILITY_PULL_MAX", str(20 * MB)))
# The journey planner's map: the network is drawn from the feed alone; a city may lay it on a
# tile server's map (an XYZ template such as https://tiles.kranj.si/{z}/{x}/{y}.png, its own or
# a provider's, with the attribution its licence asks for). The tiles' origin is added to the
# Content-Security-Policy's img-src below; nothing else may load from there.
MAP_TILES = os.environ.get("ZEROCITY_MAP_TILES", "").strip()
MAP_TILES_ATTRIBUTION = os.environ.get("ZEROCITY_MAP_TILES_ATTRIBUTION", "").strip()


def map_tiles_origin(template: str, attribution: str) -> str | None:
    """The origin a tile template loads from (``https://tiles.kranj.si``), None without one;
    ImproperlyConfigured naming the variable when the template cannot be a tile server's."""
    if not template:
        return None
    scheme, _sep, rest = template.partition("://")
    host = rest.split("/", 1)[0]
    if scheme not in ("https", "http") or not host or "{" in host:
        raise ImproperlyConfigured(
            f"ZEROCITY_MAP_TILES: {template!r} is not an http(s) address with a host name")
    if PRODUCTION and scheme != "https":
        raise ImproperlyConfigured(
            f"ZEROCITY_MAP_TILES: {template!r}: the site is served over HTTPS, so are its tiles")
    missing = [k for k in ("{z}", "{x}", "{y}") if k not in template]
    if missing:
        raise ImproperlyConfigured(
            f"ZEROCITY_MAP_TILES: {template!r} lacks {', '.join(missing)} "
            "(write e.g. https://tiles.example.org/{z}/{x}/{y}.png)")
    if not attribution:
        raise ImproperlyConfigured(
            "ZEROCITY_MAP_TILES_ATTRIBUTION: name who must be credited for the tiles "
            "(e.g. © OpenStreetMap contributors)")
    return f"{scheme}://{host}"


MAP_TILES_ORIGIN = map_tiles_origin(MAP_TILES, MAP_TILES_ATTRIBUTION)
# Quarantine keeps the first errors of each column word for word and counts the rest.
QUARANTINE_KEEP_PER_COLUMN = int(os.environ.get("ZEROCITY_QUARANTINE_KEEP_PER_COLUMN", "100"))
# Readings and card taps dated before this day (UTC) are refused: a device's unset clock.
DEVICE_TIME_EARLIEST = date.fromisoformat(os.environ.get("ZEROCITY_DEVICE_TIME_EARLIEST",
                                                         "1990-01-01"))

# Uploads larger than Django's memory limit wait in a private folder of the server's own,
# set by `zerocity serve` (zerocity/server.py) and swept at the next start if the server died.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = os.environ.get("ZEROCITY_SSL_REDIRECT", "1") == "1"
    # a monitor may ask the server itself, without the proxy
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^livez$"]
    if TRUSTED_PROXIES:
        # Only when a proxy is configured: `zerocity serve` removes the header from everyone
        # else, so a visitor cannot claim HTTPS by sending it.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # the __Host- prefix: the browser keeps the cookie only from HTTPS, for this host alone
    SESSION_COOKIE_NAME = "__Host-zerocity-session"
    CSRF_COOKIE_NAME = "__Host-zerocity-csrf"
    SECURE_HSTS_SECONDS = int(os.environ.get("ZEROCITY_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("ZEROCITY_HSTS_SUBDOMAINS", "1") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("ZEROCITY_HSTS_PRELOAD", "1") == "1"

# Content-Security-Policy (django-csp), in every environment so that the tests and the browser
# suite run under it: scripts only from the site's own static files (no inline script, no
# eval), and styles only from its stylesheets, inline style attributes included (the pages and
# charts use classes and SVG attributes instead; docs/deploy.md). ``data:`` images are the
# empty favicon. Nothing is loaded from another origin (city intranets are offline) but the
# map tiles a city configures (MAP_TILES above).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *([MAP_TILES_ORIGIN] if MAP_TILES_ORIGIN else [])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Mail: the console outside production (the demo prints its mails); SMTP in production, set
# by the environment.
EMAIL_BACKEND = os.environ.get(
    "ZEROCITY_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("ZEROCITY_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("ZEROCITY_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("ZEROCITY_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("ZEROCITY_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("ZEROCITY_EMAIL_TLS", "") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("ZEROCITY_EMAIL_FROM", "ZeroCity <noreply@localhost>")
ZEROCITY_BASE_URL = os.environ.get("ZEROCITY_BASE_URL", "http://127.0.0.1:8000")

# Background jobs (``zerocity worker``, docs/worker.md): django-q2 with its ORM broker, so the
# queue and the schedules live in the site's own database (SQLite or PostgreSQL), no broker.
# A claimed job is offered again only after ``retry`` seconds, longer than any job may run
# (``timeout``), and is never tried a second time (``max_attempts``): a timer missed by a
# crash runs at its next turn instead.
Q_CLUSTER = {
    "name": "zerocity",
    "orm": "default",
    "workers": int(os.environ.get("ZEROCITY_WORKER_PROCESSES", "2")),
    "timeout": 1800,
    "retry": 2400,
    "max_attempts": 1,
    "catch_up": False,  # after a long stop, each timer runs once, not once per missed turn
    "poll": float(os.environ.get("ZEROCITY_WORKER_POLL", "1")),
    "save_limit": 500,
    "ack_failures": True,
    "label": _("Jobs"),
}


# Logs go to standard error (journald under systemd): one JSON object a line in production
# (ZEROCITY_LOG_FORMAT=json|text), each with the request id of the request it belongs to, and
# one line per request from the logger ``zerocity.request`` (zerocity/core/logs.py).
LOG_FORMAT = os.environ.get("ZEROCITY_LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("ZEROCITY_LOG_FORMAT must be json or text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "zerocity.core.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "zerocity.core.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT,
                             "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("ZEROCITY_LOG_LEVEL", "WARNING")},
    "loggers": {
        "zerocity.request": {
            "level": os.environ.get("ZEROCITY_ACCESS_LOG_LEVEL",
                                    "INFO" if PRODUCTION else "WARNING")},
    },
}
