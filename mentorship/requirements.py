"""What mentoring asks of the lower apps: has an officer completed a course, attended a session, passed an exam.

Kept in one module so the stage engine has a single seam to courses and exams.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Q

from courses.models import ATTENDED, Attendance, AttendanceStatus, Enrolment, Registration, TrainingDay
from courses.services import enrol
from exams.models import Attempt, Qualification


def course_completed(officer_id: int, course_id: int) -> bool:
    return Enrolment.objects.filter(
        officer_id=officer_id, course_id=course_id, completed_at__isnull=False
    ).exists()


def session_passed(officer_id: int, session_id: int, min_score: Decimal | None) -> bool:
    """Attended every day of the session (an excused day does not count against) and, if asked, scored enough."""
    day_ids = set(TrainingDay.objects.filter(session_id=session_id).values_list("pk", flat=True))
    marks = dict(
        Attendance.objects.filter(day_id__in=day_ids, officer_id=officer_id).values_list("day_id", "status")
    )
    if not day_ids or set(marks) != day_ids:
        return False
    if any(s not in ATTENDED and s != AttendanceStatus.EXCUSED for s in marks.values()):
        return False
    if not any(s in ATTENDED for s in marks.values()):
        return False
    if min_score is None:
        return True
    score = (
        Registration.objects.filter(
            session_id=session_id, officer_id=officer_id, status=Registration.Status.REGISTERED
        )
        .values_list("assessment_score", flat=True)
        .first()
    )
    return score is not None and score >= min_score


def exam_passed(officer_id: int, exam_id: int) -> bool:
    return Attempt.objects.filter(officer_id=officer_id, exam_id=exam_id, passed=True, is_mock=False).exists()


def qualified_officer_ids(officer_ids, today: datetime.date) -> set[int]:
    return set(
        Qualification.objects.filter(officer_id__in=list(officer_ids), status=Qualification.Status.VALID)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .values_list("officer_id", flat=True)
    )


def enrol_in_courses(*, officer, courses, by, due_on: datetime.date | None) -> None:
    for course in courses:
        enrol(officer=officer, course=course, by=by, source=Enrolment.Source.PROGRAMME, due_date=due_on)
