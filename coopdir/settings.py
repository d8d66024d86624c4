"""Settings for coopdir, read from the environment.

Without any environment a local SQLite development set-up runs with DEBUG on.
"""

import ipaddress
import os
import re
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name, str(default)).strip()
    if not value.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}")
    return int(value)


def env_list(name, default=""):
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


# `make run` writes var/local.env (DEBUG=1 and a key made on this machine; var/ is
# git-ignored) so that manage.py typed by hand works as `make run` does. The
# environment wins over the file; LOCAL_ENV_FILE names another file, "" none.
# Tests never read it.
LOCAL_ENV_FILE = os.environ.get("LOCAL_ENV_FILE", str(BASE_DIR / "var" / "local.env"))
if (
    LOCAL_ENV_FILE
    and os.path.isfile(LOCAL_ENV_FILE)
    and not os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith("test_settings")
):
    for _line in Path(LOCAL_ENV_FILE).read_text(encoding="utf-8").splitlines():
        _name, _sep, _value = _line.partition("=")
        if _sep and not _name.lstrip().startswith("#"):
            os.environ.setdefault(_name.strip(), _value.strip())

DEBUG = env_bool("DEBUG", default=False)

# Commands that only read the code (models, migrations) and never serve, sign or
# store anything may run without a key, so a clean checkout can be checked.
OFFLINE_COMMANDS = {"makemigrations", "check", "showmigrations"}
OFFLINE = os.path.basename(sys.argv[0]) == "manage.py" and (
    sys.argv[1:2] and sys.argv[1] in OFFLINE_COMMANDS
)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if (
        not DEBUG
        and not OFFLINE
        and not os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith("test_settings")
    ):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off "
            "(set DEBUG=1 for local development)."
        )
    # A throwaway key for development, tests and offline commands: sessions do not
    # outlive the process.
    SECRET_KEY = secrets.token_urlsafe(50)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_countries",
    "django_filters",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "reversion",
    "import_export",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "jobs",
    "organisations",
    "mechanisms",
    "coopdir",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # As early as is safe: after the https redirect and static files, before the
    # session, locale and view work a kept page spares (coopdir/pagecache.py).
    "coopdir.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "coopdir.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "coopdir.middleware.PublicPagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
]

ROOT_URLCONF = "coopdir.urls"

# How long a shared cache (a CDN, a proxy) may keep a public page served to an
# anonymous visitor; staff, who carry a session cookie, always get a fresh one.
PUBLIC_PAGE_MAX_AGE = int(os.environ.get("PUBLIC_PAGE_MAX_AGE", "300"))

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "coopdir.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
# SQLite: a transaction takes the write lock when it begins (a deferred one that
# read first fails at once with "database is locked" when it must write while
# another writes), and waits for another writer up to `timeout` seconds, longer
# than the longest write (an import applies IMPORT_BATCH_ROWS rows at a time).
SQLITE_OPTIONS = {"transaction_mode": "IMMEDIATE", "timeout": 60}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        **SQLITE_OPTIONS,
        **DATABASES["default"].get("OPTIONS", {}),
    }
    # Kept open between requests (CONN_MAX_AGE 60, as on PostgreSQL): a new
    # connection parses the whole schema (~200 tables, indexes and FTS5 tables) at
    # its first query, 1.3-4 ms, more than a page kept whole costs to serve.

# PostgreSQL: how many pages a read may ask for ahead of need (the connection's
# effective_io_concurrency, 0-1000; see coopdir/search/signals.py).
_io = os.environ.get("DATABASE_IO_CONCURRENCY", "64")
if not _io.isdigit() or int(_io) > 1000:
    raise ImproperlyConfigured(
        f"DATABASE_IO_CONCURRENCY must be a whole number from 0 to 1000, not {_io!r}"
    )
