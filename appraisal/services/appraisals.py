"""The enforcement appraisal (执法考评): open a cycle, record a leader's rubric evaluation, decide an officer's
appraisal (one or the whole cycle at once). Evaluations and appraisals are final; a correction is a new row that
names the row it corrects, and every write is audited, as appointment decisions are."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from appraisal import appraisal_selectors as sel
from appraisal.models import Appraisal, AppraisalCycle, LeaderEvaluation, Rubric, RubricItem
from cms import audit
from cms.models import Officer, Unit
from cms.selectors import units_visible_to

# The leader's rubric a cycle gets when none is chosen (written once, in the site's language).
DEFAULT_LEADER_ITEMS = (
    ("politics", "Political integrity and discipline"),
    ("competence", "Legal knowledge and enforcement competence"),
    ("conduct", "Work attitude and conduct"),
    ("results", "Enforcement results"),
    ("integrity", "Clean and lawful enforcement"),
)


class AppraisalRefused(PermissionDenied):
    """The acting user may not do this; `code` names the rule (not_permitted, self_appraisal, not_leader,
    officer_out_of_scope, unit_out_of_scope)."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(message)
        self.code = code


def _refuse(message, code: str, field: str | None = None) -> ValidationError:
    error = ValidationError(message, code=code)
    return ValidationError({field: error}) if field else error


def default_leader_rubric() -> Rubric:
    """The city's default leader rubric (five items of 20 points, each scored 0–10), created on first use."""
    rubric = Rubric.objects.filter(purpose=Rubric.Purpose.LEADER, is_default=True, unit=None).first()
    if rubric is not None:
        return rubric
    from django.conf import settings

    with override(settings.LANGUAGE_CODE):
        rubric = Rubric.objects.create(
            name=_("Leader evaluation (default)"),
            purpose=Rubric.Purpose.LEADER,
            is_default=True,
            description=_("Five parts of 20 points; each scored 0–10 by the officer's unit leader."),
        )
        for order, (code, name) in enumerate(DEFAULT_LEADER_ITEMS):
            RubricItem.objects.create(
                rubric=rubric, sort_order=order, code=code, name=_(name), weight=Decimal(20), max_score=10
            )
    return rubric


@transaction.atomic
def open_cycle(
    *,
    by,
    name: str,
    unit: Unit,
    period_start,
    period_end,
    leader_rubric: Rubric | None = None,
    weights: dict[str, int] | None = None,
) -> AppraisalCycle:
    """A leader or training admin opens a cycle over a subtree they manage. Refuses with AppraisalRefused
    (not_permitted, unit_out_of_scope) or ValidationError (name_required, period_order, no_weight,
    rubric_not_leader)."""
    if not sel.can_run_appraisals(by):
        raise AppraisalRefused("not_permitted")
    if not units_visible_to(by).filter(pk=unit.pk).exists():
        raise AppraisalRefused("unit_out_of_scope")
    if not (name or "").strip():
        raise _refuse(_("Give the cycle a name."), "name_required", "name")
    if period_start > period_end:
        raise _refuse(_("The period cannot end before it starts."), "period_order", "period_end")
    weights = {k: int(v) for k, v in (weights or {}).items() if k in sel.COMPONENTS}
    if weights and any(v < 0 for v in weights.values()):
        raise _refuse(_("Weights cannot be negative."), "no_weight")
    if weights and sum(weights.values()) <= 0:
        raise _refuse(_("At least one weight must be above zero."), "no_weight")
    if leader_rubric is None:
        leader_rubric = default_leader_rubric()
    elif leader_rubric.purpose != Rubric.Purpose.LEADER:
        raise _refuse(_("Choose a rubric made for leader evaluations."), "rubric_not_leader", "leader_rubric")
    cycle = AppraisalCycle.objects.create(
        name=name.strip(),
        unit=unit,
        period_start=period_start,
        period_end=period_end,
        leader_rubric=leader_rubric,
        created_by=by,
        **{f"weight_{k}": v for k, v in weights.items()},
    )
    audit.record(
        actor=by,
        action="appraisal.cycle_open",
        obj=cycle,
        unit=unit,
        object_repr=cycle.name,
        after={
            "unit": unit.pk,
            "period": [period_start, period_end],
            "weights": cycle.weights,
            "leader_rubric": leader_rubric.pk,
        },
    )
    return cycle


