"""Staff screens of exams in Wagtail admin, under one "Must-know exams" menu: banks, knowledge points, questions
(search, filters, preview, bulk publish, versions), exams with composition rules, qualifications, import,
results, marking queue."""

from __future__ import annotations

import django_filters
from django import forms
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

from cms.admin_views import ScopedModelViewSet, UnitOwnedViewSet
from cms.admin_views.scoping import ScopedCreateView, ScopedEditView, ScopedIndexView
from cms.models import StaffCategory
from cms.selectors import (
    officers_visible_to,
    owned_rows_editable_by,
    owned_rows_readable_by,
    units_editable_by,
)
from exams import admin_views, selectors, services
from exams.admin_views import banks_editable_by, banks_readable_by
from exams.models import Category, Exam, Qualification, Question, QuestionBank

# Banks, knowledge points, questions and exams belong to a unit (a knowledge point and a question to their bank's).
# Staff change those of their subtree; they read, but never change, the ones of units above them (the city's).


def categories_editable_by(user):
    return owned_rows_editable_by(user, Category.objects.all(), unit_field="bank__unit")


def categories_readable_by(user):
    return owned_rows_readable_by(user, Category.objects.all(), unit_field="bank__unit")


# --- banks and knowledge points -----------------------------------------------------------------------------------


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


# --- questions -------------------------------------------------------------------------------------------------------


class QuestionFilterSet(WagtailFilterSet):
    bank = django_filters.ModelChoiceFilter(
        queryset=lambda request: banks_readable_by(request.user), label=_("Question bank")
    )
    category = django_filters.ModelChoiceFilter(
        queryset=lambda request: categories_readable_by(request.user), label=_("Knowledge point")
    )

    class Meta:
        model = Question
        fields = ["bank", "category", "type", "difficulty", "status"]


OPTION_LETTERS = "ABCDEFGH"  # the import template's columns 选项A…选项H
CHOICE_TYPES = ("single_choice", "multiple_choice")


def _option_fields():
    fields = {}
    for letter in OPTION_LETTERS:
        key = letter.lower()
        fields[f"option_{key}_text"] = forms.CharField(
            label=_("Option %(letter)s") % {"letter": letter}, required=False, max_length=2000
        )
        fields[f"option_{key}_correct"] = forms.BooleanField(label=_("Correct"), required=False)
        fields[f"option_{key}_weight"] = forms.DecimalField(
            label=_("Weight (%)"),
            required=False,
            min_value=-100,
            max_value=100,
            decimal_places=5,
        )
        fields[f"option_{key}_feedback"] = forms.CharField(
            label=_("Feedback for this option"), required=False, max_length=2000
        )
    return fields


def _natural_fractions(qtype: str, correct: list[bool]) -> list[float]:
    """The weights the tick boxes give: 100% for a correct single-choice option; the correct options of a
    multiple-choice question share 100%; wrong options 0."""
    k = sum(correct)
    share = 1.0 if qtype == "single_choice" or not k else round(1 / k, 5)
    return [share if c else 0.0 for c in correct]


