"""Tasks (出题目、压担子、交任务): the mentor sets one, the apprentice reports on it, the mentor reviews the report."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from cms import audit, uploads
from cms.notify import notify
from mentorship import selectors
from mentorship.models import Apprenticeship, Assignment, AssignmentReport, AssignmentReview, Milestone
from mentorship.services.attachments import _attach, _check_files, _described
from mentorship.services.common import NotPermitted, _today, _touch


@transaction.atomic
def set_assignment(
    *,
    apprenticeship: Apprenticeship,
    by,
    title: str,
    description: str = "",
    due_on: datetime.date | None = None,
    milestone: Milestone | None = None,
) -> Assignment:
    if not by.is_superuser and not selectors.mentor_can_act(by, apprenticeship):
        raise NotPermitted("not_mentor")
    if not title.strip():
        raise ValidationError({"title": ValidationError(_("Give the task a title."), code="title_required")})
    if due_on and due_on < _today():
        raise ValidationError(
            {"due_on": ValidationError(_("The due date cannot be in the past."), code="due_in_past")}
        )
    if milestone and milestone.stage.programme_id != apprenticeship.programme_id:
        raise ValidationError(
            {
                "milestone": ValidationError(
                    _("This milestone is not part of the apprentice's programme."),
                    code="milestone_not_in_programme",
                )
            }
        )
    assignment = Assignment.objects.create(
        apprenticeship=apprenticeship,
        stage=apprenticeship.current_stage,
        milestone=milestone,
        title=title.strip(),
        description=description.strip(),
        due_on=due_on,
        set_by=by,
    )
    audit.record(
        actor=by,
        action="mentorship.assignment_set",
        obj=assignment,
        unit=apprenticeship.officer.unit,
        after={"title": assignment.title, "due_on": due_on, "milestone": getattr(milestone, "pk", None)},
    )
    notify(
        apprenticeship.officer.user,
        key=f"assignment:{assignment.pk}",
        title=_("New task from your mentor: %(t)s") % {"t": assignment.title},
        body=assignment.description,
        url=reverse("mentorship:me"),
    )
    return assignment


@transaction.atomic
def report_assignment(*, assignment: Assignment, by, text: str, files=()) -> AssignmentReport:
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("apprenticeship__officer__unit")
        .get(pk=assignment.pk)
    )
    if assignment.apprenticeship.officer.user_id != by.pk:
        raise NotPermitted("not_apprentice")
    if assignment.status not in {Assignment.Status.OPEN, Assignment.Status.REDO}:
        raise ValidationError(_("This task is not waiting for a report."), code="assignment_not_open")
    if not text.strip():
        raise ValidationError({"text": ValidationError(_("Write what you did."), code="text_required")})
    checked = _check_files(files, by=by)
    with uploads.discard_on_error() as stored:
        report = AssignmentReport.objects.create(assignment=assignment, text=text.strip())
        _attach(checked, stored, report=report)
        assignment.status = Assignment.Status.REPORTED
        assignment.save(update_fields=["status"])
        _touch(assignment.apprenticeship)
        audit.record(
            actor=by,
            action="mentorship.assignment_report",
            obj=assignment,
            unit=assignment.apprenticeship.officer.unit,
            after={"report": report.pk, "text": report.text, "files": _described(checked)},
        )
    return report


@transaction.atomic
def review_assignment(
    *, assignment: Assignment, by, rating: int, comment: str = "", accepted: bool = True
) -> AssignmentReview:
    assignment = (
        Assignment.objects.select_for_update(
            of=("self",)
        )  # the user is an outer join, which PostgreSQL cannot lock
        .select_related("apprenticeship__officer__unit", "apprenticeship__officer__user")
        .get(pk=assignment.pk)
    )
    if not by.is_superuser and not selectors.mentor_can_act(by, assignment.apprenticeship):
        raise NotPermitted("not_mentor")
    if assignment.status != Assignment.Status.REPORTED:
        raise ValidationError(
            _("This task has no report waiting for review."), code="assignment_not_reported"
        )
    if not 1 <= int(rating) <= 5:
        raise ValidationError(
            {"rating": ValidationError(_("The rating must be from 1 to 5."), code="rating_out_of_range")}
        )
    review = AssignmentReview.objects.create(
        assignment=assignment, rating=int(rating), comment=comment.strip(), accepted=accepted, reviewed_by=by
    )
    assignment.status = Assignment.Status.REVIEWED if accepted else Assignment.Status.REDO
    assignment.save(update_fields=["status"])
    audit.record(
        actor=by,
        action="mentorship.assignment_review",
        obj=assignment,
        unit=assignment.apprenticeship.officer.unit,
        after={"rating": review.rating, "accepted": accepted, "comment": review.comment},
    )
    notify(
        assignment.apprenticeship.officer.user,
        key=f"assignment-review:{review.pk}",
        title=_("Your mentor reviewed “%(t)s”") % {"t": assignment.title},
        body=review.comment,
        url=reverse("mentorship:me"),
    )
    return review
