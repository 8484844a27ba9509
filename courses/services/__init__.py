"""State changes of courses: enrolment, lesson progress and completion, knowledge checks, training-session
registration and attendance, the study-hours ledger and reminders. Keyword-only; one transaction each.

One module per topic; every name callers use is re-exported here, so `from courses import services` keeps
working."""

from courses.services.attendance import check_in, checkin_locked_error, record_attendance
from courses.services.checks import answer_check
from courses.services.enrolment import enrol, enrol_category, enrol_officers, enrol_units, self_enrol
from courses.services.errors import CoursesError
from courses.services.hours import sync_hours
from courses.services.progress import (
    HEARTBEAT_CAP,
    IDLE_LIMIT,
    HeartbeatResult,
    evaluate_enrolment,
    heartbeat,
    lesson_opened,
    on_attempt_finalized,
)
from courses.services.reminders import send_reminders
from courses.services.sessions import cancel_registration, register, register_bulk

__all__ = [
    "HEARTBEAT_CAP",
    "IDLE_LIMIT",
    "CoursesError",
    "HeartbeatResult",
    "answer_check",
    "cancel_registration",
    "check_in",
    "checkin_locked_error",
    "enrol",
    "enrol_category",
    "enrol_officers",
    "enrol_units",
    "evaluate_enrolment",
    "heartbeat",
    "lesson_opened",
    "on_attempt_finalized",
    "record_attendance",
    "register",
    "register_bulk",
    "self_enrol",
    "send_reminders",
    "sync_hours",
]
