"""Kizuna settings. Everything comes from the environment; the defaults give a working SQLite install."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("KIZUNA_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)  # its files are the company's data: the owner only


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into the data dir."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()


def _encryption_keys() -> list[str]:
    """Keys for encrypted fields (core/crypto.py), newest first: KIZUNA_ENCRYPTION_KEYS (comma-separated), else the
    data dir's `encryption_keys` file (one key a line), generated once like `secret_key`."""
    if keys := os.environ.get("KIZUNA_ENCRYPTION_KEYS"):
        return [k.strip() for k in keys.split(",") if k.strip()]
    path = DATA_DIR / "encryption_keys"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32) + "\n")
        path.chmod(0o600)
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


ENCRYPTION_KEYS = _encryption_keys()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs (Swagger UI) from its own static files: no CDN, works offline
    "django_tasks_db",
    "axes",
    "kizuna.core",
    "kizuna.accounts",
    "kizuna.customfields",
    "kizuna.contacts",
    "kizuna.timeline",
    "kizuna.imports",
    "kizuna.privacy",
    "kizuna.notifications",
    "kizuna.automation",
    "kizuna.webhooks",
    "kizuna.sales",
    "kizuna.support",
    "kizuna.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kizuna.core.middleware.RequestContextMiddleware",
    "kizuna.ops.middleware.ObservabilityMiddleware",  # metrics, request log and slow queries (needs the request id)
    "kizuna.ops.storage.StorageErrorMiddleware",  # a full disk or read-only store: 503 with a clear message
    "kizuna.ops.replicas.ReplicaMiddleware",  # GET reads may use a replica unless the user just wrote
    "kizuna.core.idempotency.IdempotencyMiddleware",  # Idempotency-Key on API POSTs (after the session user is known)
    "kizuna.accounts.middleware.AccountSecurityMiddleware",  # idle/absolute session timeout, 2FA requirement
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "kizuna.urls"
WSGI_APPLICATION = "kizuna.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "kizuna.core.context_processors.access",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'kizuna.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE avoids upgrade deadlocks.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
            " PRAGMA foreign_keys=ON; PRAGMA cache_size=-64000;"
        ),
    }
else:
    # The gram index's bitmap for a common pair (佐藤: 140k documents at 1M people) turns lossy at the default
    # 4 MB and every lossy page is re-tokenized: 1.2 s instead of 85 ms (bench/search_bench.py).
    # JIT compiles a search's plan (its estimate is high because to_tsvector is costed per row) for longer than
    # the query runs: 80 ms of compiling for a 10 ms query.
    work_mem = os.environ.get("KIZUNA_PG_WORK_MEM", "32MB")
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c work_mem={work_mem} -c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Read replicas (PostgreSQL streaming standbys): GET requests read from them unless the user just wrote
# (docs/ops/scaling.md). Comma-separated URLs; each becomes the alias replica_1, replica_2, ...
KIZUNA_REPLICA_URLS = [u.strip() for u in os.environ.get("KIZUNA_REPLICA_URLS", "").split(",") if u.strip()]
KIZUNA_READ_YOUR_WRITES_SECONDS = float(os.environ.get("KIZUNA_READ_YOUR_WRITES_SECONDS", "5"))
KIZUNA_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("KIZUNA_REPLICA_MAX_LAG_SECONDS", "2"))
for _i, _url in enumerate(KIZUNA_REPLICA_URLS, start=1):
    DATABASES[f"replica_{_i}"] = {**DATABASES["default"], **dj_database_url.parse(_url, conn_max_age=60),
                                  "TEST": {"MIRROR": "default"}}  # fmt: skip
    DATABASES[f"replica_{_i}"]["OPTIONS"] = DATABASES["default"].get("OPTIONS", {})
if KIZUNA_REPLICA_URLS:
    DATABASE_ROUTERS = ["kizuna.ops.replicas.ReplicaRouter"]

