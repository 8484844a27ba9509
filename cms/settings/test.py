"""Test settings: fast hasher, synchronous django-q2, plain static storage, no network."""

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
