"""Settings shared by every environment, read through django-environ.

Defaults are the embedded ones that `make run` needs on a bare machine: SQLite and a
filesystem Celery broker. `DATABASE_URL` and `REDIS_URL` switch to PostgreSQL and Redis.
"""

from datetime import timedelta
from pathlib import Path

import environ
from corsheaders.defaults import default_headers
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789abcdefghij")
# Key of the hashes under which ID numbers are stored (staff, employment bans). Unlike
# SECRET_KEY it must never be rotated without re-hashing, or bans stop matching.
ID_HASH_KEY = env("ID_HASH_KEY", default=SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "corsheaders",
    "core",
    "portal",
    "org",
    "policy",
    "cases",
    "institutions",
    "licensing",
    "complaints",
    "funds",
    "inspections",
    "governance",
    "reports",
]

MIDDLEWARE = [
    "core.request.RequestContextMiddleware",
    "core.security.ContentSecurityPolicyMiddleware",
    "core.api.errors.ApiErrorFormatMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # ETag on every GET and 304 on If-None-Match / If-Modified-Since (issue 13); detail
    # endpoints add Last-Modified from the record's updated_at (core.api.views). Django's,
    # ignoring If-Unmodified-Since where there is no Last-Modified (RFC 9110 §13.1.4).
    "core.conditional.ConditionalGetMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.db_router.PrimaryAfterWriteMiddleware",
    "core.request.SessionMiddleware",  # Django's, without a save on API reads
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "policy.middleware.ProfileUnavailableMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Django's PostgreSQL backend, with a health check that needs no round trip while the
# connection's socket is quiet (core/postgresql/base.py, issue 13).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "core.postgresql"
# Persistent connections (issue 13: a new connection cost 12-16 ms on every request under
# gunicorn), checked before reuse so that a restarted database or PgBouncer is survived
# (locally first, with SELECT 1 only when in doubt: core.postgresql).
# No session-level state is kept on a connection, so transaction-mode PgBouncer is safe.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction mode a cursor cannot outlive its transaction, so the
# exports' iterator() fetches in chunks on the client instead (no session-level state).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DB_BEHIND_PGBOUNCER",
                                                               default=False)
# PostgreSQL's JIT compiles a query whose estimated cost is high; the scoped list queries
# are such estimates but read a page, and JIT alone added 60-110 ms to each (issue 13,
# measured at 2M tasks). Off per connection, unless DB_JIT is set; behind PgBouncer (which
# refuses the `options` startup parameter) set `jit = off` in postgresql.conf instead
# (docker-compose.yml does).
if "postgresql" in DATABASES["default"]["ENGINE"] and not env.bool("DB_JIT", default=False) \
        and not DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"]:
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["options"] = " ".join(
        filter(None, [DATABASES["default"]["OPTIONS"].get("options", ""), "-c jit=off"]))
# A read replica, if the deployment has one (core.db_router): reads outside transactions go
# there; a writing request and the same browser's next REPLICA_LAG_SECONDS read the primary.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"]["ENGINE"] = "core.postgresql"
    if "OPTIONS" in DATABASES["default"] and "postgresql" in DATABASES["replica"]["ENGINE"]:
        DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"]["OPTIONS"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.db_router.ReplicaRouter"]
