"""Weakness 2: uploaded evidence was public under /media/ with its original name.

Evidence now lives outside MEDIA_ROOT under a random name with an extension we chose, and only the permission-checked
view serves it: to the trainee and their mentor (and staff who see that apprenticeship), to nobody else."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse
from django.views.static import serve

from mentorship.models import Attachment, Milestone
from tests.mentorship.conftest import (  # noqa: F401  (fixtures)
    _frozen_today,
    apprentice,
    apprenticeship,
    mentor,
    other_mentor,
    programme,
    rules,
)
from tests.mentorship.files import image_bytes, private_media  # noqa: F401

# ruff: noqa: F811  (pytest fixtures imported from tests/mentorship are redefined as arguments)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


@pytest.fixture
def attachment(client, apprenticeship):
    client.force_login(apprenticeship.officer.user)
    client.post(
        reverse("mentorship:submit_evidence", args=[Milestone.objects.get(stage__order=1).pk]),
        {
            "text": "现场检查",
            "happened_on": "2026-11-01",
            "files": [
                SimpleUploadedFile("身份证 secret.html", "纯文本记录".encode(), content_type="text/plain"),
                SimpleUploadedFile("scene-photo.png", image_bytes("PNG"), content_type="image/png"),
            ],
        },
    )
    client.logout()
    return Attachment.objects.get(original_name="身份证 secret.html")


def test_evidence_is_stored_outside_media_root_under_a_random_name(attachment):
    path = Path(attachment.file.path).resolve()
    assert path.is_file()
    assert path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    for att in Attachment.objects.all():
        name = att.file.name
        assert "secret" not in name and "scene" not in name and "身份证" not in name
        assert not name.endswith(".html")
    assert attachment.file.name.endswith(".txt")  # the extension of the detected type
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.*"))  # nothing landed in the public folder


def test_media_url_does_not_reach_evidence(client, attachment):
    # What DEBUG's static() route, or a proxy serving MEDIA_ROOT, would answer for the stored name.
    request = RequestFactory().get(f"/media/{attachment.file.name}")
    with pytest.raises(Http404):
        serve(request, attachment.file.name, document_root=settings.MEDIA_ROOT)
    assert client.get(f"/media/{attachment.file.name}").status_code == 404
    with pytest.raises(ValueError):
        _url = attachment.file.url  # private files have no URL at all


def test_only_the_trainee_their_mentor_and_scoped_staff_fetch_an_attachment(
    client, attachment, mentor, other_mentor, other_trainee, hr_east
):
    url = reverse("mentorship:attachment", args=[attachment.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response["Location"]  # anonymous
    for outsider in (other_trainee, other_mentor):
        client.force_login(outsider.user)
        assert client.get(url).status_code == 404
    for allowed in (attachment.submission.apprenticeship.officer.user, mentor.user, hr_east):
        client.force_login(allowed)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == "纯文本记录".encode()
        assert response["Content-Disposition"].startswith("attachment")
        assert "sandbox" in response["Content-Security-Policy"]


def test_a_private_root_inside_media_root_stops_the_site(settings, tmp_path):
    from cms.uploads import check_private_root

    assert check_private_root() == []
    settings.PRIVATE_MEDIA_ROOT = Path(settings.MEDIA_ROOT) / "private"
    assert [e.id for e in check_private_root()] == ["cms.E101"]
