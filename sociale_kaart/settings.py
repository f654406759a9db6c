"""Settings for Sociale Kaart Jeugd.

Every value that differs per deployment comes from an environment variable
(documented in .env.example). Without DATABASE_URL the project runs on a local
SQLite file, so a first look needs no set-up; CI and production use PostgreSQL.
"""

import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

import dj_database_url
from csp.constants import NONE, SELF

from sociale_kaart.env import env_bool, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
# The test suite runs with DEBUG off but needs no deployment secrets.
TESTING = env_bool("TESTING", False) or "pytest" in sys.modules
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if TESTING:
    SECRET_KEY = SECRET_KEY or "test-only-secret-key-not-for-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["testserver", "localhost", "127.0.0.1"]
if not DEBUG:
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off")
elif not SECRET_KEY:
    # Development only: a fixed, clearly unsafe key so sessions survive restarts.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
if DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "registry",
    "referrals",
    "dashboard",
    "ijw",
    "accounts",
    # Demo and scale-data generators (seed_demo, generate_scale_data); above the rest.
    "sampledata",
    "webhooks",
    # Creates the database cache table after every migrate (sociale_kaart/apps.py).
    "sociale_kaart.apps.SocialeKaartConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "sociale_kaart.api.ApiVersionMiddleware",
    "sociale_kaart.api.ApiCacheControlMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "sociale_kaart.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sociale_kaart.middleware.SessionIdleTimeoutMiddleware",
    "sociale_kaart.locale.DutchFirstLocaleMiddleware",
    # Empty-bodied HTML error responses (405, 429) get the site's error page.
    "sociale_kaart.middleware.ErrorPageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "sociale_kaart.query_params.UnknownQueryKeysMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Complete log-ins only (second factor), and the chosen organisation.
    "accounts.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sociale_kaart.urls"
# Labels without a trailing colon on every form (sociale_kaart.forms).
FORM_RENDERER = "sociale_kaart.forms.SiteFormRenderer"
WSGI_APPLICATION = "sociale_kaart.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "registry.context_processors.site",
                "accounts.context_processors.account",
            ],
        },
    },
]

# Database: DATABASE_URL unset means a SQLite file beside manage.py.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) speed up PostgreSQL; SQLite ignores the extra columns.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_USER_MODEL = "registry.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Second factor (django-otp, TOTP): the name the authenticator app shows, and
# how long an invitation link works.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Sociale Kaart Jeugd")
INVITATION_VALID_HOURS = env_int("INVITATION_VALID_HOURS", 72, minimum=1)
# Single sign-on (OpenID Connect) is configured per organisation in the admin
# (accounts.OidcProvider). Seconds to wait for an identity provider, and the
# acr values that count as multi-factor (besides amr "mfa").
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10, minimum=1)
OIDC_MFA_ACR_VALUES = env_list("OIDC_MFA_ACR_VALUES")
LOGIN_REDIRECT_URL = "registry:start"
LOGOUT_REDIRECT_URL = "registry:home"

# Password-reset requests per hour, per e-mail address and per client address
# (counted in the cache, atomically); the mail goes out after the response.
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int(
    "PASSWORD_RESET_LIMIT_PER_ADDRESS", 3, minimum=1
)
PASSWORD_RESET_LIMIT_PER_CLIENT = env_int(
    "PASSWORD_RESET_LIMIT_PER_CLIENT", 10, minimum=1
)
# Log-in throttling (django-axes): lock an account after repeated failures, from
# one address or spread over many (a distributed guess). The lock lifts after
# LOGIN_COOLOFF_MINUTES, or at once when the account holder sets a new password
# through a reset link (registry.provider_views.PasswordResetConfirmView).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client address behind a balancer: the same rule as the family-status
# throttle (CLIENT_IP_PROXY_COUNT hops from the right of X-Forwarded-For).
AXES_CLIENT_IP_CALLABLE = "referrals.views.client_address"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date formats per language ("5 dec. 2026"): sociale_kaart/formats/<lang>.
FORMAT_MODULE_PATH = ["sociale_kaart.formats"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and not TESTING
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
if DEBUG and "EMAIL_BACKEND" not in __import__("os").environ:
    # Development only: mails (password-reset links too) are printed.
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
if not DEBUG and EMAIL_BACKEND.rsplit(".", 2)[-2] in ("console", "filebased"):
    # They write every mail, password-reset links included, to a log or file.
    raise ImproperlyConfigured(
        "EMAIL_BACKEND console/filebased would log password-reset links: "
        "only with DEBUG on"
    )
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "Sociale Kaart Jeugd <noreply@localhost>"
)
# Links in mails and documents (sociale_kaart.site.site_url): SITE_URL, which
# production must set; unset, the address served (the request's host, or outside a
# request SERVED_URL, which bin/run-demo sets to the address it serves).
SITE_URL = env_url("SITE_URL", "")
SERVED_URL = env_url("SERVED_URL", "http://127.0.0.1:8000")

