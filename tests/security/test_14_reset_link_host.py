"""Weakness 14: password-reset links were built from the request's Host header, and dev allowed any host.

Links now always come from WAGTAILADMIN_BASE_URL (ours and the Wagtail admin's "forgot password"), and the dev
settings accept only local host names plus ALLOWED_HOSTS from the environment."""

import importlib
import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

EMAIL = "zhangsan@example.gov.cn"


@pytest.fixture
def officer_with_email(trainee):
    trainee.user.email = EMAIL
    trainee.user.save()
    return trainee


def _links(message):
    return re.findall(r"https?://\S+", message.body)


@pytest.mark.django_db
@override_settings(WAGTAILADMIN_BASE_URL="https://training.example.gov.cn")
@pytest.mark.parametrize("path", ["/accounts/password/reset/", "/admin/password_reset/"])
def test_forged_host_does_not_reach_the_reset_link(officer_with_email, mailoutbox, path):
    response = Client().post(path, {"email": EMAIL}, HTTP_HOST="evil.example")
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    links = _links(mailoutbox[0])
    assert links, mailoutbox[0].body
    assert all(link.startswith("https://training.example.gov.cn/") for link in links)
    assert "evil.example" not in mailoutbox[0].body


@pytest.mark.django_db
@override_settings(WAGTAILADMIN_BASE_URL="http://127.0.0.1:8000")
def test_link_uses_the_configured_scheme_and_port(officer_with_email, mailoutbox):
    Client().post(reverse("password_reset"), {"email": EMAIL}, HTTP_HOST="evil.example:8443", secure=True)
    assert _links(mailoutbox[0])[0].startswith("http://127.0.0.1:8000/accounts/reset/")


def test_dev_settings_do_not_accept_any_host(monkeypatch):
    monkeypatch.setenv("DEBUG", "1")
    monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    dev = importlib.reload(importlib.import_module("cms.settings.dev"))
    assert "*" not in dev.ALLOWED_HOSTS
    assert {"localhost", "127.0.0.1"} <= set(dev.ALLOWED_HOSTS)
    monkeypatch.setenv("ALLOWED_HOSTS", "anjian.dev.example")
    dev = importlib.reload(dev)
    assert "anjian.dev.example" in dev.ALLOWED_HOSTS and "*" not in dev.ALLOWED_HOSTS
