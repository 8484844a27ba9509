"""Score overrides of a final result, by two people: one requests (with a reason), another approves or rejects."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cms.admin_tools import render, require
from exams import selectors, services
from exams.admin_views.answers import answer_context, error_status, staff_response


def score_override_request(request, response_id):
    require(request, selectors.can_override_scores)
    response = staff_response(request, response_id, exclude={"attempt__officer__user": request.user})
    error = None
    status = 200
    if request.method == "POST":
        try:
            services.request_score_override(
                response=response,
                by=request.user,
                score=request.POST.get("score", "").strip(),
                reason=request.POST.get("reason", ""),
            )
        except services.ExamError as exc:
            error, status = str(exc), error_status(exc)
        else:
            messages.success(
                request, _("Override requested. Another person with the permission must approve it.")
            )
            return redirect("exams_attempt_review", response.attempt_id)
    result = render(
        request,
        "exams/admin/score_override_request.html",
        _("Request a score override"),
        {
            **answer_context(response),
            "error": error,
            "history": response.score_overrides.select_related("requested_by", "decision__decided_by"),
        },
    )
    result.status_code = status
    return result


def score_override_queue(request):
    require(request, selectors.can_override_scores)
    pending = list(selectors.pending_score_overrides(request.user)[:200])
    return render(
        request,
        "exams/admin/score_override_queue.html",
        _("Score overrides to approve"),
        {"pending": pending},
    )


@require_POST
def score_override_decide(request, override_id):
    require(request, selectors.can_override_scores)
    override = get_object_or_404(selectors.pending_score_overrides(request.user), pk=override_id)
    approve = request.POST.get("outcome") == "approve"
    try:
        services.decide_score_override(
            override=override, by=request.user, approve=approve, comment=request.POST.get("comment", "")
        )
    except services.ExamError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Override approved.") if approve else _("Override rejected."))
    return redirect("exams_score_overrides")
