"""Weakness 1: stored XSS through evidence and task-report attachments.

A trainee uploaded an SVG whose script signed off every pending milestone when the mentor opened it. The type is now
detected from the content: only raster images (re-encoded), PDF, Word and plain text are accepted, the detected type
is stored, and anything that is not a re-encoded image is served as a sandboxed download."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

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
from tests.mentorship.files import docx_bytes, image_bytes, pdf_bytes, private_media  # noqa: F401

# ruff: noqa: F811  (pytest fixtures imported from tests/mentorship are redefined as arguments)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>'
    b"document.querySelectorAll('form[action*=decide]').forEach(f => {f.outcome.value='approved'; f.submit()})"
    b"</script></svg>"
)
HTML = b"<!DOCTYPE html><html><body><script>fetch('/mentoring/evidence/decide/1/', {method: 'POST'})</script>"


def _submit(client, apprenticeship, *files):
    client.force_login(apprenticeship.officer.user)
    milestone = Milestone.objects.get(stage__order=1)
    return client.post(
        reverse("mentorship:submit_evidence", args=[milestone.pk]),
        {"text": "独立检查某五金厂", "happened_on": "2026-11-01", "files": list(files)},
        follow=True,
    )


@pytest.mark.parametrize(
    "name, content, declared",
    [
        ("sign-off.svg", SVG, "image/svg+xml"),
        ("sign-off.png", SVG, "image/png"),
        ("notes.txt", HTML, "text/plain"),
        ("scene.png", HTML, "image/png"),
        ("scene.jpg", b"\xff\xd8\xff\xe0" + HTML, "image/jpeg"),
    ],
)
def test_scriptable_files_are_refused_whatever_they_are_declared_as(
    client, apprenticeship, name, content, declared
):
    response = _submit(client, apprenticeship, SimpleUploadedFile(name, content, content_type=declared))
    page = response.content.decode()
    assert f"“{name}”" in page  # the refusal names the file
    assert "独立检查某五金厂</textarea>" in page and 'value="2026-11-01"' in page  # and keeps what was typed
    assert not Submission.objects.exists()
    assert not Attachment.objects.exists()
    assert "独立检查某五金厂" not in client.get(reverse("mentorship:me")).content.decode()  # only once


def test_service_refusal_names_the_field_and_the_rule(apprenticeship):
    with pytest.raises(ValidationError) as exc:
        services.submit_evidence(
            apprenticeship=apprenticeship,
            milestone=Milestone.objects.get(stage__order=1),
            by=apprenticeship.officer.user,
            text="检查",
            happened_on=datetime.date(2026, 11, 1),
            files=[SimpleUploadedFile("x.svg", SVG, content_type="image/svg+xml")],
        )
    assert exc.value.error_dict["files"][0].code == "file_type"


def test_images_are_re_encoded_without_trailing_data_or_exif_and_keep_their_orientation(
    client, apprenticeship
):
    png = image_bytes("PNG", size=(16, 12)) + b"<script>alert(document.cookie)</script>"
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90°
    jpeg = image_bytes("JPEG", size=(40, 20), exif=exif.tobytes())
    _submit(
        client,
        apprenticeship,
        SimpleUploadedFile("a.png", png, content_type="image/png"),
        SimpleUploadedFile("b.jpg", jpeg, content_type="image/png"),  # declared wrong on purpose
    )
    stored = {a.original_name: a for a in Attachment.objects.all()}
    assert set(stored) == {"a.png", "b.jpg"}

    a_bytes = stored["a.png"].file.open("rb").read()
    assert b"<script" not in a_bytes
    assert stored["a.png"].content_type == "image/png"
    assert stored["a.png"].size == len(a_bytes)

    b = stored["b.jpg"]
    assert b.content_type == "image/jpeg"  # detected, not the declared image/png
    with Image.open(b.file.open("rb")) as im:
        assert im.format == "JPEG"
        assert im.size == (20, 40)  # EXIF orientation applied
        assert not im.getexif()  # metadata dropped
    assert b"SecretCam" not in b.file.open("rb").read()


def test_a_heic_photo_becomes_a_jpeg(client, apprenticeship):
    _submit(client, apprenticeship, SimpleUploadedFile("IMG_0001.HEIC", image_bytes("HEIF"), "image/heic"))
    att = Attachment.objects.get()
    assert att.content_type == "image/jpeg"
    assert att.file.name.endswith(".jpg")


def test_large_images_are_scaled_down(client, apprenticeship, settings):
    settings.UPLOAD_IMAGE_MAX_SIDE = 64
    _submit(
        client,
        apprenticeship,
        SimpleUploadedFile("big.png", image_bytes("PNG", size=(300, 150)), "image/png"),
    )
    with Image.open(Attachment.objects.get().file.open("rb")) as im:
        assert im.size == (64, 32)


def test_decompression_bombs_are_refused(client, apprenticeship, settings):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 10_000
    response = _submit(
        client,
        apprenticeship,
        SimpleUploadedFile("bomb.png", image_bytes("PNG", size=(200, 200)), "image/png"),
    )
    assert "“bomb.png”" in response.content.decode()
    assert not Attachment.objects.exists()


def test_documents_are_served_as_sandboxed_downloads_and_photos_inline(client, apprenticeship, mentor):
    _submit(
        client,
        apprenticeship,
        SimpleUploadedFile("检查记录.pdf", pdf_bytes(), content_type="image/png"),
        SimpleUploadedFile("指令书.docx", docx_bytes(), content_type="application/octet-stream"),
        SimpleUploadedFile("notes.html", "现场检查情况：浓度<5%，正常。".encode(), content_type="text/html"),
        SimpleUploadedFile("scene.jpg", image_bytes("JPEG"), content_type="image/jpeg"),
    )
    stored = {a.original_name: a for a in Attachment.objects.all()}
    assert stored["检查记录.pdf"].content_type == "application/pdf"
    assert stored["notes.html"].content_type == "text/plain; charset=utf-8"
    client.force_login(mentor.user)
    for name, disposition in [
        ("检查记录.pdf", "attachment"),
        ("指令书.docx", "attachment"),
        ("notes.html", "attachment"),
        ("scene.jpg", "inline"),
    ]:
        response = client.get(reverse("mentorship:attachment", args=[stored[name].pk]))
        assert response.status_code == 200, name
        assert response["Content-Disposition"].startswith(disposition), name
        assert "sandbox" in response["Content-Security-Policy"], name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["Cache-Control"].startswith("private"), name
        b"".join(response.streaming_content)
    html = client.get(reverse("mentorship:attachment", args=[stored["notes.html"].pk]))
    assert html["Content-Type"].startswith("text/plain")
    assert ".html" not in html["Content-Disposition"]  # it is saved as notes.txt


def test_word_files_with_macros_are_refused(client, apprenticeship):
    response = _submit(
        client, apprenticeship, SimpleUploadedFile("宏.docm", docx_bytes(macros=True), "application/msword")
    )
    assert "“宏.docm”" in response.content.decode()
    assert not Attachment.objects.exists()


def test_task_reports_go_through_the_same_checks(client, apprenticeship, mentor):
    task = services.set_assignment(apprenticeship=apprenticeship, by=mentor.user, title="起草指令书")
    client.force_login(apprenticeship.officer.user)
    client.post(
        reverse("mentorship:report_assignment", args=[task.pk]),
        {"text": "已完成", "files": [SimpleUploadedFile("x.svg", SVG, content_type="image/svg+xml")]},
    )
    task.refresh_from_db()
    assert task.status == "open"
    assert not Attachment.objects.exists()
    photo = io.BytesIO(image_bytes("WEBP"))
    client.post(
        reverse("mentorship:report_assignment", args=[task.pk]),
        {
            "text": "已完成",
            "files": [SimpleUploadedFile("x.webp", photo.getvalue(), content_type="image/webp")],
        },
    )
    task.refresh_from_db()
    assert task.status == "reported"
    assert Attachment.objects.get().content_type == "image/webp"
