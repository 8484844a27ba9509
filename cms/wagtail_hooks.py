"""cms's admin registrations: the audit actions join Wagtail's log registry; importing the screen modules
registers their viewsets (the people menu group collects them)."""

from wagtail import hooks

from cms import admin_views  # noqa: F401
from cms.actions import ACTION_LABELS
from cms.admin_views import sign_in  # noqa: F401  (joins the people menu)
from cms.roster import admin as roster_admin  # noqa: F401


@hooks.register("register_log_actions")
def register_audit_actions(actions):
    for code, label in ACTION_LABELS.items():
        actions.register_action(code, label, label)
