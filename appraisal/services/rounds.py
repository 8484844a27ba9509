"""Review rounds (案卷评查): open a round over a subtree and a period, draw the files at random from its stored seed,
assign two reviewers from other streets to each, add a third reviewer when two scores disagree, and close it.

Eligible files: the closed files (closed_on within the period) of the round's subtree not drawn in another round.
Reviewers: see appraisal.selectors.eligible_reviewers (active officers of the subtree with the mentor role). The
draw and the assignment are the pure functions of appraisal.sampling; this module reads and writes the rows.
"""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal import sampling, selectors
from appraisal.models import CaseFile, CaseReview, ReviewAssignment, ReviewRound, RoundCase, Rubric
from cms import audit
from cms.models import Unit


class RoundRefused(PermissionDenied):
    """The acting user may not do this to the round; `code` names the rule."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message)
        self.code = code


class RoundError(ValidationError):
    """The round cannot move on (wrong status, nothing to draw, no feasible assignment); `code` is stable."""

    def __init__(self, message, code: str, params: dict | None = None):
        super().__init__(message, code=code, params=params)
        self.code = code


def _require_runner(by, round_: ReviewRound | None = None) -> None:
    if not selectors.can_run_rounds(by):
        raise RoundRefused("not_permitted")
    if round_ is not None and not selectors.rounds_runnable_by(by).filter(pk=round_.pk).exists():
        raise RoundRefused("out_of_scope")


def _settings(round_: ReviewRound) -> dict:
    return {
        "unit": round_.unit_id,
        "period": [round_.period_start.isoformat(), round_.period_end.isoformat()],
        "rubric": round_.rubric_id,
        "seed": round_.seed,
        "per_street": round_.per_street,
        "share": str(round_.share) if round_.share is not None else None,
        "min_per_handler": round_.min_per_handler,
        "reviews_per_file": round_.reviews_per_file,
        "gap": str(round_.third_review_gap),
        "follow_up_days": round_.follow_up_days,
    }


def open_round(
    *,
    by,
    unit: Unit,
    period_start: datetime.date,
    period_end: datetime.date,
    rubric: Rubric,
    name: str = "",
    per_street: int | None = None,
    share: Decimal | None = None,
    min_per_handler: int = 1,
    reviews_per_file: int = 2,
    gap: Decimal = Decimal(10),
    follow_up_days: int = 30,
    seed: int | None = None,
) -> ReviewRound:
    """A draft round; `seed` None draws a random one, which is stored so that the draw can be reproduced."""
    _require_runner(by)
    errors = {}
    if not selectors.round_units_for(by).filter(pk=unit.pk).exists():
        raise RoundRefused("unit_out_of_scope")
    if not selectors.round_rubrics_for(by).filter(pk=rubric.pk).exists():
        errors["rubric"] = _("Choose a case-review rubric you may use.")
    if period_end < period_start:
        errors["period_end"] = _("The end of the period is earlier than its start.")
    if (per_street is None) == (share is None):
        errors["per_street"] = _("Give either a number of files per street or a share of files, not both.")
    if per_street is not None and per_street < 1:
        errors["per_street"] = _("Draw at least one file per street.")
    if share is not None and not (Decimal(0) < Decimal(share) <= Decimal(1)):
        errors["share"] = _("The share is a number above 0 and at most 1.")
    if reviews_per_file not in (1, 2):
        errors["reviews_per_file"] = _("A file gets one or two reviews.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        round_ = ReviewRound.objects.create(
            name=name
            or _("%(unit)s case review %(start)s – %(end)s")
            % {"unit": unit.name, "start": period_start, "end": period_end},
            unit=unit,
            period_start=period_start,
            period_end=period_end,
            rubric=rubric,
            seed=secrets.randbits(48) if seed is None else seed,
            per_street=per_street,
            share=share,
            min_per_handler=min_per_handler,
            reviews_per_file=reviews_per_file,
            third_review_gap=gap,
            follow_up_days=follow_up_days,
            opened_by=by,
        )
        audit.record(actor=by, action="appraisal.round_open", obj=round_, after=_settings(round_), unit=unit)
    return round_


def eligible_files(round_: ReviewRound):
    """The closed files of the subtree and period that no other round has drawn."""
    in_other_round = RoundCase.objects.filter(case=OuterRef("pk")).exclude(round=round_)
    return (
        CaseFile.objects.filter(
            unit__path__startswith=round_.unit.path,
            closed_on__gte=round_.period_start,
            closed_on__lte=round_.period_end,
        )
        .exclude(Exists(in_other_round))
        .prefetch_related("co_handlers")
    )


def candidates(round_: ReviewRound) -> list[sampling.Candidate]:
    return [
        sampling.Candidate(
            case_id=case.pk,
            number=case.number,
            street_id=case.unit_id,
            handler_id=case.handler_id,
            co_handler_ids=frozenset(o.pk for o in case.co_handlers.all()),
        )
        for case in eligible_files(round_)
    ]


def reviewers(round_: ReviewRound) -> list[sampling.Reviewer]:
    return [
        sampling.Reviewer(officer_id=pk, street_id=unit_id)
        for pk, unit_id in selectors.eligible_reviewers(round_.unit).values_list("pk", "unit_id")
    ]


def draw(round_: ReviewRound) -> list[RoundCase]:
    """Store the round's draw (RoundCase rows in draw order). Only a draft round without a draw is drawn."""
    if round_.status != ReviewRound.Status.DRAFT or round_.cases.exists():
        raise RoundError(_("This round has already been drawn."), "already_drawn")
    picked = sampling.draw(
        candidates(round_),
        seed=round_.seed,
        per_street=round_.per_street,
        share=round_.share,
        min_per_handler=round_.min_per_handler,
    )
    if not picked:
        raise RoundError(
            _("No closed case files of this subtree were closed in the period: nothing to draw."),
            "nothing_to_draw",
        )
    return RoundCase.objects.bulk_create(
        RoundCase(round=round_, case_id=c.case_id, draw_order=n) for n, c in enumerate(picked, start=1)
    )


