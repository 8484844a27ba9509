"""Roster errors: stable codes with their parameters, translated only when shown (stored reports stay neutral)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "file_type": _("Unsupported file type “%(name)s”: upload a .xlsx or .csv file."),
    "file_unreadable": _("The file could not be read as %(kind)s: %(detail)s"),
    "no_header": _("The file is empty: no header row found."),
    "no_rows": _("The file has no data rows."),
    "too_large": _("The file is larger than %(max)s MB."),
    "too_many_rows": _("The file has more than %(max)s rows below the header; split it into several files."),
    "too_many_columns": _("The header row has more than %(max)s columns."),
    "unpacked_too_large": _("The workbook unpacks to more than %(max)s MB."),
    "dry_run_crashed": _(
        "The file could not be checked because of an unexpected error; please try again or ask an administrator."
    ),
    "unknown_column": _("Unknown column “%(column)s” (column %(index)s). Known columns: %(known)s."),
    "missing_column": _("Required column “%(column)s” is missing."),
    "duplicate_column": _("Column “%(column)s” appears more than once."),
    "no_scope": _("Your account has no unit in charge, so it cannot import any rows."),
    "not_allowed": _("The account that uploaded this file may no longer import rosters."),
    "required": _("“%(column)s” is required."),
    "too_long": _("“%(column)s” is longer than %(max)s characters."),
    "bad_date": _(
        "“%(column)s” value “%(value)s” is not a date (write 2024-03-01, 2024/3/1 or 2024年3月1日)."
    ),
    "unknown_category": _("Unknown staff category “%(value)s” (expected one of: %(allowed)s)."),
    "unknown_reason": _("Unknown leave reason “%(value)s” (expected one of: %(allowed)s)."),
    "unknown_education": _("Unknown education “%(value)s” (expected one of: %(allowed)s)."),
    "unknown_gender": _("Unknown gender “%(value)s” (expected 男 or 女)."),
    "bad_email": _("“%(value)s” is not a valid email address."),
    "bad_phone": _("“%(value)s” is not a valid phone number."),
    "leave_before_hire": _("The leave date %(leave)s is earlier than the hire date %(hire)s."),
    "leave_without_reason": _("A leave date is given without a leave reason."),
    "reason_without_leave": _("A leave reason is given without a leave date."),
    "unit_too_deep": _("Unit “%(value)s” has more than 3 levels (city/district/street)."),
    "unit_empty_level": _("Unit “%(value)s” has an empty level."),
    "unit_code_taken": _("Unit code %(code)s already belongs to “%(other)s”, not to “%(value)s”."),
    "unit_code_mismatch": _("Unit “%(value)s” has the code %(stored)s, not %(code)s."),
    "unit_code_conflict": _(
        "Unit “%(value)s” has the code %(code)s here but %(other)s in row %(other_row)s."
    ),
    "duplicate_row": _("Duplicate of row %(other_row)s."),
    "duplicate_spell": _(
        "Employee number %(employee_no)s has another row with the same hire date %(hire)s (row %(other_row)s)."
    ),
    "name_mismatch": _(
        "Name “%(name)s” differs from “%(other)s” given for employee number %(employee_no)s in row %(other_row)s."
    ),
    "overlap_file": _(
        "This spell (%(hire)s – %(leave)s) overlaps the spell in row %(other_row)s (%(other_hire)s – %(other_leave)s)."
    ),
    "overlap_stored": _(
        "This spell (%(hire)s – %(leave)s) overlaps the stored spell %(other_hire)s – %(other_leave)s of "
        "employee number %(employee_no)s, which the file does not include."
    ),
    "several_open": _(
        "Employee number %(employee_no)s has more than one current spell (no leave date): rows %(rows)s."
    ),
    "several_open_stored": _(
        "Employee number %(employee_no)s already has a current spell since %(other_hire)s that the file does not "
        "include; a person can have only one current spell."
    ),
    "out_of_scope_unit": _("Unit “%(value)s” is outside the units you are in charge of (%(scope)s)."),
    "out_of_scope_officer": _(
        "Employee number %(employee_no)s belongs to an officer outside the units you are in charge of."
    ),
    "username_taken": _(
        "A user account named “%(username)s” already exists and is not linked to employee number %(employee_no)s."
    ),
}


@dataclass(frozen=True)
class RosterError:
    row: int | None
    code: str
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return error_message(self.code, self.params)

    def as_dict(self) -> dict:
        return {"row": self.row, "code": self.code, "params": self.params}


def error_message(code: str, params: dict) -> str:
    """The translated text of an error (errors are stored as code + params and translated when shown)."""
    template = MESSAGES.get(code)
    if template is None:
        return code
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


def format_error(error: dict | RosterError) -> str:
    if isinstance(error, RosterError):
        error = error.as_dict()
    message = error_message(error["code"], error.get("params") or {})
    if error.get("row"):
        return gettext("Row %(row)s: %(message)s") % {"row": error["row"], "message": message}
    return message


class RosterFileError(Exception):
    """The file as a whole cannot be read (wrong type, no header, unknown columns)."""

    def __init__(self, errors: list[RosterError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors
