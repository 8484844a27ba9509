"""Employment spell services on the one write path (officer_save): hire/rehire, leaving, internal transfer, and the
invariants the roster import also enforces (no overlapping spells, at most one current spell)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models.signals import post_save

from cms.models import AuditEvent, EmploymentSpell, LeaveReason, Officer, StaffCategory
from cms.services import officer_save, officer_transfer, spell_close, spell_create
from cms.signals import officers_changed


@pytest.fixture
def officer(trainee):
    return trainee  # one current spell in street_east since 2024-03-01


def test_close_spell_marks_officer_left_and_audits(officer, hr_east):
    spell = officer.spells.get()
    spell_close(
        actor=hr_east, spell=spell, leave_date=datetime.date(2025, 1, 31), leave_reason=LeaveReason.RESIGNED
    )
    officer.refresh_from_db()
    assert officer.status == Officer.Status.LEFT
    event = AuditEvent.objects.get(action="cms.spell_update")
    assert event.actor == hr_east
    assert event.before["leave_date"] is None and event.after["leave_date"] == "2025-01-31"


def codes(exc) -> set[str]:
    return {error.code for error in exc.value.error_list}


def test_close_needs_reason_and_a_date_after_hire(officer, hr_east):
    spell = officer.spells.get()
    with pytest.raises(ValidationError) as exc:
        spell_close(actor=hr_east, spell=spell, leave_date=datetime.date(2025, 1, 31), leave_reason="")
    assert codes(exc) == {"leave_reason_missing"}
    with pytest.raises(ValidationError) as exc:
        spell_close(
            actor=hr_east,
            spell=spell,
            leave_date=datetime.date(2020, 1, 1),
            leave_reason=LeaveReason.RESIGNED,
        )
    assert codes(exc) == {"leave_before_hire"}
    spell.refresh_from_db()
    assert spell.leave_date is None
    assert not AuditEvent.objects.filter(action__startswith="cms.spell").exists()


def test_closing_an_ended_spell_is_refused(officer, hr_east):
    spell = officer.spells.get()
    spell_close(
        actor=hr_east, spell=spell, leave_date=datetime.date(2025, 1, 31), leave_reason=LeaveReason.RESIGNED
    )
    with pytest.raises(ValidationError) as exc:
        spell_close(
            actor=hr_east,
            spell=spell,
            leave_date=datetime.date(2025, 2, 28),
            leave_reason=LeaveReason.RETIRED,
        )
    assert exc.value.code == "spell_ended"


def test_rehire_after_leaving(officer, hr_east, street_west):
    spell_close(
        actor=hr_east,
        spell=officer.spells.get(),
        leave_date=datetime.date(2024, 12, 31),
        leave_reason=LeaveReason.CONTRACT_ENDED,
    )
    spell_create(
        actor=hr_east,
        officer=officer,
        unit=street_west,
        staff_category=StaffCategory.AUXILIARY,
        hire_date=datetime.date(2025, 6, 1),
    )
    officer.refresh_from_db()
    assert officer.status == Officer.Status.ACTIVE
    assert officer.unit == street_west and officer.staff_category == StaffCategory.AUXILIARY
    assert AuditEvent.objects.filter(action="cms.spell_create").count() == 1


def test_second_current_spell_and_overlaps_are_refused(officer, hr_east, street_west):
    with pytest.raises(ValidationError) as exc:
        spell_create(
            actor=hr_east,
            officer=officer,
            unit=street_west,
            staff_category=StaffCategory.FULL_TIME,
            hire_date=datetime.date(2025, 1, 1),
        )
    assert codes(exc) == {"overlap", "several_current"}
    with pytest.raises(ValidationError) as exc:  # a past spell reaching into the current one
        spell_create(
            actor=hr_east,
            officer=officer,
            unit=street_west,
            staff_category=StaffCategory.FULL_TIME,
            hire_date=datetime.date(2023, 1, 1),
            leave_date=datetime.date(2024, 6, 1),
            leave_reason=LeaveReason.INTERNAL_TRANSFER,
        )
    assert codes(exc) == {"overlap"}
    # A past spell that ends the day the current one starts fits.
    spell_create(
        actor=hr_east,
        officer=officer,
        unit=street_west,
        staff_category=StaffCategory.FULL_TIME,
        hire_date=datetime.date(2023, 1, 1),
        leave_date=datetime.date(2024, 3, 1),
        leave_reason=LeaveReason.INTERNAL_TRANSFER,
    )
    officer.refresh_from_db()
    assert officer.spells.count() == 2 and officer.unit.code == "S0101"  # still follows the latest spell


def test_internal_transfer(officer, hr_east, street_west, street_east):
    new = officer_transfer(actor=hr_east, officer=officer, unit=street_west, date=datetime.date(2025, 3, 1))
    old = officer.spells.get(hire_date=datetime.date(2024, 3, 1))
    assert (old.leave_date, old.leave_reason) == (datetime.date(2025, 3, 1), LeaveReason.INTERNAL_TRANSFER)
    assert new.hire_date == datetime.date(2025, 3, 1) and new.unit == street_west
    officer.refresh_from_db()
    assert officer.unit == street_west and officer.status == Officer.Status.ACTIVE
    with pytest.raises(ValidationError) as exc:
        officer_transfer(actor=hr_east, officer=officer, unit=street_west, date=datetime.date(2025, 4, 1))
    assert exc.value.code == "same_unit"
    assert EmploymentSpell.objects.filter(officer=officer).count() == 2
    assert AuditEvent.objects.filter(action="cms.spell_create").count() == 1
    assert AuditEvent.objects.filter(action="cms.spell_update").count() == 1


def test_transfer_needs_a_current_spell(officer, hr_east, street_west):
    spell_close(
        actor=hr_east,
        spell=officer.spells.get(),
        leave_date=datetime.date(2024, 12, 31),
        leave_reason=LeaveReason.RESIGNED,
    )
    with pytest.raises(ValidationError) as exc:
        officer_transfer(actor=hr_east, officer=officer, unit=street_west, date=datetime.date(2025, 4, 1))
    assert exc.value.code == "no_current_spell"


def test_officer_save_sends_officers_changed_once_with_the_actor(officer, hr_east, street_west):
    sent = []

    def receiver(sender, officer_ids, by=None, **kwargs):
        sent.append((list(officer_ids), by))

    officers_changed.connect(receiver, dispatch_uid="test.officer_save")
    try:
        officer_transfer(actor=hr_east, officer=officer, unit=street_west, date=datetime.date(2025, 3, 1))
    finally:
        officers_changed.disconnect(dispatch_uid="test.officer_save")
    assert sent == [([officer.pk], hr_east)]


def test_spells_saved_by_officer_save_carry_the_actor(officer, hr_east, street_west):
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(getattr(instance, "_changed_by", None))

    post_save.connect(receiver, sender=EmploymentSpell, dispatch_uid="test.changed_by")
    try:
        officer_transfer(actor=hr_east, officer=officer, unit=street_west, date=datetime.date(2025, 3, 1))
    finally:
        post_save.disconnect(sender=EmploymentSpell, dispatch_uid="test.changed_by")
    assert seen == [hr_east, hr_east]


def test_officer_save_writes_nothing_when_a_rule_is_broken(officer, hr_east, street_west):
    events = AuditEvent.objects.count()
    officer.phone = "13900000000"
    spells = [
        EmploymentSpell(
            unit=street_west, staff_category=StaffCategory.FULL_TIME, hire_date=datetime.date(2025, 1, 1)
        )
    ]
    with pytest.raises(ValidationError) as exc:
        officer_save(by=hr_east, officer=officer, spells=spells)
    assert codes(exc) == {"overlap", "several_current"}
    officer.refresh_from_db()
    assert officer.phone == "" and officer.spells.count() == 1
    assert AuditEvent.objects.count() == events
