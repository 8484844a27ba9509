"""Issue #14 fault (f6), disk full for media: an evidence upload whose write runs out of space fails with a clear
message in the form, and nothing half-written stays behind (no submission, attachment, audit row or file). The
monkeypatched cases fail a chosen file of several; the tmpfs case lets the kernel run out of space for real."""

import errno
import io
import os
import subprocess

import pytest
from django.core.files.storage import filesystem
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cms.models import AuditEvent
from mentorship.models import Attachment, Milestone, Submission
from tests.mentorship.files import photo

pytestmark = pytest.mark.django_db


class _HalfWritten:
    """A file that takes half of the first chunk, then the disk is full."""

    def __init__(self, real):
        self.real = real

    def write(self, chunk):
        self.real.write(chunk[: len(chunk) // 2])
        self.real.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def close(self):
        self.real.close()


class _DiskFullAfter:
    """`os` as FileSystemStorage sees it: the first `ok` files are written whole, every later one fills the disk."""

    def __init__(self, ok, err=errno.ENOSPC):
        self.ok, self.err = ok, err

    def __getattr__(self, name):
        return getattr(os, name)

    def fdopen(self, fd, mode):
        if self.ok > 0:
            self.ok -= 1
            return os.fdopen(fd, mode)
        if self.err != errno.ENOSPC:  # the storage closes the descriptor itself
            raise OSError(self.err, os.strerror(self.err))
        return _HalfWritten(os.fdopen(fd, mode))


def _files_under(root):
    return sorted(p for p in root.rglob("*") if p.is_file())


def _post(client, apprenticeship, files):
    client.force_login(apprenticeship.officer.user)
    milestone = Milestone.objects.get(stage__order=1)
    return client.post(
        reverse("mentorship:submit_evidence", args=[milestone.pk]),
        {"text": "独立检查某五金厂", "happened_on": "2026-11-01", "place": "东华街道", "files": files},
        follow=True,
    )


@pytest.mark.parametrize("ok", [0, 1], ids=["first-file", "second-file"])
def test_a_full_disk_refuses_the_evidence_with_a_clear_message_and_leaves_nothing(
    client, apprenticeship, private_media, monkeypatch, ok
):
    audit_before = AuditEvent.objects.count()
    monkeypatch.setattr(filesystem, "os", _DiskFullAfter(ok))
    response = _post(client, apprenticeship, [photo("a.jpg"), photo("b.jpg")])

    page = response.content.decode()
    form = page.split("data-evidence-form", 1)[1].split("</form>", 1)[0]
    assert "服务器存储空间不足，文件未保存，请稍后再试或联系管理员。" in form
    assert "独立检查某五金厂</textarea>" in page  # what was typed is kept
    assert not Submission.objects.exists() and not Attachment.objects.exists()
    assert AuditEvent.objects.count() == audit_before
    # Neither the truncated file nor (second-file case) the one written whole before it stays on disk.
    assert _files_under(private_media / "private") == []

    monkeypatch.undo()  # space again: the same submission goes through
    ok_page = _post(client, apprenticeship, [photo("a.jpg")]).content.decode()
    assert '<li class="success">' in ok_page
    assert Submission.objects.count() == 1 and len(_files_under(private_media / "private")) == 1


def test_another_storage_error_says_the_files_were_not_saved(
    client, apprenticeship, private_media, monkeypatch
):
    monkeypatch.setattr(filesystem, "os", _DiskFullAfter(0, err=errno.EIO))
    page = _post(client, apprenticeship, [photo("a.jpg")]).content.decode()
    assert "服务器未能保存您的文件，什么也没有保存，请稍后再试或联系管理员。" in page
    assert not Submission.objects.exists() and _files_under(private_media / "private") == []


@pytest.fixture
def full_filesystem(private_media):
    """PRIVATE_MEDIA_ROOT on a real 256 KB tmpfs, filled to its last 16 KB: the kernel itself answers ENOSPC.
    Needs root (mount), as CI has; skipped elsewhere."""
    root = private_media / "private"
    root.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(root)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    filler = root / "filler"
    try:
        with open(filler, "wb") as out:
            try:
                out.write(b"\0" * (240 * 1024))
                out.flush()
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
        yield root, filler
    finally:
        subprocess.run(["umount", str(root)], check=True)


def test_a_really_full_filesystem_refuses_the_evidence_and_leaves_no_partial_file(
    client, apprenticeship, full_filesystem
):
    root, filler = full_filesystem
    audit_before = AuditEvent.objects.count()
    noisy = Image.effect_noise((320, 240), 80).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, format="JPEG", quality=95)
    big = out.getvalue()
    assert len(big) > 64 * 1024  # more than the space left, so the write really runs out
    page = _post(client, apprenticeship, [SimpleUploadedFile("a.jpg", big, content_type="image/jpeg")])
    page = page.content.decode()
    assert "服务器存储空间不足，文件未保存，请稍后再试或联系管理员。" in page
    assert not Submission.objects.exists() and not Attachment.objects.exists()
    assert AuditEvent.objects.count() == audit_before
    assert _files_under(root) == [filler]  # no truncated file stays on the full disk

    filler.unlink()  # space again: the same evidence goes through
    ok_page = _post(client, apprenticeship, [SimpleUploadedFile("a.jpg", big, content_type="image/jpeg")])
    assert '<li class="success">' in ok_page.content.decode()
    assert Submission.objects.count() == 1 and len(_files_under(root)) >= 1
