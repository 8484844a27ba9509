"""Import case files (案卷) from a spreadsheet export of the enforcement information system (.xlsx or .csv).

Same rules as the roster import (cms.roster), whose file reading and cell helpers this reuses: Chinese or English
headers, every row checked before anything is written, each error naming its row and column, the whole file applied
in one transaction or not at all, and idempotent on 案号 (case_no): a row equal to the stored file changes nothing,
a changed row updates it, a new number creates it. The report counts created, updated and unchanged rows.

Columns: 案号 case_no*, 案由 title, 案件类型 kind*, 承办单位 unit* (a unit path 示范市/东城区/东华街道, a unit code or a
unique unit name), 承办人工号 handler* (employee numbers; several separated by 、 or commas: the first is the
handler, the others co-handlers), 协办人工号 co_handlers, 立案日期 opened*, 结案日期 closed*, 适用法律条款
provisions, 案情摘要 summary, 当事人 party, 罚款金额 fine. (* required)
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appraisal.models import CaseFile, CaseKind
from cms import audit
from cms.models import Officer, Unit
from cms.roster.errors import RosterFileError
from cms.roster.errors import error_message as roster_error_message
from cms.roster.files import _is_blank, _normalise_header, read_table
from cms.roster.rows import _text, parse_date
from cms.selectors import scope_unit

# key → (English header, Chinese header, required, extra accepted spellings)
COLUMNS: dict[str, tuple[str, str, bool, tuple[str, ...]]] = {
    "case_no": ("case_no", "案号", True, ("案件编号", "case_number")),
    "title": ("title", "案由", False, ("案件名称",)),
    "kind": ("kind", "案件类型", True, ("类型",)),
    "unit": ("unit", "承办单位", True, ("单位", "所属单位")),
    "handler": ("handler", "承办人工号", True, ("承办人", "handlers")),
    "co_handlers": ("co_handlers", "协办人工号", False, ("协办人",)),
    "opened": ("opened", "立案日期", True, ("opened_on",)),
    "closed": ("closed", "结案日期", True, ("closed_on",)),
    "provisions": ("provisions", "适用法律条款", False, ("适用条款", "法律条款", "legal_provisions")),
    "summary": ("summary", "案情摘要", False, ("简要案情",)),
    "party": ("party", "当事人", False, ()),
    "fine": ("fine", "罚款金额", False, ("罚款", "罚款金额（元）", "penalty_amount")),
}
TEMPLATE_EXAMPLE = [
    "应急罚〔2026〕001号",
    "未按规定对从业人员进行安全生产教育和培训",
    "行政处罚",
    "示范市/东城区/东华街道",
    "E00001",
    "E00002、E00003",
    "2026-03-02",
    "2026-04-18",
    "《中华人民共和国安全生产法》第九十七条第（三）项",
    "检查发现该企业未按规定对新入职从业人员进行安全生产教育和培训。",
    "某某机械制造有限公司",
    "20000",
]
HEADER_ALIASES = {
    _normalise_header(alias): key
    for key, (en, zh, _required, extra) in COLUMNS.items()
    for alias in (key, en, zh, *extra)
}
KIND_ALIASES = {
    **{str(label).lower(): value for value, label in CaseKind.choices},
    **{value: value for value in CaseKind.values},
    "行政处罚": CaseKind.PENALTY,
    "处罚": CaseKind.PENALTY,
    "责令整改": CaseKind.RECTIFICATION,
    "整改": CaseKind.RECTIFICATION,
    "行政强制": CaseKind.COERCIVE,
    "强制": CaseKind.COERCIVE,
    "检查": CaseKind.INSPECTION,
    "执法检查": CaseKind.INSPECTION,
    "其他": CaseKind.OTHER,
    "其它": CaseKind.OTHER,
}
SPLIT = re.compile(r"[、,，;；\s]+")
UNIT_SPLIT = re.compile(r"\s*[/／]\s*")
MAX_LENGTHS = {"case_no": 60, "title": 200, "party": 200}

MESSAGES = {
    "unknown_column": _("Unknown column “%(column)s” (column %(index)s). Known columns: %(known)s."),
    "missing_column": _("Required column “%(column)s” is missing."),
    "duplicate_column": _("Column “%(column)s” appears more than once."),
    "no_rows": _("The file has no data rows."),
    "required": _("“%(column)s” is required."),
    "too_long": _("“%(column)s” is longer than %(max)s characters."),
    "bad_date": _(
        "“%(column)s” value “%(value)s” is not a date (write 2026-03-01, 2026/3/1 or 2026年3月1日)."
    ),
    "bad_amount": _("“%(column)s” value “%(value)s” is not an amount in yuan."),
    "unknown_kind": _("“%(column)s” value “%(value)s” is not a case kind (expected one of: %(allowed)s)."),
    "unknown_unit": _("“%(column)s”: no unit “%(value)s”."),
    "ambiguous_unit": _("“%(column)s”: several units are called “%(value)s”; write the full path."),
    "unit_out_of_scope": _("“%(column)s”: unit “%(value)s” is outside the units you are in charge of."),
    "unknown_officer": _("“%(column)s”: no officer with employee number %(value)s."),
    "officer_out_of_scope": _(
        "“%(column)s”: employee number %(value)s belongs to an officer outside the units you are in charge of."
    ),
    "handler_twice": _("“%(column)s”: employee number %(value)s is both handler and co-handler."),
    "closed_before_opened": _("“%(column)s” %(closed)s is earlier than the opening date %(opened)s."),
    "duplicate_case": _("“%(column)s”: case number %(value)s is also in row %(other_row)s."),
    "case_out_of_scope": _(
        "“%(column)s”: case number %(value)s is already recorded for a unit outside the units you are in charge of."
    ),
    "not_allowed": _("This account may not import case files."),
    "no_scope": _("Your account has no unit in charge, so it cannot import any rows."),
    "crashed": _(
        "The file could not be checked because of an unexpected error; please try again or ask an administrator."
    ),
}


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str
    code: str
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "code": self.code, "params": self.params}


def error_message(error: dict) -> str:
    """The translated text of a stored error, with its row and column."""
    if error["code"].startswith("file:"):
        return roster_error_message(error["code"].removeprefix("file:"), error.get("params") or {})
    template = MESSAGES.get(error["code"])
    params = {"column": error.get("column") or "", **(error.get("params") or {})}
    try:
        message = str(template) % params if template else error["code"]
    except (KeyError, TypeError, ValueError):
        message = str(template)
    if error.get("row"):
        return gettext("Row %(row)s: %(message)s") % {"row": error["row"], "message": message}
    return message


@dataclass
class CaseRow:
    row: int
    number: str
    values: dict  # CaseFile field → value
    handler_no: str
    co_handler_nos: tuple[str, ...]


@dataclass
class ImportResult:
    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.errors

    def report(self) -> dict:
        return {
            "rows": self.rows,
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "created_numbers": self.created[:200],
            "updated_numbers": self.updated[:200],
            "errors": self.errors[:500],
            "error_count": len(self.errors),
            "dry_run": self.dry_run,
        }


def can_import_cases(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm("appraisal.add_casefile"))


def template_rows() -> tuple[list[str], list[list[str]]]:
    """The header (Chinese, required columns marked *) and one example row, for the template download."""
    header = [f"{zh}*" if required else zh for _en, zh, required, _x in COLUMNS.values()]
    return header, [TEMPLATE_EXAMPLE]


def _map_header(header: list) -> tuple[dict[str, int], dict[str, str]]:
    errors, indexes, labels = [], {}, {}
    for index, cell in enumerate(header):
        if _is_blank(cell):
            continue
        key = HEADER_ALIASES.get(_normalise_header(cell))
        if key is None:
            known = "、".join(f"{zh}/{en}" for en, zh, _r, _e in COLUMNS.values())
            errors.append(
                RowError(None, str(cell).strip(), "unknown_column", {"index": index + 1, "known": known})
            )
        elif key in indexes:
            errors.append(RowError(None, str(cell).strip(), "duplicate_column"))
        else:
            indexes[key] = index
            labels[key] = str(cell).strip()
    for key, (en, zh, required, _extra) in COLUMNS.items():
        if required and key not in indexes:
            errors.append(RowError(None, f"{zh}/{en}", "missing_column"))
    return indexes, labels, errors


class _Lookups:
    """Units and officers the file names, read once (two queries), with the importer's scope."""

    def __init__(self, root: Unit | None):
        self.root = root
        units = list(Unit.objects.all().only("pk", "name", "code", "path", "depth"))
        by_path = {u.path: u for u in units}
        self.by_names: dict[tuple[str, ...], Unit] = {}
        self.by_name: dict[str, list[Unit]] = {}
        self.by_code = {u.code: u for u in units if u.code}
        for unit in units:
            names = tuple(
                by_path[unit.path[:end]].name
                for end in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)
                if unit.path[:end] in by_path
            )
            self.by_names[names] = unit
            self.by_name.setdefault(unit.name, []).append(unit)
        self.officers: dict[str, Officer] = {}

    def load_officers(self, numbers: set[str]) -> None:
        self.officers = {
            o.employee_no: o
            for o in Officer.objects.filter(employee_no__in=numbers)
            .select_related("unit")
            .only("pk", "employee_no", "unit__path")
        }

    def in_scope(self, path: str) -> bool:
        return self.root is None or path.startswith(self.root.path)

    def unit(self, text: str) -> tuple[Unit | None, str | None]:
        parts = tuple(p for p in UNIT_SPLIT.split(text) if p)
        if len(parts) > 1:
            unit = self.by_names.get(parts)
            return (unit, None) if unit else (None, "unknown_unit")
        unit = self.by_code.get(text)
        if unit:
            return unit, None
        named = self.by_name.get(text, [])
        if len(named) == 1:
            return named[0], None
        return None, "ambiguous_unit" if named else "unknown_unit"


