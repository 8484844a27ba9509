"""Attendance of training days: the organizer's bulk record (with assessment scores) and the officer's own
check-in with the rotating code; study hours follow every change."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cms import audit
from cms.models import Officer
from courses.models import (
    ATTENDED,
    CHECKIN_TRIES_PER_DAY,
    Attendance,
    AttendanceStatus,
    CheckInTries,
    Registration,
    StudyHoursEntry,
    TrainingDay,
    TrainingSession,
)
from courses.services.errors import CoursesError
from courses.services.hours import sync_hours
from courses.signals import attendance_recorded


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
            raise CoursesError(_("Unknown attendance status %(s)s.") % {"s": status}, code="unknown_status")
        if officer_id not in registered:
            raise CoursesError(
                _("Officer %(id)s is not registered for this session.") % {"id": officer_id},
                code="not_registered",
            )
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
                    _("Officer %(id)s is not registered for this session.") % {"id": officer_id},
                    code="not_registered",
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
        ),
        code="checkin_refused",
    )


def checkin_locked_error() -> CoursesError:
    return CoursesError(
        _("You have used all %(n)d check-in tries for today. Ask the organizer to record your attendance.")
        % {"n": CHECKIN_TRIES_PER_DAY},
        code="checkin_locked",
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
