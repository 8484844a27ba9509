"""Mentoring's admin registrations; the screens live in mentorship.admin_views."""

from wagtail import hooks

from mentorship.admin_views import MentoringGroup


@hooks.register("register_admin_viewset")
def register_mentoring_viewsets():
    return MentoringGroup()
