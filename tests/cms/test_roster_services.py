"""Employment spell services: hire/rehire, leaving, internal transfer, and the invariants the roster import
also enforces (no overlapping spells, at most one current spell)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from cms.models import AuditEvent, EmploymentSpell, LeaveReason, Officer, StaffCategory
from cms.services import officer_transfer, spell_close, spell_create


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


def test_close_needs_reason_and_a_date_after_hire(officer, hr_east):
    spell = officer.spells.get()
    with pytest.raises(ValidationError):
        spell_close(actor=hr_east, spell=spell, leave_date=datetime.date(2025, 1, 31), leave_reason="")
    with pytest.raises(ValidationError):
        spell_close(
            actor=hr_east,
            spell=spell,
            leave_date=datetime.date(2020, 1, 1),
            leave_reason=LeaveReason.RESIGNED,
        )
    spell.refresh_from_db()
    assert spell.leave_date is None


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
    with pytest.raises(ValidationError):
        spell_create(
            actor=hr_east,
            officer=officer,
            unit=street_west,
            staff_category=StaffCategory.FULL_TIME,
            hire_date=datetime.date(2025, 1, 1),
        )
    with pytest.raises(ValidationError):  # a past spell reaching into the current one
        spell_create(
            actor=hr_east,
            officer=officer,
            unit=street_west,
            staff_category=StaffCategory.FULL_TIME,
            hire_date=datetime.date(2023, 1, 1),
            leave_date=datetime.date(2024, 6, 1),
            leave_reason=LeaveReason.INTERNAL_TRANSFER,
        )
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
    with pytest.raises(ValidationError):
        officer_transfer(actor=hr_east, officer=officer, unit=street_west, date=datetime.date(2025, 4, 1))
    assert EmploymentSpell.objects.filter(officer=officer).count() == 2
