"""Registers cms's audit actions with Wagtail's log registry; the admin screens live in their own modules, and
importing them here registers their hooks."""

from wagtail import hooks

from cms import admin_roster, admin_views  # noqa: F401
from cms.admin_views import sign_in  # noqa: F401  (joins the people menu)
from cms.audit import ACTION_LABELS


@hooks.register("register_log_actions")
def register_audit_actions(actions):
    for code, label in ACTION_LABELS.items():
        actions.register_action(code, label, label)
