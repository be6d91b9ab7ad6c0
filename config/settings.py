"""Settings for the 考核 application.

Everything that differs between a laptop and production comes from the environment:
DJANGO_DEBUG, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, DJANGO_SECURE_SSL,
DJANGO_MEDIA_ROOT, DJANGO_PROXY_COUNT.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from scoring.csv_format import ExcelCSV
from scoring.xlsx_format import ResultlessFormulaXLSX

BASE_DIR = Path(__file__).resolve().parent.parent


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool = False) -> bool:
    # A misspelt value is refused rather than read as off: DJANGO_SECURE_SSL=of would otherwise
    # serve the site without HTTPS and nobody would notice.
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value not in TRUE_WORDS | FALSE_WORDS:
        raise ImproperlyConfigured(
            f"{name}={os.environ[name]!r} is neither on nor off: set it to 1 or 0."
        )
    return value in TRUE_WORDS


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()):
        raise ImproperlyConfigured(
            f"{name}={os.environ[name]!r} is not a whole number of 0 or more (e.g. {default})."
        )
    return int(value)


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it in production, or set DJANGO_DEBUG=1 "
            "on a development machine."
        )
    SECRET_KEY = "django-insecure-development-key-never-used-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "import_export",
    "simple_history",
    "django_tasks",
    "config.apps.BackgroundTasksConfig",
    "cadre",
    "scoring",
    "talent",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any view reads the user: a login older than the session's age is over.
    "cadre.sessions.SessionLifetimeMiddleware",
    # Before any view or process_view (the CSRF check) reads the body; after the user and the
    # language are known, for the page that refuses it.
    "config.request_size.RequestSizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "scoring.no_cycle.CycleMissingMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "cadre.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A write transaction takes SQLite's lock when it begins: begun as a reader and upgraded
    # later, two at once (two confirmations of one import) failed at once with "database is
    # locked" instead of the second waiting for the first.
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
# Sessions end when the browser closes (shared office and meeting-room PCs) and after a working
# day at most.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 10 * 60 * 60
# Login throttling (cadre/login_throttle.py) counts failures per client address, which it reads
# from X-Forwarded-For: each proxy in front of gunicorn (the README's nginx is one) adds the
# address it saw, and the client's is the one the outermost proxy added.
LOGIN_PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 1)

# Failed logins are counted in a database table (migration cadre 0006 creates it, as
# `createcachetable` would), which every gunicorn worker and server shares: no Redis or
# memcached runs where the app is installed. Nothing else uses a cache.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "logins": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "kaohe_login_failures",
        # Culling beyond MAX_ENTRIES would forget a lockout: far more than any district's
        # usernames and addresses.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded spreadsheets, which the background worker reads: a folder every app server and
# worker shares.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))

# Production hardening; behind a TLS-terminating proxy set DJANGO_SECURE_SSL=1 (the default
# when DEBUG is off) and forward X-Forwarded-Proto.
SECURE_SSL = env_bool("DJANGO_SECURE_SSL", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = SECURE_SSL
SESSION_COOKIE_SECURE = SECURE_SSL
CSRF_COOKIE_SECURE = SECURE_SSL
SECURE_HSTS_SECONDS = 31536000 if SECURE_SSL else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_SSL
SECURE_HSTS_PRELOAD = SECURE_SSL
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

IMPORT_EXPORT_SKIP_ADMIN_LOG = True
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_FORMATS = [ResultlessFormulaXLSX, ExcelCSV]
# An admin export of more rows than this is refused, pointing to the list's filters: the
# export builds every row in Python (a few thousand a second), within the request.
SCORING_EXPORT_MAX_ROWS = env_int("SCORING_EXPORT_MAX_ROWS", 100_000)

# Background work (big uploads) runs through Django's task framework with a database queue,
# so no extra server is needed: `python manage.py db_worker` processes it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The entry grid posts every cell a scorer changed as one form field: 60 units × 40 indicators
# is 2,400 fields, past Django's default of 1,000, which answers 400 and loses the typing. A
# province's grid (5,000 units) pasted whole stays under these.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 250_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024 * 1024

# Uploaded spreadsheets: refused before any heavy work when they break one of these limits.
SCORING_UPLOAD_MAX_BYTES = env_int("SCORING_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
SCORING_UPLOAD_MAX_ROWS = env_int("SCORING_UPLOAD_MAX_ROWS", 250_000)
# A worksheet's span, A1 to its farthest cell holding something: calamine reads it as a full grid
# (about 32 bytes a cell), so a stray value far off would cost gigabytes. 250,000 rows × 120.
SCORING_UPLOAD_MAX_CELLS = env_int("SCORING_UPLOAD_MAX_CELLS", 30_000_000)
SCORING_UPLOAD_MAX_UNPACKED_BYTES = 400 * 1024 * 1024
SCORING_UPLOAD_MAX_RATIO = 200
# Files with more rows than this are validated in the background with a progress bar.
SCORING_IMPORT_BACKGROUND_ROWS = env_int("SCORING_IMPORT_BACKGROUND_ROWS", 3000)
# Verifying more values than this at once (审核) runs in the background with a progress bar.
SCORING_VERIFY_BACKGROUND_VALUES = env_int("SCORING_VERIFY_BACKGROUND_VALUES", 20_000)
# Background work that shows no progress for this many seconds is taken for interrupted (its
# worker killed or restarted): its page offers to start it again. The longest stretch without
# progress is a province's workbook being written, which holds its record's lock meanwhile.
SCORING_BACKGROUND_STALE_AFTER = env_int("SCORING_BACKGROUND_STALE_AFTER", 300)

# The suspicious requests Django refuses (as 400) that a client can send at will.
SECURITY_REFUSALS = ["DisallowedHost", "RequestDataTooBig", "TooManyFieldsSent", "TooManyFilesSent"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"timed": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"refusal_without_traceback": {"()": "config.log_filters.RefusalWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "timed"}},
    "loggers": {
        name: {"filters": ["refusal_without_traceback"]}
        for name in [
            "django.request",
            # Logger filters see their own logger's records only, not a child's.
            *(f"django.security.{refused}" for refused in SECURITY_REFUSALS),
        ]
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
