"""State changes of courses: enrolment, lesson progress and completion, knowledge checks, training-session
registration and attendance, the study-hours ledger and reminders. Keyword-only; one transaction each."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cms import audit
from cms.models import Notification, Officer, Unit
from courses import knowledge
from courses.models import (
    ATTENDED,
    CHECKIN_TRIES_PER_DAY,
    Attendance,
    AttendanceStatus,
    CheckInTries,
    CoursePage,
    Enrolment,
    LessonPage,
    LessonProgress,
    Registration,
    StudyClock,
    StudyHoursEntry,
    TrainingDay,
    TrainingSession,
)
from courses.signals import attendance_recorded, course_completed

# Heartbeats: the client sends one every 15 s while the page is visible. Each credits the time since the previous
# one, at most HEARTBEAT_CAP seconds, and nothing when the learner has not scrolled, touched or typed for IDLE_LIMIT.
HEARTBEAT_CAP = 30
IDLE_LIMIT = 120


class CoursesError(Exception):
    """A refused action, with a translated message for the learner or staff member."""


def _due_soon_days() -> int:
    return int(getattr(settings, "COURSES_DUE_SOON_DAYS", 7))


# --- enrolment ---------------------------------------------------------------------------------------------------------


def enrol(
    *, officer: Officer, course: CoursePage, by, source: str = Enrolment.Source.UNIT, due_date=None
) -> Enrolment:
    """Enrol one officer (idempotent: an existing enrolment is returned unchanged)."""
    with transaction.atomic():
        enrolment, created = Enrolment.objects.get_or_create(
            officer=officer,
            course=course,
            defaults={
                "source": source,
                "assigned_by": by if getattr(by, "is_authenticated", False) else None,
                "due_date": due_date,
            },
        )
        if created:
            audit.record(
                actor=by,
                action="courses.enrol",
                obj=enrolment,
                unit=officer.unit,
                object_repr=f"{officer} · {course.title}",
                after={"course": course.pk, "source": source, "due_date": due_date},
            )
    return enrolment


def enrol_officers(
    *,
    officers,
    course: CoursePage,
    by,
    source: str = Enrolment.Source.UNIT,
    due_date=None,
    unit: Unit | None = None,
    description: str = "",
) -> int:
    """Enrol many officers at once. Idempotent: existing enrolments are left alone. Returns how many are new."""
    officer_ids = list(officers.filter(status=Officer.Status.ACTIVE).values_list("pk", flat=True))
    with transaction.atomic():
        before = Enrolment.objects.filter(course=course, officer_id__in=officer_ids).count()
        actor = by if getattr(by, "is_authenticated", False) else None
        Enrolment.objects.bulk_create(
            [
                Enrolment(officer_id=i, course=course, source=source, assigned_by=actor, due_date=due_date)
                for i in officer_ids
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        created = Enrolment.objects.filter(course=course, officer_id__in=officer_ids).count() - before
        audit.record(
            actor=by,
            action="courses.enrol_bulk",
            obj=course,
            unit=unit,
            object_repr=f"{course.title}: {description}"[:255],
            after={
                "course": course.pk,
                "new": created,
                "matched": len(officer_ids),
                "source": source,
                "due_date": due_date,
                "scope": description,
            },
        )
    return created


def enrol_units(
    *, unit: Unit, course: CoursePage, by, due_date=None, source: str = Enrolment.Source.UNIT
) -> int:
    """Enrol every active officer of a unit's subtree."""
    return enrol_officers(
        officers=Officer.objects.filter(unit__path__startswith=unit.path),
        course=course,
        by=by,
        source=source,
        due_date=due_date,
        unit=unit,
        description=unit.full_name,
    )