# --- Security. Production (DEBUG off, outside the test suite) is HTTPS only and
# `manage.py check --deploy --fail-level WARNING` is clean (tests/security).
_PRODUCTION = not DEBUG and not TESTING
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _PRODUCTION)
# A balancer's health probe often speaks plain HTTP to the app server.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Opt in only behind a balancer that terminates TLS, sets X-Forwarded-Proto and
# strips it from clients; otherwise a client could claim to be on HTTPS.
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int(
    "SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60 if _PRODUCTION else 0, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# "preload" only makes the domain eligible; listing it is a separate, manual step.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", _PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF token from the cookie (forms carry it; the API docs
# page gets it rendered into its script).
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "sociale_kaart.views.csrf_failure"
# Idle timeout for professionals: a session ends SESSION_TIMEOUT_MINUTES after
# the last request that used it (sociale_kaart.middleware renews it at most once
# a minute, not on every request as SESSION_SAVE_EVERY_REQUEST would).
SESSION_ENGINE = "sociale_kaart.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_TIMEOUT_MINUTES", 60, minimum=5) * 60
# Request bodies: forms and API JSON are small. Larger bodies get 413 before
# anything reads them (sociale_kaart.middleware). The catalogue import reads
# files from disk with its own limit, IMPORT_MAX_BYTES.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("REQUEST_MAX_BYTES", 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes "not logged in" a 401.
        "registry.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # JSON with a nesting limit (deep nesting: 400, not a RecursionError 500).
    "DEFAULT_PARSER_CLASSES": ["sociale_kaart.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "sociale_kaart.api.problem_exception_handler",
    # 429 with Retry-After; rates API_THROTTLE_ANON / API_THROTTLE_USER below,
    # counted in the default cache (shared by every server process).
    "DEFAULT_THROTTLE_CLASSES": [
        "sociale_kaart.throttling.AnonymousRateThrottle",
        "sociale_kaart.throttling.ClientRateThrottle",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# CORS (django-cors-headers): the published OpenAPI document and the public,
# read-only catalogue, capacity and HSDS endpoints answer any origin, without
# credentials (no cookies; the Authorization header is not allowed), for GET
# only. Nothing that needs a key or a session (referrals, /me, dashboard, iJw,
# writes) matches, so those answers carry no Access-Control-Allow-Origin.
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_URLS_REGEX = (
    r"^/api/v1/(?:openapi\.(?:json|yaml)"
    r"|(?:lots|districts|organisations)(?:/[^/]+)?"
    r"|problem-areas|forms"
    r"|services(?:/[0-9]+(?:/capacity(?:/history)?)?)?"
    r"|hsds/.*)$"
)
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_HEADERS = ("accept", "accept-language", "if-none-match")
CORS_EXPOSE_HEADERS = ("ETag", "API-Version", "Link")
CORS_PREFLIGHT_MAX_AGE = 86400

# The contact in the OpenAPI documents (NL API Design Rules: name, url and
# e-mail of the team that answers integrators). Set per deployment; a change
# means regenerating openapi.yaml (bin/openapi) for the committed document.
API_CONTACT_NAME = env_str(
    "API_CONTACT_NAME", "Gemeente Almere, team Sociale Kaart Jeugd"
)
API_CONTACT_URL = env_url("API_CONTACT_URL", "https://sociale-kaart-jeugd.nl")
API_CONTACT_EMAIL = env_str("API_CONTACT_EMAIL", "sociale-kaart-jeugd@almere.nl")
if not API_CONTACT_NAME or not API_CONTACT_URL:
    raise ImproperlyConfigured("API_CONTACT_NAME and API_CONTACT_URL may not be empty")
if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", API_CONTACT_EMAIL):
    raise ImproperlyConfigured(
        f"API_CONTACT_EMAIL must be an e-mail address, got {API_CONTACT_EMAIL!r}"
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "Sociale Kaart Jeugd API",
    "DESCRIPTION": "Social map of youth care and referral tracker "
    "(NL API Design Rules). Integration guide: docs/api.md.\n\n"
    "Authentication: an organisation API key in `Authorization: Bearer <key>` "
    "(`Token <key>` is accepted as an alias), made by the organisation's own "
    "admin on /mijn/api-sleutels. A key acts for its organisation only and only "
    "within its scopes (catalogue:read, catalogue:write, capacity:write, "
    "referrals:create, referrals:read, events:write, ijw); a missing scope is "
    "403 naming it. `GET /me` tells a key who it is. Key requests need no CSRF "
    "token. A browser session (the site's own pages) that calls the API must "
    "send the `X-CSRFToken` header with the value of the `csrftoken` cookie on "
    "every POST, PATCH, PUT and DELETE; without it the answer is 403 CSRF.\n\n"
    "The public catalogue in the Open Referral HSDS 3.1 standard is the Open "
    "Referral API (HSDA) under /api/v1/hsds/, with its own document at "
    "/api/v1/hsds/openapi.json (HSDA's snake_case parameters).",
    "VERSION": "1.0.0",
    "CONTACT": {
        "name": API_CONTACT_NAME,
        "url": API_CONTACT_URL,
        "email": API_CONTACT_EMAIL,
    },
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Paths are relative to the one server, /api/v1 on the host that serves the
    # document (NL API Design Rules: the major version in the server URI).
    "SCHEMA_PATH_PREFIX_TRIM": True,
    # Generated clients: separate request and response components, so read-only
    # fields stay out of request models.
    "COMPONENT_SPLIT_REQUEST": True,
    # No NullEnum/BlankEnum components (OpenAPI Generator cannot compile them):
    # a nullable code list is `nullable: true` beside the enum's $ref.
    "ENUM_ADD_EXPLICIT_BLANK_NULL_CHOICE": False,
    "SERVERS": [{"url": "/api/v1", "description": "This server, API version 1"}],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "sociale_kaart.api.openapi_postprocess",
        "sociale_kaart.openapi_types.postprocess_types",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CapacityStatusEnum": "registry.models.Capacity.Status",
        "CapacityHistorySourceEnum": "registry.api.serializers.HISTORY_SOURCES",
        "CapacityHistoryKindEnum": "registry.api.serializers.HISTORY_KINDS",
        "OrganisationKindEnum": "registry.models.Organisation.Kind",
    },
}

# API throttling (429): requests per client and period ("120/min", "10/s",
# "5000/hour"; empty switches it off). Anonymous clients count per address,
# logged-in users per user and provider systems per API token.
API_THROTTLE_ANON = env_str("API_THROTTLE_ANON", "120/min")
API_THROTTLE_USER = env_str("API_THROTTLE_USER", "600/min")
for _name, _rate in (
    ("API_THROTTLE_ANON", API_THROTTLE_ANON),
    ("API_THROTTLE_USER", API_THROTTLE_USER),
):
    if _rate and not re.fullmatch(r"[1-9][0-9]*/(s|sec|m|min|h|hour|d|day)", _rate):
        raise ImproperlyConfigured(f"{_name} must look like 120/min, got {_rate!r}")

# The cache holds the API throttle counts, so every server process must share
# it: Redis when REDIS_URL is set, else a database table (created by `migrate`,
# see sociale_kaart/apps.py). The test suite uses process memory.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's backend with one client per pool (sociale_kaart.redis_cache).
            "BACKEND": "sociale_kaart.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "sociale_kaart_cache",
            # Django's default of 300 entries is soon passed by the search's
            # cached counts and pages; past it the table drops the keys that
            # sort first, the versions and throttle counts among them.
            "OPTIONS": {
                "MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 20000, minimum=300)
            },
        }
    }