def _parse_rows(table, indexes, labels, found: list[RowError]) -> list[CaseRow]:
    rows = []
    for row_no, cells in table.rows:
        if all(_is_blank(c) for c in cells):
            continue

        def cell(key, cells=cells):
            index = indexes.get(key)
            return cells[index] if index is not None and index < len(cells) else None

        def err(key, code, row_no=row_no, **params):
            found.append(RowError(row_no, labels.get(key, COLUMNS[key][1]), code, params))

        text = {key: _text(cell(key)) for key in COLUMNS if key not in ("opened", "closed")}
        for key, (_en, _zh, required, _x) in COLUMNS.items():
            if required and _is_blank(cell(key)):
                err(key, "required")
        for key, limit in MAX_LENGTHS.items():
            if len(text[key]) > limit:
                err(key, "too_long", max=limit)
        dates = {}
        for key in ("opened", "closed"):
            try:
                dates[key] = parse_date(cell(key))
            except (ValueError, TypeError, OverflowError):
                err(key, "bad_date", value=_text(cell(key)))
                dates[key] = None
        if dates["opened"] and dates["closed"] and dates["closed"] < dates["opened"]:
            err("closed", "closed_before_opened", closed=dates["closed"], opened=dates["opened"])
        kind = None
        if text["kind"]:
            kind = KIND_ALIASES.get(text["kind"].lower())
            if kind is None:
                err(
                    "kind",
                    "unknown_kind",
                    value=text["kind"],
                    allowed="、".join(str(label) for _v, label in CaseKind.choices),
                )
        fine = None
        if text["fine"]:
            try:
                fine = Decimal(text["fine"].replace(",", "").replace("，", "").removesuffix("元"))
                if fine < 0 or fine >= Decimal("1e10") or fine.as_tuple().exponent < -2:
                    raise InvalidOperation
                fine = fine.quantize(Decimal("0.01"))
            except (InvalidOperation, ValueError):
                err("fine", "bad_amount", value=text["fine"])
                fine = None
        handlers = [n for n in SPLIT.split(text["handler"]) if n]
        co = [n for n in SPLIT.split(text["co_handlers"]) if n]
        rows.append(
            CaseRow(
                row=row_no,
                number=text["case_no"],
                values={
                    "title": text["title"] or (str(CaseKind(kind).label) if kind else ""),
                    "kind": kind,
                    "unit": text["unit"],
                    "opened_on": dates["opened"],
                    "closed_on": dates["closed"],
                    "legal_provisions": text["provisions"],
                    "summary": text["summary"],
                    "party": text["party"],
                    "penalty_amount": fine,
                },
                handler_no=handlers[0] if handlers else "",
                co_handler_nos=tuple(dict.fromkeys([*handlers[1:], *co])),
            )
        )
    return rows


