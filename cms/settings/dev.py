"""Local development: DEBUG on unless the environment says otherwise."""

import os

from .base import *  # noqa: F403
from .base import STORAGES, env_list

DEBUG = os.environ.get("DEBUG", "1").lower() in {"1", "true", "yes", "on"}
# Never "*": a forged Host header must not reach the site (reset links are built from WAGTAILADMIN_BASE_URL anyway).
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", *env_list("ALLOWED_HOSTS")]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
