"""Tests: PostgreSQL and a real broker when DATABASE_URL / CELERY_BROKER_URL are set (CI), else SQLite."""

import os

from config.env import DATA_DIR, dev_secret
from config.settings.base import *  # noqa: F403

SECRET_KEY = dev_secret("SECRET_KEY")
PORTAL_SIGNING_KEY = dev_secret("PORTAL_SIGNING_KEY", 32)
PORTAL_ENCRYPTION_KEYS = [dev_secret("PORTAL_ENCRYPTION_KEY", 32)]
# Tasks the tests enqueue without a worker must never reach a development worker on the same machine.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "portal-tests")
# Each test that signs heads gets a witness file of its own (tests/conftest.py); none outside a test.
PORTAL_AUDIT_WITNESS_FILE = None
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing; tests only
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "10000/minute", "user": "10000/minute"}  # noqa: F405

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not memory, so that a Celery worker process can open the same test database; one per test run,
    # so that two runs side by side do not delete each other's database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-portal-{os.getpid()}.sqlite3")}  # noqa: F405

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise expects the folder
