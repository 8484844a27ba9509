"""Case-file import in the admin: upload an .xlsx/.csv → a worker checks it (dry run) → preview with row errors →
confirm → a worker applies it in one transaction → status with the counts. Plus the template workbook. Holders of
appraisal.add_casefile (unit leaders, training admins, superusers) import into their subtree; an import is seen only
by its uploader and superusers (anyone else: 404)."""

from __future__ import annotations

import io
from urllib.parse import quote

import openpyxl
from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from openpyxl.styles import Font
from wagtail.admin import messages
from wagtail.admin.viewsets.base import ViewSet

from appraisal.importers.cases import COLUMNS, can_import_cases, error_message, template_rows
from appraisal.importers.models import CaseImport
from appraisal.importers.task import ImportNotConfirmable, case_confirm, case_upload
from cms.admin_tools import XLSX, permission_menu_item, render, require
from cms.exports import append_row
from cms.roster.files import MAX_BYTES


def imports_visible_to(user):
    return CaseImport.objects.all() if user.is_superuser else CaseImport.objects.filter(uploaded_by=user)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Case-file spreadsheet"),
        help_text=_(
            "An .xlsx or .csv file (UTF-8 or GB18030) exported from the enforcement information system."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload a .xlsx or .csv file."))
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)s MB.") % {"max": MAX_BYTES // (1024 * 1024)}
            )
        return upload


def _report(report: dict | None) -> dict:
    report = report or {}
    return {"report": report, "errors": [error_message(e) for e in report.get("errors", [])]}


def upload_view(request):
    require(request, can_import_cases)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            record = case_upload(actor=request.user, file_name=upload.name, data=upload.read())
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            return redirect("appraisal_case_import:preview", pk=record.pk)
    return render(
        request,
        "appraisal/admin/case_import_upload.html",
        _("Import case files"),
        {
            "form": form,
            "recent": imports_visible_to(request.user).select_related("uploaded_by")[:20],
            "columns": [{"zh": zh, "en": en, "required": req} for en, zh, req, _x in COLUMNS.values()],
        },
        icon="upload",
    )


def preview_view(request, pk: int):
    require(request, can_import_cases)
    record = get_object_or_404(imports_visible_to(request.user), pk=pk)
    if record.confirmed_at is not None:
        return redirect("appraisal_case_import:status", pk=pk)
    if request.method == "POST":
        try:
            case_confirm(actor=request.user, case_import_id=pk)
        except ImportNotConfirmable:
            messages.error(
                request, _("This import cannot be confirmed: it has errors or was already confirmed.")
            )
            return redirect("appraisal_case_import:preview", pk=pk)
        messages.success(request, _("The import has been queued."))
        return redirect("appraisal_case_import:status", pk=pk)
    return render(
        request,
        "appraisal/admin/case_import_status.html",
        _("Check case-file import"),
        {
            "object": record,
            "refresh_seconds": None if record.is_checked else 2,
            "preview": True,
            **_report(record.dry_run_report),
        },
        icon="upload",
    )


def status_view(request, pk: int):
    require(request, can_import_cases)
    record = get_object_or_404(imports_visible_to(request.user), pk=pk)
    if record.confirmed_at is None:
        return redirect("appraisal_case_import:preview", pk=pk)
    return render(
        request,
        "appraisal/admin/case_import_status.html",
        _("Case-file import status"),
        {
            "object": record,
            "refresh_seconds": None if record.is_finished else 2,
            "preview": False,
            **_report(record.report),
        },
        icon="upload",
    )


def template_view(request):
    """The template workbook: the Chinese header (required columns marked *) and one example row."""
    require(request, can_import_cases)
    header, rows = template_rows()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "案卷"
    append_row(sheet, header)
    for row in rows:
        append_row(sheet, row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter in "ABCDEFGHIJKL":
        sheet.column_dimensions[letter].width = 22
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename=\"case-import-template.xlsx\"; filename*=UTF-8''{quote('案卷导入模板.xlsx')}"
    )
    return response


class CaseImportViewSet(ViewSet):
    name = "appraisal_case_import"
    url_prefix = "appraisal/case-import"
    icon = "upload"
    menu_label = _("Import case files")
    menu_name = "appraisal-case-import"
    menu_item_class = permission_menu_item(can_import_cases)

    @property
    def menu_url(self):
        return reverse("appraisal_case_import:upload")

    def get_urlpatterns(self):
        return [
            path("", upload_view, name="upload"),
            path("template.xlsx", template_view, name="template"),
            path("<int:pk>/", preview_view, name="preview"),
            path("<int:pk>/status/", status_view, name="status"),
        ]
