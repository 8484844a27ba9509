"""Roster rows: each data row parsed and checked on its own into a RosterRow (one employment spell)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from openpyxl.utils.datetime import from_excel

from cms.roster.errors import RosterError, RosterFileError
from cms.roster.files import (
    COMPACT_DATE_RE,
    DATE_RE,
    EDUCATIONS,
    GENDERS,
    LEAVE_REASONS,
    MAX_LENGTHS,
    MAX_UNIT_DEPTH,
    PHONE_RE,
    SPECIALTY_MAX,
    SPECIALTY_SPLIT,
    STAFF_CATEGORIES,
    UNIT_NAME_MAX,
    UNIT_SPLIT,
    Table,
    _is_blank,
    map_header,
)


@dataclass(frozen=True)
class RosterRow:
    row: int
    employee_no: str
    name: str
    unit_path: tuple[str, ...]
    unit_code: str | None
    staff_category: str
    hire_date: datetime.date
    leave_date: datetime.date | None
    leave_reason: str
    # Officer-level values: None means "not given" (the stored value is kept).
    specialties: tuple[str, ...] | None = None
    phone: str | None = None
    education: str | None = None
    gender: str | None = None
    email: str | None = None

    @property
    def unit_text(self) -> str:
        return "/".join(self.unit_path)

    def content(self) -> tuple:
        """Everything but the row number: two rows with equal content are duplicates."""
        return (
            self.employee_no,
            self.name,
            self.unit_path,
            self.unit_code,
            self.staff_category,
            self.hire_date,
            self.leave_date,
            self.leave_reason,
            self.specialties,
            self.phone,
            self.education,
            self.gender,
            self.email,
        )


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time(0) else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip().replace("\u3000", " ").strip()


def parse_date(value) -> datetime.date | None:
    """A date from an Excel date cell, an Excel serial number or text like 2024-03-01, 2024/3/1, 2024年3月1日.

    Raises ValueError when the value is not a date; returns None for a blank cell."""
    if _is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel serial day numbers (1900 date system)
            result = from_excel(value)
            return result.date() if isinstance(result, datetime.datetime) else result
        raise ValueError(value)
    text = _text(value)
    match = DATE_RE.match(text) or COMPACT_DATE_RE.match(text)
    if not match:
        raise ValueError(text)
    year, month, day = (int(g) for g in match.groups())
    return datetime.date(year, month, day)


def _choice_lookup(choices: dict[str, tuple[str, ...]]) -> dict[str, str]:
    lookup = {}
    for code, labels in choices.items():
        for label in (code, *labels):
            lookup[label.strip().lower()] = code
    return lookup


CATEGORY_LOOKUP = _choice_lookup(STAFF_CATEGORIES)
REASON_LOOKUP = _choice_lookup(LEAVE_REASONS)
EDUCATION_LOOKUP = _choice_lookup(EDUCATIONS)
GENDER_LOOKUP = _choice_lookup(GENDERS)


def _allowed(choices: dict[str, tuple[str, ...]]) -> str:
    return ", ".join(f"{labels[0]}/{code}" for code, labels in choices.items())


def split_specialties(text: str) -> tuple[str, ...]:
    names = []
    for part in SPECIALTY_SPLIT.split(text):
        part = part.strip()
        if part and part not in names:
            names.append(part)
    return tuple(sorted(names))


def parse_rows(table: Table) -> tuple[list[RosterRow], list[RosterError], int]:
    """Rows that parsed cleanly, the errors of the others, and the number of data rows read.

    Blank rows and rows whose employee number starts with "#" (comments, e.g. the template's instruction
    row) are skipped."""
    indexes, labels = map_header(table.header)
    parsed: list[RosterRow] = []
    errors: list[RosterError] = []
    count = 0
    for row_no, cells in table.rows:
        if all(_is_blank(c) for c in cells):
            continue
        cell = _cell_reader(indexes, cells)
        if _text(cell("employee_no")).startswith("#"):
            continue
        count += 1
        row, row_errors = parse_row(row_no, cell, indexes, labels)
        if row_errors:
            errors.extend(row_errors)
        else:
            parsed.append(row)
    if count == 0:
        raise RosterFileError([RosterError(None, "no_rows")])
    return parsed, errors, count


def _cell_reader(indexes: dict[str, int], cells: list):
    def cell(key):
        index = indexes.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    return cell


def parse_row(row_no: int, cell, indexes: dict[str, int], labels: dict[str, str]):
    """One data row: (the RosterRow, []) or (None, its errors). `cell(key)` reads the row's cell of a column."""
    row_errors: list[RosterError] = []

    def err(error_code, /, **params):
        row_errors.append(RosterError(row_no, error_code, params))

    values = {}
    for key in ("employee_no", "name", "unit", "staff_category"):
        values[key] = _text(cell(key))
        if not values[key]:
            err("required", column=labels[key])
    for key, limit in MAX_LENGTHS.items():
        if key in indexes and len(_text(cell(key))) > limit:
            err("too_long", column=labels[key], max=limit)

    dates = {}
    for key in ("hire_date", "leave_date"):
        raw = cell(key)
        try:
            dates[key] = parse_date(raw)
        except (ValueError, OverflowError):
            dates[key] = None
            err("bad_date", column=labels[key], value=_text(raw))
        else:
            if key == "hire_date" and dates[key] is None:
                err("required", column=labels[key])
    bad_leave_date = (
        "leave_date" in indexes and dates["leave_date"] is None and not _is_blank(cell("leave_date"))
    )

    category = ""
    if values["staff_category"]:
        category = CATEGORY_LOOKUP.get(values["staff_category"].lower(), "")
        if not category:
            err("unknown_category", value=values["staff_category"], allowed=_allowed(STAFF_CATEGORIES))

    reason_text = _text(cell("leave_reason"))
    reason = ""
    if reason_text:
        reason = REASON_LOOKUP.get(reason_text.lower(), "")
        if not reason:
            err("unknown_reason", value=reason_text, allowed=_allowed(LEAVE_REASONS))

    hire, leave = dates["hire_date"], dates["leave_date"]
    if hire and leave and leave < hire:
        err("leave_before_hire", leave=leave.isoformat(), hire=hire.isoformat())
    if leave and not reason_text:
        err("leave_without_reason")
    if reason_text and not leave and not bad_leave_date:
        err("reason_without_leave")

    unit_path: tuple[str, ...] = ()
    if values["unit"]:
        unit_path = tuple(UNIT_SPLIT.split(values["unit"].strip("/／ ")))
        if any(not part for part in unit_path):
            err("unit_empty_level", value=values["unit"])
        elif len(unit_path) > MAX_UNIT_DEPTH:
            err("unit_too_deep", value=values["unit"])
        elif any(len(part) > UNIT_NAME_MAX for part in unit_path):
            err("too_long", column=labels["unit"], max=UNIT_NAME_MAX)

    specialties = None
    if "specialties" in indexes and _text(cell("specialties")):
        specialties = split_specialties(_text(cell("specialties")))
        if any(len(s) > SPECIALTY_MAX for s in specialties):
            err("too_long", column=labels["specialties"], max=SPECIALTY_MAX)

    phone = _text(cell("phone")) or None
    if phone and not PHONE_RE.match(phone):
        err("bad_phone", value=phone)

    education = None
    if _text(cell("education")):
        education = EDUCATION_LOOKUP.get(_text(cell("education")).lower())
        if education is None:
            err("unknown_education", value=_text(cell("education")), allowed=_allowed(EDUCATIONS))

    gender = None
    if _text(cell("gender")):
        gender = GENDER_LOOKUP.get(_text(cell("gender")).lower())
        if gender is None:
            err("unknown_gender", value=_text(cell("gender")))

    email = _text(cell("email")) or None
    if email:
        try:
            validate_email(email)
        except ValidationError:
            err("bad_email", value=email)

    if row_errors:
        return None, row_errors
    return RosterRow(
        row=row_no,
        employee_no=values["employee_no"],
        name=values["name"],
        unit_path=unit_path,
        unit_code=_text(cell("unit_code")) or None,
        staff_category=category,
        hire_date=hire,
        leave_date=leave,
        leave_reason=reason,
        specialties=specialties,
        phone=phone,
        education=education,
        gender=gender,
        email=email,
    ), []
