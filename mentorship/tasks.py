"""django-q2 tasks for mentoring: thin and idempotent, taking ids."""

from mentorship import reminders, services
from mentorship.models import Apprenticeship


def evaluate_apprenticeship(apprenticeship_id: int) -> int:
    return services.evaluate(apprenticeship_id=apprenticeship_id)


def nightly_sweep() -> dict:
    """Re-evaluate every running apprenticeship (catches min-days and anything a signal missed), then remind."""
    advanced = 0
    for pk in Apprenticeship.objects.filter(status=Apprenticeship.Status.IN_PROGRESS).values_list(
        "pk", flat=True
    ):
        advanced += services.evaluate(apprenticeship_id=pk)
    return {"advanced": advanced, "reminders": reminders.send_due_reminders()}
