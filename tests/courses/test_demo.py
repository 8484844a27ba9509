"""courses.demo.seed builds the curriculum from demo_content with resolved knowledge checks, enrolments with
progress and three sessions, and a second run changes nothing."""

import datetime
import io
import random

import pytest

from courses import demo
from courses.demo.lessons import CURRICULUM
from courses.models import (
    Attendance,
    CoursePage,
    Enrolment,
    LessonPage,
    Registration,
    StudyHoursEntry,
    TrainingSession,
)
from exams import demo as exams_demo
from exams import services
from exams.models import QuestionBank


@pytest.fixture
def demo_bank(db):
    # Only the questions the lessons' knowledge checks name (keeps the test fast).
    stems = {
        s
        for c in CURRICULUM
        for lsn in c["lessons"]
        for t, v in lsn["body"]
        if t == "knowledge_check"
        for s in v["question_stems"]
    }
    bank = QuestionBank.objects.create(code="YZYH", name="应知应会题库")
    services.import_questions(
        bank=bank, questions=[q for q in exams_demo.questions() if q["stem"] in stems], by=None
    )
    return bank


def counts():
    return (
        CoursePage.objects.count(),
        LessonPage.objects.count(),
        Enrolment.objects.count(),
        TrainingSession.objects.count(),
        Registration.objects.count(),
        Attendance.objects.count(),
        StudyHoursEntry.objects.count(),
    )


def test_seed_is_complete_and_idempotent(demo_bank, street_east, make_officer, trainee):
    make_officer(street_east, username="demo_trainee", hire_date=datetime.date(2026, 9, 1))
    for i in range(6):
        make_officer(street_east, username=f"cohort{i}", hire_date=datetime.date(2026, 5, 1 + i))
    demo.seed(stdout=io.StringIO(), rng=random.Random(20260103))
    first = counts()
    assert first[0] == 6 and first[1] >= 25
    for lesson in LessonPage.objects.all():
        checks = lesson.knowledge_check_blocks()
        assert checks and all(b.value["questions"] for b in checks), lesson.title
    statuses = sorted(TrainingSession.objects.values_list("status", flat=True))
    assert statuses == ["finished", "finished", "open"]
    assert (
        Attendance.objects.exists() and Registration.objects.filter(assessment_score__isnull=False).exists()
    )
    assert Enrolment.objects.filter(
        officer__user__username="demo_trainee", completed_at__isnull=False
    ).exists()
    assert StudyHoursEntry.objects.filter(source_kind="course").exists()
    assert StudyHoursEntry.objects.filter(source_kind="session_day").exists()
    demo.seed(stdout=io.StringIO(), rng=random.Random(20260103))
    assert counts() == first
