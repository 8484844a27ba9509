"""Issue #12 item 20 under `make run`: plotly.js (4.8 MB) goes out gzipped and cached, as in production.

`make run` collects the static files (dev storage: a .gz beside each) before it starts the server with
STATIC_COLLECTED=1, and the dev settings then serve STATIC_ROOT instead of the finders' uncompressed sources."""

import importlib.util
import os
import sys
from unittest import mock

from django.core.management import call_command
from django.http import HttpResponse
from django.templatetags.static import static
from whitenoise.middleware import WhiteNoiseMiddleware

from tests.test_make_run import ROOT, _dry_run


def _dev_settings(**env):
    """A fresh copy of cms.settings.dev as the given environment makes it."""
    spec = importlib.util.spec_from_file_location("_dev_settings_copy", ROOT / "cms/settings/dev.py")
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "cms.settings"
    with mock.patch.dict(os.environ, env):
        spec.loader.exec_module(module)
    sys.modules.pop("_dev_settings_copy", None)
    return module


def test_make_run_serves_the_collected_files():
    recipe = _dry_run("run")
    assert "collectstatic" in recipe
    server = recipe.split("runserver", 1)
    assert "STATIC_COLLECTED=1" in server[0].rsplit("\n", 1)[-1]
    # Django's runserver would otherwise answer /static/ itself, from the finders, before WhiteNoise sees it.
    assert "--nostatic" in server[1].split("\n", 1)[0]
    collected = _dev_settings(STATIC_COLLECTED="1")
    assert collected.WHITENOISE_USE_FINDERS is False and collected.WHITENOISE_MAX_AGE == 24 * 3600
    editing = _dev_settings(STATIC_COLLECTED="")
    assert editing.WHITENOISE_USE_FINDERS is True and not hasattr(editing, "WHITENOISE_MAX_AGE")


def test_plotly_js_goes_out_gzipped_and_cached_for_a_day_under_make_run(settings, tmp_path, rf):
    dev = _dev_settings(STATIC_COLLECTED="1")
    settings.STATIC_ROOT = tmp_path
    settings.STATICFILES_FINDERS = [
        "analytics.staticfiles.PlotlyFinder"
    ]  # only this file: keeps the test quick
    settings.STORAGES = dev.STORAGES
    settings.WHITENOISE_USE_FINDERS = dev.WHITENOISE_USE_FINDERS
    settings.WHITENOISE_MAX_AGE = dev.WHITENOISE_MAX_AGE
    settings.WHITENOISE_AUTOREFRESH = dev.WHITENOISE_AUTOREFRESH
    call_command("collectstatic", "--noinput", verbosity=0)
    url = static("analytics/plotly.min.js")
    assert url == "/static/analytics/plotly.min.js"
    original = (tmp_path / "analytics" / "plotly.min.js").stat().st_size
    gzipped = (tmp_path / "analytics" / "plotly.min.js.gz").stat().st_size
    assert original > 4_000_000 and gzipped < original / 3

    middleware = WhiteNoiseMiddleware(lambda request: HttpResponse(status=404))
    response = middleware(rf.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br"))
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip" and int(response["Content-Length"]) == gzipped
    assert "max-age=86400" in response["Cache-Control"]
