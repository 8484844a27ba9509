"""Settings shared by every environment; anything that differs between machines comes from the environment."""

import os
from pathlib import Path

import dj_database_url
import dj_email_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PROJECT_DIR = BASE_DIR / "cms"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Reverse proxies in front of the web process that append to X-Forwarded-For (0: clients connect directly and the
# header is ignored). The client address is the entry this many places from the right; see cms.audit.client_ip.
TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "0"))

SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "cms",
    "exams",
    "courses",
    "mentorship",
    "appraisal",
    "analytics",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "cms.users_app.UsersConfig",  # wagtail.users, with role groups shown by their role names
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_q",
    "axes",
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (see "Browser policy" below).
    "csp.middleware.CSPMiddleware",
    "cms.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cms.audit.CurrentRequestMiddleware",
    "cms.login_throttle.LoginDelayMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # A view's database connection error → 503 with Retry-After (the database is unreachable), not a 500.
    "cms.middleware_db.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns lock-outs into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cms.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "cms.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web + qcluster) share the file: wait for locks instead of failing. In WAL mode
    # synchronous=NORMAL syncs at checkpoints, not at every commit (a crash loses nothing; a power cut may lose the
    # last commits): a first `migrate` of ~200 migrations takes seconds instead of a minute of fsyncs.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's cursors bind parameters on the client and are never prepared, whatever this says; it lets the few
    # statements that ask for it (the exam autosave, exams.autosave) be prepared once per connection. Set
    # DB_PREPARED_STATEMENTS=0 behind a connection pooler that cannot keep prepared statements.
    if os.environ.get("DB_PREPARED_STATEMENTS", "1") != "0":
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
    # A persistent connection is checked before a request reuses it, so after a database restart the workers
    # reconnect on their next request instead of failing until they are restarted.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "anjian",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # Redis down: every cache read is a miss and every write is dropped, with a logged warning
                # (DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS), instead of a 500; pages compute what they would have read.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    # A city sitting an exam at once: read sessions from Redis, keep the database as the record (so with Redis
    # down a session is read from the database: sign-in and autosave keep working).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cache_table",
        }
    }

# --- Authentication -------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my_training"
LOGOUT_REDIRECT_URL = "login"

# Usernames are employee numbers printed on certificates, so a lock by username alone lets anyone lock anyone out:
# axes locks a username only together with the client address, and cms.login_throttle adds a growing delay per
# username (from any address) so that a guesser spread over many addresses is still slowed.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "cms.audit.client_ip"  # the same trusted-hops rule as the audit trail
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
# Attempts from a locked (username, address) pair are refused but not counted again, so one stranger cannot keep
# stretching the per-username delay below; only failures from new addresses do.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# After AXES_FAILURE_LIMIT failures for one username from any address, each attempt waits 2, 4, 8 … seconds, up to this.
LOGIN_DELAY_MAX_SECONDS = int(os.environ.get("LOGIN_DELAY_MAX_SECONDS", "180"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))  # hours
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = False

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10000
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# plotly.js comes from the installed plotly package through analytics' finder, so collectstatic hashes and gzips
# it and whitenoise serves it compressed with a long cache (it is 4.8 MB uncompressed).
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "analytics.staticfiles.PlotlyFinder",
]

