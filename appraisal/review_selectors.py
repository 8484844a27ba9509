"""Reads of the reviewer's and handler's pages, scoped to who asks.

- A reviewer sees only the files assigned to them (any other file is a 404), in open and closed rounds.
- A handler (or co-handler) sees a file's results only once its round is closed.
- A case document opens for: the file's assigned reviewers (while they have an assignment on it), the round's
  runners (unit leaders and training admins of the subtree, appraisal.selectors.rounds_runnable_by) and staff who
  see the file in the admin (appraisal.selectors.case_files_visible_to), and its handler after the round closed.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from appraisal import selectors
from appraisal.models import (
    CaseDocument,
    CaseFile,
    CaseReview,
    FollowUp,
    ReviewAssignment,
    ReviewItemScore,
    ReviewRound,
    RoundCase,
)
from appraisal.services.reviews import effective_reviews
from cms.selectors import officer_of

REVIEWABLE = (ReviewRound.Status.OPEN, ReviewRound.Status.CLOSED)


def assignments_of(user) -> QuerySet[ReviewAssignment]:
    """The user's own review assignments in drawn rounds, newest round first, with `submitted` annotated."""
    officer = officer_of(user)
    if officer is None:
        return ReviewAssignment.objects.none()
    return (
        ReviewAssignment.objects.filter(reviewer=officer, round_case__round__status__in=REVIEWABLE)
        .annotate(submitted=Exists(CaseReview.objects.filter(assignment=OuterRef("pk"))))
        .select_related("round_case__round", "round_case__case__unit")
        .order_by("-round_case__round__period_end", "round_case__round_id", "round_case__draw_order")
    )


def pending_count(user) -> int:
    return (
        assignments_of(user)
        .filter(submitted=False, round_case__round__status=ReviewRound.Status.OPEN)
        .count()
    )


def review_page(assignment: ReviewAssignment) -> dict:
    """What the review form shows: the file, its documents, the rubric's items, the reviewer's effective review."""
    round_ = assignment.round_case.round
    case = assignment.round_case.case
    items = list(round_.rubric.items.order_by("sort_order", "id"))
    current = (
        effective_reviews()
        .filter(assignment=assignment)
        .prefetch_related(Prefetch("scores", queryset=ReviewItemScore.objects.select_related("item")))
        .first()
    )
    chain = list(CaseReview.objects.filter(assignment=assignment).order_by("submitted_at", "pk"))
    return {
        "assignment": assignment,
        "round": round_,
        "case": case,
        "co_handlers": list(case.co_handlers.all()),
        "documents": list(case.documents.order_by("uploaded_at", "pk")),
        "items": items,
        "review": current,
        "scores": {s.item_id: s for s in current.scores.all()} if current else {},
        "history": chain,
        "can_submit": current is None and round_.status == ReviewRound.Status.OPEN,
        "can_correct": current is not None and round_.status == ReviewRound.Status.OPEN,
    }


def documents_readable_by(user) -> QuerySet[CaseDocument]:
    officer = officer_of(user)
    cond = Q(case__in=selectors.case_files_visible_to(user).values("pk"))
    runnable = selectors.rounds_runnable_by(user)
    cond |= Q(case__rounds__round__in=runnable.values("pk"))
    if officer is not None:
        reviewed = RoundCase.objects.filter(
            assignments__reviewer=officer, round__status__in=REVIEWABLE
        ).values("case")
        handled_closed = (
            RoundCase.objects.filter(round__status=ReviewRound.Status.CLOSED)
            .filter(Q(case__handler=officer) | Q(case__co_handlers=officer))
            .values("case")
        )
        cond |= Q(case__in=reviewed) | Q(case__in=handled_closed)
    return CaseDocument.objects.filter(cond).distinct()


# --- the handler's results ------------------------------------------------------------------------------------------


def handled_case_ids(officer) -> set[int]:
    return set(
        CaseFile.objects.filter(Q(handler=officer) | Q(co_handlers=officer)).values_list("pk", flat=True)
    )


def my_training_section(request, officer) -> dict | None:
    """我的培训: the officer's case reviews (pending), results of closed rounds and open follow-up study, with
    下一步 items for pending reviews and open follow-ups. None when the officer has none of these."""
    from django.db.models import Count, IntegerField, Subquery  # noqa: PLC0415
    from django.urls import reverse  # noqa: PLC0415
    from django.utils.translation import ngettext  # noqa: PLC0415

    from appraisal.services.follow_ups import refresh_status  # noqa: PLC0415
    from cms.models import Officer  # noqa: PLC0415

    assignments = ReviewAssignment.objects.filter(
        reviewer=OuterRef("pk"), round_case__round__status__in=REVIEWABLE
    )
    pending_qs = assignments.filter(round_case__round__status=ReviewRound.Status.OPEN).exclude(
        Exists(CaseReview.objects.filter(assignment=OuterRef("pk")))
    )
    open_qs = FollowUp.objects.filter(officer=OuterRef("pk"), status=FollowUp.Status.OPEN)
    handled = RoundCase.objects.filter(round__status=ReviewRound.Status.CLOSED).filter(
        Q(case__handler=OuterRef("pk")) | Q(case__co_handlers=OuterRef("pk"))
    )
    # One query for an officer with nothing here (most learners): everything as subqueries of their row.
    row = (
        Officer.objects.filter(pk=officer.pk)
        .annotate(
            pending_n=Subquery(
                pending_qs.order_by().values("reviewer").annotate(n=Count("pk")).values("n")[:1],
                output_field=IntegerField(),
            ),
            reviewed=Exists(assignments),
            results=Exists(handled),
            open_n=Subquery(
                open_qs.order_by().values("officer").annotate(n=Count("pk")).values("n")[:1],
                output_field=IntegerField(),
            ),
        )
        .values("pending_n", "reviewed", "results", "open_n")
        .first()
    )
    pending, reviewed, results = row["pending_n"] or 0, row["reviewed"], row["results"]
    open_follow_ups = row["open_n"] or 0
    if open_follow_ups and refresh_status(officer):
        open_follow_ups = FollowUp.objects.filter(officer=officer, status=FollowUp.Status.OPEN).count()
    if not (pending or reviewed or results or open_follow_ups):
        return None
    next_steps = []
    if pending:
        next_steps.append(
            {
                "label": _("Case review"),
                "tone": "warn",
                "url": reverse("appraisal:reviews"),
                "title": ngettext("%(n)d case file to review", "%(n)d case files to review", pending)
                % {"n": pending},
            }
        )
    if open_follow_ups:
        next_steps.append(
            {
                "label": _("Follow-up study"),
                "tone": "warn",
                "url": reverse("appraisal:follow_ups"),
                "title": ngettext(
                    "%(n)d follow-up study open", "%(n)d follow-up studies open", open_follow_ups
                )
                % {"n": open_follow_ups},
            }
        )
    return {
        "template": "appraisal/training_section.html",
        "pending": pending,
        "reviewed": reviewed,
        "results": results,
        "open_follow_ups": open_follow_ups,
        "next_steps": next_steps,
    }
