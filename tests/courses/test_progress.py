"""Reading time, the idle cap, lesson and course completion, the course_completed signal and the hours it earns."""

import datetime
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from courses import services
from courses.models import Enrolment, LessonProgress, StudyHoursEntry
from courses.signals import course_completed

T0 = timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 0, 0))


def at(seconds):
    return T0 + datetime.timedelta(seconds=seconds)


@pytest.fixture
def enrolment(trainee, course, lessons):
    return services.enrol(officer=trainee, course=course, by=None, due_date=datetime.date(2026, 4, 1))


def beat(trainee, lesson, seconds, **kwargs):
    return services.heartbeat(officer=trainee, lesson=lesson, now=at(seconds), **kwargs)


def test_each_beat_credits_elapsed_time_capped_at_30_seconds(trainee, lessons, enrolment):
    lesson = lessons[0]
    services.lesson_opened(officer=trainee, lesson=lesson, now=at(0))
    assert beat(trainee, lesson, 15, interacted=True).credited == 15
    # A throttled tab that beats only after 100 s still earns at most 30 s for that beat.
    assert beat(trainee, lesson, 115, interacted=True).credited == 30
    assert LessonProgress.objects.get(officer=trainee, lesson=lesson).seconds_spent == 45


def test_no_credit_without_interaction_for_two_minutes(trainee, lessons, enrolment):
    """挂机: a visible page nobody touches stops earning time two minutes after the last interaction."""
    lesson = lessons[0]
    services.lesson_opened(officer=trainee, lesson=lesson, now=at(0))
    credited = [beat(trainee, lesson, s).credited for s in range(15, 15 * 20, 15)]
    assert sum(credited) == 120  # beats up to 120 s after opening count, later ones do not
    assert credited[-1] == 0
    # Touching the page again resumes crediting.
    assert beat(trainee, lesson, 300, interacted=True).credited == 15


def test_the_first_beat_after_the_page_was_hidden_credits_nothing(trainee, lessons, enrolment):
    lesson = lessons[0]
    services.lesson_opened(officer=trainee, lesson=lesson, now=at(0))
    beat(trainee, lesson, 15, interacted=True)
    assert beat(trainee, lesson, 600, interacted=True, resumed=True).credited == 0
    assert beat(trainee, lesson, 615, interacted=True).credited == 15


def test_heartbeat_requires_an_enrolment(trainee, lessons):
    with pytest.raises(services.CoursesError) as exc:
        beat(trainee, lessons[0], 0)
    assert exc.value.code == "not_enrolled"


def _read(trainee, lesson, seconds, *, reach_end_at=None, start=0):
    """Read one lesson from `start` for `seconds`, beating every 15 s (lessons are read one after another: time
    is credited once per officer, not once per lesson)."""
    services.lesson_opened(officer=trainee, lesson=lesson, now=at(start))
    result = None
    for s in range(15, seconds + 1, 15):
        result = beat(
            trainee,
            lesson,
            start + s,
            interacted=True,
            position=s / seconds,
            reached_end=reach_end_at is not None and s >= reach_end_at,
        )
    return result


def test_lesson_completes_at_the_end_after_the_required_share_of_time(trainee, lessons, enrolment):
    lesson = lessons[0]  # 10 minutes, share 0.8 → 480 s
    result = _read(trainee, lesson, 465, reach_end_at=60)
    assert result.progress.reached_end and not result.lesson_completed
    assert not LessonProgress.objects.get(officer=trainee, lesson=lesson).is_complete
    result = beat(trainee, lesson, 480, interacted=True)
    assert result.lesson_completed
    assert LessonProgress.objects.get(officer=trainee, lesson=lesson).seconds_spent == 480


def test_time_alone_without_reaching_the_end_does_not_complete(trainee, lessons, enrolment):
    result = _read(trainee, lessons[0], 900)
    assert not result.lesson_completed
    assert result.progress.last_position == pytest.approx(1.0)


@override_settings(COURSES_COMPLETION_SHARE=0.1)
def test_completion_share_is_a_setting(trainee, lessons, enrolment):
    result = _read(trainee, lessons[0], 60, reach_end_at=15)
    assert result.lesson_completed  # 10 % of 10 minutes = 60 s


@override_settings(COURSES_COMPLETION_SHARE=0.05)
def test_course_completes_once_with_signal_and_hours(
    trainee, course, lessons, enrolment, django_capture_on_commit_callbacks
):
    received = []

    def listener(sender, enrolment, officer, course, **kwargs):
        received.append((enrolment.pk, officer.pk, course.pk))

    course_completed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _read(trainee, lessons[0], 30, reach_end_at=15)
            enrolment.refresh_from_db()
            assert enrolment.status == Enrolment.Status.IN_PROGRESS and enrolment.completed_at is None
            result = _read(trainee, lessons[1], 30, reach_end_at=15, start=100)
            # The optional third lesson is not needed.
            assert result.course_completed
            enrolment.refresh_from_db()
            assert enrolment.status == Enrolment.Status.COMPLETED
            # More beats, or re-evaluating, change nothing and send nothing again.
            beat(trainee, lessons[1], 145, interacted=True)
            services.evaluate_enrolment(enrolment=Enrolment.objects.get(pk=enrolment.pk))
            _read(trainee, lessons[2], 30, reach_end_at=15, start=200)
    finally:
        course_completed.disconnect(listener)
    assert received == [(enrolment.pk, trainee.pk, course.pk)]
    entries = list(StudyHoursEntry.objects.filter(officer=trainee))
    assert [(e.source_kind, e.source_id, e.hours) for e in entries] == [
        ("course", course.pk, Decimal("2.00"))
    ]


