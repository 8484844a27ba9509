"""exams's admin registrations: the "Must-know exams" menu group, the bank chooser and the tool pages' URLs. The screens live in
exams.admin_views."""

from django.urls import include, path
from wagtail import hooks

from exams.admin_views import urls
from exams.admin_views.choosers import bank_chooser_viewset
from exams.admin_views.menu import ExamsViewSetGroup


@hooks.register("register_admin_viewset")
def register_exams_viewsets():
    return ExamsViewSetGroup()


@hooks.register("register_admin_viewset")
def register_bank_chooser():
    return bank_chooser_viewset


@hooks.register("register_admin_urls")
def register_exams_admin_urls():
    return [path("exams/", include(urls))]