DATABASE_IO_CONCURRENCY = int(_io)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "coopdir",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background jobs (jobs/): imports, large exports and bulk publishes run in a worker
# (`manage.py db_worker`, started by `make run` and `make serve`). django-tasks, the
# back-port of Django 6's Tasks framework, with its database backend: the queue is a
# table in the project's own database, so a job and its task are written in one
# transaction and no other service has to run (see README, "Background jobs").
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Where jobs keep their files (the uploaded file, the export, the reports) and, without
# Redis, their progress; it must be shared by the web and the worker.
JOBS_DIR = Path(os.environ.get("JOBS_DIR", BASE_DIR / "var" / "jobs"))
CACHES["jobs"] = (
    {**CACHES["default"], "KEY_PREFIX": "coopdir-jobs"}
    if CACHE_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": JOBS_DIR / "progress",
    }
)
# Whole public pages kept for anonymous visitors (coopdir/pagecache.py): PAGE_CACHE_
# SECONDS at most (0: off), though an edit retires them at once (the key holds the
# index version); pages over PAGE_CACHE_MAX_BYTES (a big CSV) are not kept.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600)
PAGE_CACHE_MAX_BYTES = 1024 * 1024
PAGE_CACHE_ALIAS = "pages"
PAGE_CACHE_SKIP = ("/admin/", "/healthz")
if CACHE_URL:
    CACHES["pages"] = {**CACHES["default"], "KEY_PREFIX": "coopdir-pages"}
else:
    # Each worker's own memory: 500 pages of ~50 KB (the default 300 entries would
    # make pages and the search's counts evict each other).
    CACHES["pages"] = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": 500},
    }

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Limits on what a request may carry, so a huge upload or query string is refused early.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

COUNTRIES_FIRST = ["CN"]

# Opt in now to the Django 6.0 default: a URL typed without a scheme is https.
FORMS_URLFIELD_ASSUME_HTTPS = True

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = True
# A lockout holds one username at one address, so a guesser elsewhere (or behind the
# same proxy) cannot keep the staff out; it lasts AXES_COOLOFF_TIME from the failure
# that set it, however often anyone tries again meanwhile.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "coopdir.clientip.client_ip"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly"
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": [
        "coopdir.throttling.AnonThrottle",
        "coopdir.throttling.UserThrottle",
        "coopdir.throttling.WriteThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_RATE", "120/min"),
        "user": os.environ.get("API_USER_RATE", "600/min"),
        "writes": os.environ.get("API_WRITE_RATE", "60/min"),
    },
}

# API tokens (django-rest-knox): only a hash of each is stored, and each expires
# API_TOKEN_DAYS after it is issued (`manage.py issue_api_token`, or the admin).
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)
if not API_TOKEN_DAYS:
    raise ImproperlyConfigured("API_TOKEN_DAYS must be at least 1")
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_DAYS),
    # Clients keep sending "Authorization: Token <key>", as with DRF's tokens.
    "AUTH_HEADER_PREFIX": "Token",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "coopdir API",
    "DESCRIPTION": "Directory of cooperative and trade organisations and the "
    "international working mechanisms they run.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Tags by resource (organisations, mechanisms, …), not by the version prefix.
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "organisations.models.Organisation.Kind",
        "MechanismKindEnum": "mechanisms.models.Mechanism.Kind",
        "MembershipKindEnum": "organisations.models.Membership.Kind",
        "CountryEnum": "django_countries.countries",
    },
}

# --- HTTPS and security headers (docs/deployment.md lists what each sends) ------


# Address ranges (CIDRs) of the proxies in front of the app; empty: none.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # A load balancer's health probe speaks plain HTTP to the app itself.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading binds the whole domain to HTTPS for months at hstspreload.org:
        # the domain's owner opts in (SECURE_HSTS_PRELOAD=1), the app does not.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    # A scanner (Mozilla Observatory) marks down any cookie sent without these.
    LANGUAGE_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    LANGUAGE_COOKIE_HTTPONLY = True
    LANGUAGE_COOKIE_SAMESITE = "Lax"
    SECURE_CONTENT_TYPE_NOSNIFF = True
    # Only a proxy we trust may say the client spoke HTTPS; a client talking to
    # gunicorn directly could otherwise claim it.
    if TRUSTED_PROXIES:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Every response: nothing inline, nothing from elsewhere, never framed. The API
# docs page adds only what Swagger UI needs (coopdir/api.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# Features the directory never uses, refused to the page and anything it embeds.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

# --- end of HTTPS and security headers ------------------------------------------

# --- Serving: request ids, JSON logs, database connections, error tracker -------

# First, so that every response, a redirect to https included, carries its id.
MIDDLEWARE.insert(0, "coopdir.logs.RequestIdMiddleware")

