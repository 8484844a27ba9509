"""plotly.js as a static file: a staticfiles finder that exposes the installed plotly package's plotly.min.js as
``analytics/plotly.min.js`` (nothing copied into the repo).

Being a static file, it goes through collectstatic like any other: CompressedManifestStaticFilesStorage gives it a
content-hashed name and a gzip copy, and whitenoise serves the compressed copy with a one-year immutable cache.
(The old /hr/plotly.min.js view sent all 4.8 MB uncompressed.)"""

from __future__ import annotations

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PACKAGE_DATA = Path(plotly.__file__).resolve().parent / "package_data"
FILE_NAME = "plotly.min.js"
PREFIX = "analytics"
STATIC_PATH = f"{PREFIX}/{FILE_NAME}"


class PlotlyFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=PACKAGE_DATA)
        self.storage.prefix = PREFIX  # collectstatic and whitenoise put the file under analytics/

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        find_all = find_all or kwargs.get("all", False)  # Django 5.2 renamed ``all`` to ``find_all``
        match = str(PACKAGE_DATA / FILE_NAME) if path == STATIC_PATH else None
        if find_all:
            return [match] if match else []
        return match

    def list(self, ignore_patterns):
        yield FILE_NAME, self.storage