COMPARED = (
    "title",
    "kind",
    "unit_id",
    "handler_id",
    "opened_on",
    "closed_on",
    "legal_provisions",
    "summary",
    "party",
    "penalty_amount",
)


def _resolve(rows: list[CaseRow], lookups: _Lookups, labels, found: list[RowError]) -> None:
    """Units and officers by name and number, in the importer's scope; duplicates within the file."""

    def label(key):
        return labels.get(key, COLUMNS[key][1])

    seen: dict[str, int] = {}
    for row in rows:
        if row.number:
            if row.number in seen:
                found.append(
                    RowError(
                        row.row,
                        label("case_no"),
                        "duplicate_case",
                        {"value": row.number, "other_row": seen[row.number]},
                    )
                )
            else:
                seen[row.number] = row.row
        unit_text = row.values.pop("unit")
        row.values["unit_id"] = None
        if unit_text:
            unit, problem = lookups.unit(unit_text)
            if problem:
                found.append(RowError(row.row, label("unit"), problem, {"value": unit_text}))
            elif not lookups.in_scope(unit.path):
                found.append(RowError(row.row, label("unit"), "unit_out_of_scope", {"value": unit_text}))
            else:
                row.values["unit_id"] = unit.pk
        row.values["handler_id"] = None
        row.values["co_handler_ids"] = []
        for key, numbers in (
            ("handler", [row.handler_no] if row.handler_no else []),
            ("co_handlers", row.co_handler_nos),
        ):
            column = label("handler") if key == "handler" or "co_handlers" not in labels else label(key)
            for number in numbers:
                officer = lookups.officers.get(number)
                if officer is None:
                    found.append(RowError(row.row, column, "unknown_officer", {"value": number}))
                elif not lookups.in_scope(officer.unit.path):
                    found.append(RowError(row.row, column, "officer_out_of_scope", {"value": number}))
                elif key == "handler":
                    row.values["handler_id"] = officer.pk
                elif number == row.handler_no:
                    found.append(RowError(row.row, column, "handler_twice", {"value": number}))
                else:
                    row.values["co_handler_ids"].append(officer.pk)


