"""`make test`: real PostgreSQL and Redis from DATABASE_URL and REDIS_URL."""

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