@transaction.atomic
def close_cycle(*, by, cycle: AppraisalCycle) -> AppraisalCycle:
    """No more evaluations or decisions; the results stand."""
    if not sel.cycles_runnable_by(by).filter(pk=cycle.pk).exists():
        raise AppraisalRefused("not_permitted")
    if cycle.status == AppraisalCycle.Status.CLOSED:
        return cycle
    AppraisalCycle.objects.filter(pk=cycle.pk).update(status=AppraisalCycle.Status.CLOSED)
    cycle.status = AppraisalCycle.Status.CLOSED
    audit.record(
        actor=by,
        action="appraisal.cycle_close",
        obj=cycle,
        unit=cycle.unit,
        object_repr=cycle.name,
        before={"status": AppraisalCycle.Status.OPEN},
        after={"status": AppraisalCycle.Status.CLOSED},
    )
    return cycle


def _check_open(cycle: AppraisalCycle) -> None:
    if cycle.status != AppraisalCycle.Status.OPEN:
        raise _refuse(_("This appraisal cycle is closed."), "cycle_closed")


def _check_officer(cycle: AppraisalCycle, officer: Officer, by) -> None:
    if officer.user_id is not None and officer.user_id == by.pk:
        raise AppraisalRefused("self_appraisal", _("Nobody appraises themself."))
    if not sel.cycle_officers(cycle, by).filter(pk=officer.pk).exists():
        raise AppraisalRefused("officer_out_of_scope")


@transaction.atomic
def record_leader_evaluation(
    *,
    by,
    cycle: AppraisalCycle,
    officer: Officer,
    scores: dict,
    comment: str = "",
    reason: str = "",
) -> LeaderEvaluation:
    """A unit leader of the officer's subtree scores the cycle's leader rubric item by item ({item id: score},
    0..the item's highest score). The total is the weighted share out of 100. A second evaluation of the same
    officer is a correction: a new row naming the one it replaces, with a reason.

    Refuses with AppraisalRefused (not_leader, self_appraisal, officer_out_of_scope) or ValidationError
    (cycle_closed, no_leader_rubric, score_required, score_out_of_range, reason_required)."""
    if not sel.can_evaluate(by) or not sel.cycles_visible_to(by).filter(pk=cycle.pk).exists():
        raise AppraisalRefused("not_leader")
    _check_officer(cycle, officer, by)
    _check_open(cycle)
    rubric = cycle.leader_rubric
    if rubric is None:
        raise _refuse(_("This cycle has no leader evaluation rubric."), "no_leader_rubric")
    items = list(rubric.items.all())
    clean: dict[str, str] = {}
    points = Decimal(0)
    total_weight = sum((i.weight for i in items), Decimal(0))
    for item in items:
        raw = scores.get(item.pk, scores.get(str(item.pk)))
        if raw in (None, ""):
            raise _refuse(_("Score “%(item)s”.") % {"item": item.name}, "score_required", f"item_{item.pk}")
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or not Decimal(0) <= value <= item.max_score:
            raise _refuse(
                _("Score “%(item)s” from 0 to %(max)s.") % {"item": item.name, "max": item.max_score},
                "score_out_of_range",
                f"item_{item.pk}",
            )
        clean[str(item.pk)] = str(value)
        points += value / item.max_score * item.weight
    total = (
        (points / total_weight * 100).quantize(sel.TWO, rounding=ROUND_HALF_UP)
        if total_weight
        else Decimal(0)
    )
    previous = sel.latest_leader_evaluations(cycle, [officer.pk]).get(officer.pk)
    if previous is not None and not reason.strip():
        raise _refuse(
            _("This officer has already been evaluated: give the reason for the correction."),
            "reason_required",
            "reason",
        )
    evaluation = LeaderEvaluation.objects.create(
        cycle=cycle,
        officer=officer,
        scores=clean,
        total=total,
        comment="\n\n".join(p for p in (comment.strip(), reason.strip()) if p)
        if previous
        else comment.strip(),
        corrects=previous,
        evaluated_by=by,
    )
    audit.record(
        actor=by,
        action="appraisal.leader_evaluation",
        obj=evaluation,
        unit=officer.unit,
        object_repr=f"{cycle.name} · {officer.name}",
        before={"total": previous.total, "scores": previous.scores} if previous else None,
        after={"total": total, "scores": clean, "comment": comment.strip(), "reason": reason.strip()},
    )
    return evaluation


