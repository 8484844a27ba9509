"""Case files (案卷) in the admin: a list scoped to the user's subtree (filters by unit, kind and closing date; search by
number, title and handler), create and edit with co-handlers chosen through the scoped officer chooser, scanned
documents (PDF or images) uploaded through cms.uploads and served by a permission-checked view. Every write goes
through appraisal.services.cases (audited). HR reads; unit leaders and training admins write. No deletion: a
drawn file is part of a round's record."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column

from appraisal import selectors
from appraisal.models import CaseDocument, CaseFile, CaseKind
from appraisal.services import cases as case_services
from cms import uploads
from cms.admin_tools import require
from cms.admin_views.choosers import officer_chooser_viewset
from cms.admin_views.scoping import (
    ScopedCreateView,
    ScopedEditView,
    ScopedIndexView,
    ScopedInspectView,
    ScopedModelViewSet,
    UnitPathsMixin,
    UnitSubtreeFilter,
    unit_path_column,
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class DocumentsField(forms.FileField):
    """Several files at once; the list is checked (type from the bytes, caps) in the form's clean."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,image/jpeg,image/png,image/webp"})
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(DocumentsField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class CaseFileForm(WagtailAdminModelForm):
    documents = DocumentsField(
        label=_("Add case documents"),
        required=False,
        help_text=_("Scanned case documents: PDF or photos (JPEG, PNG, WebP). Photos are re-encoded."),
    )

    class Meta:
        model = CaseFile
        fields = [
            "number",
            "title",
            "kind",
            "unit",
            "handler",
            "co_handlers",
            "party",
            "opened_on",
            "closed_on",
            "legal_provisions",
            "summary",
            "penalty_amount",
        ]
        widgets = {"co_handlers": officer_chooser_viewset.multiple_widget(add_label=_("Add co-handlers…"))}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = selectors.handler_choices(self.for_user)
        self.fields["handler"].queryset = choices.select_related("unit")
        self.fields["handler"].label_from_instance = officer_chooser_viewset.label
        self.fields["co_handlers"].queryset = choices
        self.checked_documents = []

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        case = self.instance
        for name in ("unit", "handler", "opened_on", "closed_on"):
            setattr(case, name, data.get(name))
        try:
            case_services.check_case(self.for_user, case, data.get("co_handlers") or [])
        except ValidationError as exc:
            for field, errors in exc.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        files = data.get("documents") or []
        if files:
            try:
                self.checked_documents = case_services.check_documents(files)
            except ValidationError as exc:
                self.add_error("documents", exc.message_dict.get("documents", exc.messages))
        return data


PANELS = ObjectList(
    [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("number"), FieldPanel("kind")]),
                FieldPanel("title"),
                FieldRowPanel([FieldPanel("opened_on"), FieldPanel("closed_on")]),
                FieldPanel("party"),
            ],
            heading=_("Case"),
        ),
        MultiFieldPanel(
            [FieldPanel("unit"), FieldPanel("handler"), FieldPanel("co_handlers")],
            heading=_("Handled by"),
        ),
        MultiFieldPanel(
            [FieldPanel("legal_provisions"), FieldPanel("penalty_amount"), FieldPanel("summary")],
            heading=_("Decision"),
        ),
        FieldPanel("documents"),
    ],
    base_form_class=CaseFileForm,
)


class CaseFormMixin:
    def save_instance(self):
        form = self.form
        case = case_services.save_case(
            by=self.request.user, case=form.save(commit=False), co_handlers=form.cleaned_data["co_handlers"]
        )
        if form.checked_documents:
            case_services.add_documents(by=self.request.user, case=case, checked=form.checked_documents)
        return case


class CaseCreateView(CaseFormMixin, ScopedCreateView):
    pass


