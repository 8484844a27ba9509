"""Test settings: fast hasher, synchronous django-q2, plain static storage, no network."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import Q_CLUSTER, STORAGES

DEBUG = False
SECRET_KEY = "test-secret-key"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
LANGUAGE_CODE = "zh-hans"

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# A test run's uploads and generated files (the demo seed's inspection photos, evidence, renditions) go to a folder
# of its own, removed at exit, never into the checkout's media/ and private/ (tests that need a layout of their own
# still point these elsewhere; the environment variables win, as in the other settings).
_FILES = Path(tempfile.mkdtemp(prefix="anjian-test-files-"))
atexit.register(shutil.rmtree, _FILES, ignore_errors=True)
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", _FILES / "media"))
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", _FILES / "private"))