REPLICA_LAG_SECONDS = env.int("REPLICA_LAG_SECONDS", default=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="portal"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the user's department and regions in the same query
    # (the scope gateway needs them on every request: issue 13).
    "org.auth.PortalModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "login"

# Officers' sessions expire after an idle timeout: every request renews the cookie.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = True
# With a shared cache (Redis), the signed-in user is cached between requests
# (org.auth.PortalModelBackend): one of the queries of every request (issue 13). A
# process-local cache would let one worker keep a user that another worker changed, so
# without Redis it is read from the database on every request.
AUTH_USER_CACHE = bool(REDIS_URL)
# A scope rule is built once per (model, action, scope) and reused while the policy
# profile it read is unchanged (org.scope.ScopedQuerySet.restrict, issue 13).
SCOPE_QUERY_CACHE = env.bool("SCOPE_QUERY_CACHE", default=True)
# An API list's page query is compiled once per principal, query string and page shape
# and reused, the cursor's position its one changing parameter (core.api.listcache,
# issue 13); the principal's key is its scope (org.scope.principal_key).
LIST_QUERY_CACHE = env.bool("LIST_QUERY_CACHE", default=True)
LIST_QUERY_PRINCIPAL_KEY = "org.scope.principal_key"
# Sessions live in the database; with Redis, each is also cached there, for as long as it
# has left (the idle timeout), so that a request reads no session row (issue 13: 2-3 ms of
# a 13 ms API call). Logout deletes both; a Redis restart logs nobody out (the row is read
# again). A row deleted or expired by hand lives on in its cached copy until the timeout:
# end a session by logout or through the user (deactivation, a new password: the cached
# user is dropped at once), as the portal does. Without Redis, sessions are read from the
# database alone: a process-local cache would disagree between processes
# (tests/test_security.py).
SESSION_ENGINE = ("org.sessions" if REDIS_URL  # cached_db, with the user in one read
                  else "django.contrib.sessions.backends.db")
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# django-axes: lock after N failures for M minutes, by username (so a failure never
# reveals whether the account exists).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Lockout is per account, not per IP: offices sit behind one NAT address, and an IP
# lock would let one attacker lock out a whole bureau. Hence axes.W006 is silenced.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# django-guardian: no anonymous user row; object grants live in direct-FK tables.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Attachments live outside any public URL and are served only through scoped views: on
# the file system by default, or in an S3-compatible bucket (MinIO in docker-compose.yml)
# when PRIVATE_STORAGE_BUCKET is set, so that web nodes keep no state (issue 13).
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "media")))
if env("PRIVATE_STORAGE_BUCKET", default=""):
    STORAGES["private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("PRIVATE_STORAGE_BUCKET"),
            "endpoint_url": env("PRIVATE_STORAGE_ENDPOINT", default="") or None,
            "access_key": env("PRIVATE_STORAGE_ACCESS_KEY", default="") or None,
            "secret_key": env("PRIVATE_STORAGE_SECRET_KEY", default="") or None,
            "region_name": env("PRIVATE_STORAGE_REGION", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
#: Scripts only from our own static files; inline styles stay allowed (htmx and Bootstrap
#: set some), inline scripts do not.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
#: Per-client limits of the public pages and of every Excel export (core.ratelimit).
PAGE_RATES = {
    "page": env("PUBLIC_PAGE_THROTTLE", default="120/min"),
    "export": env("EXPORT_THROTTLE", default="10/min"),
    "complaint": env("COMPLAINT_THROTTLE", default="5/hour"),
    "complaint_track": env("COMPLAINT_TRACK_THROTTLE", default="30/hour"),
}
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_MB", default=10) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# The active policy profile (policy/profiles/<code>.yaml).
POLICY_PROFILE = env("POLICY_PROFILE", default="kunming")

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@xwpx.local")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Reverse proxies in front of the web server whose X-Forwarded-For hop is trusted for
# the client IP of the audit trail (0: none, use REMOTE_ADDR; docker-compose exposes
# gunicorn directly).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# CORS (django-cors-headers): only the public read-only endpoints (the public API and the
# open-data download of the same register), only for the origins a deployment names (none
# by default), only reads; a browser may read the caching and rate-limit headers, and the
# download's file name.
CORS_URLS_REGEX = r"^/(api/v1/public|open-data)/.*$"
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
# A page that reads the ETag or Last-Modified it is shown sends it back: its preflight
# must allow the two conditional headers.
CORS_ALLOW_HEADERS = (*default_headers, "if-none-match", "if-modified-since")
CORS_ALLOW_CREDENTIALS = False
CORS_EXPOSE_HEADERS = ("ETag", "Last-Modified", "Retry-After", "RateLimit-Limit",
                       "RateLimit-Remaining", "RateLimit-Reset", "X-Request-ID",
                       "Content-Disposition")

# Celery: Redis when REDIS_URL is set, else kombu's filesystem transport (no server).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "celery-broker"
    for _d in (_broker_dir, VAR_DIR / "celery-processed", VAR_DIR / "celery-control"):
        _d.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Any number of beats may run; one sends (core.beat: a lease in the shared cache).
CELERY_BEAT_SCHEDULER = "core.beat:SingleBeatScheduler"
BEAT_LEASE_SECONDS = env.int("BEAT_LEASE_SECONDS", default=30)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Minutes between deadline scans run by beat.
DEADLINE_SCAN_MINUTES = env.int("DEADLINE_SCAN_MINUTES", default=15)
# Database connections the deadline scan runs its batches on at once (PostgreSQL; 1 runs
# them one after the other; SQLite always does). Issue 13: a first scan over a backlog is
# the database's per-row work, one backend per connection.
DEADLINE_SCAN_WORKERS = env.int("DEADLINE_SCAN_WORKERS", default=2)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "org.auth.ApiClientTokenAuthentication",
        "org.auth.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.IsAuthenticatedPrincipal"],
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttling.PrincipalRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_USER_THROTTLE", default="600/min"),
        "client": env("API_CLIENT_THROTTLE", default="120/min"),
        "public": env("API_PUBLIC_THROTTLE", default="30/min"),
    },
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "core.api.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.CreatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["core.api.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "校外培训监管平台 API",
    "DESCRIPTION": _("Off-campus training supervision portal: REST API for integrating systems."),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "GET_LIB_DOC_EXCLUDES": "core.api.schema.lib_doc_excludes",
    "ENUM_NAME_OVERRIDES": {
        "CaseKindEnum": "cases.kinds.choices",
        "NotificationKindEnum": "cases.models.Notification.Kind",
        "CaseStateEnum": "cases.models.CaseState",
        "TaskStatusEnum": "cases.models.TaskStatus",
        "InstitutionStatusEnum": "institutions.models.InstitutionStatus",
        "PhaseEnum": "core.vocab.Phase",
        "CampaignPhaseEnum": "governance.models.Phase",
    },
}

#: Every line names its request (issue 14 §A2): the id each response carries in X-Request-ID.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.request.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "{levelname} {name} request_id={request_id} {message}",
                  "style": "{"},
        "server": {"format": "[{server_time}] request_id={request_id} {message}",
                   "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                    "formatter": "plain"},
        "server": {"class": "logging.StreamHandler", "filters": ["request_id"],
                   "formatter": "server"},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # The development server's access line (runserver).
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
    },
}
