"""The roster import (花名册导入), one package: `files` reads a .csv/.xlsx file and knows the columns, `rows` parses
and checks each row, `stored` reads what the file is compared against, `plan` checks the file as a whole and plans
the changes officer by officer, `apply` writes a plan in one transaction, `task` runs the admin screen's steps as
django-q2 tasks, `admin` holds those screens and `models` the RosterImport record.

This module re-exports the pure parts (files, rows, plan); import the others from their modules (they need the
ORM, and cms.models imports cms.roster.models while the app registry is still loading).
"""

from cms.roster.errors import MESSAGES, RosterError, RosterFileError, error_message, format_error
from cms.roster.files import (
    COLUMNS,
    EDUCATIONS,
    GENDERS,
    LEAVE_REASONS,
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_ROWS,
    REQUIRED_COLUMNS,
    STAFF_CATEGORIES,
    Table,
    decode_csv,
    map_header,
    read_table,
)
from cms.roster.plan import NewUnit, OfficerPlan, Plan, Scope, SpellPlan, plan_import, row_changes
from cms.roster.rows import RosterRow, parse_date, parse_rows, split_specialties

__all__ = [
    "COLUMNS",
    "EDUCATIONS",
    "GENDERS",
    "LEAVE_REASONS",
    "MAX_BYTES",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "MESSAGES",
    "REQUIRED_COLUMNS",
    "STAFF_CATEGORIES",
    "NewUnit",
    "OfficerPlan",
    "Plan",
    "RosterError",
    "RosterFileError",
    "RosterRow",
    "Scope",
    "SpellPlan",
    "Table",
    "decode_csv",
    "error_message",
    "format_error",
    "map_header",
    "parse_date",
    "parse_rows",
    "plan_import",
    "read_table",
    "row_changes",
    "split_specialties",
]
