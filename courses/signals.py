"""Signals courses sends so higher apps (mentorship, analytics) can react without importing upward."""

from django.dispatch import Signal

# Sent once when an enrolment becomes complete. kwargs: enrolment, officer, course
course_completed = Signal()

# Sent after attendance or an assessment score is recorded. kwargs: session, officer
attendance_recorded = Signal()
