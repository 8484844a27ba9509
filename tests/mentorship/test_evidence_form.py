"""The evidence form: a refusal keeps what was typed and says why inside the form (in the error style, apart from
successes); the browser learns the upload caps; mentors see thumbnails served through the same permission check as
the originals."""

import datetime
import io

import pytest
from django.urls import reverse
from PIL import Image

from mentorship import services
from mentorship.models import Milestone
from tests.mentorship.files import photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_photo_submission(apprenticeship):
    return services.submit_evidence(
        apprenticeship=apprenticeship,
        milestone=Milestone.objects.get(stage__order=1),
        by=apprenticeship.officer.user,
        text="完成检查",
        files=[photo("scene.jpg", size=(2400, 1800))],
        happened_on=datetime.date(2026, 11, 1),
    )


def test_a_refused_submission_keeps_the_text_and_shows_the_reason_in_the_form(client, apprenticeship):
    client.force_login(apprenticeship.officer.user)
    milestone = Milestone.objects.get(stage__order=1)
    fake = io.BytesIO(b"MZ\x90\x00 not a picture")
    fake.name = "virus.jpg"
    response = client.post(
        reverse("mentorship:submit_evidence", args=[milestone.pk]),
        {"text": "独立检查某五金厂", "happened_on": "2026-11-01", "place": "东华街道", "files": [fake]},
        follow=True,
    )
    page = response.content.decode()
    assert "独立检查某五金厂</textarea>" in page and 'value="东华街道"' in page
    form = page.split("data-evidence-form", 1)[1].split("</form>", 1)[0]
    assert 'class="form-errors" role="alert"' in form and "virus.jpg" in form
    assert "请重新选择照片或文件" in form
    assert '<li class="error">' in page  # the page message too, in the error style
    assert not milestone.submissions.exists()

    ok = client.post(
        reverse("mentorship:submit_evidence", args=[milestone.pk]),
        {"text": "独立检查某五金厂", "happened_on": "2026-11-01", "files": [photo()]},
        follow=True,
    ).content.decode()
    assert '<li class="success">' in ok and 'class="form-errors" role="alert"><p>' not in ok


def test_the_form_tells_the_browser_the_upload_caps(client, apprenticeship, settings):
    settings.UPLOAD_MAX_FILES = 4
    settings.UPLOAD_MAX_FILE_BYTES = 5 * 1024 * 1024
    client.force_login(apprenticeship.officer.user)
    page = client.get(reverse("mentorship:me")).content.decode()
    assert 'data-max-files="4"' in page and f'data-max-file-bytes="{5 * 1024 * 1024}"' in page
    assert "mentorship/evidence.js" in page


def test_mentor_sees_a_thumbnail_not_the_original(client, mentor, big_photo_submission):
    att = big_photo_submission.attachments.get()
    client.force_login(mentor.user)
    page = client.get(reverse("mentorship:dashboard")).content.decode()
    url = reverse("mentorship:attachment", args=[att.pk])
    assert f'src="{url}?size=thumb"' in page and f'href="{url}"' in page
    thumb = client.get(url + "?size=thumb")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(b"".join(thumb.streaming_content)))
    assert max(image.size) == 480
    original = client.get(url)
    assert max(Image.open(io.BytesIO(b"".join(original.streaming_content))).size) == 2400


def test_thumbnails_pass_the_same_permission_check(client, other_mentor, big_photo_submission):
    att = big_photo_submission.attachments.get()
    client.force_login(other_mentor.user)
    assert client.get(reverse("mentorship:attachment", args=[att.pk]) + "?size=thumb").status_code == 404
    client.logout()
    response = client.get(reverse("mentorship:attachment", args=[att.pk]) + "?size=thumb")
    assert response.status_code == 302 and "login" in response.url
