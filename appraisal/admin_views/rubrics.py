"""Rubrics (评查标准) in the admin: a unit's subtree staff keep their own rubrics, and read the city's (the default
rubrics of appraisal.reference) without changing them; items carry weights (summing to 100), the highest score,
a scoring guide and knowledge points from the exam banks' tree. No deletion: rounds and evaluations keep theirs."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn

from appraisal.models import Rubric
from cms.admin_views.scoping import UnitOwnedViewSet


class RubricForm(WagtailAdminModelForm):
    def clean(self):
        data = super().clean()
        formset = self.formsets.get("items")
        if formset is None or any(formset.errors):
            return data
        weights = [
            form.cleaned_data.get("weight") or Decimal(0)
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if not weights:
            raise ValidationError(_("A rubric needs at least one item."), code="no_items")
        total = sum(weights, Decimal(0))
        if total != Decimal(100):
            raise ValidationError(
                _("The items' weights add up to %(total)s; they must add up to 100."),
                code="weights",
                params={"total": total.normalize()},
            )
        return data


PANELS = ObjectList(
    [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("purpose"), FieldPanel("unit")]),
        FieldPanel("description"),
        InlinePanel(
            "items",
            heading=_("Rubric items"),
            panels=[
                FieldRowPanel([FieldPanel("code"), FieldPanel("name")]),
                FieldRowPanel([FieldPanel("weight"), FieldPanel("max_score")]),
                FieldPanel("guide"),
                FieldPanel("knowledge_points"),
            ],
            min_num=1,
        ),
    ],
    base_form_class=RubricForm,
)


class RubricViewSet(UnitOwnedViewSet):
    model = Rubric
    icon = "list-ol"
    menu_label = _("Rubrics")
    add_to_admin_menu = False
    disabled_actions = ("delete",)
    owner_field = "unit"
    list_display = [
        "name",
        "purpose",
        "unit",
        BooleanColumn("is_default", label=Rubric._meta.get_field("is_default").verbose_name),
    ]
    list_filter = ["purpose"]
    search_fields = ["name"]
    edit_handler = PANELS
