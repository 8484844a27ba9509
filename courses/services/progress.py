"""Lesson progress and course completion: opening a lesson, reading-time heartbeats (credited once per officer),
lesson completion and the exactly-once completion of an enrolment."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms import audit
from cms.models import Officer
from courses import knowledge, selectors
from courses.models import CoursePage, Enrolment, LessonPage, LessonProgress, StudyClock, StudyHoursEntry
from courses.services.errors import CoursesError
from courses.services.hours import sync_hours
from courses.signals import course_completed

# Heartbeats: the client sends one every 15 s while the page is visible. Each credits the time since the previous
# one, at most HEARTBEAT_CAP seconds, and nothing when the learner has not scrolled, touched or typed for IDLE_LIMIT.
HEARTBEAT_CAP = 30
IDLE_LIMIT = 120


def _enrolment_for(officer: Officer, course_id: int) -> Enrolment | None:
    return Enrolment.objects.filter(officer=officer, course_id=course_id).first()


def _course_id_of(lesson: LessonPage) -> int:
    return lesson.get_parent().pk


def lesson_opened(*, officer: Officer, lesson: LessonPage, now=None) -> LessonProgress | None:
    """Start (or resume) the clock when an enrolled officer opens a lesson. Opening counts as an interaction."""
    now = now or timezone.now()
    course_id = _course_id_of(lesson)
    enrolment = _enrolment_for(officer, course_id)
    if enrolment is None:
        return None
    with transaction.atomic():
        progress, _c = LessonProgress.objects.select_for_update().get_or_create(
            officer=officer, lesson=lesson, defaults={"course_id": course_id, "started_at": now}
        )
        progress.last_heartbeat_at = now
        progress.last_interaction_at = now
        progress.save(update_fields=["last_heartbeat_at", "last_interaction_at"])
        if enrolment.status == Enrolment.Status.ENROLLED:
            Enrolment.objects.filter(pk=enrolment.pk, status=Enrolment.Status.ENROLLED).update(
                status=Enrolment.Status.IN_PROGRESS
            )
    return progress


@dataclass
class HeartbeatResult:
    progress: LessonProgress
    credited: int
    lesson_completed: bool
    course_completed: bool


def heartbeat(
    *,
    officer: Officer,
    lesson: LessonPage,
    position: float | None = None,
    anchor: str = "",
    interacted: bool = False,
    reached_end: bool = False,
    resumed: bool = False,
    now=None,
) -> HeartbeatResult:
    """Credit reading time. `resumed` marks the first beat after the page became visible again: it restarts the
    clock without crediting the hidden time."""
    now = now or timezone.now()
    course_id = _course_id_of(lesson)
    enrolment = _enrolment_for(officer, course_id)
    if enrolment is None:
        raise CoursesError(_("You are not enrolled in this course."), code="not_enrolled")
    with transaction.atomic():
        progress, _c = LessonProgress.objects.select_for_update().get_or_create(
            officer=officer,
            lesson=lesson,
            defaults={"course_id": course_id, "started_at": now, "last_interaction_at": now},
        )
        if interacted:
            progress.last_interaction_at = now
        credit = 0
        clock = StudyClock.objects.filter(officer=officer).first()
        if progress.last_heartbeat_at is not None and not resumed:
            # Time is credited once per officer, whatever the number of lessons beating: only the time since
            # both this lesson's previous beat and the last moment credited to any lesson counts.
            since = progress.last_heartbeat_at
            if clock is not None and clock.credited_until > since:
                since = clock.credited_until
            elapsed = (now - since).total_seconds()
            credit = int(min(max(elapsed, 0), HEARTBEAT_CAP))
        idle = (
            progress.last_interaction_at is None
            or (now - progress.last_interaction_at).total_seconds() > IDLE_LIMIT
        )
        if idle:
            credit = 0
        if credit and not _claim_study_time(officer=officer, lesson=lesson, clock=clock, until=now):
            credit = 0
        progress.seconds_spent += credit
        progress.last_heartbeat_at = now
        if position is not None:
            progress.last_position = min(max(float(position), 0.0), 1.0)
        if anchor:
            progress.last_anchor = anchor[:80]
        if reached_end:
            progress.reached_end = True
        progress.save()
        lesson_done = _maybe_complete_lesson(progress, lesson, now)
        course_done = evaluate_enrolment(enrolment=enrolment, now=now) if lesson_done else False
    return HeartbeatResult(progress, credit, lesson_done, course_done)


def _claim_study_time(*, officer: Officer, lesson: LessonPage, clock: StudyClock | None, until) -> bool:
    """Move the officer's study clock forward to `until`, only if no other beat moved it since it was read
    (compare-and-set, so two lessons beating at the same instant cannot both be credited, on any database)."""
    if clock is None:
        try:
            with transaction.atomic():
                StudyClock.objects.create(officer=officer, credited_until=until, lesson=lesson)
        except IntegrityError:
            return False
        return True
    return (
        StudyClock.objects.filter(officer=officer, credited_until=clock.credited_until).update(
            credited_until=until, lesson=lesson
        )
        == 1
    )


def _maybe_complete_lesson(progress: LessonProgress, lesson: LessonPage, now) -> bool:
    """Mark the lesson complete when its rule is met; True only on the transition."""
    if progress.completed_at is not None:
        return False
    # The reading time is always needed; a required knowledge check is one more condition, never a shortcut.
    if not (progress.reached_end and progress.seconds_spent >= lesson.required_seconds):
        return False
    if lesson.complete_on_check and not progress.check_passed:
        if not knowledge.check_done(lesson, progress.officer_id, progress.check_state or {}):
            return False
        progress.check_passed = True  # a check that asks nothing (no question drawn) is passed
        progress.save(update_fields=["check_passed"])
    progress.completed_at = now
    progress.save(update_fields=["completed_at"])
    return True


def evaluate_enrolment(*, enrolment: Enrolment, now=None) -> bool:
    """Complete the enrolment when every required live lesson is complete and the quiz (if any) passed.

    The conditional UPDATE makes the transition (and so the signal and the hours) happen exactly once.
    """
    now = now or timezone.now()
    if enrolment.completed_at is not None:
        return False
    course = CoursePage.objects.get(pk=enrolment.course_id)
    if not selectors.course_requirements_met(enrolment.officer_id, course):
        return False
    with transaction.atomic():
        changed = Enrolment.objects.filter(pk=enrolment.pk, completed_at__isnull=True).update(
            status=Enrolment.Status.COMPLETED, completed_at=now
        )
        if not changed:
            return False
        enrolment.status, enrolment.completed_at = Enrolment.Status.COMPLETED, now
        officer = Officer.objects.get(pk=enrolment.officer_id)
        sync_hours(
            officer_id=officer.pk,
            source_kind=StudyHoursEntry.SourceKind.COURSE,
            source_id=course.pk,
            target=Decimal(course.study_hours),
            description=course.title,
            earned_on=timezone.localdate(now),
            context_id=course.pk,
        )
        audit.record(
            actor=None,
            action="courses.course_complete",
            obj=enrolment,
            unit=officer.unit,
            object_repr=f"{officer} · {course.title}",
        )
        transaction.on_commit(
            lambda: course_completed.send(
                sender=Enrolment, enrolment=enrolment, officer=officer, course=course
            )
        )
    return True


def on_attempt_finalized(sender, *, attempt, officer, exam, passed, **kwargs) -> None:
    """exams.signals.attempt_finalized: a passed quiz may complete courses that end with it."""
    if not passed or getattr(attempt, "is_mock", False) or getattr(exam, "is_mock", False):
        return
    course_ids = CoursePage.objects.filter(quiz=exam).values_list("pk", flat=True)
    for enrolment in Enrolment.objects.filter(
        officer=officer, course_id__in=course_ids, completed_at__isnull=True
    ):
        evaluate_enrolment(enrolment=enrolment)
