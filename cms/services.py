"""Writes for people and units: officers, employment spells and the roster import that creates them in bulk.

Services are keyword-only, take the acting user, run in one transaction and write the audit records there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms import audit
from cms.email_change import hold_email_change, notify_old_address
from cms.models import EmploymentSpell, LeaveReason, Officer, Role, RosterImport, Specialty, Unit
from cms.roster import MAX_BYTES as MAX_ROSTER_BYTES
from cms.roster import (
    OfficerPlan,
    Plan,
    RosterError,
    RosterFileError,
    Scope,
    StoredState,
    load_stored_state,
    parse_rows,
    plan_import,
    read_table,
    row_changes,
    spells_overlap,
)
from cms.selectors import scope_unit
from cms.signals import officers_changed

logger = logging.getLogger(__name__)

# The preview keeps at most this many per-row lines; the counts always cover every row.
PREVIEW_ROWS = 2000


# --- Employment spells -----------------------------------------------------------

SPELL_FIELDS = ["unit", "staff_category", "hire_date", "leave_date", "leave_reason"]


def _check_spell_fits(spell: EmploymentSpell, others) -> None:
    """A person's spells never overlap and at most one is current (has no leave date)."""
    for other in others:
        if other.pk == spell.pk:
            continue
        if other.leave_date is None and spell.leave_date is None:
            raise ValidationError(
                _("%(officer)s already has a current employment spell since %(hire)s.")
                % {"officer": spell.officer, "hire": other.hire_date.isoformat()}
            )
        if spells_overlap(other.hire_date, other.leave_date, spell.hire_date, spell.leave_date):
            raise ValidationError(
                _("The spell overlaps the employment spell %(hire)s – %(leave)s.")
                % {
                    "hire": other.hire_date.isoformat(),
                    "leave": other.leave_date.isoformat() if other.leave_date else "…",
                }
            )


def _follow_latest_spell(officer: Officer) -> None:
    """The officer's unit and category are those of their latest spell; active while a spell is open."""
    spells = list(officer.spells.order_by("hire_date"))
    if not spells:
        return
    latest = spells[-1]
    officer.unit_id = latest.unit_id
    officer.staff_category = latest.staff_category
    officer.status = (
        Officer.Status.ACTIVE if any(s.leave_date is None for s in spells) else Officer.Status.LEFT
    )
    officer.save(update_fields=["unit", "staff_category", "status", "updated_at"])


def spell_create(
    *,
    actor,
    officer: Officer,
    unit: Unit,
    staff_category: str,
    hire_date,
    leave_date=None,
    leave_reason: str = "",
) -> EmploymentSpell:
    """Add an employment spell (a hire, a rehire or a past spell) and bring the officer's record up to date."""
    with transaction.atomic():
        officer = Officer.objects.select_for_update().get(pk=officer.pk)
        spell = EmploymentSpell(
            officer=officer,
            unit=unit,
            staff_category=staff_category,
            hire_date=hire_date,
            leave_date=leave_date,
            leave_reason=leave_reason,
        )
        spell.full_clean()
        _check_spell_fits(spell, officer.spells.all())
        spell.save()
        _follow_latest_spell(officer)
        audit.record(
            actor=actor, action="cms.spell_create", obj=spell, unit=unit, after=audit.snapshot(spell)
        )
        officers_changed.send(sender=Officer, officer_ids=[officer.pk])
    return spell


def spell_close(*, actor, spell: EmploymentSpell, leave_date, leave_reason: str) -> EmploymentSpell:
    """End a current spell (the officer leaves, or moves on by internal transfer)."""
    with transaction.atomic():
        officer = Officer.objects.select_for_update().get(pk=spell.officer_id)
        spell = EmploymentSpell.objects.select_for_update().get(pk=spell.pk)
        if spell.leave_date is not None:
            raise ValidationError(_("This employment spell has already ended."))
        before = audit.snapshot(spell)
        spell.leave_date, spell.leave_reason = leave_date, leave_reason
        spell.full_clean()
        _check_spell_fits(spell, officer.spells.all())
        spell.save(update_fields=["leave_date", "leave_reason"])
        _follow_latest_spell(officer)
        audit.record(
            actor=actor,
            action="cms.spell_update",
            obj=spell,
            unit=spell.unit,
            before=before,
            after=audit.snapshot(spell),
        )
        officers_changed.send(sender=Officer, officer_ids=[officer.pk])
    return spell


def officer_transfer(
    *, actor, officer: Officer, unit: Unit, date, staff_category: str | None = None
) -> EmploymentSpell:
    """An internal transfer: the current spell ends on `date` and a new one starts in `unit` on the same day."""
    with transaction.atomic():
        current = officer.spells.select_for_update().filter(leave_date__isnull=True).first()
        if current is None:
            raise ValidationError(
                _("%(officer)s has no current employment spell to transfer.") % {"officer": officer}
            )
        if current.unit_id == unit.pk:
            raise ValidationError(
                _("%(officer)s already works in %(unit)s.") % {"officer": officer, "unit": unit}
            )
        spell_close(actor=actor, spell=current, leave_date=date, leave_reason=LeaveReason.INTERNAL_TRANSFER)
        return spell_create(
            actor=actor,
            officer=officer,
            unit=unit,
            staff_category=staff_category or current.staff_category,
            hire_date=date,
        )


