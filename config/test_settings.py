"""Test settings: fast hashing, local-memory cache, a temporary ML artefact directory.

The database comes from DATABASE_URL like everywhere else (PostgreSQL in CI),
with SQLite as the embedded default.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "False")
# The tests' own keys, whatever a developer's .env holds (read_env never overrides these).
os.environ["DJANGO_SECRET_KEY"] = "test-secret-key-that-is-long-enough-0123456789"  # noqa: S105
os.environ["JWT_SIGNING_KEY"] = "test-jwt-signing-key-that-is-long-enough-0123456789"
os.environ["ML_SIGNING_KEY"] = "test-ml-signing-key-that-is-long-enough-0123456789"

from config.settings import *  # noqa: E402,F403

# Training runs inline unless a test sets a broker itself (a developer's .env may name one).
CELERY_BROKER_URL = ""

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rate limits out of the way of ordinary tests; config/api/tests/test_throttling.py sets its own.
REST_FRAMEWORK = {  # noqa: F405
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {
        "token_client": "100000/min",
        "token_username": "100000/min",
        "ticket_create": "100000/min",
    },
}
# Lockouts out of the way of ordinary tests too; config/tests/test_login_lockout.py sets its own.
AXES_FAILURE_LIMIT = 100_000
# Each test gets its own artefact directory (see the autouse fixture in conftest.py).
ML_ARTIFACT_DIR = BASE_DIR / "var" / "test-artifacts"  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Tests never run collectstatic; whitenoise serves from the finders instead.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
