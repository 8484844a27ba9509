"""Appraisal's admin registrations. The screens live in appraisal.admin_views; every entry joins the one 执法考评
menu group: `appraisal.admin_views.menu.add_menu_item(viewset, order=...)` at import time of this module (A's
entries use orders 10–40: 案卷, 评查轮次, 评查标准, 导入案卷; use 50 and above)."""

from wagtail import hooks

from appraisal.admin_views.case_import import CaseImportViewSet
from appraisal.admin_views.cases import CaseFileViewSet
from appraisal.admin_views.menu import AppraisalMenuGroup, add_menu_item
from appraisal.admin_views.rounds import RoundViewSet
from appraisal.admin_views.rubrics import RubricViewSet

add_menu_item(CaseFileViewSet("appraisal_cases"), order=10)
add_menu_item(RoundViewSet(), order=20)
add_menu_item(RubricViewSet("appraisal_rubrics"), order=30)
add_menu_item(CaseImportViewSet(), order=40)


@hooks.register("register_admin_viewset")
def register_appraisal_menu():
    return AppraisalMenuGroup()
