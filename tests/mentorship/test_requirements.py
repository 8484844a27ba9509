"""Each requirement kind the stage engine knows: course completed, training session attended, exam passed."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from wagtail.models import Page

from courses.models import (
    Attendance,
    CoursePage,
    CurriculumIndexPage,
    Enrolment,
    Registration,
    TrainingDay,
    TrainingSession,
)
from courses.signals import attendance_recorded, course_completed
from exams.models import Attempt, Exam
from exams.signals import attempt_finalized
from mentorship import services
from mentorship.models import Apprenticeship, Programme, Stage, StageRequirement

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(db):
    home = Page.objects.get(depth=2)
    index = home.add_child(instance=CurriculumIndexPage(title="课程", slug="kc"))
    return index.add_child(
        instance=CoursePage(title="安全生产法", slug="aqscf", summary="s", category="law", study_hours=2)
    )


def _programme_with(city, **requirement):
    p = Programme.objects.create(unit=city, name="方案", staff_categories=["full_time"])
    first = Stage.objects.create(programme=p, order=1, name="第一阶段", due_days=30)
    Stage.objects.create(programme=p, order=2, name="第二阶段", due_days=30)
    StageRequirement.objects.create(stage=first, **requirement)
    return p


def _start(officer, programme, captured):
    with captured(execute=True):
        return services.start_apprenticeship(officer=officer, by=None, programme=programme)


def test_course_requirement_enrols_and_advances_on_completion(
    city, rules, course, street_east, make_officer, django_capture_on_commit_callbacks
):
    officer = make_officer(street_east, username="c1", hire_date=datetime.date(2025, 1, 1))
    a = _start(
        officer, _programme_with(city, kind="course", course=course), django_capture_on_commit_callbacks
    )
    enrolment = Enrolment.objects.get(officer=officer, course=course)
    assert enrolment.source == "programme"
    assert enrolment.due_date == a.stage_progress.get().due_on
    Enrolment.objects.filter(pk=enrolment.pk).update(completed_at=timezone.now(), status="completed")
    with django_capture_on_commit_callbacks(execute=True):
        course_completed.send(sender=Enrolment, enrolment=enrolment, officer=officer, course=course)
    a.refresh_from_db()
    assert a.current_stage.order == 2


def test_session_requirement_needs_attendance_and_the_minimum_score(
    city, rules, street_east, make_officer, django_capture_on_commit_callbacks
):
    session = TrainingSession.objects.create(
        title="2026年集训班", organizer=city, location="市应急局", capacity=30, status="open"
    )
    day = TrainingDay.objects.create(
        session=session, date=datetime.date(2026, 10, 20), start=datetime.time(9), end=datetime.time(17)
    )
    officer = make_officer(street_east, username="s1", hire_date=datetime.date(2025, 1, 1))
    a = _start(
        officer,
        _programme_with(city, kind="session", session=session, min_score=Decimal("60")),
        django_capture_on_commit_callbacks,
    )
    registration = Registration.objects.create(
        session=session, officer=officer, assessment_score=Decimal("55")
    )
    Attendance.objects.create(day=day, officer=officer, status="present")
    with django_capture_on_commit_callbacks(execute=True):
        attendance_recorded.send(sender=Attendance, session=session, officer=officer)
    a.refresh_from_db()
    assert a.current_stage.order == 1  # attended but scored below 60
    Registration.objects.filter(pk=registration.pk).update(assessment_score=Decimal("78"))
    with django_capture_on_commit_callbacks(execute=True):
        attendance_recorded.send(sender=Attendance, session=session, officer=officer)
    a.refresh_from_db()
    assert a.current_stage.order == 2


def test_exam_requirement_advances_when_a_real_attempt_passes(
    city, rules, street_east, make_officer, django_capture_on_commit_callbacks
):
    exam = Exam.objects.create(title="应知应会资格考试", is_qualifying=True)
    officer = make_officer(street_east, username="e1", hire_date=datetime.date(2025, 1, 1))
    a = _start(officer, _programme_with(city, kind="exam", exam=exam), django_capture_on_commit_callbacks)
    now = timezone.now()
    mock = Attempt.objects.create(
        officer=officer,
        exam=exam,
        number=1,
        seed=1,
        status="graded",
        started_at=now,
        deadline=now,
        is_mock=True,
        passed=True,
        percent=90,
    )
    with django_capture_on_commit_callbacks(execute=True):
        attempt_finalized.send(
            sender=Attempt, attempt=mock, officer=officer, exam=exam, score=90, percent=90.0, passed=True
        )
    a.refresh_from_db()
    assert a.current_stage.order == 1  # a mock exam never counts
    real = Attempt.objects.create(
        officer=officer,
        exam=exam,
        number=1,
        seed=2,
        status="graded",
        started_at=now,
        deadline=now,
        passed=True,
        percent=85,
    )
    with django_capture_on_commit_callbacks(execute=True):
        attempt_finalized.send(
            sender=Attempt, attempt=real, officer=officer, exam=exam, score=85, percent=85.0, passed=True
        )
    a.refresh_from_db()
    assert a.current_stage.order == 2
    assert a.status == Apprenticeship.Status.COMPLETED  # the second stage asks for nothing more
