"""Audit action codes and their translated labels: a leaf module (no models, no services) that the audit helper,
the AuditEvent model and every app's integration read. Apps add theirs through `cms.extensions`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

# action code → translated label
ACTION_LABELS: dict[str, Any] = {
    "cms.roster_import": _("Imported roster"),
    "cms.officer_create": _("Created officer"),
    "cms.officer_update": _("Updated officer"),
    "cms.spell_create": _("Created employment spell"),
    "cms.spell_update": _("Updated employment spell"),
    "cms.role_grant": _("Granted role"),
    "cms.role_revoke": _("Revoked role"),
    "cms.scope_change": _("Changed staff scope"),
    "cms.password_set": _("Set password"),
    "cms.password_reset": _("Reset password by e-mail link"),
    "cms.email_change": _("Changed e-mail address"),
    "cms.email_change_held": _("Held an e-mail change until its holder confirms"),
    "cms.login_unlock": _("Cleared failed sign-ins"),
    "cms.login": _("Log in"),
    "cms.login_failed": _("Failed login"),
    "cms.demo_seed": _("Loaded demo data"),
}


def register_actions(labels: dict[str, Any]) -> None:
    ACTION_LABELS.update(labels)


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))