KIZUNA_INSIGHT_STALE_MONTHS = int(os.environ.get("KIZUNA_INSIGHT_STALE_MONTHS", "6"))  # "still true?" after this
KIZUNA_EVENTS_KEEP_DAYS = int(
    os.environ.get("KIZUNA_EVENTS_KEEP_DAYS", "30")
)  # dispatched domain events kept this long
# Writers wake the event worker at most this often per process (seconds): the delay delivery may add, not a cost
# per write. 0 queues one dispatch per transaction (the tests, which run the worker right after a commit).
KIZUNA_EVENTS_DISPATCH_DELAY = float(os.environ.get("KIZUNA_EVENTS_DISPATCH_DELAY", "0.2"))
# An Idempotency-Key whose request never finished (its process died) is retried after this many seconds; longer
# than any request may run (nginx's proxy_read_timeout), or a slow first attempt is answered 409 in the end.
KIZUNA_IDEMPOTENCY_STALE_SECONDS = float(os.environ.get("KIZUNA_IDEMPOTENCY_STALE_SECONDS", "300"))
# Outgoing webhooks may not reach loopback, private, link-local, ... addresses (SSRF) unless the host is listed here:
# comma-separated host names, addresses or networks (`hooks.internal,127.0.0.1,10.1.0.0/16`).
KIZUNA_WEBHOOK_ALLOWED_HOSTS = [h.strip().lower() for h in os.environ.get("KIZUNA_WEBHOOK_ALLOWED_HOSTS", "").split(",")
                                if h.strip()]  # fmt: skip
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- auth -----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Lockout after repeated failed logins for a username (django-axes); a locked account waits, it is not disabled.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("KIZUNA_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("KIZUNA_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one too often locks
AXES_USERNAME_CALLABLE = "kizuna.accounts.models.lockout_username"  # ａｄｍｉｎ, Admin and admin: one count
AXES_LOCKOUT_TEMPLATE = "lockout.html"
AXES_RESET_ON_SUCCESS = True
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Two-factor login (TOTP): the name shown in authenticator apps; the second step's time limit and wrong codes.
KIZUNA_2FA_ISSUER = os.environ.get("KIZUNA_2FA_ISSUER", "Kizuna")
KIZUNA_2FA_PENDING_SECONDS = 300
KIZUNA_2FA_MAX_FAILURES = 5
# Rate limits ("N/s", "N/m", "N/h"; "0" = off), counted in the database so every worker process shares them.
KIZUNA_RATE_LIMITS = {
    "login": os.environ.get("KIZUNA_RATE_LOGIN", "30/m"),  # login POSTs per client address
    "two_factor": os.environ.get("KIZUNA_RATE_2FA", "10/m"),  # 2FA code POSTs per client address
    "password_reset": os.environ.get("KIZUNA_RATE_PASSWORD_RESET", "5/m"),  # reset requests per client address
    "bad_token": os.environ.get("KIZUNA_RATE_BAD_TOKENS", "60/m"),  # API calls with a bad token, per address
    "token_create": os.environ.get("KIZUNA_RATE_TOKEN_CREATE", "10/h"),  # new API tokens per user (token page)
    "search_contact": os.environ.get("KIZUNA_RATE_SEARCH_CONTACT", "60/m"),  # searches by phone/e-mail per user
}
PASSWORD_RESET_TIMEOUT = int(os.environ.get("KIZUNA_PASSWORD_RESET_MINUTES", "60")) * 60  # links are single-use too

# --- e-mail (password reset) ----------------------------------------------------------------------
# Console (mail printed to the server log) unless an SMTP host is set.
_EMAIL_HOST = os.environ.get("KIZUNA_EMAIL_HOST", "")
_EMAIL_SSL = env_bool("KIZUNA_EMAIL_SSL")
if _EMAIL_HOST:
    _MAILER = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _EMAIL_HOST,
            "port": int(os.environ.get("KIZUNA_EMAIL_PORT", "465" if _EMAIL_SSL else "587")),
            "username": os.environ.get("KIZUNA_EMAIL_USER", ""),
            "password": os.environ.get("KIZUNA_EMAIL_PASSWORD", ""),
            "use_ssl": _EMAIL_SSL,
            "use_tls": env_bool("KIZUNA_EMAIL_STARTTLS", not _EMAIL_SSL),
            "timeout": 15,
        },
    }
else:
    _MAILER = {"BACKEND": os.environ.get("KIZUNA_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")}
