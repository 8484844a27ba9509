"""Attachment files: content detection in cms.uploads, and the migration that moved old files out of MEDIA_ROOT."""

import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cms import uploads
from mentorship.models import Attachment, Milestone, Submission
from tests.mentorship.files import docx_bytes, image_bytes, pdf_bytes

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def _upload(content, name="f.bin", declared="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=declared)


@pytest.mark.parametrize(
    "content, content_type, extension",
    [
        (image_bytes("PNG"), "image/png", "png"),
        (image_bytes("JPEG"), "image/jpeg", "jpg"),
        (image_bytes("WEBP"), "image/webp", "webp"),
        (image_bytes("HEIF"), "image/jpeg", "jpg"),
        (pdf_bytes(), "application/pdf", "pdf"),
        (docx_bytes(), uploads.DOCX, "docx"),
        (OLE + "WordDocument".encode("utf-16-le"), "application/msword", "doc"),
        ("检查记录：无异常".encode(), "text/plain; charset=utf-8", "txt"),
        ("检查记录：无异常".encode("gb18030"), "text/plain; charset=gb18030", "txt"),
    ],
)
def test_types_are_detected_from_content(content, content_type, extension):
    checked = uploads.inspect(_upload(content, name="whatever.exe", declared="image/svg+xml"))
    assert (checked.content_type, checked.extension) == (content_type, extension)
    assert checked.download_name == f"whatever.{extension}"


@pytest.mark.parametrize(
    "content, code",
    [
        (b"", "file_empty"),
        (OLE + "Workbook".encode("utf-16-le"), "file_type"),  # an Excel file in an OLE container
        (OLE + "WordDocument_VBA_PROJECT".encode("utf-16-le"), "file_macros"),
        (image_bytes("GIF"), "file_type"),
        (image_bytes("PNG")[:60], "image_damaged"),  # truncated
        (b"\x00\x01binary\x00", "file_type"),
        (b"<?xml version='1.0'?><svg/>", "file_type"),
    ],
)
def test_refusals_carry_their_rule(content, code):
    with pytest.raises(ValidationError) as exc:
        uploads.inspect(_upload(content))
    assert exc.value.code == code


def test_private_storage_follows_the_setting_and_has_no_url(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "elsewhere"
    name = uploads.store(uploads.inspect(_upload(pdf_bytes())), prefix="evidence")
    assert (tmp_path / "elsewhere" / name).is_file()
    assert name.startswith("evidence/") and name.endswith(".pdf")
    with pytest.raises(ValueError):
        uploads.private_storage.url(name)


@pytest.mark.django_db
def test_the_migration_moves_old_public_files_into_private_storage(apprenticeship, settings):
    submission = Submission.objects.create(
        apprenticeship=apprenticeship,
        milestone=Milestone.objects.first(),
        text="旧证明",
        happened_on="2026-10-30",
    )
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    old_photo = default_storage.save(
        "evidence/2026/10/现场.png", _upload(image_bytes("JPEG", exif=exif.tobytes()))
    )
    old_svg = default_storage.save(
        "evidence/2026/10/evil.svg", _upload(b"<svg><script>alert(1)</script></svg>")
    )
    photo = Attachment.objects.create(
        submission=submission, file=old_photo, original_name="现场.png", content_type="image/png", size=1
    )
    svg = Attachment.objects.create(
        submission=submission, file=old_svg, original_name="evil.svg", content_type="image/svg+xml", size=1
    )
    gone = Attachment.objects.create(
        submission=submission, file="evidence/2026/10/missing.jpg", original_name="m.jpg", size=1
    )

    migration = importlib.import_module("mentorship.migrations.0003_private_attachments")
    migration.move_to_private(apps, None)
    migration.move_to_private(apps, None)  # a second run changes nothing

    photo.refresh_from_db()
    svg.refresh_from_db()
    gone.refresh_from_db()
    assert photo.content_type == "image/jpeg" and photo.file.name.endswith(".jpg")
    assert b"SecretCam" not in photo.file.open("rb").read()
    assert svg.content_type == "application/octet-stream" and svg.file.name.endswith(".bin")
    assert not svg.is_image
    for att in (photo, svg):
        assert Path(att.file.path).is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT))
        assert att.size == Path(att.file.path).stat().st_size
    assert not default_storage.exists(old_photo) and not default_storage.exists(old_svg)
    assert gone.file.name == "evidence/2026/10/missing.jpg"
