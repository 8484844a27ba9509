"""Stage evaluations both ways: the mentor scores the apprentice, the apprentice scores the mentor."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cms import audit
from mentorship import selectors
from mentorship.models import APPRENTICE_RUBRIC, MENTOR_RUBRIC, Apprenticeship, Evaluation, Stage
from mentorship.services.common import NotPermitted


@transaction.atomic
def record_evaluation(
    *,
    apprenticeship: Apprenticeship,
    stage: Stage,
    by,
    direction: str,
    scores: dict,
    comments: dict | None = None,
    overall_comment: str = "",
) -> Evaluation:
    pairing = (
        selectors.active_pairing(apprenticeship) or apprenticeship.pairings.order_by("-started_on").first()
    )
    if pairing is None:
        raise ValidationError(_("This apprentice has no mentor yet."), code="no_mentor")
    if direction == Evaluation.Direction.OF_APPRENTICE:
        if not by.is_superuser and not selectors.mentor_can_act(by, apprenticeship):
            raise NotPermitted("not_mentor")
        rubric = APPRENTICE_RUBRIC
    elif direction == Evaluation.Direction.OF_MENTOR:
        if apprenticeship.officer.user_id != by.pk:
            raise NotPermitted("not_apprentice")
        rubric = MENTOR_RUBRIC
    else:
        raise ValidationError(_("Unknown evaluation direction."), code="unknown_direction")
    clean = {}
    for key, label in rubric:
        try:
            value = int(scores.get(key))
        except (TypeError, ValueError):
            value = None
        if value is None or not 1 <= value <= 5:
            raise ValidationError(
                {
                    key: ValidationError(
                        _("Score “%(c)s” from 1 to 5.") % {"c": label}, code="score_out_of_range"
                    )
                }
            )
        clean[key] = value
    if Evaluation.objects.filter(apprenticeship=apprenticeship, stage=stage, direction=direction).exists():
        raise ValidationError(_("This stage has already been evaluated."), code="already_evaluated")
    evaluation = Evaluation.objects.create(
        apprenticeship=apprenticeship,
        stage=stage,
        direction=direction,
        mentor=pairing.mentor,
        scores=clean,
        comments={k: v for k, v in (comments or {}).items() if k in clean and v},
        overall_comment=overall_comment,
        evaluator=by,
    )
    audit.record(
        actor=by,
        action="mentorship.evaluation",
        obj=apprenticeship,
        unit=apprenticeship.officer.unit,
        after={"stage": stage.pk, "direction": direction, "scores": clean},
    )
    return evaluation