def _build(
    *, by, cycle: AppraisalCycle, officer: Officer, values: dict, previous: Appraisal | None, note: str
) -> tuple[Appraisal, dict]:
    """The unsaved appraisal row and its audit entry (audit.record's keyword arguments, without the saved row)."""
    weights = cycle.weights
    total, missing = sel.weighted_total(values, weights)
    band = sel.band_for(total)
    appraisal = Appraisal(
        cycle=cycle,
        officer=officer,
        score_cases=values["cases"],
        score_exams=values["exams"],
        score_hours=values["hours"],
        score_attendance=values["attendance"],
        score_leader=values["leader"],
        weights=weights,
        missing=missing,
        total=total,
        band=band,
        note=note.strip(),
        corrects=previous,
        decided_by=by,
        decided_at=timezone.now(),
    )
    entry = {
        "actor": by,
        "action": "appraisal.appraisal_decide",
        "unit": officer.unit,
        "object_repr": f"{cycle.name} · {officer.name}",
        "before": {"total": previous.total, "band": previous.band} if previous else None,
        "after": {
            "components": {k: v for k, v in values.items()},
            "weights": weights,
            "missing": missing,
            "total": total,
            "band": band,
            "note": appraisal.note,
            "corrects": previous.pk if previous else None,
        },
    }
    return appraisal, entry


def _write(
    *, by, cycle: AppraisalCycle, officer: Officer, values: dict, previous: Appraisal | None, note: str
) -> Appraisal:
    appraisal, entry = _build(
        by=by, cycle=cycle, officer=officer, values=values, previous=previous, note=note
    )
    appraisal.save(force_insert=True)
    audit.record(obj=appraisal, **entry)
    return appraisal


@transaction.atomic
def decide(*, by, cycle: AppraisalCycle, officer: Officer, note: str = "") -> Appraisal:
    """Write the officer's final appraisal for the cycle from their components now, the cycle's weights and the
    bands (sel.BAND_THRESHOLDS). Deciding again is a correction: a new row naming the one it corrects, with a note
    saying why.

    Refuses with AppraisalRefused (not_permitted, self_appraisal, officer_out_of_scope) or ValidationError
    (cycle_closed, note_required)."""
    if not sel.cycles_runnable_by(by).filter(pk=cycle.pk).exists():
        raise AppraisalRefused("not_permitted")
    _check_officer(cycle, officer, by)
    _check_open(cycle)
    list(AppraisalCycle.objects.select_for_update().filter(pk=cycle.pk).values_list("pk", flat=True))
    previous = sel.latest_appraisals(cycle, [officer.pk]).get(officer.pk)
    if previous is not None and not note.strip():
        raise _refuse(
            _("This officer already has an appraisal in this cycle: say why it is corrected."),
            "note_required",
            "note",
        )
    values = sel.components_for(cycle, [officer])[officer.pk]
    return _write(by=by, cycle=cycle, officer=officer, values=values, previous=previous, note=note)


@transaction.atomic
def decide_cycle(*, by, cycle: AppraisalCycle) -> dict:
    """Decide every officer of the cycle the user may appraise who has no appraisal yet (never the user themself;
    decided ones are left as they stand). Returns {"decided": n, "already": n, "skipped_self": n}."""
    if not sel.cycles_runnable_by(by).filter(pk=cycle.pk).exists():
        raise AppraisalRefused("not_permitted")
    _check_open(cycle)
    list(AppraisalCycle.objects.select_for_update().filter(pk=cycle.pk).values_list("pk", flat=True))
    officers = list(sel.cycle_officers(cycle, by))
    decided = sel.latest_appraisals(cycle, [o.pk for o in officers])
    todo = [o for o in officers if o.pk not in decided and o.user_id != by.pk]
    values = sel.components_for(cycle, todo)
    # One insert for the rows and one for their audit records, whatever the size of the subtree.
    built = [
        _build(by=by, cycle=cycle, officer=officer, values=values[officer.pk], previous=None, note="")
        for officer in todo
    ]
    rows = Appraisal.objects.bulk_create([appraisal for appraisal, _entry in built], batch_size=500)
    audit.record_many([{**entry, "obj": row} for row, (_a, entry) in zip(rows, built, strict=True)])
    return {
        "decided": len(todo),
        "already": len(decided),
        "skipped_self": sum(1 for o in officers if o.pk not in decided and o.user_id == by.pk),
    }
