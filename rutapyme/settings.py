"""Settings for Ruta Pyme, read from the environment.

With no environment at all the platform runs embedded: SQLite, local-memory cache, files on
disk, emails to the console, task queue in the same SQLite database. Production sets
DATABASE_URL (PostgreSQL), REDIS_URL (cache, sessions, rate limits), EMAIL_URL-style SMTP
variables, SECRET_KEY and ALLOWED_HOSTS. See docs/DEPLOY.md.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)
TESTING = env_bool("RUTAPYME_TESTING", default=False)

_DEV_SECRET = "insecure-embedded-key-change-me-in-production-0123456789abcdef"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET)
if SECRET_KEY == _DEV_SECRET and os.environ.get("DATABASE_URL") and not (DEBUG or TESTING):
    # A server on PostgreSQL is a production server: it must have its own secret.
    raise RuntimeError("SECRET_KEY must be set when DATABASE_URL is set.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # django.contrib.admin with our AdminSite: sign-in through accounts:login, OTP-verified.
    "rutapyme.accounts.admin_apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "rutapyme.core",
    "rutapyme.accounts",
    "rutapyme.firms",
    "rutapyme.diagnosis",
    "rutapyme.learning",
    "rutapyme.programmes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "rutapyme.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "rutapyme.core.i18n.ProgrammeLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "rutapyme.urls"
WSGI_APPLICATION = "rutapyme.wsgi.application"

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
                "rutapyme.core.context_processors.platform",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "var" / "rutapyme.sqlite3")),
            "OPTIONS": {
                # WAL lets the web server read while the task worker writes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DB_IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "rutapyme"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    if TESTING and os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
        # conftest.py clears the cache around every test (FLUSHDB) and the login throttle
        # counts per IP (127.0.0.1 for every test client): parallel workers sharing one
        # Redis database would reset or trip each other's counters. One database per worker.
        _worker = int(os.environ["PYTEST_XDIST_WORKER"][2:] or 0)
        _url, _slash, _db = REDIS_URL.rpartition("/")
        if _url.count("/") >= 2 and _db.isdigit():
            CACHES["default"]["LOCATION"] = f"{_url}/{(int(_db) - _worker) % 16}"
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Background tasks (Django 6 Tasks API through the django-tasks backport) -------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "email", "imports"],
    }
}

# --- Accounts ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Failed logins: after LOGIN_FAILURE_LIMIT failures for one email (or LOGIN_FAILURE_IP_LIMIT
# from one IP) within LOGIN_FAILURE_WINDOW seconds, further attempts are refused until the
# window passes (rutapyme/accounts/throttle.py). Password-reset requests likewise.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_IP_LIMIT = int(os.environ.get("LOGIN_FAILURE_IP_LIMIT", str(4 * LOGIN_FAILURE_LIMIT)))
LOGIN_FAILURE_WINDOW = int(os.environ.get("LOGIN_FAILURE_WINDOW", "900"))
PASSWORD_RESET_LIMIT = int(os.environ.get("PASSWORD_RESET_LIMIT", "3"))
PASSWORD_RESET_IP_LIMIT = int(os.environ.get("PASSWORD_RESET_IP_LIMIT", "20"))
PASSWORD_RESET_WINDOW = int(os.environ.get("PASSWORD_RESET_WINDOW", "3600"))
OTP_TOTP_ISSUER = "Ruta Pyme"
# Staff who turned on two-factor authentication must give a token to enter /admin/. With this
# on, every staff user must have turned it on first (in "Mi cuenta"). On by default on servers.
ADMIN_REQUIRE_TWO_FACTOR = env_bool(
    "ADMIN_REQUIRE_TWO_FACTOR", not DEBUG and not TESTING and bool(DATABASE_URL)
)

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "es")
LANGUAGES = [("es", _("Español")), ("pt-br", _("Português (Brasil)")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "rutapyme" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "America/Guayaquil")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Embedded and test runs serve static files straight from the apps, without collectstatic.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
FORMS_URLFIELD_ASSUME_HTTPS = True
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_BYTES", str(100 * 1024 * 1024)))

# --- Email ------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Ruta Pyme <no-responder@rutapyme.local>")

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and not TESTING and bool(DATABASE_URL))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind our reverse proxy the client's address is the last one in X-Forwarded-For.
BEHIND_PROXY = env_bool("BEHIND_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
    },
}

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- The platform -----------------------------------------------------------------------------
# The country a fresh install serves first; programmes in other countries are added as data.
DEFAULT_COUNTRY = os.environ.get("DEFAULT_COUNTRY", "EC")
# Version of the data-processing consent text the firm owner accepts (templates/firms/consent_*).
CONSENT_TEXT_VERSION = "2026-11"
NINJA_PAGINATION_PER_PAGE = 50
