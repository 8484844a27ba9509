"""Signals exams sends so higher apps (courses, mentorship, analytics) can react without importing upward."""

from django.dispatch import Signal

# Sent after an attempt's result is final (auto-graded, or marking complete, or regraded).
# kwargs: attempt, officer, exam, score (Decimal, points), percent (float 0–100), passed (bool)
attempt_finalized = Signal()

# Sent after a qualification is issued. kwargs: qualification, officer, exam
qualification_issued = Signal()
