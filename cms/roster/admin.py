"""Roster import admin screens: upload → dry-run preview → confirm (queues a django-q2 task) → status and report.

Only superusers and holders of cms.add_officer (HR) get the menu item and the pages; HR imports only into units of
their own subtree (checked row by row in the dry run and again when the task applies the file). An import is seen
by the account that uploaded it and by superusers; anyone else gets 404.
"""

from __future__ import annotations

import io
from urllib.parse import quote

import openpyxl
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView, View
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from cms.admin_tools import permission_menu_item
from cms.admin_views import extra_people_viewsets
from cms.exports import XLSX_CONTENT_TYPE, append_row
from cms.roster.apply import can_import_roster
from cms.roster.errors import format_error
from cms.roster.files import COLUMNS, EDUCATIONS, LEAVE_REASONS, MAX_BYTES, STAFF_CATEGORIES
from cms.roster.models import RosterImport
from cms.roster.task import roster_confirm, roster_upload

MAX_UPLOAD_BYTES = MAX_BYTES
RECENT_IMPORTS = 20


def imports_visible_to(user):
    if user.is_superuser:
        return RosterImport.objects.all()
    return RosterImport.objects.filter(uploaded_by=user)


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file"),
        help_text=_("An .xlsx or .csv file (UTF-8 or GB18030), one row per employment spell."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload a .xlsx or .csv file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)s MB.") % {"max": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload


class RosterPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_import_roster(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_import(self) -> RosterImport:
        return get_object_or_404(imports_visible_to(self.request.user), pk=self.kwargs["pk"])


class RosterBaseMixin(RosterPermissionMixin, WagtailAdminTemplateMixin):
    header_icon = "upload"
    page_title = _("Import roster")

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": reverse("cms_roster:upload"), "label": _("Import roster")}]


ACTION_LABELS = {"create": _("New"), "update": _("Update"), "unchanged": _("Unchanged")}
FIELD_LABELS = {
    "name": pgettext_lazy("person", "Name"),
    "unit": _("Unit"),
    "staff_category": _("Staff category"),
    "status": _("Status"),
    "phone": _("Mobile phone"),
    "education": _("Education"),
    "gender": _("Gender"),
    "email": _("Email"),
    "email_held": _("Email (held until the officer confirms it)"),
    "specialties": _("Specialty"),
    "user": _("User account"),
    "leave_date": _("Leave date"),
    "leave_reason": _("Leave reason"),
}


def report_context(report: dict | None) -> dict:
    report = report or {}
    errors = [{"row": e.get("row"), "message": format_error(e)} for e in report.get("errors", [])]
    changes = [
        {
            **line,
            "officer_label": ACTION_LABELS.get(line["officer"], line["officer"]),
            "spell_label": ACTION_LABELS.get(line["spell"], line["spell"]),
            "field_labels": [str(FIELD_LABELS.get(f, f)) for f in line.get("fields", [])],
        }
        for line in report.get("changes", [])
    ]
    return {
        "report": report,
        "errors": errors,
        "changes": changes,
        "changes_hidden": max(0, report.get("changes_total", 0) - len(changes)),
    }


class RosterUploadView(RosterBaseMixin, FormView):
    template_name = "cms/admin/roster/upload.html"
    form_class = RosterUploadForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["recent"] = imports_visible_to(self.request.user).select_related("uploaded_by")[
            :RECENT_IMPORTS
        ]
        context["columns"] = [
            {"zh": zh, "en": en, "required": required} for en, zh, required, _extra in COLUMNS.values()
        ]
        return context

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        # Only stored here: a worker reads and checks the file, the preview page waits for its report.
        record = roster_upload(actor=self.request.user, file_name=upload.name, data=upload.read())
        return redirect("cms_roster:preview", pk=record.pk)


class RosterPreviewView(RosterBaseMixin, TemplateView):
    template_name = "cms/admin/roster/preview.html"
    refresh_seconds = 2

    def get_page_title(self):
        return _("Preview roster import")

    def get(self, request, *args, **kwargs):
        self.object = self.get_import()
        if self.object.confirmed_at is not None:
            return redirect("cms_roster:status", pk=self.object.pk)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_import()
        if not self.object.can_confirm:
            messages.error(
                request, _("This import cannot be confirmed: it has errors or was already confirmed.")
            )
            return redirect("cms_roster:preview", pk=self.object.pk)
        roster_confirm(actor=request.user, roster_import_id=self.object.pk)
        messages.success(request, _("The import has been queued."))
        return redirect("cms_roster:status", pk=self.object.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.object
        context["refresh_seconds"] = None if self.object.is_checked else self.refresh_seconds
        context.update(report_context(self.object.dry_run_report))
        return context


class RosterStatusView(RosterBaseMixin, TemplateView):
    template_name = "cms/admin/roster/status.html"
    refresh_seconds = 2

    def get_page_title(self):
        return _("Roster import status")

    def get(self, request, *args, **kwargs):
        self.object = self.get_import()
        if self.object.confirmed_at is None:
            return redirect("cms_roster:preview", pk=self.object.pk)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.object
        context["refresh_seconds"] = None if self.object.is_finished else self.refresh_seconds
        context.update(report_context(self.object.report))
        return context


class RosterTemplateView(RosterPermissionMixin, View):
    """A ready-to-fill workbook: the header row, an instruction row (skipped on import) and choice lists."""

    def get(self, request):
        hints = {
            "employee_no": "# " + gettext("Required and unique; this instruction row is ignored"),
            "name": gettext("Required"),
            "unit": gettext("Required, e.g. 示范市/东城区/东华街道 (missing units are created)"),
            "unit_code": gettext("Optional: code of the last unit in the path"),
            "staff_category": "/".join(labels[0] for labels in STAFF_CATEGORIES.values()),
            "hire_date": gettext("Required, e.g. 2024-03-01"),
            "leave_date": gettext("Only when the spell has ended"),
            "leave_reason": "/".join(labels[0] for labels in LEAVE_REASONS.values()),
            "specialties": gettext("Separate several with 、"),
            "phone": gettext("Optional"),
            "education": "/".join(labels[0] for labels in EDUCATIONS.values()),
            "gender": "男/女",
            "email": gettext("Optional; lets the officer reset the password"),
        }
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "花名册"
        keys = list(COLUMNS)
        append_row(sheet, [COLUMNS[k][1] for k in keys])
        append_row(sheet, [hints[k] for k in keys])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for cell in sheet[2]:
            cell.font = Font(italic=True, color="808080")
        for index, key in enumerate(keys, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = 18 if key != "unit" else 32
        for key, choices in (
            ("staff_category", STAFF_CATEGORIES),
            ("leave_reason", LEAVE_REASONS),
            ("education", EDUCATIONS),
        ):
            letter = get_column_letter(keys.index(key) + 1)
            validation = DataValidation(
                type="list",
                formula1='"' + ",".join(labels[0] for labels in choices.values()) + '"',
                allow_blank=True,
            )
            validation.add(f"{letter}3:{letter}10000")
            sheet.add_data_validation(validation)
        for key in ("hire_date", "leave_date"):
            letter = get_column_letter(keys.index(key) + 1)
            for row in range(3, 1001):
                sheet[f"{letter}{row}"].number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "A3"
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type=XLSX_CONTENT_TYPE,
        )
        response["Content-Disposition"] = (
            f"attachment; filename=\"roster-template.xlsx\"; filename*=UTF-8''{quote('花名册模板.xlsx')}"
        )
        return response


class RosterImportViewSet(ViewSet):
    """The roster import pages, listed in the "Organisation and people" menu under /admin/roster-import/."""

    name = "cms_roster"
    url_prefix = "roster-import"
    icon = "upload"
    menu_label = _("Import roster")
    menu_name = "roster-import"
    menu_item_class = permission_menu_item(can_import_roster)

    def get_urlpatterns(self):
        return [
            path("", RosterUploadView.as_view(), name="upload"),
            path("template.xlsx", RosterTemplateView.as_view(), name="template"),
            path("<int:pk>/", RosterPreviewView.as_view(), name="preview"),
            path("<int:pk>/status/", RosterStatusView.as_view(), name="status"),
        ]


# Joins the people menu group (registered by cms.admin_views), which also registers its URLs.
extra_people_viewsets.append(RosterImportViewSet)
