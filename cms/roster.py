"""Roster files (花名册): reading CSV/XLSX, parsing rows into employment spells, and planning an import.

Everything here is pure (no ORM) except `load_stored_state`, which fetches in a few bulk queries what a plan is
compared against. `cms.services.roster_import` applies a plan; the command and the admin screen call that.

One row is one employment spell; rows sharing an employee number are that person's spells. Row numbers are the
ones the user sees in Excel (the header row is usually row 1).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cms.spreadsheets import SheetTooLarge, bounded_rows, read_xlsx

MAX_UNIT_DEPTH = 3
UNIT_KINDS = {1: "city", 2: "district", 3: "street"}

# key → (English header, Chinese header, required, extra accepted spellings)
COLUMNS: dict[str, tuple[str, str, bool, tuple[str, ...]]] = {
    "employee_no": ("employee_no", "工号", True, ("员工编号", "员工号", "employee_number")),
    "name": ("name", "姓名", True, ()),
    "unit": ("unit", "单位", True, ("所属单位",)),
    "staff_category": ("staff_category", "人员类别", True, ("category", "类别")),
    "hire_date": ("hire_date", "入职日期", True, ()),
    "leave_date": ("leave_date", "离职日期", False, ()),
    "leave_reason": ("leave_reason", "离职原因", False, ()),
    "specialties": ("specialties", "特长", False, ("specialty", "专业特长")),
    "phone": ("phone", "手机号", False, ("手机", "手机号码", "电话", "联系电话", "mobile")),
    "education": ("education", "学历", False, ()),
    "gender": ("gender", "性别", False, ("sex",)),
    "email": ("email", "邮箱", False, ("电子邮箱", "e-mail", "e_mail")),
    "unit_code": ("unit_code", "单位编码", False, ("单位代码",)),
}
REQUIRED_COLUMNS = [key for key, spec in COLUMNS.items() if spec[2]]

STAFF_CATEGORIES = {
    "civil_servant": ("在编公务员", "公务员", "Civil servant"),
    "full_time": ("专职安监员", "专职", "Full-time safety officer"),
    "auxiliary": ("辅助执法人员", "辅助执法", "Auxiliary enforcement staff"),
}
LEAVE_REASONS = {
    "resigned": ("辞职", "Resigned"),
    "dismissed": ("解聘", "Dismissed"),
    "contract_ended": ("合同到期", "Contract ended"),
    "retired": ("退休", "Retired"),
    "transferred_out": ("调出(系统外)", "调出（系统外）", "调出", "Transferred out (outside the system)"),
    "internal_transfer": ("内部调动", "Internal transfer"),
    "other": ("其他", "其它", "Other"),
}
EDUCATIONS = {
    "high_school": ("高中/中专", "高中", "中专", "High school / vocational school"),
    "college": ("大专", "专科", "Junior college"),
    "bachelor": ("本科", "Bachelor's degree", "Bachelor"),
    "master": ("硕士研究生", "硕士", "研究生", "Master's degree", "Master"),
    "doctor": ("博士研究生", "博士", "Doctorate", "Doctor"),
}
GENDERS = {"M": ("男", "male", "m"), "F": ("女", "female", "f")}

SPECIALTY_SPLIT = re.compile(r"[、,，;；]")
UNIT_SPLIT = re.compile(r"\s*[/／]\s*")
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]0{1,2}:00(?::00)?)?$")
COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{4,19}$")

MAX_LENGTHS = {"employee_no": 40, "name": 50, "phone": 20, "unit_code": 40}
MAX_BYTES = 10 * 1024 * 1024  # the upload form, the admin service and the command all refuse bigger files
MAX_ROWS = 20_000  # rows below the header
MAX_COLUMNS = 50  # the header has 13 known columns; more is not a roster
UNIT_NAME_MAX = 100
SPECIALTY_MAX = 50


# --- Errors ----------------------------------------------------------------

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


# --- Reading files ---------------------------------------------------------


@dataclass
class Table:
    """Cells of the first sheet: the header row and the data rows, each with its 1-based sheet row number."""

    header_row: int
    header: list
    rows: list[tuple[int, list]]


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 — what Chinese Excel writes when saving as CSV."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_table(file_name: str, data: bytes) -> Table:
    if len(data) > MAX_BYTES:
        raise RosterFileError([RosterError(None, "too_large", {"max": MAX_BYTES // (1024 * 1024)})])
    name = (file_name or "").lower()
    if name.endswith(".csv"):
        try:
            text = decode_csv(data)
        except UnicodeDecodeError as exc:
            raise RosterFileError(
                [RosterError(None, "file_unreadable", {"kind": "CSV", "detail": str(exc)})]
            ) from exc
        # The delimiter is whichever of , ; tab the header line uses most (Excel writes ; in some locales).
        first_line = next((line for line in text.splitlines() if line.strip()), "")
        delimiter = max([",", ";", "\t"], key=first_line.count)
        try:
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            rows = bounded_rows(enumerate(reader, 1), max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)
        except csv.Error as exc:
            raise RosterFileError(
                [RosterError(None, "file_unreadable", {"kind": "CSV", "detail": str(exc)})]
            ) from exc
        except SheetTooLarge as exc:
            raise RosterFileError([RosterError(None, exc.code, {"max": exc.limit})]) from exc
    elif name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    else:
        raise RosterFileError([RosterError(None, "file_type", {"name": file_name})])
    return _split_header(rows)


def _xlsx_rows(data: bytes) -> list[tuple[int, list]]:
    try:
        return read_xlsx(data, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS, data_only=True)
    except SheetTooLarge as exc:
        raise RosterFileError([RosterError(None, exc.code, {"max": exc.limit})]) from exc
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise RosterFileError(
            [RosterError(None, "file_unreadable", {"kind": "XLSX", "detail": str(exc)})]
        ) from exc


def _split_header(rows: list[tuple[int, list]]) -> Table:
    """rows: (sheet row number, cells) from the header row on, as `cms.spreadsheets.bounded_rows` gives them."""
    if not rows:
        raise RosterFileError([RosterError(None, "no_header")])
    (header_row, header), *data_rows = rows
    return Table(header_row=header_row, header=header, rows=data_rows)


def _normalise_header(value) -> str:
    text = str(value).strip().replace("\u3000", " ")
    text = re.sub(r"[（(].*?[)）]\s*$", "", text).strip()  # "入职日期（2024-03-01）"
    text = text.rstrip("*＊").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


HEADER_ALIASES: dict[str, str] = {}
for _key, (_en, _zh, _required, _extra) in COLUMNS.items():
    for _alias in (_key, _en, _zh, *_extra):
        HEADER_ALIASES[_normalise_header(_alias)] = _key


def map_header(header: list) -> tuple[dict[str, int], dict[str, str]]:
    """Column key → cell index, and column key → the header text as written (used in messages)."""
    errors: list[RosterError] = []
    indexes: dict[str, int] = {}
    labels: dict[str, str] = {}
    for index, cell in enumerate(header):
        if _is_blank(cell):
            continue
        key = HEADER_ALIASES.get(_normalise_header(cell))
        if key is None:
            known = ", ".join(f"{zh}/{en}" for en, zh, _r, _e in COLUMNS.values())
            errors.append(
                RosterError(
                    None, "unknown_column", {"column": str(cell).strip(), "index": index + 1, "known": known}
                )
            )
        elif key in indexes:
            errors.append(RosterError(None, "duplicate_column", {"column": str(cell).strip()}))
        else:
            indexes[key] = index
            labels[key] = str(cell).strip()
    for key in REQUIRED_COLUMNS:
        if key not in indexes:
            en, zh = COLUMNS[key][0], COLUMNS[key][1]
            errors.append(RosterError(None, "missing_column", {"column": f"{zh}/{en}"}))
    if errors:
        raise RosterFileError(errors)
    return indexes, labels


# --- Parsing rows ----------------------------------------------------------


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
            from openpyxl.utils.datetime import from_excel

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

        def cell(key, cells=cells):
            index = indexes.get(key)
            return cells[index] if index is not None and index < len(cells) else None

        if _text(cell("employee_no")).startswith("#"):
            continue
        count += 1
        row_errors: list[RosterError] = []

        def err(error_code, /, row_errors=row_errors, row_no=row_no, **params):
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
            errors.extend(row_errors)
            continue
        parsed.append(
            RosterRow(
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
            )
        )
    if count == 0:
        raise RosterFileError([RosterError(None, "no_rows")])
    return parsed, errors, count


# --- Stored state (the only ORM code in this module) --------------------------


@dataclass(frozen=True)
class StoredUnit:
    id: int
    path: str
    code: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class StoredSpell:
    id: int
    unit_id: int
    staff_category: str
    hire_date: datetime.date
    leave_date: datetime.date | None
    leave_reason: str


@dataclass
class StoredOfficer:
    id: int
    employee_no: str
    name: str
    unit_id: int
    staff_category: str
    status: str
    phone: str
    education: str
    gender: str
    user_id: int | None
    email: str | None
    specialties: frozenset[str]
    spells: dict[datetime.date, StoredSpell]
    # The account is in use (usable password, staff, or a role beyond trainee): an import may not change its email.
    email_locked: bool = False


@dataclass
class StoredState:
    units: list[StoredUnit]
    officers: dict[str, StoredOfficer]
    usernames_taken: set[str]  # usernames among the file's employee numbers already used by other accounts

    def __post_init__(self):
        self.units_by_names: dict[tuple[str, ...], StoredUnit] = {}
        for unit in sorted(self.units, key=lambda u: u.path):
            self.units_by_names.setdefault(unit.names, unit)
        self.units_by_code = {u.code: u for u in self.units}
        self.units_by_id = {u.id: u for u in self.units}


def load_stored_state(employee_nos: Iterable[str]) -> StoredState:
    """Units, and the officers (with spells, specialties, account) a roster names — a handful of queries."""
    from django.contrib.auth import get_user_model

    from cms.models import EmploymentSpell, Officer, Unit

    employee_nos = sorted(set(employee_nos))
    unit_rows = list(Unit.objects.order_by("path").values_list("id", "path", "code", "name", "depth"))
    names_by_path: dict[str, tuple[str, ...]] = {}
    units = []
    for unit_id, path, code, name, depth in unit_rows:
        parent_path = path[: len(path) - Unit.steplen]
        names = (*names_by_path.get(parent_path, ()), name) if depth > 1 else (name,)
        names_by_path[path] = names
        units.append(StoredUnit(unit_id, path, code, names))

    officers: dict[str, StoredOfficer] = {}
    by_id: dict[int, StoredOfficer] = {}
    for chunk in _chunks(employee_nos, 900):
        fields = (
            "id",
            "employee_no",
            "name",
            "unit_id",
            "staff_category",
            "status",
            "phone",
            "education",
            "gender",
        )
        for row in Officer.objects.filter(employee_no__in=chunk).values(*fields, "user_id", "user__email"):
            officer = StoredOfficer(
                id=row["id"],
                employee_no=row["employee_no"],
                name=row["name"],
                unit_id=row["unit_id"],
                staff_category=row["staff_category"],
                status=row["status"],
                phone=row["phone"],
                education=row["education"],
                gender=row["gender"],
                user_id=row["user_id"],
                email=row["user__email"],
                specialties=frozenset(),
                spells={},
            )
            officers[officer.employee_no] = officer
            by_id[officer.id] = officer
    ids = sorted(by_id)
    specialties: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks(ids, 900):
        through = Officer.specialties.through.objects.filter(officer_id__in=chunk)
        for officer_id, name in through.values_list("officer_id", "specialty__name"):
            specialties[officer_id].add(name)
        spells = EmploymentSpell.objects.filter(officer_id__in=chunk).values_list(
            "id", "officer_id", "unit_id", "staff_category", "hire_date", "leave_date", "leave_reason"
        )
        for spell_id, officer_id, unit_id, category, hire, leave, reason in spells:
            by_id[officer_id].spells[hire] = StoredSpell(spell_id, unit_id, category, hire, leave, reason)
    for officer_id, names in specialties.items():
        by_id[officer_id].specialties = frozenset(names)
    _mark_accounts_in_use(list(officers.values()))

    taken: set[str] = set()
    User = get_user_model()
    username_field = User.USERNAME_FIELD
    for chunk in _chunks(employee_nos, 900):
        accounts = User.objects.filter(**{f"{username_field}__in": chunk}).values_list(
            username_field, "officer__id"
        )
        for username, officer_id in accounts:
            officer = officers.get(username)
            if officer is None or officer.id != officer_id:
                taken.add(username)
    return StoredState(units=units, officers=officers, usernames_taken=taken)


def _mark_accounts_in_use(officers: list[StoredOfficer]) -> None:
    """Sets `email_locked` on officers whose account someone already uses (see cms.email_change)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import is_password_usable

    User = get_user_model()
    by_user = {o.user_id: o for o in officers if o.user_id is not None}
    user_ids = sorted(by_user)
    for chunk in _chunks(user_ids, 900):
        for user_id, password, superuser, staff in User.objects.filter(pk__in=chunk).values_list(
            "pk", "password", "is_superuser", "is_staff"
        ):
            if superuser or staff or is_password_usable(password):
                by_user[user_id].email_locked = True
        roles = User.groups.through.objects.filter(user_id__in=chunk).exclude(group__name="trainee")
        for user_id in roles.values_list("user_id", flat=True):
            by_user[user_id].email_locked = True


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- Planning ----------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Where an import may write: `path` None = everywhere; otherwise the unit subtree under that treebeard path."""

    path: str | None = None
    label: str = ""
    nothing: bool = False  # an account without a unit in charge
    denied: bool = False  # an account that may not import at all (any more)

    def covers(self, unit_path: str) -> bool:
        if self.nothing:
            return False
        return self.path is None or unit_path.startswith(self.path)


@dataclass
class NewUnit:
    names: tuple[str, ...]
    code: str
    kind: str

    @property
    def text(self) -> str:
        return "/".join(self.names)


@dataclass
class SpellPlan:
    row: int
    action: str  # create / update / unchanged
    stored_id: int | None
    unit: tuple[str, ...]
    staff_category: str
    hire_date: datetime.date
    leave_date: datetime.date | None
    leave_reason: str
    changed: list[str] = field(default_factory=list)


@dataclass
class OfficerPlan:
    employee_no: str
    action: str  # create / update / unchanged
    stored: StoredOfficer | None
    name: str
    unit: tuple[str, ...]
    staff_category: str
    status: str
    phone: str
    education: str
    gender: str
    email: str | None  # None: leave the account's email alone
    specialties: frozenset[str] | None  # None: leave the stored specialties alone
    create_user: bool
    spells: list[SpellPlan]
    changed: list[str] = field(default_factory=list)


@dataclass
class Plan:
    officers: list[OfficerPlan]
    new_units: list[NewUnit]
    errors: list[RosterError]
    rows: int
    state: StoredState

    def counts(self) -> dict:
        result = {
            "officers": {"create": 0, "update": 0, "unchanged": 0},
            "spells": {"create": 0, "update": 0, "unchanged": 0},
        }
        for officer in self.officers:
            result["officers"][officer.action] += 1
            for spell in officer.spells:
                result["spells"][spell.action] += 1
        result["users_created"] = sum(1 for o in self.officers if o.create_user)
        result["units_created"] = len(self.new_units)
        return result

    @property
    def has_changes(self) -> bool:
        return bool(self.new_units) or any(o.action != "unchanged" for o in self.officers)


def _fmt(date: datetime.date | None) -> str:
    return date.isoformat() if date else "…"


def spells_overlap(a_hire, a_leave, b_hire, b_leave) -> bool:
    """Half-open [hire, leave): a spell ending on the day the next one starts does not overlap it."""
    return (a_leave is None or b_hire < a_leave) and (b_leave is None or a_hire < b_leave)


def plan_import(rows: list[RosterRow], state: StoredState, *, scope: Scope, row_count: int) -> Plan:
    """Check parsed rows across the file and against stored data; work out what to create and update."""
    errors: list[RosterError] = []
    bad_rows: set[int] = set()

    def err(row: RosterRow, error_code: str, /, **params):
        errors.append(RosterError(row.row, error_code, params))
        bad_rows.add(row.row)

    if scope.denied:
        errors.append(RosterError(None, "not_allowed"))
    elif scope.nothing:
        errors.append(RosterError(None, "no_scope"))

    # Duplicates and names, in file order.
    seen_spell: dict[tuple[str, datetime.date], RosterRow] = {}
    first_name: dict[str, RosterRow] = {}
    for row in rows:
        key = (row.employee_no, row.hire_date)
        other = seen_spell.get(key)
        if other is not None:
            if other.content() == row.content():
                err(row, "duplicate_row", other_row=other.row)
            else:
                err(
                    row,
                    "duplicate_spell",
                    employee_no=row.employee_no,
                    hire=_fmt(row.hire_date),
                    other_row=other.row,
                )
            continue
        seen_spell[key] = row
        first = first_name.setdefault(row.employee_no, row)
        if first.name != row.name:
            err(
                row,
                "name_mismatch",
                name=row.name,
                other=first.name,
                employee_no=row.employee_no,
                other_row=first.row,
            )

    # Units: existing, or new ones with stable codes (first appearance order; smallest free sequence number).
    used_codes = set(state.units_by_code)
    new_units: dict[tuple[str, ...], NewUnit] = {}
    code_given: dict[tuple[str, ...], RosterRow] = {}
    next_seq: dict[str, int] = {}

    def unit_code_for(names: tuple[str, ...]) -> str:
        if len(names) == 1:
            prefix = "C"
        else:
            parent = names[:-1]
            prefix = (
                state.units_by_names[parent].code
                if parent in state.units_by_names
                else new_units[parent].code
            )
        seq = next_seq.get(prefix, 1)
        while f"{prefix}{seq:02d}" in used_codes:
            seq += 1
        next_seq[prefix] = seq + 1
        return f"{prefix}{seq:02d}"

    for row in rows:
        if row.row in bad_rows:
            continue
        names = row.unit_path
        stored = state.units_by_names.get(names)
        if row.unit_code:
            other_row = code_given.get(names)
            owner = state.units_by_code.get(row.unit_code)
            if other_row is not None and other_row.unit_code != row.unit_code:
                err(row, "unit_code_conflict", value=row.unit_text, code=row.unit_code, other=other_row.unit_code,
                    other_row=other_row.row)  # fmt: skip
                continue
            if stored is not None and stored.code != row.unit_code:
                err(row, "unit_code_mismatch", value=row.unit_text, code=row.unit_code, stored=stored.code)
                continue
            if stored is None and (owner is not None or any(
                n.code == row.unit_code and n.names != names for n in new_units.values()
            )):  # fmt: skip
                other = "/".join(owner.names) if owner else row.unit_code
                err(row, "unit_code_taken", code=row.unit_code, other=other, value=row.unit_text)
                continue
            code_given.setdefault(names, row)
        # Scope: an existing unit must lie in the subtree; a new one must hang below a unit that does.
        deepest = None
        for depth in range(len(names), 0, -1):
            deepest = state.units_by_names.get(names[:depth])
            if deepest is not None:
                break
        if scope.path is not None and (deepest is None or not scope.covers(deepest.path)):
            err(row, "out_of_scope_unit", value=row.unit_text, scope=scope.label)
            continue
        if stored is None:
            for depth in range(1, len(names) + 1):
                prefix = names[:depth]
                if prefix in state.units_by_names or prefix in new_units:
                    continue
                if depth == len(names) and row.unit_code:
                    code = row.unit_code
                else:
                    code = unit_code_for(prefix)
                used_codes.add(code)
                new_units[prefix] = NewUnit(prefix, code, UNIT_KINDS[depth])

    # Officer-level checks: scope, accounts.
    for row in rows:
        if row.row in bad_rows:
            continue
        officer = state.officers.get(row.employee_no)
        if officer is not None:
            current = state.units_by_id.get(officer.unit_id)
            if not scope.nothing and (current is None or not scope.covers(current.path)):
                err(row, "out_of_scope_officer", employee_no=row.employee_no)
                continue
        if row.employee_no in state.usernames_taken and (officer is None or officer.user_id is None):
            err(row, "username_taken", username=row.employee_no, employee_no=row.employee_no)

    # Spells of one person: overlaps and current spells, within the file and against stored spells it omits.
    by_person: dict[str, list[RosterRow]] = defaultdict(list)
    for row in rows:
        if row.row not in bad_rows:
            by_person[row.employee_no].append(row)
    for employee_no, person_rows in by_person.items():
        person_rows.sort(key=lambda r: r.hire_date)
        open_rows = [r for r in person_rows if r.leave_date is None]
        if len(open_rows) > 1:
            listed = ", ".join(str(r.row) for r in sorted(open_rows, key=lambda r: r.row))
            for r in open_rows[1:]:
                err(r, "several_open", employee_no=employee_no, rows=listed)
        for i, later in enumerate(person_rows):
            for earlier in person_rows[:i]:
                if earlier.leave_date is None and later.leave_date is None:
                    continue  # reported as several current spells
                if spells_overlap(earlier.hire_date, earlier.leave_date, later.hire_date, later.leave_date):
                    err(later, "overlap_file", hire=_fmt(later.hire_date), leave=_fmt(later.leave_date),
                        other_row=earlier.row, other_hire=_fmt(earlier.hire_date),
                        other_leave=_fmt(earlier.leave_date))  # fmt: skip
                    break
        officer = state.officers.get(employee_no)
        if officer is None:
            continue
        covered = {r.hire_date for r in person_rows}
        for spell in officer.spells.values():
            if spell.hire_date in covered:
                continue
            for row in person_rows:
                if spell.leave_date is None and row.leave_date is None:
                    err(row, "several_open_stored", employee_no=employee_no, other_hire=_fmt(spell.hire_date))
                elif spells_overlap(spell.hire_date, spell.leave_date, row.hire_date, row.leave_date):
                    err(row, "overlap_stored", hire=_fmt(row.hire_date), leave=_fmt(row.leave_date),
                        other_hire=_fmt(spell.hire_date), other_leave=_fmt(spell.leave_date),
                        employee_no=employee_no)  # fmt: skip

    errors.sort(key=lambda e: (e.row or 0, e.code))
    plans: list[OfficerPlan] = []
    if not errors:
        for employee_no, person_rows in by_person.items():
            plans.append(_plan_officer(employee_no, person_rows, state))
    return Plan(
        officers=plans, new_units=list(new_units.values()), errors=errors, rows=row_count, state=state
    )


def _latest_value(rows: list[RosterRow], attribute: str):
    for row in sorted(rows, key=lambda r: r.hire_date, reverse=True):
        value = getattr(row, attribute)
        if value is not None:
            return value
    return None


def _plan_officer(employee_no: str, rows: list[RosterRow], state: StoredState) -> OfficerPlan:
    stored = state.officers.get(employee_no)
    spells: list[SpellPlan] = []
    for row in rows:
        old = stored.spells.get(row.hire_date) if stored else None
        plan = SpellPlan(
            row=row.row,
            action="create",
            stored_id=old.id if old else None,
            unit=row.unit_path,
            staff_category=row.staff_category,
            hire_date=row.hire_date,
            leave_date=row.leave_date,
            leave_reason=row.leave_reason,
        )
        if old is not None:
            old_unit = state.units_by_id[old.unit_id].names if old.unit_id in state.units_by_id else None
            for name, before, after in (
                ("unit", old_unit, row.unit_path),
                ("staff_category", old.staff_category, row.staff_category),
                ("leave_date", old.leave_date, row.leave_date),
                ("leave_reason", old.leave_reason, row.leave_reason),
            ):
                if before != after:
                    plan.changed.append(name)
            plan.action = "update" if plan.changed else "unchanged"
        spells.append(plan)

    # The officer follows their latest spell (file spells and stored ones the file leaves alone).
    timeline: list[tuple[datetime.date, tuple[str, ...], str, bool]] = [
        (s.hire_date, s.unit, s.staff_category, s.leave_date is None) for s in spells
    ]
    if stored:
        covered = {s.hire_date for s in spells}
        for old in stored.spells.values():
            if old.hire_date not in covered and old.unit_id in state.units_by_id:
                timeline.append(
                    (
                        old.hire_date,
                        state.units_by_id[old.unit_id].names,
                        old.staff_category,
                        old.leave_date is None,
                    )
                )
    timeline.sort(key=lambda t: t[0])
    _, unit, category, _open = timeline[-1]
    status = "active" if any(t[3] for t in timeline) else "left"

    specialties = _latest_value(rows, "specialties")
    email = _latest_value(rows, "email")
    plan = OfficerPlan(
        employee_no=employee_no,
        action="create",
        stored=stored,
        name=rows[0].name,
        unit=unit,
        staff_category=category,
        status=status,
        phone=_latest_value(rows, "phone") or (stored.phone if stored else ""),
        education=_latest_value(rows, "education") or (stored.education if stored else ""),
        gender=_latest_value(rows, "gender") or (stored.gender if stored else ""),
        email=email,
        specialties=frozenset(specialties) if specialties is not None else None,
        create_user=stored is None or stored.user_id is None,
        spells=spells,
    )
    if stored is not None:
        stored_unit = state.units_by_id[stored.unit_id].names if stored.unit_id in state.units_by_id else None
        for name, before, after in (
            ("name", stored.name, plan.name),
            ("unit", stored_unit, plan.unit),
            ("staff_category", stored.staff_category, plan.staff_category),
            ("status", stored.status, plan.status),
            ("phone", stored.phone, plan.phone),
            ("education", stored.education, plan.education),
            ("gender", stored.gender, plan.gender),
        ):
            if before != after:
                plan.changed.append(name)
        if plan.email is not None and stored.user_id is not None and (stored.email or "") != plan.email:
            # An account in use keeps its address until its holder confirms the new one (cms.email_change).
            plan.changed.append("email_held" if stored.email_locked else "email")
        if plan.specialties is not None and plan.specialties != stored.specialties:
            plan.changed.append("specialties")
        if plan.create_user:
            plan.changed.append("user")
        spells_changed = any(s.action != "unchanged" for s in spells)
        plan.action = "update" if plan.changed or spells_changed else "unchanged"
    return plan


def row_changes(plan: Plan, limit: int | None = None) -> list[dict]:
    """One preview line per row: what happens to the officer and to the spell of that row."""
    lines = []
    for officer in plan.officers:
        for spell in officer.spells:
            lines.append(
                {
                    "row": spell.row,
                    "employee_no": officer.employee_no,
                    "name": officer.name,
                    "unit": "/".join(spell.unit),
                    "hire_date": spell.hire_date.isoformat(),
                    "leave_date": spell.leave_date.isoformat() if spell.leave_date else "",
                    "officer": officer.action,
                    "spell": spell.action,
                    "fields": sorted(set(officer.changed) | set(spell.changed)),
                }
            )
    lines.sort(key=lambda line: line["row"])
    return lines[:limit] if limit is not None else lines
