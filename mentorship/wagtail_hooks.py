"""Staff screens for mentoring: programmes and stages, every apprenticeship in the user's subtree, pairing."""

import django_filters
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from cms.admin_views import UnitOwnedViewSet
from cms.exports import SafeSpreadsheetExportMixin
from cms.models import Officer
from cms.selectors import (
    officers_visible_to,
    owned_rows_editable_by,
    owned_rows_readable_by,
    units_visible_to,
)
from courses.models import TrainingSession
from exams.models import Exam
from mentorship import selectors, services
from mentorship.models import Apprenticeship, Programme, Stage


class ReadOnlyPolicy(ModelPermissionPolicy):
    """Apprenticeships change only through services (start, advance, pair, withdraw), never by form."""

    def user_has_permission(self, user, action):
        if action in {"add", "change", "delete"}:
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, a) for a in actions)


class ScopedIndexView(SafeSpreadsheetExportMixin, generic.IndexView):
    def get_base_queryset(self):
        return (
            selectors.apprenticeships_visible_to(self.request.user)
            .select_related("officer__unit", "programme", "current_stage")
            .prefetch_related("stage_progress", "pairings__mentor")
        )


class ScopedInspectView(generic.InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(
            selectors.apprenticeships_visible_to(self.request.user), pk=self.kwargs["pk"]
        )


def _overdue(obj):
    return _("Overdue") if obj.is_overdue else ""


class ApprenticeshipViewSet(ModelViewSet):
    model = Apprenticeship
    icon = "group"
    menu_label = gettext_lazy("Apprenticeships")
    permission_policy = ReadOnlyPolicy(Apprenticeship)
    index_view_class = ScopedIndexView
    inspect_view_class = ScopedInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        "officer",
        Column("unit_name", label=gettext_lazy("Unit")),
        "programme",
        "current_stage",
        Column("days_in_stage", label=gettext_lazy("Days in stage")),
        Column("overdue", label=gettext_lazy("Overdue"), accessor=_overdue),
        Column("mentor_name", label=gettext_lazy("Mentor")),
        "status",
        "started_on",
    ]
    list_filter = ["status", "programme"]
    list_export = [
        "officer",
        "unit_name",
        "programme",
        "current_stage",
        "days_in_stage",
        "is_overdue",
        "mentor_name",
        "status",
        "started_on",
        "ended_on",
    ]
    export_headings = {
        "unit_name": gettext_lazy("Unit"),
        "days_in_stage": gettext_lazy("Days in stage"),
        "is_overdue": gettext_lazy("Overdue"),
        "mentor_name": gettext_lazy("Mentor"),
    }
    export_filename = "apprenticeships"
    search_fields = ["officer__name", "officer__employee_no"]
    inspect_view_fields = [
        "officer",
        "programme",
        "current_stage",
        "status",
        "hire_date",
        "started_on",
        "ended_on",
    ]
    form_fields = ["status"]  # never editable: ReadOnlyPolicy denies add/change/delete

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [path("<int:pk>/pair/", pair_view, name="pair")]


def programmes_editable_by(user):
    return owned_rows_editable_by(user, Programme.objects.all())


class ProgrammeViewSet(UnitOwnedViewSet):
    """A unit's programme: its subtree's staff change it; a district reads the city's programme but cannot change it
    or its stages."""

    model = Programme
    icon = "list-ol"
    menu_label = gettext_lazy("Programmes")
    owner_field = "unit"
    list_display = ["name", "unit", "version", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    form_fields = ["unit", "name", "version", "staff_categories", "description", "is_active"]


class StageFilterSet(WagtailFilterSet):
    programme = django_filters.ModelChoiceFilter(
        queryset=lambda request: owned_rows_readable_by(request.user, Programme.objects.all()),
        label=gettext_lazy("Programme"),
    )

    class Meta:
        model = Stage
        fields = ["programme"]


class StageViewSet(UnitOwnedViewSet):
    model = Stage
    icon = "list-ul"
    menu_label = gettext_lazy("Stages and milestones")
    unit_path = "programme__unit"
    list_display = ["__str__", "programme", "due_days", "min_days"]
    filterset_class = StageFilterSet
    form_fields = ["programme", "order", "name", "description", "due_days", "due_from", "min_days"]

    def form_choice_scopes(self, user):
        # A stage may require an exam the user can read (e.g. the city's qualifying exam), not another district's.
        return {
            "programme": programmes_editable_by(user),
            "requirements__exam": owned_rows_readable_by(user, Exam.objects.all()),
            "requirements__session": owned_rows_readable_by(
                user, TrainingSession.objects.all(), unit_field="organizer"
            ),
        }


class MentoringGroup(ViewSetGroup):
    menu_label = gettext_lazy("Mentoring")
    menu_icon = "group"
    menu_order = 320
    items = (ApprenticeshipViewSet("apprenticeships"), ProgrammeViewSet("programmes"), StageViewSet("stages"))


@hooks.register("register_admin_viewset")
def register_mentoring_viewsets():
    return MentoringGroup()


def pair_view(request, pk):
    """Choose a mentor for an apprentice: ranked suggestions, the rules shown, history kept."""
    if not request.user.has_perm("mentorship.add_pairing"):
        raise Http404
    apprenticeship = get_object_or_404(
        selectors.apprenticeships_visible_to(request.user).select_related("officer__unit", "programme"), pk=pk
    )
    if request.method == "POST":
        chosen = request.POST.get("mentor_other") or request.POST.get("mentor")
        mentor = officers_visible_to(request.user).filter(pk=chosen).first() if chosen else None
        if mentor is None:
            messages.error(request, _("Choose a mentor from your units."))
        else:
            try:
                services.pair(
                    apprenticeship=apprenticeship,
                    mentor=mentor,
                    by=request.user,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(
                    request,
                    _("%(mentor)s now mentors %(apprentice)s.")
                    % {"mentor": mentor.name, "apprentice": apprenticeship.officer.name},
                )
                return redirect(reverse("apprenticeships:inspect", args=[apprenticeship.pk]))
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
    suggestions = services.suggest_mentors(apprenticeship)
    others = (
        Officer.objects.filter(unit__in=units_visible_to(request.user), status="active")
        .exclude(pk=apprenticeship.officer_id)
        .order_by("name")[:300]
    )
    return TemplateResponse(
        request,
        "mentorship/admin/pair.html",
        {
            "apprenticeship": apprenticeship,
            "suggestions": suggestions,
            "others": others,
            "pairings": apprenticeship.pairings.select_related("mentor"),
            "rules": selectors.rules(),
            "header_title": _("Pair a mentor"),
        },
    )
