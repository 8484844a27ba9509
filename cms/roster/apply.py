"""Applying a roster import: read, check and plan a file (cms.roster.files/rows/plan), then write the plan in one
transaction with bulk queries and audit each officer created or changed. Any error means nothing is written;
re-importing the same file changes nothing.

A roster writes thousands of officers at once, so it writes in bulk rather than officer by officer; the spell rules
it checks are cms.spells's (see cms.roster.plan), the same ones `cms.services.officer_save` enforces.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from cms import audit
from cms.email_change import hold_email_change, notify_old_address
from cms.models import EmploymentSpell, Officer, Role, Specialty, Unit
from cms.roster.errors import RosterError, RosterFileError
from cms.roster.files import read_table
from cms.roster.plan import OfficerPlan, Plan, Scope, plan_import, row_changes
from cms.roster.rows import parse_rows
from cms.roster.stored import StoredState, load_stored_state
from cms.selectors import scope_unit
from cms.signals import officers_changed

# The preview keeps at most this many per-row lines; the counts always cover every row.
PREVIEW_ROWS = 2000

OFFICER_FIELDS = ["name", "unit", "staff_category", "status", "phone", "education", "gender"]
SPELL_FIELDS = ["unit_id", "staff_category", "leave_date", "leave_reason"]


def can_import_roster(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm("cms.add_officer"))


def roster_scope(user) -> Scope:
    """Superusers and the command line (no user) import anywhere; HR only into their unit's subtree."""
    if user is None or user.is_superuser:
        return Scope()
    root = scope_unit(user)
    if root is None:
        return Scope(nothing=True)
    return Scope(path=root.path, label=root.full_name)


@dataclass
class RosterImportResult:
    file_name: str
    dry_run: bool
    rows: int = 0
    errors: list[RosterError] = field(default_factory=list)
    plan: Plan | None = None
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def report(self) -> dict:
        """JSON-safe summary stored on RosterImport and printed by the command."""
        planned = self.plan is not None and not self.errors
        counts = (
            self.plan.counts()
            if planned
            else {
                "officers": {"create": 0, "update": 0, "unchanged": 0},
                "spells": {"create": 0, "update": 0, "unchanged": 0},
                "users_created": 0,
                "units_created": 0,
            }
        )
        changes = row_changes(self.plan) if planned else []
        return {
            "file_name": self.file_name,
            "dry_run": self.dry_run,
            "applied": self.applied,
            "rows": self.rows,
            "errors": [e.as_dict() for e in self.errors],
            **counts,
            "units": [
                {"path": u.text, "code": u.code, "kind": u.kind}
                for u in (self.plan.new_units if planned else [])
            ],
            "changes": changes[:PREVIEW_ROWS],
            "changes_total": len(changes),
        }


def roster_import(
    *,
    actor,
    file_name: str,
    data: bytes,
    dry_run: bool = False,
    scope: Scope | None = None,
    record=None,
) -> RosterImportResult:
    """Read, check and (unless dry_run or any row is bad) apply a roster file in one transaction.

    Any error means nothing is written. Re-importing the same file changes nothing. `record` is the
    RosterImport being run from the admin screen (its audit record points at it).
    """
    result = RosterImportResult(file_name=file_name, dry_run=dry_run)
    try:
        table = read_table(file_name, data)
        rows, errors, result.rows = parse_rows(table)
    except RosterFileError as exc:
        result.errors = exc.errors
        return result
    scope = scope if scope is not None else roster_scope(actor)
    employee_nos = [r.employee_no for r in rows]
    if dry_run:
        plan = plan_import(rows, load_stored_state(employee_nos), scope=scope, row_count=result.rows)
        result.plan = plan
        result.errors = sorted(errors + plan.errors, key=lambda e: (e.row or 0, e.code))
        return result
    with transaction.atomic():
        # Read what the plan compares against inside the transaction, so the check and the writes agree.
        plan = plan_import(rows, load_stored_state(employee_nos), scope=scope, row_count=result.rows)
        result.plan = plan
        result.errors = sorted(errors + plan.errors, key=lambda e: (e.row or 0, e.code))
        if result.errors:
            return result
        changed_ids = apply_plan(plan, actor=actor)
        result.applied = True
        audit.record(
            actor=actor,
            action="cms.roster_import",
            obj=record,
            object_repr=file_name,
            unit=scope_unit(actor) if actor is not None and not actor.is_superuser else None,
            after={
                "file_name": file_name,
                "rows": result.rows,
                **plan.counts(),
                "units": [u.text for u in plan.new_units],
            },
        )
        if changed_ids:
            officers_changed.send(sender=Officer, officer_ids=sorted(changed_ids), by=actor)
    return result


# --- Writing a checked plan ------------------------------------------------------


def apply_plan(plan: Plan, *, actor) -> set[int]:
    """Write a checked plan with bulk queries; audit each created or changed officer. Returns changed officer ids."""
    unit_ids = _create_units(plan)
    changing = [o for o in plan.officers if o.action != "unchanged"]
    if not changing:
        return set()
    new_users = _write_accounts(changing, actor=actor)
    created, updated = _write_officers(changing, unit_ids, new_users)
    _write_specialties(created + updated)
    _write_spells(created + updated, unit_ids)
    _audit_officers(created, updated, plan.state, actor=actor)
    return {officer.pk for _, officer in created + updated}


