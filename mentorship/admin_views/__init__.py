"""Wagtail admin screens for mentoring, one module per screen; mentorship.wagtail_hooks registers the group."""

from django.utils.translation import gettext_lazy
from wagtail.admin.viewsets.base import ViewSetGroup

from mentorship.admin_views.apprenticeships import ApprenticeshipViewSet
from mentorship.admin_views.programmes import ProgrammeViewSet, StageViewSet


class MentoringGroup(ViewSetGroup):
    menu_label = gettext_lazy("Mentoring")
    menu_icon = "group"
    menu_order = 320
    items = (ApprenticeshipViewSet("apprenticeships"), ProgrammeViewSet("programmes"), StageViewSet("stages"))


__all__ = ["ApprenticeshipViewSet", "MentoringGroup", "ProgrammeViewSet", "StageViewSet"]
