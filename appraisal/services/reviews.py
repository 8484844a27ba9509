"""Case reviews (评查): a reviewer submits a final, item-by-item review of a file assigned to them; a correction is a
new row that `corrects` the one it replaces; the file's score follows from its effective reviews.

Rules decided here:
- The total of a review is Σ weight × score / max_score over the rubric's items, scaled to 100 when the weights do
  not add up to 100, rounded half-up to 2 places.
- The effective review of an assignment is the last of its correction chain (the row nobody corrects).
- Corrections: the reviewer who submitted may correct their own review while the round is open; a round runner of
  the round's subtree (unit leader, training admin) may correct any review of the round, also after it closed (the
  file's score is then recomputed, and follow-ups are set for new low findings), except a review of a file they
  handled or co-handled. A reason is always required.
- File score: with one review per file, that review. With two, their mean when they differ by at most the round's
  gap; otherwise the round asks for a third review (A's `rounds.assign_third`) and the file's score is the median
  of the three once the third is in (a wild third score cannot swing the result; when the third lies between the
  first two, the median is the third). Until then the score stays empty.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal import selectors
from appraisal.models import (
    CaseReview,
    ReviewAssignment,
    ReviewItemScore,
    ReviewRound,
    RoundCase,
    RubricItem,
)
from cms import audit
from cms.selectors import officer_of

CENT = Decimal("0.01")


class ReviewRefused(PermissionDenied):
    """The acting user may not do this to the review; `code` names the rule (not_reviewer, round_not_open,
    already_submitted, already_corrected, not_permitted, handled_file)."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message or code)
        self.code = code


