"""Changing a final score: the two-person score override, and regrading after a question is corrected."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms import audit
from cms.notify import notify
from exams import paper
from exams.models import (
    Attempt,
    Qualification,
    Question,
    Response,
    ScoreOverride,
    ScoreOverrideDecision,
)
from exams.selectors import (
    can_override_scores,
)
from exams.services.errors import ExamError
from exams.services.marking import _check_score, _finalize, _grade, _locked_attempt_for_staff


def _require_override_permission(by) -> None:
    if not can_override_scores(by):
        raise ExamError(_("You may not override scores."), code="no_override_permission")


@transaction.atomic
def request_score_override(*, response: Response, by, score, reason: str, now=None) -> ScoreOverride:
    """First step of a score override: a person with `exams.override_score` asks, with a reason. Nothing changes
    until a second such person approves (decide_score_override)."""
    now = now or timezone.now()
    _require_override_permission(by)
    reason = (reason or "").strip()
    if not reason:
        raise ExamError(_("Give the reason for the override."), code="reason_required")
    score = _check_score(response, score)
    attempt = _locked_attempt_for_staff(response, by)
    if attempt.status not in (Attempt.Status.NEEDS_MARKING, Attempt.Status.GRADED):
        raise ExamError(_("Only a submitted and graded attempt can have a score override."), code="not_final")
    response = Response.objects.get(pk=response.pk)
    if ScoreOverride.objects.filter(response=response, decision__isnull=True).exists():
        raise ExamError(_("An override of this answer is already waiting for approval."), code="pending")
    if response.score is not None and score == response.score:
        raise ExamError(_("The requested score is the current score."), code="unchanged")
    override = ScoreOverride(
        response=response,
        old_score=response.score,
        new_score=score,
        reason=reason,
        requested_by=by,
        requested_at=now,
    )
    override.save(force_insert=True)
    audit.record(
        actor=by,
        action="exams.score_override_request",
        obj=attempt,
        unit=attempt.officer.unit,
        before={"position": response.position, "score": response.score},
        after={"override": override.pk, "score": score, "reason": reason},
    )
    return override


@transaction.atomic
def decide_score_override(
    *, override: ScoreOverride, by, approve: bool, comment: str = "", now=None
) -> ScoreOverrideDecision:
    """Second step: another person with `exams.override_score` (not the requester, not the candidate) approves or
    rejects. An approval sets the answer's score, re-totals the attempt (issuing or withdrawing the
    qualification), and the candidate is notified."""
    now = now or timezone.now()
    _require_override_permission(by)
    override = ScoreOverride.objects.select_related("response").get(pk=override.pk)
    response = override.response
    attempt = _locked_attempt_for_staff(response, by)
    if override.requested_by_id == by.pk:
        raise ExamError(_("Another person must approve your own override request."), code="same_person")
    if ScoreOverrideDecision.objects.filter(override=override).exists():
        raise ExamError(_("This override request has already been decided."), code="decided")
    response = Response.objects.select_for_update(of=("self",)).get(pk=response.pk)
    if approve and response.score != override.old_score:
        raise ExamError(
            _("The score changed after the request; ask for a new override."), code="stale_request"
        )
    decision = ScoreOverrideDecision(
        override=override,
        outcome=ScoreOverrideDecision.Outcome.APPROVED if approve else ScoreOverrideDecision.Outcome.REJECTED,
        comment=(comment or "").strip(),
        decided_by=by,
        decided_at=now,
    )
    decision.save(force_insert=True)
    before = {"position": response.position, "score": response.score, "passed": attempt.passed}
    if approve:
        response.manual_score = override.new_score
        response.marker = by
        response.marked_at = now
        response.save(update_fields=["manual_score", "marker", "marked_at"])
        was_passed = attempt.passed
        responses = list(attempt.responses.select_related("version").order_by("position"))
        _finalize(attempt, responses, now=now, by=by)
        if was_passed and attempt.passed is False:
            for q in Qualification.objects.filter(attempt=attempt, status=Qualification.Status.VALID):
                q.status = Qualification.Status.REVOKED
                q.save(update_fields=["status"])
                audit.record(
                    actor=by,
                    action="exams.qualification_revoke",
                    obj=q,
                    unit=attempt.officer.unit,
                    after={"reason": "score_override", "override": override.pk},
                )
    audit.record(
        actor=by,
        action="exams.score_override_approve" if approve else "exams.score_override_reject",
        obj=attempt,
        unit=attempt.officer.unit,
        before=before,
        after={
            "override": override.pk,
            "requested_by": override.requested_by_id,
            "score": response.score,
            "passed": attempt.passed,
            "comment": decision.comment,
        },
    )
    if approve and attempt.officer.user_id:
        notify(
            attempt.officer.user,
            key=f"exams.score_override.{override.pk}",
            title=_("A score of your %(exam)s attempt was changed") % {"exam": attempt.exam.title},
            # No scores or reasons here: they would show a result the review policy may still hold back.
            body=_("An answer's score was corrected after review and your result was re-totalled."),
            url=reverse("exams:attempt_result", args=[attempt.pk]),
        )
    return decision


def regrade_question(*, question: Question, by, now=None) -> int:
    """After a correction, move finished attempts that used an older version to the current one and regrade them."""
    now = now or timezone.now()
    current = question.current_version
    if current is None:
        raise ExamError(_("The question has no published version."), code="no_version")
    count = 0
    with transaction.atomic():
        affected = (
            Response.objects.filter(question=question)
            .exclude(version=current)
            .exclude(attempt__status=Attempt.Status.IN_PROGRESS)
            .select_related("version")
        )
        attempt_ids = set()
        for r in affected:
            if paper.option_count(r.version.data) != paper.option_count(current.data):
                raise ExamError(
                    _(
                        "The corrected question has a different number of options, so earlier answers "
                        "cannot be regraded automatically."
                    ),
                    code="option_count_changed",
                )
            r.version = current
            r.save(update_fields=["version"])
            attempt_ids.add(r.attempt_id)
        for attempt in (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("exam", "officer__unit")
            .filter(pk__in=attempt_ids)
        ):
            before = {"score": attempt.score, "passed": attempt.passed}
            _grade(attempt, now=now, by=by)
            if before["passed"] and attempt.passed is False:
                Qualification.objects.filter(attempt=attempt).update(status=Qualification.Status.REVOKED)
            audit.record(
                actor=by,
                action="exams.regrade",
                obj=attempt,
                unit=attempt.officer.unit,
                before=before,
                after={
                    "score": attempt.score,
                    "passed": attempt.passed,
                    "question": question.pk,
                    "version": current.number,
                },
            )
            count += 1
    return count
