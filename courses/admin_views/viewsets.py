"""The "Training" admin menu: training sessions (scoped to the training admin's subtree) with registrations and
attendance, bulk enrolment, enrolments, course progress and study-hours reports, and the annual study-hours
requirements. The tool pages themselves live in courses.admin_views.screens."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSetGroup

from cms.admin_tools import ToolViewSet
from cms.admin_views import ScopedModelViewSet
from cms.admin_views.scoping import ScopedCreateView
from cms.selectors import is_city_scope, officers_visible_to, scope_unit, sees_subtree, units_visible_to
from courses import selectors
from courses.models import AnnualHoursRequirement, Enrolment, TrainingSession


class TrainingSessionForm(WagtailAdminModelForm):
    """The organizer must be a unit the training admin manages."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None and "organizer" in self.fields:
            self.fields["organizer"].queryset = units_visible_to(self.for_user).order_by("path")

    def clean_organizer(self):
        organizer = self.cleaned_data.get("organizer")
        if organizer is not None and self.for_user is not None:
            if not units_visible_to(self.for_user).filter(pk=organizer.pk).exists():
                raise forms.ValidationError(_("Choose a unit you manage."))
        return organizer


class LinksColumn(Column):
    """报名 (managing registrations) only for who manages the session; 签到表 for whoever may read it."""

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context["request"]
        user = request.user
        if not hasattr(request, "_managed_session_ids"):  # one query per listing, not per row
            request._managed_session_ids = set(
                selectors.sessions_managed_by(user).values_list("pk", flat=True)
            )
        sheet = format_html(
            '<a href="{}">{}</a>',
            reverse("courses_attendance_sheet", args=[instance.pk]),
            _("Attendance sheet"),
        )
        if not user.has_perm("courses.view_attendance"):
            context["value"] = ""
        elif instance.pk in request._managed_session_ids:
            context["value"] = format_html(
                '<a href="{}">{}</a> · {}',
                reverse("courses_session_roster", args=[instance.pk]),
                _("Registrations"),
                sheet,
            )
        else:
            context["value"] = sheet
        return context


class TrainingSessionViewSet(ScopedModelViewSet):
    model = TrainingSession
    icon = "date"
    menu_label = _("Training sessions")
    name = "courses_session"
    list_display = [
        "title",
        "kind",
        "organizer",
        "status",
        "capacity",
        "registration_closes",
        LinksColumn("links", label=""),
    ]
    list_filter = ["kind", "status"]
    search_fields = ["title", "location"]
    inspect_view_enabled = True

    def visible_to(self, user):
        if user.is_superuser:
            return TrainingSession.objects.all()
        if sees_subtree(user):
            root = scope_unit(user)
            if root is not None:
                return TrainingSession.objects.filter(organizer__path__startswith=root.path)
        return TrainingSession.objects.none()

    def get_edit_handler(self):
        return ObjectList(TrainingSession.panels, base_form_class=TrainingSessionForm).bind_to_model(
            self.model
        )


class EnrolmentViewSet(ScopedModelViewSet):
    model = Enrolment
    icon = "list-ul"
    menu_label = _("Enrolments")
    name = "courses_enrolment"
    list_display = ["officer", "course", "source", "due_date", "status", "completed_at"]
    list_filter = ["status", "source"]
    list_export = ["officer", "course", "source", "due_date", "status", "enrolled_at", "completed_at"]
    search_fields = ["officer__name", "officer__employee_no"]
    form_fields = ["due_date"]
    disabled_actions = ("add", "delete")

    def visible_to(self, user):
        return Enrolment.objects.filter(officer__in=officers_visible_to(user).values("pk")).select_related(
            "officer", "course"
        )


class RequirementCreateView(ScopedCreateView):
    def save_instance(self):
        # A requirement applies to every officer of its category, so it belongs to the city (the user's scope).
        self.form.instance.unit = scope_unit(self.request.user)
        return super().save_instance()


class RequirementViewSet(ScopedModelViewSet):
    """Everyone with the view permission reads the requirements; only city scope adds, changes or deletes them."""

    model = AnnualHoursRequirement
    icon = "time"
    menu_label = _("Annual study hours")
    name = "courses_requirement"
    city_wide_only = True
    add_view_class = RequirementCreateView
    form_fields = ["staff_category", "hours"]
    list_display = ["staff_category", "hours"]

    def visible_to(self, user):
        return (
            AnnualHoursRequirement.objects.all()
            if sees_subtree(user)
            else AnnualHoursRequirement.objects.none()
        )

    def editable_by(self, user):
        return self.visible_to(user) if is_city_scope(user) else AnnualHoursRequirement.objects.none()


def _sees_reports(user) -> bool:
    return (user.is_superuser or sees_subtree(user)) and user.has_perm("courses.view_enrolment")


class CoursesViewSetGroup(ViewSetGroup):
    menu_label = _("Training")
    menu_icon = "group"
    menu_name = "courses"
    menu_order = 250
    items = (
        TrainingSessionViewSet,
        ToolViewSet(
            "courses_enrol_tool",
            menu_label=_("Enrol officers"),
            icon="user",
            url_name="courses_enrol",
            shown=lambda user: user.has_perm("courses.add_enrolment"),
        ),
        EnrolmentViewSet,
        ToolViewSet(
            "courses_progress_tool",
            menu_label=_("Course progress by unit"),
            icon="table",
            url_name="courses_progress_report",
            shown=_sees_reports,
        ),
        ToolViewSet(
            "courses_hours_tool",
            menu_label=_("Study hours by unit"),
            icon="time",
            url_name="courses_hours_report",
            shown=_sees_reports,
        ),
        RequirementViewSet,
    )
