"""The deployment under test (deploy/check.sh started it): its URL, processes and examinees."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def pytest_configure(config):
    config.addinivalue_line("markers", "deploy: process-level tests against make deploy-check's deployment")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/deploy/test_smoke" in str(item.fspath) or "tests/deploy/test_faults" in str(item.fspath):
            item.add_marker(pytest.mark.deploy)


@pytest.fixture(scope="session")
def base_url():
    url = os.environ.get("DEPLOY_BASE_URL")
    if not url:
        if os.environ.get("REQUIRE_DEPLOY"):
            pytest.fail("REQUIRE_DEPLOY is set but DEPLOY_BASE_URL is not: run make deploy-check")
        pytest.skip("needs the running deployment: make deploy-check")
    return url.rstrip("/")


def examinees(n: int) -> dict:
    out = subprocess.run(
        [sys.executable, str(ROOT / "tests/deploy/make_examinees.py"), str(n)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


CSRF = "deploycheck" * 2 + "0123456789"  # any 32 letters or digits: the cookie and the header must agree


class Http:
    """A tiny client that sends the session cookie itself (production marks cookies Secure; the check is plain
    HTTP on localhost) and never follows redirects."""

    def __init__(self, base_url: str, session: str | None = None):
        self.base_url, self.session = base_url, session

    def request(self, method, path, body=None, headers=None, timeout=10):
        req = urllib.request.Request(self.base_url + path, data=body, method=method)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        cookies = [f"csrftoken={CSRF}"] + ([f"sessionid={self.session}"] if self.session else [])
        req.add_header("Cookie", "; ".join(cookies))
        if method == "POST":
            req.add_header("X-CSRFToken", CSRF)
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(req, timeout=timeout) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