MAILERS = {"default": _MAILER}
DEFAULT_FROM_EMAIL = os.environ.get("KIZUNA_EMAIL_FROM", "kizuna@localhost")
# Notifications: the daily digest goes out after this hour (TIME_ZONE); links in mail and calendar feeds use the
# site's address; the bell asks for its count this often.
KIZUNA_DIGEST_HOUR = int(os.environ.get("KIZUNA_DIGEST_HOUR", "7"))
KIZUNA_BASE_URL = os.environ.get("KIZUNA_BASE_URL", "")
KIZUNA_BELL_POLL_SECONDS = int(os.environ.get("KIZUNA_BELL_POLL_SECONDS", "60"))

# --- sessions, cookies, headers -------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Absolute lifetime of a login, and the idle timeout (both enforced by accounts.middleware; the last request time
# is written at most once a minute instead of saving the session on every request).
SESSION_COOKIE_AGE = int(os.environ.get("KIZUNA_SESSION_AGE", 60 * 60 * 12))
KIZUNA_SESSION_IDLE_MINUTES = int(os.environ.get("KIZUNA_SESSION_IDLE_MINUTES", "60"))
SESSION_SAVE_EVERY_REQUEST = False
CSRF_COOKIE_SAMESITE = "Lax"
SECURE = env_bool("KIZUNA_HTTPS")
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]  # probes and the scraper speak plain HTTP locally
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],  # an injected <base> cannot re-point relative links and scripts
    "object-src": ["'none'"],
}

# --- i18n -----------------------------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]  # each language named in itself
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Tokyo")
USE_I18N = True
USE_TZ = True

# --- static and uploads ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Outside STATIC_ROOT; served only through permission-checked views. Every stored file goes through
# STORAGES["default"] (kizuna.core.files): a local folder (KIZUNA_UPLOADS_DIR, a shared volume when several app servers
# run) or, with KIZUNA_STORAGE=s3, an S3-compatible bucket through django-storages (docs/ops/configuration.md).
MEDIA_ROOT = Path(os.environ.get("KIZUNA_UPLOADS_DIR") or DATA_DIR / "uploads").resolve()
_FILE_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if os.environ.get("KIZUNA_STORAGE", "local") == "s3":
    _FILE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("KIZUNA_S3_BUCKET", ""),
            "location": os.environ.get("KIZUNA_S3_PREFIX", ""),  # a folder inside the bucket
            "endpoint_url": os.environ.get("KIZUNA_S3_ENDPOINT_URL") or None,  # MinIO, Ceph, R2, ... (None: AWS)
            "region_name": os.environ.get("KIZUNA_S3_REGION") or None,
            # keys: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in the environment, or the machine's IAM role
            "file_overwrite": False,  # stored files are never rewritten
            "default_acl": None,  # private: the bucket's own policy; files are served only through Kizuna's views
            "querystring_auth": True,
        },
    }
STORAGES = {
    "default": _FILE_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG or env_bool("KIZUNA_STATIC_FINDERS", True)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
KIZUNA_ATTACHMENT_MAX_BYTES = int(os.environ.get("KIZUNA_ATTACHMENT_MAX_MB", "20")) * 1024 * 1024
# A running import whose worker has not reported for this long is queued again (it continues after its last row).
KIZUNA_IMPORT_STALL_SECONDS = int(os.environ.get("KIZUNA_IMPORT_STALL_SECONDS", "120"))
KIZUNA_IMPORT_MAX_BYTES = int(os.environ.get("KIZUNA_IMPORT_MAX_MB", "50")) * 1024 * 1024  # one import file
# Rows per transaction of an import run: a killed worker loses at most one batch's work, which is redone. The
# duplicate check of a batch looks at the people saved before it: a bigger batch queues fewer in-file variants.
KIZUNA_IMPORT_BATCH = max(int(os.environ.get("KIZUNA_IMPORT_BATCH", "500")), 1)

# KIZUNA_LOG_FORMAT=json: one JSON object per line (request id, user id, duration); request lines at INFO.
_LOG_JSON = os.environ.get("KIZUNA_LOG_FORMAT", "text") == "json"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "kizuna.ops.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", **({"formatter": "json"} if _LOG_JSON else {})}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"kizuna.request": {"level": "INFO" if _LOG_JSON else "WARNING"}},
}
KIZUNA_SLOW_QUERY_MS = float(os.environ.get("KIZUNA_SLOW_QUERY_MS", "500"))  # queries slower than this are logged
KIZUNA_METRICS_TOKEN = os.environ.get("KIZUNA_METRICS_TOKEN", "")  # unset: /metrics answers loopback only

KIZUNA_PAGE_SIZE = 25