class CaseEditView(CaseFormMixin, ScopedEditView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["documents"] = list(self.object.documents.all())
        return context


class CaseFilterSet(WagtailFilterSet):
    unit = UnitSubtreeFilter()
    kind = django_filters.ChoiceFilter(label=_("Case kind"), choices=CaseKind.choices)
    closed_on = django_filters.DateFromToRangeFilter(label=_("Closed on"), widget=DateRangePickerWidget)

    class Meta:
        model = CaseFile
        fields = []


class CaseIndexView(UnitPathsMixin, ScopedIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("unit", "handler")

    @cached_property
    def columns(self):
        return [
            self._get_title_column("number"),
            self._get_custom_column("title"),
            self._get_custom_column("kind"),
            unit_path_column(self, path_of=lambda c: c.unit.path),
            Column(
                "handler",
                label=_("Case handler"),
                accessor=lambda c: c.handler.name,
                sort_key="handler__name",
            ),
            Column("closed_on", label=_("Closed on"), sort_key="closed_on"),
        ]

    def to_row_dict(self, item):
        values = {
            "number": item.number,
            "title": item.title,
            "kind": item.get_kind_display(),
            "unit_path": self.unit_paths.full_name(item.unit.path),
            "handler": f"{item.handler.name}（{item.handler.employee_no}）",
            "opened_on": item.opened_on,
            "closed_on": item.closed_on,
            "legal_provisions": item.legal_provisions,
            "penalty_amount": item.penalty_amount,
        }
        return {field: values[field] for field in self.list_export}


class CaseInspectView(UnitPathsMixin, ScopedInspectView):
    template_name = "appraisal/admin/case_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            self.scoped_queryset()
            .select_related("unit", "handler")
            .prefetch_related("co_handlers", "documents"),
            pk=self.pk,
        )

    def get_unit_display_value(self):
        return self.unit_paths.full_name(self.object.unit.path)

    def get_co_handlers_display_value(self):
        return "、".join(f"{o.name}（{o.employee_no}）" for o in self.object.co_handlers.all()) or "—"

    def get_field_display_value(self, field_name, field):
        # A field left empty (party, legal provisions, summary) reads "—" like an empty amount, not a blank line.
        value = super().get_field_display_value(field_name, field)
        return "—" if value is None or value == "" else value

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["documents"] = list(self.object.documents.all())
        return context


def document_view(request, pk: int):
    """A case document, after checking that the case file lies in the user's subtree (else 404)."""
    require(request, "appraisal.view_casefile")
    document = get_object_or_404(selectors.documents_visible_to(request.user), pk=pk)
    return uploads.serve_private(
        document.file, content_type=document.content_type, original_name=document.original_name
    )


class CaseFileViewSet(ScopedModelViewSet):
    model = CaseFile
    icon = "folder-open-inverse"
    menu_label = _("Case files")
    add_to_admin_menu = False
    disabled_actions = ("delete",)
    inspect_view_enabled = True
    inspect_view_fields = [
        "number",
        "title",
        "kind",
        "unit",
        "handler",
        "co_handlers",
        "party",
        "opened_on",
        "closed_on",
        "legal_provisions",
        "summary",
        "penalty_amount",
        "source",
    ]
    index_view_class = CaseIndexView
    add_view_class = CaseCreateView
    edit_view_class = CaseEditView
    inspect_view_class = CaseInspectView
    edit_template_name = "appraisal/admin/case_edit.html"
    filterset_class = CaseFilterSet
    search_fields = ["number", "title", "handler__name", "handler__employee_no"]
    ordering = ["-closed_on", "number"]
    list_per_page = 50
    list_export = [
        "number",
        "title",
        "kind",
        "unit_path",
        "handler",
        "opened_on",
        "closed_on",
        "legal_provisions",
        "penalty_amount",
    ]
    export_headings = {"unit_path": _("Unit"), "handler": _("Case handler")}
    owner_field = "unit"
    edit_handler = PANELS

    def visible_to(self, user):
        return selectors.case_files_visible_to(user)

    def editable_by(self, user):
        return selectors.case_files_editable_by(user)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("document/<int:pk>/", document_view, name="document"),
        ]


def document_url(document: CaseDocument) -> str:
    return reverse("appraisal_cases:document", args=[document.pk])
