"""Weakness 17 (hardening): no Content-Security-Policy or Permissions-Policy, and production would start with
the console e-mail backend (reset links silently printed instead of sent).

Every response now carries a strict CSP (no inline script: our templates have none, and the few inline scripts
Wagtail's admin writes carry the response's nonce) and a Permissions-Policy; production refuses a non-delivering
e-mail backend unless ALLOW_CONSOLE_EMAIL=1."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def _directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    result = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            result[words[0]] = words[1:]
    return result


def _assert_no_unnonced_inline_script(response):
    body = response.content.decode()
    nonce = next(
        (s[len("'nonce-") : -1] for s in _directives(response)["script-src"] if s.startswith("'nonce-")), None
    )
    for attrs in INLINE_SCRIPT.findall(body):
        if re.search(r'type="application/(json|ld\+json)"', attrs) or 'type="text/template"' in attrs:
            continue
        assert nonce and f'nonce="{nonce}"' in attrs, f"inline <script{attrs}> without this response's nonce"
    assert not EVENT_HANDLER.search(body), EVENT_HANDLER.search(body).group(0)
    assert "javascript:" not in body


@pytest.mark.django_db
def test_strict_csp_on_learner_pages(client, trainee):
    pages = [Client().get("/accounts/login/")]
    client.force_login(trainee.user)
    pages += [client.get(reverse("my_training")), client.get(reverse("courses:my_record"))]
    for response in pages:
        url = response.request["PATH_INFO"]
        assert response.status_code == 200, url
        csp = _directives(response)
        assert csp["default-src"] == ["'self'"]
        assert csp["script-src"][0] == "'self'" and "'unsafe-inline'" not in csp["script-src"]
        assert "'unsafe-eval'" not in csp["script-src"]
        assert csp["object-src"] == ["'none'"]
        assert csp["base-uri"] == ["'self'"]
        assert csp["form-action"] == ["'self'"]
        assert csp["frame-ancestors"] == ["'self'"]
        assert set(csp["img-src"]) == {"'self'", "data:", "blob:"}
        _assert_no_unnonced_inline_script(response)


@pytest.mark.django_db
def test_admin_inline_scripts_carry_the_nonce(client, hr_east):
    client.force_login(hr_east)
    # The officer form has Wagtail date pickers, whose init scripts are inline.
    response = client.get(reverse("officers:add"))
    assert response.status_code == 200
    assert "initDateChooser" in response.content.decode()
    assert any(s.startswith("'nonce-") for s in _directives(response)["script-src"])
    _assert_no_unnonced_inline_script(response)


@pytest.mark.django_db
def test_permissions_policy(client):
    header = client.get("/accounts/login/")["Permissions-Policy"]
    policy = dict(part.strip().split("=", 1) for part in header.split(","))
    assert policy["camera"] == "(self)"
    for feature in ("geolocation", "microphone", "payment", "usb"):
        assert policy[feature] == "()"


def _start_production(**env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"EMAIL_URL", "ALLOW_CONSOLE_EMAIL", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update({"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "training.example.gov.cn", **env})
    return subprocess.run(
        [sys.executable, "-c", "import cms.settings.production"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_the_console_email_backend():
    refused = _start_production()
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr and "EMAIL_URL" in refused.stderr
    assert _start_production(EMAIL_URL="console://").returncode != 0
    assert _start_production(EMAIL_URL="locmem://").returncode != 0


def test_production_starts_with_a_mail_server_or_the_explicit_flag():
    assert _start_production(EMAIL_URL="smtp://mail.example.gov.cn:25").returncode == 0
    assert _start_production(ALLOW_CONSOLE_EMAIL="1").returncode == 0
