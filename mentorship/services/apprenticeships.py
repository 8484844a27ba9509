"""An apprenticeship's life: start on hire, advance through finished stages, withdraw on leaving."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cms import audit
from cms.models import Officer
from mentorship import requirements, selectors
from mentorship.models import Apprenticeship, Pairing, Programme, Stage, StageProgress, StageRequirement
from mentorship.services.common import _today


def _enter_stage(apprenticeship: Apprenticeship, stage: Stage, *, by, on: datetime.date) -> StageProgress:
    due = stage.due_date(hire_date=apprenticeship.hire_date, started_on=on)
    progress, _created = StageProgress.objects.get_or_create(
        apprenticeship=apprenticeship, stage=stage, defaults={"started_on": on, "due_on": due}
    )
    apprenticeship.current_stage = stage
    apprenticeship.save(update_fields=["current_stage"])
    courses = [
        r.course
        for r in stage.requirements.filter(kind=StageRequirement.Kind.COURSE).select_related("course")
    ]
    if courses:
        # In the same transaction as the stage (not after its commit): a process killed in between would leave
        # the stage waiting for courses nobody enrolled the officer in, and no later run would enrol them.
        requirements.enrol_in_courses(
            officer=apprenticeship.officer,
            courses=courses,
            by=by if getattr(by, "is_authenticated", False) else None,
            due_on=progress.due_on,
        )
    return progress


@transaction.atomic
def start_apprenticeship(
    *,
    officer: Officer,
    by,
    programme: Programme | None = None,
    hire_date: datetime.date | None = None,
    started_on: datetime.date | None = None,
) -> Apprenticeship | None:
    """Start the programme for an officer (idempotent: returns the running one if there is one)."""
    existing = Apprenticeship.objects.filter(
        officer=officer, status=Apprenticeship.Status.IN_PROGRESS
    ).first()
    if existing:
        return existing
    programme = programme or selectors.programme_for(officer)
    if programme is None:
        return None
    first = programme.stages.order_by("order").first()
    if first is None:
        raise ValidationError(
            _("The programme “%(name)s” has no stages.") % {"name": programme.name},
            code="programme_without_stages",
        )
    if hire_date is None:
        spell = officer.spells.filter(leave_date__isnull=True).order_by("-hire_date").first()
        hire_date = spell.hire_date if spell else _today()
    start = started_on or max(hire_date, _today())
    try:
        with transaction.atomic():
            apprenticeship = Apprenticeship.objects.create(
                officer=officer, programme=programme, hire_date=hire_date, started_on=start
            )
    except IntegrityError:  # a concurrent start won
        return Apprenticeship.objects.get(officer=officer, status=Apprenticeship.Status.IN_PROGRESS)
    _enter_stage(apprenticeship, first, by=by, on=start)
    audit.record(
        actor=by,
        action="mentorship.apprenticeship_start",
        obj=apprenticeship,
        unit=officer.unit,
        after={"programme": programme.pk, "stage": first.pk, "hire_date": hire_date},
    )
    return apprenticeship


@transaction.atomic
def withdraw(*, apprenticeship: Apprenticeship, by, reason: str, on: datetime.date | None = None) -> None:
    apprenticeship = Apprenticeship.objects.select_for_update().get(pk=apprenticeship.pk)
    if apprenticeship.status != Apprenticeship.Status.IN_PROGRESS:
        return
    on = on or _today()
    apprenticeship.status = Apprenticeship.Status.WITHDRAWN
    apprenticeship.ended_on = on
    apprenticeship.save(update_fields=["status", "ended_on"])
    Pairing.objects.filter(apprenticeship=apprenticeship, ended_on__isnull=True).update(
        ended_on=on, end_reason=reason[:200]
    )
    audit.record(
        actor=by,
        action="mentorship.apprenticeship_withdraw",
        obj=apprenticeship,
        unit=apprenticeship.officer.unit,
        after={"reason": reason, "on": on},
    )


@transaction.atomic
def evaluate(*, apprenticeship_id: int, by=None, today: datetime.date | None = None) -> int:
    """Advance through every finished stage. Returns how many stages were completed. Idempotent."""
    today = today or _today()
    apprenticeship = (
        Apprenticeship.objects.select_for_update()
        .select_related("officer__unit", "programme")
        .get(pk=apprenticeship_id)
    )
    advanced = 0
    while apprenticeship.status == Apprenticeship.Status.IN_PROGRESS and apprenticeship.current_stage_id:
        stage = apprenticeship.current_stage
        check = selectors.check_stage(apprenticeship, stage, today=today)
        if not check.met:
            break
        StageProgress.objects.filter(
            apprenticeship=apprenticeship, stage=stage, completed_on__isnull=True
        ).update(completed_on=today)
        advanced += 1
        following = apprenticeship.programme.stages.filter(order__gt=stage.order).order_by("order").first()
        audit.record(
            actor=by,
            action="mentorship.stage_complete",
            obj=apprenticeship,
            unit=apprenticeship.officer.unit,
            after={"stage": stage.pk, "stage_name": stage.name, "next": following.pk if following else None},
        )
        if following is None:
            apprenticeship.status = Apprenticeship.Status.COMPLETED
            apprenticeship.ended_on = today
            apprenticeship.save(update_fields=["status", "ended_on"])
            break
        _enter_stage(apprenticeship, following, by=by, on=today)
    return advanced