class QuestionForm(WagtailAdminModelForm):
    """Options (single and multiple choice) and the true/false answer are edited field by field; the other types'
    answer data (accepted answers, numbers with tolerances, matching pairs) as JSON in the import schema."""

    locals().update(
        _option_fields()
    )  # option_a_text … option_h_feedback (a class body's namespace is a dict)
    true_false_answer = forms.TypedChoiceField(
        label=_("The statement is"),
        required=False,
        choices=[("", "—"), ("true", _("True")), ("false", _("False"))],
    )
    true_false_feedback_true = forms.CharField(label=_("Feedback for “True”"), required=False)
    true_false_feedback_false = forms.CharField(label=_("Feedback for “False”"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["content"].required = False
        content = (
            self.instance.content if self.instance.pk and isinstance(self.instance.content, dict) else {}
        )
        if self.instance.type in (*CHOICE_TYPES, "true_false"):
            self.initial["content"] = {}  # shown field by field instead
        if self.instance.type in CHOICE_TYPES:
            choices = content.get("choices") or []
            fractions = [float(c.get("fraction") or 0) for c in choices]
            natural = _natural_fractions(self.instance.type, [f > 0 for f in fractions])
            for letter, choice, fraction, plain in zip(
                OPTION_LETTERS.lower(), choices, fractions, natural, strict=False
            ):
                self.initial[f"option_{letter}_text"] = choice.get("text", "")
                self.initial[f"option_{letter}_correct"] = fraction > 0
                if abs(fraction - plain) > 1e-4:  # only weights the tick boxes would not give
                    self.initial[f"option_{letter}_weight"] = round(fraction * 100, 5)
                self.initial[f"option_{letter}_feedback"] = choice.get("feedback") or ""
        elif self.instance.type == "true_false":
            self.initial["true_false_answer"] = "true" if content.get("answer") else "false"
            feedback = content.get("feedback") or {}
            self.initial["true_false_feedback_true"] = feedback.get("true") or ""
            self.initial["true_false_feedback_false"] = feedback.get("false") or ""

    def _content_from_options(self, cleaned) -> dict | None:
        rows = []
        for letter in OPTION_LETTERS.lower():
            text = (cleaned.get(f"option_{letter}_text") or "").strip()
            if text:
                rows.append((letter, text))
            elif cleaned.get(f"option_{letter}_correct") or cleaned.get(f"option_{letter}_feedback"):
                self.add_error(f"option_{letter}_text", _("This option has no text."))
        if not rows:
            return None  # nothing entered field by field: the JSON below is used as it is
        natural = _natural_fractions(
            cleaned.get("type"), [bool(cleaned.get(f"option_{letter}_correct")) for letter, _text in rows]
        )
        choices = []
        for (letter, text), plain in zip(rows, natural, strict=True):
            weight = cleaned.get(f"option_{letter}_weight")
            fraction = plain if weight is None else float(weight) / 100
            feedback = (cleaned.get(f"option_{letter}_feedback") or "").strip() or None
            choices.append({"text": text, "fraction": fraction, "feedback": feedback})
        return {"choices": choices}

    def clean(self):
        cleaned = super().clean()
        qtype = cleaned.get("type")
        content = cleaned.get("content")
        if qtype in CHOICE_TYPES:
            from_options = self._content_from_options(cleaned)
            if from_options is not None:
                content = from_options
        elif qtype == "true_false" and cleaned.get("true_false_answer"):
            content = {
                "answer": cleaned["true_false_answer"] == "true",
                "feedback": {
                    "true": (cleaned.get("true_false_feedback_true") or "").strip() or None,
                    "false": (cleaned.get("true_false_feedback_false") or "").strip() or None,
                },
            }
        content = content if isinstance(content, dict) else {}
        if qtype == "true_false" and "answer" not in content:
            self.add_error("true_false_answer", _("Choose whether the statement is true or false."))
        cleaned["content"] = content
        if qtype:
            from exams.formats import validate_question

            probe = {
                "type": qtype,
                "stem": cleaned.get("stem") or "x",
                "title": cleaned.get("title") or None,
                **content,
            }
            problems = validate_question(probe)
            if problems:
                field = {"true_false": "true_false_answer"}.get(qtype, "content")
                if qtype in CHOICE_TYPES and content.get("choices") and not self["content"].value():
                    field = "option_a_text"
                self.add_error(field, forms.ValidationError(problems))
        return cleaned

    def save(self, commit=True):
        self.instance.content = self.cleaned_data["content"]
        return super().save(commit=commit)

    class Meta:
        model = Question
        fields = [
            "bank",
            "category",
            "type",
            "title",
            "stem",
            "stem_format",
            "content",
            "explanation",
            "legal_basis",
            "difficulty",
            "points",
            "tags",
            "status",
        ]


def _option_rows():
    return [
        FieldRowPanel(
            [
                FieldPanel(f"option_{letter}_text"),
                FieldPanel(f"option_{letter}_correct"),
                FieldPanel(f"option_{letter}_weight"),
                FieldPanel(f"option_{letter}_feedback"),
            ]
        )
        for letter in OPTION_LETTERS.lower()
    ]


QUESTION_PANELS = [
    FieldPanel("bank"),
    FieldPanel("category"),
    FieldPanel("type"),
    FieldPanel("title"),
    FieldPanel("stem"),
    FieldPanel("stem_format"),
    MultiFieldPanel(
        _option_rows(),
        heading=_("Options (single and multiple choice)"),
        help_text=_(
            "Fill in the options in the order you write them; examinees see them shuffled if the exam says so. "
            "Tick the correct ones. Leave the weight blank unless an option needs its own (e.g. a penalty): "
            "then a correct option gets its share of 100% and a wrong one 0."
        ),
    ),
    MultiFieldPanel(
        [
            FieldPanel("true_false_answer"),
            FieldRowPanel([FieldPanel("true_false_feedback_true"), FieldPanel("true_false_feedback_false")]),
        ],
        heading=_("Answer (true or false)"),
    ),
    MultiFieldPanel(
        [FieldPanel("content")],
        heading=_("Answer data of the other types (JSON)"),
        help_text=_(
            "Short answer, numerical and matching questions: the JSON of the import schema, e.g. "
            '{"answers": [{"text": "…", "fraction": 1}]}. Not needed for choice or true/false questions '
            "entered above."
        ),
    ),
    FieldPanel("explanation"),
    FieldPanel("legal_basis"),
    FieldRowPanel([FieldPanel("difficulty"), FieldPanel("points")]),
    FieldPanel("tags"),
    FieldPanel("status"),
]


class VersioningMixin:
    """Saving a published question freezes a new version when its content changed (attempts keep the old one)."""

    def save_instance(self):
        instance = super().save_instance()
        services.question_sync_version(question=instance, by=self.request.user)
        return instance


class QuestionCreateView(VersioningMixin, ScopedCreateView):
    pass


class QuestionEditView(VersioningMixin, ScopedEditView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["exam_question_tools"] = {
            "preview": reverse("exams_question_preview", args=[self.object.pk]),
            "regrade": reverse("exams_question_regrade", args=[self.object.pk]),
        }
        return context


class QuestionIndexView(ScopedIndexView):
    def get_header_buttons(self):
        from wagtail.admin.widgets.button import HeaderButton

        buttons = list(super().get_header_buttons())
        query = self.request.GET.urlencode()
        buttons.append(
            HeaderButton(
                _("Publish drafts shown"),
                url=reverse("exams_question_bulk_publish") + (f"?{query}" if query else ""),
                icon_name="upload",
            )
        )
        buttons.append(HeaderButton(_("Import"), url=reverse("exams_import"), icon_name="download"))
        return buttons


def question_preview_link(obj):
    return reverse("exams_question_preview", args=[obj.pk])


class QuestionViewSet(UnitOwnedViewSet):
    model = Question
    icon = "help"
    menu_label = _("Questions")
    name = "exams_question"
    panels = QUESTION_PANELS
    list_display = [
        "__str__",
        "type",
        "category",
        "difficulty",
        "status",
        "version",
        Column("preview", label=_("Preview"), accessor=question_preview_link),
    ]
    filterset_class = QuestionFilterSet
    search_fields = ["stem", "title"]
    inspect_view_enabled = True
    unit_path = "bank__unit"
    index_view_class = QuestionIndexView
    add_view_class = QuestionCreateView
    edit_view_class = QuestionEditView
    edit_template_name = "exams/admin/question_edit.html"

    def get_form_class(self, for_update=False):
        return QuestionForm

    def form_choice_scopes(self, user):
        return {"bank": banks_editable_by(user), "category": categories_editable_by(user)}


# --- exams ----------------------------------------------------------------------------------------------------------


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
                FieldPanel("banks"),
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
                FieldPanel("audience_units"),
                FieldPanel("audience_categories"),
                FieldPanel("audience_officers"),
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
        "is_published",
        "opens_at",
        "closes_at",
        "is_qualifying",
        "is_mock",
        Column("results", label=_("Results"), accessor=exam_results_link),
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


# --- qualifications (read-only, scoped) --------------------------------------------------------------------------------


class QualificationViewSet(ScopedModelViewSet):
    model = Qualification
    icon = "success"
    menu_label = _("Qualifications")
    name = "exams_qualification"
    disabled_actions = ("add", "change", "delete")
    list_display = ["certificate_no", "officer", "exam", "issued_on", "valid_until", "status"]
    list_export = ["certificate_no", "officer", "exam", "issued_on", "valid_until", "status"]
    search_fields = ["certificate_no", "officer__name", "officer__employee_no"]
    inspect_view_enabled = True
    form_fields = ["status"]

    def visible_to(self, user):
        return selectors.qualifications_visible_to(user)


# --- tool pages -----------------------------------------------------------------------------------------------------


class ToolViewSet(ViewSet):
    """A menu entry for one of the tool pages in exams.admin_views, shown only to users it admits."""

    url_name = ""

    def is_shown(self, user) -> bool:
        raise NotImplementedError

    @cached_property
    def menu_url(self):
        return reverse(self.url_name)

    @cached_property
    def menu_item_class(self):
        viewset = self

        class ToolMenuItem(MenuItem):
            def is_shown(self, request):
                return viewset.is_shown(request.user)

        return ToolMenuItem


class ImportToolViewSet(ToolViewSet):
    name = "exams_import_tool"
    menu_label = _("Import questions")
    icon = "download"
    url_name = "exams_import"

    def is_shown(self, user):
        return user.has_perm("exams.add_question")


class ResultsToolViewSet(ToolViewSet):
    name = "exams_results_tool"
    menu_label = _("Exam results")
    icon = "table"
    url_name = "exams_results"

    def is_shown(self, user):
        return user.has_perm("exams.view_attempt")


class MarkingToolViewSet(ToolViewSet):
    name = "exams_marking_tool"
    menu_label = _("Marking queue")
    icon = "edit"
    url_name = "exams_marking"

    def is_shown(self, user):
        return selectors.can_mark(user)


class ExamsViewSetGroup(ViewSetGroup):
    menu_label = _("Must-know exams")
    menu_icon = "doc-full-inverse"
    menu_name = "exams"
    menu_order = 260
    items = (
        QuestionBankViewSet,
        CategoryViewSet,
        QuestionViewSet,
        ImportToolViewSet,
        ExamViewSet,
        ResultsToolViewSet,
        MarkingToolViewSet,
        QualificationViewSet,
    )


@hooks.register("register_admin_viewset")
def register_exams_viewsets():
    return ExamsViewSetGroup()


@hooks.register("register_admin_urls")
def register_exams_admin_urls():
    v = admin_views
    return [
        path("exams/import/", v.import_upload, name="exams_import"),
        path("exams/import/template.xlsx", v.import_template, name="exams_import_template"),
        path("exams/import/<int:job_id>/confirm/", v.import_confirm, name="exams_import_confirm"),
        path("exams/import/<int:job_id>/", v.import_status, name="exams_import_status"),
        path("exams/questions/<int:question_id>/preview/", v.question_preview, name="exams_question_preview"),
        path("exams/questions/<int:question_id>/regrade/", v.question_regrade, name="exams_question_regrade"),
        path("exams/questions/publish/", v.question_bulk_publish, name="exams_question_bulk_publish"),
        path("exams/results/", v.results_index, name="exams_results"),
        path("exams/results/<int:exam_id>/", v.exam_results, name="exams_results_exam"),
        path("exams/results/<int:exam_id>/items/", v.item_statistics, name="exams_item_statistics"),
        path("exams/attempts/<int:attempt_id>/", v.attempt_review, name="exams_attempt_review"),
        path("exams/marking/", v.marking_queue, name="exams_marking"),
        path("exams/marking/<int:response_id>/", v.mark_response, name="exams_mark_response"),
        path(
            "exams/overrides/request/<int:response_id>/",
            v.score_override_request,
            name="exams_score_override_request",
        ),
        path("exams/overrides/", v.score_override_queue, name="exams_score_overrides"),
        path(
            "exams/overrides/<int:override_id>/decide/",
            v.score_override_decide,
            name="exams_score_override_decide",
        ),
    ]