# --- Private uploads (cms/uploads.py): evidence, task reports, case files ----
# Outside MEDIA_ROOT on purpose: no URL maps to it and only permission-checked views read it (the proxy must never
# serve it; check cms.E101 refuses a folder inside MEDIA_ROOT or STATIC_ROOT).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private"))
# Behind nginx (deploy/nginx/anjian.conf) private files are sent by nginx from an internal location after the
# application's permission check (X-Accel-Redirect: /_private/<name>); off, the application streams them itself.
PRIVATE_MEDIA_ACCEL = env_bool("PRIVATE_MEDIA_ACCEL", False)
UPLOAD_MAX_FILE_BYTES = int(os.environ.get("UPLOAD_MAX_FILE_MB", "10")) * 1024 * 1024
UPLOAD_MAX_FILES = int(os.environ.get("UPLOAD_MAX_FILES", "10"))  # per submission
UPLOAD_MAX_TOTAL_BYTES = int(os.environ.get("UPLOAD_MAX_TOTAL_MB", "30")) * 1024 * 1024  # per submission
UPLOAD_USER_QUOTA_BYTES = int(os.environ.get("UPLOAD_USER_QUOTA_MB", "500")) * 1024 * 1024  # stored, per user
# Larger images are refused before decoding (decompression bombs).
UPLOAD_MAX_IMAGE_PIXELS = int(os.environ.get("UPLOAD_MAX_IMAGE_PIXELS", "50000000"))
UPLOAD_IMAGE_MAX_SIDE = 4096  # images are re-encoded to at most this many pixels on the longest side
# Above our per-submission cap so a user who picks a few too many gets our message, not a bare 400.
DATA_UPLOAD_MAX_NUMBER_FILES = 2 * UPLOAD_MAX_FILES

# --- Browser policy (every environment, so tests and browser tests see it) ---------------------------------------
# Every asset is local. Scripts only from our origin; the few inline scripts Wagtail's admin still writes (date
# pickers, inline panels, choosers) carry the per-response nonce (cms/templates/wagtailadmin/…, cms.csp). Inline
# styles stay allowed: Wagtail, plotly and our templates set style attributes, which nonces cannot cover.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    },
}
# Only the organiser's check-in screen may use the camera (to scan a QR code); nothing else is ever granted.
PERMISSIONS_POLICY = {
    "camera": ["self"],
    "geolocation": [],
    "microphone": [],
    "payment": [],
    "usb": [],
    "magnetometer": [],
    "gyroscope": [],
    "accelerometer": [],
    "display-capture": [],
}

# --- Email ----------------------------------------------------------------
_email = dj_email_url.parse(os.environ.get("EMAIL_URL", "console://"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
if _email.get("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@anjian.local")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Wagtail --------------------------------------------------------------
WAGTAIL_SITE_NAME = _("Safety Officer Training & Qualification Platform")
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILEMBEDS_FINDERS = []  # intranet: no oEmbed lookups leave the machine
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
# Wagtail's "forgot password" page builds its link from WAGTAILADMIN_BASE_URL too, never from the Host header.
WAGTAILADMIN_USER_PASSWORD_RESET_FORM = "cms.forms.AdminPasswordResetForm"
WAGTAILADMIN_USER_LOGIN_FORM = "cms.forms.AdminLoginForm"  # its password label translated
# Autosave would save every abandoned "new lesson" form as a draft page; editors keep the unsaved-changes warning.
WAGTAIL_AUTOSAVE_INTERVAL = 0
WAGTAILDOCS_SERVE_METHOD = "serve_view"  # documents pass our permission checks
# Wagtail's own background jobs run in-request.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- Background work (django-q2) -------------------------------------------
# The ORM broker redelivers a task whose worker died (at-least-once), so every task is idempotent.
# timeout < retry, and a small max_attempts: the defaults retry forever.
Q_BROKER = os.environ.get("Q_BROKER", "orm")
Q_CLUSTER = {
    "name": "anjian",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": 600,
    "retry": 720,
    "max_attempts": 3,
    "queue_limit": 50,
    "bulk": 10,
    "catch_up": False,
    "label": _("Background tasks"),
}
if Q_BROKER == "redis" and REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django_q": {"level": "WARNING"}},
}

SILENCED_SYSTEM_CHECKS: list[str] = []

# --- Learning rules ---------------------------------------------------------
# A lesson counts as read when the learner reached its end and spent this share of its estimated time on it.
COURSES_COMPLETION_SHARE = float(os.environ.get("COURSES_COMPLETION_SHARE", "0.8"))
# "Due soon" notices go out this many days before an enrolment's due date.
COURSES_DUE_SOON_DAYS = int(os.environ.get("COURSES_DUE_SOON_DAYS", "7"))
# The organiser's check-in QR code and digits change this often (seconds); the previous step is still accepted.
COURSES_CHECKIN_STEP_SECONDS = int(os.environ.get("COURSES_CHECKIN_STEP_SECONDS", "60"))
