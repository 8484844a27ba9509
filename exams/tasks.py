"""django-q2 tasks for exams: thin, idempotent, take ids."""

from __future__ import annotations

from django.db import transaction


def auto_submit_attempt(attempt_id: int) -> bool:
    """Run by the one-off schedule at an attempt's deadline (+ grace): submits it if the examinee never did."""
    from exams.services import finalize_if_overdue

    return finalize_if_overdue(attempt_id=attempt_id)


def sweep_overdue_attempts() -> int:
    """Periodic safety net for schedules that were lost (e.g. a broker outage)."""
    from exams.services import sweep_overdue_attempts as sweep

    return sweep()


def send_qualification_reminders() -> int:
    from exams.services import send_expiry_reminders

    return send_expiry_reminders()


PREVIEW_SAMPLE = 30  # questions shown on the preview page


def check_import_job(job_id: int) -> None:
    """The dry run of an uploaded question file, in the worker (the upload request only stores the bytes): the
    preview's counts, problems and a sample go into `job.result`. Re-running a checked job does nothing."""
    from exams.models import ImportJob
    from exams.services import plan_import

    job = ImportJob.objects.select_related("bank").get(pk=job_id)
    if job.status != ImportJob.Status.QUEUED or job.result.get("phase") != "check":
        return
    try:
        plan = plan_import(bank=job.bank, data=bytes(job.data), fmt=job.format, filename=job.filename)
        result = {
            "phase": "checked",
            "errors": [str(e) for e in plan.errors],
            "warnings": [str(w) for w in plan.warnings],
            "duplicates": [str(d) for d in plan.duplicates],
            "sample": [
                {"type": q["type"], "stem": q["stem"][:200], "category": q.get("category")}
                for q in plan.questions[:PREVIEW_SAMPLE]
            ],
        }
        status = ImportJob.Status.PREVIEWED if plan.ok else ImportJob.Status.FAILED
        total, fmt = len(plan.questions), plan.fmt
    except Exception as exc:  # recorded on the job; the file is never imported
        result = {"phase": "checked", "errors": [str(exc) or exc.__class__.__name__]}
        status, total, fmt = ImportJob.Status.FAILED, 0, job.format
    ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=status, total=total, format=fmt, result=result
    )


def run_import_job(job_id: int) -> None:
    """Import an uploaded, already previewed question file. Re-running a finished job does nothing."""
    from exams.formats import FormatError, parse
    from exams.models import ImportJob
    from exams.services import import_questions

    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("bank", "created_by")
            .get(pk=job_id)
        )
        if (
            job.status in (ImportJob.Status.DONE, ImportJob.Status.RUNNING)
            or job.result.get("phase") == "check"
        ):
            return  # finished, running elsewhere, or never previewed
        job.status = ImportJob.Status.RUNNING
        job.save(update_fields=["status"])
    try:
        result = parse(bytes(job.data), fmt=job.format, filename=job.filename)
        if result.errors:
            raise FormatError("; ".join(str(e) for e in result.errors[:20]))

        def progress(done):
            ImportJob.objects.filter(pk=job_id).update(done=done)

        created = import_questions(
            bank=job.bank,
            questions=result.questions,
            by=job.created_by,
            publish=job.publish,
            progress=progress,
            source=job.filename,
        )
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.DONE, done=len(created), result={"created": len(created)}
        )
    except Exception as exc:  # the job records why; nothing was written (one transaction)
        ImportJob.objects.filter(pk=job_id).update(status=ImportJob.Status.FAILED, result={"error": str(exc)})
        raise


def ensure_schedules() -> None:
    """Create the periodic schedules idempotently (called by the migration and the demo seed)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="exams-sweep-overdue-attempts",
        defaults={
            "func": "exams.tasks.sweep_overdue_attempts",
            "schedule_type": Schedule.MINUTES,
            "minutes": 5,
            "repeats": -1,
        },
    )
    Schedule.objects.update_or_create(
        name="exams-qualification-reminders",
        defaults={
            "func": "exams.tasks.send_qualification_reminders",
            "schedule_type": Schedule.DAILY,
            "repeats": -1,
        },
    )
