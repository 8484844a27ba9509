"""django-q2 tasks for cms: thin, idempotent, take ids. Queued under these dotted names; they live with the roster
import (cms.roster.task)."""

from cms.roster.task import run_roster_dry_run, run_roster_import

__all__ = ["run_roster_dry_run", "run_roster_import"]
