"""Local development: DEBUG on unless the environment says otherwise."""

import os

from .base import *  # noqa: F403
from .base import STORAGES, env_list

DEBUG = os.environ.get("DEBUG", "1").lower() in {"1", "true", "yes", "on"}
# Never "*": a forged Host header must not reach the site (reset links are built from WAGTAILADMIN_BASE_URL anyway).
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", *env_list("ALLOWED_HOSTS")]
# collectstatic writes a .gz beside each file (no hashed names, so templates and edits need no manifest).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}}

WHITENOISE_AUTOREFRESH = True
# `make run` collects the static files before it starts the server and sets STATIC_COLLECTED=1: they are then served
# from STATIC_ROOT as in production, gzipped (plotly.js: 4.8 MB → 1.4 MB) and cached for a day. A bare runserver
# while editing serves the sources through the finders, uncached, so an edit shows at once.
if os.environ.get("STATIC_COLLECTED", "").lower() in {"1", "true", "yes", "on"}:
    WHITENOISE_USE_FINDERS = False
    WHITENOISE_MAX_AGE = 24 * 3600
else:
    WHITENOISE_USE_FINDERS = True