@override_settings(COURSES_COMPLETION_SHARE=0.05)
def test_a_course_with_a_quiz_completes_when_the_quiz_is_passed(trainee, course, lessons, enrolment, bank):
    from exams.models import Attempt, Exam
    from exams.signals import attempt_finalized

    exam = Exam.objects.create(title="结业测验", is_published=True)
    exam.banks.add(bank)
    course.quiz = exam
    course.save_revision().publish()
    _read(trainee, lessons[0], 30, reach_end_at=15)
    _read(trainee, lessons[1], 30, reach_end_at=15, start=100)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None  # lessons done, quiz not yet passed
    attempt = Attempt.objects.create(
        officer=trainee,
        exam=exam,
        number=1,
        seed=1,
        started_at=T0,
        deadline=at(3600),
        status=Attempt.Status.GRADED,
        passed=False,
        percent=40.0,
        score=Decimal("4"),
    )
    attempt_finalized.send(
        sender=Attempt,
        attempt=attempt,
        officer=trainee,
        exam=exam,
        score=Decimal("4"),
        percent=40.0,
        passed=False,
    )
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None
    attempt2 = Attempt.objects.create(
        officer=trainee,
        exam=exam,
        number=2,
        seed=2,
        started_at=T0,
        deadline=at(3600),
        status=Attempt.Status.GRADED,
        passed=True,
        percent=90.0,
        score=Decimal("9"),
    )
    attempt_finalized.send(
        sender=Attempt,
        attempt=attempt2,
        officer=trainee,
        exam=exam,
        score=Decimal("9"),
        percent=90.0,
        passed=True,
    )
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED


def test_hours_ledger_is_append_only(trainee, course):
    entry = services.sync_hours(
        officer_id=trainee.pk,
        source_kind="course",
        source_id=course.pk,
        target=Decimal("2"),
        description="x",
        earned_on=T0.date(),
    )
    assert (
        services.sync_hours(
            officer_id=trainee.pk,
            source_kind="course",
            source_id=course.pk,
            target=Decimal("2"),
            description="x",
            earned_on=T0.date(),
        )
        is None
    )
    from cms.models import AppendOnlyError

    entry.hours = Decimal("5")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        StudyHoursEntry.objects.filter(pk=entry.pk).update(hours=Decimal("9"))
    # A correction is a new line: the net goes to the target.
    services.sync_hours(
        officer_id=trainee.pk,
        source_kind="course",
        source_id=course.pk,
        target=Decimal("0"),
        description="x",
        earned_on=T0.date(),
    )
    assert [e.hours for e in StudyHoursEntry.objects.filter(officer=trainee)] == [
        Decimal("2.00"),
        Decimal("-2.00"),
    ]


def test_two_lessons_open_side_by_side_share_one_clock(trainee, lessons, enrolment):
    """Two tabs beating in turn earn the wall-clock time once, split between the lessons, not twice."""
    a, b = lessons[0], lessons[1]
    services.lesson_opened(officer=trainee, lesson=a, now=at(0))
    services.lesson_opened(officer=trainee, lesson=b, now=at(5))
    for t in range(15, 15 * 9, 15):
        beat(trainee, a, t, interacted=True)
        beat(trainee, b, t + 5, interacted=True)
    spent = {p.lesson_id: p.seconds_spent for p in LessonProgress.objects.filter(officer=trainee)}
    assert sum(spent.values()) == 125  # from the first open (0 s) to the last beat (125 s)
    assert spent[a.pk] == 85 and spent[b.pk] == 40  # 15 s + 7 × 10 s, and 8 × 5 s


def test_switching_lessons_credits_the_new_one_from_when_it_was_opened(trainee, lessons, enrolment):
    a, b = lessons[0], lessons[1]
    services.lesson_opened(officer=trainee, lesson=a, now=at(0))
    assert beat(trainee, a, 15, interacted=True).credited == 15
    services.lesson_opened(officer=trainee, lesson=b, now=at(20))
    assert beat(trainee, b, 35, interacted=True).credited == 15
    # Back to the first tab after a while: only the time since the other lesson was last credited counts.
    assert beat(trainee, a, 45, interacted=True).credited == 10


def test_an_idle_lesson_does_not_hold_the_clock(trainee, lessons, enrolment):
    """A forgotten tab whose beats earn nothing (idle) does not stop the lesson being read from earning."""
    a, b = lessons[0], lessons[1]
    services.lesson_opened(officer=trainee, lesson=b, now=at(0))
    services.lesson_opened(officer=trainee, lesson=a, now=at(200))
    assert beat(trainee, b, 205).credited == 0  # idle for more than two minutes
    assert beat(trainee, a, 215, interacted=True).credited == 15
