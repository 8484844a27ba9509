"""Reacts to news from lower apps: hires and leavers (cms), courses completed, attendance, exams finalized.

Connected by `connect()` from mentorship.integration (AppConfig.ready), each with a dispatch_uid. The acting user
comes with the news: `by=` on officers_changed, `_changed_by` on a spell the cms write path saved."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from cms import thumbnails
from cms.models import EmploymentSpell, LeaveReason, Officer
from cms.signals import officers_changed
from courses.signals import attendance_recorded, course_completed
from exams.signals import attempt_finalized
from mentorship import services
from mentorship.models import Apprenticeship, Attachment
from mentorship.selectors import rules

logger = logging.getLogger(__name__)


def _reevaluate_officer(officer_id: int) -> None:
    for pk in Apprenticeship.objects.filter(
        officer_id=officer_id, status=Apprenticeship.Status.IN_PROGRESS
    ).values_list("pk", flat=True):
        services.evaluate(apprenticeship_id=pk)


def on_course_completed(sender, officer, **kwargs):
    transaction.on_commit(lambda: _reevaluate_officer(officer.pk))


def on_attendance(sender, officer, **kwargs):
    transaction.on_commit(lambda: _reevaluate_officer(officer.pk))


def on_attempt_finalized(sender, officer, passed=False, **kwargs):
    if passed:
        transaction.on_commit(lambda: _reevaluate_officer(officer.pk))


def on_spell_saved(sender, instance: EmploymentSpell, created, raw=False, **kwargs):
    """A new open spell starts the programme; an officer with no open spell left is withdrawn."""
    if raw:
        return
    officer_id = instance.officer_id
    by = getattr(instance, "_changed_by", None)
    transaction.on_commit(lambda: sync_officers([officer_id], by=by))


def on_officers_changed(sender, officer_ids, by=None, **kwargs):
    """Bulk writes (roster import, officer_save) send this once, at the end of their transaction, instead of one
    post_save per spell. The sync runs right here, inside that transaction, not after its commit: a roster import's
    worker killed after the commit would otherwise leave its new hires without a programme, and the redelivered
    task sees a finished import. Inside, the import and the programmes it starts commit together or not at all,
    and a redelivery redoes both."""
    sync_officers(officer_ids, by=by)


SYNC_CHUNK = 2000


def sync_officers(officer_ids, *, by=None) -> None:
    """Start or withdraw the programme of each officer from their spells, set-based: three reads per chunk of
    officers (their spells, their running programmes, the hire dates that already have one); the services run only
    for the officers that actually start or leave a programme (a roster of veterans starts nobody)."""
    ids = sorted(set(officer_ids))
    for i in range(0, len(ids), SYNC_CHUNK):
        _sync_chunk(ids[i : i + SYNC_CHUNK], by=by)


def _sync_chunk(ids: list[int], *, by) -> None:
    spells_of: dict[int, list] = {pk: [] for pk in ids}
    for spell in (
        EmploymentSpell.objects.filter(officer_id__in=ids)
        .only("officer_id", "hire_date", "leave_date", "leave_reason")
        .order_by("officer_id", "hire_date")
    ):
        spells_of[spell.officer_id].append(spell)
    running = {
        a.officer_id: a
        for a in Apprenticeship.objects.filter(officer_id__in=ids, status=Apprenticeship.Status.IN_PROGRESS)
    }
    started = set(Apprenticeship.objects.filter(officer_id__in=ids).values_list("officer_id", "hire_date"))
    window_start = timezone.localdate() - datetime.timedelta(days=rules().auto_start_window_days)
    to_start: dict[int, datetime.date] = {}
    to_withdraw: list[tuple[Apprenticeship, EmploymentSpell | None]] = []
    for pk in ids:
        spells = spells_of[pk]
        open_spells = [s for s in spells if s.leave_date is None]
        active = running.get(pk)
        if open_spells and active is None:
            current = open_spells[-1]
            # An internal transfer continues the officer's employment: it is not a hire.
            transfer_dates = {s.leave_date for s in spells if s.leave_reason == LeaveReason.INTERNAL_TRANSFER}
            # Only recent hires start a programme; importing years of history must not enrol veterans.
            if (
                current.hire_date not in transfer_dates
                and current.hire_date >= window_start
                and (pk, current.hire_date) not in started
            ):
                to_start[pk] = current.hire_date
        elif not open_spells and active is not None:
            to_withdraw.append((active, spells[-1] if spells else None))
    if to_start:
        for officer in Officer.objects.select_related("unit").filter(pk__in=list(to_start)):
            try:
                services.start_apprenticeship(officer=officer, by=by, hire_date=to_start[officer.pk])
            except ValidationError as exc:
                # A programme still being set up (no stages yet) must not undo the import that hired the officer.
                if getattr(exc, "code", None) != "programme_without_stages":
                    raise
                logger.warning("officer %s: programme not started: %s", officer.pk, exc.messages[0])
    for active, last in to_withdraw:
        reason = last.get_leave_reason_display() if last else ""
        services.withdraw(
            apprenticeship=active, by=by, reason=str(reason), on=last.leave_date if last else None
        )


def on_attachment_deleted(sender, instance, **kwargs):
    """A deleted attachment takes its stored file and thumbnail with it, once the deletion is committed (a rolled
    back deletion keeps them)."""
    storage, name = instance.file.storage, instance.file.name
    transaction.on_commit(lambda: thumbnails.delete_stored(storage, name))


def connect() -> None:
    course_completed.connect(on_course_completed, dispatch_uid="mentorship.on_course_completed")
    attendance_recorded.connect(on_attendance, dispatch_uid="mentorship.on_attendance")
    attempt_finalized.connect(on_attempt_finalized, dispatch_uid="mentorship.on_attempt_finalized")
    post_save.connect(on_spell_saved, sender=EmploymentSpell, dispatch_uid="mentorship.on_spell_saved")
    post_delete.connect(
        on_attachment_deleted, sender=Attachment, dispatch_uid="mentorship.on_attachment_deleted"
    )
    officers_changed.connect(on_officers_changed, dispatch_uid="mentorship.on_officers_changed")
