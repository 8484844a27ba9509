"""django-q2 tasks for exams: thin, idempotent, take ids. The work is in exams.services."""

from __future__ import annotations

from exams import services


def auto_submit_attempt(attempt_id: int) -> bool:
    """Run by the one-off schedule at an attempt's deadline (+ grace): submits it if the examinee never did."""
    return services.finalize_if_overdue(attempt_id=attempt_id)


def sweep_overdue_attempts() -> int:
    """Periodic safety net for schedules that were lost (e.g. a broker outage)."""
    return services.sweep_overdue_attempts()


def send_qualification_reminders() -> int:
    return services.send_expiry_reminders()


def check_import_job(job_id: int) -> None:
    """The dry run of an uploaded question file (services.check_import_job)."""
    services.check_import_job(job_id)


def run_import_job(job_id: int) -> None:
    """Import an uploaded, already previewed question file (services.run_import_job)."""
    services.run_import_job(job_id)
