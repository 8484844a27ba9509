"""Planning a roster import: check the parsed rows across the file and against what is stored, and work out what
to create and update, officer by officer. Pure: the stored state comes in as plain data (cms.roster.stored).

One row is one employment spell; rows sharing an employee number are that person's spells. The spell rules are
cms.spells's; the roster reports them per row with its own codes.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cms import spells as cms_spells
from cms.roster.errors import RosterError
from cms.roster.files import UNIT_KINDS
from cms.roster.rows import RosterRow

if TYPE_CHECKING:
    from cms.roster.stored import StoredOfficer, StoredState

# Officer.Status values (this module holds no ORM; cms.roster.apply writes them through the model).
ACTIVE, LEFT = "active", "left"


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


class _Errors:
    """The errors found so far, and the rows they make unusable."""

    def __init__(self):
        self.errors: list[RosterError] = []
        self.bad_rows: set[int] = set()

    def add(self, row: RosterRow, error_code: str, /, **params) -> None:
        self.errors.append(RosterError(row.row, error_code, params))
        self.bad_rows.add(row.row)

    def good(self, rows: list[RosterRow]) -> list[RosterRow]:
        return [row for row in rows if row.row not in self.bad_rows]


def plan_import(rows: list[RosterRow], state: StoredState, *, scope: Scope, row_count: int) -> Plan:
    """Check parsed rows across the file and against stored data; work out what to create and update.

    The steps: the importing account, duplicate rows and names, the units (existing or new), then officer by
    officer: their scope and account, their spells; and, when nothing is wrong, each officer's plan."""
    found = _Errors()
    if scope.denied:
        found.errors.append(RosterError(None, "not_allowed"))
    elif scope.nothing:
        found.errors.append(RosterError(None, "no_scope"))
    _check_duplicates_and_names(rows, found)
    new_units = _plan_units(found.good(rows), state, scope, found)

    by_person: dict[str, list[RosterRow]] = defaultdict(list)
    for row in found.good(rows):
        by_person[row.employee_no].append(row)
    people: dict[str, list[RosterRow]] = {}
    for employee_no, person_rows in by_person.items():
        person_rows = _check_officer(employee_no, person_rows, state, scope, found)
        if person_rows:
            person_rows.sort(key=lambda r: r.hire_date)
            _check_spells(employee_no, person_rows, state.officers.get(employee_no), found)
            people[employee_no] = person_rows

    errors = sorted(found.errors, key=lambda e: (e.row or 0, e.code))
    plans = [] if errors else [_plan_officer(no, person_rows, state) for no, person_rows in people.items()]
    return Plan(officers=plans, new_units=new_units, errors=errors, rows=row_count, state=state)


def _check_duplicates_and_names(rows: list[RosterRow], found: _Errors) -> None:
    """In file order: a second row for one (employee number, hire date), and a name differing from the first."""
    seen_spell: dict[tuple[str, datetime.date], RosterRow] = {}
    first_name: dict[str, RosterRow] = {}
    for row in rows:
        key = (row.employee_no, row.hire_date)
        other = seen_spell.get(key)
        if other is not None:
            if other.content() == row.content():
                found.add(row, "duplicate_row", other_row=other.row)
            else:
                found.add(row, "duplicate_spell", employee_no=row.employee_no, hire=_fmt(row.hire_date),
                          other_row=other.row)  # fmt: skip
            continue
        seen_spell[key] = row
        first = first_name.setdefault(row.employee_no, row)
        if first.name != row.name:
            found.add(row, "name_mismatch", name=row.name, other=first.name, employee_no=row.employee_no,
                      other_row=first.row)  # fmt: skip


