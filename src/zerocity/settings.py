"""Django settings for ZeroCity.

Everything comes from the environment, with an embedded default that needs no configuration:
SQLite and DuckDB files under ``ZEROCITY_DATA_DIR`` (``./var`` by default). ``DATABASE_URL``
switches to PostgreSQL. ``ZEROCITY_ENV=production`` turns on the settings a public deployment
needs (HTTPS only, secure cookies, HSTS) and refuses to start without a real secret key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.utils.translation import gettext_lazy as _

# Classes that are generic in django-stubs but not in Django (``admin.ModelAdmin[City]``) may be
# subscripted at run time too; the subscript returns the class unchanged.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("ZEROCITY_DATA_DIR", Path.cwd() / "var")).resolve()
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


def _secret_key() -> str:
    key = os.environ.get("ZEROCITY_SECRET_KEY", "")
    if key:
        return key
    if PRODUCTION:
        raise RuntimeError("ZEROCITY_SECRET_KEY must be set when ZEROCITY_ENV=production")
    # Local installs keep a generated key beside their data so sessions survive restarts and
    # no key ever lives in the repository.
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(key)
    tmp.chmod(0o600)
    tmp.replace(path)
    return key


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("ZEROCITY_DEBUG", "") == "1" and not PRODUCTION
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get(
        "ZEROCITY_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]"
    ).split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("ZEROCITY_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
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
    "django_q",  # the job queue and its schedules, in the database (docs/worker.md)
    "zerocity.core",
    "zerocity.inventory",
    "zerocity.plan",
    "zerocity.data",
    "zerocity.card",
    "zerocity.food",
    "zerocity.engage",
    "zerocity.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "zerocity.core.middleware.QueryLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "zerocity.core.middleware.CityTimeZoneMiddleware",
    "zerocity.web.refusals.RefusalMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = os.environ.get("ZEROCITY_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ZEROCITY_LOG_LEVEL", "WARNING")},
}
