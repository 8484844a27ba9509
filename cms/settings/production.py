"""Production: PostgreSQL + Redis from the environment, gunicorn, hardened HTTP settings."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import EMAIL_BACKEND, SECRET_KEY, SILENCED_SYSTEM_CHECKS, env_bool

DEBUG = False
if SECRET_KEY.startswith("dev-only") and not env_bool("ALLOW_DEV_SECRET"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production")
# Reset links and notices must really leave the machine: a console/memory/dummy backend would silently drop them.
_NON_DELIVERING_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}
if EMAIL_BACKEND in _NON_DELIVERING_BACKENDS and not env_bool("ALLOW_CONSOLE_EMAIL"):
    raise ImproperlyConfigured(
        f"EMAIL_URL must name a real mail server in production (the e-mail backend is {EMAIL_BACKEND}); "
        "set ALLOW_CONSOLE_EMAIL=1 to run without one on purpose."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Wagtail's live preview shows the page in a same-origin iframe, so DENY would break editing.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W019"]
