"""Officers and their employment spells: one write path, `officer_save`, which the officer admin, the spell
services below and any other writer of single officers use. It checks the spells by the rules of cms.spells,
writes the officer, the spells and the audit records in one transaction, and tells higher apps once
(`cms.signals.officers_changed`). The roster import writes thousands of officers in bulk by the same rules
(cms.roster.apply)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cms import audit
from cms import spells as spell_rules
from cms.models import EmploymentSpell, LeaveReason, Officer, Role, Unit
from cms.signals import officers_changed


def officer_snapshot(officer: Officer) -> dict:
    """What the audit trail keeps of an officer: every field but the timestamps, and the specialties' names."""
    data = audit.snapshot(officer, fields=None)
    data.pop("created_at", None)
    data.pop("updated_at", None)
    data["specialties"] = sorted(s.name for s in officer.specialties.all()) if officer.pk else []
    return data


def spell_snapshot(spell: EmploymentSpell) -> dict:
    return audit.snapshot(spell)


def officer_save(*, by, officer: Officer, spells: Iterable[EmploymentSpell], specialties=None) -> Officer:
    """Create or update an officer together with their employment spells, all or nothing.

    - `officer`: a new (unsaved) or changed Officer. Its unit, staff category and status follow its spells
      (cms.spells.position_of); a new officer without an account gets one named after the employee number, with
      no usable password, in the trainee role.
    - `spells`: new (no pk) and changed spells of this officer; stored spells not listed stay as they are. All of
      them together must keep the rules of cms.spells, else ValidationError (with the rules' codes) and nothing
      is written. Listed spells equal to the stored ones are not written again.
    - `specialties`: when given, the officer's specialties become exactly these.

    Audits cms.officer_create / cms.officer_update (when the officer's record changed) and cms.spell_create /
    cms.spell_update per spell written, and sends `officers_changed` once with `by`.
    """
    spells = list(spells)
    with transaction.atomic():
        creating = officer.pk is None
        before: dict | None = None
        stored: dict[int, EmploymentSpell] = {}
        if not creating:
            before = officer_snapshot(Officer.objects.select_for_update().get(pk=officer.pk))
            stored = {s.pk: s for s in EmploymentSpell.objects.filter(officer_id=officer.pk)}
        for spell in spells:
            spell.clean_fields(exclude=["officer"])
        listed = {s.pk for s in spells if s.pk is not None}
        everything = [s for pk, s in stored.items() if pk not in listed] + spells
        spell_rules.check(everything)

        position = spell_rules.position_of(everything)
        if position is not None:
            officer.unit = position.spell.unit
            officer.staff_category = position.spell.staff_category
            officer.status = Officer.Status.ACTIVE if position.active else Officer.Status.LEFT
        new_user = None
        if creating and officer.user_id is None:
            User = get_user_model()
            new_user = User(username=officer.employee_no, first_name=officer.name[:150])
            new_user.set_unusable_password()  # can log in once an administrator sets a password
            new_user.save()
            officer.user = new_user
        officer.save()
        if specialties is not None:
            officer.specialties.set(specialties)
        if new_user is not None:
            trainee_group = Group.objects.filter(name=Role.TRAINEE).first()
            if trainee_group is not None:
                new_user.groups.add(trainee_group)

        after = officer_snapshot(officer)
        if creating:
            audit.record(actor=by, action="cms.officer_create", obj=officer, after=after)
        elif after != before:
            audit.record(actor=by, action="cms.officer_update", obj=officer, before=before, after=after)
        for spell in spells:
            _write_spell(spell, officer=officer, old=stored.get(spell.pk), by=by)
        officers_changed.send(sender=Officer, officer_ids=[officer.pk], by=by)
    return officer


def _write_spell(spell: EmploymentSpell, *, officer: Officer, old: EmploymentSpell | None, by) -> None:
    if old is not None and spell_snapshot(old) == spell_snapshot(spell):
        return
    spell.officer = officer
    spell._changed_by = by  # read by receivers of post_save (mentorship)
    spell.save()
    # Name the officer, so searching the audit trail for an employee number finds spell changes too.
    label = f"{officer} {spell.hire_date.isoformat()}"
    if old is None:
        audit.record(
            actor=by, action="cms.spell_create", obj=spell, after=spell_snapshot(spell), object_repr=label
        )
    else:
        audit.record(
            actor=by,
            action="cms.spell_update",
            obj=spell,
            before=spell_snapshot(old),
            after=spell_snapshot(spell),
            object_repr=label,
        )


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
    spell = EmploymentSpell(
        officer=officer,
        unit=unit,
        staff_category=staff_category,
        hire_date=hire_date,
        leave_date=leave_date,
        leave_reason=leave_reason,
    )
    officer_save(by=actor, officer=Officer.objects.get(pk=officer.pk), spells=[spell])
    return spell


def spell_close(*, actor, spell: EmploymentSpell, leave_date, leave_reason: str) -> EmploymentSpell:
    """End a current spell (the officer leaves, or moves on by internal transfer)."""
    with transaction.atomic():
        spell = EmploymentSpell.objects.select_for_update().select_related("officer").get(pk=spell.pk)
        if spell.leave_date is not None:
            raise ValidationError(_("This employment spell has already ended."), code="spell_ended")
        spell.leave_date, spell.leave_reason = leave_date, leave_reason
        officer_save(by=actor, officer=spell.officer, spells=[spell])
    return spell


def officer_transfer(
    *, actor, officer: Officer, unit: Unit, date, staff_category: str | None = None
) -> EmploymentSpell:
    """An internal transfer: the current spell ends on `date` and a new one starts in `unit` on the same day."""
    with transaction.atomic():
        officer = Officer.objects.select_for_update().get(pk=officer.pk)
        current = spell_rules.current_of(officer.spells.all())
        if current is None:
            raise ValidationError(
                _("%(officer)s has no current employment spell to transfer.") % {"officer": officer},
                code="no_current_spell",
            )
        if current.unit_id == unit.pk:
            raise ValidationError(
                _("%(officer)s already works in %(unit)s.") % {"officer": officer, "unit": unit},
                code="same_unit",
            )
        current.leave_date, current.leave_reason = date, LeaveReason.INTERNAL_TRANSFER
        new = EmploymentSpell(
            officer=officer,
            unit=unit,
            staff_category=staff_category or current.staff_category,
            hire_date=date,
        )
        officer_save(by=actor, officer=officer, spells=[current, new])
    return new
