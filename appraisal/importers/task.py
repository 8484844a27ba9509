"""The admin's case-file import, in django-q2 tasks: upload (store the file, queue the check), check (store the
dry-run report), confirm (queue the import), run (apply it in one transaction). Tasks take ids and are idempotent:
a checked file is not checked again, a finished import is left alone."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from appraisal.importers.cases import can_import_cases, import_cases
from appraisal.importers.models import CaseImport
from cms.roster.files import MAX_BYTES

logger = logging.getLogger(__name__)


class ImportNotConfirmable(ValueError):
    code = "case_import_not_confirmable"


def _queue_check(pk: int):
    return async_task(
        "appraisal.importers.task.run_case_check",
        pk,
        task_name=f"case-import-check-{pk}",
        group="case_import",
    )


def _queue_import(pk: int):
    return async_task(
        "appraisal.importers.task.run_case_import", pk, task_name=f"case-import-{pk}", group="case_import"
    )


def case_upload(*, actor, file_name: str, data: bytes, enqueue: Callable | None = None) -> CaseImport:
    """Store an uploaded file and queue its check; the web request never parses it."""
    if not can_import_cases(actor):
        raise ValidationError(_("This account may not import case files."), code="not_allowed")
    if len(data) > MAX_BYTES:
        raise ValidationError(
            {"file": _("The file is larger than %(max)s MB.") % {"max": MAX_BYTES // (1024 * 1024)}}
        )
    with transaction.atomic():
        record = CaseImport.objects.create(file_name=file_name[:255], content=data, uploaded_by=actor)
        enqueue = enqueue or _queue_check
        transaction.on_commit(lambda: enqueue(record.pk))
    return record


def _progress(pk: int):
    def report(done: int, total: int) -> None:
        CaseImport.objects.filter(pk=pk).update(processed_rows=done, total_rows=total)

    return report


def run_case_check(case_import_id: int) -> bool:
    """Check an uploaded file and store the dry-run report (a file already checked is left alone)."""
    record = CaseImport.objects.select_related("uploaded_by").get(pk=case_import_id)
    if record.dry_run_report is not None:
        return record.can_confirm
    try:
        result = import_cases(
            actor=record.uploaded_by,
            file_name=record.file_name,
            data=bytes(record.content),
            dry_run=True,
            progress=_progress(case_import_id),
        )
        report, rows = result.report(), result.rows
    except Exception:
        logger.exception("case import check %s failed", case_import_id)
        report, rows = (
            {"errors": [{"row": None, "column": "", "code": "crashed", "params": {}}], "crashed": True},
            0,
        )
    CaseImport.objects.filter(pk=case_import_id, dry_run_report__isnull=True).update(
        dry_run_report=report, total_rows=rows
    )
    record.refresh_from_db()
    return record.can_confirm


def case_confirm(*, actor, case_import_id: int, enqueue: Callable | None = None) -> CaseImport:
    with transaction.atomic():
        record = CaseImport.objects.select_for_update().get(pk=case_import_id)
        if not record.can_confirm or record.uploaded_by_id != actor.pk:
            raise ImportNotConfirmable(case_import_id)
        record.confirmed_at = timezone.now()
        record.save(update_fields=["confirmed_at"])
        enqueue = enqueue or _queue_import
        transaction.on_commit(lambda: enqueue(record.pk))
    return record


def run_case_import(case_import_id: int) -> str:
    """Apply a confirmed import; the uploader's rights and scope are checked again row by row."""
    CaseImport.objects.filter(
        pk=case_import_id, status=CaseImport.Status.PENDING, confirmed_at__isnull=False
    ).update(status=CaseImport.Status.RUNNING, processed_rows=0)
    try:
        record = CaseImport.objects.select_related("uploaded_by").get(pk=case_import_id)
        if record.is_finished or record.confirmed_at is None:
            return record.status
        result = import_cases(
            actor=record.uploaded_by,
            file_name=record.file_name,
            data=bytes(record.content),
            progress=_progress(case_import_id),
        )
        CaseImport.objects.filter(pk=case_import_id).update(
            status=CaseImport.Status.DONE if result.ok else CaseImport.Status.FAILED,
            finished_at=timezone.now(),
            total_rows=result.rows,
            processed_rows=result.rows if result.ok else 0,
            report=result.report(),
        )
    except Exception:
        logger.exception("case import %s failed", case_import_id)
        CaseImport.objects.filter(pk=case_import_id).exclude(status=CaseImport.Status.DONE).update(
            status=CaseImport.Status.FAILED,
            finished_at=timezone.now(),
            report={"errors": [], "crashed": True},
        )
    return CaseImport.objects.get(pk=case_import_id).status
