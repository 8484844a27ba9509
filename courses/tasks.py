"""django-q2 tasks of courses: thin and idempotent (notices are keyed, so a re-run sends nothing twice)."""

from courses import services


def send_reminders(days_ahead: int | None = None) -> dict:
    return services.send_reminders(days_ahead=days_ahead)