# One JSON object a line for a log collector; plain text for a person at `make run`.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "coopdir.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Clients and rate limits (coopdir/clientip.py, coopdir/throttling.py) ----------------
# The proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed: the client
# is the right-most address in it that is not one of them. Empty: the peer is the
# client, and a forwarded header is ignored.
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an address or range (CIDR) such as "
            "10.0.0.0/8 or ::1"
        ) from None
# Off lifts the page rate limit and the API throttles (a load test from one address).
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
# Search and filtered list pages, country and sector pages, per client: "60/m" is 60
# a minute (also /s, /h, /d); one client then keeps at most ~13% of one worker busy
# at ~130 ms a page.
PAGE_RATE = os.environ.get("PAGE_RATE", "60/m")
if not re.fullmatch(r"[1-9]\d*/\d*[smhd]", PAGE_RATE):
    raise ImproperlyConfigured(
        f"PAGE_RATE must be a count per period such as 60/m or 5/10s, not {PAGE_RATE!r}"
    )
# A cache that fails to count should not shut the public out.
RATELIMIT_FAIL_OPEN = True
for _scope, _rate in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].items():
    if not re.fullmatch(r"\d+/[smhd]\w*", _rate):
        raise ImproperlyConfigured(
            f"The API's {_scope} rate must be a count per second, minute, hour or "
            f"day such as 120/min, not {_rate!r}"
        )
# Each line names the client a request came from ("-" for lines about no request).
LOGGING["filters"] = {"client_ip": {"()": "coopdir.clientip.ClientIPFilter"}}
LOGGING["formatters"]["text"]["format"] = (
    "%(asctime)s %(levelname)s %(name)s client=%(client_ip)s %(message)s"
)
LOGGING["handlers"]["console"]["filters"] = ["client_ip"]

# Staff sessions (coopdir/signin.py): a working day from signing in, an idle hour.
for _name, _default in (("STAFF_SESSION_HOURS", "8"), ("STAFF_IDLE_MINUTES", "60")):
    if not os.environ.get(_name, _default).isdigit():
        raise ImproperlyConfigured(f"{_name} must be a whole number")
SESSION_COOKIE_AGE = int(os.environ.get("STAFF_SESSION_HOURS", "8")) * 3600
SESSION_IDLE_TIMEOUT = int(os.environ.get("STAFF_IDLE_MINUTES", "60")) * 60
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "coopdir.signin.SessionTimeoutMiddleware",
)
# Lost passwords: with EMAIL_HOST set, the admin's sign-in page links to Django's
# password reset pages, which mail a link valid for an hour to the address of an
# active account; without it, `manage.py changepassword USERNAME` (README).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
PASSWORD_RESET_BY_EMAIL = bool(EMAIL_HOST)
if EMAIL_HOST:
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "coopdir@localhost")
PASSWORD_RESET_TIMEOUT = 3600
# A second factor for the admin (TOTP, django-otp; `manage.py enrol_totp USERNAME`).
STAFF_OTP = env_bool("STAFF_OTP", not DEBUG)
INSTALLED_APPS[INSTALLED_APPS.index("django.contrib.admin")] = (
    "coopdir.apps.StaffAdminConfig"
)
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
OTP_TOTP_ISSUER = "coopdir"

# A connection that died while idle is replaced before a request uses it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # DATABASE_POOL=N: each process keeps a pool of N connections (psycopg's pool;
    # N = gunicorn's threads), instead of one persistent connection per thread.
    _pool = env_int("DATABASE_POOL", 0)
    if _pool:
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them instead
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": _pool,
            "timeout": 10,
        }
    # Behind pgbouncer in transaction mode a cursor cannot outlive a transaction.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
        "DATABASE_PGBOUNCER", False
    )

# Errors to an error tracker only when one is configured: SENTRY_DSN (Sentry, or
# GlitchTip, which speaks the same protocol) and the sentry-sdk package.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    try:
        import sentry_sdk
    except ImportError:
        raise ImproperlyConfigured(
            "SENTRY_DSN is set but sentry-sdk is not installed: "
            "pip install sentry-sdk (or unset SENTRY_DSN)."
        ) from None
    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        send_default_pii=False,
        traces_sample_rate=0,
    )

# --- end of serving ---------------------------------------------------------------
