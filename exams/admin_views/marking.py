"""The marking queue (essays and answers left for a person to mark) and marking one answer; a marker never marks
their own exam."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from cms.admin_tools import render, require
from exams import selectors, services
from exams.admin_views.answers import answer_context, error_status, staff_response
from exams.models import Attempt


def marking_queue(request):
    require(request, selectors.can_mark)
    queue = list(selectors.marking_queue(request.user)[:200])
    return render(
        request,
        "exams/admin/marking_queue.html",
        _("Marking queue"),
        {"queue": queue, "can_override": selectors.can_override_scores(request.user)},
    )


def mark_response(request, response_id):
    require(request, selectors.can_mark)
    response = staff_response(request, response_id, exclude={"attempt__status": Attempt.Status.IN_PROGRESS})
    error = None
    status = 200
    if request.method == "POST":
        try:
            services.mark_response(
                response=response,
                by=request.user,
                score=request.POST.get("score", "").strip(),
                comment=request.POST.get("comment", "").strip(),
            )
        except services.ExamError as exc:
            error, status = str(exc), error_status(exc)
        else:
            messages.success(request, _("Mark saved."))
            return redirect("exams_marking")
    own = response.attempt.officer.user_id == request.user.pk
    markable = response.needs_marking and response.attempt.status == Attempt.Status.NEEDS_MARKING and not own
    if not markable and error is None:
        error = (
            _("You cannot mark or change the score of your own exam.")
            if own
            else _("This answer cannot be marked: it was graded automatically or the result is final.")
        )
    result = render(
        request,
        "exams/admin/mark_response.html",
        _("Mark an answer"),
        {
            **answer_context(response),
            "error": error,
            "markable": markable,
            "can_override": selectors.can_override_scores(request.user) and not own,
        },
    )
    result.status_code = status
    return result
