"""Question import: upload (only stored; the django-q2 worker checks the file), the dry-run preview with its
confirm button, the import's progress, and the blank xlsx and Word (.docx) templates."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST
from django_q import tasks as django_q_tasks

from cms.admin_tools import render, require
from cms.exports import XLSX_CONTENT_TYPE
from exams.admin_views.scoping import banks_editable_by
from exams.formats import MAX_IMPORT_BYTES, docx_template, xlsx_template
from exams.models import ImportJob, QuestionBank


class ImportForm(forms.Form):
    bank = forms.ModelChoiceField(QuestionBank.objects.none(), label=gettext_lazy("Question bank"))
    file = forms.FileField(
        label=gettext_lazy("Question file"),
        help_text=gettext_lazy("xlsx/csv template, Word (.docx) template, GIFT, Moodle XML, Aiken or JSON."),
    )
    format = forms.ChoiceField(
        label=pgettext_lazy("question file", "Format"),
        choices=[
            ("auto", gettext_lazy("Detect automatically")),
            ("xlsx", "xlsx"),
            ("csv", "csv"),
            ("gift", "GIFT"),
            ("moodle-xml", "Moodle XML"),
            ("aiken", "Aiken"),
            ("json", "JSON"),
            ("docx", gettext_lazy("Word (.docx)")),
        ],
    )
    publish = forms.BooleanField(
        label=gettext_lazy("Publish imported questions"), required=False, initial=True
    )
    snap_weights = forms.BooleanField(
        label=gettext_lazy("Move weights to the nearest Moodle grade"),
        required=False,
        help_text=gettext_lazy(
            "For GIFT and Moodle XML files whose answer weights are not among Moodle's grades (e.g. 33%): "
            "they are moved to the nearest grade (33.33333%), as Moodle's own import option does."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)s MB.") % {"max": MAX_IMPORT_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank"].queryset = banks_editable_by(user)


def _import_jobs(user):
    """Import jobs of banks the user may import into; any other job is a 404."""
    return ImportJob.objects.filter(bank__in=banks_editable_by(user).values("pk"))


def _enqueue(func: str, job_id: int, *, task_name: str) -> None:
    """Parsing and importing run in the django-q2 worker, never in the web request. (Looked up on the module at
    call time, so a test can replace `django_q.tasks.async_task`.)"""
    django_q_tasks.async_task(func, job_id, task_name=task_name, group="exams_import")


def import_upload(request):
    require(request, "exams.add_question")
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # Only stored here: the worker reads and checks the file (check_import_job); the status page shows the
        # preview once it is done.
        job = ImportJob.objects.create(
            bank=form.cleaned_data["bank"],
            filename=upload.name[:200],
            data=upload.read(),
            format=form.cleaned_data["format"],
            publish=form.cleaned_data["publish"],
            snap_weights=form.cleaned_data["snap_weights"],
            created_by=request.user,
            status=ImportJob.Status.QUEUED,
            result={"phase": "check"},
        )
        _enqueue("exams.tasks.check_import_job", job.pk, task_name=f"exams-import-check-{job.pk}")
        return redirect("exams_import_status", job_id=job.pk)
    return render(
        request,
        "exams/admin/import_upload.html",
        _("Import questions"),
        {
            "form": form,
            "template_url": reverse("exams_import_template"),
            "docx_template_url": reverse("exams_import_template_docx"),
            "jobs": _import_jobs(request.user).select_related("bank").defer("data")[:10],
        },
    )


@require_POST
def import_confirm(request, job_id):
    require(request, "exams.add_question")
    job = get_object_or_404(
        _import_jobs(request.user).defer("data"), pk=job_id, status=ImportJob.Status.PREVIEWED
    )
    result = {**job.result, "phase": "import"}
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PREVIEWED).update(
        status=ImportJob.Status.QUEUED, result=result
    )
    _enqueue("exams.tasks.run_import_job", job.pk, task_name=f"exams-import-{job.pk}")
    return redirect("exams_import_status", job_id=job.pk)


def import_status(request, job_id):
    """While the file is being checked and once it has been: the preview (with the confirm button when it has no
    errors); after confirming: the import's progress."""
    require(request, "exams.add_question")
    job = get_object_or_404(_import_jobs(request.user).defer("data").select_related("bank"), pk=job_id)
    phase = job.result.get("phase")
    if phase in ("check", "checked"):
        checking = phase == "check"
        return render(
            request,
            "exams/admin/import_preview.html",
            _("Import preview"),
            {
                "job": job,
                "checking": checking,
                "refresh_seconds": 2 if checking else None,
                "can_confirm": job.status == ImportJob.Status.PREVIEWED and job.total > 0,
                "confirm_url": reverse("exams_import_confirm", args=[job.pk]),
            },
            subtitle=job.filename,
        )
    return render(
        request, "exams/admin/import_status.html", _("Import status"), {"job": job}, subtitle=job.filename
    )


def import_template(request):
    response = HttpResponse(xlsx_template(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="question-template.xlsx"'
    return response


DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def import_template_docx(request):
    """The Word template: the 题型 headings, numbered stems, A–H options and 答案/解析/难度 lines docx import reads."""
    response = HttpResponse(docx_template(), content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="question-template.docx"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