def _slots(round_cases) -> list[sampling.Slot]:
    return [
        sampling.Slot(
            key=rc.pk,
            street_id=rc.case.unit_id,
            excluded=frozenset({rc.case.handler_id, *(o.pk for o in rc.case.co_handlers.all())}),
            already=frozenset(a.reviewer_id for a in rc.assignments.all()),
        )
        for rc in round_cases
    ]


def assign(round_: ReviewRound) -> list[ReviewAssignment]:
    """Assign `reviews_per_file` reviewers to every drawn file without any; RoundError when impossible."""
    pending = list(
        round_.cases.filter(assignments__isnull=True)
        .select_related("case")
        .prefetch_related("case__co_handlers", "assignments")
    )
    if not pending:
        return []
    try:
        chosen = sampling.assign(
            _slots(pending), reviewers(round_), per_file=round_.reviews_per_file, seed=round_.seed
        )
    except sampling.Infeasible as exc:
        numbers = dict(RoundCase.objects.filter(pk__in=exc.keys).values_list("pk", "case__number"))
        raise RoundError(
            _(
                "Not enough reviewers from other streets for %(count)s file(s) (%(numbers)s): each needs %(needed)s "
                "reviewer(s) with the mentor role who neither work in the file's street nor handled it."
            ),
            "assignment_infeasible",
            {
                "count": len(exc.keys),
                "numbers": "、".join(numbers.get(k, str(k)) for k in exc.keys[:10]),
                "needed": exc.needed,
            },
        ) from exc
    now = timezone.now()
    return ReviewAssignment.objects.bulk_create(
        ReviewAssignment(round_case_id=key, reviewer_id=officer_id, ordinal=n, assigned_at=now)
        for key, officers in chosen.items()
        for n, officer_id in enumerate(officers, start=1)
    )


def draw_and_assign(*, by, round_: ReviewRound) -> ReviewRound:
    """The round page's button: draw the files, assign the reviewers, and open the round for review."""
    _require_runner(by, round_)
    with transaction.atomic():
        round_ = ReviewRound.objects.select_for_update().select_related("unit").get(pk=round_.pk)
        drawn = draw(round_)
        assignments = assign(round_)
        round_.status = ReviewRound.Status.OPEN
        round_.drawn_at = timezone.now()
        round_.save(update_fields=["status", "drawn_at"])
        audit.record(
            actor=by,
            action="appraisal.round_draw",
            obj=round_,
            after={"seed": round_.seed, "files": len(drawn), "assignments": len(assignments)},
            unit=round_.unit,
        )
    return round_


