"""Appraisal's admin registrations. The screens live in appraisal.admin_views; every entry joins the one 执法考评
menu group: `appraisal.admin_views.menu.add_menu_item(viewset, order=...)` at import time of this module (A's
entries use orders 10–40: 案卷, 评查轮次, 评查标准, 导入案卷; use 50 and above)."""

from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from appraisal import appraisal_selectors
from appraisal.admin_views import appraisals as appraisal_screens
from appraisal.admin_views import inspections as inspection_screens
from appraisal.admin_views.case_import import CaseImportViewSet
from appraisal.admin_views.cases import CaseFileViewSet
from appraisal.admin_views.menu import AppraisalMenuGroup, add_menu_item
from appraisal.admin_views.rounds import RoundViewSet
from appraisal.admin_views.rubrics import RubricViewSet
from cms.admin_tools import ToolViewSet

add_menu_item(CaseFileViewSet("appraisal_cases"), order=10)
add_menu_item(RoundViewSet(), order=20)
add_menu_item(RubricViewSet("appraisal_rubrics"), order=30)
add_menu_item(CaseImportViewSet(), order=40)


@hooks.register("register_admin_viewset")
def register_appraisal_menu():
    return AppraisalMenuGroup()


@hooks.register("register_admin_urls")
def register_appraisal_cycle_urls():
    return [
        path("appraisal/", include(appraisal_screens.urlpatterns)),
        path("appraisal/inspections/", include(inspection_screens.urlpatterns)),
    ]


# C's tool pages join the same group.
add_menu_item(
    ToolViewSet(
        "appraisal_cycles_tool",
        menu_label=_("Enforcement appraisal"),
        icon="tasks",
        url_name="appraisal_cycles",
        shown=appraisal_selectors.can_read_appraisals,
    ),
    order=50,
)
add_menu_item(
    ToolViewSet(
        "appraisal_inspections_tool",
        menu_label=_("Cross-enforcement"),
        icon="site",
        url_name="appraisal_inspection_sessions",
        shown=inspection_screens.can_organise,
    ),
    order=60,
)


# B: case-review results (scorecards, weakest items, trend, xlsx export, printable report)
from appraisal import selectors as round_selectors  # noqa: E402
from appraisal.admin_views import results as result_screens  # noqa: E402


@hooks.register("register_admin_urls")
def register_appraisal_result_urls():
    return [path("appraisal/results/", include(result_screens.urlpatterns))]


@hooks.register("register_admin_viewset")
def register_appraisal_result_menu():
    return ToolViewSet(
        "appraisal_results_tool",
        menu_label=_("Case review results"),
        icon="table",
        url_name="appraisal_results",
        shown=round_selectors.can_read_rounds,
        menu_order=347,
    )


# D: proposing a closed round's best files for the case library (linked from the round's results)
from appraisal.admin_views import library as library_screens  # noqa: E402


@hooks.register("register_admin_urls")
def register_appraisal_library_urls():
    return [path("appraisal/library/propose/", include(library_screens.urlpatterns))]
