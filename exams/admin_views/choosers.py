"""The question bank chooser of the exam form: searchable, and only banks the user may change (as the form field)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cms.admin_views.choosers import ScopedChooserViewSet
from exams.admin_views.scoping import banks_editable_by
from exams.models import QuestionBank


class QuestionBankChooserViewSet(ScopedChooserViewSet):
    model = QuestionBank
    icon = "folder-open-inverse"
    choose_one_text = _("Choose question banks")
    search_fields = ("name", "code")
    url_prefix = "bank-chooser"
    name = "bank_chooser"

    def scope(self, user):
        return banks_editable_by(user).select_related("unit").order_by("code")

    @staticmethod
    def label(bank):
        return f"{bank.name}（{bank.code}）"


bank_chooser_viewset = QuestionBankChooserViewSet()