def _create_units(plan: Plan) -> dict[tuple[str, ...], int]:
    """Create the new units, parents first (plan.new_units lists every new prefix before its children).
    Returns the id of every unit by its names."""
    unit_ids = {names: unit.id for names, unit in plan.state.units_by_names.items()}
    for new in plan.new_units:
        if len(new.names) == 1:
            unit = Unit.add_root(code=new.code, name=new.names[-1], kind=new.kind)
        else:
            parent = Unit.objects.get(pk=unit_ids[new.names[:-1]])
            unit = parent.add_child(code=new.code, name=new.names[-1], kind=new.kind)
        unit_ids[new.names] = unit.pk
    return unit_ids


def _write_accounts(changing: list[OfficerPlan], *, actor) -> dict:
    """Accounts: username = employee number, no usable password until an administrator sets one or the officer
    resets it by email; every new account starts as a trainee. Email changes of existing accounts are written, or
    held until the holder confirms them. Returns the new accounts by employee number."""
    User = get_user_model()
    new_users = {}
    for officer_plan in changing:
        if officer_plan.create_user:
            user = User(username=officer_plan.employee_no, first_name=officer_plan.name[:150])
            user.email = officer_plan.email or ""
            user.set_unusable_password()
            new_users[officer_plan.employee_no] = user
    if new_users:
        User.objects.bulk_create(list(new_users.values()), batch_size=500)
        trainee, _created = Group.objects.get_or_create(name=Role.TRAINEE)
        # One group change and one audit event for it (as cms.signals records group.user_set.add), written
        # directly: the m2m signal would know no actor inside the import task.
        through = User.groups.through
        through.objects.bulk_create(
            [through(user_id=u.pk, group_id=trainee.pk) for u in new_users.values()],
            batch_size=2000,
            ignore_conflicts=True,
        )
        audit.record(
            actor=actor,
            action="cms.role_grant",
            obj=trainee,
            after={"role": trainee.name, "users": sorted(new_users)},
        )
    email_updates = []
    for officer_plan in changing:
        stored = officer_plan.stored
        if stored is None or stored.user_id is None:
            continue
        if "email" in officer_plan.changed:
            user = User(pk=stored.user_id, username=officer_plan.employee_no, email=officer_plan.email)
            email_updates.append(user)
            notify_old_address(user=user, old_email=stored.email or "", new_email=officer_plan.email)
        elif "email_held" in officer_plan.changed:
            holder = User.objects.get(pk=stored.user_id)
            hold_email_change(user=holder, new_email=officer_plan.email, by=actor)
    if email_updates:
        User.objects.bulk_update(email_updates, ["email"], batch_size=500)
    return new_users


def _write_officers(changing: list[OfficerPlan], unit_ids: dict, new_users: dict):
    """Create and update the officers; returns (plan, officer) pairs of the created and of the updated ones."""
    now = timezone.now()
    units = Unit.objects.in_bulk({unit_ids[o.unit] for o in changing})
    created: list[tuple[OfficerPlan, Officer]] = []
    stored_ids = [p.stored.id for p in changing if p.stored is not None]
    existing = Officer.objects.in_bulk(stored_ids)
    updated: list[tuple[OfficerPlan, Officer]] = []
    for officer_plan in changing:
        if officer_plan.stored is None:
            officer = Officer(employee_no=officer_plan.employee_no, user=new_users[officer_plan.employee_no])
            created.append((officer_plan, officer))
        else:
            updated.append((officer_plan, existing[officer_plan.stored.id]))
    for officer_plan, officer in created + updated:
        officer.name = officer_plan.name
        officer.unit = units[unit_ids[officer_plan.unit]]
        officer.staff_category = officer_plan.staff_category
        officer.status = officer_plan.status
        officer.phone = officer_plan.phone
        officer.education = officer_plan.education
        officer.gender = officer_plan.gender
        officer.updated_at = now
        if officer_plan.create_user and officer_plan.stored is not None:
            officer.user = new_users[officer_plan.employee_no]
    Officer.objects.bulk_create([o for _, o in created], batch_size=500)
    if updated:
        Officer.objects.bulk_update(
            [o for _, o in updated], [*OFFICER_FIELDS, "user", "updated_at"], batch_size=500
        )
    return created, updated


