"""Milestone evidence: the apprentice submits it, the mentor signs it off, returns it or withdraws a sign-off."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from cms import audit, uploads
from cms.notify import notify
from mentorship import selectors
from mentorship.models import Apprenticeship, Decision, Milestone, Submission
from mentorship.services.apprenticeships import evaluate
from mentorship.services.attachments import _attach, _check_files, _described
from mentorship.services.common import NotPermitted, _today, _touch


@transaction.atomic
def submit_evidence(
    *,
    apprenticeship: Apprenticeship,
    milestone: Milestone,
    by,
    text: str,
    happened_on: datetime.date,
    place: str = "",
    files=(),
) -> Submission:
    if apprenticeship.officer.user_id != by.pk:
        raise NotPermitted("not_apprentice")
    if apprenticeship.status != Apprenticeship.Status.IN_PROGRESS:
        raise ValidationError(
            _("This apprenticeship is no longer in progress."), code="apprenticeship_not_in_progress"
        )
    if milestone.stage.programme_id != apprenticeship.programme_id:
        raise ValidationError(
            _("This milestone is not part of your programme."), code="milestone_not_in_programme"
        )
    if not text.strip():
        raise ValidationError({"text": ValidationError(_("Describe what you did."), code="text_required")})
    if happened_on > _today():
        raise ValidationError(
            {"happened_on": ValidationError(_("The date cannot be in the future."), code="date_in_future")}
        )
    if Submission.objects.filter(
        apprenticeship=apprenticeship,
        milestone=milestone,
        status__in=[Submission.Status.PENDING, Submission.Status.APPROVED],
    ).exists():
        raise ValidationError(
            _("This milestone already has evidence waiting for review or signed off."), code="evidence_exists"
        )
    checked = _check_files(files, by=by)
    with uploads.discard_on_error() as stored:
        submission = Submission.objects.create(
            apprenticeship=apprenticeship,
            milestone=milestone,
            text=text.strip(),
            happened_on=happened_on,
            place=place.strip(),
        )
        _attach(checked, stored, submission=submission)
        _touch(apprenticeship)
        audit.record(
            actor=by,
            action="mentorship.evidence_submit",
            obj=submission,
            unit=apprenticeship.officer.unit,
            after={
                "milestone": milestone.pk,
                "text": submission.text,
                "happened_on": happened_on,
                "place": submission.place,
                "files": _described(checked),
            },
        )
    return submission


@transaction.atomic
def decide(*, submission: Submission, by, outcome: str, comment: str = "") -> Decision:
    """The mentor signs off or returns evidence; a later correction is a new `revoked` decision, never an edit."""
    submission = (
        Submission.objects.select_for_update(
            of=("self",)
        )  # the user is an outer join, which PostgreSQL cannot lock
        .select_related("apprenticeship__officer__unit", "apprenticeship__officer__user")
        .get(pk=submission.pk)
    )
    apprenticeship = submission.apprenticeship
    if not by.is_superuser and not selectors.mentor_can_act(by, apprenticeship):
        raise NotPermitted("not_mentor")
    allowed = {
        Submission.Status.PENDING: {Decision.Outcome.APPROVED, Decision.Outcome.RETURNED},
        Submission.Status.APPROVED: {Decision.Outcome.REVOKED},
    }.get(submission.status, set())
    if outcome not in allowed:
        raise ValidationError(
            _("This evidence cannot be given that decision now."), code="decision_not_allowed"
        )
    if outcome in {Decision.Outcome.RETURNED, Decision.Outcome.REVOKED} and not comment.strip():
        raise ValidationError(
            {
                "comment": ValidationError(
                    _("Say what is missing when returning or withdrawing a sign-off."),
                    code="comment_required",
                )
            }
        )
    decision = Decision.objects.create(
        submission=submission, outcome=outcome, comment=comment.strip(), decided_by=by
    )
    before = submission.status
    submission.status = outcome
    submission.save(update_fields=["status"])
    audit.record(
        actor=by,
        action=f"mentorship.evidence_{outcome}",
        obj=submission,
        unit=apprenticeship.officer.unit,
        before={"status": before},
        after={"status": outcome, "comment": decision.comment, "decision": decision.pk},
    )
    if outcome == Decision.Outcome.APPROVED:
        transaction.on_commit(lambda: evaluate(apprenticeship_id=apprenticeship.pk, by=by))
    title = (
        _("Your evidence for “%(m)s” was signed off")
        if outcome == Decision.Outcome.APPROVED
        else _("Your evidence for “%(m)s” needs more work")
    )
    notify(
        apprenticeship.officer.user,
        key=f"decision:{decision.pk}",
        title=title % {"m": submission.milestone.title},
        body=decision.comment,
        url=reverse("mentorship:me"),
    )
    return decision
