"""Question banks and their knowledge points (categories), each owned by a unit (a knowledge point by its bank's)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet

from cms.admin_views import UnitOwnedViewSet
from exams.admin_views.scoping import banks_editable_by, banks_readable_by, categories_editable_by
from exams.models import Category, QuestionBank


class QuestionBankViewSet(UnitOwnedViewSet):
    model = QuestionBank
    icon = "folder-open-inverse"
    menu_label = _("Question banks")
    name = "exams_bank"
    owner_field = "unit"
    form_fields = ["code", "name", "unit", "practice_allowed", "description"]
    list_display = ["name", "code", "unit", "created_at"]
    search_fields = ["name", "code"]
    inspect_view_enabled = True


class CategoryFilterSet(WagtailFilterSet):
    bank = django_filters.ModelChoiceFilter(
        queryset=lambda request: banks_readable_by(request.user), label=_("Question bank")
    )

    class Meta:
        model = Category
        fields = ["bank"]


class CategoryViewSet(UnitOwnedViewSet):
    model = Category
    icon = "list-ul"
    menu_label = _("Knowledge points")
    name = "exams_category"
    unit_path = "bank__unit"
    form_fields = ["bank", "parent", "name"]
    list_display = ["path", "bank"]
    search_fields = ["name", "path"]
    filterset_class = CategoryFilterSet

    def form_choice_scopes(self, user):
        return {"bank": banks_editable_by(user), "parent": categories_editable_by(user)}