def _write_specialties(officers: list[tuple[OfficerPlan, Officer]]) -> None:
    """Specialty links, only for officers whose rows name specialties; missing specialties are created."""
    wanted = set().union(*(p.specialties for p, _officer in officers if p.specialties))
    specialty_ids = dict(Specialty.objects.filter(name__in=wanted).values_list("name", "id"))
    missing = sorted(wanted - set(specialty_ids))
    if missing:
        Specialty.objects.bulk_create([Specialty(name=n) for n in missing], ignore_conflicts=True)
        specialty_ids = dict(Specialty.objects.filter(name__in=wanted).values_list("name", "id"))
    through = Officer.specialties.through
    links = []
    for officer_plan, officer in officers:
        if officer_plan.specialties is None:
            continue
        before = officer_plan.stored.specialties if officer_plan.stored else frozenset()
        for name in sorted(officer_plan.specialties - before):
            links.append(through(officer_id=officer.pk, specialty_id=specialty_ids[name]))
        removed = before - officer_plan.specialties
        if removed:
            through.objects.filter(officer_id=officer.pk, specialty__name__in=removed).delete()
    through.objects.bulk_create(links, batch_size=500, ignore_conflicts=True)


def _write_spells(officers: list[tuple[OfficerPlan, Officer]], unit_ids: dict) -> None:
    """Spells matched by (officer, hire date); stored spells the file does not mention are left alone."""
    new_spells, changed_spells = [], {}
    for officer_plan, officer in officers:
        for spell in officer_plan.spells:
            values = {
                "unit_id": unit_ids[spell.unit],
                "staff_category": spell.staff_category,
                "leave_date": spell.leave_date,
                "leave_reason": spell.leave_reason,
            }
            if spell.action == "create":
                new_spells.append(EmploymentSpell(officer_id=officer.pk, hire_date=spell.hire_date, **values))
            elif spell.action == "update":
                changed_spells[spell.stored_id] = values
    EmploymentSpell.objects.bulk_create(new_spells, batch_size=500)
    if changed_spells:
        stored = EmploymentSpell.objects.in_bulk(list(changed_spells))
        for spell_id, values in changed_spells.items():
            for name, value in values.items():
                setattr(stored[spell_id], name, value)
        EmploymentSpell.objects.bulk_update(list(stored.values()), SPELL_FIELDS, batch_size=500)


def _audit_officers(created, updated, state: StoredState, *, actor) -> None:
    """One audit event per created or changed officer, written in bulk with their Wagtail log mirror."""
    entries = [
        {
            "actor": actor,
            "action": "cms.officer_create",
            "obj": officer,
            "unit": officer.unit,
            "after": _planned_snapshot(officer_plan, state),
        }
        for officer_plan, officer in created
    ]
    for officer_plan, officer in updated:
        before, after = _stored_snapshot(officer_plan, state), _planned_snapshot(officer_plan, state)
        if before != after:
            entries.append(
                {
                    "actor": actor,
                    "action": "cms.officer_update",
                    "obj": officer,
                    "unit": officer.unit,
                    "before": before,
                    "after": after,
                }
            )
    audit.record_many(entries)


def _unit_text(state: StoredState, unit_id: int | None) -> str:
    unit = state.units_by_id.get(unit_id)
    return "/".join(unit.names) if unit else ""


def _stored_snapshot(plan: OfficerPlan, state: StoredState) -> dict:
    stored = plan.stored
    return {
        "employee_no": stored.employee_no,
        "name": stored.name,
        "unit": _unit_text(state, stored.unit_id),
        "staff_category": stored.staff_category,
        "status": stored.status,
        "phone": stored.phone,
        "education": stored.education,
        "gender": stored.gender,
        "email": stored.email or "",
        "specialties": sorted(stored.specialties),
        "spells": [
            {
                "unit": _unit_text(state, s.unit_id),
                "staff_category": s.staff_category,
                "hire_date": s.hire_date,
                "leave_date": s.leave_date,
                "leave_reason": s.leave_reason,
            }
            for s in sorted(stored.spells.values(), key=lambda s: s.hire_date)
        ],
    }


def _planned_snapshot(plan: OfficerPlan, state: StoredState) -> dict:
    stored = plan.stored
    spells = {
        s.hire_date: {
            "unit": "/".join(s.unit),
            "staff_category": s.staff_category,
            "hire_date": s.hire_date,
            "leave_date": s.leave_date,
            "leave_reason": s.leave_reason,
        }
        for s in plan.spells
    }
    if stored is not None:
        for s in stored.spells.values():
            spells.setdefault(
                s.hire_date,
                {
                    "unit": _unit_text(state, s.unit_id),
                    "staff_category": s.staff_category,
                    "hire_date": s.hire_date,
                    "leave_date": s.leave_date,
                    "leave_reason": s.leave_reason,
                },
            )
    if plan.specialties is not None:
        specialties = sorted(plan.specialties)
    else:
        specialties = sorted(stored.specialties) if stored else []
    email = plan.email if plan.email is not None else (stored.email or "" if stored else "")
    if "email_held" in plan.changed:
        email = stored.email or ""  # held until the holder confirms; see cms.email_change
    return {
        "employee_no": plan.employee_no,
        "name": plan.name,
        "unit": "/".join(plan.unit),
        "staff_category": plan.staff_category,
        "status": plan.status,
        "phone": plan.phone,
        "education": plan.education,
        "gender": plan.gender,
        "email": email,
        "specialties": specialties,
        "spells": [spells[d] for d in sorted(spells)],
    }
