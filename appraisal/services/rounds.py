"""Review rounds (案卷评查): open a round over a subtree and a period, draw the files at random from its stored seed,
assign two reviewers from other streets to each, add a third reviewer when two scores disagree, and close it.

Eligible files: the closed files (closed_on within the period) of the round's subtree not drawn in another round.
Reviewers: see appraisal.selectors.eligible_reviewers (active officers of the subtree with the mentor role). The
draw and the assignment are the pure functions of appraisal.sampling; this module reads and writes the rows. The
round page asks for the draw (request_draw) and a django-q task runs it (run_requested_draw), recording its steps and
outcome on the round.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_q.tasks import async_task

from appraisal import sampling, selectors
from appraisal.models import CaseFile, CaseReview, DrawState, ReviewAssignment, ReviewRound, RoundCase, Rubric
from cms import audit
from cms.models import Unit

logger = logging.getLogger(__name__)


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
    """The eligible files as the sampler sees them: two queries of plain rows (a city's 20,000 files as model
    instances took 1.6 s, read twice per draw)."""
    files = eligible_files(round_).order_by()
    co_handlers: dict[int, set[int]] = defaultdict(set)
    through = CaseFile.co_handlers.through.objects.filter(casefile_id__in=files.values("pk"))
    for case_id, officer_id in through.values_list("casefile_id", "officer_id"):
        co_handlers[case_id].add(officer_id)
    return [
        sampling.Candidate(
            case_id=pk,
            number=number,
            street_id=unit_id,
            handler_id=handler_id,
            co_handler_ids=frozenset(co_handlers.get(pk, ())),
        )
        for pk, number, unit_id, handler_id in files.values_list("pk", "number", "unit_id", "handler_id")
    ]


def reviewers(round_: ReviewRound) -> list[sampling.Reviewer]:
    return [
        sampling.Reviewer(officer_id=pk, street_id=unit_id)
        for pk, unit_id in selectors.eligible_reviewers(round_.unit).values_list("pk", "unit_id")
    ]


# --- the draw ----------------------------------------------------------------------------------------------------

# A refusal's text by its code: raised with it, and shown on the round page (in the reader's language) from the
# code and parameters a failed background draw stored on the round.
_MESSAGES = {
    "already_drawn": gettext_lazy("This round has already been drawn."),
    "nothing_to_draw": gettext_lazy(
        "No closed case files of this subtree were closed in the period: nothing to draw."
    ),
    "assignment_infeasible": gettext_lazy(
        "Not enough reviewers from other streets for %(count)s file(s) (%(numbers)s): each needs %(needed)s "
        "reviewer(s) with the mentor role who neither work in the file's street nor handled it."
    ),
    "draw_in_progress": gettext_lazy("The draw of this round is already under way."),
    "not_permitted": gettext_lazy(
        "The account that asked for the draw may no longer run review rounds: nothing was drawn."
    ),
    "out_of_scope": gettext_lazy(
        "The account that asked for the draw may no longer run rounds of this unit: nothing was drawn."
    ),
    "crashed": gettext_lazy(
        "The draw stopped on an unexpected error: nothing was drawn. Try again; if it happens again, tell the "
        "system administrator."
    ),
}

# The steps of a draw, as the round page shows them while the task runs.
DRAW_STEPS = {
    1: gettext_lazy("Reading the eligible files and the reviewers"),
    2: gettext_lazy("Drawing the files"),
    3: gettext_lazy("Assigning the reviewers"),
    4: gettext_lazy("Saving the draw"),
}

Progress = Callable[[int, dict], None]


def draw_error_message(code: str, params: dict | None = None) -> str:
    """The translated text of a draw's refusal, from the code and parameters stored on the round."""
    message = _MESSAGES.get(code, _MESSAGES["crashed"])
    try:
        return str(message) % (params or {})
    except (KeyError, TypeError, ValueError):
        return str(_MESSAGES["crashed"])


def _ensure_drawable(round_: ReviewRound) -> None:
    if round_.status != ReviewRound.Status.DRAFT or round_.cases.exists():
        raise RoundError(_MESSAGES["already_drawn"], "already_drawn")


def _infeasible(exc: sampling.Infeasible, numbers: dict) -> RoundError:
    return RoundError(
        _MESSAGES["assignment_infeasible"],
        "assignment_infeasible",
        {
            "count": len(exc.keys),
            "numbers": "、".join(numbers.get(k, str(k)) for k in exc.keys[:10]),
            "needed": exc.needed,
        },
    )


