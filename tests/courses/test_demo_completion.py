"""The demo seed completes its finished enrolments set-based (`courses.demo._complete_enrolments`); the rows it stores
are the ones the per-enrolment service (`services.evaluate_enrolment`, what the seed called before) stores for the
same demo data: enrolment status and completion time, study-hours lines, audit events with their Wagtail log mirror,
and one `course_completed` signal per completed enrolment."""

import io
import random

import pytest
from django.core.management import call_command
from django.db import transaction
from wagtail.models import ModelLogEntry

from cms.models import AuditEvent
from courses import demo as courses_demo
from courses import services
from courses.demo.lessons import CURRICULUM
from courses.models import Enrolment, StudyHoursEntry
from courses.signals import course_completed
from exams import demo as exams_demo
from exams import services as exam_services
from exams.models import QuestionBank

pytestmark = pytest.mark.django_db


def _per_enrolment(finished):
    """The seed's completion before it went set-based: the service, once per finished enrolment."""
    for enrolment, at in finished:
        services.evaluate_enrolment(enrolment=enrolment, now=at)


def _stored(sent) -> dict:
    """What the completion left, keyed by employee number and course slug (row ids may differ between runs)."""
    slug = dict(Enrolment.objects.values_list("course_id", "course__slug").distinct())
    key_of = {
        pk: (no, slug[course_id])
        for pk, no, course_id in Enrolment.objects.values_list("pk", "officer__employee_no", "course_id")
    }
    events = AuditEvent.objects.filter(action="courses.course_complete")
    event_key = {pk: key_of[int(object_id)] for pk, object_id in events.values_list("pk", "object_id")}
    return {
        "enrolments": sorted(
            (key_of[pk], status, completed_at)
            for pk, status, completed_at in Enrolment.objects.values_list("pk", "status", "completed_at")
        ),
        "hours": sorted(
            (no, slug[source_id], str(hours), seq, description, earned_on, slug[context_id])
            for no, source_id, hours, seq, description, earned_on, context_id in StudyHoursEntry.objects.filter(
                source_kind=StudyHoursEntry.SourceKind.COURSE
            ).values_list(
                "officer__employee_no", "source_id", "hours", "seq", "description", "earned_on", "context_id"
            )
        ),
        "audit": sorted(
            (event_key[pk], actor_id, actor_repr, content_type_id, object_repr, unit_id, before, after)
            for pk, actor_id, actor_repr, content_type_id, object_repr, unit_id, before, after in events.values_list(
                "pk", "actor_id", "actor_repr", "content_type_id", "object_repr", "unit_id", "before", "after"
            )
        ),
        "log": sorted(
            (key_of[int(object_id)], content_type_id, label, user_id, event_key[data["audit_event"]])
            for object_id, content_type_id, label, user_id, data in ModelLogEntry.objects.filter(
                action="courses.course_complete"
            ).values_list("object_id", "content_type_id", "label", "user_id", "data")
        ),
        "signals": [
            (officer.employee_no, course.slug, key_of[enrolment.pk] == (officer.employee_no, course.slug))
            for enrolment, officer, course in sent
        ],
    }


def _run(monkeypatch, capture, courses, trainees, *, old: bool) -> dict:
    """One seed of the demo progress, inside a savepoint rolled back afterwards; returns what it stored."""
    sent = []

    def receiver(sender, *, enrolment, officer, course, **kwargs):
        sent.append((enrolment, officer, course))

    if old:
        monkeypatch.setattr(courses_demo, "_complete_enrolments", _per_enrolment)
    course_completed.connect(receiver, dispatch_uid="test_demo_completion")
    savepoint = transaction.savepoint()
    try:
        with capture(execute=True):  # the signals go after the commit, as in the seed
            courses_demo.seed_progress(courses, trainees, random.Random(courses_demo.__name__), io.StringIO())
        return _stored(sent)
    finally:
        transaction.savepoint_rollback(savepoint)
        course_completed.disconnect(dispatch_uid="test_demo_completion")
        monkeypatch.undo()


def test_set_based_completion_stores_what_the_per_enrolment_service_stores(
    monkeypatch, django_capture_on_commit_callbacks
):
    call_command("seed_demo", "--skip-apps", verbosity=0)  # the demo city: its trainees and their hire dates
    stems = {s for c in CURRICULUM for lsn in c["lessons"] for t, v in lsn["body"] if t == "knowledge_check"
             for s in v["question_stems"]}  # fmt: skip
    bank = QuestionBank.objects.create(code=courses_demo.BANK_CODE, name="应知应会题库")
    exam_services.import_questions(
        bank=bank, questions=[q for q in exams_demo.questions() if q["stem"] in stems], by=None
    )
    courses = courses_demo.build_pages(io.StringIO())
    trainees = courses_demo._trainees()

    new = _run(monkeypatch, django_capture_on_commit_callbacks, courses, trainees, old=False)
    old = _run(monkeypatch, django_capture_on_commit_callbacks, courses, trainees, old=True)

    completed = [row for row in new["enrolments"] if row[1] == Enrolment.Status.COMPLETED]
    assert len(completed) >= 20  # enough of the demo's enrolments finish for the comparison to mean something
    assert len(new["hours"]) == len(new["audit"]) == len(new["log"]) == len(new["signals"]) == len(completed)
    assert all(matches for _no, _slug, matches in new["signals"])
    assert new == old
