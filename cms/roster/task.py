"""The admin screen's steps of a roster import, run as django-q2 tasks: upload (store the file, queue the dry
run), dry run (store the preview), confirm (queue the import), run (apply it). Tasks are thin and idempotent and
take ids; `cms.tasks` re-exports the two task functions under the dotted names queued tasks use.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from cms.roster.apply import can_import_roster, roster_import, roster_scope
from cms.roster.files import MAX_BYTES as MAX_ROSTER_BYTES
from cms.roster.models import RosterImport
from cms.roster.plan import Scope

logger = logging.getLogger(__name__)


class RosterNotConfirmable(ValueError):
    """The import has errors, is still being checked, or was confirmed already."""

    code = "roster_not_confirmable"

    def __init__(self):
        super().__init__("roster import cannot be confirmed")


def run_roster_dry_run(roster_import_id: int) -> bool:
    """Check an uploaded roster file and store the preview (safe to deliver twice: a checked file is left alone)."""
    return roster_dry_run(roster_import_id=roster_import_id).can_confirm


def run_roster_import(roster_import_id: int) -> str:
    """Apply a confirmed roster import (safe to deliver twice: a finished import is left alone)."""
    return roster_run(roster_import_id=roster_import_id).status


def _queue_dry_run(pk: int):
    return async_task(
        "cms.tasks.run_roster_dry_run", pk, task_name=f"roster-dry-run-{pk}", group="roster_import"
    )


def _queue_import(pk: int):
    return async_task(
        "cms.tasks.run_roster_import", pk, task_name=f"roster-import-{pk}", group="roster_import"
    )


def roster_upload(
    *, actor, file_name: str, data: bytes, enqueue: Callable[[int], object] | None = None
) -> RosterImport:
    """Store an uploaded roster file and queue its dry run (the preview) in a worker: the web request never
    parses the file. Nothing else is written."""
    if len(data) > MAX_ROSTER_BYTES:
        message = _("The file is larger than %(max)s MB.") % {"max": MAX_ROSTER_BYTES // (1024 * 1024)}
        raise ValidationError({"file": ValidationError(message, code="too_large")})
    with transaction.atomic():
        record = RosterImport.objects.create(file_name=file_name[:255], content=data, uploaded_by=actor)
        enqueue = enqueue or _queue_dry_run
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
            raise RosterNotConfirmable()
        record.confirmed_at = timezone.now()
        record.save(update_fields=["confirmed_at"])
        enqueue = enqueue or _queue_import
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
