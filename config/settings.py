"""One settings module, driven by environment variables (and `.env` when present).

Every variable is listed with a comment in `.env.example`.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from config.cache import redis_cache
from config.schedule import crontab_from_env
from config.secrets import SECRETS, secrets_problems, secrets_refusal

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
_environment_names = set(os.environ)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# What .env added to the environment: `manage.py test` runs pytest without it
# (config/test_runner.py), as a plain `pytest` would.
DOTENV_NAMES = frozenset(set(os.environ) - _environment_names)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# Every secret of config/secrets.py, checked here so that every process loading these settings
# (gunicorn, manage.py, Celery worker and beat) refuses to start with a missing or placeholder
# one, or with a short one when DEBUG is off. No default: `make setup` writes random ones to .env.
_secrets = {secret.variable: env.str(secret.variable, default="") for secret in SECRETS}
if _problems := secrets_problems(_secrets, debug=DEBUG):
    raise ImproperlyConfigured(secrets_refusal(_problems))
SECRET_KEY = _secrets["DJANGO_SECRET_KEY"]

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "config",
    "agents",
    "tickets",
]

MIDDLEWARE = [
    "config.logging.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.RequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes requires: turns a locked-out sign-in into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# `manage.py test [tickets]` runs the pytest suite with the test settings.
TEST_RUNNER = "config.test_runner.PytestTestRunner"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite under var/ is the embedded default so that a first run needs no server.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE makes every atomic block take SQLite's write lock up front, so two
    # routings cannot both read the same loads before either writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The covering indexes' INCLUDE columns (tickets/models/ticket.py) are PostgreSQL's; SQLite
    # builds the same indexes without them, as intended: no warning on every command.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    options = DATABASES["default"].setdefault("OPTIONS", {})
    # An unreachable server fails a request in seconds (503) instead of hanging a worker.
    options.setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))
    # Parameters sent apart from the SQL, and statements a connection runs often prepared
    # once on the server (psycopg's prepare_threshold): PostgreSQL plans a creation's queries
    # once per connection instead of every time (measured: docs/performance.md).
    # Behind PgBouncer in transaction mode, set DATABASE_PREPARE_THRESHOLD=none.
    if env.bool("DATABASE_SERVER_SIDE_BINDING", default=True):
        options.setdefault("server_side_binding", True)
        threshold = env.str("DATABASE_PREPARE_THRESHOLD", default="5")
        options.setdefault(
            "prepare_threshold", None if threshold.lower() == "none" else int(threshold)
        )

# Throttle counters (and any other cache use): Redis when REDIS_URL is set, so that every
# process of a deployment shares them; memory local to the process otherwise.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "config.cache"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
# Axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where `manage.py collectstatic` writes, and whitenoise (or the proxy) serves from; relative
# to the project, or absolute.
STATIC_ROOT = BASE_DIR / env.str("DJANGO_STATIC_ROOT", default="staticfiles")
# Uploaded files (the conversation's attachments) go through Django's storage API: the file
# system under MEDIA_ROOT by default, never served from a public URL (no MEDIA_URL route: the
# API streams each file to those who may see it). An S3-compatible store is configuration
# only (docs/conversation.md): install django-storages[s3], set DJANGO_STORAGE_BACKEND to
# storages.backends.s3.S3Storage and its options (bucket, endpoint...) as a JSON object in
# DJANGO_STORAGE_OPTIONS; boto3 reads its credentials from AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY itself.
MEDIA_ROOT = BASE_DIR / env.str("DJANGO_MEDIA_ROOT", default="var/media")
STORAGES = {
    "default": {
        "BACKEND": env.str(
            "DJANGO_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": env.json("DJANGO_STORAGE_OPTIONS", default={}),
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_MAX_REQUEST_BYTES", default=1_048_576)

# HTTPS, switched on by environment in production (all off for local development over http).
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
# Load balancers probe over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# Browser sessions (admin, dashboard) end this long after sign-in, like API sessions below.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=12 * 3600)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=False)
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every response: scripts, styles, fonts and fetches
# only from this origin (the admin, the dashboard and Swagger UI ship their assets as static
# files: no CDN, no inline script or <style>); images also as data: URIs (Swagger UI's icons).
# Style attributes stay allowed: the browsable API's markup carries a few.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # simplejwt's, with malformed ids and changed passwords refused, and the `Bearer Bearer
        # <token>` that Swagger UI sends for a pasted `Bearer <token>` read
        # (config/api/authentication.py).
        "config.api.authentication.JWTUserAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        # An unknown ?ordering= is a 400 (DRF's own OrderingFilter ignores it).
        "config.api.ordering.StrictOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.StandardPagination",
    "DEFAULT_PARSER_CLASSES": [
        "config.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Per scope, `N/second|minute|hour|day` (config/api/throttling.py); checked at start-up.
    "DEFAULT_THROTTLE_RATES": {
        "token_client": env.str("THROTTLE_TOKEN_CLIENT_RATE", default="30/min"),
        "token_username": env.str("THROTTLE_TOKEN_USERNAME_RATE", default="10/min"),
        "ticket_create": env.str("THROTTLE_TICKET_CREATE_RATE", default="30/min"),
    },
    # Proxies in front of the app whose X-Forwarded-For is trusted to name the client.
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=0),
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "config.api.openapi.ApiAutoSchema",
    "EXCEPTION_HANDLER": "config.api.exceptions.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    # A separate key: rotating SECRET_KEY (sessions) does not log out API clients and vice versa.
    "SIGNING_KEY": _secrets["JWT_SIGNING_KEY"],
    "AUTH_HEADER_TYPES": ("Bearer",),
    # Tokens carry a digest of the password hash: changing the password revokes them all.
    "CHECK_REVOKE_TOKEN": True,
    "REVOKE_TOKEN_CLAIM": "hash_password",
}
# Absolute lifetime of an API session: refresh tokens cannot carry it further than this after
# sign-in (config/api/jwt_session.py). 12 hours, NIST SP 800-63B's bound for re-authentication
# at AAL2 whatever the activity: one working day, then sign in again.
JWT_SESSION_MAX_AGE = timedelta(hours=env.int("JWT_SESSION_MAX_HOURS", default=12))

# Lockout after failed sign-ins (django-axes) on every login path: the admin, the dashboard and
# POST /api/token/ (config/api/login_throttling.py). A (username, client address) pair is
# locked, so an attacker elsewhere cannot lock the owner out, and only for a cool-off.
# Database handler: lockouts survive restarts and a Redis outage (the rate limits fail open,
# lockouts do not), and staff see and clear them in the admin; the cost is axes' own tables.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client address exactly as the API throttles read it (REMOTE_ADDR, or X-Forwarded-For past
# DJANGO_NUM_PROXIES trusted proxies).
AXES_CLIENT_IP_CALLABLE = "config.api.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "config.api.login_throttling.lockout_response"
# Failures count for the cool-off whatever happens in between, on every path alike (a JWT
# sign-in sends no user_logged_in signal that could reset them).
AXES_RESET_ON_SUCCESS = False
# Successful sign-ins are not recorded: that table would only grow.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

SPECTACULAR_SETTINGS = {
    "TITLE": "Ticket Intelligence API",
    "DESCRIPTION": (
        "Support tickets are classified, sent to their category's department and assigned to "
        "the least-loaded available agent there. Authenticate with `POST /api/token/` and "
        "use the access token as `Authorization: Bearer <token>` (in Swagger's Authorize "
        "dialog, paste the token with or without `Bearer `)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: it would send the schema's address to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.TicketStatus",
    },
    # The API speaks JSON; form bodies are still accepted, but not documented.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.openapi.document_standard_errors",
    ],
}

# Machine learning: where trained artefacts live, and when the model is trusted.
ML_ARTIFACT_DIR = Path(env.str("ML_ARTIFACT_DIR", default="ml/artifacts"))
if not ML_ARTIFACT_DIR.is_absolute():  # relative to the project, not the working directory
    ML_ARTIFACT_DIR = BASE_DIR / ML_ARTIFACT_DIR
# Signs each trained artefact (HMAC-SHA256); a loader unpickles only bytes whose signature
# verifies under it. Only in the environment, never in the database or the cache.
ML_SIGNING_KEY = _secrets["ML_SIGNING_KEY"]
# An override of the confidence the model needs to decide a ticket (0-1). Unset (the default),
# each model uses the thresholds its training chose to reach ML_TARGET_PRECISION.
ML_CONFIDENCE_THRESHOLD = (
    float(env.str("ML_CONFIDENCE_THRESHOLD")) if env.str("ML_CONFIDENCE_THRESHOLD", "") else None
)
# Training: the precision the model's own decisions must reach on out-of-fold predictions; it
# decides only above the confidence that reaches it (per category where the counts allow).
ML_TARGET_PRECISION = env.float("ML_TARGET_PRECISION", default=0.90)
if not 0 < ML_TARGET_PRECISION <= 1:
    raise ImproperlyConfigured("ML_TARGET_PRECISION must be in (0, 1].")
# Training chooses its configuration by cross-validation on a stratified sample of at most this
# many of the training rows, in this many folds (bounded, and deterministic for a seed).
ML_SELECTION_MAX_ROWS = env.int("ML_SELECTION_MAX_ROWS", default=20_000)
ML_SELECTION_FOLDS = env.int("ML_SELECTION_FOLDS", default=3)
if ML_SELECTION_MAX_ROWS < 100 or ML_SELECTION_FOLDS < 2:
    raise ImproperlyConfigured("ML_SELECTION_MAX_ROWS must be >= 100, ML_SELECTION_FOLDS >= 2.")
# Models whose artefact bytes are kept besides the active one: the newest N (at least 1).
# Older ones are pruned after each training and by `manage.py prune_models`; their registry
# rows (version, metrics) stay, but they can no longer be activated.
ML_KEEP_ARTIFACTS = env.int("ML_KEEP_ARTIFACTS", default=5)
if ML_KEEP_ARTIFACTS < 1:
    raise ImproperlyConfigured("ML_KEEP_ARTIFACTS must be at least 1.")
# After a failed artefact load, seconds before the same version is tried again.
ML_RETRY_SECONDS = env.float("ML_RETRY_SECONDS", default=30.0)
# Seconds the active model version is kept in the cache between database checks. Activating
# a model updates the cache at once; this bounds how long a change made any other way (or,
# without REDIS_URL, another process's activation) takes to be noticed.
ML_VERSION_CHECK_SECONDS = env.int("ML_VERSION_CHECK_SECONDS", default=10)
# Seconds a process keeps the categories it classifies with (tickets/triage/catalogue.py)
# between cache checks. A saved category or department updates the cache at once; this bounds
# how long, without REDIS_URL, another process's change takes to be noticed.
CATALOGUE_CHECK_SECONDS = env.int("CATALOGUE_CHECK_SECONDS", default=10)
# Seconds a process trusts what it knows of a calendar it has seen closed (agents/shifts.py):
# a calendar saved in another process is seen again at most this late.
CALENDAR_CHECK_SECONDS = env.int("CALENDAR_CHECK_SECONDS", default=30)

# The conversation on each ticket (tickets/conversation/, docs/conversation.md).
# Longest message body, in characters.
CONVERSATION_BODY_MAX_CHARS = env.int("CONVERSATION_BODY_MAX_CHARS", default=10_000)
# Minutes during which the author of an internal note may still edit or delete it (public
# replies never: they are the record).
CONVERSATION_NOTE_EDIT_MINUTES = env.int("CONVERSATION_NOTE_EDIT_MINUTES", default=15)
# Whether a requester's reply on a RESOLVED ticket reopens it (else it stays resolved).
CONVERSATION_REOPEN_ON_REPLY = env.bool("CONVERSATION_REOPEN_ON_REPLY", default=True)
# Largest attachment, in bytes. The whole request must also fit DJANGO_MAX_REQUEST_BYTES,
# which compose's nginx enforces: raise both together.
CONVERSATION_ATTACHMENT_MAX_BYTES = env.int("CONVERSATION_ATTACHMENT_MAX_BYTES", default=512_000)
# Most attachments on one message.
CONVERSATION_ATTACHMENT_MAX_COUNT = env.int("CONVERSATION_ATTACHMENT_MAX_COUNT", default=5)
# Types accepted, as detected from each file's content (not its name or declared type).
CONVERSATION_ATTACHMENT_TYPES = env.list(
    "CONVERSATION_ATTACHMENT_TYPES",
    default=["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"],
)
# Service levels (tickets/sla/, docs/sla.md). Seconds a process keeps the SLA policies it
# computes due dates with (a policy saved in this process is read again at once).
SLA_POLICY_CHECK_SECONDS = env.int("SLA_POLICY_CHECK_SECONDS", default=10)
# Tickets the sweep claims per transaction (FOR UPDATE SKIP LOCKED on PostgreSQL).
SLA_SWEEP_BATCH = env.int("SLA_SWEEP_BATCH", default=200)
if SLA_SWEEP_BATCH < 1:
    raise ImproperlyConfigured("SLA_SWEEP_BATCH must be at least 1.")

# Background work (Celery). With a broker, POST /api/ml/train/ queues a job for
# `celery -A config worker`; without one, training runs inside the request.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_IGNORE_RESULT = True  # outcomes are written to TrainingJob rows instead
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # training is long: one job per worker process at a time
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=2)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # keep Django's LOGGING (text or JSON lines)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TIMEZONE = TIME_ZONE
# Celery beat (one per deployment): crontab lines "m h dom mon dow"; blank switches one off.
# The model is retrained weekly by default (Sunday 02:40, local TIME_ZONE), through the
# promotion gate; without a broker, cron runs `manage.py retrain` instead.
ML_RETRAIN_CRON_DEFAULT = "40 2 * * 0"
CELERY_BEAT_SCHEDULE = {
    name: {"task": task, "schedule": schedule}
    for name, task, schedule in (
        (
            "flush-expired-tokens",
            "config.flush_expired_tokens",
            crontab_from_env(
                "MAINTENANCE_FLUSH_TOKENS_CRON",
                env.str("MAINTENANCE_FLUSH_TOKENS_CRON", default="17 3 * * *"),
            ),
        ),
        (
            "fail-stale-training-jobs",
            "tickets.fail_stale_training_jobs",
            crontab_from_env("every 10 minutes", "*/10 * * * *"),
        ),
        (
            "sla-sweep",
            "tickets.sla_sweep",
            crontab_from_env("SLA_SWEEP_CRON", env.str("SLA_SWEEP_CRON", default="* * * * *")),
        ),
        (
            "deliver-events",
            "tickets.outbox_dispatch",
            timedelta(seconds=env.float("OUTBOX_POLL_SECONDS", default=2.0)),
        ),
        (
            "retrain-model",
            "tickets.retrain_model",
            crontab_from_env(
                "ML_RETRAIN_CRON", env.str("ML_RETRAIN_CRON", default=ML_RETRAIN_CRON_DEFAULT)
            ),
        ),
    )
    if schedule is not None
}
# A retrained model (scheduled, API or `manage.py train`) becomes active only when its
# macro-F1 on its held-out rows is at most this much below the active model's on the same
# rows; otherwise it is registered as rejected (tickets/triage/gate.py).
ML_PROMOTION_TOLERANCE = env.float("ML_PROMOTION_TOLERANCE", default=0.01)
if not 0 <= ML_PROMOTION_TOLERANCE <= 1:
    raise ImproperlyConfigured("ML_PROMOTION_TOLERANCE must be between 0 and 1.")
# A job running (or queued) longer than this lost its worker (or its message): beat marks
# it failed (0: never).
ML_JOB_TIMEOUT_MINUTES = env.int("ML_JOB_TIMEOUT_MINUTES", default=60)
# Workers stop a training at that timeout (hard limit), warned a little before (soft limit:
# the job is recorded failed), so none still trains a job the sweeper has given up.
CELERY_TASK_ANNOTATIONS = (
    {
        task: {
            "time_limit": ML_JOB_TIMEOUT_MINUTES * 60,
            "soft_time_limit": ML_JOB_TIMEOUT_MINUTES * 60 - min(60, ML_JOB_TIMEOUT_MINUTES * 30),
        }
        for task in ("tickets.train_model", "tickets.retrain_model")
    }
    if ML_JOB_TIMEOUT_MINUTES > 0
    else {}
)

# The outbox (tickets/outbox/, docs/integrations.md): events delivered to webhooks and by email
# after commit, by Celery workers (beat queues a pass every OUTBOX_POLL_SECONDS) or by
# `manage.py deliver_events`.
# Seconds a dispatcher holds a claimed delivery; one killed mid-delivery gives it back then.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=120)
# Seconds between dispatcher passes when nothing is due (deliver_events, and Celery beat).
OUTBOX_POLL_SECONDS = env.float("OUTBOX_POLL_SECONDS", default=2.0)
# Deliveries (and emails) one dispatcher claims at a time; all must be sent within the lease.
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=50)
# POSTs one dispatcher process sends at once (threads).
WEBHOOK_CONCURRENCY = env.int("WEBHOOK_CONCURRENCY", default=8)
# Seconds a webhook POST may take (connect, and each read) before the attempt fails.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
# Retries: first after about this many seconds, doubling, with jitter ...
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
# ... at most this far apart ...
WEBHOOK_RETRY_MAX_DELAY_SECONDS = env.float("WEBHOOK_RETRY_MAX_DELAY_SECONDS", default=3600.0)
# ... for this many hours after the first attempt; then the delivery (or email) is failed.
WEBHOOK_RETRY_HOURS = env.float("WEBHOOK_RETRY_HOURS", default=24.0)
# An endpoint whose every delivery failed for this many hours is disabled, with the reason.
WEBHOOK_DISABLE_AFTER_HOURS = env.float("WEBHOOK_DISABLE_AFTER_HOURS", default=24.0)
# Allow webhook URLs that resolve to loopback, private, link-local or metadata addresses
# (refused by default against server-side request forgery; tests turn it on for their receiver).
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=False)

# Email (Django's email API): EMAIL_URL picks the backend, the console by default;
# smtp+tls://user:password@host:587 (STARTTLS) or smtp+ssl://user:password@host:465 for SMTP.
# django-anymail works unchanged: set EMAIL_BACKEND in your own settings.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# The sender of notifications.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Help desk <helpdesk@localhost>")
# Domain of the Reply-To address (reply+<token>@domain) and Message-ID of notifications.
EMAIL_REPLY_DOMAIN = env.str("EMAIL_REPLY_DOMAIN", default="localhost")
# Seconds an SMTP connection may wait on the server.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# Inbound mail (tickets/mail/, docs/mail.md): two doors, one service.
# The shared secret of the HTTP door (POST /api/mail/inbound/, header X-Mail-Inbound-Secret);
# unset: that door is closed (403). Checked like every secret of config/secrets.py.
# Stripped as the check above reads it: a value of spaces is unset, never a secret of spaces.
MAIL_INBOUND_SECRET = _secrets["MAIL_INBOUND_SECRET"].strip()
# Largest message accepted, in bytes, at either door (the SMTP listener advertises it as SIZE).
MAIL_INBOUND_MAX_BYTES = env.int("MAIL_INBOUND_MAX_BYTES", default=10_000_000)
# Where `manage.py mail_inbound` listens unless told otherwise (--host, --port): behind the
# organisation's mail server, which relays to it.
MAIL_INBOUND_HOST = env.str("MAIL_INBOUND_HOST", default="127.0.0.1")
MAIL_INBOUND_PORT = env.int("MAIL_INBOUND_PORT", default=8025)
# A notification's reply token is honoured for this many days after it was sent; a reply with
# an older (or unknown) token opens a new ticket instead.
MAIL_INBOUND_REPLY_DAYS = env.int("MAIL_INBOUND_REPLY_DAYS", default=90)

LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logging.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One access line per request comes from config.logging; runserver's own is redundant.
        "django.server": {"level": "WARNING"},
        "tickets.access": {"level": env.str("ACCESS_LOG_LEVEL", default="INFO")},
    },
}
