"""The roster import writes in bulk: one audit event per officer created or changed (with its Wagtail log mirror)
and one for the trainee-group change, queries that do not grow with the rows, and a set-based programme sync that
starts recent hires and withdraws leavers once."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import ModelLogEntry

from cms.models import AuditEvent, Officer
from cms.services import roster_import
from mentorship.models import Apprenticeship, MentorshipSettings, Programme, Stage

pytestmark = pytest.mark.django_db

HEADER = "工号,姓名,单位,人员类别,入职日期,离职日期,离职原因,特长"


def roster(rows):
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def officers(prefix, n, *, hired="2019-03-01", unit="示范市/东城区/东华街道"):
    return [f"{prefix}{i:05d},人员{prefix}{i},{unit},full_time,{hired},,," for i in range(n)]


def test_one_audit_per_officer_and_one_for_the_group_change(street_east):
    result = roster_import(actor=None, file_name="a.csv", data=roster(officers("A", 25)))
    assert result.ok and result.applied, result.errors
    creates = AuditEvent.objects.filter(action="cms.officer_create")
    assert creates.count() == 25
    grants = list(AuditEvent.objects.filter(action="cms.role_grant"))
    assert len(grants) == 1 and grants[0].after["role"] == "trainee" and len(grants[0].after["users"]) == 25
    mirrored = ModelLogEntry.objects.filter(action="cms.officer_create").values_list("data", flat=True)
    assert sorted(d["audit_event"] for d in mirrored) == sorted(creates.values_list("pk", flat=True))
    # re-importing the same file changes nothing and audits nothing but the import itself
    before = AuditEvent.objects.count()
    again = roster_import(actor=None, file_name="a.csv", data=roster(officers("A", 25)))
    assert again.applied and AuditEvent.objects.count() == before + 1


def _import_queries(rows, django_capture_on_commit_callbacks) -> int:
    with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True):
        result = roster_import(actor=None, file_name="r.csv", data=roster(rows))
    assert result.applied, result.errors
    return len(ctx.captured_queries)


def test_import_queries_do_not_grow_with_the_rows(street_east, django_capture_on_commit_callbacks):
    _import_queries(
        officers("W", 1), django_capture_on_commit_callbacks
    )  # content types and the group cached
    small = _import_queries(officers("S", 10), django_capture_on_commit_callbacks)
    # 40 rows stay under SQLite's 999 bound parameters per INSERT, which splits larger batches there
    large = _import_queries(officers("L", 40), django_capture_on_commit_callbacks)
    assert large == small  # audit, mirror, accounts, group and the programme sync all in bulk


@pytest.fixture
def programme(city):
    cfg = MentorshipSettings.load()
    cfg.mentor_requires_qualification = False
    cfg.save()
    p = Programme.objects.create(unit=city, name="培养方案", staff_categories=["full_time"])
    Stage.objects.create(programme=p, order=1, name="跟岗实践", due_days=30)
    return p


def test_programme_sync_starts_recent_hires_and_withdraws_leavers_once(
    street_east, programme, django_capture_on_commit_callbacks
):
    recent = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    rows = officers("N", 3, hired=recent) + officers("V", 3, hired="2015-01-01")
    with django_capture_on_commit_callbacks(execute=True):
        assert roster_import(actor=None, file_name="h.csv", data=roster(rows)).applied
    running = Apprenticeship.objects.filter(status=Apprenticeship.Status.IN_PROGRESS)
    assert sorted(running.values_list("officer__employee_no", flat=True)) == ["N00000", "N00001", "N00002"]
    left = timezone.localdate().isoformat()
    leaving = [f"N00000,人员N0,示范市/东城区/东华街道,full_time,{recent},{left},resigned,"]
    with django_capture_on_commit_callbacks(execute=True):
        result = roster_import(actor=None, file_name="l.csv", data=roster(leaving))
    assert result.applied, result.errors
    assert Officer.objects.get(employee_no="N00000").apprenticeships.get().status == "withdrawn"
    with django_capture_on_commit_callbacks(execute=True):  # the same files again: nothing starts twice
        roster_import(actor=None, file_name="h.csv", data=roster(rows))
    assert Apprenticeship.objects.count() == 3 and running.count() == 2
