"""Reacts to news from lower apps: hires and leavers (cms), courses completed, attendance, exams finalized."""

import datetime

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from cms.models import EmploymentSpell, LeaveReason
from cms.signals import officers_changed
from courses.signals import attendance_recorded, course_completed
from exams.signals import attempt_finalized
from mentorship.models import Apprenticeship
from mentorship.selectors import rules


def _reevaluate_officer(officer_id: int) -> None:
    from mentorship.services import evaluate

    for pk in Apprenticeship.objects.filter(officer_id=officer_id, status="in_progress").values_list(
        "pk", flat=True
    ):
        evaluate(apprenticeship_id=pk)


@receiver(course_completed)
def on_course_completed(sender, officer, **kwargs):
    transaction.on_commit(lambda: _reevaluate_officer(officer.pk))


@receiver(attendance_recorded)
def on_attendance(sender, officer, **kwargs):
    transaction.on_commit(lambda: _reevaluate_officer(officer.pk))


@receiver(attempt_finalized)
def on_attempt_finalized(sender, officer, passed=False, **kwargs):
    if passed:
        transaction.on_commit(lambda: _reevaluate_officer(officer.pk))


@receiver(post_save, sender=EmploymentSpell)
def on_spell_saved(sender, instance: EmploymentSpell, created, raw=False, **kwargs):
    """A new open spell starts the programme; an officer with no open spell left is withdrawn."""
    if raw:
        return
    officer_id = instance.officer_id
    transaction.on_commit(lambda: _sync_officer(officer_id))


@receiver(officers_changed)
def on_officers_changed(sender, officer_ids, **kwargs):
    """Bulk writes (roster import) send this instead of one post_save per spell."""
    ids = list(officer_ids)
    transaction.on_commit(lambda: [_sync_officer(pk) for pk in ids])


def _sync_officer(officer_id: int) -> None:
    from cms.audit import _current_request
    from cms.models import Officer
    from mentorship import services

    officer = Officer.objects.select_related("unit").get(pk=officer_id)
    request = _current_request.get()
    by = getattr(request, "user", None)
    spells = list(officer.spells.order_by("hire_date"))
    open_spells = [s for s in spells if s.leave_date is None]
    active = Apprenticeship.objects.filter(officer=officer, status="in_progress").first()
    if open_spells and active is None:
        current = open_spells[-1]
        # An internal transfer continues the officer's employment: it is not a hire.
        transfer_dates = {s.leave_date for s in spells if s.leave_reason == LeaveReason.INTERNAL_TRANSFER}
        if current.hire_date in transfer_dates:
            return
        # Only recent hires start a programme; importing years of history must not enrol veterans.
        window = datetime.timedelta(days=rules().auto_start_window_days)
        if current.hire_date < timezone.localdate() - window:
            return
        if Apprenticeship.objects.filter(officer=officer, hire_date=current.hire_date).exists():
            return
        services.start_apprenticeship(officer=officer, by=by, hire_date=current.hire_date)
    elif not open_spells and active is not None:
        last = spells[-1] if spells else None
        reason = last.get_leave_reason_display() if last else ""
        services.withdraw(
            apprenticeship=active, by=by, reason=str(reason), on=last.leave_date if last else None
        )
