"""Writes for people and units, by topic; every public name is re-exported here so callers import from
`cms.services`.

- `cms.services.officers`: officers and employment spells (`officer_save`, the one write path, and the spell
  services built on it).
- the roster import lives in its own package: `cms.roster.apply` (checking and applying a file) and
  `cms.roster.task` (the admin screen's steps as tasks).

Services are keyword-only, take the acting user, run in one transaction and write the audit records there.
"""

from cms.roster.apply import (
    PREVIEW_ROWS,
    RosterImportResult,
    apply_plan,
    can_import_roster,
    roster_import,
    roster_scope,
)
from cms.roster.files import MAX_BYTES as MAX_ROSTER_BYTES
from cms.roster.files import read_table
from cms.roster.task import (
    RosterNotConfirmable,
    roster_confirm,
    roster_dry_run,
    roster_run,
    roster_upload,
)
from cms.services.officers import (
    officer_save,
    officer_snapshot,
    officer_transfer,
    spell_close,
    spell_create,
    spell_snapshot,
)

__all__ = [
    "MAX_ROSTER_BYTES",
    "PREVIEW_ROWS",
    "RosterImportResult",
    "RosterNotConfirmable",
    "apply_plan",
    "can_import_roster",
    "officer_save",
    "officer_snapshot",
    "officer_transfer",
    "read_table",
    "roster_confirm",
    "roster_dry_run",
    "roster_import",
    "roster_run",
    "roster_scope",
    "roster_upload",
    "spell_close",
    "spell_create",
    "spell_snapshot",
]
