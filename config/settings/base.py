"""Settings shared by every environment. Secrets and addresses come from the environment (config.env)."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import BASE_DIR, DATA_DIR, database_pool, env_int, env_list, env_networks, env_str

DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "guardian",
    "auditlog",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "audit",
    "zones",
    "cameras",
    "conventions",
    "media",
    "footage",
    "oversight",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "common.request_ids.RequestIdMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "zones.middleware.SessionPolicyMiddleware",
    "zones.middleware.ActiveOrganisationMiddleware",
    "zones.middleware.PortalLoginRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "audit.changelog.ChangeLogMiddleware",  # auditlog's, with the one client address (common.client_address)
    "axes.middleware.AxesMiddleware",
]
# The media gateway's machine endpoints (MediaMTX's hook, relay and playback HLS) take a lean path (config/wsgi.py):
# token-bearing machine requests need no session, person, language or CSRF check, only the security headers.
GATEWAY_PATH_PREFIX = "/gateway/"
GATEWAY_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "common.request_ids.RequestIdMiddleware",
    "django.middleware.common.CommonMiddleware",  # Content-Length, so that keep-alive answers need no chunking
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "zones.User"
LOGIN_URL = "zones:login"
LOGIN_REDIRECT_URL = "zones:dashboard"
LOGOUT_REDIRECT_URL = "zones:login"

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
                "zones.context_processors.tenancy",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'portal.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Every process (web, Celery, the media workers) borrows connections from its own bounded pool (psycopg_pool,
    # Django's OPTIONS["pool"]) and gives them back at the end of each request or task, so that idle threads never
    # hold connections and a shared server is never exhausted: at most PORTAL_DB_POOL_MAX per process. The pool
    # needs CONN_MAX_AGE = 0 (Django refuses persistent connections with it).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = database_pool(
        min_size=env_int("PORTAL_DB_POOL_MIN", 0, maximum=50),
        max_size=env_int("PORTAL_DB_POOL_MAX", 8, minimum=1, maximum=50),
        timeout=env_int("PORTAL_DB_POOL_TIMEOUT", 10, minimum=1, maximum=120),  # seconds to wait for a connection
    )
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Writers take the lock when their transaction starts, so two appends to an access-log chain never
    # read the same head (PostgreSQL uses a row lock on the head instead).
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out credentials before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions: 15 minutes idle and 12 hours absolute, enforced by SessionPolicyMiddleware (which tells the person
# why). The stored session lives a little longer than the idle limit only so that the middleware can say so.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 20 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
PORTAL_SESSION_IDLE_TIMEOUT = timedelta(minutes=15)
PORTAL_SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
PORTAL_STEP_UP_MAX_AGE = timedelta(minutes=5)
PORTAL_API_TOKEN_DEFAULT_DAYS = 90
CSRF_COOKIE_HTTPONLY = True

# The client's address (common.client_address): behind PORTAL_TRUSTED_PROXY_COUNT reverse proxies that each append
# their peer to X-Forwarded-For, and only when the connection comes from PORTAL_TRUSTED_PROXY_ADDRESSES. 0 here: the
# header is ignored (runserver, tests); production reads the count from the environment (1 behind the reference nginx).
PORTAL_TRUSTED_PROXY_COUNT = int(env_str("PORTAL_TRUSTED_PROXY_COUNT", "0"))
PORTAL_TRUSTED_PROXY_ADDRESSES = env_list("PORTAL_TRUSTED_PROXY_ADDRESSES", ("127.0.0.0/8", "::1/128"))

# Lockout after failed logins, with a cool-off that doubles on each new lock-out (zones.lockout).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = "zones.lockout.cool_off"
# A username *and* an address together: one person's typos lock neither a colleague behind the same address (a
# control room behind one NAT) nor that person elsewhere. zones.lockout adds the address alone once it passes
# PORTAL_LOCKOUT_ADDRESS_CEILING failures in the cool-off (one address trying many accounts).
AXES_LOCKOUT_PARAMETERS = "zones.lockout.lockout_parameters"
PORTAL_LOCKOUT_ADDRESS_CEILING = 50
AXES_CLIENT_IP_CALLABLE = "common.client_address.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "zones.views.auth.locked_out"
AXES_USERNAME_FORM_FIELD = "username"

OTP_TOTP_ISSUER = "CCTV Portal Brussels"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

LANGUAGE_CODE = "en"
LANGUAGES = [("fr", _("French")), ("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "portal_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "media"},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "zones.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["zones.api.permissions.HasActiveOrganisation"],
    "DEFAULT_SCHEMA_CLASS": "zones.api.schema.PortalAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "zones.api.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": "30/minute", "user": "2000/minute"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Regional CCTV sharing portal API",
    "DESCRIPTION": "Tenant-scoped API of the regional CCTV governance and data-sharing portal.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets sharing the field name "mode": access modes, and what footage requests record or may ask.
    "ENUM_NAME_OVERRIDES": {
        "AccessModeEnum": "conventions.models.Mode",
        "RequestModeEnum": "footage.models.REQUEST_MODE_CHOICES",
        "NewRequestModeEnum": "footage.models.NEW_REQUEST_MODE_CHOICES",
    },
}

# Celery: the broker and result store come from the environment; the default needs no server.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
_broker_folder = DATA_DIR / "broker"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_broker_folder / "queue"),
        "data_folder_out": str(_broker_folder / "queue"),
        "processed_folder": str(_broker_folder / "processed"),
        "control_folder": str(_broker_folder / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": 3600}
)
if CELERY_BROKER_URL.startswith("filesystem"):
    for _folder in ("queue", "processed", "control"):
        (_broker_folder / _folder).mkdir(parents=True, exist_ok=True)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND")
# A separate queue name lets a test run (or a second platform on the same broker) keep its tasks apart.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "portal")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
PORTAL_HEARTBEAT_INTERVAL = timedelta(seconds=int(env_str("PORTAL_HEARTBEAT_SECONDS", "30")))
PORTAL_HEALTH_INTERVAL = timedelta(minutes=5)
PORTAL_HEALTH_CONCURRENCY = 200
PORTAL_HEALTH_TIMEOUT_SECONDS = 3.0
# The access log's chain heads are signed this often (entries removed from a chain's end are caught once they are
# that old), and each signed head is also appended to the witness file, which the operator makes append-only
# (platform/README.md, "Access-log witness"). PORTAL_AUDIT_WITNESS_FILE=off: no witness file.
PORTAL_AUDIT_SIGN_SECONDS = float(env_str("PORTAL_AUDIT_SIGN_SECONDS", "30"))
PORTAL_AUDIT_WITNESS_FILE = env_str("PORTAL_AUDIT_WITNESS_FILE", str(DATA_DIR / "audit-witness" / "signed-heads.jsonl"))
if PORTAL_AUDIT_WITNESS_FILE.lower() in {"off", "none"}:
    PORTAL_AUDIT_WITNESS_FILE = None
# With workers on several machines: the queue of the one worker that signs, on the witness file's machine.
PORTAL_AUDIT_SIGN_QUEUE = env_str("PORTAL_AUDIT_SIGN_QUEUE", "")  # empty: the default queue
CELERY_BEAT_SCHEDULE = {
    "platform-heartbeat": {
        "task": "zones.tasks.record_heartbeat",
        "schedule": PORTAL_HEARTBEAT_INTERVAL.total_seconds(),
    },
    # Only chains that moved are signed; a run that could not start before the next one is due is dropped.
    "audit-sign-heads": {
        "task": "audit.tasks.sign_chain_heads",
        "schedule": PORTAL_AUDIT_SIGN_SECONDS,
        "options": {
            "expires": PORTAL_AUDIT_SIGN_SECONDS,
            **({"queue": PORTAL_AUDIT_SIGN_QUEUE} if PORTAL_AUDIT_SIGN_QUEUE else {}),
        },
    },
    "convention-expiry": {"task": "conventions.tasks.expire_conventions", "schedule": 300.0},
    "live-session-expiry": {"task": "footage.tasks.close_expired_live_sessions", "schedule": 30.0},
    "footage-request-follow-up": {"task": "footage.tasks.follow_up_footage_requests", "schedule": 300.0},
    "export-watch": {"task": "footage.tasks.watch_exports", "schedule": 60.0},
    "camera-health-sweep": {
        "task": "cameras.tasks.health_sweep",
        "schedule": PORTAL_HEALTH_INTERVAL.total_seconds(),
        # A sweep that could not start before the next one is due is dropped, never stacked.
        "options": {"expires": PORTAL_HEALTH_INTERVAL.total_seconds()},
    },
    # Recorded footage past its legal retention is deleted (erasure entries); retention is counted in days.
    "recordings-purge": {"task": "media.tasks.purge_recordings", "schedule": 3600.0, "options": {"expires": 3600}},
    # The gateway hook's refusals of each closed minute, one access-log entry per tally (media/gateway_guard.py).
    "gateway-refusals": {"task": "media.tasks.flush_gateway_refusals", "schedule": 60.0, "options": {"expires": 60}},
}

# Content Security Policy: every asset is served by the portal itself.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None


EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@localhost")
# Seconds a mail server may take before the sending task gives up and retries (zones.tasks.send_notification_emails).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1, maximum=120)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "common.request_ids.RequestIdLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"axes": {"level": "WARNING"}},
}

# The policy generation moves in the database on every change a decision reads (conventions.staleness), so
# compiled conventions are rebuilt at once; this bounds their life anyway (a restored backup brings an old token).
PORTAL_POLICY_MAX_AGE_SECONDS = 60

# Legal maximum retention of footage by regime (zones/data/brussels.json, legal_regimes).
PORTAL_RETENTION_DAYS = {"police": 365, "camera_law": 30, "camera_law_special_risk": 90}
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")
# The address ranges the portal may reach as cameras (ONVIF onboarding, snapshots; cameras/networks.py). The
# development and test default covers loopback (the test cameras) and the private ranges (the demo's cameras);
# production reads the list from the environment and reaches no camera until it is set.
PORTAL_CAMERA_NETWORKS = env_networks(
    "PORTAL_CAMERA_NETWORKS", ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)

# Live video (DESIGN.md §6). A session token lapses after PORTAL_LIVE_TOKEN_SECONDS unless the open page renews
# it; the gate re-checks a session at most every PORTAL_LIVE_GATE_CACHE_SECONDS, which bounds how long a
# revoked viewer keeps receiving (the issue asks for 5 s).
PORTAL_LIVE_TOKEN_SECONDS = 60
PORTAL_LIVE_GATE_CACHE_SECONDS = 2.0
# The built-in HLS relay: one working folder per camera, ffmpeg children owned by the relay worker.
PORTAL_RELAY_ROOT = Path(env_str("PORTAL_RELAY_ROOT", str(DATA_DIR / "relay")))
PORTAL_RELAY_GRACE_SECONDS = 20
# The demo's streaming cameras (`manage.py demo_cameras`): a local RTSP server, readers on this port, ffmpeg's
# test patterns published on the next one.
PORTAL_DEMO_RTSP_PORT = int(env_str("PORTAL_DEMO_RTSP_PORT", "8554"))
# A production MediaMTX in front of the cameras: its control API, to kick viewers whose access ends.
PORTAL_MEDIAMTX_API_URL = env_str("PORTAL_MEDIAMTX_API_URL", "")
# The portal signs in to that API with these (MediaMTX hands them to the hook as action `api`; the hook lets
# exactly these credentials through for `api`). Empty: the API is reached without credentials.
PORTAL_MEDIAMTX_API_USER = env_str("PORTAL_MEDIAMTX_API_USER", "")
PORTAL_MEDIAMTX_API_PASSWORD = env_str("PORTAL_MEDIAMTX_API_PASSWORD", "")
# Addresses allowed to call the media gateway's hook (empty: any; the hook only ever answers yes or no).
PORTAL_GATEWAY_ADDRESSES = env_list("PORTAL_GATEWAY_ADDRESSES", ())
# The hook's guard (media/gateway_guard.py), counted in the default cache (set CACHE_URL in production, so that
# every process shares the counts): refusals that guess from one viewer address, and refusals of one token, per
# minute before the hook answers 429 for the rest of the minute; wrong control-API credentials from one address
# within the window before that address is refused for the cool-off.
PORTAL_GATEWAY_SOURCE_FAILURES = 20
PORTAL_GATEWAY_TOKEN_FAILURES = 20
PORTAL_GATEWAY_API_FAILURES = 5
PORTAL_GATEWAY_API_WINDOW_SECONDS = 15 * 60
PORTAL_GATEWAY_API_COOL_OFF_SECONDS = 15 * 60
# Footage requests: approvers decide within PORTAL_REQUEST_DECISION_HOURS (reminded that many hours before, then
# escalated to the owner's chief); an approved request opens the footage for PORTAL_REQUEST_ACCESS_DAYS.
PORTAL_REQUEST_DECISION_HOURS = 48
PORTAL_REQUEST_REMIND_HOURS_BEFORE = 12
PORTAL_REQUEST_ACCESS_DAYS = 7
# Evidence exports: packages at rest (encrypted), the job's lease (renewed as it progresses; a lapsed lease means
# the worker died and the watchdog re-queues), the download link's life and how many downloads it allows.
PORTAL_EXPORT_ROOT = Path(env_str("PORTAL_EXPORT_ROOT", str(DATA_DIR / "exports")))
PORTAL_EXPORT_LEASE_SECONDS = int(env_str("PORTAL_EXPORT_LEASE_SECONDS", "60"))
PORTAL_EXPORT_LINK_DAYS = 7
PORTAL_EXPORT_DOWNLOADS = 3
PORTAL_EXPORT_QUEUE = env_str("PORTAL_EXPORT_QUEUE", "")  # empty: the default queue
# The central recorder: segments of about a minute per camera, indexed with their exact start and end.
PORTAL_RECORDING_ROOT = Path(env_str("PORTAL_RECORDING_ROOT", str(DATA_DIR / "recordings")))
PORTAL_RECORDING_SEGMENT_SECONDS = 60
