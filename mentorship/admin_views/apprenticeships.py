"""Every apprenticeship in the user's subtree: stage, days in it, overdue flag and mentor; export; inspect; pair.

Scoped by cms's viewset (out of scope answers 404); apprenticeships change only through services (start,
advance, pair, withdraw), so the policy refuses add, change and delete to everyone."""

from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.ui.tables import Column

from cms.admin_views.scoping import ScopedIndexView, ScopedModelViewSet
from mentorship import selectors
from mentorship.admin_views.pairing import pair_view
from mentorship.models import Apprenticeship


class ApprenticeshipIndexView(ScopedIndexView):
    def get_base_queryset(self):
        # The list and the export read stage progress and the mentor of every row.
        return (
            super()
            .get_base_queryset()
            .select_related("officer__unit", "programme", "current_stage")
            .prefetch_related("stage_progress", "pairings__mentor")
        )


def _overdue(obj):
    return _("Overdue") if obj.is_overdue else ""


class ApprenticeshipViewSet(ScopedModelViewSet):
    model = Apprenticeship
    icon = "group"
    menu_label = gettext_lazy("Apprenticeships")
    refused_actions = ("add", "change", "delete")
    index_view_class = ApprenticeshipIndexView
    inspect_view_enabled = True
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
    form_fields = ["status"]  # never editable: refused_actions refuses add/change/delete

    def visible_to(self, user):
        return selectors.apprenticeships_visible_to(user)

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [path("<int:pk>/pair/", pair_view, name="pair")]
