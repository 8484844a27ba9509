"""The audit trail in the admin: read-only, scoped to the viewer's subtree, filterable and exportable."""

import csv
import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from openpyxl import load_workbook

from cms import audit
from cms.models import AuditEvent, Officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(superuser, hr_east, trainee, other_trainee, city):
    east = audit.record(
        actor=hr_east,
        action="cms.officer_update",
        obj=trainee,
        before={"phone": ""},
        after={"phone": "13800000000"},
    )
    west = audit.record(
        actor=superuser,
        action="cms.officer_update",
        obj=other_trainee,
        before={"phone": "1"},
        after={"phone": "2"},
    )
    citywide = audit.record(actor=superuser, action="cms.roster_import", unit=city, object_repr="roster.xlsx")
    return {"east": east, "west": west, "city": citywide}


def listed_ids(response):
    import re

    return {int(pk) for pk in re.findall(r"/admin/audit_events/inspect/(\d+)/", response.content.decode())}


def test_superuser_sees_all_events(client, superuser, events):
    client.force_login(superuser)
    response = client.get(reverse("audit_events:index"))
    assert response.status_code == 200
    assert listed_ids(response) >= {e.pk for e in events.values()}


@pytest.mark.parametrize("staff", ["hr_east", "leader_east"])
def test_hr_and_leaders_see_only_their_subtree(client, request, staff, events):
    client.force_login(request.getfixturevalue(staff))
    response = client.get(reverse("audit_events:index"))
    assert response.status_code == 200
    ids = listed_ids(response)
    assert events["east"].pk in ids
    assert events["west"].pk not in ids
    assert events["city"].pk not in ids  # above their subtree


@pytest.mark.parametrize("staff", ["hr_east", "leader_east"])
def test_out_of_scope_event_inspect_is_404(client, request, staff, events):
    client.force_login(request.getfixturevalue(staff))
    assert client.get(reverse("audit_events:inspect", args=[events["west"].pk])).status_code == 404
    assert client.get(reverse("audit_events:inspect", args=[events["east"].pk])).status_code == 200


def test_training_admin_has_no_audit_access(client, training_admin_east, events):
    client.force_login(training_admin_east)
    response = client.get(reverse("audit_events:index"))
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    assert client.get(reverse("audit_events:inspect", args=[events["east"].pk])).status_code == 404


