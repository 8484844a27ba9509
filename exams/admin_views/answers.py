"""One answer of an attempt as the marking and score-override pages show it, and the HTTP status each refusal of
the marking rules answers with."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from exams import paper, selectors, services
from exams.models import Response

# Refusals of the marking rules: the marker's own attempt or one outside their scope is forbidden; an answer that
# is not (or no longer) markable conflicts with the attempt's state.
FORBIDDEN_CODES = {"own_attempt", "not_marker", "out_of_scope", "no_override_permission", "same_person"}
CONFLICT_CODES = {"not_markable", "not_awaiting", "not_final", "pending", "decided"}


def error_status(exc: services.ExamError) -> int:
    if exc.code in FORBIDDEN_CODES:
        return 403
    return 409 if exc.code in CONFLICT_CODES else 400


def staff_response(request, response_id, *, exclude) -> Response:
    """One answer of an attempt in the user's scope (404 otherwise), minus the `exclude` ones."""
    return get_object_or_404(
        Response.objects.filter(attempt__in=selectors.attempts_visible_to(request.user))
        .exclude(**exclude)
        .select_related("attempt__exam", "attempt__officer", "version"),
        pk=response_id,
    )


def answer_context(response: Response) -> dict:
    """What a staff page about one answer shows: the question, the examinee's answer and the right one."""
    data = response.version.data
    return {
        "response": response,
        "attempt": response.attempt,
        "data": data,
        "given": paper.answer_text(data, response.answer),
        "right_answer": paper.correct_answer_text(data),
    }
