"""django-q2 tasks for cms: thin, idempotent, take ids."""

from cms import services


def run_roster_dry_run(roster_import_id: int) -> bool:
    """Check an uploaded roster file and store the preview (safe to deliver twice: a checked file is left alone)."""
    return services.roster_dry_run(roster_import_id=roster_import_id).can_confirm


def run_roster_import(roster_import_id: int) -> str:
    """Apply a confirmed roster import (safe to deliver twice: a finished import is left alone)."""
    return services.roster_run(roster_import_id=roster_import_id).status
