"""Training's admin registrations: the "Training" menu group and the tool pages' URLs. The screens live in
courses.admin_views."""

from django.urls import include, path
from wagtail import hooks

from courses.admin_views import urls
from courses.admin_views.viewsets import CoursesViewSetGroup


@hooks.register("register_admin_viewset")
def register_courses_viewsets():
    return CoursesViewSetGroup()


@hooks.register("register_admin_urls")
def register_courses_admin_urls():
    return [path("courses/", include(urls))]
