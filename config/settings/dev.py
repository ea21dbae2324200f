"""Development and demo: the embedded default (SQLite file, filesystem broker), secrets kept under data/."""

from config.env import dev_secret, env_bool
from config.settings.base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = dev_secret("SECRET_KEY")
PORTAL_SIGNING_KEY = dev_secret("PORTAL_SIGNING_KEY", 32)
PORTAL_ENCRYPTION_KEYS = [dev_secret("PORTAL_ENCRYPTION_KEY", 32)]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise expects the folder
