"""Weakness 13 (exams part): `favourite_toggle` redirected to any `next`, e.g. `//evil.example/`."""

import pytest
from django.urls import reverse

from exams.models import Question
from tests.exams.conftest import make_bank

pytestmark = pytest.mark.django_db

EVIL = [
    "//evil.example/",
    "https://evil.example/x",
    "/\\evil.example",
    "javascript:alert(1)",
    "///evil.example",
]


def test_favourite_toggle_never_redirects_off_site(client, trainee):
    bank = make_bank(n_single=1)
    question = Question.objects.filter(bank=bank, status=Question.Status.PUBLISHED).first()
    client.force_login(trainee.user)
    url = reverse("exams:favourite_toggle", args=[question.pk])
    for target in EVIL:
        resp = client.post(url, {"next": target})
        assert resp.status_code == 302, target
        assert resp["Location"] == reverse("exams:favourites"), target
    on_site = reverse("exams:practice_question", args=[bank.pk]) + "?mode=seq&i=0"
    resp = client.post(url, {"next": on_site})
    assert resp.status_code == 302 and resp["Location"] == on_site
