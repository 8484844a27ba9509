"""Proposing a closed round's best-scored files for the case library (经验推广), from the round's results: the list
of the best files with one button each; the button runs appraisal.services.library.propose_from_round. Round
runners of the round's subtree only; another round is a 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from appraisal import library_selectors, selectors
from appraisal.models import RoundCase
from appraisal.services import library
from cms.admin_tools import render, require


@require_http_methods(["GET", "POST"])
def propose(request, pk):
    require(request, selectors.can_run_rounds)
    round_ = get_object_or_404(selectors.rounds_runnable_by(request.user), pk=pk)
    if request.method == "POST":
        round_case = get_object_or_404(RoundCase, round=round_, pk=request.POST.get("round_case") or 0)
        try:
            page = library.propose_from_round(by=request.user, round_case=round_case)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(
                request,
                _("Proposed for the case library: %(title)s (waiting for approval).") % {"title": page.title},
            )
            return redirect(reverse("wagtailadmin_pages:edit", args=[page.pk]))
        return redirect(reverse("appraisal_library_propose", args=[round_.pk]))
    context = {
        "round": round_,
        "cases": library_selectors.proposable_cases(round_),
        "proposed": library_selectors.proposed_round_cases(round_),
    }
    return render(
        request,
        "appraisal/admin/library_propose.html",
        round_.name,
        context,
        subtitle=_("Propose for the case library"),
    )


urlpatterns = [path("<int:pk>/", propose, name="appraisal_library_propose")]