# Log-in throttle (django-axes), shared by every process either way: with
# REDIS_URL in Redis (atomic INCR, expiry by Redis), else in the database (axes'
# AccessAttempt rows). The family-status throttle is always in the database.
if REDIS_URL:
    AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"

# Design tunables (see DESIGN.md): freshness of capacity and the waiting-time norms.
CAPACITY_STALE_DAYS = env_int("CAPACITY_STALE_DAYS", 14, minimum=1)
# Seconds a search's facet counts stay cached (per normalised search, keyed by
# the catalogue version, so a catalogue write makes them stale at once anyway);
# 0 turns the cache off.
SEARCH_COUNTS_CACHE_SECONDS = env_int("SEARCH_COUNTS_CACHE_SECONDS", 600, minimum=0)
NORM_FIRST_CONTACT_WEEKS = env_int("NORM_FIRST_CONTACT_WEEKS", 2, minimum=1)
NORM_INTAKE_WEEKS = env_int("NORM_INTAKE_WEEKS", 4, minimum=1)
NORM_TREATMENT_WEEKS = env_int("NORM_TREATMENT_WEEKS", 10, minimum=1)
NORM_TOTAL_WEEKS = env_int("NORM_TOTAL_WEEKS", 14, minimum=1)
# Personal data of a referral goes once nothing has happened on it for this many
# days; referrer and provider are warned REFERRAL_RETENTION_WARNING_DAYS before.
REFERRAL_RETENTION_DAYS = env_int("REFERRAL_RETENTION_DAYS", 2 * 365, minimum=1)
REFERRAL_RETENTION_WARNING_DAYS = env_int(
    "REFERRAL_RETENTION_WARNING_DAYS", 30, minimum=1
)
# iJw messages (ijw app, docs/ijw.md): largest accepted message, days an
# unmatched message waits for its JW301, working days allowed for a JW305/JW307,
# and the fewest family answers before experience figures are shown.
IJW_MAX_MESSAGE_BYTES = env_int("IJW_MAX_MESSAGE_BYTES", 512 * 1024, minimum=1024)
IJW_QUEUE_DAYS = env_int("IJW_QUEUE_DAYS", 90, minimum=1)
IJW_REPORT_WORKING_DAYS = env_int("IJW_REPORT_WORKING_DAYS", 5, minimum=1)
EXPERIENCE_MIN_ANSWERS = env_int("EXPERIENCE_MIN_ANSWERS", 10, minimum=1)
# Contracts the catalogue import creates start on this date (current period).
CONTRACT_PERIOD_START = env_str("CONTRACT_PERIOD_START", "2019-01-01")
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 200 * 1024 * 1024, minimum=1024)
# Map tiles for location maps. Default: the Dutch government's free BRT
# Achtergrondkaart from PDOK (Kadaster, CC BY 4.0; no key), web-mercator tiles.
# Empty disables the tile layer. Pages never depend on the tiles: without them
# (unset, or unreachable) the markers are drawn on a plain background and every
# address is listed as text. The test suite requests nothing outside the machine.
PDOK_TILE_URL = (
    "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857"
    "/{z}/{x}/{y}.png"
)
PDOK_TILE_ATTRIBUTION = "Kaartgegevens © Kadaster"
# PDOK Locatieserver (free, no key): postcode -> coordinates for distance search.
# The test suite points it at a local server; by default it asks a closed local
# port so no test reaches the internet.
PDOK_LOCATIESERVER_URL = env_str(
    "PDOK_LOCATIESERVER_URL",
    "http://127.0.0.1:9"
    if TESTING
    else "https://api.pdok.nl/bzk/locatieserver/search/v3_1",
).strip()
MAP_TILE_URL = env_str("MAP_TILE_URL", "" if TESTING else PDOK_TILE_URL).strip()
MAP_TILE_ATTRIBUTION = env_str(
    "MAP_TILE_ATTRIBUTION",
    PDOK_TILE_ATTRIBUTION if MAP_TILE_URL == PDOK_TILE_URL else "",
)


