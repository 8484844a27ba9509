"""Questions: the scoped list with filters and header buttons (bulk publish, import), add and edit with a new
version frozen on change, the learner-eye preview, bulk publish of drafts and regrading after a correction."""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.widgets.button import HeaderButton

from cms.admin_tools import render, require
from cms.admin_views import UnitOwnedViewSet
from cms.admin_views.scoping import ScopedCreateView, ScopedEditView, ScopedIndexView
from exams import paper, selectors, services
from exams.admin_views.columns import LinkColumn
from exams.admin_views.question_form import QUESTION_PANELS, QuestionForm
from exams.admin_views.scoping import (
    banks_editable_by,
    banks_readable_by,
    categories_editable_by,
    categories_readable_by,
    questions_editable_by,
    questions_readable_by,
)
from exams.models import Question
from exams.views import decorate


class QuestionFilterSet(WagtailFilterSet):
    bank = django_filters.ModelChoiceFilter(
        queryset=lambda request: banks_readable_by(request.user), label=gettext_lazy("Question bank")
    )
    category = django_filters.ModelChoiceFilter(
        queryset=lambda request: categories_readable_by(request.user), label=gettext_lazy("Knowledge point")
    )

    class Meta:
        model = Question
        fields = ["bank", "category", "type", "difficulty", "status"]


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
    menu_label = gettext_lazy("Questions")
    name = "exams_question"
    panels = QUESTION_PANELS
    list_display = [
        "__str__",
        "type",
        "category",
        "difficulty",
        "status",
        "version",
        LinkColumn(
            "preview", label=gettext_lazy("Preview"), url=question_preview_link, text=gettext_lazy("Preview")
        ),
    ]
    filterset_class = QuestionFilterSet
    search_fields = ["stem", "title"]
    inspect_view_enabled = True
    unit_path = "bank__unit"
    index_view_class = QuestionIndexView
    add_view_class = QuestionCreateView
    edit_view_class = QuestionEditView
    edit_template_name = "exams/admin/question_edit.html"
    create_template_name = "exams/admin/question_create.html"

    def get_form_class(self, for_update=False):
        return QuestionForm

    def form_choice_scopes(self, user):
        return {"bank": banks_editable_by(user), "category": categories_editable_by(user)}


def question_preview(request, question_id):
    """The question exactly as the examinee sees it (the learner template and CSS, no answer key)."""
    require(request, "exams.view_question")
    question = get_object_or_404(
        questions_readable_by(request.user).select_related("current_version", "bank"), pk=question_id
    )
    data = (
        question.current_version.data
        if question.current_version and question.status == Question.Status.PUBLISHED
        else (selectors.question_data(question))
    )
    order = list(range(paper.option_count(data)))
    return TemplateResponse(
        request,
        "exams/admin/question_preview.html",
        {
            "q": decorate(paper.public_question(data, order), None, 1),
            "question": question,
            "right_answer": paper.correct_answer_text(data),
            "data": data,
        },
    )


def _filtered_questions(request):
    qs = questions_editable_by(request.user)
    for field in ("bank", "category", "type", "difficulty", "status"):
        value = request.GET.get(field) or request.POST.get(field)
        if value:
            qs = qs.filter(**{field: value})
    search = request.GET.get("q") or request.POST.get("q")
    if search:
        qs = qs.filter(Q(stem__icontains=search) | Q(title__icontains=search))
    return qs


def question_bulk_publish(request):
    """Publish every draft matching the question list's filters (after a confirmation), in banks the user may
    change: a read-only bank's drafts are never touched."""
    require(request, "exams.change_question")
    drafts = _filtered_questions(request).filter(status=Question.Status.DRAFT).select_related("category")
    if request.method == "POST":
        count = services.question_publish(questions=list(drafts), by=request.user)
        messages.success(request, _("Published %(n)s question(s).") % {"n": count})
        return redirect("exams_question:index")
    return render(
        request,
        "exams/admin/bulk_publish.html",
        _("Publish questions"),
        {
            "count": drafts.count(),
            "sample": drafts[:20],
            "query": request.GET.urlencode(),
        },
    )


@require_POST
def question_regrade(request, question_id):
    require(request, "exams.change_attempt")
    question = get_object_or_404(questions_editable_by(request.user), pk=question_id)
    try:
        count = services.regrade_question(question=question, by=request.user)
    except services.ExamError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Regraded %(n)s attempt(s).") % {"n": count})
    return redirect("exams_question:edit", question.pk)