def round_load(round_: ReviewRound) -> dict[int, int]:
    return dict(
        ReviewAssignment.objects.filter(round_case__round=round_)
        .values_list("reviewer_id")
        .annotate(n=Count("pk"))
        .values_list("reviewer_id", "n")
    )


def assign_third(round_case: RoundCase, *, by=None) -> ReviewAssignment:
    """A third, deciding reviewer for a file whose two scores differ by more than the round's gap: same rules, not
    already on the file, the least loaded of the round. Idempotent: an existing third assignment is returned."""
    with transaction.atomic():
        round_case = (
            RoundCase.objects.select_for_update(of=("self",))
            .select_related("round__unit", "case")
            .get(pk=round_case.pk)
        )
        existing = round_case.assignments.filter(ordinal=3).first()
        if existing is not None:
            return existing
        round_ = round_case.round
        slot = _slots(
            RoundCase.objects.filter(pk=round_case.pk)
            .select_related("case")
            .prefetch_related("case__co_handlers", "assignments")
        )[0]
        officer_id = sampling.pick_third(slot, reviewers(round_), round_load(round_), seed=round_.seed)
        if officer_id is None:
            raise RoundError(
                _("No reviewer from another street is left for a third review of %(number)s."),
                "no_third_reviewer",
                {"number": round_case.case.number},
            )
        assignment = ReviewAssignment.objects.create(round_case=round_case, reviewer_id=officer_id, ordinal=3)
        if not round_case.needs_third:
            round_case.needs_third = True
            round_case.save(update_fields=["needs_third"])
        audit.record(
            actor=by,
            action="appraisal.round_draw",
            obj=round_,
            after={"third_review": round_case.case.number, "reviewer": officer_id},
            unit=round_.unit,
        )
    return assignment


def pending_assignments(round_: ReviewRound):
    """Assignments of the round without a submitted review."""
    return ReviewAssignment.objects.filter(round_case__round=round_).exclude(
        Exists(CaseReview.objects.filter(assignment=OuterRef("pk")))
    )


def close_round(*, by, round_: ReviewRound, confirm_pending: bool = False) -> ReviewRound:
    """Close an open round. With reviews still pending the caller must confirm; then the scores are computed
    (appraisal.services.reviews.finalise_round, when present)."""
    _require_runner(by, round_)
    with transaction.atomic():
        round_ = ReviewRound.objects.select_for_update().select_related("unit").get(pk=round_.pk)
        if round_.status != ReviewRound.Status.OPEN:
            raise RoundError(_("Only a round under review can be closed."), "not_open")
        pending = pending_assignments(round_).count()
        if pending and not confirm_pending:
            raise RoundError(
                _("%(count)s review(s) are still pending; confirm to close the round anyway."),
                "pending_reviews",
                {"count": pending},
            )
        round_.status = ReviewRound.Status.CLOSED
        round_.closed_at = timezone.now()
        round_.save(update_fields=["status", "closed_at"])
        finalise = _finaliser()
        if finalise is not None:
            finalise(round_, by=by)
        audit.record(
            actor=by,
            action="appraisal.round_close",
            obj=round_,
            after={"pending_reviews": pending},
            unit=round_.unit,
        )
    return round_


def _finaliser():
    try:
        from appraisal.services import reviews  # noqa: PLC0415 (B's module, optional while it is being built)
    except ImportError:
        return None
    return getattr(reviews, "finalise_round", None)


def progress(round_: ReviewRound) -> list[dict]:
    """Per reviewer: assigned, submitted and pending reviews (one query)."""
    rows = (
        ReviewAssignment.objects.filter(round_case__round=round_)
        .annotate(done=Exists(CaseReview.objects.filter(assignment=OuterRef("pk"))))
        .values_list("reviewer_id", "reviewer__name", "reviewer__employee_no", "reviewer__unit__name", "done")
    )
    by_reviewer: dict[int, dict] = {}
    for reviewer_id, name, employee_no, unit_name, done in rows:
        row = by_reviewer.setdefault(
            reviewer_id,
            {"name": name, "employee_no": employee_no, "unit": unit_name, "assigned": 0, "submitted": 0},
        )
        row["assigned"] += 1
        row["submitted"] += int(bool(done))
    result = sorted(by_reviewer.values(), key=lambda r: (r["unit"], r["name"]))
    for row in result:
        row["pending"] = row["assigned"] - row["submitted"]
    return result
