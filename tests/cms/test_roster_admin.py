"""Roster import admin screens: upload → dry-run preview → confirm (django-q2 task, sync in tests) → status,
the menu item, the template download, scoping by unit subtree and the denials."""

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory, TestCase
from django.urls import reverse
from wagtail.admin.menu import SubmenuMenuItem, admin_menu

from cms.models import AuditEvent, EmploymentSpell, Officer, RosterImport
from cms.roster import MAX_BYTES
from cms.roster.task import RosterNotConfirmable, roster_confirm, roster_upload
from cms.tasks import run_roster_import
from tests.factories import make_staff, make_unit

GOOD_CSV = Path(__file__).parent / "data" / "roster_good.csv"
HEADER = "工号,姓名,单位,人员类别,入职日期,离职日期,离职原因,特长\n"
UPLOAD_URL = "/admin/roster-import/"


@pytest.fixture
def units(city, district_east, district_west, street_east, street_west):
    return {"east": district_east, "west": district_west, "s_east": street_east, "s_west": street_west}


def upload(client, data: bytes, name="roster.csv"):
    """Upload, then let the worker run the dry run it queued (django-q2 runs tasks inline in tests)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("cms_roster:upload"), {"file": SimpleUploadedFile(name, data)})


def test_urls_live_under_the_admin():
    assert reverse("cms_roster:upload") == UPLOAD_URL


def test_full_flow_preview_confirm_done(client, superuser, units, django_capture_on_commit_callbacks):
    client.force_login(superuser)
    page = client.get(UPLOAD_URL)
    assert page.status_code == 200
    assert b"data-roster-upload" in page.content

    response = upload(client, GOOD_CSV.read_bytes())
    record = RosterImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "cms_roster:preview", args=[record.pk]
    )
    assert record.uploaded_by == superuser and record.total_rows == 6
    assert record.status == RosterImport.Status.PENDING and record.confirmed_at is None
    assert Officer.objects.count() == 0  # the preview writes nothing

    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "data-roster-confirm" in html and "data-roster-errors" not in html
    assert "南城区" in html  # new units are listed
    assert html.count("<tr data-row=") == 6

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        confirmed = client.post(reverse("cms_roster:preview", args=[record.pk]))
    # The import task, plus whatever higher apps hook onto officers_changed (mentorship starts programmes).
    assert any("roster_confirm" in getattr(cb, "__qualname__", "") for cb in callbacks)
    assert confirmed["Location"] == reverse("cms_roster:status", args=[record.pk])
    record.refresh_from_db()
    assert record.status == RosterImport.Status.DONE
    assert record.processed_rows == record.total_rows == 6
    assert record.report["officers"]["create"] == 4
    assert Officer.objects.count() == 4 and EmploymentSpell.objects.count() == 6

    status = client.get(confirmed["Location"])
    html = status.content.decode()
    assert 'data-roster-status="done"' in html
    assert 'http-equiv="refresh"' not in html
    event = AuditEvent.objects.get(action="cms.roster_import")
    assert event.object_id == str(record.pk) and event.actor == superuser

    # The preview of a confirmed import sends to its status page, and it cannot be confirmed twice.
    assert client.get(reverse("cms_roster:preview", args=[record.pk]))["Location"].endswith("/status/")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("cms_roster:preview", args=[record.pk]))
    assert callbacks == []


def test_preview_lists_every_error_and_cannot_be_confirmed(client, superuser, units):
    client.force_login(superuser)
    data = (
        HEADER
        + "B001,甲,示范市/东城区/东华街道,临时工,2024-03-01,,,\n"
        + "B002,乙,示范市/东城区/东华街道,专职安监员,2024-03-01,2023-01-01,辞职,\n"
    ).encode("gb18030")
    upload(client, data)
    record = RosterImport.objects.get()
    html = client.get(reverse("cms_roster:preview", args=[record.pk])).content.decode()
    assert "data-roster-errors" in html and "data-roster-confirm" not in html
    assert '<tr data-row="2">' in html and '<tr data-row="3">' in html
    assert "临时工" in html and "2023-01-01" in html
    response = client.post(reverse("cms_roster:preview", args=[record.pk]))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.confirmed_at is None and Officer.objects.count() == 0


def test_unknown_column_is_shown_on_the_preview(client, superuser, units):
    client.force_login(superuser)
    upload(client, "工号,姓名,岗位\nX,甲,科员\n".encode())
    record = RosterImport.objects.get()
    html = client.get(reverse("cms_roster:preview", args=[record.pk])).content.decode()
    assert "岗位" in html and "data-roster-confirm" not in html


def test_wrong_file_type_is_a_form_error(client, superuser):
    client.force_login(superuser)
    response = upload(client, b"x", name="roster.xls")
    assert response.status_code == 200
    assert b"data-roster-form-error" in response.content
    assert not RosterImport.objects.exists()


def test_status_page_refreshes_itself_until_finished(
    client, superuser, units, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    upload(client, GOOD_CSV.read_bytes())
    record = RosterImport.objects.get()
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not picked it up yet
        client.post(reverse("cms_roster:preview", args=[record.pk]))
    html = client.get(reverse("cms_roster:status", args=[record.pk])).content.decode()
    assert 'data-roster-status="pending"' in html
    assert '<meta http-equiv="refresh" content="2">' in html
    run_roster_import(record.pk)
    html = client.get(reverse("cms_roster:status", args=[record.pk])).content.decode()
    assert 'data-roster-status="done"' in html and "http-equiv" not in html


def test_task_is_idempotent_and_ignores_unconfirmed_imports(client, superuser, units):
    client.force_login(superuser)
    upload(client, GOOD_CSV.read_bytes())
    record = RosterImport.objects.get()
    assert run_roster_import(record.pk) == RosterImport.Status.PENDING  # not confirmed: nothing happens
    assert Officer.objects.count() == 0
    RosterImport.objects.filter(pk=record.pk).update(
        confirmed_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    assert run_roster_import(record.pk) == RosterImport.Status.DONE
    events = AuditEvent.objects.count()
    finished_at = RosterImport.objects.get().finished_at
    assert run_roster_import(record.pk) == RosterImport.Status.DONE  # delivered twice
    assert AuditEvent.objects.count() == events
    assert RosterImport.objects.get().finished_at == finished_at
    assert Officer.objects.count() == 4


def test_task_reports_errors_that_appeared_after_the_preview(client, superuser, units, make_officer):
    client.force_login(superuser)
    upload(client, (HEADER + "R009,新人,示范市/东城区/东华街道,专职安监员,2024-03-01,,,\n").encode())
    record = RosterImport.objects.get()
    assert record.can_confirm
    # Someone else creates a user account with that name before the import runs.
    make_officer(units["s_east"], username="R009", employee_no="Z1", name="别人")
    RosterImport.objects.filter(pk=record.pk).update(
        confirmed_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    assert run_roster_import(record.pk) == RosterImport.Status.FAILED
    record.refresh_from_db()
    assert [e["code"] for e in record.report["errors"]] == ["username_taken"]
    assert not Officer.objects.filter(employee_no="R009").exists()
    html = client.get(reverse("cms_roster:status", args=[record.pk])).content.decode()
    assert 'data-roster-status="failed"' in html and "R009" in html


# --- Scope and denials ---------------------------------------------------------------


def test_hr_imports_only_into_their_subtree(client, hr_east, units, django_capture_on_commit_callbacks):
    client.force_login(hr_east)
    outside = HEADER + "E001,东人,示范市/东城区/东华街道,专职安监员,2024-01-01,,,\n"
    outside += "W001,西人,示范市/西城区/西苑街道,专职安监员,2024-01-01,,,\n"
    upload(client, outside.encode())
    record = RosterImport.objects.get()
    html = client.get(reverse("cms_roster:preview", args=[record.pk])).content.decode()
    assert '<tr data-row="3">' in html and "西城区" in html and "data-roster-confirm" not in html
    assert not record.can_confirm

    inside = HEADER + "E001,东人,示范市/东城区/东华街道,专职安监员,2024-01-01,,,\n"
    upload(client, inside.encode())
    second = RosterImport.objects.latest("pk")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("cms_roster:preview", args=[second.pk]))
    second.refresh_from_db()
    assert second.status == RosterImport.Status.DONE
    officer = Officer.objects.get(employee_no="E001")
    assert officer.unit == units["s_east"]
    assert AuditEvent.objects.get(action="cms.roster_import").unit == units["east"]


def test_hr_of_another_district_cannot_open_an_import(client, hr_east, units):
    client.force_login(hr_east)
    upload(client, GOOD_CSV.read_bytes())
    record = RosterImport.objects.get()
    hr_west = make_staff("hr_west", "hr", units["west"])
    client.force_login(hr_west)
    assert client.get(reverse("cms_roster:preview", args=[record.pk])).status_code == 404
    assert client.get(reverse("cms_roster:status", args=[record.pk])).status_code == 404
    assert client.post(reverse("cms_roster:preview", args=[record.pk])).status_code == 404
    assert b"roster.csv" not in client.get(UPLOAD_URL).content
    record.refresh_from_db()
    assert record.confirmed_at is None


def test_trainee_is_turned_away(client, trainee, units):
    client.force_login(trainee.user)
    for response in (client.get(UPLOAD_URL), upload(client, GOOD_CSV.read_bytes())):
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    assert client.get(reverse("cms_roster:template")).status_code == 302
    assert not RosterImport.objects.exists() and not Officer.objects.filter(employee_no="R001").exists()


def test_unit_leader_without_add_officer_is_denied(client, leader_east, units):
    client.force_login(leader_east)
    response = upload(client, GOOD_CSV.read_bytes())
    assert response.status_code == 302 and not response["Location"].startswith("/admin/roster-import/")
    assert client.get(UPLOAD_URL).status_code == 302
    assert not RosterImport.objects.exists()


def menu_names(user):
    """Names of the admin menu items the user sees, submenus included."""
    request = RequestFactory().get("/admin/")
    request.user = user
    names, items = set(), list(admin_menu.menu_items_for_request(request))
    while items:
        item = items.pop()
        names.add(item.name)
        if isinstance(item, SubmenuMenuItem):
            items.extend(item.menu.menu_items_for_request(request))
    return names


def test_menu_item_shown_to_superusers_and_hr_only(superuser, hr_east, leader_east, training_admin_east):
    assert "roster-import" in menu_names(superuser)
    assert "roster-import" in menu_names(hr_east)
    assert "roster-import" not in menu_names(leader_east)
    assert "roster-import" not in menu_names(training_admin_east)


# --- Template ----------------------------------------------------------------------


def test_template_download_has_headers_and_an_instruction_row_that_import_skips(client, superuser, units):
    client.force_login(superuser)
    response = client.get(reverse("cms_roster:template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["工号", "姓名", "单位", "人员类别", "入职日期"]
    assert str(sheet["A2"].value).startswith("#")
    # Filled in below the instruction row, the template imports as is.
    sheet.append(["T001", "模板人", "示范市/东城区/东华街道", "专职安监员", datetime.datetime(2024, 3, 1)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload(client, buffer.getvalue(), name="花名册.xlsx")
    record = RosterImport.objects.get()
    assert record.dry_run_report["errors"] == [] and record.total_rows == 1
    assert record.dry_run_report["officers"]["create"] == 1


def test_new_unit_created_through_admin_in_scope(client, hr_east, units, django_capture_on_commit_callbacks):
    client.force_login(hr_east)
    upload(client, (HEADER + "E010,新街人,示范市/东城区/新建街道,辅助执法人员,2024-01-01,,,消防\n").encode())
    record = RosterImport.objects.get()
    assert record.dry_run_report["units"] == [
        {"path": "示范市/东城区/新建街道", "code": "D0101", "kind": "street"}
    ]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("cms_roster:preview", args=[record.pk]))
    street = make_unit("D0101", "unused")  # returns the existing unit with that code
    assert street.name == "新建街道" and street.get_parent() == units["east"]
    assert Officer.objects.get(employee_no="E010").unit == street


def test_task_rechecks_the_uploaders_rights(client, hr_east, units, django_capture_on_commit_callbacks):
    client.force_login(hr_east)
    upload(client, (HEADER + "E020,东人,示范市/东城区/东华街道,专职安监员,2024-01-01,,,\n").encode())
    record = RosterImport.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("cms_roster:preview", args=[record.pk]))
    hr_east.groups.clear()  # no longer HR when the worker picks the task up
    assert run_roster_import(record.pk) == RosterImport.Status.FAILED
    record.refresh_from_db()
    assert [e["code"] for e in record.report["errors"]] == ["not_allowed"]
    assert not Officer.objects.filter(employee_no="E020").exists()


# --- The steps' refusals ------------------------------------------------------------


@pytest.mark.django_db
def test_upload_refuses_a_file_over_the_limit(superuser, units):
    queued = []
    with pytest.raises(ValidationError) as exc:
        roster_upload(
            actor=superuser, file_name="big.csv", data=b"x" * (MAX_BYTES + 1), enqueue=queued.append
        )
    assert exc.value.error_dict["file"][0].code == "too_large"
    assert not RosterImport.objects.exists() and queued == []


@pytest.mark.django_db
def test_an_unchecked_import_cannot_be_confirmed(superuser, units, django_capture_on_commit_callbacks):
    queued = []
    with django_capture_on_commit_callbacks(execute=True):
        record = roster_upload(
            actor=superuser, file_name="r.csv", data=GOOD_CSV.read_bytes(), enqueue=queued.append
        )
    assert queued == [record.pk]  # the dry run is queued, not yet run
    with pytest.raises(RosterNotConfirmable) as exc:
        roster_confirm(actor=superuser, roster_import_id=record.pk, enqueue=queued.append)
    assert exc.value.code == "roster_not_confirmable"
    record.refresh_from_db()
    assert record.confirmed_at is None and queued == [record.pk]