def _draw(round_: ReviewRound, files: list[sampling.Candidate]) -> list[sampling.Candidate]:
    picked = sampling.draw(
        files,
        seed=round_.seed,
        per_street=round_.per_street,
        share=round_.share,
        min_per_handler=round_.min_per_handler,
    )
    if not picked:
        raise RoundError(_MESSAGES["nothing_to_draw"], "nothing_to_draw")
    return picked


def _assign_drawn(
    round_: ReviewRound, picked: list[sampling.Candidate], pool: list[sampling.Reviewer]
) -> dict[int, list[int]]:
    """{case id: reviewer officer ids in review order} for freshly drawn files (keyed by case id, so the same seed
    and the same files and reviewers give the same assignment)."""
    slots = [sampling.Slot(key=c.case_id, street_id=c.street_id, excluded=c.excluded) for c in picked]
    try:
        return sampling.assign(slots, pool, per_file=round_.reviews_per_file, seed=round_.seed)
    except sampling.Infeasible as exc:
        raise _infeasible(exc, {c.case_id: c.number for c in picked}) from exc


def draw(round_: ReviewRound) -> list[RoundCase]:
    """Store the round's draw (RoundCase rows in draw order). Only a draft round without a draw is drawn."""
    _ensure_drawable(round_)
    picked = _draw(round_, candidates(round_))
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
        raise _infeasible(exc, numbers) from exc
    now = timezone.now()
    return ReviewAssignment.objects.bulk_create(
        ReviewAssignment(round_case_id=key, reviewer_id=officer_id, ordinal=n, assigned_at=now)
        for key, officers in chosen.items()
        for n, officer_id in enumerate(officers, start=1)
    )


def _draw_result(drawn: list[RoundCase], assignments: list[ReviewAssignment], pool) -> dict:
    loads = Counter(a.reviewer_id for a in assignments)
    per_reviewer = [loads.get(r.officer_id, 0) for r in pool]
    return {
        "files": len(drawn),
        "assignments": len(assignments),
        "reviewers": len(pool),
        "reviewers_assigned": len(loads),
        "load_min": min(per_reviewer, default=0),
        "load_max": max(per_reviewer, default=0),
    }


def draw_and_assign(*, by, round_: ReviewRound, progress: Progress | None = None) -> ReviewRound:
    """Draw the files, assign the reviewers and open the round for review, all written in one transaction (the
    body of the background draw, appraisal.tasks.draw_round; also callable directly).

    The draw and the assignment (the slow part: seconds for a city round) are computed before that transaction,
    without holding the round's lock, and `progress(step, counts)` is called at each step of DRAW_STEPS, so that a
    caller writing it to the round outside the transaction lets the round page show it. Inside the transaction,
    under the round's lock, the round must still be an undrawn draft (a second delivery of the task draws nothing)
    and the files and reviewers are read again: when one changed meanwhile, the draw is computed again from what is
    there now."""
    _require_runner(by, round_)
    report = progress or (lambda step, counts: None)
    round_ = ReviewRound.objects.select_related("unit").get(pk=round_.pk)
    _ensure_drawable(round_)
    report(1, {})
    files, pool = candidates(round_), reviewers(round_)
    counts = {"candidates": len(files), "reviewers": len(pool)}
    report(2, dict(counts))
    picked = _draw(round_, files)
    counts["drawn"] = len(picked)
    report(3, dict(counts))
    chosen = _assign_drawn(round_, picked, pool)
    report(4, dict(counts))
    with transaction.atomic():
        round_ = ReviewRound.objects.select_for_update().select_related("unit").get(pk=round_.pk)
        _ensure_drawable(round_)
        files_now, pool_now = candidates(round_), reviewers(round_)
        if set(files_now) != set(files) or set(pool_now) != set(pool):
            pool = pool_now
            picked = _draw(round_, files_now)
            chosen = _assign_drawn(round_, picked, pool)
        drawn = RoundCase.objects.bulk_create(
            RoundCase(round=round_, case_id=c.case_id, draw_order=n) for n, c in enumerate(picked, start=1)
        )
        round_case_of = {rc.case_id: rc.pk for rc in drawn}
        now = timezone.now()
        assignments = ReviewAssignment.objects.bulk_create(
            ReviewAssignment(
                round_case_id=round_case_of[c.case_id], reviewer_id=officer_id, ordinal=n, assigned_at=now
            )
            for c in picked
            for n, officer_id in enumerate(chosen[c.case_id], start=1)
        )
        round_.status = ReviewRound.Status.OPEN
        round_.drawn_at = now
        round_.draw_state = DrawState.DONE
        round_.draw_step = len(DRAW_STEPS)
        round_.draw_report = _draw_result(drawn, assignments, pool)
        round_.save(update_fields=["status", "drawn_at", "draw_state", "draw_step", "draw_report"])
        audit.record(
            actor=by,
            action="appraisal.round_draw",
            obj=round_,
            after={"seed": round_.seed, "files": len(drawn), "assignments": len(assignments)},
            unit=round_.unit,
        )
    return round_


