"""Programmes and their stages: a unit's subtree staff change its own; a district reads the city's programme (and
its stages) without changing them."""

import django_filters
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import BooleanColumn

from cms.admin_views.scoping import UnitOwnedViewSet
from cms.admin_widgets import JSONCheckboxes
from cms.models import StaffCategory
from cms.selectors import owned_rows_editable_by, owned_rows_readable_by
from courses.models import TrainingSession
from exams.models import Exam
from mentorship.models import Programme, Stage


def programmes_editable_by(user):
    return owned_rows_editable_by(user, Programme.objects.all())


class ProgrammeViewSet(UnitOwnedViewSet):
    model = Programme
    icon = "list-ol"
    menu_label = gettext_lazy("Programmes")
    owner_field = "unit"
    list_display = [
        "name",
        "unit",
        "version",
        BooleanColumn("is_active", label=Programme._meta.get_field("is_active").verbose_name),
    ]
    list_filter = ["is_active"]
    search_fields = ["name"]
    panels = [
        FieldPanel("unit"),
        FieldPanel("name"),
        FieldPanel("version"),
        # Tick boxes, not a JSON list of codes; the field stays a JSON list.
        FieldPanel("staff_categories", widget=JSONCheckboxes(choices=StaffCategory.choices)),
        FieldPanel("description"),
        FieldPanel("is_active"),
    ]


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
