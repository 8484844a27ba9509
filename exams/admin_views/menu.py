"""The one "Must-know exams" admin menu: the model viewsets and the tool pages (import, results, marking queue),
each tool shown only to users who may use it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.base import ViewSetGroup

from cms.admin_tools import ToolViewSet
from exams import selectors
from exams.admin_views.banks import CategoryViewSet, QuestionBankViewSet
from exams.admin_views.exam_setup import ExamViewSet
from exams.admin_views.qualifications import QualificationViewSet
from exams.admin_views.questions import QuestionViewSet


class ExamsViewSetGroup(ViewSetGroup):
    menu_label = _("Must-know exams")
    menu_icon = "doc-full-inverse"
    menu_name = "exams"
    menu_order = 260
    items = (
        QuestionBankViewSet,
        CategoryViewSet,
        QuestionViewSet,
        ToolViewSet(
            "exams_import_tool",
            menu_label=_("Import questions"),
            icon="download",
            url_name="exams_import",
            shown=lambda user: user.has_perm("exams.add_question"),
        ),
        ExamViewSet,
        ToolViewSet(
            "exams_results_tool",
            menu_label=_("Exam results"),
            icon="table",
            url_name="exams_results",
            shown=lambda user: user.has_perm("exams.view_attempt"),
        ),
        ToolViewSet(
            "exams_marking_tool",
            menu_label=_("Marking queue"),
            icon="edit",
            url_name="exams_marking",
            shown=selectors.can_mark,
        ),
        QualificationViewSet,
    )