def enrol_category(
    *,
    staff_category: str,
    course: CoursePage,
    by,
    unit: Unit | None = None,
    due_date=None,
    source: str = Enrolment.Source.UNIT,
) -> int:
    """Enrol every active officer of a staff category (within a unit's subtree when given)."""
    qs = Officer.objects.filter(staff_category=staff_category)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    return enrol_officers(
        officers=qs,
        course=course,
        by=by,
        source=source,
        due_date=due_date,
        unit=unit,
        description=staff_category,
    )


def self_enrol(*, officer: Officer, course: CoursePage, user) -> Enrolment:
    from courses import selectors

    if not course.live or not course.is_open:
        raise CoursesError(_("This course is not open for self-enrolment."))
    if course.target_categories and officer.staff_category not in course.target_categories:
        raise CoursesError(_("This course is not meant for your staff category."))
    missing = selectors.missing_prerequisites(officer, course)
    if missing:
        raise CoursesError(
            _("Complete these courses first: %(titles)s") % {"titles": "、".join(c.title for c in missing)}
        )
    return enrol(officer=officer, course=course, by=user, source=Enrolment.Source.SELF)


# --- lesson progress ----------------------------------------------------------------------------------------------------


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
        raise CoursesError(_("You are not enrolled in this course."))
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
    by_reading = progress.reached_end and progress.seconds_spent >= lesson.required_seconds
    by_check = lesson.complete_on_check and progress.check_passed
    if not (by_reading or by_check):
        return False
    progress.completed_at = now
    progress.save(update_fields=["completed_at"])
    return True


def evaluate_enrolment(*, enrolment: Enrolment, now=None) -> bool:
    """Complete the enrolment when every required live lesson is complete and the quiz (if any) passed.

    The conditional UPDATE makes the transition (and so the signal and the hours) happen exactly once.
    """
    from courses import selectors

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


def answer_check(
    *, officer: Officer | None, lesson: LessonPage, block_id: str, question_id: int, raw
) -> dict:
    """Grade one knowledge-check question server-side; return its feedback only. Never graded for the record,
    but when every question of every check on the page has been answered right, the lesson may complete."""
    blocks = {b.id: b for b in lesson.knowledge_check_blocks()}
    block = blocks.get(block_id)
    if block is None:
        raise CoursesError(_("This knowledge check no longer exists; reload the page."))
    seed = knowledge.block_seed(officer.pk if officer else None, lesson.pk, block_id)
    questions = {q.pk: q for q in knowledge.draw(block.value, seed=seed)}
    question = questions.get(question_id)
    if question is None:
        raise CoursesError(_("This question is not part of the knowledge check."))
    feedback = knowledge.grade_one(question, seed, raw)
    feedback["lesson_completed"] = False
    feedback["check_passed"] = False
    if officer is None:
        return feedback
    course_id = _course_id_of(lesson)
    enrolment = _enrolment_for(officer, course_id)
    if enrolment is None:
        return feedback
    now = timezone.now()
    with transaction.atomic():
        progress, _c = LessonProgress.objects.select_for_update().get_or_create(
            officer=officer, lesson=lesson, defaults={"course_id": course_id, "started_at": now}
        )
        state = dict(progress.check_state or {})
        right = set(state.get(block_id, []))
        if feedback["correct"]:
            right.add(question.pk)
        else:
            right.discard(question.pk)
        state[block_id] = sorted(right)
        progress.check_state = state
        passed = True
        for bid, blk in blocks.items():
            wanted = {
                q.pk
                for q in (
                    questions.values()
                    if bid == block_id
                    else knowledge.draw(blk.value, seed=knowledge.block_seed(officer.pk, lesson.pk, bid))
                )
            }
            if not wanted or not wanted <= set(state.get(bid, [])):
                passed = False
                break
        progress.check_passed = progress.check_passed or passed
        progress.save(update_fields=["check_state", "check_passed"])
        feedback["check_passed"] = progress.check_passed
        if _maybe_complete_lesson(progress, lesson, now):
            feedback["lesson_completed"] = True
            evaluate_enrolment(enrolment=enrolment, now=now)
    return feedback