def import_cases(
    *,
    actor,
    file_name: str,
    data: bytes,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Check (and unless `dry_run`, apply in one transaction) a case-file spreadsheet. `actor` None is the command
    line (the whole city); a staff user imports only into their subtree."""
    result = ImportResult(dry_run=dry_run)
    if actor is not None and not can_import_cases(actor):
        result.errors.append(RowError(None, "", "not_allowed").as_dict())
        return result
    root = None
    if actor is not None and not actor.is_superuser:
        root = scope_unit(actor)
        if root is None:
            result.errors.append(RowError(None, "", "no_scope").as_dict())
            return result
    try:
        table = read_table(file_name, data)
    except RosterFileError as exc:
        # The roster's file errors (type, size, empty, unreadable): stored as their code, translated when shown.
        result.errors = [RowError(None, "", f"file:{e.code}", e.params).as_dict() for e in exc.errors]
        return result
    indexes, labels, header_errors = _map_header(table.header)
    if header_errors:
        result.errors = [e.as_dict() for e in header_errors]
        return result
    found: list[RowError] = []
    rows = _parse_rows(table, indexes, labels, found)
    result.rows = len(rows)
    if not rows:
        result.errors = [RowError(None, "", "no_rows").as_dict()]
        return result
    lookups = _Lookups(root)
    lookups.load_officers({n for r in rows for n in (r.handler_no, *r.co_handler_nos) if n})
    _resolve(rows, lookups, labels, found)
    stored = {
        c.number: c
        for c in CaseFile.objects.filter(number__in=[r.number for r in rows if r.number])
        .select_related("unit")
        .prefetch_related("co_handlers")
    }
    for row in rows:
        case = stored.get(row.number)
        if case is not None and not lookups.in_scope(case.unit.path):
            found.append(
                RowError(row.row, labels.get("case_no", "案号"), "case_out_of_scope", {"value": row.number})
            )
    if progress:
        progress(len(rows), len(rows))
    if found:
        result.errors = [e.as_dict() for e in sorted(found, key=lambda e: (e.row or 0, e.column))]
        return result
    changes = []
    for row in rows:
        case = stored.get(row.number)
        co_ids = sorted(row.values["co_handler_ids"])
        fields = {k: v for k, v in row.values.items() if k != "co_handler_ids"}
        if case is None:
            result.created.append(row.number)
            changes.append((row, None, fields, co_ids))
            continue
        differs = (
            any(getattr(case, k) != fields[k] for k in COMPARED)
            or sorted(o.pk for o in case.co_handlers.all()) != co_ids
        )
        if differs:
            result.updated.append(row.number)
            changes.append((row, case, fields, co_ids))
        else:
            result.unchanged.append(row.number)
    if dry_run:
        return result
    with transaction.atomic():
        _apply(changes, actor=actor, file_name=file_name)
    return result


def _snapshot(fields: dict, co_ids) -> dict:
    data = {k: (v if v is None or isinstance(v, int | str) else str(v)) for k, v in fields.items()}
    data["co_handlers"] = sorted(co_ids)
    return data


def _apply(changes, *, actor, file_name: str) -> None:
    entries = []
    for row, case, fields, co_ids in changes:
        before = None
        if case is None:
            case = CaseFile(number=row.number, source=CaseFile.Source.IMPORT, **fields)
            case.save()
        else:
            before = _snapshot({k: getattr(case, k) for k in fields}, [o.pk for o in case.co_handlers.all()])
            for key, value in fields.items():
                setattr(case, key, value)
            case.save()
        case.co_handlers.set(co_ids)
        entries.append(
            {
                "actor": actor,
                "action": "appraisal.case_update" if before else "appraisal.case_create",
                "obj": case,
                "before": before,
                "after": {**_snapshot(fields, co_ids), "import": file_name},
                "unit": Unit(pk=case.unit_id),
            }
        )
    audit.record_many(entries)
    audit.record(
        actor=actor,
        action="appraisal.case_import",
        object_repr=file_name[:200],
        after={
            "file": file_name,
            "created": sum(1 for _r, c, _f, _co in changes if c is None),
            "updated": sum(1 for _r, c, _f, _co in changes if c is not None),
        },
    )


def format_date(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""
