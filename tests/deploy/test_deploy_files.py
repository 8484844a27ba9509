"""The deployment files and the settings they rely on, checked without starting anything (run by make test):
nginx's rendered site is valid, private files go out through X-Accel-Redirect only when configured, PostgreSQL
connections are health-checked, and Redis failures are not errors."""

import importlib
import shutil
import subprocess
import sys

import pytest
from django.core.files.base import ContentFile

from cms import uploads

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def test_the_rendered_nginx_site_is_valid_and_never_maps_private_files(tmp_path):
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "deploy/render_nginx.py"),
            "--standalone",
            str(tmp_path),
            "--http-port",
            "18999",
            "--static",
            str(tmp_path / "s"),
            "--media",
            str(tmp_path / "m"),
            "--private",
            str(tmp_path / "private_root"),
            "--upstream",
            "127.0.0.1:18998",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    site = (tmp_path / "site.conf").read_text()
    assert "server 127.0.0.1:18998" in site and "8001" not in site
    private_block = site.split("location /_private/")[1].split("}")[0]
    assert "internal;" in private_block and str(tmp_path / "private_root") in private_block
    assert (
        site.count(str(tmp_path / "private_root")) == 1
    )  # only the internal location names the private root
    nginx = shutil.which("nginx") or shutil.which("/usr/sbin/nginx")
    if nginx:
        check = subprocess.run([nginx, "-t", "-c", out.stdout.strip()], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


@pytest.fixture
def stored(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    name = uploads.private_storage.save("evidence/abc.pdf", ContentFile(b"%PDF-1.4 evidence"))
    return uploads.private_storage.open(name)


def test_private_files_are_streamed_by_the_application_by_default(stored, settings):
    settings.PRIVATE_MEDIA_ACCEL = False
    response = uploads.serve_private(stored, content_type="application/pdf", original_name="记录.pdf")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 evidence"
    assert "X-Accel-Redirect" not in response


def test_behind_nginx_private_files_are_handed_to_its_internal_location(stored, settings):
    settings.PRIVATE_MEDIA_ACCEL = True
    response = uploads.serve_private(stored, content_type="application/pdf", original_name="记录.pdf")
    assert response["X-Accel-Redirect"] == "/_private/evidence/abc.pdf" and response.content == b""
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_postgres_connections_are_health_checked_and_redis_errors_degrade(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@127.0.0.1:5432/x")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6399/9")
    import cms.settings.base as base

    fresh = importlib.reload(base)
    try:
        assert fresh.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
        assert fresh.CACHES["default"]["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
        assert fresh.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    finally:
        monkeypatch.undo()
        importlib.reload(base)