# --- study hours -------------------------------------------------------------------------------------------------------


def sync_hours(
    *,
    officer_id: int,
    source_kind: str,
    source_id: int,
    target: Decimal,
    description: str,
    earned_on: datetime.date,
    context_id: int | None = None,
) -> StudyHoursEntry | None:
    """Bring the ledger's net hours for one source to `target` by appending a line (positive or negative).

    Idempotent: when the net already equals the target nothing is written; the unique (source, seq) key turns a
    racing duplicate into an IntegrityError that is ignored.
    """
    lines = list(
        StudyHoursEntry.objects.filter(
            officer_id=officer_id, source_kind=source_kind, source_id=source_id
        ).values_list("seq", "hours")
    )
    net = sum((h for _s, h in lines), Decimal("0"))
    delta = Decimal(target) - net
    if delta == 0:
        return None
    seq = max((s for s, _h in lines), default=0) + 1
    try:
        with transaction.atomic():
            return StudyHoursEntry.objects.create(
                officer_id=officer_id,
                hours=delta,
                source_kind=source_kind,
                source_id=source_id,
                seq=seq,
                description=description[:255],
                earned_on=earned_on,
                context_id=context_id,
            )
    except IntegrityError:
        return None


# --- centralized training ------------------------------------------------------------------------------------------------


def _eligible(officer: Officer, session: TrainingSession) -> bool:
    return officer.status == Officer.Status.ACTIVE and officer.unit.path.startswith(session.organizer.path)