def _plan_units(rows: list[RosterRow], state: StoredState, scope: Scope, found: _Errors) -> list[NewUnit]:
    """Units: existing, or new ones with stable codes (first appearance order; smallest free sequence number).
    A row's unit must lie in the scope, or a new one hang below a unit that does."""
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
        names = row.unit_path
        stored = state.units_by_names.get(names)
        if row.unit_code:
            other_row = code_given.get(names)
            owner = state.units_by_code.get(row.unit_code)
            if other_row is not None and other_row.unit_code != row.unit_code:
                found.add(row, "unit_code_conflict", value=row.unit_text, code=row.unit_code,
                          other=other_row.unit_code, other_row=other_row.row)  # fmt: skip
                continue
            if stored is not None and stored.code != row.unit_code:
                found.add(
                    row, "unit_code_mismatch", value=row.unit_text, code=row.unit_code, stored=stored.code
                )
                continue
            if stored is None and (owner is not None or any(
                n.code == row.unit_code and n.names != names for n in new_units.values()
            )):  # fmt: skip
                other = "/".join(owner.names) if owner else row.unit_code
                found.add(row, "unit_code_taken", code=row.unit_code, other=other, value=row.unit_text)
                continue
            code_given.setdefault(names, row)
        deepest = None
        for depth in range(len(names), 0, -1):
            deepest = state.units_by_names.get(names[:depth])
            if deepest is not None:
                break
        if scope.path is not None and (deepest is None or not scope.covers(deepest.path)):
            found.add(row, "out_of_scope_unit", value=row.unit_text, scope=scope.label)
            continue
        if stored is None:
            for depth in range(1, len(names) + 1):
                prefix = names[:depth]
                if prefix in state.units_by_names or prefix in new_units:
                    continue
                code = row.unit_code if depth == len(names) and row.unit_code else unit_code_for(prefix)
                used_codes.add(code)
                new_units[prefix] = NewUnit(prefix, code, UNIT_KINDS[depth])
    return list(new_units.values())


def _check_officer(
    employee_no: str, rows: list[RosterRow], state: StoredState, scope: Scope, found: _Errors
) -> list[RosterRow]:
    """One officer's scope and account; returns the officer's rows still usable."""
    officer = state.officers.get(employee_no)
    for row in rows:
        if officer is not None:
            current = state.units_by_id.get(officer.unit_id)
            if not scope.nothing and (current is None or not scope.covers(current.path)):
                found.add(row, "out_of_scope_officer", employee_no=employee_no)
                continue
        if employee_no in state.usernames_taken and (officer is None or officer.user_id is None):
            found.add(row, "username_taken", username=employee_no, employee_no=employee_no)
    return found.good(rows)


def _check_spells(
    employee_no: str, rows: list[RosterRow], officer: StoredOfficer | None, found: _Errors
) -> None:
    """One officer's spells (rows sorted by hire date) by the rules of cms.spells: no overlaps and one current
    spell at most, within the file and against the stored spells the file leaves out."""
    open_rows = [r for r in rows if r.leave_date is None]
    if len(open_rows) > 1:
        listed = ", ".join(str(r.row) for r in sorted(open_rows, key=lambda r: r.row))
        for r in open_rows[1:]:
            found.add(r, "several_open", employee_no=employee_no, rows=listed)
    for i, later in enumerate(rows):
        for earlier in rows[:i]:
            if earlier.leave_date is None and later.leave_date is None:
                continue  # reported as several current spells
            if cms_spells.overlaps(earlier, later):
                found.add(later, "overlap_file", hire=_fmt(later.hire_date), leave=_fmt(later.leave_date),
                          other_row=earlier.row, other_hire=_fmt(earlier.hire_date),
                          other_leave=_fmt(earlier.leave_date))  # fmt: skip
                break
    if officer is None:
        return
    covered = {r.hire_date for r in rows}
    for spell in officer.spells.values():
        if spell.hire_date in covered:
            continue
        for row in rows:
            if spell.leave_date is None and row.leave_date is None:
                found.add(
                    row, "several_open_stored", employee_no=employee_no, other_hire=_fmt(spell.hire_date)
                )
            elif cms_spells.overlaps(spell, row):
                found.add(row, "overlap_stored", hire=_fmt(row.hire_date), leave=_fmt(row.leave_date),
                          other_hire=_fmt(spell.hire_date), other_leave=_fmt(spell.leave_date),
                          employee_no=employee_no)  # fmt: skip


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

    # The officer follows their current or latest spell (file spells and stored ones the file leaves alone).
    timeline = [
        cms_spells.Spell(s.hire_date, s.leave_date, s.leave_reason, s.unit, s.staff_category) for s in spells
    ]
    if stored:
        covered = {s.hire_date for s in spells}
        for old in stored.spells.values():
            if old.hire_date not in covered and old.unit_id in state.units_by_id:
                names = state.units_by_id[old.unit_id].names
                timeline.append(
                    cms_spells.Spell(
                        old.hire_date, old.leave_date, old.leave_reason, names, old.staff_category
                    )
                )
    position = cms_spells.position_of(timeline)
    unit, category = position.spell.unit, position.spell.staff_category
    status = ACTIVE if position.active else LEFT

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
