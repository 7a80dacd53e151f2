"""Django settings for ZeroCity.

Everything comes from the environment, with an embedded default that needs no configuration:
SQLite and DuckDB files under ``ZEROCITY_DATA_DIR`` (``./var`` by default). ``DATABASE_URL``
switches to PostgreSQL. ``ZEROCITY_ENV=production`` turns on the settings a public deployment
needs (HTTPS only, secure cookies, HSTS) and refuses to start without a real secret key.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
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
    # accounts that are hard to take over (docs/accounts.md): failed log-ins counted per account
    # and per address, and a second factor (TOTP with recovery codes)
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
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
    "django_otp.middleware.OTPMiddleware",
    "zerocity.web.second_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "zerocity.core.middleware.CityTimeZoneMiddleware",
    "zerocity.web.refusals.RefusalMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # last, as django-axes asks: it turns a locked-out log-in into the login page's message
    "axes.middleware.AxesMiddleware",
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ZEROCITY_LOG_LEVEL", "WARNING")},
}