def test_inspect_shows_before_and_after_pretty(client, superuser, events):
    client.force_login(superuser)
    response = client.get(reverse("audit_events:inspect", args=[events["east"].pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "&quot;phone&quot;: &quot;13800000000&quot;" in content
    assert "data-audit-before" in content and "data-audit-after" in content
    assert "修改人员信息" in content  # the action's label
    assert "示范市/东城区/东华街道" in content


def test_no_add_edit_or_delete_views(client, superuser, events):
    pk = events["east"].pk
    count = AuditEvent.objects.count()
    for name, args in [
        ("add", []),
        ("edit", [pk]),
        ("delete", [pk]),
        ("copy", [pk]),
        ("history", [pk]),
        ("usage", [pk]),
    ]:
        with pytest.raises(NoReverseMatch):
            reverse(f"audit_events:{name}", args=args)
    client.force_login(superuser)
    for path in [
        "/admin/audit_events/new/",
        f"/admin/audit_events/edit/{pk}/",
        f"/admin/audit_events/delete/{pk}/",
        f"/admin/audit_events/copy/{pk}/",
    ]:
        assert client.get(path).status_code == 404
        assert client.post(path, {"action": "tampered"}).status_code == 404
    # posting to the read-only views does not change anything either
    assert client.post(reverse("audit_events:inspect", args=[pk]), {"action": "tampered"}).status_code == 405
    assert AuditEvent.objects.get(pk=pk).action == "cms.officer_update"
    assert AuditEvent.objects.count() == count


def test_index_and_inspect_offer_no_change_buttons(client, superuser, events):
    client.force_login(superuser)
    content = client.get(reverse("audit_events:index")).content.decode()
    assert "/admin/audit_events/new/" not in content
    assert "/admin/audit_events/edit/" not in content
    assert "/admin/audit_events/delete/" not in content
    content = client.get(reverse("audit_events:inspect", args=[events["east"].pk])).content.decode()
    assert "/admin/audit_events/edit/" not in content
    assert "/admin/audit_events/delete/" not in content


def test_permission_policy_denies_changes_even_to_superusers(superuser):
    from cms.admin_views import AuditEventViewSet

    policy = AuditEventViewSet().permission_policy
    assert policy.user_has_permission(superuser, "view")
    for action in ("add", "change", "delete"):
        assert not policy.user_has_permission(superuser, action)


def test_filters(client, superuser, hr_east, events, district_east, trainee):
    client.force_login(superuser)
    url = reverse("audit_events:index")
    assert listed_ids(client.get(url, {"action": "cms.roster_import"})) == {events["city"].pk}
    assert listed_ids(client.get(url, {"actor": hr_east.pk})) == {events["east"].pk}
    assert listed_ids(client.get(url, {"unit": district_east.pk})) == {events["east"].pk}
    officer_type = ContentType.objects.get_for_model(Officer)
    assert listed_ids(client.get(url, {"content_type": officer_type.pk})) == {
        events["east"].pk,
        events["west"].pk,
    }
    assert listed_ids(client.get(url, {"q": "李四"})) == {events["west"].pk}


def test_date_range_filter(client, superuser, trainee):
    audit.record(actor=superuser, action="cms.officer_update", obj=trainee)
    backdated = AuditEvent(
        action="cms.officer_update",
        object_repr="old",
        unit=trainee.unit,
        timestamp=timezone.make_aware(datetime.datetime(2024, 1, 15, 10, 0)),
    )
    backdated.save(force_insert=True)
    client.force_login(superuser)
    url = reverse("audit_events:index")
    ids = listed_ids(client.get(url, {"timestamp_from": "2024-01-01", "timestamp_to": "2024-01-31"}))
    assert ids == {backdated.pk}
    today = timezone.localdate().isoformat()
    assert listed_ids(client.get(url, {"timestamp_from": today})) == set(
        AuditEvent.objects.exclude(pk=backdated.pk).values_list("pk", flat=True)
    )


def test_csv_export_is_scoped(client, hr_east, events):
    client.force_login(hr_east)
    response = client.get(reverse("audit_events:index"), {"export": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))
    assert len(rows) == 1
    (row,) = rows
    assert "13800000000" in "".join(row.values())


def test_xlsx_export(client, superuser, events):
    client.force_login(superuser)
    response = client.get(reverse("audit_events:index"), {"export": "xlsx", "action": "cms.roster_import"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert "roster.xlsx" in rows[1]
    assert "cms.roster_import" in rows[1]


def test_times_are_shown_and_exported_in_local_time(client, superuser, trainee):
    event = AuditEvent(
        action="cms.officer_update",
        object_repr="夜间修改",
        unit=trainee.unit,
        timestamp=datetime.datetime(2025, 3, 1, 18, 30, tzinfo=datetime.UTC),
    )
    event.save(force_insert=True)
    client.force_login(superuser)
    assert (
        "2025-03-02 02:30:00" in client.get(reverse("audit_events:index")).content.decode()
    )  # Asia/Shanghai
    response = client.get(reverse("audit_events:index"), {"export": "csv", "q": "夜间修改"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))
    assert [r for r in rows if "2025-03-02 02:30:00" in r.values()]


def test_inspect_reads_like_the_listing_local_time_label_and_chinese_field_names(client, superuser, trainee):
    event = AuditEvent(
        action="cms.officer_update",
        object_repr="夜间修改",
        unit=trainee.unit,
        content_type=ContentType.objects.get_for_model(Officer),
        object_id=str(trainee.pk),
        before={"phone": ""},
        after={"phone": "13800000000"},
        timestamp=datetime.datetime(2025, 3, 1, 18, 30, tzinfo=datetime.UTC),
    )
    event.save(force_insert=True)
    client.force_login(superuser)
    html = client.get(reverse("audit_events:inspect", args=[event.pk])).content.decode()
    assert "2025-03-02 02:30:00" in html and "2025-03-01 18:30" not in html  # Asia/Shanghai, as in the list
    assert "修改人员信息" in html and "cms.officer_update" not in html  # the label, not the code
    assert "操作" in html and "行为" not in html  # the field is named as in the list
    changed = html.split('id="changes-heading"', 1)[1].split("</table>", 1)[0]
    assert "手机号" in changed and "phone" not in changed and "13800000000" in changed


def test_a_mock_attempt_is_labelled_as_such(client, superuser, trainee):
    from exams import services as exam_services
    from tests.exams.conftest import make_bank, make_exam

    exam = make_exam(make_bank(n_single=3))
    real = exam_services.start_attempt(exam=exam, officer=trainee, by=trainee.user)
    mock = exam_services.start_attempt(exam=exam, officer=trainee, by=trainee.user, mock=True)
    events = {e.object_id: e for e in AuditEvent.objects.filter(action="exams.attempt_start")}
    client.force_login(superuser)
    listing = client.get(reverse("audit_events:index")).content.decode()
    assert listing.count("· 模拟") == 1
    html = client.get(reverse("audit_events:inspect", args=[events[str(mock.pk)].pk])).content.decode()
    assert "· 模拟" in html
    html = client.get(reverse("audit_events:inspect", args=[events[str(real.pk)].pk])).content.decode()
    assert "· 模拟" not in html


def test_a_stage_advance_names_its_recorded_fields_in_chinese(client, superuser, trainee):
    audit.record(
        actor=None,
        action="mentorship.stage_advance",
        obj=trainee,
        after={"stage": 3, "stage_name": "跟岗实践", "next": 4},
    )
    event = AuditEvent.objects.latest("pk")
    client.force_login(superuser)
    body = client.get(reverse("audit_events:inspect", args=[event.pk])).content.decode()
    assert "阶段编号" in body and "下一阶段编号" in body and "跟岗实践" in body
    assert ">stage<" not in body and ">next<" not in body and "stage_name" not in body.split("<details")[0]