# --- Roster import -------------------------------------------------------------


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
        counts = (
            self.plan.counts()
            if self.plan is not None and not self.errors
            else {
                "officers": {"create": 0, "update": 0, "unchanged": 0},
                "spells": {"create": 0, "update": 0, "unchanged": 0},
                "users_created": 0,
                "units_created": 0,
            }
        )
        changes = row_changes(self.plan) if self.plan is not None and not self.errors else []
        return {
            "file_name": self.file_name,
            "dry_run": self.dry_run,
            "applied": self.applied,
            "rows": self.rows,
            "errors": [e.as_dict() for e in self.errors],
            **counts,
            "units": [
                {"path": u.text, "code": u.code, "kind": u.kind}
                for u in (self.plan.new_units if self.plan is not None and not self.errors else [])
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
    record: RosterImport | None = None,
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
        changed_ids = _apply_roster_plan(plan, actor=actor)
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
            officers_changed.send(sender=Officer, officer_ids=sorted(changed_ids))
    return result


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


def _apply_roster_plan(plan: Plan, *, actor) -> set[int]:
    """Write a checked plan with bulk queries; audit each created or changed officer. Returns changed officer ids."""
    User = get_user_model()
    state = plan.state
    now = timezone.now()

    # Units, parents first (plan.new_units lists every new prefix before its children).
    unit_ids = {names: unit.id for names, unit in state.units_by_names.items()}
    for new in plan.new_units:
        if len(new.names) == 1:
            unit = Unit.add_root(code=new.code, name=new.names[-1], kind=new.kind)
        else:
            parent = Unit.objects.get(pk=unit_ids[new.names[:-1]])
            unit = parent.add_child(code=new.code, name=new.names[-1], kind=new.kind)
        unit_ids[new.names] = unit.pk

    changing = [o for o in plan.officers if o.action != "unchanged"]
    if not changing:
        return set()
    units = Unit.objects.in_bulk({unit_ids[o.unit] for o in changing})

    # Specialties named in the file.
    wanted = set().union(*(o.specialties for o in changing if o.specialties))
    specialty_ids = dict(Specialty.objects.filter(name__in=wanted).values_list("name", "id"))
    missing = sorted(wanted - set(specialty_ids))
    if missing:
        Specialty.objects.bulk_create([Specialty(name=n) for n in missing], ignore_conflicts=True)
        specialty_ids = dict(Specialty.objects.filter(name__in=wanted).values_list("name", "id"))

    # Accounts: username = employee number, no usable password until an administrator sets one or the
    # officer resets it by email; every new account starts as a trainee.
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
        trainee.user_set.add(*new_users.values())
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

    # Officers.
    officer_fields = ["name", "unit", "staff_category", "status", "phone", "education", "gender"]
    created: list[tuple[OfficerPlan, Officer]] = []
    updated: list[tuple[OfficerPlan, Officer]] = []
    for officer_plan in changing:
        if officer_plan.stored is None:
            officer = Officer(employee_no=officer_plan.employee_no, user=new_users[officer_plan.employee_no])
            created.append((officer_plan, officer))
        else:
            updated.append((officer_plan, None))
    existing = Officer.objects.in_bulk([p.stored.id for p, _officer in updated])
    updated = [(p, existing[p.stored.id]) for p, _officer in updated]
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
            [o for _, o in updated], [*officer_fields, "user", "updated_at"], batch_size=500
        )

    # Specialty links: only for officers whose rows name specialties.
    through = Officer.specialties.through
    links = []
    for officer_plan, officer in created + updated:
        if officer_plan.specialties is None:
            continue
        before = officer_plan.stored.specialties if officer_plan.stored else frozenset()
        for name in sorted(officer_plan.specialties - before):
            links.append(through(officer_id=officer.pk, specialty_id=specialty_ids[name]))
        removed = before - officer_plan.specialties
        if removed:
            through.objects.filter(officer_id=officer.pk, specialty__name__in=removed).delete()
    through.objects.bulk_create(links, batch_size=500, ignore_conflicts=True)

    # Spells matched by (officer, hire date); stored spells the file does not mention are left alone.
    new_spells, changed_spells = [], {}
    for officer_plan, officer in created + updated:
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
        spells = EmploymentSpell.objects.in_bulk(list(changed_spells))
        for spell_id, values in changed_spells.items():
            for name, value in values.items():
                setattr(spells[spell_id], name, value)
        EmploymentSpell.objects.bulk_update(
            list(spells.values()), ["unit_id", "staff_category", "leave_date", "leave_reason"], batch_size=500
        )

    for officer_plan, officer in created:
        audit.record(
            actor=actor,
            action="cms.officer_create",
            obj=officer,
            unit=officer.unit,
            after=_planned_snapshot(officer_plan, state),
        )
    for officer_plan, officer in updated:
        before, after = _stored_snapshot(officer_plan, state), _planned_snapshot(officer_plan, state)
        if before != after:
            audit.record(
                actor=actor,
                action="cms.officer_update",
                obj=officer,
                unit=officer.unit,
                before=before,
                after=after,
            )
    return {officer.pk for _, officer in created + updated}


# --- The admin screen's two steps ------------------------------------------------


def roster_upload(
    *, actor, file_name: str, data: bytes, enqueue: Callable[[int], object] | None = None
) -> RosterImport:
    """Store an uploaded roster file and queue its dry run (the preview) in a worker: the web request never
    parses the file. Nothing else is written."""
    if len(data) > MAX_ROSTER_BYTES:
        raise ValidationError(
            {"file": _("The file is larger than %(max)s MB.") % {"max": MAX_ROSTER_BYTES // (1024 * 1024)}},
            code="too_large",
        )
    with transaction.atomic():
        record = RosterImport.objects.create(file_name=file_name[:255], content=data, uploaded_by=actor)
        if enqueue is None:
            from django_q.tasks import async_task

            def enqueue(pk):
                return async_task(
                    "cms.tasks.run_roster_dry_run",
                    pk,
                    task_name=f"roster-dry-run-{pk}",
                    group="roster_import",
                )

        transaction.on_commit(lambda: enqueue(record.pk))
    return record


def roster_dry_run(*, roster_import_id: int) -> RosterImport:
    """Check an uploaded file and store its dry-run report. Idempotent: a file already checked is left alone."""
    record = RosterImport.objects.select_related("uploaded_by").get(pk=roster_import_id)
    if record.dry_run_report is not None:
        return record
    try:
        result = roster_import(
            actor=record.uploaded_by, file_name=record.file_name, data=bytes(record.content), dry_run=True
        )
        report, rows = result.report(), result.rows
    except Exception:
        logger.exception("roster dry run %s failed", roster_import_id)
        report = {"errors": [{"row": None, "code": "dry_run_crashed", "params": {}}], "crashed": True}
        rows = 0
    RosterImport.objects.filter(pk=roster_import_id, dry_run_report__isnull=True).update(
        dry_run_report=report, total_rows=rows
    )
    record.refresh_from_db()
    return record


def roster_confirm(
    *, actor, roster_import_id: int, enqueue: Callable[[int], object] | None = None
) -> RosterImport:
    """Mark a previewed import as confirmed and queue the task that applies it (after this transaction commits)."""
    with transaction.atomic():
        record = RosterImport.objects.select_for_update().get(pk=roster_import_id)
        if not record.can_confirm:
            raise ValueError("roster import cannot be confirmed")
        record.confirmed_at = timezone.now()
        record.save(update_fields=["confirmed_at"])
        if enqueue is None:
            from django_q.tasks import async_task

            def enqueue(pk):
                return async_task(
                    "cms.tasks.run_roster_import", pk, task_name=f"roster-import-{pk}", group="roster_import"
                )

        transaction.on_commit(lambda: enqueue(record.pk))
    return record


def roster_run(*, roster_import_id: int) -> RosterImport:
    """Apply a confirmed import. Idempotent: a finished import is left alone (the row lock makes a second,
    concurrent delivery wait and then see it finished); a re-run after a crashed worker starts from scratch
    because the crashed run's transaction was rolled back."""
    RosterImport.objects.filter(
        pk=roster_import_id, status=RosterImport.Status.PENDING, confirmed_at__isnull=False
    ).update(status=RosterImport.Status.RUNNING)
    try:
        with transaction.atomic():
            record = (
                RosterImport.objects.select_for_update(of=("self",))
                .select_related("uploaded_by")
                .get(pk=roster_import_id)
            )
            if record.is_finished or record.confirmed_at is None:
                return record
            actor = record.uploaded_by
            # The uploader's rights are checked again: they may have been removed since the preview.
            scope = roster_scope(actor) if can_import_roster(actor) else Scope(nothing=True, denied=True)
            result = roster_import(
                actor=actor,
                file_name=record.file_name,
                data=bytes(record.content),
                record=record,
                scope=scope,
            )
            record.status = RosterImport.Status.DONE if result.ok else RosterImport.Status.FAILED
            record.finished_at = timezone.now()
            record.total_rows = result.rows
            record.processed_rows = result.rows if result.ok else 0
            record.report = result.report()
            record.save(update_fields=["status", "finished_at", "total_rows", "processed_rows", "report"])
    except Exception:
        logger.exception("roster import %s failed", roster_import_id)
        RosterImport.objects.filter(pk=roster_import_id).exclude(status=RosterImport.Status.DONE).update(
            status=RosterImport.Status.FAILED,
            finished_at=timezone.now(),
            report={"errors": [], "crashed": True},
        )
        return RosterImport.objects.get(pk=roster_import_id)
    return record
