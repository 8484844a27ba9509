"""What analytics contributes to the cms shell, registered through cms.extensions from AnalyticsConfig.ready():
the audit label of appointment decisions, the nightly dashboard snapshot schedule and the demo selection board."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from analytics import schedules, selectors
from analytics.models import AppointmentDecision
from cms import extensions
from mentorship.models import Apprenticeship

AUDIT_ACTIONS = {"analytics.appointment_decision": _("Recorded appointment decision")}


def awaiting_decision_figure(user, root):
    """待决定: apprentices of the subtree who finished their programme and have no appointment decision yet."""
    count = (
        Apprenticeship.objects.filter(
            status=Apprenticeship.Status.COMPLETED, officer__unit__path__startswith=root.path
        )
        .exclude(officer__in=AppointmentDecision.objects.values("officer"))
        .values("officer")
        .distinct()
        .count()
    )
    url = reverse("analytics:board_index") if selectors.can_view_hr_analytics(user) else None
    return extensions.DashboardFigure(
        "awaiting_decision", _("Awaiting an appointment decision"), count, url, order=30
    )


def register() -> None:
    extensions.audit_actions(AUDIT_ACTIONS)
    extensions.schedules(schedules.SCHEDULES)
    extensions.demo_seed("analytics.demo", seed=20260105)
    extensions.dashboard_figure(awaiting_decision_figure)
