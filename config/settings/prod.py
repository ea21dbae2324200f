"""Production: every secret from the environment, HTTPS only, nothing served from the internet."""

from config.env import env_bool, env_list, env_networks, env_required, env_str
from config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_required("SECRET_KEY")
PORTAL_SIGNING_KEY = env_required("PORTAL_SIGNING_KEY")
# Comma-separated; the first key encrypts, all keys decrypt (rotation without downtime).
PORTAL_ENCRYPTION_KEYS = env_list("PORTAL_ENCRYPTION_KEYS") or [env_required("PORTAL_ENCRYPTION_KEYS")]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or [env_required("ALLOWED_HOSTS")]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
PORTAL_CAMERA_NETWORKS = env_networks("PORTAL_CAMERA_NETWORKS")  # e.g. 10.20.0.0/16,10.30.0.0/16

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# The media gateway calls its hook on the internal network, straight to gunicorn (platform/mediamtx.yml): a redirect
# to https there would refuse every viewer. Keep that link private and name the gateway in PORTAL_GATEWAY_ADDRESSES.
SECURE_REDIRECT_EXEMPT = [r"^gateway/auth$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-portal_session"
CSRF_COOKIE_NAME = "__Host-portal_csrf"

if env_str("CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("CACHE_URL"),
        }
    }

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
# One reverse proxy (the reference nginx, platform/nginx.conf.example) in front of gunicorn: common.client_address.
PORTAL_TRUSTED_PROXY_COUNT = int(env_str("PORTAL_TRUSTED_PROXY_COUNT", "1"))
