"""Writes of analytics: HR's appointment decisions on a selection board (final, audited)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from analytics import selection, selectors
from analytics.models import AppointmentDecision, SelectionBoard
from cms import audit
from cms.models import Officer, Post


class BoardNotVisible(PermissionDenied):
    """The acting user may not use selection boards, or not this one (outside their scope)."""

    code = "board_not_visible"


@transaction.atomic
def decide(
    *,
    board: SelectionBoard,
    officer: Officer,
    by,
    outcome: str,
    rationale: str,
    post: Post | None = None,
) -> AppointmentDecision:
    """Record HR's decision on one candidate, with the composite score it was taken on.

    Refuses with BoardNotVisible, or ValidationError coded not_a_candidate, outcome_invalid, rationale_required
    or post_required."""
    if not selectors.boards_visible_to(by).filter(pk=board.pk).exists():
        raise BoardNotVisible
    if not selectors.candidate_officers(board, by).filter(pk=officer.pk).exists():
        raise ValidationError(
            _("%(name)s is not a candidate on this board.") % {"name": officer.name}, code="not_a_candidate"
        )
    if outcome not in AppointmentDecision.Outcome.values:
        raise ValidationError({"outcome": ValidationError(_("Choose a decision."), code="outcome_invalid")})
    if not rationale.strip():
        raise ValidationError(
            {
                "rationale": ValidationError(
                    _("A rationale is required for every decision."), code="rationale_required"
                )
            }
        )
    if outcome == AppointmentDecision.Outcome.APPOINT and post is None:
        raise ValidationError(
            {"post": ValidationError(_("Choose the post to appoint to."), code="post_required")}
        )
    if outcome != AppointmentDecision.Outcome.APPOINT:
        post = None
    previous = selectors.latest_decisions(board).get(officer.pk)
    score, _contributions, _missing = selection.composite(
        selectors.components_for([officer.pk])[officer.pk], board.weights
    )
    decision = AppointmentDecision.objects.create(
        board=board,
        officer=officer,
        outcome=outcome,
        post=post,
        rationale=rationale.strip(),
        score=score,
        decided_by=by,
    )
    audit.record(
        actor=by,
        action="analytics.appointment_decision",
        obj=decision,
        unit=officer.unit,
        object_repr=f"{board.title} · {officer.name}",
        before={"outcome": previous.outcome, "post": previous.post_id} if previous else None,
        after={
            "outcome": outcome,
            "post": getattr(post, "pk", None),
            "rationale": decision.rationale,
            "score": score,
        },
    )
    return decision