def _q(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def review_total(items: list[RubricItem], scores: dict[int, Decimal]) -> Decimal:
    """Σ weight × score / max_score, out of 100 (scaled when the weights do not add up to 100)."""
    weights = sum((Decimal(item.weight) for item in items), Decimal(0))
    if not weights:
        return Decimal("0.00")
    raw = sum(
        (Decimal(item.weight) * Decimal(scores[item.pk]) / Decimal(item.max_score) for item in items),
        Decimal(0),
    )
    return _q(raw * Decimal(100) / weights)


def _clean_scores(items: list[RubricItem], scores: dict) -> dict[int, tuple[Decimal, str]]:
    """{item id: (score, finding)} checked against the rubric: every item scored, each within 0..max_score.
    Raises ValidationError naming each bad item (field `item-<id>`)."""
    errors = {}
    cleaned: dict[int, tuple[Decimal, str]] = {}
    known = {item.pk for item in items}
    for key in scores:
        if int(key) not in known:
            errors["scores"] = _("A score was given for an item that is not part of this rubric.")
    for item in items:
        raw = scores.get(item.pk, scores.get(str(item.pk)))
        if raw is None:
            errors[f"item-{item.pk}"] = _("Score “%(item)s”.") % {"item": item.name}
            continue
        score, finding = raw if isinstance(raw, (tuple, list)) else (raw, "")
        try:
            value = Decimal(str(score).strip())
        except (ArithmeticError, ValueError):
            value = None
        if value is None or not value.is_finite():
            errors[f"item-{item.pk}"] = _("“%(item)s”: the score is not a number.") % {"item": item.name}
            continue
        if value < 0 or value > item.max_score:
            errors[f"item-{item.pk}"] = _("“%(item)s”: give a score from 0 to %(max)s.") % {
                "item": item.name,
                "max": item.max_score,
            }
            continue
        if value != value.quantize(CENT):
            errors[f"item-{item.pk}"] = _("“%(item)s”: use at most two decimal places.") % {"item": item.name}
            continue
        cleaned[item.pk] = (value, (finding or "").strip())
    if errors:
        raise ValidationError(errors, code="invalid_scores")
    return cleaned


def _write(
    *, assignment: ReviewAssignment, by, items, cleaned, comment: str, corrects=None, reason=""
) -> CaseReview:
    review = CaseReview.objects.create(
        assignment=assignment,
        total=review_total(items, {pk: s for pk, (s, _f) in cleaned.items()}),
        comment=(comment or "").strip(),
        corrects=corrects,
        reason=(reason or "").strip(),
        submitted_by=by,
        submitted_at=timezone.now(),
    )
    ReviewItemScore.objects.bulk_create(
        ReviewItemScore(review=review, item_id=pk, score=score, finding=finding)
        for pk, (score, finding) in cleaned.items()
    )
    return review


def _items(round_: ReviewRound) -> list[RubricItem]:
    return list(RubricItem.objects.filter(rubric_id=round_.rubric_id).order_by("sort_order", "id"))


def _audit_after(review: CaseReview, items, cleaned) -> dict:
    return {
        "case": review.assignment.round_case.case.number,
        "ordinal": review.assignment.ordinal,
        "total": str(review.total),
        "items": {item.code: str(cleaned[item.pk][0]) for item in items},
        "findings": {item.code: cleaned[item.pk][1] for item in items if cleaned[item.pk][1]},
    }


def submit_review(*, by, assignment: ReviewAssignment, scores: dict, comment: str = "") -> CaseReview:
    """The assigned reviewer's final review: every item scored within 0..max_score, one transaction, audited."""
    with transaction.atomic():
        assignment = (
            ReviewAssignment.objects.select_for_update(of=("self",))
            .select_related("round_case__round__unit", "round_case__case", "reviewer")
            .get(pk=assignment.pk)
        )
        officer = officer_of(by)
        if officer is None or officer.pk != assignment.reviewer_id:
            raise ReviewRefused("not_reviewer")
        round_ = assignment.round_case.round
        if round_.status != ReviewRound.Status.OPEN:
            raise ReviewRefused("round_not_open")
        if CaseReview.objects.filter(assignment=assignment).exists():
            raise ReviewRefused("already_submitted")
        items = _items(round_)
        cleaned = _clean_scores(items, scores)
        review = _write(assignment=assignment, by=by, items=items, cleaned=cleaned, comment=comment)
        audit.record(
            actor=by,
            action="appraisal.review_submit",
            obj=review,
            after=_audit_after(review, items, cleaned),
            unit=assignment.round_case.case.unit,
        )
        _after_review(assignment.round_case, by=by)
    return review


def correct_review(
    *, by, review: CaseReview, scores: dict, reason: str, comment: str | None = None
) -> CaseReview:
    """A new review that replaces `review` (which must be the effective one): its reviewer while the round is open,
    or a round runner of the round's subtree at any time. Audited with the scores before and after."""
    with transaction.atomic():
        assignment = (
            ReviewAssignment.objects.select_for_update(of=("self",))
            .select_related("round_case__round__unit", "round_case__case", "reviewer")
            .get(pk=review.assignment_id)
        )
        review = CaseReview.objects.prefetch_related("scores__item").get(pk=review.pk)
        round_ = assignment.round_case.round
        officer = officer_of(by)
        is_reviewer = officer is not None and officer.pk == assignment.reviewer_id
        is_runner = selectors.rounds_runnable_by(by).filter(pk=round_.pk).exists()
        if not (is_reviewer or is_runner):
            raise ReviewRefused("not_permitted")
        if officer is not None and officer.pk in assignment.round_case.case.handler_ids():
            raise ReviewRefused("handled_file")  # a runner who handled the file does not judge it
        if not is_runner and round_.status != ReviewRound.Status.OPEN:
            raise ReviewRefused("round_not_open")
        if CaseReview.objects.filter(corrects=review).exists():
            raise ReviewRefused("already_corrected")
        if not (reason or "").strip():
            raise ValidationError({"reason": _("Say why the review is corrected.")}, code="reason_required")
        items = _items(round_)
        cleaned = _clean_scores(items, scores)
        new = _write(
            assignment=assignment,
            by=by,
            items=items,
            cleaned=cleaned,
            comment=review.comment if comment is None else comment,
            corrects=review,
            reason=reason,
        )
        audit.record(
            actor=by,
            action="appraisal.review_correct",
            obj=new,
            before={
                "review": review.pk,
                "total": str(review.total),
                "items": {s.item.code: str(s.score) for s in review.scores.all()},
            },
            after={**_audit_after(new, items, cleaned), "corrects": review.pk, "reason": new.reason},
            unit=assignment.round_case.case.unit,
        )
        _after_review(assignment.round_case, by=by)
        if round_.status == ReviewRound.Status.CLOSED:
            from appraisal.services import follow_ups  # noqa: PLC0415 (follow_ups imports this module)

            follow_ups.create_for_round_case(assignment.round_case, by=by)
    return new


# --- effective reviews and the file's score ------------------------------------------------------------------------


def effective_reviews():
    """Reviews nobody corrects: the last of each correction chain."""
    return CaseReview.objects.exclude(Exists(CaseReview.objects.filter(corrects=OuterRef("pk"))))


def effective_by_ordinal(round_case: RoundCase) -> dict[int, CaseReview]:
    rows = effective_reviews().filter(assignment__round_case=round_case).select_related("assignment")
    return {r.assignment.ordinal: r for r in rows}


def file_score(
    totals: dict[int, Decimal], *, reviews_per_file: int, gap: Decimal
) -> tuple[Decimal | None, bool]:
    """(score, needs_third) from the effective totals by ordinal. Pure: tested without a database."""
    first, second, third = totals.get(1), totals.get(2), totals.get(3)
    if reviews_per_file == 1:
        return (_q(first) if first is not None else None), False
    if first is None or second is None:
        return None, False
    if abs(first - second) <= gap:
        return _q((first + second) / 2), False
    if third is None:
        return None, True
    return _q(Decimal(median([first, second, third]))), True


def _after_review(round_case: RoundCase, *, by) -> RoundCase:
    """Recompute the file's score; ask for a third review when the first two differ by more than the gap, drop a
    pending third review when a correction brought them back within it."""
    from appraisal.services import rounds  # noqa: PLC0415 (A's module; rounds imports reviews lazily too)

    round_case = RoundCase.objects.select_related("round").get(pk=round_case.pk)
    round_ = round_case.round
    totals = {n: r.total for n, r in effective_by_ordinal(round_case).items()}
    score, needs_third = file_score(
        totals, reviews_per_file=round_.reviews_per_file, gap=round_.third_review_gap
    )
    if needs_third and round_.status == ReviewRound.Status.OPEN:
        try:
            with transaction.atomic():
                rounds.assign_third(round_case, by=by)
        except rounds.RoundError:
            # No reviewer left: the file is flagged (needs_third) for the round's runners to see; the review
            # itself stands.
            pass
    if not needs_third:
        ReviewAssignment.objects.filter(round_case=round_case, ordinal=3).exclude(
            Exists(CaseReview.objects.filter(assignment=OuterRef("pk")))
        ).delete()
    RoundCase.objects.filter(pk=round_case.pk).update(score=score, needs_third=needs_third)
    round_case.score, round_case.needs_third = score, needs_third
    return round_case


def finalise_round(round_: ReviewRound, *, by=None) -> dict:
    """Compute every drawn file's score (A's close_round calls this inside its transaction), then set the
    follow-ups of the round's low findings (recorded as done by `by`, else by whoever opened the round). Returns
    counts."""
    cases = list(
        RoundCase.objects.filter(round=round_).prefetch_related(
            Prefetch(
                "assignments",
                queryset=ReviewAssignment.objects.prefetch_related(
                    Prefetch("reviews", queryset=effective_reviews(), to_attr="effective")
                ),
            )
        )
    )
    changed = []
    for rc in cases:
        totals = {a.ordinal: a.effective[0].total for a in rc.assignments.all() if a.effective}
        score, needs_third = file_score(
            totals, reviews_per_file=round_.reviews_per_file, gap=round_.third_review_gap
        )
        if (rc.score, rc.needs_third) != (score, needs_third):
            rc.score, rc.needs_third = score, needs_third
            changed.append(rc)
    RoundCase.objects.bulk_update(changed, ["score", "needs_third"])
    from appraisal.services import follow_ups  # noqa: PLC0415

    created = follow_ups.create_for_round(round_, by=by or round_.opened_by)
    return {
        "files": len(cases),
        "scored": sum(1 for rc in cases if rc.score is not None),
        "follow_ups": created,
    }