def register(
    *, session: TrainingSession, officer: Officer, by, self_service: bool = False, now=None
) -> Registration:
    """Register one officer; when the session is full they join the waiting list. The session row is locked,
    so racing registrations are counted one after another and capacity is never exceeded."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
        if self_service:
            if not locked.registration_is_open(now):
                raise CoursesError(_("Registration for this session is not open."))
            if not _eligible(officer, locked):
                raise CoursesError(_("This session is not organised for your unit."))
        elif locked.status in (TrainingSession.Status.CANCELLED, TrainingSession.Status.FINISHED):
            raise CoursesError(_("This session is finished or cancelled."))
        existing = Registration.objects.filter(session=locked, officer=officer).first()
        if existing is not None and existing.status != Registration.Status.CANCELLED:
            return existing
        taken = Registration.objects.filter(session=locked, status=Registration.Status.REGISTERED).count()
        status = Registration.Status.REGISTERED if taken < locked.capacity else Registration.Status.WAITLISTED
        actor = by if getattr(by, "is_authenticated", False) else None
        if existing is not None:
            existing.status, existing.registered_at, existing.registered_by = status, now, actor
            existing.save(update_fields=["status", "registered_at", "registered_by"])
            registration = existing
        else:
            registration = Registration.objects.create(
                session=locked, officer=officer, status=status, registered_at=now, registered_by=actor
            )
        audit.record(
            actor=by,
            action="courses.session_register",
            obj=registration,
            unit=officer.unit,
            object_repr=f"{officer} · {locked.title}",
            after={"status": status},
        )
    return registration


def register_bulk(*, session: TrainingSession, officers, by) -> dict:
    """Register many officers in registration order; beyond capacity they are wait-listed. Idempotent."""
    counts = {"registered": 0, "waitlisted": 0, "unchanged": 0}
    with transaction.atomic():
        TrainingSession.objects.select_for_update().get(pk=session.pk)
        already = set(
            Registration.objects.filter(session=session)
            .exclude(status=Registration.Status.CANCELLED)
            .values_list("officer_id", flat=True)
        )
        for officer in (
            officers.filter(status=Officer.Status.ACTIVE).select_related("unit").order_by("employee_no")
        ):
            if officer.pk in already:
                counts["unchanged"] += 1
                continue
            reg = register(session=session, officer=officer, by=by)
            counts[reg.status] += 1
    return counts


def cancel_registration(*, registration: Registration, by) -> Registration | None:
    """Cancel a place; the first officer on the waiting list takes it. Returns the promoted registration."""
    with transaction.atomic():
        session = TrainingSession.objects.select_for_update().get(pk=registration.session_id)
        registration.refresh_from_db()
        if registration.status == Registration.Status.CANCELLED:
            return None
        freed = registration.status == Registration.Status.REGISTERED
        registration.status = Registration.Status.CANCELLED
        registration.save(update_fields=["status"])
        audit.record(
            actor=by,
            action="courses.session_cancel",
            obj=registration,
            object_repr=f"{registration.officer} · {session.title}",
        )
        promoted = None
        if freed:
            taken = Registration.objects.filter(
                session=session, status=Registration.Status.REGISTERED
            ).count()
            if taken < session.capacity:
                promoted = (
                    Registration.objects.filter(session=session, status=Registration.Status.WAITLISTED)
                    .order_by("registered_at", "id")
                    .first()
                )
                if promoted is not None:
                    promoted.status = Registration.Status.REGISTERED
                    promoted.save(update_fields=["status"])
                    audit.record(
                        actor=None,
                        action="courses.session_promote",
                        obj=promoted,
                        object_repr=f"{promoted.officer} · {session.title}",
                    )
                    _notify(
                        promoted.officer.user,
                        key=f"courses.promoted.{promoted.pk}",
                        title=_("You have a place in %(title)s") % {"title": session.title},
                        body=_("A place became free and you have moved up from the waiting list."),
                        url="",
                    )
    return promoted


def _credit_day(
    *, officer_id: int, day: TrainingDay, status: str, session: TrainingSession, day_count: int
) -> None:
    target = session.hours_for_day(day_count) if status in ATTENDED else Decimal("0")
    sync_hours(
        officer_id=officer_id,
        source_kind=StudyHoursEntry.SourceKind.SESSION_DAY,
        source_id=day.pk,
        target=target,
        description=f"{session.title} {day.date:%Y-%m-%d}",
        earned_on=day.date,
        context_id=session.pk,
    )


def record_attendance(
    *,
    day: TrainingDay,
    statuses: dict[int, str],
    by,
    scores: dict[int, Decimal | None] | None = None,
    now=None,
) -> int:
    """Bulk attendance for one day ({officer id: status}) and optional assessment scores; hours follow."""
    now = now or timezone.now()
    valid = set(AttendanceStatus.values)
    session = day.session
    registered = set(
        Registration.objects.filter(session=session, status=Registration.Status.REGISTERED).values_list(
            "officer_id", flat=True
        )
    )
    for officer_id, status in statuses.items():
        if status not in valid:
            raise CoursesError(_("Unknown attendance status %(s)s.") % {"s": status})
        if officer_id not in registered:
            raise CoursesError(_("Officer %(id)s is not registered for this session.") % {"id": officer_id})
    changed = 0
    day_count = session.days.count()
    with transaction.atomic():
        existing = {a.officer_id: a for a in Attendance.objects.select_for_update().filter(day=day)}
        actor = by if getattr(by, "is_authenticated", False) else None
        for officer_id, status in statuses.items():
            row = existing.get(officer_id)
            if row is not None and row.status == status:
                continue
            if row is None:
                Attendance.objects.create(
                    day=day, officer_id=officer_id, status=status, recorded_by=actor, recorded_at=now
                )
            else:
                row.status, row.recorded_by, row.recorded_at = status, actor, now
                row.save(update_fields=["status", "recorded_by", "recorded_at"])
            _credit_day(officer_id=officer_id, day=day, status=status, session=session, day_count=day_count)
            changed += 1
        for officer_id, score in (scores or {}).items():
            if officer_id not in registered:
                raise CoursesError(
                    _("Officer %(id)s is not registered for this session.") % {"id": officer_id}
                )
            Registration.objects.filter(session=session, officer_id=officer_id).update(assessment_score=score)
        audit.record(
            actor=by,
            action="courses.attendance_record",
            obj=session,
            unit=session.organizer,
            object_repr=f"{session.title} {day.date:%Y-%m-%d}",
            after={
                "day": day.pk,
                "statuses": {str(k): v for k, v in statuses.items()},
                "scores": {str(k): v for k, v in (scores or {}).items()},
            },
        )
        officers = list(Officer.objects.filter(pk__in=set(statuses) | set(scores or {})))
        transaction.on_commit(
            lambda: [
                attendance_recorded.send(sender=Attendance, session=session, officer=o) for o in officers
            ]
        )
    return changed


def _checkin_refused() -> CoursesError:
    # One message for every reason (wrong code, wrong day, not registered, outside the hours), so that a try
    # tells nothing about the code.
    return CoursesError(
        _(
            "Check-in failed. Scan the QR code the organizer shows now, or type the code shown beside it, "
            "during the hours of a training day you are registered for."
        )
    )


def checkin_locked_error() -> CoursesError:
    return CoursesError(
        _("You have used all %(n)d check-in tries for today. Ask the organizer to record your attendance.")
        % {"n": CHECKIN_TRIES_PER_DAY}
    )


def check_in(*, officer: Officer, day: TrainingDay | None, code: str, now=None) -> Attendance:
    """An officer checks in with the code the organizer shows now: on time → present, after the start → late.

    Registration and the day's hours are checked before the code, every failure gives the same error, and an
    officer gets CHECKIN_TRIES_PER_DAY failed tries per calendar day; after that even the right code is refused.
    """
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    tries, _c = CheckInTries.objects.get_or_create(officer=officer, date=today)
    # Take a try before looking at anything (a conditional UPDATE, so parallel requests cannot share the last
    # one); a successful try is given back below.
    if not CheckInTries.objects.filter(pk=tries.pk, failed__lt=CHECKIN_TRIES_PER_DAY).update(
        failed=F("failed") + 1
    ):
        raise checkin_locked_error()
    accepted = (
        day is not None
        and day.date == today
        and day.checkin_is_open(now)
        and day.session.status not in (TrainingSession.Status.DRAFT, TrainingSession.Status.CANCELLED)
        and Registration.objects.filter(
            session_id=day.session_id, officer=officer, status=Registration.Status.REGISTERED
        ).exists()
        and day.checkin_code_matches(code, now)
    )
    if not accepted:
        failed = CheckInTries.objects.values_list("failed", flat=True).get(pk=tries.pk)
        if failed >= CHECKIN_TRIES_PER_DAY:
            with transaction.atomic():
                if CheckInTries.objects.filter(pk=tries.pk, locked_at__isnull=True).update(locked_at=now):
                    audit.record(
                        actor=officer.user,
                        action="courses.check_in_locked",
                        obj=officer,
                        unit=officer.unit,
                        object_repr=f"{officer} · {today:%Y-%m-%d}",
                        after={"date": today, "failed": failed, "day": day.pk if day is not None else None},
                    )
            raise checkin_locked_error()
        raise _checkin_refused()
    CheckInTries.objects.filter(pk=tries.pk, failed__gt=0).update(failed=F("failed") - 1)
    session = day.session
    local = timezone.localtime(now)
    status = AttendanceStatus.PRESENT if local.time() <= day.start else AttendanceStatus.LATE
    with transaction.atomic():
        row = Attendance.objects.select_for_update().filter(day=day, officer=officer).first()
        if row is not None:
            return row
        row = Attendance.objects.create(
            day=day, officer=officer, status=status, checked_in_at=now, recorded_at=now
        )
        _credit_day(
            officer_id=officer.pk, day=day, status=status, session=session, day_count=session.days.count()
        )
        audit.record(
            actor=officer.user,
            action="courses.check_in",
            obj=row,
            unit=officer.unit,
            object_repr=f"{officer} · {session.title} {day.date:%Y-%m-%d}",
            after={"status": status, "checked_in_at": now},
        )
        transaction.on_commit(
            lambda: attendance_recorded.send(sender=Attendance, session=session, officer=officer)
        )
    return row


# --- reminders ------------------------------------------------------------------------------------------------------------


def _notify(user, *, key: str, title: str, body: str, url: str) -> bool:
    """One in-app notice (and an email when the user has an address); never twice for the same key."""
    if user is None:
        return False
    notice, created = Notification.objects.get_or_create(
        recipient=user, key=key, defaults={"title": title[:200], "body": body, "url": url[:300]}
    )
    if created and user.email:
        send_mail(title, f"{body}\n\n{url}".strip(), None, [user.email], fail_silently=True)
        Notification.objects.filter(pk=notice.pk).update(emailed=True)
    return created


def send_reminders(*, today: datetime.date | None = None, days_ahead: int | None = None) -> dict:
    """Due-soon and overdue notices to learners, and an overdue summary to each unit leader whose scope covers
    the officer. Keys make each notice unique, so running this twice (or daily) never repeats one."""
    from django.contrib.auth import get_user_model

    from cms.selectors import scope_unit

    today = today or timezone.localdate()
    days_ahead = _due_soon_days() if days_ahead is None else days_ahead
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    counts = {"due_soon": 0, "overdue": 0, "leader_summaries": 0}
    open_enrolments = Enrolment.objects.filter(
        completed_at__isnull=True,
        due_date__isnull=False,
        officer__status=Officer.Status.ACTIVE,
        officer__user__isnull=False,
        course__live=True,
    )
    soon = open_enrolments.filter(
        due_date__gte=today, due_date__lte=today + datetime.timedelta(days=days_ahead)
    )
    for e in soon.select_related("officer__user", "course"):
        if _notify(
            e.officer.user,
            key=f"courses.due_soon.{e.pk}.{e.due_date:%Y%m%d}",
            title=_("Course due soon: %(title)s") % {"title": e.course.title},
            body=_("Please complete the course by %(date)s.") % {"date": e.due_date.isoformat()},
            url=base + e.course.url,
        ):
            counts["due_soon"] += 1
    overdue = list(
        open_enrolments.filter(due_date__lt=today).select_related("officer__user", "officer__unit", "course")
    )
    for e in overdue:
        if _notify(
            e.officer.user,
            key=f"courses.overdue.{e.pk}.{e.due_date:%Y%m%d}",
            title=_("Course overdue: %(title)s") % {"title": e.course.title},
            body=_("The course was due on %(date)s. Please complete it as soon as possible.")
            % {"date": e.due_date.isoformat()},
            url=base + e.course.url,
        ):
            counts["overdue"] += 1
    if overdue:
        leaders = get_user_model().objects.filter(groups__name="unit_leader", is_active=True).distinct()
        for leader in leaders:
            root = scope_unit(leader)
            if root is None:
                continue
            mine = sorted(
                (e for e in overdue if e.officer.unit.path.startswith(root.path)), key=lambda e: e.pk
            )
            if not mine:
                continue
            digest = hashlib.sha1(",".join(str(e.pk) for e in mine).encode()).hexdigest()[:16]
            lines = [
                f"{e.officer.name}（{e.officer.unit.name}）· {e.course.title} · {e.due_date:%Y-%m-%d}"
                for e in mine
            ]
            if _notify(
                leader,
                key=f"courses.overdue_summary.{digest}",
                title=_("%(n)d overdue course enrolment(s) in %(unit)s")
                % {"n": len(mine), "unit": root.name},
                body="\n".join(lines),
                url=f"{base}/admin/courses/progress/",
            ):
                counts["leader_summaries"] += 1
    return counts


def ensure_schedules() -> None:
    """The daily reminder schedule (idempotent; also created by migration 0002)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="courses-reminders",
        defaults={"func": "courses.tasks.send_reminders", "schedule_type": Schedule.DAILY, "repeats": -1},
    )
