"""Qualifications (资格): read-only, scoped to who asks, with a spreadsheet export of the list."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cms.admin_views import ScopedModelViewSet
from exams import selectors
from exams.models import Qualification


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
