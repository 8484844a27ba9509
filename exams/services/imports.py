"""Question file import: the dry-run plan, and the two worker jobs (check, then import)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from exams.formats import FormatError, detect_format, parse, stem_key
from exams.formats.base import html_to_text
from exams.models import (
    ImportJob,
    Question,
    QuestionBank,
)
from exams.services.questions import EmbeddedFileError, check_embedded_file, import_questions


@dataclass
class ImportPlan:
    """What importing a file into a bank would do: the questions to create, and every problem found."""

    fmt: str
    questions: list  # the new questions (exams.formats dicts)
    errors: list  # FormatError: any error means nothing is written
    warnings: list  # FormatError: reported, not blocking (e.g. a stem repeated inside the file)
    duplicates: list  # FormatError: stems already in the bank; those questions are skipped

    @property
    def ok(self) -> bool:
        return not self.errors


def plan_import(
    *,
    bank: QuestionBank | None,
    data: bytes,
    fmt: str = "auto",
    filename: str = "",
    snap_weights: bool = False,
) -> ImportPlan:
    if fmt == "auto":
        try:
            fmt = detect_format(filename, data)
        except FormatError as exc:
            return ImportPlan("auto", [], [exc], [], [])
    result = parse(data, fmt, filename=filename, snap_weights=snap_weights)
    existing = set()
    if bank is not None and bank.pk:
        existing = {
            stem_key(stem, sf)
            for stem, sf in Question.objects.filter(bank=bank).values_list("stem", "stem_format")
        }
    for i, q in enumerate(result.questions):
        for f in (
            q.get("files") or []
        ):  # detected and decoded now, so a bad file stops the import before it starts
            try:
                check_embedded_file(f["name"], f["content"])
            except EmbeddedFileError as exc:
                result.errors.append(result.error_at(i, str(exc)))
    new, duplicates = [], []
    for i, q in enumerate(result.questions):
        if stem_key(q.get("stem") or "", q.get("stem_format") or "plain") in existing:
            duplicates.append(
                result.error_at(i, _("A question with the same stem is already in the bank; skipped."))
            )
        else:
            new.append(q)
    if not result.errors and not result.questions:
        result.errors.append(FormatError(_("The file holds no questions.")))
    return ImportPlan(fmt, new, list(result.errors), list(result.warnings), duplicates)


PREVIEW_SAMPLE = 30  # questions shown on the preview page


def _preview_text(q: dict) -> str:
    """The stem as the preview lists it: an HTML stem (Moodle, a Word bank with pictures) as its text."""
    return html_to_text(q["stem"]) if q.get("stem_format") == "html" else q["stem"]


def check_import_job(job_id: int) -> None:
    """The dry run of an uploaded question file, in the worker (the upload request only stores the bytes): the
    preview's counts, problems and a sample go into `job.result`. Re-running a checked job does nothing."""
    job = ImportJob.objects.select_related("bank").get(pk=job_id)
    if job.status != ImportJob.Status.QUEUED or job.result.get("phase") != "check":
        return
    try:
        plan = plan_import(
            bank=job.bank,
            data=bytes(job.data),
            fmt=job.format,
            filename=job.filename,
            snap_weights=job.snap_weights,
        )
        result = {
            "phase": "checked",
            "errors": [str(e) for e in plan.errors],
            "warnings": [str(w) for w in plan.warnings],
            "duplicates": [str(d) for d in plan.duplicates],
            "sample": [
                {"type": q["type"], "stem": _preview_text(q)[:200], "category": q.get("category")}
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
        result = parse(bytes(job.data), fmt=job.format, filename=job.filename, snap_weights=job.snap_weights)
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