# --- the draw as a background task -------------------------------------------------------------------------------


def _queue_draw(round_id: int, user_id: int):
    return async_task(
        "appraisal.tasks.draw_round",
        round_id,
        user_id,
        task_name=f"round-draw-{round_id}",
        group="round_draw",
    )


def draw_lost_after() -> datetime.timedelta:
    """How long the task queue takes to deliver a task again whose worker died (django-q's `retry`)."""
    return datetime.timedelta(seconds=int(settings.Q_CLUSTER.get("retry", 720)))


def draw_seems_lost(round_: ReviewRound) -> bool:
    """A draw waiting or running for longer than draw_lost_after() (its worker was killed and the task given up, or
    a Redis broker lost it) may be asked for again; a late delivery of the first would then draw nothing."""
    requested = round_.draw_requested_at
    return round_.draw_in_progress and (requested is None or requested < timezone.now() - draw_lost_after())


def request_draw(
    *, by, round_: ReviewRound, enqueue: Callable[[int, int], object] | None = None
) -> ReviewRound:
    """The round page's draw button: mark the round as waiting to draw and queue the draw (appraisal.tasks.
    draw_round, with the acting user's id) once this transaction commits. A draw already under way is not queued
    again; a failed one may be asked for again."""
    _require_runner(by, round_)
    with transaction.atomic():
        round_ = ReviewRound.objects.select_for_update().get(pk=round_.pk)
        _ensure_drawable(round_)
        if round_.draw_in_progress and not draw_seems_lost(round_):
            raise RoundError(_MESSAGES["draw_in_progress"], "draw_in_progress")
        round_.draw_state = DrawState.QUEUED
        round_.draw_step = 0
        round_.draw_report = None
        round_.draw_requested_by = by
        round_.draw_requested_at = timezone.now()
        round_.save(
            update_fields=["draw_state", "draw_step", "draw_report", "draw_requested_by", "draw_requested_at"]
        )
        enqueue = enqueue or _queue_draw
        round_id, user_id = round_.pk, by.pk
        transaction.on_commit(lambda: enqueue(round_id, user_id))
    return round_


def _record_progress(round_id: int) -> Progress:
    def report(step: int, counts: dict) -> None:
        ReviewRound.objects.filter(pk=round_id, draw_state=DrawState.RUNNING).update(
            draw_step=step, draw_report=counts
        )

    return report


def _draw_failed(round_id: int, code: str, params: dict) -> str:
    # A round drawn meanwhile (a concurrent delivery of the same task) keeps its result.
    ReviewRound.objects.filter(pk=round_id, status=ReviewRound.Status.DRAFT).exclude(
        draw_state=DrawState.DONE
    ).update(draw_state=DrawState.FAILED, draw_report={"code": code, "params": audit.jsonable(params)})
    return code


def run_requested_draw(*, round_id: int, user_id: int | None) -> str:
    """The body of appraisal.tasks.draw_round: run a requested draw as the user who asked for it (whose right to run
    the round is checked again) and record its outcome on the round. Returns "done" or the refusal's code.

    Idempotent: only a draft round waiting to draw (or whose draw a killed worker left running) is drawn; any other
    round is left as it is ("already_drawn" for a drawn round, "not_requested" otherwise), and the draw refuses,
    under the round's lock, a round that a concurrent delivery drew meanwhile."""
    started = ReviewRound.objects.filter(
        pk=round_id,
        status=ReviewRound.Status.DRAFT,
        draw_state__in=(DrawState.QUEUED, DrawState.RUNNING),
    ).update(draw_state=DrawState.RUNNING, draw_step=0, draw_report=None)
    round_ = ReviewRound.objects.filter(pk=round_id).first()
    if round_ is None:
        return "missing"
    if not started:
        drawn = round_.status != ReviewRound.Status.DRAFT or round_.cases.exists()
        return "already_drawn" if drawn else "not_requested"
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        draw_and_assign(by=user, round_=round_, progress=_record_progress(round_id))
    except RoundRefused as exc:
        return _draw_failed(round_id, exc.code, {})
    except RoundError as exc:
        return _draw_failed(round_id, exc.code, exc.params or {})
    except Exception:
        logger.exception("review round %s: the draw failed", round_id)
        return _draw_failed(round_id, "crashed", {})
    return DrawState.DONE.value


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
