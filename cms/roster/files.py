"""Roster files (花名册): the columns a roster may have, and reading a .csv or .xlsx file into a header and rows.

Row numbers are the ones the user sees in Excel (the header row is usually row 1).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass

from cms.roster.errors import RosterError, RosterFileError
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
