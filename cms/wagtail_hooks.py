"""Registers cms's audit actions with Wagtail's log registry (more admin screens are added by the admin work)."""

from wagtail import hooks

from cms.audit import ACTION_LABELS


@hooks.register("register_log_actions")
def register_audit_actions(actions):
    for code, label in ACTION_LABELS.items():
        actions.register_action(code, label, label)

# Admin screens live in their own modules; importing them registers their hooks.
from cms import admin_roster  # noqa: E402,F401
from cms import admin_views  # noqa: E402,F401
