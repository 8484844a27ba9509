"""Evidence files on disk: a deleted attachment takes its original and its thumbnail with it (no orphan files), a
rolled-back deletion keeps both; HEIC photos, which the browser cannot shrink, are converted on the server, still
under the size cap, and the form says so."""

import datetime
import io
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.urls import reverse
from PIL import Image

from cms import thumbnails
from mentorship import services
from mentorship.models import Attachment, Milestone
from tests.mentorship.files import image_bytes, photo

pytestmark = pytest.mark.django_db


def _files():
    root = Path(django_settings.PRIVATE_MEDIA_ROOT)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def submission(apprenticeship):
    return services.submit_evidence(
        apprenticeship=apprenticeship,
        milestone=Milestone.objects.get(stage__order=1),
        by=apprenticeship.officer.user,
        text="完成检查",
        files=[photo("a.jpg", size=(1200, 900)), photo("b.png", fmt="PNG", content_type="image/png")],
        happened_on=datetime.date(2026, 11, 1),
    )


def test_deleting_an_attachment_removes_its_file_and_thumbnail(
    submission, django_capture_on_commit_callbacks
):
    first, second = submission.attachments.order_by("pk")
    thumbnails.thumbnail_of(first.file)
    assert thumbnails.thumbnail_name(first.file.name) in _files()
    with django_capture_on_commit_callbacks(execute=True):
        first.delete()
    assert _files() == [second.file.name]


def test_deleting_the_evidence_leaves_no_orphan_files(submission, django_capture_on_commit_callbacks):
    for attachment in submission.attachments.all():
        thumbnails.thumbnail_of(attachment.file)
    assert len(_files()) == 4
    with django_capture_on_commit_callbacks(execute=True):
        Attachment.objects.filter(submission=submission).delete()
    assert _files() == []


def test_a_rolled_back_deletion_keeps_the_files(submission):
    before = _files()
    with pytest.raises(RuntimeError), transaction.atomic():
        submission.attachments.first().delete()
        raise RuntimeError("abort")
    assert _files() == before and submission.attachments.count() == 2


def _heic(name="IMG_0001.HEIC", size=(1600, 1200)):
    data = io.BytesIO(image_bytes("HEIF", size=size))
    data.name = name
    return data


def test_a_heic_photo_is_converted_to_jpeg_on_the_server(client, apprenticeship):
    client.force_login(apprenticeship.officer.user)
    milestone = Milestone.objects.get(stage__order=1)
    page = client.get(reverse("mentorship:me")).content.decode()
    assert "HEIC" in page and "在服务器上转换为 JPEG" in page
    client.post(
        reverse("mentorship:submit_evidence", args=[milestone.pk]),
        {"text": "苹果手机拍的现场照片", "happened_on": "2026-11-01", "files": [_heic()]},
    )
    attachment = Attachment.objects.get(submission__milestone=milestone)
    assert attachment.content_type == "image/jpeg" and attachment.file.name.endswith(".jpg")
    with attachment.file.open("rb") as fh:
        assert Image.open(fh).format == "JPEG"
    with thumbnails.thumbnail_of(attachment.file).open("rb") as fh:
        assert max(Image.open(fh).size) == thumbnails.THUMBNAIL_SIDE


def test_a_heic_photo_over_the_size_cap_is_refused(client, apprenticeship, settings):
    settings.UPLOAD_MAX_FILE_BYTES = 1000
    client.force_login(apprenticeship.officer.user)
    milestone = Milestone.objects.get(stage__order=1)
    page = client.post(
        reverse("mentorship:submit_evidence", args=[milestone.pk]),
        {"text": "苹果手机拍的现场照片", "happened_on": "2026-11-01", "files": [_heic()]},
        follow=True,
    ).content.decode()
    assert "IMG_0001.HEIC" in page and not milestone.submissions.exists()