def _tile_origins(template: str) -> list[str]:
    """``https://{s}.tile.example/{z}/{x}/{y}.png`` → ``["https://*.tile.example"]``."""
    parts = urlsplit(template.replace("{s}", "*"))
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


# Content-Security-Policy (django-csp): no inline script or style anywhere, no
# framing, forms post only to this site. Map tiles may come from MAP_TILE_URL's
# host ("{s}" subdomains become a wildcard).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_tile_origins(MAP_TILE_URL)],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Logs go to standard output: one JSON object per line in production
# (LOG_FORMAT=json, the default with DEBUG off), plain text in development. They
# never carry personal data (tests/security/test_logs.py): the formatter keeps
# only a request's method and path (no query string, so no search terms), and
# SQL logging stays off whatever LOG_LEVEL says, because its parameters would
# hold initials, dates of birth and help questions.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "sociale_kaart.logs.JsonFormatter"},
        "text": {
            "()": "sociale_kaart.logs.TextFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO", "propagate": True}},
}

# Referral tracker: wrong answers on the family status page are limited per family
# code and per client address within a sliding window (stored in the database, so
# every server process shares the count).
FAMILY_STATUS_MAX_ATTEMPTS = env_int("FAMILY_STATUS_MAX_ATTEMPTS", 5, minimum=1)
FAMILY_STATUS_MAX_ATTEMPTS_PER_ADDRESS = env_int(
    "FAMILY_STATUS_MAX_ATTEMPTS_PER_ADDRESS", 20, minimum=1
)
FAMILY_STATUS_WINDOW_MINUTES = env_int("FAMILY_STATUS_WINDOW_MINUTES", 15, minimum=1)
# Notice outbox: tries per e-mail before giving up (the row stays), and whether a
# request tries to send its notices right after commit (cron sends the rest).
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 8, minimum=1)
NOTIFICATION_SEND_ON_COMMIT = env_bool("NOTIFICATION_SEND_ON_COMMIT", True)
# A slow mail server must not hold a request (or the sender) for long.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
# Referral API enums get stable names in the OpenAPI document.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    **SPECTACULAR_SETTINGS.get("ENUM_NAME_OVERRIDES", {}),
    "ReferralStatusEnum": "referrals.models.STATUS_CHOICES",
    "ReferralEventTypeEnum": "referrals.models.EVENT_CHOICES",
}
# Behind N trusted reverse proxies, the client address for throttling is the Nth
# address from the right in X-Forwarded-For (0: use the socket's REMOTE_ADDR).
CLIENT_IP_PROXY_COUNT = env_int("CLIENT_IP_PROXY_COUNT", 0, minimum=0)
