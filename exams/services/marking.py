"""Grading and marking: auto-grading a submitted paper, finalizing the result, a marker's score."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms import audit
from cms.notify import notify
from exams import grading, signals
from exams.models import (
    Attempt,
    Qualification,
    Response,
)
from exams.selectors import (
    attempts_visible_to,
    can_mark,
)
from exams.services.errors import ExamError
from exams.services.practice import record_practice_outcome
from exams.services.qualifications import issue_qualification


def _grade(attempt: Attempt, *, now, by) -> None:
    """Auto-grade every response (keeping manual marks) and finalize when nothing awaits a marker."""
    exam = attempt.exam
    # Lock the responses: an autosave racing this submit waits, then finds auto_score set and is refused.
    responses = list(
        attempt.responses.select_for_update(of=("self",)).select_related("version").order_by("position")
    )
    results, _total = grading.grade_paper(
        [(r.version.data, r.answer, r.points) for r in responses],
        multiple_rule=exam.multiple_choice_rule,
        review_short_answers=exam.review_short_answers,
    )
    for r, (_g, s, needs) in zip(responses, results, strict=True):
        r.auto_score = s
        r.needs_marking = needs
    Response.objects.bulk_update(responses, ["auto_score", "needs_marking"])
    _finalize(attempt, responses, results=[g for g, _s, _n in results], now=now, by=by)


def _finalize(attempt: Attempt, responses: list[Response], *, results=None, now, by) -> None:
    pending = [r for r in responses if r.needs_marking and r.manual_score is None]
    if pending:
        attempt.status = Attempt.Status.NEEDS_MARKING
        attempt.save(update_fields=["status"])
        return
    was_marking = attempt.status == Attempt.Status.NEEDS_MARKING
    before = {"score": attempt.score, "passed": attempt.passed}
    attempt.score = sum((r.score or Decimal("0") for r in responses), Decimal("0"))
    attempt.max_score = sum((r.points for r in responses), Decimal("0"))
    attempt.percent = round(float(attempt.score / attempt.max_score * 100), 2) if attempt.max_score else 0.0
    attempt.passed = attempt.percent + 1e-9 >= float(attempt.exam.pass_percent)
    attempt.status = Attempt.Status.GRADED
    attempt.graded_at = now
    attempt.save(update_fields=["score", "max_score", "percent", "passed", "status", "graded_at"])
    audit.record(
        actor=by,
        action="exams.attempt_graded",
        obj=attempt,
        unit=attempt.officer.unit,
        before=before,
        after={"score": attempt.score, "percent": attempt.percent, "passed": attempt.passed},
    )
    _update_mistakes_from_attempt(attempt, responses)
    if was_marking and attempt.officer.user_id:
        # The examinee waited for a marker: tell them the result is out (once per attempt).
        notify(
            attempt.officer.user,
            key=f"exams.result_released.{attempt.pk}",
            title=_("Your result for %(exam)s is out") % {"exam": attempt.exam.title},
            body=_("Marking is complete."),
            url=reverse("exams:attempt_result", args=[attempt.pk]),
        )
    qualification = None
    if attempt.passed:
        # The system issues the qualification (by the exam's rules), not the examinee who submitted or the marker.
        qualification = issue_qualification(attempt=attempt, by=None, today=timezone.localdate(now))
    attempt_id = attempt.pk

    def _send():
        fresh = Attempt.objects.select_related("officer", "exam").get(pk=attempt_id)
        signals.attempt_finalized.send(
            sender=Attempt,
            attempt=fresh,
            officer=fresh.officer,
            exam=fresh.exam,
            score=fresh.score,
            percent=fresh.percent,
            passed=fresh.passed,
        )

    transaction.on_commit(_send)
    if qualification is not None:
        qid = qualification.pk

        def _send_q():
            q = Qualification.objects.select_related("officer", "exam").get(pk=qid)
            signals.qualification_issued.send(
                sender=Qualification, qualification=q, officer=q.officer, exam=q.exam
            )

        transaction.on_commit(_send_q)


def _update_mistakes_from_attempt(attempt: Attempt, responses: list[Response]) -> None:
    for r in responses:
        if r.version.data.get("type") == "essay" or r.answer is None:
            continue
        fraction = float(r.score / r.points) if r.points else 0.0
        record_practice_outcome(
            officer_id=attempt.officer_id, question_id=r.question_id, correct=fraction >= 1
        )


def _is_candidate(attempt: Attempt, user) -> bool:
    return user is not None and attempt.officer.user_id is not None and attempt.officer.user_id == user.pk


def _check_score(response: Response, score) -> Decimal:
    try:
        score = Decimal(score)
    except (ArithmeticError, TypeError, ValueError):
        raise ExamError(_("Enter a number."), code="invalid_score") from None
    if not score.is_finite() or score < 0 or score > response.points:
        raise ExamError(
            _("The score must be between 0 and %(max)s.") % {"max": response.points}, code="invalid_score"
        )
    return score


def _locked_attempt_for_staff(response: Response, by) -> Attempt:
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("exam", "officer__unit", "officer__user")
        .filter(pk=response.attempt_id, pk__in=attempts_visible_to(by).values("pk"))
        .first()
    )
    if attempt is None:
        raise ExamError(_("This attempt is outside your scope."), code="out_of_scope")
    if _is_candidate(attempt, by):
        raise ExamError(_("You cannot mark or change the score of your own exam."), code="own_attempt")
    return attempt


@transaction.atomic
def mark_response(*, response: Response, by, score: Decimal, comment: str = "", now=None) -> Response:
    """A marker's score for an answer the engine sent to marking (an essay, or a fill-in that matched nothing
    when the exam asks for review), while its attempt awaits marking. The attempt is finalized when the last one
    is marked. Anything else (objective answers, a released result) goes through a score override."""
    now = now or timezone.now()
    if not can_mark(by):
        raise ExamError(_("You may not mark answers."), code="not_marker")
    score = _check_score(response, score)
    attempt = _locked_attempt_for_staff(response, by)
    response = Response.objects.select_for_update(of=("self",)).get(pk=response.pk)
    if attempt.status == Attempt.Status.IN_PROGRESS:
        raise ExamError(_("The attempt has not been submitted yet."), code="not_submitted")
    if not response.needs_marking:
        raise ExamError(
            _("This answer was graded automatically; only a score override can change it."),
            code="not_markable",
        )
    if attempt.status != Attempt.Status.NEEDS_MARKING:
        raise ExamError(
            _("This attempt's result is final; only a score override can change it."), code="not_awaiting"
        )
    before = {"manual_score": response.manual_score}
    response.manual_score = score
    response.marker = by
    response.marked_at = now
    response.marker_comment = comment
    response.save(update_fields=["manual_score", "marker", "marked_at", "marker_comment"])
    audit.record(
        actor=by,
        action="exams.response_mark",
        obj=attempt,
        unit=attempt.officer.unit,
        before=before,
        after={"position": response.position, "manual_score": score, "comment": comment},
    )
    # Finalize when this was the last pending mark.
    responses = list(attempt.responses.select_related("version").order_by("position"))
    _finalize(attempt, responses, now=now, by=by)
    return response
