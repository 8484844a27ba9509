"""The admin upload runs the case import as django-q tasks: check (dry run) → preview → confirm → apply, with the
row errors on the preview page; a template download; only importers, each seeing only their own imports."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from appraisal.importers import task
from appraisal.importers.models import CaseImport
from appraisal.models import CaseFile
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

HEADER = "案号,案由,案件类型,承办单位,承办人工号,立案日期,结案日期\n"


@pytest.fixture
def leader(district_east):
    return make_staff("leader_east", "unit_leader", district_east)


@pytest.fixture
def handler(street_east, make_officer):
    return make_officer(street_east, employee_no="A100")


def _upload(client, text: str, monkeypatch):
    queued = []
    monkeypatch.setattr(task, "_queue_check", queued.append)
    monkeypatch.setattr(task, "_queue_import", queued.append)
    return queued


def test_upload_check_confirm_and_import(
    client, leader, handler, monkeypatch, django_capture_on_commit_callbacks
):
    queued = _upload(client, "", monkeypatch)
    client.force_login(leader)
    data = (HEADER + "东罚1号,未培训,行政处罚,东华街道,A100,2026-03-01,2026-04-01\n").encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("appraisal_case_import:upload"), {"file": SimpleUploadedFile("cases.csv", data)}
        )
    assert response.status_code == 302
    record = CaseImport.objects.get()
    assert queued == [record.pk]
    waiting = client.get(reverse("appraisal_case_import:preview", args=[record.pk])).content.decode()
    assert 'http-equiv="refresh"' in waiting
    task.run_case_check(record.pk)
    preview = client.get(reverse("appraisal_case_import:preview", args=[record.pk])).content.decode()
    assert "data-import-counts" in preview and not CaseFile.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("appraisal_case_import:preview", args=[record.pk]))
    assert queued == [record.pk, record.pk]
    assert task.run_case_import(record.pk) == "done"
    assert CaseFile.objects.get().number == "东罚1号"
    status = client.get(reverse("appraisal_case_import:status", args=[record.pk])).content.decode()
    assert "data-import-counts" in status


def test_preview_shows_row_errors_and_cannot_be_confirmed(
    client, leader, handler, monkeypatch, django_capture_on_commit_callbacks
):
    _upload(client, "", monkeypatch)
    client.force_login(leader)
    data = (HEADER + "东罚1号,未培训,罚没,东华街道,A999,2026-03-01,2026-04-01\n").encode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("appraisal_case_import:upload"), {"file": SimpleUploadedFile("cases.csv", data)})
    record = CaseImport.objects.get()
    task.run_case_check(record.pk)
    page = client.get(reverse("appraisal_case_import:preview", args=[record.pk])).content.decode()
    assert "罚没" in page and "A999" in page and "案件类型" in page
    client.post(reverse("appraisal_case_import:preview", args=[record.pk]))
    record.refresh_from_db()
    assert record.confirmed_at is None


def test_template_and_denials(client, leader, hr_east, district_west):
    client.force_login(leader)
    response = client.get(reverse("appraisal_case_import:template"))
    sheet = load_workbook(filename=__import__("io").BytesIO(response.content)).active
    assert sheet["A1"].value == "案号*" and sheet["E1"].value == "承办人工号*"
    other = CaseImport.objects.create(
        file_name="x.csv", content=b"x", uploaded_by=make_staff("leader_west", "unit_leader", district_west)
    )
    assert client.get(reverse("appraisal_case_import:preview", args=[other.pk])).status_code == 404
    client.force_login(hr_east)
    assert client.get(reverse("appraisal_case_import:upload")).status_code in (302, 403)
