"""`make test`: real PostgreSQL and Redis from DATABASE_URL and REDIS_URL."""

import os

import environ

env = environ.Env()
env.ENVIRON.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
env.ENVIRON.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
env.ENVIRON.setdefault("CACHE_KEY_PREFIX", "portal-test")
env.ENVIRON.setdefault("CELERY_BROKER_URL", "memory://")

from .base import *  # noqa: E402,F403
from .base import VAR_DIR  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PRIVATE_MEDIA_ROOT = VAR_DIR / "test-media"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
LANGUAGE_CODE = "zh-hans"

# REDIS_URL has a default here, so sessions are `cached_db` as in production (base.py);
# tests/test_security.py checks their cached copies.

# pytest-xdist: each worker has its own test database (pytest-django suffixes it) and must
# have its own Redis database too, because the cache's clear() is a FLUSHDB.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and CACHES["default"]["BACKEND"].endswith("RedisCache"):  # noqa: F405
    from urllib.parse import urlsplit, urlunsplit

    _url = urlsplit(CACHES["default"]["LOCATION"])  # noqa: F405
    _db = int(_url.path.strip("/") or 0)
    _path = f"/{(_db + 1 + int(_worker[2:])) % 16}"
    CACHES["default"]["LOCATION"] = urlunsplit(_url._replace(path=_path))  # noqa: F405

# The signed-in user's cache (org.auth.PortalModelBackend) is off in tests unless asked
# for (AUTH_USER_CACHE=1, as bench/ does; org/tests/test_user_cache.py turns it on): the
# query-count tests compare requests, and a user cached for one request and read for
# another (every saved user, department or region starts a new generation) would differ
# by a query that has nothing to do with the page under test.
AUTH_USER_CACHE = env.bool("AUTH_USER_CACHE", default=False)
