"""Weakness 16: no limit on the number or total size of attachments.

A submission takes at most UPLOAD_MAX_FILES files of UPLOAD_MAX_FILE_BYTES each and UPLOAD_MAX_TOTAL_BYTES together,
a request carrying far more files is refused before any view runs (DATA_UPLOAD_MAX_NUMBER_FILES), and each user's
stored attachments stay within UPLOAD_USER_QUOTA_BYTES."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mentorship import services
from mentorship.models import Attachment, Milestone, Submission
from tests.mentorship.conftest import (  # noqa: F401  (fixtures)
    _frozen_today,
    apprentice,
    apprenticeship,
    mentor,
    programme,
    rules,
)
from tests.mentorship.files import image_bytes, private_media  # noqa: F401

# ruff: noqa: F811  (pytest fixtures imported from tests/mentorship are redefined as arguments)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def _photos(n, size=(16, 12)):
    return [SimpleUploadedFile(f"p{i}.png", image_bytes("PNG", size=size), "image/png") for i in range(n)]


def _submit(apprenticeship, files):
    return services.submit_evidence(
        apprenticeship=apprenticeship,
        milestone=Milestone.objects.get(stage__order=1),
        by=apprenticeship.officer.user,
        text="检查",
        happened_on=datetime.date(2026, 11, 1),
        files=files,
    )


def _code(exc_info):
    return exc_info.value.error_dict["files"][0].code


def test_the_caps_are_configured():
    assert settings.UPLOAD_MAX_FILES == 10
    assert settings.UPLOAD_MAX_FILE_BYTES == 10 * 1024 * 1024
    assert settings.UPLOAD_MAX_TOTAL_BYTES == 30 * 1024 * 1024
    assert settings.UPLOAD_USER_QUOTA_BYTES == 500 * 1024 * 1024
    assert settings.UPLOAD_MAX_FILES < settings.DATA_UPLOAD_MAX_NUMBER_FILES < 100


def test_at_most_ten_files_per_submission(client, apprenticeship):
    with pytest.raises(ValidationError) as exc:
        _submit(apprenticeship, _photos(11))
    assert _code(exc) == "too_many_files"
    client.force_login(apprenticeship.officer.user)
    response = client.post(
        reverse("mentorship:submit_evidence", args=[Milestone.objects.get(stage__order=1).pk]),
        {"text": "检查", "happened_on": "2026-11-01", "files": _photos(11)},
        follow=True,
    )
    assert "10" in response.content.decode()
    assert not Submission.objects.exists() and not Attachment.objects.exists()
    assert _submit(apprenticeship, _photos(10)).attachments.count() == 10


def test_a_request_with_many_more_files_is_refused_outright(client, apprenticeship):
    client.force_login(apprenticeship.officer.user)
    response = client.post(
        reverse("mentorship:submit_evidence", args=[Milestone.objects.get(stage__order=1).pk]),
        {
            "text": "检查",
            "happened_on": "2026-11-01",
            "files": _photos(21),  # Django's default let 100 through
        },
    )
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_per_file_and_total_size(apprenticeship, settings):
    one = len(image_bytes("PNG", size=(300, 300)))
    settings.UPLOAD_MAX_FILE_BYTES = one - 1
    with pytest.raises(ValidationError) as exc:
        _submit(apprenticeship, _photos(1, size=(300, 300)))
    assert _code(exc) == "file_too_large"
    settings.UPLOAD_MAX_FILE_BYTES = 10 * 1024 * 1024
    settings.UPLOAD_MAX_TOTAL_BYTES = 2 * one + 10
    with pytest.raises(ValidationError) as exc:
        _submit(apprenticeship, _photos(3, size=(300, 300)))
    assert _code(exc) == "too_much_data"
    assert not Attachment.objects.exists()


def test_each_user_has_a_storage_quota(apprenticeship, mentor, settings):
    one = len(image_bytes("PNG", size=(300, 300)))
    settings.UPLOAD_USER_QUOTA_BYTES = 3 * one + 10
    first = _submit(apprenticeship, _photos(2, size=(300, 300)))
    services.decide(submission=first, by=mentor.user, outcome="returned", comment="请补充")
    task = services.set_assignment(apprenticeship=apprenticeship, by=mentor.user, title="起草指令书")
    with pytest.raises(ValidationError) as exc:
        services.report_assignment(
            assignment=task, by=apprenticeship.officer.user, text="已完成", files=_photos(2, size=(300, 300))
        )
    assert _code(exc) == "quota_exceeded"
    assert "MB" in exc.value.error_dict["files"][0].message
    with pytest.raises(ValidationError) as exc:
        _submit(apprenticeship, _photos(2, size=(300, 300)))
    assert _code(exc) == "quota_exceeded"
    assert Attachment.objects.count() == 2
    # Text alone never counts against the quota, and one more photo still fits.
    assert _submit(apprenticeship, _photos(1, size=(300, 300))).attachments.count() == 1
