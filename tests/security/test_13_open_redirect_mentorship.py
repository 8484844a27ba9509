"""Weakness 13 (mentorship part): `decide` and `review_assignment` redirected to any `next`."""

import datetime

import pytest
from django.urls import reverse

from mentorship import services
from mentorship.models import Milestone
from tests.mentorship.conftest import (  # noqa: F401  (fixtures)
    _frozen_today,
    apprentice,
    apprenticeship,
    mentor,
    programme,
    rules,
)
from tests.mentorship.files import private_media  # noqa: F401

# ruff: noqa: F811  (pytest fixtures imported from tests/mentorship are redefined as arguments)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

EVIL = ["//evil.example/", "https://evil.example/x", "/\\evil.example", "javascript:alert(1)"]


@pytest.fixture
def submission(apprenticeship):
    return services.submit_evidence(
        apprenticeship=apprenticeship,
        milestone=Milestone.objects.get(stage__order=1),
        by=apprenticeship.officer.user,
        text="检查",
        happened_on=datetime.date(2026, 11, 1),
    )


@pytest.fixture
def reported_task(apprenticeship, mentor):
    task = services.set_assignment(apprenticeship=apprenticeship, by=mentor.user, title="起草指令书")
    services.report_assignment(assignment=task, by=apprenticeship.officer.user, text="已完成")
    return task


def test_decide_never_redirects_off_site(client, mentor, apprenticeship, submission):
    client.force_login(mentor.user)
    url = reverse("mentorship:decide", args=[submission.pk])
    for target in EVIL:  # "returned" without a comment is refused, so the evidence stays pending for each try
        response = client.post(url, {"outcome": "returned", "next": target})
        assert response.status_code == 302, target
        assert response["Location"] == reverse("mentorship:dashboard"), target
    back = reverse("mentorship:apprenticeship", args=[apprenticeship.pk])
    response = client.post(url, {"outcome": "returned", "comment": "补充", "next": back})
    assert response["Location"] == back  # a next on this site is kept


def test_review_never_redirects_off_site(client, mentor, reported_task):
    client.force_login(mentor.user)
    url = reverse("mentorship:review_assignment", args=[reported_task.pk])
    for target in EVIL:  # a rating of 9 is refused, so the report stays waiting for each try
        response = client.post(url, {"rating": "9", "accepted": "1", "next": target})
        assert response.status_code == 302, target
        assert response["Location"] == reverse("mentorship:dashboard"), target
    response = client.post(url, {"rating": "4", "accepted": "1", "next": "//evil.example/"})
    assert response["Location"] == reverse("mentorship:dashboard")
    reported_task.refresh_from_db()
    assert reported_task.status == "reviewed"
