"""Exam definitions: the form (opening window, city-owned qualifying exams), the panels with composition rules and
fixed questions, and the scoped viewset whose list links to each exam's results."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn

from cms.admin_views import UnitOwnedViewSet
from cms.admin_views.choosers import officer_chooser_viewset, unit_chooser_viewset
from cms.models import StaffCategory
from cms.selectors import officers_visible_to, units_editable_by
from exams.admin_views.choosers import bank_chooser_viewset
from exams.admin_views.columns import LinkColumn
from exams.admin_views.scoping import banks_editable_by
from exams.models import Category, Exam, Question


class ExamForm(WagtailAdminModelForm):
    audience_categories = forms.MultipleChoiceField(
        label=_("Audience staff categories"),
        choices=StaffCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_audience_categories(self):
        return list(self.cleaned_data.get("audience_categories") or [])

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The exam must close after it opens."))
        unit = cleaned.get("unit")
        if cleaned.get("is_qualifying") and unit is not None and unit.depth != 1:
            # A qualification counts city-wide (e.g. to become a mentor), so only city scope may define how it is
            # earned: an exam owned below the city could be edited by a district into an easy pass.
            self.add_error(
                "is_qualifying",
                _("A qualifying exam belongs to the whole city: its owning unit must be the city."),
            )
        return cleaned


exam_panels = ObjectList(
    [
        MultiFieldPanel(
            [
                FieldPanel("title"),
                FieldPanel("unit"),
                FieldPanel("description"),
                FieldPanel("banks", widget=bank_chooser_viewset.multiple_widget(add_label=_("Add banks…"))),
                FieldPanel("is_published"),
            ],
            heading=_("Exam"),
        ),
        InlinePanel("rules", heading=_("Composition rules"), label=_("Composition rule")),
        InlinePanel("fixed_questions", heading=_("Fixed questions"), label=_("Fixed question")),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("time_limit_minutes"), FieldPanel("attempts_allowed")]),
                FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
                FieldPanel("start_stagger_seconds"),
                FieldRowPanel([FieldPanel("shuffle_questions"), FieldPanel("shuffle_options")]),
                FieldRowPanel([FieldPanel("pass_percent"), FieldPanel("grading_method")]),
                FieldPanel("multiple_choice_rule"),
                FieldPanel("review_short_answers"),
            ],
            heading=_("Rules"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("after_submit_score"),
                        FieldPanel("after_submit_correctness"),
                        FieldPanel("after_submit_answers"),
                        FieldPanel("after_submit_explanations"),
                    ]
                ),
                FieldRowPanel(
                    [
                        FieldPanel("after_close_score"),
                        FieldPanel("after_close_correctness"),
                        FieldPanel("after_close_answers"),
                        FieldPanel("after_close_explanations"),
                    ]
                ),
            ],
            heading=_("Review policy"),
        ),
        MultiFieldPanel(
            [
                FieldPanel(
                    "audience_units", widget=unit_chooser_viewset.multiple_widget(add_label=_("Add units…"))
                ),
                FieldPanel("audience_categories"),
                FieldPanel(
                    "audience_officers",
                    widget=officer_chooser_viewset.multiple_widget(add_label=_("Add officers…")),
                ),
            ],
            heading=_("Audience"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("is_qualifying"), FieldPanel("qualification_years")]),
                FieldPanel("is_mock"),
            ],
            heading=_("Qualification"),
        ),
    ],
    base_form_class=ExamForm,
)


def _yes_no(field: str) -> BooleanColumn:
    """A 是/否 icon instead of the words True/False."""
    return BooleanColumn(field, label=Exam._meta.get_field(field).verbose_name)


def exam_results_link(obj):
    return reverse("exams_results_exam", args=[obj.pk])


class ExamViewSet(UnitOwnedViewSet):
    model = Exam
    icon = "doc-full"
    menu_label = _("Exams")
    name = "exams_exam"
    owner_field = "unit"
    edit_handler = exam_panels
    list_display = [
        "title",
        "unit",
        _yes_no("is_published"),
        "opens_at",
        "closes_at",
        _yes_no("is_qualifying"),
        _yes_no("is_mock"),
        LinkColumn("results", label=_("Results"), url=exam_results_link, text=_("View results")),
    ]
    search_fields = ["title"]

    def form_choice_scopes(self, user):
        # An exam draws only from banks the user may change (a city bank may hold questions kept secret for the
        # city's own exam), and its rules and fixed questions only from those banks.
        units = units_editable_by(user).order_by("path")
        banks = banks_editable_by(user)
        return {
            "unit": units,
            "banks": banks,
            "audience_units": units,
            "audience_officers": officers_visible_to(user),
            "rules__category": Category.objects.filter(bank__in=banks),
            "fixed_questions__question": Question.objects.filter(bank__in=banks),
        }
