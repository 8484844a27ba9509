"""What a roster plan is compared against: the units, and the officers (with spells, specialties and account) the
file names, read in a handful of bulk queries. The only ORM reads of the roster import."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import is_password_usable

from cms.models import EmploymentSpell, Officer, Role, Unit


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
    User = get_user_model()
    by_user = {o.user_id: o for o in officers if o.user_id is not None}
    user_ids = sorted(by_user)
    for chunk in _chunks(user_ids, 900):
        for user_id, password, superuser, staff in User.objects.filter(pk__in=chunk).values_list(
            "pk", "password", "is_superuser", "is_staff"
        ):
            if superuser or staff or is_password_usable(password):
                by_user[user_id].email_locked = True
        roles = User.groups.through.objects.filter(user_id__in=chunk).exclude(group__name=Role.TRAINEE)
        for user_id in roles.values_list("user_id", flat=True):
            by_user[user_id].email_locked = True


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
