"""A roster import starts the new hires' programmes (and enrols them in the first stage's courses) inside its own
transaction: a worker that dies right after the commit loses nothing, and one that dies during the sync leaves
nothing, so the redelivered task does the whole import, programmes included, exactly once."""

import datetime

import pytest
from django.utils import timezone

from cms.models import AuditEvent, EmploymentSpell, Officer, RosterImport
from cms.roster.task import roster_confirm, roster_dry_run, roster_run
from courses.models import Enrolment
from mentorship import services
from mentorship.models import Apprenticeship, StageProgress, StageRequirement
from tests.mentorship.test_requirements import course  # noqa: F401  (a fixture, used below)

pytestmark = pytest.mark.django_db

HEADER = "工号,姓名,单位,人员类别,入职日期,离职日期,离职原因,特长\n"
NEW_HIRES = ["N001", "N002", "N003"]


def roster_csv(today: datetime.date) -> bytes:
    rows = [
        f"{no},新人{i},示范市/东城区/东华街道,专职安监员,{today - datetime.timedelta(days=10 + i)},,,"
        for i, no in enumerate(NEW_HIRES)
    ]
    rows.append("V001,老张,示范市/东城区/东华街道,专职安监员,2016-04-01,,,")  # a veteran starts nothing
    return (HEADER + "\n".join(rows) + "\n").encode()


@pytest.fixture
def with_course(programme, course):  # noqa: F811
    first = programme.stages.get(order=1)
    StageRequirement.objects.create(stage=first, kind=StageRequirement.Kind.COURSE, course=course)
    return course


@pytest.fixture
def confirmed_import(superuser, street_east, with_course, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the tasks are called directly below
        record = RosterImport.objects.create(
            file_name="roster.csv", content=roster_csv(timezone.localdate()), uploaded_by=superuser
        )
        roster_dry_run(roster_import_id=record.pk)
        roster_confirm(actor=superuser, roster_import_id=record.pk, enqueue=lambda pk: None)
    return record


def programme_counts():
    return {
        "officers": Officer.objects.filter(employee_no__in=[*NEW_HIRES, "V001"]).count(),
        "spells": EmploymentSpell.objects.filter(officer__employee_no__in=[*NEW_HIRES, "V001"]).count(),
        "apprenticeships": Apprenticeship.objects.filter(officer__employee_no__in=NEW_HIRES).count(),
        "apprentices": Apprenticeship.objects.filter(officer__employee_no__in=NEW_HIRES)
        .values("officer")
        .distinct()
        .count(),
        "stage_progress": StageProgress.objects.filter(
            apprenticeship__officer__employee_no__in=NEW_HIRES
        ).count(),
        "enrolments": Enrolment.objects.filter(officer__employee_no__in=NEW_HIRES).count(),
        "veteran_apprenticeships": Apprenticeship.objects.filter(officer__employee_no="V001").count(),
        "import_audits": AuditEvent.objects.filter(action="cms.roster_import").count(),
        "start_audits": AuditEvent.objects.filter(action="mentorship.apprenticeship_start").count(),
    }


EXACTLY_ONCE = {
    "officers": 4,
    "spells": 4,
    "apprenticeships": 3,
    "apprentices": 3,
    "stage_progress": 3,
    "enrolments": 3,
    "veteran_apprenticeships": 0,
    "import_audits": 1,
    "start_audits": 3,
}


def test_a_worker_dying_right_after_the_commit_leaves_every_new_hire_in_their_programme(
    confirmed_import, django_capture_on_commit_callbacks
):
    # execute=False: whatever was left for after the commit never runs, as when the worker dies at the commit.
    with django_capture_on_commit_callbacks(execute=False):
        record = roster_run(roster_import_id=confirmed_import.pk)
    assert record.status == RosterImport.Status.DONE
    assert programme_counts() == EXACTLY_ONCE
    enrolment = Enrolment.objects.filter(officer__employee_no="N001").get()
    assert enrolment.source == Enrolment.Source.PROGRAMME


class WorkerKilled(BaseException):
    """kill -9 in the middle of the task: not an Exception, so nothing in the task handles it (the transaction
    is rolled back, as PostgreSQL does when the connection dies)."""


def test_a_worker_killed_during_the_sync_leaves_nothing_and_the_redelivery_does_it_once(
    confirmed_import, monkeypatch, django_capture_on_commit_callbacks
):
    real_start = services.start_apprenticeship
    started = []

    def start_then_die(**kwargs):
        started.append(real_start(**kwargs))
        if len(started) == 2:  # two programmes started, the third not yet
            raise WorkerKilled

    monkeypatch.setattr(services, "start_apprenticeship", start_then_die)
    with pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=False):
        roster_run(roster_import_id=confirmed_import.pk)
    confirmed_import.refresh_from_db()
    assert (
        confirmed_import.status == RosterImport.Status.RUNNING
    )  # not finished: the broker hands it out again
    assert all(v == 0 for v in programme_counts().values()), programme_counts()

    monkeypatch.setattr(services, "start_apprenticeship", real_start)
    with django_capture_on_commit_callbacks(execute=False):
        record = roster_run(roster_import_id=confirmed_import.pk)  # the redelivery
    assert record.status == RosterImport.Status.DONE
    assert programme_counts() == EXACTLY_ONCE
    # A third delivery (a duplicate) changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        roster_run(roster_import_id=confirmed_import.pk)
    assert programme_counts() == EXACTLY_ONCE


def test_a_programme_without_stages_does_not_undo_the_import(
    confirmed_import, programme, django_capture_on_commit_callbacks
):
    programme.stages.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        record = roster_run(roster_import_id=confirmed_import.pk)
    assert record.status == RosterImport.Status.DONE
    counts = programme_counts()
    assert counts["officers"] == 4 and counts["apprenticeships"] == 0
