"""Round results for staff (leaders, training admins, HR of the subtree): per-officer and per-unit scorecards, the
weakest items and the trend across rounds, the xlsx export and a printable A4 report. Thin views over
appraisal.outcomes; a round outside the user's subtree is a 404."""

from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from appraisal import outcomes, selectors
from cms.admin_tools import render, require, spreadsheet_response


def _round(request, pk):
    require(request, selectors.can_read_rounds)
    return get_object_or_404(
        outcomes.rounds_with_results_for(request.user).select_related("rubric", "unit"), pk=pk
    )


def index(request):
    require(request, selectors.can_read_rounds)
    rounds = (
        outcomes.rounds_with_results_for(request.user).select_related("unit").order_by("-period_end", "-id")
    )
    return render(request, "appraisal/admin/results_index.html", _("Case review results"), {"rounds": rounds})


def detail(request, pk):
    round_ = _round(request, pk)
    results = outcomes.round_results(round_)
    context = {
        "results": results,
        "weakest": outcomes.weakest_items(results),
        "trend": outcomes.trend(request.user, unit=round_.unit),
    }
    return render(
        request, "appraisal/admin/results_detail.html", round_.name, context, subtitle=_("Review results")
    )


def export(request, pk):
    round_ = _round(request, pk)
    headers, rows = outcomes.export_rows(outcomes.round_results(round_))
    return spreadsheet_response(f"{round_.name}.xlsx", headers, rows, sheet_title=round_.name)


def report(request, pk):
    """A standalone page for printing (A4, print CSS), without the admin's chrome."""
    round_ = _round(request, pk)
    results = outcomes.round_results(round_)
    return TemplateResponse(
        request,
        "appraisal/admin/results_report.html",
        {"results": results, "round": round_, "weakest": outcomes.weakest_items(results)},
    )


urlpatterns = [
    path("", index, name="appraisal_results"),
    path("<int:pk>/", detail, name="appraisal_results_detail"),
    path("<int:pk>/export/", export, name="appraisal_results_export"),
    path("<int:pk>/report/", report, name="appraisal_results_report"),
]
