"""What analytics contributes to the cms shell, registered through cms.extensions from AnalyticsConfig.ready():
the audit label of appointment decisions, the nightly dashboard snapshot schedule and the demo selection board."""

from django.utils.translation import gettext_lazy as _

from analytics import schedules
from cms import extensions

AUDIT_ACTIONS = {"analytics.appointment_decision": _("Recorded appointment decision")}


def register() -> None:
    extensions.audit_actions(AUDIT_ACTIONS)
    extensions.schedules(schedules.SCHEDULES)
    extensions.demo_seed("analytics.demo", seed=20260105)
