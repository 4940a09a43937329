"""Settings for Gongjiang, read from the environment with safe development defaults.

Environment variables:
  GONGJIANG_DEBUG        "1" (default) for development, "0" for production
  GONGJIANG_SECRET_KEY   Django secret key (required when DEBUG is off)
  GONGJIANG_PII_KEY      base64 32-byte key for AES-GCM encryption of personal data
  GONGJIANG_PII_INDEX_KEY base64 key for the HMAC blind index of ID numbers
  DATABASE_URL           e.g. postgres://user@127.0.0.1:5432/gongjiang; default SQLite in var/
  GONGJIANG_ALLOWED_HOSTS comma separated
  GONGJIANG_VAR_DIR      where SQLite, uploads and demo credentials live (default ./var)
  GONGJIANG_TASKS        background tasks: "database" (default), "rq" (Redis) or "immediate"; run by
                         `gongjiang worker` (a separate process; `gongjiang demo` starts one itself)
  GONGJIANG_RQ_URL       the Redis of the "rq" task backend (default redis://127.0.0.1:6379/2)
  GONGJIANG_RQ_TIMEOUT   seconds an "rq" task may run before it is stopped (default 7200)
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("GONGJIANG_VAR_DIR", BASE_DIR.parent / "var"))


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("GONGJIANG_DEBUG", True)

# Development defaults. They are public, so production refuses them (see below).
DEV_SECRET_KEY = "dev-insecure-gongjiang-secret-key-do-not-use-in-production"  # noqa: S105
DEV_PII_KEY = "ZGV2LWluc2VjdXJlLWdvbmdqaWFuZy1waWkta2V5ISE="  # 32 bytes, development only
DEV_PII_INDEX_KEY = "ZGV2LWluc2VjdXJlLWdvbmdqaWFuZy1pbmRleC1rZXk="

SECRET_KEY = os.environ.get("GONGJIANG_SECRET_KEY", DEV_SECRET_KEY)
PII_KEY = os.environ.get("GONGJIANG_PII_KEY", DEV_PII_KEY)
PII_INDEX_KEY = os.environ.get("GONGJIANG_PII_INDEX_KEY", DEV_PII_INDEX_KEY)

if not DEBUG:
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 40:
        raise ImproperlyConfigured(
            "GONGJIANG_SECRET_KEY must be set to a private value of at least 40 characters when GONGJIANG_DEBUG is off."
        )
    if PII_KEY == DEV_PII_KEY or PII_INDEX_KEY == DEV_PII_INDEX_KEY:
        raise ImproperlyConfigured(
            "GONGJIANG_PII_KEY and GONGJIANG_PII_INDEX_KEY must be set to private keys "
            "when GONGJIANG_DEBUG is off (generate them with `gongjiang pii_keygen`)."
        )

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("GONGJIANG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("GONGJIANG_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "django.forms",
    "django_tables2",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "gongjiang.core",
    "gongjiang.reference",
    "gongjiang.registry",
    "gongjiang.credentials",
    "gongjiang.evaluation",
    "gongjiang.competitions",
    "gongjiang.wages",
    "gongjiang.labour",
    "gongjiang.imports",
    "gongjiang.portal",
    "gongjiang.synth",
    "gongjiang.training",
    "gongjiang.honours",
    "gongjiang.monitoring",
    "gongjiang.policy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "gongjiang.core.middleware.PersonalDataInAddressMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "gongjiang.core.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "gongjiang.core.middleware.SecondFactorMiddleware",
    "gongjiang.core.middleware.LookupLimitMiddleware",
    "gongjiang.core.errors.ErrorPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers a locked-out sign-in after the view has run.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gongjiang.urls"
# Messages take Bootstrap's alert classes by level (Django names the error level "error").
MESSAGE_TAGS = {10: "secondary", 20: "info", 25: "success", 30: "warning", 40: "danger"}
# Widgets render with the project's templates (the pickers' template lives beside the pages).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
DJANGO_TABLES2_TEMPLATE = "tables/bootstrap5.html"
WSGI_APPLICATION = "gongjiang.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

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

_default_sqlite = f"sqlite:///{VAR_DIR / 'gongjiang.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite))}
# Persistent connections (seconds; 0 closes after each request): a new PostgreSQL connection per request
# costs more than a whole indexed lookup. Health checks (a SELECT 1 before the first query of each
# request) are off by default, as in Django: after a database restart each worker fails one request.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("GONGJIANG_DB_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = _env_bool("GONGJIANG_DB_CONN_HEALTH_CHECKS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    # Tests run on a database file in WAL mode, as the platform does (not in memory), so that several
    # connections (rollup readers, threads of the concurrency tests) behave as they do in production.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-gongjiang-{os.getpid()}.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and _env_bool(
    "GONGJIANG_DB_PREPARED_STATEMENTS", True
):
    # Django turns prepared statements off (for transaction-pooling proxies). Django's own queries bind
    # on the client and are never prepared either way; this lets the few hot statements that ask for it
    # (public verification) be planned once per connection. Set the variable to 0 behind PgBouncer in
    # transaction mode.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes checks every sign-in first: an account or a client address with too many failures is
# locked out for a while (docs/security.md).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# A list filter's empty choice reads "All" (全部) in the page's language, not django-filter's "---------".
FILTERS_EMPTY_CHOICE_LABEL = gettext_lazy("All")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
try:  # whitenoise serves from STATIC_ROOT after collectstatic, from the app folders before it
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:
    pass
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS only, once debug is off: browsers are told to use nothing else for a year (Strict-Transport-Security,
# sent on HTTPS answers; behind a proxy, see TRUSTED_PROXY_HEADER below).
SECURE_HSTS_SECONDS = 0 if DEBUG else int(os.environ.get("GONGJIANG_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG

# Content-Security-Policy (django-csp): every script, style, image and font is the platform's own static
# file; no inline script or style, no other origin. Set in development too, so that the pages are tried
# under the policy they run with.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failed sign-ins of one account, or from one
# client address, further attempts are refused for AXES_COOLOFF_TIME hours, and every failure and lockout
# is logged (the log and the attempts are in the admin). The client address is read as the verification
# rate limit reads it: the proxy header only from trusted proxies.
AXES_FAILURE_LIMIT = int(os.environ.get("GONGJIANG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("GONGJIANG_LOGIN_LOCKOUT_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "gongjiang.core.middleware.sign_in_address"
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_SENSITIVE_PARAMETERS = ["password"]

# Second factor (django-otp, TOTP): every signed-in user may set up an authenticator app; the officers of the
# region levels listed here (comma separated: province, city, county) must use it before any page or API
# answer. Empty: nobody is required to.
OTP_REQUIRED_LEVELS = [
    v.strip() for v in os.environ.get("GONGJIANG_OTP_REQUIRED_LEVELS", "province").split(",") if v.strip()
]
OTP_TOTP_ISSUER = os.environ.get("GONGJIANG_OTP_ISSUER", "工匠平台")
OTP_TOTP_THROTTLE_FACTOR = 1

# Exact look-ups of ID and certificate numbers (core.lookups): past this many misses in the window a user's
# further look-ups are refused until it ends; misses on numbers held outside the user's scope are logged.
LOOKUP_MISS_LIMIT = int(os.environ.get("GONGJIANG_LOOKUP_MISS_LIMIT", "20"))
LOOKUP_MISS_WINDOW = int(os.environ.get("GONGJIANG_LOOKUP_MISS_WINDOW", "600"))  # seconds

# Workers' self-service sign-in (gongjiang.portal.signin): a one-time code sent to the phone on file by a
# pluggable sender (a dotted path to a class with ``send(phone, text)``; the console sender prints the
# message, with the phone masked, for development). Codes live SIGN_IN_CODE_TTL seconds, take
# SIGN_IN_CODE_ATTEMPTS wrong tries, and are sent at most once a SIGN_IN_CODE_INTERVAL and
# SIGN_IN_CODE_PER_HOUR times an hour per person; an officer's invitation lives WORKER_INVITATION_DAYS days.
SMS_SENDER = os.environ.get("GONGJIANG_SMS_SENDER", "gongjiang.portal.sms.ConsoleSender")
SIGN_IN_CODE_TTL = int(os.environ.get("GONGJIANG_SIGN_IN_CODE_TTL", "300"))
SIGN_IN_CODE_ATTEMPTS = int(os.environ.get("GONGJIANG_SIGN_IN_CODE_ATTEMPTS", "5"))
SIGN_IN_CODE_INTERVAL = int(os.environ.get("GONGJIANG_SIGN_IN_CODE_INTERVAL", "60"))
SIGN_IN_CODE_PER_HOUR = int(os.environ.get("GONGJIANG_SIGN_IN_CODE_PER_HOUR", "5"))
SIGN_IN_LOOKUP_LIMIT = int(os.environ.get("GONGJIANG_SIGN_IN_LOOKUP_LIMIT", "10"))  # per client per 10 minutes
WORKER_INVITATION_DAYS = int(os.environ.get("GONGJIANG_WORKER_INVITATION_DAYS", "14"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["gongjiang.core.permissions.ScopedModelPermission"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "gongjiang.core.api.ListPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "gongjiang.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Gongjiang API",
    "DESCRIPTION": "Registry of skilled workers, organisations and certificates.",
    "VERSION": "0.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TrainingClassKindEnum": "gongjiang.training.models.ClassKind",
        "TrainingFindingKindEnum": "gongjiang.training.models.FindingKind",
        "CarrierKindEnum": "gongjiang.monitoring.models.CarrierKind",
        "CarrierLevelEnum": "gongjiang.monitoring.models.CarrierLevel",
        "CarrierDecisionKindEnum": "gongjiang.monitoring.models.CarrierDecisionKind",
        "TargetKindEnum": "gongjiang.monitoring.models.TargetKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_pii": {"()": "gongjiang.core.pii.RedactPiiFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_pii"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("GONGJIANG_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Cache: local memory (per process) by default; Redis, shared by all workers and hosts, when
# GONGJIANG_CACHE_URL is set (e.g. redis://127.0.0.1:6379/1). The verification rate limit counts here.
_cache_url = os.environ.get("GONGJIANG_CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url, "KEY_PREFIX": "gj"}
        if _cache_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "gongjiang"}
    )
}

# Public certificate verification (docs/verification.md).
VERIFY_RATE_LIMIT = int(os.environ.get("GONGJIANG_VERIFY_RATE_LIMIT", "30"))  # queries per client per window
VERIFY_RATE_WINDOW = int(os.environ.get("GONGJIANG_VERIFY_RATE_WINDOW", "60"))  # seconds
# Behind a reverse proxy: the header carrying the client address (e.g. X-Forwarded-For or X-Real-IP),
# honoured only on connections from GONGJIANG_TRUSTED_PROXIES. Unset: the peer address is the client.
TRUSTED_PROXY_HEADER = os.environ.get("GONGJIANG_TRUSTED_PROXY_HEADER", "")
TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("GONGJIANG_TRUSTED_PROXIES", "127.0.0.1,::1").split(",") if p.strip()
]
if TRUSTED_PROXY_HEADER and not DEBUG:
    # The TLS proxy in front says the request came by HTTPS (X-Forwarded-Proto), so HSTS and secure
    # cookies apply; the proxy must set the header itself, replacing any the client sent.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The public address printed in QR codes and credentials, e.g. https://gongjiang.example.gov.cn
PUBLIC_BASE_URL = os.environ.get("GONGJIANG_PUBLIC_URL", "").rstrip("/")
CREDENTIAL_ISSUER_NAME = os.environ.get("GONGJIANG_ISSUER_NAME", "工匠技能人才平台")
# An Ed25519 private key held outside the database: a PKCS#8 PEM file, or base64 of the 32-byte seed.
SIGNING_KEY_FILE = os.environ.get("GONGJIANG_SIGNING_KEY_FILE", "")
SIGNING_KEY = os.environ.get("GONGJIANG_SIGNING_KEY", "")

# Bulk import and export (docs/import.md).
IMPORTS_DIR = Path(os.environ.get("GONGJIANG_IMPORTS_DIR", VAR_DIR / "imports"))  # uploads (encrypted), reports
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("GONGJIANG_IMPORT_MAX_BYTES", str(256 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(os.environ.get("GONGJIANG_IMPORT_MAX_ROWS", "2000000"))
IMPORT_MAX_COLUMNS = 64
IMPORT_XLSX_MAX_UNCOMPRESSED = int(os.environ.get("GONGJIANG_IMPORT_XLSX_MAX_UNCOMPRESSED", str(1024 * 1024 * 1024)))
IMPORT_XLSX_MAX_RATIO = 200  # uncompressed / compressed size of any one member of the XLSX zip
EXPORT_MAX_ROWS = int(os.environ.get("GONGJIANG_EXPORT_MAX_ROWS", "1000000"))

# Background tasks (django-tasks; import jobs run as tasks). Services queue them once their transaction
# commits (core.tasks.enqueue_on_commit). `gongjiang worker` runs them: it first marks the jobs of a
# worker that died as failed, then runs the backend's own worker (db_worker or rqworker). "database": tasks
# wait in the database (no other server; `gongjiang demo` starts a worker beside its web server); "rq":
# they wait in Redis queues for as many workers as the bureau runs; "immediate": they run at once in the
# process that queues them (the tests). A task on RQ is stopped after GONGJIANG_RQ_TIMEOUT seconds.
TASKS_MODE = os.environ.get("GONGJIANG_TASKS", "database")
if TASKS_MODE == "rq":
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {
        "default": {
            "URL": os.environ.get("GONGJIANG_RQ_URL", "redis://127.0.0.1:6379/2"),
            "DEFAULT_TIMEOUT": int(os.environ.get("GONGJIANG_RQ_TIMEOUT", "7200")),
        }
    }
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASKS_MODE == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
elif TASKS_MODE == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
else:
    raise ImproperlyConfigured('GONGJIANG_TASKS must be "database", "rq" or "immediate".')
